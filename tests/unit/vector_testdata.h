/* vector_testdata.h - deterministic test data for the vector index tests: clustered Gaussian
 * vectors (centroids from N(0,1)^dim, points = centroid + N(0, sigma^2)^dim) from a seeded
 * splitmix64 generator, and recall@k of a result list against exact results. */
#ifndef LLMOPS_TESTS_VECTOR_TESTDATA_H
#define LLMOPS_TESTS_VECTOR_TESTDATA_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "vector/vec.h"

static inline uint64_t td_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double td_uniform(uint64_t *s)
{
    return (double)(td_next(s) >> 11) * 0x1.0p-53;
}

static inline double td_gauss(uint64_t *s)
{
    double u1 = ((td_next(s) >> 11) + 1) * 0x1.0p-53;
    double u2 = td_uniform(s);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* n clustered vectors of dim floats (malloc'd, caller frees). */
static inline float *td_clustered(size_t n, size_t dim, size_t clusters, double sigma,
                                  uint64_t seed)
{
    uint64_t s = seed;
    float *cent = malloc(clusters * dim * sizeof *cent);
    float *v = malloc(n * dim * sizeof *v);
    if (!cent || !v)
        abort();
    for (size_t i = 0; i < clusters * dim; i++)
        cent[i] = (float)td_gauss(&s);
    for (size_t i = 0; i < n; i++) {
        const float *c = cent + (td_next(&s) % clusters) * dim;
        for (size_t j = 0; j < dim; j++)
            v[i * dim + j] = c[j] + (float)(sigma * td_gauss(&s));
    }
    free(cent);
    return v;
}

/* Fraction of the labels of `truth` (n_truth of them) that appear in `got`. */
static inline double td_recall(const vec_hit_t *got, size_t n_got, const vec_hit_t *truth,
                               size_t n_truth)
{
    if (n_truth == 0)
        return 1.0;
    size_t found = 0;
    for (size_t i = 0; i < n_truth; i++)
        for (size_t j = 0; j < n_got; j++)
            if (got[j].label == truth[i].label) {
                found++;
                break;
            }
    return (double)found / (double)n_truth;
}

#endif
