/* upstream.h - the gateway's HTTP client: one engine thread driving a libcurl multi handle.
 *
 * Callers (HTTP worker threads) submit upstream calls and return at once; the engine thread
 * runs every transfer concurrently over keep-alive connections (the multi handle's connection
 * cache, so a call to a host reuses a warm connection) and reports progress through callbacks.
 * All callbacks of one call run on the engine thread, one after another, never concurrently,
 * so per-call state needs no lock. A call may be delayed (retry backoff) without a thread
 * sleeping: the engine keeps a timer list.
 *
 * Callback order for one call: on_head once (when the status line and headers are in, or not
 * at all if the connection failed), on_body zero or more times as bytes arrive (relayed as
 * they come: no buffering of the whole answer), then on_done exactly once. After on_done the
 * engine forgets the call; the caller's ctx is the caller's to free (typically in on_done). */
#ifndef LLMOPS_PROVIDERS_UPSTREAM_H
#define LLMOPS_PROVIDERS_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct upstream upstream_t;

/* How a call ended, given to on_done. */
typedef struct upstream_result {
    int transport_ok;     /* 1: an HTTP response was received completely */
    int timed_out;        /* the call's timeout_ms elapsed */
    int cancelled;        /* upstream_cancel() stopped it */
    int status;           /* HTTP status, 0 when none was received */
    char error[256];      /* transport error text ("" when transport_ok) */
    int64_t first_byte_us; /* monotonic time the first body byte arrived, 0 if none */
} upstream_result_t;

typedef struct upstream_callbacks {
    /* Status and the response headers ("Name: value" lines, NULL-terminated, valid only during
     * the call). retry_after_ms: the Retry-After header in milliseconds (seconds or an HTTP
     * date), -1 when absent. Return 0 to go on, -1 to abort the transfer (on_done follows
     * with cancelled = 1). */
    int (*on_head)(void *ctx, int status, const char *const *headers, int64_t retry_after_ms);
    /* A piece of the body as it arrived. Return 0 to go on, -1 to abort as above. */
    int (*on_body)(void *ctx, const char *data, size_t len);
    void (*on_done)(void *ctx, const upstream_result_t *result);
} upstream_callbacks_t;

typedef struct upstream_req {
    const char *method;        /* "POST" or "GET" */
    const char *url;           /* absolute http:// or https:// URL */
    const char *const *headers; /* "Name: value", NULL-terminated; may be NULL */
    const char *body;          /* may be NULL when body_len is 0 */
    size_t body_len;
    int timeout_ms;            /* whole call, 0 = none */
    int connect_timeout_ms;    /* 0 = libcurl's default */
    int delay_ms;              /* start no sooner than this from now (retry backoff) */
} upstream_req_t;

/* Handle of a submitted call, for cancellation. Valid until on_done has returned. */
typedef uint64_t upstream_call_id_t;

/* Start the engine thread. max_per_host bounds connections to one host (0: unbounded). */
upstream_t *upstream_start(int max_per_host, err_t *err);
/* Stop: cancel every call still running (each gets on_done with cancelled = 1), then join. */
void upstream_stop(upstream_t *u);

/* Submit a call. Everything in req is copied, so it may live on the caller's stack. Returns the
 * call id (never 0), or 0 with err when the request is malformed or the engine is stopping; in
 * that case no callback runs. */
upstream_call_id_t upstream_submit(upstream_t *u, const upstream_req_t *req,
                                   const upstream_callbacks_t *cb, void *ctx, err_t *err);

/* Ask the engine to stop a call (the client went away). Safe from any thread, also after the
 * call has already finished (then nothing happens). on_done still runs exactly once. */
void upstream_cancel(upstream_t *u, upstream_call_id_t id);

/* Convenience for code that is allowed to block (CLI, evaluation, tests): perform one call and
 * wait. *status and *body (malloc'd, NUL-terminated, caller frees) are the response. Returns 0
 * when a response arrived (any status), -1 with err (503 "upstream_unavailable", or 504
 * "upstream_timeout") otherwise. */
int upstream_perform(upstream_t *u, const upstream_req_t *req, int *status, char **body,
                     size_t *body_len, err_t *err);

#endif
