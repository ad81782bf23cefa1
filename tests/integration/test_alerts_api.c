/* test_alerts_api.c - alerts and retention over real HTTP: gateway calls against the fake
 * provider write traces, POST /api/v1/alerts/evaluate fires a rule on the error rate and a
 * webhook receiver on loopback (a small libmicrohttpd server in this test) receives the
 * `firing` payload; healthy calls bring the rate back and it receives `resolved`. A restart of
 * the server on the same data neither fires again nor loses the state; a receiver answering
 * 500 is recorded as a failed delivery and counted in /metrics. Rule validation answers 400
 * naming the field; the CLI lists rules and events. The on-demand purge deletes old traces. */
#include <microhttpd.h>
#include <pthread.h>

#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

/* ---- the webhook receiver ------------------------------------------------------------------ */

static struct MHD_Daemon *hook;
static int hook_port;
static pthread_mutex_t hook_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *hook_bodies; /* every JSON body received, in order */
static int hook_status = 200;

typedef struct hook_req {
    char *data;
    size_t len;
} hook_req_t;

static enum MHD_Result hook_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    hook_req_t *r = *con_cls;
    if (!r) {
        *con_cls = calloc(1, sizeof *r);
        return MHD_YES;
    }
    if (*upload_size) {
        r->data = realloc(r->data, r->len + *upload_size + 1);
        memcpy(r->data + r->len, upload_data, *upload_size);
        r->len += *upload_size;
        r->data[r->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&hook_mu);
    json_t *body = r->data ? json_loads(r->data, 0, NULL) : NULL;
    json_array_append_new(hook_bodies, body ? body : json_null());
    int status = hook_status;
    pthread_mutex_unlock(&hook_mu);
    struct MHD_Response *res = MHD_create_response_from_buffer(2, "{}", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, res);
    MHD_destroy_response(res);
    return rc;
}

static void hook_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    hook_req_t *r = *con_cls;
    if (r) {
        free(r->data);
        free(r);
    }
}

static json_t *hook_get(size_t i)
{
    pthread_mutex_lock(&hook_mu);
    json_t *b = json_incref(json_array_get(hook_bodies, i));
    pthread_mutex_unlock(&hook_mu);
    return b;
}

static size_t hook_count(void)
{
    pthread_mutex_lock(&hook_mu);
    size_t n = json_array_size(hook_bodies);
    pthread_mutex_unlock(&hook_mu);
    return n;
}

/* ---- fixture ------------------------------------------------------------------------------- */

static fake_provider_t fake;
static char fake_base[96];

static int setup(void **state)
{
    (void)state;
    hook_bodies = json_array();
    hook = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, hook_handler, NULL,
                            MHD_OPTION_NOTIFY_COMPLETED, hook_done, NULL, MHD_OPTION_END);
    assert_non_null(hook);
    hook_port = MHD_get_daemon_info(hook, MHD_DAEMON_INFO_BIND_PORT)->port;
    fake_start(&fake);
    snprintf(fake_base, sizeof fake_base, "%s/v1", fake.url);
    /* no background evaluation: the test drives it with POST /evaluate */
    harness_start(
        &server, (const char *const[]){"--alert-interval-ms", "0", "--trace-flush-ms", "20", NULL});
    return 0;
}

static int teardown(void **state)
{
    fake_stop(&fake);
    MHD_stop_daemon(hook);
    json_decref(hook_bodies);
    return teardown_server(state);
}

static void endpoint(const char *name, const char *model)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
             "\"model\":\"%s\"}]}",
             name, fake_base, model);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
}

static void call(const char *endpoint_name, long status)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
             endpoint_name);
    const char *headers[] = {"Content-Type: application/json", NULL};
    test_response_t res;
    assert_int_equal(
        harness_request(server.url, "POST", "/v1/chat/completions", headers, body, &res), 0);
    assert_int_equal(res.status, status);
    harness_response_free(&res);
}

/* Wait until the store holds n traces (the writer flushes every 20 ms). */
static void traces_stored(size_t n)
{
    for (int i = 0; i < 400; i++) {
        json_t *out = api_expect("GET", "/api/v1/traces?limit=1000", NULL, 200);
        size_t got = json_array_size(json_object_get(out, "traces"));
        json_decref(out);
        if (got >= n)
            return;
        harness_sleep_ms(25);
    }
    fail_msg("the store never held %zu traces", n);
}

static json_t *evaluate(void)
{
    return api_expect("POST", "/api/v1/alerts/evaluate", NULL, 200);
}

static size_t run_events(json_t *run)
{
    return json_array_size(json_object_get(run, "events"));
}

static double metric_value(const char *series)
{
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", "/metrics", NULL, NULL, &res), 0);
    char line[256];
    snprintf(line, sizeof line, "\n%s ", series); /* a sample line, not its HELP line */
    const char *p = strstr(res.body, line);
    double v = p ? strtod(p + strlen(line), NULL) : -1;
    harness_response_free(&res);
    return v;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_rule_validation_and_cli(void **state)
{
    (void)state;
    api_fails("POST", "/api/v1/alerts/rules",
              "{\"name\":\"x\",\"metric\":\"p95\",\"window_s\":60,\"comparison\":\">\","
              "\"threshold\":1}",
              400, "invalid_argument", "metric");
    api_fails("POST", "/api/v1/alerts/rules",
              "{\"name\":\"x\",\"metric\":\"error_rate\",\"window_s\":60,\"comparison\":\"!=\","
              "\"threshold\":1}",
              400, "invalid_argument", "comparison");
    api_fails("POST", "/api/v1/alerts/rules", "{\"name\":\"x\"}", 400, "invalid_argument",
              "metric");
    api_fails("GET", "/api/v1/alerts/rules/nope", NULL, 404, "not_found", NULL);
    api_fails("DELETE", "/api/v1/alerts/rules/nope", NULL, 404, "not_found", NULL);
    api_fails("GET", "/api/v1/alerts/events?limit=abc", NULL, 400, "invalid_argument", "limit");

    char out[8192];
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s alerts create --name cli-rule --metric latency_p99 "
                             "--window-s 120 --comparison '>' --threshold 900 --group model "
                             "--disabled",
                             harness_bin(), server.url),
                     0);
    assert_non_null(strstr(out, "\"cli-rule\""));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s alerts create --name bad --metric latency_p99 "
                             "--window-s soon --comparison '>' --threshold 1",
                             harness_bin(), server.url),
                     1);
    assert_non_null(strstr(out, "window_s"));
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s alerts list", harness_bin(), server.url), 0);
    assert_non_null(strstr(out, "\"cli-rule\""));
    json_t *list = api_expect("GET", "/api/v1/alerts/rules", NULL, 200);
    json_t *rule = json_array_get(json_object_get(list, "rules"), 0);
    char id[64];
    snprintf(id, sizeof id, "%s", jstr(rule, "id"));
    assert_false(json_is_true(json_object_get(rule, "enabled")));
    json_decref(list);
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s alerts delete %s", harness_bin(), server.url, id),
        0);
    api_fails("GET", "/api/v1/alerts/rules/nope", NULL, 404, "not_found", NULL);
}

static void test_error_rate_fires_and_resolves_through_webhook(void **state)
{
    (void)state;
    endpoint("broken", "fake?status=400");
    endpoint("healthy", "fake");
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"errors-high\",\"metric\":\"error_rate\",\"window_s\":3600,"
             "\"comparison\":\">\",\"threshold\":0.5,\"min_requests\":3,"
             "\"webhook_url\":\"http://127.0.0.1:%d/hook\"}",
             hook_port);
    json_t *created = api_expect("POST", "/api/v1/alerts/rules", body, 201);
    char rule_id[64];
    snprintf(rule_id, sizeof rule_id, "%s", jstr(json_object_get(created, "rule"), "id"));
    json_decref(created);

    /* two errors: under min_requests, nothing */
    call("broken", 400);
    call("broken", 400);
    traces_stored(2);
    json_t *run = evaluate();
    assert_int_equal(run_events(run), 0);
    json_decref(run);
    assert_int_equal(hook_count(), 0);

    /* a third: 3 of 3 failed, firing, and the webhook has the payload */
    call("broken", 400);
    traces_stored(3);
    run = evaluate();
    assert_int_equal(run_events(run), 1);
    json_t *e = json_array_get(json_object_get(run, "events"), 0);
    assert_string_equal(jstr(e, "delivery"), "delivered");
    assert_int_equal(jint(e, "attempts"), 1);
    json_decref(run);
    assert_int_equal(hook_count(), 1);
    json_t *p = hook_get(0);
    assert_string_equal(jstr(p, "rule"), "errors-high");
    assert_string_equal(jstr(p, "state"), "firing");
    assert_string_equal(jstr(p, "metric"), "error_rate");
    assert_string_equal(jstr(p, "comparison"), ">");
    assert_string_equal(jstr(p, "rule_id"), rule_id);
    assert_true(json_is_null(json_object_get(p, "group")));
    assert_float_equal(json_number_value(json_object_get(p, "value")), 1.0, 1e-9);
    assert_float_equal(json_number_value(json_object_get(p, "threshold")), 0.5, 1e-9);
    assert_int_equal(jint(p, "window_s"), 3600);
    assert_true(jint(p, "at_ms") > 0);
    json_decref(p);

    /* still failing: no second firing */
    run = evaluate();
    assert_int_equal(run_events(run), 0);
    json_decref(run);

    /* a restart on the same data: the state is stored, so still no second firing */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", server.dir);
    assert_int_equal(harness_stop_keep(&server), 0);
    harness_start_in(
        &server, dir,
        (const char *const[]){"--alert-interval-ms", "0", "--trace-flush-ms", "20", NULL});
    run = evaluate();
    assert_int_equal(run_events(run), 0);
    json_decref(run);
    assert_int_equal(hook_count(), 1);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/alerts/rules/%s", rule_id);
    json_t *got = api_expect("GET", path, NULL, 200);
    json_t *st = json_array_get(json_object_get(json_object_get(got, "rule"), "states"), 0);
    assert_string_equal(jstr(st, "state"), "firing");
    json_decref(got);

    /* healthy calls bring the rate to 3 / 7: resolved, delivered */
    for (int i = 0; i < 4; i++)
        call("healthy", 200);
    traces_stored(7);
    run = evaluate();
    assert_int_equal(run_events(run), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(run, "events"), 0), "state"),
                        "resolved");
    json_decref(run);
    assert_int_equal(hook_count(), 2);
    p = hook_get(1);
    assert_string_equal(jstr(p, "state"), "resolved");
    assert_float_equal(json_number_value(json_object_get(p, "value")), 3.0 / 7.0, 1e-9);
    json_decref(p);

    /* the event history, newest first, and the CLI's view of it */
    snprintf(path, sizeof path, "/api/v1/alerts/events?rule_id=%s", rule_id);
    json_t *events = api_expect("GET", path, NULL, 200);
    json_t *list = json_object_get(events, "events");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(jstr(json_array_get(list, 0), "state"), "resolved");
    assert_string_equal(jstr(json_array_get(list, 1), "state"), "firing");
    json_decref(events);
    char out[16384];
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s alerts events --rule %s",
                             harness_bin(), server.url, rule_id),
                     0);
    assert_non_null(strstr(out, "\"resolved\""));
    assert_true(metric_value("llmops_alerts_webhook_deliveries_total{result=\"delivered\"}") >= 1);
}

static void test_failed_delivery_recorded_and_counted(void **state)
{
    (void)state;
    pthread_mutex_lock(&hook_mu);
    hook_status = 500;
    pthread_mutex_unlock(&hook_mu);
    size_t before = hook_count();
    char body[1024];
    /* the traces of the test before: 7 requests in the last hour, so this fires at once */
    snprintf(body, sizeof body,
             "{\"name\":\"busy\",\"metric\":\"requests\",\"window_s\":3600,\"comparison\":\">=\","
             "\"threshold\":1,\"min_requests\":1,\"webhook_url\":\"http://127.0.0.1:%d/h\"}",
             hook_port);
    json_decref(api_expect("POST", "/api/v1/alerts/rules", body, 201));
    json_t *run = evaluate();
    assert_int_equal(run_events(run), 1);
    json_t *e = json_array_get(json_object_get(run, "events"), 0);
    assert_string_equal(jstr(e, "delivery"), "failed");
    assert_int_equal(jint(e, "attempts"), 3); /* the default tries */
    assert_string_equal(jstr(e, "last_error"), "HTTP 500");
    json_decref(run);
    assert_int_equal(hook_count() - before, 3);
    assert_true(metric_value("llmops_alerts_webhook_deliveries_total{result=\"failed\"}") >= 1);
    pthread_mutex_lock(&hook_mu);
    hook_status = 200;
    pthread_mutex_unlock(&hook_mu);
}

static void test_purge(void **state)
{
    (void)state;
    api_fails("POST", "/api/v1/traces/purge", NULL, 400, "invalid_argument", "older_than_days");
    api_fails("POST", "/api/v1/traces/purge?older_than_days=-1", NULL, 400, "invalid_argument",
              "older_than_days");
    /* nothing is 30 days old */
    json_t *r = api_expect("POST", "/api/v1/traces/purge?older_than_days=30", NULL, 200);
    assert_int_equal(jint(r, "traces"), 0);
    json_decref(r);
    traces_stored(7);
    /* 0 days: everything that started before now */
    r = api_expect("POST", "/api/v1/traces/purge?older_than_days=0&batch=2", NULL, 200);
    assert_int_equal(jint(r, "traces"), 7);
    assert_int_equal(jint(r, "batches"), 4);
    json_decref(r);
    json_t *out = api_expect("GET", "/api/v1/traces?limit=1000", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(out, "traces")), 0);
    json_decref(out);
    assert_int_equal(metric_value("llmops_traces_purged_total"), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_validation_and_cli),
        cmocka_unit_test(test_error_rate_fires_and_resolves_through_webhook),
        cmocka_unit_test(test_failed_delivery_recorded_and_counted),
        cmocka_unit_test(test_purge),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
