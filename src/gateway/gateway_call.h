/* gateway_call.h - calling the gateway from inside the process and waiting for the answer.
 *
 * gateway_handle answers through callbacks, possibly on another thread (the upstream engine's);
 * services that need an answer before they go on (evaluations, the judge scorers, the vector
 * store's OpenAI-compatible embedder) use this blocking wrapper instead. Streaming is refused
 * (the request must not ask for it). Callers set req->internal so a server that requires API
 * keys still serves its own services, and req->source to name them in the trace. */
#ifndef LLMOPS_GATEWAY_GATEWAY_CALL_H
#define LLMOPS_GATEWAY_GATEWAY_CALL_H

#include <stddef.h>

#include "gateway/gateway.h"

/* What came back: the status, the body (malloc'd, NUL-terminated, len bytes; NULL when
 * empty) and the answer's metadata. */
typedef struct gateway_answer {
    int status;
    char *body;
    size_t len;
    gw_meta_t meta; /* meta.cache is not kept (it points into the gateway) */
} gateway_answer_t;

/* Send req and wait: 0 with *out filled whatever the status (the caller frees out->body), or
 * -1 with err when no answer came (the gateway started a stream). */
int gateway_call(gateway_t *g, const gw_request_t *req, gateway_answer_t *out, err_t *err);

#endif
