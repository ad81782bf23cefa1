/* test_trace_query.c - unit tests for traces/trace_query.h against a freshly migrated store:
 * every list filter (equality columns, time window, min latency/cost, has_feedback, score
 * conditions of each kind), full-text search over input and output, each sort in both
 * directions, keyset paging through everything (no duplicate, no gap, unchanged by traces
 * inserted between pages, tokens bound to their sort), the span tree (out-of-order spans,
 * orphans, a parent loop), sessions (totals kept by the triggers through inserts, roll-up
 * updates and deletes; list order, filters, paging; one session's conversation) and the 400s.
 *
 * Every test runs on SQLite and, when test_pg_url() names a PostgreSQL server, again on
 * PostgreSQL (store_testutil.h). */
#include "unit/testutil.h"
#include "unit/store_testutil.h"
#include "unit/trace_testutil.h"

#include <math.h>

#include "feedback/scores.h"
#include "traces/span_store.h"
#include "traces/trace_query.h"
#include "traces/trace_store.h"

typedef test_store_t fixture_t;

#define BASE_MS 1700000000000LL
#define N       30

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM traces");
    test_store_exec(f->store, "DELETE FROM spans");
    test_store_exec(f->store, "DELETE FROM scores");
    return 0;
}

static const char *const words[] = {"apple", "banana", "cherry", "durian", "elderberry"};

/* Record i of salt: test_trace_record's fields, plus latency i*10 ms, session "sess-<i%3>",
 * input mentioning words[i%5] and output "answer number <i>". */
static json_t *record(int salt, int i, int64_t base_ms)
{
    json_t *rec = test_trace_record(salt, i, base_ms);
    char session[16], input[64], output[64];
    snprintf(session, sizeof session, "sess-%d", i % 3);
    snprintf(input, sizeof input, "Tell me about the %s, please!", words[i % 5]);
    snprintf(output, sizeof output, "answer number n%d", i);
    json_object_set_new(rec, "latency_ms", json_real(i * 10.0));
    json_object_set_new(rec, "session_id", json_string(session));
    json_object_set_new(
        rec, "request",
        json_pack("{s:[{s:s, s:s}]}", "messages", "role", "user", "content", input));
    json_object_set_new(rec, "response", json_pack("{s:s}", "text", output));
    return rec;
}

static void insert_range(fixture_t *f, int salt, int from, int to, int64_t base_ms)
{
    for (int i = from; i < to; i++) {
        json_t *rec = record(salt, i, base_ms);
        err_t err;
        if (trace_store_insert(f->store, &rec, 1, NULL, &err) != 0)
            fail_msg("trace_store_insert: %s", err.message);
        json_decref(rec);
    }
}

static json_t *list(fixture_t *f, const trace_filter_t *filter, int limit, const char *token)
{
    err_t err;
    json_t *out = traces_list(f->store, filter, limit, token, &err);
    if (!out)
        fail_msg("traces_list: %s (%s)", err.message, err.field);
    return out;
}

static size_t count(fixture_t *f, trace_filter_t filter)
{
    json_t *out = list(f, &filter, 1000, NULL);
    size_t n = json_array_size(json_object_get(out, "traces"));
    json_decref(out);
    return n;
}

static void expect_400(fixture_t *f, trace_filter_t filter, const char *token, const char *field)
{
    err_t err;
    json_t *out = traces_list(f->store, &filter, 0, token, &err);
    if (out)
        fail_msg("expected a 400 naming %s", field);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, field);
}

static void add_score(fixture_t *f, int salt, int i, const char *name, json_t *value)
{
    char id[33];
    test_trace_id(salt, i, id);
    json_t *score = json_pack("{s:s, s:s, s:o, s:s}", "trace_id", id, "name", name, "value", value,
                              "source", "human");
    err_t err;
    json_t *out = scores_add(f->store, score, &err);
    if (!out)
        fail_msg("scores_add: %s", err.message);
    json_decref(out);
    json_decref(score);
}

static void test_equality_and_range_filters(void **state)
{
    fixture_t *f = *state;
    insert_range(f, 1, 0, N, BASE_MS);
    trace_filter_t any = trace_filter_any();
    assert_int_equal(count(f, any), N);
#define WITH(field, value)                                                                         \
    ({                                                                                             \
        trace_filter_t x_ = any;                                                                   \
        x_.field = value;                                                                          \
        x_;                                                                                        \
    })
    assert_int_equal(count(f, WITH(endpoint, "ep1")), 15);
    assert_int_equal(count(f, WITH(model, "gpt-0")), 10);
    assert_int_equal(count(f, WITH(version, "3")), N);
    assert_int_equal(count(f, WITH(version, "4")), 0);
    assert_int_equal(count(f, WITH(status, "error")), 6);
    assert_int_equal(count(f, WITH(status, "ok")), 24);
    assert_int_equal(count(f, WITH(key_id, "key-1")), 15);
    assert_int_equal(count(f, WITH(user, "alice")), 15);
    assert_int_equal(count(f, WITH(session_id, "sess-2")), 10);
    assert_int_equal(count(f, WITH(name, "chat.completions")), N);
    assert_int_equal(count(f, WITH(name, "embeddings")), 0);
    assert_int_equal(count(f, WITH(source, "gateway")), N);
    assert_int_equal(count(f, WITH(source, "otlp")), 0);
    assert_int_equal(count(f, WITH(since_ms, BASE_MS + 100)), 20);
    assert_int_equal(count(f, WITH(until_ms, BASE_MS + 100)), 10);
    assert_int_equal(count(f, WITH(min_latency_ms, 250)), 5); /* i = 25..29 */
    assert_int_equal(count(f, WITH(min_latency_ms, 0)), N);
    assert_int_equal(count(f, WITH(min_cost_usd, 0.0255)), 5); /* cost 0.001*(i+1) */
    trace_filter_t both = WITH(endpoint, "ep0");
    both.status = "error"; /* i%2 == 0 and i%5 == 4: 4, 14, 24 */
    assert_int_equal(count(f, both), 3);
#undef WITH
}

static void test_feedback_filters(void **state)
{
    fixture_t *f = *state;
    insert_range(f, 2, 0, 10, BASE_MS);
    add_score(f, 2, 1, "helpfulness", json_real(0.9));
    add_score(f, 2, 2, "helpfulness", json_real(0.3));
    add_score(f, 2, 2, "thumbs", json_true());
    add_score(f, 2, 3, "thumbs", json_false());
    add_score(f, 2, 4, "label", json_string("good"));
    add_score(f, 2, 5, "label", json_string("bad"));
    trace_filter_t any = trace_filter_any();
    trace_filter_t fb = any;
    fb.has_feedback = 1;
    assert_int_equal(count(f, fb), 5);
    fb.has_feedback = 0;
    assert_int_equal(count(f, fb), 5);

    static const struct {
        const char *cond;
        size_t expect;
    } cases[] = {
        {"helpfulness>=0.5", 1}, {"helpfulness<0.5", 1}, {"helpfulness>0", 2},
        {"helpfulness<=0.3", 1}, {"helpfulness=0.9", 1}, {"helpfulness!=0.9", 1},
        {"thumbs=true", 1},      {"thumbs=false", 1},    {"thumbs!=true", 1},
        {"label=good", 1},       {"label!=good", 1},     {"label=ugly", 0},
        {"nosuch>=0", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trace_score_cond_t c;
        err_t err;
        assert_int_equal(trace_score_cond_parse(cases[i].cond, &c, &err), 0);
        trace_filter_t sf = any;
        sf.scores = &c;
        sf.nscores = 1;
        if (count(f, sf) != cases[i].expect)
            fail_msg("score=%s: %zu traces, expected %zu", cases[i].cond, count(f, sf),
                     cases[i].expect);
    }
    /* Two conditions must both hold (on the same trace). */
    trace_score_cond_t two[2];
    err_t err;
    assert_int_equal(trace_score_cond_parse("helpfulness<0.5", &two[0], &err), 0);
    assert_int_equal(trace_score_cond_parse("thumbs=true", &two[1], &err), 0);
    trace_filter_t sf = any;
    sf.scores = two;
    sf.nscores = 2;
    assert_int_equal(count(f, sf), 1);
    assert_int_equal(trace_score_cond_parse("thumbs=false", &two[1], &err), 0);
    assert_int_equal(count(f, sf), 0);

    static const char *const bad[] = {"", "helpfulness", ">=1", "label>good", "x=", "x<", NULL};
    for (size_t i = 0; bad[i]; i++) {
        trace_score_cond_t c;
        if (trace_score_cond_parse(bad[i], &c, &err) == 0)
            fail_msg("score '%s' was accepted", bad[i]);
        assert_string_equal(err.field, "score");
    }
}

static void test_full_text(void **state)
{
    fixture_t *f = *state;
    insert_range(f, 3, 0, 10, BASE_MS);
    trace_filter_t q = trace_filter_any();
    q.q = "banana";
    assert_int_equal(count(f, q), 2); /* i = 1, 6 */
    q.q = "BANANA";                   /* case does not matter */
    assert_int_equal(count(f, q), 2);
    q.q = "n7"; /* a word of the output */
    assert_int_equal(count(f, q), 1);
    q.q = "cherry n7"; /* every word must appear: cherry is 2 and 7 */
    assert_int_equal(count(f, q), 1);
    q.q = "cherry n8";
    assert_int_equal(count(f, q), 0);
    q.q = "\"apple\" OR (banana* NEAR:x"; /* operators are words, never syntax */
    assert_int_equal(count(f, q), 0);
    q.q = "apple, please!";
    assert_int_equal(count(f, q), 2);
    q.endpoint = "ep0"; /* with another filter: apple is 0 and 5 */
    assert_int_equal(count(f, q), 1);
    q.endpoint = NULL;
    q.q = "answer";
    q.sort = TRACE_SORT_LATENCY;
    json_t *out = list(f, &q, 3, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "traces")), 3);
    assert_non_null(json_object_get(out, "next_page_token"));
    json_decref(out);

    /* A deleted trace leaves the index with it. */
    char id[33], sql[128];
    test_trace_id(3, 1, id);
    snprintf(sql, sizeof sql, "DELETE FROM traces WHERE trace_id = '%s'", id);
    test_store_exec(f->store, sql);
    q = trace_filter_any();
    q.q = "banana";
    assert_int_equal(count(f, q), 1);

    q.q = " ,.;!? ";
    expect_400(f, q, NULL, "q");
}

/* The sort key of a summary as a number (the order traces_list promises). */
static double key_of(const json_t *t, trace_sort_t sort)
{
    const json_t *v;
    switch (sort) {
    case TRACE_SORT_LATENCY:
        v = json_object_get(t, "latency_ms");
        return json_is_number(v) ? json_number_value(v) : -1;
    case TRACE_SORT_COST:
        v = json_object_get(t, "cost_usd");
        return json_is_number(v) ? json_number_value(v) : -1;
    case TRACE_SORT_TOKENS:
        return (double)(json_integer_value(json_object_get(t, "input_tokens")) +
                        json_integer_value(json_object_get(t, "output_tokens")));
    default:
        return (double)json_integer_value(json_object_get(t, "start_ms"));
    }
}

/* Page through a filter with small pages, checking the order across pages; returns every
 * trace id seen (a JSON object id -> true), failing on a duplicate. Between the first and
 * second page, `between` (when set) runs. */
static json_t *page_all(fixture_t *f, trace_filter_t filter, int limit,
                        void (*between)(fixture_t *), size_t *pages)
{
    json_t *seen = json_object();
    char *token = NULL;
    double last_key = 0;
    const char *last_id = NULL;
    char last_id_buf[40] = "";
    *pages = 0;
    do {
        json_t *out = list(f, &filter, limit, token);
        free(token);
        token = NULL;
        (*pages)++;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(out, "traces"), i, t)
        {
            const char *id = json_string_value(json_object_get(t, "trace_id"));
            if (json_object_get(seen, id))
                fail_msg("trace %s seen twice", id);
            json_object_set_new(seen, id, json_true());
            double k = key_of(t, filter.sort);
            if (last_id) {
                int cmp = k < last_key ? -1 : k > last_key ? 1 : strcmp(id, last_id);
                if (filter.ascending ? cmp <= 0 : cmp >= 0)
                    fail_msg("sort %d asc %d: %s (%g) after %s (%g)", filter.sort, filter.ascending,
                             id, k, last_id, last_key);
            }
            last_key = k;
            snprintf(last_id_buf, sizeof last_id_buf, "%s", id);
            last_id = last_id_buf;
        }
        const char *next = json_string_value(json_object_get(out, "next_page_token"));
        if (next) {
            assert_int_equal(json_array_size(json_object_get(out, "traces")), (size_t)limit);
            token = strdup(next);
        }
        json_decref(out);
        if (between && *pages == 1) {
            between(f);
            between = NULL;
        }
    } while (token);
    return seen;
}

static void insert_more(fixture_t *f)
{
    /* Newer, older and in-between traces, with every sort key varied. */
    insert_range(f, 9, 0, 5, BASE_MS + 1000);
    insert_range(f, 8, 0, 5, BASE_MS - 1000);
    insert_range(f, 7, 0, 5, BASE_MS + 5);
}

static void test_sorts_and_paging(void **state)
{
    fixture_t *f = *state;
    insert_range(f, 4, 0, N, BASE_MS);
    /* Ties: same start, latency, cost and tokens as trace 0 of salt 4. */
    insert_range(f, 5, 0, 1, BASE_MS);
    for (int sort = TRACE_SORT_START; sort <= TRACE_SORT_TOKENS; sort++)
        for (int asc = 0; asc <= 1; asc++) {
            trace_filter_t filter = trace_filter_any();
            filter.sort = (trace_sort_t)sort;
            filter.ascending = asc;
            size_t pages;
            json_t *seen = page_all(f, filter, 7, NULL, &pages);
            assert_int_equal(json_object_size(seen), N + 1);
            assert_int_equal(pages, 5);
            json_decref(seen);
        }
    /* Stable under inserts: every trace that existed is seen exactly once. */
    for (int asc = 0; asc <= 1; asc++) {
        setup(state);
        insert_range(f, 4, 0, N, BASE_MS);
        trace_filter_t filter = trace_filter_any();
        filter.ascending = asc;
        size_t pages;
        json_t *seen = page_all(f, filter, 7, insert_more, &pages);
        for (int i = 0; i < N; i++) {
            char id[33];
            test_trace_id(4, i, id);
            if (!json_object_get(seen, id))
                fail_msg("trace %d missed (asc %d)", i, asc);
        }
        /* Descending: nothing newer than the first page can appear later; ascending: the
         * newer ones come at the end. */
        char newer[33];
        test_trace_id(9, 0, newer);
        assert_int_equal(json_object_get(seen, newer) != NULL, asc);
        json_decref(seen);
    }
    /* A token continues only its own sort and order. */
    trace_filter_t filter = trace_filter_any();
    json_t *out = list(f, &filter, 5, NULL);
    const char *token = json_string_value(json_object_get(out, "next_page_token"));
    assert_non_null(token);
    filter.sort = TRACE_SORT_COST;
    expect_400(f, filter, token, "page_token");
    filter.sort = TRACE_SORT_START;
    filter.ascending = 1;
    expect_400(f, filter, token, "page_token");
    json_decref(out);
}

static void test_validation(void **state)
{
    fixture_t *f = *state;
    trace_filter_t any = trace_filter_any();
    err_t err;
    assert_null(traces_list(f->store, &any, 1001, NULL, &err));
    assert_string_equal(err.field, "limit");
    trace_filter_t x = any;
    x.status = "weird";
    expect_400(f, x, NULL, "status");
    x = any;
    x.since_ms = -1;
    expect_400(f, x, NULL, "since");
    x = any;
    char big[1100];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    x.q = big;
    expect_400(f, x, NULL, "q");
    expect_400(f, any, "not a token", "page_token");
    expect_400(f, any, "eyJvZmZzZXQiOiAxfQ==", "page_token"); /* {"offset": 1} */
    trace_sort_t sort;
    assert_int_equal(trace_sort_parse("latency", &sort, &err), -1);
    assert_string_equal(err.field, "sort");
    assert_int_equal(trace_sort_parse("tokens", &sort, &err), 0);
    assert_int_equal(sort, TRACE_SORT_TOKENS);
    int asc;
    assert_int_equal(trace_order_parse("up", &asc, &err), -1);
    assert_string_equal(err.field, "order");
    assert_int_equal(trace_order_parse("asc", &asc, &err), 0);
    assert_int_equal(asc, 1);
}

/* ---- trees ----------------------------------------------------------------------------------- */

#define T_ID "0123456789abcdef0123456789abcdef"

static span_row_t span(const char *id, const char *parent, const char *name, int64_t start_ms)
{
    span_row_t r = span_row_empty();
    snprintf(r.trace_id, sizeof r.trace_id, "%s", T_ID);
    snprintf(r.span_id, sizeof r.span_id, "%s", id);
    snprintf(r.parent_span_id, sizeof r.parent_span_id, "%s", parent ? parent : "");
    r.name = name;
    r.start_ns = (BASE_MS + start_ms) * 1000000LL;
    r.end_ns = (BASE_MS + start_ms + 10) * 1000000LL;
    r.source = "otlp";
    r.attributes_json = "{\"k\":\"v\"}";
    return r;
}

static void write_spans(fixture_t *f, const span_row_t *rows, size_t n)
{
    err_t err;
    if (span_store_write(f->store, rows, n, NULL, 0, NULL, &err) != 0)
        fail_msg("span_store_write: %s", err.message);
}

static const char *name_of(const json_t *span)
{
    return json_string_value(json_object_get(span, "name"));
}

static void test_span_tree(void **state)
{
    fixture_t *f = *state;
    /* Children first, the root last, in two batches; an orphan whose parent never comes. */
    span_row_t late[] = {span("00000000000000a2", "00000000000000a1", "grandchild", 30),
                         span("00000000000000b1", "00000000000000f0", "orphan", 5)};
    span_row_t early[] = {span("00000000000000a1", "0000000000000001", "child-a", 20),
                          span("00000000000000b0", "0000000000000001", "child-b", 10),
                          span("0000000000000001", NULL, "root", 0)};
    write_spans(f, late, 2);
    write_spans(f, early, 3);
    add_score(f, 0, 0, "unused", json_real(1)); /* another trace's score is not shown */
    char *score_trace = T_ID;
    json_t *score =
        json_pack("{s:s, s:s, s:f}", "trace_id", score_trace, "name", "helpfulness", "value", 0.75);
    err_t err;
    json_t *added = scores_add(f->store, score, &err);
    assert_non_null(added);
    json_decref(added);
    json_decref(score);

    json_t *t = traces_get(f->store, T_ID, &err);
    if (!t)
        fail_msg("traces_get: %s", err.message);
    json_t *spans = json_object_get(t, "spans");
    assert_int_equal(json_array_size(spans), 5);
    assert_string_equal(name_of(json_array_get(spans, 0)), "root");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(spans, 0), "attributes"), "k")),
                        "v");
    json_t *tree = json_object_get(t, "tree");
    assert_int_equal(json_array_size(tree), 2);
    json_t *root = json_array_get(tree, 0), *orphan = json_array_get(tree, 1);
    assert_string_equal(name_of(root), "root");
    assert_null(json_object_get(root, "orphan"));
    assert_string_equal(name_of(orphan), "orphan");
    assert_true(json_is_true(json_object_get(orphan, "orphan")));
    json_t *kids = json_object_get(root, "children");
    assert_int_equal(json_array_size(kids), 2);
    assert_string_equal(name_of(json_array_get(kids, 0)), "child-b"); /* earlier start first */
    assert_string_equal(name_of(json_array_get(kids, 1)), "child-a");
    json_t *grand = json_object_get(json_array_get(kids, 1), "children");
    assert_int_equal(json_array_size(grand), 1);
    assert_string_equal(name_of(json_array_get(grand, 0)), "grandchild");
    json_t *scores = json_object_get(t, "scores");
    assert_int_equal(json_array_size(scores), 1);
    assert_string_equal(name_of(json_array_get(scores, 0)), "helpfulness");
    json_decref(t);

    /* A parent loop (a -> b -> a) cannot hang a span below itself: both become roots. */
    json_t *loop = json_pack("[{s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:n, s:i}]", "span_id", "a",
                             "parent_span_id", "b", "start_ms", 2, "span_id", "b", "parent_span_id",
                             "a", "start_ms", 1, "span_id", "c", "parent_span_id", "start_ms", 0);
    json_t *roots = trace_span_tree(loop);
    size_t in_tree = 0;
    size_t i;
    json_t *r;
    json_array_foreach(roots, i, r)
    {
        in_tree += 1 + json_array_size(json_object_get(r, "children"));
    }
    assert_int_equal(in_tree, 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(roots, 0), "span_id")),
                        "c");
    char *text = json_dumps(roots, 0); /* finite: no loop in the output */
    assert_non_null(text);
    free(text);
    json_decref(roots);
    json_decref(loop);
}

/* ---- sessions -------------------------------------------------------------------------------- */

static json_t *sessions(fixture_t *f, const session_filter_t *filter, int limit, const char *token)
{
    err_t err;
    json_t *out = sessions_list(f->store, filter, limit, token, &err);
    if (!out)
        fail_msg("sessions_list: %s", err.message);
    return out;
}

static void test_sessions(void **state)
{
    fixture_t *f = *state;
    insert_range(f, 6, 0, N, BASE_MS); /* sess-0: i%3==0 ... */
    json_t *out = sessions(f, NULL, 0, NULL);
    json_t *list = json_object_get(out, "sessions");
    assert_int_equal(json_array_size(list), 3);
    /* Newest activity first: sess-2 (i=29), sess-1 (28), sess-0 (27). */
    json_t *s2 = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(s2, "session_id")), "sess-2");
    assert_int_equal(json_integer_value(json_object_get(s2, "trace_count")), 10);
    assert_int_equal(json_integer_value(json_object_get(s2, "first_start_ms")), BASE_MS + 20);
    assert_int_equal(json_integer_value(json_object_get(s2, "last_start_ms")), BASE_MS + 290);
    /* i = 2, 5, ..., 29: input tokens 10+i, errors where i%5 == 4 (14, 29). */
    assert_int_equal(json_integer_value(json_object_get(s2, "input_tokens")), 10 * 10 + 155);
    assert_int_equal(json_integer_value(json_object_get(s2, "output_tokens")), 200);
    assert_true(fabs(json_real_value(json_object_get(s2, "cost_usd")) - 0.001 * 165) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(s2, "errors")), 2);
    json_decref(out);

    /* Paging one at a time, then the filters. */
    out = sessions(f, NULL, 2, NULL);
    const char *token = json_string_value(json_object_get(out, "next_page_token"));
    assert_non_null(token);
    json_t *rest = sessions(f, NULL, 2, token);
    assert_int_equal(json_array_size(json_object_get(rest, "sessions")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(rest, "sessions"), 0), "session_id")),
                        "sess-0");
    assert_null(json_object_get(rest, "next_page_token"));
    json_decref(rest);
    json_decref(out);
    session_filter_t sf = {.since_ms = BASE_MS + 275};
    out = sessions(f, &sf, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "sessions")), 2);
    json_decref(out);
    sf = (session_filter_t){.user = "nobody"};
    out = sessions(f, &sf, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "sessions")), 0);
    json_decref(out);

    /* One session: its conversation oldest first. */
    err_t err;
    json_t *one = sessions_get(f->store, "sess-1", &err);
    assert_non_null(one);
    json_t *traces = json_object_get(one, "traces");
    assert_int_equal(json_array_size(traces), 10);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(traces, 0), "start_ms")),
                     BASE_MS + 10);
    assert_string_equal(json_string_value(json_object_get(json_array_get(traces, 0), "output")),
                        "answer number n1");
    json_t *input = json_object_get(json_array_get(traces, 9), "input");
    assert_true(json_is_array(input)); /* the messages, as JSON */
    json_decref(one);
    assert_null(sessions_get(f->store, "no-such-session", &err));
    assert_int_equal(err.status, 404);

    /* The triggers keep the totals through updates and deletes. */
    char id[33], sql[256];
    test_trace_id(6, 29, id);
    snprintf(sql, sizeof sql,
             "UPDATE traces SET input_tokens = 1000, status = 'ok' WHERE trace_id = '%s'", id);
    test_store_exec(f->store, sql);
    one = sessions_get(f->store, "sess-2", &err);
    assert_int_equal(json_integer_value(json_object_get(one, "input_tokens")), 9 * 10 + 126 + 1000);
    assert_int_equal(json_integer_value(json_object_get(one, "errors")), 1);
    json_decref(one);
    snprintf(sql, sizeof sql, "UPDATE traces SET session_id = 'sess-x' WHERE trace_id = '%s'", id);
    test_store_exec(f->store, sql);
    one = sessions_get(f->store, "sess-2", &err);
    assert_int_equal(json_integer_value(json_object_get(one, "trace_count")), 9);
    assert_int_equal(json_integer_value(json_object_get(one, "last_start_ms")), BASE_MS + 260);
    json_decref(one);
    one = sessions_get(f->store, "sess-x", &err);
    assert_non_null(one);
    assert_int_equal(json_integer_value(json_object_get(one, "trace_count")), 1);
    json_decref(one);
    test_store_exec(f->store, "DELETE FROM traces WHERE session_id = 'sess-x'");
    assert_null(sessions_get(f->store, "sess-x", &err));
    assert_int_equal(err.status, 404);

    /* Spans of an instrumented application roll up into a trace that joins a session. */
    span_row_t sp = span("0000000000000001", NULL, "agent", 5000);
    sp.session_id = "sess-otel";
    sp.user_id = "carol";
    sp.input_tokens = 7;
    write_spans(f, &sp, 1);
    one = sessions_get(f->store, "sess-otel", &err);
    if (!one)
        fail_msg("sessions_get: %s", err.message);
    assert_string_equal(json_string_value(json_object_get(one, "user")), "carol");
    assert_int_equal(json_integer_value(json_object_get(one, "input_tokens")), 7);
    json_decref(one);
    sf = (session_filter_t){.user = "carol"};
    out = sessions(f, &sf, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "sessions")), 1);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_equality_and_range_filters, setup),
        cmocka_unit_test_setup(test_feedback_filters, setup),
        cmocka_unit_test_setup(test_full_text, setup),
        cmocka_unit_test_setup(test_sorts_and_paging, setup),
        cmocka_unit_test_setup(test_validation, setup),
        cmocka_unit_test_setup(test_span_tree, setup),
        cmocka_unit_test_setup(test_sessions, setup),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "trace_query");
}
