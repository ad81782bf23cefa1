/* ratelimit.c - per-key rpm/tpm sliding windows, in memory or in Redis (see ratelimit.h).
 *
 * A window is 60 one-second buckets. Each bucket remembers which second it holds, so a bucket
 * left over from an earlier minute is recognised as stale and reset when its slot comes round
 * again - no timer sweeps the table. The window seen at second S is the buckets of seconds
 * S-59..S. Admission refuses while the window's requests are >= rpm or its tokens >= tpm; the
 * retry delay is the time until enough of the oldest buckets have left the window for the
 * count to drop below the limit.
 *
 * In memory, keys are spread over striped locks (a map and a mutex per stripe), so threads
 * serving different keys rarely wait for each other. In Redis, each second of a key is a hash
 * `llmops:rl:<key>:<sec>` with fields r (requests) and t (tokens), expiring after 120 s; the
 * admission check and count are one Lua script so two replicas cannot both take the last slot.
 * Any Redis failure admits the request and counts llmops_ratelimit_errors_total. */
#include "gateway/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/metrics.h"
#include "gateway/keymap.h"
#include "gateway/redis_pool.h"

#define WINDOW_S  60
#define NSTRIPES  16
#define KEY_TTL_S 120 /* Redis buckets outlive the window by a minute */
#define NO_SECOND INT64_MIN

typedef struct window {
    int64_t latest_sec; /* newest second counted: late callers count into it, see window_now */
    int64_t sec[WINDOW_S];
    int64_t req[WINDOW_S];
    int64_t tok[WINDOW_S];
} window_t;

typedef struct stripe {
    pthread_mutex_t lock;
    gw_map_t *windows; /* key_id -> window_t */
} stripe_t;

struct ratelimit {
    stripe_t stripes[NSTRIPES];
    gw_redis_t *redis; /* NULL: in memory */
    char script_sha[41];
    metric_t *errors;
};

/* Atomically: refuse (returning the wait in ms) or count one request (returning -1).
 * KEYS[1] is the key's prefix "llmops:rl:<key>:" (the per-second keys are built from it);
 * ARGV: now_ms, rpm, tpm (0 = unlimited). */
static const char ADMIT_LUA[] =
    "local prefix = KEYS[1]\n"
    "local now_ms = tonumber(ARGV[1])\n"
    "local rpm = tonumber(ARGV[2])\n"
    "local tpm = tonumber(ARGV[3])\n"
    "local now = math.floor(now_ms / 1000)\n"
    "local reqs, toks, rt, tt = {}, {}, 0, 0\n"
    "for i = 0, 59 do\n"
    "  local v = redis.call('HMGET', prefix .. (now - 59 + i), 'r', 't')\n"
    "  reqs[i] = tonumber(v[1]) or 0\n"
    "  toks[i] = tonumber(v[2]) or 0\n"
    "  rt = rt + reqs[i]\n"
    "  tt = tt + toks[i]\n"
    "end\n"
    "local function wait(counts, total, limit)\n"
    "  local need, cum = total - limit + 1, 0\n"
    "  for i = 0, 59 do\n"
    "    cum = cum + counts[i]\n"
    "    if cum >= need then return (now - 59 + i + 60) * 1000 - now_ms end\n"
    "  end\n"
    "  return 60000\n"
    "end\n"
    "local retry = -1\n"
    "if rpm > 0 and rt >= rpm then retry = wait(reqs, rt, rpm) end\n"
    "if tpm > 0 and tt >= tpm then retry = math.max(retry, wait(toks, tt, tpm)) end\n"
    "if retry >= 0 then return retry end\n"
    "local k = prefix .. now\n"
    "redis.call('HINCRBY', k, 'r', 1)\n"
    "redis.call('EXPIRE', k, 120)\n"
    "return -1\n";

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int slot(int64_t sec)
{
    return (int)(sec - floor_div(sec, WINDOW_S) * WINDOW_S);
}

ratelimit_t *ratelimit_new(const char *redis_url, err_t *err)
{
    ratelimit_t *rl = xcalloc(1, sizeof *rl);
    for (int i = 0; i < NSTRIPES; i++) {
        pthread_mutex_init(&rl->stripes[i].lock, NULL);
        rl->stripes[i].windows = gw_map_new();
    }
    rl->errors = metrics_counter("llmops_ratelimit_errors_total", "",
                                 "Rate-limit checks that failed on Redis and were admitted");
    if (redis_url && *redis_url) {
        rl->redis = gw_redis_new(redis_url, err);
        if (!rl->redis)
            goto fail;
        redisContext *c = gw_redis_acquire(rl->redis);
        redisReply *reply = c ? redisCommand(c, "SCRIPT LOAD %s", ADMIT_LUA) : NULL;
        int ok = reply && reply->type == REDIS_REPLY_STRING && reply->len == 40;
        if (ok)
            memcpy(rl->script_sha, reply->str, 41);
        else
            err_unavailable(err, "Redis refused the rate-limit script: %s",
                            reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no answer");
        if (reply)
            freeReplyObject(reply);
        gw_redis_release(rl->redis, c, reply == NULL);
        if (!ok)
            goto fail;
    }
    return rl;
fail:
    ratelimit_free(rl);
    return NULL;
}

void ratelimit_free(ratelimit_t *rl)
{
    if (!rl)
        return;
    for (int i = 0; i < NSTRIPES; i++) {
        gw_map_free(rl->stripes[i].windows, free);
        pthread_mutex_destroy(&rl->stripes[i].lock);
    }
    gw_redis_free(rl->redis);
    free(rl);
}

/* ---- in memory ------------------------------------------------------------------------------ */

static stripe_t *stripe_of(ratelimit_t *rl, const char *key_id)
{
    return &rl->stripes[gw_fnv1a(GW_FNV_OFFSET, key_id) % NSTRIPES];
}

/* The key's window, created empty on first use. Call with the stripe locked. */
static window_t *window_get(stripe_t *s, const char *key_id)
{
    window_t *w = gw_map_get(s->windows, key_id);
    if (!w) {
        w = xcalloc(1, sizeof *w);
        w->latest_sec = NO_SECOND;
        for (int i = 0; i < WINDOW_S; i++)
            w->sec[i] = NO_SECOND;
        gw_map_put(s->windows, key_id, w);
    }
    return w;
}

/* The second to count at. Threads read the clock before taking the lock, so calls can arrive
 * slightly out of order; a call whose second is older than one already counted is counted in
 * that newer second, which keeps every bucket for exactly one second. */
static int64_t window_now(window_t *w, int64_t now_ms)
{
    int64_t sec = floor_div(now_ms, 1000);
    if (sec > w->latest_sec)
        w->latest_sec = sec;
    return w->latest_sec;
}

/* The bucket of second sec, reset when it still holds an older second. */
static int bucket(window_t *w, int64_t sec)
{
    int i = slot(sec);
    if (w->sec[i] != sec) {
        w->sec[i] = sec;
        w->req[i] = 0;
        w->tok[i] = 0;
    }
    return i;
}

/* ms from now_ms until the window at second `sec` has shed `need` units of counts[]. */
static int64_t wait_ms(const window_t *w, const int64_t *counts, int64_t sec, int64_t need,
                       int64_t now_ms)
{
    int64_t cum = 0;
    for (int64_t s = sec - WINDOW_S + 1; s <= sec; s++) {
        int i = slot(s);
        if (w->sec[i] != s)
            continue;
        cum += counts[i];
        if (cum >= need)
            return (s + WINDOW_S) * 1000 - now_ms;
    }
    return WINDOW_S * 1000; /* not reached: need <= the window's total */
}

static int admit_memory(ratelimit_t *rl, const char *key_id, int64_t rpm, int64_t tpm,
                        int64_t now_ms, int64_t *retry_after_ms)
{
    stripe_t *s = stripe_of(rl, key_id);
    pthread_mutex_lock(&s->lock);
    window_t *w = window_get(s, key_id);
    int64_t sec = window_now(w, now_ms);
    int64_t reqs = 0, toks = 0;
    for (int i = 0; i < WINDOW_S; i++) {
        if (w->sec[i] > sec - WINDOW_S && w->sec[i] <= sec) {
            reqs += w->req[i];
            toks += w->tok[i];
        }
    }
    int64_t retry = -1;
    if (rpm > 0 && reqs >= rpm)
        retry = wait_ms(w, w->req, sec, reqs - rpm + 1, now_ms);
    if (tpm > 0 && toks >= tpm) {
        int64_t t = wait_ms(w, w->tok, sec, toks - tpm + 1, now_ms);
        retry = t > retry ? t : retry;
    }
    if (retry < 0)
        w->req[bucket(w, sec)]++;
    pthread_mutex_unlock(&s->lock);
    if (retry >= 0 && retry_after_ms)
        *retry_after_ms = retry;
    return retry < 0;
}

/* ---- Redis ---------------------------------------------------------------------------------- */

static redisReply *eval_admit(ratelimit_t *rl, redisContext *c, const char *prefix, int64_t now_ms,
                              int64_t rpm, int64_t tpm)
{
    redisReply *reply = redisCommand(c, "EVALSHA %s 1 %s %lld %lld %lld", rl->script_sha, prefix,
                                     (long long)now_ms, (long long)rpm, (long long)tpm);
    /* A restarted or flushed Redis has forgotten the script: send it whole (which also
     * caches it again). */
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(reply);
        reply = redisCommand(c, "EVAL %s 1 %s %lld %lld %lld", ADMIT_LUA, prefix, (long long)now_ms,
                             (long long)rpm, (long long)tpm);
    }
    return reply;
}

static int admit_redis(ratelimit_t *rl, const char *key_id, int64_t rpm, int64_t tpm,
                       int64_t now_ms, int64_t *retry_after_ms)
{
    redisContext *c = gw_redis_acquire(rl->redis);
    if (!c) {
        metrics_add(rl->errors, 1);
        return 1;
    }
    buf_t prefix;
    buf_init(&prefix);
    buf_printf(&prefix, "llmops:rl:%s:", key_id);
    redisReply *reply = eval_admit(rl, c, buf_str(&prefix), now_ms, rpm, tpm);
    buf_free(&prefix);
    int admitted = 1;
    if (reply && reply->type == REDIS_REPLY_INTEGER) {
        if (reply->integer >= 0) {
            admitted = 0;
            if (retry_after_ms)
                *retry_after_ms = reply->integer;
        }
    } else {
        metrics_add(rl->errors, 1); /* fail open */
    }
    if (reply)
        freeReplyObject(reply);
    gw_redis_release(rl->redis, c, reply == NULL);
    return admitted;
}

static void add_tokens_redis(ratelimit_t *rl, const char *key_id, int64_t tokens, int64_t now_ms)
{
    redisContext *c = gw_redis_acquire(rl->redis);
    if (!c) {
        metrics_add(rl->errors, 1);
        return;
    }
    buf_t key;
    buf_init(&key);
    buf_printf(&key, "llmops:rl:%s:%lld", key_id, (long long)floor_div(now_ms, 1000));
    /* Pipelined: one round trip for both commands. */
    redisAppendCommand(c, "HINCRBY %s t %lld", buf_str(&key), (long long)tokens);
    redisAppendCommand(c, "EXPIRE %s %d", buf_str(&key), KEY_TTL_S);
    buf_free(&key);
    int broken = 0, failed = 0;
    for (int i = 0; i < 2 && !broken; i++) {
        redisReply *reply = NULL;
        if (redisGetReply(c, (void **)&reply) != REDIS_OK || !reply) {
            broken = 1;
            break;
        }
        failed |= reply->type == REDIS_REPLY_ERROR;
        freeReplyObject(reply);
    }
    if (broken || failed)
        metrics_add(rl->errors, 1);
    gw_redis_release(rl->redis, c, broken);
}

/* ---- public --------------------------------------------------------------------------------- */

int ratelimit_admit(ratelimit_t *rl, const char *key_id, int64_t rpm, int64_t tpm, int64_t now_ms,
                    int64_t *retry_after_ms)
{
    if (rpm <= 0 && tpm <= 0)
        return 1; /* unlimited: nothing to count against */
    if (rl->redis)
        return admit_redis(rl, key_id, rpm, tpm, now_ms, retry_after_ms);
    return admit_memory(rl, key_id, rpm, tpm, now_ms, retry_after_ms);
}

void ratelimit_add_tokens(ratelimit_t *rl, const char *key_id, int64_t tokens, int64_t now_ms)
{
    if (tokens <= 0)
        return;
    if (rl->redis) {
        add_tokens_redis(rl, key_id, tokens, now_ms);
        return;
    }
    stripe_t *s = stripe_of(rl, key_id);
    pthread_mutex_lock(&s->lock);
    window_t *w = window_get(s, key_id);
    w->tok[bucket(w, window_now(w, now_ms))] += tokens;
    pthread_mutex_unlock(&s->lock);
}
