/* test_traces_api.c - the traces API over real HTTP, fed the way a restarted gateway feeds it:
 * spool segments are written into the data directory's spool before the server starts (as a
 * killed server leaves them), and the trace sink the server starts replays them into the
 * store. Then: GET /api/v1/traces (all, filters, time window, paging to the end, bad
 * parameters 400), GET /api/v1/traces/{id} (the trace with its span; 404 unknown; 400
 * malformed), the trace metrics at /metrics, and after SIGTERM an empty spool.
 *
 * Runs on the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/harness.h"

#include <sys/stat.h>

#include "../unit/trace_testutil.h"
#include "traces/spool.h"

#define BASE_MS 1720000000000LL
#define N       45

static test_server_t server;

static void seed_spool(const char *data_dir)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/spool", data_dir);
    err_t err;
    assert_int_equal(spool_dir_create(dir, &err), 0);
    for (int seg = 0; seg < 2; seg++) {
        spool_writer_t *w = spool_writer_open(dir, (uint64_t)seg + 1, &err);
        assert_non_null(w);
        for (int i = seg * 30; i < (seg ? N : 30); i++) {
            json_t *rec = test_trace_record(77, i, BASE_MS);
            char *text = json_dumps(rec, JSON_COMPACT);
            spool_writer_append(w, text, strlen(text));
            free(text);
            json_decref(rec);
        }
        assert_int_equal(spool_writer_sync(w, &err), 0);
        spool_writer_close(w);
    }
}

static json_t *get_ok(const char *path)
{
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", path, NULL, NULL, &res), 0);
    if (res.status != 200)
        fail_msg("GET %s: %ld %s", path, res.status, res.body);
    json_t *out = json_incref(res.json);
    harness_response_free(&res);
    return out;
}

static size_t count_of(const char *path)
{
    json_t *out = get_ok(path);
    size_t n = json_array_size(json_object_get(out, "traces"));
    json_decref(out);
    return n;
}

static int setup_server(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmops-it-XXXXXX";
    assert_non_null(mkdtemp(dir));
    seed_spool(dir);
    harness_start_in(&server, dir, (const char *const[]){"--trace-flush-ms", "20", NULL});
    /* The replay runs on the writer thread: wait for it (not a timing assertion). */
    for (int i = 0; i < 400 && count_of("/api/v1/traces?limit=1000") < N; i++)
        harness_sleep_ms(25);
    return 0;
}

static int teardown_server(void **state)
{
    (void)state;
    char spool[600];
    snprintf(spool, sizeof spool, "%s/spool", server.dir);
    int rc = harness_stop_keep(&server);
    uint64_t *seqs;
    size_t n;
    err_t err;
    int listed = spool_list(spool, &seqs, &n, &err);
    free(seqs);
    harness_rmdir(server.dir);
    assert_int_equal(rc, 0);
    assert_int_equal(listed, 0);
    assert_int_equal(n, 0); /* every segment was written and removed */
    return 0;
}

static void expect_error(const char *path, long status, const char *field)
{
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", path, NULL, NULL, &res), 0);
    if (res.status != status)
        fail_msg("GET %s: want %ld, got %ld %s", path, status, res.status, res.body);
    if (field)
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(res.json, "error"), "field")), field);
    harness_response_free(&res);
}

static void test_list_and_filters(void **state)
{
    (void)state;
    assert_int_equal(count_of("/api/v1/traces?limit=1000"), N);
    assert_int_equal(count_of("/api/v1/traces?endpoint=ep0&limit=1000"), 23);
    assert_int_equal(count_of("/api/v1/traces?model=gpt-2&limit=1000"), 15);
    assert_int_equal(count_of("/api/v1/traces?status=error&limit=1000"), 9);
    assert_int_equal(count_of("/api/v1/traces?key_id=key-1&limit=1000"), 22);
    assert_int_equal(count_of("/api/v1/traces?user=alice&session_id=s1&limit=1000"), 22);
    char path[200];
    snprintf(path, sizeof path, "/api/v1/traces?since=%lld&until=%lld&limit=1000", BASE_MS + 100,
             BASE_MS + 300);
    assert_int_equal(count_of(path), 20);

    json_t *first = get_ok("/api/v1/traces?limit=1");
    json_t *t = json_array_get(json_object_get(first, "traces"), 0);
    char id[33];
    test_trace_id(77, N - 1, id); /* newest first */
    assert_string_equal(json_string_value(json_object_get(t, "trace_id")), id);
    assert_int_equal(json_integer_value(json_object_get(t, "input_tokens")), 10 + N - 1);
    assert_non_null(json_object_get(first, "next_page_token"));
    json_decref(first);
}

static void test_paging(void **state)
{
    (void)state;
    char path[600] = "/api/v1/traces?limit=20";
    size_t seen = 0, pages = 0;
    for (;;) {
        json_t *page = get_ok(path);
        seen += json_array_size(json_object_get(page, "traces"));
        pages++;
        const char *token = json_string_value(json_object_get(page, "next_page_token"));
        if (!token) {
            json_decref(page);
            break;
        }
        snprintf(path, sizeof path, "/api/v1/traces?limit=20&page_token=%s", token);
        json_decref(page);
    }
    assert_int_equal(seen, N);
    assert_int_equal(pages, 3);
}

static void test_bad_list_params(void **state)
{
    (void)state;
    expect_error("/api/v1/traces?limit=0x", 400, "limit");
    expect_error("/api/v1/traces?limit=5000", 400, "limit");
    expect_error("/api/v1/traces?since=yesterday", 400, "since");
    expect_error("/api/v1/traces?until=-5", 400, "until");
    expect_error("/api/v1/traces?status=maybe", 400, "status");
    expect_error("/api/v1/traces?page_token=%21%21", 400, "page_token");
}

static void test_get(void **state)
{
    (void)state;
    char id[33], path[100];
    test_trace_id(77, 9, id);
    snprintf(path, sizeof path, "/api/v1/traces/%s", id);
    json_t *t = get_ok(path);
    assert_string_equal(json_string_value(json_object_get(t, "trace_id")), id);
    assert_string_equal(json_string_value(json_object_get(t, "status")), "error");
    assert_string_equal(json_string_value(json_object_get(t, "output")), "hello");
    assert_true(json_is_array(json_object_get(t, "input")));
    json_t *spans = json_object_get(t, "spans");
    assert_int_equal(json_array_size(spans), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(spans, 0), "span_id")),
                        "000000000000000a");
    assert_string_equal(json_string_value(json_object_get(json_object_get(t, "record"), "name")),
                        "chat.completions");
    json_decref(t);
    expect_error("/api/v1/traces/0123456789abcdef0123456789abcdef", 404, NULL);
    expect_error("/api/v1/traces/not-a-trace", 400, "trace_id");
}

static void test_metrics(void **state)
{
    (void)state;
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", "/metrics", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.body, "llmops_traces_written_total 45"));
    assert_non_null(strstr(res.body, "llmops_traces_spool_pending 0"));
    harness_response_free(&res);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_and_filters), cmocka_unit_test(test_paging),
        cmocka_unit_test(test_bad_list_params),  cmocka_unit_test(test_get),
        cmocka_unit_test(test_metrics),
    };
    int rc = cmocka_run_group_tests_name("traces_api", tests, setup_server, teardown_server);
    curl_global_cleanup();
    return rc;
}
