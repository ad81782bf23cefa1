/* test_trace_queries.c - trace queries and sessions over real HTTP and through the CLI. The
 * test opens the server's own store beside it and writes gateway traces (trace_store_insert),
 * an instrumented application's span tree (span_store_write) and scores (scores_add), then:
 * GET /api/v1/traces with each new filter, full-text q, score= (repeated), has_feedback,
 * sorts and keyset pages to the end; the 400s naming the parameter; GET /api/v1/traces/{id}
 * with its tree and scores; GET /api/v1/sessions (+ paging, user) and /api/v1/sessions/{id};
 * `llmops traces list|show` and `llmops sessions list|show` against the server.
 *
 * Runs on the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/harness.h"
#include "integration/api_testutil.h"

#include "../unit/trace_testutil.h"
#include "feedback/scores.h"
#include "store/store.h"
#include "traces/span_store.h"
#include "traces/trace_store.h"

#define BASE_MS  1730000000000LL
#define N        40
#define TREE_ID  "fedcba9876543210fedcba9876543210"
#define OUT_SIZE 65536

static char out[OUT_SIZE]; /* the server is api_testutil.h's `server` */

static span_row_t span(const char *id, const char *parent, const char *name, int64_t start_ms,
                       int64_t dur_ms)
{
    span_row_t r = span_row_empty();
    snprintf(r.trace_id, sizeof r.trace_id, "%s", TREE_ID);
    snprintf(r.span_id, sizeof r.span_id, "%s", id);
    snprintf(r.parent_span_id, sizeof r.parent_span_id, "%s", parent ? parent : "");
    r.name = name;
    r.start_ns = (BASE_MS + 100000 + start_ms) * 1000000LL;
    r.end_ns = r.start_ns + dur_ms * 1000000LL;
    r.source = "otlp";
    r.session_id = "agent-run";
    r.user_id = "dora";
    return r;
}

static void seed(store_t *s)
{
    err_t err;
    for (int i = 0; i < N; i++) {
        json_t *rec = test_trace_record(31, i, BASE_MS);
        char session[16], text[64];
        snprintf(session, sizeof session, "chat-%d", i % 4);
        snprintf(text, sizeof text, "question %d about %s", i, i % 8 == 0 ? "kangaroos" : "cats");
        json_object_set_new(rec, "session_id", json_string(session));
        json_object_set_new(rec, "latency_ms", json_real(100.0 * i));
        json_object_set_new(
            rec, "request",
            json_pack("{s:[{s:s, s:s}]}", "messages", "role", "user", "content", text));
        assert_int_equal(trace_store_insert(s, &rec, 1, NULL, &err), 0);
        json_decref(rec);
    }
    /* The tree arrives children first. */
    span_row_t rows[] = {span("00000000000000c1", "0000000000000b01", "retrieve", 5, 20),
                         span("0000000000000b02", "00000000000000ff", "lost-parent", 1, 2),
                         span("0000000000000b01", NULL, "agent", 0, 50)};
    rows[0].type = SPAN_TYPE_RETRIEVAL;
    rows[2].input = "plan a trip to Oslo";
    rows[2].output = "booked";
    assert_int_equal(span_store_write(s, rows, 3, NULL, 0, NULL, &err), 0);
    for (int i = 0; i < 2; i++) {
        char id[33];
        test_trace_id(31, 3 + i, id); /* trace 3: helpfulness; trace 4: thumbs */
        json_t *score =
            json_pack("{s:s, s:s, s:o, s:s}", "trace_id", id, "name", i ? "thumbs" : "helpfulness",
                      "value", i ? json_true() : json_real(0.8), "source", "human");
        json_t *added = scores_add(s, score, &err);
        assert_non_null(added);
        json_decref(added);
        json_decref(score);
    }
    json_t *score =
        json_pack("{s:s, s:s, s:s}", "trace_id", TREE_ID, "name", "label", "value", "good");
    json_t *added = scores_add(s, score, &err);
    assert_non_null(added);
    json_decref(added);
    json_decref(score);
}

static int setup_seeded(void **state)
{
    (void)state;
    harness_start(&server, NULL);
    char url[700];
    if (harness_store())
        snprintf(url, sizeof url, "%s", harness_store());
    else
        snprintf(url, sizeof url, "sqlite:%s/llmops.db", server.dir);
    store_t *s;
    err_t err;
    if (store_open(url, 1, &s, &err) != 0)
        fail_msg("store_open %s: %s", url, err.message);
    seed(s);
    store_close(s);
    return 0;
}

static int teardown_seeded(void **state)
{
    (void)state;
    assert_int_equal(harness_stop(&server), 0);
    return 0;
}

static json_t *get_ok(const char *path)
{
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", path, NULL, NULL, &res), 0);
    if (res.status != 200)
        fail_msg("GET %s: %ld %s", path, res.status, res.body);
    json_t *body = json_incref(res.json);
    harness_response_free(&res);
    return body;
}

static size_t count_of(const char *path)
{
    json_t *body = get_ok(path);
    size_t n = json_array_size(json_object_get(body, "traces"));
    json_decref(body);
    return n;
}

/* Append a page token, percent-encoding base64's '+', '/' and '='. */
static void add_token(char *path, size_t size, const char *token)
{
    for (const char *p = token; *p; p++) {
        size_t len = strlen(path);
        if (*p == '+' || *p == '/' || *p == '=')
            snprintf(path + len, size - len, "%%%02X", (unsigned char)*p);
        else
            snprintf(path + len, size - len, "%c", *p);
    }
}

static void expect_400(const char *path, const char *field)
{
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", path, NULL, NULL, &res), 0);
    if (res.status != 400)
        fail_msg("GET %s: want 400, got %ld %s", path, res.status, res.body);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(res.json, "error"), "field")), field);
    harness_response_free(&res);
}

static void test_filters(void **state)
{
    (void)state;
    assert_int_equal(count_of("/api/v1/traces?limit=1000"), N + 1);
    assert_int_equal(count_of("/api/v1/traces?source=otlp"), 1);
    assert_int_equal(count_of("/api/v1/traces?source=gateway&limit=1000"), N);
    assert_int_equal(count_of("/api/v1/traces?name=agent"), 1);
    assert_int_equal(count_of("/api/v1/traces?version=3&limit=1000"), N);
    assert_int_equal(count_of("/api/v1/traces?min_latency_ms=3500"), 5); /* i = 35..39 */
    assert_int_equal(count_of("/api/v1/traces?min_cost_usd=0.0385"), 2); /* i = 38, 39 */
    assert_int_equal(count_of("/api/v1/traces?session_id=chat-1&limit=1000"), 10);
    assert_int_equal(count_of("/api/v1/traces?endpoint=ep0&status=error"), 4); /* 4,14,24,34 */
    assert_int_equal(count_of("/api/v1/traces?has_feedback=true"), 3);
    assert_int_equal(count_of("/api/v1/traces?has_feedback=false&limit=1000"), N - 2);
    assert_int_equal(count_of("/api/v1/traces?score=helpfulness%3E%3D0.5"), 1);
    assert_int_equal(count_of("/api/v1/traces?score=helpfulness%3E%3D0.9"), 0);
    assert_int_equal(count_of("/api/v1/traces?score=thumbs=true"), 1);
    assert_int_equal(count_of("/api/v1/traces?score=label=good"), 1);
    assert_int_equal(count_of("/api/v1/traces?score=label=good&score=thumbs=true"), 0);
    assert_int_equal(count_of("/api/v1/traces?q=kangaroos"), 5); /* i = 0, 8, 16, 24, 32 */
    assert_int_equal(count_of("/api/v1/traces?q=question+16+kangaroos"), 1);
    assert_int_equal(count_of("/api/v1/traces?q=oslo"), 1);
    assert_int_equal(count_of("/api/v1/traces?q=booked"), 1);
}

static void test_sort_and_pages(void **state)
{
    (void)state;
    json_t *top = get_ok("/api/v1/traces?sort=latency_ms&limit=2");
    json_t *list = json_object_get(top, "traces");
    assert_true(json_real_value(json_object_get(json_array_get(list, 0), "latency_ms")) == 3900.0);
    assert_true(json_real_value(json_object_get(json_array_get(list, 1), "latency_ms")) == 3800.0);
    json_decref(top);
    static const char *const sorts[] = {"start_ms", "latency_ms", "cost_usd", "tokens"};
    for (int k = 0; k < 4; k++)
        for (int asc = 0; asc < 2; asc++) {
            json_t *seen = json_object();
            char path[1200];
            snprintf(path, sizeof path, "/api/v1/traces?sort=%s&order=%s&limit=6", sorts[k],
                     asc ? "asc" : "desc");
            size_t pages = 0;
            for (;;) {
                json_t *page = get_ok(path);
                size_t i;
                json_t *t;
                json_array_foreach(json_object_get(page, "traces"), i, t)
                {
                    const char *id = json_string_value(json_object_get(t, "trace_id"));
                    if (json_object_get(seen, id))
                        fail_msg("%s: %s twice", path, id);
                    json_object_set_new(seen, id, json_true());
                }
                pages++;
                const char *token = json_string_value(json_object_get(page, "next_page_token"));
                if (!token) {
                    json_decref(page);
                    break;
                }
                snprintf(path, sizeof path,
                         "/api/v1/traces?sort=%s&order=%s&limit=6&page_token=", sorts[k],
                         asc ? "asc" : "desc");
                add_token(path, sizeof path, token);
                json_decref(page);
            }
            assert_int_equal(json_object_size(seen), N + 1);
            assert_int_equal(pages, 7);
            json_decref(seen);
        }
}

static void test_bad_params(void **state)
{
    (void)state;
    expect_400("/api/v1/traces?sort=speed", "sort");
    expect_400("/api/v1/traces?order=up", "order");
    expect_400("/api/v1/traces?min_latency_ms=slow", "min_latency_ms");
    expect_400("/api/v1/traces?min_cost_usd=-1", "min_cost_usd");
    expect_400("/api/v1/traces?has_feedback=yes", "has_feedback");
    expect_400("/api/v1/traces?score=helpfulness", "score");
    expect_400("/api/v1/traces?q=%21%21", "q");
    expect_400("/api/v1/traces?status=maybe", "status");
    expect_400("/api/v1/sessions?limit=0x", "limit");
    expect_400("/api/v1/sessions?since=soon", "since");
    expect_400("/api/v1/sessions?page_token=abc", "page_token");
}

static void test_get_tree(void **state)
{
    (void)state;
    json_t *t = get_ok("/api/v1/traces/" TREE_ID);
    assert_int_equal(json_array_size(json_object_get(t, "spans")), 3);
    json_t *tree = json_object_get(t, "tree");
    assert_int_equal(json_array_size(tree), 2);
    json_t *root = json_array_get(tree, 0);
    assert_string_equal(json_string_value(json_object_get(root, "name")), "agent");
    json_t *kid = json_array_get(json_object_get(root, "children"), 0);
    assert_string_equal(json_string_value(json_object_get(kid, "name")), "retrieve");
    assert_string_equal(json_string_value(json_object_get(kid, "type")), "retrieval");
    assert_true(json_is_true(json_object_get(json_array_get(tree, 1), "orphan")));
    json_t *scores = json_object_get(t, "scores");
    assert_int_equal(json_array_size(scores), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(scores, 0), "value")),
                        "good");
    assert_string_equal(json_string_value(json_object_get(t, "input")), "plan a trip to Oslo");
    json_decref(t);
}

static void test_sessions(void **state)
{
    (void)state;
    json_t *body = get_ok("/api/v1/sessions");
    json_t *list = json_object_get(body, "sessions");
    assert_int_equal(json_array_size(list), 5);
    /* The agent run is the newest activity. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "session_id")),
                        "agent-run");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "session_id")),
                        "chat-3");
    json_decref(body);
    body = get_ok("/api/v1/sessions?user=dora");
    assert_int_equal(json_array_size(json_object_get(body, "sessions")), 1);
    json_decref(body);
    body = get_ok("/api/v1/sessions?limit=3");
    const char *token = json_string_value(json_object_get(body, "next_page_token"));
    assert_non_null(token);
    char path[600];
    snprintf(path, sizeof path, "/api/v1/sessions?limit=3&page_token=");
    add_token(path, sizeof path, token);
    json_decref(body);
    body = get_ok(path);
    list = json_object_get(body, "sessions");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "session_id")),
                        "chat-0");
    assert_null(json_object_get(body, "next_page_token"));
    json_decref(body);

    body = get_ok("/api/v1/sessions/chat-2");
    assert_int_equal(json_integer_value(json_object_get(body, "trace_count")), 10);
    json_t *traces = json_object_get(body, "traces");
    assert_int_equal(json_array_size(traces), 10);
    json_t *first = json_array_get(traces, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "start_ms")), BASE_MS + 20);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(first, "input"), 0), "content")),
                        "question 2 about cats");
    json_decref(body);
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", "/api/v1/sessions/nope", NULL, NULL, &res),
                     0);
    assert_int_equal(res.status, 404);
    harness_response_free(&res);
}

static void test_cli(void **state)
{
    (void)state;
    const char *bin = harness_bin(), *srv = server.url;
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s traces list --q kangaroos --min-latency 1000 "
                             "--sort latency_ms --order asc",
                             bin, srv),
                     0);
    char id16[33], id24[33];
    test_trace_id(31, 16, id16);
    test_trace_id(31, 24, id24);
    char *a = strstr(out, id16), *b = strstr(out, id24);
    if (!a || !b || a > b)
        fail_msg("traces list: want %s before %s in:\n%s", id16, id24, out);
    char id8[33];
    test_trace_id(31, 8, id8);
    assert_null(strstr(out, id8)); /* below the latency */
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s traces list --has-feedback --json", bin, srv), 0);
    json_t *reply = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(reply, "traces")), 3);
    json_decref(reply);
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s traces list --score thumbs=true", bin, srv), 0);
    char id4[33];
    test_trace_id(31, 4, id4);
    assert_non_null(strstr(out, id4));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s traces list --sort nope", bin, srv), 1);

    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s traces show " TREE_ID, bin, srv), 0);
    char *agent = strstr(out, "\nagent "), *retrieve = strstr(out, "\n  retrieve ");
    if (!agent || !retrieve || agent > retrieve)
        fail_msg("traces show: no indented tree in:\n%s", out);
    assert_true(strstr(out, "20.0 ms") || strstr(out, "20 ms"));
    assert_non_null(strstr(out, "(parent missing)"));
    assert_non_null(strstr(out, "label"));

    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s sessions list --user dora", bin, srv),
                     0);
    assert_non_null(strstr(out, "agent-run"));
    assert_null(strstr(out, "chat-1"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s sessions show chat-1", bin, srv), 0);
    a = strstr(out, "question 1 about");
    b = strstr(out, "question 5 about");
    if (!a || !b || a > b)
        fail_msg("sessions show: not in order:\n%s", out);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s sessions show nope", bin, srv), 1);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s sessions show", bin, srv), 2);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),    cmocka_unit_test(test_sort_and_pages),
        cmocka_unit_test(test_bad_params), cmocka_unit_test(test_get_tree),
        cmocka_unit_test(test_sessions),   cmocka_unit_test(test_cli),
    };
    int rc = cmocka_run_group_tests_name("trace_queries", tests, setup_seeded, teardown_seeded);
    curl_global_cleanup();
    return rc;
}
