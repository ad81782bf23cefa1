/* render.c - runs a compiled template: statements, scopes, output, limits and errors.
 *
 * Variables live on one stack of (interned name, value) pairs, innermost last. A for loop (and a
 * macro call) pushes a frame: {% set %} writes into the innermost frame, so a set inside a loop
 * body is gone when the loop ends, as in Jinja; each iteration starts from a clean frame. Names
 * are looked up innermost first, then in the JSON variables, then among the builtins.
 *
 * Nothing here writes to the template: everything a render makes lives in its own arena and
 * variable stack, so one template may be rendered from many threads at once. Every render is
 * bounded: output bytes (max_output), loop iterations (max_iterations, counted over all loops),
 * working memory (the arena's limit) and recursion depth. */
#include "template/template_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { CTL_NONE, CTL_BREAK, CTL_CONTINUE };

/* ---- errors --------------------------------------------------------------------------------- */

static int verror(rctx_t *r, const node_t *n, const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int verror(rctx_t *r, const node_t *n, const char *code, const char *fmt, va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (n)
        return err_set(r->err, 400, code, NULL, "line %u:%u: %s", n->line, n->col, msg);
    return err_set(r->err, 400, code, NULL, "%s", msg);
}

int r_error(rctx_t *r, const node_t *n, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(r, n, code, fmt, ap);
    va_end(ap);
    return -1;
}

int r_type_error(rctx_t *r, const node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(r, n, "template_error", fmt, ap);
    va_end(ap);
    return -1;
}

/* The path an undefined expression names: user, user.name, messages[0]['role']. */
static int describe(const node_t *n, buf_t *b, int depth)
{
    if (depth > 16)
        return -1;
    switch (n->kind) {
    case N_NAME:
        buf_append_str(b, n->u.name.name);
        return 0;
    case N_ATTR:
        if (describe(n->u.attr.obj, b, depth + 1) != 0)
            return -1;
        buf_append_char(b, '.');
        buf_append_str(b, n->u.attr.name);
        return 0;
    case N_INDEX: {
        const node_t *k = n->u.index.index;
        if (k->kind != N_CONST || describe(n->u.index.obj, b, depth + 1) != 0)
            return -1;
        buf_append_char(b, '[');
        tv_write_repr(b, &k->u.cval);
        buf_append_char(b, ']');
        return 0;
    }
    default:
        return -1;
    }
}

int r_undefined_error(rctx_t *r, const tval_t *v)
{
    const node_t *n = v->u.node;
    buf_t b;
    buf_init(&b);
    if (!n)
        return r_error(r, NULL, "template_undefined", "value is undefined");
    if (describe(n, &b, 0) == 0 && b.len <= 200)
        r_error(r, n, "template_undefined", "'%s' is undefined", buf_str(&b));
    else if (n->kind == N_ATTR)
        r_error(r, n, "template_undefined", "attribute '%s' is undefined", n->u.attr.name);
    else if (n->kind == N_INDEX)
        r_error(r, n, "template_undefined", "item is undefined");
    else
        r_error(r, n, "template_undefined", "value is undefined");
    buf_free(&b);
    return -1;
}

int r_resolve(rctx_t *r, tval_t *v)
{
    if (v->kind != V_UNDEF && v->kind != V_ABSENT)
        return 0;
    if (v->kind == V_UNDEF && !r->lenient && v->u.node)
        return r_undefined_error(r, v);
    *v = tv_str("", 0);
    return 0;
}

int r_truthy(rctx_t *r, const tval_t *v, int *out)
{
    if (v->kind == V_UNDEF && !r->lenient && v->u.node)
        return r_undefined_error(r, v);
    *out = tv_truthy(v);
    return 0;
}

int r_enter(rctx_t *r, const node_t *n)
{
    if (++r->depth > RENDER_MAX_DEPTH)
        return r_error(r, n, "template_limit", "recursion deeper than %d", RENDER_MAX_DEPTH);
    return 0;
}

/* ---- memory --------------------------------------------------------------------------------- */

void *r_alloc(rctx_t *r, const node_t *n, size_t size)
{
    void *p = arena_alloc(&r->arena, size);
    if (!p)
        r_memory_error(r, n);
    return p;
}

int r_memory_error(rctx_t *r, const node_t *n)
{
    return r_error(r, n, "template_limit", "render needs more than %zu bytes of memory",
                   r->arena.limit);
}

int r_buf_over(const rctx_t *r, const buf_t *b)
{
    return b->len > r->arena.limit || b->len > UINT32_MAX;
}

int r_strdup(rctx_t *r, const node_t *n, const char *s, size_t len, tval_t *out)
{
    if (len > UINT32_MAX)
        return r_memory_error(r, n);
    char *d = r_alloc(r, n, len + 1);
    if (!d)
        return -1;
    memcpy(d, s, len);
    d[len] = '\0';
    *out = tv_str(d, len);
    return 0;
}

int r_str_from_buf(rctx_t *r, const node_t *n, const buf_t *b, tval_t *out)
{
    return r_strdup(r, n, b->data ? b->data : "", b->len, out);
}

int r_to_string(rctx_t *r, const node_t *n, const tval_t *v, tval_t *out)
{
    if (v->kind == V_STR) {
        *out = *v;
        return 0;
    }
    if (v->kind == V_INT) {
        char tmp[24];
        return r_strdup(r, n, tmp, fmt_int(v->u.i, tmp), out);
    }
    buf_t b;
    buf_init(&b);
    tv_write_str(&b, v);
    int rc = r_str_from_buf(r, n, &b, out);
    buf_free(&b);
    return rc;
}

int r_new_list(rctx_t *r, const node_t *n, size_t count, tval_t *out)
{
    if (count > SIZE_MAX / sizeof(tval_t) / 2)
        return r_error(r, n, "template_limit", "list too long");
    tlist_t *l = r_alloc(r, n, sizeof *l);
    tval_t *items = count ? r_alloc(r, n, count * sizeof *items) : NULL;
    if (!l || (count && !items))
        return -1;
    l->n = count;
    l->items = items;
    out->kind = V_LIST;
    out->flag = 0;
    out->len = 0;
    out->u.list = l;
    return 0;
}

int r_count_iterations(rctx_t *r, const node_t *n, size_t count)
{
    if (count > r->max_iterations || r->iterations > r->max_iterations - count)
        return r_error(r, n, "template_limit", "more than %zu loop iterations", r->max_iterations);
    r->iterations += count;
    return 0;
}

int r_dict_set(rctx_t *r, const node_t *n, tdict_t *d, const tval_t *key, const tval_t *val)
{
    for (size_t i = 0; i < d->n; i++) {
        if (tv_equal(&d->keys[i], key)) {
            d->vals[i] = *val;
            return 0;
        }
    }
    if (d->n == d->cap) {
        /* Grow by copying: the old arrays stay in the arena until the render ends. */
        size_t cap = d->cap ? d->cap * 2 : 4;
        tval_t *keys = r_alloc(r, n, cap * sizeof *keys);
        tval_t *vals = r_alloc(r, n, cap * sizeof *vals);
        if (!keys || !vals)
            return -1;
        if (d->n) {
            memcpy(keys, d->keys, d->n * sizeof *keys);
            memcpy(vals, d->vals, d->n * sizeof *vals);
        }
        d->keys = keys;
        d->vals = vals;
        d->cap = cap;
    }
    d->keys[d->n] = *key;
    d->vals[d->n] = *val;
    d->n++;
    return 0;
}

int r_iterable(rctx_t *r, const node_t *n, const tval_t *v, tval_t *seq)
{
    switch (v->kind) {
    case V_LIST:
    case V_JLIST:
        *seq = *v;
        return 0;
    case V_UNDEF:
        if (!r->lenient && v->u.node)
            return r_undefined_error(r, v);
        return r_new_list(r, n, 0, seq); /* lenient: nothing to iterate */
    case V_DICT:
    case V_JDICT: { /* iterating a dict gives its keys */
        if (v->flag)
            break;
        size_t count = tv_dict_len(v), i = 0;
        if (r_new_list(r, n, count, seq) != 0)
            return -1;
        if (v->kind == V_DICT) {
            for (; i < count; i++)
                seq->u.list->items[i] = v->u.dict->keys[i];
        } else {
            const char *k;
            json_t *jv;
            json_object_foreach((json_t *)v->u.json, k, jv)
            {
                seq->u.list->items[i++] = tv_str(k, strlen(k));
            }
        }
        return 0;
    }
    case V_STR: { /* a string gives its characters */
        size_t count = utf8_count(v->u.s, v->len), at = 0;
        if (r_new_list(r, n, count, seq) != 0)
            return -1;
        for (size_t i = 0; i < count; i++) {
            size_t next = at + utf8_offset(v->u.s + at, v->len - at, 1);
            seq->u.list->items[i] = tv_str(v->u.s + at, next - at);
            at = next;
        }
        return 0;
    }
    default:
        break;
    }
    return r_type_error(r, n, "cannot iterate over %s", tv_a_type(v));
}

/* ---- output --------------------------------------------------------------------------------- */

static int output_limit(rctx_t *r, const node_t *n)
{
    return r_error(r, n, "template_limit", "output exceeds %zu bytes", r->max_output);
}

static int out_write(rctx_t *r, const node_t *n, const char *s, size_t len)
{
    if (len > r->max_output - r->out->len)
        return output_limit(r, n);
    buf_append(r->out, s, len);
    return 0;
}

/* Write a value as {{ }} prints it. */
static int emit(rctx_t *r, const node_t *n, tval_t *v)
{
    switch (v->kind) {
    case V_STR:
        return out_write(r, n, v->u.s, v->len);
    case V_UNDEF:
    case V_ABSENT:
        if (v->kind == V_UNDEF && !r->lenient && v->u.node)
            return r_undefined_error(r, v);
        return 0;
    case V_INT: {
        char tmp[24];
        return out_write(r, n, tmp, fmt_int(v->u.i, tmp));
    }
    default: {
        size_t before = r->out->len;
        tv_write_str(r->out, v);
        if (r->out->len > r->max_output) {
            r->out->len = before;
            r->out->data[before] = '\0';
            return output_limit(r, n);
        }
        return 0;
    }
    }
}

/* {{ a + b + c }}: evaluate the operands once; strings go straight to the output, anything
 * else is added up as the expression would. Kept out of line: its buffers would otherwise
 * enlarge every recursive frame of render_stmt. */
static __attribute__((noinline)) int emit_add_chain(rctx_t *r, const node_t *e)
{
    const node_t *chain[16];
    size_t k = 0;
    const node_t *m = e;
    while (m->kind == N_BINARY && m->op == OP_ADD && k < 15) {
        chain[k++] = m->u.bin.b;
        m = m->u.bin.a;
    }
    if (m->kind == N_BINARY && m->op == OP_ADD) { /* too long: evaluate it as a whole */
        tval_t v;
        if (eval_expr(r, e, &v) != 0)
            return -1;
        return emit(r, e, &v);
    }
    chain[k++] = m;
    tval_t vals[16];
    int all_str = 1;
    for (size_t i = 0; i < k; i++) { /* chain is right to left */
        if (eval_expr(r, chain[k - 1 - i], &vals[i]) != 0)
            return -1;
        all_str &= vals[i].kind == V_STR;
    }
    if (all_str) {
        for (size_t i = 0; i < k; i++)
            if (out_write(r, e, vals[i].u.s, vals[i].len) != 0)
                return -1;
        return 0;
    }
    tval_t acc = vals[0];
    for (size_t i = 1; i < k; i++) {
        tval_t next;
        if (r_arith(r, e, OP_ADD, &acc, &vals[i], &next) != 0)
            return -1;
        acc = next;
    }
    return emit(r, e, &acc);
}

/* {{ a ~ b ~ c }} and {{ a + b + c }} on strings write their parts straight to the output
 * instead of building the joined string first: the common shape of chat templates. */
static int emit_expr(rctx_t *r, const node_t *e)
{
    if (e->kind == N_CONCAT) {
        for (size_t i = 0; i < e->u.list.n; i++) {
            tval_t v;
            if (eval_expr(r, e->u.list.items[i], &v) != 0 || r_resolve(r, &v) != 0 ||
                emit(r, e, &v) != 0)
                return -1;
        }
        return 0;
    }
    if (e->kind == N_BINARY && e->op == OP_ADD)
        return emit_add_chain(r, e);
    tval_t v;
    if (eval_expr(r, e, &v) != 0)
        return -1;
    return emit(r, e, &v);
}

/* ---- scopes --------------------------------------------------------------------------------- */

static void scope_reserve(rctx_t *r, size_t extra)
{
    scope_var_t *initial = r->scope_initial;
    if (r->nscope + extra <= r->capscope)
        return;
    size_t cap = r->capscope * 2;
    while (cap < r->nscope + extra)
        cap *= 2;
    if (r->scope == initial) {
        scope_var_t *s = xmalloc(cap * sizeof *s);
        memcpy(s, r->scope, r->nscope * sizeof *s);
        r->scope = s;
    } else {
        r->scope = xrealloc(r->scope, cap * sizeof *r->scope);
    }
    r->capscope = cap;
}

static void scope_push(rctx_t *r, const char *name, const tval_t *v)
{
    scope_reserve(r, 1);
    r->scope[r->nscope].name = name;
    r->scope[r->nscope].val = *v;
    r->nscope++;
}

static void scope_set(rctx_t *r, const char *name, const tval_t *v)
{
    for (size_t i = r->frame; i < r->nscope; i++) {
        if (r->scope[i].name == name) {
            r->scope[i].val = *v;
            return;
        }
    }
    scope_push(r, name, v);
}

typedef struct frame_save {
    size_t frame, nscope;
} frame_save_t;

static frame_save_t frame_push(rctx_t *r)
{
    frame_save_t s = {r->frame, r->nscope};
    if (r->frame == 0 && !r->in_macro)
        r->root_end = r->nscope; /* the template-level frame ends here while nested */
    r->frame = r->nscope;
    return s;
}

static void frame_pop(rctx_t *r, frame_save_t s)
{
    r->frame = s.frame;
    r->nscope = s.nscope;
}

/* Bind names to a value: one name takes it whole, several unpack a sequence. */
static int bind_targets(rctx_t *r, const node_t *n, const char *const *names, size_t count,
                        const tval_t *v, int push)
{
    if (count == 1) {
        if (push)
            scope_push(r, names[0], v);
        else
            scope_set(r, names[0], v);
        return 0;
    }
    tval_t seq = *v;
    if (seq.kind == V_STR || tv_is_dict(&seq) || seq.kind == V_UNDEF)
        if (r_iterable(r, n, v, &seq) != 0)
            return -1;
    if (!tv_is_list(&seq))
        return r_type_error(r, n, "cannot unpack %s into %zu names", tv_a_type(v), count);
    if (tv_seq_len(&seq) != count)
        return r_type_error(r, n, "cannot unpack %zu values into %zu names", tv_seq_len(&seq),
                            count);
    for (size_t i = 0; i < count; i++) {
        tval_t item = tv_seq_get(&seq, i);
        if (push)
            scope_push(r, names[i], &item);
        else
            scope_set(r, names[i], &item);
    }
    return 0;
}

/* ---- statements ----------------------------------------------------------------------------- */

static int render_stmt(rctx_t *r, const node_t *n);

int render_body(rctx_t *r, const nodelist_t *body)
{
    for (size_t i = 0; i < body->n; i++) {
        if (render_stmt(r, body->items[i]) != 0)
            return -1;
        if (r->ctl)
            return 0; /* break / continue: unwind to the loop */
    }
    return 0;
}

/* Render body into a fresh string value (block set, filter block, macro). */
static int capture(rctx_t *r, const node_t *n, const nodelist_t *body, tval_t *out)
{
    buf_t cap;
    buf_init(&cap);
    buf_t *saved = r->out;
    r->out = &cap;
    int rc = render_body(r, body);
    r->out = saved;
    if (rc == 0)
        rc = r_str_from_buf(r, n, &cap, out);
    buf_free(&cap);
    return rc;
}

static __attribute__((noinline)) int render_for(rctx_t *r, const node_t *n)
{
    tval_t it, seq;
    if (eval_expr(r, n->u.for_.iter, &it) != 0 || r_iterable(r, n->u.for_.iter, &it, &seq) != 0)
        return -1;
    size_t count = tv_seq_len(&seq);
    frame_save_t saved = frame_push(r);
    if (n->u.for_.cond) {
        /* `for x in xs if cond`: filter first, so loop.length and loop.last see the result. */
        tval_t kept;
        if (r_new_list(r, n, count, &kept) != 0)
            goto fail;
        size_t k = 0;
        for (size_t i = 0; i < count; i++) {
            tval_t item = tv_seq_get(&seq, i), c;
            int t = 0;
            if (r_count_iterations(r, n, 1) != 0)
                goto fail;
            r->nscope = r->frame;
            if (bind_targets(r, n, n->u.for_.targets, n->u.for_.ntargets, &item, 1) != 0 ||
                eval_expr(r, n->u.for_.cond, &c) != 0 || r_truthy(r, &c, &t) != 0)
                goto fail;
            if (t)
                kept.u.list->items[k++] = item;
        }
        kept.u.list->n = k;
        seq = kept;
        count = k;
    }
    loopstate_t ls = {.index0 = 0, .length = count, .depth0 = 0, .seq = seq};
    tval_t loopv = {.kind = V_LOOP, .u.loop = &ls};
    for (size_t i = 0; i < count; i++) {
        if (r_count_iterations(r, n, 1) != 0)
            goto fail;
        r->nscope = r->frame; /* each iteration starts with a clean frame */
        ls.index0 = i;
        tval_t item = tv_seq_get(&seq, i);
        if (bind_targets(r, n, n->u.for_.targets, n->u.for_.ntargets, &item, 1) != 0)
            goto fail;
        scope_push(r, r->t->loop_name, &loopv);
        if (render_body(r, &n->u.for_.body) != 0)
            goto fail;
        if (r->ctl == CTL_BREAK) {
            r->ctl = CTL_NONE;
            break;
        }
        r->ctl = CTL_NONE;
    }
    frame_pop(r, saved);
    if (count == 0)
        return render_body(r, &n->u.for_.other);
    return 0;
fail:
    frame_pop(r, saved);
    return -1;
}

static int render_set_attr(rctx_t *r, const node_t *n)
{
    tval_t ns, v;
    r_lookup(r, n, n->u.set.targets[0], strlen(n->u.set.targets[0]), 0, &ns);
    if (ns.kind == V_UNDEF && !r->lenient)
        return r_undefined_error(r, &ns);
    if (ns.kind != V_DICT || !ns.flag)
        return r_type_error(r, n, "cannot set attribute '%s' on %s (only on a namespace)",
                            n->u.set.attr, tv_a_type(&ns));
    if (eval_expr(r, n->u.set.expr, &v) != 0 || r_resolve(r, &v) != 0)
        return -1;
    tval_t key = tv_str(n->u.set.attr, strlen(n->u.set.attr));
    return r_dict_set(r, n, ns.u.dict, &key, &v);
}

static int render_stmt(rctx_t *r, const node_t *n)
{
    int rc = 0;
    switch (n->kind) {
    case S_TEXT:
        return out_write(r, n, n->u.text.s, n->u.text.len);
    case S_OUTPUT:
        return emit_expr(r, n->u.output.expr);
    case S_BREAK:
        r->ctl = CTL_BREAK;
        return 0;
    case S_CONTINUE:
        r->ctl = CTL_CONTINUE;
        return 0;
    default:
        break;
    }
    if (r_enter(r, n) != 0)
        return -1;
    switch (n->kind) {
    case S_IF: {
        size_t i;
        for (i = 0; i < n->u.if_.n; i++) {
            tval_t c;
            int t = 0;
            if (eval_expr(r, n->u.if_.conds[i], &c) != 0 || r_truthy(r, &c, &t) != 0) {
                rc = -1;
                break;
            }
            if (t) {
                rc = render_body(r, &n->u.if_.bodies[i]);
                break;
            }
        }
        if (rc == 0 && i == n->u.if_.n)
            rc = render_body(r, &n->u.if_.other);
        break;
    }
    case S_FOR:
        rc = render_for(r, n);
        break;
    case S_SET: {
        tval_t v;
        rc = eval_expr(r, n->u.set.expr, &v);
        if (rc == 0)
            rc = bind_targets(r, n, n->u.set.targets, n->u.set.ntargets, &v, 0);
        break;
    }
    case S_SET_ATTR:
        rc = render_set_attr(r, n);
        break;
    case S_SET_BLOCK: {
        tval_t v;
        rc = capture(r, n, &n->u.set.body, &v);
        if (rc == 0 && n->u.set.expr) {
            r->captured = v;
            rc = eval_expr(r, n->u.set.expr, &v);
        }
        if (rc == 0)
            scope_set(r, n->u.set.targets[0], &v);
        break;
    }
    case S_FILTER_BLK: {
        tval_t v;
        rc = capture(r, n, &n->u.set.body, &v);
        if (rc == 0) {
            r->captured = v;
            rc = eval_expr(r, n->u.set.expr, &v);
        }
        if (rc == 0)
            rc = emit(r, n, &v);
        break;
    }
    case S_MACRO: {
        tval_t m = {.kind = V_MACRO, .u.node = n};
        scope_set(r, n->u.macro.name, &m);
        break;
    }
    case S_BODY:
        rc = render_body(r, &n->u.set.body);
        break;
    default:
        rc = r_type_error(r, n, "not a statement");
        break;
    }
    r_leave(r);
    return rc;
}

/* ---- macros --------------------------------------------------------------------------------- */

int r_call_macro(rctx_t *r, const node_t *at, const node_t *m, const tval_t *args, size_t nargs,
                 const char *const *kwnames, const tval_t *kwvals, size_t nkw, tval_t *out)
{
    size_t np = m->u.macro.nparams;
    if (nargs > np)
        return r_type_error(r, at, "macro '%s' takes %zu arguments, %zu given", m->u.macro.name, np,
                            nargs);
    for (size_t k = 0; k < nkw; k++) {
        size_t i;
        for (i = 0; i < np && m->u.macro.params[i] != kwnames[k]; i++)
            ;
        if (i == np)
            return r_type_error(r, at, "macro '%s' has no parameter '%s'", m->u.macro.name,
                                kwnames[k]);
        if (i < nargs)
            return r_type_error(r, at, "macro '%s' got parameter '%s' twice", m->u.macro.name,
                                kwnames[k]);
    }
    if (r->in_macro >= TEMPLATE_MAX_DEPTH)
        return r_error(r, at, "template_limit", "macro calls nested deeper than %d",
                       TEMPLATE_MAX_DEPTH);
    /* The macro sees its parameters and the template-level names, not the caller's locals. */
    size_t saved_frame = r->frame, saved_floor = r->floor, saved_n = r->nscope;
    size_t saved_root = r->root_end;
    int saved_ctl = r->ctl;
    if (!r->in_macro && r->frame == 0)
        r->root_end = r->nscope;
    r->in_macro++;
    r->frame = r->floor = r->nscope;
    int rc = 0;
    for (size_t i = 0; i < np && rc == 0; i++) {
        const char *name = m->u.macro.params[i];
        tval_t v = {.kind = V_UNDEF, .u.node = NULL}; /* missing: undefined, as in Jinja */
        int given = 0;
        if (i < nargs) {
            v = args[i];
            given = 1;
        } else {
            for (size_t k = 0; k < nkw; k++)
                if (kwnames[k] == name) {
                    v = kwvals[k];
                    given = 1;
                }
        }
        if (!given && m->u.macro.defaults[i])
            rc = eval_expr(r, m->u.macro.defaults[i], &v);
        scope_push(r, name, &v);
    }
    if (rc == 0)
        rc = capture(r, at, &m->u.macro.body, out);
    r->in_macro--;
    r->frame = saved_frame;
    r->floor = saved_floor;
    r->nscope = saved_n;
    r->root_end = saved_root;
    r->ctl = saved_ctl;
    return rc;
}

/* ---- entry point ---------------------------------------------------------------------------- */

char *template_render(const template_t *t, const json_t *vars, const template_options_t *opt,
                      size_t *out_len, err_t *err)
{
    if (out_len)
        *out_len = 0;
    if (!t) {
        err_set(err, 400, "template_error", NULL, "no template");
        return NULL;
    }
    if (vars && !json_is_object(vars)) {
        err_set(err, 400, "template_error", NULL, "template variables must be a JSON object");
        return NULL;
    }
    rctx_t r;
    memset(&r, 0, sizeof r);
    r.t = t;
    r.vars = vars;
    r.err = err;
    r.lenient = opt && opt->lenient;
    r.max_output = opt && opt->max_output ? opt->max_output : TEMPLATE_DEFAULT_MAX_OUTPUT;
    r.max_iterations =
        opt && opt->max_iterations ? opt->max_iterations : TEMPLATE_DEFAULT_MAX_ITERATIONS;
    size_t mem = TEMPLATE_MIN_MEMORY;
    if (r.max_output <= SIZE_MAX / TEMPLATE_MEMORY_FACTOR &&
        r.max_output * TEMPLATE_MEMORY_FACTOR > mem)
        mem = r.max_output * TEMPLATE_MEMORY_FACTOR;
    /* Small renders run entirely on these stack buffers. */
    char arena_initial[4096];
    scope_var_t scope_initial[32];
    arena_init(&r.arena, arena_initial, sizeof arena_initial, mem);
    r.scope = scope_initial;
    r.capscope = sizeof scope_initial / sizeof scope_initial[0];
    r.scope_initial = scope_initial;

    buf_t out;
    buf_init(&out);
    size_t guess = t->source_len + 256;
    out.cap = guess < r.max_output + 1 ? guess : r.max_output + 1;
    out.data = xmalloc(out.cap);
    out.data[0] = '\0';
    r.out = &out;

    int rc = render_body(&r, &t->body);

    if (r.scope != scope_initial)
        free(r.scope);
    arena_free(&r.arena);
    if (rc != 0) {
        buf_free(&out);
        return NULL;
    }
    if (out_len)
        *out_len = out.len;
    return buf_steal(&out);
}
