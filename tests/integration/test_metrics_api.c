/* test_metrics_api.c - GET /metrics after real gateway calls against the fake provider: the
 * exposition passes `promtool check metrics`, and the gateway's counters and histograms
 * (requests by endpoint and status, errors by code, duration and time-to-first-token
 * histograms, tokens by direction, cost) hold exactly what was sent. */
#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

static fake_provider_t fake;
static char fake_base[96];

static int setup(void **state)
{
    fake_start(&fake);
    snprintf(fake_base, sizeof fake_base, "%s/v1", fake.url);
    return setup_server(state);
}

static int teardown(void **state)
{
    fake_stop(&fake);
    return teardown_server(state);
}

static void gw_post(const char *body, long status)
{
    const char *headers[] = {"Content-Type: application/json", NULL};
    test_response_t res;
    if (harness_request(server.url, "POST", "/v1/chat/completions", headers, body, &res) != 0)
        fail_msg("no answer");
    assert_int_equal(res.status, status);
    harness_response_free(&res);
}

static char *scrape(void)
{
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", "/metrics", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    char *body = strdup(res.body);
    harness_response_free(&res);
    return body;
}

/* The value of the sample whose line starts with `series ` exactly (name and labels as
 * rendered); -1 when absent. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

/* Scrape until `series` reaches want: the gateway counts a call just after answering it. */
static char *scrape_until(const char *series, double want)
{
    for (int i = 0; i < 200; i++) {
        char *text = scrape();
        if (sample(text, series) >= want)
            return text;
        free(text);
        harness_sleep_ms(25);
    }
    fail_msg("%s never reached %g", series, want);
    return NULL;
}

static void test_gateway_metrics_match_calls_and_pass_promtool(void **state)
{
    (void)state;
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"m.one\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
             "\"model\":\"fake?usage=10,20&latency_ms=30\"}]}",
             fake_base);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
    snprintf(body, sizeof body,
             "{\"name\":\"broken\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
             "\"model\":\"fake?status=400\"}]}",
             fake_base);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
    /* 1 USD per input token, 2 per output token: 10 * 1 + 20 * 2 = 50 USD a call */
    json_decref(api_expect("PUT", "/api/v1/prices",
                           "{\"provider\":\"openai\",\"model\":\"fake?usage=10,20&latency_ms=30\","
                           "\"input_per_mtok\":1000000,\"output_per_mtok\":2000000}",
                           200));

    for (int i = 0; i < 3; i++)
        gw_post("{\"model\":\"m.one\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 200);
    gw_post("{\"model\":\"m.one\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
            "\"hi\"}]}",
            200);
    gw_post("{\"model\":\"broken\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400);
    gw_post("{\"model\":\"broken\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400);
    gw_post("{\"model\":\"no-such-endpoint\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            404);

    char *text = scrape_until("llmops_gateway_requests_total{endpoint=\"\",status=\"404\"}", 1);
    char *again =
        scrape_until("llmops_gateway_requests_total{endpoint=\"m.one\",status=\"200\"}", 4);
    free(text);
    text = scrape_until("llmops_gateway_requests_total{endpoint=\"broken\",status=\"400\"}", 2);
    free(again);

    assert_int_equal(
        sample(text, "llmops_gateway_requests_total{endpoint=\"m.one\",status=\"200\"}"), 4);
    assert_int_equal(
        sample(text, "llmops_gateway_request_duration_seconds_count{endpoint=\"m.one\"}"), 4);
    assert_int_equal(sample(text, "llmops_gateway_request_duration_seconds_bucket{endpoint="
                                  "\"m.one\",le=\"+Inf\"}"),
                     4);
    /* the fake waits 30 ms before each answer, so the sum is at least 4 x 0.03 s */
    assert_true(sample(text, "llmops_gateway_request_duration_seconds_sum{endpoint=\"m.one\"}") >=
                0.12);
    /* nothing the fake answers after 30 ms can be in the 25 ms bucket */
    assert_int_equal(sample(text, "llmops_gateway_request_duration_seconds_bucket{endpoint="
                                  "\"m.one\",le=\"0.025\"}"),
                     0);
    assert_int_equal(
        sample(text, "llmops_gateway_tokens_total{endpoint=\"m.one\",direction=\"input\"}"), 40);
    assert_int_equal(
        sample(text, "llmops_gateway_tokens_total{endpoint=\"m.one\",direction=\"output\"}"), 80);
    assert_float_equal(sample(text, "llmops_gateway_cost_usd_total{endpoint=\"m.one\"}"), 200.0,
                       1e-6);
    assert_int_equal(sample(text, "llmops_gateway_ttft_seconds_count"), 1); /* the one stream */
    assert_int_equal(
        sample(text, "llmops_gateway_requests_total{endpoint=\"broken\",status=\"400\"}"), 2);
    assert_true(
        sample(text, "llmops_gateway_request_duration_seconds_count{endpoint=\"broken\"}") == 2);
    /* an error per failed call, under whatever code the gateway gave them */
    double errors = 0;
    for (const char *p = strstr(text, "\nllmops_gateway_errors_total{endpoint=\"broken\","); p;
         p = strstr(p + 1, "\nllmops_gateway_errors_total{endpoint=\"broken\","))
        errors += strtod(strchr(p + 1, ' ') + 1, NULL);
    assert_int_equal(errors, 2);
    assert_int_equal(sample(text, "llmops_gateway_requests_in_flight"), 0);
    assert_true(sample(text, "llmops_traces_queue_depth") >= 0);
    assert_true(sample(text, "llmops_traces_spool_bytes") >= 0);
    assert_true(sample(text, "llmops_traces_dropped_total") == 0);
    /* one HELP and TYPE per family, however many label sets */
    assert_non_null(strstr(text, "# TYPE llmops_gateway_request_duration_seconds histogram\n"));
    const char *first = strstr(text, "# TYPE llmops_gateway_requests_total counter");
    assert_non_null(first);
    assert_null(strstr(first + 1, "# TYPE llmops_gateway_requests_total counter"));

    /* promtool parses and lints the whole exposition */
    char path[] = "/tmp/llmops-metrics-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s > %s.out 2>&1", path, path);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat %s.out", path);
        (void)system(cmd);
    }
    snprintf(cmd, sizeof cmd, "%s.out", path);
    unlink(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway_metrics_match_calls_and_pass_promtool),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
