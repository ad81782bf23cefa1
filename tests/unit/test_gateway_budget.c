/* test_gateway_budget.c - unit tests for gateway/budget.h: reserve/settle arithmetic (a
 * reservation counts until settled, settling replaces it by the actual cost or releases it),
 * the limit as an inclusive bound with float rounding absorbed, no-budget keys, sync_spent
 * raising but never lowering, and 8 threads reserving at once never being granted more than
 * the limit in total. */
#include "unit/testutil.h"

#include <pthread.h>

#include "gateway/budget.h"

#define EPS 1e-9

static void test_reserve_settle(void **state)
{
    (void)state;
    budget_t *b = budget_new();
    double r1 = -1, r2 = -1, r3 = -1;
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.4, &r1), 1);
    assert_float_equal(r1, 0.4, EPS);
    assert_float_equal(budget_spent(b, "k"), 0.4, EPS);
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.7, &r2), 0); /* 0.4 + 0.7 > 1 */
    assert_float_equal(budget_spent(b, "k"), 0.4, EPS);
    budget_settle(b, "k", r1, 0.1); /* the call cost less than its worst case */
    assert_float_equal(budget_spent(b, "k"), 0.1, EPS);
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.7, &r2), 1);
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.2, &r3), 1); /* exactly at the limit */
    assert_float_equal(budget_spent(b, "k"), 1.0, EPS);
    double r4 = -1;
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.01, &r4), 0);
    budget_settle(b, "k", r2, 0); /* failed call: released */
    assert_float_equal(budget_spent(b, "k"), 0.3, EPS);
    budget_settle(b, "k", r3, 0.25);
    assert_float_equal(budget_spent(b, "k"), 0.35, EPS);
    /* Another key has its own ledger; an unknown key has spent nothing. */
    assert_float_equal(budget_spent(b, "other"), 0, EPS);
    assert_int_equal(budget_reserve(b, "other", 1.0, 0.9, &r4), 1);
    budget_free(b);
}

static void test_rounding_and_no_budget(void **state)
{
    (void)state;
    budget_t *b = budget_new();
    double r;
    for (int i = 0; i < 10; i++)
        assert_int_equal(budget_reserve(b, "k", 1.0, 0.1, &r), 1);
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.001, &r), 0);
    /* limit < 0: no budget - always granted, still tracked for the key listing. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(budget_reserve(b, "free", -1, 1000.0, &r), 1);
    assert_float_equal(budget_spent(b, "free"), 3000.0, EPS);
    /* A zero budget refuses any positive cost. */
    assert_int_equal(budget_reserve(b, "zero", 0, 0.000001, &r), 0);
    budget_free(b);
}

static void test_sync_spent(void **state)
{
    (void)state;
    budget_t *b = budget_new();
    double r;
    budget_sync_spent(b, "k", 0.5);
    assert_float_equal(budget_spent(b, "k"), 0.5, EPS);
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.6, &r), 0);
    assert_int_equal(budget_reserve(b, "k", 1.0, 0.3, &r), 1);
    budget_settle(b, "k", r, 0.3);
    assert_float_equal(budget_spent(b, "k"), 0.8, EPS);
    /* The store has not seen the last call yet: a lower figure does not lower the ledger. */
    budget_sync_spent(b, "k", 0.5);
    assert_float_equal(budget_spent(b, "k"), 0.8, EPS);
    budget_sync_spent(b, "k", 0.9); /* another server spent too */
    assert_float_equal(budget_spent(b, "k"), 0.9, EPS);
    budget_free(b);
}

#define THREADS  8
#define ATTEMPTS 10000

typedef struct worker {
    budget_t *b;
    int granted;
    double reservations[ATTEMPTS];
} worker_t;

/* Reserve 0.001 ATTEMPTS times against a 5.0 budget, keeping what was granted. */
static void *reserve_thread(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < ATTEMPTS; i++) {
        double r;
        if (budget_reserve(w->b, "shared", 5.0, 0.001, &r))
            w->reservations[w->granted++] = r;
    }
    return NULL;
}

/* Settle every grant at half its reserved cost. */
static void *settle_thread(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < w->granted; i++)
        budget_settle(w->b, "shared", w->reservations[i], w->reservations[i] / 2);
    return NULL;
}

static void test_concurrent_reservations(void **state)
{
    (void)state;
    budget_t *b = budget_new();
    pthread_t t[THREADS];
    worker_t *w = calloc(THREADS, sizeof *w);
    for (int i = 0; i < THREADS; i++) {
        w[i].b = b;
        pthread_create(&t[i], NULL, reserve_thread, &w[i]);
    }
    double sum = 0;
    int granted = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        granted += w[i].granted;
        for (int j = 0; j < w[i].granted; j++)
            sum += w[i].reservations[j];
    }
    /* 80,000 attempts, room for 5,000: exactly that many granted, never more in total. */
    assert_true(sum <= 5.0 + EPS);
    assert_int_equal(granted, 5000);
    assert_float_equal(budget_spent(b, "shared"), 5.0, 1e-6);

    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, settle_thread, &w[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_float_equal(budget_spent(b, "shared"), 2.5, 1e-6); /* all settled at half */
    double r;
    assert_int_equal(budget_reserve(b, "shared", 5.0, 2.5, &r), 1);
    assert_int_equal(budget_reserve(b, "shared", 5.0, 0.001, &r), 0);
    free(w);
    budget_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve_settle),
        cmocka_unit_test(test_rounding_and_no_budget),
        cmocka_unit_test(test_sync_spent),
        cmocka_unit_test(test_concurrent_reservations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
