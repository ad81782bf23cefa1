/* alert_eval.c - evaluating the alert rules: the state machine per (rule, group), the events
 * of its changes and their webhook delivery (see alerts.h for the semantics). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "base/metrics.h"
#include "monitor/aggregate.h"
#include "monitor/alert_webhook.h"
#include "monitor/alerts.h"

#define PENDING_BATCH 100

/* One evaluation at a time in this process: the thread and POST /evaluate would otherwise
 * deliver the same pending events twice. */
static pthread_mutex_t eval_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct rule {
    const char *id, *name, *metric, *group, *endpoint, *model, *cmp, *webhook;
    int64_t window_s, min_requests;
    double threshold;
} rule_t;

static metric_t *m_evals, *m_eval_errors, *m_firing_events, *m_resolved_events, *m_delivered,
    *m_failed, *m_firing;
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

static void metrics_create(void)
{
    m_evals = metrics_counter("llmops_alerts_evaluations_total", "",
                              "alert evaluation runs (every enabled rule once)");
    m_eval_errors = metrics_counter("llmops_alerts_evaluation_errors_total", "",
                                    "alert rules whose evaluation failed (store errors)");
    m_firing_events = metrics_counter("llmops_alerts_events_total", "state=\"firing\"",
                                      "alert state changes recorded, by new state");
    m_resolved_events = metrics_counter("llmops_alerts_events_total", "state=\"resolved\"",
                                        "alert state changes recorded, by new state");
    m_delivered = metrics_counter("llmops_alerts_webhook_deliveries_total", "result=\"delivered\"",
                                  "alert webhook deliveries, by outcome after all tries");
    m_failed = metrics_counter("llmops_alerts_webhook_deliveries_total", "result=\"failed\"",
                               "alert webhook deliveries, by outcome after all tries");
    m_firing = metrics_gauge("llmops_alerts_firing", "",
                             "(rule, group) pairs firing after the last evaluation");
}

/* Record one state change and its event, if the stored state still is the old one. 1 when
 * recorded, 0 when another evaluator got there first, -1 with err. */
static int transition(store_conn_t *c, const rule_t *r, const char *group, int firing, double value,
                      int64_t now_ms, char event_id[ID_HEX_LEN + 1], err_t *err)
{
    if (store_begin(c, err) != 0)
        return -1;
    int64_t n;
    if (firing) {
        store_value_t p[] = {sv_text(r->id), sv_text(group), sv_real(value), sv_int(now_ms),
                             sv_int(now_ms)};
        n = store_exec(c,
                       "INSERT INTO alert_states (rule_id, group_value, state, value, since_ms, "
                       "updated_ms) VALUES (?, ?, 'firing', ?, ?, ?) "
                       "ON CONFLICT (rule_id, group_value) DO UPDATE SET state = 'firing', "
                       "value = excluded.value, since_ms = excluded.since_ms, "
                       "updated_ms = excluded.updated_ms WHERE alert_states.state <> 'firing'",
                       p, 5, err);
    } else {
        store_value_t p[] = {sv_real(value), sv_int(now_ms), sv_int(now_ms), sv_text(r->id),
                             sv_text(group)};
        n = store_exec(c,
                       "UPDATE alert_states SET state = 'ok', value = ?, since_ms = ?, "
                       "updated_ms = ? WHERE rule_id = ? AND group_value = ? AND state = 'firing'",
                       p, 5, err);
    }
    if (n == 1) {
        ids_uuid7_hex(event_id);
        store_value_t e[] = {sv_text(event_id),
                             sv_text(r->id),
                             sv_text(r->name),
                             sv_text(group),
                             sv_text(firing ? "firing" : "resolved"),
                             sv_text(r->metric),
                             sv_real(value),
                             sv_real(r->threshold),
                             sv_text(r->cmp),
                             sv_int(r->window_s),
                             sv_text(r->webhook),
                             sv_int(now_ms),
                             sv_text(r->webhook ? "pending" : "none")};
        n = store_exec(c,
                       "INSERT INTO alert_events (id, rule_id, rule_name, group_value, state, "
                       "metric, value, threshold, comparison, window_s, webhook_url, at_ms, "
                       "delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       e, sizeof e / sizeof e[0], err) == 1
                ? 1
                : -1;
    }
    if (store_finish(c, n >= 0, err) != 0)
        return -1;
    if (n == 1)
        metrics_add(firing ? m_firing_events : m_resolved_events, 1);
    return (int)n;
}

/* Evaluate one rule; the ids of the events it recorded are appended to created. */
static int eval_rule(store_t *s, const rule_t *r, int64_t now_ms, json_t *created, err_t *err)
{
    mon_query_t q = {.since_ms = now_ms - r->window_s * 1000,
                     .until_ms = now_ms,
                     .bucket = MON_BUCKET_NONE,
                     .endpoint = r->endpoint,
                     .model = r->model};
    if (mon_group_parse(r->group, "group", &q.group, err) != 0)
        return -1;
    mon_row_t *rows = NULL;
    size_t n = 0;
    if (monitor_aggregate(s, &q, &rows, &n, err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    store_value_t p[] = {sv_text(r->id)};
    store_rows_t *states =
        store_query(c, "SELECT group_value, state FROM alert_states WHERE rule_id = ?", p, 1, err);
    int rc = states ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *group = rows[i].group ? rows[i].group : "";
        double value;
        if (rows[i].requests < r->min_requests ||
            mon_row_metric(&rows[i], r->metric, &value) != 0 || isnan(value))
            continue; /* too little evidence either way: the state stays */
        int firing = alerts_compare(r->cmp, value, r->threshold) == 1;
        int was_firing = 0;
        for (size_t k = 0; k < store_rows_count(states); k++)
            if (strcmp(store_rows_text(states, k, 0), group) == 0)
                was_firing = strcmp(store_rows_text(states, k, 1), "firing") == 0;
        if (firing == was_firing)
            continue;
        char event_id[ID_HEX_LEN + 1];
        int t = transition(c, r, group, firing, value, now_ms, event_id, err);
        if (t < 0)
            rc = -1;
        else if (t == 1)
            json_array_append_new(created, json_string(event_id));
    }
    store_rows_free(states);
    store_release(s, c);
    mon_rows_free(rows, n);
    return rc;
}

/* POST every pending event (oldest first) and record how it went. */
static void deliver_pending(store_t *s, const alerts_eval_opts_t *o)
{
    err_t err;
    store_conn_t *c = store_acquire(s);
    store_value_t lim[] = {sv_int(PENDING_BATCH)};
    store_rows_t *rows =
        store_query(c,
                    "SELECT id, rule_id, rule_name, group_value, state, metric, value, threshold, "
                    "comparison, window_s, webhook_url, at_ms FROM alert_events "
                    "WHERE delivery = 'pending' ORDER BY at_ms, id LIMIT ?",
                    lim, 1, &err);
    store_release(s, c);
    if (!rows) {
        log_msg(LOG_WARN, "alerts: cannot read pending events: %s", err.message);
        return;
    }
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        const char *group = store_rows_text(rows, r, 3);
        json_t *payload = json_pack(
            "{s:s, s:s, s:s, s:o, s:o, s:f, s:s, s:I, s:I, s:s, s:s}", "rule",
            store_rows_text(rows, r, 2), "state", store_rows_text(rows, r, 4), "metric",
            store_rows_text(rows, r, 5), "group", group[0] ? json_string(group) : json_null(),
            "value",
            store_rows_is_null(rows, r, 6) ? json_null() : json_real(store_rows_real(rows, r, 6)),
            "threshold", store_rows_real(rows, r, 7), "comparison", store_rows_text(rows, r, 8),
            "window_s", (json_int_t)store_rows_int(rows, r, 9), "at_ms",
            (json_int_t)store_rows_int(rows, r, 11), "rule_id", store_rows_text(rows, r, 1),
            "event_id", store_rows_text(rows, r, 0));
        char *body = json_dump_text(payload, JSON_COMPACT);
        json_decref(payload);
        int attempts = 0;
        char last_error[256];
        int ok = alert_webhook_post(store_rows_text(rows, r, 10), body, o->webhook_attempts,
                                    o->webhook_timeout_ms, o->webhook_backoff_ms, &attempts,
                                    last_error, sizeof last_error) == 0;
        free(body);
        metrics_add(ok ? m_delivered : m_failed, 1);
        if (!ok)
            log_json(LOG_WARN, "alert webhook delivery failed",
                     json_pack("{s:s, s:s, s:i, s:s}", "event_id", store_rows_text(rows, r, 0),
                               "rule", store_rows_text(rows, r, 2), "attempts", attempts, "error",
                               last_error));
        store_value_t p[] = {sv_text(ok ? "delivered" : "failed"), sv_int(attempts),
                             sv_text(ok ? NULL : last_error), sv_text(store_rows_text(rows, r, 0))};
        c = store_acquire(s);
        if (store_exec(c,
                       "UPDATE alert_events SET delivery = ?, attempts = attempts + ?, "
                       "last_error = ? WHERE id = ?",
                       p, 4, &err) < 0)
            log_msg(LOG_WARN, "alerts: cannot record a delivery: %s", err.message);
        store_release(s, c);
    }
    store_rows_free(rows);
}

json_t *alerts_evaluate(store_t *s, int64_t now_ms, const alerts_eval_opts_t *opts, err_t *err)
{
    pthread_once(&metrics_once, metrics_create);
    alerts_eval_opts_t o = {
        .webhook_attempts = 3, .webhook_timeout_ms = 5000, .webhook_backoff_ms = 500};
    if (opts) {
        if (opts->webhook_attempts > 0)
            o.webhook_attempts = opts->webhook_attempts;
        if (opts->webhook_timeout_ms > 0)
            o.webhook_timeout_ms = opts->webhook_timeout_ms;
        if (opts->webhook_backoff_ms >= 0)
            o.webhook_backoff_ms = opts->webhook_backoff_ms;
    }
    if (now_ms <= 0)
        now_ms = clock_now_ms();
    pthread_mutex_lock(&eval_lock);
    store_conn_t *c = store_acquire(s);
    store_rows_t *rules = store_query(
        c,
        "SELECT id, name, metric, group_by, endpoint, model, window_s, comparison, threshold, "
        "min_requests, webhook_url FROM alert_rules WHERE enabled = 1 ORDER BY name",
        NULL, 0, err);
    store_release(s, c);
    if (!rules) {
        pthread_mutex_unlock(&eval_lock);
        metrics_add(m_eval_errors, 1);
        return NULL;
    }
    json_t *created = json_array();
    size_t nrules = store_rows_count(rules);
    for (size_t i = 0; i < nrules; i++) {
        rule_t r = {.id = store_rows_text(rules, i, 0),
                    .name = store_rows_text(rules, i, 1),
                    .metric = store_rows_text(rules, i, 2),
                    .group = store_rows_text(rules, i, 3),
                    .endpoint = store_rows_text(rules, i, 4),
                    .model = store_rows_text(rules, i, 5),
                    .window_s = store_rows_int(rules, i, 6),
                    .cmp = store_rows_text(rules, i, 7),
                    .threshold = store_rows_real(rules, i, 8),
                    .min_requests = store_rows_int(rules, i, 9),
                    .webhook = store_rows_text(rules, i, 10)};
        err_t rerr;
        if (eval_rule(s, &r, now_ms, created, &rerr) != 0) {
            metrics_add(m_eval_errors, 1);
            log_json(LOG_WARN, "alert rule evaluation failed",
                     json_pack("{s:s, s:s}", "rule", r.name, "error", rerr.message));
        }
    }
    store_rows_free(rules);
    deliver_pending(s, &o);
    metrics_add(m_evals, 1);

    /* the events of this run, as they stand after delivery */
    json_t *events = json_array();
    c = store_acquire(s);
    store_rows_t *firing =
        store_query(c, "SELECT COUNT(*) FROM alert_states WHERE state = 'firing'", NULL, 0, err);
    if (firing) {
        metrics_set(m_firing, store_rows_int(firing, 0, 0));
        store_rows_free(firing);
    }
    store_release(s, c);
    pthread_mutex_unlock(&eval_lock);
    size_t k;
    json_t *id;
    json_t *recent = json_array_size(created) ? alerts_events(s, NULL, 1000, err) : NULL;
    json_array_foreach(created, k, id)
    {
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(recent, "events"), j, e)
        {
            if (json_equal(json_object_get(e, "id"), id))
                json_array_append(events, e);
        }
    }
    json_decref(recent);
    json_decref(created);
    return json_pack("{s:I, s:o}", "evaluated", (json_int_t)nrules, "events", events);
}
