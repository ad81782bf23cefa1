/* routes_mlflow_registry.c - MLflow's Model Registry REST API 2.0 over the registry services, so
 * MLflow clients (mlflow.register_model, MlflowClient) work against llmops unchanged.
 *
 * Paths, methods and messages follow mlflow/protos/model_registry.proto: GET takes its message
 * as query parameters, POST/PATCH/DELETE as a JSON body (mlflow_wire.h). Responses are the
 * proto messages in JSON with MLflow's field names; versions are strings ("3"), timestamps JSON
 * numbers; unset optional fields (description, run_id, run_link) are left out, as protobuf
 * leaves them out. Errors are {"error_code", "message"}: INVALID_PARAMETER_VALUE 400,
 * RESOURCE_DOES_NOT_EXIST 404, RESOURCE_ALREADY_EXISTS 400 (MLflow's status for it).
 *
 *   POST   registered-models/create              {name, tags?, description?}
 *   GET    registered-models/get                 ?name=
 *   POST   registered-models/rename              {name, new_name}
 *   PATCH  registered-models/update              {name, description?}
 *   DELETE registered-models/delete              {name}
 *   GET    registered-models/search              ?filter=&max_results=&order_by=&page_token=
 *   POST   registered-models/set-tag             {name, key, value}
 *   DELETE registered-models/delete-tag          {name, key}
 *   POST   registered-models/alias               {name, alias, version}
 *   DELETE registered-models/alias               {name, alias}
 *   GET    registered-models/alias               ?name=&alias=
 *   GET|POST registered-models/get-latest-versions {name, stages?}
 *   POST   model-versions/create                 {name, source, run_id?, tags?, run_link?,
 *                                                 description?, serving?}
 *   GET    model-versions/get                    ?name=&version=
 *   PATCH  model-versions/update                 {name, version, description?}
 *   DELETE model-versions/delete                 {name, version}
 *   GET    model-versions/search                 ?filter=&max_results=&order_by=&page_token=
 *   POST   model-versions/set-tag                {name, version, key, value}
 *   DELETE model-versions/delete-tag             {name, version, key}
 *   GET    model-versions/get-download-uri       ?name=&version=
 *
 * llmops' `serving` extension is accepted on model-versions/create but never sent back on
 * these routes: it is not a field of MLflow's ModelVersion message, and although MLflow's
 * Python client ignores unknown fields (parse_dict(..., ignore_unknown_fields=True)), a strict
 * protobuf JSON parser would refuse the whole response. /api/v1 (routes_registry.c) shows it.
 *
 * Where llmops differs from MLflow's SQL store: an unknown alias on GET registered-models/alias
 * is RESOURCE_DOES_NOT_EXIST 404 (MLflow answers INVALID_PARAMETER_VALUE 400); version stages
 * do not exist (every version is in stage "None"; transition-stage is not served). */
#include <stdlib.h>
#include <string.h>

#include "http/mlflow_wire.h"
#include "http/routes.h"
#include "registry/aliases.h"
#include "registry/models.h"
#include "registry/registry_search.h"
#include "registry/versions.h"

#define MLFLOW_PREFIX "/api/2.0/mlflow/"

/* ---- service JSON -> MLflow messages -------------------------------------------------------- */

/* Copy key from src to dst when it is not null (proto leaves unset fields out). */
static void copy_if_set(json_t *dst, const json_t *src, const char *key)
{
    json_t *v = json_object_get(src, key);
    if (v && !json_is_null(v))
        json_object_set(dst, key, v);
}

/* {"k": "v", ...} -> [{"key": "k", "value": "v"}, ...] */
static json_t *tags_to_list(const json_t *tags)
{
    json_t *list = json_array();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)tags, key, value)
    {
        json_array_append_new(list, json_pack("{s:s, s:O}", "key", key, "value", value));
    }
    return list;
}

static json_t *version_string(const json_t *number)
{
    char text[32];
    snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(number));
    return json_string(text);
}

/* A ModelVersion message from a registry version. */
static json_t *mlflow_version(const json_t *v)
{
    json_t *m = json_object();
    copy_if_set(m, v, "name");
    json_object_set_new(m, "version", version_string(json_object_get(v, "version")));
    copy_if_set(m, v, "creation_timestamp");
    copy_if_set(m, v, "last_updated_timestamp");
    json_object_set_new(m, "current_stage", json_string("None"));
    copy_if_set(m, v, "description");
    copy_if_set(m, v, "source");
    copy_if_set(m, v, "run_id");
    copy_if_set(m, v, "status");
    json_object_set_new(m, "tags", tags_to_list(json_object_get(v, "tags")));
    copy_if_set(m, v, "run_link");
    json_object_set(m, "aliases", json_object_get(v, "aliases"));
    return m;
}

/* A RegisteredModel message from a registry model. */
static json_t *mlflow_model(const json_t *model)
{
    json_t *m = json_object();
    copy_if_set(m, model, "name");
    copy_if_set(m, model, "creation_timestamp");
    copy_if_set(m, model, "last_updated_timestamp");
    copy_if_set(m, model, "description");
    json_t *latest = json_array();
    json_t *v = json_object_get(model, "latest_version");
    if (v && !json_is_null(v))
        json_array_append_new(latest, mlflow_version(v));
    json_object_set_new(m, "latest_versions", latest);
    json_object_set_new(m, "tags", tags_to_list(json_object_get(model, "tags")));
    json_t *aliases = json_array();
    const char *alias;
    json_t *version;
    json_object_foreach(json_object_get(model, "aliases"), alias, version)
    {
        json_array_append_new(
            aliases, json_pack("{s:s, s:o}", "alias", alias, "version", version_string(version)));
    }
    json_object_set_new(m, "aliases", aliases);
    return m;
}

static json_t *mlflow_versions(const json_t *list)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        json_array_append_new(out, mlflow_version(v));
    }
    return out;
}

/* ---- request fields ------------------------------------------------------------------------- */

/* A version number: MLflow sends a string ("3"); a JSON integer is taken too. */
static int get_version(const json_t *msg, int64_t *out, err_t *err)
{
    json_t *v = json_object_get(msg, "version");
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    const char *text = NULL;
    if (mlflow_get_string(msg, "version", 1, 0, &text, err) != 0)
        return -1;
    return registry_parse_version(text, out, err);
}

/* tags: [{"key", "value"}, ...] into a malloc'd array (strings borrowed from msg). A missing
 * value is "", as protobuf reads an unset string. */
static registry_tag_t *get_tags(const json_t *msg, size_t *n, err_t *err)
{
    *n = 0;
    json_t *list = mlflow_get_list(msg, "tags", err);
    if (!list)
        return NULL;
    registry_tag_t *tags = xcalloc(json_array_size(list) + 1, sizeof *tags);
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        char field[48];
        json_t *key = json_object_get(t, "key"), *value = json_object_get(t, "value");
        if (!json_is_object(t) || (key && !json_is_null(key) && !json_is_string(key)) ||
            (value && !json_is_null(value) && !json_is_string(value))) {
            snprintf(field, sizeof field, "tags[%zu]", i);
            err_invalid(err, field,
                        "Invalid value for parameter '%s': expected {\"key\": string, \"value\": "
                        "string}",
                        field);
            free(tags);
            json_decref(list);
            return NULL;
        }
        tags[i].key = json_is_string(key) ? json_string_value(key) : "";
        tags[i].value = json_is_string(value) ? json_string_value(value) : "";
    }
    *n = json_array_size(list);
    /* The strings stay alive in msg, which holds the list's elements. */
    json_decref(list);
    return tags;
}

/* ---- handlers: registered models ------------------------------------------------------------ */

/* Every handler: read the message, run, answer. These wrappers keep each one short. */
#define MESSAGE_OR_RETURN(msg)                                                                     \
    json_t *msg = mlflow_message(req, res);                                                        \
    if (!msg)                                                                                      \
    return

static void answer(http_response_t *res, json_t *msg, json_t *reply, const err_t *err)
{
    if (reply)
        mlflow_respond(res, reply);
    else
        mlflow_respond_error(res, err);
    json_decref(msg);
}

static json_t *wrap_model(json_t *model)
{
    if (!model)
        return NULL;
    json_t *reply = json_pack("{s:o}", "registered_model", mlflow_model(model));
    json_decref(model);
    return reply;
}

static json_t *wrap_version(json_t *version)
{
    if (!version)
        return NULL;
    json_t *reply = json_pack("{s:o}", "model_version", mlflow_version(version));
    json_decref(version);
    return reply;
}

static void handle_model_create(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    registry_model_in_t in = {0};
    registry_tag_t *tags = NULL;
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &in.name, &err) == 0 &&
        mlflow_get_string(msg, "description", 0, 0, &in.description, &err) == 0 &&
        (tags = get_tags(msg, &in.ntags, &err)) != NULL) {
        in.tags = tags;
        reply = wrap_model(registry_model_create(req->app->store, &in, &err));
    }
    free(tags);
    answer(res, msg, reply, &err);
}

static void handle_model_get(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0)
        reply = wrap_model(registry_model_get(req->app->store, name, &err));
    answer(res, msg, reply, &err);
}

static void handle_model_rename(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    registry_model_patch_t patch = {0};
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "new_name", 1, 0, &patch.new_name, &err) == 0)
        reply = wrap_model(registry_model_update(req->app->store, name, &patch, &err));
    answer(res, msg, reply, &err);
}

static void handle_model_update(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    /* As MLflow: the description sent replaces the old one; none sent clears it. */
    registry_model_patch_t patch = {.set_description = 1};
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "description", 0, 0, &patch.description, &err) == 0)
        reply = wrap_model(registry_model_update(req->app->store, name, &patch, &err));
    answer(res, msg, reply, &err);
}

static void handle_model_delete(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        registry_model_delete(req->app->store, name, &err) == 0)
        reply = json_object();
    answer(res, msg, reply, &err);
}

static void handle_model_set_tag(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *key = NULL, *value = "";
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "key", 1, 0, &key, &err) == 0 &&
        mlflow_get_string(msg, "value", 0, 0, &value, &err) == 0 &&
        registry_model_set_tag(req->app->store, name, key, value, &err) == 0)
        reply = json_object();
    answer(res, msg, reply, &err);
}

static void handle_model_delete_tag(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *key = NULL;
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "key", 1, 0, &key, &err) == 0 &&
        registry_model_delete_tag(req->app->store, name, key, &err) == 0)
        reply = json_object();
    answer(res, msg, reply, &err);
}

/* The search request fields shared by both searches. order_by (repeated) is returned as a new
 * list whose strings back q->order_by; the caller frees both. */
static json_t *get_search(const json_t *msg, registry_search_t *q, const char ***order, err_t *err)
{
    *order = NULL;
    if (mlflow_get_string(msg, "filter", 0, 0, &q->filter, err) != 0 ||
        mlflow_get_int64(msg, "max_results", 0, &q->max_results, err) != 0 ||
        mlflow_get_string(msg, "page_token", 0, 0, &q->page_token, err) != 0)
        return NULL;
    json_t *list = mlflow_get_list(msg, "order_by", err);
    if (!list)
        return NULL;
    *order = xcalloc(json_array_size(list) + 1, sizeof **order);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (!json_is_string(item)) {
            err_invalid(err, "order_by",
                        "Invalid value for parameter 'order_by': expected a "
                        "list of strings");
            json_decref(list);
            free(*order);
            *order = NULL;
            return NULL;
        }
        (*order)[i] = json_string_value(item);
    }
    q->order_by = *order;
    q->norder = json_array_size(list);
    return list;
}

static void handle_model_search(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    registry_search_t q = {.max_results = REGISTRY_MODELS_DEFAULT_RESULTS};
    const char **order = NULL;
    json_t *reply = NULL;
    json_t *order_list = get_search(msg, &q, &order, &err);
    json_t *found = order_list ? registry_models_search(req->app->store, &q, &err) : NULL;
    if (found) {
        json_t *models = json_array();
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(found, "models"), i, m)
        {
            json_array_append_new(models, mlflow_model(m));
        }
        reply = json_pack("{s:o}", "registered_models", models);
        copy_if_set(reply, found, "next_page_token");
        json_decref(found);
    }
    json_decref(order_list);
    free(order);
    answer(res, msg, reply, &err);
}

/* ---- handlers: aliases ---------------------------------------------------------------------- */

static void handle_alias_set(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *alias = NULL;
    int64_t version = 0;
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "alias", 1, 0, &alias, &err) == 0 &&
        get_version(msg, &version, &err) == 0) {
        json_t *v = registry_alias_set(req->app->store, name, alias, version, &err);
        if (v)
            reply = json_object();
        json_decref(v);
    }
    answer(res, msg, reply, &err);
}

static void handle_alias_delete(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *alias = NULL;
    json_t *reply = NULL;
    /* Deleting an alias that is not set succeeds, as in MLflow. */
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "alias", 1, 0, &alias, &err) == 0 &&
        registry_alias_delete(req->app->store, name, alias, NULL, &err) == 0)
        reply = json_object();
    answer(res, msg, reply, &err);
}

static void handle_alias_get(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *alias = NULL;
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        mlflow_get_string(msg, "alias", 1, 0, &alias, &err) == 0)
        reply = wrap_version(registry_alias_get(req->app->store, name, alias, &err));
    answer(res, msg, reply, &err);
}

static void handle_latest_versions(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    json_t *reply = NULL, *stages = NULL;
    const char **names = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &name, &err) == 0 &&
        (stages = mlflow_get_list(msg, "stages", &err)) != NULL) {
        names = xcalloc(json_array_size(stages) + 1, sizeof *names);
        int ok = 1;
        for (size_t i = 0; ok && i < json_array_size(stages); i++) {
            names[i] = json_string_value(json_array_get(stages, i));
            if (!names[i])
                ok = err_invalid(&err, "stages",
                                 "Invalid value for parameter 'stages': "
                                 "expected a list of strings") == 0;
        }
        json_t *list = ok ? registry_latest_versions(req->app->store, name, names,
                                                     json_array_size(stages), &err)
                          : NULL;
        if (list) {
            reply = json_pack("{s:o}", "model_versions", mlflow_versions(list));
            json_decref(list);
        }
    }
    free(names);
    json_decref(stages);
    answer(res, msg, reply, &err);
}

/* ---- handlers: model versions --------------------------------------------------------------- */

static void handle_version_create(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    registry_version_in_t in = {0};
    registry_tag_t *tags = NULL;
    json_t *reply = NULL;
    if (mlflow_get_string(msg, "name", 1, 0, &in.name, &err) == 0 &&
        mlflow_get_string(msg, "source", 1, 0, &in.source, &err) == 0 &&
        mlflow_get_string(msg, "run_id", 0, 0, &in.run_id, &err) == 0 &&
        mlflow_get_string(msg, "run_link", 0, 0, &in.run_link, &err) == 0 &&
        mlflow_get_string(msg, "description", 0, 0, &in.description, &err) == 0 &&
        (tags = get_tags(msg, &in.ntags, &err)) != NULL) {
        in.tags = tags;
        in.serving = json_object_get(msg, "serving");
        reply = wrap_version(registry_version_create(req->app->store, &in, &err));
    }
    free(tags);
    answer(res, msg, reply, &err);
}

/* name and version, the key of every version request. */
static int get_key(const json_t *msg, const char **name, int64_t *version, err_t *err)
{
    if (mlflow_get_string(msg, "name", 1, 0, name, err) != 0)
        return -1;
    return get_version(msg, version, err);
}

static void handle_version_get(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    int64_t version = 0;
    json_t *reply = NULL;
    if (get_key(msg, &name, &version, &err) == 0)
        reply = wrap_version(registry_version_get(req->app->store, name, version, &err));
    answer(res, msg, reply, &err);
}

static void handle_version_update(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *description = NULL;
    int64_t version = 0;
    json_t *reply = NULL;
    /* As MLflow: the description sent replaces the old one; none sent clears it. */
    if (get_key(msg, &name, &version, &err) == 0 &&
        mlflow_get_string(msg, "description", 0, 0, &description, &err) == 0)
        reply = wrap_version(
            registry_version_update(req->app->store, name, version, description, &err));
    answer(res, msg, reply, &err);
}

static void handle_version_delete(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    int64_t version = 0;
    json_t *reply = NULL;
    if (get_key(msg, &name, &version, &err) == 0 &&
        registry_version_delete(req->app->store, name, version, &err) == 0)
        reply = json_object();
    answer(res, msg, reply, &err);
}

static void handle_version_set_tag(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *key = NULL, *value = "";
    int64_t version = 0;
    json_t *reply = NULL;
    if (get_key(msg, &name, &version, &err) == 0 &&
        mlflow_get_string(msg, "key", 1, 0, &key, &err) == 0 &&
        mlflow_get_string(msg, "value", 0, 0, &value, &err) == 0 &&
        registry_version_set_tag(req->app->store, name, version, key, value, &err) == 0)
        reply = json_object();
    answer(res, msg, reply, &err);
}

static void handle_version_delete_tag(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL, *key = NULL;
    int64_t version = 0;
    json_t *reply = NULL;
    if (get_key(msg, &name, &version, &err) == 0 &&
        mlflow_get_string(msg, "key", 1, 0, &key, &err) == 0 &&
        registry_version_delete_tag(req->app->store, name, version, key, &err) == 0)
        reply = json_object();
    answer(res, msg, reply, &err);
}

static void handle_version_download_uri(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    const char *name = NULL;
    int64_t version = 0;
    json_t *reply = NULL;
    json_t *v = NULL;
    /* llmops does not copy artifacts: they are where the source says. */
    if (get_key(msg, &name, &version, &err) == 0 &&
        (v = registry_version_get(req->app->store, name, version, &err)) != NULL)
        reply = json_pack("{s:O}", "artifact_uri", json_object_get(v, "source"));
    json_decref(v);
    answer(res, msg, reply, &err);
}

static void handle_version_search(http_request_t *req, http_response_t *res)
{
    MESSAGE_OR_RETURN(msg);
    err_t err;
    registry_search_t q = {.max_results = REGISTRY_VERSIONS_DEFAULT_RESULTS};
    const char **order = NULL;
    json_t *reply = NULL;
    json_t *order_list = get_search(msg, &q, &order, &err);
    json_t *found = order_list ? registry_versions_search(req->app->store, &q, &err) : NULL;
    if (found) {
        reply = json_pack("{s:o}", "model_versions",
                          mlflow_versions(json_object_get(found, "versions")));
        copy_if_set(reply, found, "next_page_token");
        json_decref(found);
    }
    json_decref(order_list);
    free(order);
    answer(res, msg, reply, &err);
}

void routes_mlflow_registry_register(router_t *r)
{
    router_add(r, "POST", MLFLOW_PREFIX "registered-models/create", handle_model_create);
    router_add(r, "GET", MLFLOW_PREFIX "registered-models/get", handle_model_get);
    router_add(r, "POST", MLFLOW_PREFIX "registered-models/rename", handle_model_rename);
    router_add(r, "PATCH", MLFLOW_PREFIX "registered-models/update", handle_model_update);
    router_add(r, "DELETE", MLFLOW_PREFIX "registered-models/delete", handle_model_delete);
    router_add(r, "GET", MLFLOW_PREFIX "registered-models/search", handle_model_search);
    router_add(r, "POST", MLFLOW_PREFIX "registered-models/set-tag", handle_model_set_tag);
    router_add(r, "DELETE", MLFLOW_PREFIX "registered-models/delete-tag", handle_model_delete_tag);
    router_add(r, "POST", MLFLOW_PREFIX "registered-models/alias", handle_alias_set);
    router_add(r, "DELETE", MLFLOW_PREFIX "registered-models/alias", handle_alias_delete);
    router_add(r, "GET", MLFLOW_PREFIX "registered-models/alias", handle_alias_get);
    router_add(r, "GET", MLFLOW_PREFIX "registered-models/get-latest-versions",
               handle_latest_versions);
    router_add(r, "POST", MLFLOW_PREFIX "registered-models/get-latest-versions",
               handle_latest_versions);
    router_add(r, "POST", MLFLOW_PREFIX "model-versions/create", handle_version_create);
    router_add(r, "GET", MLFLOW_PREFIX "model-versions/get", handle_version_get);
    router_add(r, "PATCH", MLFLOW_PREFIX "model-versions/update", handle_version_update);
    router_add(r, "DELETE", MLFLOW_PREFIX "model-versions/delete", handle_version_delete);
    router_add(r, "GET", MLFLOW_PREFIX "model-versions/search", handle_version_search);
    router_add(r, "POST", MLFLOW_PREFIX "model-versions/set-tag", handle_version_set_tag);
    router_add(r, "DELETE", MLFLOW_PREFIX "model-versions/delete-tag", handle_version_delete_tag);
    router_add(r, "GET", MLFLOW_PREFIX "model-versions/get-download-uri",
               handle_version_download_uri);
}
