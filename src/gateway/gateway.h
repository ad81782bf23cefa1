/* gateway.h - the OpenAI-compatible gateway: one request in, an upstream call (or a cached
 * answer) out, and a trace of it.
 *
 * For each request the gateway checks the API key, resolves `model` to an endpoint or a
 * registered model reference (gateway_config.h), applies the key's rate limits and budget,
 * serves a cache hit when it can, and otherwise calls the targets in route order - the
 * weighted/sticky choice first, then the others as fallbacks - with per-target timeouts,
 * retries with backoff and a circuit breaker. The upstream call runs on the upstream engine's
 * thread (providers/upstream.h), so no HTTP worker waits for it; the answer goes back through
 * a gw_reply_t, which the HTTP layer implements over a deferred response (http/deferred.h),
 * whole or as a stream relayed chunk by chunk. When the call is over, one trace record goes to
 * the trace sink, the budget reservation is settled and the tokens are counted.
 *
 * This file knows nothing of HTTP: the request comes as bytes plus the two headers it needs,
 * and the answer leaves through the gw_reply_t callbacks. */
#ifndef LLMOPS_GATEWAY_GATEWAY_H
#define LLMOPS_GATEWAY_GATEWAY_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"
#include "gateway/gateway_config.h"
#include "providers/provider.h"
#include "traces/trace_sink.h"

typedef struct gateway gateway_t;

typedef struct gateway_opts {
    int require_key;        /* refuse requests that carry no API key */
    size_t cache_max_bytes; /* response cache bound (default 64 MiB) */
    const char *redis_url;  /* NULL/"": rate limits and cache in memory */
} gateway_opts_t;

/* cfg and sink are borrowed and must outlive the gateway (sink may be NULL: no traces). */
gateway_t *gateway_start(gateway_config_src_t *cfg, trace_sink_t *sink, const gateway_opts_t *opts,
                         err_t *err);
/* Stop the upstream engine (calls still running end with an error) and free. */
void gateway_stop(gateway_t *g);

/* What the HTTP layer puts on the answer besides the body. */
typedef struct gw_meta {
    char trace_id[33];
    const char *cache;  /* "hit", "miss" or NULL when the endpoint does not cache */
    long retry_after_s; /* > 0: send Retry-After */
    /* A whole (non-streamed) 200 answer's cost at the price table, as its trace records it
     * (0 and known for a cache hit); for in-process callers such as the evaluation runner. */
    double cost_usd;
    int cost_known;
} gw_meta_t;

/* How an answer leaves the gateway. Exactly one of answer() or stream_begin() is called;
 * after stream_begin, stream_write zero or more times and stream_end once. Then release().
 * The callbacks may run on any thread. */
typedef struct gw_reply {
    void *ctx;
    void (*answer)(void *ctx, int status, char *body, size_t len, const gw_meta_t *meta);
    int (*stream_begin)(void *ctx, const gw_meta_t *meta);        /* -1: client gone */
    int (*stream_write)(void *ctx, const char *data, size_t len); /* -1: client gone */
    void (*stream_end)(void *ctx);
    /* Register (fn) or remove (fn NULL) the hook run when the client goes away; the
     * semantics of http_deferred_on_cancel. */
    int (*on_cancel)(void *ctx, void (*fn)(void *arg), void *arg);
    void (*release)(void *ctx);
} gw_reply_t;

typedef struct gw_request {
    provider_op_t op;
    const char *body; /* the client's JSON body */
    size_t body_len;
    const char *authorization; /* "Bearer <key>" or NULL */
    const char *session_id;    /* X-Llmops-Session-Id or NULL */
    /* Calls the platform makes itself (the evaluation runner, src/eval/): never from a client,
     * so they are not refused for lack of an API key when the server requires keys (no key's
     * limits or budget apply). Never set from anything a client sent. */
    int internal;
    const char *source; /* the trace's source ("eval"); NULL for "gateway" */
} gw_request_t;

/* Handle one request; the answer arrives through reply (possibly before this returns). */
void gateway_handle(gateway_t *g, const gw_request_t *req, const gw_reply_t *reply);

/* GET /v1/models: {"object":"list","data":[...]}. New reference. */
json_t *gateway_models(gateway_t *g);

#endif
