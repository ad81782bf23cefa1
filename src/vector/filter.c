/* filter.c - metadata filters: parsing, evaluation in C, and the equivalent SQL (filter.h). */
#include "vector/filter.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    vs_op_t op;
} ops[] = {{"$eq", VS_EQ}, {"$ne", VS_NE},   {"$gt", VS_GT}, {"$gte", VS_GTE},
           {"$lt", VS_LT}, {"$lte", VS_LTE}, {"$in", VS_IN}};

static int valid_key(const char *key)
{
    size_t len = strlen(key);
    if (!len || len > VS_FILTER_KEY_MAX)
        return 0;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return 0;
    return 1;
}

static int scalar(const json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

static int add_cond(vs_filter_t *f, const char *key, vs_op_t op, json_t *value, err_t *err)
{
    char field[128];
    snprintf(field, sizeof field, "filter.%s", key);
    if (f->n == VS_FILTER_MAX)
        return err_invalid(err, "filter", "a filter has at most %d conditions", VS_FILTER_MAX);
    json_t *values = json_array();
    if (op == VS_IN) {
        size_t n = json_is_array(value) ? json_array_size(value) : 0;
        if (!n || n > VS_FILTER_IN_MAX) {
            json_decref(values);
            return err_invalid(err, field, "$in takes an array of 1 to %d values",
                               VS_FILTER_IN_MAX);
        }
        for (size_t i = 0; i < n; i++) {
            if (!scalar(json_array_get(value, i))) {
                json_decref(values);
                return err_invalid(err, field, "$in values must be strings, numbers or booleans");
            }
            json_array_append(values, json_array_get(value, i));
        }
    } else if (op == VS_EQ || op == VS_NE) {
        if (!scalar(value)) {
            json_decref(values);
            return err_invalid(err, field, "the value must be a string, number or boolean");
        }
        json_array_append(values, value);
    } else {
        if (!json_is_number(value) && !json_is_string(value)) {
            json_decref(values);
            return err_invalid(err, field, "a range bound must be a number or a string");
        }
        json_array_append(values, value);
    }
    vs_cond_t *c = &f->conds[f->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->key, sizeof c->key, "%s", key);
    snprintf(c->path, sizeof c->path, "$.\"%s\"", key);
    c->op = op;
    c->values = values;
    size_t n = json_array_size(values);
    c->texts = calloc(n, sizeof *c->texts);
    for (size_t i = 0; i < n; i++)
        c->texts[i] = json_dumps(json_array_get(values, i), JSON_ENCODE_ANY | JSON_COMPACT);
    return 0;
}

int vs_filter_parse(const json_t *spec, vs_filter_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!spec || json_is_null(spec))
        return 0;
    if (!json_is_object(spec))
        return err_invalid(err, "filter", "filter must be an object of metadata conditions");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)spec, key, value)
    {
        char field[128];
        snprintf(field, sizeof field, "filter.%s", key);
        if (!valid_key(key)) {
            vs_filter_free(out);
            return err_invalid(err, "filter",
                               "filter keys are 1-%d letters, digits, '_', '-' or '.'",
                               VS_FILTER_KEY_MAX);
        }
        if (!json_is_object(value)) {
            if (add_cond(out, key, VS_EQ, value, err) != 0) {
                vs_filter_free(out);
                return -1;
            }
            continue;
        }
        if (json_object_size(value) == 0) {
            vs_filter_free(out);
            return err_invalid(err, field, "an operator object needs at least one operator");
        }
        const char *opname;
        json_t *operand;
        json_object_foreach(value, opname, operand)
        {
            size_t i = 0;
            while (i < sizeof ops / sizeof ops[0] && strcmp(ops[i].name, opname) != 0)
                i++;
            if (i == sizeof ops / sizeof ops[0]) {
                vs_filter_free(out);
                return err_invalid(err, field,
                                   "unknown operator '%s' (use $eq $ne $gt $gte $lt $lte $in)",
                                   opname);
            }
            if (add_cond(out, key, ops[i].op, operand, err) != 0) {
                vs_filter_free(out);
                return -1;
            }
        }
    }
    return 0;
}

void vs_filter_free(vs_filter_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        size_t n = json_array_size(f->conds[i].values);
        for (size_t j = 0; j < n; j++)
            free(f->conds[i].texts[j]);
        free(f->conds[i].texts);
        json_decref(f->conds[i].values);
    }
    f->n = 0;
}

/* Strict equality of two scalars: same JSON type (numbers compare by value). */
static int scalar_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_is_string(a) && json_is_string(b))
        return strcmp(json_string_value(a), json_string_value(b)) == 0;
    if (json_is_boolean(a) && json_is_boolean(b))
        return json_is_true(a) == json_is_true(b);
    return 0;
}

/* Compare v with bound: -2 when they are not comparable, else -1/0/1. */
static int compare(const json_t *v, const json_t *bound)
{
    if (json_is_number(v) && json_is_number(bound)) {
        double x = json_number_value(v), y = json_number_value(bound);
        return x < y ? -1 : x > y;
    }
    if (json_is_string(v) && json_is_string(bound)) {
        int c = strcmp(json_string_value(v), json_string_value(bound));
        return c < 0 ? -1 : c > 0;
    }
    return -2;
}

static int cond_match(const vs_cond_t *c, const json_t *metadata)
{
    const json_t *v = json_is_object(metadata) ? json_object_get(metadata, c->key) : NULL;
    const json_t *first = json_array_get(c->values, 0);
    int cmp;
    switch (c->op) {
    case VS_EQ:
        return v && scalar_equal(v, first);
    case VS_NE:
        return !(v && scalar_equal(v, first));
    case VS_IN:
        for (size_t i = 0; v && i < json_array_size(c->values); i++)
            if (scalar_equal(v, json_array_get(c->values, i)))
                return 1;
        return 0;
    case VS_GT:
        return v && (cmp = compare(v, first)) != -2 && cmp > 0;
    case VS_GTE:
        return v && (cmp = compare(v, first)) != -2 && cmp >= 0;
    case VS_LT:
        return v && (cmp = compare(v, first)) != -2 && cmp < 0;
    case VS_LTE:
        return v && (cmp = compare(v, first)) != -2 && cmp <= 0;
    }
    return 0;
}

int vs_filter_match(const vs_filter_t *f, const json_t *metadata)
{
    for (size_t i = 0; i < f->n; i++)
        if (!cond_match(&f->conds[i], metadata))
            return 0;
    return 1;
}

size_t vs_filter_sql_params(const vs_filter_t *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += 3 * json_array_size(f->conds[i].values);
    return n;
}

/* SQL for "value i of c equals the metadata value", strictly typed. */
static void sql_equal(const vs_cond_t *c, size_t i, store_kind_t kind, const char *column,
                      buf_t *sql, store_value_t *params, size_t *np)
{
    const json_t *v = json_array_get(c->values, i);
    if (kind == STORE_POSTGRES) {
        /* jsonb equality is typed already: 1 = 1.0, 1 <> '1', true <> 1. */
        buf_printf(sql, "((%s)::jsonb -> ?) = (?)::jsonb", column);
        params[(*np)++] = sv_text(c->key);
        params[(*np)++] = sv_text(c->texts[i]);
        return;
    }
    if (json_is_boolean(v)) {
        buf_printf(sql, "json_type(%s, ?) = '%s'", column, json_is_true(v) ? "true" : "false");
        params[(*np)++] = sv_text(c->path);
        return;
    }
    buf_printf(sql, "(json_type(%s, ?) %s AND json_extract(%s, ?) = ?)", column,
               json_is_string(v) ? "= 'text'" : "IN ('integer', 'real')", column);
    params[(*np)++] = sv_text(c->path);
    params[(*np)++] = sv_text(c->path);
    params[(*np)++] =
        json_is_string(v) ? sv_text(json_string_value(v)) : sv_real(json_number_value(v));
}

void vs_filter_sql(const vs_filter_t *f, store_kind_t kind, const char *column, buf_t *sql,
                   store_value_t *params, size_t *nparams)
{
    for (size_t i = 0; i < f->n; i++) {
        const vs_cond_t *c = &f->conds[i];
        const json_t *v = json_array_get(c->values, 0);
        buf_append_str(sql, " AND (");
        switch (c->op) {
        case VS_EQ:
            sql_equal(c, 0, kind, column, sql, params, nparams);
            break;
        case VS_NE:
            buf_append_str(sql, "NOT COALESCE((");
            sql_equal(c, 0, kind, column, sql, params, nparams);
            buf_append_str(sql, "), FALSE)");
            break;
        case VS_IN:
            for (size_t j = 0; j < json_array_size(c->values); j++) {
                if (j)
                    buf_append_str(sql, " OR ");
                buf_append_str(sql, "COALESCE((");
                sql_equal(c, j, kind, column, sql, params, nparams);
                buf_append_str(sql, "), FALSE)");
            }
            break;
        default: {
            const char *op = c->op == VS_GT    ? ">"
                             : c->op == VS_GTE ? ">="
                             : c->op == VS_LT  ? "<"
                                               : "<=";
            int num = json_is_number(v);
            if (kind == STORE_POSTGRES) {
                if (num)
                    buf_printf(sql,
                               "(CASE WHEN jsonb_typeof((%s)::jsonb -> ?) = 'number' THEN "
                               "((%s)::jsonb ->> ?)::double precision END) %s ?",
                               column, column, op);
                else
                    buf_printf(sql,
                               "(CASE WHEN jsonb_typeof((%s)::jsonb -> ?) = 'string' THEN "
                               "((%s)::jsonb ->> ?) END) COLLATE \"C\" %s ?",
                               column, column, op);
                params[(*nparams)++] = sv_text(c->key);
                params[(*nparams)++] = sv_text(c->key);
            } else {
                buf_printf(sql, "json_type(%s, ?) %s AND json_extract(%s, ?) %s ?", column,
                           num ? "IN ('integer', 'real')" : "= 'text'", column, op);
                params[(*nparams)++] = sv_text(c->path);
                params[(*nparams)++] = sv_text(c->path);
            }
            params[(*nparams)++] =
                num ? sv_real(json_number_value(v)) : sv_text(json_string_value(v));
            break;
        }
        }
        buf_append_str(sql, ")");
    }
}
