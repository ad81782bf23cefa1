/* exact.c - brute-force top-k search (see exact.h). */
#include "vector/exact.h"

#include <stdlib.h>

#include "vector/distance.h"
#include "vector/heap.h"

int vec_exact_search(const vec_matrix_t *m, const float *query, size_t k, vec_accept_fn accept,
                     void *accept_ctx, vec_hit_t *hits, size_t *nhits, err_t *err)
{
    *nhits = 0;
    if (m->dim < VEC_DIM_MIN || m->dim > VEC_DIM_MAX)
        return err_invalid(err, "dim", "dim must be between %d and %d", VEC_DIM_MIN, VEC_DIM_MAX);
    if (k < 1 || k > VEC_K_MAX)
        return err_invalid(err, "k", "k must be between 1 and %d", VEC_K_MAX);
    if (m->n >= UINT32_MAX)
        return err_invalid(err, "n", "too many rows for one exact search (at most %u)",
                           UINT32_MAX - 1);
    vec_distance_fn dist = vec_distance_for(m->metric);
    if (!dist)
        return err_invalid(err, "metric", "unknown metric %d", (int)m->metric);

    float *q = malloc(m->dim * sizeof *q);
    heap_t top = {0};
    if (!q || heap_reserve(&top, k) != 0) {
        free(q);
        return err_internal(err, "out of memory for an exact search");
    }
    if (vec_prepare(m->metric, query, q, m->dim, "query", err) != 0) {
        free(q);
        heap_free(&top);
        return -1;
    }
    for (size_t i = 0; i < m->n; i++) {
        uint64_t label = m->labels ? m->labels[i] : i;
        if (accept && !accept(label, accept_ctx))
            continue;
        maxheap_push_bounded(&top, k, dist(q, m->rows + i * m->dim, m->dim), (uint32_t)i);
    }
    size_t n = maxheap_sort(&top);
    const heap_pair_t *sorted = top.items;
    for (size_t i = 0; i < n; i++) {
        hits[i].label = m->labels ? m->labels[sorted[i].id] : sorted[i].id;
        hits[i].distance = sorted[i].dist;
    }
    *nhits = n;
    free(q);
    heap_free(&top);
    return 0;
}
