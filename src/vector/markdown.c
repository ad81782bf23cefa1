/* markdown.c - Markdown to blocks, line by line: enough of CommonMark's block structure to cut
 * documents where their authors cut them. ATX headings (1-6 '#', then a space) and setext
 * headings (a one-line paragraph underlined with '=' or '-') replace the heading path at their
 * level; blank lines end paragraphs; a fenced code block (``` or ~~~ up to the matching fence)
 * is one block, blank lines and all. Inline markup is kept as written: it is text to a lexical
 * embedder and to keyword search alike. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "vector/blocks.h"

#define MD_LEVELS 6

typedef struct md_state {
    char *levels[MD_LEVELS]; /* heading text per level, NULL where none */
    buf_t path;              /* "H1 > H2" from levels */
    buf_t para;              /* the paragraph being gathered */
    size_t para_lines;
    vs_blocks_t *out;
} md_state_t;

static void flush(md_state_t *st)
{
    vs_blocks_add(st->out, st->para.data ? st->para.data : "", st->para.len, buf_str(&st->path));
    buf_reset(&st->para);
    st->para_lines = 0;
}

/* Set heading `level` (1-based) to text[0..len) and forget the deeper ones. */
static void set_heading(md_state_t *st, int level, const char *text, size_t len)
{
    while (len && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    /* An ATX heading may close with a run of '#'. */
    while (len && (text[len - 1] == '#' || isspace((unsigned char)text[len - 1])))
        len--;
    for (int i = level - 1; i < MD_LEVELS; i++) {
        free(st->levels[i]);
        st->levels[i] = NULL;
    }
    st->levels[level - 1] = xstrndup(text, len);
    buf_reset(&st->path);
    for (int i = 0; i < MD_LEVELS; i++) {
        if (!st->levels[i] || !*st->levels[i])
            continue;
        if (st->path.len)
            buf_append_str(&st->path, " > ");
        buf_append_str(&st->path, st->levels[i]);
    }
}

/* The fence character and length when line opens/closes a code fence, else 0. */
static size_t fence(const char *line, size_t len, char *ch)
{
    size_t i = 0;
    while (i < len && i < 3 && line[i] == ' ')
        i++;
    if (i >= len || (line[i] != '`' && line[i] != '~'))
        return 0;
    char c = line[i];
    size_t n = 0;
    while (i + n < len && line[i + n] == c)
        n++;
    if (n < 3)
        return 0;
    *ch = c;
    return n;
}

/* 1 when the line is only '=' (level 1) or only '-' (level 2), at least one, spaces around. */
static int setext_level(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && line[i] == ' ')
        i++;
    if (i >= len || (line[i] != '=' && line[i] != '-'))
        return 0;
    char c = line[i];
    while (i < len && line[i] == c)
        i++;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    return i == len ? (c == '=' ? 1 : 2) : 0;
}

void vs_parse_markdown(const char *data, size_t len, vs_blocks_t *out)
{
    md_state_t st = {.out = out};
    buf_init(&st.path);
    buf_init(&st.para);
    char fence_ch = 0;
    size_t fence_len = 0; /* > 0 inside a fenced block */
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        const char *line = data + pos;
        size_t n = end - pos;
        if (n && line[n - 1] == '\r')
            n--;
        pos = nl ? end + 1 : len;

        char ch = 0;
        size_t f = fence(line, n, &ch);
        if (fence_len) {
            buf_append(&st.para, line, n);
            buf_append_char(&st.para, '\n');
            if (f >= fence_len && ch == fence_ch) {
                fence_len = 0;
                flush(&st);
            }
            continue;
        }
        if (f) {
            flush(&st);
            fence_len = f;
            fence_ch = ch;
            buf_append(&st.para, line, n);
            buf_append_char(&st.para, '\n');
            continue;
        }
        size_t lead = 0;
        while (lead < n && lead < 3 && line[lead] == ' ')
            lead++;
        size_t hashes = 0;
        while (lead + hashes < n && line[lead + hashes] == '#')
            hashes++;
        if (hashes >= 1 && hashes <= MD_LEVELS &&
            (lead + hashes == n || line[lead + hashes] == ' ' || line[lead + hashes] == '\t')) {
            flush(&st);
            set_heading(&st, (int)hashes, line + lead + hashes, n - lead - hashes);
            continue;
        }
        int level = setext_level(line, n);
        if (level && st.para_lines == 1) {
            /* The paragraph so far is the heading's text. */
            char *text = xstrndup(st.para.data, st.para.len);
            buf_reset(&st.para);
            st.para_lines = 0;
            set_heading(&st, level, text, strlen(text));
            free(text);
            continue;
        }
        int blank = 1;
        for (size_t i = 0; i < n; i++)
            if (!isspace((unsigned char)line[i]))
                blank = 0;
        if (blank || (level == 2 && st.para_lines == 0)) {
            /* A blank line, or a '---' thematic break after one: the paragraph ends. */
            flush(&st);
            continue;
        }
        if (st.para.len)
            buf_append_char(&st.para, '\n');
        buf_append(&st.para, line, n);
        st.para_lines++;
    }
    flush(&st);
    for (int i = 0; i < MD_LEVELS; i++)
        free(st.levels[i]);
    buf_free(&st.path);
    buf_free(&st.para);
}
