/* test_gateway_ratelimit.c - unit tests for gateway/ratelimit.h: the 60 s sliding window with
 * explicit clocks (requests leave the window second by second, refused requests are not
 * counted, retry_after is the time until the oldest needed bucket leaves), tpm refusal with
 * tokens counted after the fact, both limits at once, keys independent, late clock readings,
 * an exact count under 8 threads; and, when redis-server is installed, the same window shared
 * by two limiters ("replicas") through a real Redis, failing open (and counted) once Redis is
 * killed, and start-up errors for bad or unreachable URLs. */
#include "unit/testutil.h"
#include "unit/redis_testutil.h"

#include <pthread.h>

#include "base/metrics.h"
#include "gateway/ratelimit.h"

static ratelimit_t *mem_limiter(void)
{
    err_t err;
    ratelimit_t *rl = ratelimit_new(NULL, &err);
    assert_non_null(rl);
    return rl;
}

/* Exercises one limiter: the scenarios below run on memory and on Redis alike. */
static void check_rpm_window(ratelimit_t *rl, const char *key)
{
    int64_t retry = -1;
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 1000, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 1500, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 2000, &retry), 1);
    /* Full: the oldest request (second 1) leaves the window at 61.000 s. */
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 2500, &retry), 0);
    assert_int_equal(retry, 61000 - 2500);
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 60999, &retry), 0);
    assert_int_equal(retry, 1);
    /* Second 1's two requests have left; the refused ones were never counted. */
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 61000, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 61000, &retry), 1);
    /* Window 2..61 holds 1 (second 2) + 2 (second 61): room once second 2 leaves. */
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 61200, &retry), 0);
    assert_int_equal(retry, 62000 - 61200);
    /* A burst at the end of one minute and the start of the next cannot pass twice rpm. */
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 62000, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, key, 3, 0, 62001, &retry), 0);
}

static void check_tpm(ratelimit_t *rl, const char *key)
{
    int64_t retry = -1;
    assert_int_equal(ratelimit_admit(rl, key, 0, 100, 0, &retry), 1);
    ratelimit_add_tokens(rl, key, 60, 500);
    assert_int_equal(ratelimit_admit(rl, key, 0, 100, 10000, &retry), 1); /* 60 < 100 */
    ratelimit_add_tokens(rl, key, 50, 10000);
    /* 110 >= 100: 11 tokens must leave, so second 0's 60 must expire (at 60 s). */
    assert_int_equal(ratelimit_admit(rl, key, 0, 100, 20000, &retry), 0);
    assert_int_equal(retry, 60000 - 20000);
    assert_int_equal(ratelimit_admit(rl, key, 0, 100, 60000, &retry), 1); /* 50 left */
    /* Both limits: the later of the two waits is reported. rpm 2 is full (the requests of
     * seconds 10 and 60 are in the window; second 0's has left), tokens 50 < 100. */
    assert_int_equal(ratelimit_admit(rl, key, 2, 100, 60500, &retry), 0);
    assert_int_equal(retry, 70000 - 60500);   /* second 10's request leaves at 70 s */
    ratelimit_add_tokens(rl, key, 60, 60500); /* 110 tokens: second 10 (50) and 60 (60) */
    assert_int_equal(ratelimit_admit(rl, key, 2, 100, 61000, &retry), 0);
    assert_int_equal(retry, 70000 - 61000);
    assert_int_equal(ratelimit_admit(rl, key, 2, 50, 61000, &retry), 0);
    assert_int_equal(retry, 120000 - 61000); /* 110-50+1 = 61 tokens: second 60 must go too */
}

static void test_rpm_window(void **state)
{
    (void)state;
    ratelimit_t *rl = mem_limiter();
    check_rpm_window(rl, "key_a");
    ratelimit_free(rl);
}

static void test_tpm(void **state)
{
    (void)state;
    ratelimit_t *rl = mem_limiter();
    check_tpm(rl, "key_t");
    ratelimit_free(rl);
}

static void test_keys_independent_and_unlimited(void **state)
{
    (void)state;
    ratelimit_t *rl = mem_limiter();
    int64_t retry = -1;
    assert_int_equal(ratelimit_admit(rl, "a", 1, 0, 1000, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, "a", 1, 0, 1000, &retry), 0);
    assert_int_equal(ratelimit_admit(rl, "b", 1, 0, 1000, &retry), 1);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ratelimit_admit(rl, "c", 0, 0, 1000, &retry), 1);
    /* Tokens of another key do not count. */
    ratelimit_add_tokens(rl, "a", 1000, 1000);
    assert_int_equal(ratelimit_admit(rl, "b", 0, 10, 1000, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, "a", 0, 10, 1000, &retry), 0);
    ratelimit_free(rl);
}

/* A thread that read the clock just before another one counts in the newer second: the
 * request is counted, not lost. */
static void test_late_clock_reading(void **state)
{
    (void)state;
    ratelimit_t *rl = mem_limiter();
    int64_t retry = -1;
    assert_int_equal(ratelimit_admit(rl, "k", 2, 0, 5000, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, "k", 2, 0, 4999, &retry), 1);
    assert_int_equal(ratelimit_admit(rl, "k", 2, 0, 5001, &retry), 0);
    assert_int_equal(retry, 65000 - 5001);
    ratelimit_free(rl);
}

typedef struct race {
    ratelimit_t *rl;
    int admitted;
} race_t;

static void *race_thread(void *arg)
{
    race_t *r = arg;
    int64_t retry;
    for (int i = 0; i < 1000; i++)
        r->admitted += ratelimit_admit(r->rl, "shared", 500, 0, 30000 + i, &retry);
    return NULL;
}

static void test_concurrent_exact(void **state)
{
    (void)state;
    ratelimit_t *rl = mem_limiter();
    pthread_t t[8];
    race_t r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (race_t){rl, 0};
        pthread_create(&t[i], NULL, race_thread, &r[i]);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        total += r[i].admitted;
    }
    assert_int_equal(total, 500);
    ratelimit_free(rl);
}

/* ---- Redis ---------------------------------------------------------------------------------- */

static void test_bad_urls(void **state)
{
    (void)state;
    err_t err;
    assert_null(ratelimit_new("http://localhost", &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "redis_url");
    assert_null(ratelimit_new("redis://127.0.0.1:notaport", &err));
    assert_int_equal(err.status, 400);
    int port = test_free_port();
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    assert_null(ratelimit_new(url, &err));
    assert_int_equal(err.status, 503);
}

static void test_redis_shared_and_fail_open(void **state)
{
    (void)state;
    test_redis_t srv;
    if (test_redis_start(&srv) != 0)
        skip(); /* no redis-server installed */
    err_t err;
    ratelimit_t *a = ratelimit_new(srv.url, &err);
    ratelimit_t *b = ratelimit_new(srv.url, &err);
    assert_non_null(a);
    assert_non_null(b);
    /* The same scenarios as in memory, on one replica. */
    check_rpm_window(a, "key_r1");
    check_tpm(a, "key_r2");
    /* Two replicas share one window. */
    int64_t retry = -1;
    assert_int_equal(ratelimit_admit(a, "key_s", 3, 0, 1000, &retry), 1);
    assert_int_equal(ratelimit_admit(b, "key_s", 3, 0, 1200, &retry), 1);
    assert_int_equal(ratelimit_admit(a, "key_s", 3, 0, 2000, &retry), 1);
    assert_int_equal(ratelimit_admit(b, "key_s", 3, 0, 2500, &retry), 0);
    assert_int_equal(retry, 61000 - 2500);
    ratelimit_add_tokens(a, "key_u", 500, 1000);
    assert_int_equal(ratelimit_admit(b, "key_u", 0, 500, 3000, &retry), 0);
    assert_int_equal(retry, 61000 - 3000);

    /* Redis gone: admitted regardless of limits, each failure counted. */
    metric_t *errors = metrics_counter("llmops_ratelimit_errors_total", "", "");
    int64_t before = metrics_value(errors);
    test_redis_stop(&srv);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_admit(b, "key_s", 3, 0, 2600, &retry), 1);
    ratelimit_add_tokens(b, "key_s", 10, 2600);
    assert_true(metrics_value(errors) >= before + 6);
    ratelimit_free(a);
    ratelimit_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpm_window),
        cmocka_unit_test(test_tpm),
        cmocka_unit_test(test_keys_independent_and_unlimited),
        cmocka_unit_test(test_late_clock_reading),
        cmocka_unit_test(test_concurrent_exact),
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_redis_shared_and_fail_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
