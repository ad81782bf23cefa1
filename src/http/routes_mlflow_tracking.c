/* routes_mlflow_tracking.c - MLflow's tracking REST API 2.0 (/api/2.0/mlflow/...), so that
 * MLflow clients work unchanged with MLFLOW_TRACKING_URI pointing at llmops.
 *
 * Each handler reads MLflow's request message (mlflow_wire.h: a JSON body for POST, the query
 * for GET; unknown fields ignored; int64 as numbers or strings), calls a tracking service, and
 * answers the response message in protobuf's JSON shape (mlflow_prune.h) or MLflow's error
 * {"error_code","message"}. The same routes also answer under /ajax-api/2.0/mlflow/..., the
 * prefix MLflow's own web UI uses.
 *
 *   experiments: create, get, get-by-name, search (GET and POST), list (MLflow 1.x), update,
 *                delete, restore, set-experiment-tag, delete-experiment-tag
 *   runs:        create, get, update, delete, restore, search, log-metric, log-parameter,
 *                set-tag, delete-tag, log-batch, log-inputs
 *   metrics:     get-history */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/mlflow_prune.h"
#include "http/mlflow_wire.h"
#include "http/routes.h"
#include "tracking/experiments.h"
#include "tracking/run_data.h"
#include "tracking/run_inputs.h"
#include "tracking/run_search.h"
#include "tracking/runs.h"
#include "tracking/validate.h"

/* ---- request helpers ----------------------------------------------------------------------- */

/* run_id, or the deprecated run_uuid. */
static int get_run_id(const json_t *msg, const char **out, err_t *err)
{
    *out = NULL;
    if (mlflow_get_string(msg, "run_id", 0, 0, out, err) != 0)
        return -1;
    if (!*out && mlflow_get_string(msg, "run_uuid", 0, 0, out, err) != 0)
        return -1;
    if (!*out || !**out)
        return err_invalid(err, "run_id",
                           "Missing value for required parameter 'run_id'. See the API docs for "
                           "more information about request parameters.");
    return 0;
}

/* Prefix err->field with "<list>[i]." after a failed read of an item's field. */
static int item_error(err_t *err, const char *list, size_t i)
{
    char field[sizeof err->field + 64];
    snprintf(field, sizeof field, "%s[%zu].%s", list, i, err->field);
    field[sizeof err->field - 1] = '\0';
    memcpy(err->field, field, sizeof err->field);
    return -1;
}

/* A repeated {key, value} field -> array of pairs borrowed from msg (caller frees *out). */
static int get_kv_list(const json_t *msg, const char *name, tracking_kv_t **out, size_t *n,
                       err_t *err)
{
    *out = NULL;
    *n = 0;
    json_t *list = mlflow_get_list(msg, name, err);
    if (!list)
        return -1;
    size_t count = json_array_size(list);
    tracking_kv_t *kv = xcalloc(count + 1, sizeof *kv);
    for (size_t i = 0; i < count; i++) {
        json_t *item = json_array_get(list, i);
        if (!json_is_object(item)) {
            json_decref(list);
            free(kv);
            char field[64];
            snprintf(field, sizeof field, "%s[%zu]", name, i);
            return err_invalid(err, field, "Invalid value for parameter '%s': expected an object",
                               field);
        }
        if (mlflow_get_string(item, "key", 1, 0, &kv[i].key, err) != 0 ||
            mlflow_get_string(item, "value", 0, 0, &kv[i].value, err) != 0) {
            json_decref(list);
            free(kv);
            return item_error(err, name, i);
        }
        if (!kv[i].value)
            kv[i].value = ""; /* protobuf: an unset string reads as "" */
    }
    json_decref(list); /* the strings stay alive: msg still holds the items */
    *out = kv;
    *n = count;
    return 0;
}

/* A repeated string field -> borrowed strings (caller frees the array). */
static int get_string_list(const json_t *msg, const char *name, const char ***out, size_t *n,
                           err_t *err)
{
    json_t *list = mlflow_get_list(msg, name, err);
    if (!list)
        return -1;
    size_t count = json_array_size(list);
    const char **items = xcalloc(count + 1, sizeof *items);
    for (size_t i = 0; i < count; i++) {
        items[i] = json_string_value(json_array_get(list, i));
        if (!items[i]) {
            json_decref(list);
            free(items);
            return err_invalid(err, name, "Invalid value for parameter '%s': expected strings",
                               name);
        }
    }
    json_decref(list);
    *out = items;
    *n = count;
    return 0;
}

/* A ViewType field: its name or (protobuf JSON allows both) its number. */
static int get_view_type(const json_t *msg, const char *field, tracking_view_type_t *out,
                         err_t *err)
{
    json_t *v = json_object_get(msg, field);
    char number[24];
    const char *text = NULL;
    if (json_is_integer(v)) {
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(v));
        text = number;
    } else if (mlflow_get_string(msg, field, 0, 0, &text, err) != 0) {
        return -1;
    }
    return tracking_view_type_parse(text, field, out, err);
}

/* Read the message; NULL when the reply has been sent already. */
static json_t *message(http_request_t *req, http_response_t *res)
{
    return mlflow_message(req, res);
}

static void reply(http_response_t *res, json_t *body, const err_t *err)
{
    if (body)
        mlflow_respond(res, mlflow_prune(body));
    else
        mlflow_respond_error(res, err);
}

static void reply_empty(http_response_t *res, int rc, const err_t *err)
{
    reply(res, rc == 0 ? json_object() : NULL, err);
}

/* ---- experiments ---------------------------------------------------------------------------- */

static void experiments_create_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *name = NULL, *location = NULL;
    tracking_kv_t *tags = NULL;
    size_t ntags = 0;
    char id[EXPERIMENT_ID_SIZE];
    json_t *out = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "artifact_location", 0, 0, &location, &err) == 0 &&
        get_kv_list(msg, "tags", &tags, &ntags, &err) == 0 &&
        experiments_create(req->app->store, name, location && *location ? location : NULL, tags,
                           ntags, id, &err) == 0)
        out = json_pack("{s:s}", "experiment_id", id);
    reply(res, out, &err);
    free(tags);
    json_decref(msg);
}

static void experiments_get_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id = NULL;
    json_t *e = NULL;
    if (mlflow_get_string(msg, "experiment_id", 1, 0, &id, &err) == 0)
        e = experiments_get(req->app->store, id, &err);
    reply(res, e ? json_pack("{s:o}", "experiment", e) : NULL, &err);
    json_decref(msg);
}

static void experiments_get_by_name_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *name = NULL;
    json_t *e = NULL;
    if (mlflow_get_string(msg, "experiment_name", 1, 0, &name, &err) == 0)
        e = experiments_get_by_name(req->app->store, name, &err);
    reply(res, e ? json_pack("{s:o}", "experiment", e) : NULL, &err);
    json_decref(msg);
}

static void experiments_search_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    experiments_query_t q = {0};
    const char **order = NULL;
    json_t *out = NULL;
    if (mlflow_get_int64(msg, "max_results", 0, &q.max_results, &err) == 0 &&
        mlflow_get_string(msg, "page_token", 0, 0, &q.page_token, &err) == 0 &&
        mlflow_get_string(msg, "filter", 0, 0, &q.filter, &err) == 0 &&
        get_view_type(msg, "view_type", &q.view_type, &err) == 0 &&
        get_string_list(msg, "order_by", &order, &q.norder, &err) == 0) {
        if (json_object_get(msg, "max_results") && q.max_results == 0)
            q.max_results = -1; /* an explicit 0 is invalid, not "default" */
        q.order_by = order;
        out = experiments_search(req->app->store, &q, &err);
    }
    reply(res, out, &err);
    free(order);
    json_decref(msg);
}

static void experiments_update_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id = NULL, *name = NULL;
    int rc = -1;
    if (mlflow_get_string(msg, "experiment_id", 1, 0, &id, &err) == 0 &&
        mlflow_get_string(msg, "new_name", 0, 0, &name, &err) == 0) {
        if (!name) { /* nothing to change, but the experiment must exist */
            json_t *e = experiments_get(req->app->store, id, &err);
            rc = e ? 0 : -1;
            json_decref(e);
        } else {
            rc = experiments_rename(req->app->store, id, name, &err);
        }
    }
    reply_empty(res, rc, &err);
    json_decref(msg);
}

static void experiment_stage(http_request_t *req, http_response_t *res, int deleting)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id = NULL;
    int rc = -1;
    if (mlflow_get_string(msg, "experiment_id", 1, 0, &id, &err) == 0)
        rc = deleting ? experiments_delete(req->app->store, id, &err)
                      : experiments_restore(req->app->store, id, &err);
    reply_empty(res, rc, &err);
    json_decref(msg);
}

static void experiments_delete_h(http_request_t *req, http_response_t *res)
{
    experiment_stage(req, res, 1);
}

static void experiments_restore_h(http_request_t *req, http_response_t *res)
{
    experiment_stage(req, res, 0);
}

static void experiments_set_tag_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id = NULL, *key = NULL, *value = NULL;
    int rc = -1;
    if (mlflow_get_string(msg, "experiment_id", 1, 0, &id, &err) == 0 &&
        mlflow_get_string(msg, "key", 1, 0, &key, &err) == 0 &&
        mlflow_get_string(msg, "value", 0, 0, &value, &err) == 0)
        rc = experiments_set_tag(req->app->store, id, key, value ? value : "", &err);
    reply_empty(res, rc, &err);
    json_decref(msg);
}

static void experiments_delete_tag_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id = NULL, *key = NULL;
    int rc = -1;
    if (mlflow_get_string(msg, "experiment_id", 1, 0, &id, &err) == 0 &&
        mlflow_get_string(msg, "key", 1, 0, &key, &err) == 0)
        rc = experiments_delete_tag(req->app->store, id, key, &err);
    reply_empty(res, rc, &err);
    json_decref(msg);
}

/* ---- runs ----------------------------------------------------------------------------------- */

static void runs_create_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    run_create_t in = {0};
    tracking_kv_t *tags = NULL;
    json_t *run = NULL;
    if (mlflow_get_string(msg, "experiment_id", 0, 0, &in.experiment_id, &err) == 0 &&
        mlflow_get_string(msg, "user_id", 0, 0, &in.user_id, &err) == 0 &&
        mlflow_get_string(msg, "run_name", 0, 0, &in.run_name, &err) == 0 &&
        mlflow_get_int64(msg, "start_time", 0, &in.start_time, &err) == 0 &&
        get_kv_list(msg, "tags", &tags, &in.ntags, &err) == 0) {
        json_t *st = json_object_get(msg, "start_time");
        in.has_start_time = st && !json_is_null(st);
        in.tags = tags;
        run = runs_create(req->app->store, &in, &err);
    }
    reply(res, run ? json_pack("{s:o}", "run", run) : NULL, &err);
    free(tags);
    json_decref(msg);
}

static void runs_get_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id;
    json_t *run = NULL;
    if (get_run_id(msg, &id, &err) == 0)
        run = runs_get(req->app->store, id, &err);
    reply(res, run ? json_pack("{s:o}", "run", run) : NULL, &err);
    json_decref(msg);
}

static void runs_update_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id, *status_text = NULL, *status = NULL, *name = NULL;
    int64_t end_time = 0;
    json_t *info = NULL;
    if (get_run_id(msg, &id, &err) == 0 &&
        mlflow_get_int64(msg, "end_time", 0, &end_time, &err) == 0 &&
        mlflow_get_string(msg, "run_name", 0, 0, &name, &err) == 0) {
        json_t *st = json_object_get(msg, "status");
        char number[24];
        if (json_is_integer(st)) { /* protobuf JSON also allows an enum's number */
            snprintf(number, sizeof number, "%lld", (long long)json_integer_value(st));
            status_text = number;
        } else if (st && !json_is_null(st)) {
            status_text = json_string_value(st);
            if (!status_text)
                status_text = "";
        }
        if (!status_text || (status = tracking_run_status_parse(status_text, "status", &err))) {
            json_t *et = json_object_get(msg, "end_time");
            info = runs_update(req->app->store, id, status, et && !json_is_null(et), end_time, name,
                               &err);
        }
    }
    reply(res, info ? json_pack("{s:o}", "run_info", info) : NULL, &err);
    json_decref(msg);
}

static void run_stage(http_request_t *req, http_response_t *res, int deleting)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id;
    int rc = -1;
    if (get_run_id(msg, &id, &err) == 0)
        rc = deleting ? runs_delete(req->app->store, id, &err)
                      : runs_restore(req->app->store, id, &err);
    reply_empty(res, rc, &err);
    json_decref(msg);
}

static void runs_delete_h(http_request_t *req, http_response_t *res)
{
    run_stage(req, res, 1);
}

static void runs_restore_h(http_request_t *req, http_response_t *res)
{
    run_stage(req, res, 0);
}

static void runs_search_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    run_search_query_t q = {0};
    const char **exps = NULL, **order = NULL;
    json_t *out = NULL;
    if (get_string_list(msg, "experiment_ids", &exps, &q.nexperiments, &err) == 0 &&
        mlflow_get_string(msg, "filter", 0, 0, &q.filter, &err) == 0 &&
        get_view_type(msg, "run_view_type", &q.view_type, &err) == 0 &&
        mlflow_get_int64(msg, "max_results", 0, &q.max_results, &err) == 0 &&
        get_string_list(msg, "order_by", &order, &q.norder, &err) == 0 &&
        mlflow_get_string(msg, "page_token", 0, 0, &q.page_token, &err) == 0) {
        if (json_object_get(msg, "max_results") && q.max_results == 0)
            q.max_results = -1; /* an explicit 0 is invalid, not "default" */
        q.experiment_ids = exps;
        q.order_by = order;
        out = run_search(req->app->store, &q, &err);
    }
    reply(res, out, &err);
    free(exps);
    free(order);
    json_decref(msg);
}

static void log_batch_one(http_request_t *req, http_response_t *res, const run_batch_t *b,
                          const char *run_id)
{
    err_t err;
    reply_empty(res, run_data_log_batch(req->app->store, run_id, b, &err), &err);
}

static void runs_log_metric_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id;
    tracking_metric_t m = {0};
    if (get_run_id(msg, &id, &err) == 0 && mlflow_get_string(msg, "key", 1, 0, &m.key, &err) == 0 &&
        mlflow_get_double(msg, "value", 1, &m.value, &err) == 0 &&
        mlflow_get_int64(msg, "timestamp", 1, &m.timestamp, &err) == 0 &&
        mlflow_get_int64(msg, "step", 0, &m.step, &err) == 0) {
        run_batch_t b = {.metrics = &m, .nmetrics = 1};
        log_batch_one(req, res, &b, id);
    } else {
        mlflow_respond_error(res, &err);
    }
    json_decref(msg);
}

static void runs_log_param_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id;
    tracking_kv_t p = {0};
    if (get_run_id(msg, &id, &err) == 0 && mlflow_get_string(msg, "key", 1, 0, &p.key, &err) == 0 &&
        mlflow_get_string(msg, "value", 0, 0, &p.value, &err) == 0) {
        if (!p.value) {
            err_invalid(&err, "value",
                        "Missing value for required parameter 'value'. See the API "
                        "docs for more information about request parameters.");
            mlflow_respond_error(res, &err);
        } else {
            run_batch_t b = {.params = &p, .nparams = 1};
            log_batch_one(req, res, &b, id);
        }
    } else {
        mlflow_respond_error(res, &err);
    }
    json_decref(msg);
}

static void runs_set_tag_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id;
    tracking_kv_t t = {0};
    if (get_run_id(msg, &id, &err) == 0 && mlflow_get_string(msg, "key", 1, 0, &t.key, &err) == 0 &&
        mlflow_get_string(msg, "value", 0, 0, &t.value, &err) == 0) {
        if (!t.value)
            t.value = "";
        run_batch_t b = {.tags = &t, .ntags = 1};
        log_batch_one(req, res, &b, id);
    } else {
        mlflow_respond_error(res, &err);
    }
    json_decref(msg);
}

static void runs_delete_tag_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id, *key = NULL;
    int rc = -1;
    if (get_run_id(msg, &id, &err) == 0 && mlflow_get_string(msg, "key", 1, 0, &key, &err) == 0)
        rc = run_data_delete_tag(req->app->store, id, key, &err);
    reply_empty(res, rc, &err);
    json_decref(msg);
}

/* The metrics of a log-batch request. Keys are borrowed from msg; caller frees *out. */
static int get_metrics(const json_t *msg, tracking_metric_t **out, size_t *n, err_t *err)
{
    json_t *list = mlflow_get_list(msg, "metrics", err);
    if (!list)
        return -1;
    size_t count = json_array_size(list);
    tracking_metric_t *m = xcalloc(count + 1, sizeof *m);
    for (size_t i = 0; i < count; i++) {
        json_t *item = json_array_get(list, i);
        if (!json_is_object(item) || mlflow_get_string(item, "key", 1, 0, &m[i].key, err) != 0 ||
            mlflow_get_double(item, "value", 1, &m[i].value, err) != 0 ||
            mlflow_get_int64(item, "timestamp", 1, &m[i].timestamp, err) != 0 ||
            mlflow_get_int64(item, "step", 0, &m[i].step, err) != 0) {
            if (!json_is_object(item))
                err_invalid(err, "", "Invalid value: expected an object");
            json_decref(list);
            free(m);
            return item_error(err, "metrics", i);
        }
    }
    json_decref(list);
    *out = m;
    *n = count;
    return 0;
}

static void runs_log_batch_h(http_request_t *req, http_response_t *res)
{
    err_t err;
    if (req->body_len > TRACKING_MAX_BATCH_BYTES) {
        err_invalid(&err, NULL,
                    "Batched logging API requests must be at most %d bytes, got a request of "
                    "size %zu.",
                    TRACKING_MAX_BATCH_BYTES, req->body_len);
        mlflow_respond_error(res, &err);
        return;
    }
    json_t *msg = message(req, res);
    if (!msg)
        return;
    const char *id;
    tracking_metric_t *metrics = NULL;
    tracking_kv_t *params = NULL, *tags = NULL;
    run_batch_t b = {0};
    if (get_run_id(msg, &id, &err) == 0 && get_metrics(msg, &metrics, &b.nmetrics, &err) == 0 &&
        get_kv_list(msg, "params", &params, &b.nparams, &err) == 0 &&
        get_kv_list(msg, "tags", &tags, &b.ntags, &err) == 0) {
        b.metrics = metrics;
        b.params = params;
        b.tags = tags;
        log_batch_one(req, res, &b, id);
    } else {
        mlflow_respond_error(res, &err);
    }
    free(metrics);
    free(params);
    free(tags);
    json_decref(msg);
}

static void runs_log_inputs_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id;
    tracking_dataset_input_t *in = NULL;
    tracking_kv_t **tag_lists = NULL;
    size_t n = 0;
    int rc = -1;
    json_t *list = NULL;
    if (get_run_id(msg, &id, &err) != 0 || !(list = mlflow_get_list(msg, "datasets", &err)))
        goto done;
    n = json_array_size(list);
    in = xcalloc(n + 1, sizeof *in);
    tag_lists = xcalloc(n + 1, sizeof *tag_lists);
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(list, i);
        json_t *ds = json_object_get(item, "dataset");
        char field[48];
        snprintf(field, sizeof field, "datasets[%zu].dataset", i);
        if (!json_is_object(item) || !json_is_object(ds)) {
            err_invalid(&err, field, "Missing value for required parameter '%s'.", field);
            goto done;
        }
        if (mlflow_get_string(ds, "name", 0, 0, &in[i].name, &err) != 0 ||
            mlflow_get_string(ds, "digest", 0, 0, &in[i].digest, &err) != 0 ||
            mlflow_get_string(ds, "source_type", 0, 0, &in[i].source_type, &err) != 0 ||
            mlflow_get_string(ds, "source", 0, 0, &in[i].source, &err) != 0 ||
            mlflow_get_string(ds, "schema", 0, 0, &in[i].schema, &err) != 0 ||
            mlflow_get_string(ds, "profile", 0, 0, &in[i].profile, &err) != 0) {
            item_error(&err, "datasets", i);
            goto done;
        }
        if (get_kv_list(item, "tags", &tag_lists[i], &in[i].ntags, &err) != 0) {
            item_error(&err, "datasets", i);
            goto done;
        }
        in[i].tags = tag_lists[i];
    }
    rc = run_inputs_log(req->app->store, id, in, n, &err);
done:
    reply_empty(res, rc, &err);
    for (size_t i = 0; tag_lists && i < n; i++)
        free(tag_lists[i]);
    free(tag_lists);
    free(in);
    json_decref(list);
    json_decref(msg);
}

static void metrics_history_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *id, *key = NULL, *token = NULL;
    int64_t max = 0;
    json_t *out = NULL;
    if (get_run_id(msg, &id, &err) == 0 &&
        mlflow_get_string(msg, "metric_key", 1, 0, &key, &err) == 0 &&
        mlflow_get_string(msg, "page_token", 0, 0, &token, &err) == 0 &&
        mlflow_get_int64(msg, "max_results", 0, &max, &err) == 0) {
        if (json_object_get(msg, "max_results") && max == 0)
            max = -1;
        out = run_data_metric_history(req->app->store, id, key, max, token, &err);
    }
    reply(res, out, &err);
    json_decref(msg);
}

/* Every route under both prefixes; patterns must be literals (the router borrows them). */
#define MLFLOW_ROUTE(r, method, path, fn)                                                          \
    do {                                                                                           \
        router_add(r, method, "/api/2.0/mlflow" path, fn);                                         \
        router_add(r, method, "/ajax-api/2.0/mlflow" path, fn);                                    \
    } while (0)

void routes_mlflow_tracking_register(router_t *r)
{
    MLFLOW_ROUTE(r, "POST", "/experiments/create", experiments_create_h);
    MLFLOW_ROUTE(r, "GET", "/experiments/get", experiments_get_h);
    MLFLOW_ROUTE(r, "GET", "/experiments/get-by-name", experiments_get_by_name_h);
    MLFLOW_ROUTE(r, "GET", "/experiments/search", experiments_search_h);
    MLFLOW_ROUTE(r, "POST", "/experiments/search", experiments_search_h);
    MLFLOW_ROUTE(r, "GET", "/experiments/list", experiments_search_h);
    MLFLOW_ROUTE(r, "POST", "/experiments/update", experiments_update_h);
    MLFLOW_ROUTE(r, "POST", "/experiments/delete", experiments_delete_h);
    MLFLOW_ROUTE(r, "POST", "/experiments/restore", experiments_restore_h);
    MLFLOW_ROUTE(r, "POST", "/experiments/set-experiment-tag", experiments_set_tag_h);
    MLFLOW_ROUTE(r, "POST", "/experiments/delete-experiment-tag", experiments_delete_tag_h);
    MLFLOW_ROUTE(r, "POST", "/runs/create", runs_create_h);
    MLFLOW_ROUTE(r, "GET", "/runs/get", runs_get_h);
    MLFLOW_ROUTE(r, "POST", "/runs/update", runs_update_h);
    MLFLOW_ROUTE(r, "POST", "/runs/delete", runs_delete_h);
    MLFLOW_ROUTE(r, "POST", "/runs/restore", runs_restore_h);
    MLFLOW_ROUTE(r, "POST", "/runs/search", runs_search_h);
    MLFLOW_ROUTE(r, "POST", "/runs/log-metric", runs_log_metric_h);
    MLFLOW_ROUTE(r, "POST", "/runs/log-parameter", runs_log_param_h);
    MLFLOW_ROUTE(r, "POST", "/runs/set-tag", runs_set_tag_h);
    MLFLOW_ROUTE(r, "POST", "/runs/delete-tag", runs_delete_tag_h);
    MLFLOW_ROUTE(r, "POST", "/runs/log-batch", runs_log_batch_h);
    MLFLOW_ROUTE(r, "POST", "/runs/log-inputs", runs_log_inputs_h);
    MLFLOW_ROUTE(r, "GET", "/metrics/get-history", metrics_history_h);
}
