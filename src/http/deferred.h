/* deferred.h - a response that another thread finishes later: whole, or streamed.
 *
 * Most handlers answer before they return. A gateway handler cannot: its answer comes from an
 * upstream call that the upstream engine's thread drives. Such a handler creates a deferred
 * response, hands it to the code that will finish it (the producer), sets res->deferred and
 * returns. The transport then waits without holding a thread: the HTTP server suspends the
 * connection and resumes it when the producer has something (libmicrohttpd suspend/resume);
 * the in-process CLI simply blocks in http_deferred_wait().
 *
 * The producer either finishes with one whole response (http_deferred_finish), or begins a
 * stream (status + headers) and writes pieces as they arrive, then ends it. If the client goes
 * away, the transport says so (http_deferred_client_gone): later writes return -1 and the
 * producer's cancel callback runs once, so it can stop the upstream call.
 *
 * Lifetime: reference-counted; the handler's reference passes to the transport through
 * res->deferred, and the producer holds its own (http_deferred_ref) until it has finished. */
#ifndef LLMOPS_HTTP_DEFERRED_H
#define LLMOPS_HTTP_DEFERRED_H

#include <stddef.h>

#include "http/request.h"

typedef struct http_deferred http_deferred_t;

http_deferred_t *http_deferred_new(void); /* one reference */
void http_deferred_ref(http_deferred_t *d);
void http_deferred_unref(http_deferred_t *d);

/* ---- producer side (any thread) ------------------------------------------------------- */

/* Finish with a whole response; res's body and headers are moved out (res is left empty).
 * Ignored after the response has begun or finished. */
void http_deferred_finish(http_deferred_t *d, http_response_t *res);
/* Begin a stream: status, content type (static string) and the headers of head (moved out;
 * its body is ignored). Returns -1 when the client is gone. */
int http_deferred_stream_begin(http_deferred_t *d, int status, const char *content_type,
                               http_response_t *head);
/* Append bytes to a begun stream. -1 when the client is gone. */
int http_deferred_stream_write(http_deferred_t *d, const char *data, size_t len);
void http_deferred_stream_end(http_deferred_t *d);
/* Register fn(ctx) to run once, on the transport's thread, when the client goes away. Returns
 * 1, or 0 when the client is already gone (fn is then not registered and will not run).
 * With fn NULL the registered callback is removed: returns 1 if it was still registered (so it
 * will never run), 0 if it has run or is running - the producer must then leave ctx alive
 * for it (reference-count ctx). */
int http_deferred_on_cancel(http_deferred_t *d, void (*fn)(void *ctx), void *ctx);
int http_deferred_client_is_gone(http_deferred_t *d);

/* ---- transport side --------------------------------------------------------------------- */

typedef enum http_deferred_state {
    HTTP_DEFERRED_PENDING,   /* nothing yet */
    HTTP_DEFERRED_COMPLETE,  /* a whole response is ready */
    HTTP_DEFERRED_STREAMING, /* a stream has begun */
} http_deferred_state_t;

/* wake(ctx) is called (with the deferred's lock held) when the transport asked to wait and the
 * producer has made progress. The server resumes the suspended connection there. */
void http_deferred_set_wake(http_deferred_t *d, void (*wake)(void *ctx), void *ctx);

/* The state now. When PENDING, wait(ctx) is called under the lock before returning, so no
 * wake-up can slip in between the check and the wait (the server suspends the connection).
 * COMPLETE: out receives the whole response (moved). STREAMING: out receives status, content
 * type and headers. */
http_deferred_state_t http_deferred_poll(http_deferred_t *d, http_response_t *out,
                                         void (*wait)(void *ctx), void *ctx);

/* Take up to max buffered stream bytes. Returns the count (> 0); 0 when nothing is buffered
 * and the stream goes on - then wait(ctx) has been called under the lock as above; -1 when the
 * stream has ended and everything was taken. */
long http_deferred_read(http_deferred_t *d, char *buf, size_t max, void (*wait)(void *ctx),
                        void *ctx);

/* The client went away or the server is stopping: writes fail from now on, the producer's
 * cancel callback runs. */
void http_deferred_client_gone(http_deferred_t *d);

/* In-process use: block until the response is complete (a stream until its end) and move it,
 * body included, into res. */
void http_deferred_wait(http_deferred_t *d, http_response_t *res);

#endif
