/* blocks.h - a document as the chunker sees it: an ordered list of text blocks (paragraphs,
 * list runs, code blocks, table cells), each under the heading path it appeared in ("Install >
 * Linux"). The format readers (blocks.c for plain text, markdown.c, html_text.c) produce blocks;
 * chunker.c packs them into chunks. */
#ifndef LLMOPS_VECTOR_BLOCKS_H
#define LLMOPS_VECTOR_BLOCKS_H

#include <stddef.h>

#include "base/error.h"

typedef struct vs_block {
    char *text;    /* trimmed, never empty */
    char *heading; /* "H1 > H2", or NULL outside any heading */
} vs_block_t;

typedef struct vs_blocks {
    vs_block_t *items;
    size_t n, cap;
} vs_blocks_t;

/* Append text[0..len) under heading (both copied). Leading/trailing whitespace is trimmed and a
 * block that is then empty is dropped. */
void vs_blocks_add(vs_blocks_t *b, const char *text, size_t len, const char *heading);
void vs_blocks_free(vs_blocks_t *b);

/* Plain text: blocks are the paragraphs, separated by blank lines. No headings. */
void vs_parse_text(const char *data, size_t len, vs_blocks_t *out);

/* Markdown: ATX (# ..) and setext (===, ---) headings set the heading path; blank lines end
 * paragraphs; fenced code blocks (``` or ~~~) stay whole, blank lines included. */
void vs_parse_markdown(const char *data, size_t len, vs_blocks_t *out);

/* HTML through libxml2's HTML parser (recovering, no network): h1-h6 set the heading path, block
 * elements (p, li, pre, td, div...) end blocks, script/style/head/template/noscript are skipped,
 * whitespace is collapsed outside <pre>. 400 (field "html") when libxml2 returns no document. */
int vs_parse_html(const char *data, size_t len, vs_blocks_t *out, err_t *err);

/* "text" | "markdown" | "html" -> the matching reader. 400 naming `field` for another format. */
int vs_parse_format(const char *format, const char *data, size_t len, vs_blocks_t *out,
                    const char *field, err_t *err);

#endif
