/* template.c - the public face of the template engine (template.h): compile (lex, then parse
 * into a tree owned by one arena), free, and template_variables, which walks the tree once at
 * compile time to find the names a template reads from its variables, in order of first use,
 * leaving out names it defines itself ({% set %}, loop targets, macro names and parameters)
 * and the builtins. */
#include "template/template_internal.h"

#include <string.h>

/* ---- variables analysis --------------------------------------------------------------------- */

/* A small map from interned names (compared by pointer) to counters: keeps the analysis
 * linear however many names a template has. */
typedef struct pmap {
    const char **keys;
    int *vals;
    size_t cap, n;
} pmap_t;

static size_t pmap_hash(const char *key, size_t cap)
{
    uintptr_t h = (uintptr_t)key;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (cap - 1);
}

/* The counter of key, created at 0 when missing. */
static int *pmap_at(pmap_t *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap) {
        pmap_t bigger = {.cap = m->cap ? m->cap * 2 : 32};
        bigger.keys = xcalloc(bigger.cap, sizeof *bigger.keys);
        bigger.vals = xcalloc(bigger.cap, sizeof *bigger.vals);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = pmap_hash(m->keys[i], bigger.cap);
            while (bigger.keys[j])
                j = (j + 1) & (bigger.cap - 1);
            bigger.keys[j] = m->keys[i];
            bigger.vals[j] = m->vals[i];
            bigger.n++;
        }
        free(m->keys);
        free(m->vals);
        *m = bigger;
    }
    size_t j = pmap_hash(key, m->cap);
    while (m->keys[j] && m->keys[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) {
        m->keys[j] = key;
        m->vals[j] = 0;
        m->n++;
    }
    return &m->vals[j];
}

static void pmap_free(pmap_t *m)
{
    free(m->keys);
    free(m->vals);
}

typedef struct analysis {
    template_t *t;
    const char **defined; /* names defined in the scopes being walked, innermost last */
    size_t ndefined, capdefined;
    pmap_t active;     /* how many times each name is on `defined` */
    pmap_t seen;       /* names already in `used` */
    const char **used; /* free names, in order of first use */
    size_t nused, capused;
} analysis_t;

static void push_name(const char ***arr, size_t *n, size_t *cap, const char *name)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *arr = xrealloc(*arr, *cap * sizeof **arr);
    }
    (*arr)[(*n)++] = name;
}

static void define(analysis_t *a, const char *name)
{
    push_name(&a->defined, &a->ndefined, &a->capdefined, name);
    (*pmap_at(&a->active, name))++;
}

/* Leave the scopes opened since mark: their names are no longer defined. */
static void undefine_to(analysis_t *a, size_t mark)
{
    while (a->ndefined > mark)
        (*pmap_at(&a->active, a->defined[--a->ndefined]))--;
}

static void use(analysis_t *a, const node_t *n)
{
    const char *name = n->u.name.name;
    if (n->u.name.builtin || name == a->t->loop_name || *pmap_at(&a->active, name) > 0)
        return;
    int *seen = pmap_at(&a->seen, name);
    if (*seen)
        return;
    *seen = 1;
    push_name(&a->used, &a->nused, &a->capused, name);
}

static void walk_expr(analysis_t *a, const node_t *n);

static void walk_exprs(analysis_t *a, node_t *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        walk_expr(a, items[i]);
}

static void walk_expr(analysis_t *a, const node_t *n)
{
    if (!n)
        return;
    switch (n->kind) {
    case N_NAME:
        use(a, n);
        break;
    case N_ATTR:
        walk_expr(a, n->u.attr.obj);
        break;
    case N_INDEX:
        walk_expr(a, n->u.index.obj);
        walk_expr(a, n->u.index.index);
        break;
    case N_SLICE:
        walk_expr(a, n->u.slice.obj);
        walk_expr(a, n->u.slice.start);
        walk_expr(a, n->u.slice.stop);
        walk_expr(a, n->u.slice.step);
        break;
    case N_LIST:
    case N_CONCAT:
        walk_exprs(a, n->u.list.items, n->u.list.n);
        break;
    case N_DICT:
        for (size_t i = 0; i < n->u.dict.n; i++) {
            walk_expr(a, n->u.dict.keys[i]);
            walk_expr(a, n->u.dict.vals[i]);
        }
        break;
    case N_UNARY:
    case N_BINARY:
        walk_expr(a, n->u.bin.a);
        walk_expr(a, n->u.bin.b);
        break;
    case N_COMPARE:
        walk_expr(a, n->u.cmp.first);
        walk_exprs(a, n->u.cmp.operands, n->u.cmp.n);
        break;
    case N_COND:
        /* evaluation order: the condition first */
        walk_expr(a, n->u.cond.cond);
        walk_expr(a, n->u.cond.then);
        walk_expr(a, n->u.cond.other);
        break;
    case N_FILTER:
    case N_TEST:
        walk_expr(a, n->u.filter.arg);
        walk_exprs(a, n->u.filter.args, n->u.filter.spec->nparams);
        break;
    case N_CALL:
        walk_expr(a, n->u.call.callee);
        walk_exprs(a, n->u.call.args, n->u.call.nargs);
        walk_exprs(a, n->u.call.kwargs, n->u.call.nkw);
        break;
    default:
        break;
    }
}

static void walk_body(analysis_t *a, const nodelist_t *body);

/* A name set in a branch of an if counts as defined after the if only when every branch,
 * else included, sets it: otherwise the template may read it from its variables. */
static void walk_if(analysis_t *a, const node_t *n)
{
    size_t mark = a->ndefined;
    pmap_t last_branch = {0}, hits = {0};
    const char **last = NULL; /* names the final branch set (the only candidates) */
    size_t nlast = 0, caplast = 0;
    int nbranches = (int)n->u.if_.n + 1;
    for (int b = 0; b < nbranches; b++) {
        if (b < (int)n->u.if_.n) {
            walk_expr(a, n->u.if_.conds[b]);
            walk_body(a, &n->u.if_.bodies[b]);
        } else {
            walk_body(a, &n->u.if_.other);
        }
        for (size_t i = mark; i < a->ndefined; i++) {
            int *lb = pmap_at(&last_branch, a->defined[i]);
            if (*lb == b + 1)
                continue; /* set twice in this branch */
            *lb = b + 1;
            (*pmap_at(&hits, a->defined[i]))++;
            if (b == nbranches - 1)
                push_name(&last, &nlast, &caplast, a->defined[i]);
        }
        undefine_to(a, mark);
    }
    for (size_t i = 0; i < nlast; i++)
        if (*pmap_at(&hits, last[i]) == nbranches)
            define(a, last[i]);
    free(last);
    pmap_free(&last_branch);
    pmap_free(&hits);
}

static void walk_stmt(analysis_t *a, const node_t *n)
{
    size_t mark;
    switch (n->kind) {
    case S_OUTPUT:
        walk_expr(a, n->u.output.expr);
        break;
    case S_IF:
        walk_if(a, n);
        break;
    case S_FOR:
        walk_expr(a, n->u.for_.iter);
        mark = a->ndefined;
        for (size_t i = 0; i < n->u.for_.ntargets; i++)
            define(a, n->u.for_.targets[i]);
        walk_expr(a, n->u.for_.cond);
        walk_body(a, &n->u.for_.body);
        undefine_to(a, mark); /* loop names end with the loop */
        walk_body(a, &n->u.for_.other);
        undefine_to(a, mark); /* and what the else branch sets is only maybe set */
        break;
    case S_SET:
        walk_expr(a, n->u.set.expr);
        for (size_t i = 0; i < n->u.set.ntargets; i++)
            define(a, n->u.set.targets[i]);
        break;
    case S_SET_ATTR: {
        node_t fake = {.kind = N_NAME};
        fake.u.name.name = n->u.set.targets[0];
        use(a, &fake);
        walk_expr(a, n->u.set.expr);
        break;
    }
    case S_SET_BLOCK:
        walk_body(a, &n->u.set.body);
        walk_expr(a, n->u.set.expr);
        define(a, n->u.set.targets[0]);
        break;
    case S_FILTER_BLK:
    case S_BODY:
        walk_body(a, &n->u.set.body);
        walk_expr(a, n->u.set.expr);
        break;
    case S_MACRO:
        define(a, n->u.macro.name);
        mark = a->ndefined;
        for (size_t i = 0; i < n->u.macro.nparams; i++) {
            walk_expr(a, n->u.macro.defaults[i]);
            define(a, n->u.macro.params[i]);
        }
        walk_body(a, &n->u.macro.body);
        undefine_to(a, mark);
        break;
    default:
        break;
    }
}

static void walk_body(analysis_t *a, const nodelist_t *body)
{
    for (size_t i = 0; i < body->n; i++)
        walk_stmt(a, body->items[i]);
}

static void analyse_variables(template_t *t)
{
    analysis_t a = {.t = t};
    walk_body(&a, &t->body);
    t->nvariables = a.nused;
    t->variables = arena_alloc(&t->arena, (a.nused ? a.nused : 1) * sizeof *t->variables);
    if (a.nused)
        memcpy(t->variables, a.used, a.nused * sizeof *a.used);
    free(a.defined);
    free(a.used);
    pmap_free(&a.active);
    pmap_free(&a.seen);
}

/* ---- public API ----------------------------------------------------------------------------- */

template_t *template_compile_ex(const char *source, size_t len,
                                const template_compile_options_t *opt, err_t *err)
{
    if (!source && len) {
        err_set(err, 400, "template_syntax", NULL, "no template source");
        return NULL;
    }
    if (len > TEMPLATE_MAX_SOURCE) {
        err_set(err, 400, "template_limit", NULL, "template is %zu bytes, more than %u", len,
                TEMPLATE_MAX_SOURCE);
        return NULL;
    }
    template_t *t = xcalloc(1, sizeof *t);
    arena_init(&t->arena, NULL, 0, 0);
    t->source_len = len;
    t->loop_name = intern_name(t, "loop", 4);
    lex_options_t lo = {
        .trim_blocks = opt && opt->trim_blocks,
        .lstrip_blocks = opt && opt->lstrip_blocks,
    };
    token_t *toks = NULL;
    size_t ntok = 0;
    if (lex_tokens(source ? source : "", len, &lo, &t->arena, &toks, &ntok, err) != 0 ||
        parse_template(t, toks, ntok, err) != 0) {
        free(toks);
        template_free(t);
        return NULL;
    }
    free(toks);
    analyse_variables(t);
    /* The intern table is only needed while compiling; renders compare the pointers. */
    free(t->names.slots);
    t->names.slots = NULL;
    t->names.cap = t->names.n = 0;
    return t;
}

template_t *template_compile(const char *source, size_t len, err_t *err)
{
    return template_compile_ex(source, len, NULL, err);
}

void template_free(template_t *t)
{
    if (!t)
        return;
    free(t->names.slots);
    arena_free(&t->arena);
    free(t);
}

json_t *template_variables(const template_t *t)
{
    json_t *arr = json_array();
    if (!t)
        return arr;
    for (size_t i = 0; i < t->nvariables; i++)
        json_array_append_new(arr, json_string(t->variables[i]));
    return arr;
}
