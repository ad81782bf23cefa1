/* routes_openai.c - the OpenAI-compatible API of the gateway: /v1/chat/completions,
 * /v1/completions, /v1/embeddings and /v1/models.
 *
 * The handlers only translate between HTTP and the gateway service: the request's body and
 * two headers go in, and the answer comes back through a gw_reply_t implemented here over a
 * deferred response, so the HTTP worker never waits for the upstream. Every answer carries
 * X-Llmops-Trace-Id (to attach feedback later) and, for endpoints that cache, X-Llmops-Cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway.h"
#include "http/deferred.h"
#include "http/routes.h"

/* ---- gw_reply_t over a deferred response ------------------------------------------------ */

static void meta_headers(http_response_t *res, const gw_meta_t *meta)
{
    if (meta->trace_id[0])
        http_response_add_header(res, "X-Llmops-Trace-Id", meta->trace_id);
    if (meta->cache)
        http_response_add_header(res, "X-Llmops-Cache", meta->cache);
    if (meta->retry_after_s > 0) {
        char text[24];
        snprintf(text, sizeof text, "%ld", meta->retry_after_s);
        http_response_add_header(res, "Retry-After", text);
    }
}

static void reply_answer(void *ctx, int status, char *body, size_t len, const gw_meta_t *meta)
{
    http_response_t res = {
        .status = status, .body = body, .body_len = len, .content_type = "application/json"};
    meta_headers(&res, meta);
    http_deferred_finish(ctx, &res);
}

static int reply_stream_begin(void *ctx, const gw_meta_t *meta)
{
    http_response_t head = {0};
    meta_headers(&head, meta);
    return http_deferred_stream_begin(ctx, 200, "text/event-stream", &head);
}

static int reply_stream_write(void *ctx, const char *data, size_t len)
{
    return http_deferred_stream_write(ctx, data, len);
}

static void reply_stream_end(void *ctx)
{
    http_deferred_stream_end(ctx);
}

static int reply_on_cancel(void *ctx, void (*fn)(void *arg), void *arg)
{
    return http_deferred_on_cancel(ctx, fn, arg);
}

static void reply_release(void *ctx)
{
    http_deferred_unref(ctx);
}

/* ---- handlers ------------------------------------------------------------------------------ */

static void no_gateway(http_response_t *res)
{
    http_respond_errorf(res, 503, "gateway_unavailable", NULL,
                        "the gateway runs in `llmops server`; this process has none");
}

static void handle(http_request_t *req, http_response_t *res, provider_op_t op)
{
    gateway_t *g = req->app->gateway;
    if (!g) {
        no_gateway(res);
        return;
    }
    http_deferred_t *d = http_deferred_new();
    http_deferred_ref(d); /* one for the transport (res->deferred), one for the gateway */
    res->deferred = d;
    gw_reply_t reply = {.ctx = d,
                        .answer = reply_answer,
                        .stream_begin = reply_stream_begin,
                        .stream_write = reply_stream_write,
                        .stream_end = reply_stream_end,
                        .on_cancel = reply_on_cancel,
                        .release = reply_release};
    gw_request_t in = {.op = op,
                       .body = req->body,
                       .body_len = req->body_len,
                       .authorization = http_header(req, "Authorization"),
                       .session_id = http_header(req, "X-Llmops-Session-Id")};
    gateway_handle(g, &in, &reply);
}

static void chat_completions(http_request_t *req, http_response_t *res)
{
    handle(req, res, PROVIDER_OP_CHAT);
}

static void completions(http_request_t *req, http_response_t *res)
{
    handle(req, res, PROVIDER_OP_COMPLETIONS);
}

static void embeddings(http_request_t *req, http_response_t *res)
{
    handle(req, res, PROVIDER_OP_EMBEDDINGS);
}

static void models_list(http_request_t *req, http_response_t *res)
{
    if (!req->app->gateway) {
        no_gateway(res);
        return;
    }
    http_respond_json(res, 200, gateway_models(req->app->gateway));
}

static void models_get(http_request_t *req, http_response_t *res)
{
    if (!req->app->gateway) {
        no_gateway(res);
        return;
    }
    const char *id = http_param(req, "id");
    json_t *list = gateway_models(req->app->gateway);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(list, "data"), i, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "id")), id) == 0) {
            http_respond_json(res, 200, json_incref(m));
            json_decref(list);
            return;
        }
    }
    json_decref(list);
    json_t *body = json_pack("{s:{s:s++, s:s, s:s, s:s}}", "error", "message", "The model `", id,
                             "` does not exist", "type", "invalid_request_error", "param", "model",
                             "code", "model_not_found");
    http_respond_json(res, 404, body);
}

void routes_openai_register(router_t *r)
{
    router_add(r, "POST", "/v1/chat/completions", chat_completions);
    router_add(r, "POST", "/v1/completions", completions);
    router_add(r, "POST", "/v1/embeddings", embeddings);
    router_add(r, "GET", "/v1/models", models_list);
    router_add(r, "GET", "/v1/models/{id*}", models_get);
}
