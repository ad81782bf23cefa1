/* rrf.c - reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009): each document's
 * fused score is the sum, over the ranked lists it appears in, of 1 / (k + rank), rank counted
 * from 1. It needs no score calibration between retrievers (BM25 and cosine similarities live
 * on unrelated scales), only their orders; k = 60 is the paper's constant and damps the weight
 * of the very first ranks. */
#include <stdlib.h>

#include "base/buf.h"
#include "vector/vectors.h"

typedef struct scored {
    int64_t id;
    double score;
} scored_t;

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const scored_t *)a)->id, y = ((const scored_t *)b)->id;
    return x < y ? -1 : x > y;
}

static int by_score(const void *a, const void *b)
{
    const scored_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t vs_rrf(const int64_t *const *ids, const size_t *lens, size_t lists, double k, size_t max,
              int64_t *out_ids, double *out_scores)
{
    size_t total = 0;
    for (size_t l = 0; l < lists; l++)
        total += lens[l];
    if (!total || !max)
        return 0;
    scored_t *all = xmalloc(total * sizeof *all);
    size_t n = 0;
    for (size_t l = 0; l < lists; l++)
        for (size_t r = 0; r < lens[l]; r++)
            all[n++] = (scored_t){ids[l][r], 1.0 / (k + (double)(r + 1))};
    qsort(all, n, sizeof *all, by_id);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && all[m - 1].id == all[i].id)
            all[m - 1].score += all[i].score;
        else
            all[m++] = all[i];
    }
    qsort(all, m, sizeof *all, by_score);
    size_t out = m < max ? m : max;
    for (size_t i = 0; i < out; i++) {
        out_ids[i] = all[i].id;
        if (out_scores)
            out_scores[i] = all[i].score;
    }
    free(all);
    return out;
}
