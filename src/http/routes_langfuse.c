/* routes_langfuse.c - Langfuse's ingestion endpoint, so the Langfuse SDKs can send here by
 * changing their host (mapping in traces/langfuse_ingest.h, docs/langfuse.md).
 *
 *   POST /api/public/ingestion  {"batch": [{"id", "type", "timestamp", "body"}...], "metadata"?}
 *       207 {"successes": [{"id", "status": 201}], "errors": [{"id", "status", "message",
 *       "error"}]}, one entry per event; 400 when the body is not a batch at all.
 *
 * The SDKs authenticate with Basic auth (public key : secret key). llmops has no API-wide key
 * requirement, so any credentials (or none) are accepted, as on every other llmops route. */
#include "http/routes.h"
#include "traces/langfuse_ingest.h"

static void handle_ingestion(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = langfuse_ingest(req->app->store, body, &err);
    json_decref(body);
    http_respond_result(res, 207, out, &err);
}

void routes_langfuse_register(router_t *r)
{
    router_add(r, "POST", "/api/public/ingestion", handle_ingestion);
}
