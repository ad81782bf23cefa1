/* test_monitor_api.c - the monitoring API and CLI over real HTTP.
 *
 * Traces and human scores are written into the store before the server starts (the store the
 * server will open: LLMOPS_TEST_STORE, or the data directory's SQLite file): 40 traces in the
 * hour that began two hours ago (two endpoints, long billing questions, half of the answers
 * refusals, 10 of them scored by people) and 40 two days ago (short weather questions, no
 * refusals). Then GET /api/v1/monitor/summary (exact figures per group, relative `since`, the
 * defaults, 400s naming the field), GET /api/v1/monitor/drift (the shift is reported as moved;
 * 400s) and `llmops monitor summary|drift` against the server.
 *
 * Runs on the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/api_testutil.h"

#include <math.h>

#include "base/clock.h"
#include "store/migrate.h"
#include "store/store.h"

#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL

static int64_t hour0; /* start of the hour that began two hours ago */

static void insert_trace(store_conn_t *c, const char *id, int64_t start, const char *endpoint,
                         double latency, const char *input, const char *output)
{
    store_value_t p[] = {sv_text(id),    sv_int(start),   sv_text(endpoint), sv_real(latency),
                         sv_text(input), sv_text(output), sv_int(100),       sv_int(50)};
    err_t err;
    if (store_exec(c,
                   "INSERT INTO traces (trace_id, start_ms, name, status, endpoint, model, "
                   "latency_ms, input, output, input_tokens, output_tokens, cost_usd, cache_hit, "
                   "guardrail_hits, data) VALUES (?, ?, 'chat', 'ok', ?, 'gpt', ?, ?, ?, ?, ?, "
                   "0.5, 0, 1, '{}')",
                   p, 8, &err) < 0)
        fail_msg("insert: %s", err.message);
}

static void seed(const char *dir)
{
    char url[1024];
    if (harness_store())
        snprintf(url, sizeof url, "%s", harness_store());
    else
        snprintf(url, sizeof url, "sqlite:%s/llmops.db", dir);
    store_t *s;
    err_t err;
    if (store_open(url, 1, &s, &err) != 0 || migrate_schema(s, NULL, &err) != 0)
        fail_msg("store %s: %s", url, err.message);
    store_conn_t *c = store_acquire(s);
    assert_int_equal(store_begin(c, &err), 0);
    static const char *const billing[] = {"refund", "invoice", "billing", "charge"};
    static const char *const weather[] = {"weather", "forecast", "rain", "sunny"};
    for (int i = 0; i < 40; i++) {
        char id[32], input[512], output[128];
        /* now: 20 "chat" with latency 1..20 and 20 "search" with latency 101..120 */
        snprintf(id, sizeof id, "now-%02d", i);
        snprintf(input, sizeof input,
                 "I was charged twice, please explain the %s and the %s on my account and how "
                 "the %s works for my %s plan this month",
                 billing[i % 4], billing[(i + 1) % 4], billing[(i + 2) % 4], billing[(i + 3) % 4]);
        snprintf(output, sizeof output, "%s",
                 i % 2 ? "I'm sorry, but I cannot help with that." : "Here is your answer.");
        insert_trace(c, id, hour0 + i * 60000, i % 2 ? "search" : "chat",
                     (i % 2 ? 100.0 : 0.0) + (i / 2 + 1), input, output);
        snprintf(id, sizeof id, "old-%02d", i);
        snprintf(input, sizeof input, "%s %s today?", weather[i % 4], weather[(i + 1) % 4]);
        insert_trace(c, id, hour0 - 2 * DAY_MS + i * 60000, i % 2 ? "search" : "chat", 50, input,
                     "Here is your answer.");
    }
    /* human feedback on the first 10 current traces: 6 thumbs up */
    for (int i = 0; i < 10; i++) {
        char sid[32], tid[32];
        snprintf(sid, sizeof sid, "fb-%d", i);
        snprintf(tid, sizeof tid, "now-%02d", i);
        store_value_t p[] = {sv_text(sid), sv_text(tid), sv_int(i < 6)};
        assert_true(store_exec(c,
                               "INSERT INTO scores (id, trace_id, name, data_type, value, "
                               "source, created_ms) VALUES (?, ?, 'thumbs', 'boolean', ?, "
                               "'human', 1)",
                               p, 3, &err) >= 0);
    }
    assert_int_equal(store_commit(c, &err), 0);
    store_release(s, c);
    store_close(s);
}

static int setup(void **state)
{
    (void)state;
    int64_t now = clock_now_ms();
    hour0 = now - now % HOUR_MS - 2 * HOUR_MS;
    char dir[] = "/tmp/llmops-it-monitor-XXXXXX";
    assert_non_null(mkdtemp(dir));
    seed(dir);
    harness_start_in(&server, dir, NULL);
    return 0;
}

static json_t *get_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *get_ok(const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return api_expect("GET", path, NULL, 200);
}

static void test_summary_by_endpoint(void **state)
{
    (void)state;
    json_t *r = get_ok("/api/v1/monitor/summary?since=%lld&until=%lld&bucket=hour&group=endpoint",
                       (long long)hour0, (long long)(hour0 + HOUR_MS));
    assert_string_equal(json_string_value(json_object_get(r, "bucket")), "hour");
    assert_string_equal(json_string_value(json_object_get(r, "group")), "endpoint");
    json_t *rows = json_object_get(r, "rows");
    assert_int_equal(json_array_size(rows), 2);
    json_t *chat = json_array_get(rows, 0), *search = json_array_get(rows, 1);
    assert_string_equal(json_string_value(json_object_get(chat, "group")), "chat");
    assert_string_equal(json_string_value(json_object_get(search, "group")), "search");
    assert_int_equal(json_integer_value(json_object_get(chat, "bucket_ms")), hour0);
    assert_int_equal(json_integer_value(json_object_get(chat, "requests")), 20);
    /* latencies 1..20: p50 rank 10, p95 rank 19, p99 rank 20 */
    assert_true(json_real_value(json_object_get(chat, "latency_p50")) == 10);
    assert_true(json_real_value(json_object_get(chat, "latency_p95")) == 19);
    assert_true(json_real_value(json_object_get(chat, "latency_p99")) == 20);
    assert_true(json_real_value(json_object_get(search, "latency_p50")) == 110);
    assert_true(json_is_null(json_object_get(chat, "ttft_p50")));
    assert_int_equal(json_integer_value(json_object_get(chat, "input_tokens")), 2000);
    assert_int_equal(json_integer_value(json_object_get(chat, "output_tokens")), 1000);
    assert_true(fabs(json_real_value(json_object_get(chat, "cost_usd")) - 10.0) < 1e-9);
    assert_true(json_real_value(json_object_get(chat, "error_rate")) == 0);
    assert_true(json_real_value(json_object_get(chat, "cache_hit_rate")) == 0);
    assert_int_equal(json_integer_value(json_object_get(chat, "guardrail_hits")), 20);
    /* scored: now-00..09, 5 per endpoint; positive: 00..05 -> chat 00,02,04 (3 of 5), search
     * 01,03,05 (3 of 5) */
    assert_int_equal(json_integer_value(json_object_get(chat, "feedback")), 5);
    assert_true(fabs(json_real_value(json_object_get(chat, "positive_feedback_rate")) - 0.6) <
                1e-12);
    json_decref(r);

    /* relative since: the last 24 hours hold only the current traces */
    r = get_ok("/api/v1/monitor/summary?since=24h&bucket=none");
    rows = json_object_get(r, "rows");
    assert_int_equal(json_array_size(rows), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "requests")), 40);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "feedback")), 10);
    json_decref(r);

    /* the defaults (last 24 h by hour) and the endpoint filter */
    r = get_ok("/api/v1/monitor/summary?endpoint=search");
    rows = json_object_get(r, "rows");
    assert_int_equal(json_array_size(rows), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "requests")), 20);
    json_decref(r);
    r = get_ok("/api/v1/monitor/summary?since=7d&bucket=day&model=nope");
    assert_int_equal(json_array_size(json_object_get(r, "rows")), 0);
    json_decref(r);
}

static void test_summary_errors(void **state)
{
    (void)state;
    api_fails("GET", "/api/v1/monitor/summary?bucket=week", NULL, 400, "invalid_argument",
              "bucket");
    api_fails("GET", "/api/v1/monitor/summary?group=team", NULL, 400, "invalid_argument", "group");
    api_fails("GET", "/api/v1/monitor/summary?since=yesterday", NULL, 400, "invalid_argument",
              "since");
    api_fails("GET", "/api/v1/monitor/summary?until=5x", NULL, 400, "invalid_argument", "until");
    api_fails("GET", "/api/v1/monitor/summary?since=1h&until=2h", NULL, 400, "invalid_argument",
              "since");
}

static json_t *metric(json_t *report, const char *name)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(report, "metrics"), i, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "metric")), name) == 0)
            return m;
    }
    fail_msg("no metric %s", name);
    return NULL;
}

static void test_drift(void **state)
{
    (void)state;
    json_t *r = get_ok("/api/v1/monitor/drift?baseline_since=%lld&baseline_until=%lld&since=%lld"
                       "&until=%lld",
                       (long long)(hour0 - 2 * DAY_MS), (long long)(hour0 - DAY_MS),
                       (long long)hour0, (long long)(hour0 + HOUR_MS));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "baseline"), "traces")),
                     40);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "current"), "traces")),
                     40);
    assert_true(json_is_true(json_object_get(metric(r, "input_chars"), "moved")));
    assert_true(json_is_true(json_object_get(metric(r, "refusal_rate"), "moved")));
    assert_true(json_is_true(json_object_get(metric(r, "feedback_rate"), "moved")));
    assert_true(json_is_true(json_object_get(metric(r, "topic_mix"), "moved")));
    assert_false(json_is_true(json_object_get(metric(r, "input_tokens"), "moved"))); /* all 100 */
    json_t *refusal = metric(r, "refusal_rate");
    assert_true(json_real_value(json_object_get(json_object_get(refusal, "current"), "rate")) ==
                0.5);
    assert_true(json_real_value(json_object_get(json_object_get(refusal, "baseline"), "rate")) ==
                0);
    assert_true(json_is_null(json_object_get(refusal, "change"))); /* from zero: infinite */
    json_decref(r);

    /* defaults: the last day against the 7 days before it */
    r = get_ok("/api/v1/monitor/drift");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "current"), "traces")),
                     40);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "baseline"), "traces")),
                     40);
    json_decref(r);

    api_fails("GET", "/api/v1/monitor/drift?baseline_since=1d&baseline_until=2d", NULL, 400,
              "invalid_argument", "baseline_since");
    api_fails("GET", "/api/v1/monitor/drift?since=soon", NULL, 400, "invalid_argument", "since");
}

static void test_cli(void **state)
{
    (void)state;
    static char out[65536];
    const char *bin = harness_bin(), *srv = server.url;
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s monitor summary --since 24h --bucket none --group "
                             "endpoint",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, "P95 MS"));
    assert_non_null(strstr(out, "chat"));
    assert_non_null(strstr(out, "search"));
    assert_non_null(strstr(out, "5 (60%)")); /* feedback count and positive share */
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s monitor summary --json --since 1h", bin, srv), 0);
    assert_non_null(strstr(out, "\"rows\": []")); /* nothing in the last hour */
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s monitor summary --bucket week", bin, srv), 1);
    assert_non_null(strstr(out, "bucket"));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s monitor drift --baseline 3d..1d "
                             "--window 1d",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, "baseline: 40 traces, current: 40 traces"));
    assert_non_null(strstr(out, "topic_mix"));
    assert_non_null(strstr(out, "rising:"));
    assert_non_null(strstr(out, "YES"));
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s monitor drift --baseline 7d", bin, srv), 2);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s monitor drift --json", bin, srv), 0);
    assert_non_null(strstr(out, "\"kolmogorov_smirnov\""));
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_by_endpoint),
        cmocka_unit_test(test_summary_errors),
        cmocka_unit_test(test_drift),
        cmocka_unit_test(test_cli),
    };
    int rc = cmocka_run_group_tests_name("monitor_api", tests, setup, teardown_server);
    curl_global_cleanup();
    return rc;
}
