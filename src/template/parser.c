/* parser.c - builds the AST of a template from its tokens (recursive descent).
 *
 * The expression grammar and its precedence follow Jinja2's parser.py, lowest first:
 *   inline if  <  or  <  and  <  not  <  comparisons / in / not in  <  + -  <  ~  <
 *   * / // %  <  **  <  unary - +  <  primary with postfix (.attr [index] [a:b] (call))
 *   followed by filters (| f(args)) and tests (is [not] t args).
 * Filters and tests are looked up and their arguments bound to parameters here, so an unknown
 * filter or a bad keyword argument is a compile error with its line:column. Recursion is
 * bounded: nesting of brackets / unary operators / blocks may not exceed TEMPLATE_MAX_DEPTH, and
 * every expression tree is at most TEMPLATE_MAX_HEIGHT high, so neither the parser nor the
 * renderer can be driven into a stack overflow. */
#include "template/template_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct parser {
    template_t *t;
    const token_t *toks;
    size_t ntok, i;
    int depth;       /* expression recursion */
    int block_depth; /* nesting of block statements */
    int loop_depth;  /* for loops around the current statement (within the current macro) */
    err_t *err;
} parser_t;

/* ---- interned names ------------------------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

const char *intern_name(template_t *t, const char *s, size_t len)
{
    interns_t *in = &t->names;
    if (in->n * 2 >= in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 64;
        const char **slots = xcalloc(cap, sizeof *slots);
        for (size_t i = 0; i < in->cap; i++) {
            if (!in->slots[i])
                continue;
            size_t j = hash_bytes(in->slots[i], strlen(in->slots[i])) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = in->slots[i];
        }
        free(in->slots);
        in->slots = slots;
        in->cap = cap;
    }
    size_t j = hash_bytes(s, len) & (in->cap - 1);
    while (in->slots[j]) {
        if (strncmp(in->slots[j], s, len) == 0 && in->slots[j][len] == '\0')
            return in->slots[j];
        j = (j + 1) & (in->cap - 1);
    }
    const char *copy = arena_strndup(&t->arena, s, len);
    in->slots[j] = copy;
    in->n++;
    return copy;
}

/* ---- token helpers -------------------------------------------------------------------------- */

static const token_t *cur(const parser_t *p)
{
    return &p->toks[p->i];
}

static const token_t *peek(const parser_t *p, size_t k)
{
    return p->i + k < p->ntok ? &p->toks[p->i + k] : &p->toks[p->ntok - 1];
}

static void advance(parser_t *p)
{
    if (p->i + 1 < p->ntok)
        p->i++;
}

static int tok_is_name(const token_t *t, const char *name)
{
    return t->type == T_NAME && t->len == strlen(name) && memcmp(t->s, name, t->len) == 0;
}

static int perr(parser_t *p, const token_t *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(parser_t *p, const token_t *t, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(p->err, 400, "template_syntax", NULL, "line %u:%u: %s", t->line, t->col, msg);
}

static int expected(parser_t *p, const char *what)
{
    char scratch[64];
    return perr(p, cur(p), "expected %s, found %s", what,
                token_describe(cur(p), scratch, sizeof scratch));
}

static int expect(parser_t *p, ttype_t type, const char *what)
{
    if (cur(p)->type != type)
        return expected(p, what);
    advance(p);
    return 0;
}

/* ---- nodes ---------------------------------------------------------------------------------- */

static node_t *mk(parser_t *p, nkind_t kind, const token_t *at)
{
    node_t *n = arena_alloc(&p->t->arena, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->line = at->line;
    n->col = at->col;
    n->height = 1;
    return n;
}

static node_t **node_array(parser_t *p, node_t **items, size_t n)
{
    node_t **a = arena_alloc(&p->t->arena, (n ? n : 1) * sizeof *a);
    if (n)
        memcpy(a, items, n * sizeof *a);
    return a;
}

static int hmax(int h, const node_t *c)
{
    return c && c->height > h ? c->height : h;
}

/* Compute n's height from its children; fails when the tree gets too high. */
static int finish(parser_t *p, node_t *n)
{
    int h = 0;
    switch (n->kind) {
    case N_ATTR:
        h = hmax(h, n->u.attr.obj);
        break;
    case N_INDEX:
        h = hmax(hmax(h, n->u.index.obj), n->u.index.index);
        break;
    case N_SLICE:
        h = hmax(hmax(hmax(hmax(h, n->u.slice.obj), n->u.slice.start), n->u.slice.stop),
                 n->u.slice.step);
        break;
    case N_LIST:
    case N_CONCAT:
        for (size_t i = 0; i < n->u.list.n; i++)
            h = hmax(h, n->u.list.items[i]);
        break;
    case N_DICT:
        for (size_t i = 0; i < n->u.dict.n; i++)
            h = hmax(hmax(h, n->u.dict.keys[i]), n->u.dict.vals[i]);
        break;
    case N_UNARY:
    case N_BINARY:
        h = hmax(hmax(h, n->u.bin.a), n->u.bin.b);
        break;
    case N_COMPARE:
        h = hmax(h, n->u.cmp.first);
        for (size_t i = 0; i < n->u.cmp.n; i++)
            h = hmax(h, n->u.cmp.operands[i]);
        break;
    case N_COND:
        h = hmax(hmax(hmax(h, n->u.cond.cond), n->u.cond.then), n->u.cond.other);
        break;
    case N_FILTER:
    case N_TEST:
        h = hmax(h, n->u.filter.arg);
        for (size_t i = 0; i < n->u.filter.spec->nparams; i++)
            h = hmax(h, n->u.filter.args[i]);
        break;
    case N_CALL:
        h = hmax(h, n->u.call.callee);
        for (size_t i = 0; i < n->u.call.nargs; i++)
            h = hmax(h, n->u.call.args[i]);
        for (size_t i = 0; i < n->u.call.nkw; i++)
            h = hmax(h, n->u.call.kwargs[i]);
        break;
    default:
        break;
    }
    if (h + 1 > TEMPLATE_MAX_HEIGHT) {
        token_t at = {.line = n->line, .col = n->col};
        return perr(p, &at, "expression nested deeper than %d", TEMPLATE_MAX_HEIGHT);
    }
    n->height = (uint16_t)(h + 1);
    return 0;
}

/* Enter one level of expression recursion. */
static int enter(parser_t *p)
{
    if (++p->depth > TEMPLATE_MAX_DEPTH)
        return perr(p, cur(p), "expression nested deeper than %d", TEMPLATE_MAX_DEPTH);
    return 0;
}

/* ---- expressions ---------------------------------------------------------------------------- */

static node_t *parse_expression(parser_t *p);
static node_t *parse_or(parser_t *p);
static node_t *parse_unary(parser_t *p, int with_filter);
static node_t *parse_primary(parser_t *p);
static node_t *parse_postfix(parser_t *p, node_t *n);

/* Growable node list on the C heap while parsing; copied into the arena when done. */
typedef struct nvec {
    node_t **items;
    size_t n, cap;
} nvec_t;

static void nvec_push(nvec_t *v, node_t *n)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = xrealloc(v->items, v->cap * sizeof *v->items);
    }
    v->items[v->n++] = n;
}

static int tuple_end(const parser_t *p)
{
    ttype_t t = cur(p)->type;
    return t == T_VAR_END || t == T_BLOCK_END || t == T_RPAREN || t == T_EOF;
}

/* Comma-separated expressions; a single one without a comma is returned as it is, otherwise a
 * tuple (an N_LIST with op = 1). with_condexpr = 0 for `for` iterables, where `if` filters. */
static node_t *parse_tuple(parser_t *p, int with_condexpr, int explicit_parens)
{
    const token_t *start = cur(p);
    nvec_t items = {0};
    int is_tuple = 0;
    node_t *result = NULL;
    for (;;) {
        if (items.n) {
            if (cur(p)->type != T_COMMA)
                break;
            advance(p);
            is_tuple = 1;
        }
        if (tuple_end(p) || (!with_condexpr && tok_is_name(cur(p), "if")))
            break;
        node_t *e = with_condexpr ? parse_expression(p) : parse_or(p);
        if (!e)
            goto done;
        nvec_push(&items, e);
        if (cur(p)->type != T_COMMA)
            break;
    }
    if (!is_tuple) {
        if (items.n) {
            result = items.items[0];
            goto done;
        }
        if (!explicit_parens) {
            expected(p, "an expression");
            goto done;
        }
    }
    result = mk(p, N_LIST, start);
    result->op = 1;
    result->u.list.items = node_array(p, items.items, items.n);
    result->u.list.n = items.n;
    if (finish(p, result) != 0)
        result = NULL;
done:
    free(items.items);
    return result;
}

static node_t *parse_list(parser_t *p)
{
    const token_t *start = cur(p);
    advance(p); /* [ */
    nvec_t items = {0};
    node_t *result = NULL;
    while (cur(p)->type != T_RBRACKET) {
        if (items.n && expect(p, T_COMMA, "',' or ']'") != 0)
            goto done;
        if (cur(p)->type == T_RBRACKET)
            break;
        node_t *e = parse_expression(p);
        if (!e)
            goto done;
        nvec_push(&items, e);
    }
    advance(p);
    result = mk(p, N_LIST, start);
    result->u.list.items = node_array(p, items.items, items.n);
    result->u.list.n = items.n;
    if (finish(p, result) != 0)
        result = NULL;
done:
    free(items.items);
    return result;
}

static node_t *parse_dict(parser_t *p)
{
    const token_t *start = cur(p);
    advance(p); /* { */
    nvec_t keys = {0}, vals = {0};
    node_t *result = NULL;
    while (cur(p)->type != T_RBRACE) {
        if (keys.n && expect(p, T_COMMA, "',' or '}'") != 0)
            goto done;
        if (cur(p)->type == T_RBRACE)
            break;
        node_t *k = parse_expression(p);
        if (!k || expect(p, T_COLON, "':'") != 0)
            goto done;
        node_t *v = parse_expression(p);
        if (!v)
            goto done;
        nvec_push(&keys, k);
        nvec_push(&vals, v);
    }
    advance(p);
    result = mk(p, N_DICT, start);
    result->u.dict.keys = node_array(p, keys.items, keys.n);
    result->u.dict.vals = node_array(p, vals.items, vals.n);
    result->u.dict.n = keys.n;
    if (finish(p, result) != 0)
        result = NULL;
done:
    free(keys.items);
    free(vals.items);
    return result;
}

static node_t *parse_primary(parser_t *p)
{
    const token_t *t = cur(p);
    node_t *n;
    switch (t->type) {
    case T_NAME:
        n = mk(p, N_CONST, t);
        if (tok_is_name(t, "true") || tok_is_name(t, "True")) {
            n->u.cval = tv_bool(1);
        } else if (tok_is_name(t, "false") || tok_is_name(t, "False")) {
            n->u.cval = tv_bool(0);
        } else if (tok_is_name(t, "none") || tok_is_name(t, "None")) {
            n->u.cval = tv_none();
        } else {
            n->kind = N_NAME;
            n->u.name.name = intern_name(p->t, t->s, t->len);
            n->u.name.builtin = builtin_lookup(n->u.name.name);
            n->aux = (uint32_t)t->len;
        }
        advance(p);
        return n;
    case T_STRING: {
        n = mk(p, N_CONST, t);
        advance(p);
        if (cur(p)->type != T_STRING) {
            n->u.cval = tv_str(t->s, t->len);
            return n;
        }
        /* Adjacent literals concatenate: "a" "b" is "ab". */
        buf_t b;
        buf_init(&b);
        buf_append(&b, t->s, t->len);
        while (cur(p)->type == T_STRING) {
            buf_append(&b, cur(p)->s, cur(p)->len);
            advance(p);
        }
        char *s = arena_strndup(&p->t->arena, buf_str(&b), b.len);
        n->u.cval = tv_str(s, b.len);
        buf_free(&b);
        return n;
    }
    case T_INT:
        n = mk(p, N_CONST, t);
        n->u.cval = tv_int(t->num.i);
        advance(p);
        return n;
    case T_FLOAT:
        n = mk(p, N_CONST, t);
        n->u.cval = tv_float(t->num.f);
        advance(p);
        return n;
    case T_LPAREN: /* nesting is counted by parse_expression, once per level */
        advance(p);
        n = parse_tuple(p, 1, 1);
        if (!n || expect(p, T_RPAREN, "')'") != 0)
            return NULL;
        return n;
    case T_LBRACKET:
        return parse_list(p);
    case T_LBRACE:
        return parse_dict(p);
    default:
        expected(p, "an expression");
        return NULL;
    }
}

/* Arguments of a call: positional, then name=value. */
typedef struct callargs {
    nvec_t pos;
    nvec_t kwvals;
    const char *kwnames[TEMPLATE_MAX_ARGS];
    const token_t *kwtoks[TEMPLATE_MAX_ARGS];
} callargs_t;

static int parse_call_args(parser_t *p, callargs_t *ca)
{
    memset(ca, 0, sizeof *ca);
    advance(p); /* ( */
    while (cur(p)->type != T_RPAREN) {
        if (ca->pos.n + ca->kwvals.n && expect(p, T_COMMA, "',' or ')'") != 0)
            return -1;
        if (cur(p)->type == T_RPAREN)
            break;
        if (ca->pos.n + ca->kwvals.n >= TEMPLATE_MAX_ARGS)
            return perr(p, cur(p), "more than %d arguments", TEMPLATE_MAX_ARGS);
        if (cur(p)->type == T_MUL || cur(p)->type == T_POW)
            return perr(p, cur(p), "*args and **kwargs are not supported");
        if (cur(p)->type == T_NAME && peek(p, 1)->type == T_ASSIGN) {
            const token_t *nt = cur(p);
            const char *name = intern_name(p->t, nt->s, nt->len);
            for (size_t i = 0; i < ca->kwvals.n; i++)
                if (ca->kwnames[i] == name)
                    return perr(p, nt, "keyword argument '%s' repeated", name);
            advance(p);
            advance(p);
            node_t *v = parse_expression(p);
            if (!v)
                return -1;
            ca->kwnames[ca->kwvals.n] = name;
            ca->kwtoks[ca->kwvals.n] = nt;
            nvec_push(&ca->kwvals, v);
        } else {
            if (ca->kwvals.n)
                return perr(p, cur(p), "positional argument follows keyword argument");
            node_t *v = parse_expression(p);
            if (!v)
                return -1;
            nvec_push(&ca->pos, v);
        }
    }
    advance(p); /* ) */
    return 0;
}

static void callargs_free(callargs_t *ca)
{
    free(ca->pos.items);
    free(ca->kwvals.items);
}

/* Bind parsed arguments to a filter or test's parameters. */
static int bind_spec(parser_t *p, const token_t *at, const char *what, const callspec_t *spec,
                     callargs_t *ca, node_t **slots)
{
    int pos_slot[TEMPLATE_MAX_ARGS], kw_slot[TEMPLATE_MAX_ARGS];
    char why[160];
    if (callspec_bind(spec, ca->pos.n, ca->kwnames, ca->kwvals.n, pos_slot, kw_slot, why,
                      sizeof why) != 0)
        return perr(p, at, "%s '%s' %s", what, spec->name, why);
    for (size_t i = 0; i < ca->pos.n; i++)
        slots[pos_slot[i]] = ca->pos.items[i];
    for (size_t i = 0; i < ca->kwvals.n; i++)
        slots[kw_slot[i]] = ca->kwvals.items[i];
    return 0;
}

static node_t *parse_call(parser_t *p, node_t *callee)
{
    const token_t *at = cur(p);
    callargs_t ca;
    node_t *n = NULL;
    if (parse_call_args(p, &ca) != 0)
        goto done;
    n = mk(p, N_CALL, at);
    n->line = callee->line;
    n->col = callee->col;
    n->u.call.callee = callee;
    n->u.call.args = node_array(p, ca.pos.items, ca.pos.n);
    n->u.call.nargs = ca.pos.n;
    n->u.call.kwargs = node_array(p, ca.kwvals.items, ca.kwvals.n);
    n->u.call.nkw = ca.kwvals.n;
    const char **names = arena_alloc(&p->t->arena, (ca.kwvals.n + 1) * sizeof *names);
    memcpy(names, ca.kwnames, ca.kwvals.n * sizeof *names);
    n->u.call.kwnames = names;
    if (finish(p, n) != 0)
        n = NULL;
done:
    callargs_free(&ca);
    return n;
}

/* [index] or [start:stop:step] after obj. */
static node_t *parse_subscript(parser_t *p, node_t *obj)
{
    const token_t *at = cur(p);
    advance(p); /* [ */
    node_t *parts[3] = {NULL, NULL, NULL};
    int nparts = 0, is_slice = 0;
    for (;;) {
        if (cur(p)->type != T_COLON && cur(p)->type != T_RBRACKET) {
            parts[nparts] = parse_expression(p);
            if (!parts[nparts])
                return NULL;
        }
        if (cur(p)->type == T_COLON && nparts < 2) {
            is_slice = 1;
            nparts++;
            advance(p);
            continue;
        }
        break;
    }
    if (expect(p, T_RBRACKET, "']'") != 0)
        return NULL;
    node_t *n;
    if (is_slice) {
        n = mk(p, N_SLICE, at);
        n->u.slice.obj = obj;
        n->u.slice.start = parts[0];
        n->u.slice.stop = parts[1];
        n->u.slice.step = parts[2];
    } else {
        if (!parts[0]) {
            expected(p, "an index");
            return NULL;
        }
        n = mk(p, N_INDEX, at);
        n->u.index.obj = obj;
        n->u.index.index = parts[0];
    }
    /* Errors about a[b] point at the start of a, where the path being described starts. */
    n->line = obj->line;
    n->col = obj->col;
    return finish(p, n) == 0 ? n : NULL;
}

static node_t *parse_postfix(parser_t *p, node_t *n)
{
    while (n) {
        const token_t *t = cur(p);
        if (t->type == T_DOT) {
            advance(p);
            const token_t *a = cur(p);
            node_t *m;
            if (a->type == T_NAME) {
                m = mk(p, N_ATTR, t);
                m->u.attr.obj = n;
                m->u.attr.name = intern_name(p->t, a->s, a->len);
                m->u.attr.len = a->len;
                m->aux = attr_hints(a->s, a->len);
            } else if (a->type == T_INT) { /* xs.0 is xs[0] */
                node_t *idx = mk(p, N_CONST, a);
                idx->u.cval = tv_int(a->num.i);
                m = mk(p, N_INDEX, t);
                m->u.index.obj = n;
                m->u.index.index = idx;
            } else {
                expected(p, "an attribute name after '.'");
                return NULL;
            }
            advance(p);
            m->line = n->line;
            m->col = n->col;
            if (finish(p, m) != 0)
                return NULL;
            n = m;
        } else if (t->type == T_LBRACKET) {
            n = parse_subscript(p, n);
        } else if (t->type == T_LPAREN) {
            n = parse_call(p, n);
        } else {
            break;
        }
    }
    return n;
}

static node_t *parse_filter(parser_t *p, node_t *arg)
{
    advance(p); /* | */
    const token_t *nt = cur(p);
    if (nt->type != T_NAME) {
        expected(p, "a filter name");
        return NULL;
    }
    const callspec_t *spec = filter_find(nt->s, nt->len);
    if (!spec) {
        perr(p, nt, "unknown filter '%.*s'", nt->len > 60 ? 60 : (int)nt->len, nt->s);
        return NULL;
    }
    advance(p);
    node_t *n = mk(p, N_FILTER, nt);
    n->u.filter.arg = arg;
    n->u.filter.spec = spec;
    n->u.filter.args = arena_alloc(&p->t->arena, (spec->nparams + 1) * sizeof(node_t *));
    memset(n->u.filter.args, 0, (spec->nparams + 1) * sizeof(node_t *));
    callargs_t ca;
    memset(&ca, 0, sizeof ca);
    if (cur(p)->type == T_LPAREN && parse_call_args(p, &ca) != 0)
        goto fail;
    if (bind_spec(p, nt, "filter", spec, &ca, n->u.filter.args) != 0)
        goto fail;
    callargs_free(&ca);
    return finish(p, n) == 0 ? n : NULL;
fail:
    callargs_free(&ca);
    return NULL;
}

static node_t *parse_test(parser_t *p, node_t *arg)
{
    const token_t *is = cur(p);
    advance(p); /* is */
    int negate = 0;
    if (tok_is_name(cur(p), "not")) {
        negate = 1;
        advance(p);
    }
    const token_t *nt = cur(p);
    if (nt->type != T_NAME) {
        expected(p, "a test name");
        return NULL;
    }
    const callspec_t *spec = test_find(nt->s, nt->len);
    if (!spec) {
        perr(p, nt, "unknown test '%.*s'", nt->len > 60 ? 60 : (int)nt->len, nt->s);
        return NULL;
    }
    advance(p);
    node_t *n = mk(p, N_TEST, is);
    n->line = arg->line;
    n->col = arg->col;
    n->u.filter.arg = arg;
    n->u.filter.spec = spec;
    n->u.filter.negate = negate;
    n->u.filter.args = arena_alloc(&p->t->arena, (spec->nparams + 1) * sizeof(node_t *));
    memset(n->u.filter.args, 0, (spec->nparams + 1) * sizeof(node_t *));
    callargs_t ca;
    memset(&ca, 0, sizeof ca);
    ttype_t tt = cur(p)->type;
    if (tt == T_LPAREN) {
        if (parse_call_args(p, &ca) != 0)
            goto fail;
    } else if ((tt == T_NAME || tt == T_STRING || tt == T_INT || tt == T_FLOAT ||
                tt == T_LBRACKET || tt == T_LBRACE) &&
               !tok_is_name(cur(p), "else") && !tok_is_name(cur(p), "or") &&
               !tok_is_name(cur(p), "and")) {
        /* One argument without parentheses: `x is divisibleby 3`, `x is sameas none`. */
        if (tok_is_name(cur(p), "is")) {
            perr(p, cur(p), "tests cannot be chained with 'is'");
            goto fail;
        }
        if (enter(p) != 0)
            goto fail;
        node_t *a = parse_postfix(p, parse_primary(p));
        p->depth--;
        if (!a)
            goto fail;
        nvec_push(&ca.pos, a);
    }
    if (bind_spec(p, nt, "test", spec, &ca, n->u.filter.args) != 0)
        goto fail;
    callargs_free(&ca);
    return finish(p, n) == 0 ? n : NULL;
fail:
    callargs_free(&ca);
    return NULL;
}

static node_t *parse_filter_expr(parser_t *p, node_t *n)
{
    while (n) {
        if (cur(p)->type == T_PIPE)
            n = parse_filter(p, n);
        else if (tok_is_name(cur(p), "is"))
            n = parse_test(p, n);
        else
            break;
    }
    return n;
}

static node_t *parse_unary(parser_t *p, int with_filter)
{
    const token_t *t = cur(p);
    node_t *n;
    if (t->type == T_SUB || t->type == T_ADD) {
        if (enter(p) != 0)
            return NULL;
        advance(p);
        node_t *a = parse_unary(p, 0);
        p->depth--;
        if (!a)
            return NULL;
        n = mk(p, N_UNARY, t);
        n->op = t->type == T_SUB ? OP_NEG : OP_POS;
        n->u.bin.a = a;
        if (finish(p, n) != 0)
            return NULL;
    } else {
        n = parse_primary(p);
    }
    n = parse_postfix(p, n);
    if (with_filter)
        n = parse_filter_expr(p, n);
    return n;
}

static node_t *binary(parser_t *p, const token_t *at, int op, node_t *a, node_t *b)
{
    if (!a || !b)
        return NULL;
    node_t *n = mk(p, N_BINARY, at);
    n->line = a->line;
    n->col = a->col;
    n->op = (uint8_t)op;
    n->u.bin.a = a;
    n->u.bin.b = b;
    return finish(p, n) == 0 ? n : NULL;
}

static node_t *parse_pow(parser_t *p)
{
    node_t *n = parse_unary(p, 1);
    while (n && cur(p)->type == T_POW) {
        const token_t *t = cur(p);
        advance(p);
        n = binary(p, t, OP_POW, n, parse_unary(p, 1));
    }
    return n;
}

static node_t *parse_math2(parser_t *p)
{
    node_t *n = parse_pow(p);
    for (;;) {
        const token_t *t = cur(p);
        int op = t->type == T_MUL        ? OP_MUL
                 : t->type == T_DIV      ? OP_DIV
                 : t->type == T_FLOORDIV ? OP_FLOORDIV
                 : t->type == T_MOD      ? OP_MOD
                                         : -1;
        if (!n || op < 0)
            return n;
        advance(p);
        n = binary(p, t, op, n, parse_pow(p));
    }
}

static node_t *parse_concat(parser_t *p)
{
    node_t *first = parse_math2(p);
    if (!first || cur(p)->type != T_TILDE)
        return first;
    nvec_t parts = {0};
    nvec_push(&parts, first);
    node_t *n = NULL;
    while (cur(p)->type == T_TILDE) {
        advance(p);
        node_t *e = parse_math2(p);
        if (!e)
            goto done;
        nvec_push(&parts, e);
    }
    n = mk(p, N_CONCAT, cur(p));
    n->line = first->line;
    n->col = first->col;
    n->u.list.items = node_array(p, parts.items, parts.n);
    n->u.list.n = parts.n;
    if (finish(p, n) != 0)
        n = NULL;
done:
    free(parts.items);
    return n;
}

static node_t *parse_math1(parser_t *p)
{
    node_t *n = parse_concat(p);
    while (n && (cur(p)->type == T_ADD || cur(p)->type == T_SUB)) {
        const token_t *t = cur(p);
        advance(p);
        n = binary(p, t, t->type == T_ADD ? OP_ADD : OP_SUB, n, parse_concat(p));
    }
    return n;
}

static node_t *parse_compare(parser_t *p)
{
    node_t *first = parse_math1(p);
    if (!first)
        return NULL;
    nvec_t operands = {0};
    uint8_t ops[TEMPLATE_MAX_HEIGHT];
    node_t *n = first;
    for (;;) {
        const token_t *t = cur(p);
        int op = t->type == T_EQ   ? CMP_EQ
                 : t->type == T_NE ? CMP_NE
                 : t->type == T_LT ? CMP_LT
                 : t->type == T_LE ? CMP_LE
                 : t->type == T_GT ? CMP_GT
                 : t->type == T_GE ? CMP_GE
                                   : -1;
        if (op >= 0) {
            advance(p);
        } else if (tok_is_name(t, "in")) {
            op = CMP_IN;
            advance(p);
        } else if (tok_is_name(t, "not") && tok_is_name(peek(p, 1), "in")) {
            op = CMP_NOTIN;
            advance(p);
            advance(p);
        } else {
            break;
        }
        if (operands.n >= TEMPLATE_MAX_HEIGHT - 1) {
            perr(p, t, "too many chained comparisons");
            n = NULL;
            goto done;
        }
        node_t *e = parse_math1(p);
        if (!e) {
            n = NULL;
            goto done;
        }
        ops[operands.n] = (uint8_t)op;
        nvec_push(&operands, e);
    }
    if (operands.n) {
        n = mk(p, N_COMPARE, cur(p));
        n->line = first->line;
        n->col = first->col;
        n->u.cmp.first = first;
        n->u.cmp.operands = node_array(p, operands.items, operands.n);
        n->u.cmp.n = operands.n;
        n->u.cmp.ops = arena_alloc(&p->t->arena, operands.n);
        memcpy(n->u.cmp.ops, ops, operands.n);
        if (finish(p, n) != 0)
            n = NULL;
    }
done:
    free(operands.items);
    return n;
}

static node_t *parse_not(parser_t *p)
{
    const token_t *t = cur(p);
    if (!tok_is_name(t, "not"))
        return parse_compare(p);
    if (enter(p) != 0)
        return NULL;
    advance(p);
    node_t *a = parse_not(p);
    p->depth--;
    if (!a)
        return NULL;
    node_t *n = mk(p, N_UNARY, t);
    n->op = OP_NOT;
    n->u.bin.a = a;
    return finish(p, n) == 0 ? n : NULL;
}

static node_t *parse_and(parser_t *p)
{
    node_t *n = parse_not(p);
    while (n && tok_is_name(cur(p), "and")) {
        const token_t *t = cur(p);
        advance(p);
        n = binary(p, t, OP_AND, n, parse_not(p));
    }
    return n;
}

static node_t *parse_or(parser_t *p)
{
    node_t *n = parse_and(p);
    while (n && tok_is_name(cur(p), "or")) {
        const token_t *t = cur(p);
        advance(p);
        n = binary(p, t, OP_OR, n, parse_and(p));
    }
    return n;
}

static node_t *parse_expression(parser_t *p)
{
    if (enter(p) != 0)
        return NULL;
    node_t *n = parse_or(p);
    while (n && tok_is_name(cur(p), "if")) {
        const token_t *t = cur(p);
        advance(p);
        node_t *cond = parse_or(p);
        if (!cond)
            return NULL;
        node_t *other = NULL;
        if (tok_is_name(cur(p), "else")) {
            advance(p);
            other = parse_expression(p);
            if (!other)
                return NULL;
        }
        node_t *c = mk(p, N_COND, t);
        c->line = n->line;
        c->col = n->col;
        c->u.cond.cond = cond;
        c->u.cond.then = n;
        c->u.cond.other = other;
        n = finish(p, c) == 0 ? c : NULL;
    }
    p->depth--;
    return n;
}

/* ---- statements ----------------------------------------------------------------------------- */

/* The closing tags a body ends at; `desc` names the one expected when the template ends. */
typedef struct ends {
    const char *names[4];
    const char *desc;
} ends_t;

static int parse_body(parser_t *p, const ends_t *ends, nodelist_t *out, const char **which);

static int end_tag(parser_t *p)
{
    return expect(p, T_BLOCK_END, "'%}'");
}

/* The body of the block statement whose tag name is at; nesting is bounded. */
static int body_into(parser_t *p, const token_t *at, const ends_t *ends, nodelist_t *out,
                     const char **which)
{
    if (++p->block_depth > TEMPLATE_MAX_DEPTH)
        return perr(p, at, "blocks nested deeper than %d", TEMPLATE_MAX_DEPTH);
    int rc = parse_body(p, ends, out, which);
    p->block_depth--;
    return rc;
}

/* Consume `{% name` of a closing tag that parse_body stopped at. */
static void skip_tag_name(parser_t *p)
{
    advance(p); /* {% */
    advance(p); /* name */
}

static node_t *parse_if(parser_t *p, const token_t *at)
{
    /* if / elif chains are kept flat (arrays of conditions and bodies) so a long chain of
     * elifs costs no recursion, neither here nor when rendering. */
    node_t *n = mk(p, S_IF, at);
    nvec_t conds = {0};
    size_t nbodies = 0, capbodies = 0;
    nodelist_t *bodies = NULL;
    static const ends_t ends = {{"elif", "else", "endif"}, "'endif'"};
    const char *which = "elif";
    while (strcmp(which, "elif") == 0) {
        node_t *cond = parse_tuple(p, 1, 0);
        if (!cond || end_tag(p) != 0)
            goto fail;
        nvec_push(&conds, cond);
        if (nbodies == capbodies) {
            capbodies = capbodies ? capbodies * 2 : 4;
            bodies = xrealloc(bodies, capbodies * sizeof *bodies);
        }
        if (body_into(p, at, &ends, &bodies[nbodies++], &which) != 0)
            goto fail;
        skip_tag_name(p);
    }
    if (strcmp(which, "else") == 0) {
        static const ends_t else_ends = {{"endif"}, "'endif'"};
        if (end_tag(p) != 0 || body_into(p, at, &else_ends, &n->u.if_.other, &which) != 0)
            goto fail;
        skip_tag_name(p);
    }
    if (end_tag(p) != 0)
        goto fail;
    n->u.if_.conds = node_array(p, conds.items, conds.n);
    n->u.if_.n = conds.n;
    n->u.if_.bodies = arena_alloc(&p->t->arena, nbodies * sizeof *bodies);
    memcpy(n->u.if_.bodies, bodies, nbodies * sizeof *bodies);
    free(conds.items);
    free(bodies);
    return n;
fail:
    free(conds.items);
    free(bodies);
    return NULL;
}

/* Assignment targets: `a`, `a, b`, `(a, b)`. */
static int parse_targets(parser_t *p, const char ***out, size_t *nout)
{
    const char *names[16];
    size_t n = 0;
    int paren = cur(p)->type == T_LPAREN;
    if (paren)
        advance(p);
    for (;;) {
        if (cur(p)->type != T_NAME)
            return expected(p, "a variable name");
        if (n == sizeof names / sizeof names[0])
            return perr(p, cur(p), "too many names to unpack");
        names[n++] = intern_name(p->t, cur(p)->s, cur(p)->len);
        advance(p);
        if (cur(p)->type != T_COMMA)
            break;
        advance(p);
    }
    if (paren && expect(p, T_RPAREN, "')'") != 0)
        return -1;
    const char **a = arena_alloc(&p->t->arena, n * sizeof *a);
    memcpy(a, names, n * sizeof *a);
    *out = a;
    *nout = n;
    return 0;
}

static node_t *parse_for(parser_t *p, const token_t *at)
{
    node_t *n = mk(p, S_FOR, at);
    if (parse_targets(p, &n->u.for_.targets, &n->u.for_.ntargets) != 0)
        return NULL;
    if (!tok_is_name(cur(p), "in")) {
        expected(p, "'in'");
        return NULL;
    }
    advance(p);
    n->u.for_.iter = parse_tuple(p, 0, 0);
    if (!n->u.for_.iter)
        return NULL;
    if (tok_is_name(cur(p), "if")) {
        advance(p);
        n->u.for_.cond = parse_expression(p);
        if (!n->u.for_.cond)
            return NULL;
    }
    if (tok_is_name(cur(p), "recursive")) {
        perr(p, cur(p), "recursive loops are not supported");
        return NULL;
    }
    if (end_tag(p) != 0)
        return NULL;
    static const ends_t ends = {{"else", "endfor"}, "'endfor'"};
    const char *which = NULL;
    p->loop_depth++;
    int rc = body_into(p, at, &ends, &n->u.for_.body, &which);
    p->loop_depth--;
    if (rc != 0)
        return NULL;
    skip_tag_name(p);
    if (strcmp(which, "else") == 0) {
        static const ends_t else_ends = {{"endfor"}, "'endfor'"};
        if (end_tag(p) != 0 || body_into(p, at, &else_ends, &n->u.for_.other, &which) != 0)
            return NULL;
        skip_tag_name(p);
    }
    return end_tag(p) == 0 ? n : NULL;
}

/* A filter chain for {% filter f | g %} (the first `|` implicit) and {% set x | f %}: applied
 * to N_CAPTURED, the captured body. */
static node_t *parse_block_filters(parser_t *p, const token_t *at, int implicit_pipe)
{
    node_t *n = mk(p, N_CAPTURED, at);
    if (implicit_pipe) {
        p->i--; /* parse_filter steps over what it takes for the `|` */
        n = parse_filter(p, n);
    }
    while (n && cur(p)->type == T_PIPE)
        n = parse_filter(p, n);
    return n;
}

static node_t *parse_set(parser_t *p, const token_t *at)
{
    node_t *n = mk(p, S_SET, at);
    const token_t *first = cur(p);
    if (first->type == T_NAME && peek(p, 1)->type == T_DOT) {
        /* {% set ns.attr = value %} */
        n->kind = S_SET_ATTR;
        const char **t = arena_alloc(&p->t->arena, sizeof *t);
        t[0] = intern_name(p->t, first->s, first->len);
        n->u.set.targets = t;
        n->u.set.ntargets = 1;
        advance(p);
        advance(p);
        if (cur(p)->type != T_NAME) {
            expected(p, "an attribute name");
            return NULL;
        }
        n->u.set.attr = intern_name(p->t, cur(p)->s, cur(p)->len);
        advance(p);
        if (expect(p, T_ASSIGN, "'='") != 0)
            return NULL;
        n->u.set.expr = parse_tuple(p, 1, 0);
        return n->u.set.expr && end_tag(p) == 0 ? n : NULL;
    }
    if (parse_targets(p, &n->u.set.targets, &n->u.set.ntargets) != 0)
        return NULL;
    if (cur(p)->type == T_ASSIGN) {
        advance(p);
        n->u.set.expr = parse_tuple(p, 1, 0);
        return n->u.set.expr && end_tag(p) == 0 ? n : NULL;
    }
    if (n->u.set.ntargets != 1) {
        expected(p, "'='");
        return NULL;
    }
    /* Block set: {% set x %}...{% endset %}, optionally {% set x | filter %}. */
    n->kind = S_SET_BLOCK;
    if (cur(p)->type == T_PIPE) {
        n->u.set.expr = parse_block_filters(p, at, 0);
        if (!n->u.set.expr)
            return NULL;
    }
    if (cur(p)->type != T_BLOCK_END) {
        expected(p, "'=' or '%}'");
        return NULL;
    }
    advance(p);
    static const ends_t ends = {{"endset"}, "'endset'"};
    const char *which;
    if (body_into(p, at, &ends, &n->u.set.body, &which) != 0)
        return NULL;
    skip_tag_name(p);
    return end_tag(p) == 0 ? n : NULL;
}

static node_t *parse_filter_block(parser_t *p, const token_t *at)
{
    node_t *n = mk(p, S_FILTER_BLK, at);
    if (cur(p)->type != T_NAME) {
        expected(p, "a filter name");
        return NULL;
    }
    n->u.set.expr = parse_block_filters(p, at, 1);
    if (!n->u.set.expr || end_tag(p) != 0)
        return NULL;
    static const ends_t ends = {{"endfilter"}, "'endfilter'"};
    const char *which;
    if (body_into(p, at, &ends, &n->u.set.body, &which) != 0)
        return NULL;
    skip_tag_name(p);
    return end_tag(p) == 0 ? n : NULL;
}

static node_t *parse_macro(parser_t *p, const token_t *at)
{
    node_t *n = mk(p, S_MACRO, at);
    if (cur(p)->type != T_NAME) {
        expected(p, "a macro name");
        return NULL;
    }
    n->u.macro.name = intern_name(p->t, cur(p)->s, cur(p)->len);
    advance(p);
    if (expect(p, T_LPAREN, "'('") != 0)
        return NULL;
    const char *params[TEMPLATE_MAX_ARGS];
    node_t *defaults[TEMPLATE_MAX_ARGS];
    size_t np = 0;
    while (cur(p)->type != T_RPAREN) {
        if (np && expect(p, T_COMMA, "',' or ')'") != 0)
            return NULL;
        if (cur(p)->type == T_RPAREN)
            break;
        if (cur(p)->type != T_NAME) {
            expected(p, "a parameter name");
            return NULL;
        }
        if (np == TEMPLATE_MAX_ARGS) {
            perr(p, cur(p), "more than %d parameters", TEMPLATE_MAX_ARGS);
            return NULL;
        }
        params[np] = intern_name(p->t, cur(p)->s, cur(p)->len);
        defaults[np] = NULL;
        advance(p);
        if (cur(p)->type == T_ASSIGN) {
            advance(p);
            defaults[np] = parse_expression(p);
            if (!defaults[np])
                return NULL;
        } else if (np && defaults[np - 1]) {
            perr(p, cur(p), "parameter without a default follows one with a default");
            return NULL;
        }
        np++;
    }
    advance(p);
    if (end_tag(p) != 0)
        return NULL;
    const char **pa = arena_alloc(&p->t->arena, (np + 1) * sizeof *pa);
    memcpy(pa, params, np * sizeof *pa);
    n->u.macro.params = pa;
    n->u.macro.defaults = node_array(p, defaults, np);
    n->u.macro.nparams = np;
    static const ends_t ends = {{"endmacro"}, "'endmacro'"};
    const char *which;
    int saved_loops = p->loop_depth;
    p->loop_depth = 0; /* break / continue do not cross a macro */
    int rc = body_into(p, at, &ends, &n->u.macro.body, &which);
    p->loop_depth = saved_loops;
    if (rc != 0)
        return NULL;
    skip_tag_name(p);
    return end_tag(p) == 0 ? n : NULL;
}

static const char *const unsupported_tags[] = {
    "extends", "block",      "include", "import", "from", "call",
    "with",    "autoescape", "do",      "trans",  NULL,
};

/* A statement; cur(p) is the tag name after `{%`. */
static node_t *parse_statement(parser_t *p, const ends_t *ends)
{
    const token_t *t = cur(p);
    char scratch[64];
    advance(p);
    if (tok_is_name(t, "if"))
        return parse_if(p, t);
    if (tok_is_name(t, "for"))
        return parse_for(p, t);
    if (tok_is_name(t, "set"))
        return parse_set(p, t);
    if (tok_is_name(t, "macro"))
        return parse_macro(p, t);
    if (tok_is_name(t, "filter"))
        return parse_filter_block(p, t);
    if (tok_is_name(t, "break") || tok_is_name(t, "continue")) {
        if (p->loop_depth == 0) {
            perr(p, t, "'%.*s' outside of a loop", (int)t->len, t->s);
            return NULL;
        }
        node_t *n = mk(p, tok_is_name(t, "break") ? S_BREAK : S_CONTINUE, t);
        return end_tag(p) == 0 ? n : NULL;
    }
    if (tok_is_name(t, "generation")) {
        node_t *n = mk(p, S_BODY, t);
        static const ends_t g_ends = {{"endgeneration"}, "'endgeneration'"};
        const char *which;
        if (end_tag(p) != 0 || body_into(p, t, &g_ends, &n->u.set.body, &which) != 0)
            return NULL;
        skip_tag_name(p);
        return end_tag(p) == 0 ? n : NULL;
    }
    if (t->type != T_NAME) {
        p->i--;
        expected(p, "a tag name");
        return NULL;
    }
    int closing = (t->len >= 3 && memcmp(t->s, "end", 3) == 0) || tok_is_name(t, "elif") ||
                  tok_is_name(t, "else");
    if (closing && ends && ends->desc)
        perr(p, t, "expected %s, found %s", ends->desc, token_describe(t, scratch, sizeof scratch));
    else if (closing)
        perr(p, t, "unexpected %s", token_describe(t, scratch, sizeof scratch));
    else {
        for (size_t i = 0; unsupported_tags[i]; i++)
            if (tok_is_name(t, unsupported_tags[i])) {
                perr(p, t, "unsupported tag '%s'", unsupported_tags[i]);
                return NULL;
            }
        perr(p, t, "unknown tag %s", token_describe(t, scratch, sizeof scratch));
    }
    return NULL;
}

static int parse_body(parser_t *p, const ends_t *ends, nodelist_t *out, const char **which)
{
    nvec_t items = {0};
    for (;;) {
        const token_t *t = cur(p);
        node_t *n = NULL;
        if (t->type == T_EOF) {
            if (ends) {
                free(items.items);
                return expected(p, ends->desc);
            }
            break;
        }
        if (t->type == T_TEXT) {
            n = mk(p, S_TEXT, t);
            n->u.text.s = t->s;
            n->u.text.len = t->len;
            advance(p);
        } else if (t->type == T_VAR_BEGIN) {
            advance(p);
            n = mk(p, S_OUTPUT, t);
            n->u.output.expr = parse_tuple(p, 1, 0);
            if (!n->u.output.expr || expect(p, T_VAR_END, "'}}'") != 0)
                n = NULL;
        } else if (t->type == T_BLOCK_BEGIN) {
            const token_t *name = peek(p, 1);
            if (ends && name->type == T_NAME) {
                for (size_t i = 0; i < 4 && ends->names[i]; i++) {
                    if (tok_is_name(name, ends->names[i])) {
                        *which = ends->names[i];
                        out->items = node_array(p, items.items, items.n);
                        out->n = items.n;
                        free(items.items);
                        return 0;
                    }
                }
            }
            advance(p);
            n = parse_statement(p, ends);
        } else {
            expected(p, "text or a tag");
        }
        if (!n) {
            free(items.items);
            return -1;
        }
        nvec_push(&items, n);
    }
    out->items = node_array(p, items.items, items.n);
    out->n = items.n;
    free(items.items);
    return 0;
}

int parse_template(template_t *t, const token_t *toks, size_t ntok, err_t *err)
{
    parser_t p = {.t = t, .toks = toks, .ntok = ntok, .err = err};
    return parse_body(&p, NULL, &t->body, NULL);
}
