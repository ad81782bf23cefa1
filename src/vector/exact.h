/* exact.h - exact (brute-force) k-nearest-neighbour search over a matrix of vectors: every row
 * is compared with the query and the k closest are kept in a bounded max-heap, O(n * dim) time
 * and O(k) memory. It is the ground truth the approximate index (hnsw.h) is measured against,
 * and the right tool for small sets or very selective filters.
 *
 * Rows must be stored as the metric expects (vec_prepare: unit length for cosine); the query is
 * prepared here. Results are sorted by distance, ties broken by row position (earlier first). */
#ifndef LLMOPS_VECTOR_EXACT_H
#define LLMOPS_VECTOR_EXACT_H

#include <stddef.h>
#include <stdint.h>

#include "vector/vec.h"

typedef struct vec_matrix {
    vec_metric_t metric;
    size_t dim;
    const float *rows;      /* n * dim floats, row-major; borrowed */
    const uint64_t *labels; /* n labels, or NULL: a row's label is its position */
    size_t n;               /* fewer than 2^32 rows */
} vec_matrix_t;

/* The k (1..VEC_K_MAX) rows closest to `query` (dim floats) among those `accept` takes
 * (accept NULL: all rows). hits needs room for k; *nhits gets min(k, accepted rows).
 * -1 with a 400 for a bad k, dim, or query (non-finite, zero under cosine); 500 when memory
 * runs out. */
int vec_exact_search(const vec_matrix_t *m, const float *query, size_t k, vec_accept_fn accept,
                     void *accept_ctx, vec_hit_t *hits, size_t *nhits, err_t *err);

#endif
