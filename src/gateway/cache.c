/* cache.c - the gateway's response store: an LRU map in memory, or Redis (see cache.h; the
 * request rules and key are cache_key.c).
 *
 * In memory: a hash map from key to entry plus a doubly linked list in recency order (head =
 * most recently used), under one mutex; get and put are O(1). Each entry is charged its value,
 * its key (stored twice: entry and map node) and a fixed overhead for the entry and node
 * headers, and puts evict from the tail until the total fits max_bytes. An entry larger than
 * max_bytes on its own is not stored. Expired entries are dropped when read (a miss) or when
 * they reach the tail. ttl_s <= 0 stores nothing.
 *
 * In Redis: GET / SETEX of `llmops:cache:<key>` holding the answer bytes; Redis expires them
 * (now_ms is not used) and its own maxmemory policy bounds the size, so max_bytes, entries,
 * bytes and evictions apply to the in-memory store only. A Redis failure is a miss (get) or a
 * skipped store (put), counted in llmops_cache_errors_total. */
#include "gateway/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/metrics.h"
#include "gateway/keymap.h"
#include "gateway/redis_pool.h"

/* Map node header and allocator slack, charged per entry on top of sizeof(entry_t). */
#define NODE_OVERHEAD 48

typedef struct entry {
    struct entry *prev, *next; /* recency list */
    int64_t expires_ms;
    size_t len;
    size_t charge; /* bytes counted against max_bytes */
    char *key;     /* points into data, after the value */
    char data[];   /* value (len bytes) then key (NUL-terminated) */
} entry_t;

struct gw_cache {
    pthread_mutex_t lock;
    gw_map_t *entries; /* key -> entry_t */
    entry_t *head, *tail;
    size_t max_bytes;
    gw_cache_stats_t stats;
    gw_redis_t *redis; /* NULL: in memory */
    metric_t *errors;
};

gw_cache_t *gw_cache_new(size_t max_bytes, const char *redis_url, err_t *err)
{
    gw_cache_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->entries = gw_map_new();
    c->max_bytes = max_bytes;
    c->errors =
        metrics_counter("llmops_cache_errors_total", "",
                        "Response-cache operations that failed on Redis (served as misses)");
    if (redis_url && *redis_url) {
        c->redis = gw_redis_new(redis_url, err);
        if (!c->redis) {
            gw_cache_free(c);
            return NULL;
        }
    }
    return c;
}

void gw_cache_free(gw_cache_t *c)
{
    if (!c)
        return;
    gw_map_free(c->entries, free);
    gw_redis_free(c->redis);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* ---- in memory (lock held) ------------------------------------------------------------------ */

static void list_unlink(gw_cache_t *c, entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void list_push_front(gw_cache_t *c, entry_t *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void entry_drop(gw_cache_t *c, entry_t *e)
{
    list_unlink(c, e);
    gw_map_remove(c->entries, e->key);
    c->stats.entries--;
    c->stats.bytes -= (int64_t)e->charge;
    free(e);
}

static int get_memory(gw_cache_t *c, const char *key, int64_t now_ms, char **value, size_t *len)
{
    int hit = 0;
    pthread_mutex_lock(&c->lock);
    entry_t *e = gw_map_get(c->entries, key);
    if (e && now_ms >= e->expires_ms) {
        entry_drop(c, e);
        e = NULL;
    }
    if (e) {
        list_unlink(c, e);
        list_push_front(c, e);
        *value = xmalloc(e->len + 1);
        memcpy(*value, e->data, e->len);
        (*value)[e->len] = '\0'; /* callers may treat a JSON answer as a string */
        *len = e->len;
        hit = 1;
        c->stats.hits++;
    } else {
        c->stats.misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void put_memory(gw_cache_t *c, const char *key, const char *value, size_t len, int ttl_s,
                       int64_t now_ms)
{
    size_t klen = strlen(key);
    size_t charge = sizeof(entry_t) + len + 2 * (klen + 1) + NODE_OVERHEAD;
    if (charge > c->max_bytes)
        return;
    /* Build the entry before taking the lock: the copy is the slow part. */
    entry_t *e = xmalloc(sizeof *e + len + klen + 1);
    memcpy(e->data, value, len);
    e->key = e->data + len;
    memcpy(e->key, key, klen + 1);
    e->len = len;
    e->charge = charge;
    e->expires_ms = now_ms + (int64_t)ttl_s * 1000;
    e->prev = e->next = NULL;

    pthread_mutex_lock(&c->lock);
    entry_t *old = gw_map_get(c->entries, key);
    if (old)
        entry_drop(c, old);
    while (c->tail && (size_t)c->stats.bytes + charge > c->max_bytes) {
        entry_drop(c, c->tail);
        c->stats.evictions++;
    }
    gw_map_put(c->entries, e->key, e);
    list_push_front(c, e);
    c->stats.entries++;
    c->stats.bytes += (int64_t)charge;
    pthread_mutex_unlock(&c->lock);
}

/* ---- Redis ---------------------------------------------------------------------------------- */

static void count(gw_cache_t *c, int64_t *counter)
{
    pthread_mutex_lock(&c->lock);
    (*counter)++;
    pthread_mutex_unlock(&c->lock);
}

static int get_redis(gw_cache_t *c, const char *key, char **value, size_t *len)
{
    redisContext *ctx = gw_redis_acquire(c->redis);
    redisReply *reply = ctx ? redisCommand(ctx, "GET llmops:cache:%s", key) : NULL;
    int hit = 0;
    if (reply && reply->type == REDIS_REPLY_STRING) {
        *value = xmalloc((size_t)reply->len + 1);
        memcpy(*value, reply->str, (size_t)reply->len);
        (*value)[reply->len] = '\0';
        *len = (size_t)reply->len;
        hit = 1;
    } else if (!reply || reply->type != REDIS_REPLY_NIL) {
        metrics_add(c->errors, 1); /* fail open: a miss */
    }
    if (reply)
        freeReplyObject(reply);
    if (ctx)
        gw_redis_release(c->redis, ctx, reply == NULL);
    count(c, hit ? &c->stats.hits : &c->stats.misses);
    return hit;
}

static void put_redis(gw_cache_t *c, const char *key, const char *value, size_t len, int ttl_s)
{
    redisContext *ctx = gw_redis_acquire(c->redis);
    redisReply *reply =
        ctx ? redisCommand(ctx, "SETEX llmops:cache:%s %d %b", key, ttl_s, value, len) : NULL;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        metrics_add(c->errors, 1);
    if (reply)
        freeReplyObject(reply);
    if (ctx)
        gw_redis_release(c->redis, ctx, reply == NULL);
}

/* ---- public --------------------------------------------------------------------------------- */

int gw_cache_get(gw_cache_t *c, const char *key, int64_t now_ms, char **value, size_t *len)
{
    *value = NULL;
    *len = 0;
    if (c->redis)
        return get_redis(c, key, value, len);
    return get_memory(c, key, now_ms, value, len);
}

void gw_cache_put(gw_cache_t *c, const char *key, const char *value, size_t len, int ttl_s,
                  int64_t now_ms)
{
    if (ttl_s <= 0)
        return;
    if (c->redis)
        put_redis(c, key, value, len, ttl_s);
    else
        put_memory(c, key, value, len, ttl_s, now_ms);
}

void gw_cache_stats(gw_cache_t *c, gw_cache_stats_t *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}
