/* routes_registry.c - the model registry in llmops' own API (/api/v1), used by the CLI, the UI
 * and scripts. Models and versions are the registry services' JSON (registry_load.h), serving
 * spec included; errors are llmops' {"error": {"code", "message", "field"}} with 400, 404, 409.
 *
 *   GET    /api/v1/models                     ?filter=&order_by=&max_results=&page_token=
 *   POST   /api/v1/models                     {name, description?, tags?: {k: v}}      201
 *   GET    /api/v1/models/{name}
 *   PATCH  /api/v1/models/{name}              {name?: new name, description?: text | null}
 *   DELETE /api/v1/models/{name}
 *   GET    /api/v1/models/{name}/versions     ?filter=&order_by=&max_results=&page_token=
 *   POST   /api/v1/models/{name}/versions     {source, run_id?, run_link?, description?,
 *                                              tags?, serving?}                          201
 *   GET    /api/v1/models/{name}/versions/{version}
 *   PATCH  /api/v1/models/{name}/versions/{version}   {description: text | null}
 *   DELETE /api/v1/models/{name}/versions/{version}
 *   PUT    /api/v1/models/{name}/aliases/{alias}      {version: N}
 *   GET    /api/v1/models/{name}/aliases/{alias}
 *   DELETE /api/v1/models/{name}/aliases/{alias}
 *
 * Names travel percent-encoded in the path ("a%2Fb" is the model "a/b"): the router matches
 * the encoded path and decodes the parameters. Lists default to 100 items (max_results up to
 * 1000 for models, 200000 for versions) and the versions of one model are listed newest first
 * unless order_by says otherwise. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "http/routes.h"
#include "registry/aliases.h"
#include "registry/models.h"
#include "registry/registry_search.h"
#include "registry/versions.h"

#define LIST_DEFAULT_RESULTS 100

/* ---- request pieces ------------------------------------------------------------------------- */

/* tags: {"key": "value", ...} -> a malloc'd array (strings borrowed from body). NULL with err
 * when tags is not an object of strings; an absent tags gives an empty (non-NULL) array. */
static registry_tag_t *body_tags(const json_t *body, size_t *n, err_t *err)
{
    *n = 0;
    json_t *tags = json_object_get(body, "tags");
    if (tags && !json_is_null(tags) && !json_is_object(tags)) {
        err_invalid(err, "tags", "'tags' must be an object of string values, {\"key\": \"value\"}");
        return NULL;
    }
    registry_tag_t *out = xcalloc(json_object_size(tags) + 1, sizeof *out);
    const char *key;
    json_t *value;
    json_object_foreach(tags, key, value)
    {
        if (!json_is_string(value)) {
            char field[300];
            snprintf(field, sizeof field, "tags.%.250s", key);
            err_invalid(err, field, "tag '%.250s' must have a string value", key);
            free(out);
            return NULL;
        }
        out[*n].key = key;
        out[*n].value = json_string_value(value);
        (*n)++;
    }
    return out;
}

/* An optional string-or-null body field: *present is 1 when the key is there (null included). */
static int body_nullable_string(const json_t *body, const char *field, int *present,
                                const char **out, err_t *err)
{
    json_t *v = json_object_get(body, field);
    *present = v != NULL;
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    return json_field_string(body, field, 0, 0, out, err);
}

/* The {version} path parameter. */
static int path_version(const http_request_t *req, int64_t *version, err_t *err)
{
    return registry_parse_version(http_param(req, "version"), version, err);
}

/* The list query: filter, order_by (repeatable), max_results, page_token. order_by entries
 * point into req; *order is malloc'd (caller frees). */
static int list_query(const http_request_t *req, registry_search_t *q, const char ***order,
                      err_t *err)
{
    q->filter = http_query(req, "filter");
    q->page_token = http_query(req, "page_token");
    q->max_results = LIST_DEFAULT_RESULTS;
    const char *max = http_query(req, "max_results");
    if (max) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(max, &end, 10);
        if (!*max || *end || errno)
            return err_invalid(err, "max_results", "max_results must be an integer");
        q->max_results = v;
    }
    *order = http_query_all(req, "order_by", &q->norder);
    q->order_by = *order;
    return 0;
}

static void respond_object(http_response_t *res, int status, const char *key, json_t *value,
                           const err_t *err)
{
    if (value)
        http_respond_json(res, status, json_pack("{s:o}", key, value));
    else
        http_respond_error(res, err);
}

/* ---- models --------------------------------------------------------------------------------- */

static void handle_list_models(http_request_t *req, http_response_t *res)
{
    err_t err;
    registry_search_t q = {0};
    const char **order = NULL;
    json_t *out = NULL;
    if (list_query(req, &q, &order, &err) == 0)
        out = registry_models_search(req->app->store, &q, &err);
    free(order);
    http_respond_result(res, 200, out, &err);
}

static void handle_create_model(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    registry_model_in_t in = {0};
    registry_tag_t *tags = NULL;
    json_t *model = NULL;
    if (json_field_string(body, "name", 1, 0, &in.name, &err) == 0 &&
        json_field_string(body, "description", 0, 0, &in.description, &err) == 0 &&
        (tags = body_tags(body, &in.ntags, &err)) != NULL) {
        in.tags = tags;
        model = registry_model_create(req->app->store, &in, &err);
    }
    free(tags);
    respond_object(res, 201, "model", model, &err);
    json_decref(body);
}

static void handle_get_model(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *model = registry_model_get(req->app->store, http_param(req, "name"), &err);
    respond_object(res, 200, "model", model, &err);
}

static void handle_patch_model(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    registry_model_patch_t patch = {0};
    json_t *model = NULL;
    if (json_field_string(body, "name", 0, 0, &patch.new_name, &err) == 0 &&
        body_nullable_string(body, "description", &patch.set_description, &patch.description,
                             &err) == 0) {
        if (!patch.new_name && !patch.set_description)
            err_invalid(&err, NULL,
                        "nothing to change: give \"name\" (a new name) and/or "
                        "\"description\"");
        else
            model = registry_model_update(req->app->store, http_param(req, "name"), &patch, &err);
    }
    respond_object(res, 200, "model", model, &err);
    json_decref(body);
}

static void handle_delete_model(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *name = http_param(req, "name");
    if (registry_model_delete(req->app->store, name, &err) == 0)
        http_respond_json(res, 200, json_pack("{s:{s:s}}", "deleted", "name", name));
    else
        http_respond_error(res, &err);
}

/* ---- versions ------------------------------------------------------------------------------- */

static void handle_list_versions(http_request_t *req, http_response_t *res)
{
    static const char *const newest_first[] = {"version_number DESC"};
    err_t err;
    registry_search_t q = {0};
    const char **order = NULL;
    json_t *out = NULL;
    if (list_query(req, &q, &order, &err) == 0) {
        q.model = http_param(req, "name");
        if (!q.norder) {
            q.order_by = newest_first;
            q.norder = 1;
        }
        out = registry_versions_search(req->app->store, &q, &err);
    }
    free(order);
    http_respond_result(res, 200, out, &err);
}

static void handle_create_version(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    registry_version_in_t in = {.name = http_param(req, "name")};
    registry_tag_t *tags = NULL;
    json_t *version = NULL;
    if (json_field_string(body, "source", 1, 0, &in.source, &err) == 0 &&
        json_field_string(body, "run_id", 0, 0, &in.run_id, &err) == 0 &&
        json_field_string(body, "run_link", 0, 0, &in.run_link, &err) == 0 &&
        json_field_string(body, "description", 0, 0, &in.description, &err) == 0 &&
        (tags = body_tags(body, &in.ntags, &err)) != NULL) {
        in.tags = tags;
        in.serving = json_object_get(body, "serving");
        version = registry_version_create(req->app->store, &in, &err);
    }
    free(tags);
    respond_object(res, 201, "version", version, &err);
    json_decref(body);
}

static void handle_get_version(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t number;
    json_t *version = NULL;
    if (path_version(req, &number, &err) == 0)
        version = registry_version_get(req->app->store, http_param(req, "name"), number, &err);
    respond_object(res, 200, "version", version, &err);
}

static void handle_patch_version(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    int64_t number;
    int present = 0;
    const char *description = NULL;
    json_t *version = NULL;
    if (path_version(req, &number, &err) == 0 &&
        body_nullable_string(body, "description", &present, &description, &err) == 0) {
        if (!present)
            err_invalid(&err, "description",
                        "nothing to change: a version's description is all that can change "
                        "(tags and aliases have their own calls)");
        else
            version = registry_version_update(req->app->store, http_param(req, "name"), number,
                                              description, &err);
    }
    respond_object(res, 200, "version", version, &err);
    json_decref(body);
}

static void handle_delete_version(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t number;
    const char *name = http_param(req, "name");
    if (path_version(req, &number, &err) == 0 &&
        registry_version_delete(req->app->store, name, number, &err) == 0)
        http_respond_json(
            res, 200,
            json_pack("{s:{s:s, s:I}}", "deleted", "name", name, "version", (json_int_t)number));
    else
        http_respond_error(res, &err);
}

/* ---- aliases -------------------------------------------------------------------------------- */

static void respond_alias(http_response_t *res, const char *alias, json_t *version,
                          const err_t *err)
{
    if (version)
        http_respond_json(res, 200, json_pack("{s:s, s:o}", "alias", alias, "version", version));
    else
        http_respond_error(res, err);
}

static void handle_put_alias(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    const char *alias = http_param(req, "alias");
    json_t *v = json_object_get(body, "version");
    int64_t number = 0;
    json_t *version = NULL;
    int ok = 1;
    if (json_is_integer(v))
        number = json_integer_value(v);
    else if (json_is_string(v))
        ok = registry_parse_version(json_string_value(v), &number, &err) == 0;
    else
        ok = err_invalid(&err, "version",
                         "'version' is required: the version number the alias "
                         "points at, e.g. {\"version\": 3}") == 0;
    if (ok)
        version = registry_alias_set(req->app->store, http_param(req, "name"), alias, number, &err);
    respond_alias(res, alias, version, &err);
    json_decref(body);
}

static void handle_get_alias(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *alias = http_param(req, "alias");
    json_t *version = registry_alias_get(req->app->store, http_param(req, "name"), alias, &err);
    respond_alias(res, alias, version, &err);
}

static void handle_delete_alias(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *name = http_param(req, "name"), *alias = http_param(req, "alias");
    int deleted = 0;
    if (registry_alias_delete(req->app->store, name, alias, &deleted, &err) != 0)
        http_respond_error(res, &err);
    else if (!deleted)
        http_respond_errorf(res, 404, "not_found", NULL, "Registered model alias %s not found.",
                            alias);
    else
        http_respond_json(res, 200,
                          json_pack("{s:{s:s, s:s}}", "deleted", "name", name, "alias", alias));
}

void routes_registry_register(router_t *r)
{
    router_add(r, "GET", "/api/v1/models", handle_list_models);
    router_add(r, "POST", "/api/v1/models", handle_create_model);
    router_add(r, "GET", "/api/v1/models/{name}", handle_get_model);
    router_add(r, "PATCH", "/api/v1/models/{name}", handle_patch_model);
    router_add(r, "DELETE", "/api/v1/models/{name}", handle_delete_model);
    router_add(r, "GET", "/api/v1/models/{name}/versions", handle_list_versions);
    router_add(r, "POST", "/api/v1/models/{name}/versions", handle_create_version);
    router_add(r, "GET", "/api/v1/models/{name}/versions/{version}", handle_get_version);
    router_add(r, "PATCH", "/api/v1/models/{name}/versions/{version}", handle_patch_version);
    router_add(r, "DELETE", "/api/v1/models/{name}/versions/{version}", handle_delete_version);
    router_add(r, "PUT", "/api/v1/models/{name}/aliases/{alias}", handle_put_alias);
    router_add(r, "GET", "/api/v1/models/{name}/aliases/{alias}", handle_get_alias);
    router_add(r, "DELETE", "/api/v1/models/{name}/aliases/{alias}", handle_delete_alias);
}
