/* heap.h - binary heaps of (distance, id) pairs for the searches: a max-heap holds the best
 * results found so far (its top is the worst of them, the one to evict), a min-heap holds the
 * candidates still to expand (its top is the closest).
 *
 * Pairs are ordered by distance, then by id, so that equal distances always come out in the
 * same order (the id is the insertion position: earlier wins) and searches are deterministic.
 * Everything is static inline: these run in the innermost loop of every search. Pushing never
 * allocates; callers reserve room first (heap_reserve), so running out of memory is reported
 * where it can be handled. */
#ifndef LLMOPS_VECTOR_HEAP_H
#define LLMOPS_VECTOR_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct heap_pair {
    float dist;
    uint32_t id;
} heap_pair_t;

typedef struct heap {
    heap_pair_t *items;
    size_t len, cap;
} heap_t;

/* a before b: closer, or as close and inserted earlier. */
static inline int heap_pair_less(heap_pair_t a, heap_pair_t b)
{
    return a.dist < b.dist || (a.dist == b.dist && a.id < b.id);
}

/* Make room for at least `cap` pairs. 0, or -1 when memory ran out (the heap is unchanged). */
static inline int heap_reserve(heap_t *h, size_t cap)
{
    if (cap <= h->cap)
        return 0;
    size_t want = h->cap ? h->cap : 64;
    while (want < cap)
        want *= 2;
    heap_pair_t *items = realloc(h->items, want * sizeof *items);
    if (!items)
        return -1;
    h->items = items;
    h->cap = want;
    return 0;
}

static inline void heap_free(heap_t *h)
{
    free(h->items);
    h->items = NULL;
    h->len = h->cap = 0;
}

/* ---- max-heap: top = the farthest ---------------------------------------------------------- */

static inline void maxheap_sift_down(heap_t *h, size_t i)
{
    heap_pair_t *a = h->items;
    heap_pair_t x = a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len)
            break;
        if (c + 1 < h->len && heap_pair_less(a[c], a[c + 1]))
            c++;
        if (!heap_pair_less(x, a[c]))
            break;
        a[i] = a[c];
        i = c;
    }
    a[i] = x;
}

static inline void maxheap_push(heap_t *h, float dist, uint32_t id)
{
    heap_pair_t *a = h->items;
    heap_pair_t x = {dist, id};
    size_t i = h->len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_pair_less(a[p], x))
            break;
        a[i] = a[p];
        i = p;
    }
    a[i] = x;
}

static inline void maxheap_pop(heap_t *h)
{
    h->items[0] = h->items[--h->len];
    if (h->len > 0)
        maxheap_sift_down(h, 0);
}

/* Keep the `bound` best: push while there is room, else replace the top when (dist, id) beats
 * it. The heap must have room for `bound` pairs. */
static inline void maxheap_push_bounded(heap_t *h, size_t bound, float dist, uint32_t id)
{
    if (h->len < bound) {
        maxheap_push(h, dist, id);
        return;
    }
    heap_pair_t x = {dist, id};
    if (heap_pair_less(x, h->items[0])) {
        h->items[0] = x;
        maxheap_sift_down(h, 0);
    }
}

/* Heap-sort in place: afterwards items[0..n) hold the pairs closest first and the heap is
 * empty (len 0). Returns n. */
static inline size_t maxheap_sort(heap_t *h)
{
    size_t n = h->len;
    while (h->len > 1) {
        heap_pair_t worst = h->items[0];
        maxheap_pop(h);
        h->items[h->len] = worst; /* the slot the pop just freed */
    }
    h->len = 0;
    return n;
}

/* ---- min-heap: top = the closest ----------------------------------------------------------- */

static inline void minheap_push(heap_t *h, float dist, uint32_t id)
{
    heap_pair_t *a = h->items;
    heap_pair_t x = {dist, id};
    size_t i = h->len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_pair_less(x, a[p]))
            break;
        a[i] = a[p];
        i = p;
    }
    a[i] = x;
}

static inline void minheap_pop(heap_t *h)
{
    heap_pair_t *a = h->items;
    heap_pair_t x = a[--h->len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len)
            break;
        if (c + 1 < h->len && heap_pair_less(a[c + 1], a[c]))
            c++;
        if (!heap_pair_less(a[c], x))
            break;
        a[i] = a[c];
        i = c;
    }
    if (h->len > 0)
        a[i] = x;
}

#endif
