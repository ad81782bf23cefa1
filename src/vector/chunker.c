/* chunker.c - packing blocks into size-bounded, overlapping chunks (rules in chunker.h). */
#include "vector/chunker.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static void emit(vs_chunks_t *out, const char *text, size_t len, const char *heading)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 16;
        out->items = xrealloc(out->items, out->cap * sizeof *out->items);
    }
    out->items[out->n].text = xstrndup(text, len);
    out->items[out->n].heading = heading ? xstrdup(heading) : NULL;
    out->n++;
}

/* 1 when byte c continues a UTF-8 sequence (so a cut must not fall before it). */
static int continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where to cut s[0..len) (len > size) so the first piece has at most size bytes. */
static size_t cut_point(const char *s, size_t size)
{
    for (size_t i = size; i > size / 2; i--) {
        /* A cut after s[i-1]: a newline, or sentence punctuation followed by a space. */
        if (s[i - 1] == '\n' || (is_space(s[i - 1]) && i >= 2 &&
                                 (s[i - 2] == '.' || s[i - 2] == '!' || s[i - 2] == '?')))
            return i;
    }
    for (size_t i = size; i > 0; i--)
        if (is_space(s[i - 1]))
            return i;
    size_t i = size;
    while (i > 1 && continuation((unsigned char)s[i]))
        i--;
    return i;
}

/* The start of the overlap tail of s[0..len): at most `overlap` bytes, beginning at a word. */
static size_t tail_start(const char *s, size_t len, size_t overlap)
{
    if (!overlap || !len)
        return len;
    size_t start = len > overlap ? len - overlap : 0;
    if (start == 0)
        return 0;
    /* Move forward to the first word that begins inside the window. */
    while (start < len && !is_space(s[start - 1]))
        start++;
    while (start < len && is_space(s[start]))
        start++;
    return start;
}

typedef struct packer {
    buf_t cur;
    int fresh; /* cur holds text not yet emitted (beyond the carried-over overlap) */
    size_t size, overlap;
    const char *heading;
    vs_chunks_t *out;
} packer_t;

static void pack_flush(packer_t *p, int carry)
{
    if (p->fresh && p->cur.len)
        emit(p->out, p->cur.data, p->cur.len, p->heading);
    if (carry && p->fresh && p->cur.len) {
        size_t t = tail_start(p->cur.data, p->cur.len, p->overlap);
        size_t keep = p->cur.len - t;
        memmove(p->cur.data, p->cur.data + t, keep);
        p->cur.len = keep;
        p->cur.data[keep] = '\0';
    } else {
        buf_reset(&p->cur);
    }
    p->fresh = 0;
}

/* Add one piece (at most size bytes) to the chunk being built. */
static void pack_piece(packer_t *p, const char *s, size_t len)
{
    if (p->cur.len && p->cur.len + 2 + len > p->size) {
        if (p->fresh)
            pack_flush(p, 1);
        /* The carried-over tail must leave room for the piece, else it goes. */
        if (p->cur.len && p->cur.len + 2 + len > p->size)
            buf_reset(&p->cur);
    }
    if (p->cur.len)
        buf_append(&p->cur, "\n\n", 2);
    buf_append(&p->cur, s, len);
    p->fresh = 1;
}

void vs_chunk_blocks(const vs_blocks_t *blocks, size_t size, size_t overlap, vs_chunks_t *out)
{
    packer_t p = {.size = size, .overlap = overlap, .out = out};
    buf_init(&p.cur);
    for (size_t b = 0; b < blocks->n; b++) {
        const vs_block_t *blk = &blocks->items[b];
        int same = (blk->heading == NULL && p.heading == NULL) ||
                   (blk->heading && p.heading && strcmp(blk->heading, p.heading) == 0);
        if (!same || b == 0) {
            pack_flush(&p, 0);
            p.heading = blk->heading;
        }
        const char *s = blk->text;
        size_t len = strlen(s);
        while (len) {
            size_t room = p.size - (p.cur.len ? p.cur.len + 2 : 0);
            if (p.cur.len + 2 > p.size)
                room = 0;
            if (len <= room) {
                pack_piece(&p, s, len);
                break;
            }
            if (p.fresh && (len <= p.size || room < p.size / 4)) {
                pack_flush(&p, 1); /* a new chunk, starting with the overlap */
                continue;
            }
            if (!p.fresh && p.cur.len && (len <= p.size || room < p.size / 4)) {
                /* The overlap would force a block that fits one chunk to be split: drop it. */
                buf_reset(&p.cur);
                continue;
            }
            /* A block longer than the room left: fill the room up to a sentence or word end. */
            size_t cut = cut_point(s, room);
            size_t piece = cut;
            while (piece && is_space(s[piece - 1]))
                piece--;
            if (piece)
                pack_piece(&p, s, piece);
            s += cut;
            len -= cut;
            while (len && is_space(*s)) {
                s++;
                len--;
            }
        }
    }
    pack_flush(&p, 0);
    buf_free(&p.cur);
}

void vs_chunks_free(vs_chunks_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].text);
        free(c->items[i].heading);
    }
    free(c->items);
    memset(c, 0, sizeof *c);
}
