/* llm_gateway.c - blocking calls into the gateway for evaluations (see llm_gateway.h). */
#include "eval/llm_gateway.h"

#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "gateway/gateway_call.h"

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

    gw_request_t req = {.op = op,
                        .body = text,
                        .body_len = strlen(text),
                        .session_id = session_id,
                        .internal = 1,
                        .source = "eval"};
    gateway_answer_t w;
    int rc = gateway_call(g, &req, &w, err);
    free(text);
    if (rc != 0)
        return -1;
    out->status = w.status;
    memcpy(out->trace_id, w.meta.trace_id, sizeof out->trace_id);
    out->retry_after_s = w.meta.retry_after_s;
    out->cost_usd = w.meta.cost_usd;
    out->cost_known = w.meta.cost_known;
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
