/* circuit.h - a circuit breaker per upstream target.
 *
 * closed: requests flow; `failures` consecutive failures open it. open: requests skip the
 * target (the gateway falls back) until cooldown_ms has passed; then half-open: exactly one
 * request is let through as a probe; its success closes the circuit, its failure opens it for
 * another cooldown. Thread-safe; targets are named by a string key (endpoint + target label). */
#ifndef LLMOPS_GATEWAY_CIRCUIT_H
#define LLMOPS_GATEWAY_CIRCUIT_H

#include <stdint.h>

typedef struct circuit circuit_t;

typedef enum circuit_state { CIRCUIT_CLOSED, CIRCUIT_OPEN, CIRCUIT_HALF_OPEN } circuit_state_t;

circuit_t *circuit_new(void);
void circuit_free(circuit_t *c);

/* May a request go to this target now? 1 yes (in half-open: this caller is the probe), 0 no. */
int circuit_allow(circuit_t *c, const char *target_key, int failures, int cooldown_ms,
                  int64_t now_ms);
void circuit_success(circuit_t *c, const char *target_key);
void circuit_failure(circuit_t *c, const char *target_key, int failures, int64_t now_ms);
circuit_state_t circuit_state(circuit_t *c, const char *target_key, int cooldown_ms,
                              int64_t now_ms);

#endif
