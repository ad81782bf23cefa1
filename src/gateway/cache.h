/* cache.h - the gateway's response cache.
 *
 * Exact match on the normalised request: the cache key is the SHA-256 of the endpoint name,
 * the operation and the request body with its object keys sorted and the fields that do not
 * change the answer removed (user, stream, stream_options, the llmops extension). Only
 * deterministic requests are cached (temperature 0 or absent-and-endpoint-allows, n <= 1)
 * unless the endpoint allows others. Entries expire after their TTL; the total size is bounded
 * (max_bytes) by evicting least recently used entries. In memory, or in Redis when a URL is
 * given so replicas share hits. */
#ifndef LLMOPS_GATEWAY_CACHE_H
#define LLMOPS_GATEWAY_CACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct gw_cache gw_cache_t;

gw_cache_t *gw_cache_new(size_t max_bytes, const char *redis_url, err_t *err);
void gw_cache_free(gw_cache_t *c);

/* 1 when the request may be cached (see above), 0 otherwise. */
int gw_cache_cacheable(const json_t *body, int allow_nondeterministic);
/* The cache key (64 hex + NUL) of a request. */
void gw_cache_key(const char *endpoint, const char *op, const json_t *body, char out[65]);

/* A hit: the stored answer (malloc'd copy, caller frees) and 1; 0 on a miss or expiry. */
int gw_cache_get(gw_cache_t *c, const char *key, int64_t now_ms, char **value, size_t *len);
void gw_cache_put(gw_cache_t *c, const char *key, const char *value, size_t len, int ttl_s,
                  int64_t now_ms);

typedef struct gw_cache_stats {
    int64_t hits, misses, entries, bytes, evictions;
} gw_cache_stats_t;
void gw_cache_stats(gw_cache_t *c, gw_cache_stats_t *out);

#endif
