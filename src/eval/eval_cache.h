/* eval_cache.h - the evaluation cache (table eval_cache): a model answer kept under the SHA-256
 * of the request sent to the gateway (canonical JSON: keys sorted, reals in shortest form)
 * and the resolved target (target.h), so re-running an evaluation on unchanged rows and target
 * reuses the answers instead of calling the model again. Separate from the gateway's own
 * response cache (which is per endpoint, opt-in and expiring); entries here do not expire. */
#ifndef LLMOPS_EVAL_EVAL_CACHE_H
#define LLMOPS_EVAL_EVAL_CACHE_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

typedef struct eval_cache_entry {
    json_t *response; /* the gateway's answer body (OpenAI JSON) */
    int64_t input_tokens, output_tokens;
    double cost_usd;
} eval_cache_entry_t;

/* The key: 64 lowercase hex characters. */
void eval_cache_key(const json_t *request, const json_t *resolved_target, char out[65]);

/* 1 and *out filled (caller decrefs out->response) on a hit, 0 on a miss, -1 with err. */
int eval_cache_get(store_t *s, const char *key, eval_cache_entry_t *out, err_t *err);
/* Store an entry; an existing one under the same key is kept (same request, same answer). */
int eval_cache_put(store_t *s, const char *key, const eval_cache_entry_t *entry, err_t *err);

#endif
