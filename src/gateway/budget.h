/* budget.h - spending budgets per API key, reserved before the upstream call.
 *
 * Before a request goes upstream the gateway reserves its worst-case cost (the prompt's
 * estimated tokens at the input price plus max_tokens at the output price) against the key's
 * budget, atomically under one lock, so concurrent requests cannot together overspend. When
 * the answer is in, the reservation is settled to the actual cost (released on failure).
 * spent comes from the store at start (gateway_key_usage) and from settled calls after. */
#ifndef LLMOPS_GATEWAY_BUDGET_H
#define LLMOPS_GATEWAY_BUDGET_H

#include <stdint.h>

typedef struct budget budget_t;

budget_t *budget_new(void);
void budget_free(budget_t *b);

/* Tell the ledger what the store says a key has spent (raises, never lowers, the in-memory
 * figure: settled calls may not have reached the store yet). */
void budget_sync_spent(budget_t *b, const char *key_id, double spent_usd);

/* Reserve amount_usd for key_id under limit_usd (< 0: no budget, always succeeds). Returns 1
 * and sets *reservation (pass it to settle), or 0 when spent + reserved + amount > limit. */
int budget_reserve(budget_t *b, const char *key_id, double limit_usd, double amount_usd,
                   double *reservation);
/* Replace the reservation by the actual cost (0 when the call failed or its cost is unknown). */
void budget_settle(budget_t *b, const char *key_id, double reservation, double actual_usd);
/* Spent + reserved now, for the key listing. */
double budget_spent(budget_t *b, const char *key_id);

#endif
