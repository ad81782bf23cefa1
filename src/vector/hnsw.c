/* hnsw.c - building and searching the HNSW graph: parameters and storage, the layer search
 * (Algorithm 2), the neighbour-selection heuristic (Algorithm 4), insertion (Algorithm 1),
 * tombstone deletes, filtered search with its exact-scan fallback, and the memory report.
 * See hnsw.h for the algorithm and the guarantees, hnsw_internal.h for the memory layout;
 * saving and loading are in hnsw_io.c. */
#include "vector/hnsw_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Filtered searches: the exact scan is chosen when live * (s + SCAN_FILTER_COST) <=
 * GRAPH_VISITS_PER_EF * ef / s (hnsw.h). SCAN_FILTER_COST is the filter call and the flag
 * check relative to one distance; GRAPH_VISITS_PER_EF is about how many distances an
 * unfiltered layer-0 search computes per unit of ef at the default m (measured on clustered
 * data, bench/vectors). */
#define SCAN_FILTER_COST    0.125
#define GRAPH_VISITS_PER_EF 16.0
#define SELECTIVITY_SAMPLES 256

/* ---- parameters and storage ----------------------------------------------------------------- */

void hnsw_params_default(hnsw_params_t *p, vec_metric_t metric, uint32_t dim)
{
    memset(p, 0, sizeof *p);
    p->metric = metric;
    p->dim = dim;
    p->m = HNSW_DEFAULT_M;
    p->ef_construction = HNSW_DEFAULT_EF_BUILD;
    p->ef_search = HNSW_DEFAULT_EF_SEARCH;
    p->seed = HNSW_DEFAULT_SEED;
    p->capacity = HNSW_DEFAULT_CAPACITY;
}

int hnsw_params_check(const hnsw_params_t *p, err_t *err)
{
    if (!vec_metric_name(p->metric))
        return err_invalid(err, "metric", "metric must be one of \"l2\", \"dot\", \"cosine\"");
    if (p->dim < VEC_DIM_MIN || p->dim > VEC_DIM_MAX)
        return err_invalid(err, "dim", "dim must be between %d and %d (got %u)", VEC_DIM_MIN,
                           VEC_DIM_MAX, p->dim);
    if (p->m < HNSW_M_MIN || p->m > HNSW_M_MAX)
        return err_invalid(err, "m", "m must be between %d and %d (got %u)", HNSW_M_MIN, HNSW_M_MAX,
                           p->m);
    if (p->ef_construction < 1 || p->ef_construction > HNSW_EF_MAX)
        return err_invalid(err, "ef_construction", "ef_construction must be between 1 and %d",
                           HNSW_EF_MAX);
    if (p->ef_search < 1 || p->ef_search > HNSW_EF_MAX)
        return err_invalid(err, "ef_search", "ef_search must be between 1 and %d", HNSW_EF_MAX);
    if (p->capacity > HNSW_MAX_NODES)
        return err_invalid(err, "capacity", "capacity must be at most %u", HNSW_MAX_NODES);
    return 0;
}

static size_t round_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

static void scratch_free(hnsw_scratch_t *s)
{
    if (!s)
        return;
    free(s->visited);
    heap_free(&s->cand);
    heap_free(&s->top);
    free(s->ids);
    free(s->fresh);
    free(s->query);
    free(s);
}

static hnsw_scratch_t *scratch_new(hnsw_t *h)
{
    hnsw_scratch_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ids = malloc((h->m0 + 1) * sizeof *s->ids);
    s->fresh = malloc((h->m0 + 1) * sizeof *s->fresh);
    s->query = malloc(h->dim * sizeof *s->query);
    if (!s->ids || !s->fresh || !s->query) {
        scratch_free(s);
        return NULL;
    }
    atomic_fetch_add(&h->scratch_bytes,
                     sizeof *s + 2 * (h->m0 + 1) * sizeof(uint32_t) + h->dim * sizeof(float));
    return s;
}

/* Make s fit the index as it is now (visited marks for every slot) and a search with `ef`.
 * The caller holds grow_lock (shared) or write_mu, so capacity cannot change meanwhile. */
static int scratch_fit(hnsw_t *h, hnsw_scratch_t *s, size_t ef)
{
    if (s->visited_cap < h->capacity) {
        uint16_t *v = calloc(h->capacity, sizeof *v);
        if (!v)
            return -1;
        free(s->visited);
        atomic_fetch_add(&h->scratch_bytes, (h->capacity - s->visited_cap) * sizeof *v);
        s->visited = v;
        s->visited_cap = h->capacity;
        s->tag = 0;
    }
    size_t before = (s->top.cap + s->cand.cap) * sizeof(heap_pair_t);
    if (heap_reserve(&s->top, ef + 1) != 0 || heap_reserve(&s->cand, 2 * ef + 64) != 0)
        return -1;
    atomic_fetch_add(&h->scratch_bytes, (s->top.cap + s->cand.cap) * sizeof(heap_pair_t) - before);
    return 0;
}

static hnsw_scratch_t *scratch_get(hnsw_t *h)
{
    pthread_mutex_lock(&h->pool_mu);
    hnsw_scratch_t *s = h->pool;
    if (s)
        h->pool = s->next;
    pthread_mutex_unlock(&h->pool_mu);
    return s ? s : scratch_new(h);
}

static void scratch_put(hnsw_t *h, hnsw_scratch_t *s)
{
    pthread_mutex_lock(&h->pool_mu);
    s->next = h->pool;
    h->pool = s;
    pthread_mutex_unlock(&h->pool_mu);
}

/* Start a new layer search: a fresh tag makes every mark stale without clearing the array;
 * only when the 16-bit tag wraps (every 65535 searches) is the array zeroed. */
static inline uint16_t visited_begin(hnsw_scratch_t *s)
{
    if (++s->tag == 0) {
        memset(s->visited, 0, s->visited_cap * sizeof *s->visited);
        s->tag = 1;
    }
    return s->tag;
}

int hnsw_reserve(hnsw_t *h, size_t want, err_t *err)
{
    if (want <= h->capacity)
        return 0;
    if (want > HNSW_MAX_NODES)
        return err_internal(err, "the index is full (%u vectors, tombstones included)",
                            HNSW_MAX_NODES);
    size_t cap = h->capacity + h->capacity / 2;
    if (cap < want)
        cap = want;
    if (cap < 16)
        cap = 16;
    if (cap > HNSW_MAX_NODES)
        cap = HNSW_MAX_NODES;
    void *nodes = NULL;
    if (cap > SIZE_MAX / h->stride || posix_memalign(&nodes, HNSW_ALIGN, cap * h->stride) != 0)
        nodes = NULL;
    uint8_t *levels = malloc(cap);
    hnsw_link_t **upper = malloc(cap * sizeof *upper);
    if (!nodes || !levels || !upper) {
        free(nodes);
        free(levels);
        free(upper);
        return err_internal(err, "out of memory growing the index to %zu vectors", cap);
    }
    /* Searches read the arrays without a lock of their own: swap them while none runs. */
    pthread_rwlock_wrlock(&h->grow_lock);
    size_t used = atomic_load_explicit(&h->count, memory_order_relaxed);
    if (used) {
        memcpy(nodes, h->nodes, used * h->stride);
        memcpy(levels, h->levels, used);
        memcpy(upper, h->upper, used * sizeof *upper);
    }
    free(h->nodes);
    free(h->levels);
    free(h->upper);
    h->nodes = nodes;
    h->levels = levels;
    h->upper = upper;
    h->capacity = cap;
    pthread_rwlock_unlock(&h->grow_lock);
    return 0;
}

int hnsw_init_struct(hnsw_t **out, const hnsw_params_t *p, err_t *err)
{
    *out = NULL;
    if (hnsw_params_check(p, err) != 0)
        return -1;
    hnsw_t *h = calloc(1, sizeof *h);
    if (!h)
        return err_internal(err, "out of memory creating an index");
    h->metric = p->metric;
    h->dist = vec_distance_for(p->metric);
    h->dim = p->dim;
    h->m = p->m;
    h->m0 = 2 * p->m;
    h->ef_construction = p->ef_construction;
    atomic_init(&h->ef_search, p->ef_search);
    h->seed = p->seed;
    h->rng = p->seed;
    h->level_mult = 1.0 / log((double)p->m);
    h->off_label = round_up((size_t)p->dim * sizeof(float), sizeof(uint64_t));
    h->off_flags = h->off_label + sizeof(uint64_t);
    h->off_links0 = h->off_flags + sizeof(uint32_t);
    h->stride = round_up(h->off_links0 + (1 + (size_t)h->m0) * sizeof(hnsw_link_t), HNSW_ALIGN);
    h->upper_words = 1 + (size_t)h->m;
    atomic_init(&h->count, 0);
    atomic_init(&h->entry, HNSW_NO_ENTRY);
    atomic_init(&h->live, 0);
    atomic_init(&h->scratch_bytes, 0);

    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* glibc prefers readers by default: under a steady stream of searches a growing index would
     * never get the lock. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&h->grow_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&h->write_mu, NULL);
    pthread_mutex_init(&h->pool_mu, NULL);

    h->wscratch = scratch_new(h);
    h->selected = malloc((size_t)(HNSW_LEVEL_MAX + 1) * h->m * sizeof *h->selected);
    h->prune = malloc((h->m0 + 1) * sizeof *h->prune);
    if (!h->wscratch || !h->selected || !h->prune ||
        hnsw_reserve(h, p->capacity ? p->capacity : HNSW_DEFAULT_CAPACITY, err) != 0) {
        hnsw_free(h);
        return err_internal(err, "out of memory creating an index");
    }
    *out = h;
    return 0;
}

int hnsw_create(const hnsw_params_t *p, hnsw_t **out, err_t *err)
{
    return hnsw_init_struct(out, p, err);
}

void hnsw_free(hnsw_t *h)
{
    if (!h)
        return;
    uint32_t n = atomic_load(&h->count);
    for (uint32_t i = 0; h->upper && i < n; i++)
        free(h->upper[i]);
    free(h->nodes);
    free(h->levels);
    free(h->upper);
    labelmap_free(&h->labels);
    scratch_free(h->wscratch);
    while (h->pool) {
        hnsw_scratch_t *next = h->pool->next;
        scratch_free(h->pool);
        h->pool = next;
    }
    free(h->selected);
    free(h->prune);
    pthread_rwlock_destroy(&h->grow_lock);
    pthread_mutex_destroy(&h->write_mu);
    pthread_mutex_destroy(&h->pool_mu);
    free(h);
}

/* ---- searching one layer -------------------------------------------------------------------- */

/* Copy node id's links on `level` into out (room for m0); returns the count. */
static inline uint32_t links_copy(const hnsw_t *h, uint32_t id, int level, uint32_t *out)
{
    const hnsw_link_t *links = hnsw_links(h, id, level);
    uint32_t n = atomic_load_explicit(&links[0], memory_order_acquire);
    uint32_t max = hnsw_max_links(h, level);
    if (n > max) /* cannot happen in a valid graph; keeps a reader inside the list regardless */
        n = max;
    for (uint32_t j = 0; j < n; j++)
        out[j] = atomic_load_explicit(&links[1 + j], memory_order_acquire);
    return n;
}

/* Ask for every cache line of node id's vector. The bound is off_label (the vector's bytes,
 * rounded to 8) on purpose: written as h->dim * sizeof(float), GCC 12 deleted this loop once it
 * was inlined into search_layer (seen in the disassembly, and a third of the speed gone). */
static inline void prefetch_vector(const hnsw_t *h, uint32_t id)
{
    const char *v = (const char *)hnsw_vec(h, id);
    for (size_t off = 0; off < h->off_label; off += 64)
        __builtin_prefetch(v + off);
}

/* A node may be a result when it is not a tombstone and the filter (if any) accepts it. */
static inline int admit(const hnsw_t *h, uint32_t id, vec_accept_fn accept, void *ctx)
{
    if (hnsw_is_deleted(h, id))
        return 0;
    return !accept || accept(hnsw_label(h, id), ctx);
}

/* Greedy walk (ef = 1) from *ep down the layers from `top` to `stop` + 1: on each layer move to
 * the closest neighbour until none is closer. */
static uint32_t descend(const hnsw_t *h, hnsw_scratch_t *s, const float *q, uint32_t ep,
                        float *ep_dist, int top, int stop, hnsw_search_stats_t *st)
{
    uint32_t cur = ep;
    float cur_dist = *ep_dist;
    for (int level = top; level > stop; level--) {
        int moved = 1;
        while (moved) {
            moved = 0;
            uint32_t n = links_copy(h, cur, level, s->ids);
            st->expanded++;
            st->distances += n;
            for (uint32_t j = 0; j < n; j++) {
                float d = h->dist(q, hnsw_vec(h, s->ids[j]), h->dim);
                if (d < cur_dist) {
                    cur_dist = d;
                    cur = s->ids[j];
                    moved = 1;
                }
            }
        }
    }
    *ep_dist = cur_dist;
    return cur;
}

/* Best-first search of `level` from ep (at distance ep_dist), Algorithm 2 with a filter: every
 * reachable node may be expanded, only admitted ones (admit()) enter s->top, which ends up
 * holding the (up to) ef closest of them as a max-heap. The search stops when the closest
 * unexpanded candidate is farther than the worst of ef results, or candidates run out.
 * `nearest`, when not NULL, gets the closest node seen, admitted or not (insertion uses it when
 * nothing near is live). 0, or -1 when the candidate queue could not grow. */
static int search_layer(const hnsw_t *h, hnsw_scratch_t *s, const float *q, uint32_t ep,
                        float ep_dist, int level, size_t ef, vec_accept_fn accept, void *ctx,
                        heap_pair_t *nearest, hnsw_search_stats_t *st)
{
    uint16_t *visited = s->visited;
    uint16_t tag = visited_begin(s);
    heap_t *cand = &s->cand, *top = &s->top;
    uint32_t *fresh = s->fresh;
    const size_t dim = h->dim;
    cand->len = top->len = 0;

    visited[ep] = tag;
    minheap_push(cand, ep_dist, ep);
    if (admit(h, ep, accept, ctx))
        maxheap_push(top, ep_dist, ep);
    heap_pair_t best = {ep_dist, ep};

    while (cand->len > 0) {
        heap_pair_t c = cand->items[0];
        if (top->len >= ef && c.dist > top->items[0].dist)
            break;
        minheap_pop(cand);
        st->expanded++;

        /* Gather the unvisited neighbours first, prefetching the first line of each vector,
         * then compute the distances while the whole next vector is prefetched: the search is
         * bound by memory latency (a random vector per distance), and overlapping the loads
         * made it 40-60% faster on 100k x 128 (bench/vectors). */
        const hnsw_link_t *links = hnsw_links(h, c.id, level);
        uint32_t n = atomic_load_explicit(&links[0], memory_order_acquire);
        uint32_t max = hnsw_max_links(h, level);
        if (n > max)
            n = max;
        uint32_t nf = 0;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t id = atomic_load_explicit(&links[1 + j], memory_order_acquire);
            if (visited[id] == tag)
                continue;
            visited[id] = tag;
            fresh[nf++] = id;
            __builtin_prefetch(hnsw_vec(h, id));
        }
        st->distances += nf;
        if (nf > 0)
            prefetch_vector(h, fresh[0]);
        for (uint32_t j = 0; j < nf; j++) {
            uint32_t id = fresh[j];
            if (j + 1 < nf)
                prefetch_vector(h, fresh[j + 1]);
            float d = h->dist(q, hnsw_vec(h, id), dim);
            if (d < best.dist) {
                best.dist = d;
                best.id = id;
            }
            if (top->len < ef || d < top->items[0].dist) {
                if (cand->len == cand->cap && heap_reserve(cand, cand->len + 1) != 0)
                    return -1;
                minheap_push(cand, d, id);
                if (admit(h, id, accept, ctx))
                    maxheap_push_bounded(top, ef, d, id);
            }
        }
        if (cand->len > 0)
            __builtin_prefetch(hnsw_node(h, cand->items[0].id) + h->off_links0);
    }
    if (nearest)
        *nearest = best;
    return 0;
}

/* ---- insertion ------------------------------------------------------------------------------ */

/* splitmix64: a tiny, well-mixed generator whose whole state is one word (saved with the
 * index, so building stays deterministic across a save and load). */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* floor(-ln(u) * mL) with u uniform in (0, 1]: layer l is reached with probability m^-l. */
static int random_level(hnsw_t *h)
{
    double u = (double)((rng_next(&h->rng) >> 11) + 1) * 0x1.0p-53;
    double l = floor(-log(u) * h->level_mult);
    return l > HNSW_LEVEL_MAX ? HNSW_LEVEL_MAX : (int)l;
}

/* Algorithm 4 (the heuristic, as hnswlib runs it): from candidates c[0..n) sorted closest
 * first by distance to the base node, keep a candidate only when it is closer to the base than
 * to every candidate kept so far, until `max` are kept. With fewer than `max` candidates all
 * are kept. Returns how many ids were written to out. */
static size_t select_neighbors(const hnsw_t *h, const heap_pair_t *c, size_t n, size_t max,
                               uint32_t *out)
{
    if (n < max) {
        for (size_t i = 0; i < n; i++)
            out[i] = c[i].id;
        return n;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n && kept < max; i++) {
        const float *v = hnsw_vec(h, c[i].id);
        int good = 1;
        for (size_t r = 0; r < kept && good; r++)
            if (h->dist(v, hnsw_vec(h, out[r]), h->dim) < c[i].dist)
                good = 0;
        if (good)
            out[kept++] = c[i].id;
    }
    return kept;
}

static int pair_cmp(const void *a, const void *b)
{
    heap_pair_t x = *(const heap_pair_t *)a, y = *(const heap_pair_t *)b;
    return heap_pair_less(x, y) ? -1 : heap_pair_less(y, x) ? 1 : 0;
}

/* Store a whole link list so that a concurrent reader sees only valid ids: the ids first, then
 * the count, each a release. */
static void links_store(hnsw_link_t *links, const uint32_t *ids, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++)
        atomic_store_explicit(&links[1 + j], ids[j], memory_order_release);
    atomic_store_explicit(&links[0], n, memory_order_release);
}

/* Add the link e -> x on `level`; when e's list is full, re-select it with the heuristic among
 * its current links and x. */
static void link_back(hnsw_t *h, uint32_t e, uint32_t x, int level)
{
    hnsw_link_t *links = hnsw_links(h, e, level);
    uint32_t n = atomic_load_explicit(&links[0], memory_order_relaxed);
    uint32_t max = hnsw_max_links(h, level);
    if (n < max) {
        atomic_store_explicit(&links[1 + n], x, memory_order_release);
        atomic_store_explicit(&links[0], n + 1, memory_order_release);
        return;
    }
    const float *ev = hnsw_vec(h, e);
    heap_pair_t *cand = h->prune;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t id = atomic_load_explicit(&links[1 + j], memory_order_relaxed);
        cand[j] = (heap_pair_t){h->dist(ev, hnsw_vec(h, id), h->dim), id};
    }
    cand[n] = (heap_pair_t){h->dist(ev, hnsw_vec(h, x), h->dim), x};
    qsort(cand, n + 1, sizeof *cand, pair_cmp);
    uint32_t *kept = h->wscratch->ids;
    size_t nk = select_neighbors(h, cand, n + 1, max, kept);
    links_store(links, kept, (uint32_t)nk);
}

/* Secure everything an insert of one more node needs, so that nothing can fail once the index
 * starts to change. */
static int insert_reserve(hnsw_t *h, uint32_t count, err_t *err)
{
    if (hnsw_reserve(h, (size_t)count + 1, err) != 0)
        return -1;
    if (labelmap_reserve(&h->labels, h->labels.len + 1) != 0)
        return err_internal(err, "out of memory growing the label table");
    hnsw_scratch_t *s = h->wscratch;
    size_t before = s->cand.cap * sizeof(heap_pair_t);
    /* A layer search pushes each node at most once: room for all of them means it never has
     * to grow mid-insert. */
    if (scratch_fit(h, s, h->ef_construction) != 0 || heap_reserve(&s->cand, count + 2) != 0)
        return err_internal(err, "out of memory for the insert's working memory");
    atomic_fetch_add(&h->scratch_bytes, s->cand.cap * sizeof(heap_pair_t) - before);
    return 0;
}

/* Connect the published node x (top layer `level`) into the graph: Algorithm 1. All the
 * searches run first, top-down, recording each layer's chosen neighbours; the links are then
 * written bottom-up, so that by the time a search can reach x on some layer, x's own links on
 * every layer below are in place. (Writing a layer's links cannot change the searches of the
 * layers below it, so the graph is the same as with the paper's interleaved order.) */
static void insert_links(hnsw_t *h, uint32_t x, int level)
{
    hnsw_scratch_t *s = h->wscratch;
    hnsw_search_stats_t st = {0};
    uint64_t entry = atomic_load_explicit(&h->entry, memory_order_relaxed);
    uint32_t ep = (uint32_t)entry;
    int top = (int)(entry >> 32);
    const float *q = hnsw_vec(h, x);
    float ep_dist = h->dist(q, hnsw_vec(h, ep), h->dim);
    if (level < top)
        ep = descend(h, s, q, ep, &ep_dist, top, level, &st);

    int lowest_linked = level < top ? level : top;
    size_t nsel[HNSW_LEVEL_MAX + 1];
    for (int lc = lowest_linked; lc >= 0; lc--) {
        heap_pair_t nearest;
        /* Cannot fail: insert_reserve made room for every node in the candidate queue. */
        search_layer(h, s, q, ep, ep_dist, lc, h->ef_construction, NULL, NULL, &nearest, &st);
        if (s->top.len == 0) /* every node reached is a tombstone: link to the nearest anyway */
            maxheap_push(&s->top, nearest.dist, nearest.id);
        size_t n = maxheap_sort(&s->top);
        uint32_t *sel = h->selected + (size_t)lc * h->m;
        nsel[lc] = select_neighbors(h, s->top.items, n, h->m, sel);
        ep = s->top.items[0].id; /* the closest found: where the next layer starts */
        ep_dist = s->top.items[0].dist;
    }
    for (int lc = 0; lc <= lowest_linked; lc++) {
        const uint32_t *sel = h->selected + (size_t)lc * h->m;
        links_store(hnsw_links(h, x, lc), sel, (uint32_t)nsel[lc]);
        for (size_t j = 0; j < nsel[lc]; j++)
            link_back(h, sel[j], x, lc);
    }
}

int hnsw_add(hnsw_t *h, uint64_t label, const float *vec, err_t *err)
{
    pthread_mutex_lock(&h->write_mu);
    int rc = -1;
    uint32_t x = atomic_load_explicit(&h->count, memory_order_relaxed);
    if (insert_reserve(h, x, err) != 0)
        goto done;
    /* Slot x is not published yet: nothing reads it, so it can be written directly. */
    char *node = hnsw_node(h, x);
    if (vec_prepare(h->metric, vec, (float *)node, h->dim, "vector", err) != 0)
        goto done;
    uint64_t rng_before = h->rng;
    int level = random_level(h);
    hnsw_link_t *upper = NULL;
    if (level > 0) {
        upper = calloc((size_t)level * h->upper_words, sizeof *upper);
        if (!upper) {
            h->rng = rng_before;
            err_internal(err, "out of memory for the links of a new vector");
            goto done;
        }
        h->upper_bytes += (size_t)level * h->upper_words * sizeof *upper;
    }
    memcpy(node + h->off_label, &label, sizeof label);
    atomic_init(hnsw_flags(h, x), 0);
    hnsw_link_t *links0 = hnsw_links(h, x, 0);
    for (uint32_t j = 0; j <= h->m0; j++)
        atomic_init(&links0[j], 0);
    h->levels[x] = (uint8_t)level;
    h->upper[x] = upper;

    /* From here on nothing fails. A replaced vector is tombstoned before its successor is
     * published, so no search can see both. */
    uint32_t old;
    if (labelmap_get(&h->labels, label, &old)) {
        atomic_fetch_or_explicit(hnsw_flags(h, old), HNSW_FLAG_DELETED, memory_order_release);
        atomic_fetch_sub(&h->live, 1);
    }
    labelmap_put(&h->labels, label, x);
    atomic_store_explicit(&h->count, x + 1, memory_order_release);
    atomic_fetch_add(&h->live, 1);

    uint64_t entry = atomic_load_explicit(&h->entry, memory_order_relaxed);
    if (entry != HNSW_NO_ENTRY)
        insert_links(h, x, level);
    if (entry == HNSW_NO_ENTRY || level > (int)(entry >> 32))
        atomic_store_explicit(&h->entry, ((uint64_t)level << 32) | x, memory_order_release);
    rc = 0;
done:
    pthread_mutex_unlock(&h->write_mu);
    return rc;
}

int hnsw_delete(hnsw_t *h, uint64_t label, err_t *err)
{
    pthread_mutex_lock(&h->write_mu);
    uint32_t id;
    int found = labelmap_get(&h->labels, label, &id);
    if (found) {
        atomic_fetch_or_explicit(hnsw_flags(h, id), HNSW_FLAG_DELETED, memory_order_release);
        labelmap_remove(&h->labels, label);
        atomic_fetch_sub(&h->live, 1);
    }
    pthread_mutex_unlock(&h->write_mu);
    if (!found)
        return err_not_found(err, "no vector with label %llu", (unsigned long long)label);
    return 0;
}

int hnsw_contains(hnsw_t *h, uint64_t label)
{
    pthread_mutex_lock(&h->write_mu);
    uint32_t id;
    int found = labelmap_get(&h->labels, label, &id);
    pthread_mutex_unlock(&h->write_mu);
    return found;
}

int hnsw_get(hnsw_t *h, uint64_t label, float *out, err_t *err)
{
    pthread_mutex_lock(&h->write_mu);
    uint32_t id;
    int found = labelmap_get(&h->labels, label, &id);
    if (found)
        memcpy(out, hnsw_vec(h, id), h->dim * sizeof *out);
    pthread_mutex_unlock(&h->write_mu);
    if (!found)
        return err_not_found(err, "no vector with label %llu", (unsigned long long)label);
    return 0;
}

int hnsw_set_ef_search(hnsw_t *h, uint32_t ef, err_t *err)
{
    if (ef < 1 || ef > HNSW_EF_MAX)
        return err_invalid(err, "ef_search", "ef_search must be between 1 and %d", HNSW_EF_MAX);
    atomic_store(&h->ef_search, ef);
    return 0;
}

/* ---- search --------------------------------------------------------------------------------- */

/* The share of an evenly spaced sample of live nodes that the filter accepts. Deterministic: the
 * same index and filter always give the same estimate. */
static double sample_selectivity(const hnsw_t *h, uint32_t n, vec_accept_fn accept, void *ctx)
{
    uint32_t samples = n < SELECTIVITY_SAMPLES ? n : SELECTIVITY_SAMPLES;
    uint32_t seen = 0, taken = 0;
    for (uint32_t i = 0; i < samples; i++) {
        uint32_t id = (uint32_t)((uint64_t)i * n / samples);
        if (hnsw_is_deleted(h, id))
            continue;
        seen++;
        taken += accept(hnsw_label(h, id), ctx) != 0;
    }
    if (seen == 0)
        return 1.0;
    /* None accepted: all we know is that it is below about 1/seen. */
    return taken ? (double)taken / seen : 0.5 / seen;
}

/* Exact scan of the published nodes into s->top (the k best admitted). */
static void scan_exact(const hnsw_t *h, hnsw_scratch_t *s, const float *q, uint32_t n, size_t k,
                       vec_accept_fn accept, void *ctx, hnsw_search_stats_t *st)
{
    heap_t *top = &s->top;
    top->len = 0;
    for (uint32_t id = 0; id < n; id++) {
        if (!admit(h, id, accept, ctx))
            continue;
        st->distances++;
        maxheap_push_bounded(top, k, h->dist(q, hnsw_vec(h, id), h->dim), id);
    }
}

int hnsw_search(hnsw_t *h, const float *query, size_t k, const hnsw_search_opts_t *opts,
                vec_hit_t *hits, size_t *nhits, hnsw_search_stats_t *stats, err_t *err)
{
    static const hnsw_search_opts_t no_opts = {0};
    hnsw_search_stats_t st = {.selectivity = 1.0};
    *nhits = 0;
    if (!opts)
        opts = &no_opts;
    if (k < 1 || k > VEC_K_MAX)
        return err_invalid(err, "k", "k must be between 1 and %d", VEC_K_MAX);
    if (opts->ef_search > HNSW_EF_MAX)
        return err_invalid(err, "ef_search", "ef_search must be between 1 and %d", HNSW_EF_MAX);
    if (!(opts->selectivity >= 0.0 && opts->selectivity <= 1.0))
        return err_invalid(err, "selectivity", "selectivity must be between 0 and 1");
    if (opts->strategy != HNSW_AUTO && opts->strategy != HNSW_GRAPH && opts->strategy != HNSW_EXACT)
        return err_invalid(err, "strategy", "unknown search strategy %d", (int)opts->strategy);
    size_t ef = opts->ef_search ? opts->ef_search : atomic_load(&h->ef_search);
    if (ef < k)
        ef = k;

    hnsw_scratch_t *s = scratch_get(h);
    if (!s)
        return err_internal(err, "out of memory for a search");
    if (vec_prepare(h->metric, query, s->query, h->dim, "query", err) != 0) {
        scratch_put(h, s);
        return -1;
    }
    const float *q = s->query;
    int rc = 0;
    pthread_rwlock_rdlock(&h->grow_lock);
    if (scratch_fit(h, s, ef) != 0) {
        rc = err_internal(err, "out of memory for a search");
        goto done;
    }
    uint64_t entry = atomic_load_explicit(&h->entry, memory_order_acquire);
    if (entry == HNSW_NO_ENTRY)
        goto done;
    uint32_t n = atomic_load_explicit(&h->count, memory_order_acquire);

    int exact = opts->strategy == HNSW_EXACT;
    if (opts->accept && opts->strategy == HNSW_AUTO) {
        double sel = opts->selectivity > 0.0
                         ? opts->selectivity
                         : sample_selectivity(h, n, opts->accept, opts->accept_ctx);
        double live = (double)atomic_load(&h->live);
        st.selectivity = sel;
        exact = live * (sel + SCAN_FILTER_COST) <= GRAPH_VISITS_PER_EF * (double)ef / sel;
    }
    if (exact) {
        st.exact = 1;
        scan_exact(h, s, q, n, k, opts->accept, opts->accept_ctx, &st);
    } else {
        uint32_t ep = (uint32_t)entry;
        float ep_dist = h->dist(q, hnsw_vec(h, ep), h->dim);
        st.distances++;
        ep = descend(h, s, q, ep, &ep_dist, (int)(entry >> 32), 0, &st);
        if (search_layer(h, s, q, ep, ep_dist, 0, ef, opts->accept, opts->accept_ctx, NULL, &st) !=
            0) {
            rc = err_internal(err, "out of memory for a search");
            goto done;
        }
    }
    size_t found = maxheap_sort(&s->top);
    size_t out = 0;
    for (size_t i = 0; i < found && out < k; i++) {
        uint32_t id = s->top.items[i].id;
        /* Checked again: a replacement may have tombstoned it since it was admitted, and its
         * successor may be among the results too. */
        if (hnsw_is_deleted(h, id))
            continue;
        hits[out].label = hnsw_label(h, id);
        hits[out].distance = s->top.items[i].dist;
        out++;
    }
    *nhits = out;
done:
    pthread_rwlock_unlock(&h->grow_lock);
    scratch_put(h, s);
    if (stats)
        *stats = st;
    return rc;
}

/* ---- memory report -------------------------------------------------------------------------- */

void hnsw_info(hnsw_t *h, hnsw_info_t *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&h->write_mu);
    uint64_t entry = atomic_load(&h->entry);
    out->params.metric = h->metric;
    out->params.dim = h->dim;
    out->params.m = h->m;
    out->params.ef_construction = h->ef_construction;
    out->params.ef_search = atomic_load(&h->ef_search);
    out->params.seed = h->seed;
    out->params.capacity = (uint32_t)h->capacity;
    out->m0 = h->m0;
    out->nodes = atomic_load(&h->count);
    out->live = atomic_load(&h->live);
    out->deleted = out->nodes - out->live;
    out->top_level = entry == HNSW_NO_ENTRY ? -1 : (int)(entry >> 32);
    out->bytes_vectors = out->nodes * h->dim * sizeof(float);
    out->bytes_nodes = h->capacity * (h->stride + sizeof *h->levels + sizeof *h->upper);
    out->bytes_upper = h->upper_bytes;
    out->bytes_labels = labelmap_bytes(&h->labels);
    out->bytes_scratch = atomic_load(&h->scratch_bytes);
    out->bytes_total = sizeof *h + out->bytes_nodes + out->bytes_upper + out->bytes_labels +
                       out->bytes_scratch + (size_t)(HNSW_LEVEL_MAX + 1) * h->m * sizeof(uint32_t) +
                       (h->m0 + 1) * sizeof(heap_pair_t);
    pthread_mutex_unlock(&h->write_mu);
}
