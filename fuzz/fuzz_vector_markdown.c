/* fuzz_vector_markdown.c - libFuzzer target for the Markdown reader and the chunker
 * (blocks.h, chunker.h): the input is read as Markdown and as plain text and chunked with a
 * size and overlap taken from its first bytes. Contract: every block is non-empty and trimmed;
 * every chunk is non-empty, at most `size` bytes, and its heading (when any) is non-empty. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vector/chunker.h"

static void check(const vs_blocks_t *b, size_t size, size_t overlap)
{
    for (size_t i = 0; i < b->n; i++) {
        size_t len = strlen(b->items[i].text);
        if (!len || isspace((unsigned char)b->items[i].text[0]) ||
            isspace((unsigned char)b->items[i].text[len - 1]))
            abort();
        if (b->items[i].heading && !b->items[i].heading[0])
            abort();
    }
    vs_chunks_t c = {0};
    vs_chunk_blocks(b, size, overlap, &c);
    for (size_t i = 0; i < c.n; i++) {
        size_t len = strlen(c.items[i].text);
        if (!len || len > size)
            abort();
    }
    vs_chunks_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t chunk = VS_CHUNK_SIZE_MIN + data[0] * 4; /* 64..1084 */
    size_t overlap = data[1] % (chunk / 2);
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    if (memchr(text, '\0', len))
        return 0; /* documents are NUL-free (uploads with NUL are refused) */
    char *copy = malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    vs_blocks_t b = {0};
    vs_parse_markdown(copy, len, &b);
    check(&b, chunk, overlap);
    vs_blocks_free(&b);
    vs_parse_text(copy, len, &b);
    check(&b, chunk, overlap);
    vs_blocks_free(&b);
    free(copy);
    return 0;
}
