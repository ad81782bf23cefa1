/* test_gateway_circuit.c - unit tests for gateway/circuit.h: closed -> open after N
 * consecutive failures (a success in between resets the count), open refusing until the
 * cooldown, half-open letting exactly one probe through (also when 8 threads ask at once),
 * the probe's success closing and failure re-opening for a new cooldown, an unreported probe
 * replaced after a cooldown, late outcomes ignored while open, targets independent, and
 * failures <= 0 disabling the breaker. */
#include "unit/testutil.h"

#include <pthread.h>

#include "gateway/circuit.h"

#define FAILS    3
#define COOLDOWN 1000

static void test_transitions(void **state)
{
    (void)state;
    circuit_t *c = circuit_new();
    const char *t = "ep/0";
    assert_int_equal(circuit_state(c, t, COOLDOWN, 0), CIRCUIT_CLOSED);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 0), 1);
    circuit_failure(c, t, FAILS, 10);
    circuit_failure(c, t, FAILS, 20);
    circuit_success(c, t); /* not consecutive any more */
    circuit_failure(c, t, FAILS, 30);
    circuit_failure(c, t, FAILS, 40);
    assert_int_equal(circuit_state(c, t, COOLDOWN, 50), CIRCUIT_CLOSED);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 50), 1);
    circuit_failure(c, t, FAILS, 100); /* third in a row: open at 100 */
    assert_int_equal(circuit_state(c, t, COOLDOWN, 100), CIRCUIT_OPEN);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 100), 0);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 1099), 0);
    /* Late outcomes of requests let through earlier change nothing while open. */
    circuit_success(c, t);
    circuit_failure(c, t, FAILS, 1050);
    assert_int_equal(circuit_state(c, t, COOLDOWN, 1099), CIRCUIT_OPEN);
    /* Cooldown over: half-open, one probe. */
    assert_int_equal(circuit_state(c, t, COOLDOWN, 1100), CIRCUIT_HALF_OPEN);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 1100), 1);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 1101), 0);
    assert_int_equal(circuit_state(c, t, COOLDOWN, 1101), CIRCUIT_HALF_OPEN);
    /* The probe fails: open for another cooldown from then. */
    circuit_failure(c, t, FAILS, 1200);
    assert_int_equal(circuit_state(c, t, COOLDOWN, 1300), CIRCUIT_OPEN);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 2199), 0);
    assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 2200), 1);
    /* This probe succeeds: closed, requests flow, the failure count starts again. */
    circuit_success(c, t);
    assert_int_equal(circuit_state(c, t, COOLDOWN, 2300), CIRCUIT_CLOSED);
    for (int i = 0; i < 5; i++)
        assert_int_equal(circuit_allow(c, t, FAILS, COOLDOWN, 2300), 1);
    circuit_failure(c, t, FAILS, 2400);
    circuit_failure(c, t, FAILS, 2400);
    assert_int_equal(circuit_state(c, t, COOLDOWN, 2400), CIRCUIT_CLOSED);
    circuit_free(c);
}

static void test_unreported_probe_and_independence(void **state)
{
    (void)state;
    circuit_t *c = circuit_new();
    circuit_failure(c, "a", 1, 0);
    assert_int_equal(circuit_allow(c, "a", 1, COOLDOWN, 500), 0);
    assert_int_equal(circuit_allow(c, "b", 1, COOLDOWN, 500), 1);  /* another target */
    assert_int_equal(circuit_allow(c, "a", 1, COOLDOWN, 1000), 1); /* probe, never reported */
    assert_int_equal(circuit_allow(c, "a", 1, COOLDOWN, 1999), 0);
    assert_int_equal(circuit_allow(c, "a", 1, COOLDOWN, 2000), 1); /* a new probe */
    assert_int_equal(circuit_allow(c, "a", 1, COOLDOWN, 2001), 0);
    /* failures <= 0: the breaker never opens. */
    for (int i = 0; i < 100; i++)
        circuit_failure(c, "off", 0, i);
    assert_int_equal(circuit_allow(c, "off", 0, COOLDOWN, 100), 1);
    assert_int_equal(circuit_state(c, "off", COOLDOWN, 100), CIRCUIT_CLOSED);
    circuit_free(c);
}

#define THREADS 8

typedef struct prober {
    circuit_t *c;
    pthread_barrier_t *start;
    int64_t now;
    int allowed;
} prober_t;

static void *probe_thread(void *arg)
{
    prober_t *p = arg;
    pthread_barrier_wait(p->start);
    p->allowed = circuit_allow(p->c, "t", FAILS, COOLDOWN, p->now);
    return NULL;
}

static void test_single_probe_under_concurrency(void **state)
{
    (void)state;
    circuit_t *c = circuit_new();
    pthread_barrier_t start;
    int64_t now = 0;
    for (int round = 0; round < 200; round++) {
        /* Open the circuit (a failed probe re-opens it), then race THREADS callers at the
         * moment its cooldown ends. */
        for (int i = 0; i < FAILS; i++)
            circuit_failure(c, "t", FAILS, now);
        assert_int_equal(circuit_state(c, "t", COOLDOWN, now), CIRCUIT_OPEN);
        now += COOLDOWN;
        pthread_barrier_init(&start, NULL, THREADS);
        pthread_t t[THREADS];
        prober_t p[THREADS];
        for (int i = 0; i < THREADS; i++) {
            p[i] = (prober_t){c, &start, now, 0};
            pthread_create(&t[i], NULL, probe_thread, &p[i]);
        }
        int allowed = 0;
        for (int i = 0; i < THREADS; i++) {
            pthread_join(t[i], NULL);
            allowed += p[i].allowed;
        }
        pthread_barrier_destroy(&start);
        assert_int_equal(allowed, 1);
        if (round % 2) {
            circuit_success(c, "t"); /* closed: all may pass again */
            assert_int_equal(circuit_allow(c, "t", FAILS, COOLDOWN, now), 1);
        }
        /* even rounds: the probe fails in the next round's first circuit_failure */
    }
    circuit_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_unreported_probe_and_independence),
        cmocka_unit_test(test_single_probe_under_concurrency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
