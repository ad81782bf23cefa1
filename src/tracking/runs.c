/* runs.c - MLflow runs over the store (see runs.h).
 *
 * Reading a page of runs costs a fixed number of queries per 500 runs (runs, latest metrics,
 * params, tags, inputs, input tags), never one per run; the pieces are attached to their run
 * through a jansson object keyed by run id. */
#include "tracking/runs.h"

#include <stdlib.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "tracking/experiments.h"
#include "tracking/run_names.h"
#include "store/sql_builder.h"
#include "tracking/validate.h"

#define RUN_COLUMNS                                                                                \
    "run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, "       \
    "lifecycle_stage"
#define LOAD_CHUNK   500
#define RUN_NAME_TAG "mlflow.runName"

json_t *runs_metric_json(const char *key, double value, int is_nan, int64_t timestamp, int64_t step)
{
    json_t *v;
    if (is_nan || isnan(value))
        v = json_string("NaN");
    else if (isinf(value))
        v = json_string(value > 0 ? "Infinity" : "-Infinity");
    else
        v = json_real(value);
    return json_pack("{s:s, s:o, s:I, s:I}", "key", key, "value", v, "timestamp",
                     (json_int_t)timestamp, "step", (json_int_t)step);
}

static json_t *nullable_int(const store_rows_t *rows, size_t r, size_t col)
{
    return store_rows_is_null(rows, r, col) ? json_null()
                                            : json_integer(store_rows_int(rows, r, col));
}

static json_t *nullable_text(const store_rows_t *rows, size_t r, size_t col)
{
    return store_rows_is_null(rows, r, col) ? json_null()
                                            : json_string(store_rows_text(rows, r, col));
}

/* RunInfo from a row of RUN_COLUMNS. */
static json_t *run_info_json(const store_rows_t *rows, size_t r)
{
    char exp[EXPERIMENT_ID_SIZE];
    snprintf(exp, sizeof exp, "%" PRId64, store_rows_int(rows, r, 1));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:s, s:s}", "run_id",
                     store_rows_text(rows, r, 0), "run_uuid", store_rows_text(rows, r, 0),
                     "run_name", store_rows_text(rows, r, 2), "experiment_id", exp, "user_id",
                     nullable_text(rows, r, 3), "status", store_rows_text(rows, r, 4), "start_time",
                     nullable_int(rows, r, 5), "end_time", nullable_int(rows, r, 6), "artifact_uri",
                     store_rows_text(rows, r, 7), "lifecycle_stage", store_rows_text(rows, r, 8));
}

/* Run a query "<head> IN (ids...) <tail>" over one chunk of ids. */
static store_rows_t *query_in(store_conn_t *c, const char *head, const char *tail,
                              const char *const *ids, size_t n, err_t *err)
{
    sqlb_t b;
    sqlb_init(&b, store_conn_kind(c));
    sqlb_sql(&b, head);
    sqlb_sql(&b, " IN (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sqlb_sql(&b, ", ");
        sqlb_param(&b, sv_text(ids[i]));
    }
    sqlb_sql(&b, ") ");
    sqlb_sql(&b, tail);
    store_rows_t *rows = sqlb_query(c, &b, err);
    sqlb_free(&b);
    return rows;
}

/* Append {"key","value"} pairs from rows (run_id, key, value) to data[list] of each run. */
static void attach_pairs(json_t *by_id, const store_rows_t *rows, const char *section,
                         const char *list)
{
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        json_t *run = json_object_get(by_id, store_rows_text(rows, r, 0));
        json_t *arr = json_object_get(json_object_get(run, section), list);
        if (arr)
            json_array_append_new(arr, json_pack("{s:s, s:s}", "key", store_rows_text(rows, r, 1),
                                                 "value", store_rows_text(rows, r, 2)));
    }
}

static int load_chunk(store_conn_t *c, const char *const *ids, size_t n, json_t *by_id, err_t *err)
{
    store_rows_t *rows =
        query_in(c, "SELECT " RUN_COLUMNS " FROM runs WHERE run_id", "", ids, n, err);
    if (!rows)
        return -1;
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_object_set_new(by_id, store_rows_text(rows, r, 0),
                            json_pack("{s:o, s:{s:[], s:[], s:[]}, s:{s:[]}}", "info",
                                      run_info_json(rows, r), "data", "metrics", "params", "tags",
                                      "inputs", "dataset_inputs"));
    store_rows_free(rows);

    rows = query_in(c,
                    "SELECT run_id, key, value, timestamp, step, is_nan FROM latest_metrics "
                    "WHERE run_id",
                    "ORDER BY run_id, key", ids, n, err);
    if (!rows)
        return -1;
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        json_t *run = json_object_get(by_id, store_rows_text(rows, r, 0));
        json_t *arr = json_object_get(json_object_get(run, "data"), "metrics");
        if (arr)
            json_array_append_new(
                arr, runs_metric_json(store_rows_text(rows, r, 1), store_rows_real(rows, r, 2),
                                      (int)store_rows_int(rows, r, 5), store_rows_int(rows, r, 3),
                                      store_rows_int(rows, r, 4)));
    }
    store_rows_free(rows);

    rows = query_in(c, "SELECT run_id, key, value FROM params WHERE run_id", "ORDER BY run_id, key",
                    ids, n, err);
    if (!rows)
        return -1;
    attach_pairs(by_id, rows, "data", "params");
    store_rows_free(rows);

    rows = query_in(c, "SELECT run_id, key, value FROM tags WHERE run_id", "ORDER BY run_id, key",
                    ids, n, err);
    if (!rows)
        return -1;
    attach_pairs(by_id, rows, "data", "tags");
    store_rows_free(rows);

    /* Inputs: each dataset once per run, in logging order, with its input tags. */
    rows = query_in(c,
                    "SELECT i.run_id, d.dataset_uuid, d.name, d.digest, d.source_type, d.source, "
                    "d.schema, d.profile FROM run_inputs i JOIN datasets d ON d.dataset_uuid = "
                    "i.dataset_uuid WHERE i.run_id",
                    "ORDER BY i.run_id, i.position", ids, n, err);
    if (!rows)
        return -1;
    store_rows_t *tags = query_in(c,
                                  "SELECT run_id, dataset_uuid, key, value FROM input_tags "
                                  "WHERE run_id",
                                  "ORDER BY run_id, dataset_uuid, key", ids, n, err);
    if (!tags) {
        store_rows_free(rows);
        return -1;
    }
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        const char *run_id = store_rows_text(rows, r, 0);
        const char *uuid = store_rows_text(rows, r, 1);
        json_t *arr = json_object_get(json_object_get(json_object_get(by_id, run_id), "inputs"),
                                      "dataset_inputs");
        if (!arr)
            continue;
        json_t *tag_list = json_array();
        for (size_t t = 0; t < store_rows_count(tags); t++)
            if (strcmp(store_rows_text(tags, t, 0), run_id) == 0 &&
                strcmp(store_rows_text(tags, t, 1), uuid) == 0)
                json_array_append_new(tag_list,
                                      json_pack("{s:s, s:s}", "key", store_rows_text(tags, t, 2),
                                                "value", store_rows_text(tags, t, 3)));
        json_array_append_new(
            arr, json_pack("{s:o, s:{s:s, s:s, s:s, s:s, s:o, s:o}}", "tags", tag_list, "dataset",
                           "name", store_rows_text(rows, r, 2), "digest",
                           store_rows_text(rows, r, 3), "source_type", store_rows_text(rows, r, 4),
                           "source", store_rows_text(rows, r, 5), "schema",
                           nullable_text(rows, r, 6), "profile", nullable_text(rows, r, 7)));
    }
    store_rows_free(tags);
    store_rows_free(rows);
    return 0;
}

json_t *runs_load(store_conn_t *c, const char *const *run_ids, size_t n, err_t *err)
{
    json_t *by_id = json_object();
    for (size_t i = 0; i < n; i += LOAD_CHUNK) {
        size_t m = n - i < LOAD_CHUNK ? n - i : LOAD_CHUNK;
        if (load_chunk(c, run_ids + i, m, by_id, err) != 0) {
            json_decref(by_id);
            return NULL;
        }
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *run = json_object_get(by_id, run_ids[i]);
        if (run)
            json_array_append(list, run);
    }
    json_decref(by_id);
    return list;
}

static json_t *load_one(store_conn_t *c, const char *run_id, err_t *err)
{
    json_t *list = runs_load(c, &run_id, 1, err);
    if (!list)
        return NULL;
    json_t *run = json_incref(json_array_get(list, 0));
    json_decref(list);
    if (!run)
        err_not_found(err, "Run with id=%.100s not found", run_id);
    return run;
}

json_t *runs_get(store_t *s, const char *run_id, err_t *err)
{
    if (!run_id || !*run_id) {
        err_invalid(err, "run_id", "Missing value for required parameter 'run_id'.");
        return NULL;
    }
    store_conn_t *c = store_acquire(s);
    json_t *run = load_one(c, run_id, err);
    store_release(s, c);
    return run;
}

/* Lifecycle of a run: 1 active, 0 deleted, -1 with err (404 when missing). */
static int run_stage(store_conn_t *c, const char *run_id, int64_t *experiment_id, err_t *err)
{
    if (!run_id || !*run_id)
        return err_invalid(err, "run_id", "Missing value for required parameter 'run_id'.");
    store_value_t p = sv_text(run_id);
    store_rows_t *rows = store_query(
        c, "SELECT lifecycle_stage, experiment_id FROM runs WHERE run_id = ?", &p, 1, err);
    if (!rows)
        return -1;
    int rc;
    if (store_rows_count(rows) == 0) {
        rc = err_not_found(err, "Run with id=%.100s not found", run_id);
    } else {
        rc = strcmp(store_rows_text(rows, 0, 0), "active") == 0;
        if (experiment_id)
            *experiment_id = store_rows_int(rows, 0, 1);
    }
    store_rows_free(rows);
    return rc;
}

int runs_check_active(store_conn_t *c, const char *run_id, int64_t *experiment_id, err_t *err)
{
    int stage = run_stage(c, run_id, experiment_id, err);
    if (stage < 0)
        return -1;
    if (stage == 0)
        return err_invalid(err, "run_id",
                           "The run %.100s must be in the 'active' state. Current state is "
                           "deleted.",
                           run_id);
    return 0;
}

int runs_check_exists(store_conn_t *c, const char *run_id, err_t *err)
{
    return run_stage(c, run_id, NULL, err) < 0 ? -1 : 0;
}

static int check_tags(const tracking_kv_t *tags, size_t n, err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        char kf[48], vf[48];
        snprintf(kf, sizeof kf, "tags[%zu].key", i);
        snprintf(vf, sizeof vf, "tags[%zu].value", i);
        if (tracking_check_key("tag", tags[i].key, kf, err) != 0)
            return -1;
        if (!tags[i].value)
            return err_invalid(err, vf, "Missing value for required parameter '%s'.", vf);
        if (tracking_check_length("Tag value", tags[i].value, TRACKING_MAX_TAG_VALUE_LEN, vf,
                                  err) != 0)
            return -1;
    }
    return 0;
}

static int upsert_tag(store_conn_t *c, const char *run_id, const char *key, const char *value,
                      err_t *err)
{
    store_value_t p[] = {sv_text(run_id), sv_text(key), sv_text(value)};
    return store_exec(c,
                      "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT "
                      "(run_id, key) DO UPDATE SET value = excluded.value",
                      p, 3, err) < 0
               ? -1
               : 0;
}

json_t *runs_create(store_t *s, const run_create_t *in, err_t *err)
{
    const char *exp_text = in->experiment_id && *in->experiment_id ? in->experiment_id : "0";
    int64_t exp_id;
    if (tracking_parse_experiment_id(exp_text, &exp_id, err) != 0)
        return NULL;
    if (check_tags(in->tags, in->ntags, err) != 0)
        return NULL;
    const char *name_tag = NULL;
    for (size_t i = 0; i < in->ntags; i++)
        if (strcmp(in->tags[i].key, RUN_NAME_TAG) == 0)
            name_tag = in->tags[i].value;
    if (in->run_name && *in->run_name && name_tag && strcmp(in->run_name, name_tag) != 0) {
        err_invalid(err, "run_name",
                    "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
                    "different values (run_name='%.250s', mlflow.runName='%.250s').",
                    in->run_name, name_tag);
        return NULL;
    }
    char generated[RUN_NAME_GENERATED_SIZE];
    const char *name = in->run_name && *in->run_name ? in->run_name : name_tag;
    if (!name || !*name) {
        run_names_generate(generated, sizeof generated);
        name = generated;
    }
    if (tracking_check_length("Run name", name, TRACKING_MAX_RUN_NAME_LEN, "run_name", err) != 0 ||
        (in->user_id &&
         tracking_check_length("User id", in->user_id, TRACKING_MAX_KEY_LEN, "user_id", err) != 0))
        return NULL;

    char run_id[RUN_ID_SIZE];
    ids_uuid7_hex(run_id);
    int64_t start = in->has_start_time ? in->start_time : clock_now_ms();
    store_conn_t *c = store_acquire(s);
    json_t *run = NULL;
    char *location = NULL;
    int active = 0;
    if (store_begin(c, err) != 0)
        goto fail;
    if (experiments_lookup(c, exp_id, &location, &active, err) != 0)
        goto fail;
    if (!active) {
        err_invalid(err, "experiment_id",
                    "The experiment %s must be in the 'active' state. Current state is deleted.",
                    exp_text);
        goto fail;
    }
    buf_t uri;
    buf_init(&uri);
    buf_printf(&uri, "%s%s%s/artifacts", location,
               location[0] && location[strlen(location) - 1] == '/' ? "" : "/", run_id);
    store_value_t p[] = {sv_text(run_id),      sv_int(exp_id), sv_text(name),
                         sv_text(in->user_id), sv_int(start),  sv_text(buf_str(&uri))};
    int64_t n = store_exec(c,
                           "INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, "
                           "start_time, end_time, deleted_time, artifact_uri, lifecycle_stage) "
                           "VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, NULL, ?, 'active')",
                           p, 6, err);
    buf_free(&uri);
    if (n < 0)
        goto fail;
    for (size_t i = 0; i < in->ntags; i++)
        if (upsert_tag(c, run_id, in->tags[i].key, in->tags[i].value, err) != 0)
            goto fail;
    if (!name_tag && upsert_tag(c, run_id, RUN_NAME_TAG, name, err) != 0)
        goto fail;
    if (store_commit(c, err) != 0)
        goto fail;
    run = load_one(c, run_id, err);
    free(location);
    store_release(s, c);
    return run;
fail:
    store_rollback(c);
    free(location);
    store_release(s, c);
    return NULL;
}

json_t *runs_update(store_t *s, const char *run_id, const char *status, int has_end_time,
                    int64_t end_time, const char *run_name, err_t *err)
{
    if (run_name && *run_name &&
        tracking_check_length("Run name", run_name, TRACKING_MAX_RUN_NAME_LEN, "run_name", err) !=
            0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *info = NULL;
    if (store_begin(c, err) != 0)
        goto done;
    if (runs_check_active(c, run_id, NULL, err) != 0)
        goto done;
    if (status) {
        store_value_t p[] = {sv_text(status), sv_text(run_id)};
        if (store_exec(c, "UPDATE runs SET status = ? WHERE run_id = ?", p, 2, err) < 0)
            goto done;
    }
    if (has_end_time) {
        store_value_t p[] = {sv_int(end_time), sv_text(run_id)};
        if (store_exec(c, "UPDATE runs SET end_time = ? WHERE run_id = ?", p, 2, err) < 0)
            goto done;
    }
    if (run_name && *run_name) {
        store_value_t p[] = {sv_text(run_name), sv_text(run_id)};
        if (store_exec(c, "UPDATE runs SET run_name = ? WHERE run_id = ?", p, 2, err) < 0 ||
            upsert_tag(c, run_id, RUN_NAME_TAG, run_name, err) != 0)
            goto done;
    }
    if (store_commit(c, err) != 0)
        goto done;
    json_t *run = load_one(c, run_id, err);
    if (run)
        info = json_incref(json_object_get(run, "info"));
    json_decref(run);
done:
    if (!info)
        store_rollback(c);
    store_release(s, c);
    return info;
}

static int set_stage(store_t *s, const char *run_id, int deleting, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (run_stage(c, run_id, NULL, err) >= 0) {
        store_value_t p[] = {sv_text(deleting ? "deleted" : "active"),
                             deleting ? sv_int(clock_now_ms()) : sv_null(), sv_text(run_id)};
        if (store_exec(c, "UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_id = ?",
                       p, 3, err) >= 0)
            rc = 0;
    }
    store_release(s, c);
    return rc;
}

int runs_delete(store_t *s, const char *run_id, err_t *err)
{
    return set_stage(s, run_id, 1, err);
}

int runs_restore(store_t *s, const char *run_id, err_t *err)
{
    return set_stage(s, run_id, 0, err);
}
