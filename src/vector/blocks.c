/* blocks.c - the block list every format reader fills, the plain-text reader (paragraphs
 * separated by blank lines) and the dispatch from a format name to its reader. */
#include "vector/blocks.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void vs_blocks_add(vs_blocks_t *b, const char *text, size_t len, const char *heading)
{
    while (len && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    if (!len)
        return;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->items = xrealloc(b->items, b->cap * sizeof *b->items);
    }
    b->items[b->n].text = xstrndup(text, len);
    b->items[b->n].heading = heading && *heading ? xstrdup(heading) : NULL;
    b->n++;
}

void vs_blocks_free(vs_blocks_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->items[i].text);
        free(b->items[i].heading);
    }
    free(b->items);
    memset(b, 0, sizeof *b);
}

/* 1 when line[0..len) holds only whitespace. */
static int blank_line(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)line[i]))
            return 0;
    return 1;
}

void vs_parse_text(const char *data, size_t len, vs_blocks_t *out)
{
    size_t start = 0, pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (blank_line(data + pos, end - pos)) {
            vs_blocks_add(out, data + start, pos - start, NULL);
            start = end + 1 < len ? end + 1 : len;
        }
        pos = nl ? end + 1 : len;
    }
    if (start < len)
        vs_blocks_add(out, data + start, len - start, NULL);
}

int vs_parse_format(const char *format, const char *data, size_t len, vs_blocks_t *out,
                    const char *field, err_t *err)
{
    if (!format || strcmp(format, "text") == 0)
        vs_parse_text(data, len, out);
    else if (strcmp(format, "markdown") == 0)
        vs_parse_markdown(data, len, out);
    else if (strcmp(format, "html") == 0)
        return vs_parse_html(data, len, out, err);
    else
        return err_invalid(err, field, "format must be text, markdown or html, not '%s'", format);
    return 0;
}
