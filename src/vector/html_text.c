/* html_text.c - HTML to blocks through libxml2's HTML parser (the same tolerant parser browsers'
 * predecessors used: unclosed tags, stray entities and bad nesting are repaired, never fatal).
 * Tags are never stripped by pattern: the parsed tree is walked, so text inside comments,
 * scripts and styles cannot leak into chunks, and entities arrive decoded.
 *
 * h1-h6 replace the heading path at their level (like Markdown headings); block-level elements
 * end the block being gathered; <br> is a line break; whitespace runs collapse to one space
 * except inside <pre>. */
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "vector/blocks.h"

#define HTML_LEVELS 6
#define HTML_DEPTH  256 /* deeper trees are read as text only (libxml2 caps nesting itself) */

typedef struct html_state {
    char *levels[HTML_LEVELS];
    buf_t path;
    buf_t text;
    vs_blocks_t *out;
} html_state_t;

static const char *const skipped[] = {"script", "style",  "head", "template", "noscript",
                                      "iframe", "object", "svg",  NULL};
static const char *const blocks[] = {
    "p",        "div",     "li",    "ul",      "ol",      "pre",     "blockquote", "td",
    "th",       "tr",      "table", "section", "article", "main",    "header",     "footer",
    "nav",      "aside",   "dt",    "dd",      "dl",      "figure",  "figcaption", "form",
    "fieldset", "address", "body",  "hr",      "caption", "details", "summary",    NULL};

static int in_list(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcasecmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static void flush(html_state_t *st)
{
    vs_blocks_add(st->out, st->text.data ? st->text.data : "", st->text.len, buf_str(&st->path));
    buf_reset(&st->text);
}

/* Append s, collapsing whitespace runs to one space unless `pre`. */
static void append_text(html_state_t *st, const char *s, int pre)
{
    if (pre) {
        buf_append_str(&st->text, s);
        return;
    }
    for (; *s; s++) {
        int space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f';
        if (!space)
            buf_append_char(&st->text, *s);
        else if (st->text.len && st->text.data[st->text.len - 1] != ' ' &&
                 st->text.data[st->text.len - 1] != '\n')
            buf_append_char(&st->text, ' ');
    }
}

/* The text of a heading element, whitespace collapsed. */
static void gather_text(xmlNode *node, buf_t *out, int depth)
{
    for (xmlNode *n = node; n && depth < HTML_DEPTH; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            for (const char *s = (const char *)n->content; s && *s; s++) {
                int space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
                if (!space)
                    buf_append_char(out, *s);
                else if (out->len && out->data[out->len - 1] != ' ')
                    buf_append_char(out, ' ');
            }
        } else if (n->type == XML_ELEMENT_NODE && !in_list((const char *)n->name, skipped)) {
            gather_text(n->children, out, depth + 1);
        }
    }
}

static void set_heading(html_state_t *st, int level, xmlNode *node)
{
    buf_t text;
    buf_init(&text);
    gather_text(node->children, &text, 0);
    for (int i = level - 1; i < HTML_LEVELS; i++) {
        free(st->levels[i]);
        st->levels[i] = NULL;
    }
    size_t len = text.len;
    while (len && text.data[len - 1] == ' ')
        len--;
    const char *start = text.data ? text.data : "";
    while (len && *start == ' ') {
        start++;
        len--;
    }
    st->levels[level - 1] = xstrndup(start, len);
    buf_free(&text);
    buf_reset(&st->path);
    for (int i = 0; i < HTML_LEVELS; i++) {
        if (!st->levels[i] || !*st->levels[i])
            continue;
        if (st->path.len)
            buf_append_str(&st->path, " > ");
        buf_append_str(&st->path, st->levels[i]);
    }
}

static void walk(html_state_t *st, xmlNode *node, int pre, int depth)
{
    for (xmlNode *n = node; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content)
                append_text(st, (const char *)n->content, pre);
            continue;
        }
        if (n->type != XML_ELEMENT_NODE || !n->name)
            continue;
        const char *name = (const char *)n->name;
        if (in_list(name, skipped))
            continue;
        if ((name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6' && !name[2]) {
            flush(st);
            set_heading(st, name[1] - '0', n);
            continue;
        }
        if (strcasecmp(name, "br") == 0) {
            buf_append_char(&st->text, '\n');
            continue;
        }
        int block = in_list(name, blocks);
        if (block)
            flush(st);
        if (depth < HTML_DEPTH)
            walk(st, n->children, pre || strcasecmp(name, "pre") == 0, depth + 1);
        if (block)
            flush(st);
    }
}

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

/* libxml2 sets up its global state on first use; doing that once, up front, keeps concurrent
 * first parses from racing on it. */
static void parser_init(void)
{
    xmlInitParser();
}

int vs_parse_html(const char *data, size_t len, vs_blocks_t *out, err_t *err)
{
    pthread_once(&parser_once, parser_init);
    if (len > (size_t)0x7fffffff)
        return err_invalid(err, "html", "HTML document too large");
    htmlDocPtr doc = htmlReadMemory(data, (int)len, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET);
    if (!doc) {
        if (len == 0)
            return 0; /* nothing to read is no error: the document has no text */
        return err_invalid(err, "html", "the HTML could not be parsed");
    }
    html_state_t st = {.out = out};
    buf_init(&st.path);
    buf_init(&st.text);
    walk(&st, xmlDocGetRootElement(doc), 0, 0);
    flush(&st);
    for (int i = 0; i < HTML_LEVELS; i++)
        free(st.levels[i]);
    buf_free(&st.path);
    buf_free(&st.text);
    xmlFreeDoc(doc);
    return 0;
}
