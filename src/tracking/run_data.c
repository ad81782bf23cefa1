/* run_data.c - params, metrics, tags and log-batch (see run_data.h).
 *
 * log-batch is the hot path (clients log thousands of metric points per second), so it is
 * written to make few round trips: everything is validated in memory, the run is checked and
 * the existing params are read with one query each, and rows go in with multi-row INSERT
 * statements (sqlb_exec_rows).
 * latest_metrics gets one upsert row per distinct key, the batch's own maximum, whose
 * ON CONFLICT ... WHERE keeps whichever of the stored and the new row is later. (PostgreSQL
 * refuses an upsert that touches one row twice, which is another reason to reduce per key
 * first.) */
#include "tracking/run_data.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/page_token.h"
#include "store/sql_builder.h"
#include "tracking/runs.h"
#include "tracking/validate.h"

/* ---- validation --------------------------------------------------------------------------- */

static int check_limit(const char *what, size_t limit, size_t n, err_t *err)
{
    if (n > limit)
        return err_invalid(err, what,
                           "A batch logging request can contain at most %zu %s. Got %zu %s. "
                           "Please split up %s across multiple requests and try again.",
                           limit, what, n, what, what);
    return 0;
}

/* Name the item at fault ("metrics[3].key") in an error a check filled in without a field:
 * the name is made only on failure, not for each of a thousand good items. Returns -1. */
static int at(err_t *err, const char *list, size_t i, const char *member)
{
    if (err)
        snprintf(err->field, sizeof err->field, "%s[%zu].%s", list, i, member);
    return -1;
}

static int check_batch(const run_batch_t *b, err_t *err)
{
    if (check_limit("metrics", TRACKING_MAX_BATCH_METRICS, b->nmetrics, err) != 0 ||
        check_limit("params", TRACKING_MAX_BATCH_PARAMS, b->nparams, err) != 0 ||
        check_limit("tags", TRACKING_MAX_BATCH_TAGS, b->ntags, err) != 0 ||
        check_limit("metrics, params, and tags", TRACKING_MAX_BATCH_ENTITIES,
                    b->nmetrics + b->nparams + b->ntags, err) != 0)
        return -1;
    for (size_t i = 0; i < b->nmetrics; i++) {
        const tracking_metric_t *m = &b->metrics[i];
        if (tracking_check_key("metric", m->key, NULL, err) != 0)
            return at(err, "metrics", i, "key");
        if (m->timestamp < 0) {
            err_invalid(err, NULL,
                        "Got invalid timestamp %" PRId64 " for metric '%s'. Timestamp must be a "
                        "nonnegative long (64-bit integer)",
                        m->timestamp, m->key);
            return at(err, "metrics", i, "timestamp");
        }
    }
    for (size_t i = 0; i < b->nparams; i++) {
        if (tracking_check_key("parameter", b->params[i].key, NULL, err) != 0)
            return at(err, "params", i, "key");
        if (!b->params[i].value) {
            err_invalid(err, NULL, "Missing value for required parameter 'params[%zu].value'.", i);
            return at(err, "params", i, "value");
        }
        if (tracking_check_length("Param value", b->params[i].value, TRACKING_MAX_PARAM_VALUE_LEN,
                                  NULL, err) != 0)
            return at(err, "params", i, "value");
        for (size_t j = 0; j < i; j++)
            if (strcmp(b->params[j].key, b->params[i].key) == 0)
                return err_invalid(err, "params",
                                   "Duplicate parameter keys have been submitted: ['%.250s']. "
                                   "Please ensure the request contains only one param value per "
                                   "param key.",
                                   b->params[i].key);
    }
    for (size_t i = 0; i < b->ntags; i++) {
        if (tracking_check_key("tag", b->tags[i].key, NULL, err) != 0)
            return at(err, "tags", i, "key");
        if (!b->tags[i].value) {
            err_invalid(err, NULL, "Missing value for required parameter 'tags[%zu].value'.", i);
            return at(err, "tags", i, "value");
        }
        if (tracking_check_length("Tag value", b->tags[i].value, TRACKING_MAX_TAG_VALUE_LEN, NULL,
                                  err) != 0)
            return at(err, "tags", i, "value");
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* Params: compare with what the run already has (one query), insert the new ones. */
static int write_params(store_conn_t *c, const char *run_id, const run_batch_t *b, err_t *err)
{
    if (b->nparams == 0)
        return 0;
    buf_t sql;
    buf_init(&sql);
    buf_append_str(&sql, "SELECT key, value FROM params WHERE run_id = ? AND key IN (");
    store_value_t *vals = xcalloc(b->nparams * 3 + 1, sizeof *vals);
    vals[0] = sv_text(run_id);
    for (size_t i = 0; i < b->nparams; i++) {
        buf_append_str(&sql, i ? ", ?" : "?");
        vals[i + 1] = sv_text(b->params[i].key);
    }
    buf_append_char(&sql, ')');
    store_rows_t *rows = store_query(c, buf_str(&sql), vals, b->nparams + 1, err);
    buf_free(&sql);
    int rc = rows ? 0 : -1;
    size_t nnew = 0;
    for (size_t i = 0; rc == 0 && i < b->nparams; i++) {
        const char *old = NULL;
        for (size_t r = 0; r < store_rows_count(rows); r++)
            if (strcmp(store_rows_text(rows, r, 0), b->params[i].key) == 0)
                old = store_rows_text(rows, r, 1);
        if (old && strcmp(old, b->params[i].value) != 0) {
            rc = err_invalid(err, "params",
                             "Changing param values is not allowed. Param with key='%.250s' was "
                             "already logged with value='%.100s' for run ID='%s'. Attempted "
                             "logging new value '%.100s'.",
                             b->params[i].key, old, run_id, b->params[i].value);
        } else if (!old) {
            vals[nnew * 3] = sv_text(run_id);
            vals[nnew * 3 + 1] = sv_text(b->params[i].key);
            vals[nnew * 3 + 2] = sv_text(b->params[i].value);
            nnew++;
        }
    }
    store_rows_free(rows);
    if (rc == 0 && nnew &&
        sqlb_exec_rows(c, "INSERT INTO params (run_id, key, value) VALUES", 3, NULL, vals, nnew,
                       err) < 0)
        rc = -1;
    free(vals);
    return rc;
}

/* 1 when metric a comes after b in MLflow's "latest" order: step, then timestamp, then value
 * (NaN counting as 0, as MLflow stores it). */
static int metric_later(const tracking_metric_t *a, const tracking_metric_t *b)
{
    if (a->step != b->step)
        return a->step > b->step;
    if (a->timestamp != b->timestamp)
        return a->timestamp > b->timestamp;
    double va = isnan(a->value) ? 0 : a->value, vb = isnan(b->value) ? 0 : b->value;
    return va > vb;
}

typedef struct keyed {
    const char *key;
    size_t index;
} keyed_t;

static int by_key(const void *x, const void *y)
{
    /* Keys first, then position, so the order is deterministic. */
    const keyed_t *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

static void metric_values(store_value_t *v, const char *run_id, const tracking_metric_t *m)
{
    int nan = isnan(m->value);
    v[0] = sv_text(run_id);
    v[1] = sv_text(m->key);
    v[2] = sv_real(nan ? 0.0 : m->value);
    v[3] = sv_int(m->timestamp);
    v[4] = sv_int(m->step);
    v[5] = sv_int(nan);
}

static int write_metrics(store_conn_t *c, const char *run_id, const run_batch_t *b, err_t *err)
{
    size_t n = b->nmetrics;
    if (n == 0)
        return 0;
    store_value_t *vals = xmalloc(n * 6 * sizeof *vals);
    for (size_t i = 0; i < n; i++)
        metric_values(vals + i * 6, run_id, &b->metrics[i]);
    int rc = sqlb_exec_rows(c,
                            "INSERT INTO metrics (run_id, key, value, timestamp, step, is_nan) "
                            "VALUES",
                            6, " ON CONFLICT DO NOTHING", vals, n, err) < 0
                 ? -1
                 : 0;

    /* The batch's latest point per key: sort by key, then keep the latest of each run of
     * equal keys. */
    keyed_t *order = xmalloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = (keyed_t){b->metrics[i].key, i};
    qsort(order, n, sizeof *order, by_key);
    size_t nlatest = 0;
    for (size_t i = 0; i < n;) {
        const tracking_metric_t *latest = &b->metrics[order[i].index];
        size_t j = i + 1;
        for (; j < n && strcmp(order[j].key, order[i].key) == 0; j++)
            if (metric_later(&b->metrics[order[j].index], latest))
                latest = &b->metrics[order[j].index];
        metric_values(vals + nlatest * 6, run_id, latest);
        nlatest++;
        i = j;
    }
    free(order);
    if (rc == 0 &&
        sqlb_exec_rows(c,
                       "INSERT INTO latest_metrics (run_id, key, value, timestamp, step, is_nan) "
                       "VALUES",
                       6,
                       " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, "
                       "timestamp = excluded.timestamp, step = excluded.step, is_nan = "
                       "excluded.is_nan WHERE excluded.step > latest_metrics.step OR "
                       "(excluded.step = latest_metrics.step AND (excluded.timestamp > "
                       "latest_metrics.timestamp OR (excluded.timestamp = "
                       "latest_metrics.timestamp AND excluded.value > latest_metrics.value)))",
                       vals, nlatest, err) < 0)
        rc = -1;
    free(vals);
    return rc;
}

static int write_tags(store_conn_t *c, const char *run_id, const run_batch_t *b, err_t *err)
{
    if (b->ntags == 0)
        return 0;
    store_value_t *vals = xcalloc(b->ntags * 3, sizeof *vals);
    size_t n = 0;
    const char *run_name = NULL;
    /* Last value wins for a repeated key: keep only the last occurrence of each. */
    for (size_t i = 0; i < b->ntags; i++) {
        int later = 0;
        for (size_t j = i + 1; j < b->ntags && !later; j++)
            later = strcmp(b->tags[i].key, b->tags[j].key) == 0;
        if (later)
            continue;
        if (strcmp(b->tags[i].key, "mlflow.runName") == 0)
            run_name = b->tags[i].value;
        vals[n * 3] = sv_text(run_id);
        vals[n * 3 + 1] = sv_text(b->tags[i].key);
        vals[n * 3 + 2] = sv_text(b->tags[i].value);
        n++;
    }
    int rc = sqlb_exec_rows(c, "INSERT INTO tags (run_id, key, value) VALUES", 3,
                            " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value", vals,
                            n, err) < 0
                 ? -1
                 : 0;
    free(vals);
    if (rc == 0 && run_name) { /* the tag and the run's name are one thing (MLflow) */
        if (tracking_check_length("Run name", run_name, TRACKING_MAX_RUN_NAME_LEN, "tags", err) !=
            0)
            return -1;
        store_value_t p[] = {sv_text(run_name), sv_text(run_id)};
        if (store_exec(c, "UPDATE runs SET run_name = ? WHERE run_id = ?", p, 2, err) < 0)
            return -1;
    }
    return rc;
}

int run_data_log_batch(store_t *s, const char *run_id, const run_batch_t *b, err_t *err)
{
    if (!run_id || !*run_id)
        return err_invalid(err, "run_id", "Missing value for required parameter 'run_id'.");
    if (check_batch(b, err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int ok = store_begin(c, err) == 0 && runs_check_active(c, run_id, NULL, err) == 0 &&
             write_params(c, run_id, b, err) == 0 && write_metrics(c, run_id, b, err) == 0 &&
             write_tags(c, run_id, b, err) == 0;
    int rc = store_finish(c, ok, err);
    store_release(s, c);
    return rc;
}

int run_data_delete_tag(store_t *s, const char *run_id, const char *key, err_t *err)
{
    if (!key || !*key)
        return err_invalid(err, "key", "Missing value for required parameter 'key'.");
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (runs_check_active(c, run_id, NULL, err) == 0) {
        store_value_t p[] = {sv_text(run_id), sv_text(key)};
        int64_t n = store_exec(c, "DELETE FROM tags WHERE run_id = ? AND key = ?", p, 2, err);
        if (n == 0)
            err_not_found(err, "No tag with name: %.250s in run with id %s", key, run_id);
        else if (n > 0)
            rc = 0;
    }
    store_release(s, c);
    return rc;
}

json_t *run_data_metric_history(store_t *s, const char *run_id, const char *key,
                                int64_t max_results, const char *page_token, err_t *err)
{
    if (!key || !*key) {
        err_invalid(err, "metric_key", "Missing value for required parameter 'metric_key'.");
        return NULL;
    }
    int64_t max = max_results ? max_results : TRACKING_MAX_HISTORY_PAGE;
    if (max < 1 || max > TRACKING_MAX_HISTORY_PAGE) {
        err_invalid(err, "max_results",
                    "Invalid value for request parameter max_results. It must be from 1 to %d, "
                    "but got value %" PRId64,
                    TRACKING_MAX_HISTORY_PAGE, max);
        return NULL;
    }
    int64_t offset;
    if (page_token_parse(page_token, &offset, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *result = NULL;
    store_value_t p[] = {sv_text(run_id), sv_text(key), sv_int(max + 1), sv_int(offset)};
    store_value_t q = sv_text(run_id);
    store_rows_t *exists = store_query(c, "SELECT 1 FROM runs WHERE run_id = ?", &q, 1, err);
    store_rows_t *rows = NULL;
    if (exists && store_rows_count(exists) == 0)
        err_not_found(err, "Run with id=%.100s not found", run_id);
    else if (exists)
        rows = store_query(c,
                           "SELECT value, timestamp, step, is_nan FROM metrics WHERE run_id = ? "
                           "AND key = ? ORDER BY timestamp, step, value LIMIT ? OFFSET ?",
                           p, 4, err);
    if (rows) {
        size_t n = store_rows_count(rows);
        json_t *list = json_array();
        for (size_t r = 0; r < n && (int64_t)r < max; r++)
            json_array_append_new(list, runs_metric_json(key, store_rows_real(rows, r, 0),
                                                         (int)store_rows_int(rows, r, 3),
                                                         store_rows_int(rows, r, 1),
                                                         store_rows_int(rows, r, 2)));
        result = json_pack("{s:o}", "metrics", list);
        page_token_add_next(result, n, max, offset);
    }
    store_rows_free(exists);
    store_rows_free(rows);
    store_release(s, c);
    return result;
}
