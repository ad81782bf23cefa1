/* routes_datasets.c - datasets over HTTP (datasets/datasets.h and datasets/reader.h do the work).
 *
 *   POST /api/v1/datasets                      {"name","description"?,"tags"?} -> 201
 *   GET  /api/v1/datasets?limit=&cursor=       list, by name
 *   GET  /api/v1/datasets/{name}
 *   POST /api/v1/datasets/{name}/versions      the file as the body (Content-Type
 *        application/x-ndjson or text/csv, or ?format=jsonl|csv), query: required=a,b
 *        split=train=0.8,test=0.2 seed=N source= parent=N|NAME/N description= tag=key:value
 *        (repeatable) -> 201 {"created":true,...} or 200 {"created":false,...}
 *   GET  /api/v1/datasets/{name}/versions?limit=&cursor=
 *   GET  /api/v1/datasets/{name}/versions/{v}             {v}: N or "latest"
 *   GET  /api/v1/datasets/{name}/versions/{v}/rows?offset=&limit=&split=
 *   GET  /api/v1/datasets/{name}/versions/{v}/export?format=jsonl|csv&split=
 *
 * Malformed input is 400 {"error":{"code":"invalid_rows","field":"body","message",
 * "errors":[{"line","message"}],"error_count"}}. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"
#include "datasets/datasets.h"
#include "datasets/reader.h"
#include "http/routes.h"

#define ROWS_PREVIEW_DEFAULT 20
#define ROWS_PREVIEW_MAX     1000

/* The {v} path parameter: a version number or "latest" (0). */
static int path_version(const http_request_t *req, int64_t *out, err_t *err)
{
    const char *text = http_param(req, "v");
    *out = 0;
    if (strcmp(text, "latest") == 0)
        return 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || v < 1)
        return err_invalid(err, "version", "version must be a number from 1 or \"latest\"");
    *out = v;
    return 0;
}

static void handle_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    const char *name = NULL, *description = NULL;
    json_t *out = NULL;
    const char *key;
    json_t *value;
    int unknown = 0;
    json_object_foreach(body, key, value)
    {
        if (!unknown && strcmp(key, "name") && strcmp(key, "description") && strcmp(key, "tags"))
            unknown = err_invalid(&err, key, "unknown field '%.64s'", key);
    }
    if (!unknown && json_field_string(body, "name", 1, 0, &name, &err) == 0 &&
        json_field_string(body, "description", 0, 0, &description, &err) == 0)
        out = datasets_create(req->app->store, name, description, json_object_get(body, "tags"),
                              &err);
    http_respond_result(res, 201, out, &err);
    json_decref(body);
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t limit = 0;
    json_t *out = NULL;
    if (http_query_int(req, "limit", 0, INT64_MAX, &limit, &err) == 0)
        out = datasets_list(req->app->store, limit > DATASET_PAGE_MAX ? -1 : (int)limit,
                            http_query(req, "cursor"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out = datasets_get(req->app->store, http_param(req, "name"), &err);
    http_respond_result(res, 200, out, &err);
}

/* The import's format: ?format=, else from the Content-Type. */
static const char *import_format(const http_request_t *req)
{
    const char *format = http_query(req, "format");
    if (format)
        return format;
    const char *type = http_header(req, "Content-Type");
    if (!type)
        return NULL;
    if (strncasecmp(type, "text/csv", 8) == 0)
        return "csv";
    if (strncasecmp(type, "application/x-ndjson", 20) == 0 ||
        strncasecmp(type, "application/jsonl", 17) == 0 ||
        strncasecmp(type, "application/json-lines", 22) == 0)
        return "jsonl";
    return NULL;
}

/* Repeated tag=key:value parameters into an object. */
static int import_tags(const http_request_t *req, json_t **out, err_t *err)
{
    size_t n;
    const char **values = http_query_all(req, "tag", &n);
    *out = n ? json_object() : NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *colon = strchr(values[i], ':');
        if (!colon || colon == values[i])
            rc = err_invalid(err, "tag", "a tag is written key:value");
        else {
            char *key = xstrndup(values[i], (size_t)(colon - values[i]));
            json_object_set_new(*out, key, json_string(colon + 1));
            free(key);
        }
    }
    free(values);
    return rc;
}

static void handle_import(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *tags = NULL, *report = NULL, *out = NULL;
    int64_t seed = 0;
    int created = 0;
    dataset_import_in_t in = {
        .name = http_param(req, "name"),
        .format = import_format(req),
        .data = req->body,
        .len = req->body_len,
        .required = http_query(req, "required"),
        .split = http_query(req, "split"),
        .source = http_query(req, "source"),
        .parent = http_query(req, "parent"),
        .description = http_query(req, "description"),
    };
    /* A derived version (no body, a parent) reads its parent's rows: any format will do. */
    if (!in.format && req->body_len == 0 && in.parent)
        in.format = "jsonl";
    if (!in.format) {
        err_invalid(&err, "format",
                    "say the format with ?format=jsonl|csv or Content-Type application/x-ndjson "
                    "or text/csv");
    } else if (http_query_int(req, "seed", 0, INT64_MAX, &seed, &err) == 0 &&
               import_tags(req, &tags, &err) == 0) {
        in.seed = seed;
        in.tags = tags;
        out = datasets_import(req->app->store, req->app->blobs, &in, &created, &report, &err);
    }
    if (out) {
        json_object_set_new(out, "created", json_boolean(created));
        http_respond_json(res, created ? 201 : 200, out);
    } else if (report) {
        json_t *error = json_pack("{s:s, s:s, s:s}", "code", err.code, "message", err.message,
                                  "field", err.field);
        json_object_update(error, report);
        http_respond_json(res, err.status, json_pack("{s:o}", "error", error));
    } else {
        http_respond_error(res, &err);
    }
    json_decref(report);
    json_decref(tags);
}

static void handle_versions(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t limit = 0, cursor = 0;
    json_t *out = NULL;
    if (http_query_int(req, "limit", 0, INT64_MAX, &limit, &err) == 0 &&
        http_query_int(req, "cursor", 0, INT64_MAX, &cursor, &err) == 0)
        out = datasets_list_versions(req->app->store, http_param(req, "name"),
                                     limit > DATASET_PAGE_MAX ? -1 : (int)limit, cursor, &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_version(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t version;
    json_t *out = NULL;
    if (path_version(req, &version, &err) == 0)
        out = datasets_get_version(req->app->store, http_param(req, "name"), version, &err);
    http_respond_result(res, 200, out, &err);
}

/* Open the {name}/versions/{v} of the request on ?split=. */
static dataset_reader_t *open_reader(const http_request_t *req, err_t *err)
{
    int64_t version;
    dataset_reader_t *r = NULL;
    if (path_version(req, &version, err) == 0)
        dataset_open_version(req->app->store, req->app->blobs, http_param(req, "name"), version,
                             http_query(req, "split"), &r, err);
    return r;
}

static void handle_rows(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t offset = 0, limit = ROWS_PREVIEW_DEFAULT;
    if (http_query_int(req, "offset", 0, INT64_MAX, &offset, &err) != 0 ||
        http_query_int(req, "limit", 0, INT64_MAX, &limit, &err) != 0) {
        http_respond_error(res, &err);
        return;
    }
    if (limit < 1 || limit > ROWS_PREVIEW_MAX) {
        http_respond_errorf(res, 400, "invalid_argument", "limit", "limit must be from 1 to %d",
                            ROWS_PREVIEW_MAX);
        return;
    }
    dataset_reader_t *r = open_reader(req, &err);
    if (!r) {
        http_respond_error(res, &err);
        return;
    }
    dataset_reader_skip(r, (size_t)offset);
    json_t *rows = json_array(), *row;
    size_t index;
    const char *split;
    int rc = 1;
    while (json_array_size(rows) < (size_t)limit &&
           (rc = dataset_reader_next_ex(r, &row, &index, &split, &err)) == 1)
        json_array_append_new(rows, json_pack("{s:I, s:s?, s:o}", "index", (json_int_t)index,
                                              "split", split, "row", row));
    const json_t *v = dataset_reader_version(r);
    if (rc < 0) {
        json_decref(rows);
        http_respond_error(res, &err);
    } else {
        http_respond_json(res, 200,
                          json_pack("{s:O, s:O, s:s?, s:I, s:I, s:o}", "name",
                                    json_object_get(v, "name"), "version",
                                    json_object_get(v, "version"), "split",
                                    http_query(req, "split"), "offset", (json_int_t)offset, "total",
                                    (json_int_t)dataset_reader_count(r), "rows", rows));
    }
    dataset_close(r);
}

static void handle_export(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *format = http_query(req, "format");
    if (!format)
        format = "jsonl";
    if (strcmp(format, "jsonl") != 0 && strcmp(format, "csv") != 0) {
        http_respond_errorf(res, 400, "invalid_argument", "format", "format must be jsonl or csv");
        return;
    }
    dataset_reader_t *r = open_reader(req, &err);
    if (!r) {
        http_respond_error(res, &err);
        return;
    }
    int csv = strcmp(format, "csv") == 0;
    buf_t out;
    buf_init(&out);
    int rc = csv ? dataset_export_csv(r, &out, &err) : dataset_export_jsonl(r, &out, &err);
    if (rc < 0) {
        http_respond_error(res, &err);
    } else {
        const json_t *v = dataset_reader_version(r);
        char disposition[DATASET_NAME_MAX + 100];
        snprintf(disposition, sizeof disposition, "attachment; filename=\"%s-v%lld.%s\"",
                 json_string_value(json_object_get(v, "name")),
                 (long long)json_integer_value(json_object_get(v, "version")), format);
        http_respond_bytes(res, 200, csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
                           buf_str(&out), out.len);
        http_response_add_header(res, "Content-Disposition", disposition);
    }
    buf_free(&out);
    dataset_close(r);
}

void routes_datasets_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/datasets", handle_create);
    router_add(r, "GET", "/api/v1/datasets", handle_list);
    router_add(r, "GET", "/api/v1/datasets/{name}", handle_get);
    router_add(r, "POST", "/api/v1/datasets/{name}/versions", handle_import);
    router_add(r, "GET", "/api/v1/datasets/{name}/versions", handle_versions);
    router_add(r, "GET", "/api/v1/datasets/{name}/versions/{v}", handle_version);
    router_add(r, "GET", "/api/v1/datasets/{name}/versions/{v}/rows", handle_rows);
    router_add(r, "GET", "/api/v1/datasets/{name}/versions/{v}/export", handle_export);
}
