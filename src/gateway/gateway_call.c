/* gateway_call.c - a blocking call into the gateway (see gateway_call.h): the gw_reply_t
 * callbacks fill a waiter guarded by a mutex, and the caller sleeps on its condition variable
 * until the gateway calls release(), after which nothing touches the waiter any more. */
#include "gateway/gateway_call.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int released;
    int answered;
    gateway_answer_t answer;
} waiter_t;

static void on_answer(void *ctx, int status, char *body, size_t len, const gw_meta_t *meta)
{
    waiter_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->answered = 1;
    w->answer.status = status;
    /* answer() hands the malloc'd body over (the HTTP layer frees it with the response): keep
     * it, with room for a terminating NUL. */
    w->answer.body = xrealloc(body, len + 1);
    w->answer.body[len] = '\0';
    w->answer.len = len;
    if (meta) {
        w->answer.meta = *meta;
        w->answer.meta.cache = NULL;
    }
    pthread_mutex_unlock(&w->mu);
}

/* Streams are not for this wrapper: refusing one makes the gateway end the call. */
static int on_stream_begin(void *ctx, const gw_meta_t *meta)
{
    (void)ctx;
    (void)meta;
    return -1;
}

static int on_stream_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return -1;
}

static void on_stream_end(void *ctx)
{
    (void)ctx;
}

/* Nobody can go away while we wait: there is no client to cancel. */
static int on_cancel(void *ctx, void (*fn)(void *arg), void *arg)
{
    (void)ctx;
    (void)fn;
    (void)arg;
    return 0;
}

static void on_release(void *ctx)
{
    waiter_t *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->released = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int gateway_call(gateway_t *g, const gw_request_t *req, gateway_answer_t *out, err_t *err)
{
    waiter_t w = {0};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    gw_reply_t reply = {.ctx = &w,
                        .answer = on_answer,
                        .stream_begin = on_stream_begin,
                        .stream_write = on_stream_write,
                        .stream_end = on_stream_end,
                        .on_cancel = on_cancel,
                        .release = on_release};
    gateway_handle(g, req, &reply);
    pthread_mutex_lock(&w.mu);
    while (!w.released)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    if (!w.answered) {
        free(w.answer.body);
        memset(out, 0, sizeof *out);
        return err_set(err, 502, "bad_gateway", NULL, "the gateway answered with a stream");
    }
    *out = w.answer;
    return 0;
}
