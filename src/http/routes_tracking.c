/* routes_tracking.c - llmops' own JSON API for experiment tracking (the CLI and UI use it).
 *
 *   GET  /api/v1/experiments?filter=&order_by=&max_results=&page_token=&view_type=
 *   POST /api/v1/experiments  {"name", "artifact_location"?, "tags"?: {"k":"v"}}  -> 201
 *   GET  /api/v1/experiments/{id}     by id, or by name when it is not a number
 *   GET  /api/v1/runs?experiment_id=&filter=&order_by=&max_results=&page_token=&view_type=
 *        (experiment_id and order_by may repeat; no experiment_id searches all experiments)
 *   GET  /api/v1/runs/compare?run_id=A&run_id=B...
 *   GET  /api/v1/runs/{run_id}
 *   GET  /api/v1/runs/{run_id}/metrics/{key}?max_results=&page_token=   (history)
 *
 * Answers carry every field (null when unset, [] when empty); errors are llmops' usual
 * {"error":{"code","message","field"}}. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "http/routes.h"
#include "tracking/experiments.h"
#include "tracking/run_compare.h"
#include "tracking/run_data.h"
#include "tracking/run_search.h"
#include "tracking/runs.h"

/* An optional integer query parameter. */
static int query_int(const http_request_t *req, const char *name, int64_t *out, err_t *err)
{
    const char *text = http_query(req, name);
    if (!text)
        return 0;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno)
        return err_invalid(err, name, "%s must be an integer", name);
    *out = v;
    return 0;
}

static void respond(http_response_t *res, int status, json_t *body, const err_t *err)
{
    if (body)
        http_respond_json(res, status, body);
    else
        http_respond_error(res, err);
}

static void list_experiments(http_request_t *req, http_response_t *res)
{
    err_t err;
    experiments_query_t q = {0};
    q.filter = http_query(req, "filter");
    q.page_token = http_query(req, "page_token");
    const char **order = http_query_all(req, "order_by", &q.norder);
    q.order_by = order;
    json_t *out = NULL;
    if (query_int(req, "max_results", &q.max_results, &err) == 0 &&
        tracking_view_type_parse(http_query(req, "view_type"), "view_type", &q.view_type, &err) ==
            0)
        out = experiments_search(req->app->store, &q, &err);
    respond(res, 200, out, &err);
    free(order);
}

static void create_experiment(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    const char *name = NULL, *location = NULL;
    tracking_kv_t *tags = NULL;
    size_t ntags = 0;
    json_t *out = NULL;
    json_t *tag_obj = json_object_get(body, "tags");
    if (json_field_string(body, "name", 1, 0, &name, &err) == 0 &&
        json_field_string(body, "artifact_location", 0, 0, &location, &err) == 0) {
        if (tag_obj && !json_is_object(tag_obj)) {
            err_invalid(&err, "tags", "tags must be an object of string values");
        } else {
            tags = xcalloc(json_object_size(tag_obj) + 1, sizeof *tags);
            const char *key;
            json_t *value;
            int ok = 1;
            json_object_foreach(tag_obj, key, value)
            {
                if (!json_is_string(value)) {
                    ok = 0;
                    err_invalid(&err, "tags", "tag '%.200s' must have a string value", key);
                    break;
                }
                tags[ntags++] = (tracking_kv_t){key, json_string_value(value)};
            }
            char id[EXPERIMENT_ID_SIZE];
            if (ok &&
                experiments_create(req->app->store, name, location, tags, ntags, id, &err) == 0)
                out = experiments_get(req->app->store, id, &err);
        }
    }
    respond(res, 201, out ? json_pack("{s:o}", "experiment", out) : NULL, &err);
    free(tags);
    json_decref(body);
}

static void get_experiment(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *id = http_param(req, "id");
    int numeric = id && *id && strspn(id, "0123456789") == strlen(id);
    json_t *e = numeric ? experiments_get(req->app->store, id, &err)
                        : experiments_get_by_name(req->app->store, id, &err);
    respond(res, 200, e ? json_pack("{s:o}", "experiment", e) : NULL, &err);
}

static void list_runs(http_request_t *req, http_response_t *res)
{
    err_t err;
    run_search_query_t q = {0};
    const char **exps = http_query_all(req, "experiment_id", &q.nexperiments);
    const char **order = http_query_all(req, "order_by", &q.norder);
    q.experiment_ids = exps;
    q.all_experiments = q.nexperiments == 0;
    q.order_by = order;
    q.filter = http_query(req, "filter");
    q.page_token = http_query(req, "page_token");
    json_t *out = NULL;
    if (query_int(req, "max_results", &q.max_results, &err) == 0 &&
        tracking_view_type_parse(http_query(req, "view_type"), "view_type", &q.view_type, &err) ==
            0) {
        if (http_query(req, "max_results") && q.max_results == 0)
            q.max_results = -1;
        out = run_search(req->app->store, &q, &err);
    }
    respond(res, 200, out, &err);
    free(exps);
    free(order);
}

static void compare_runs(http_request_t *req, http_response_t *res)
{
    err_t err;
    size_t n;
    const char **ids = http_query_all(req, "run_id", &n);
    json_t *out = run_compare(req->app->store, ids, n, &err);
    respond(res, 200, out, &err);
    free(ids);
}

static void get_run(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *run = runs_get(req->app->store, http_param(req, "run_id"), &err);
    respond(res, 200, run ? json_pack("{s:o}", "run", run) : NULL, &err);
}

static void metric_history(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t max = 0;
    json_t *out = NULL;
    if (query_int(req, "max_results", &max, &err) == 0) {
        if (http_query(req, "max_results") && max == 0)
            max = -1;
        out = run_data_metric_history(req->app->store, http_param(req, "run_id"),
                                      http_param(req, "key"), max, http_query(req, "page_token"),
                                      &err);
    }
    respond(res, 200, out, &err);
}

void routes_tracking_register(router_t *r)
{
    router_add(r, "GET", "/api/v1/experiments", list_experiments);
    router_add(r, "POST", "/api/v1/experiments", create_experiment);
    router_add(r, "GET", "/api/v1/experiments/{id}", get_experiment);
    router_add(r, "GET", "/api/v1/runs", list_runs);
    router_add(r, "GET", "/api/v1/runs/compare", compare_runs);
    router_add(r, "GET", "/api/v1/runs/{run_id}", get_run);
    router_add(r, "GET", "/api/v1/runs/{run_id}/metrics/{key}", metric_history);
}
