/* test_eval_stats.c - unit tests for eval/stats.h: nearest-rank percentiles on known examples,
 * the bootstrap mean and paired difference (determinism with a seed, n = 0 and 1, constant data,
 * intervals that contain the mean and narrow with more data, seeds that differ). */
#include "unit/testutil.h"

#include <math.h>

#include "eval/stats.h"

static void percentile_examples(void **state)
{
    (void)state;
    /* The nearest-rank examples of the usual definition: 5 values 15 20 35 40 50. */
    double v[] = {50, 15, 40, 20, 35};
    assert_true(stats_percentile(v, 5, 5) == 15);
    assert_true(stats_percentile(v, 5, 30) == 20);
    assert_true(stats_percentile(v, 5, 40) == 20);
    assert_true(stats_percentile(v, 5, 50) == 35);
    assert_true(stats_percentile(v, 5, 100) == 50);
    assert_true(stats_percentile(v, 5, 0) == 15);
    /* sorted in place */
    assert_true(v[0] == 15 && v[1] == 20 && v[2] == 35 && v[3] == 40 && v[4] == 50);

    double w[] = {3, 6, 7, 8, 8, 10, 13, 15, 16, 20};
    assert_true(stats_percentile(w, 10, 25) == 7);
    assert_true(stats_percentile(w, 10, 50) == 8);
    assert_true(stats_percentile(w, 10, 75) == 15);
    assert_true(stats_percentile(w, 10, 95) == 20);
    assert_true(stats_percentile(w, 10, 10) == 3);
    assert_true(stats_percentile(w, 10, 11) == 6);

    double one[] = {4.5};
    assert_true(stats_percentile(one, 1, 50) == 4.5);
    assert_true(stats_percentile(one, 1, 95) == 4.5);
    assert_true(isnan(stats_percentile(one, 0, 50)));
    assert_true(isnan(stats_percentile(NULL, 0, 50)));
}

static void bootstrap_empty_and_single(void **state)
{
    (void)state;
    stats_interval_t e = stats_bootstrap_mean(NULL, 0, 1000, 42);
    assert_true(isnan(e.mean) && isnan(e.ci_low) && isnan(e.ci_high));
    assert_int_equal(e.n, 0);

    double one[] = {0.25};
    stats_interval_t s = stats_bootstrap_mean(one, 1, 1000, 42);
    assert_true(s.mean == 0.25 && s.ci_low == 0.25 && s.ci_high == 0.25);
    assert_int_equal(s.n, 1);

    stats_interval_t d = stats_bootstrap_diff(NULL, NULL, 0, 1000, 42);
    assert_true(isnan(d.mean));
    assert_int_equal(d.n, 0);
    double a[] = {0.5}, b[] = {0.75};
    d = stats_bootstrap_diff(a, b, 1, 1000, 42);
    assert_true(d.mean == 0.25 && d.ci_low == 0.25 && d.ci_high == 0.25);
}

static void constant_data_zero_width(void **state)
{
    (void)state;
    double v[50];
    for (int i = 0; i < 50; i++)
        v[i] = 0.7;
    stats_interval_t s = stats_bootstrap_mean(v, 50, 500, 7);
    assert_int_equal(s.n, 50);
    assert_true(s.ci_low == s.ci_high);
    assert_true(s.ci_low == s.mean);
    assert_true(fabs(s.mean - 0.7) < 1e-12);
}

static void deterministic_with_seed(void **state)
{
    (void)state;
    double v[40];
    for (int i = 0; i < 40; i++)
        v[i] = (i * 7 % 11) / 10.0;
    stats_interval_t x = stats_bootstrap_mean(v, 40, 1000, 42);
    stats_interval_t y = stats_bootstrap_mean(v, 40, 1000, 42);
    assert_true(x.mean == y.mean && x.ci_low == y.ci_low && x.ci_high == y.ci_high);

    /* Another seed gives another interval around the same mean (very likely at 40 values). */
    int differs = 0;
    for (uint64_t seed = 1; seed <= 5 && !differs; seed++) {
        stats_interval_t z = stats_bootstrap_mean(v, 40, 1000, seed);
        assert_true(z.mean == x.mean);
        differs = z.ci_low != x.ci_low || z.ci_high != x.ci_high;
    }
    assert_true(differs);

    /* resamples <= 0 means the default */
    stats_interval_t d1 = stats_bootstrap_mean(v, 40, 0, 42);
    stats_interval_t d2 = stats_bootstrap_mean(v, 40, STATS_DEFAULT_RESAMPLES, 42);
    assert_true(d1.ci_low == d2.ci_low && d1.ci_high == d2.ci_high);
}

static void interval_contains_mean_and_narrows(void **state)
{
    (void)state;
    /* 0/1 pass values, 70% ones: the interval holds 0.7 and lies inside [0, 1]. */
    double small[20], large[2000];
    for (int i = 0; i < 20; i++)
        small[i] = i % 10 < 7 ? 1 : 0;
    for (int i = 0; i < 2000; i++)
        large[i] = i % 10 < 7 ? 1 : 0;
    stats_interval_t s = stats_bootstrap_mean(small, 20, 1000, 42);
    stats_interval_t l = stats_bootstrap_mean(large, 2000, 1000, 42);
    assert_true(fabs(s.mean - 0.7) < 1e-12 && fabs(l.mean - 0.7) < 1e-12);
    assert_true(s.ci_low <= s.mean && s.mean <= s.ci_high);
    assert_true(l.ci_low <= l.mean && l.mean <= l.ci_high);
    assert_true(s.ci_low >= 0 && s.ci_high <= 1);
    assert_true(s.ci_low < s.ci_high);
    /* the standard error of 0.7 at n = 2000 is ~0.01: the 95% interval is ~0.04 wide */
    assert_true(l.ci_high - l.ci_low < 0.06);
    assert_true(l.ci_high - l.ci_low > 0.02);
    assert_true(s.ci_high - s.ci_low > l.ci_high - l.ci_low);
    /* at n = 20, the 95% interval of a 0.7 proportion is roughly 0.5 .. 0.9 */
    assert_true(s.ci_low > 0.35 && s.ci_low < 0.6);
    assert_true(s.ci_high > 0.8 && s.ci_high <= 1.0);
}

static void paired_difference(void **state)
{
    (void)state;
    double a[100], b[100];
    for (int i = 0; i < 100; i++) {
        a[i] = i % 2;              /* 0.5 */
        b[i] = i % 4 != 0 ? 1 : 0; /* 0.75 */
    }
    stats_interval_t d = stats_bootstrap_diff(a, b, 100, 1000, 42);
    assert_int_equal(d.n, 100);
    assert_true(fabs(d.mean - 0.25) < 1e-12);
    assert_true(d.ci_low <= d.mean && d.mean <= d.ci_high);
    assert_true(d.ci_low > 0); /* a clear improvement: the interval excludes 0 */

    /* identical runs: the difference is exactly zero, interval [0, 0] */
    stats_interval_t z = stats_bootstrap_diff(a, a, 100, 1000, 42);
    assert_true(z.mean == 0 && z.ci_low == 0 && z.ci_high == 0);

    /* swapped: the same interval mirrored (up to one rank of the 1000 resamples, as the
     * nearest ranks of 2.5% and 97.5% are the 25th and 975th of 1000) */
    stats_interval_t m = stats_bootstrap_diff(b, a, 100, 1000, 42);
    assert_true(fabs(m.mean + d.mean) < 1e-12);
    assert_true(fabs(m.ci_low + d.ci_high) < 0.03);
    assert_true(fabs(m.ci_high + d.ci_low) < 0.03);
    assert_true(m.ci_high < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percentile_examples),
        cmocka_unit_test(bootstrap_empty_and_single),
        cmocka_unit_test(constant_data_zero_width),
        cmocka_unit_test(deterministic_with_seed),
        cmocka_unit_test(interval_contains_mean_and_narrows),
        cmocka_unit_test(paired_difference),
    };
    return cmocka_run_group_tests_name("eval_stats", tests, NULL, NULL);
}
