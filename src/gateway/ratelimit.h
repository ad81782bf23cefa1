/* ratelimit.h - per-key requests-per-minute and tokens-per-minute limits.
 *
 * A sliding one-minute window per key, kept as per-second buckets (60 counters), so a burst at
 * the end of one minute and the start of the next cannot pass twice the limit. Requests are
 * counted when admitted; tokens when the answer's usage is known (ratelimit_add_tokens), and
 * a request is refused while the window's tokens are already at or over tpm. State is in
 * memory (one server) or in Redis when a URL is given, so gateway replicas share limits. */
#ifndef LLMOPS_GATEWAY_RATELIMIT_H
#define LLMOPS_GATEWAY_RATELIMIT_H

#include <stdint.h>

#include "base/error.h"

typedef struct ratelimit ratelimit_t;

/* redis_url: NULL or "" for in-memory state; "redis://host:port[/db]" for shared state.
 * NULL with err when Redis cannot be reached at start. */
ratelimit_t *ratelimit_new(const char *redis_url, err_t *err);
void ratelimit_free(ratelimit_t *rl);

/* Admit one request of key_id under rpm/tpm (0 = unlimited) at now_ms. Returns 1 admitted
 * (and counted), 0 refused with *retry_after_ms set to when the window will have room. With
 * Redis unreachable the request is admitted and the failure counted
 * (llmops_ratelimit_errors_total) - limits fail open, the gateway keeps serving. */
int ratelimit_admit(ratelimit_t *rl, const char *key_id, int64_t rpm, int64_t tpm,
                    int64_t now_ms, int64_t *retry_after_ms);
/* Count tokens used by a key's finished request. */
void ratelimit_add_tokens(ratelimit_t *rl, const char *key_id, int64_t tokens, int64_t now_ms);

#endif
