/* routing.h - choosing targets: weighted traffic splits, sticky per user, and retry delays.
 *
 * gw_route_order() puts an endpoint's targets in the order to try them: first one chosen by
 * weight (90/10 canary splits), then the others as fallbacks in their listed order. With a
 * `user`, the weighted choice is a hash of (endpoint, user), so a user keeps seeing the same
 * version; without one it is random. gw_backoff_ms() is the delay before retry n: exponential
 * from base_ms, capped, with full jitter, and never less than the upstream's Retry-After. */
#ifndef LLMOPS_GATEWAY_ROUTING_H
#define LLMOPS_GATEWAY_ROUTING_H

#include <stddef.h>
#include <stdint.h>

/* weights: one per target (>= 0). order receives n indexes. When every weight is 0 the first
 * target is chosen. user may be NULL or "". */
void gw_route_order(const char *endpoint, const int *weights, size_t n, const char *user,
                    size_t *order);

/* attempt: 1 for the first retry. retry_after_ms: the upstream's Retry-After, -1 when none. */
int64_t gw_backoff_ms(int attempt, int base_ms, int max_ms, int64_t retry_after_ms);

/* Seed the calling thread's random generator (unweighted-user splits and jitter), so tests can
 * replay a sequence. Threads that never call it are seeded from getrandom(). */
void gw_routing_seed(uint64_t seed);

#endif
