/* test_gateway_routing.c - unit tests for gateway/routing.h: the order (chosen target first,
 * then the rest as listed), weights respected over 100,000 seeded draws (90/10 -> 88..92%),
 * weight 0 only ever a fallback, all-zero weights picking the first, stickiness per user
 * (stable across calls and reseeding, spread by weight over many users, and a split moving
 * only the users it must), seeded sequences replaying; and gw_backoff_ms's exponential caps,
 * the max cap without overflow, full jitter reaching both ends, and the Retry-After floor. */
#include "unit/testutil.h"

#include "gateway/routing.h"

#define DRAWS 100000

static void test_order_and_zero_weights(void **state)
{
    (void)state;
    gw_routing_seed(1);
    size_t order[3];
    int all_zero[3] = {0, 0, 0};
    gw_route_order("ep", all_zero, 3, NULL, order);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 2);
    int w[3] = {0, 50, 50};
    int seen[3] = {0};
    for (int i = 0; i < 10000; i++) {
        char user[32];
        snprintf(user, sizeof user, "u%d", i);
        gw_route_order("ep", w, 3, i % 2 ? user : NULL, order);
        seen[order[0]]++;
        /* the rest follow in listed order */
        size_t a = order[1], b = order[2];
        assert_true(a < b);
        assert_true(order[0] != a && order[0] != b);
    }
    assert_int_equal(seen[0], 0); /* weight 0: a fallback only */
    assert_true(seen[1] > 4000 && seen[2] > 4000);
    int single[1] = {5};
    gw_route_order("ep", single, 1, "x", order);
    assert_int_equal(order[0], 0);
}

static void test_weights_over_draws(void **state)
{
    (void)state;
    gw_routing_seed(12345);
    int w[2] = {90, 10};
    size_t order[2];
    int first0 = 0;
    for (int i = 0; i < DRAWS; i++) {
        gw_route_order("ep", w, 2, NULL, order);
        first0 += order[0] == 0;
    }
    assert_in_range(first0, DRAWS * 88 / 100, DRAWS * 92 / 100);
    /* Three-way 1:2:7. */
    int w3[3] = {1, 2, 7};
    size_t o3[3];
    int seen[3] = {0};
    for (int i = 0; i < DRAWS; i++) {
        gw_route_order("ep", w3, 3, "", o3); /* "" is no user */
        seen[o3[0]]++;
    }
    assert_in_range(seen[0], DRAWS * 8 / 100, DRAWS * 12 / 100);
    assert_in_range(seen[1], DRAWS * 18 / 100, DRAWS * 22 / 100);
    assert_in_range(seen[2], DRAWS * 68 / 100, DRAWS * 72 / 100);
}

static void test_seed_replays(void **state)
{
    (void)state;
    int w[3] = {1, 1, 1};
    size_t order[3], first[64];
    gw_routing_seed(7);
    for (int i = 0; i < 64; i++) {
        gw_route_order("ep", w, 3, NULL, order);
        first[i] = order[0];
    }
    int64_t backoff = gw_backoff_ms(3, 100, 5000, -1);
    gw_routing_seed(7);
    for (int i = 0; i < 64; i++) {
        gw_route_order("ep", w, 3, NULL, order);
        assert_int_equal(order[0], first[i]);
    }
    assert_int_equal(gw_backoff_ms(3, 100, 5000, -1), backoff);
}

static void test_sticky_users(void **state)
{
    (void)state;
    int w[2] = {90, 10};
    size_t order[2];
    /* The same user keeps the same target, whatever the random state. */
    for (int u = 0; u < 200; u++) {
        char user[32];
        snprintf(user, sizeof user, "user-%d", u);
        gw_route_order("chat", w, 2, user, order);
        size_t mine = order[0];
        for (int i = 0; i < 20; i++) {
            gw_routing_seed((uint64_t)i);
            gw_route_order("chat", w, 2, user, order);
            assert_int_equal(order[0], mine);
        }
    }
    /* Over many users the split follows the weights; moving to 80/20 only moves users from
     * target 0 to target 1, never the other way. */
    int w2[2] = {80, 20};
    int on0 = 0, on0_after = 0;
    for (int u = 0; u < DRAWS; u++) {
        char user[32];
        snprintf(user, sizeof user, "user-%d", u);
        gw_route_order("chat", w, 2, user, order);
        size_t before = order[0];
        on0 += before == 0;
        gw_route_order("chat", w2, 2, user, order);
        on0_after += order[0] == 0;
        if (before == 1)
            assert_int_equal(order[0], 1);
    }
    assert_in_range(on0, DRAWS * 88 / 100, DRAWS * 92 / 100);
    assert_in_range(on0_after, DRAWS * 78 / 100, DRAWS * 82 / 100);
}

static void test_backoff(void **state)
{
    (void)state;
    gw_routing_seed(99);
    int64_t lo = INT64_MAX, hi = -1;
    for (int i = 0; i < 10000; i++) {
        int64_t d = gw_backoff_ms(1, 100, 5000, -1);
        assert_in_range(d, 0, 100);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(lo <= 2 && hi >= 98); /* full jitter: the whole range is used */
    hi = -1;
    for (int i = 0; i < 10000; i++) {
        int64_t d = gw_backoff_ms(3, 100, 5000, -1); /* cap 400 */
        assert_in_range(d, 0, 400);
        hi = d > hi ? d : hi;
    }
    assert_true(hi > 390);
    for (int i = 0; i < 1000; i++) {
        assert_in_range(gw_backoff_ms(7, 100, 5000, -1), 0, 5000);    /* 6400 capped */
        assert_in_range(gw_backoff_ms(1000, 100, 5000, -1), 0, 5000); /* no overflow */
        assert_in_range(gw_backoff_ms(0, 100, 5000, -1), 0, 100);     /* treated as 1 */
    }
    /* Retry-After is a floor, also above the cap. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(gw_backoff_ms(1, 100, 5000, 2000), 2000);
        assert_int_equal(gw_backoff_ms(5, 100, 5000, 60000), 60000);
        assert_in_range(gw_backoff_ms(3, 100, 5000, 300), 300, 400);
        assert_in_range(gw_backoff_ms(3, 100, 5000, 0), 0, 400);
    }
    assert_int_equal(gw_backoff_ms(4, 0, 5000, -1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_zero_weights),
        cmocka_unit_test(test_weights_over_draws),
        cmocka_unit_test(test_seed_replays),
        cmocka_unit_test(test_sticky_users),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
