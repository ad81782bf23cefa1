/* template_internal.h - what the parts of the template engine share and nothing outside
 * src/template/ may use: the bump arena, tokens, AST nodes, runtime values and the render
 * context that filters, tests and methods work against.
 *
 * Lifetimes: a compiled template owns one arena holding every node, decoded string literal and
 * interned name; it is never written after template_compile returns. A render owns a second
 * arena for every value it makes (strings, lists, dicts, namespaces), freed in one go when the
 * render ends, so values are plain structs that never need freeing one by one. */
#ifndef LLMOPS_TEMPLATE_TEMPLATE_INTERNAL_H
#define LLMOPS_TEMPLATE_TEMPLATE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "template/template.h"

/* Chains of binary operators, filters and postfix operations build left-deep trees without
 * nesting; their height is bounded separately (generously) so evaluation recursion is bounded. */
#define TEMPLATE_MAX_HEIGHT (4 * TEMPLATE_MAX_DEPTH)
#define TEMPLATE_MAX_ARGS   32   /* arguments of one call or filter */
#define RENDER_MAX_DEPTH    1000 /* nested evaluation at render time (macros recursing) */
/* Working memory of one render (values it builds), at least this much and at least
 * TEMPLATE_MEMORY_FACTOR x max_output. */
#define TEMPLATE_MIN_MEMORY    (64u << 20)
#define TEMPLATE_MEMORY_FACTOR 8u

/* ---- arena.c: bump allocation freed all at once -------------------------------------------- */

typedef struct arena_chunk arena_chunk_t;
typedef struct arena {
    char *ptr, *end;       /* free space of the current chunk */
    arena_chunk_t *chunks; /* malloc'd chunks, newest first */
    size_t used;           /* bytes taken from malloc so far */
    size_t limit;          /* arena_alloc returns NULL past this; 0 = no limit */
} arena_t;

/* initial (may be NULL) is caller-owned memory used before any malloc: a render starts on a
 * stack buffer so a small render does not touch malloc for its values at all. */
void arena_init(arena_t *a, void *initial, size_t initial_len, size_t limit);
void arena_free(arena_t *a);
/* Aligned memory, uninitialised; NULL only when the limit would be exceeded. */
void *arena_alloc(arena_t *a, size_t n);
char *arena_strndup(arena_t *a, const char *s, size_t n); /* NUL-terminated copy or NULL */

/* ---- values --------------------------------------------------------------------------------- */

typedef enum vkind {
    V_ABSENT = 0, /* an argument that was not passed (zeroed arrays are all absent) */
    V_UNDEF,      /* undefined: u.node is the expression that produced it (NULL: never raises) */
    V_NONE,
    V_BOOL,   /* u.i is 0 or 1 */
    V_INT,    /* u.i */
    V_FLOAT,  /* u.f */
    V_STR,    /* u.s, len bytes of UTF-8, not necessarily NUL-terminated */
    V_LIST,   /* u.list, built by the render; flag 1: a tuple (printed with parentheses) */
    V_JLIST,  /* u.json, a JSON array borrowed from the variables */
    V_DICT,   /* u.dict, built by the render (dict literal, dict(), namespace() when flag) */
    V_JDICT,  /* u.json, a JSON object borrowed from the variables */
    V_LOOP,   /* u.loop, the `loop` variable of a for loop */
    V_FUNC,   /* u.i, a builtin function (BUILTIN_...) */
    V_METHOD, /* u.method, a method bound to its receiver: "a b".split */
    V_MACRO,  /* u.node, the S_MACRO node */
} vkind_t;

typedef struct tlist tlist_t;
typedef struct tdict tdict_t;
typedef struct loopstate loopstate_t;
typedef struct tmethod tmethod_t;
struct node;

typedef struct tval {
    uint8_t kind; /* vkind_t */
    uint8_t flag; /* V_DICT: 1 when it is a namespace (attributes assignable) */
    uint32_t len; /* V_STR: length in bytes */
    union {
        int64_t i;
        double f;
        const char *s;
        const json_t *json;
        tlist_t *list;
        tdict_t *dict;
        loopstate_t *loop;
        tmethod_t *method;
        const struct node *node;
    } u;
} tval_t;

struct tlist {
    size_t n;
    tval_t *items;
};

struct tdict { /* insertion-ordered; keys are any value (strings in practice), looked up linearly */
    size_t n, cap;
    tval_t *keys;
    tval_t *vals;
};

struct loopstate {
    size_t index0, length;
    int64_t depth0;
    tval_t seq; /* what is iterated, as V_LIST or V_JLIST (for previtem / nextitem) */
};

struct tmethod {
    tval_t self;
    const char *name;
};

enum builtin_id {
    BUILTIN_NONE = 0,
    BUILTIN_RANGE,
    BUILTIN_NAMESPACE,
    BUILTIN_DICT,
    BUILTIN_RAISE_EXCEPTION,
};

static inline tval_t tv_none(void)
{
    tval_t v = {.kind = V_NONE};
    return v;
}
static inline tval_t tv_bool(int b)
{
    tval_t v = {.kind = V_BOOL, .u.i = b ? 1 : 0};
    return v;
}
static inline tval_t tv_int(int64_t i)
{
    tval_t v = {.kind = V_INT, .u.i = i};
    return v;
}
static inline tval_t tv_float(double f)
{
    tval_t v = {.kind = V_FLOAT, .u.f = f};
    return v;
}
static inline tval_t tv_str(const char *s, size_t len)
{
    tval_t v = {.kind = V_STR, .len = (uint32_t)len, .u.s = s};
    return v;
}
static inline int tv_is_list(const tval_t *v)
{
    return v->kind == V_LIST || v->kind == V_JLIST;
}
static inline int tv_is_dict(const tval_t *v)
{
    return v->kind == V_DICT || v->kind == V_JDICT;
}
static inline int tv_is_number(const tval_t *v)
{
    return v->kind == V_INT || v->kind == V_FLOAT || v->kind == V_BOOL;
}

/* ---- value.c: pure operations on values (no allocation, no errors) ------------------------- */

tval_t tv_from_json(const json_t *j);         /* borrowed view of a JSON value */
int tv_truthy(const tval_t *v);               /* Python truthiness; undefined is false */
const char *tv_type_name(const tval_t *v);    /* "number", "string", "list", "dict", "none"... */
const char *tv_a_type(const tval_t *v);       /* the same with an article: "a number", "none" */
size_t tv_seq_len(const tval_t *v);           /* V_LIST / V_JLIST */
tval_t tv_seq_get(const tval_t *v, size_t i); /* V_LIST / V_JLIST, i < len */
size_t tv_dict_len(const tval_t *v);          /* V_DICT / V_JDICT */
int tv_dict_get(const tval_t *d, const char *key, size_t klen, tval_t *out); /* 1 found, 0 not */
int tv_dict_get_value(const tval_t *d, const tval_t *key, tval_t *out);      /* any key type */
int tv_equal(const tval_t *a, const tval_t *b);
/* Order a and b: sets *cmp to <0, 0, >0; -1 when they cannot be ordered (string vs number). */
int tv_compare(const tval_t *a, const tval_t *b, int *cmp);
double tv_as_double(const tval_t *v); /* V_INT / V_FLOAT / V_BOOL */

/* str(v) as Jinja prints it, appended to b: strings as-is, True/False/None, Python float repr,
 * containers as Python repr. */
void tv_write_str(buf_t *b, const tval_t *v);
void tv_write_repr(buf_t *b, const tval_t *v);
/* JSON like Python's json.dumps(v, ensure_ascii=False, indent=indent, sort_keys=sort_keys):
 * indent < 0 means none. -1 when v holds something JSON cannot carry (its type name in *bad). */
int tv_write_json(buf_t *b, const tval_t *v, int indent, int sort_keys, const char **bad);
/* Decimal digits of i into out (NUL-terminated); returns the length. */
size_t fmt_int(int64_t i, char out[24]);
/* Python repr of a float: shortest round-trip digits, "1.0", "1e+16", "inf", "nan". */
void fmt_float(double f, char out[32]);

/* UTF-8 helpers: code points in s, and the byte offset of code point index i (clamped). */
size_t utf8_count(const char *s, size_t len);
size_t utf8_offset(const char *s, size_t len, size_t i);
int utf8_valid(const char *s, size_t len);

/* ---- lexer.c -------------------------------------------------------------------------------- */

typedef enum ttype {
    T_EOF = 0,
    T_TEXT,
    T_VAR_BEGIN,
    T_VAR_END,
    T_BLOCK_BEGIN,
    T_BLOCK_END,
    T_NAME,
    T_STRING,
    T_INT,
    T_FLOAT,
    T_ADD,
    T_SUB,
    T_MUL,
    T_DIV,
    T_FLOORDIV,
    T_MOD,
    T_POW,
    T_TILDE,
    T_LPAREN,
    T_RPAREN,
    T_LBRACKET,
    T_RBRACKET,
    T_LBRACE,
    T_RBRACE,
    T_COMMA,
    T_DOT,
    T_COLON,
    T_PIPE,
    T_ASSIGN,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_SEMICOLON,
} ttype_t;

typedef struct token {
    uint8_t type;
    uint32_t line, col;
    const char *s; /* T_TEXT, T_NAME: bytes; T_STRING: the decoded value */
    size_t len;
    union {
        int64_t i;
        double f;
    } num;
} token_t;

typedef struct lex_options {
    int trim_blocks;
    int lstrip_blocks;
} lex_options_t;

/* Tokenise source into *out (a malloc'd array of *ntok tokens ending in T_EOF; the caller frees
 * it; decoded strings live in the arena a). -1 with a template_syntax error naming line:column. */
int lex_tokens(const char *src, size_t len, const lex_options_t *opt, arena_t *a, token_t **out,
               size_t *ntok, err_t *err);
const char *token_describe(const token_t *t, char *scratch, size_t n); /* "'endif'", "end of.." */

/* ---- nodes ---------------------------------------------------------------------------------- */

typedef enum nkind {
    /* expressions */
    N_CONST,
    N_NAME,
    N_ATTR,
    N_INDEX,
    N_SLICE,
    N_LIST,
    N_DICT,
    N_UNARY,
    N_BINARY,
    N_CONCAT,
    N_COMPARE,
    N_COND,
    N_FILTER,
    N_TEST,
    N_CALL,
    N_CAPTURED, /* the text captured by {% filter %}, read by its filter chain */
    /* statements */
    S_TEXT,
    S_OUTPUT,
    S_IF,
    S_FOR,
    S_SET,        /* {% set a = x %}, {% set a, b = x %} */
    S_SET_ATTR,   /* {% set ns.attr = x %} */
    S_SET_BLOCK,  /* {% set a %}...{% endset %} */
    S_FILTER_BLK, /* {% filter f %}...{% endfilter %} */
    S_BREAK,
    S_CONTINUE,
    S_MACRO,
    S_BODY, /* a plain body: {% generation %} */
} nkind_t;

enum unop { OP_NEG, OP_POS, OP_NOT };
enum binop { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_AND, OP_OR };
enum cmpop { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN, CMP_NOTIN };

typedef struct node node_t;
typedef struct rctx rctx_t;

typedef struct nodelist {
    node_t **items;
    size_t n;
} nodelist_t;

/* A filter or test: its parameters (after the input), bound to argument slots at compile time. */
typedef struct callspec {
    const char *name;
    union {
        int (*filter)(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, tval_t *out);
        int (*test)(rctx_t *r, const node_t *n, tval_t *in, tval_t *args, int *result);
    } fn;
    uint8_t nparams, nrequired;
    uint8_t raw_undefined; /* receives an undefined input as it is (default, defined) */
    const char *params[6];
} callspec_t;

struct node {
    uint8_t kind;    /* nkind_t */
    uint8_t op;      /* unop / binop, S_FOR: 1 when the body reads `loop` */
    uint16_t height; /* expression tree height */
    uint32_t line, col;
    uint32_t aux; /* N_NAME: the name's length; N_ATTR: attr_hints() of the name */
    union {
        tval_t cval; /* N_CONST */
        struct {
            const char *name; /* interned */
            int builtin;      /* builtin_id when the name is a builtin, else 0 */
        } name;
        struct {
            node_t *obj;
            const char *name; /* NUL-terminated */
            size_t len;
        } attr;
        struct {
            node_t *obj, *index;
        } index;
        struct {
            node_t *obj, *start, *stop, *step; /* any may be NULL but obj */
        } slice;
        struct {
            node_t **items; /* N_LIST, N_CONCAT */
            size_t n;
        } list;
        struct {
            node_t **keys, **vals;
            size_t n;
        } dict;
        struct {
            node_t *a, *b; /* N_UNARY: a only */
        } bin;
        struct {
            node_t *first;
            node_t **operands;
            uint8_t *ops;
            size_t n;
        } cmp;
        struct {
            node_t *cond, *then, *other; /* other may be NULL */
        } cond;
        struct {
            node_t *arg;
            const callspec_t *spec;
            node_t **args; /* spec->nparams slots, NULL where not passed */
            int negate;    /* N_TEST: `is not` */
        } filter;
        struct {
            node_t *callee;
            node_t **args;
            size_t nargs;
            const char **kwnames; /* interned */
            node_t **kwargs;
            size_t nkw;
        } call;
        struct {
            const char *s;
            size_t len;
        } text;
        struct {
            node_t *expr;
        } output;
        struct {
            node_t **conds;     /* if, then each elif */
            nodelist_t *bodies; /* one per condition */
            size_t n;
            nodelist_t other; /* else */
        } if_;
        struct {
            const char **targets; /* interned */
            size_t ntargets;
            node_t *iter, *cond; /* cond: `for x in xs if cond`, may be NULL */
            nodelist_t body, other;
        } for_;
        struct {
            const char **targets; /* S_SET, S_SET_BLOCK (1 target); S_SET_ATTR: targets[0] */
            size_t ntargets;
            const char *attr; /* S_SET_ATTR */
            node_t *expr;     /* S_SET, S_SET_ATTR; S_SET_BLOCK / S_FILTER_BLK: filter or NULL */
            nodelist_t body;  /* S_SET_BLOCK, S_FILTER_BLK, S_BODY */
        } set;
        struct {
            const char *name; /* interned */
            const char **params;
            node_t **defaults; /* NULL where the parameter has none */
            size_t nparams;
            nodelist_t body;
        } macro;
    } u;
};

/* ---- parser.c / template.c ------------------------------------------------------------------ */

/* Interned names: equal names share one pointer, so scopes compare pointers. */
typedef struct interns {
    const char **slots; /* open addressing, power-of-two size */
    size_t cap, n;
} interns_t;

struct template
{
    arena_t arena;
    nodelist_t body;
    interns_t names;
    const char *loop_name;  /* the interned "loop" */
    const char **variables; /* template_variables(), in order of first use */
    size_t nvariables;
    size_t source_len;
};

const char *intern_name(template_t *t, const char *s, size_t len);
int parse_template(template_t *t, const token_t *toks, size_t ntok, err_t *err);
int builtin_lookup(const char *name);

/* ---- filters.c / methods.c ------------------------------------------------------------------ */

const callspec_t *filter_find(const char *name, size_t len);
const callspec_t *test_find(const char *name, size_t len);
/* Bind call arguments to spec parameters (used at compile time by the parser for filters and
 * tests): fills slots[spec->nparams]; on failure writes a reason into why and returns -1. */
int callspec_bind(const callspec_t *spec, size_t npos, const char *const *kwnames, size_t nkw,
                  int *slot_of_pos, int *slot_of_kw, char *why, size_t whylen);

/* String helpers shared by filters and methods: Python's str.strip (whitespace when chars is
 * NULL; the result is a substring) and str.replace. */
int str_strip(rctx_t *r, const node_t *n, const tval_t *s, const tval_t *chars, int left, int right,
              tval_t *out);
int str_replace(rctx_t *r, const node_t *n, const tval_t *s, const tval_t *old, const tval_t *new_,
                int64_t count, tval_t *out);

/* What an attribute name can mean, worked out once at compile time so attribute access at
 * render time does not search method tables: ATTR_DICT_METHOD / ATTR_STR_METHOD when dicts /
 * strings have a method of that name, and the loop attribute (LOOP_...) in the bits above. */
enum { ATTR_DICT_METHOD = 1, ATTR_STR_METHOD = 2, ATTR_LOOP_SHIFT = 8 };
enum loop_attr {
    LOOP_NONE,
    LOOP_INDEX,
    LOOP_INDEX0,
    LOOP_REVINDEX,
    LOOP_REVINDEX0,
    LOOP_FIRST,
    LOOP_LAST,
    LOOP_LENGTH,
    LOOP_DEPTH,
    LOOP_DEPTH0,
    LOOP_PREVITEM,
    LOOP_NEXTITEM,
    LOOP_CYCLE,
};
unsigned attr_hints(const char *name, size_t len);

/* Methods of strings and dicts ("a".upper(), d.items()): the method's canonical (static)
 * name when recv has one called name, else NULL. */
const char *method_find(const tval_t *recv, const char *name, size_t len);
int method_call(rctx_t *r, const node_t *n, const tval_t *recv, const char *name,
                const tval_t *args, size_t nargs, const char *const *kwnames, const tval_t *kwvals,
                size_t nkw, tval_t *out);
int builtin_call(rctx_t *r, const node_t *n, int id, const tval_t *args, size_t nargs,
                 const char *const *kwnames, const tval_t *kwvals, size_t nkw, tval_t *out);

/* ---- render.c: the render context and what filters and methods need of it ------------------ */

typedef struct scope_var {
    const char *name; /* interned */
    tval_t val;
} scope_var_t;

struct rctx {
    const template_t *t;
    const json_t *vars;
    int lenient;
    size_t max_output, max_iterations, iterations;
    buf_t *out; /* the root output or a capture */
    arena_t arena;
    scope_var_t *scope;         /* the variable stack, innermost last */
    scope_var_t *scope_initial; /* its first storage, on template_render's stack */
    size_t nscope, capscope;
    size_t frame;    /* where the innermost frame starts: {% set %} writes there */
    size_t floor;    /* lookups stop here (inside a macro: its frame), then the root frame */
    size_t root_end; /* end of the root (template-level) frame while inside a macro */
    int in_macro;    /* depth of macro calls */
    int ctl;         /* a pending {% break %} (1) or {% continue %} (2) */
    int depth;       /* recursion of eval_expr / render_body, bounded by RENDER_MAX_DEPTH */
    tval_t captured; /* what N_CAPTURED reads */
    err_t *err;
};

int r_error(rctx_t *r, const node_t *n, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int r_type_error(rctx_t *r, const node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *r_alloc(rctx_t *r, const node_t *n, size_t size); /* NULL with a template_limit error */
/* Copy len bytes of s into the render arena as a string value. */
int r_strdup(rctx_t *r, const node_t *n, const char *s, size_t len, tval_t *out);
/* Working buffers (join, replace, indent...) may not outgrow the render's memory bound:
 * true when b has, after which the caller stops and reports r_memory_error. */
int r_buf_over(const rctx_t *r, const buf_t *b);
int r_memory_error(rctx_t *r, const node_t *n);
/* Take the contents of b as a string value (b is left for the caller to free). */
int r_str_from_buf(rctx_t *r, const node_t *n, const buf_t *b, tval_t *out);
/* An undefined value used where a real one is needed: an error in strict mode, "" when
 * lenient. Values that are not undefined pass unchanged. */
int r_resolve(rctx_t *r, tval_t *v);
int r_undefined_error(rctx_t *r, const tval_t *v);
/* str(v) as a string value (strings pass unchanged). */
int r_to_string(rctx_t *r, const node_t *n, const tval_t *v, tval_t *out);
/* What `for` iterates: lists as they are, a dict's keys, a string's characters. */
int r_iterable(rctx_t *r, const node_t *n, const tval_t *v, tval_t *seq);
/* A new list of n items (uninitialised). */
int r_new_list(rctx_t *r, const node_t *n, size_t count, tval_t *out);
/* Count work against max_iterations (sorting, range, filters that walk sequences). */
int r_count_iterations(rctx_t *r, const node_t *n, size_t count);
/* Set key in a namespace / dict built by the render. */
int r_dict_set(rctx_t *r, const node_t *n, tdict_t *d, const tval_t *key, const tval_t *val);
/* Call a callable value (builtin, method, macro) with evaluated arguments. */
int r_call_value(rctx_t *r, const node_t *n, const tval_t *callee, const tval_t *args, size_t nargs,
                 const char *const *kwnames, const tval_t *kwvals, size_t nkw, tval_t *out);
/* Truthiness, where an undefined value in strict mode is an error. */
int r_truthy(rctx_t *r, const tval_t *v, int *out);
/* Python's a <op> b for + - * / // % ** (strings and lists for + and *). */
int r_arith(rctx_t *r, const node_t *n, int op, tval_t *a, tval_t *b, tval_t *out);
/* Slice v[start:stop:step] (absent bounds are V_ABSENT or V_NONE). */
int r_slice(rctx_t *r, const node_t *n, const tval_t *v, const tval_t *start, const tval_t *stop,
            const tval_t *step, tval_t *out);
/* obj.name as Jinja resolves it (methods of dicts and strings first, then keys). */
int r_getattr(rctx_t *r, const node_t *n, const tval_t *obj, const char *name, size_t len,
              unsigned hints, tval_t *out);
/* obj[key] (lists by integer, dicts by key, strings by character); undefined when missing. */
int r_getitem(rctx_t *r, const node_t *n, const tval_t *obj, const tval_t *key, tval_t *out);

/* eval.c / render.c */
int eval_expr(rctx_t *r, const node_t *n, tval_t *out);
int render_body(rctx_t *r, const nodelist_t *body);
int r_call_macro(rctx_t *r, const node_t *at, const node_t *macro, const tval_t *args, size_t nargs,
                 const char *const *kwnames, const tval_t *kwvals, size_t nkw, tval_t *out);
/* Look a name up: scopes, then the variables, then builtins; undefined (naming n) if none. */
void r_lookup(rctx_t *r, const node_t *n, const char *name, size_t len, int builtin, tval_t *out);
int r_enter(rctx_t *r, const node_t *n); /* bounds recursion; r_leave undoes */
static inline void r_leave(rctx_t *r)
{
    r->depth--;
}

#endif
