/* value.c - operations on template values that need neither the render context nor memory:
 * conversion from JSON, truthiness, equality and ordering, and writing values out the way
 * Jinja2 (that is, Python) prints them: str() for output, repr() inside containers, and
 * json.dumps() for the tojson filter. Containers are walked with a depth bound because a
 * namespace can contain itself. */
#include "template/template_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_MAX_DEPTH 1000 /* nesting walked by equality, repr and json */

tval_t tv_from_json(const json_t *j)
{
    tval_t v = {.kind = V_NONE};
    if (!j)
        return v;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        v.kind = V_JDICT;
        v.u.json = j;
        break;
    case JSON_ARRAY:
        v.kind = V_JLIST;
        v.u.json = j;
        break;
    case JSON_STRING:
        v = tv_str(json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        v = tv_int(json_integer_value(j));
        break;
    case JSON_REAL:
        v = tv_float(json_real_value(j));
        break;
    case JSON_TRUE:
        v = tv_bool(1);
        break;
    case JSON_FALSE:
        v = tv_bool(0);
        break;
    case JSON_NULL:
        break;
    }
    return v;
}

int tv_truthy(const tval_t *v)
{
    switch (v->kind) {
    case V_ABSENT:
    case V_UNDEF:
    case V_NONE:
        return 0;
    case V_BOOL:
    case V_INT:
        return v->u.i != 0;
    case V_FLOAT:
        return v->u.f != 0.0;
    case V_STR:
        return v->len > 0;
    case V_LIST:
        return v->u.list->n > 0;
    case V_JLIST:
        return json_array_size(v->u.json) > 0;
    case V_DICT:
        return v->flag || v->u.dict->n > 0; /* a namespace is an object: always true */
    case V_JDICT:
        return json_object_size(v->u.json) > 0;
    default:
        return 1;
    }
}

const char *tv_type_name(const tval_t *v)
{
    switch (v->kind) {
    case V_ABSENT:
    case V_UNDEF:
        return "undefined";
    case V_NONE:
        return "none";
    case V_BOOL:
        return "boolean";
    case V_INT:
    case V_FLOAT:
        return "number";
    case V_STR:
        return "string";
    case V_LIST:
        return v->flag ? "tuple" : "list";
    case V_JLIST:
        return "list";
    case V_DICT:
        return v->flag ? "namespace" : "dict";
    case V_JDICT:
        return "dict";
    case V_LOOP:
        return "loop";
    case V_FUNC:
    case V_METHOD:
        return "function";
    case V_MACRO:
        return "macro";
    }
    return "value";
}

const char *tv_a_type(const tval_t *v)
{
    switch (v->kind) {
    case V_ABSENT:
    case V_UNDEF:
        return "an undefined value";
    case V_NONE:
        return "none";
    case V_LOOP:
        return "the loop object";
    case V_INT:
    case V_FLOAT:
        return "a number";
    default:
        break;
    }
    static const char *const named[] = {"a boolean", "a string",    "a list",     "a tuple",
                                        "a dict",    "a namespace", "a function", "a macro"};
    const char *t = tv_type_name(v);
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strcmp(named[i] + 2, t) == 0)
            return named[i];
    return t;
}

size_t tv_seq_len(const tval_t *v)
{
    return v->kind == V_LIST ? v->u.list->n : json_array_size(v->u.json);
}

tval_t tv_seq_get(const tval_t *v, size_t i)
{
    if (v->kind == V_LIST)
        return v->u.list->items[i];
    return tv_from_json(json_array_get(v->u.json, i));
}

size_t tv_dict_len(const tval_t *v)
{
    return v->kind == V_DICT ? v->u.dict->n : json_object_size(v->u.json);
}

int tv_dict_get(const tval_t *d, const char *key, size_t klen, tval_t *out)
{
    if (d->kind == V_JDICT) {
        json_t *j = json_object_getn(d->u.json, key, klen);
        if (!j)
            return 0;
        *out = tv_from_json(j);
        return 1;
    }
    if (d->kind != V_DICT)
        return 0;
    const tdict_t *dict = d->u.dict;
    for (size_t i = 0; i < dict->n; i++) {
        const tval_t *k = &dict->keys[i];
        if (k->kind == V_STR && k->len == klen && memcmp(k->u.s, key, klen) == 0) {
            *out = dict->vals[i];
            return 1;
        }
    }
    return 0;
}

int tv_dict_get_value(const tval_t *d, const tval_t *key, tval_t *out)
{
    if (key->kind == V_STR)
        return tv_dict_get(d, key->u.s, key->len, out);
    if (d->kind != V_DICT)
        return 0;
    for (size_t i = 0; i < d->u.dict->n; i++) {
        if (tv_equal(&d->u.dict->keys[i], key)) {
            *out = d->u.dict->vals[i];
            return 1;
        }
    }
    return 0;
}

double tv_as_double(const tval_t *v)
{
    return v->kind == V_FLOAT ? v->u.f : (double)v->u.i;
}

/* Exact comparison of an integer with a double, as Python does. */
static int cmp_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 2; /* unordered */
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double fl = floor(d);
    int64_t di = (int64_t)fl;
    if (i < di)
        return -1;
    if (i > di)
        return 1;
    return fl < d ? -1 : 0;
}

static int num_cmp(const tval_t *a, const tval_t *b)
{
    if (a->kind != V_FLOAT && b->kind != V_FLOAT)
        return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    if (a->kind == V_FLOAT && b->kind == V_FLOAT) {
        if (isnan(a->u.f) || isnan(b->u.f))
            return 2;
        return a->u.f < b->u.f ? -1 : a->u.f > b->u.f;
    }
    if (a->kind == V_FLOAT) {
        int c = cmp_int_double(b->u.i, a->u.f);
        return c == 2 ? 2 : -c;
    }
    return cmp_int_double(a->u.i, b->u.f);
}

static int equal_at(const tval_t *a, const tval_t *b, int depth);

static int dict_equal(const tval_t *a, const tval_t *b, int depth)
{
    if (tv_dict_len(a) != tv_dict_len(b))
        return 0;
    if (a->kind == V_JDICT) {
        const char *k;
        json_t *jv;
        json_object_foreach((json_t *)a->u.json, k, jv)
        {
            tval_t bv, av = tv_from_json(jv);
            if (!tv_dict_get(b, k, strlen(k), &bv) || !equal_at(&av, &bv, depth + 1))
                return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < a->u.dict->n; i++) {
        tval_t bv;
        if (!tv_dict_get_value(b, &a->u.dict->keys[i], &bv) ||
            !equal_at(&a->u.dict->vals[i], &bv, depth + 1))
            return 0;
    }
    return 1;
}

static int equal_at(const tval_t *a, const tval_t *b, int depth)
{
    if (depth > VALUE_MAX_DEPTH)
        return 0;
    if (tv_is_number(a) && tv_is_number(b))
        return num_cmp(a, b) == 0;
    if (tv_is_list(a) && tv_is_list(b)) {
        size_t n = tv_seq_len(a);
        if (n != tv_seq_len(b))
            return 0;
        for (size_t i = 0; i < n; i++) {
            tval_t x = tv_seq_get(a, i), y = tv_seq_get(b, i);
            if (!equal_at(&x, &y, depth + 1))
                return 0;
        }
        return 1;
    }
    if (tv_is_dict(a) && tv_is_dict(b)) {
        if (a->flag || b->flag) /* namespaces are equal only to themselves */
            return a->kind == b->kind && a->u.dict == b->u.dict;
        return dict_equal(a, b, depth);
    }
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case V_ABSENT:
    case V_UNDEF:
    case V_NONE:
        return 1;
    case V_STR:
        return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
    case V_FUNC:
        return a->u.i == b->u.i;
    case V_MACRO:
        return a->u.node == b->u.node;
    case V_LOOP:
        return a->u.loop == b->u.loop;
    case V_METHOD:
        return a->u.method == b->u.method;
    default:
        return 0;
    }
}

int tv_equal(const tval_t *a, const tval_t *b)
{
    return equal_at(a, b, 0);
}

static int compare_at(const tval_t *a, const tval_t *b, int *cmp, int depth)
{
    if (depth > VALUE_MAX_DEPTH)
        return -1;
    if (tv_is_number(a) && tv_is_number(b)) {
        int c = num_cmp(a, b);
        *cmp = c == 2 ? 0 : c; /* NaN compares as neither less nor greater */
        return 0;
    }
    if (a->kind == V_STR && b->kind == V_STR) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->u.s, b->u.s, n); /* UTF-8 byte order is code point order */
        *cmp = c ? (c < 0 ? -1 : 1) : (a->len < b->len ? -1 : a->len > b->len);
        return 0;
    }
    if (tv_is_list(a) && tv_is_list(b)) {
        size_t na = tv_seq_len(a), nb = tv_seq_len(b);
        for (size_t i = 0; i < na && i < nb; i++) {
            tval_t x = tv_seq_get(a, i), y = tv_seq_get(b, i);
            if (equal_at(&x, &y, depth + 1))
                continue;
            return compare_at(&x, &y, cmp, depth + 1);
        }
        *cmp = na < nb ? -1 : na > nb;
        return 0;
    }
    return -1;
}

int tv_compare(const tval_t *a, const tval_t *b, int *cmp)
{
    return compare_at(a, b, cmp, 0);
}

/* ---- printing ------------------------------------------------------------------------------- */

void fmt_float(double f, char out[32])
{
    if (isnan(f)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(f)) {
        strcpy(out, f < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    /* tmp is [-]d[.ddd]e[+-]XX: collect the digits and the exponent. */
    char digits[24];
    size_t nd = 0;
    const char *s = tmp;
    int neg = *s == '-';
    if (neg)
        s++;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            digits[nd++] = *s;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int exp = atoi(s + 1);
    char *o = out;
    if (neg)
        *o++ = '-';
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++)
                *o++ = (size_t)i < nd ? digits[i] : '0';
            *o++ = '.';
            if ((size_t)exp + 1 < nd)
                for (size_t i = (size_t)exp + 1; i < nd; i++)
                    *o++ = digits[i];
            else
                *o++ = '0';
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -exp - 1; i++)
                *o++ = '0';
            for (size_t i = 0; i < nd; i++)
                *o++ = digits[i];
        }
        *o = '\0';
        return;
    }
    *o++ = digits[0];
    if (nd > 1) {
        *o++ = '.';
        for (size_t i = 1; i < nd; i++)
            *o++ = digits[i];
    }
    snprintf(o, 8, "e%c%02d", exp < 0 ? '-' : '+', (exp < 0 ? -exp : exp) % 1000);
}

size_t fmt_int(int64_t i, char out[24])
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t k = 0;
    if (i < 0)
        out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

static void write_int(buf_t *b, int64_t i)
{
    char tmp[24];
    buf_append(b, tmp, fmt_int(i, tmp));
}

static void write_float(buf_t *b, double f)
{
    char tmp[32];
    fmt_float(f, tmp);
    buf_append_str(b, tmp);
}

static void write_py_string(buf_t *b, const char *s, size_t len)
{
    char q = '\'';
    if (memchr(s, '\'', len) && !memchr(s, '"', len))
        q = '"';
    buf_append_char(b, q);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char hex[8];
        if (c == (unsigned char)q || c == '\\') {
            hex[0] = '\\';
            hex[1] = (char)c;
            hex[2] = '\0';
            esc = hex;
        } else if (c == '\n') {
            esc = "\\n";
        } else if (c == '\r') {
            esc = "\\r";
        } else if (c == '\t') {
            esc = "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(hex, sizeof hex, "\\x%02x", c);
            esc = hex;
        }
        if (!esc)
            continue;
        buf_append(b, s + run, i - run);
        buf_append_str(b, esc);
        run = i + 1;
    }
    buf_append(b, s + run, len - run);
    buf_append_char(b, q);
}

static void write_value(buf_t *b, const tval_t *v, int repr, int depth);

static void write_dict_items(buf_t *b, const tval_t *v, int depth)
{
    buf_append_char(b, '{');
    if (v->kind == V_JDICT) {
        const char *k;
        json_t *jv;
        int first = 1;
        json_object_foreach((json_t *)v->u.json, k, jv)
        {
            if (!first)
                buf_append(b, ", ", 2);
            first = 0;
            write_py_string(b, k, strlen(k));
            buf_append(b, ": ", 2);
            tval_t item = tv_from_json(jv);
            write_value(b, &item, 1, depth + 1);
        }
    } else {
        for (size_t i = 0; i < v->u.dict->n; i++) {
            if (i)
                buf_append(b, ", ", 2);
            write_value(b, &v->u.dict->keys[i], 1, depth + 1);
            buf_append(b, ": ", 2);
            write_value(b, &v->u.dict->vals[i], 1, depth + 1);
        }
    }
    buf_append_char(b, '}');
}

static void write_value(buf_t *b, const tval_t *v, int repr, int depth)
{
    if (depth > VALUE_MAX_DEPTH) {
        buf_append(b, "...", 3);
        return;
    }
    switch (v->kind) {
    case V_ABSENT:
    case V_UNDEF:
        break;
    case V_NONE:
        buf_append(b, "None", 4);
        break;
    case V_BOOL:
        buf_append_str(b, v->u.i ? "True" : "False");
        break;
    case V_INT:
        write_int(b, v->u.i);
        break;
    case V_FLOAT:
        write_float(b, v->u.f);
        break;
    case V_STR:
        if (repr)
            write_py_string(b, v->u.s, v->len);
        else
            buf_append(b, v->u.s, v->len);
        break;
    case V_LIST:
    case V_JLIST: {
        int tuple = v->kind == V_LIST && v->flag;
        size_t n = tv_seq_len(v);
        buf_append_char(b, tuple ? '(' : '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_append(b, ", ", 2);
            tval_t item = tv_seq_get(v, i);
            write_value(b, &item, 1, depth + 1);
        }
        if (tuple && n == 1)
            buf_append_char(b, ',');
        buf_append_char(b, tuple ? ')' : ']');
        break;
    }
    case V_DICT:
    case V_JDICT:
        if (v->flag) {
            buf_append_str(b, "<Namespace ");
            write_dict_items(b, v, depth);
            buf_append_char(b, '>');
        } else {
            write_dict_items(b, v, depth);
        }
        break;
    case V_LOOP:
        buf_printf(b, "<LoopContext %zu/%zu>", v->u.loop->index0 + 1, v->u.loop->length);
        break;
    case V_FUNC:
        buf_append_str(b, "<built-in function>");
        break;
    case V_METHOD:
        buf_printf(b, "<built-in method %s>", v->u.method->name);
        break;
    case V_MACRO:
        buf_printf(b, "<Macro '%s'>", v->u.node->u.macro.name);
        break;
    }
}

void tv_write_str(buf_t *b, const tval_t *v)
{
    write_value(b, v, 0, 0);
}

void tv_write_repr(buf_t *b, const tval_t *v)
{
    write_value(b, v, 1, 0);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void write_json_string(buf_t *b, const char *s, size_t len)
{
    buf_append_char(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else if (c == '\n') {
            strcpy(esc, "\\n");
        } else if (c == '\r') {
            strcpy(esc, "\\r");
        } else if (c == '\t') {
            strcpy(esc, "\\t");
        } else if (c == '\b') {
            strcpy(esc, "\\b");
        } else if (c == '\f') {
            strcpy(esc, "\\f");
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
        } else {
            continue;
        }
        buf_append(b, s + run, i - run);
        buf_append_str(b, esc);
        run = i + 1;
    }
    buf_append(b, s + run, len - run);
    buf_append_char(b, '"');
}

static void json_newline(buf_t *b, int indent, int level)
{
    buf_append_char(b, '\n');
    for (int i = 0; i < indent * level; i++)
        buf_append_char(b, ' ');
}

typedef struct kv {
    tval_t key; /* a string */
    tval_t val;
} kv_t;

static int kv_cmp(const void *x, const void *y)
{
    const kv_t *a = x, *b = y;
    int c;
    tv_compare(&a->key, &b->key, &c);
    return c;
}

static int write_json(buf_t *b, const tval_t *v, int indent, int sort_keys, int level,
                      const char **bad);

/* A dict key as JSON requires: a string; numbers, booleans and None are converted as Python's
 * json module converts them (into *owned, which the caller frees). */
static int json_key(const tval_t *k, tval_t *out, char **owned, const char **bad)
{
    *owned = NULL;
    if (k->kind == V_STR) {
        *out = *k;
        return 0;
    }
    if (k->kind != V_INT && k->kind != V_FLOAT && k->kind != V_BOOL && k->kind != V_NONE) {
        *bad = tv_type_name(k);
        return -1;
    }
    buf_t tmp;
    buf_init(&tmp);
    if (k->kind == V_BOOL)
        buf_append_str(&tmp, k->u.i ? "true" : "false");
    else if (k->kind == V_NONE)
        buf_append_str(&tmp, "null");
    else
        tv_write_str(&tmp, k);
    size_t len = tmp.len;
    *owned = buf_steal(&tmp);
    *out = tv_str(*owned, len);
    return 0;
}

static int write_json_dict(buf_t *b, const tval_t *v, int indent, int sort_keys, int level,
                           const char **bad)
{
    size_t n = tv_dict_len(v);
    if (n == 0) {
        buf_append(b, "{}", 2);
        return 0;
    }
    kv_t *items = xmalloc(n * sizeof *items);
    char **owned = xcalloc(n, sizeof *owned);
    int rc = 0;
    if (v->kind == V_JDICT) {
        const char *k;
        json_t *jv;
        size_t i = 0;
        json_object_foreach((json_t *)v->u.json, k, jv)
        {
            items[i].key = tv_str(k, strlen(k));
            items[i].val = tv_from_json(jv);
            i++;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (json_key(&v->u.dict->keys[i], &items[i].key, &owned[i], bad) != 0) {
                rc = -1;
                goto done;
            }
            items[i].val = v->u.dict->vals[i];
        }
    }
    if (sort_keys)
        qsort(items, n, sizeof *items, kv_cmp);
    buf_append_char(b, '{');
    for (size_t j = 0; j < n; j++) {
        if (j)
            buf_append_char(b, ',');
        if (indent >= 0)
            json_newline(b, indent, level + 1);
        else if (j)
            buf_append_char(b, ' ');
        write_json_string(b, items[j].key.u.s, items[j].key.len);
        buf_append(b, ": ", 2);
        if (write_json(b, &items[j].val, indent, sort_keys, level + 1, bad) != 0) {
            rc = -1;
            goto done;
        }
    }
    if (indent >= 0)
        json_newline(b, indent, level);
    buf_append_char(b, '}');
done:
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
    free(items);
    return rc;
}

static int write_json(buf_t *b, const tval_t *v, int indent, int sort_keys, int level,
                      const char **bad)
{
    if (level > VALUE_MAX_DEPTH) {
        *bad = "value nested too deeply";
        return -1;
    }
    switch (v->kind) {
    case V_NONE:
        buf_append(b, "null", 4);
        return 0;
    case V_BOOL:
        buf_append_str(b, v->u.i ? "true" : "false");
        return 0;
    case V_INT:
        write_int(b, v->u.i);
        return 0;
    case V_FLOAT:
        if (isnan(v->u.f))
            buf_append_str(b, "NaN");
        else if (isinf(v->u.f))
            buf_append_str(b, v->u.f < 0 ? "-Infinity" : "Infinity");
        else
            write_float(b, v->u.f);
        return 0;
    case V_STR:
        write_json_string(b, v->u.s, v->len);
        return 0;
    case V_LIST:
    case V_JLIST: {
        size_t n = tv_seq_len(v);
        if (n == 0) {
            buf_append(b, "[]", 2);
            return 0;
        }
        buf_append_char(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_append_char(b, ',');
            if (indent >= 0)
                json_newline(b, indent, level + 1);
            else if (i)
                buf_append_char(b, ' ');
            tval_t item = tv_seq_get(v, i);
            if (write_json(b, &item, indent, sort_keys, level + 1, bad) != 0)
                return -1;
        }
        if (indent >= 0)
            json_newline(b, indent, level);
        buf_append_char(b, ']');
        return 0;
    }
    case V_DICT:
        if (v->flag)
            break;
        return write_json_dict(b, v, indent, sort_keys, level, bad);
    case V_JDICT:
        return write_json_dict(b, v, indent, sort_keys, level, bad);
    default:
        break;
    }
    *bad = tv_type_name(v);
    return -1;
}

int tv_write_json(buf_t *b, const tval_t *v, int indent, int sort_keys, const char **bad)
{
    return write_json(b, v, indent, sort_keys, 0, bad);
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

size_t utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

size_t utf8_offset(const char *s, size_t len, size_t i)
{
    size_t at = 0;
    while (at < len && i > 0) {
        at++;
        while (at < len && ((unsigned char)s[at] & 0xC0) == 0x80)
            at++;
        i--;
    }
    return at;
}

int utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}
