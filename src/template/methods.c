/* methods.c - the Python methods templates call on values, and the builtin functions.
 *
 * Chat templates call Python methods directly: message['content'].strip(), content.split(
 * '</think>')[-1], messages[0].get('role'), tools.items(). Jinja's sandbox allows these on
 * strings and dicts; this file implements the common ones with Python's semantics, plus
 * loop.cycle(). Builtins: range(), namespace(), dict() and raise_exception(msg), which HF chat
 * templates use to reject bad conversations (it fails the render with template_error). */
#include "template/template_internal.h"

#include <stdio.h>
#include <string.h>

enum { ON_STR = 1, ON_DICT = 2 };

typedef int (*method_fn)(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out);

typedef struct method {
    uint8_t on;
    method_fn fn;
    callspec_t spec; /* name and parameters; fn unused */
} method_t;

static int absent(const tval_t *v)
{
    return v->kind == V_ABSENT || v->kind == V_NONE;
}

static int need_str(rctx_t *r, const node_t *n, const tval_t *v, const char *what)
{
    if (v->kind != V_STR)
        return r_type_error(r, n, "%s must be a string, not %s", what, tv_a_type(v));
    return 0;
}

/* ---- string methods ------------------------------------------------------------------------- */

static int strip_common(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out,
                        int left, int right)
{
    if (absent(&args[0]))
        return str_strip(r, n, self, NULL, left, right, out);
    if (need_str(r, n, &args[0], "strip characters") != 0)
        return -1;
    return str_strip(r, n, self, &args[0], left, right, out);
}

static int m_strip(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    return strip_common(r, n, self, args, out, 1, 1);
}

static int m_lstrip(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    return strip_common(r, n, self, args, out, 1, 0);
}

static int m_rstrip(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    return strip_common(r, n, self, args, out, 0, 1);
}

/* upper(), lower(), title(), capitalize(): the filters of the same name. */
static int via_filter(rctx_t *r, const node_t *n, const tval_t *self, const char *name, tval_t *out)
{
    const callspec_t *f = filter_find(name, strlen(name));
    tval_t in = *self, none[6] = {{0}};
    return f->fn.filter(r, n, &in, none, out);
}

static int m_upper(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)args;
    return via_filter(r, n, self, "upper", out);
}

static int m_lower(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)args;
    return via_filter(r, n, self, "lower", out);
}

static int m_title(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)args;
    return via_filter(r, n, self, "title", out);
}

static int m_capitalize(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)args;
    return via_filter(r, n, self, "capitalize", out);
}

/* startswith / endswith: a string or a tuple / list of strings. */
static int affix(rctx_t *r, const node_t *n, const tval_t *self, const tval_t *arg, int end,
                 tval_t *out)
{
    if (tv_is_list(arg)) {
        size_t len = tv_seq_len(arg);
        for (size_t i = 0; i < len; i++) {
            tval_t a = tv_seq_get(arg, i);
            if (affix(r, n, self, &a, end, out) != 0)
                return -1;
            if (out->u.i)
                return 0;
        }
        *out = tv_bool(0);
        return 0;
    }
    if (need_str(r, n, arg, end ? "endswith's argument" : "startswith's argument") != 0)
        return -1;
    int ok = arg->len <= self->len &&
             memcmp(self->u.s + (end ? self->len - arg->len : 0), arg->u.s, arg->len) == 0;
    *out = tv_bool(ok);
    return 0;
}

static int m_startswith(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    return affix(r, n, self, &args[0], 0, out);
}

static int m_endswith(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    return affix(r, n, self, &args[0], 1, out);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Python's str.split(sep=None, maxsplit=-1). */
static int m_split(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    int64_t maxsplit = -1;
    if (!absent(&args[1])) {
        if (args[1].kind != V_INT)
            return r_type_error(r, n, "split: maxsplit must be an integer");
        maxsplit = args[1].u.i;
    }
    const char *s = self->u.s;
    size_t len = self->len;
    /* Two passes: count the parts, then fill them in. */
    for (int pass = 0; pass < 2; pass++) {
        size_t parts = 0, at = 0;
        int64_t splits = 0;
        if (absent(&args[0])) {
            while (at < len) {
                while (at < len && is_space(s[at]))
                    at++;
                if (at >= len)
                    break;
                size_t e = at;
                if (maxsplit >= 0 && splits >= maxsplit) {
                    e = len;
                    while (e > at && is_space(s[e - 1]))
                        e--;
                } else {
                    while (e < len && !is_space(s[e]))
                        e++;
                }
                if (pass)
                    out->u.list->items[parts] = tv_str(s + at, e - at);
                parts++;
                splits++;
                at = e;
                if (maxsplit >= 0 && splits > maxsplit)
                    break;
            }
        } else {
            if (need_str(r, n, &args[0], "split's separator") != 0)
                return -1;
            const tval_t *sep = &args[0];
            if (sep->len == 0)
                return r_type_error(r, n, "split: empty separator");
            for (;;) {
                const char *hit = (maxsplit < 0 || splits < maxsplit)
                                      ? memmem(s + at, len - at, sep->u.s, sep->len)
                                      : NULL;
                size_t e = hit ? (size_t)(hit - s) : len;
                if (pass)
                    out->u.list->items[parts] = tv_str(s + at, e - at);
                parts++;
                if (!hit)
                    break;
                splits++;
                at = e + sep->len;
            }
        }
        if (!pass && r_new_list(r, n, parts, out) != 0)
            return -1;
    }
    return 0;
}

static int m_replace(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    if (need_str(r, n, &args[0], "replace's old") != 0 ||
        need_str(r, n, &args[1], "replace's new") != 0)
        return -1;
    int64_t count = -1;
    if (!absent(&args[2])) {
        if (args[2].kind != V_INT)
            return r_type_error(r, n, "replace: count must be an integer");
        count = args[2].u.i;
    }
    return str_replace(r, n, self, &args[0], &args[1], count, out);
}

static int m_find(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    if (need_str(r, n, &args[0], "find's argument") != 0)
        return -1;
    const char *hit =
        args[0].len == 0 ? self->u.s : memmem(self->u.s, self->len, args[0].u.s, args[0].len);
    *out = tv_int(hit ? (int64_t)utf8_count(self->u.s, (size_t)(hit - self->u.s)) : -1);
    return 0;
}

static int m_count(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    if (need_str(r, n, &args[0], "count's argument") != 0)
        return -1;
    if (args[0].len == 0) {
        *out = tv_int((int64_t)utf8_count(self->u.s, self->len) + 1);
        return 0;
    }
    int64_t c = 0;
    size_t at = 0;
    const char *hit;
    while ((hit = memmem(self->u.s + at, self->len - at, args[0].u.s, args[0].len))) {
        c++;
        at = (size_t)(hit - self->u.s) + args[0].len;
    }
    *out = tv_int(c);
    return 0;
}

static int m_join(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    tval_t seq;
    if (r_iterable(r, n, &args[0], &seq) != 0)
        return -1;
    size_t len = tv_seq_len(&seq);
    if (r_count_iterations(r, n, len) != 0)
        return -1;
    buf_t b;
    buf_init(&b);
    int rc = 0;
    for (size_t i = 0; i < len; i++) {
        tval_t item = tv_seq_get(&seq, i);
        if (item.kind != V_STR) {
            rc = r_type_error(r, n, "join: item %zu is %s, not a string", i, tv_a_type(&item));
            break;
        }
        if (i)
            buf_append(&b, self->u.s, self->len);
        buf_append(&b, item.u.s, item.len);
        if (r_buf_over(r, &b)) {
            rc = r_memory_error(r, n);
            break;
        }
    }
    if (rc == 0)
        rc = r_str_from_buf(r, n, &b, out);
    buf_free(&b);
    return rc;
}

/* ---- dict methods --------------------------------------------------------------------------- */

static int m_items(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)args;
    const callspec_t *f = filter_find("items", 5);
    tval_t in = *self, none[6] = {{0}};
    return f->fn.filter(r, n, &in, none, out);
}

static int keys_or_values(rctx_t *r, const node_t *n, const tval_t *self, int values, tval_t *out)
{
    size_t len = tv_dict_len(self), i = 0;
    if (r_new_list(r, n, len, out) != 0)
        return -1;
    if (self->kind == V_DICT) {
        for (; i < len; i++)
            out->u.list->items[i] = values ? self->u.dict->vals[i] : self->u.dict->keys[i];
        return 0;
    }
    const char *k;
    json_t *jv;
    json_object_foreach((json_t *)self->u.json, k, jv)
    {
        out->u.list->items[i++] = values ? tv_from_json(jv) : tv_str(k, strlen(k));
    }
    return 0;
}

static int m_keys(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)args;
    return keys_or_values(r, n, self, 0, out);
}

static int m_values(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)args;
    return keys_or_values(r, n, self, 1, out);
}

static int m_get(rctx_t *r, const node_t *n, const tval_t *self, tval_t *args, tval_t *out)
{
    (void)r;
    (void)n;
    if (tv_dict_get_value(self, &args[0], out))
        return 0;
    *out = args[1].kind == V_ABSENT ? tv_none() : args[1];
    return 0;
}

#define M(on, nm, f, np, nr, ...)                                                                  \
    {                                                                                              \
        on, f,                                                                                     \
        {                                                                                          \
            nm, {NULL}, np, nr, 0,                                                                 \
            {                                                                                      \
                __VA_ARGS__                                                                        \
            }                                                                                      \
        }                                                                                          \
    }

static const method_t methods[] = {
    M(ON_STR, "strip", m_strip, 1, 0, "chars"),
    M(ON_STR, "lstrip", m_lstrip, 1, 0, "chars"),
    M(ON_STR, "rstrip", m_rstrip, 1, 0, "chars"),
    M(ON_STR, "upper", m_upper, 0, 0, NULL),
    M(ON_STR, "lower", m_lower, 0, 0, NULL),
    M(ON_STR, "title", m_title, 0, 0, NULL),
    M(ON_STR, "capitalize", m_capitalize, 0, 0, NULL),
    M(ON_STR, "startswith", m_startswith, 1, 1, "prefix"),
    M(ON_STR, "endswith", m_endswith, 1, 1, "suffix"),
    M(ON_STR, "split", m_split, 2, 0, "sep", "maxsplit"),
    M(ON_STR, "replace", m_replace, 3, 2, "old", "new", "count"),
    M(ON_STR, "find", m_find, 1, 1, "sub"),
    M(ON_STR, "count", m_count, 1, 1, "sub"),
    M(ON_STR, "join", m_join, 1, 1, "iterable"),
    M(ON_DICT, "items", m_items, 0, 0, NULL),
    M(ON_DICT, "keys", m_keys, 0, 0, NULL),
    M(ON_DICT, "values", m_values, 0, 0, NULL),
    M(ON_DICT, "get", m_get, 2, 1, "key", "default"),
};

static const method_t *method_lookup(const tval_t *recv, const char *name, size_t len)
{
    int on = recv->kind == V_STR ? ON_STR : tv_is_dict(recv) && !recv->flag ? ON_DICT : 0;
    if (!on)
        return NULL;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        const method_t *m = &methods[i];
        if (m->on == on && strlen(m->spec.name) == len && memcmp(m->spec.name, name, len) == 0)
            return m;
    }
    return NULL;
}

const char *method_find(const tval_t *recv, const char *name, size_t len)
{
    const method_t *m = method_lookup(recv, name, len);
    return m ? m->spec.name : NULL;
}

unsigned attr_hints(const char *name, size_t len)
{
    static const char *const loop_names[] = {
        [LOOP_INDEX] = "index",         [LOOP_INDEX0] = "index0",     [LOOP_REVINDEX] = "revindex",
        [LOOP_REVINDEX0] = "revindex0", [LOOP_FIRST] = "first",       [LOOP_LAST] = "last",
        [LOOP_LENGTH] = "length",       [LOOP_DEPTH] = "depth",       [LOOP_DEPTH0] = "depth0",
        [LOOP_PREVITEM] = "previtem",   [LOOP_NEXTITEM] = "nextitem", [LOOP_CYCLE] = "cycle",
    };
    unsigned hints = 0;
    tval_t str = tv_str("", 0), dict = {.kind = V_DICT};
    if (method_lookup(&dict, name, len))
        hints |= ATTR_DICT_METHOD;
    if (method_lookup(&str, name, len))
        hints |= ATTR_STR_METHOD;
    for (unsigned i = 1; i < sizeof loop_names / sizeof loop_names[0]; i++)
        if (strlen(loop_names[i]) == len && memcmp(loop_names[i], name, len) == 0)
            hints |= i << ATTR_LOOP_SHIFT;
    return hints;
}

/* loop.cycle('odd', 'even'): the argument at the current index, round robin. */
static int loop_cycle(rctx_t *r, const node_t *n, const loopstate_t *ls, const tval_t *args,
                      size_t nargs, size_t nkw, tval_t *out)
{
    if (nargs == 0 || nkw)
        return r_type_error(r, n, "loop.cycle needs positional arguments");
    *out = args[ls->index0 % nargs];
    return 0;
}

int method_call(rctx_t *r, const node_t *n, const tval_t *recv, const char *name,
                const tval_t *args, size_t nargs, const char *const *kwnames, const tval_t *kwvals,
                size_t nkw, tval_t *out)
{
    if (recv->kind == V_LOOP && strcmp(name, "cycle") == 0)
        return loop_cycle(r, n, recv->u.loop, args, nargs, nkw, out);
    const method_t *m = method_lookup(recv, name, strlen(name));
    if (!m)
        return r_type_error(r, n, "%s has no method '%s'", tv_a_type(recv), name);
    int pos_slot[TEMPLATE_MAX_ARGS], kw_slot[TEMPLATE_MAX_ARGS];
    char why[160];
    if (nargs > TEMPLATE_MAX_ARGS || nkw > TEMPLATE_MAX_ARGS ||
        callspec_bind(&m->spec, nargs, kwnames, nkw, pos_slot, kw_slot, why, sizeof why) != 0)
        return r_type_error(r, n, "%s() %s", name, nargs > TEMPLATE_MAX_ARGS ? "too many" : why);
    tval_t slots[6] = {{0}};
    for (size_t i = 0; i < nargs; i++)
        slots[pos_slot[i]] = args[i];
    for (size_t i = 0; i < nkw; i++)
        slots[kw_slot[i]] = kwvals[i];
    return m->fn(r, n, recv, slots, out);
}

/* ---- builtins ------------------------------------------------------------------------------- */

int builtin_lookup(const char *name)
{
    if (strcmp(name, "range") == 0)
        return BUILTIN_RANGE;
    if (strcmp(name, "namespace") == 0)
        return BUILTIN_NAMESPACE;
    if (strcmp(name, "dict") == 0)
        return BUILTIN_DICT;
    if (strcmp(name, "raise_exception") == 0)
        return BUILTIN_RAISE_EXCEPTION;
    return BUILTIN_NONE;
}

static int b_range(rctx_t *r, const node_t *n, const tval_t *args, size_t nargs, size_t nkw,
                   tval_t *out)
{
    if (nkw || nargs < 1 || nargs > 3)
        return r_type_error(r, n, "range() takes 1 to 3 integer arguments");
    int64_t v[3];
    for (size_t i = 0; i < nargs; i++) {
        if (args[i].kind != V_INT && args[i].kind != V_BOOL)
            return r_type_error(r, n, "range() arguments must be integers, not %s",
                                tv_a_type(&args[i]));
        v[i] = args[i].u.i;
    }
    int64_t start = nargs == 1 ? 0 : v[0], stop = nargs == 1 ? v[0] : v[1];
    int64_t step = nargs == 3 ? v[2] : 1;
    if (step == 0)
        return r_type_error(r, n, "range() step must not be zero");
    /* the count in unsigned arithmetic so extreme bounds cannot overflow */
    uint64_t count = 0;
    if (step > 0 && stop > start)
        count = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1;
    else if (step < 0 && start > stop)
        count = ((uint64_t)start - (uint64_t)stop - 1) / (uint64_t)(-(step + 1) + 1ull) + 1;
    if (count > r->max_iterations)
        return r_error(r, n, "template_limit", "range of %llu items exceeds %zu iterations",
                       (unsigned long long)count, r->max_iterations);
    if (r_new_list(r, n, (size_t)count, out) != 0)
        return -1;
    for (uint64_t i = 0; i < count; i++)
        out->u.list->items[i] = tv_int((int64_t)((uint64_t)start + i * (uint64_t)step));
    return 0;
}

/* namespace(a=1) / namespace(d, a=1) / dict(a=1): a dict from keyword arguments. */
static int b_dictlike(rctx_t *r, const node_t *n, const tval_t *args, size_t nargs,
                      const char *const *kwnames, const tval_t *kwvals, size_t nkw, int ns,
                      tval_t *out)
{
    tdict_t *d = r_alloc(r, n, sizeof *d);
    if (!d)
        return -1;
    memset(d, 0, sizeof *d);
    if (nargs > 1)
        return r_type_error(r, n, "%s() takes at most one positional argument",
                            ns ? "namespace" : "dict");
    if (nargs == 1) {
        if (!tv_is_dict(&args[0]) || args[0].flag)
            return r_type_error(r, n, "%s() positional argument must be a dict",
                                ns ? "namespace" : "dict");
        tval_t keys;
        if (r_iterable(r, n, &args[0], &keys) != 0)
            return -1;
        for (size_t i = 0; i < tv_seq_len(&keys); i++) {
            tval_t k = tv_seq_get(&keys, i), v;
            tv_dict_get_value(&args[0], &k, &v);
            if (r_dict_set(r, n, d, &k, &v) != 0)
                return -1;
        }
    }
    for (size_t i = 0; i < nkw; i++) {
        tval_t k = tv_str(kwnames[i], strlen(kwnames[i]));
        if (r_dict_set(r, n, d, &k, &kwvals[i]) != 0)
            return -1;
    }
    out->kind = V_DICT;
    out->flag = (uint8_t)ns;
    out->u.dict = d;
    return 0;
}

int builtin_call(rctx_t *r, const node_t *n, int id, const tval_t *args, size_t nargs,
                 const char *const *kwnames, const tval_t *kwvals, size_t nkw, tval_t *out)
{
    switch (id) {
    case BUILTIN_RANGE:
        return b_range(r, n, args, nargs, nkw, out);
    case BUILTIN_NAMESPACE:
        return b_dictlike(r, n, args, nargs, kwnames, kwvals, nkw, 1, out);
    case BUILTIN_DICT:
        return b_dictlike(r, n, args, nargs, kwnames, kwvals, nkw, 0, out);
    case BUILTIN_RAISE_EXCEPTION: {
        if (nargs < 1)
            return r_type_error(r, n, "raise_exception() needs a message");
        buf_t b;
        buf_init(&b);
        tv_write_str(&b, &args[0]);
        r_type_error(r, n, "%s", buf_str(&b));
        buf_free(&b);
        return -1;
    }
    default:
        return r_type_error(r, n, "unknown function");
    }
}
