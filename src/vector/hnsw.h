/* hnsw.h - an in-memory approximate nearest-neighbour index: Hierarchical Navigable Small World
 * graphs (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
 * Hierarchical Navigable Small World graphs", 2016/2018), with tombstone deletes, filters applied
 * during the search, concurrent searches beside a writer, and a checksummed file format.
 *
 * The algorithm
 * -------------
 * Every vector is a node in a stack of proximity graphs. A new node draws its top layer
 * l = floor(-ln(u) * mL), u uniform in (0, 1], mL = 1 / ln(M): layer 0 holds every node, each
 * layer above about 1/M of the one below. A search starts at the entry point (a node of the
 * top layer), walks greedily down the upper layers (keeping the single closest node), and on
 * layer 0 runs a best-first search that keeps the ef closest nodes found so far and expands
 * candidates until the closest unexpanded one is farther than the worst of those ef
 * (Algorithm 2 of the paper). Insertion (Algorithm 1) searches the same way with
 * ef = ef_construction on every layer from the node's top layer down, picks at most M
 * neighbours per layer with the neighbour-selection heuristic (Algorithm 4: a candidate is
 * kept only when it is closer to the new node than to every neighbour kept before it, which
 * keeps links pointing in diverse directions and the graph navigable across clusters), links
 * both ways, and when a neighbour then has more than M_max links (M on upper layers,
 * M_max0 = 2*M on layer 0) re-selects that neighbour's links with the same heuristic. As in
 * hnswlib, the heuristic runs without the paper's optional candidate extension and without
 * keeping pruned connections.
 *
 * Parameters (hnsw_params_t)
 * --------------------------
 *   m                links per node on upper layers (2..64, default 16); layer 0 gets 2*m. Higher
 *                    m: better recall on hard (high intrinsic dimension) data, more memory
 *                    (4 * 2m bytes per node on layer 0), slower inserts.
 *   ef_construction  candidate list size while inserting (1..4096, default 200): build time
 *                    against graph quality.
 *   ef_search        candidate list size of a query (1..4096, default 64; a query can set its
 *                    own): query time against recall. A search for k results uses
 *                    max(ef_search, k).
 *   seed             seeds the level generator. Building from the same vectors in the same order
 *                    with the same parameters gives the same graph and the same search results,
 *                    byte for byte (the generator's state is saved, so a loaded index that keeps
 *                    growing stays identical to one that never left memory).
 *   capacity         initial node slots (default 256); storage grows by half as needed (the
 *                    copy blocks searches, see Concurrency: pass the expected size).
 *
 * Labels, deletes, replacement
 * ----------------------------
 * The caller names each vector with a uint64 label; nodes are numbered internally in insertion
 * order. Deleting marks the node as a tombstone: searches still walk through it (so the graph
 * stays navigable) but never return it, and new nodes do not link to it. Adding a label that is
 * present replaces its vector: the old node becomes a tombstone, a new node is inserted.
 * Tombstones keep their memory until the index is rebuilt; hnsw_info reports how many there are.
 *
 * Filters
 * -------
 * A search may carry a predicate accept(label, ctx). It is applied during the graph search, not
 * after: nodes the filter rejects are still expanded (they are how the search reaches accepted
 * ones) but never enter the result list, and the search goes on until it holds ef accepted
 * results and no closer candidate remains, or it runs out of candidates. So a filtered search
 * returns min(k, accepted vectors) results as long as they are reachable; the price is that with
 * a selective filter the search must walk about ef / selectivity nodes. For very selective
 * filters an exact scan of the accepted vectors is cheaper (and exact), so the search chooses:
 * with strategy HNSW_AUTO it estimates the selectivity s (the caller's estimate when given, else
 * the share of a fixed, evenly spaced sample of up to 256 nodes that the filter accepts) and
 * scans when  live * (s + 1/8)  <=  16 * ef / s  (scan cost: the filter on every node plus a
 * distance for each accepted one; graph cost: distances for the nodes it must walk).
 * HNSW_GRAPH and HNSW_EXACT force either. Deleted vectors are never returned either way.
 *
 * Concurrency
 * -----------
 * Any number of threads may search while one thread changes the index (add, delete, set_ef,
 * save); changes are serialised by a writer mutex, so several writers are safe but run one at a
 * time. Searches take no lock on the nodes: link lists are arrays of C11 atomics that the writer
 * stores with release and searches load with acquire (plain moves on x86), so a search sees
 * each list either before or after an update, or a mix of the two, and every id in it is a
 * fully written node. Node storage is only reallocated while the index grows; searches hold a
 * reader lock (a pthread rwlock that prefers the writer) that this growth takes exclusively for
 * the copy, so a search waits at most one copy of the node array. A search racing with a
 * replacement may miss the label (it sees neither version) but never returns it twice.
 * hnsw_free must not race with anything.
 *
 * Persistence
 * -----------
 * hnsw_save writes the whole index (parameters, generator state, vectors, labels, tombstones,
 * links) to a temporary file beside the target, fsyncs it, renames it over the target and
 * fsyncs the directory: after a crash the path holds the old file or the new one, never half of
 * one. The format (little-endian, version 1) is a 96-byte header (magic "LLMHNSW1", version,
 * dim, metric, m, m0, ef values, seed, generator state, node and live counts, entry point, top
 * layer, payload length), the nodes, and a SHA-256 of everything before it. hnsw_load checks
 * the length against the header before allocating, validates every field, count and link while
 * reading, then the checksum; a truncated or corrupt file is refused with a 400 that says what
 * is wrong, and never crashes.
 *
 * Memory: per node dim*4 bytes of vector + 4*(2m+1) of layer-0 links + 16 of label and flags,
 * rounded up to 64 bytes, plus 4*(m+1) per upper layer (about 1/m of nodes have one), plus the
 * label table (~17 bytes per label) and per-thread search scratch (2 bytes per node for the
 * visited marks). hnsw_info reports the exact figures. */
#ifndef LLMOPS_VECTOR_HNSW_H
#define LLMOPS_VECTOR_HNSW_H

#include <stddef.h>
#include <stdint.h>

#include "vector/vec.h"

#define HNSW_M_MIN             2
#define HNSW_M_MAX             64
#define HNSW_EF_MAX            4096
#define HNSW_MAX_NODES         (1u << 30) /* node slots, tombstones included */
#define HNSW_LEVEL_MAX         24         /* top layer cap (reached with p ~ M^-24) */
#define HNSW_DEFAULT_M         16
#define HNSW_DEFAULT_EF_BUILD  200
#define HNSW_DEFAULT_EF_SEARCH 64
#define HNSW_DEFAULT_SEED      0x5eedULL
#define HNSW_DEFAULT_CAPACITY  256
#define HNSW_FORMAT_VERSION    1

typedef struct hnsw hnsw_t;

typedef struct hnsw_params {
    vec_metric_t metric;
    uint32_t dim; /* VEC_DIM_MIN..VEC_DIM_MAX */
    uint32_t m;
    uint32_t ef_construction;
    uint32_t ef_search;
    uint64_t seed;
    uint32_t capacity;
} hnsw_params_t;

/* The defaults above for `metric` and `dim`. */
void hnsw_params_default(hnsw_params_t *p, vec_metric_t metric, uint32_t dim);

/* New empty index. -1 with a 400 naming the parameter at fault, or 500 out of memory. */
int hnsw_create(const hnsw_params_t *p, hnsw_t **out, err_t *err);
void hnsw_free(hnsw_t *h);

/* Insert `vec` (dim floats, copied) under `label`, replacing the label's vector when present.
 * -1 with a 400 (non-finite component, zero vector under cosine) or 500 (out of memory, node
 * limit): the index is then unchanged. */
int hnsw_add(hnsw_t *h, uint64_t label, const float *vec, err_t *err);
/* Tombstone the label's vector. 404 when the label is not in the index. */
int hnsw_delete(hnsw_t *h, uint64_t label, err_t *err);
/* 1 when the label is live in the index. */
int hnsw_contains(hnsw_t *h, uint64_t label);
/* Copy the label's stored vector (unit length under cosine) to out (dim floats). 404 if absent. */
int hnsw_get(hnsw_t *h, uint64_t label, float *out, err_t *err);

/* Default ef for searches that do not set their own (1..HNSW_EF_MAX). */
int hnsw_set_ef_search(hnsw_t *h, uint32_t ef, err_t *err);

typedef enum hnsw_strategy {
    HNSW_AUTO = 0, /* graph search; exact scan when a filter is selective enough (see above) */
    HNSW_GRAPH,    /* always the graph */
    HNSW_EXACT,    /* always the scan: exact results, O(n) */
} hnsw_strategy_t;

typedef struct hnsw_search_opts {
    uint32_t ef_search;   /* 0: the index's default */
    vec_accept_fn accept; /* NULL: every live vector may be returned */
    void *accept_ctx;
    double selectivity; /* estimated fraction of vectors accept takes, in (0, 1]; 0: unknown */
    hnsw_strategy_t strategy;
} hnsw_search_opts_t;

typedef struct hnsw_search_stats {
    uint64_t distances; /* distance computations */
    uint64_t expanded;  /* nodes whose links were read */
    int exact;          /* 1 when answered by the exact scan */
    double selectivity; /* the estimate the strategy used (filtered searches), else 1 */
} hnsw_search_stats_t;

/* The k (1..VEC_K_MAX) nearest live vectors to `query` (dim floats) that the filter accepts,
 * closest first, into hits (room for k); *nhits gets how many. opts and stats may be NULL.
 * Safe beside other searches and one writer. -1 with a 400 for a bad k, ef or query, 500 when
 * memory runs out. */
int hnsw_search(hnsw_t *h, const float *query, size_t k, const hnsw_search_opts_t *opts,
                vec_hit_t *hits, size_t *nhits, hnsw_search_stats_t *stats, err_t *err);

typedef struct hnsw_info {
    hnsw_params_t params; /* as created (capacity: the current one) */
    uint32_t m0;          /* layer-0 links: 2 * m */
    size_t nodes;         /* node slots used, tombstones included */
    size_t live;          /* vectors a search can return */
    size_t deleted;       /* tombstones */
    int top_level;        /* the entry point's layer; -1 when empty */
    size_t bytes_vectors; /* vector payload of the used nodes (nodes * dim * 4) */
    size_t bytes_nodes;   /* the node array as allocated: vectors, layer-0 links, labels */
    size_t bytes_upper;   /* links of layers 1 and up */
    size_t bytes_labels;  /* label -> node table */
    size_t bytes_scratch; /* visited marks and queues kept for searches and inserts */
    size_t bytes_total;   /* all of the above (bytes_vectors is part of bytes_nodes) */
} hnsw_info_t;

void hnsw_info(hnsw_t *h, hnsw_info_t *out);

/* Write the index to `path` atomically (see Persistence). Searches may run meanwhile; changes
 * wait. 500 with the OS error when the file cannot be written. */
int hnsw_save(hnsw_t *h, const char *path, err_t *err);
/* Stream the same bytes to `write` (which returns 0, or -1 to stop with its own err). */
typedef int (*hnsw_write_fn)(void *ctx, const void *data, size_t len, err_t *err);
int hnsw_write(hnsw_t *h, hnsw_write_fn write_fn, void *ctx, err_t *err);

/* Load an index written by hnsw_save / hnsw_write. 404 when the file does not exist, 400
 * "invalid_argument" (field "index") for a file that is truncated, corrupt, or of another
 * version, 500 for I/O errors or no memory. */
int hnsw_load(const char *path, hnsw_t **out, err_t *err);
int hnsw_load_mem(const void *data, size_t len, hnsw_t **out, err_t *err);

#endif
