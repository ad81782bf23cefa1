/* budget.c - the in-memory spending ledger per API key (see budget.h).
 *
 * One mutex over a map key_id -> {spent, reserved}: a reservation is a check and an add that
 * must happen together, and both are a few arithmetic operations, so one lock is held for
 * well under a microsecond. Amounts are US dollars in doubles; a reservation that would take
 * spent + reserved over the limit by more than a nano-dollar is refused, the tolerance only
 * absorbing rounding (ten reservations of 0.1 fit a budget of 1.0). */
#include "gateway/budget.h"

#include <pthread.h>
#include <stdlib.h>

#include "base/buf.h"
#include "gateway/keymap.h"

#define ROUNDING_USD 1e-9

typedef struct ledger {
    double spent;    /* settled cost (and what the store reported) */
    double reserved; /* worst-case cost of calls in flight */
} ledger_t;

struct budget {
    pthread_mutex_t lock;
    gw_map_t *ledgers; /* key_id -> ledger_t */
};

budget_t *budget_new(void)
{
    budget_t *b = xcalloc(1, sizeof *b);
    pthread_mutex_init(&b->lock, NULL);
    b->ledgers = gw_map_new();
    return b;
}

void budget_free(budget_t *b)
{
    if (!b)
        return;
    gw_map_free(b->ledgers, free);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/* The key's ledger, created at zero. Call with the lock held. */
static ledger_t *ledger_get(budget_t *b, const char *key_id)
{
    ledger_t *l = gw_map_get(b->ledgers, key_id);
    if (!l) {
        l = xcalloc(1, sizeof *l);
        gw_map_put(b->ledgers, key_id, l);
    }
    return l;
}

void budget_sync_spent(budget_t *b, const char *key_id, double spent_usd)
{
    pthread_mutex_lock(&b->lock);
    ledger_t *l = ledger_get(b, key_id);
    if (spent_usd > l->spent)
        l->spent = spent_usd;
    pthread_mutex_unlock(&b->lock);
}

int budget_reserve(budget_t *b, const char *key_id, double limit_usd, double amount_usd,
                   double *reservation)
{
    if (amount_usd < 0)
        amount_usd = 0;
    int granted = 1;
    pthread_mutex_lock(&b->lock);
    ledger_t *l = ledger_get(b, key_id);
    if (limit_usd >= 0 && l->spent + l->reserved + amount_usd > limit_usd + ROUNDING_USD)
        granted = 0;
    else
        l->reserved +=
            amount_usd; /* also without a budget, so budget_spent shows calls in flight */
    pthread_mutex_unlock(&b->lock);
    if (reservation)
        *reservation = granted ? amount_usd : 0;
    return granted;
}

void budget_settle(budget_t *b, const char *key_id, double reservation, double actual_usd)
{
    pthread_mutex_lock(&b->lock);
    ledger_t *l = ledger_get(b, key_id);
    l->reserved -= reservation;
    if (l->reserved < ROUNDING_USD) /* rounding must not leave a phantom reservation */
        l->reserved = 0;
    if (actual_usd > 0)
        l->spent += actual_usd;
    pthread_mutex_unlock(&b->lock);
}

double budget_spent(budget_t *b, const char *key_id)
{
    pthread_mutex_lock(&b->lock);
    ledger_t *l = gw_map_get(b->ledgers, key_id);
    double total = l ? l->spent + l->reserved : 0;
    pthread_mutex_unlock(&b->lock);
    return total;
}
