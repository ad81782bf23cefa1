/* registry_search.c - MLflow-grammar searches over the registry (see registry_search.h).
 *
 * The filter is parsed by tracking/search_filter.c; this file decides which names exist for
 * each search and which operators each allows, and turns every clause into a SQL condition
 * with bound parameters through tracking/search_sql.h, as the tracking searches do (LIKE with
 * backslash escapes here). The page is
 * fetched with LIMIT max_results + 1: an extra row means another page follows, without a
 * separate COUNT query (MLflow does the same). */
#include "registry/registry_search.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/page_token.h"
#include "registry/registry_load.h"
#include "store/sql_builder.h"
#include "tracking/search_sql.h"

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

/* ---- conditions ----------------------------------------------------------------------------- */

/* A string comparison (=, !=, LIKE, ILIKE; IN where the key allows it) of column with the
 * clause's value. LIKE patterns escape with a backslash ('100\\%'). */
static int add_text_compare(sqlb_t *q, const char *column, const search_clause_t *cl, err_t *err)
{
    if ((cl->op == SEARCH_LIKE || cl->op == SEARCH_ILIKE) &&
        !sqlb_like_pattern_ok(cl->text, SQLB_ESCAPE_BACKSLASH))
        return err_invalid(err, "filter",
                           "Invalid filter: the pattern '%s' ends with an escape character",
                           cl->text);
    sqlb_string_compare(q, column, cl, SQLB_ESCAPE_BACKSLASH);
    return 0;
}

static int add_attribute(sqlb_t *q, const attribute_t *attrs, const search_clause_t *cl,
                         const char *what, err_t *err)
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
        if (!sqlb_op_is_numeric(cl->op) || !cl->is_number)
            return err_invalid(err, "filter", "Invalid comparator for attribute %s: %s", a->key,
                               search_op_name(cl->op));
        if (cl->number != floor(cl->number) || fabs(cl->number) > 9e15)
            return err_invalid(err, "filter",
                               "Invalid filter: %s must be compared with an "
                               "integer",
                               a->key);
        sqlb_number_compare(q, a->column, cl);
        return 0;
    }
    if (cl->is_number)
        return err_invalid(err, "filter",
                           "Invalid filter: expected a quoted string value for attribute '%s'",
                           a->key);
    if (cl->op != SEARCH_EQ && cl->op != SEARCH_NE && cl->op != SEARCH_LIKE &&
        cl->op != SEARCH_ILIKE && !(cl->op == SEARCH_IN && a->allow_in))
        return err_invalid(err, "filter", "Invalid comparator for attribute %s: %s", a->key,
                           search_op_name(cl->op));
    return add_text_compare(q, a->column, cl, err);
}

/* EXISTS (a tag row with this key whose value matches). owner is the correlation, e.g.
 * "t.model_id = m.id". */
static int add_tag(sqlb_t *q, const char *table, const char *owner, const search_clause_t *cl,
                   err_t *err)
{
    if (cl->is_number || !cl->text)
        return err_invalid(err, "filter",
                           "Invalid filter: expected a quoted string value for "
                           "tag '%s'",
                           cl->key);
    sqlb_printf(q, "EXISTS (SELECT 1 FROM %s t WHERE %s AND t.key = ", table, owner);
    sqlb_text_copy(q, cl->key);
    sqlb_sql(q, " AND ");
    if (add_text_compare(q, "t.value", cl, err) != 0)
        return -1;
    sqlb_sql(q, ")");
    return 0;
}

/* Append " AND <condition>" for every clause of filter. */
static int add_filter(sqlb_t *q, const char *filter, const char *const *numeric,
                      const attribute_t *attrs, const char *tag_table, const char *tag_owner,
                      const char *what, err_t *err)
{
    search_filter_t f;
    if (search_filter_parse(filter ? filter : "", numeric, &f, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f.count; i++) {
        const search_clause_t *cl = &f.clauses[i];
        sqlb_sql(q, " AND ");
        if (cl->entity == SEARCH_ATTRIBUTE)
            rc = add_attribute(q, attrs, cl, what, err);
        else if (cl->entity == SEARCH_TAG)
            rc = add_tag(q, tag_table, tag_owner, cl, err);
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

static void add_order_item(sqlb_t *q, const order_item_t *item, int first)
{
    /* Byte order for text on PostgreSQL too, whatever the database's collation, so both
     * backends page through the same sequence. */
    sqlb_printf(q, "%s%s%s %s", first ? " ORDER BY " : ", ", item->key->column,
                item->key->text && q->kind == STORE_POSTGRES ? " COLLATE \"C\"" : "",
                item->descending ? "DESC" : "ASC");
}

/* Parse the request's order_by entries (or defaults when there are none), then append the
 * tie-breakers that are not already there. */
static int add_order(sqlb_t *q, const registry_search_t *s, const order_key_t *keys,
                     const char *const *defaults, const char *const *tiebreaks, err_t *err)
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
        add_order_item(q, &items[i], i == 0);
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
    return page_token_parse(s->page_token, offset, err);
}

static void add_limit(sqlb_t *q, const registry_search_t *s, int64_t offset)
{
    sqlb_sql(q, " LIMIT ");
    sqlb_param(q, sv_int(s->max_results + 1));
    sqlb_sql(q, " OFFSET ");
    sqlb_param(q, sv_int(offset));
}

/* Cut the probe row off a page and wrap it: {"<key>": list, "next_page_token"?}. */
static json_t *page(json_t *list, const char *key, const registry_search_t *s, int64_t offset)
{
    size_t fetched = json_array_size(list);
    if ((int64_t)fetched > s->max_results)
        json_array_remove(list, fetched - 1);
    json_t *out = json_pack("{s:o}", key, list);
    page_token_add_next(out, fetched, s->max_results, offset);
    return out;
}

json_t *registry_models_search(store_t *s, const registry_search_t *search, err_t *err)
{
    static const char *const defaults[] = {NULL};
    static const char *const tiebreaks[] = {"name ASC", NULL};
    int64_t offset;
    if (check_page(search, REGISTRY_MODELS_MAX_RESULTS, &offset, err) != 0)
        return NULL;
    sqlb_t q;
    sqlb_init(&q, store_kind(s));
    sqlb_sql(&q, REGISTRY_MODEL_SELECT "WHERE 1 = 1");
    json_t *out = NULL;
    if (add_filter(&q, search->filter, NULL, model_attributes, "registry_model_tags",
                   "t.model_id = m.id", "registered model", err) == 0 &&
        add_order(&q, search, model_order_keys, defaults, tiebreaks, err) == 0) {
        add_limit(&q, search, offset);
        store_conn_t *c = store_acquire(s);
        json_t *list = registry_load_models(c, &q, err);
        store_release(s, c);
        if (list)
            out = page(list, "models", search, offset);
    }
    sqlb_free(&q);
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
    sqlb_t q;
    sqlb_init(&q, store_kind(s));
    sqlb_sql(&q, REGISTRY_VERSION_SELECT "WHERE 1 = 1");
    if (search->model) {
        sqlb_sql(&q, " AND m.name = ");
        sqlb_param(&q, sv_text(search->model));
    }
    json_t *out = NULL;
    if (add_filter(&q, search->filter, version_numeric_names, version_attributes,
                   "registry_version_tags", "t.model_id = v.model_id AND t.version = v.version",
                   "model version", err) == 0 &&
        add_order(&q, search, version_order_keys, defaults, tiebreaks, err) == 0) {
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
    sqlb_free(&q);
    return out;
}
