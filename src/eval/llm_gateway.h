/* llm_gateway.h - blocking model calls through the gateway in-process, for the evaluation
 * runner (the target's calls) and for the scorers that need a model (scorer.h's eval_llm_t).
 *
 * A call is gateway_handle() with a gw_reply_t that stores the answer and signals a condition
 * variable the caller waits on, so it gets exactly what an HTTP client would (routing,
 * fallbacks, retries inside the gateway, pricing) and a trace. Calls are marked internal (no
 * API key needed even when the server requires keys) and their traces carry source "eval" and
 * session id = the evaluation's run id. */
#ifndef LLMOPS_EVAL_LLM_GATEWAY_H
#define LLMOPS_EVAL_LLM_GATEWAY_H

#include <jansson.h>

#include "base/error.h"
#include "eval/scorer.h"
#include "gateway/gateway.h"

/* What one call returned. */
typedef struct eval_call {
    int status;         /* the gateway's HTTP status */
    json_t *response;   /* the parsed answer body (an error object on failure), or NULL */
    char trace_id[33];  /* "" when none */
    long retry_after_s; /* > 0: the gateway asked to wait (rate limited) */
    double cost_usd;    /* at the price table; 0 when unpriced (cost_known 0) */
    int cost_known;
} eval_call_t;

/* Send body (a JSON object; "stream" is forced off) as op; block until the answer is in.
 * Always fills *out (free with eval_call_clear); returns 0 when the status is 2xx, else -1 with
 * err: the gateway's status, code and message (quoting the upstream's). */
int eval_gateway_call(gateway_t *g, provider_op_t op, const json_t *body, const char *session_id,
                      eval_call_t *out, err_t *err);
void eval_call_clear(eval_call_t *call);

/* An eval_llm_t over the gateway: chat and embed through eval_gateway_call with the given
 * session id. ctx must outlive the eval_llm_t's use. */
typedef struct eval_llm_ctx {
    gateway_t *gateway;
    const char *session_id;
} eval_llm_ctx_t;

eval_llm_t eval_llm_gateway(eval_llm_ctx_t *ctx);

/* The text of an OpenAI chat answer (choices[0].message.content), "" when none. Borrowed. */
const char *eval_chat_text(const json_t *response);

#endif
