/* test_feedback_api.c - feedback, export and annotation queues over real HTTP, and the
 * `llmops feedback` / `llmops queues` commands against the same server. Traces are seeded the
 * way a restarted gateway feeds them (spool segments replayed by the trace sink at start).
 *
 * Covered: POST /api/v1/feedback (201 with the stored score, 400 naming the field), GET with
 * filters and paging, DELETE (404 after), the JSONL export (content type, one line per trace,
 * filters, only_with_feedback, bad parameters), a queue's whole workflow (create with filter and
 * rubric, next for two reviewers, 409 on another's item, rubric 400, complete, skip, progress,
 * items, add by ids, delete), and the CLI verbs including `feedback export --out`.
 *
 * Runs on the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/api_testutil.h"

#include "../unit/trace_testutil.h"
#include "traces/spool.h"

#define BASE_MS 1720000000000LL
#define N       12
#define SALT    91

static void seed_spool(const char *data_dir)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/spool", data_dir);
    err_t err;
    assert_int_equal(spool_dir_create(dir, &err), 0);
    spool_writer_t *w = spool_writer_open(dir, 1, &err);
    assert_non_null(w);
    for (int i = 0; i < N; i++) {
        json_t *rec = test_trace_record(SALT, i, BASE_MS);
        char *text = json_dumps(rec, JSON_COMPACT);
        spool_writer_append(w, text, strlen(text));
        free(text);
        json_decref(rec);
    }
    assert_int_equal(spool_writer_sync(w, &err), 0);
    spool_writer_close(w);
}

static size_t trace_count(void)
{
    test_response_t res;
    if (harness_request(server.url, "GET", "/api/v1/traces?limit=1000", NULL, NULL, &res) != 0)
        return 0;
    size_t n = json_array_size(json_object_get(res.json, "traces"));
    harness_response_free(&res);
    return n;
}

static int setup_feedback_server(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmops-it-XXXXXX";
    assert_non_null(mkdtemp(dir));
    seed_spool(dir);
    harness_start_in(&server, dir, (const char *const[]){"--trace-flush-ms", "20", NULL});
    /* The replay runs on the writer thread: wait for it (not a timing assertion). */
    for (int i = 0; i < 400 && trace_count() < N; i++)
        harness_sleep_ms(25);
    assert_int_equal(trace_count(), N);
    return 0;
}

static void tid(int i, char out[33])
{
    test_trace_id(SALT, i, out);
}

static void feedback_add_list_delete(void **state)
{
    (void)state;
    char t0[33], t1[33], body[512], path[256];
    tid(0, t0);
    tid(1, t1);
    snprintf(body, sizeof body,
             "{\"trace_id\":\"%s\",\"name\":\"helpful\",\"value\":false,\"comment\":\"wrong\","
             "\"correction\":\"Paris\",\"source\":\"human\",\"author\":\"ann\"}",
             t0);
    json_t *r = api_expect("POST", "/api/v1/feedback", body, 201);
    json_t *score = json_object_get(r, "score");
    assert_string_equal(jstr(score, "data_type"), "boolean");
    assert_true(json_is_false(json_object_get(score, "value")));
    assert_string_equal(jstr(score, "correction"), "Paris");
    char id[64];
    snprintf(id, sizeof id, "%s", jstr(score, "id"));
    json_decref(r);
    snprintf(body, sizeof body, "{\"trace_id\":\"%s\",\"name\":\"stars\",\"value\":4}", t0);
    json_decref(api_expect("POST", "/api/v1/feedback", body, 201));
    snprintf(body, sizeof body,
             "{\"trace_id\":\"%s\",\"name\":\"tone\",\"value\":\"polite\","
             "\"source\":\"eval\"}",
             t1);
    json_decref(api_expect("POST", "/api/v1/feedback", body, 201));

    api_fails("POST", "/api/v1/feedback", "{\"name\":\"x\",\"value\":1}", 400, "invalid_argument",
              "trace_id");
    snprintf(body, sizeof body, "{\"trace_id\":\"%s\",\"name\":\"x\",\"value\":{}}", t0);
    api_fails("POST", "/api/v1/feedback", body, 400, "invalid_argument", "value");
    snprintf(body, sizeof body,
             "{\"trace_id\":\"%s\",\"name\":\"x\",\"value\":1,\"source\":"
             "\"bot\"}",
             t0);
    api_fails("POST", "/api/v1/feedback", body, 400, "invalid_argument", "source");
    api_fails("POST", "/api/v1/feedback", "{", 400, "invalid_json", NULL);

    snprintf(path, sizeof path, "/api/v1/feedback?trace_id=%s", t0);
    r = api_expect("GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(r, "scores")), 2);
    json_decref(r);
    r = api_expect("GET", "/api/v1/feedback?source=eval", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(r, "scores")), 1);
    json_decref(r);
    r = api_expect("GET", "/api/v1/feedback?limit=1", NULL, 200);
    assert_non_null(json_object_get(r, "next_page_token"));
    json_decref(r);
    api_fails("GET", "/api/v1/feedback?trace_id=zz", NULL, 400, "invalid_argument", "trace_id");
    api_fails("GET", "/api/v1/feedback?limit=x", NULL, 400, "invalid_argument", "limit");

    snprintf(path, sizeof path, "/api/v1/feedback/%s", id);
    json_decref(api_expect("DELETE", path, NULL, 200));
    api_fails("DELETE", path, NULL, 404, "not_found", NULL);
    /* put it back for the export test */
    snprintf(body, sizeof body,
             "{\"trace_id\":\"%s\",\"name\":\"helpful\",\"value\":false,\"correction\":\"Paris\"}",
             t0);
    json_decref(api_expect("POST", "/api/v1/feedback", body, 201));
}

static void export_jsonl(void **state)
{
    (void)state;
    char t0[33];
    tid(0, t0);
    test_response_t res;
    api_call("GET", "/api/v1/feedback/export?format=jsonl", NULL, &res);
    assert_int_equal(res.status, 200);
    char ctype[128];
    assert_non_null(harness_header(&res, "Content-Type", ctype, sizeof ctype));
    assert_non_null(strstr(ctype, "application/x-ndjson"));
    /* traces 0 and 1 have feedback: two lines, oldest first */
    const char *nl = strchr(res.body, '\n');
    assert_non_null(nl);
    json_t *first = json_loadb(res.body, (size_t)(nl - res.body), 0, NULL);
    assert_non_null(first);
    assert_string_equal(jstr(first, "trace_id"), t0);
    assert_string_equal(jstr(first, "correction"), "Paris");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "scores"), "stars")),
                     4);
    assert_string_equal(jstr(json_object_get(first, "metadata"), "endpoint"), "ep0");
    json_decref(first);
    int lines = 0;
    for (const char *p = res.body; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    harness_response_free(&res);

    api_call("GET", "/api/v1/feedback/export?only_with_feedback=false&endpoint=ep1", NULL, &res);
    lines = 0;
    for (const char *p = res.body; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, N / 2);
    harness_response_free(&res);
    api_call("GET", "/api/v1/feedback/export?name=tone", NULL, &res);
    lines = 0;
    for (const char *p = res.body; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1);
    harness_response_free(&res);
    api_fails("GET", "/api/v1/feedback/export?format=csv", NULL, 400, "invalid_argument", "format");
    api_fails("GET", "/api/v1/feedback/export?only_with_feedback=yes", NULL, 400,
              "invalid_argument", "only_with_feedback");
    api_fails("GET", "/api/v1/feedback/export?status=meh", NULL, 400, "invalid_argument", "status");
}

#define RUBRIC                                                                                     \
    "[{\"name\":\"correct\",\"data_type\":\"boolean\",\"required\":true},"                         \
    "{\"name\":\"stars\",\"data_type\":\"numeric\",\"min\":1,\"max\":5}]"

static void queue_workflow(void **state)
{
    (void)state;
    json_t *q = api_expect("POST", "/api/v1/annotation-queues",
                           "{\"name\":\"ep0-review\",\"description\":\"check ep0\",\"filter\":{"
                           "\"endpoint\":\"ep0\"},\"rubric\":" RUBRIC "}",
                           201);
    assert_int_equal(jint(q, "items_added"), N / 2);
    char qid[64];
    snprintf(qid, sizeof qid, "%s", jstr(q, "id"));
    json_decref(q);
    api_fails("POST", "/api/v1/annotation-queues", "{\"name\":\"ep0-review\"}", 409, "conflict",
              NULL);
    api_fails("POST", "/api/v1/annotation-queues",
              "{\"name\":\"bad\",\"rubric\":[{\"name\":\"a\",\"data_type\":\"x\"}]}", 400,
              "invalid_argument", "rubric[0].data_type");

    char path[300], t_ann[33], t_bob[33];
    snprintf(path, sizeof path, "/api/v1/annotation-queues/%s/next?reviewer=ann", qid);
    json_t *next = api_expect("GET", path, NULL, 200);
    json_t *item = json_object_get(next, "item");
    snprintf(t_ann, sizeof t_ann, "%s", jstr(item, "trace_id"));
    assert_string_equal(jstr(item, "status"), "in_progress");
    /* the reviewer sees the trace and the rubric */
    assert_string_equal(jstr(json_object_get(next, "trace"), "trace_id"), t_ann);
    assert_int_equal(json_array_size(json_object_get(next, "rubric")), 2);
    json_decref(next);
    next = api_expect("GET", "/api/v1/annotation-queues/ep0-review/next?reviewer=bob", NULL, 200);
    snprintf(t_bob, sizeof t_bob, "%s", jstr(json_object_get(next, "item"), "trace_id"));
    assert_string_not_equal(t_ann, t_bob);
    json_decref(next);
    api_fails("GET", "/api/v1/annotation-queues/ep0-review/next", NULL, 400, "invalid_argument",
              "reviewer");

    snprintf(path, sizeof path, "/api/v1/annotation-queues/ep0-review/items/%s/complete", t_ann);
    api_fails("POST", path, "{\"reviewer\":\"bob\",\"scores\":{\"correct\":true}}", 409, "conflict",
              NULL);
    api_fails("POST", path, "{\"reviewer\":\"ann\",\"scores\":{\"stars\":3}}", 400,
              "invalid_argument", "scores.correct");
    api_fails("POST", path, "{\"reviewer\":\"ann\",\"scores\":{\"correct\":true,\"stars\":9}}", 400,
              "invalid_argument", "scores.stars");
    json_t *done = api_expect(
        "POST", path, "{\"reviewer\":\"ann\",\"scores\":{\"correct\":true,\"stars\":5}}", 200);
    assert_string_equal(jstr(json_object_get(done, "item"), "status"), "done");
    assert_int_equal(json_array_size(json_object_get(done, "scores")), 2);
    json_decref(done);
    snprintf(path, sizeof path, "/api/v1/feedback?trace_id=%s&source=human&name=stars", t_ann);
    json_t *scores = api_expect("GET", path, NULL, 200);
    json_t *s0 = json_array_get(json_object_get(scores, "scores"), 0);
    assert_string_equal(jstr(s0, "author"), "ann");
    assert_string_equal(jstr(s0, "queue_id"), qid);
    json_decref(scores);

    snprintf(path, sizeof path, "/api/v1/annotation-queues/ep0-review/items/%s/skip", t_bob);
    json_decref(api_expect("POST", path, "{\"reviewer\":\"bob\"}", 200));
    api_fails("POST",
              "/api/v1/annotation-queues/ep0-review/items/ffffffffffffffffffffffffffffffff/skip",
              "{\"reviewer\":\"bob\"}", 404, "not_found", NULL);

    q = api_expect("GET", "/api/v1/annotation-queues/ep0-review", NULL, 200);
    json_t *p = json_object_get(q, "progress");
    assert_int_equal(jint(p, "total"), N / 2);
    assert_int_equal(jint(p, "done"), 1);
    assert_int_equal(jint(p, "skipped"), 1);
    assert_int_equal(jint(p, "pending"), N / 2 - 2);
    assert_int_equal(jint(p, "in_progress"), 0);
    json_decref(q);
    json_t *items =
        api_expect("GET", "/api/v1/annotation-queues/ep0-review/items?status=done", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(items, "items")), 1);
    json_decref(items);
    api_fails("GET", "/api/v1/annotation-queues/ep0-review/items?status=x", NULL, 400,
              "invalid_argument", "status");

    char t1[33], body[200];
    tid(1, t1);
    snprintf(body, sizeof body, "{\"trace_ids\":[\"%s\"]}", t1);
    json_t *added = api_expect("POST", "/api/v1/annotation-queues/ep0-review/items", body, 200);
    assert_int_equal(jint(added, "added"), 1);
    json_decref(added);
    json_t *list = api_expect("GET", "/api/v1/annotation-queues", NULL, 200);
    assert_true(json_array_size(json_object_get(list, "queues")) >= 1);
    json_decref(list);
    api_fails("GET", "/api/v1/annotation-queues/nope", NULL, 404, "not_found", NULL);
    json_decref(api_expect("DELETE", "/api/v1/annotation-queues/ep0-review", NULL, 200));
    api_fails("GET", "/api/v1/annotation-queues/ep0-review", NULL, 404, "not_found", NULL);
}

#define OUT_SIZE 65536

static void cli_commands(void **state)
{
    (void)state;
    static char out[OUT_SIZE];
    const char *bin = harness_bin(), *srv = server.url;
    char t2[33];
    tid(2, t2);
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s feedback add --trace %s --name thumbs --value true "
                             "--comment nice --source human --author cli",
                             bin, srv, t2),
                     0);
    assert_non_null(strstr(out, "\"data_type\": \"boolean\""));
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s feedback list --trace %s", bin, srv, t2), 0);
    assert_non_null(strstr(out, "\"name\": \"thumbs\""));
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s feedback add --trace %s --name x", bin, srv, t2), 2);
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s feedback add --trace nothex --name x --value 1", bin,
                             srv),
                     1);

    char file[400];
    snprintf(file, sizeof file, "%s/export.jsonl", server.dir);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s feedback export --name thumbs --out %s",
                             bin, srv, file),
                     0);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    char line[8192];
    assert_non_null(fgets(line, sizeof line, f));
    json_t *one = json_loads(line, 0, NULL);
    assert_non_null(one);
    assert_string_equal(jstr(one, "trace_id"), t2);
    assert_true(json_is_true(json_object_get(json_object_get(one, "scores"), "thumbs")));
    json_decref(one);
    assert_null(fgets(line, sizeof line, f)); /* one trace has a thumbs score */
    fclose(f);

    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s queues create cliq --filter '{\"endpoint\":\"ep1\"}' "
                             "--rubric '[{\"name\":\"ok\",\"data_type\":\"boolean\"}]'",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, "\"items_added\": 6"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s queues list", bin, srv), 0);
    assert_non_null(strstr(out, "\"name\": \"cliq\""));
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s queues next cliq --reviewer zed", bin, srv), 0);
    json_t *next = json_loads(out, 0, NULL);
    assert_non_null(next);
    char t[33];
    snprintf(t, sizeof t, "%s", jstr(json_object_get(next, "item"), "trace_id"));
    json_decref(next);
    assert_int_equal(
        run_cli(out, OUT_SIZE,
                "%s --server %s queues complete cliq %s --reviewer zed --score ok=maybe", bin, srv,
                t),
        1);
    assert_non_null(strstr(out, "scores.ok"));
    assert_int_equal(
        run_cli(out, OUT_SIZE,
                "%s --server %s queues complete cliq %s --reviewer zed --score ok=true", bin, srv,
                t),
        0);
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s queues next cliq --reviewer zed", bin, srv), 0);
    next = json_loads(out, 0, NULL);
    snprintf(t, sizeof t, "%s", jstr(json_object_get(next, "item"), "trace_id"));
    json_decref(next);
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s queues skip cliq %s --reviewer zed", bin, srv, t),
        0);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s queues show cliq", bin, srv), 0);
    assert_non_null(strstr(out, "\"done\": 1"));
    assert_non_null(strstr(out, "\"skipped\": 1"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s queues next cliq", bin, srv), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(feedback_add_list_delete),
        cmocka_unit_test(export_jsonl),
        cmocka_unit_test(queue_workflow),
        cmocka_unit_test(cli_commands),
    };
    return cmocka_run_group_tests(tests, setup_feedback_server, teardown_server);
}
