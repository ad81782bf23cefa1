/* test_queues.c - unit tests for feedback/queues.h and feedback/export.h on a migrated store:
 * filling a queue by filter and by trace ids (all or nothing), rubric and filter validation
 * naming the field, claim order, a reviewer getting their own item back, lease expiry with an
 * injected clock and with a lease of 0, claims from four threads on four connections never
 * handing out an item twice, completion checked against the rubric (nothing written on a
 * refusal, 409 for another reviewer's lease, a second completion replacing the scores),
 * progress counts, and the JSONL export (line content, name filter, only_with_feedback, paging
 * past FEEDBACK_EXPORT_CHUNK).
 *
 * Every test runs on SQLite and, when LLMOPS_TEST_PG_URL is set, on PostgreSQL. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"
#include "unit/trace_testutil.h"

#include <jansson.h>
#include <pthread.h>

#include "base/buf.h"
#include "base/json.h"
#include "feedback/export.h"
#include "feedback/queues.h"
#include "feedback/scores.h"
#include "traces/trace_store.h"

#define BASE_MS 1700000000000LL
#define NOW     1800000000000LL
#define MINUTE  60000LL

static int setup(void **state)
{
    test_store_t *f = *state;
    test_store_exec(f->store, "DELETE FROM annotation_items");
    test_store_exec(f->store, "DELETE FROM annotation_queues");
    test_store_exec(f->store, "DELETE FROM scores");
    test_store_exec(f->store, "DELETE FROM traces");
    test_store_exec(f->store, "DELETE FROM spans");
    test_store_exec(f->store, "DELETE FROM gateway_key_usage");
    return 0;
}

/* n gateway traces (trace_testutil.h): trace i starts at BASE_MS + 10 i. */
static void insert_traces(test_store_t *f, int salt, int n)
{
    json_t **recs = calloc((size_t)n, sizeof *recs);
    for (int i = 0; i < n; i++)
        recs[i] = test_trace_record(salt, i, BASE_MS);
    trace_insert_result_t r;
    err_t err;
    if (trace_store_insert(f->store, recs, (size_t)n, &r, &err) != 0)
        fail_msg("trace_store_insert: %s", err.message);
    for (int i = 0; i < n; i++)
        json_decref(recs[i]);
    free(recs);
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

static json_t *create_ok(test_store_t *f, const char *spec)
{
    json_t *in = parse(spec);
    err_t err;
    json_t *q = queues_create(f->store, in, NOW, &err);
    json_decref(in);
    if (!q)
        fail_msg("queues_create %s: %s (%s)", spec, err.message, err.field);
    return q;
}

static void create_bad(test_store_t *f, const char *spec, int status, const char *field)
{
    json_t *in = parse(spec);
    err_t err;
    err_clear(&err);
    json_t *q = queues_create(f->store, in, NOW, &err);
    json_decref(in);
    if (q)
        fail_msg("accepted queue %s", spec);
    assert_int_equal(err.status, status);
    if (field)
        assert_string_equal(err.field, field);
}

static int64_t progress(const json_t *queue, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(queue, "progress"), key));
}

static int64_t progress_of(test_store_t *f, const char *queue, int64_t now, const char *key)
{
    err_t err;
    json_t *q = queues_get(f->store, queue, now, &err);
    assert_non_null(q);
    int64_t n = progress(q, key);
    json_decref(q);
    return n;
}

/* The trace id queues_next handed to reviewer, or "" when none (copied into out). */
static void next_id(test_store_t *f, const char *queue, const char *reviewer, int64_t now,
                    char out[33])
{
    err_t err;
    json_t *r = queues_next(f->store, queue, reviewer, now, &err);
    if (!r)
        fail_msg("queues_next: %s", err.message);
    json_t *item = json_object_get(r, "item");
    snprintf(out, 33, "%s",
             json_is_null(item) ? "" : json_string_value(json_object_get(item, "trace_id")));
    if (!json_is_null(item)) {
        assert_string_equal(json_string_value(json_object_get(item, "status")), "in_progress");
        assert_string_equal(json_string_value(json_object_get(item, "reviewer")), reviewer);
    }
    json_decref(r);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void create_fills_by_filter(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 1, 10);
    json_t *q = create_ok(f, "{\"name\":\"ep0\",\"filter\":{\"endpoint\":\"ep0\"}}");
    assert_int_equal(json_integer_value(json_object_get(q, "items_added")), 5);
    assert_int_equal(progress(q, "total"), 5);
    assert_int_equal(progress(q, "pending"), 5);
    assert_int_equal(json_integer_value(json_object_get(q, "lease_minutes")), 30);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(q, "filter"), "endpoint")), "ep0");
    json_decref(q);
    q = create_ok(f, "{\"name\":\"errors\",\"filter\":{\"status\":\"error\",\"user\":\"bob\"}}");
    /* errors are i = 4, 9; bob has the even i */
    assert_int_equal(json_integer_value(json_object_get(q, "items_added")), 1);
    json_decref(q);
    q = create_ok(f, "{\"name\":\"window\",\"filter\":{\"since\":1700000000020,"
                     "\"until\":1700000000050}}");
    assert_int_equal(json_integer_value(json_object_get(q, "items_added")), 3);
    json_decref(q);
    q = create_ok(f, "{\"name\":\"newest2\",\"limit\":2}");
    assert_int_equal(json_integer_value(json_object_get(q, "items_added")), 2);
    json_decref(q);
    q = create_ok(f, "{\"name\":\"empty\",\"fill\":false}");
    assert_int_equal(progress(q, "total"), 0);
    json_decref(q);

    err_t err;
    json_t *list = queues_list(f->store, NOW, &err);
    assert_int_equal(json_array_size(json_object_get(list, "queues")), 5);
    json_decref(list);
    /* by name as well as by id */
    assert_int_equal(progress_of(f, "ep0", NOW, "total"), 5);

    create_bad(f, "{\"name\":\"ep0\"}", 409, NULL);
    create_bad(f, "{\"name\":\"x\",\"filter\":{\"bogus\":1}}", 400, "filter.bogus");
    create_bad(f, "{\"name\":\"x\",\"filter\":{\"status\":\"fine\"}}", 400, "filter.status");
    create_bad(f, "{\"name\":\"x\",\"filter\":{\"since\":\"yesterday\"}}", 400, "filter.since");
    create_bad(f, "{\"name\":\"x\",\"lease_minutes\":-1}", 400, "lease_minutes");
    create_bad(f, "{\"name\":\"\"}", 400, "name");
    create_bad(f, "{\"name\":\"x\",\"limit\":0}", 400, "limit");
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM annotation_queues"), 5);
    assert_int_equal(queues_delete(f->store, "ep0", &err), 0);
    assert_null(queues_get(f->store, "ep0", NOW, &err));
    assert_int_equal(err.status, 404);
    assert_int_equal(queues_delete(f->store, "ep0", &err), -1);
    assert_int_equal(err.status, 404);
}

static void rubric_validation(void **state)
{
    test_store_t *f = *state;
    create_bad(f, "{\"name\":\"r\",\"rubric\":{}}", 400, "rubric");
    create_bad(f, "{\"name\":\"r\",\"rubric\":[{\"data_type\":\"boolean\"}]}", 400,
               "rubric[0].name");
    create_bad(f, "{\"name\":\"r\",\"rubric\":[{\"name\":\"a\",\"data_type\":\"text\"}]}", 400,
               "rubric[0].data_type");
    create_bad(f,
               "{\"name\":\"r\",\"rubric\":[{\"name\":\"a\",\"data_type\":\"boolean\"},"
               "{\"name\":\"a\",\"data_type\":\"boolean\"}]}",
               400, "rubric[1].name");
    create_bad(f, "{\"name\":\"r\",\"rubric\":[{\"name\":\"a\",\"data_type\":\"categorical\"}]}",
               400, "rubric[0].categories");
    create_bad(f,
               "{\"name\":\"r\",\"rubric\":[{\"name\":\"a\",\"data_type\":\"numeric\",\"min\":5,"
               "\"max\":1}]}",
               400, "rubric[0].max");
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM annotation_queues"), 0);
    json_t *q = create_ok(f, "{\"name\":\"r\",\"rubric\":[{\"name\":\"stars\",\"data_type\":"
                             "\"numeric\",\"min\":1,\"max\":5,\"required\":true}]}");
    json_t *cfg = json_array_get(json_object_get(q, "rubric"), 0);
    assert_true(json_is_true(json_object_get(cfg, "required")));
    assert_true(json_number_value(json_object_get(cfg, "max")) == 5);
    json_decref(q);
}

static void claims_oldest_and_keeps_own(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 2, 4);
    json_decref(create_ok(f, "{\"name\":\"q\"}"));
    char a[33], a2[33], b[33], c[33], first[33], second[33];
    test_trace_id(2, 0, first);
    test_trace_id(2, 1, second);
    next_id(f, "q", "alice", NOW, a);
    assert_string_equal(a, first);
    /* asking again gives alice the same item, not a second one */
    next_id(f, "q", "alice", NOW + MINUTE, a2);
    assert_string_equal(a2, first);
    next_id(f, "q", "bob", NOW, b);
    assert_string_equal(b, second);
    assert_int_equal(progress_of(f, "q", NOW + MINUTE, "in_progress"), 2);
    assert_int_equal(progress_of(f, "q", NOW + MINUTE, "pending"), 2);
    /* alice renewed at NOW+1min: her lease runs to NOW+31min, bob's to NOW+30min */
    int64_t later = NOW + 30 * MINUTE + 1;
    assert_int_equal(progress_of(f, "q", later, "in_progress"), 1);
    assert_int_equal(progress_of(f, "q", later, "pending"), 3);
    next_id(f, "q", "carol", later, c);
    assert_string_equal(c, second); /* bob's abandoned claim came back first */
    err_t err;
    json_t *items = queues_items(f->store, "q", "in_progress", 0, NULL, later, &err);
    assert_int_equal(json_array_size(json_object_get(items, "items")), 2);
    json_decref(items);
    assert_null(queues_next(f->store, "q", "", NOW, &err));
    assert_string_equal(err.field, "reviewer");
    assert_null(queues_next(f->store, "nope", "x", NOW, &err));
    assert_int_equal(err.status, 404);
}

static void lease_zero_returns_at_once(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 3, 2);
    json_decref(create_ok(f, "{\"name\":\"z\",\"lease_minutes\":0}"));
    char a[33], b[33];
    next_id(f, "z", "alice", NOW, a);
    next_id(f, "z", "bob", NOW, b);
    assert_string_equal(a, b);
    assert_int_equal(progress_of(f, "z", NOW, "pending"), 2);
}

static void empty_queue_gives_null(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 4, 1);
    json_decref(create_ok(f, "{\"name\":\"one\"}"));
    char a[33], b[33];
    next_id(f, "one", "alice", NOW, a);
    assert_true(a[0] != 0);
    next_id(f, "one", "bob", NOW, b);
    assert_string_equal(b, "");
}

/* ---- concurrency ----------------------------------------------------------------------------- */

#define CLAIM_ITEMS   24
#define CLAIM_THREADS 4

typedef struct claimer {
    test_store_t *f;
    char reviewer[16];
    char got[CLAIM_ITEMS][33];
    int n, failed;
} claimer_t;

static void *claim_all(void *arg)
{
    claimer_t *c = arg;
    for (;;) {
        err_t err;
        json_t *r = queues_next(c->f->store, "race", c->reviewer, NOW, &err);
        if (!r) {
            c->failed = 1;
            break;
        }
        json_t *item = json_object_get(r, "item");
        if (json_is_null(item)) {
            json_decref(r);
            break;
        }
        const char *id = json_string_value(json_object_get(item, "trace_id"));
        if (c->n < CLAIM_ITEMS)
            snprintf(c->got[c->n++], 33, "%s", id);
        json_t *body = json_pack("{s:s}", "reviewer", c->reviewer);
        json_t *done = queues_skip(c->f->store, "race", id, body, NOW, &err);
        json_decref(body);
        json_decref(r);
        if (!done) {
            c->failed = 1;
            break;
        }
        json_decref(done);
    }
    return NULL;
}

static void concurrent_claims_never_collide(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 5, CLAIM_ITEMS);
    json_decref(create_ok(f, "{\"name\":\"race\"}"));
    claimer_t cs[CLAIM_THREADS];
    pthread_t th[CLAIM_THREADS];
    for (int i = 0; i < CLAIM_THREADS; i++) {
        memset(&cs[i], 0, sizeof cs[i]);
        cs[i].f = f;
        snprintf(cs[i].reviewer, sizeof cs[i].reviewer, "r%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, claim_all, &cs[i]), 0);
    }
    for (int i = 0; i < CLAIM_THREADS; i++)
        pthread_join(th[i], NULL);
    int total = 0;
    for (int i = 0; i < CLAIM_THREADS; i++) {
        assert_false(cs[i].failed);
        total += cs[i].n;
        for (int k = 0; k < cs[i].n; k++)
            for (int j = 0; j <= i; j++)
                for (int l = 0; l < (j == i ? k : cs[j].n); l++)
                    if (strcmp(cs[i].got[k], cs[j].got[l]) == 0)
                        fail_msg("%s handed to %s and %s", cs[i].got[k], cs[i].reviewer,
                                 cs[j].reviewer);
    }
    assert_int_equal(total, CLAIM_ITEMS);
    assert_int_equal(progress_of(f, "race", NOW, "skipped"), CLAIM_ITEMS);
}

/* ---- completing ------------------------------------------------------------------------------ */

#define RUBRIC                                                                                     \
    "[{\"name\":\"helpful\",\"data_type\":\"boolean\",\"required\":true},"                         \
    "{\"name\":\"stars\",\"data_type\":\"numeric\",\"min\":1,\"max\":5},"                          \
    "{\"name\":\"tone\",\"data_type\":\"categorical\",\"categories\":[\"polite\",\"rude\"]}]"

static void complete_bad(test_store_t *f, const char *trace, const char *body, int status,
                         const char *field)
{
    json_t *in = parse(body);
    err_t err;
    err_clear(&err);
    json_t *out = queues_complete(f->store, "rq", trace, in, NOW, &err);
    json_decref(in);
    if (out)
        fail_msg("accepted completion %s", body);
    assert_int_equal(err.status, status);
    if (field)
        assert_string_equal(err.field, field);
}

static void complete_checks_rubric(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 6, 3);
    json_decref(create_ok(f, "{\"name\":\"rq\",\"rubric\":" RUBRIC "}"));
    char t[33];
    next_id(f, "rq", "alice", NOW, t);
    complete_bad(f, t, "{\"reviewer\":\"alice\",\"scores\":{\"stars\":3}}", 400, "scores.helpful");
    complete_bad(f, t, "{\"reviewer\":\"alice\",\"scores\":{\"helpful\":true,\"stars\":7}}", 400,
                 "scores.stars");
    complete_bad(f, t, "{\"reviewer\":\"alice\",\"scores\":{\"helpful\":1}}", 400,
                 "scores.helpful");
    complete_bad(f, t, "{\"reviewer\":\"alice\",\"scores\":{\"helpful\":true,\"tone\":\"meh\"}}",
                 400, "scores.tone");
    complete_bad(f, t, "{\"reviewer\":\"alice\",\"scores\":{\"helpful\":true,\"x\":1}}", 400,
                 "scores.x");
    complete_bad(f, t, "{\"scores\":{\"helpful\":true}}", 400, "reviewer");
    complete_bad(f, t, "{\"reviewer\":\"alice\",\"scores\":7}", 400, "scores");
    /* bob may not answer for alice while her lease runs */
    complete_bad(f, t, "{\"reviewer\":\"bob\",\"scores\":{\"helpful\":true}}", 409, NULL);
    complete_bad(f, "ffffffffffffffffffffffffffffffff",
                 "{\"reviewer\":\"alice\",\"scores\":{\"helpful\":true}}", 404, NULL);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores"), 0);
    assert_int_equal(progress_of(f, "rq", NOW, "in_progress"), 1);

    json_t *in = parse("{\"reviewer\":\"alice\",\"scores\":[{\"name\":\"helpful\",\"value\":false,"
                       "\"comment\":\"wrong\",\"correction\":\"Paris\"},{\"name\":\"stars\","
                       "\"value\":2},{\"name\":\"tone\",\"value\":\"polite\"}]}");
    err_t err;
    json_t *out = queues_complete(f->store, "rq", t, in, NOW, &err);
    json_decref(in);
    if (!out)
        fail_msg("complete: %s (%s)", err.message, err.field);
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "item"), "status")),
                        "done");
    assert_int_equal(json_array_size(json_object_get(out, "scores")), 3);
    json_t *first = json_array_get(json_object_get(out, "scores"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "source")), "human");
    assert_string_equal(json_string_value(json_object_get(first, "author")), "alice");
    assert_string_equal(json_string_value(json_object_get(first, "correction")), "Paris");
    assert_int_equal(progress(json_object_get(out, "queue"), "done"), 1);
    json_decref(out);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores WHERE queue_id IS "
                                                "NOT NULL AND source = 'human'"),
                     3);
    /* a second completion replaces the first's scores */
    in = parse("{\"reviewer\":\"alice\",\"scores\":{\"helpful\":true}}");
    out = queues_complete(f->store, "rq", t, in, NOW, &err);
    json_decref(in);
    assert_non_null(out);
    json_decref(out);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores"), 1);
    assert_int_equal(progress_of(f, "rq", NOW, "done"), 1);
    assert_int_equal(progress_of(f, "rq", NOW, "pending"), 2);
}

static void add_items_by_ids(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 7, 3);
    json_decref(create_ok(f, "{\"name\":\"ids\",\"fill\":false}"));
    char t0[33], t1[33];
    test_trace_id(7, 0, t0);
    test_trace_id(7, 1, t1);
    char body[256];
    snprintf(body, sizeof body, "{\"trace_ids\":[\"%s\",\"%s\"]}", t0,
             "00000000000000000000000000000001");
    json_t *in = parse(body);
    err_t err;
    assert_null(queues_add_items(f->store, "ids", in, NOW, &err));
    json_decref(in);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "trace_ids[1]");
    assert_int_equal(progress_of(f, "ids", NOW, "total"), 0);
    snprintf(body, sizeof body, "{\"trace_ids\":[\"%s\",\"%s\"]}", t0, t1);
    in = parse(body);
    json_t *out = queues_add_items(f->store, "ids", in, NOW, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "added")), 2);
    json_decref(out);
    out = queues_add_items(f->store, "ids", in, NOW, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "added")), 0);
    json_decref(out);
    json_decref(in);
    in = parse("{\"filter\":{}}");
    out = queues_add_items(f->store, "ids", in, NOW, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "added")), 1);
    assert_int_equal(progress(json_object_get(out, "queue"), "total"), 3);
    json_decref(out);
    json_decref(in);
}

/* ---- export ---------------------------------------------------------------------------------- */

static int collect(const char *data, size_t len, void *ctx)
{
    buf_append(ctx, data, len);
    return 0;
}

/* Run an export; returns the lines as a JSON array (caller frees). */
static json_t *export_lines(test_store_t *f, const feedback_export_opts_t *opts)
{
    buf_t b;
    buf_init(&b);
    err_t err;
    int64_t n = feedback_export(f->store, opts, collect, &b, &err);
    if (n < 0)
        fail_msg("export: %s", err.message);
    json_t *lines = json_array();
    const char *p = buf_str(&b);
    while (*p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        json_t *line = json_loadb(p, (size_t)(nl - p), 0, NULL);
        assert_non_null(line);
        json_array_append_new(lines, line);
        p = nl + 1;
    }
    assert_int_equal(json_array_size(lines), n);
    buf_free(&b);
    return lines;
}

static void add_score(test_store_t *f, const char *trace, const char *rest)
{
    char text[512];
    snprintf(text, sizeof text, "{\"trace_id\":\"%s\",%s}", trace, rest);
    json_t *in = parse(text);
    err_t err;
    json_t *s = scores_add(f->store, in, &err);
    if (!s)
        fail_msg("scores_add %s: %s", text, err.message);
    json_decref(s);
    json_decref(in);
}

static void export_writes_lines(void **state)
{
    test_store_t *f = *state;
    insert_traces(f, 8, 5);
    char t1[33], t3[33];
    test_trace_id(8, 1, t1);
    test_trace_id(8, 3, t3);
    add_score(f, t3,
              "\"name\":\"helpful\",\"value\":false,\"correction\":\"old\",\"created_ms\":1");
    add_score(f, t3, "\"name\":\"helpful\",\"value\":true,\"created_ms\":2");
    add_score(f, t3, "\"name\":\"fix\",\"value\":\"x\",\"correction\":\"new\",\"created_ms\":3");
    add_score(f, t1, "\"name\":\"stars\",\"value\":4,\"created_ms\":4");
    feedback_export_opts_t opts = {.only_with_feedback = 1};
    json_t *lines = export_lines(f, &opts);
    assert_int_equal(json_array_size(lines), 2);
    json_t *l1 = json_array_get(lines, 0), *l3 = json_array_get(lines, 1);
    assert_string_equal(json_string_value(json_object_get(l1, "trace_id")), t1);
    assert_string_equal(json_string_value(json_object_get(l3, "trace_id")), t3);
    assert_true(json_is_null(json_object_get(l1, "correction")));
    assert_string_equal(json_string_value(json_object_get(l3, "correction")), "new");
    /* the latest score of a name wins */
    assert_true(json_is_true(json_object_get(json_object_get(l3, "scores"), "helpful")));
    assert_int_equal(json_array_size(json_object_get(l3, "score_details")), 3);
    assert_string_equal(json_string_value(json_object_get(l3, "output")), "hello");
    /* the chat messages come back as JSON */
    assert_true(json_is_array(json_object_get(l3, "input")));
    json_t *meta = json_object_get(l3, "metadata");
    assert_string_equal(json_string_value(json_object_get(meta, "endpoint")), "ep1");
    assert_string_equal(json_string_value(json_object_get(meta, "user")), "alice");
    assert_string_equal(json_string_value(json_object_get(meta, "session_id")), "s1");
    assert_int_equal(json_integer_value(json_object_get(meta, "start_ms")), BASE_MS + 30);
    json_decref(lines);

    opts.score_name = "stars";
    lines = export_lines(f, &opts);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);
    opts = (feedback_export_opts_t){.only_with_feedback = 0, .score_name = "helpful"};
    lines = export_lines(f, &opts);
    assert_int_equal(json_array_size(lines), 5);
    assert_int_equal(json_object_size(json_object_get(json_array_get(lines, 1), "scores")), 0);
    assert_int_equal(json_object_size(json_object_get(json_array_get(lines, 3), "scores")), 1);
    json_decref(lines);
    opts = (feedback_export_opts_t){.traces = {.endpoint = "ep0"}};
    lines = export_lines(f, &opts);
    assert_int_equal(json_array_size(lines), 3);
    json_decref(lines);
}

static void export_pages_through_everything(void **state)
{
    test_store_t *f = *state;
    int n = FEEDBACK_EXPORT_CHUNK * 2 + 17;
    insert_traces(f, 9, n);
    feedback_export_opts_t opts = {0};
    json_t *lines = export_lines(f, &opts);
    assert_int_equal(json_array_size(lines), n);
    for (int i = 0; i < n; i++) {
        char id[33];
        test_trace_id(9, i, id);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(lines, (size_t)i), "trace_id")), id);
    }
    json_decref(lines);
}

#define T(fn)                                                                                      \
    {                                                                                              \
        .name = #fn, .test_func = fn, .setup_func = setup                                          \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(create_fills_by_filter),      T(rubric_validation),
        T(claims_oldest_and_keeps_own), T(lease_zero_returns_at_once),
        T(empty_queue_gives_null),      T(concurrent_claims_never_collide),
        T(complete_checks_rubric),      T(add_items_by_ids),
        T(export_writes_lines),         T(export_pages_through_everything),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "queues");
}
