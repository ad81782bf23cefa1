/* redis_pool.h - a small pool of Redis connections for the gateway's shared policy state.
 *
 * The rate limiter and the response cache talk to Redis from many request threads; each call
 * borrows a connection (hiredis contexts are not thread-safe), runs its commands and gives it
 * back. Connect and command timeouts are short (50 ms) because the callers fail open: a slow
 * or absent Redis must cost a request little. After a failed connect, new connections are not
 * tried for a second, so a dead Redis costs nothing more than a counter increment. */
#ifndef LLMOPS_GATEWAY_REDIS_POOL_H
#define LLMOPS_GATEWAY_REDIS_POOL_H

#include <hiredis/hiredis.h>

#include "base/error.h"

typedef struct gw_redis gw_redis_t;

#define GW_REDIS_TIMEOUT_MS 50

/* url: "redis://[:password@]host[:port][/db]" (port 6379, db 0 by default). Connects once to
 * check the server answers; NULL with err when the URL is malformed or Redis unreachable. */
gw_redis_t *gw_redis_new(const char *url, err_t *err);
void gw_redis_free(gw_redis_t *r);

/* Borrow a connected context; NULL when none can be had now (Redis down). */
redisContext *gw_redis_acquire(gw_redis_t *r);
/* Give it back; broken: the context saw an I/O or protocol error and is closed instead. */
void gw_redis_release(gw_redis_t *r, redisContext *ctx, int broken);

#endif
