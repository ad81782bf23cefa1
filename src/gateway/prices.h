/* prices.h - the gateway's price table: USD per million input and output tokens for a
 * (provider, model) pair, used to cost each answer and enforce key budgets.
 *
 * There are no built-in prices: a model nobody priced has an unknown cost (never zero).
 * provider "*" prices a model under every provider that has no exact row. provider: "*" or
 * 1-64 characters of letters, digits, '_', '-', '.'; model: 1-250 bytes; prices: finite
 * numbers >= 0. A price is JSON {"provider","model","input_per_mtok","output_per_mtok",
 * "updated_at"}. */
#ifndef LLMOPS_GATEWAY_PRICES_H
#define LLMOPS_GATEWAY_PRICES_H

#include <jansson.h>

#include "base/error.h"
#include "store/store.h"

/* Insert or replace one price from {"provider","model","input_per_mtok","output_per_mtok"}.
 * Returns the stored price. */
json_t *gateway_price_set(store_t *s, const json_t *body, err_t *err);
/* {"prices":[...]} ordered by provider, model. */
json_t *gateway_price_list(store_t *s, err_t *err);
/* 404 when there is no such row. */
int gateway_price_delete(store_t *s, const char *provider, const char *model, err_t *err);

#endif
