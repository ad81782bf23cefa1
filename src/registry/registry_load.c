/* registry_load.c - models and versions from rows to JSON (see registry_load.h).
 *
 * Tags and aliases are fetched after the main query for all of its rows at once, in chunks of
 * REGISTRY_LOAD_CHUNK keys so that no statement carries more parameters than either database
 * accepts. Each fetched row is attached through an index (a JSON object keyed by
 * "model_id/version" or "model_id") whose values are borrowed references to the result objects. */
#include "registry/registry_load.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"

#define REGISTRY_LOAD_CHUNK 200

typedef struct version_key {
    int64_t model_id, version;
} version_key_t;

static void key_text(char *out, size_t size, int64_t model_id, int64_t version)
{
    if (version >= 0)
        snprintf(out, size, "%" PRId64 "/%" PRId64, model_id, version);
    else
        snprintf(out, size, "%" PRId64, model_id);
}

static json_t *text_or_null(const store_rows_t *rows, size_t r, size_t col)
{
    return store_rows_is_null(rows, r, col) ? json_null()
                                            : json_string(store_rows_text(rows, r, col));
}

static json_t *version_from_row(const store_rows_t *rows, size_t r)
{
    json_t *v = json_object();
    json_object_set_new(v, "name", json_string(store_rows_text(rows, r, 1)));
    json_object_set_new(v, "version", json_integer(store_rows_int(rows, r, 2)));
    json_object_set_new(v, "creation_timestamp", json_integer(store_rows_int(rows, r, 3)));
    json_object_set_new(v, "last_updated_timestamp", json_integer(store_rows_int(rows, r, 4)));
    json_object_set_new(v, "description", text_or_null(rows, r, 5));
    json_object_set_new(v, "source", json_string(store_rows_text(rows, r, 6)));
    json_object_set_new(v, "run_id", text_or_null(rows, r, 7));
    json_object_set_new(v, "run_link", text_or_null(rows, r, 8));
    json_object_set_new(v, "status", json_string("READY"));
    json_object_set_new(v, "tags", json_object());
    json_object_set_new(v, "aliases", json_array());
    json_t *serving = NULL;
    if (!store_rows_is_null(rows, r, 9))
        serving = json_loads(store_rows_text(rows, r, 9), 0, NULL);
    json_object_set_new(v, "serving", serving ? serving : json_null());
    return v;
}

/* Append "(model_id = ? AND version = ?) OR ..." for keys[from, to). */
static void where_keys(sqlb_t *q, const version_key_t *keys, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        sqlb_sql(q, i > from ? " OR (model_id = " : "(model_id = ");
        sqlb_param(q, sv_int(keys[i].model_id));
        sqlb_sql(q, " AND version = ");
        sqlb_param(q, sv_int(keys[i].version));
        sqlb_sql(q, ")");
    }
}

/* Fetch tags and aliases of the versions in keys and attach them through index. */
static int attach_version_extras(store_conn_t *c, const version_key_t *keys, size_t n,
                                 json_t *index, err_t *err)
{
    for (size_t from = 0; from < n; from += REGISTRY_LOAD_CHUNK) {
        size_t to = from + REGISTRY_LOAD_CHUNK < n ? from + REGISTRY_LOAD_CHUNK : n;
        for (int pass = 0; pass < 2; pass++) {
            sqlb_t q;
            sqlb_init(&q, store_conn_kind(c));
            sqlb_sql(&q, pass == 0 ? "SELECT model_id, version, key, value "
                                     "FROM registry_version_tags WHERE "
                                   : "SELECT model_id, version, alias "
                                     "FROM registry_aliases WHERE ");
            where_keys(&q, keys, from, to);
            sqlb_sql(&q, pass == 0 ? " ORDER BY key" : " ORDER BY alias");
            store_rows_t *rows = sqlb_query(c, &q, err);
            sqlb_free(&q);
            if (!rows)
                return -1;
            for (size_t r = 0; r < store_rows_count(rows); r++) {
                char key[64];
                key_text(key, sizeof key, store_rows_int(rows, r, 0), store_rows_int(rows, r, 1));
                json_t *version = json_object_get(index, key);
                if (!version)
                    continue;
                if (pass == 0)
                    json_object_set_new(json_object_get(version, "tags"),
                                        store_rows_text(rows, r, 2),
                                        json_string(store_rows_text(rows, r, 3)));
                else
                    json_array_append_new(json_object_get(version, "aliases"),
                                          json_string(store_rows_text(rows, r, 2)));
            }
            store_rows_free(rows);
        }
    }
    return 0;
}

json_t *registry_load_versions(store_conn_t *c, const sqlb_t *query, err_t *err)
{
    store_rows_t *rows = sqlb_query(c, query, err);
    if (!rows)
        return NULL;
    size_t n = store_rows_count(rows);
    json_t *result = json_array();
    json_t *index = json_object();
    version_key_t *keys = xcalloc(n ? n : 1, sizeof *keys);
    for (size_t r = 0; r < n; r++) {
        json_t *v = version_from_row(rows, r);
        keys[r].model_id = store_rows_int(rows, r, 0);
        keys[r].version = store_rows_int(rows, r, 2);
        char key[64];
        key_text(key, sizeof key, keys[r].model_id, keys[r].version);
        json_object_set(index, key, v);
        json_array_append_new(result, v);
    }
    store_rows_free(rows);
    int rc = attach_version_extras(c, keys, n, index, err);
    free(keys);
    json_decref(index);
    if (rc != 0) {
        json_decref(result);
        return NULL;
    }
    return result;
}

/* Append "model_id IN (?, ...)" for ids[from, to) with the column named col. */
static void where_ids(sqlb_t *q, const char *col, const int64_t *ids, size_t from, size_t to)
{
    sqlb_printf(q, "%s IN (", col);
    for (size_t i = from; i < to; i++) {
        if (i > from)
            sqlb_sql(q, ", ");
        sqlb_param(q, sv_int(ids[i]));
    }
    sqlb_sql(q, ")");
}

/* Tags, aliases and the latest version of the models in ids, attached through index (by id)
 * and by_name. */
static int attach_model_extras(store_conn_t *c, const int64_t *ids, size_t n, json_t *index,
                               json_t *by_name, err_t *err)
{
    for (size_t from = 0; from < n; from += REGISTRY_LOAD_CHUNK) {
        size_t to = from + REGISTRY_LOAD_CHUNK < n ? from + REGISTRY_LOAD_CHUNK : n;
        for (int pass = 0; pass < 2; pass++) {
            sqlb_t q;
            sqlb_init(&q, store_conn_kind(c));
            sqlb_sql(&q, pass == 0 ? "SELECT model_id, key, value FROM registry_model_tags WHERE "
                                   : "SELECT model_id, alias, version FROM registry_aliases "
                                     "WHERE ");
            where_ids(&q, "model_id", ids, from, to);
            sqlb_sql(&q, pass == 0 ? " ORDER BY key" : " ORDER BY alias");
            store_rows_t *rows = sqlb_query(c, &q, err);
            sqlb_free(&q);
            if (!rows)
                return -1;
            for (size_t r = 0; r < store_rows_count(rows); r++) {
                char key[32];
                key_text(key, sizeof key, store_rows_int(rows, r, 0), -1);
                json_t *model = json_object_get(index, key);
                if (!model)
                    continue;
                json_object_set_new(json_object_get(model, pass == 0 ? "tags" : "aliases"),
                                    store_rows_text(rows, r, 1),
                                    pass == 0 ? json_string(store_rows_text(rows, r, 2))
                                              : json_integer(store_rows_int(rows, r, 2)));
            }
            store_rows_free(rows);
        }

        sqlb_t q;
        sqlb_init(&q, store_conn_kind(c));
        sqlb_sql(&q, REGISTRY_VERSION_SELECT "WHERE ");
        where_ids(&q, "v.model_id", ids, from, to);
        sqlb_sql(&q, " AND v.version = (SELECT MAX(v2.version) FROM registry_versions v2 "
                     "WHERE v2.model_id = v.model_id)");
        json_t *latest = registry_load_versions(c, &q, err);
        sqlb_free(&q);
        if (!latest)
            return -1;
        size_t i;
        json_t *v;
        json_array_foreach(latest, i, v)
        {
            /* The version JSON carries the model's name, unique like its id. */
            json_t *model = json_object_get(by_name, json_string_value(json_object_get(v, "name")));
            if (model)
                json_object_set(model, "latest_version", v);
        }
        json_decref(latest);
    }
    return 0;
}

json_t *registry_load_models(store_conn_t *c, const sqlb_t *query, err_t *err)
{
    store_rows_t *rows = sqlb_query(c, query, err);
    if (!rows)
        return NULL;
    size_t n = store_rows_count(rows);
    json_t *result = json_array();
    json_t *index = json_object(), *by_name = json_object();
    int64_t *ids = xcalloc(n ? n : 1, sizeof *ids);
    for (size_t r = 0; r < n; r++) {
        ids[r] = store_rows_int(rows, r, 0);
        json_t *m = json_object();
        json_object_set_new(m, "name", json_string(store_rows_text(rows, r, 1)));
        json_object_set_new(m, "description", text_or_null(rows, r, 2));
        json_object_set_new(m, "creation_timestamp", json_integer(store_rows_int(rows, r, 3)));
        json_object_set_new(m, "last_updated_timestamp", json_integer(store_rows_int(rows, r, 4)));
        json_object_set_new(m, "tags", json_object());
        json_object_set_new(m, "aliases", json_object());
        json_object_set_new(m, "latest_version", json_null());
        char key[32];
        key_text(key, sizeof key, ids[r], -1);
        json_object_set(index, key, m);
        json_object_set(by_name, store_rows_text(rows, r, 1), m);
        json_array_append_new(result, m);
    }
    store_rows_free(rows);
    int rc = attach_model_extras(c, ids, n, index, by_name, err);
    free(ids);
    json_decref(index);
    json_decref(by_name);
    if (rc != 0) {
        json_decref(result);
        return NULL;
    }
    return result;
}

/* The first element of a list (new reference), dropping the list. */
static json_t *first_of(json_t *list)
{
    json_t *one = json_incref(json_array_get(list, 0));
    json_decref(list);
    return one;
}

json_t *registry_load_version(store_conn_t *c, int64_t model_id, const char *name, int64_t version,
                              err_t *err)
{
    sqlb_t q;
    sqlb_init(&q, store_conn_kind(c));
    sqlb_sql(&q, REGISTRY_VERSION_SELECT "WHERE v.model_id = ");
    sqlb_param(&q, sv_int(model_id));
    sqlb_sql(&q, " AND v.version = ");
    sqlb_param(&q, sv_int(version));
    json_t *list = registry_load_versions(c, &q, err);
    sqlb_free(&q);
    if (list && json_array_size(list) == 0) {
        json_decref(list);
        err_not_found(err, "Model Version (name=%s, version=%" PRId64 ") not found", name, version);
        return NULL;
    }
    return list ? first_of(list) : NULL;
}

json_t *registry_load_model(store_conn_t *c, int64_t model_id, err_t *err)
{
    sqlb_t q;
    sqlb_init(&q, store_conn_kind(c));
    sqlb_sql(&q, REGISTRY_MODEL_SELECT "WHERE m.id = ");
    sqlb_param(&q, sv_int(model_id));
    json_t *list = registry_load_models(c, &q, err);
    sqlb_free(&q);
    if (list && json_array_size(list) == 0) {
        json_decref(list);
        err_not_found(err, "Registered Model with id %" PRId64 " not found", model_id);
        return NULL;
    }
    return list ? first_of(list) : NULL;
}

int registry_model_id(store_conn_t *c, const char *name, int64_t *id, err_t *err)
{
    store_value_t p[] = {sv_text(name)};
    store_rows_t *rows = store_query(c, "SELECT id FROM registry_models WHERE name = ?", p, 1, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    if (found)
        *id = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    if (!found)
        return err_not_found(err, "Registered Model with name=%s not found", name);
    return 0;
}

int registry_version_exists(store_conn_t *c, int64_t model_id, const char *name, int64_t version,
                            err_t *err)
{
    store_value_t p[] = {sv_int(model_id), sv_int(version)};
    store_rows_t *rows = store_query(
        c, "SELECT 1 FROM registry_versions WHERE model_id = ? AND version = ?", p, 2, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    store_rows_free(rows);
    if (!found)
        return err_not_found(err, "Model Version (name=%s, version=%" PRId64 ") not found", name,
                             version);
    return 0;
}

json_t *registry_commit(store_conn_t *c, int ok, json_t *out, err_t *err)
{
    if (store_finish(c, ok, err) == 0)
        return out;
    json_decref(out);
    return NULL;
}
