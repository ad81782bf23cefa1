/* lexer.c - turns template source into tokens, each with its line:column.
 *
 * Follows Jinja2's lexer: text outside tags becomes T_TEXT; `{{ }}` and `{% %}` become begin /
 * end tokens around expression tokens; `{# #}` comments vanish; `{% raw %}` bodies are text.
 * Whitespace control is applied here, as Jinja does: `{%-` / `{{-` / `{#-` strip whitespace
 * before the tag, `-%}` / `-}}` / `-#}` after it; with trim_blocks the first newline after a
 * block or comment tag is dropped (`+%}` keeps it); with lstrip_blocks spaces and tabs from the
 * start of a line up to a block or comment tag are dropped (`{%+` keeps them). Like Jinja, one
 * trailing newline at the end of the template is dropped and \r\n / \r in text become \n.
 * Brackets are balanced inside a tag so `{{ {'a': {'b': 1}} }}` ends at the right `}}`.
 * Columns count characters (UTF-8 code points), from 1. */
#include "template/template_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lexer {
    const char *src;
    size_t len;
    size_t pos;  /* next byte to read */
    size_t mark; /* line / col below describe src[mark] */
    uint32_t line, col;
    const lex_options_t *opt;
    arena_t *a;
    token_t *toks;
    size_t n, cap;
    err_t *err;
} lexer_t;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Move the line:column bookkeeping forward to byte position to (never backwards). */
static void locate(lexer_t *lx, size_t to)
{
    for (size_t i = lx->mark; i < to; i++) {
        unsigned char c = (unsigned char)lx->src[i];
        if (c == '\n' || (c == '\r' && (i + 1 >= lx->len || lx->src[i + 1] != '\n'))) {
            lx->line++;
            lx->col = 1;
        } else if ((c & 0xC0) != 0x80) {
            lx->col++;
        }
    }
    if (to > lx->mark)
        lx->mark = to;
}

static int lex_error_at(lexer_t *lx, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lex_error_at(lexer_t *lx, size_t at, const char *fmt, ...)
{
    if (at < lx->mark) { /* an earlier position (an unclosed tag): count again from the start */
        lx->mark = 0;
        lx->line = lx->col = 1;
    }
    locate(lx, at);
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(lx->err, 400, "template_syntax", NULL, "line %u:%u: %s", lx->line, lx->col, msg);
}

static token_t *push(lexer_t *lx, ttype_t type, size_t at)
{
    if (lx->n == lx->cap) {
        lx->cap = lx->cap ? lx->cap * 2 : 64;
        lx->toks = xrealloc(lx->toks, lx->cap * sizeof *lx->toks);
    }
    locate(lx, at);
    token_t *t = &lx->toks[lx->n++];
    memset(t, 0, sizeof *t);
    t->type = (uint8_t)type;
    t->line = lx->line;
    t->col = lx->col;
    return t;
}

/* Emit text [from, to) with newlines normalised to \n. */
static void push_text(lexer_t *lx, size_t from, size_t to)
{
    if (to <= from)
        return;
    token_t *t = push(lx, T_TEXT, from);
    const char *s = lx->src + from;
    size_t n = to - from;
    if (!memchr(s, '\r', n)) {
        t->s = s;
        t->len = n;
        return;
    }
    char *d = arena_alloc(lx->a, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            d[k++] = '\n';
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            d[k++] = s[i];
        }
    }
    t->s = d;
    t->len = k;
}

/* Apply the strip rules of a tag starting at tagpos with sign ('-', '+' or 0) to the text
 * [from, to); returns the new end of the text. */
static size_t strip_before_tag(lexer_t *lx, size_t from, size_t to, char kind, char sign)
{
    if (sign == '-') {
        while (to > from && is_space(lx->src[to - 1]))
            to--;
        return to;
    }
    if (sign == '+' || !lx->opt->lstrip_blocks || kind == '{')
        return to;
    /* lstrip_blocks: only spaces between the start of the line and the tag go. */
    size_t l = to;
    while (l > from && lx->src[l - 1] != '\n' && lx->src[l - 1] != '\r')
        l--;
    int line_starting =
        l > from || from == 0 || lx->src[from - 1] == '\n' || lx->src[from - 1] == '\r';
    if (!line_starting || l == to)
        return to;
    for (size_t i = l; i < to; i++)
        if (!is_space(lx->src[i]))
            return to;
    return l;
}

/* After a tag's closing delimiter (ending before pos): '-' strips all whitespace, trim_blocks
 * (for blocks and comments, unless '+') drops one newline. */
static void after_tag(lexer_t *lx, char sign, int blockish)
{
    if (sign == '-') {
        while (lx->pos < lx->len && is_space(lx->src[lx->pos]))
            lx->pos++;
    } else if (sign != '+' && blockish && lx->opt->trim_blocks && lx->pos < lx->len) {
        if (lx->src[lx->pos] == '\n')
            lx->pos++;
        else if (lx->src[lx->pos] == '\r')
            lx->pos += (lx->pos + 1 < lx->len && lx->src[lx->pos + 1] == '\n') ? 2 : 1;
    }
}

/* Does `{%` at p open a tag whose only word is `word` (raw / endraw)? On a match returns 1
 * and sets the begin sign, the end sign and the position after `%}`. */
static int match_word_tag(const lexer_t *lx, size_t p, const char *word, char *bsign, char *esign,
                          size_t *after)
{
    size_t i = p + 2, wl = strlen(word);
    *bsign = 0;
    if (i < lx->len && (lx->src[i] == '-' || lx->src[i] == '+'))
        *bsign = lx->src[i++];
    while (i < lx->len && is_space(lx->src[i]))
        i++;
    if (lx->len - i < wl || memcmp(lx->src + i, word, wl) != 0)
        return 0;
    i += wl;
    if (i < lx->len && (is_name_start(lx->src[i]) || is_digit(lx->src[i])))
        return 0;
    while (i < lx->len && is_space(lx->src[i]))
        i++;
    *esign = 0;
    if (i < lx->len && (lx->src[i] == '-' || lx->src[i] == '+'))
        *esign = lx->src[i++];
    if (lx->len - i < 2 || lx->src[i] != '%' || lx->src[i + 1] != '}')
        return 0;
    *after = i + 2;
    return 1;
}

/* {% raw %}...{% endraw %}: the body is text, whitespace control applies at both tags. */
static int lex_raw(lexer_t *lx, size_t tagpos, char open_esign, size_t after_open)
{
    lx->pos = after_open;
    if (open_esign == '-')
        after_tag(lx, '-', 1);
    size_t body = lx->pos;
    for (size_t p = body; p + 1 < lx->len; p++) {
        if (lx->src[p] != '{' || lx->src[p + 1] != '%')
            continue;
        char bsign, esign;
        size_t after;
        if (!match_word_tag(lx, p, "endraw", &bsign, &esign, &after))
            continue;
        size_t end = strip_before_tag(lx, body, p, '%', bsign);
        push_text(lx, body, end);
        lx->pos = after;
        after_tag(lx, esign, 1);
        return 0;
    }
    return lex_error_at(lx, tagpos, "unclosed '{%% raw %%}', expected '{%% endraw %%}'");
}

static int lex_comment(lexer_t *lx, size_t tagpos, size_t content)
{
    for (size_t p = content; p + 1 < lx->len; p++) {
        if (lx->src[p] != '#' || lx->src[p + 1] != '}')
            continue;
        char sign = 0;
        if (p > content && (lx->src[p - 1] == '-' || lx->src[p - 1] == '+'))
            sign = lx->src[p - 1];
        lx->pos = p + 2;
        after_tag(lx, sign, 1);
        return 0;
    }
    return lex_error_at(lx, tagpos, "unclosed comment, expected '#}'");
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string literal at lx->pos: Python escapes (\n \t \\ \' \" \xNN \uNNNN \UNNNNNNNN, octal);
 * unknown escapes keep their backslash, as in Python. */
static int lex_string(lexer_t *lx)
{
    size_t start = lx->pos;
    char q = lx->src[start];
    size_t p = start + 1;
    while (p < lx->len && lx->src[p] != q) {
        if (lx->src[p] == '\\')
            p++;
        p++;
    }
    if (p >= lx->len)
        return lex_error_at(lx, start, "unterminated string");
    const char *s = lx->src + start + 1;
    size_t n = p - start - 1;
    char *d = arena_alloc(lx->a, n + 1); /* decoding never grows the text */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\r') { /* newlines inside strings are normalised too */
            d[k++] = '\n';
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
            continue;
        }
        if (c != '\\') {
            d[k++] = c;
            continue;
        }
        char e = s[++i];
        switch (e) {
        case 'n':
            d[k++] = '\n';
            break;
        case 't':
            d[k++] = '\t';
            break;
        case 'r':
            d[k++] = '\r';
            break;
        case '\\':
            d[k++] = '\\';
            break;
        case '\'':
            d[k++] = '\'';
            break;
        case '"':
            d[k++] = '"';
            break;
        case 'a':
            d[k++] = '\a';
            break;
        case 'b':
            d[k++] = '\b';
            break;
        case 'f':
            d[k++] = '\f';
            break;
        case 'v':
            d[k++] = '\v';
            break;
        case '\n':
            break; /* line continuation */
        case 'x':
        case 'u':
        case 'U': {
            int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int j = 0; j < digits; j++) {
                int h = i + 1 + (size_t)j < n ? hexval(s[i + 1 + (size_t)j]) : -1;
                if (h < 0)
                    return lex_error_at(lx, start, "invalid \\%c escape in string", e);
                cp = cp * 16 + (uint32_t)h;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return lex_error_at(lx, start, "invalid code point U+%04X in string", (unsigned)cp);
            i += (size_t)digits;
            /* \xNN is at most 4 input bytes for 2 output bytes; \u 6 for 3; \U 10 for 4 */
            k += put_utf8(d + k, cp);
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                uint32_t cp = (uint32_t)(e - '0');
                for (int j = 0; j < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; j++)
                    cp = cp * 8 + (uint32_t)(s[++i] - '0');
                k += put_utf8(d + k, cp);
            } else {
                d[k++] = '\\';
                i--; /* the next character is ordinary */
            }
        }
    }
    d[k] = '\0';
    if (!utf8_valid(d, k))
        return lex_error_at(lx, start, "string is not valid UTF-8");
    token_t *t = push(lx, T_STRING, start);
    t->s = d;
    t->len = k;
    lx->pos = p + 1;
    return 0;
}

/* A number at lx->pos: decimal with optional `_` separators, 0b / 0o / 0x integers, floats
 * with a fraction and/or exponent. After a `.` only an integer is read (`x.0.1`). */
static int lex_number(lexer_t *lx)
{
    size_t start = lx->pos, p = start;
    const char *s = lx->src;
    char digits[128];
    size_t nd = 0;
    int is_float = 0, base = 10;
    if (s[p] == '0' && p + 1 < lx->len && s[p + 1] && strchr("bBoOxX", s[p + 1])) {
        char b = (char)(s[p + 1] | 0x20);
        base = b == 'b' ? 2 : b == 'o' ? 8 : 16;
        p += 2;
        while (p < lx->len && (hexval(s[p]) >= 0 || s[p] == '_')) {
            if (s[p] != '_' && nd < sizeof digits - 1)
                digits[nd++] = s[p];
            p++;
        }
        if (nd == 0)
            return lex_error_at(lx, start, "invalid number literal");
    } else {
        while (p < lx->len &&
               (is_digit(s[p]) || (s[p] == '_' && p + 1 < lx->len && is_digit(s[p + 1])))) {
            if (s[p] != '_' && nd < sizeof digits - 1)
                digits[nd++] = s[p];
            p++;
        }
        int after_dot = start > 0 && s[start - 1] == '.';
        if (!after_dot && p + 1 < lx->len && s[p] == '.' && is_digit(s[p + 1])) {
            is_float = 1;
            digits[nd++] = '.';
            p++;
            while (p < lx->len &&
                   (is_digit(s[p]) || (s[p] == '_' && p + 1 < lx->len && is_digit(s[p + 1])))) {
                if (s[p] != '_' && nd < sizeof digits - 1)
                    digits[nd++] = s[p];
                p++;
            }
        }
        if (!after_dot && p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
            size_t q = p + 1;
            if (q < lx->len && (s[q] == '+' || s[q] == '-'))
                q++;
            if (q < lx->len && is_digit(s[q])) {
                is_float = 1;
                if (nd < sizeof digits - 8)
                    digits[nd++] = 'e';
                for (size_t r = p + 1; r < q; r++)
                    if (nd < sizeof digits - 1)
                        digits[nd++] = s[r];
                p = q;
                while (p < lx->len && (is_digit(s[p]) || s[p] == '_')) {
                    if (s[p] != '_' && nd < sizeof digits - 1)
                        digits[nd++] = s[p];
                    p++;
                }
            }
        }
    }
    if (nd >= sizeof digits - 1)
        return lex_error_at(lx, start, "number literal too long");
    digits[nd] = '\0';
    token_t *t = push(lx, is_float ? T_FLOAT : T_INT, start);
    errno = 0;
    if (is_float) {
        t->num.f = strtod(digits, NULL);
    } else {
        char *end;
        unsigned long long v = strtoull(digits, &end, base);
        if (*end)
            return lex_error_at(lx, start, "invalid integer literal");
        if (errno || v > INT64_MAX)
            return lex_error_at(lx, start, "integer literal too large");
        t->num.i = (int64_t)v;
    }
    t->s = s + start;
    t->len = p - start;
    lx->pos = p;
    return 0;
}

static const struct {
    const char *op;
    ttype_t type;
} ops[] = {
    {"//", T_FLOORDIV}, {"**", T_POW},   {"==", T_EQ},    {"!=", T_NE},    {">=", T_GE},
    {"<=", T_LE},       {"+", T_ADD},    {"-", T_SUB},    {"*", T_MUL},    {"/", T_DIV},
    {"%", T_MOD},       {"~", T_TILDE},  {"(", T_LPAREN}, {")", T_RPAREN}, {"[", T_LBRACKET},
    {"]", T_RBRACKET},  {"{", T_LBRACE}, {"}", T_RBRACE}, {",", T_COMMA},  {".", T_DOT},
    {":", T_COLON},     {"|", T_PIPE},   {"=", T_ASSIGN}, {"<", T_LT},     {">", T_GT},
    {";", T_SEMICOLON},
};

/* The inside of a {{ }} or {% %} tag that opened at tagpos; kind is '{' or '%'. Returns the
 * closing sign through *esign. */
static int lex_tag(lexer_t *lx, size_t tagpos, char kind, char *esign)
{
    char stack[TEMPLATE_MAX_DEPTH]; /* closers expected for open brackets */
    size_t depth = 0;
    const char *close = kind == '{' ? "}}" : "%}";
    for (;;) {
        while (lx->pos < lx->len && is_space(lx->src[lx->pos]))
            lx->pos++;
        size_t p = lx->pos;
        if (p >= lx->len)
            return lex_error_at(lx, tagpos, "unclosed '%c%c', expected '%s'", '{', kind, close);
        const char *s = lx->src + p;
        size_t left = lx->len - p;
        if (depth == 0) {
            char sign = 0;
            size_t skip = 0;
            if (left >= 3 && (s[0] == '-' || (s[0] == '+' && kind == '%')) && s[1] == close[0] &&
                s[2] == close[1]) {
                sign = s[0];
                skip = 3;
            } else if (left >= 2 && s[0] == close[0] && s[1] == close[1]) {
                skip = 2;
            }
            if (skip) {
                push(lx, kind == '{' ? T_VAR_END : T_BLOCK_END, p);
                lx->pos = p + skip;
                *esign = sign;
                return 0;
            }
        }
        char c = s[0];
        if (is_name_start(c)) {
            size_t q = p;
            while (q < lx->len && (is_name_start(lx->src[q]) || is_digit(lx->src[q])))
                q++;
            token_t *t = push(lx, T_NAME, p);
            t->s = s;
            t->len = q - p;
            lx->pos = q;
            continue;
        }
        if (is_digit(c)) {
            if (lex_number(lx) != 0)
                return -1;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (lex_string(lx) != 0)
                return -1;
            continue;
        }
        size_t k;
        for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
            size_t ol = strlen(ops[k].op);
            if (left >= ol && memcmp(s, ops[k].op, ol) == 0)
                break;
        }
        if (k == sizeof ops / sizeof ops[0]) {
            if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
                return lex_error_at(lx, p, "unexpected character 0x%02x",
                                    (unsigned)(unsigned char)c);
            return lex_error_at(lx, p, "unexpected character '%c'", c);
        }
        ttype_t type = ops[k].type;
        if (type == T_LPAREN || type == T_LBRACKET || type == T_LBRACE) {
            if (depth == sizeof stack)
                return lex_error_at(lx, p, "brackets nested deeper than %d", TEMPLATE_MAX_DEPTH);
            stack[depth++] = type == T_LPAREN ? ')' : type == T_LBRACKET ? ']' : '}';
        } else if (type == T_RPAREN || type == T_RBRACKET || type == T_RBRACE) {
            if (depth == 0)
                return lex_error_at(lx, p, "unexpected '%c'", c);
            if (stack[depth - 1] != c)
                return lex_error_at(lx, p, "unexpected '%c', expected '%c'", c, stack[depth - 1]);
            depth--;
        }
        push(lx, type, p);
        lx->pos = p + strlen(ops[k].op);
    }
}

int lex_tokens(const char *src, size_t len, const lex_options_t *opt, arena_t *a, token_t **out,
               size_t *ntok, err_t *err)
{
    lexer_t lx = {.src = src, .len = len, .line = 1, .col = 1, .opt = opt, .a = a, .err = err};
    /* Jinja drops one trailing newline (keep_trailing_newline=False). */
    if (lx.len && src[lx.len - 1] == '\n')
        lx.len -= (lx.len >= 2 && src[lx.len - 2] == '\r') ? 2 : 1;
    else if (lx.len && src[lx.len - 1] == '\r')
        lx.len--;
    while (lx.pos < lx.len) {
        size_t tagpos = lx.pos;
        while (tagpos + 1 < lx.len &&
               !(src[tagpos] == '{' &&
                 (src[tagpos + 1] == '{' || src[tagpos + 1] == '%' || src[tagpos + 1] == '#')))
            tagpos++;
        if (tagpos + 1 >= lx.len) {
            push_text(&lx, lx.pos, lx.len);
            break;
        }
        char kind = src[tagpos + 1];
        char sign = 0;
        if (tagpos + 2 < lx.len && (src[tagpos + 2] == '-' || src[tagpos + 2] == '+'))
            sign = src[tagpos + 2];
        char raw_b, raw_e;
        size_t raw_after;
        int raw = kind == '%' && match_word_tag(&lx, tagpos, "raw", &raw_b, &raw_e, &raw_after);
        push_text(&lx, lx.pos, strip_before_tag(&lx, lx.pos, tagpos, kind, sign));
        size_t content = tagpos + 2 + (sign ? 1 : 0);
        if (raw) {
            if (lex_raw(&lx, tagpos, raw_e, raw_after) != 0)
                goto fail;
        } else if (kind == '#') {
            if (lex_comment(&lx, tagpos, content) != 0)
                goto fail;
        } else {
            push(&lx, kind == '{' ? T_VAR_BEGIN : T_BLOCK_BEGIN, tagpos);
            lx.pos = content;
            char esign = 0;
            if (lex_tag(&lx, tagpos, kind, &esign) != 0)
                goto fail;
            after_tag(&lx, esign, kind == '%');
        }
    }
    push(&lx, T_EOF, lx.len);
    *out = lx.toks;
    *ntok = lx.n;
    return 0;
fail:
    free(lx.toks);
    *out = NULL;
    *ntok = 0;
    return -1;
}

static const char *const type_names[] = {
    [T_EOF] = "end of template",
    [T_TEXT] = "text",
    [T_VAR_BEGIN] = "'{{'",
    [T_VAR_END] = "'}}'",
    [T_BLOCK_BEGIN] = "'{%'",
    [T_BLOCK_END] = "'%}'",
    [T_NAME] = "name",
    [T_STRING] = "string",
    [T_INT] = "integer",
    [T_FLOAT] = "float",
    [T_ADD] = "'+'",
    [T_SUB] = "'-'",
    [T_MUL] = "'*'",
    [T_DIV] = "'/'",
    [T_FLOORDIV] = "'//'",
    [T_MOD] = "'%'",
    [T_POW] = "'**'",
    [T_TILDE] = "'~'",
    [T_LPAREN] = "'('",
    [T_RPAREN] = "')'",
    [T_LBRACKET] = "'['",
    [T_RBRACKET] = "']'",
    [T_LBRACE] = "'{'",
    [T_RBRACE] = "'}'",
    [T_COMMA] = "','",
    [T_DOT] = "'.'",
    [T_COLON] = "':'",
    [T_PIPE] = "'|'",
    [T_ASSIGN] = "'='",
    [T_EQ] = "'=='",
    [T_NE] = "'!='",
    [T_LT] = "'<'",
    [T_LE] = "'<='",
    [T_GT] = "'>'",
    [T_GE] = "'>='",
    [T_SEMICOLON] = "';'",
};

const char *token_describe(const token_t *t, char *scratch, size_t n)
{
    if (t->type == T_NAME) {
        snprintf(scratch, n, "'%.*s'", t->len > 40 ? 40 : (int)t->len, t->s);
        return scratch;
    }
    if (t->type == T_INT || t->type == T_FLOAT) {
        snprintf(scratch, n, "number %.*s", t->len > 40 ? 40 : (int)t->len, t->s);
        return scratch;
    }
    if (t->type < sizeof type_names / sizeof type_names[0] && type_names[t->type])
        return type_names[t->type];
    return "token";
}
