/* search_filter.c - MLflow's search grammar (see search_filter.h): a hand-written scanner and
 * recursive-descent parser over the filter text, and the order_by clause parser.
 *
 * The parser works on byte offsets internally and reports positions to people as 0-based
 * character offsets (UTF-8 code points), which is what they count in their own text. Every
 * error message quotes the input, truncated, so one line tells the whole story; the quoted
 * parts are cut on character boundaries and control characters are masked, so a message is
 * always valid UTF-8 (the HTTP layer puts it in JSON) and stays well under err_t's 512 bytes.
 *
 * The rules follow MLflow's SearchUtils (mlflow/utils/search_utils.py): which comparators each
 * entity allows, numbers for metrics and numeric attributes, quoted strings for the rest,
 * parenthesised string lists only for IN / NOT IN, dataset fields name/digest/context, no OR.
 * Where MLflow leans on sqlparse's lexing we spell the rules out (quote escapes, number
 * syntax, which characters an unquoted key may hold). */
#include "tracking/search_filter.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"

#define MAX_IN_VALUES   1000
#define ECHO_TEXT_BYTES 120 /* how much of the whole input a message quotes */
#define ECHO_PART_BYTES 60  /* how much of one token or identifier a message quotes */

typedef struct parser {
    const char *text;
    size_t len;
    size_t pos;                            /* byte offset of the next unread character */
    const char *field;                     /* "filter" or "order_by": names the field at fault */
    const char *const *numeric_attributes; /* NULL-terminated, or NULL */
    err_t *err;
    size_t mark_byte, mark_char; /* a known byte -> character offset pair, see char_pos */
} parser_t;

/* ---- characters ----------------------------------------------------------------------------- */

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Non-ASCII bytes (the input is checked to be UTF-8) count as letters: keys may be in any
 * script without quoting, as in MLflow. */
static int is_word_start(unsigned char c)
{
    return is_alpha(c) || c == '_' || c >= 0x80;
}

/* Characters of an unquoted key segment; '.' is handled by the caller because it separates
 * the entity from the key but belongs to the key afterwards (tags.mlflow.runName). */
static int is_segment_char(unsigned char c)
{
    return is_word_start(c) || is_digit(c) || c == '-' || c == '/';
}

static int is_key_char(unsigned char c)
{
    return is_segment_char(c) || c == '.';
}

static int is_quote(unsigned char c)
{
    return c == '\'' || c == '"' || c == '`';
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned int cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Byte offset of the first invalid UTF-8 sequence, or len when all is valid. */
static size_t utf8_invalid_at(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq_len((const unsigned char *)s + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

/* The character offset people see for byte offset `off`. Each clause records its position,
 * so counting resumes from the last answer instead of from the start of the text (which would
 * make a long filter quadratic). */
static size_t char_pos(parser_t *p, size_t off)
{
    if (off < p->mark_byte)
        p->mark_byte = p->mark_char = 0;
    size_t n = p->mark_char;
    for (size_t i = p->mark_byte; i < off && i < p->len; i++)
        if (((unsigned char)p->text[i] & 0xC0) != 0x80)
            n++;
    p->mark_byte = off;
    p->mark_char = n;
    return n;
}

/* Copy s[0..n) into dst for a message: at most `max` bytes, cut on a character boundary and
 * marked with "..." when cut; whitespace becomes a space and other control characters '?'. */
static void echo(char *dst, size_t dstsize, const char *s, size_t n, size_t max)
{
    size_t o = 0, i = 0;
    int cut = 0;
    while (i < n) {
        size_t clen = utf8_seq_len((const unsigned char *)s + i, n - i);
        if (clen == 0)
            clen = 1; /* only reached for text checked elsewhere; be safe */
        if (o + clen > max || o + clen + 4 > dstsize) {
            cut = 1;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        if (clen == 1 && (c < 0x20 || c == 0x7F))
            dst[o++] = is_space(c) ? ' ' : '?';
        else if (clen == 1 && c >= 0x80)
            dst[o++] = '?';
        else {
            memcpy(dst + o, s + i, clen);
            o += clen;
        }
        i += clen;
    }
    if (cut && o + 4 <= dstsize) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

/* ---- errors --------------------------------------------------------------------------------- */

/* "Invalid <field> '<text>': <detail>". */
static int fail_detail(parser_t *p, const char *detail)
{
    char quoted[ECHO_TEXT_BYTES + 8];
    echo(quoted, sizeof quoted, p->text, p->len, ECHO_TEXT_BYTES);
    return err_invalid(p->err, p->field, "Invalid %s '%s': %s", p->field, quoted, detail);
}

/* An error whose detail ends with " at position N" for the byte offset `off`. */
static int fail_at(parser_t *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(parser_t *p, size_t off, const char *fmt, ...)
{
    char detail[320];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof detail)
        snprintf(detail + n, sizeof detail - (size_t)n, " at position %zu", char_pos(p, off));
    return fail_detail(p, detail);
}

/* Byte length of the token at `off`, for quoting it in "unexpected token '...'". */
static size_t token_len(const parser_t *p, size_t off)
{
    const char *s = p->text + off;
    size_t rest = p->len - off;
    if (rest == 0)
        return 0;
    unsigned char c = (unsigned char)s[0];
    if (is_quote(c)) {
        const char *close = memchr(s + 1, c, rest - 1);
        return close ? (size_t)(close - s) + 1 : rest;
    }
    if (is_key_char(c)) {
        size_t n = 0;
        while (n < rest && is_key_char((unsigned char)s[n]))
            n++;
        return n;
    }
    if ((c == '<' || c == '>' || c == '!') && rest > 1 && s[1] == '=')
        return 2;
    size_t n = utf8_seq_len((const unsigned char *)s, rest);
    return n ? n : 1;
}

/* Quote the input range [start, end) for a message. */
static void echo_range(const parser_t *p, size_t start, size_t end, char *dst, size_t dstsize)
{
    echo(dst, dstsize, p->text + start, end - start, ECHO_PART_BYTES);
}

static int fail_unexpected(parser_t *p, size_t off, const char *hint)
{
    char tok[ECHO_PART_BYTES + 8];
    echo_range(p, off, off + token_len(p, off), tok, sizeof tok);
    return fail_at(p, off, "unexpected token '%s'%s", tok, hint ? hint : "");
}

/* ---- scanning ------------------------------------------------------------------------------- */

static void skip_space(parser_t *p)
{
    while (p->pos < p->len && is_space((unsigned char)p->text[p->pos]))
        p->pos++;
}

static int at_end(const parser_t *p)
{
    return p->pos >= p->len;
}

static unsigned char peek(const parser_t *p)
{
    return p->pos < p->len ? (unsigned char)p->text[p->pos] : '\0';
}

/* Length of the run of key characters at `off` (a "word" for keyword matching: keywords end
 * where a key could not continue, so "INDEX" is not "IN" and "LIKE'a'" is "LIKE"). */
static size_t word_len_at(const parser_t *p, size_t off)
{
    size_t n = 0;
    while (off + n < p->len && is_key_char((unsigned char)p->text[off + n]))
        n++;
    return n;
}

/* Whether the word at `off` is the keyword kw (case-insensitive). */
static int keyword_at(const parser_t *p, size_t off, const char *kw)
{
    size_t n = strlen(kw);
    return word_len_at(p, off) == n && strncasecmp(p->text + off, kw, n) == 0;
}

static int reserved_at(const parser_t *p, size_t off)
{
    static const char *const words[] = {"AND", "OR", "NOT", "IN", "LIKE", "ILIKE"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (keyword_at(p, off, words[i]))
            return 1;
    return 0;
}

/* A quoted string at p->pos (the opening quote). Inside, the quote character written twice or
 * after a backslash stands for itself and "\\" for one backslash; any other backslash is kept
 * as written (so LIKE patterns such as '100\%' pass through). `what` names the thing for the
 * unterminated-string error. */
static int scan_quoted(parser_t *p, const char *what, char **out)
{
    size_t start = p->pos;
    char q = p->text[p->pos++];
    buf_t b;
    buf_init(&b);
    for (;;) {
        if (at_end(p)) {
            buf_free(&b);
            return fail_at(p, start, "unterminated %s starting", what);
        }
        char c = p->text[p->pos];
        if (c == q) {
            if (p->pos + 1 < p->len && p->text[p->pos + 1] == q) {
                buf_append_char(&b, q);
                p->pos += 2;
                continue;
            }
            p->pos++;
            break;
        }
        if (c == '\\' && p->pos + 1 < p->len &&
            (p->text[p->pos + 1] == q || p->text[p->pos + 1] == '\\')) {
            buf_append_char(&b, p->text[p->pos + 1]);
            p->pos += 2;
            continue;
        }
        /* Copy the run up to the next quote or backslash in one go. */
        size_t run = 1;
        while (p->pos + run < p->len && p->text[p->pos + run] != q && p->text[p->pos + run] != '\\')
            run++;
        buf_append(&b, p->text + p->pos, run);
        p->pos += run;
    }
    *out = buf_steal(&b);
    return 0;
}

/* A number at p->pos: [+-] digits [. digits] [e [+-] digits] with at least one digit in the
 * mantissa ("1", "-0.5", ".5", "1e-3", "2E+10"). What follows must not continue a word, so
 * "1abc" and "0x10" are invalid numbers rather than a number and a stray word. */
static int scan_number(parser_t *p, double *out)
{
    size_t start = p->pos, i = p->pos;
    const char *s = p->text;
    if (i < p->len && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t digits = 0;
    while (i < p->len && is_digit((unsigned char)s[i]))
        i++, digits++;
    if (i < p->len && s[i] == '.') {
        i++;
        while (i < p->len && is_digit((unsigned char)s[i]))
            i++, digits++;
    }
    int ok = digits > 0;
    if (ok && i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp_digits = 0;
        while (i < p->len && is_digit((unsigned char)s[i]))
            i++, exp_digits++;
        ok = exp_digits > 0;
    }
    /* The whole run of number-ish characters is the token that is reported when invalid. */
    size_t end = i;
    while (end < p->len &&
           (is_key_char((unsigned char)s[end]) ||
            ((s[end] == '+' || s[end] == '-') && (s[end - 1] == 'e' || s[end - 1] == 'E'))))
        end++;
    char tok[ECHO_PART_BYTES + 8];
    if (!ok || end != i) {
        echo_range(p, start, end, tok, sizeof tok);
        return fail_at(p, start, "invalid number '%s'", tok);
    }
    char *copy = xstrndup(s + start, i - start);
    errno = 0;
    double v = strtod(copy, NULL);
    int range = errno == ERANGE && isinf(v);
    free(copy);
    if (range || !isfinite(v)) {
        echo_range(p, start, end, tok, sizeof tok);
        return fail_at(p, start, "number '%s' is out of range", tok);
    }
    p->pos = i;
    *out = v;
    return 0;
}

static int number_starts_at(const parser_t *p, size_t off)
{
    if (off >= p->len)
        return 0;
    unsigned char c = (unsigned char)p->text[off];
    if (c == '+' || c == '-') {
        if (off + 1 >= p->len)
            return 0;
        c = (unsigned char)p->text[off + 1];
    }
    return is_digit(c) || c == '.';
}

/* ---- identifiers ---------------------------------------------------------------------------- */

typedef struct alias {
    const char *name;
    search_entity_t entity;
} alias_t;

static const alias_t aliases[] = {
    {"metrics", SEARCH_METRIC},
    {"metric", SEARCH_METRIC},
    {"params", SEARCH_PARAM},
    {"param", SEARCH_PARAM},
    {"parameters", SEARCH_PARAM},
    {"parameter", SEARCH_PARAM},
    {"tags", SEARCH_TAG},
    {"tag", SEARCH_TAG},
    {"attributes", SEARCH_ATTRIBUTE},
    {"attribute", SEARCH_ATTRIBUTE},
    {"attr", SEARCH_ATTRIBUTE},
    {"run", SEARCH_ATTRIBUTE},
    {"datasets", SEARCH_DATASET},
    {"dataset", SEARCH_DATASET},
};

static int entity_of(const char *s, size_t n, search_entity_t *out)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strlen(aliases[i].name) == n && strncasecmp(aliases[i].name, s, n) == 0) {
            *out = aliases[i].entity;
            return 1;
        }
    return 0;
}

typedef struct ident {
    search_entity_t entity;
    char *key;
    size_t start, end; /* the identifier as written, byte offsets */
} ident_t;

/* The key after "entity.": quoted with any of ' " `, or a run of key characters (dots
 * included: tags.mlflow.runName has the key "mlflow.runName"). */
static int parse_key(parser_t *p, ident_t *id)
{
    size_t start = p->pos;
    unsigned char c = peek(p);
    if (is_quote(c)) {
        if (scan_quoted(p, "quoted key", &id->key) != 0)
            return -1;
        if (id->key[0] == '\0') {
            free(id->key);
            id->key = NULL;
            return fail_at(p, start, "empty key");
        }
        return 0;
    }
    if (!is_key_char(c)) {
        char ent[ECHO_PART_BYTES + 8];
        echo_range(p, id->start, start, ent, sizeof ent);
        return fail_at(p, start, "expected a key after '%s'", ent);
    }
    size_t n = word_len_at(p, start);
    id->key = xstrndup(p->text + start, n);
    p->pos += n;
    return 0;
}

/* identifier := [entity '.'] key. Without an entity the identifier is an attribute; a quoted
 * bare name ("Run name", `status`) is an attribute too, unless a '.' follows it, in which case
 * it was a quoted entity (`metrics`.acc, which MLflow accepts). */
static int parse_identifier(parser_t *p, ident_t *id)
{
    memset(id, 0, sizeof *id);
    id->start = p->pos;
    unsigned char c = peek(p);
    if (c == '"' || c == '`') {
        char *name = NULL;
        if (scan_quoted(p, "quoted key", &name) != 0)
            return -1;
        if (peek(p) != '.') {
            if (name[0] == '\0') {
                free(name);
                return fail_at(p, id->start, "empty key");
            }
            id->entity = SEARCH_ATTRIBUTE;
            id->key = name;
            id->end = p->pos;
            return 0;
        }
        int known = entity_of(name, strlen(name), &id->entity);
        free(name);
        if (!known) {
            char ent[ECHO_PART_BYTES + 8];
            echo_range(p, id->start, p->pos, ent, sizeof ent);
            return fail_at(p, id->start,
                           "unknown entity %s (expected metrics, params, tags, attributes or "
                           "datasets)",
                           ent);
        }
        p->pos++; /* the '.' */
        if (parse_key(p, id) != 0)
            return -1;
        id->end = p->pos;
        return 0;
    }
    if (!is_word_start(c))
        return fail_unexpected(p, p->pos, NULL);
    size_t seg = 0;
    while (p->pos + seg < p->len && is_segment_char((unsigned char)p->text[p->pos + seg]))
        seg++;
    if (p->pos + seg < p->len && p->text[p->pos + seg] == '.') {
        if (!entity_of(p->text + p->pos, seg, &id->entity)) {
            char ent[ECHO_PART_BYTES + 8];
            echo_range(p, p->pos, p->pos + seg, ent, sizeof ent);
            return fail_at(p, id->start,
                           "unknown entity '%s' (expected metrics, params, tags, attributes or "
                           "datasets)",
                           ent);
        }
        p->pos += seg + 1;
        if (parse_key(p, id) != 0)
            return -1;
    } else {
        id->entity = SEARCH_ATTRIBUTE;
        id->key = xstrndup(p->text + p->pos, seg);
        p->pos += seg;
    }
    id->end = p->pos;
    return 0;
}

static const char *const dataset_fields[] = {"name", "digest", "context"};

static int check_dataset_field(parser_t *p, const ident_t *id)
{
    for (size_t i = 0; i < sizeof dataset_fields / sizeof dataset_fields[0]; i++)
        if (strcmp(id->key, dataset_fields[i]) == 0)
            return 0;
    char key[ECHO_PART_BYTES + 8];
    echo(key, sizeof key, id->key, strlen(id->key), ECHO_PART_BYTES);
    return fail_at(p, id->start, "unknown dataset field '%s' (expected name, digest or context)",
                   key);
}

/* ---- clauses -------------------------------------------------------------------------------- */

static int is_numeric_attribute(const parser_t *p, const char *key)
{
    if (!p->numeric_attributes)
        return 0;
    for (const char *const *a = p->numeric_attributes; *a; a++)
        if (strcmp(*a, key) == 0)
            return 1;
    return 0;
}

/* The comparison operator at p->pos, or -1 with an error naming what came before it. */
static int parse_op(parser_t *p, const ident_t *id, search_op_t *op)
{
    size_t off = p->pos;
    const char *s = p->text + off;
    size_t rest = p->len - off;
    if (rest >= 2 && s[0] == '!' && s[1] == '=') {
        *op = SEARCH_NE;
        p->pos += 2;
    } else if (rest >= 2 && s[0] == '<' && s[1] == '=') {
        *op = SEARCH_LE;
        p->pos += 2;
    } else if (rest >= 2 && s[0] == '>' && s[1] == '=') {
        *op = SEARCH_GE;
        p->pos += 2;
    } else if (rest >= 1 && s[0] == '=') {
        *op = SEARCH_EQ;
        p->pos++;
    } else if (rest >= 1 && s[0] == '<') {
        *op = SEARCH_LT;
        p->pos++;
    } else if (rest >= 1 && s[0] == '>') {
        *op = SEARCH_GT;
        p->pos++;
    } else if (keyword_at(p, off, "LIKE")) {
        *op = SEARCH_LIKE;
        p->pos += 4;
    } else if (keyword_at(p, off, "ILIKE")) {
        *op = SEARCH_ILIKE;
        p->pos += 5;
    } else if (keyword_at(p, off, "IN")) {
        *op = SEARCH_IN;
        p->pos += 2;
    } else if (keyword_at(p, off, "NOT")) {
        p->pos += 3;
        skip_space(p);
        if (!keyword_at(p, p->pos, "IN"))
            return fail_at(p, p->pos, "expected 'IN' after 'NOT'");
        *op = SEARCH_NOT_IN;
        p->pos += 2;
    } else {
        char name[ECHO_PART_BYTES + 8];
        echo_range(p, id->start, id->end, name, sizeof name);
        return fail_at(p, off, "expected a comparison operator after '%s'", name);
    }
    return 0;
}

/* What a clause's entity allows, as MLflow's VALID_*_COMPARATORS. */
static int op_allowed(search_entity_t e, int numeric, search_op_t op)
{
    int ordering = op == SEARCH_LT || op == SEARCH_LE || op == SEARCH_GT || op == SEARCH_GE;
    int equality = op == SEARCH_EQ || op == SEARCH_NE;
    int pattern = op == SEARCH_LIKE || op == SEARCH_ILIKE;
    int list = op == SEARCH_IN || op == SEARCH_NOT_IN;
    switch (e) {
    case SEARCH_METRIC:
        return equality || ordering;
    case SEARCH_PARAM:
    case SEARCH_TAG:
        return equality || pattern;
    case SEARCH_ATTRIBUTE:
        return numeric ? equality || ordering : equality || pattern || list;
    case SEARCH_DATASET:
        return equality || pattern || list;
    }
    return 0;
}

static int check_op(parser_t *p, const ident_t *id, int numeric, search_op_t op, size_t off)
{
    if (op_allowed(id->entity, numeric, op))
        return 0;
    if (id->entity == SEARCH_ATTRIBUTE) {
        char key[ECHO_PART_BYTES + 8];
        echo(key, sizeof key, id->key, strlen(id->key), ECHO_PART_BYTES);
        return fail_at(p, off, "'%s' is not allowed for %s attribute '%s'", search_op_name(op),
                       numeric ? "numeric" : "string", key);
    }
    return fail_at(p, off, "'%s' is not allowed for %s", search_op_name(op),
                   search_entity_name(id->entity));
}

/* '(' 'a' [, 'b' ...] ')' for IN / NOT IN. */
static int parse_list(parser_t *p, search_op_t op, search_clause_t *cl)
{
    size_t open = p->pos;
    if (peek(p) != '(')
        return fail_at(p, p->pos, "'%s' needs a parenthesised list of quoted strings",
                       search_op_name(op));
    p->pos++;
    size_t cap = 0;
    for (;;) {
        skip_space(p);
        if (at_end(p))
            return fail_at(p, open, "unterminated list starting");
        size_t off = p->pos;
        unsigned char c = peek(p);
        if (c == ')' && cl->nlist == 0)
            return fail_at(p, off, "'%s' needs at least one value", search_op_name(op));
        if (c == '\'' || c == '"') {
            if (cl->nlist == MAX_IN_VALUES)
                return fail_at(p, off, "more than %d values in the list", MAX_IN_VALUES);
            char *v = NULL;
            if (scan_quoted(p, "string", &v) != 0)
                return -1;
            if (cl->nlist == cap) {
                cap = cap ? cap * 2 : 8;
                cl->list = xrealloc(cl->list, cap * sizeof *cl->list);
            }
            cl->list[cl->nlist++] = v;
        } else if (number_starts_at(p, off)) {
            return fail_at(p, off, "list values must be quoted strings");
        } else {
            return fail_unexpected(p, off, NULL);
        }
        skip_space(p);
        if (at_end(p))
            return fail_at(p, open, "unterminated list starting");
        c = peek(p);
        if (c == ')') {
            p->pos++;
            return 0;
        }
        if (c != ',')
            return fail_unexpected(p, p->pos, " (expected ',' or ')')");
        p->pos++;
    }
}

/* The value after the operator, checked against what the identifier compares with. */
static int parse_value(parser_t *p, const ident_t *id, int numeric, search_op_t op,
                       search_clause_t *cl)
{
    char name[ECHO_PART_BYTES + 8];
    echo_range(p, id->start, id->end, name, sizeof name);
    if (at_end(p))
        return fail_at(p, p->pos, "expected a value after '%s'", search_op_name(op));
    if (op == SEARCH_IN || op == SEARCH_NOT_IN)
        return parse_list(p, op, cl);
    size_t off = p->pos;
    unsigned char c = peek(p);
    int wants_number = id->entity == SEARCH_METRIC || numeric;
    if (c == '\'' || c == '"') {
        if (wants_number)
            return fail_at(p, off, "%s needs a numeric value, got a string", name);
        return scan_quoted(p, "string", &cl->text);
    }
    if (c == '(')
        return fail_at(p, off, "'%s' compares with one value, not a list", search_op_name(op));
    if (number_starts_at(p, off)) {
        double v = 0;
        if (scan_number(p, &v) != 0)
            return -1;
        if (!wants_number)
            return fail_at(p, off, "%s needs a quoted string value, got a number", name);
        cl->is_number = 1;
        cl->number = v;
        return 0;
    }
    if (is_word_start(c))
        return fail_unexpected(p, off, " (string values need quotes)");
    return fail_unexpected(p, off, NULL);
}

static void clause_free(search_clause_t *cl)
{
    free(cl->key);
    free(cl->text);
    for (size_t i = 0; i < cl->nlist; i++)
        free(cl->list[i]);
    free(cl->list);
    memset(cl, 0, sizeof *cl);
}

/* clause := identifier op value. Fills cl (owned strings) or fails leaving it empty. */
static int parse_clause(parser_t *p, search_clause_t *cl)
{
    memset(cl, 0, sizeof *cl);
    size_t start = p->pos;
    if (reserved_at(p, start))
        return fail_unexpected(p, start, NULL);
    ident_t id;
    if (parse_identifier(p, &id) != 0)
        return -1;
    cl->entity = id.entity;
    cl->key = id.key;
    cl->position = char_pos(p, start);
    if (id.entity == SEARCH_DATASET && check_dataset_field(p, &id) != 0)
        goto fail;
    int numeric = id.entity == SEARCH_ATTRIBUTE && is_numeric_attribute(p, id.key);
    skip_space(p);
    size_t op_off = p->pos;
    if (parse_op(p, &id, &cl->op) != 0)
        goto fail;
    if (check_op(p, &id, numeric, cl->op, op_off) != 0)
        goto fail;
    skip_space(p);
    if (parse_value(p, &id, numeric, cl->op, cl) != 0)
        goto fail;
    return 0;
fail:
    clause_free(cl);
    return -1;
}

/* ---- public --------------------------------------------------------------------------------- */

void search_filter_free(search_filter_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++)
        clause_free(&f->clauses[i]);
    free(f->clauses);
    f->clauses = NULL;
    f->count = 0;
}

/* Checks shared by both parsers: length and encoding. */
static int check_input(parser_t *p)
{
    if (p->len > SEARCH_FILTER_MAX_LEN) {
        char detail[128];
        snprintf(detail, sizeof detail, "%zu bytes is longer than the limit of %d bytes", p->len,
                 SEARCH_FILTER_MAX_LEN);
        /* Quote only what is certainly valid UTF-8: nothing. */
        return err_invalid(p->err, p->field, "Invalid %s: %s", p->field, detail);
    }
    size_t bad = utf8_invalid_at(p->text, p->len);
    if (bad < p->len)
        return err_invalid(p->err, p->field, "Invalid %s: not valid UTF-8 at byte %zu", p->field,
                           bad);
    return 0;
}

int search_filter_parse(const char *text, const char *const *numeric_attributes,
                        search_filter_t *out, err_t *err)
{
    out->clauses = NULL;
    out->count = 0;
    if (!text)
        return 0;
    parser_t p = {.text = text,
                  .len = strlen(text),
                  .field = "filter",
                  .numeric_attributes = numeric_attributes,
                  .err = err};
    if (check_input(&p) != 0)
        return -1;
    search_filter_t f = {0};
    size_t cap = 0;
    skip_space(&p);
    while (!at_end(&p)) {
        if (f.count == SEARCH_FILTER_MAX_CLAUSES) {
            fail_at(&p, p.pos, "more than %d clauses", SEARCH_FILTER_MAX_CLAUSES);
            goto fail;
        }
        if (f.count == cap) {
            cap = cap ? cap * 2 : 4;
            f.clauses = xrealloc(f.clauses, cap * sizeof *f.clauses);
        }
        if (parse_clause(&p, &f.clauses[f.count]) != 0)
            goto fail;
        f.count++;
        skip_space(&p);
        if (at_end(&p))
            break;
        if (keyword_at(&p, p.pos, "AND")) {
            p.pos += 3;
            skip_space(&p);
            if (at_end(&p)) {
                fail_at(&p, p.pos, "expected a clause after 'AND'");
                goto fail;
            }
            continue;
        }
        if (keyword_at(&p, p.pos, "OR")) {
            fail_at(&p, p.pos,
                    "OR is not supported (MLflow filters combine clauses with AND only)");
            goto fail;
        }
        fail_at(&p, p.pos, "expected 'AND' between clauses");
        goto fail;
    }
    *out = f;
    return 0;
fail:
    search_filter_free(&f);
    return -1;
}

void search_order_free(search_order_t *o)
{
    if (!o)
        return;
    free(o->key);
    o->key = NULL;
}

int search_order_parse(const char *text, search_order_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    parser_t p = {.text = text ? text : "", .field = "order_by", .err = err};
    p.len = strlen(p.text);
    if (check_input(&p) != 0)
        return -1;
    skip_space(&p);
    if (at_end(&p))
        return fail_at(&p, p.pos, "expected a column to order by");
    ident_t id;
    if (parse_identifier(&p, &id) != 0)
        return -1;
    if (id.entity == SEARCH_DATASET) {
        free(id.key);
        return fail_at(&p, id.start, "datasets cannot be used in order_by");
    }
    int descending = 0;
    skip_space(&p);
    if (!at_end(&p)) {
        size_t off = p.pos;
        if (keyword_at(&p, off, "ASC")) {
            p.pos += 3;
        } else if (keyword_at(&p, off, "DESC")) {
            descending = 1;
            p.pos += 4;
        } else {
            free(id.key);
            if (is_word_start(peek(&p))) {
                char word[ECHO_PART_BYTES + 8];
                echo_range(&p, off, off + word_len_at(&p, off), word, sizeof word);
                return fail_at(&p, off, "invalid direction '%s' (expected ASC or DESC)", word);
            }
            return fail_unexpected(&p, off, NULL);
        }
        skip_space(&p);
        if (!at_end(&p)) {
            free(id.key);
            return fail_unexpected(&p, p.pos, NULL);
        }
    }
    out->entity = id.entity;
    out->key = id.key;
    out->descending = descending;
    return 0;
}

const char *search_entity_name(search_entity_t e)
{
    switch (e) {
    case SEARCH_METRIC:
        return "metrics";
    case SEARCH_PARAM:
        return "params";
    case SEARCH_TAG:
        return "tags";
    case SEARCH_ATTRIBUTE:
        return "attributes";
    case SEARCH_DATASET:
        return "datasets";
    }
    return "unknown";
}

const char *search_op_name(search_op_t op)
{
    switch (op) {
    case SEARCH_EQ:
        return "=";
    case SEARCH_NE:
        return "!=";
    case SEARCH_LT:
        return "<";
    case SEARCH_LE:
        return "<=";
    case SEARCH_GT:
        return ">";
    case SEARCH_GE:
        return ">=";
    case SEARCH_LIKE:
        return "LIKE";
    case SEARCH_ILIKE:
        return "ILIKE";
    case SEARCH_IN:
        return "IN";
    case SEARCH_NOT_IN:
        return "NOT IN";
    }
    return "unknown";
}
