/* labelmap.h - the index's map from the caller's 64-bit labels to internal node ids: an
 * open-addressing hash table with linear probing and backward-shift deletion (no tombstones,
 * so probe lengths stay short however many labels are deleted and re-added).
 *
 * Not thread-safe: the index touches it only under its writer lock. Growth is explicit
 * (labelmap_reserve) so that a caller can secure the memory before it changes anything else. */
#ifndef LLMOPS_VECTOR_LABELMAP_H
#define LLMOPS_VECTOR_LABELMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct labelmap {
    uint64_t *keys;
    uint32_t *vals; /* LABELMAP_EMPTY marks a free slot */
    size_t cap;     /* a power of two, or 0 before the first reserve */
    size_t len;
} labelmap_t;

#define LABELMAP_EMPTY UINT32_MAX

/* Make room for `count` labels without further allocation. 0, or -1 when memory ran out (the
 * map is unchanged). */
int labelmap_reserve(labelmap_t *m, size_t count);
void labelmap_free(labelmap_t *m);

/* 1 and *id when present, else 0. */
int labelmap_get(const labelmap_t *m, uint64_t label, uint32_t *id);
/* Insert or overwrite. Room must have been reserved (labelmap_reserve(m, m->len + 1)). */
void labelmap_put(labelmap_t *m, uint64_t label, uint32_t id);
/* 1 when the label was present (and is now gone), else 0. */
int labelmap_remove(labelmap_t *m, uint64_t label);

size_t labelmap_bytes(const labelmap_t *m);

#endif
