/* filters.c - the filters (`x | f(args)`) and tests (`x is t(args)`) of the template engine,
 * with Jinja2's names, parameters and behaviour (HF transformers' tojson: keys in their order,
 * non-ASCII as-is). Each has a callspec: its parameter names, bound to arguments by position or
 * keyword when the template is compiled. Case mapping (upper, lower, title, capitalize) is
 * ASCII-only; other characters pass through unchanged. */
#include "template/template_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- argument helpers ----------------------------------------------------------------------- */

static int absent(const tval_t *v)
{
    return v->kind == V_ABSENT;
}

static int arg_int(rctx_t *r, const node_t *n, const tval_t *v, int64_t dflt, const char *what,
                   int64_t *out)
{
    if (absent(v) || v->kind == V_NONE)
        *out = dflt;
    else if (v->kind == V_INT || v->kind == V_BOOL)
        *out = v->u.i;
    else if (v->kind == V_FLOAT && isfinite(v->u.f) && fabs(v->u.f) < 9e18)
        *out = (int64_t)v->u.f;
    else
        return r_type_error(r, n, "%s must be an integer, not %s", what, tv_a_type(v));
    return 0;
}

static int arg_bool(const tval_t *v, int dflt)
{
    return absent(v) ? dflt : tv_truthy(v);
}

static int arg_str(rctx_t *r, const node_t *n, const tval_t *v, const char *dflt, tval_t *out)
{
    if (absent(v)) {
        *out = tv_str(dflt, strlen(dflt));
        return 0;
    }
    return r_to_string(r, n, v, out);
}

static int new_str(rctx_t *r, const node_t *n, size_t len, char **d)
{
    if (len > UINT32_MAX)
        return r_memory_error(r, n);
    *d = r_alloc(r, n, len + 1);
    if (!*d)
        return -1;
    (*d)[len] = '\0';
    return 0;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

static char to_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* ---- string filters ------------------------------------------------------------------------- */

static int case_map(rctx_t *r, const node_t *n, tval_t *in, tval_t *out, int mode)
{
    tval_t s;
    if (r_to_string(r, n, in, &s) != 0)
        return -1;
    char *d = NULL;
    if (new_str(r, n, s.len, &d) != 0)
        return -1;
    int start = 1; /* at the start of a word */
    for (size_t i = 0; i < s.len; i++) {
        char c = s.u.s[i];
        switch (mode) {
        case 0:
            d[i] = to_upper(c);
            break;
        case 1:
            d[i] = to_lower(c);
            break;
        case 2: /* capitalize */
            d[i] = i == 0 ? to_upper(c) : to_lower(c);
            break;
        default: /* title: words start after whitespace and - ( { [ < */
            if (is_ws((unsigned char)c) || c == '-' || c == '(' || c == '{' || c == '[' ||
                c == '<') {
                d[i] = c;
                start = 1;
            } else {
                d[i] = start ? to_upper(c) : to_lower(c);
                start = 0;
            }
        }
    }
    *out = tv_str(d, s.len);
    return 0;
}

static int f_upper(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    return case_map(r, n, in, out, 0);
}

static int f_lower(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    return case_map(r, n, in, out, 1);
}

static int f_capitalize(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    return case_map(r, n, in, out, 2);
}

static int f_title(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    return case_map(r, n, in, out, 3);
}

/* The set of characters strip() removes: ASCII ones in a bitmap, others (rare) as a sorted
 * array of code points, so stripping costs O(log n) per character whatever the set's size. */
typedef struct charset {
    uint64_t ascii[2];
    uint32_t *wide;
    size_t nwide;
} charset_t;

static uint32_t decode_utf8(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | ((unsigned char)s[i] & 0x3F);
    return cp;
}

static int cp_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int charset_build(rctx_t *r, const node_t *n, const tval_t *chars, charset_t *cs)
{
    memset(cs, 0, sizeof *cs);
    if (!chars) { /* Python's default: whitespace */
        static const char ws[] = " \t\n\r\f\v";
        for (const char *p = ws; *p; p++)
            cs->ascii[(unsigned char)*p >> 6] |= 1ull << ((unsigned char)*p & 63);
        return 0;
    }
    size_t wide = 0;
    for (size_t i = 0; i < chars->len; i++)
        wide += ((unsigned char)chars->u.s[i] & 0xC0) == 0xC0;
    if (wide) {
        cs->wide = r_alloc(r, n, wide * sizeof *cs->wide);
        if (!cs->wide)
            return -1;
    }
    for (size_t i = 0; i < chars->len;) {
        size_t l = utf8_offset(chars->u.s + i, chars->len - i, 1);
        unsigned char c = (unsigned char)chars->u.s[i];
        if (c < 0x80)
            cs->ascii[c >> 6] |= 1ull << (c & 63);
        else if (cs->nwide < wide)
            cs->wide[cs->nwide++] = decode_utf8(chars->u.s + i, l);
        i += l ? l : 1;
    }
    if (cs->nwide > 1)
        qsort(cs->wide, cs->nwide, sizeof *cs->wide, cp_cmp);
    return 0;
}

static int charset_has(const charset_t *cs, const char *s, size_t clen)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80)
        return clen == 1 && (cs->ascii[c >> 6] >> (c & 63)) & 1;
    if (!cs->nwide)
        return 0;
    uint32_t cp = decode_utf8(s, clen);
    return bsearch(&cp, cs->wide, cs->nwide, sizeof cp, cp_cmp) != NULL;
}

/* Strip characters (whitespace when chars is NULL) from the left and/or right of s; the result
 * is a substring of s. */
int str_strip(rctx_t *r, const node_t *n, const tval_t *s, const tval_t *chars, int left, int right,
              tval_t *out)
{
    charset_t cs;
    if (charset_build(r, n, chars, &cs) != 0)
        return -1;
    size_t a = 0, b = s->len;
    while (left && a < b) {
        size_t l = utf8_offset(s->u.s + a, b - a, 1);
        if (!charset_has(&cs, s->u.s + a, l))
            break;
        a += l;
    }
    while (right && b > a) {
        size_t p = b - 1;
        while (p > a && ((unsigned char)s->u.s[p] & 0xC0) == 0x80)
            p--;
        if (!charset_has(&cs, s->u.s + p, b - p))
            break;
        b = p;
    }
    *out = tv_str(s->u.s + a, b - a);
    return 0;
}

static int f_trim(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t s, chars;
    if (r_to_string(r, n, in, &s) != 0)
        return -1;
    if (!absent(&args[0]) && args[0].kind != V_NONE) {
        if (r_to_string(r, n, &args[0], &chars) != 0)
            return -1;
        return str_strip(r, n, &s, &chars, 1, 1, out);
    }
    return str_strip(r, n, &s, NULL, 1, 1, out);
}

/* Python's str.replace(old, new, count). */
int str_replace(rctx_t *r, const node_t *n, const tval_t *s, const tval_t *old, const tval_t *new_,
                int64_t count, tval_t *out)
{
    if (count < 0)
        count = INT64_MAX;
    buf_t b;
    buf_init(&b);
    int64_t done = 0;
    if (old->len == 0) { /* inserts new before every character and at the end */
        size_t at = 0;
        while (done < count && at <= s->len) {
            buf_append(&b, new_->u.s, new_->len);
            done++;
            if (at == s->len) {
                at++;
                break;
            }
            size_t l = utf8_offset(s->u.s + at, s->len - at, 1);
            buf_append(&b, s->u.s + at, l);
            at += l;
            if (r_buf_over(r, &b))
                break;
        }
        if (at < s->len)
            buf_append(&b, s->u.s + at, s->len - at);
    } else {
        size_t at = 0;
        while (at < s->len) {
            const char *hit =
                done < count ? memmem(s->u.s + at, s->len - at, old->u.s, old->len) : NULL;
            if (!hit) {
                buf_append(&b, s->u.s + at, s->len - at);
                break;
            }
            size_t pos = (size_t)(hit - s->u.s);
            buf_append(&b, s->u.s + at, pos - at);
            buf_append(&b, new_->u.s, new_->len);
            at = pos + old->len;
            done++;
            if (r_buf_over(r, &b))
                break;
        }
    }
    int rc = r_buf_over(r, &b) ? r_memory_error(r, n) : r_str_from_buf(r, n, &b, out);
    buf_free(&b);
    return rc;
}

static int f_replace(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t s, old, new_;
    int64_t count;
    if (r_to_string(r, n, in, &s) != 0 || r_to_string(r, n, &args[0], &old) != 0 ||
        r_to_string(r, n, &args[1], &new_) != 0 ||
        arg_int(r, n, &args[2], -1, "count", &count) != 0)
        return -1;
    return str_replace(r, n, &s, &old, &new_, count, out);
}

static int f_truncate(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t s, end;
    int64_t length, leeway;
    if (r_to_string(r, n, in, &s) != 0 || arg_int(r, n, &args[0], 255, "length", &length) != 0 ||
        arg_str(r, n, &args[2], "...", &end) != 0 ||
        arg_int(r, n, &args[3], 5, "leeway", &leeway) != 0)
        return -1;
    int killwords = arg_bool(&args[1], 0);
    int64_t endlen = (int64_t)utf8_count(end.u.s, end.len);
    if (length < endlen)
        return r_type_error(r, n, "truncate: length must be at least %lld, got %lld",
                            (long long)endlen, (long long)length);
    if (leeway < 0)
        return r_type_error(r, n, "truncate: leeway must be at least 0");
    int64_t chars = (int64_t)utf8_count(s.u.s, s.len);
    if (chars <= length + leeway) {
        *out = s;
        return 0;
    }
    size_t cut = utf8_offset(s.u.s, s.len, (size_t)(length - endlen));
    if (!killwords) { /* back to the last space: s[:cut].rsplit(" ", 1)[0] */
        size_t sp = cut;
        while (sp > 0 && s.u.s[sp - 1] != ' ')
            sp--;
        if (sp > 0)
            cut = sp - 1;
    }
    char *d = NULL;
    if (new_str(r, n, cut + end.len, &d) != 0)
        return -1;
    memcpy(d, s.u.s, cut);
    memcpy(d + cut, end.u.s, end.len);
    *out = tv_str(d, cut + end.len);
    return 0;
}

static int f_indent(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t s, pad;
    if (r_to_string(r, n, in, &s) != 0)
        return -1;
    if (args[0].kind == V_STR) {
        pad = args[0];
    } else {
        int64_t width;
        if (arg_int(r, n, &args[0], 4, "width", &width) != 0)
            return -1;
        if (width < 0)
            width = 0;
        if (width > 4096)
            return r_type_error(r, n, "indent: width %lld is too large", (long long)width);
        char *d;
        if (new_str(r, n, (size_t)width, &d) != 0)
            return -1;
        memset(d, ' ', (size_t)width);
        pad = tv_str(d, (size_t)width);
    }
    int first = arg_bool(&args[1], 0), blank = arg_bool(&args[2], 0);
    buf_t b;
    buf_init(&b);
    if (first)
        buf_append(&b, pad.u.s, pad.len);
    /* As Jinja: lines split at \n, \r\n or \r (a trailing newline leaves an empty last line);
     * every line after the first is indented, empty ones only when blank is true. */
    size_t at = 0, line = 0;
    for (;;) {
        size_t e = at;
        while (e < s.len && s.u.s[e] != '\n' && s.u.s[e] != '\r')
            e++;
        if (line > 0) {
            buf_append_char(&b, '\n');
            if (blank || e > at)
                buf_append(&b, pad.u.s, pad.len);
        }
        buf_append(&b, s.u.s + at, e - at);
        if (e >= s.len || r_buf_over(r, &b))
            break;
        at = e + ((s.u.s[e] == '\r' && e + 1 < s.len && s.u.s[e + 1] == '\n') ? 2 : 1);
        line++;
    }
    int rc = r_buf_over(r, &b) ? r_memory_error(r, n) : r_str_from_buf(r, n, &b, out);
    buf_free(&b);
    return rc;
}

static int f_escape(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    tval_t s;
    if (r_to_string(r, n, in, &s) != 0)
        return -1;
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < s.len; i++) {
        switch (s.u.s[i]) {
        case '&':
            buf_append_str(&b, "&amp;");
            break;
        case '<':
            buf_append_str(&b, "&lt;");
            break;
        case '>':
            buf_append_str(&b, "&gt;");
            break;
        case '"':
            buf_append_str(&b, "&#34;");
            break;
        case '\'':
            buf_append_str(&b, "&#39;");
            break;
        default:
            buf_append_char(&b, s.u.s[i]);
        }
    }
    int rc = r_buf_over(r, &b) ? r_memory_error(r, n) : r_str_from_buf(r, n, &b, out);
    buf_free(&b);
    return rc;
}

static int f_safe(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)r;
    (void)n;
    (void)args;
    *out = *in;
    return 0;
}

static int f_string(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    return r_to_string(r, n, in, out);
}

/* ---- conversions ---------------------------------------------------------------------------- */

static int f_default(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)r;
    (void)n;
    int use_default =
        in->kind == V_UNDEF || in->kind == V_ABSENT || (arg_bool(&args[1], 0) && !tv_truthy(in));
    if (!use_default)
        *out = *in;
    else if (absent(&args[0]))
        *out = tv_str("", 0);
    else
        *out = args[0];
    return 0;
}

static void trim_ws(const tval_t *s, tval_t *out)
{
    size_t a = 0, b = s->len;
    while (a < b && is_ws((unsigned char)s->u.s[a]))
        a++;
    while (b > a && is_ws((unsigned char)s->u.s[b - 1]))
        b--;
    *out = tv_str(s->u.s + a, b - a);
}

/* Python's int(s, base) on a stripped string with optional sign and underscores. */
static int parse_int(const char *s, size_t len, int base, int64_t *out)
{
    char tmp[80];
    size_t k = 0;
    tval_t str = tv_str(s, len), t;
    trim_ws(&str, &t);
    for (size_t i = 0; i < t.len; i++) {
        if (t.u.s[i] == '_' && i > 0 && i + 1 < t.len)
            continue;
        if (k == sizeof tmp - 1)
            return -1;
        tmp[k++] = t.u.s[i];
    }
    tmp[k] = '\0';
    if (k == 0)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, base);
    if (errno || *end || end == tmp)
        return -1;
    *out = v;
    return 0;
}

static int parse_float(const char *s, size_t len, double *out)
{
    char tmp[80];
    tval_t str = tv_str(s, len), t;
    trim_ws(&str, &t);
    if (t.len == 0 || t.len >= sizeof tmp)
        return -1;
    memcpy(tmp, t.u.s, t.len);
    tmp[t.len] = '\0';
    char *end;
    *out = strtod(tmp, &end);
    return *end ? -1 : 0;
}

static int f_int(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    int64_t dflt, base, v;
    if (arg_int(r, n, &args[0], 0, "default", &dflt) != 0 ||
        arg_int(r, n, &args[1], 10, "base", &base) != 0)
        return -1;
    if (base != 0 && (base < 2 || base > 36))
        return r_type_error(r, n, "int: base must be 0 or 2..36");
    double f;
    switch (in->kind) {
    case V_INT:
    case V_BOOL:
        *out = tv_int(in->u.i);
        return 0;
    case V_FLOAT:
        *out =
            isfinite(in->u.f) && fabs(in->u.f) < 9.2e18 ? tv_int((int64_t)in->u.f) : tv_int(dflt);
        return 0;
    case V_STR:
        if (parse_int(in->u.s, in->len, (int)base, &v) == 0)
            *out = tv_int(v);
        else if (parse_float(in->u.s, in->len, &f) == 0 && isfinite(f) && fabs(f) < 9.2e18)
            *out = tv_int((int64_t)f);
        else
            *out = tv_int(dflt);
        return 0;
    default:
        *out = tv_int(dflt);
        return 0;
    }
}

static int f_float(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    double dflt = 0.0, f;
    if (!absent(&args[0])) {
        if (!tv_is_number(&args[0]))
            return r_type_error(r, n, "float: default must be a number");
        dflt = tv_as_double(&args[0]);
    }
    switch (in->kind) {
    case V_INT:
    case V_BOOL:
    case V_FLOAT:
        *out = tv_float(tv_as_double(in));
        return 0;
    case V_STR:
        *out = tv_float(parse_float(in->u.s, in->len, &f) == 0 ? f : dflt);
        return 0;
    default:
        *out = tv_float(dflt);
        return 0;
    }
}

static int f_abs(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    if (in->kind == V_FLOAT) {
        *out = tv_float(fabs(in->u.f));
        return 0;
    }
    if (in->kind == V_INT || in->kind == V_BOOL) {
        if (in->u.i == INT64_MIN)
            return r_type_error(r, n, "integer overflow");
        *out = tv_int(in->u.i < 0 ? -in->u.i : in->u.i);
        return 0;
    }
    return r_type_error(r, n, "abs: expected a number, got %s", tv_a_type(in));
}

static int f_tojson(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    int64_t indent;
    if (arg_int(r, n, &args[0], -1, "indent", &indent) != 0)
        return -1;
    if (indent > 64)
        indent = 64;
    buf_t b;
    buf_init(&b);
    const char *bad = NULL;
    int rc;
    if (tv_write_json(&b, in, (int)indent, arg_bool(&args[1], 0), &bad) != 0)
        rc = r_type_error(r, n, "tojson: %s is not JSON serializable", bad);
    else
        rc = r_str_from_buf(r, n, &b, out);
    buf_free(&b);
    return rc;
}

/* ---- sequences ------------------------------------------------------------------------------ */

static int f_length(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    switch (in->kind) {
    case V_STR:
        *out = tv_int((int64_t)utf8_count(in->u.s, in->len));
        return 0;
    case V_LIST:
    case V_JLIST:
        *out = tv_int((int64_t)tv_seq_len(in));
        return 0;
    case V_DICT:
    case V_JDICT:
        if (in->flag)
            break;
        *out = tv_int((int64_t)tv_dict_len(in));
        return 0;
    default:
        break;
    }
    return r_type_error(r, n, "%s has no length", tv_a_type(in));
}

static int f_list(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    if (r_iterable(r, n, in, out) != 0)
        return -1;
    if (out->kind == V_LIST && out->flag) { /* a tuple becomes a list */
        tval_t copy;
        if (r_new_list(r, n, out->u.list->n, &copy) != 0)
            return -1;
        memcpy(copy.u.list->items, out->u.list->items, out->u.list->n * sizeof(tval_t));
        *out = copy;
    }
    return 0;
}

static int first_last(rctx_t *r, const node_t *n, tval_t *in, tval_t *out, int last)
{
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    size_t len = tv_seq_len(&seq);
    if (len == 0) {
        out->kind = V_UNDEF;
        out->u.node = n;
        return 0;
    }
    *out = tv_seq_get(&seq, last ? len - 1 : 0);
    return 0;
}

static int f_first(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    return first_last(r, n, in, out, 0);
}

static int f_last(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    return first_last(r, n, in, out, 1);
}

static int f_reverse(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    if (in->kind == V_STR) {
        char *d;
        if (new_str(r, n, in->len, &d) != 0)
            return -1;
        size_t at = 0;
        while (at < in->len) { /* character by character, so UTF-8 stays valid */
            size_t l = utf8_offset(in->u.s + at, in->len - at, 1);
            memcpy(d + in->len - at - l, in->u.s + at, l);
            at += l;
        }
        *out = tv_str(d, in->len);
        return 0;
    }
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    size_t len = tv_seq_len(&seq);
    if (r_count_iterations(r, n, len) != 0 || r_new_list(r, n, len, out) != 0)
        return -1;
    for (size_t i = 0; i < len; i++)
        out->u.list->items[i] = tv_seq_get(&seq, len - 1 - i);
    return 0;
}

static int f_items(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out);

/* item.attribute for join / sort / map / selectattr: dotted paths and integer indexes. */
static int get_path(rctx_t *r, const node_t *n, const tval_t *item, const tval_t *attr, tval_t *out)
{
    if (attr->kind == V_INT) {
        return r_getitem(r, n, item, attr, out);
    }
    if (attr->kind != V_STR)
        return r_type_error(r, n, "attribute must be a string or an integer");
    tval_t cur = *item;
    size_t at = 0;
    while (at <= attr->len) {
        const char *dot = memchr(attr->u.s + at, '.', attr->len - at);
        size_t end = dot ? (size_t)(dot - attr->u.s) : attr->len;
        tval_t key = tv_str(attr->u.s + at, end - at), next;
        /* numeric parts index lists: "0.name" */
        int64_t idx;
        if (key.len && key.len < 20 && strspn(key.u.s, "0123456789") >= key.len &&
            tv_is_list(&cur)) {
            idx = strtoll(key.u.s, NULL, 10);
            tval_t k = tv_int(idx);
            if (r_getitem(r, n, &cur, &k, &next) != 0)
                return -1;
        } else if (r_getitem(r, n, &cur, &key, &next) != 0) {
            return -1;
        }
        cur = next;
        if (!dot)
            break;
        at = end + 1;
    }
    *out = cur;
    return 0;
}

static int f_join(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t seq, sep;
    if (r_iterable(r, n, in, &seq) != 0 || arg_str(r, n, &args[0], "", &sep) != 0)
        return -1;
    size_t len = tv_seq_len(&seq);
    if (r_count_iterations(r, n, len) != 0)
        return -1;
    buf_t b;
    buf_init(&b);
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        tval_t item = tv_seq_get(&seq, i);
        if (!absent(&args[1]) && (rc = get_path(r, n, &item, &args[1], &item)) != 0)
            break;
        if ((rc = r_resolve(r, &item)) != 0)
            break;
        if (i)
            buf_append(&b, sep.u.s, sep.len);
        tv_write_str(&b, &item);
        if (r_buf_over(r, &b))
            rc = r_memory_error(r, n);
    }
    if (rc == 0)
        rc = r_str_from_buf(r, n, &b, out);
    buf_free(&b);
    return rc;
}

/* Sorting: a stable merge sort that can fail (values that cannot be ordered). */
typedef struct sorter {
    rctx_t *r;
    const node_t *n;
    int case_sensitive;
    int failed;
} sorter_t;

static int sort_cmp(sorter_t *s, const tval_t *a, const tval_t *b)
{
    int c;
    if (!s->case_sensitive && a->kind == V_STR && b->kind == V_STR) {
        size_t m = a->len < b->len ? a->len : b->len;
        for (size_t i = 0; i < m; i++) {
            char x = to_lower(a->u.s[i]), y = to_lower(b->u.s[i]);
            if (x != y)
                return (unsigned char)x < (unsigned char)y ? -1 : 1;
        }
        return a->len < b->len ? -1 : a->len > b->len;
    }
    if (tv_compare(a, b, &c) != 0) {
        if (!s->failed)
            r_type_error(s->r, s->n, "cannot sort: %s and %s cannot be compared", tv_a_type(a),
                         tv_a_type(b));
        s->failed = 1;
        return 0;
    }
    return c;
}

/* keys[i] orders items[i]; both arrays are sorted together. */
static void merge_sort(sorter_t *s, tval_t *keys, tval_t *items, tval_t *tk, tval_t *ti, size_t n)
{
    if (n < 2 || s->failed)
        return;
    size_t h = n / 2;
    merge_sort(s, keys, items, tk, ti, h);
    merge_sort(s, keys + h, items + h, tk, ti, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        if (sort_cmp(s, &keys[j], &keys[i]) < 0) {
            tk[k] = keys[j];
            ti[k++] = items[j++];
        } else {
            tk[k] = keys[i];
            ti[k++] = items[i++];
        }
    while (i < h) {
        tk[k] = keys[i];
        ti[k++] = items[i++];
    }
    while (j < n) {
        tk[k] = keys[j];
        ti[k++] = items[j++];
    }
    memcpy(keys, tk, n * sizeof *keys);
    memcpy(items, ti, n * sizeof *items);
}

static int f_sort(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    size_t len = tv_seq_len(&seq);
    tval_t *keys = r_alloc(r, n, (len + 1) * 3 * sizeof *keys);
    if (!keys || r_new_list(r, n, len, out) != 0 || r_count_iterations(r, n, len) != 0)
        return -1;
    tval_t *items = out->u.list->items;
    for (size_t i = 0; i < len; i++) {
        items[i] = tv_seq_get(&seq, i);
        keys[i] = items[i];
        if (!absent(&args[2])) {
            if (get_path(r, n, &items[i], &args[2], &keys[i]) != 0 || r_resolve(r, &keys[i]) != 0)
                return -1;
        }
    }
    sorter_t s = {r, n, arg_bool(&args[1], 0), 0};
    merge_sort(&s, keys, items, keys + len + 1, keys + 2 * (len + 1), len);
    if (s.failed)
        return -1;
    if (arg_bool(&args[0], 0))
        for (size_t i = 0; i < len / 2; i++) {
            tval_t t = items[i];
            items[i] = items[len - 1 - i];
            items[len - 1 - i] = t;
        }
    return 0;
}

static int f_unique(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    size_t len = tv_seq_len(&seq), k = 0;
    if (r_new_list(r, n, len, out) != 0 || r_count_iterations(r, n, len) != 0)
        return -1;
    sorter_t s = {r, n, arg_bool(&args[0], 0), 0};
    for (size_t i = 0; i < len; i++) {
        tval_t item = tv_seq_get(&seq, i), key = item;
        if (!absent(&args[1]) && get_path(r, n, &item, &args[1], &key) != 0)
            return -1;
        size_t j;
        if (r_count_iterations(r, n, k) != 0) /* each new item is compared with those kept */
            return -1;
        for (j = 0; j < k; j++) {
            tval_t other = out->u.list->items[j];
            if (!absent(&args[1]) && get_path(r, n, &other, &args[1], &other) != 0)
                return -1;
            if (key.kind == V_STR && other.kind == V_STR ? sort_cmp(&s, &key, &other) == 0
                                                         : tv_equal(&key, &other))
                break;
        }
        if (j == k)
            out->u.list->items[k++] = item;
    }
    out->u.list->n = k;
    return 0;
}

static int min_max(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out, int max)
{
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    size_t len = tv_seq_len(&seq);
    if (r_count_iterations(r, n, len) != 0)
        return -1;
    sorter_t s = {r, n, arg_bool(&args[0], 0), 0};
    int have = 0;
    tval_t best = {0}, bestkey = {0};
    for (size_t i = 0; i < len; i++) {
        tval_t item = tv_seq_get(&seq, i), key = item;
        if (!absent(&args[1]) && get_path(r, n, &item, &args[1], &key) != 0)
            return -1;
        int c = have ? sort_cmp(&s, &key, &bestkey) : 0;
        if (s.failed)
            return -1;
        if (!have || (max ? c > 0 : c < 0)) {
            best = item;
            bestkey = key;
            have = 1;
        }
    }
    if (!have) {
        out->kind = V_UNDEF;
        out->u.node = n;
        return 0;
    }
    *out = best;
    return 0;
}

static int f_min(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    return min_max(r, n, in, args, out, 0);
}

static int f_max(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    return min_max(r, n, in, args, out, 1);
}

static int f_sum(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    tval_t acc = absent(&args[1]) ? tv_int(0) : args[1];
    size_t len = tv_seq_len(&seq);
    if (r_count_iterations(r, n, len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        tval_t item = tv_seq_get(&seq, i), next;
        if (!absent(&args[0]) && get_path(r, n, &item, &args[0], &item) != 0)
            return -1;
        if (r_arith(r, n, OP_ADD, &acc, &item, &next) != 0)
            return -1;
        acc = next;
    }
    *out = acc;
    return 0;
}

static int f_attr(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t name;
    if (r_to_string(r, n, &args[0], &name) != 0)
        return -1;
    if (tv_is_dict(in) && tv_dict_get(in, name.u.s, name.len, out))
        return 0;
    out->kind = V_UNDEF;
    out->u.node = n;
    return 0;
}

/* map(attribute='x', default=d) or map('filter'). */
static int f_map(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    size_t len = tv_seq_len(&seq);
    const callspec_t *spec = NULL;
    if (absent(&args[1])) {
        if (args[0].kind != V_STR)
            return r_type_error(r, n, "map: needs a filter name or attribute=");
        spec = filter_find(args[0].u.s, args[0].len);
        if (!spec)
            return r_type_error(r, n, "map: unknown filter '%.*s'",
                                args[0].len > 60 ? 60 : (int)args[0].len, args[0].u.s);
        if (spec->nrequired > 0)
            return r_type_error(r, n, "map: filter '%s' needs arguments", spec->name);
    }
    if (r_new_list(r, n, len, out) != 0 || r_count_iterations(r, n, len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        tval_t item = tv_seq_get(&seq, i), *res = &out->u.list->items[i];
        if (spec) {
            tval_t none[6] = {{0}};
            if (spec->fn.filter(r, n, &item, none, res) != 0)
                return -1;
        } else {
            if (get_path(r, n, &item, &args[1], res) != 0)
                return -1;
            if (res->kind == V_UNDEF && !absent(&args[2]))
                *res = args[2];
        }
    }
    return 0;
}

/* select / reject / selectattr / rejectattr: keep items whose test (truthiness when none is
 * named) is true (select) or false (reject). */
static int filter_by_test(rctx_t *r, const node_t *n, tval_t *in, const tval_t *attr,
                          const tval_t *test, const tval_t *targ, int keep_if, tval_t *out)
{
    tval_t seq;
    if (r_iterable(r, n, in, &seq) != 0)
        return -1;
    const callspec_t *spec = NULL;
    if (!absent(test)) {
        if (test->kind != V_STR)
            return r_type_error(r, n, "the test must be named by a string");
        spec = test_find(test->u.s, test->len);
        if (!spec)
            return r_type_error(r, n, "unknown test '%.*s'", test->len > 60 ? 60 : (int)test->len,
                                test->u.s);
        if (spec->nrequired > (absent(targ) ? 0 : 1))
            return r_type_error(r, n, "test '%s' needs an argument", spec->name);
    }
    size_t len = tv_seq_len(&seq), k = 0;
    if (r_new_list(r, n, len, out) != 0 || r_count_iterations(r, n, len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        tval_t item = tv_seq_get(&seq, i), v = item;
        if (attr && get_path(r, n, &item, attr, &v) != 0)
            return -1;
        int res;
        if (spec) {
            tval_t targs[6] = {{0}};
            if (!absent(targ))
                targs[0] = *targ;
            if (!spec->raw_undefined && r_resolve(r, &v) != 0)
                return -1;
            if (spec->fn.test(r, n, &v, targs, &res) != 0)
                return -1;
        } else if (r_truthy(r, &v, &res) != 0) {
            return -1;
        }
        if (!!res == keep_if)
            out->u.list->items[k++] = item;
    }
    out->u.list->n = k;
    return 0;
}

static int f_select(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    return filter_by_test(r, n, in, NULL, &args[0], &args[1], 1, out);
}

static int f_reject(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    return filter_by_test(r, n, in, NULL, &args[0], &args[1], 0, out);
}

static int f_selectattr(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    return filter_by_test(r, n, in, &args[0], &args[1], &args[2], 1, out);
}

static int f_rejectattr(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    return filter_by_test(r, n, in, &args[0], &args[1], &args[2], 0, out);
}

static int f_items(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out)
{
    (void)args;
    if (in->kind == V_UNDEF) { /* lenient: nothing */
        return r_new_list(r, n, 0, out);
    }
    if (!tv_is_dict(in) || in->flag)
        return r_type_error(r, n, "items: expected a dict, got %s", tv_a_type(in));
    size_t len = tv_dict_len(in);
    tval_t *pairs = r_alloc(r, n, (len ? len : 1) * 2 * sizeof *pairs);
    tlist_t *lists = r_alloc(r, n, (len ? len : 1) * sizeof *lists);
    if (!pairs || !lists || r_new_list(r, n, len, out) != 0)
        return -1;
    size_t i = 0;
    if (in->kind == V_JDICT) {
        const char *k;
        json_t *jv;
        json_object_foreach((json_t *)in->u.json, k, jv)
        {
            pairs[2 * i] = tv_str(k, strlen(k));
            pairs[2 * i + 1] = tv_from_json(jv);
            i++;
        }
    } else {
        for (; i < len; i++) {
            pairs[2 * i] = in->u.dict->keys[i];
            pairs[2 * i + 1] = in->u.dict->vals[i];
        }
    }
    for (i = 0; i < len; i++) { /* each item is a (key, value) tuple */
        lists[i].n = 2;
        lists[i].items = &pairs[2 * i];
        tval_t *t = &out->u.list->items[i];
        t->kind = V_LIST;
        t->flag = 1;
        t->len = 0;
        t->u.list = &lists[i];
    }
    return 0;
}

/* ---- tests ---------------------------------------------------------------------------------- */

#define TEST(name) static int name(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, int *res)
#define UNUSED_TEST_ARGS                                                                           \
    (void)r;                                                                                       \
    (void)n;                                                                                       \
    (void)args

TEST(t_defined)
{
    UNUSED_TEST_ARGS;
    *res = in->kind != V_UNDEF && in->kind != V_ABSENT;
    return 0;
}

TEST(t_undefined)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_UNDEF || in->kind == V_ABSENT;
    return 0;
}

TEST(t_none)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_NONE;
    return 0;
}

TEST(t_string)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_STR;
    return 0;
}

TEST(t_number)
{
    UNUSED_TEST_ARGS;
    *res = tv_is_number(in);
    return 0;
}

TEST(t_integer)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_INT;
    return 0;
}

TEST(t_float)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_FLOAT;
    return 0;
}

TEST(t_boolean)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_BOOL;
    return 0;
}

TEST(t_true)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_BOOL && in->u.i;
    return 0;
}

TEST(t_false)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_BOOL && !in->u.i;
    return 0;
}

TEST(t_mapping)
{
    UNUSED_TEST_ARGS;
    *res = tv_is_dict(in) && !in->flag;
    return 0;
}

TEST(t_iterable)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_STR || tv_is_list(in) || (tv_is_dict(in) && !in->flag);
    return 0;
}

TEST(t_callable)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_FUNC || in->kind == V_METHOD || in->kind == V_MACRO;
    return 0;
}

static int need_int(rctx_t *r, const node_t *n, const tval_t *v, const char *test)
{
    if (v->kind != V_INT && v->kind != V_BOOL)
        return r_type_error(r, n, "test '%s' needs an integer, got %s", test, tv_a_type(v));
    return 0;
}

TEST(t_even)
{
    (void)args;
    if (need_int(r, n, in, "even") != 0)
        return -1;
    *res = in->u.i % 2 == 0;
    return 0;
}

TEST(t_odd)
{
    (void)args;
    if (need_int(r, n, in, "odd") != 0)
        return -1;
    *res = in->u.i % 2 != 0;
    return 0;
}

TEST(t_divisibleby)
{
    if (need_int(r, n, in, "divisibleby") != 0 || need_int(r, n, &args[0], "divisibleby") != 0)
        return -1;
    if (args[0].u.i == 0)
        return r_type_error(r, n, "divisibleby: division by zero");
    *res = args[0].u.i == -1 || in->u.i % args[0].u.i == 0;
    return 0;
}

static int cmp_test(rctx_t *r, const node_t *n, tval_t *a, tval_t *b, int op, int *res)
{
    if (op == CMP_EQ || op == CMP_NE) {
        *res = tv_equal(a, b) == (op == CMP_EQ);
        return 0;
    }
    int c;
    if (tv_compare(a, b, &c) != 0)
        return r_type_error(r, n, "cannot compare %s with %s", tv_a_type(a), tv_a_type(b));
    *res = op == CMP_LT ? c < 0 : op == CMP_LE ? c <= 0 : op == CMP_GT ? c > 0 : c >= 0;
    return 0;
}

TEST(t_eq)
{
    return cmp_test(r, n, in, &args[0], CMP_EQ, res);
}
TEST(t_ne)
{
    return cmp_test(r, n, in, &args[0], CMP_NE, res);
}
TEST(t_lt)
{
    return cmp_test(r, n, in, &args[0], CMP_LT, res);
}
TEST(t_le)
{
    return cmp_test(r, n, in, &args[0], CMP_LE, res);
}
TEST(t_gt)
{
    return cmp_test(r, n, in, &args[0], CMP_GT, res);
}
TEST(t_ge)
{
    return cmp_test(r, n, in, &args[0], CMP_GE, res);
}

TEST(t_sameas)
{
    UNUSED_TEST_ARGS;
    tval_t *b = &args[0];
    if (in->kind != b->kind)
        *res = 0;
    else if (in->kind == V_NONE || in->kind == V_BOOL || in->kind == V_INT)
        *res = tv_equal(in, b);
    else
        *res = in->u.s == b->u.s && in->len == b->len;
    return 0;
}

TEST(t_in)
{
    tval_t *c = &args[0];
    if (c->kind == V_STR) {
        if (in->kind != V_STR)
            return r_type_error(r, n, "'in <string>' requires a string on the left");
        *res = in->len == 0 || memmem(c->u.s, c->len, in->u.s, in->len) != NULL;
        return 0;
    }
    if (tv_is_list(c)) {
        size_t len = tv_seq_len(c);
        if (r_count_iterations(r, n, len) != 0)
            return -1;
        *res = 0;
        for (size_t i = 0; i < len && !*res; i++) {
            tval_t x = tv_seq_get(c, i);
            *res = tv_equal(&x, in);
        }
        return 0;
    }
    if (tv_is_dict(c)) {
        tval_t dummy;
        *res = tv_dict_get_value(c, in, &dummy);
        return 0;
    }
    return r_type_error(r, n, "cannot test membership in %s", tv_a_type(c));
}

static int case_test(const tval_t *in, int upper)
{
    if (in->kind != V_STR)
        return 0;
    for (size_t i = 0; i < in->len; i++) {
        char c = in->u.s[i];
        if (upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z'))
            return 0;
    }
    return 1;
}

TEST(t_lower)
{
    UNUSED_TEST_ARGS;
    *res = case_test(in, 0);
    return 0;
}

TEST(t_upper)
{
    UNUSED_TEST_ARGS;
    *res = case_test(in, 1);
    return 0;
}

TEST(t_sequence)
{
    UNUSED_TEST_ARGS;
    *res = in->kind == V_STR || tv_is_list(in) || (tv_is_dict(in) && !in->flag);
    return 0;
}

/* ---- tables --------------------------------------------------------------------------------- */

#define F(nm, f, np, nr, ...)                                                                      \
    {                                                                                              \
        nm, {.filter = f}, np, nr, 0,                                                              \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }
#define T(nm, f, np, nr, ...)                                                                      \
    {                                                                                              \
        nm, {.test = f}, np, nr, 0,                                                                \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }

static const callspec_t filters[] = {
    {"default", {.filter = f_default}, 2, 0, 1, {"default_value", "boolean"}},
    {"d", {.filter = f_default}, 2, 0, 1, {"default_value", "boolean"}},
    F("upper", f_upper, 0, 0, NULL),
    F("lower", f_lower, 0, 0, NULL),
    F("title", f_title, 0, 0, NULL),
    F("capitalize", f_capitalize, 0, 0, NULL),
    F("trim", f_trim, 1, 0, "chars"),
    F("join", f_join, 2, 0, "d", "attribute"),
    F("length", f_length, 0, 0, NULL),
    F("count", f_length, 0, 0, NULL),
    F("first", f_first, 0, 0, NULL),
    F("last", f_last, 0, 0, NULL),
    F("replace", f_replace, 3, 2, "old", "new", "count"),
    F("truncate", f_truncate, 4, 0, "length", "killwords", "end", "leeway"),
    F("tojson", f_tojson, 2, 0, "indent", "sort_keys"),
    F("indent", f_indent, 3, 0, "width", "first", "blank"),
    F("string", f_string, 0, 0, NULL),
    F("int", f_int, 2, 0, "default", "base"),
    F("float", f_float, 1, 0, "default"),
    F("abs", f_abs, 0, 0, NULL),
    F("list", f_list, 0, 0, NULL),
    F("items", f_items, 0, 0, NULL),
    F("reverse", f_reverse, 0, 0, NULL),
    F("sort", f_sort, 3, 0, "reverse", "case_sensitive", "attribute"),
    F("unique", f_unique, 2, 0, "case_sensitive", "attribute"),
    F("min", f_min, 2, 0, "case_sensitive", "attribute"),
    F("max", f_max, 2, 0, "case_sensitive", "attribute"),
    F("sum", f_sum, 2, 0, "attribute", "start"),
    F("map", f_map, 3, 0, "filter", "attribute", "default"),
    F("select", f_select, 2, 0, "test", "arg"),
    F("reject", f_reject, 2, 0, "test", "arg"),
    F("selectattr", f_selectattr, 3, 1, "attribute", "test", "arg"),
    F("rejectattr", f_rejectattr, 3, 1, "attribute", "test", "arg"),
    F("attr", f_attr, 1, 1, "name"),
    F("escape", f_escape, 0, 0, NULL),
    F("e", f_escape, 0, 0, NULL),
    F("safe", f_safe, 0, 0, NULL),
};

static const callspec_t tests[] = {
    {"defined", {.test = t_defined}, 0, 0, 1, {NULL}},
    {"undefined", {.test = t_undefined}, 0, 0, 1, {NULL}},
    T("none", t_none, 0, 0, NULL),
    T("string", t_string, 0, 0, NULL),
    T("number", t_number, 0, 0, NULL),
    T("integer", t_integer, 0, 0, NULL),
    T("float", t_float, 0, 0, NULL),
    T("boolean", t_boolean, 0, 0, NULL),
    T("true", t_true, 0, 0, NULL),
    T("false", t_false, 0, 0, NULL),
    T("mapping", t_mapping, 0, 0, NULL),
    T("iterable", t_iterable, 0, 0, NULL),
    T("sequence", t_sequence, 0, 0, NULL),
    T("callable", t_callable, 0, 0, NULL),
    T("even", t_even, 0, 0, NULL),
    T("odd", t_odd, 0, 0, NULL),
    T("divisibleby", t_divisibleby, 1, 1, "num"),
    T("eq", t_eq, 1, 1, "other"),
    T("equalto", t_eq, 1, 1, "other"),
    T("==", t_eq, 1, 1, "other"),
    T("ne", t_ne, 1, 1, "other"),
    T("!=", t_ne, 1, 1, "other"),
    T("lt", t_lt, 1, 1, "other"),
    T("lessthan", t_lt, 1, 1, "other"),
    T("<", t_lt, 1, 1, "other"),
    T("le", t_le, 1, 1, "other"),
    T("<=", t_le, 1, 1, "other"),
    T("gt", t_gt, 1, 1, "other"),
    T("greaterthan", t_gt, 1, 1, "other"),
    T(">", t_gt, 1, 1, "other"),
    T("ge", t_ge, 1, 1, "other"),
    T(">=", t_ge, 1, 1, "other"),
    T("in", t_in, 1, 1, "seq"),
    T("sameas", t_sameas, 1, 1, "other"),
    T("lower", t_lower, 0, 0, NULL),
    T("upper", t_upper, 0, 0, NULL),
};

static const callspec_t *find(const callspec_t *table, size_t count, const char *name, size_t len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

const callspec_t *filter_find(const char *name, size_t len)
{
    return find(filters, sizeof filters / sizeof filters[0], name, len);
}

const callspec_t *test_find(const char *name, size_t len)
{
    return find(tests, sizeof tests / sizeof tests[0], name, len);
}

int callspec_bind(const callspec_t *spec, size_t npos, const char *const *kwnames, size_t nkw,
                  int *slot_of_pos, int *slot_of_kw, char *why, size_t whylen)
{
    int used[8] = {0};
    if (npos > spec->nparams) {
        snprintf(why, whylen, "takes at most %u argument%s (%zu given)", spec->nparams,
                 spec->nparams == 1 ? "" : "s", npos);
        return -1;
    }
    for (size_t i = 0; i < npos; i++) {
        slot_of_pos[i] = (int)i;
        used[i] = 1;
    }
    for (size_t k = 0; k < nkw; k++) {
        size_t j;
        for (j = 0; j < spec->nparams; j++)
            if (strcmp(spec->params[j], kwnames[k]) == 0)
                break;
        if (j == spec->nparams) {
            snprintf(why, whylen, "got an unexpected keyword argument '%s'", kwnames[k]);
            return -1;
        }
        if (used[j]) {
            snprintf(why, whylen, "got multiple values for argument '%s'", kwnames[k]);
            return -1;
        }
        used[j] = 1;
        slot_of_kw[k] = (int)j;
    }
    for (size_t j = 0; j < spec->nrequired; j++) {
        if (!used[j]) {
            snprintf(why, whylen, "is missing required argument '%s'", spec->params[j]);
            return -1;
        }
    }
    return 0;
}
