/* alerts.c - alert rules: validation, storage, listing; the event list (see alerts.h). The
 * evaluation is in alert_eval.c. */
#include "monitor/alerts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "monitor/aggregate.h"

#define RULE_COLUMNS                                                                               \
    "id, name, metric, group_by, endpoint, model, window_s, comparison, threshold, "               \
    "min_requests, webhook_url, enabled, created_ms"
#define WINDOW_MAX_S (31 * 86400)

int alerts_compare(const char *cmp, double value, double threshold)
{
    if (!cmp)
        return -1;
    if (strcmp(cmp, ">") == 0)
        return value > threshold;
    if (strcmp(cmp, ">=") == 0)
        return value >= threshold;
    if (strcmp(cmp, "<") == 0)
        return value < threshold;
    if (strcmp(cmp, "<=") == 0)
        return value <= threshold;
    return -1;
}

static json_t *text_or_null(const store_rows_t *rows, size_t r, size_t col)
{
    return store_rows_is_null(rows, r, col) ? json_null()
                                            : json_string(store_rows_text(rows, r, col));
}

/* A row of RULE_COLUMNS as the API shows it. */
static json_t *rule_json(const store_rows_t *rows, size_t r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(store_rows_text(rows, r, 0)));
    json_object_set_new(o, "name", json_string(store_rows_text(rows, r, 1)));
    json_object_set_new(o, "metric", json_string(store_rows_text(rows, r, 2)));
    json_object_set_new(o, "group", json_string(store_rows_text(rows, r, 3)));
    json_object_set_new(o, "endpoint", text_or_null(rows, r, 4));
    json_object_set_new(o, "model", text_or_null(rows, r, 5));
    json_object_set_new(o, "window_s", json_integer(store_rows_int(rows, r, 6)));
    json_object_set_new(o, "comparison", json_string(store_rows_text(rows, r, 7)));
    json_object_set_new(o, "threshold", json_real(store_rows_real(rows, r, 8)));
    json_object_set_new(o, "min_requests", json_integer(store_rows_int(rows, r, 9)));
    json_object_set_new(o, "webhook_url", text_or_null(rows, r, 10));
    json_object_set_new(o, "enabled", json_boolean(store_rows_int(rows, r, 11)));
    json_object_set_new(o, "created_ms", json_integer(store_rows_int(rows, r, 12)));
    return o;
}

static int check_fields(const json_t *in, err_t *err)
{
    static const char *const known[] = {"name",         "metric",      "group",      "endpoint",
                                        "model",        "window_s",    "comparison", "threshold",
                                        "min_requests", "webhook_url", "enabled",    NULL};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)in, key, v)
    {
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok)
            return err_invalid(err, key, "unknown field '%s' in an alert rule", key);
    }
    return 0;
}

json_t *alerts_rule_create(store_t *s, const json_t *in, err_t *err)
{
    const char *name = NULL, *metric = NULL, *group = "none", *endpoint = NULL, *model = NULL;
    const char *cmp = NULL, *webhook = NULL;
    int64_t window_s = 0, min_requests = 10;
    double threshold = 0;
    int enabled = 1;
    mon_group_t g;
    if (!json_is_object(in)) {
        err_invalid(err, NULL, "an alert rule must be a JSON object");
        return NULL;
    }
    if (check_fields(in, err) != 0 || json_field_string(in, "name", 1, 200, &name, err) != 0 ||
        json_field_string(in, "metric", 1, 64, &metric, err) != 0 ||
        json_field_string(in, "group", 0, 16, &group, err) != 0 ||
        json_field_string(in, "endpoint", 0, 200, &endpoint, err) != 0 ||
        json_field_string(in, "model", 0, 200, &model, err) != 0 ||
        json_field_int(in, "window_s", 1, &window_s, err) != 0 ||
        json_field_string(in, "comparison", 1, 2, &cmp, err) != 0 ||
        json_field_number(in, "threshold", 1, &threshold, err) != 0 ||
        json_field_int(in, "min_requests", 0, &min_requests, err) != 0 ||
        json_field_string(in, "webhook_url", 0, 2000, &webhook, err) != 0 ||
        json_field_bool(in, "enabled", 0, &enabled, err) != 0)
        return NULL;
    mon_row_t probe = {0};
    double unused;
    if (!name[0]) {
        err_invalid(err, "name", "field 'name' must not be empty");
        return NULL;
    }
    if (mon_row_metric(&probe, metric, &unused) != 0) {
        err_invalid(err, "metric",
                    "unknown metric '%s' (latency_p95, error_rate, cost_usd ... see "
                    "docs/metrics-alerts.md)",
                    metric);
        return NULL;
    }
    if (mon_group_parse(group, "group", &g, err) != 0)
        return NULL;
    if (window_s < 1 || window_s > WINDOW_MAX_S) {
        err_invalid(err, "window_s", "field 'window_s' must be from 1 to %d seconds", WINDOW_MAX_S);
        return NULL;
    }
    if (alerts_compare(cmp, 0, 0) < 0) {
        err_invalid(err, "comparison", "field 'comparison' must be one of >, >=, <, <=");
        return NULL;
    }
    if (!isfinite(threshold)) {
        err_invalid(err, "threshold", "field 'threshold' must be a finite number");
        return NULL;
    }
    if (min_requests < 0) {
        err_invalid(err, "min_requests", "field 'min_requests' must be 0 or more");
        return NULL;
    }
    if (webhook && strncmp(webhook, "http://", 7) != 0 && strncmp(webhook, "https://", 8) != 0) {
        err_invalid(err, "webhook_url", "field 'webhook_url' must be an http:// or https:// URL");
        return NULL;
    }
    char id[ID_HEX_LEN + 1];
    ids_uuid7_hex(id);
    store_value_t p[] = {sv_text(id),           sv_text(name),     sv_text(metric),
                         sv_text(group),        sv_text(endpoint), sv_text(model),
                         sv_int(window_s),      sv_text(cmp),      sv_real(threshold),
                         sv_int(min_requests),  sv_text(webhook),  sv_int(enabled),
                         sv_int(clock_now_ms())};
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_exec(c,
                   "INSERT INTO alert_rules (" RULE_COLUMNS ") VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   p, sizeof p / sizeof p[0], err) >= 0) {
        store_rows_t *rows =
            store_query(c, "SELECT " RULE_COLUMNS " FROM alert_rules WHERE id = ?", p, 1, err);
        if (rows) {
            out = rule_json(rows, 0);
            store_rows_free(rows);
        }
    } else if (err->status == 409) {
        err_conflict(err, "an alert rule named '%s' already exists", name);
    }
    store_release(s, c);
    return out;
}

json_t *alerts_rule_list(store_t *s, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows =
        store_query(c, "SELECT " RULE_COLUMNS " FROM alert_rules ORDER BY name", NULL, 0, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(list, rule_json(rows, r));
    store_rows_free(rows);
    return json_pack("{s:o}", "rules", list);
}

json_t *alerts_rule_get(store_t *s, const char *id, err_t *err)
{
    store_value_t p[] = {sv_text(id)};
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    store_rows_t *rows =
        store_query(c, "SELECT " RULE_COLUMNS " FROM alert_rules WHERE id = ?", p, 1, err);
    if (rows && store_rows_count(rows) == 0)
        err_not_found(err, "no alert rule with id '%s'", id);
    else if (rows) {
        out = rule_json(rows, 0);
        store_rows_t *st =
            store_query(c,
                        "SELECT group_value, state, value, since_ms, updated_ms FROM alert_states "
                        "WHERE rule_id = ? ORDER BY group_value",
                        p, 1, err);
        if (!st) {
            json_decref(out);
            out = NULL;
        } else {
            json_t *states = json_array();
            for (size_t r = 0; r < store_rows_count(st); r++)
                json_array_append_new(
                    states,
                    json_pack("{s:s, s:s, s:o, s:I, s:I}", "group", store_rows_text(st, r, 0),
                              "state", store_rows_text(st, r, 1), "value",
                              store_rows_is_null(st, r, 2) ? json_null()
                                                           : json_real(store_rows_real(st, r, 2)),
                              "since_ms", (json_int_t)store_rows_int(st, r, 3), "updated_ms",
                              (json_int_t)store_rows_int(st, r, 4)));
            json_object_set_new(out, "states", states);
            store_rows_free(st);
        }
    }
    store_rows_free(rows);
    store_release(s, c);
    return out ? json_pack("{s:o}", "rule", out) : NULL;
}

int alerts_rule_delete(store_t *s, const char *id, err_t *err)
{
    store_value_t p[] = {sv_text(id)};
    store_conn_t *c = store_acquire(s);
    int ok = store_begin(c, err) == 0;
    int64_t n = ok ? store_exec(c, "DELETE FROM alert_states WHERE rule_id = ?", p, 1, err) : -1;
    if (n >= 0)
        n = store_exec(c, "DELETE FROM alert_rules WHERE id = ?", p, 1, err);
    if (n == 0)
        err_not_found(err, "no alert rule with id '%s'", id);
    int rc = ok ? store_finish(c, n > 0, err) : -1;
    store_release(s, c);
    return rc;
}

json_t *alerts_events(store_t *s, const char *rule_id, int64_t limit, err_t *err)
{
    if (limit < 1 || limit > 1000) {
        err_invalid(err, "limit", "limit must be from 1 to 1000");
        return NULL;
    }
    store_value_t p[] = {sv_text(rule_id), sv_text(rule_id), sv_int(limit)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c,
        "SELECT id, rule_id, rule_name, group_value, state, metric, value, threshold, comparison, "
        "at_ms, delivery, attempts, last_error FROM alert_events "
        "WHERE (CAST(? AS TEXT) IS NULL OR rule_id = ?) ORDER BY at_ms DESC, id DESC LIMIT ?",
        p, 3, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(store_rows_text(rows, r, 0)));
        json_object_set_new(e, "rule_id", json_string(store_rows_text(rows, r, 1)));
        json_object_set_new(e, "rule", json_string(store_rows_text(rows, r, 2)));
        json_object_set_new(e, "group", json_string(store_rows_text(rows, r, 3)));
        json_object_set_new(e, "state", json_string(store_rows_text(rows, r, 4)));
        json_object_set_new(e, "metric", json_string(store_rows_text(rows, r, 5)));
        json_object_set_new(
            e, "value",
            store_rows_is_null(rows, r, 6) ? json_null() : json_real(store_rows_real(rows, r, 6)));
        json_object_set_new(e, "threshold", json_real(store_rows_real(rows, r, 7)));
        json_object_set_new(e, "comparison", json_string(store_rows_text(rows, r, 8)));
        json_object_set_new(e, "at_ms", json_integer(store_rows_int(rows, r, 9)));
        json_object_set_new(e, "delivery", json_string(store_rows_text(rows, r, 10)));
        json_object_set_new(e, "attempts", json_integer(store_rows_int(rows, r, 11)));
        json_object_set_new(e, "last_error", text_or_null(rows, r, 12));
        json_array_append_new(list, e);
    }
    store_rows_free(rows);
    return json_pack("{s:o}", "events", list);
}
