/* llm_gateway.c - blocking calls into the gateway for evaluations (see llm_gateway.h). */
#include "eval/llm_gateway.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"

/* The waiter's side of one call: the gateway calls answer (or the stream callbacks, which a
 * non-streamed request never gets) and then release, possibly on its upstream thread. The
 * caller frees the struct only after release, since the gateway holds it until then. */
typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int answered, released;
    int status;
    char *body;
    size_t len;
    char trace_id[33];
    long retry_after_s;
    double cost_usd;
    int cost_known;
} waiter_t;

static void w_answer(void *ctx, int status, char *body, size_t len, const gw_meta_t *meta)
{
    waiter_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->status = status;
    w->body = body; /* ours now, as the HTTP layer's deferred response takes it */
    w->len = len;
    if (meta) {
        memcpy(w->trace_id, meta->trace_id, sizeof w->trace_id);
        w->trace_id[32] = 0;
        w->retry_after_s = meta->retry_after_s;
        w->cost_usd = meta->cost_usd;
        w->cost_known = meta->cost_known;
    }
    w->answered = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* The request never asks for a stream; refusing one makes the gateway end the call. */
static int w_stream_begin(void *ctx, const gw_meta_t *meta)
{
    (void)ctx;
    (void)meta;
    return -1;
}

static int w_stream_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return -1;
}

static void w_stream_end(void *ctx)
{
    waiter_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    if (!w->answered) {
        w->status = 502;
        w->answered = 1;
    }
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* The caller never goes away before the answer, so there is nothing to cancel. */
static int w_on_cancel(void *ctx, void (*fn)(void *arg), void *arg)
{
    (void)ctx;
    (void)fn;
    (void)arg;
    return 0;
}

static void w_release(void *ctx)
{
    waiter_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->released = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void eval_call_clear(eval_call_t *call)
{
    json_decref(call->response);
    memset(call, 0, sizeof *call);
}

int eval_gateway_call(gateway_t *g, provider_op_t op, const json_t *body, const char *session_id,
                      eval_call_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!g)
        return err_unavailable(err, "no gateway is running in this process");
    json_t *sent = json_deep_copy(body);
    json_object_del(sent, "stream");
    char *text = json_to_string(sent);
    json_decref(sent);

    waiter_t w;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    gw_reply_t reply = {.ctx = &w,
                        .answer = w_answer,
                        .stream_begin = w_stream_begin,
                        .stream_write = w_stream_write,
                        .stream_end = w_stream_end,
                        .on_cancel = w_on_cancel,
                        .release = w_release};
    gw_request_t req = {.op = op,
                        .body = text,
                        .body_len = strlen(text),
                        .session_id = session_id,
                        .internal = 1,
                        .source = "eval"};
    gateway_handle(g, &req, &reply);
    pthread_mutex_lock(&w.mu);
    while (!w.answered || !w.released)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    free(text);

    out->status = w.status;
    memcpy(out->trace_id, w.trace_id, sizeof out->trace_id);
    out->retry_after_s = w.retry_after_s;
    out->cost_usd = w.cost_usd;
    out->cost_known = w.cost_known;
    if (w.body && w.len)
        out->response = json_loadb(w.body, w.len, 0, NULL);
    free(w.body);
    if (w.status >= 200 && w.status < 300 && json_is_object(out->response))
        return 0;
    if (w.status >= 200 && w.status < 300)
        return err_set(err, 502, "bad_gateway", NULL, "the gateway's answer is not a JSON object");
    /* The gateway answers errors as OpenAI does: {"error": {"message", "type"|"code"}}. */
    json_t *e = json_object_get(out->response, "error");
    const char *message = json_string_value(json_object_get(e, "message"));
    const char *code = json_string_value(json_object_get(e, "code"));
    if (!code)
        code = json_string_value(json_object_get(e, "type"));
    return err_set(err, w.status ? w.status : 502, code ? code : "upstream_error", NULL,
                   "model call failed (%d): %s", w.status, message ? message : "no message");
}

static int llm_call(void *ctx, provider_op_t op, const json_t *body, json_t **response, err_t *err)
{
    eval_llm_ctx_t *c = ctx;
    eval_call_t call;
    *response = NULL;
    if (eval_gateway_call(c->gateway, op, body, c->session_id, &call, err) != 0) {
        eval_call_clear(&call);
        return -1;
    }
    *response = call.response;
    call.response = NULL;
    eval_call_clear(&call);
    return 0;
}

static int llm_chat(void *ctx, const json_t *body, json_t **response, err_t *err)
{
    return llm_call(ctx, PROVIDER_OP_CHAT, body, response, err);
}

static int llm_embed(void *ctx, const json_t *body, json_t **response, err_t *err)
{
    return llm_call(ctx, PROVIDER_OP_EMBEDDINGS, body, response, err);
}

eval_llm_t eval_llm_gateway(eval_llm_ctx_t *ctx)
{
    return (eval_llm_t){.ctx = ctx, .chat = llm_chat, .embed = llm_embed};
}

const char *eval_chat_text(const json_t *response)
{
    const json_t *choice = json_array_get(json_object_get(response, "choices"), 0);
    const char *text =
        json_string_value(json_object_get(json_object_get(choice, "message"), "content"));
    if (!text) /* a completions answer */
        text = json_string_value(json_object_get(choice, "text"));
    return text ? text : "";
}
