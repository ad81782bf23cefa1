/* eval.c - evaluates expressions: names, attribute / item / slice access, literals, operators
 * with Python's semantics (integer floor division and modulo, string and list concatenation and
 * repetition, chained comparisons, `in`), inline if, filters, tests and calls.
 *
 * Undefined values flow through evaluation untouched (so `default` and `is defined` can see
 * them, and `a.b.c` on a missing `a` stays undefined and names `a`); they become an error (strict)
 * or an empty string (lenient) only where a real value is used, via r_resolve. */
#include "template/template_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static tval_t undef_at(const node_t *n)
{
    tval_t v = {.kind = V_UNDEF, .u.node = n};
    return v;
}

/* ---- names ---------------------------------------------------------------------------------- */

void r_lookup(rctx_t *r, const node_t *n, const char *name, size_t len, int builtin, tval_t *out)
{
    for (size_t i = r->nscope; i-- > r->floor;) {
        if (r->scope[i].name == name) {
            *out = r->scope[i].val;
            return;
        }
    }
    if (r->in_macro) { /* a macro sees its own frame and the template-level names */
        for (size_t i = r->root_end; i-- > 0;) {
            if (r->scope[i].name == name) {
                *out = r->scope[i].val;
                return;
            }
        }
    }
    if (r->vars) {
        json_t *j = json_object_getn(r->vars, name, len);
        if (j) {
            *out = tv_from_json(j);
            return;
        }
    }
    if (builtin) {
        tval_t f = {.kind = V_FUNC, .u.i = builtin};
        *out = f;
        return;
    }
    *out = undef_at(n);
}

/* ---- attributes and items ------------------------------------------------------------------- */

static int make_method(rctx_t *r, const node_t *n, const tval_t *self, const char *name,
                       tval_t *out)
{
    tmethod_t *m = r_alloc(r, n, sizeof *m);
    if (!m)
        return -1;
    m->self = *self;
    m->name = name;
    out->kind = V_METHOD;
    out->u.method = m;
    return 0;
}

static int loop_attr(const node_t *n, const loopstate_t *ls, unsigned which, tval_t *out)
{
    size_t i = ls->index0, len = ls->length;
    switch (which) {
    case LOOP_INDEX:
        *out = tv_int((int64_t)i + 1);
        break;
    case LOOP_INDEX0:
        *out = tv_int((int64_t)i);
        break;
    case LOOP_REVINDEX:
        *out = tv_int((int64_t)(len - i));
        break;
    case LOOP_REVINDEX0:
        *out = tv_int((int64_t)(len - i - 1));
        break;
    case LOOP_FIRST:
        *out = tv_bool(i == 0);
        break;
    case LOOP_LAST:
        *out = tv_bool(i + 1 == len);
        break;
    case LOOP_LENGTH:
        *out = tv_int((int64_t)len);
        break;
    case LOOP_DEPTH:
        *out = tv_int(ls->depth0 + 1);
        break;
    case LOOP_DEPTH0:
        *out = tv_int(ls->depth0);
        break;
    case LOOP_PREVITEM:
        *out = i > 0 ? tv_seq_get(&ls->seq, i - 1) : undef_at(n);
        break;
    case LOOP_NEXTITEM:
        *out = i + 1 < len ? tv_seq_get(&ls->seq, i + 1) : undef_at(n);
        break;
    default:
        *out = undef_at(n);
    }
    return 0;
}

int r_getattr(rctx_t *r, const node_t *n, const tval_t *obj, const char *name, size_t len,
              unsigned hints, tval_t *out)
{
    const char *m;
    switch (obj->kind) {
    case V_UNDEF:
        *out = *obj; /* keeps naming the first missing part */
        return 0;
    case V_DICT:
    case V_JDICT:
        /* Jinja's getattr tries the attribute first: d.items is the method, d.role the key. */
        if ((hints & ATTR_DICT_METHOD) && !obj->flag && (m = method_find(obj, name, len)))
            return make_method(r, n, obj, m, out);
        if (tv_dict_get(obj, name, len, out))
            return 0;
        break;
    case V_STR:
        if ((hints & ATTR_STR_METHOD) && (m = method_find(obj, name, len)))
            return make_method(r, n, obj, m, out);
        break;
    case V_LOOP:
        if ((hints >> ATTR_LOOP_SHIFT) == LOOP_CYCLE)
            return make_method(r, n, obj, "cycle", out);
        return loop_attr(n, obj->u.loop, hints >> ATTR_LOOP_SHIFT, out);
    default:
        break;
    }
    *out = undef_at(n);
    return 0;
}

int r_getitem(rctx_t *r, const node_t *n, const tval_t *obj, const tval_t *keyv, tval_t *out)
{
    if (obj->kind == V_UNDEF) {
        *out = *obj;
        return 0;
    }
    tval_t key = *keyv;
    if (r_resolve(r, &key) != 0)
        return -1;
    switch (obj->kind) {
    case V_LIST:
    case V_JLIST:
        if (key.kind == V_INT || key.kind == V_BOOL) {
            int64_t len = (int64_t)tv_seq_len(obj), i = key.u.i;
            if (i < 0)
                i += len;
            if (i >= 0 && i < len) {
                *out = tv_seq_get(obj, (size_t)i);
                return 0;
            }
        }
        break;
    case V_DICT:
    case V_JDICT:
        if (tv_dict_get_value(obj, &key, out))
            return 0;
        /* Jinja's getitem falls back to the attribute: d['items'] is the method. */
        if (key.kind == V_STR && !obj->flag) {
            const char *m = method_find(obj, key.u.s, key.len);
            if (m)
                return make_method(r, n, obj, m, out);
        }
        break;
    case V_STR:
        if (key.kind == V_INT || key.kind == V_BOOL) {
            int64_t len = (int64_t)utf8_count(obj->u.s, obj->len), i = key.u.i;
            if (i < 0)
                i += len;
            if (i >= 0 && i < len) {
                size_t a = utf8_offset(obj->u.s, obj->len, (size_t)i);
                size_t b = a + utf8_offset(obj->u.s + a, obj->len - a, 1);
                *out = tv_str(obj->u.s + a, b - a);
                return 0;
            }
        }
        break;
    case V_LOOP:
        if (key.kind == V_STR) {
            unsigned which = attr_hints(key.u.s, key.len) >> ATTR_LOOP_SHIFT;
            return loop_attr(n, obj->u.loop, which == LOOP_CYCLE ? LOOP_NONE : which, out);
        }
        break;
    default:
        break;
    }
    *out = undef_at(n);
    return 0;
}

/* ---- slicing -------------------------------------------------------------------------------- */

static int slice_bound(rctx_t *r, const node_t *n, const tval_t *v, int64_t *out, int *present)
{
    if (v->kind == V_ABSENT || v->kind == V_NONE) {
        *present = 0;
        return 0;
    }
    tval_t x = *v;
    if (r_resolve(r, &x) != 0)
        return -1;
    if (x.kind != V_INT && x.kind != V_BOOL)
        return r_type_error(r, n, "slice indices must be integers or none, not %s", tv_a_type(&x));
    *out = x.u.i;
    *present = 1;
    return 0;
}

/* Python's slice index adjustment: the first index, the step and the number of items. */
static int slice_plan(rctx_t *r, const node_t *n, int64_t len, const tval_t *sv, const tval_t *ev,
                      const tval_t *stv, int64_t *first, int64_t *step, int64_t *count)
{
    int64_t start = 0, stop = 0, st = 1;
    int has_start, has_stop, has_step;
    if (slice_bound(r, n, sv, &start, &has_start) != 0 ||
        slice_bound(r, n, ev, &stop, &has_stop) != 0 || slice_bound(r, n, stv, &st, &has_step) != 0)
        return -1;
    if (!has_step)
        st = 1;
    if (st == 0)
        return r_type_error(r, n, "slice step cannot be zero");
    if (st == INT64_MIN)
        st = -INT64_MAX;
    if (!has_start)
        start = st < 0 ? len - 1 : 0;
    else if (start < 0) {
        start += len;
        if (start < 0)
            start = st < 0 ? -1 : 0;
    } else if (start >= len) {
        start = st < 0 ? len - 1 : len;
    }
    if (!has_stop)
        stop = st < 0 ? -1 : len;
    else if (stop < 0) {
        stop += len;
        if (stop < 0)
            stop = st < 0 ? -1 : 0;
    } else if (stop >= len) {
        stop = st < 0 ? len - 1 : len;
    }
    if (st > 0)
        *count = stop > start ? (stop - start - 1) / st + 1 : 0;
    else
        *count = start > stop ? (start - stop - 1) / (-st) + 1 : 0;
    *first = start;
    *step = st;
    return 0;
}

int r_slice(rctx_t *r, const node_t *n, const tval_t *v, const tval_t *start, const tval_t *stop,
            const tval_t *step, tval_t *out)
{
    tval_t obj = *v;
    if (obj.kind == V_UNDEF && r->lenient) {
        *out = obj;
        return 0;
    }
    if (r_resolve(r, &obj) != 0)
        return -1;
    int64_t first, st, count;
    if (tv_is_list(&obj)) {
        if (slice_plan(r, n, (int64_t)tv_seq_len(&obj), start, stop, step, &first, &st, &count) !=
                0 ||
            r_new_list(r, n, (size_t)count, out) != 0)
            return -1;
        for (int64_t i = 0; i < count; i++)
            out->u.list->items[i] = tv_seq_get(&obj, (size_t)(first + i * st));
        out->flag = obj.kind == V_LIST ? obj.flag : 0;
        return 0;
    }
    if (obj.kind == V_STR) {
        int64_t len = (int64_t)utf8_count(obj.u.s, obj.len);
        if (slice_plan(r, n, len, start, stop, step, &first, &st, &count) != 0)
            return -1;
        if (count == 0) {
            *out = tv_str("", 0);
            return 0;
        }
        if (st == 1) { /* a substring: no copy */
            size_t a = utf8_offset(obj.u.s, obj.len, (size_t)first);
            size_t b = a + utf8_offset(obj.u.s + a, obj.len - a, (size_t)count);
            *out = tv_str(obj.u.s + a, b - a);
            return 0;
        }
        /* Any other step: index the characters, then pick. */
        size_t *offs = r_alloc(r, n, ((size_t)len + 1) * sizeof *offs);
        char *d = r_alloc(r, n, obj.len + 1);
        if (!offs || !d)
            return -1;
        size_t k = 0;
        for (size_t i = 0; i < obj.len; i++)
            if (((unsigned char)obj.u.s[i] & 0xC0) != 0x80)
                offs[k++] = i;
        offs[k] = obj.len;
        size_t dl = 0;
        for (int64_t i = 0; i < count; i++) {
            size_t c = (size_t)(first + i * st);
            memcpy(d + dl, obj.u.s + offs[c], offs[c + 1] - offs[c]);
            dl += offs[c + 1] - offs[c];
        }
        *out = tv_str(d, dl);
        return 0;
    }
    return r_type_error(r, n, "cannot slice %s", tv_a_type(&obj));
}

/* ---- arithmetic ----------------------------------------------------------------------------- */

static const char *const binop_names[] = {
    [OP_ADD] = "+",       [OP_SUB] = "-", [OP_MUL] = "*",  [OP_DIV] = "/",
    [OP_FLOORDIV] = "//", [OP_MOD] = "%", [OP_POW] = "**",
};

static int overflow(rctx_t *r, const node_t *n)
{
    return r_type_error(r, n, "integer overflow");
}

static int int_arith(rctx_t *r, const node_t *n, int op, int64_t a, int64_t b, tval_t *out)
{
    int64_t v;
    switch (op) {
    case OP_ADD:
        if (__builtin_add_overflow(a, b, &v))
            return overflow(r, n);
        break;
    case OP_SUB:
        if (__builtin_sub_overflow(a, b, &v))
            return overflow(r, n);
        break;
    case OP_MUL:
        if (__builtin_mul_overflow(a, b, &v))
            return overflow(r, n);
        break;
    case OP_DIV:
        if (b == 0)
            return r_type_error(r, n, "division by zero");
        *out = tv_float((double)a / (double)b);
        return 0;
    case OP_FLOORDIV:
        if (b == 0)
            return r_type_error(r, n, "division by zero");
        if (a == INT64_MIN && b == -1)
            return overflow(r, n);
        v = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0)))
            v--;
        break;
    case OP_MOD:
        if (b == 0)
            return r_type_error(r, n, "division by zero");
        if (b == -1) {
            v = 0;
            break;
        }
        v = a % b;
        if (v != 0 && ((v < 0) != (b < 0)))
            v += b;
        break;
    case OP_POW:
        if (b < 0) {
            if (a == 0)
                return r_type_error(r, n, "zero cannot be raised to a negative power");
            *out = tv_float(pow((double)a, (double)b));
            return 0;
        }
        v = 1;
        for (int64_t base = a, e = b;;) {
            if (e & 1)
                if (__builtin_mul_overflow(v, base, &v))
                    return overflow(r, n);
            e >>= 1;
            if (!e)
                break;
            if (__builtin_mul_overflow(base, base, &base))
                return overflow(r, n);
        }
        break;
    default:
        return r_type_error(r, n, "bad operator");
    }
    *out = tv_int(v);
    return 0;
}

static int float_arith(rctx_t *r, const node_t *n, int op, double a, double b, tval_t *out)
{
    double v;
    switch (op) {
    case OP_ADD:
        v = a + b;
        break;
    case OP_SUB:
        v = a - b;
        break;
    case OP_MUL:
        v = a * b;
        break;
    case OP_DIV:
        if (b == 0)
            return r_type_error(r, n, "division by zero");
        v = a / b;
        break;
    case OP_FLOORDIV:
        if (b == 0)
            return r_type_error(r, n, "division by zero");
        v = floor(a / b);
        break;
    case OP_MOD:
        if (b == 0)
            return r_type_error(r, n, "division by zero");
        v = fmod(a, b);
        if (v != 0 && ((v < 0) != (b < 0)))
            v += b;
        break;
    case OP_POW:
        if (a == 0 && b < 0)
            return r_type_error(r, n, "zero cannot be raised to a negative power");
        v = pow(a, b);
        break;
    default:
        return r_type_error(r, n, "bad operator");
    }
    *out = tv_float(v);
    return 0;
}

/* s repeated times times (a string or a list). */
static int repeat(rctx_t *r, const node_t *n, const tval_t *s, int64_t times, tval_t *out)
{
    size_t len = s->kind == V_STR ? s->len : tv_seq_len(s);
    if (times <= 0 || len == 0)
        times = 0;
    if ((uint64_t)times > (uint64_t)UINT32_MAX / (len ? len : 1))
        return r_memory_error(r, n);
    if (s->kind == V_STR) {
        size_t total = (size_t)times * len;
        char *d = r_alloc(r, n, total + 1);
        if (!d)
            return -1;
        if (total) { /* copy once, then double what is there */
            memcpy(d, s->u.s, len);
            for (size_t done = len; done < total;) {
                size_t k = done < total - done ? done : total - done;
                memcpy(d + done, d, k);
                done += k;
            }
        }
        d[total] = '\0';
        *out = tv_str(d, total);
        return 0;
    }
    if (r_count_iterations(r, n, (size_t)times * len) != 0 ||
        r_new_list(r, n, (size_t)times * len, out) != 0)
        return -1;
    for (size_t i = 0; i < (size_t)times; i++)
        for (size_t j = 0; j < len; j++)
            out->u.list->items[i * len + j] = tv_seq_get(s, j);
    out->flag = s->kind == V_LIST ? s->flag : 0;
    return 0;
}

static int concat_strings(rctx_t *r, const node_t *n, const tval_t *a, const tval_t *b, tval_t *out)
{
    if (a->len == 0) {
        *out = *b;
        return 0;
    }
    if (b->len == 0) {
        *out = *a;
        return 0;
    }
    size_t len = (size_t)a->len + b->len;
    if (len > UINT32_MAX)
        return r_memory_error(r, n);
    char *d = r_alloc(r, n, len + 1);
    if (!d)
        return -1;
    memcpy(d, a->u.s, a->len);
    memcpy(d + a->len, b->u.s, b->len);
    d[len] = '\0';
    *out = tv_str(d, len);
    return 0;
}

int r_arith(rctx_t *r, const node_t *n, int op, tval_t *a, tval_t *b, tval_t *out)
{
    if (r_resolve(r, a) != 0 || r_resolve(r, b) != 0)
        return -1;
    if (tv_is_number(a) && tv_is_number(b)) {
        if (a->kind != V_FLOAT && b->kind != V_FLOAT)
            return int_arith(r, n, op, a->u.i, b->u.i, out);
        return float_arith(r, n, op, tv_as_double(a), tv_as_double(b), out);
    }
    if (op == OP_ADD && a->kind == V_STR && b->kind == V_STR)
        return concat_strings(r, n, a, b, out);
    if (op == OP_ADD && tv_is_list(a) && tv_is_list(b)) {
        size_t na = tv_seq_len(a), nb = tv_seq_len(b);
        if (r_new_list(r, n, na + nb, out) != 0)
            return -1;
        for (size_t i = 0; i < na; i++)
            out->u.list->items[i] = tv_seq_get(a, i);
        for (size_t i = 0; i < nb; i++)
            out->u.list->items[na + i] = tv_seq_get(b, i);
        out->flag = a->kind == V_LIST && a->flag && b->kind == V_LIST && b->flag;
        return 0;
    }
    if (op == OP_MUL) {
        if ((a->kind == V_STR || tv_is_list(a)) && (b->kind == V_INT || b->kind == V_BOOL))
            return repeat(r, n, a, b->u.i, out);
        if ((b->kind == V_STR || tv_is_list(b)) && (a->kind == V_INT || a->kind == V_BOOL))
            return repeat(r, n, b, a->u.i, out);
    }
    return r_type_error(r, n, "unsupported operand types for %s: %s and %s", binop_names[op],
                        tv_a_type(a), tv_a_type(b));
}

/* ---- comparisons ---------------------------------------------------------------------------- */

static int contains(rctx_t *r, const node_t *n, tval_t *item, tval_t *container, int *res)
{
    if (r_resolve(r, item) != 0 || r_resolve(r, container) != 0)
        return -1;
    switch (container->kind) {
    case V_STR:
        if (item->kind != V_STR)
            return r_type_error(r, n, "'in <string>' requires a string on the left, not %s",
                                tv_a_type(item));
        *res = item->len == 0 ||
               (item->len <= container->len &&
                memmem(container->u.s, container->len, item->u.s, item->len) != NULL);
        return 0;
    case V_LIST:
    case V_JLIST: {
        size_t len = tv_seq_len(container);
        if (r_count_iterations(r, n, len) != 0) /* walking a list is loop work too */
            return -1;
        for (size_t i = 0; i < len; i++) {
            tval_t x = tv_seq_get(container, i);
            if (tv_equal(&x, item)) {
                *res = 1;
                return 0;
            }
        }
        *res = 0;
        return 0;
    }
    case V_DICT:
    case V_JDICT: {
        tval_t dummy;
        *res = tv_dict_get_value(container, item, &dummy);
        return 0;
    }
    default:
        return r_type_error(r, n, "cannot test membership in %s", tv_a_type(container));
    }
}

static const char *const cmp_names[] = {
    [CMP_EQ] = "==", [CMP_NE] = "!=", [CMP_LT] = "<",  [CMP_LE] = "<=",
    [CMP_GT] = ">",  [CMP_GE] = ">=", [CMP_IN] = "in", [CMP_NOTIN] = "not in",
};

static int compare_op(rctx_t *r, const node_t *n, int op, tval_t *a, tval_t *b, int *res)
{
    if (a->kind == V_STR && b->kind == V_STR && (op == CMP_EQ || op == CMP_NE)) {
        /* the common case (m.role == 'user') without the general machinery */
        int eq = a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
        *res = op == CMP_EQ ? eq : !eq;
        return 0;
    }
    if (op == CMP_IN || op == CMP_NOTIN) {
        if (contains(r, n, a, b, res) != 0)
            return -1;
        if (op == CMP_NOTIN)
            *res = !*res;
        return 0;
    }
    if (r_resolve(r, a) != 0 || r_resolve(r, b) != 0)
        return -1;
    if (tv_is_list(a) && tv_is_list(b) &&
        r_count_iterations(r, n, tv_seq_len(a)) != 0) /* comparing lists walks them */
        return -1;
    if (tv_is_dict(a) && tv_is_dict(b) && r_count_iterations(r, n, tv_dict_len(a)) != 0)
        return -1;
    if (op == CMP_EQ || op == CMP_NE) {
        *res = tv_equal(a, b) == (op == CMP_EQ);
        return 0;
    }
    int c;
    if (tv_compare(a, b, &c) != 0)
        return r_type_error(r, n, "'%s' is not supported between %s and %s", cmp_names[op],
                            tv_a_type(a), tv_a_type(b));
    if (tv_is_number(a) && tv_is_number(b) &&
        ((a->kind == V_FLOAT && isnan(a->u.f)) || (b->kind == V_FLOAT && isnan(b->u.f)))) {
        *res = 0; /* NaN is unordered */
        return 0;
    }
    *res = op == CMP_LT ? c < 0 : op == CMP_LE ? c <= 0 : op == CMP_GT ? c > 0 : c >= 0;
    return 0;
}

/* ---- calls ---------------------------------------------------------------------------------- */

static int eval_args(rctx_t *r, const node_t *n, tval_t **args, tval_t **kw)
{
    size_t na = n->u.call.nargs, nk = n->u.call.nkw;
    *args = *kw = NULL;
    if (na + nk == 0)
        return 0;
    tval_t *all = r_alloc(r, n, (na + nk) * sizeof *all);
    if (!all)
        return -1;
    for (size_t i = 0; i < na; i++)
        if (eval_expr(r, n->u.call.args[i], &all[i]) != 0 || r_resolve(r, &all[i]) != 0)
            return -1;
    for (size_t i = 0; i < nk; i++)
        if (eval_expr(r, n->u.call.kwargs[i], &all[na + i]) != 0 || r_resolve(r, &all[na + i]) != 0)
            return -1;
    *args = all;
    *kw = all + na;
    return 0;
}

static int call_undefined(rctx_t *r, const tval_t *callee, tval_t *out)
{
    if (!r->lenient && callee->u.node)
        return r_undefined_error(r, callee);
    out->kind = V_UNDEF;
    out->u.node = NULL; /* calling something undefined in lenient mode gives nothing */
    return 0;
}

static __attribute__((noinline)) int eval_call(rctx_t *r, const node_t *n, tval_t *out)
{
    const node_t *callee = n->u.call.callee;
    const char *const *kwnames = n->u.call.kwnames;
    tval_t fn;
    if (eval_expr(r, callee, &fn) != 0)
        return -1;
    if (fn.kind == V_UNDEF)
        return call_undefined(r, &fn, out);
    tval_t *args, *kw;
    if (eval_args(r, n, &args, &kw) != 0)
        return -1;
    return r_call_value(r, n, &fn, args, n->u.call.nargs, kwnames, kw, n->u.call.nkw, out);
}

int r_call_value(rctx_t *r, const node_t *n, const tval_t *callee, const tval_t *args, size_t nargs,
                 const char *const *kwnames, const tval_t *kwvals, size_t nkw, tval_t *out)
{
    switch (callee->kind) {
    case V_FUNC:
        return builtin_call(r, n, (int)callee->u.i, args, nargs, kwnames, kwvals, nkw, out);
    case V_METHOD:
        return method_call(r, n, &callee->u.method->self, callee->u.method->name, args, nargs,
                           kwnames, kwvals, nkw, out);
    case V_MACRO:
        return r_call_macro(r, n, callee->u.node, args, nargs, kwnames, kwvals, nkw, out);
    case V_UNDEF:
        return call_undefined(r, callee, out);
    default:
        return r_type_error(r, n, "%s is not callable", tv_a_type(callee));
    }
}

/* ---- filters and tests ---------------------------------------------------------------------- */

static int eval_filter_args(rctx_t *r, const node_t *n, tval_t *args)
{
    const callspec_t *spec = n->u.filter.spec;
    for (size_t i = 0; i < spec->nparams; i++) {
        args[i].kind = V_ABSENT;
        const node_t *a = n->u.filter.args[i];
        if (a && (eval_expr(r, a, &args[i]) != 0 || r_resolve(r, &args[i]) != 0))
            return -1;
    }
    return 0;
}

static __attribute__((noinline)) int eval_filter(rctx_t *r, const node_t *n, tval_t *out)
{
    const callspec_t *spec = n->u.filter.spec;
    tval_t in, args[6];
    if (eval_expr(r, n->u.filter.arg, &in) != 0)
        return -1;
    if (!spec->raw_undefined && r_resolve(r, &in) != 0)
        return -1;
    if (eval_filter_args(r, n, args) != 0)
        return -1;
    if (n->kind == N_FILTER)
        return spec->fn.filter(r, n, &in, args, out);
    int res = 0;
    if (spec->fn.test(r, n, &in, args, &res) != 0)
        return -1;
    *out = tv_bool(n->u.filter.negate ? !res : res);
    return 0;
}

/* ---- expressions ---------------------------------------------------------------------------- */

static __attribute__((noinline)) int eval_concat(rctx_t *r, const node_t *n, tval_t *out)
{
    size_t k = n->u.list.n, total = 0;
    tval_t *parts = r_alloc(r, n, k * sizeof *parts);
    if (!parts)
        return -1;
    for (size_t i = 0; i < k; i++) {
        tval_t v;
        if (eval_expr(r, n->u.list.items[i], &v) != 0 || r_resolve(r, &v) != 0 ||
            r_to_string(r, n, &v, &parts[i]) != 0)
            return -1;
        total += parts[i].len;
    }
    if (total > UINT32_MAX)
        return r_memory_error(r, n);
    char *d = r_alloc(r, n, total + 1);
    if (!d)
        return -1;
    size_t at = 0;
    for (size_t i = 0; i < k; i++) {
        memcpy(d + at, parts[i].u.s, parts[i].len);
        at += parts[i].len;
    }
    d[at] = '\0';
    *out = tv_str(d, total);
    return 0;
}

static __attribute__((noinline)) int eval_compare(rctx_t *r, const node_t *n, tval_t *out)
{
    tval_t left;
    if (eval_expr(r, n->u.cmp.first, &left) != 0)
        return -1;
    for (size_t i = 0; i < n->u.cmp.n; i++) {
        tval_t right;
        int res = 0;
        if (eval_expr(r, n->u.cmp.operands[i], &right) != 0)
            return -1;
        tval_t rcopy = right;
        if (compare_op(r, n, n->u.cmp.ops[i], &left, &rcopy, &res) != 0)
            return -1;
        if (!res) {
            *out = tv_bool(0);
            return 0;
        }
        left = right;
    }
    *out = tv_bool(1);
    return 0;
}

static __attribute__((noinline)) int eval_list(rctx_t *r, const node_t *n, tval_t *out)
{
    if (r_new_list(r, n, n->u.list.n, out) != 0)
        return -1;
    out->flag = n->op; /* a tuple */
    for (size_t i = 0; i < n->u.list.n; i++) {
        tval_t *item = &out->u.list->items[i];
        if (eval_expr(r, n->u.list.items[i], item) != 0 || r_resolve(r, item) != 0)
            return -1;
    }
    return 0;
}

static __attribute__((noinline)) int eval_dict(rctx_t *r, const node_t *n, tval_t *out)
{
    tdict_t *d = r_alloc(r, n, sizeof *d);
    if (!d)
        return -1;
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < n->u.dict.n; i++) {
        tval_t k, v;
        if (eval_expr(r, n->u.dict.keys[i], &k) != 0 || r_resolve(r, &k) != 0 ||
            eval_expr(r, n->u.dict.vals[i], &v) != 0 || r_resolve(r, &v) != 0 ||
            r_dict_set(r, n, d, &k, &v) != 0)
            return -1;
    }
    out->kind = V_DICT;
    out->flag = 0;
    out->u.dict = d;
    return 0;
}

static __attribute__((noinline)) int eval_unary(rctx_t *r, const node_t *n, tval_t *out)
{
    tval_t a;
    if (eval_expr(r, n->u.bin.a, &a) != 0)
        return -1;
    if (n->op == OP_NOT) {
        int t = 0;
        if (r_truthy(r, &a, &t) != 0)
            return -1;
        *out = tv_bool(!t);
        return 0;
    }
    if (r_resolve(r, &a) != 0)
        return -1;
    if (!tv_is_number(&a))
        return r_type_error(r, n, "bad operand type for unary %s: %s", n->op == OP_NEG ? "-" : "+",
                            tv_a_type(&a));
    if (n->op == OP_POS) {
        *out = a.kind == V_BOOL ? tv_int(a.u.i) : a;
    } else if (a.kind == V_FLOAT) {
        *out = tv_float(-a.u.f);
    } else {
        if (a.u.i == INT64_MIN)
            return overflow(r, n);
        *out = tv_int(-a.u.i);
    }
    return 0;
}

static __attribute__((noinline)) int eval_binary(rctx_t *r, const node_t *n, tval_t *out)
{
    tval_t a, b;
    if (eval_expr(r, n->u.bin.a, &a) != 0)
        return -1;
    if (n->op == OP_AND || n->op == OP_OR) {
        /* Python's and / or give one of their operands, not a boolean. */
        int t = 0;
        if (r_truthy(r, &a, &t) != 0)
            return -1;
        if ((n->op == OP_AND && !t) || (n->op == OP_OR && t)) {
            *out = a;
            return 0;
        }
        return eval_expr(r, n->u.bin.b, out);
    }
    if (eval_expr(r, n->u.bin.b, &b) != 0)
        return -1;
    return r_arith(r, n, n->op, &a, &b, out);
}

/* Each kind of expression has its own out-of-line function so that eval_expr, the frame every
 * level of recursion pays for, stays small. */
static __attribute__((noinline)) int eval_attr(rctx_t *r, const node_t *n, tval_t *out)
{
    tval_t obj;
    if (eval_expr(r, n->u.attr.obj, &obj) != 0)
        return -1;
    return r_getattr(r, n, &obj, n->u.attr.name, n->u.attr.len, n->aux, out);
}

static __attribute__((noinline)) int eval_index(rctx_t *r, const node_t *n, tval_t *out)
{
    tval_t obj, key;
    if (eval_expr(r, n->u.index.obj, &obj) != 0 || eval_expr(r, n->u.index.index, &key) != 0)
        return -1;
    return r_getitem(r, n, &obj, &key, out);
}

static __attribute__((noinline)) int eval_cond(rctx_t *r, const node_t *n, tval_t *out)
{
    tval_t c;
    int t = 0;
    if (eval_expr(r, n->u.cond.cond, &c) != 0 || r_truthy(r, &c, &t) != 0)
        return -1;
    if (t)
        return eval_expr(r, n->u.cond.then, out);
    if (n->u.cond.other)
        return eval_expr(r, n->u.cond.other, out);
    out->kind = V_UNDEF; /* Jinja: a missing else gives an undefined that never raises */
    out->u.node = NULL;
    return 0;
}

static __attribute__((noinline)) int eval_slice(rctx_t *r, const node_t *n, tval_t *out)
{
    tval_t obj, b[3] = {{0}, {0}, {0}};
    const node_t *parts[3] = {n->u.slice.start, n->u.slice.stop, n->u.slice.step};
    if (eval_expr(r, n->u.slice.obj, &obj) != 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (parts[i] && eval_expr(r, parts[i], &b[i]) != 0)
            return -1;
    return r_slice(r, n, &obj, &b[0], &b[1], &b[2], out);
}

int eval_expr(rctx_t *r, const node_t *n, tval_t *out)
{
    int rc = 0;
    switch (n->kind) {
    case N_CONST:
        *out = n->u.cval;
        return 0;
    case N_NAME:
        r_lookup(r, n, n->u.name.name, n->aux, n->u.name.builtin, out);
        return 0;
    case N_CAPTURED:
        *out = r->captured;
        return 0;
    default:
        break;
    }
    if (r_enter(r, n) != 0)
        return -1;
    switch (n->kind) {
    case N_ATTR:
        rc = eval_attr(r, n, out);
        break;
    case N_INDEX:
        rc = eval_index(r, n, out);
        break;
    case N_SLICE:
        rc = eval_slice(r, n, out);
        break;
    case N_LIST:
        rc = eval_list(r, n, out);
        break;
    case N_DICT:
        rc = eval_dict(r, n, out);
        break;
    case N_UNARY:
        rc = eval_unary(r, n, out);
        break;
    case N_BINARY:
        rc = eval_binary(r, n, out);
        break;
    case N_CONCAT:
        rc = eval_concat(r, n, out);
        break;
    case N_COMPARE:
        rc = eval_compare(r, n, out);
        break;
    case N_COND:
        rc = eval_cond(r, n, out);
        break;
    case N_FILTER:
    case N_TEST:
        rc = eval_filter(r, n, out);
        break;
    case N_CALL:
        rc = eval_call(r, n, out);
        break;
    default:
        rc = r_type_error(r, n, "not an expression");
        break;
    }
    r_leave(r);
    return rc;
}
