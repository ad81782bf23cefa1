/* routing.c - target order for weighted splits and retry delays (see routing.h).
 *
 * The weighted choice maps a number u in [0, 1) onto the targets' cumulative weights: target i
 * is chosen when u * total falls in its share. With a user, u comes from the 64-bit FNV-1a of
 * "endpoint\0user", so a user's choice is stable for as long as the weights are, does not
 * depend on which replica answers, and moves as little as possible when a split changes
 * (going from 90/10 to 80/20 moves only the users whose u lies in [0.8, 0.9)). Without a
 * user, u comes from a per-thread xorshift64* generator, so no lock is taken. */
#include "gateway/routing.h"

#include <sys/random.h>

#include "gateway/keymap.h"

static _Thread_local uint64_t rng_state; /* 0: not seeded yet */

void gw_routing_seed(uint64_t seed)
{
    /* splitmix64 of the seed: xorshift needs a non-zero state, and nearby seeds should give
     * unrelated sequences. */
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    rng_state = z ? z : 1;
}

static uint64_t rng_next(void)
{
    if (rng_state == 0) {
        uint64_t seed = 0;
        if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
            seed = (uint64_t)(uintptr_t)&seed; /* never expected; any value will do */
        gw_routing_seed(seed);
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* The top 53 bits of h as a double in [0, 1). */
static double unit_interval(uint64_t h)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

void gw_route_order(const char *endpoint, const int *weights, size_t n, const char *user,
                    size_t *order)
{
    if (n == 0)
        return;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i] > 0 ? weights[i] : 0;
    size_t first = 0;
    if (total > 0) {
        uint64_t h;
        if (user && *user) {
            h = gw_fnv1a(GW_FNV_OFFSET, endpoint ? endpoint : "");
            h = gw_fnv1a(h ^ 0xff, user); /* 0xff: the separator, so "ab"+"c" != "a"+"bc" */
            /* FNV's low-entropy high bits for short inputs: mix before taking the top bits. */
            h ^= h >> 33;
            h *= 0xff51afd7ed558ccdULL;
            h ^= h >> 33;
        } else {
            h = rng_next();
        }
        double point = unit_interval(h) * (double)total;
        int64_t cum = 0;
        for (size_t i = 0; i < n; i++) {
            if (weights[i] <= 0)
                continue; /* weight 0: only ever a fallback */
            cum += weights[i];
            first = i;
            if (point < (double)cum)
                break;
        }
    }
    size_t k = 0;
    order[k++] = first;
    for (size_t i = 0; i < n; i++)
        if (i != first)
            order[k++] = i;
}

int64_t gw_backoff_ms(int attempt, int base_ms, int max_ms, int64_t retry_after_ms)
{
    if (attempt < 1)
        attempt = 1;
    int64_t cap = base_ms > 0 ? base_ms : 0;
    /* base * 2^(attempt-1), doubling step by step so it stops at max instead of overflowing */
    for (int i = 1; i < attempt && cap > 0 && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms > 0 ? max_ms : 0;
    int64_t delay = cap > 0 ? (int64_t)(rng_next() % (uint64_t)(cap + 1)) : 0;
    if (retry_after_ms > delay)
        delay = retry_after_ms;
    return delay;
}
