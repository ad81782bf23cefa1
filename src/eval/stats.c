/* stats.c - bootstrap confidence intervals, paired differences and percentiles for evaluation
 * summaries (stats.h).
 *
 * The generator is xoshiro256** (Blackman & Vigna, public domain algorithm) seeded through
 * splitmix64, written out here in a few lines so that an interval depends only on the values
 * and the seed: the same inputs give the same interval on every machine and libc (rand() and
 * random() differ between libcs). Indices are drawn without modulo bias by rejection. */
#include "eval/stats.h"

#include <math.h>
#include <stdlib.h>

#include "base/buf.h"

typedef struct rng {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng_t *r, uint64_t seed)
{
    /* splitmix64 spreads any seed (0 included) over the four words; xoshiro must not start
     * from all zeros, which splitmix64 never yields for four consecutive outputs. */
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* A uniform index in [0, n), n > 0: draws below the largest multiple of n are kept so every
 * index is equally likely. */
static size_t rng_index(rng_t *r, size_t n)
{
    uint64_t bound = (uint64_t)n;
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    uint64_t x;
    do {
        x = rng_next(r);
    } while (x >= limit);
    return (size_t)(x % bound);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank on sorted values: the smallest value with at least p% of the values at or
 * below it, i.e. sorted[ceil(p/100 * n) - 1], rank clamped to 1..n. */
static double nearest_rank(const double *sorted, size_t n, double p)
{
    if (p <= 0)
        return sorted[0];
    if (p >= 100)
        return sorted[n - 1];
    double r = ceil(p / 100.0 * (double)n);
    size_t rank = r < 1 ? 1 : (size_t)r;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

double stats_percentile(double *values, size_t n, double p)
{
    if (n == 0 || !values)
        return NAN;
    qsort(values, n, sizeof *values, cmp_double);
    return nearest_rank(values, n, p);
}

static double mean_of(const double *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    return sum / (double)n;
}

/* The percentile bootstrap over values[0..n), n >= 2: B resample means, their 2.5th and
 * 97.5th nearest-rank percentiles. */
static stats_interval_t bootstrap(const double *values, size_t n, int resamples, uint64_t seed)
{
    stats_interval_t out = {.mean = mean_of(values, n), .n = n};
    size_t b = resamples > 0 ? (size_t)resamples : STATS_DEFAULT_RESAMPLES;
    double *means = xmalloc(b * sizeof *means);
    rng_t rng;
    rng_seed(&rng, seed);
    for (size_t k = 0; k < b; k++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += values[rng_index(&rng, n)];
        means[k] = sum / (double)n;
    }
    qsort(means, b, sizeof *means, cmp_double);
    out.ci_low = nearest_rank(means, b, 2.5);
    out.ci_high = nearest_rank(means, b, 97.5);
    free(means);
    return out;
}

stats_interval_t stats_bootstrap_mean(const double *values, size_t n, int resamples, uint64_t seed)
{
    if (n == 0 || !values)
        return (stats_interval_t){.mean = NAN, .ci_low = NAN, .ci_high = NAN, .n = 0};
    if (n == 1)
        return (stats_interval_t){
            .mean = values[0], .ci_low = values[0], .ci_high = values[0], .n = 1};
    return bootstrap(values, n, resamples, seed);
}

stats_interval_t stats_bootstrap_diff(const double *a, const double *b, size_t n, int resamples,
                                      uint64_t seed)
{
    if (n == 0 || !a || !b)
        return (stats_interval_t){.mean = NAN, .ci_low = NAN, .ci_high = NAN, .n = 0};
    /* Resampling pairs is resampling their differences: each pair keeps its own d = b - a. */
    double *d = xmalloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = b[i] - a[i];
    stats_interval_t out = stats_bootstrap_mean(d, n, resamples, seed);
    free(d);
    return out;
}
