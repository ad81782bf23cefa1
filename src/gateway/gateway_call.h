/* gateway_call.h - calling the gateway from inside the process and waiting for the answer.
 *
 * gateway_handle answers through callbacks, possibly on another thread (the upstream engine's);
 * services that need an answer before they go on (the vector store's OpenAI-compatible embedder)
 * use this blocking wrapper instead. Streaming is refused (the request must not ask for it).
 * The call carries no API key: with a server that requires keys (require_key) the gateway
 * answers 401, which comes back as the status. */
#ifndef LLMOPS_GATEWAY_GATEWAY_CALL_H
#define LLMOPS_GATEWAY_GATEWAY_CALL_H

#include <stddef.h>

#include "gateway/gateway.h"

/* Send body (JSON) as operation op and wait. 0 with *status and *out (malloc'd, NUL-terminated,
 * *out_len bytes; caller frees) whatever the status; -1 with err when no answer came (the
 * gateway started a stream). */
int gateway_call(gateway_t *g, provider_op_t op, const char *body, size_t len, int *status,
                 char **out, size_t *out_len, err_t *err);

#endif
