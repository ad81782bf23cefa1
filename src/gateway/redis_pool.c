/* redis_pool.c - the gateway's Redis connection pool (see redis_pool.h).
 *
 * Idle contexts sit on a stack under a mutex; acquire pops one or opens a new one, release
 * pushes it back (or frees it when broken or the stack is full). A new context is
 * authenticated and switched to its database before use. */
#include "gateway/redis_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/buf.h"
#include "base/clock.h"

#define POOL_MAX_IDLE      32
#define RECONNECT_PAUSE_MS 1000

struct gw_redis {
    char host[256];
    int port;
    int db;
    char *password; /* NULL when none */
    pthread_mutex_t lock;
    redisContext *idle[POOL_MAX_IDLE];
    int nidle;
    _Atomic int64_t down_until_ms; /* no connect attempts before this (after a failure) */
};

/* Parse "redis://[:password@]host[:port][/db]" into r. */
static int parse_url(gw_redis_t *r, const char *url, err_t *err)
{
    const char *p = url;
    if (strncmp(p, "redis://", 8) != 0)
        return err_invalid(err, "redis_url", "redis_url must start with redis:// (got \"%s\")",
                           url);
    p += 8;
    const char *at = strchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p; /* "user:pass@" or "pass@": the password */
        if (at > pw)
            r->password = xstrndup(pw, (size_t)(at - pw));
        p = at + 1;
    }
    size_t hlen = strcspn(p, ":/");
    if (hlen == 0 || hlen >= sizeof r->host)
        return err_invalid(err, "redis_url", "redis_url has no host");
    memcpy(r->host, p, hlen);
    r->host[hlen] = '\0';
    p += hlen;
    r->port = 6379;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port <= 0 || port > 65535 || (*end && *end != '/'))
            return err_invalid(err, "redis_url", "redis_url has a bad port");
        r->port = (int)port;
        p = end;
    }
    if (*p == '/' && p[1]) {
        char *end;
        long db = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || db < 0 || db > 1000000)
            return err_invalid(err, "redis_url", "redis_url has a bad database number");
        r->db = (int)db;
    }
    return 0;
}

static int reply_ok(redisReply *reply)
{
    int ok = reply && reply->type != REDIS_REPLY_ERROR;
    if (reply)
        freeReplyObject(reply);
    return ok;
}

/* Open, authenticate and select; NULL on any failure (message in err when given). */
static redisContext *connect_one(gw_redis_t *r, err_t *err)
{
    struct timeval tv = {0, GW_REDIS_TIMEOUT_MS * 1000};
    redisContext *c = redisConnectWithTimeout(r->host, r->port, tv);
    if (!c || c->err) {
        err_unavailable(err, "cannot connect to Redis at %s:%d: %s", r->host, r->port,
                        c ? c->errstr : "out of memory");
        goto fail;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        err_unavailable(err, "cannot set the Redis timeout: %s", c->errstr);
        goto fail;
    }
    if (r->password && !reply_ok(redisCommand(c, "AUTH %s", r->password))) {
        err_unavailable(err, "Redis at %s:%d refused the password", r->host, r->port);
        goto fail;
    }
    if (r->db && !reply_ok(redisCommand(c, "SELECT %d", r->db))) {
        err_unavailable(err, "Redis at %s:%d refused SELECT %d", r->host, r->port, r->db);
        goto fail;
    }
    return c;
fail:
    if (c)
        redisFree(c);
    return NULL;
}

gw_redis_t *gw_redis_new(const char *url, err_t *err)
{
    gw_redis_t *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    if (parse_url(r, url, err) != 0) {
        gw_redis_free(r);
        return NULL;
    }
    redisContext *c = connect_one(r, err);
    if (!c || !reply_ok(redisCommand(c, "PING"))) {
        if (c) {
            err_unavailable(err, "Redis at %s:%d does not answer PING", r->host, r->port);
            redisFree(c);
        }
        gw_redis_free(r);
        return NULL;
    }
    gw_redis_release(r, c, 0);
    return r;
}

void gw_redis_free(gw_redis_t *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nidle; i++)
        redisFree(r->idle[i]);
    pthread_mutex_destroy(&r->lock);
    free(r->password);
    free(r);
}

redisContext *gw_redis_acquire(gw_redis_t *r)
{
    redisContext *c = NULL;
    pthread_mutex_lock(&r->lock);
    if (r->nidle > 0)
        c = r->idle[--r->nidle];
    pthread_mutex_unlock(&r->lock);
    if (c)
        return c;
    /* Connecting happens outside the lock: other threads keep using idle contexts. */
    int64_t now = clock_mono_us() / 1000;
    if (now < atomic_load(&r->down_until_ms))
        return NULL;
    c = connect_one(r, NULL);
    if (!c)
        atomic_store(&r->down_until_ms, now + RECONNECT_PAUSE_MS);
    return c;
}

void gw_redis_release(gw_redis_t *r, redisContext *ctx, int broken)
{
    if (!ctx)
        return;
    if (broken || ctx->err) {
        redisFree(ctx);
        return;
    }
    pthread_mutex_lock(&r->lock);
    if (r->nidle < POOL_MAX_IDLE) {
        r->idle[r->nidle++] = ctx;
        ctx = NULL;
    }
    pthread_mutex_unlock(&r->lock);
    if (ctx)
        redisFree(ctx);
}
