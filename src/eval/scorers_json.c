/* scorers_json.c - json_valid (the answer parses as JSON) and json_schema (the answer parses
 * and validates against a JSON Schema).
 *
 * No Debian-packaged C library validates JSON Schema, so this is a hand-written validator for
 * a stated subset of draft 2020-12 (listed in SUPPORTED below and in docs/scorers.md). A
 * schema is compiled once at create into a tree of nodes (patterns compiled with PCRE2); a
 * keyword outside the subset is a 400 at create, never silently ignored, so a schema never
 * validates less than its author believes. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "eval/scorer_internal.h"

/* ---- JSON equality (numbers by value) ---- */

int scorer_json_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b))
        return 0;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        const char *key;
        const json_t *va;
        json_object_foreach((json_t *)a, key, va)
        {
            const json_t *vb = json_object_get(b, key);
            if (!vb || !scorer_json_equal(va, vb))
                return 0;
        }
        return 1;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!scorer_json_equal(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    default: /* true, false, null */
        return 1;
    }
}

/* Code points in a UTF-8 string (jansson strings are valid UTF-8): bytes that do not
 * continue a sequence. */
static size_t utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* ---- json_valid ---- */

static int json_valid_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                            err_t *err)
{
    (void)s;
    (void)err;
    json_error_t jerr;
    json_t *v = json_loads(sample->output, JSON_DECODE_ANY, &jerr);
    out->value = v != NULL;
    if (!v) {
        size_t n = strlen(jerr.text) + 64;
        out->reason = xmalloc(n);
        snprintf(out->reason, n, "not JSON: line %d, column %d: %s", jerr.line, jerr.column,
                 jerr.text);
    }
    json_decref(v);
    return 0;
}

static const scorer_vtable_t json_valid_vt = {.score = json_valid_score};

int scorer_new_json_valid(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    if (scorer_check_keys(s, spec, NULL, err) < 0)
        return -1;
    s->vt = &json_valid_vt;
    s->threshold = 1;
    return 0;
}

/* ---- json_schema: the compiled schema ---- */

#define SCHEMA_MAX_DEPTH 64

enum {
    T_NULL = 1 << 0,
    T_BOOLEAN = 1 << 1,
    T_OBJECT = 1 << 2,
    T_ARRAY = 1 << 3,
    T_NUMBER = 1 << 4,
    T_INTEGER = 1 << 5,
    T_STRING = 1 << 6,
};

static const struct {
    const char *name;
    unsigned bit;
} type_names[] = {{"null", T_NULL},    {"boolean", T_BOOLEAN}, {"object", T_OBJECT},
                  {"array", T_ARRAY},  {"number", T_NUMBER},   {"integer", T_INTEGER},
                  {"string", T_STRING}};

typedef struct snode snode_t;

typedef struct {
    size_t n;
    snode_t **nodes;
} snode_list_t;

struct snode {
    int always;     /* -1: an object schema; 0: the schema `false`; 1: the schema `true` */
    unsigned types; /* 0: any type */
    const json_t *enum_values; /* borrowed from the spec the scorer keeps */
    const json_t *const_value;
    int has_min, has_max, has_xmin, has_xmax;
    double minimum, maximum, xminimum, xmaximum;
    long long min_length, max_length, min_items, max_items, min_props, max_props; /* -1: none */
    int unique_items;
    size_t nprops;
    const char **prop_names; /* borrowed */
    snode_t **props;
    const json_t *required; /* array of strings, borrowed */
    snode_t *items;
    snode_t *additional; /* additionalProperties */
    pcre2_code *pattern;
    const char *pattern_src;
    snode_list_t any_of, all_of, one_of;
    snode_t *not_;
};

static void snode_free(snode_t *n);

static void list_free(snode_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        snode_free(l->nodes[i]);
    free(l->nodes);
}

static void snode_free(snode_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nprops; i++)
        snode_free(n->props[i]);
    free(n->props);
    free(n->prop_names);
    snode_free(n->items);
    snode_free(n->additional);
    pcre2_code_free(n->pattern);
    list_free(&n->any_of);
    list_free(&n->all_of);
    list_free(&n->one_of);
    snode_free(n->not_);
    free(n);
}

/* Keywords that only annotate (they never change whether an instance is valid): accepted and
 * ignored. */
static const char *const ANNOTATIONS[] = {"$schema",     "$id",       "$comment", "title",
                                          "description", "default",   "examples", "deprecated",
                                          "readOnly",    "writeOnly", NULL};
/* The validation keywords implemented here. */
static const char *const SUPPORTED[] = {"type",
                                        "enum",
                                        "const",
                                        "minimum",
                                        "maximum",
                                        "exclusiveMinimum",
                                        "exclusiveMaximum",
                                        "minLength",
                                        "maxLength",
                                        "pattern",
                                        "minItems",
                                        "maxItems",
                                        "uniqueItems",
                                        "items",
                                        "properties",
                                        "required",
                                        "additionalProperties",
                                        "minProperties",
                                        "maxProperties",
                                        "anyOf",
                                        "allOf",
                                        "oneOf",
                                        "not",
                                        NULL};

static int listed(const char *key, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(key, list[i]) == 0)
            return 1;
    return 0;
}

static int schema_error(err_t *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int schema_error(err_t *err, const char *path, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_invalid(err, "schema", "schema at %.100s: %s", path, what);
}

static snode_t *compile_node(const json_t *js, const char *path, int depth, err_t *err);

static int number_kw(const json_t *js, const char *kw, int *has, double *out, const char *path,
                     err_t *err)
{
    const json_t *v = json_object_get(js, kw);
    if (!v)
        return 0;
    if (!json_is_number(v))
        return schema_error(err, path, "\"%s\" must be a number", kw);
    *has = 1;
    *out = json_number_value(v);
    return 0;
}

static int count_kw(const json_t *js, const char *kw, long long *out, const char *path, err_t *err)
{
    *out = -1;
    const json_t *v = json_object_get(js, kw);
    if (!v)
        return 0;
    double d = json_is_number(v) ? json_number_value(v) : -1;
    if (!json_is_number(v) || d < 0 || d != floor(d) || d > 9e15)
        return schema_error(err, path, "\"%s\" must be a non-negative integer", kw);
    *out = (long long)d;
    return 0;
}

static int compile_list(const json_t *js, const char *kw, snode_list_t *l, const char *path,
                        int depth, err_t *err)
{
    const json_t *v = json_object_get(js, kw);
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return schema_error(err, path, "\"%s\" must be a non-empty array of schemas", kw);
    l->nodes = xcalloc(json_array_size(v), sizeof *l->nodes);
    for (size_t i = 0; i < json_array_size(v); i++) {
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s/%zu", path, kw, i);
        l->nodes[i] = compile_node(json_array_get(v, i), sub, depth + 1, err);
        if (!l->nodes[i])
            return -1;
        l->n++;
    }
    return 0;
}

static int compile_sub(const json_t *js, const char *kw, snode_t **out, const char *path, int depth,
                       err_t *err)
{
    const json_t *v = json_object_get(js, kw);
    if (!v)
        return 0;
    char sub[512];
    snprintf(sub, sizeof sub, "%s/%s", path, kw);
    *out = compile_node(v, sub, depth + 1, err);
    return *out ? 0 : -1;
}

static int compile_type(snode_t *n, const json_t *v, const char *path, err_t *err)
{
    size_t count = json_is_array(v) ? json_array_size(v) : 1;
    if (!json_is_string(v) && !(json_is_array(v) && count > 0))
        return schema_error(err, path, "%s", "\"type\" must be a type name or an array of them");
    for (size_t i = 0; i < count; i++) {
        const json_t *t = json_is_array(v) ? json_array_get(v, i) : v;
        unsigned bit = 0;
        for (size_t k = 0; json_is_string(t) && k < sizeof type_names / sizeof type_names[0]; k++)
            if (strcmp(json_string_value(t), type_names[k].name) == 0)
                bit = type_names[k].bit;
        if (!bit)
            return schema_error(err, path, "%s",
                                "unknown type name (null, boolean, object, array, number, "
                                "integer, string)");
        n->types |= bit;
    }
    return 0;
}

static int compile_object_kws(snode_t *n, const json_t *js, const char *path, int depth, err_t *err)
{
    const json_t *props = json_object_get(js, "properties");
    if (props) {
        if (!json_is_object(props))
            return schema_error(err, path, "%s", "\"properties\" must be an object of schemas");
        n->prop_names = xcalloc(json_object_size(props) + 1, sizeof *n->prop_names);
        n->props = xcalloc(json_object_size(props) + 1, sizeof *n->props);
        const char *key;
        const json_t *sub;
        json_object_foreach((json_t *)props, key, sub)
        {
            char p[512];
            snprintf(p, sizeof p, "%s/properties/%s", path, key);
            n->props[n->nprops] = compile_node(sub, p, depth + 1, err);
            if (!n->props[n->nprops])
                return -1;
            n->prop_names[n->nprops++] = key;
        }
    }
    const json_t *req = json_object_get(js, "required");
    if (req) {
        if (!json_is_array(req))
            return schema_error(err, path, "%s", "\"required\" must be an array of strings");
        for (size_t i = 0; i < json_array_size(req); i++)
            if (!json_is_string(json_array_get(req, i)))
                return schema_error(err, path, "%s", "\"required\" must be an array of strings");
        n->required = req;
    }
    if (compile_sub(js, "additionalProperties", &n->additional, path, depth, err) < 0)
        return -1;
    return count_kw(js, "minProperties", &n->min_props, path, err) < 0 ||
                   count_kw(js, "maxProperties", &n->max_props, path, err) < 0
               ? -1
               : 0;
}

static snode_t *compile_node(const json_t *js, const char *path, int depth, err_t *err)
{
    if (depth > SCHEMA_MAX_DEPTH) {
        schema_error(err, path, "nested deeper than %d levels", SCHEMA_MAX_DEPTH);
        return NULL;
    }
    snode_t *n = xcalloc(1, sizeof *n);
    if (json_is_boolean(js)) {
        n->always = json_is_true(js);
        return n;
    }
    n->always = -1;
    if (!json_is_object(js)) {
        schema_error(err, path, "%s", "a schema must be an object or a boolean");
        goto fail;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)js, key, v)
    {
        if (!listed(key, SUPPORTED) && !listed(key, ANNOTATIONS)) {
            schema_error(err, path,
                         "keyword \"%s\" is not supported (see docs/scorers.md for the subset)",
                         key);
            goto fail;
        }
    }
    if ((v = json_object_get(js, "type")) && compile_type(n, v, path, err) < 0)
        goto fail;
    if ((v = json_object_get(js, "enum"))) {
        if (!json_is_array(v)) {
            schema_error(err, path, "%s", "\"enum\" must be an array");
            goto fail;
        }
        n->enum_values = v;
    }
    n->const_value = json_object_get(js, "const");
    if (number_kw(js, "minimum", &n->has_min, &n->minimum, path, err) < 0 ||
        number_kw(js, "maximum", &n->has_max, &n->maximum, path, err) < 0 ||
        number_kw(js, "exclusiveMinimum", &n->has_xmin, &n->xminimum, path, err) < 0 ||
        number_kw(js, "exclusiveMaximum", &n->has_xmax, &n->xmaximum, path, err) < 0 ||
        count_kw(js, "minLength", &n->min_length, path, err) < 0 ||
        count_kw(js, "maxLength", &n->max_length, path, err) < 0 ||
        count_kw(js, "minItems", &n->min_items, path, err) < 0 ||
        count_kw(js, "maxItems", &n->max_items, path, err) < 0)
        goto fail;
    if ((v = json_object_get(js, "uniqueItems"))) {
        if (!json_is_boolean(v)) {
            schema_error(err, path, "%s", "\"uniqueItems\" must be a boolean");
            goto fail;
        }
        n->unique_items = json_is_true(v);
    }
    if ((v = json_object_get(js, "pattern"))) {
        if (!json_is_string(v)) {
            schema_error(err, path, "%s", "\"pattern\" must be a string");
            goto fail;
        }
        err_t rerr;
        n->pattern = scorer_regex_compile(json_string_value(v), 0, "schema", &rerr);
        if (!n->pattern) {
            schema_error(err, path, "\"pattern\": %s", rerr.message);
            goto fail;
        }
        n->pattern_src = json_string_value(v);
    }
    if (compile_sub(js, "items", &n->items, path, depth, err) < 0 ||
        compile_object_kws(n, js, path, depth, err) < 0 ||
        compile_list(js, "anyOf", &n->any_of, path, depth, err) < 0 ||
        compile_list(js, "allOf", &n->all_of, path, depth, err) < 0 ||
        compile_list(js, "oneOf", &n->one_of, path, depth, err) < 0 ||
        compile_sub(js, "not", &n->not_, path, depth, err) < 0)
        goto fail;
    return n;
fail:
    snode_free(n);
    return NULL;
}

/* Nodes in a compiled schema. Validation visits each node at most once per value of the
 * answer, so bounding the nodes bounds the work (a schema is a tree: there is no $ref). */
#define SCHEMA_MAX_NODES 10000

static size_t count_nodes(const snode_t *n)
{
    if (!n)
        return 0;
    size_t c = 1 + count_nodes(n->items) + count_nodes(n->additional) + count_nodes(n->not_);
    for (size_t i = 0; i < n->nprops; i++)
        c += count_nodes(n->props[i]);
    const snode_list_t *lists[] = {&n->any_of, &n->all_of, &n->one_of};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < lists[k]->n; i++)
            c += count_nodes(lists[k]->nodes[i]);
    return c;
}

/* ---- json_schema: validation ---- */

/* The first violation found, for the reason: where (a JSON pointer into the answer) and
 * what. NULL when only validity matters (inside anyOf/oneOf/not branches). */
typedef struct {
    buf_t *why;
} vctx_t;

static int fail(vctx_t *c, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(vctx_t *c, const char *where, const char *fmt, ...)
{
    if (c->why && c->why->len == 0) {
        buf_printf(c->why, "%s: ", where[0] ? where : "(root)");
        va_list ap;
        va_start(ap, fmt);
        buf_vprintf(c->why, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static unsigned type_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return T_NULL;
    case JSON_TRUE:
    case JSON_FALSE:
        return T_BOOLEAN;
    case JSON_OBJECT:
        return T_OBJECT;
    case JSON_ARRAY:
        return T_ARRAY;
    case JSON_STRING:
        return T_STRING;
    case JSON_INTEGER:
        return T_NUMBER | T_INTEGER;
    case JSON_REAL: {
        /* 2020-12: a number with a zero fractional part is an integer (1.0 is). */
        double d = json_real_value(v);
        return T_NUMBER | (d == floor(d) && isfinite(d) ? T_INTEGER : 0);
    }
    }
    return 0;
}

static const char *type_name(unsigned t)
{
    if (t & T_INTEGER)
        return "integer";
    for (size_t k = 0; k < sizeof type_names / sizeof type_names[0]; k++)
        if (t & type_names[k].bit)
            return type_names[k].name;
    return "?";
}

static int validate(const snode_t *n, const json_t *v, const char *where, vctx_t *c);

/* Validity without collecting a reason (combinator branches). */
static int valid_quiet(const snode_t *n, const json_t *v, const char *where)
{
    vctx_t quiet = {NULL};
    return validate(n, v, where, &quiet);
}

static int validate_object(const snode_t *n, const json_t *v, const char *where, vctx_t *c)
{
    char sub[1024];
    for (size_t i = 0; n->required && i < json_array_size(n->required); i++) {
        const char *name = json_string_value(json_array_get(n->required, i));
        if (!json_object_get(v, name))
            return fail(c, where, "required property \"%s\" is missing", name);
    }
    size_t count = json_object_size(v);
    if (n->min_props >= 0 && (long long)count < n->min_props)
        return fail(c, where, "%zu properties, fewer than minProperties %lld", count, n->min_props);
    if (n->max_props >= 0 && (long long)count > n->max_props)
        return fail(c, where, "%zu properties, more than maxProperties %lld", count, n->max_props);
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)v, key, val)
    {
        snprintf(sub, sizeof sub, "%s/%s", where, key);
        const snode_t *child = NULL;
        for (size_t i = 0; i < n->nprops && !child; i++)
            if (strcmp(n->prop_names[i], key) == 0)
                child = n->props[i];
        if (child) {
            if (!validate(child, val, sub, c))
                return 0;
        } else if (n->additional) {
            if (n->additional->always == 0)
                return fail(c, where, "additional property \"%s\" is not allowed", key);
            if (!validate(n->additional, val, sub, c))
                return 0;
        }
    }
    return 1;
}

static int validate_array(const snode_t *n, const json_t *v, const char *where, vctx_t *c)
{
    size_t count = json_array_size(v);
    if (n->min_items >= 0 && (long long)count < n->min_items)
        return fail(c, where, "%zu items, fewer than minItems %lld", count, n->min_items);
    if (n->max_items >= 0 && (long long)count > n->max_items)
        return fail(c, where, "%zu items, more than maxItems %lld", count, n->max_items);
    if (n->unique_items)
        for (size_t i = 0; i < count; i++)
            for (size_t j = i + 1; j < count; j++)
                if (scorer_json_equal(json_array_get(v, i), json_array_get(v, j)))
                    return fail(c, where, "items %zu and %zu are equal (uniqueItems)", i, j);
    if (n->items) {
        char sub[1024];
        for (size_t i = 0; i < count; i++) {
            snprintf(sub, sizeof sub, "%s/%zu", where, i);
            if (!validate(n->items, json_array_get(v, i), sub, c))
                return 0;
        }
    }
    return 1;
}

static int validate_scalar(const snode_t *n, const json_t *v, const char *where, vctx_t *c)
{
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (n->has_min && d < n->minimum)
            return fail(c, where, "%.17g is less than minimum %.17g", d, n->minimum);
        if (n->has_max && d > n->maximum)
            return fail(c, where, "%.17g is greater than maximum %.17g", d, n->maximum);
        if (n->has_xmin && d <= n->xminimum)
            return fail(c, where, "%.17g is not greater than exclusiveMinimum %.17g", d,
                        n->xminimum);
        if (n->has_xmax && d >= n->xmaximum)
            return fail(c, where, "%.17g is not less than exclusiveMaximum %.17g", d, n->xmaximum);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t bytes = json_string_length(v);
        long long len = (long long)utf8_length(s, bytes);
        if (n->min_length >= 0 && len < n->min_length)
            return fail(c, where, "%lld characters, fewer than minLength %lld", len, n->min_length);
        if (n->max_length >= 0 && len > n->max_length)
            return fail(c, where, "%lld characters, more than maxLength %lld", len, n->max_length);
        if (n->pattern) {
            err_t rerr;
            int rc = scorer_regex_find(n->pattern, s, bytes, 0, NULL, NULL, &rerr);
            if (rc <= 0)
                return fail(c, where, "does not match pattern /%s/%s", n->pattern_src,
                            rc < 0 ? " (match limit reached)" : "");
        }
    }
    return 1;
}

static int validate(const snode_t *n, const json_t *v, const char *where, vctx_t *c)
{
    if (n->always >= 0)
        return n->always ? 1 : fail(c, where, "no value is allowed here (schema false)");
    unsigned t = type_of(v);
    if (n->types && !(n->types & t)) {
        char want[128] = "";
        for (size_t k = 0; k < sizeof type_names / sizeof type_names[0]; k++)
            if (n->types & type_names[k].bit)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
                         want[0] ? " or " : "", type_names[k].name);
        return fail(c, where, "expected %s, got %s", want, type_name(t));
    }
    if (n->const_value && !scorer_json_equal(n->const_value, v))
        return fail(c, where, "not equal to the const value");
    if (n->enum_values) {
        int found = 0;
        for (size_t i = 0; i < json_array_size(n->enum_values) && !found; i++)
            found = scorer_json_equal(json_array_get(n->enum_values, i), v);
        if (!found)
            return fail(c, where, "not one of the enum values");
    }
    if (!validate_scalar(n, v, where, c))
        return 0;
    if (json_is_object(v) && !validate_object(n, v, where, c))
        return 0;
    if (json_is_array(v) && !validate_array(n, v, where, c))
        return 0;
    for (size_t i = 0; i < n->all_of.n; i++)
        if (!validate(n->all_of.nodes[i], v, where, c))
            return 0;
    if (n->any_of.n) {
        int any = 0;
        for (size_t i = 0; i < n->any_of.n && !any; i++)
            any = valid_quiet(n->any_of.nodes[i], v, where);
        if (!any)
            return fail(c, where, "matches none of the anyOf schemas");
    }
    if (n->one_of.n) {
        size_t matched = 0;
        for (size_t i = 0; i < n->one_of.n; i++)
            matched += (size_t)valid_quiet(n->one_of.nodes[i], v, where);
        if (matched != 1)
            return fail(c, where, "matches %zu of the oneOf schemas, not exactly one", matched);
    }
    if (n->not_ && valid_quiet(n->not_, v, where))
        return fail(c, where, "matches the \"not\" schema");
    return 1;
}

/* ---- json_schema: the scorer ---- */

typedef struct {
    json_t *schema; /* owned copy; the nodes borrow from it */
    snode_t *root;
} schema_state_t;

static void schema_state_free(void *p)
{
    schema_state_t *st = p;
    snode_free(st->root);
    json_decref(st->schema);
    free(st);
}

static int json_schema_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                             err_t *err)
{
    (void)err;
    const schema_state_t *st = s->state;
    json_error_t jerr;
    json_t *v = json_loads(sample->output, JSON_DECODE_ANY, &jerr);
    if (!v) {
        size_t n = strlen(jerr.text) + 64;
        out->reason = xmalloc(n);
        snprintf(out->reason, n, "not JSON: line %d, column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        out->value = 0;
        return 0;
    }
    buf_t why;
    buf_init(&why);
    vctx_t c = {&why};
    out->value = validate(st->root, v, "", &c);
    if (!out->value)
        out->reason = buf_steal(&why);
    buf_free(&why);
    json_decref(v);
    return 0;
}

static const scorer_vtable_t json_schema_vt = {.score = json_schema_score,
                                               .free_state = schema_state_free};

int scorer_new_json_schema(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    static const char *const keys[] = {"schema", NULL};
    if (scorer_check_keys(s, spec, keys, err) < 0)
        return -1;
    const json_t *schema = json_object_get(spec, "schema");
    if (!schema || !(json_is_object(schema) || json_is_boolean(schema)))
        return err_invalid(err, "schema", "schema must be a JSON Schema (an object or a boolean)");
    schema_state_t *st = xcalloc(1, sizeof *st);
    st->schema = json_deep_copy(schema);
    st->root = compile_node(st->schema, "#", 0, err);
    if (!st->root) {
        schema_state_free(st);
        return -1;
    }
    if (count_nodes(st->root) > SCHEMA_MAX_NODES) {
        schema_state_free(st);
        return err_invalid(err, "schema", "schema has more than %d subschemas", SCHEMA_MAX_NODES);
    }
    s->state = st;
    s->vt = &json_schema_vt;
    s->threshold = 1;
    return 0;
}
