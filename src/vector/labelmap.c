/* labelmap.c - label -> node id hash table (see labelmap.h). */
#include "vector/labelmap.h"

#include <stdlib.h>

/* Kept at most 70% full: linear probing stays short and memory stays modest. */
#define MAX_LOAD_NUM 7
#define MAX_LOAD_DEN 10

/* MurmurHash3's 64-bit finaliser: labels are often sequential, and this spreads them. */
static inline size_t hash_label(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (size_t)x;
}

int labelmap_get(const labelmap_t *m, uint64_t label, uint32_t *id)
{
    if (m->cap == 0)
        return 0;
    size_t mask = m->cap - 1;
    for (size_t i = hash_label(label) & mask;; i = (i + 1) & mask) {
        if (m->vals[i] == LABELMAP_EMPTY)
            return 0;
        if (m->keys[i] == label) {
            *id = m->vals[i];
            return 1;
        }
    }
}

void labelmap_put(labelmap_t *m, uint64_t label, uint32_t id)
{
    size_t mask = m->cap - 1;
    size_t i = hash_label(label) & mask;
    while (m->vals[i] != LABELMAP_EMPTY && m->keys[i] != label)
        i = (i + 1) & mask;
    if (m->vals[i] == LABELMAP_EMPTY)
        m->len++;
    m->keys[i] = label;
    m->vals[i] = id;
}

int labelmap_reserve(labelmap_t *m, size_t count)
{
    if (count * MAX_LOAD_DEN <= m->cap * MAX_LOAD_NUM)
        return 0;
    size_t cap = m->cap ? m->cap : 16;
    while (count * MAX_LOAD_DEN > cap * MAX_LOAD_NUM)
        cap *= 2;
    labelmap_t grown = {
        .keys = malloc(cap * sizeof(uint64_t)), .vals = malloc(cap * sizeof(uint32_t)), .cap = cap};
    if (!grown.keys || !grown.vals) {
        labelmap_free(&grown);
        return -1;
    }
    for (size_t i = 0; i < cap; i++)
        grown.vals[i] = LABELMAP_EMPTY;
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i] != LABELMAP_EMPTY)
            labelmap_put(&grown, m->keys[i], m->vals[i]);
    labelmap_free(m);
    *m = grown;
    return 0;
}

int labelmap_remove(labelmap_t *m, uint64_t label)
{
    if (m->cap == 0)
        return 0;
    size_t mask = m->cap - 1;
    size_t i = hash_label(label) & mask;
    for (;; i = (i + 1) & mask) {
        if (m->vals[i] == LABELMAP_EMPTY)
            return 0;
        if (m->keys[i] == label)
            break;
    }
    /* Backward shift: pull later entries of the same probe run into the hole, so that every
     * remaining key is still reachable from its home slot without passing an empty slot. */
    for (size_t j = (i + 1) & mask; m->vals[j] != LABELMAP_EMPTY; j = (j + 1) & mask) {
        size_t home = hash_label(m->keys[j]) & mask;
        /* j's entry may move to the hole i when its home is not in the cyclic range (i, j]. */
        int home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_between) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->vals[i] = LABELMAP_EMPTY;
    m->len--;
    return 1;
}

void labelmap_free(labelmap_t *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->len = 0;
}

size_t labelmap_bytes(const labelmap_t *m)
{
    return m->cap * (sizeof(uint64_t) + sizeof(uint32_t));
}
