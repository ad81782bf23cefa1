/* otlp_json.c - OTLP/JSON ExportTraceServiceRequest bodies into an otlp_batch_t (see otlp.h).
 *
 * OTLP/JSON is protobuf's JSON mapping with OTLP's own rules: lowerCamelCase keys, trace and
 * span ids as hex (not base64), 64-bit integers as decimal strings or numbers, enums (kind,
 * status code) as integers - names like "SPAN_KIND_CLIENT" are accepted too, as protobuf's
 * JSON parsers do. Unknown keys are ignored (but must be valid JSON).
 *
 * The body is read in one pass straight into the batch, without building a document first:
 * with jansson's document every attribute ({"key": k, "value": {"stringValue": v}}) costs
 * three hash-table objects, and parsing was more than half of the CPU time of ingestion. Only
 * what is kept becomes a jansson value (the attribute values, the events). The reader follows
 * RFC 8259 strictly: UTF-8 only, no NUL (also not as \u0000), no lone surrogates, nothing after
 * the top-level object, nesting at most READER_MAX_DEPTH. Object members may come in any order
 * (a span's attributes before its ids, a resource after its spans). */
#include "traces/otlp.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define READER_MAX_DEPTH 512

typedef struct reader {
    const char *p, *end, *start;
    int depth;
    const char *error; /* the first syntax error */
    size_t error_at;
    buf_t str; /* the last string read, decoded and NUL-terminated */
} reader_t;

static int syntax(reader_t *r, const char *why)
{
    if (!r->error) {
        r->error = why;
        r->error_at = (size_t)(r->p - r->start);
    }
    return -1;
}

static void ws(reader_t *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

/* The next significant character, or -1 at the end. */
static int peek(reader_t *r)
{
    ws(r);
    return r->p < r->end ? (unsigned char)*r->p : -1;
}

static int expect(reader_t *r, char c, const char *why)
{
    if (peek(r) != (unsigned char)c)
        return syntax(r, why);
    r->p++;
    return 0;
}

/* ---- strings ------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void put_utf8(buf_t *b, unsigned cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    buf_append(b, out, n);
}

/* Four hex digits after "\u"; -1 when they are not. */
static long hex4(reader_t *r)
{
    if (r->end - r->p < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *r->p++;
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A string into r->str. */
static int read_string(reader_t *r)
{
    if (expect(r, '"', "expected a string") != 0)
        return -1;
    buf_reset(&r->str);
    buf_reserve(&r->str, 1);
    r->str.data[0] = '\0';
    for (;;) {
        const char *run = r->p;
        while (r->p < r->end && *r->p != '"' && *r->p != '\\' && (unsigned char)*r->p >= 0x20 &&
               (unsigned char)*r->p < 0x80)
            r->p++;
        buf_append(&r->str, run, (size_t)(r->p - run));
        if (r->p >= r->end)
            return syntax(r, "unterminated string");
        unsigned char c = (unsigned char)*r->p;
        if (c == '"') {
            r->p++;
            return 0;
        }
        if (c < 0x20)
            return syntax(r, "control character in a string");
        if (c >= 0x80) {
            size_t n = utf8_seq((const unsigned char *)r->p, (size_t)(r->end - r->p));
            if (!n)
                return syntax(r, "invalid UTF-8 in a string");
            buf_append(&r->str, r->p, n);
            r->p += n;
            continue;
        }
        r->p++; /* the backslash */
        if (r->p >= r->end)
            return syntax(r, "unterminated string");
        char e = *r->p++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            buf_append_char(&r->str, e);
            break;
        case 'b':
            buf_append_char(&r->str, '\b');
            break;
        case 'f':
            buf_append_char(&r->str, '\f');
            break;
        case 'n':
            buf_append_char(&r->str, '\n');
            break;
        case 'r':
            buf_append_char(&r->str, '\r');
            break;
        case 't':
            buf_append_char(&r->str, '\t');
            break;
        case 'u': {
            long cp = hex4(r);
            if (cp < 0)
                return syntax(r, "invalid \\u escape");
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return syntax(r, "lone low surrogate in a string");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
                    return syntax(r, "lone high surrogate in a string");
                r->p += 2;
                long lo = hex4(r);
                if (lo < 0xdc00 || lo > 0xdfff)
                    return syntax(r, "invalid surrogate pair in a string");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (cp == 0)
                return syntax(r, "NUL (\\u0000) in a string");
            put_utf8(&r->str, (unsigned)cp);
            break;
        }
        default:
            return syntax(r, "invalid escape in a string");
        }
    }
}

/* ---- numbers and other scalars -------------------------------------------------------------- */

typedef struct number {
    int is_int; /* no fraction or exponent */
    int64_t i;
    double d;
} number_t;

static int is_digit(reader_t *r)
{
    return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

static int read_number(reader_t *r, number_t *out)
{
    ws(r);
    const char *start = r->p;
    int integral = 1;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (!is_digit(r))
        return syntax(r, "invalid number");
    if (*r->p == '0')
        r->p++;
    else
        while (is_digit(r))
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        integral = 0;
        r->p++;
        if (!is_digit(r))
            return syntax(r, "invalid number");
        while (is_digit(r))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        integral = 0;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (!is_digit(r))
            return syntax(r, "invalid number");
        while (is_digit(r))
            r->p++;
    }
    /* Like jansson: an integer beyond int64 and a number beyond double are errors. */
    char text[64];
    size_t len = (size_t)(r->p - start);
    char *copy = len < sizeof text ? text : xstrndup(start, len);
    if (copy == text) {
        memcpy(text, start, len);
        text[len] = '\0';
    }
    errno = 0;
    int rc = 0;
    if (integral) {
        long long v = strtoll(copy, NULL, 10);
        if (errno)
            rc = syntax(r, "integer out of range");
        else
            *out = (number_t){.is_int = 1, .i = v, .d = (double)v};
    } else {
        double d = strtod(copy, NULL);
        if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
            rc = syntax(r, "number out of range");
        else
            *out = (number_t){.is_int = 0, .d = d};
    }
    if (copy != text)
        free(copy);
    return rc;
}

static int read_literal(reader_t *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return syntax(r, "invalid literal");
    r->p += n;
    return 0;
}

/* ---- objects and arrays ------------------------------------------------------------------- */

static int open_nested(reader_t *r, char c)
{
    if (expect(r, c, c == '{' ? "expected an object" : "expected an array") != 0)
        return -1;
    if (++r->depth > READER_MAX_DEPTH)
        return syntax(r, "nested too deeply");
    return 0;
}

/* The next member of an object opened with open_nested: 1 with its key in r->str (and the ':'
 * read), 0 at the closing brace, -1 on a syntax error. */
static int next_member(reader_t *r, int *first)
{
    int c = peek(r);
    if (c == '}') {
        r->p++;
        r->depth--;
        return 0;
    }
    if (!*first) {
        if (c != ',')
            return syntax(r, "expected ',' or '}'");
        r->p++;
    }
    *first = 0;
    if (read_string(r) != 0 || expect(r, ':', "expected ':'") != 0)
        return -1;
    return 1;
}

/* The next element of an array: 1 when one follows, 0 at the closing bracket, -1 on error. */
static int next_element(reader_t *r, int *first)
{
    int c = peek(r);
    if (c == ']') {
        r->p++;
        r->depth--;
        return 0;
    }
    if (!*first) {
        if (c != ',')
            return syntax(r, "expected ',' or ']'");
        r->p++;
    }
    *first = 0;
    return 1;
}

static int key_is(const reader_t *r, const char *key)
{
    return strcmp(r->str.data, key) == 0;
}

/* Any value, checked and dropped. */
static int skip_value(reader_t *r)
{
    int c = peek(r);
    int first = 1, more;
    number_t n;
    switch (c) {
    case '{':
        if (open_nested(r, '{') != 0)
            return -1;
        while ((more = next_member(r, &first)) > 0)
            if (skip_value(r) != 0)
                return -1;
        return more;
    case '[':
        if (open_nested(r, '[') != 0)
            return -1;
        while ((more = next_element(r, &first)) > 0)
            if (skip_value(r) != 0)
                return -1;
        return more;
    case '"':
        return read_string(r);
    case 't':
        return read_literal(r, "true");
    case 'f':
        return read_literal(r, "false");
    case 'n':
        return read_literal(r, "null");
    case -1:
        return syntax(r, "unexpected end of the body");
    default:
        return read_number(r, &n);
    }
}

/* ---- OTLP values ------------------------------------------------------------------------------
 */

/* An OTLP int64: a JSON integer or a decimal string. 1 with *out, 0 when the value is neither
 * (it is read and dropped), -1 on a syntax error. */
static int read_int64(reader_t *r, int64_t *out)
{
    int c = peek(r);
    if (c == '"') {
        if (read_string(r) != 0)
            return -1;
        const char *s = r->str.data;
        if (!*s)
            return 0;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (*end || errno)
            return 0;
        *out = v;
        return 1;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        number_t n;
        if (read_number(r, &n) != 0)
            return -1;
        if (!n.is_int)
            return 0;
        *out = n.i;
        return 1;
    }
    return skip_value(r) == 0 ? 0 : -1;
}

/* An enum: a number, or its protobuf name (prefix + one of names). 1 with *out (-1 for an
 * unknown name or type), -1 on a syntax error. */
static int read_enum(reader_t *r, const char *prefix, const char *const *names, size_t n,
                     int64_t *out)
{
    int c = peek(r);
    if (c == '"') {
        if (read_string(r) != 0)
            return -1;
        *out = -1;
        size_t plen = strlen(prefix);
        if (strncmp(r->str.data, prefix, plen) == 0)
            for (size_t i = 0; i < n; i++)
                if (strcmp(r->str.data + plen, names[i]) == 0)
                    *out = (int64_t)i;
        return 1;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        number_t num;
        if (read_number(r, &num) != 0)
            return -1;
        *out = num.is_int ? num.i : -1;
        return 1;
    }
    if (skip_value(r) != 0)
        return -1;
    *out = -1;
    return 1;
}

static json_t *any_value(reader_t *r, int depth);

/* [{"key": k, "value": AnyValue}, ...] into an object (later duplicates win; elements that are
 * not objects or have no string key are dropped). */
static int key_values(reader_t *r, json_t *into, int depth)
{
    if (peek(r) != '[')
        return skip_value(r);
    int first = 1, more;
    if (open_nested(r, '[') != 0)
        return -1;
    while ((more = next_element(r, &first)) > 0) {
        if (peek(r) != '{') {
            if (skip_value(r) != 0)
                return -1;
            continue;
        }
        char *key = NULL;
        json_t *value = NULL;
        int mfirst = 1, mmore;
        if (open_nested(r, '{') != 0)
            return -1;
        while ((mmore = next_member(r, &mfirst)) > 0) {
            if (key_is(r, "key") && peek(r) == '"') {
                if (read_string(r) != 0)
                    break;
                free(key);
                key = xstrdup(r->str.data);
            } else if (key_is(r, "value")) {
                json_decref(value);
                if (!(value = any_value(r, depth)))
                    break;
            } else if (skip_value(r) != 0) {
                break;
            }
        }
        if (mmore == 0 && key)
            json_object_set_new_nocheck(into, key, value ? value : json_null());
        else
            json_decref(value);
        free(key);
        if (mmore != 0)
            return -1;
    }
    return more;
}

/* An AnyValue ({"stringValue": ...} etc.) as a plain JSON value (json_null() for an empty or
 * unknown one, and for nesting deeper than OTLP_MAX_VALUE_DEPTH); NULL on a syntax error.
 * Should several kinds be present, the first in AnyValue's field order wins. */
static json_t *any_value(reader_t *r, int depth)
{
    if (peek(r) != '{' || depth > OTLP_MAX_VALUE_DEPTH)
        return skip_value(r) == 0 ? json_null() : NULL;
    static const char *const kinds[] = {"stringValue", "boolValue",   "intValue",  "doubleValue",
                                        "arrayValue",  "kvlistValue", "bytesValue"};
    json_t *best = NULL;
    size_t best_rank = sizeof kinds / sizeof kinds[0];
    int first = 1, more;
    if (open_nested(r, '{') != 0)
        return NULL;
    while ((more = next_member(r, &first)) > 0) {
        size_t rank = 0;
        while (rank < sizeof kinds / sizeof kinds[0] && !key_is(r, kinds[rank]))
            rank++;
        json_t *v = NULL;
        int c = peek(r);
        int rc = 0;
        switch (rank) {
        case 0: /* stringValue */
        case 6: /* bytesValue: already base64 in OTLP/JSON */
            if (c == '"') {
                rc = read_string(r);
                v = rc == 0 ? json_stringn_nocheck(r->str.data, r->str.len) : NULL;
            } else {
                rc = skip_value(r);
            }
            break;
        case 1: /* boolValue */
            if (c == 't' || c == 'f') {
                rc = read_literal(r, c == 't' ? "true" : "false");
                v = json_boolean(c == 't');
            } else {
                rc = skip_value(r);
            }
            break;
        case 2: { /* intValue */
            int64_t n;
            int got = read_int64(r, &n);
            rc = got < 0 ? -1 : 0;
            v = got > 0 ? json_integer(n) : NULL;
            break;
        }
        case 3: /* doubleValue; "NaN", "Infinity" have no JSON number and stay text */
            if (c == '"') {
                rc = read_string(r);
                v = rc == 0 ? json_stringn_nocheck(r->str.data, r->str.len) : NULL;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                number_t n;
                rc = read_number(r, &n);
                v = rc == 0 ? json_real(n.d) : NULL;
            } else {
                rc = skip_value(r);
            }
            break;
        case 4:   /* arrayValue: {"values": [AnyValue...]} */
        case 5: { /* kvlistValue: {"values": [KeyValue...]} */
            if (c != '{') {
                rc = skip_value(r);
                break;
            }
            v = rank == 4 ? json_array() : json_object();
            int vfirst = 1, vmore = -1;
            if (open_nested(r, '{') != 0) {
                rc = -1;
                break;
            }
            while ((vmore = next_member(r, &vfirst)) > 0) {
                if (!key_is(r, "values")) {
                    if (skip_value(r) != 0)
                        break;
                } else if (rank == 5) {
                    if (key_values(r, v, depth + 1) != 0)
                        break;
                } else if (peek(r) != '[') {
                    if (skip_value(r) != 0)
                        break;
                } else {
                    int afirst = 1, amore;
                    if (open_nested(r, '[') != 0)
                        break;
                    while ((amore = next_element(r, &afirst)) > 0) {
                        json_t *item = any_value(r, depth + 1);
                        if (!item)
                            break;
                        json_array_append_new(v, item);
                    }
                    if (amore != 0)
                        break;
                }
            }
            rc = vmore == 0 ? 0 : -1;
            break;
        }
        default:
            rc = skip_value(r);
        }
        if (rc != 0) {
            json_decref(v);
            json_decref(best);
            return NULL;
        }
        if (v && rank < best_rank) {
            json_decref(best);
            best = v;
            best_rank = rank;
        } else {
            json_decref(v);
        }
    }
    if (more != 0) {
        json_decref(best);
        return NULL;
    }
    return best ? best : json_null();
}

/* ---- spans ------------------------------------------------------------------------------------
 */

/* A hex id of n bytes from the string in r->str into out (lowercase); 0 or -1. */
static int hex_id(const reader_t *r, size_t n, char *out)
{
    if (r->str.len != 2 * n)
        return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = r->str.data[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
        out[i] = c;
    }
    out[2 * n] = '\0';
    return 0;
}

/* An id member: 1 valid, 0 absent/empty, -1 invalid (not a string or not hex of n bytes); -2 on
 * a syntax error. */
static int read_id(reader_t *r, size_t n, char *out)
{
    if (peek(r) != '"')
        return skip_value(r) == 0 ? -1 : -2;
    if (read_string(r) != 0)
        return -2;
    if (r->str.len == 0) {
        out[0] = '\0';
        return 0;
    }
    return hex_id(r, n, out) == 0 ? 1 : -1;
}

static int read_status(reader_t *r, int64_t *code, const char **message, otlp_batch_t *b)
{
    static const char *const codes[] = {"UNSET", "OK", "ERROR"};
    if (peek(r) != '{')
        return skip_value(r);
    int first = 1, more;
    if (open_nested(r, '{') != 0)
        return -1;
    while ((more = next_member(r, &first)) > 0) {
        int rc;
        if (key_is(r, "code")) {
            rc = read_enum(r, "STATUS_CODE_", codes, 3, code) < 0 ? -1 : 0;
        } else if (key_is(r, "message") && peek(r) == '"') {
            rc = read_string(r);
            if (rc == 0 && r->str.len > 0)
                *message = otlp_batch_own(b, xstrdup(r->str.data));
        } else {
            rc = skip_value(r);
        }
        if (rc != 0)
            return -1;
    }
    return more;
}

static int read_events(reader_t *r, json_t *events)
{
    if (peek(r) != '[')
        return skip_value(r);
    int first = 1, more;
    if (open_nested(r, '[') != 0)
        return -1;
    while ((more = next_element(r, &first)) > 0) {
        if (peek(r) != '{') {
            if (skip_value(r) != 0)
                return -1;
            continue;
        }
        json_t *attrs = json_object();
        int64_t t = 0;
        char *name = NULL;
        int efirst = 1, emore = 0, rc = 0;
        if (open_nested(r, '{') != 0)
            rc = -1;
        while (rc == 0 && (emore = next_member(r, &efirst)) > 0) {
            if (key_is(r, "timeUnixNano")) {
                int64_t v;
                int got = read_int64(r, &v);
                rc = got < 0 ? -1 : 0;
                if (got > 0)
                    t = v;
            } else if (key_is(r, "name") && peek(r) == '"') {
                rc = read_string(r);
                if (rc == 0) {
                    free(name);
                    name = xstrdup(r->str.data);
                }
            } else if (key_is(r, "attributes")) {
                rc = key_values(r, attrs, 0);
            } else {
                rc = skip_value(r);
            }
        }
        if (rc == 0 && emore < 0)
            rc = -1;
        if (rc == 0)
            json_array_append_new(events,
                                  json_pack("{s:s, s:I, s:o}", "name", name ? name : "",
                                            "time_unix_nano", (json_int_t)t, "attributes", attrs));
        else
            json_decref(attrs);
        free(name);
        if (rc != 0)
            return -1;
    }
    return more;
}

/* One span into the batch (or rejected there). -1 only on a syntax error. */
static int read_span(reader_t *r, const json_t *resource, otlp_batch_t *b)
{
    static const char *const kinds[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                        "CLIENT",      "PRODUCER", "CONSUMER"};
    otlp_span_t *s = otlp_batch_add(b);
    s->resource = resource;
    if (peek(r) != '{') {
        if (skip_value(r) != 0)
            return -1;
        otlp_batch_reject_last(b, "a span must be a JSON object");
        return 0;
    }
    int trace = 0, span = 0, parent = 0, start_ok = 0, end_ok = 1;
    int64_t kind = 0, code = 0;
    int first = 1, more;
    if (open_nested(r, '{') != 0)
        return -1;
    while ((more = next_member(r, &first)) > 0) {
        int rc = 0;
        if (key_is(r, "traceId")) {
            trace = read_id(r, TRACE_ID_HEX / 2, s->row.trace_id);
            rc = trace == -2 ? -1 : 0;
        } else if (key_is(r, "spanId")) {
            span = read_id(r, SPAN_ID_HEX / 2, s->row.span_id);
            rc = span == -2 ? -1 : 0;
        } else if (key_is(r, "parentSpanId")) {
            parent = read_id(r, SPAN_ID_HEX / 2, s->row.parent_span_id);
            rc = parent == -2 ? -1 : 0;
        } else if (key_is(r, "name")) {
            if (peek(r) == '"') {
                rc = read_string(r);
                if (rc == 0)
                    s->row.name = otlp_batch_own(b, xstrdup(r->str.data));
            } else {
                rc = skip_value(r);
            }
        } else if (key_is(r, "kind")) {
            rc = read_enum(r, "SPAN_KIND_", kinds, 6, &kind) < 0 ? -1 : 0;
        } else if (key_is(r, "startTimeUnixNano")) {
            int got = read_int64(r, &s->row.start_ns);
            rc = got < 0 ? -1 : 0;
            start_ok = got > 0;
        } else if (key_is(r, "endTimeUnixNano")) {
            int got = read_int64(r, &s->row.end_ns);
            rc = got < 0 ? -1 : 0;
            end_ok = got > 0;
        } else if (key_is(r, "status")) {
            rc = read_status(r, &code, &s->row.status_message, b);
        } else if (key_is(r, "attributes")) {
            rc = key_values(r, s->attrs, 0);
        } else if (key_is(r, "events")) {
            rc = read_events(r, s->events);
        } else {
            rc = skip_value(r);
        }
        if (rc != 0)
            return -1;
    }
    if (more != 0)
        return -1;
    if (parent == 0)
        s->row.parent_span_id[0] = '\0';
    if (trace != 1)
        otlp_batch_reject_last(b, "span: 'traceId' must be %d hex digits", TRACE_ID_HEX);
    else if (span != 1)
        otlp_batch_reject_last(b, "span in trace %s: 'spanId' must be %d hex digits",
                               s->row.trace_id, SPAN_ID_HEX);
    else if (parent < 0)
        otlp_batch_reject_last(b, "span %s: 'parentSpanId' must be empty or %d hex digits",
                               s->row.span_id, SPAN_ID_HEX);
    else if (!start_ok || !end_ok)
        otlp_batch_reject_last(b, "span %s: times must be integers (epoch ns)", s->row.span_id);
    else if (!(s->row.status = otlp_status_name(code)))
        otlp_batch_reject_last(b, "span %s: unknown status code", s->row.span_id);
    else
        s->row.kind = otlp_kind_name(kind);
    return 0;
}

/* {"scope": {...}, "spans": [...]}: the spans, then the scope set on the ones it read (the
 * scope may come after them). */
static int read_scope_spans(reader_t *r, const json_t *resource, otlp_batch_t *b)
{
    if (peek(r) != '{')
        return skip_value(r);
    size_t from = b->n;
    const char *scope_name = NULL, *scope_version = NULL;
    int first = 1, more;
    if (open_nested(r, '{') != 0)
        return -1;
    while ((more = next_member(r, &first)) > 0) {
        int rc = 0;
        if (key_is(r, "spans") && peek(r) == '[') {
            int sfirst = 1, smore;
            if (open_nested(r, '[') != 0)
                return -1;
            while ((smore = next_element(r, &sfirst)) > 0)
                if (read_span(r, resource, b) != 0)
                    return -1;
            rc = smore;
        } else if (key_is(r, "scope") && peek(r) == '{') {
            int cfirst = 1, cmore;
            if (open_nested(r, '{') != 0)
                return -1;
            while ((cmore = next_member(r, &cfirst)) > 0) {
                const char **slot = key_is(r, "name")      ? &scope_name
                                    : key_is(r, "version") ? &scope_version
                                                           : NULL;
                if (slot && peek(r) == '"') {
                    if (read_string(r) != 0)
                        return -1;
                    *slot = r->str.len ? otlp_batch_own(b, xstrdup(r->str.data)) : NULL;
                } else if (skip_value(r) != 0) {
                    return -1;
                }
            }
            rc = cmore;
        } else {
            rc = skip_value(r);
        }
        if (rc != 0)
            return -1;
    }
    for (size_t i = from; i < b->n; i++) {
        b->spans[i].scope_name = scope_name;
        b->spans[i].scope_version = scope_version;
    }
    return more;
}

/* {"resource": {"attributes": [...]}, "scopeSpans": [...]}. The resource's object is made
 * first and filled whenever its member comes, so spans read before it still point to it. */
static int read_resource_spans(reader_t *r, otlp_batch_t *b)
{
    if (peek(r) != '{')
        return skip_value(r);
    json_t *resource = otlp_batch_keep(b, json_object());
    int first = 1, more;
    if (open_nested(r, '{') != 0)
        return -1;
    while ((more = next_member(r, &first)) > 0) {
        int rc = 0;
        if (key_is(r, "resource") && peek(r) == '{') {
            int rfirst = 1, rmore;
            if (open_nested(r, '{') != 0)
                return -1;
            while ((rmore = next_member(r, &rfirst)) > 0) {
                if (key_is(r, "attributes") ? key_values(r, resource, 0) != 0 : skip_value(r) != 0)
                    return -1;
            }
            rc = rmore;
        } else if (key_is(r, "scopeSpans") && peek(r) == '[') {
            int sfirst = 1, smore;
            if (open_nested(r, '[') != 0)
                return -1;
            while ((smore = next_element(r, &sfirst)) > 0)
                if (read_scope_spans(r, resource, b) != 0)
                    return -1;
            rc = smore;
        } else {
            rc = skip_value(r);
        }
        if (rc != 0)
            return -1;
    }
    return more;
}

int otlp_json_decode(const char *body, size_t len, otlp_batch_t *b, err_t *err)
{
    reader_t r = {.p = body ? body : "", .start = body ? body : ""};
    r.end = r.p + len;
    int c = peek(&r);
    if (c != '{')
        return err_invalid(err, "body",
                           "the body is not an OTLP/JSON ExportTraceServiceRequest: %s",
                           c < 0 ? "it is empty" : "not a JSON object");
    buf_init(&r.str);
    int first = 1, more, rc = 0;
    if (open_nested(&r, '{') != 0)
        rc = -1;
    while (rc == 0 && (more = next_member(&r, &first)) != 0) {
        if (more < 0) {
            rc = -1;
        } else if (!key_is(&r, "resourceSpans")) {
            rc = skip_value(&r);
        } else if (peek(&r) != '[') {
            buf_free(&r.str);
            return err_invalid(err, "resourceSpans", "'resourceSpans' must be an array");
        } else if (open_nested(&r, '[') != 0) {
            rc = -1;
        } else {
            int afirst = 1, amore;
            while ((amore = next_element(&r, &afirst)) > 0 && read_resource_spans(&r, b) == 0)
                ;
            rc = amore == 0 ? 0 : -1;
        }
    }
    if (rc == 0 && peek(&r) != -1)
        rc = syntax(&r, "text after the JSON object");
    buf_free(&r.str);
    if (rc == 0)
        return 0;
    return err_invalid(err, "body",
                       "the body is not an OTLP/JSON ExportTraceServiceRequest: %s at byte %zu",
                       r.error ? r.error : "invalid JSON", r.error_at);
}
