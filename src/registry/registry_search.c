/* registry_search.c - MLflow-grammar searches over the registry (see registry_search.h).
 *
 * The filter is parsed by tracking/search_filter.c; this file decides which names exist for
 * each search and turns every clause into a SQL condition with bound parameters. The page is
 * fetched with LIMIT max_results + 1: an extra row means another page follows, without a
 * separate COUNT query (MLflow does the same). */
#include "registry/registry_search.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/json.h"
#include "registry/registry_load.h"
#include "registry/registry_sql.h"
#include "tracking/search_filter.h"

/* A searchable attribute: its name in the filter, the SQL expression, its kind. */
typedef struct attribute {
    const char *key;
    const char *column;
    int numeric;  /* compared with numbers and < <= > >= */
    int allow_in; /* IN (...) allowed (MLflow: run_id only) */
} attribute_t;

static const attribute_t model_attributes[] = {
    {"name", "m.name", 0, 0},
    {NULL, NULL, 0, 0},
};

static const attribute_t version_attributes[] = {
    {"name", "m.name", 0, 0},
    {"run_id", "v.run_id", 0, 1},
    {"source_path", "v.source", 0, 0},
    {"version_number", "v.version", 1, 0},
    {NULL, NULL, 0, 0},
};

/* Names the parser must read as numbers in version filters (MLflow's NUMERIC_ATTRIBUTES). */
static const char *const version_numeric_names[] = {"version_number", "creation_timestamp",
                                                    "last_updated_timestamp", NULL};

/* order_by keys: name in the request -> column. */
typedef struct order_key {
    const char *key;
    const char *column;
    int text; /* compared as text: ordered by byte value on both backends */
} order_key_t;

static const order_key_t model_order_keys[] = {
    {"name", "m.name", 1},
    {"timestamp", "m.last_updated_time", 0},
    {"last_updated_timestamp", "m.last_updated_time", 0},
    {NULL, NULL, 0},
};

static const order_key_t version_order_keys[] = {
    {"name", "m.name", 1},
    {"version_number", "v.version", 0},
    {"creation_timestamp", "v.creation_time", 0},
    {"last_updated_timestamp", "v.last_updated_time", 0},
    {NULL, NULL, 0},
};

/* ---- page tokens ---------------------------------------------------------------------------- */

char *registry_page_token_encode(int64_t offset)
{
    char json[64];
    int n = snprintf(json, sizeof json, "{\"offset\": %" PRId64 "}", offset);
    char *out = xmalloc(4 * (((size_t)n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)json, n);
    return out;
}

int registry_page_token_decode(const char *token, int64_t *offset, err_t *err)
{
    size_t len = strlen(token);
    int valid = len > 0 && len % 4 == 0 && len <= 1024;
    for (size_t i = 0; valid && i < len; i++) {
        char ch = token[i];
        int pad_ok = ch == '=' && i >= len - 2 && (i == len - 1 || token[len - 1] == '=');
        valid = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '+' || ch == '/' || pad_ok;
    }
    if (!valid)
        return err_invalid(err, "page_token", "Invalid page token, could not base64-decode");
    unsigned char *raw = xmalloc(len / 4 * 3 + 1);
    int n = EVP_DecodeBlock(raw, (const unsigned char *)token, (int)len);
    /* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
    if (n >= 0 && token[len - 1] == '=')
        n -= token[len - 2] == '=' ? 2 : 1;
    json_t *parsed = n > 0 ? json_loadb((const char *)raw, (size_t)n, 0, NULL) : NULL;
    free(raw);
    json_t *value = json_object_get(parsed, "offset");
    int rc = 0;
    if (!json_is_object(parsed))
        rc = err_invalid(err, "page_token",
                         "Invalid page token, could not parse the decoded "
                         "value as a JSON object");
    else if (!json_is_integer(value) || json_integer_value(value) < 0)
        rc = err_invalid(err, "page_token",
                         "Invalid page token, expected a non-negative integer 'offset' key");
    else
        *offset = json_integer_value(value);
    json_decref(parsed);
    return rc;
}

/* ---- conditions ----------------------------------------------------------------------------- */

/* Write "?" for a copy of text: the parsed filter the text comes from is freed before the
 * statement runs. */
static void add_text_value(registry_sql_t *q, const char *text)
{
    registry_sql_append(q, "?");
    registry_sql_param_owned(q, xstrdup(text));
}

static const char *compare_op(search_op_t op)
{
    switch (op) {
    case SEARCH_EQ:
        return "=";
    case SEARCH_NE:
        return "<>";
    case SEARCH_LT:
        return "<";
    case SEARCH_LE:
        return "<=";
    case SEARCH_GT:
        return ">";
    case SEARCH_GE:
        return ">=";
    default:
        return NULL;
    }
}

/* A LIKE pattern ('%', '_', backslash escapes) as a GLOB pattern for SQLite, whose LIKE ignores
 * case: '*' and '?' for the wildcards, and GLOB's own special characters bracketed so they
 * match themselves. */
static char *like_to_glob(const char *pattern)
{
    buf_t out;
    buf_init(&out);
    for (const char *p = pattern; *p; p++) {
        char ch = *p;
        if (ch == '\\' && p[1]) {
            ch = *++p;
        } else if (ch == '%') {
            buf_append_char(&out, '*');
            continue;
        } else if (ch == '_') {
            buf_append_char(&out, '?');
            continue;
        }
        if (ch == '*' || ch == '?' || ch == '[')
            buf_printf(&out, "[%c]", ch);
        else
            buf_append_char(&out, ch);
    }
    return buf_steal(&out);
}

/* column LIKE/ILIKE value, case-sensitive and case-insensitive respectively on both backends. */
static int add_like(registry_sql_t *q, store_kind_t kind, const char *column, search_op_t op,
                    const char *pattern, err_t *err)
{
    size_t backslashes = 0;
    for (size_t i = strlen(pattern); i > 0 && pattern[i - 1] == '\\'; i--)
        backslashes++;
    if (backslashes % 2)
        return err_invalid(err, "filter",
                           "Invalid filter: the pattern '%s' ends with an escape character",
                           pattern);
    if (kind == STORE_SQLITE && op == SEARCH_LIKE) {
        registry_sql_printf(q, "%s GLOB ?", column);
        registry_sql_param_owned(q, like_to_glob(pattern));
        return 0;
    }
    registry_sql_printf(q, "%s %s ", column,
                        op == SEARCH_ILIKE && kind == STORE_POSTGRES ? "ILIKE" : "LIKE");
    add_text_value(q, pattern);
    registry_sql_append(q, " ESCAPE '\\'");
    return 0;
}

/* column <op> value for a string value (=, !=, LIKE, ILIKE). */
static int add_text_compare(registry_sql_t *q, store_kind_t kind, const char *column,
                            search_op_t op, const char *value, err_t *err)
{
    if (op == SEARCH_LIKE || op == SEARCH_ILIKE)
        return add_like(q, kind, column, op, value, err);
    registry_sql_printf(q, "%s %s ", column, compare_op(op));
    add_text_value(q, value);
    return 0;
}

static int add_attribute(registry_sql_t *q, store_kind_t kind, const attribute_t *attrs,
                         const search_clause_t *cl, const char *what, err_t *err)
{
    const attribute_t *a = attrs;
    while (a->key && strcmp(a->key, cl->key) != 0)
        a++;
    if (!a->key) {
        buf_t valid;
        buf_init(&valid);
        for (const attribute_t *b = attrs; b->key; b++)
            buf_printf(&valid, "%s%s", b == attrs ? "" : ", ", b->key);
        err_invalid(err, "filter", "Invalid attribute name '%s' for %s search (valid: %s)", cl->key,
                    what, buf_str(&valid));
        buf_free(&valid);
        return -1;
    }
    if (a->numeric) {
        const char *op = compare_op(cl->op);
        if (!op || !cl->is_number)
            return err_invalid(err, "filter", "Invalid comparator for attribute %s: %s", a->key,
                               search_op_name(cl->op));
        if (cl->number != floor(cl->number) || fabs(cl->number) > 9e15)
            return err_invalid(err, "filter",
                               "Invalid filter: %s must be compared with an "
                               "integer",
                               a->key);
        registry_sql_printf(q, "%s %s ", a->column, op);
        registry_sql_value(q, sv_int((int64_t)cl->number));
        return 0;
    }
    if (cl->is_number)
        return err_invalid(err, "filter",
                           "Invalid filter: expected a quoted string value for attribute '%s'",
                           a->key);
    if (cl->op == SEARCH_IN && a->allow_in) {
        registry_sql_printf(q, "%s IN (", a->column);
        for (size_t i = 0; i < cl->nlist; i++) {
            if (i)
                registry_sql_append(q, ", ");
            add_text_value(q, cl->list[i]);
        }
        registry_sql_append(q, ")");
        return 0;
    }
    if (cl->op != SEARCH_EQ && cl->op != SEARCH_NE && cl->op != SEARCH_LIKE &&
        cl->op != SEARCH_ILIKE)
        return err_invalid(err, "filter", "Invalid comparator for attribute %s: %s", a->key,
                           search_op_name(cl->op));
    return add_text_compare(q, kind, a->column, cl->op, cl->text, err);
}

/* EXISTS (a tag row with this key whose value matches). owner is the correlation, e.g.
 * "t.model_id = m.id". */
static int add_tag(registry_sql_t *q, store_kind_t kind, const char *table, const char *owner,
                   const search_clause_t *cl, err_t *err)
{
    if (cl->is_number || !cl->text)
        return err_invalid(err, "filter",
                           "Invalid filter: expected a quoted string value for "
                           "tag '%s'",
                           cl->key);
    registry_sql_printf(q, "EXISTS (SELECT 1 FROM %s t WHERE %s AND t.key = ", table, owner);
    add_text_value(q, cl->key);
    registry_sql_append(q, " AND ");
    if (add_text_compare(q, kind, "t.value", cl->op, cl->text, err) != 0)
        return -1;
    registry_sql_append(q, ")");
    return 0;
}

/* Append " AND <condition>" for every clause of filter. */
static int add_filter(registry_sql_t *q, store_kind_t kind, const char *filter,
                      const char *const *numeric, const attribute_t *attrs, const char *tag_table,
                      const char *tag_owner, const char *what, err_t *err)
{
    search_filter_t f;
    if (search_filter_parse(filter ? filter : "", numeric, &f, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f.count; i++) {
        const search_clause_t *cl = &f.clauses[i];
        registry_sql_append(q, " AND ");
        if (cl->entity == SEARCH_ATTRIBUTE)
            rc = add_attribute(q, kind, attrs, cl, what, err);
        else if (cl->entity == SEARCH_TAG)
            rc = add_tag(q, kind, tag_table, tag_owner, cl, err);
        else
            rc = err_invalid(err, "filter",
                             "Invalid filter: %s search takes attributes and tags, not %s.%s", what,
                             search_entity_name(cl->entity), cl->key);
    }
    search_filter_free(&f);
    return rc;
}

/* ---- ordering ------------------------------------------------------------------------------- */

typedef struct order_item {
    const order_key_t *key;
    int descending;
} order_item_t;

static void add_order_item(registry_sql_t *q, store_kind_t kind, const order_item_t *item,
                           int first)
{
    /* Byte order for text on PostgreSQL too, whatever the database's collation, so both
     * backends page through the same sequence. */
    registry_sql_printf(q, "%s%s%s %s", first ? " ORDER BY " : ", ", item->key->column,
                        item->key->text && kind == STORE_POSTGRES ? " COLLATE \"C\"" : "",
                        item->descending ? "DESC" : "ASC");
}

/* Parse the request's order_by entries (or defaults when there are none), then append the
 * tie-breakers that are not already there. */
static int add_order(registry_sql_t *q, store_kind_t kind, const registry_search_t *s,
                     const order_key_t *keys, const char *const *defaults,
                     const char *const *tiebreaks, err_t *err)
{
    order_item_t items[16];
    size_t n = 0;
    const char *const *texts = s->norder ? s->order_by : defaults;
    size_t ntexts = s->norder;
    if (!s->norder)
        for (ntexts = 0; defaults[ntexts]; ntexts++)
            ;
    if (ntexts > 8)
        return err_invalid(err, "order_by", "order_by takes at most 8 entries, got %zu", ntexts);
    for (size_t pass = 0; pass < 2; pass++) {
        const char *const *list = pass == 0 ? texts : tiebreaks;
        size_t count = pass == 0 ? ntexts : SIZE_MAX;
        for (size_t i = 0; i < count && list[i]; i++) {
            search_order_t o;
            if (search_order_parse(list[i], &o, err) != 0)
                return -1;
            const order_key_t *k = keys;
            while (k->key && strcmp(k->key, o.key) != 0)
                k++;
            int bad_entity = o.entity != SEARCH_ATTRIBUTE;
            search_order_free(&o);
            if (bad_entity || !k->key) {
                buf_t valid;
                buf_init(&valid);
                for (const order_key_t *b = keys; b->key; b++)
                    buf_printf(&valid, "%s%s", b == keys ? "" : ", ", b->key);
                err_invalid(err, "order_by",
                            "Invalid order by key '%s' specified. Valid keys are %s", list[i],
                            buf_str(&valid));
                buf_free(&valid);
                return -1;
            }
            int seen = 0;
            for (size_t j = 0; j < n; j++)
                seen |= strcmp(items[j].key->column, k->column) == 0;
            if (seen && pass == 0)
                return err_invalid(err, "order_by", "`order_by` contains duplicate fields: %s",
                                   list[i]);
            if (!seen)
                items[n++] = (order_item_t){k, o.descending};
        }
    }
    for (size_t i = 0; i < n; i++)
        add_order_item(q, kind, &items[i], i == 0);
    return 0;
}

/* ---- the searches --------------------------------------------------------------------------- */

static int check_page(const registry_search_t *s, int64_t max, int64_t *offset, err_t *err)
{
    if (s->max_results < 1 || s->max_results > max)
        return err_invalid(err, "max_results",
                           "Invalid value for parameter 'max_results': it must be between 1 and "
                           "%" PRId64 ", but got %" PRId64,
                           max, s->max_results);
    *offset = 0;
    if (s->page_token && *s->page_token)
        return registry_page_token_decode(s->page_token, offset, err);
    return 0;
}

static void add_limit(registry_sql_t *q, const registry_search_t *s, int64_t offset)
{
    registry_sql_append(q, " LIMIT ");
    registry_sql_value(q, sv_int(s->max_results + 1));
    registry_sql_append(q, " OFFSET ");
    registry_sql_value(q, sv_int(offset));
}

/* Cut the probe row off a page and wrap it: {"<key>": list, "next_page_token"?}. */
static json_t *page(json_t *list, const char *key, const registry_search_t *s, int64_t offset)
{
    json_t *out = json_object();
    if ((int64_t)json_array_size(list) > s->max_results) {
        json_array_remove(list, json_array_size(list) - 1);
        char *token = registry_page_token_encode(offset + s->max_results);
        json_object_set_new(out, key, list);
        json_object_set_new(out, "next_page_token", json_string(token));
        free(token);
    } else {
        json_object_set_new(out, key, list);
    }
    return out;
}

json_t *registry_models_search(store_t *s, const registry_search_t *search, err_t *err)
{
    static const char *const defaults[] = {NULL};
    static const char *const tiebreaks[] = {"name ASC", NULL};
    int64_t offset;
    if (check_page(search, REGISTRY_MODELS_MAX_RESULTS, &offset, err) != 0)
        return NULL;
    store_kind_t kind = store_kind(s);
    registry_sql_t q;
    registry_sql_init(&q);
    registry_sql_append(&q, REGISTRY_MODEL_SELECT "WHERE 1 = 1");
    json_t *out = NULL;
    if (add_filter(&q, kind, search->filter, NULL, model_attributes, "registry_model_tags",
                   "t.model_id = m.id", "registered model", err) == 0 &&
        add_order(&q, kind, search, model_order_keys, defaults, tiebreaks, err) == 0) {
        add_limit(&q, search, offset);
        store_conn_t *c = store_acquire(s);
        json_t *list = registry_load_models(c, &q, err);
        store_release(s, c);
        if (list)
            out = page(list, "models", search, offset);
    }
    registry_sql_free(&q);
    return out;
}

json_t *registry_versions_search(store_t *s, const registry_search_t *search, err_t *err)
{
    static const char *const defaults[] = {"last_updated_timestamp DESC", "name ASC",
                                           "version_number DESC", NULL};
    static const char *const tiebreaks[] = {"name ASC", "version_number DESC", NULL};
    int64_t offset;
    if (check_page(search, REGISTRY_VERSIONS_MAX_RESULTS, &offset, err) != 0)
        return NULL;
    store_kind_t kind = store_kind(s);
    registry_sql_t q;
    registry_sql_init(&q);
    registry_sql_append(&q, REGISTRY_VERSION_SELECT "WHERE 1 = 1");
    if (search->model) {
        registry_sql_append(&q, " AND m.name = ");
        registry_sql_value(&q, sv_text(search->model));
    }
    json_t *out = NULL;
    if (add_filter(&q, kind, search->filter, version_numeric_names, version_attributes,
                   "registry_version_tags", "t.model_id = v.model_id AND t.version = v.version",
                   "model version", err) == 0 &&
        add_order(&q, kind, search, version_order_keys, defaults, tiebreaks, err) == 0) {
        add_limit(&q, search, offset);
        store_conn_t *c = store_acquire(s);
        int64_t id;
        json_t *list = NULL;
        /* A listing of one model's versions tells an unknown model from an empty one. */
        if (!search->model || registry_model_id(c, search->model, &id, err) == 0)
            list = registry_load_versions(c, &q, err);
        store_release(s, c);
        if (list)
            out = page(list, "versions", search, offset);
    }
    registry_sql_free(&q);
    return out;
}
