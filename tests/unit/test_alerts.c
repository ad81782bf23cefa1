/* test_alerts.c - alert rules and retention on SQLite and PostgreSQL: rule validation (400
 * naming the field, unknown fields too), duplicate names (409), unknown ids (404); the state
 * machine over traces written into the store (ok -> firing -> resolved, one event per change
 * and none while the state holds, min_requests holding the state on tiny samples, groups
 * evaluated separately, the stored state surviving a fresh store handle as a restart would
 * see it); a webhook that cannot be reached recorded as a failed delivery with its attempts
 * and counted; and the retention purge deleting exactly the old traces with their spans and
 * scores, in batches. */
#include "unit/store_testutil.h"

#include "base/metrics.h"
#include "monitor/alerts.h"
#include "monitor/scheduler.h"
#include "traces/retention.h"
#include "base/clock.h"

static int setup_each(void **state)
{
    test_store_t *f = *state;
    test_store_exec(f->store, "DELETE FROM alert_rules");
    test_store_exec(f->store, "DELETE FROM alert_states");
    test_store_exec(f->store, "DELETE FROM alert_events");
    test_store_exec(f->store, "DELETE FROM scores");
    test_store_exec(f->store, "DELETE FROM spans");
    test_store_exec(f->store, "DELETE FROM traces");
    return 0;
}

static int64_t T0 = 1700000000000LL; /* a fixed "now" for the evaluations */

/* n traces at start_ms with one latency and status, for an endpoint. */
static void add_traces(store_t *s, int n, int64_t start_ms, const char *endpoint, double latency,
                       const char *status)
{
    static int seq;
    store_conn_t *c = store_acquire(s);
    for (int i = 0; i < n; i++) {
        char id[40];
        snprintf(id, sizeof id, "t%08d", ++seq);
        store_value_t p[] = {sv_text(id),     sv_int(start_ms),  sv_int(start_ms + 1),
                             sv_text(status), sv_text(endpoint), sv_real(latency)};
        err_t err;
        if (store_exec(c,
                       "INSERT INTO traces (trace_id, start_ms, end_ms, name, status, endpoint, "
                       "latency_ms, data) VALUES (?, ?, ?, 'chat', ?, ?, ?, '{}')",
                       p, 6, &err) < 0)
            fail_msg("insert: %s", err.message);
    }
    store_release(s, c);
}

static json_t *create(store_t *s, const char *json_text, err_t *err)
{
    json_t *in = json_loads(json_text, 0, NULL);
    assert_non_null(in);
    json_t *out = alerts_rule_create(s, in, err);
    json_decref(in);
    return out;
}

static void expect_invalid(store_t *s, const char *json_text, const char *field)
{
    err_t err;
    json_t *out = create(s, json_text, &err);
    if (out)
        fail_msg("accepted: %s", json_text);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, field);
}

static void rule_validation(void **state)
{
    test_store_t *f = *state;
    store_t *s = f->store;
    expect_invalid(s,
                   "{\"metric\":\"latency_p95\",\"window_s\":60,\"comparison\":\">\","
                   "\"threshold\":1}",
                   "name");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p97\",\"window_s\":60,"
                   "\"comparison\":\">\",\"threshold\":1}",
                   "metric");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p95\",\"group\":\"planet\","
                   "\"window_s\":60,\"comparison\":\">\",\"threshold\":1}",
                   "group");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p95\",\"window_s\":0,"
                   "\"comparison\":\">\",\"threshold\":1}",
                   "window_s");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p95\",\"window_s\":60,"
                   "\"comparison\":\"==\",\"threshold\":1}",
                   "comparison");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p95\",\"window_s\":60,"
                   "\"comparison\":\">\",\"threshold\":\"high\"}",
                   "threshold");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p95\",\"window_s\":60,"
                   "\"comparison\":\">\",\"threshold\":1,\"min_requests\":-1}",
                   "min_requests");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p95\",\"window_s\":60,"
                   "\"comparison\":\">\",\"threshold\":1,\"webhook_url\":\"file:///etc/x\"}",
                   "webhook_url");
    expect_invalid(s,
                   "{\"name\":\"a\",\"metric\":\"latency_p95\",\"window_s\":60,"
                   "\"comparison\":\">\",\"threshold\":1,\"treshold\":2}",
                   "treshold");
    assert_int_equal(test_store_count(s, "SELECT COUNT(*) FROM alert_rules"), 0);

    err_t err;
    json_t *rule = create(s,
                          "{\"name\":\"slow\",\"metric\":\"latency_p95\",\"window_s\":60,"
                          "\"comparison\":\">=\",\"threshold\":1.5,\"group\":\"endpoint\"}",
                          &err);
    assert_non_null(rule);
    assert_string_equal(json_string_value(json_object_get(rule, "group")), "endpoint");
    assert_int_equal(json_integer_value(json_object_get(rule, "min_requests")), 10);
    assert_true(json_is_true(json_object_get(rule, "enabled")));
    assert_null(create(s,
                       "{\"name\":\"slow\",\"metric\":\"error_rate\",\"window_s\":60,"
                       "\"comparison\":\">\",\"threshold\":0.1}",
                       &err));
    assert_int_equal(err.status, 409);
    char id[64];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(rule, "id")));
    json_decref(rule);
    json_t *got = alerts_rule_get(s, id, &err);
    assert_non_null(got);
    assert_int_equal(json_array_size(json_object_get(json_object_get(got, "rule"), "states")), 0);
    json_decref(got);
    assert_null(alerts_rule_get(s, "nope", &err));
    assert_int_equal(err.status, 404);
    assert_int_equal(alerts_rule_delete(s, id, &err), 0);
    assert_int_equal(alerts_rule_delete(s, id, &err), -1);
    assert_int_equal(err.status, 404);
    assert_null(alerts_events(s, NULL, 0, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "limit");
}

static size_t events_of(json_t *run)
{
    size_t n = json_array_size(json_object_get(run, "events"));
    return n;
}

static const char *event_state(json_t *run, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(run, "events"), i), "state"));
}

static void state_machine(void **state)
{
    test_store_t *f = *state;
    store_t *s = f->store;
    err_t err;
    json_decref(create(s,
                       "{\"name\":\"slow\",\"metric\":\"latency_p95\",\"window_s\":60,"
                       "\"comparison\":\">\",\"threshold\":1000,\"min_requests\":5,"
                       "\"group\":\"endpoint\"}",
                       &err));
    /* 4 slow calls: under min_requests, no decision */
    add_traces(s, 4, T0 - 30000, "a", 5000, "ok");
    json_t *run = alerts_evaluate(s, T0, NULL, &err);
    assert_non_null(run);
    assert_int_equal(json_integer_value(json_object_get(run, "evaluated")), 1);
    assert_int_equal(events_of(run), 0);
    json_decref(run);

    /* a 5th: p95 5000 > 1000 -> firing for endpoint a; b is fast and stays ok */
    add_traces(s, 1, T0 - 30000, "a", 5000, "ok");
    add_traces(s, 6, T0 - 30000, "b", 10, "ok");
    run = alerts_evaluate(s, T0, NULL, &err);
    assert_int_equal(events_of(run), 1);
    json_t *e = json_array_get(json_object_get(run, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "state")), "firing");
    assert_string_equal(json_string_value(json_object_get(e, "group")), "a");
    assert_float_equal(json_real_value(json_object_get(e, "value")), 5000, 1e-9);
    assert_string_equal(json_string_value(json_object_get(e, "delivery")), "none");
    json_decref(run);

    /* still breaching: no new event, also not from a fresh store handle (a restart) */
    run = alerts_evaluate(s, T0 + 1000, NULL, &err);
    assert_int_equal(events_of(run), 0);
    json_decref(run);
    store_t *again;
    assert_int_equal(store_open(f->db.url, 2, &again, &err), 0);
    run = alerts_evaluate(again, T0 + 2000, NULL, &err);
    assert_int_equal(events_of(run), 0);
    json_decref(run);

    /* the window moves past the slow calls onto fast ones: resolved, once */
    add_traces(s, 5, T0 + 70000, "a", 20, "ok");
    run = alerts_evaluate(again, T0 + 80000, NULL, &err);
    assert_int_equal(events_of(run), 1);
    assert_string_equal(event_state(run, 0), "resolved");
    json_decref(run);
    store_close(again);
    run = alerts_evaluate(s, T0 + 81000, NULL, &err);
    assert_int_equal(events_of(run), 0);
    json_decref(run);

    /* no traffic at all in the window: the state holds (ok here), no event */
    run = alerts_evaluate(s, T0 + 500000, NULL, &err);
    assert_int_equal(events_of(run), 0);
    json_decref(run);

    json_t *all = alerts_events(s, NULL, 100, &err);
    json_t *list = json_object_get(all, "events");
    assert_int_equal(json_array_size(list), 2);
    /* newest first */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "state")),
                        "resolved");
    json_decref(all);
    assert_int_equal(
        test_store_count(s, "SELECT COUNT(*) FROM alert_states WHERE state = 'firing'"), 0);
}

static void webhook_failure_recorded_and_disabled_rules_skipped(void **state)
{
    test_store_t *f = *state;
    store_t *s = f->store;
    err_t err;
    /* port 1 on loopback: nothing listens, so every try is refused at once */
    json_decref(create(s,
                       "{\"name\":\"errors\",\"metric\":\"error_rate\",\"window_s\":600,"
                       "\"comparison\":\">=\",\"threshold\":0.5,\"min_requests\":2,"
                       "\"webhook_url\":\"http://127.0.0.1:1/hook\"}",
                       &err));
    json_decref(create(s,
                       "{\"name\":\"off\",\"metric\":\"requests\",\"window_s\":600,"
                       "\"comparison\":\">\",\"threshold\":0,\"min_requests\":0,"
                       "\"enabled\":false}",
                       &err));
    add_traces(s, 2, T0 - 1000, "a", 10, "error");
    add_traces(s, 1, T0 - 1000, "a", 10, "ok");
    metric_t *failed =
        metrics_counter("llmops_alerts_webhook_deliveries_total", "result=\"failed\"", "");
    int64_t failed0 = metrics_value(failed);
    alerts_eval_opts_t o = {
        .webhook_attempts = 2, .webhook_timeout_ms = 2000, .webhook_backoff_ms = 0};
    json_t *run = alerts_evaluate(s, T0, &o, &err);
    assert_non_null(run);
    assert_int_equal(json_integer_value(json_object_get(run, "evaluated")), 1); /* not "off" */
    assert_int_equal(events_of(run), 1);
    json_t *e = json_array_get(json_object_get(run, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "state")), "firing");
    assert_float_equal(json_real_value(json_object_get(e, "value")), 2.0 / 3.0, 1e-9);
    assert_string_equal(json_string_value(json_object_get(e, "delivery")), "failed");
    assert_int_equal(json_integer_value(json_object_get(e, "attempts")), 2);
    assert_non_null(json_string_value(json_object_get(e, "last_error")));
    assert_int_equal(metrics_value(failed) - failed0, 1);
    json_decref(run);
}

/* one trace with a span and a score */
static void add_full_trace(store_t *s, const char *id, int64_t start_ms)
{
    store_conn_t *c = store_acquire(s);
    err_t err;
    store_value_t t[] = {sv_text(id), sv_int(start_ms)};
    assert_true(store_exec(c,
                           "INSERT INTO traces (trace_id, start_ms, name, status, data) "
                           "VALUES (?, ?, 'x', 'ok', '{}')",
                           t, 2, &err) == 1);
    assert_true(store_exec(c,
                           "INSERT INTO spans (span_id, trace_id, name, start_ms) "
                           "VALUES ('s1', ?, 'x', ?)",
                           t, 2, &err) == 1);
    char sid[64];
    snprintf(sid, sizeof sid, "score-%s", id);
    store_value_t sc[] = {sv_text(sid), sv_text(id), sv_int(start_ms)};
    assert_true(store_exec(c,
                           "INSERT INTO scores (id, trace_id, name, data_type, value, source, "
                           "created_ms) VALUES (?, ?, 'thumbs', 'BOOLEAN', 1, 'human', ?)",
                           sc, 3, &err) == 1);
    store_release(s, c);
}

static void retention_purges_old_traces_in_batches(void **state)
{
    test_store_t *f = *state;
    store_t *s = f->store;
    int64_t day = 86400000LL;
    char id[32];
    for (int i = 0; i < 7; i++) {
        snprintf(id, sizeof id, "old%d", i);
        add_full_trace(s, id, T0 - 40 * day + i);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "new%d", i);
        add_full_trace(s, id, T0 - 10 * day + i);
    }
    /* a span whose trace row is gone, old enough to go */
    test_store_exec(s, "INSERT INTO spans (span_id, trace_id, name, start_ms) VALUES "
                       "('o1', 'orphan', 'x', 1000)");
    metric_t *purged = metrics_counter("llmops_traces_purged_total", "", "");
    int64_t purged0 = metrics_value(purged);
    retention_result_t r;
    err_t err;
    assert_int_equal(traces_purge(s, retention_cutoff_ms(T0, 30), 3, &r, &err), 0);
    assert_int_equal(r.traces, 7);
    assert_int_equal(r.spans, 8);
    assert_int_equal(r.scores, 7);
    assert_int_equal(r.batches, 4); /* 3 + 3 + 1 traces, then the orphan */
    assert_int_equal(metrics_value(purged) - purged0, 7);
    assert_int_equal(test_store_count(s, "SELECT COUNT(*) FROM traces"), 3);
    assert_int_equal(test_store_count(s, "SELECT COUNT(*) FROM spans"), 3);
    assert_int_equal(test_store_count(s, "SELECT COUNT(*) FROM scores"), 3);
    assert_int_equal(test_store_count(s, "SELECT COUNT(*) FROM traces WHERE trace_id LIKE 'new%'"),
                     3);
    /* nothing left to do */
    assert_int_equal(traces_purge(s, retention_cutoff_ms(T0, 30), 3, &r, &err), 0);
    assert_int_equal(r.traces + r.spans + r.scores + r.batches, 0);
}

/* The background thread evaluates and purges on its own (polled with a bound; the intervals
 * are what make it run, no assertion is on timing). */
static void scheduler_evaluates_and_purges(void **state)
{
    test_store_t *f = *state;
    store_t *s = f->store;
    err_t err;
    int64_t now = clock_now_ms();
    json_decref(create(s,
                       "{\"name\":\"any\",\"metric\":\"requests\",\"window_s\":600,"
                       "\"comparison\":\">=\",\"threshold\":1,\"min_requests\":1}",
                       &err));
    add_traces(s, 1, now - 1000, "a", 10, "ok");
    add_full_trace(s, "ancient", now - 90 * 86400000LL);
    scheduler_opts_t o = {
        .alert_interval_ms = 20, .retention_days = 30, .retention_interval_ms = 20};
    scheduler_t *sch = scheduler_start(s, &o, &err);
    assert_non_null(sch);
    int64_t events = 0, ancient = 1;
    for (int i = 0; i < 500 && (events == 0 || ancient != 0); i++) {
        clock_sleep_ms(10);
        events = test_store_count(s, "SELECT COUNT(*) FROM alert_events");
        ancient = test_store_count(s, "SELECT COUNT(*) FROM traces WHERE trace_id = 'ancient'");
    }
    scheduler_stop(sch);
    assert_int_equal(events, 1);
    assert_int_equal(ancient, 0);
    assert_int_equal(test_store_count(s, "SELECT COUNT(*) FROM traces"), 1); /* the recent one */
    scheduler_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(rule_validation, setup_each),
        cmocka_unit_test_setup(state_machine, setup_each),
        cmocka_unit_test_setup(webhook_failure_recorded_and_disabled_rules_skipped, setup_each),
        cmocka_unit_test_setup(retention_purges_old_traces_in_batches, setup_each),
        cmocka_unit_test_setup(scheduler_evaluates_and_purges, setup_each),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "alerts");
}
