/* circuit.c - circuit breakers per upstream target (see circuit.h).
 *
 * One mutex over a map target_key -> breaker. Every operation is a lookup and a few field
 * updates. The half-open probe is claimed under the lock, which is what makes it "exactly
 * one": of many threads calling circuit_allow as the cooldown ends, the first moves the
 * breaker to half-open and takes the probe, the rest see the probe in flight and are refused.
 *
 * Two cases the header leaves open, decided here:
 * - a probe whose outcome is never reported (its caller gave up without calling success or
 *   failure) would hold the breaker half-open for ever; after another cooldown_ms a new probe
 *   is let through.
 * - outcomes of requests that were let through before the circuit opened, reported while it is
 *   open, are ignored: they neither close it nor extend its cooldown.
 * failures <= 0 disables the breaker for that call (it never opens). */
#include "gateway/circuit.h"

#include <pthread.h>
#include <stdlib.h>

#include "base/buf.h"
#include "gateway/keymap.h"

typedef struct breaker {
    circuit_state_t state;
    int failures;          /* consecutive, while closed */
    int64_t opened_at;     /* ms, when it last opened */
    int probe_in_flight;   /* half-open: the probe has been let through */
    int64_t probe_started; /* ms, when that probe was let through */
} breaker_t;

struct circuit {
    pthread_mutex_t lock;
    gw_map_t *breakers; /* target_key -> breaker_t */
};

circuit_t *circuit_new(void)
{
    circuit_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->breakers = gw_map_new();
    return c;
}

void circuit_free(circuit_t *c)
{
    if (!c)
        return;
    gw_map_free(c->breakers, free);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The target's breaker, created closed. Call with the lock held. */
static breaker_t *breaker_get(circuit_t *c, const char *target_key)
{
    breaker_t *b = gw_map_get(c->breakers, target_key);
    if (!b) {
        b = xcalloc(1, sizeof *b);
        b->state = CIRCUIT_CLOSED;
        gw_map_put(c->breakers, target_key, b);
    }
    return b;
}

int circuit_allow(circuit_t *c, const char *target_key, int failures, int cooldown_ms,
                  int64_t now_ms)
{
    (void)failures; /* opening is decided in circuit_failure */
    int allowed = 0;
    pthread_mutex_lock(&c->lock);
    breaker_t *b = gw_map_get(c->breakers, target_key);
    if (!b || b->state == CIRCUIT_CLOSED) {
        allowed = 1;
    } else if (b->state == CIRCUIT_OPEN) {
        if (now_ms - b->opened_at >= cooldown_ms) {
            b->state = CIRCUIT_HALF_OPEN;
            b->probe_in_flight = 1;
            b->probe_started = now_ms;
            allowed = 1;
        }
    } else if (!b->probe_in_flight || now_ms - b->probe_started >= cooldown_ms) {
        b->probe_in_flight = 1; /* half-open with no live probe: this caller probes */
        b->probe_started = now_ms;
        allowed = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return allowed;
}

void circuit_success(circuit_t *c, const char *target_key)
{
    pthread_mutex_lock(&c->lock);
    breaker_t *b = gw_map_get(c->breakers, target_key);
    if (b && b->state != CIRCUIT_OPEN) {
        b->state = CIRCUIT_CLOSED;
        b->failures = 0;
        b->probe_in_flight = 0;
    }
    pthread_mutex_unlock(&c->lock);
}

void circuit_failure(circuit_t *c, const char *target_key, int failures, int64_t now_ms)
{
    pthread_mutex_lock(&c->lock);
    breaker_t *b = breaker_get(c, target_key);
    if (b->state == CIRCUIT_HALF_OPEN) {
        b->state = CIRCUIT_OPEN; /* the probe failed: another cooldown */
        b->opened_at = now_ms;
        b->probe_in_flight = 0;
    } else if (b->state == CIRCUIT_CLOSED) {
        b->failures++;
        if (failures > 0 && b->failures >= failures) {
            b->state = CIRCUIT_OPEN;
            b->opened_at = now_ms;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

circuit_state_t circuit_state(circuit_t *c, const char *target_key, int cooldown_ms, int64_t now_ms)
{
    pthread_mutex_lock(&c->lock);
    breaker_t *b = gw_map_get(c->breakers, target_key);
    circuit_state_t st = b ? b->state : CIRCUIT_CLOSED;
    /* An open circuit whose cooldown has passed would let the next request probe. */
    if (st == CIRCUIT_OPEN && now_ms - b->opened_at >= cooldown_ms)
        st = CIRCUIT_HALF_OPEN;
    pthread_mutex_unlock(&c->lock);
    return st;
}
