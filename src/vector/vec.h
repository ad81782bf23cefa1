/* vec.h - what every part of the vector index shares: the distance metrics, the search hit,
 * the filter callback and the size limits.
 *
 * Distances are "smaller is closer" for every metric, so one top-k routine serves all three:
 *
 *   VEC_L2      squared Euclidean distance, sum((a_i - b_i)^2); the square root is never taken
 *               (it does not change the order).
 *   VEC_DOT     inner product as a distance: -dot(a, b). It can be negative; vectors are stored
 *               as given (maximum inner product search).
 *   VEC_COSINE  cosine distance, 1 - cos(a, b), in [0, 2]. Vectors (and queries) are normalised
 *               to unit length when they come in, so the distance is computed as 1 - dot(a, b)
 *               and costs no more than VEC_DOT. A zero vector has no direction and is refused.
 *
 * Labels are the caller's 64-bit ids for its vectors; the index maps them to dense internal
 * positions of its own. */
#ifndef LLMOPS_VECTOR_VEC_H
#define LLMOPS_VECTOR_VEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define VEC_DIM_MIN 1
#define VEC_DIM_MAX 4096
#define VEC_K_MAX   10000 /* most results one search may ask for */

typedef enum vec_metric {
    VEC_L2 = 0,
    VEC_DOT = 1,
    VEC_COSINE = 2,
} vec_metric_t;

/* One search result: the caller's label and its distance to the query (see above). */
typedef struct vec_hit {
    uint64_t label;
    float distance;
} vec_hit_t;

/* Search filter: return nonzero to accept `label` as a result. Called from the searching thread,
 * possibly many times per search and concurrently from several searches; it must not call back
 * into the index. */
typedef int (*vec_accept_fn)(uint64_t label, void *ctx);

/* "l2" | "dot" | "cosine" -> metric; -1 with a 400 naming `field` for anything else. */
int vec_metric_parse(const char *name, vec_metric_t *out, const char *field, err_t *err);
/* The name vec_metric_parse accepts, or NULL for a value outside the enum. */
const char *vec_metric_name(vec_metric_t metric);

#endif
