/* routes_gateway_admin.c - the gateway's configuration over HTTP.
 *
 *   POST   /api/v1/endpoints              spec                  201 {"endpoint"}
 *   GET    /api/v1/endpoints                                    {"endpoints":[...]}
 *   GET    /api/v1/endpoints/{name}                             {"endpoint"}
 *   PUT    /api/v1/endpoints/{name}       spec (replaces it)    {"endpoint"}
 *   DELETE /api/v1/endpoints/{name}                             {}
 *   POST   /api/v1/keys                   key spec              201 {"key", "secret"}
 *   GET    /api/v1/keys                                         {"keys":[...]}
 *   GET    /api/v1/keys/{id}                                    {"key"}
 *   POST   /api/v1/keys/{id}/revoke  (or DELETE /api/v1/keys/{id})  {"key"}
 *   PUT    /api/v1/prices                 {provider, model, input_per_mtok, output_per_mtok}
 *   GET    /api/v1/prices                                       {"prices":[...]}
 *   DELETE /api/v1/prices/{provider}/{model}                    {}
 *
 * Endpoints declared in the server's config file are listed with "source": "config" and cannot
 * be created, replaced or deleted here (409). After every change the running gateway's
 * snapshot is rebuilt at once, so the next request sees it. */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/log.h"
#include "gateway/endpoints.h"
#include "gateway/file_endpoints.h"
#include "gateway/gateway_config.h"
#include "gateway/keys.h"
#include "gateway/prices.h"
#include "http/routes.h"

/* Rebuild the running gateway's snapshot. A failure is logged, not reported: the change is
 * stored and the refresher picks it up on its next pass. */
static void reload(http_request_t *req)
{
    if (!req->app->gateway_config)
        return;
    err_t err;
    if (gateway_config_reload(req->app->gateway_config, &err) != 0)
        log_json(LOG_WARN, "gateway configuration reload failed after a change",
                 json_pack("{s:s}", "error", err.message));
}

/* The config file's endpoints: from the running gateway, or read from the file (in-process
 * CLI). *owned receives what the caller must decref. -1 with err when the file is bad. */
static int file_endpoints(http_request_t *req, const json_t **out, json_t **owned, err_t *err)
{
    *owned = NULL;
    *out = NULL;
    if (req->app->gateway_config) {
        *out = gateway_config_file_endpoints(req->app->gateway_config);
        return 0;
    }
    if (!req->app->cfg.config_file[0])
        return 0;
    if (gateway_file_endpoints(req->app->cfg.config_file, owned, err) != 0)
        return -1;
    *out = *owned;
    return 0;
}

static const json_t *file_endpoint(const json_t *list, const char *name)
{
    size_t i;
    json_t *spec;
    json_array_foreach(list, i, spec)
    {
        const char *n = json_string_value(json_object_get(spec, "name"));
        if (n && name && strcmp(n, name) == 0)
            return spec;
    }
    return NULL;
}

static json_t *file_endpoint_json(const json_t *spec)
{
    const char *d = json_string_value(json_object_get(spec, "description"));
    return json_pack("{s:O, s:s, s:O, s:s, s:n, s:n}", "name", json_object_get(spec, "name"),
                     "description", d ? d : "", "spec", spec, "source", "config", "created_at",
                     "updated_at");
}

/* 409 when name is declared in the config file (or the file cannot be read). 0 otherwise. */
static int refuse_file_endpoint(http_request_t *req, const char *name, err_t *err)
{
    const json_t *list;
    json_t *owned;
    if (file_endpoints(req, &list, &owned, err) != 0)
        return -1;
    int declared = file_endpoint(list, name) != NULL;
    json_decref(owned);
    if (declared)
        return err_conflict(err,
                            "endpoint '%s' is declared in the config file %s; change it there "
                            "and restart the server",
                            name, req->app->cfg.config_file);
    return 0;
}

static void respond(http_response_t *res, int status, const char *key, json_t *value,
                    const err_t *err)
{
    if (value)
        http_respond_json(res, status, key ? json_pack("{s:o}", key, value) : value);
    else
        http_respond_error(res, err);
}

/* ---- endpoints ------------------------------------------------------------------------------- */

static void handle_endpoint_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = NULL;
    const char *name = json_string_value(json_object_get(body, "name"));
    if (refuse_file_endpoint(req, name, &err) == 0)
        out = gateway_endpoint_create(req->app->store, body, &err);
    if (out)
        reload(req);
    respond(res, 201, "endpoint", out, &err);
    json_decref(body);
}

static void handle_endpoint_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    const json_t *list;
    json_t *owned = NULL;
    json_t *out = NULL;
    if (file_endpoints(req, &list, &owned, &err) == 0)
        out = gateway_endpoint_list(req->app->store, &err);
    if (out) {
        /* One list ordered by name: the file's entries replace stored ones of the same name,
         * as they do in the gateway. */
        json_t *merged = json_array(), *stored = json_object_get(out, "endpoints");
        size_t i;
        json_t *e;
        json_array_foreach(stored, i, e)
        {
            if (!file_endpoint(list, json_string_value(json_object_get(e, "name"))))
                json_array_append(merged, e);
        }
        json_array_foreach(list, i, e)
        {
            size_t at = 0;
            const char *n = json_string_value(json_object_get(e, "name"));
            while (at < json_array_size(merged) &&
                   strcmp(json_string_value(json_object_get(json_array_get(merged, at), "name")),
                          n) < 0)
                at++;
            json_array_insert_new(merged, at, file_endpoint_json(e));
        }
        json_object_set_new(out, "endpoints", merged);
    }
    json_decref(owned);
    respond(res, 200, NULL, out, &err);
}

static void handle_endpoint_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    const json_t *list;
    json_t *owned = NULL, *out = NULL;
    const char *name = http_param(req, "name");
    if (file_endpoints(req, &list, &owned, &err) == 0) {
        const json_t *spec = file_endpoint(list, name);
        out = spec ? file_endpoint_json(spec) : gateway_endpoint_get(req->app->store, name, &err);
    }
    json_decref(owned);
    respond(res, 200, "endpoint", out, &err);
}

static void handle_endpoint_update(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = NULL;
    const char *name = http_param(req, "name");
    if (refuse_file_endpoint(req, name, &err) == 0)
        out = gateway_endpoint_update(req->app->store, name, body, &err);
    if (out)
        reload(req);
    respond(res, 200, "endpoint", out, &err);
    json_decref(body);
}

static void handle_endpoint_delete(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *name = http_param(req, "name");
    if (refuse_file_endpoint(req, name, &err) == 0 &&
        gateway_endpoint_delete(req->app->store, name, &err) == 0) {
        reload(req);
        http_respond_json(res, 200, json_object());
        return;
    }
    http_respond_error(res, &err);
}

/* ---- keys ------------------------------------------------------------------------------------ */

static void handle_key_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = gateway_key_create(req->app->store, body, &err);
    if (out)
        reload(req);
    respond(res, 201, NULL, out, &err);
    json_decref(body);
}

static void handle_key_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    respond(res, 200, NULL, gateway_key_list(req->app->store, &err), &err);
}

static void handle_key_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    respond(res, 200, "key", gateway_key_get(req->app->store, http_param(req, "id"), &err), &err);
}

static void handle_key_revoke(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out = gateway_key_revoke(req->app->store, http_param(req, "id"), &err);
    if (out)
        reload(req);
    respond(res, 200, "key", out, &err);
}

/* ---- prices ---------------------------------------------------------------------------------- */

static void handle_price_set(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = gateway_price_set(req->app->store, body, &err);
    if (out)
        reload(req);
    respond(res, 200, "price", out, &err);
    json_decref(body);
}

static void handle_price_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    respond(res, 200, NULL, gateway_price_list(req->app->store, &err), &err);
}

static void handle_price_delete(http_request_t *req, http_response_t *res)
{
    err_t err;
    if (gateway_price_delete(req->app->store, http_param(req, "provider"), http_param(req, "model"),
                             &err) == 0) {
        reload(req);
        http_respond_json(res, 200, json_object());
        return;
    }
    http_respond_error(res, &err);
}

void routes_gateway_admin_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/endpoints", handle_endpoint_create);
    router_add(r, "GET", "/api/v1/endpoints", handle_endpoint_list);
    router_add(r, "GET", "/api/v1/endpoints/{name}", handle_endpoint_get);
    router_add(r, "PUT", "/api/v1/endpoints/{name}", handle_endpoint_update);
    router_add(r, "DELETE", "/api/v1/endpoints/{name}", handle_endpoint_delete);
    router_add(r, "POST", "/api/v1/keys", handle_key_create);
    router_add(r, "GET", "/api/v1/keys", handle_key_list);
    router_add(r, "GET", "/api/v1/keys/{id}", handle_key_get);
    router_add(r, "POST", "/api/v1/keys/{id}/revoke", handle_key_revoke);
    router_add(r, "DELETE", "/api/v1/keys/{id}", handle_key_revoke);
    router_add(r, "PUT", "/api/v1/prices", handle_price_set);
    router_add(r, "GET", "/api/v1/prices", handle_price_list);
    router_add(r, "DELETE", "/api/v1/prices/{provider}/{model*}", handle_price_delete);
}
