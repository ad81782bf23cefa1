/* routes_vectors.c - the vector store over HTTP (src/vector/vectors.h).
 *
 *   POST   /api/v1/collections                          create: {"name", "dimension"?,
 *                                                       "distance"?, "embedder"?, "chunk_size"?,
 *                                                       "chunk_overlap"?} -> 201
 *   GET    /api/v1/collections                          list
 *   GET    /api/v1/collections/{name}                   one, with document and chunk counts
 *   DELETE /api/v1/collections/{name}                   delete it and everything in it
 *   POST   /api/v1/collections/{name}/documents         ingest: application/json
 *                                                       {"documents": [...]}, or a raw file as
 *                                                       text/plain, text/markdown, text/html
 *                                                       (?source= names it) or
 *                                                       application/x-ndjson
 *   DELETE /api/v1/collections/{name}/documents/{source} delete one document
 *   POST   /api/v1/collections/{name}/documents/delete  delete by filter: {"filter": {...}}
 *   POST   /api/v1/collections/{name}/search            {"query", "k", "mode", "exact",
 *                                                       "filter", "ef"} */
#include <string.h>
#include <strings.h>

#include "core/runtime.h"
#include "http/routes.h"
#include "vector/vectors.h"

static vs_env_t env_of(const http_request_t *req)
{
    return (vs_env_t){
        .store = req->app->store, .data_dir = req->app->cfg.data_dir, .gateway = req->app->gateway};
}

/* For the calls that embed (ingest, search): in the in-process CLI the gateway is started for
 * them, so an OpenAI-compatible embedder works there too. When it cannot start, gateway stays
 * NULL and only the local embedder works (the OpenAI one answers 503). */
static vs_env_t env_embedding(http_request_t *req)
{
    vs_env_t env = env_of(req);
    if (!env.gateway) {
        err_t ignored;
        env.gateway = runtime_gateway(req->app, &ignored);
    }
    return env;
}

static void handle_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    vs_env_t env = env_of(req);
    json_t *out = vs_collection_create(&env, body, &err);
    http_respond_result(res, 201, out, &err);
    json_decref(body);
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    vs_env_t env = env_of(req);
    json_t *out = vs_collection_list(&env, &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    vs_env_t env = env_of(req);
    json_t *out = vs_collection_get(&env, http_param(req, "name"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_delete(http_request_t *req, http_response_t *res)
{
    err_t err;
    vs_env_t env = env_of(req);
    json_t *out = NULL;
    if (vs_collection_delete(&env, http_param(req, "name"), &err) == 0)
        out = json_pack("{s:s}", "deleted", http_param(req, "name"));
    http_respond_result(res, 200, out, &err);
}

/* A file upload is named by its Content-Type; anything else (application/json, or curl -d's
 * default application/x-www-form-urlencoded) is read as the JSON body. */
static int raw_upload(const char *type)
{
    static const char *const raw[] = {"text/", "application/x-ndjson", "application/jsonl",
                                      "application/jsonlines", NULL};
    for (size_t i = 0; type && raw[i]; i++)
        if (strncasecmp(type, raw[i], strlen(raw[i])) == 0)
            return 1;
    return 0;
}

static void handle_ingest(http_request_t *req, http_response_t *res)
{
    err_t err;
    vs_env_t env = env_embedding(req);
    const char *type = http_header(req, "Content-Type");
    json_t *out = NULL;
    if (!raw_upload(type)) {
        json_t *body = http_body_object(req, res);
        if (!body)
            return;
        json_t *docs = json_object_get(body, "documents");
        if (!docs)
            err_invalid(&err, "documents", "missing field 'documents'");
        else
            out = vs_ingest(&env, http_param(req, "name"), docs, &err);
        json_decref(body);
    } else {
        out = vs_ingest_raw(&env, http_param(req, "name"), type, http_query(req, "source"),
                            req->body ? req->body : "", req->body_len, &err);
    }
    http_respond_result(res, 200, out, &err);
}

static void handle_delete_source(http_request_t *req, http_response_t *res)
{
    err_t err;
    vs_env_t env = env_of(req);
    json_t *out = vs_delete_source(&env, http_param(req, "name"), http_param(req, "source"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_delete_where(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    vs_env_t env = env_of(req);
    json_t *out =
        vs_delete_where(&env, http_param(req, "name"), json_object_get(body, "filter"), &err);
    http_respond_result(res, 200, out, &err);
    json_decref(body);
}

static void handle_search(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    vs_env_t env = env_embedding(req);
    json_t *out = vs_search(&env, http_param(req, "name"), body, &err);
    http_respond_result(res, 200, out, &err);
    json_decref(body);
}

void routes_vectors_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/collections", handle_create);
    router_add(r, "GET", "/api/v1/collections", handle_list);
    router_add(r, "GET", "/api/v1/collections/{name}", handle_get);
    router_add(r, "DELETE", "/api/v1/collections/{name}", handle_delete);
    router_add(r, "POST", "/api/v1/collections/{name}/documents", handle_ingest);
    router_add(r, "POST", "/api/v1/collections/{name}/documents/delete", handle_delete_where);
    router_add(r, "DELETE", "/api/v1/collections/{name}/documents/{source}", handle_delete_source);
    router_add(r, "POST", "/api/v1/collections/{name}/search", handle_search);
}
