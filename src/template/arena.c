/* arena.c - bump allocation for the template engine (see template_internal.h).
 *
 * Compiled templates and renders make many small objects that all die together; a bump arena
 * makes each allocation a pointer increment and freeing a walk over a few chunks. Chunks grow
 * geometrically so a big render costs O(log n) mallocs. A limit turns runaway growth (string
 * doubling in a loop) into an error instead of exhausting memory. */
#include "template/template_internal.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk_t *next;
    size_t size;
    alignas(max_align_t) char data[];
};

#define ARENA_ALIGN     (alignof(max_align_t))
#define ARENA_MIN_CHUNK 4096u
#define ARENA_MAX_STEP  (8u << 20) /* chunks stop doubling here */

void arena_init(arena_t *a, void *initial, size_t initial_len, size_t limit)
{
    a->chunks = NULL;
    a->used = 0;
    a->limit = limit;
    if (initial) {
        /* Align the caller's buffer start; the end need not be aligned. */
        uintptr_t p = (uintptr_t)initial;
        uintptr_t aligned = (p + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
        a->ptr = (char *)aligned;
        a->end = (char *)initial + initial_len;
        if (a->ptr > a->end)
            a->ptr = a->end;
    } else {
        a->ptr = a->end = NULL;
    }
}

void arena_free(arena_t *a)
{
    arena_chunk_t *c = a->chunks;
    while (c) {
        arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = NULL;
    a->ptr = a->end = NULL;
    a->used = 0;
}

void *arena_alloc(arena_t *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n) /* overflow */
        return NULL;
    if ((size_t)(a->end - a->ptr) >= need) {
        void *p = a->ptr;
        a->ptr += need;
        return p;
    }
    size_t size = a->chunks ? a->chunks->size * 2 : ARENA_MIN_CHUNK;
    if (size > ARENA_MAX_STEP)
        size = ARENA_MAX_STEP;
    if (size < need)
        size = need;
    if (a->limit && (size > a->limit || a->used > a->limit - size)) {
        /* A smaller chunk may still fit under the limit. */
        if (need > a->limit || a->used > a->limit - need)
            return NULL;
        size = need;
    }
    arena_chunk_t *c = xmalloc(sizeof *c + size);
    c->next = a->chunks;
    c->size = size;
    a->chunks = c;
    a->used += size;
    a->ptr = c->data + need;
    a->end = c->data + size;
    return c->data;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
