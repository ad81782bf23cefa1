/* hnsw_internal.h - the HNSW index's data structure, shared by hnsw.c (building, searching) and
 * hnsw_io.c (saving, loading). Nothing outside src/vector/ includes it.
 *
 * Node storage is one array of fixed-size blocks, one per node, in insertion order, so that a
 * search touching a node finds its vector, label, flags and layer-0 links in one place:
 *
 *   [ vector: dim floats ][ label u64 ][ flags u32 ][ link count u32 ][ m0 link ids u32 ] pad
 *   ^ 64-byte aligned                                                       stride: 64 * n
 *
 * Links of layers 1 and up live in a separate allocation per node (most nodes have none):
 * level * (1 + m) u32: for layer l (1-based) a count and m ids at (l - 1) * (1 + m).
 *
 * Publication: a node's vector, label, level and upper-link memory are written before its id is
 * stored anywhere a search can read it (the node count, a link list), and those stores are
 * releases; searches read counts and ids with acquire loads. Link ids and counts are atomics
 * because the writer updates lists that searches are reading. */
#ifndef LLMOPS_VECTOR_HNSW_INTERNAL_H
#define LLMOPS_VECTOR_HNSW_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "vector/distance.h"
#include "vector/heap.h"
#include "vector/hnsw.h"
#include "vector/labelmap.h"

typedef _Atomic uint32_t hnsw_link_t;

#define HNSW_FLAG_DELETED 1u
#define HNSW_NO_ENTRY     UINT64_MAX /* entry word of an empty index */
#define HNSW_ALIGN        64

/* Per-search working memory, pooled so that searches do not allocate. */
typedef struct hnsw_scratch {
    uint16_t *visited; /* visited[id] == tag: seen in the current layer search */
    size_t visited_cap;
    uint16_t tag;
    heap_t cand;     /* min-heap: candidates to expand */
    heap_t top;      /* max-heap: best results so far */
    uint32_t *ids;   /* one link list copied out of the graph */
    uint32_t *fresh; /* its unvisited members */
    float *query;    /* the prepared query */
    struct hnsw_scratch *next;
} hnsw_scratch_t;

struct hnsw {
    /* Fixed at creation. */
    vec_metric_t metric;
    vec_distance_fn dist;
    uint32_t dim, m, m0, ef_construction;
    uint64_t seed;
    double level_mult; /* mL = 1 / ln(m) */
    size_t off_label, off_flags, off_links0, stride;
    size_t upper_words; /* u32 per upper layer: 1 + m */

    _Atomic uint32_t ef_search;

    pthread_mutex_t write_mu;   /* serialises every change (and save) */
    pthread_rwlock_t grow_lock; /* searches: shared; reallocating the arrays: exclusive */

    /* Reallocated only under grow_lock held exclusively. */
    char *nodes;         /* capacity * stride bytes, HNSW_ALIGN-aligned */
    uint8_t *levels;     /* top layer of each node */
    hnsw_link_t **upper; /* links of layers >= 1, NULL for layer-0-only nodes */
    size_t capacity;

    _Atomic uint32_t count; /* published nodes: ids < count are complete */
    _Atomic uint64_t entry; /* (top layer << 32) | entry node id, or HNSW_NO_ENTRY */
    _Atomic size_t live;    /* non-deleted nodes */

    /* Writer-only state (under write_mu). */
    labelmap_t labels; /* live label -> node id */
    uint64_t rng;      /* level generator state (splitmix64) */
    size_t upper_bytes;
    hnsw_scratch_t *wscratch; /* the writer's own scratch */
    uint32_t *selected;       /* per-layer neighbour choices of the node being inserted */
    heap_pair_t *prune;       /* candidates when re-selecting a neighbour's links */

    pthread_mutex_t pool_mu;
    hnsw_scratch_t *pool;
    _Atomic size_t scratch_bytes;
};

static inline char *hnsw_node(const hnsw_t *h, uint32_t id)
{
    return h->nodes + (size_t)id * h->stride;
}

static inline const float *hnsw_vec(const hnsw_t *h, uint32_t id)
{
    return (const float *)hnsw_node(h, id);
}

static inline uint64_t hnsw_label(const hnsw_t *h, uint32_t id)
{
    return *(const uint64_t *)(hnsw_node(h, id) + h->off_label);
}

static inline _Atomic uint32_t *hnsw_flags(const hnsw_t *h, uint32_t id)
{
    return (_Atomic uint32_t *)(hnsw_node(h, id) + h->off_flags);
}

static inline int hnsw_is_deleted(const hnsw_t *h, uint32_t id)
{
    return (atomic_load_explicit(hnsw_flags(h, id), memory_order_relaxed) & HNSW_FLAG_DELETED) != 0;
}

/* The link list of node id on `level`: [0] is the count, [1..] the ids. */
static inline hnsw_link_t *hnsw_links(const hnsw_t *h, uint32_t id, int level)
{
    if (level == 0)
        return (hnsw_link_t *)(hnsw_node(h, id) + h->off_links0);
    return h->upper[id] + (size_t)(level - 1) * h->upper_words;
}

static inline uint32_t hnsw_max_links(const hnsw_t *h, int level)
{
    return level == 0 ? h->m0 : h->m;
}

/* Set up the fixed fields and empty storage from validated parameters (hnsw.c). */
int hnsw_init_struct(hnsw_t **out, const hnsw_params_t *p, err_t *err);
/* Grow node storage to hold at least `want` nodes (hnsw.c). Caller holds write_mu. */
int hnsw_reserve(hnsw_t *h, size_t want, err_t *err);
/* Check parameters as hnsw_create does: a 400 naming the parameter (hnsw.c). */
int hnsw_params_check(const hnsw_params_t *p, err_t *err);

#endif
