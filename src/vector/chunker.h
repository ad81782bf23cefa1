/* chunker.h - blocks (blocks.h) packed into chunks of at most `size` bytes with `overlap` bytes
 * carried over between neighbours.
 *
 * Rules, in order:
 *  - A chunk never spans two heading sections: a new heading path starts a new chunk (and no
 *    overlap is carried across it).
 *  - Within a section whole blocks are packed, joined by a blank line, while they fit.
 *  - A block longer than `size` is cut at the last sentence end ('.', '!', '?' then a space, or
 *    a newline) in the second half of the window, else at the last space, else at a UTF-8
 *    character boundary.
 *  - When a chunk is full, the next one in the same section starts with the previous chunk's
 *    last `overlap` bytes or fewer, starting at a word start, so that text cut at a boundary is
 *    found from either side.
 * Every chunk keeps its section's heading path. Sizes count bytes, and are never exceeded. */
#ifndef LLMOPS_VECTOR_CHUNKER_H
#define LLMOPS_VECTOR_CHUNKER_H

#include <stddef.h>

#include "vector/blocks.h"

#define VS_CHUNK_SIZE_MIN     64
#define VS_CHUNK_SIZE_MAX     16384
#define VS_CHUNK_SIZE_DEFAULT 800
#define VS_OVERLAP_DEFAULT    100

typedef struct vs_chunk {
    char *text;
    char *heading; /* NULL outside any heading */
} vs_chunk_t;

typedef struct vs_chunks {
    vs_chunk_t *items;
    size_t n, cap;
} vs_chunks_t;

/* size in VS_CHUNK_SIZE_MIN..MAX, overlap < size / 2 (the caller validates). */
void vs_chunk_blocks(const vs_blocks_t *blocks, size_t size, size_t overlap, vs_chunks_t *out);
void vs_chunks_free(vs_chunks_t *c);

#endif
