/* stats.h - the statistics an evaluation reports: means with a bootstrap confidence interval,
 * percentiles, and paired differences between two evaluations.
 *
 * The bootstrap is the percentile bootstrap: B resamples (default 1000) of the n values with
 * replacement, the statistic's 2.5th and 97.5th percentiles as the 95% interval. Its random
 * numbers come from a seeded generator (splitmix64/xoshiro-style, our own: a few lines, no
 * library has it), so the same values and seed give the same interval on every machine. */
#ifndef LLMOPS_EVAL_STATS_H
#define LLMOPS_EVAL_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_DEFAULT_RESAMPLES 1000
#define STATS_DEFAULT_SEED      42

typedef struct stats_interval {
    double mean;
    double ci_low;
    double ci_high;
    size_t n;
} stats_interval_t;

/* Mean of values[0..n) with a 95% percentile-bootstrap interval. n == 0: all NaN, n 0.
 * n == 1: the interval is the value itself. */
stats_interval_t stats_bootstrap_mean(const double *values, size_t n, int resamples, uint64_t seed);

/* Paired difference b[i] - a[i] over n pairs: the mean difference and its bootstrap interval
 * (resampling pairs). */
stats_interval_t stats_bootstrap_diff(const double *a, const double *b, size_t n, int resamples,
                                      uint64_t seed);

/* Nearest-rank percentile p (0..100) of values (sorted in place). NaN for n == 0. */
double stats_percentile(double *values, size_t n, double p);

#endif
