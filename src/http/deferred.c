/* deferred.c - a response finished later by another thread (see deferred.h).
 *
 * One mutex guards everything. The transport's wait callback and the producer's wake callback
 * both run under it, which is what makes "check, then suspend" and "progress, then resume"
 * race-free: a wake can only come after the suspend it is meant to end. */
#include "http/deferred.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

struct http_deferred {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* for http_deferred_wait */
    int refs;
    http_deferred_state_t state;
    http_response_t res; /* the whole response, or a stream's status and headers */
    buf_t stream;        /* stream bytes not yet taken by the transport */
    size_t stream_off;   /* how much of stream has been taken */
    int stream_ended;
    int client_gone;
    int waiting; /* the transport waits for progress */
    void (*wake)(void *ctx);
    void *wake_ctx;
    void (*cancel)(void *ctx);
    void *cancel_ctx;
};

http_deferred_t *http_deferred_new(void)
{
    http_deferred_t *d = xcalloc(1, sizeof *d);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->changed, NULL);
    d->refs = 1;
    buf_init(&d->stream);
    return d;
}

void http_deferred_ref(http_deferred_t *d)
{
    pthread_mutex_lock(&d->lock);
    d->refs++;
    pthread_mutex_unlock(&d->lock);
}

void http_deferred_unref(http_deferred_t *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    int left = --d->refs;
    pthread_mutex_unlock(&d->lock);
    if (left > 0)
        return;
    http_response_free(&d->res);
    buf_free(&d->stream);
    pthread_cond_destroy(&d->changed);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* Under the lock: tell whoever waits that something changed. */
static void progress(http_deferred_t *d)
{
    pthread_cond_broadcast(&d->changed);
    if (d->waiting && d->wake) {
        d->waiting = 0;
        d->wake(d->wake_ctx);
    }
}

/* Move status, content type and headers (and the body when with_body) from src to dst. */
static void response_move(http_response_t *dst, http_response_t *src, int with_body)
{
    http_response_free(dst);
    *dst = *src;
    if (!with_body) {
        free(dst->body);
        dst->body = NULL;
        dst->body_len = 0;
    }
    memset(src, 0, sizeof *src);
}

void http_deferred_finish(http_deferred_t *d, http_response_t *res)
{
    pthread_mutex_lock(&d->lock);
    if (d->state == HTTP_DEFERRED_PENDING) {
        response_move(&d->res, res, 1);
        d->state = HTTP_DEFERRED_COMPLETE;
        progress(d);
    }
    pthread_mutex_unlock(&d->lock);
    http_response_free(res);
}

int http_deferred_stream_begin(http_deferred_t *d, int status, const char *content_type,
                               http_response_t *head)
{
    pthread_mutex_lock(&d->lock);
    int rc = d->client_gone || d->state != HTTP_DEFERRED_PENDING ? -1 : 0;
    if (rc == 0) {
        response_move(&d->res, head, 0);
        d->res.status = status;
        d->res.content_type = content_type;
        d->state = HTTP_DEFERRED_STREAMING;
        progress(d);
    }
    pthread_mutex_unlock(&d->lock);
    http_response_free(head);
    return rc;
}

int http_deferred_stream_write(http_deferred_t *d, const char *data, size_t len)
{
    pthread_mutex_lock(&d->lock);
    int rc = d->client_gone || d->state != HTTP_DEFERRED_STREAMING || d->stream_ended ? -1 : 0;
    if (rc == 0 && len > 0) {
        buf_append(&d->stream, data, len);
        progress(d);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void http_deferred_stream_end(http_deferred_t *d)
{
    pthread_mutex_lock(&d->lock);
    if (d->state == HTTP_DEFERRED_STREAMING && !d->stream_ended) {
        d->stream_ended = 1;
        progress(d);
    }
    pthread_mutex_unlock(&d->lock);
}

int http_deferred_on_cancel(http_deferred_t *d, void (*fn)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&d->lock);
    int rc;
    if (!fn) { /* remove: 1 if a callback was still registered (it will never run now) */
        rc = d->cancel != NULL;
        d->cancel = NULL;
        d->cancel_ctx = NULL;
        pthread_mutex_unlock(&d->lock);
        return rc;
    }
    rc = !d->client_gone;
    if (rc) {
        d->cancel = fn;
        d->cancel_ctx = ctx;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int http_deferred_client_is_gone(http_deferred_t *d)
{
    pthread_mutex_lock(&d->lock);
    int gone = d->client_gone;
    pthread_mutex_unlock(&d->lock);
    return gone;
}

void http_deferred_set_wake(http_deferred_t *d, void (*wake)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&d->lock);
    d->wake = wake;
    d->wake_ctx = ctx;
    pthread_mutex_unlock(&d->lock);
}

http_deferred_state_t http_deferred_poll(http_deferred_t *d, http_response_t *out,
                                         void (*wait)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&d->lock);
    http_deferred_state_t state = d->state;
    if (state == HTTP_DEFERRED_PENDING) {
        d->waiting = 1;
        if (wait)
            wait(ctx);
    } else if (state == HTTP_DEFERRED_COMPLETE) {
        response_move(out, &d->res, 1);
    } else {
        response_move(out, &d->res, 0);
    }
    pthread_mutex_unlock(&d->lock);
    return state;
}

long http_deferred_read(http_deferred_t *d, char *buf, size_t max, void (*wait)(void *ctx),
                        void *ctx)
{
    pthread_mutex_lock(&d->lock);
    size_t avail = d->stream.len - d->stream_off;
    long n;
    if (avail > 0) {
        n = (long)(avail < max ? avail : max);
        memcpy(buf, d->stream.data + d->stream_off, (size_t)n);
        d->stream_off += (size_t)n;
        if (d->stream_off == d->stream.len) { /* all taken: reuse the memory */
            buf_reset(&d->stream);
            d->stream_off = 0;
        }
    } else if (d->stream_ended || d->client_gone) {
        n = -1;
    } else {
        n = 0;
        d->waiting = 1;
        if (wait)
            wait(ctx);
    }
    pthread_mutex_unlock(&d->lock);
    return n;
}

void http_deferred_client_gone(http_deferred_t *d)
{
    pthread_mutex_lock(&d->lock);
    void (*cancel)(void *) = NULL;
    void *cancel_ctx = NULL;
    if (!d->client_gone) {
        d->client_gone = 1;
        cancel = d->cancel;
        cancel_ctx = d->cancel_ctx;
        d->cancel = NULL;
        d->wake = NULL; /* the transport is done with this response */
    }
    pthread_cond_broadcast(&d->changed);
    pthread_mutex_unlock(&d->lock);
    if (cancel)
        cancel(cancel_ctx);
}

void http_deferred_wait(http_deferred_t *d, http_response_t *res)
{
    pthread_mutex_lock(&d->lock);
    while (d->state == HTTP_DEFERRED_PENDING ||
           (d->state == HTTP_DEFERRED_STREAMING && !d->stream_ended && !d->client_gone))
        pthread_cond_wait(&d->changed, &d->lock);
    if (d->state == HTTP_DEFERRED_COMPLETE) {
        response_move(res, &d->res, 1);
    } else {
        response_move(res, &d->res, 0);
        res->body_len = d->stream.len - d->stream_off;
        res->body = xmalloc(res->body_len + 1);
        memcpy(res->body, d->stream.data + d->stream_off, res->body_len);
        res->body[res->body_len] = '\0';
        buf_reset(&d->stream);
        d->stream_off = 0;
    }
    pthread_mutex_unlock(&d->lock);
}
