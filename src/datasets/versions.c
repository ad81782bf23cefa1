/* versions.c - reading version metadata (datasets.h): one version, or a page of them. */
#include <stdio.h>
#include <stdlib.h>

#include "datasets/internal.h"

static json_t *text_json(const store_rows_t *rows, size_t r, size_t col, json_t *fallback)
{
    json_t *v = store_rows_is_null(rows, r, col)
                    ? NULL
                    : json_loads(store_rows_text(rows, r, col), JSON_DECODE_ANY, NULL);
    if (!v)
        return fallback;
    json_decref(fallback);
    return v;
}

json_t *ds_version_json(const store_rows_t *rows, size_t r)
{
    const char *name = store_rows_text(rows, r, 0);
    int64_t version = store_rows_int(rows, r, 1);
    char node[DATASET_NAME_MAX + 32];
    snprintf(node, sizeof node, "%s/%lld", name, (long long)version);
    json_t *splits = json_null();
    if (!store_rows_is_null(rows, r, 9))
        splits = json_pack("{s:s, s:I, s:o, s:s}", "rule", store_rows_text(rows, r, 9), "seed",
                           (json_int_t)store_rows_int(rows, r, 10), "counts",
                           text_json(rows, r, 12, json_object()), "assignments_blob",
                           store_rows_text(rows, r, 11));
    return json_pack(
        "{s:s, s:I, s:s, s:I, s:o, s:s, s:o, s:s, s:o, s:o, s:I, s:{s:s, s:s}}", "name", name,
        "version", (json_int_t)version, "digest", store_rows_text(rows, r, 2), "row_count",
        (json_int_t)store_rows_int(rows, r, 3), "schema", text_json(rows, r, 4, json_object()),
        "source", store_rows_text(rows, r, 5), "parent",
        store_rows_is_null(rows, r, 6) ? json_null() : json_string(store_rows_text(rows, r, 6)),
        "description", store_rows_text(rows, r, 7), "tags", text_json(rows, r, 8, json_object()),
        "splits", splits, "created_at", (json_int_t)store_rows_int(rows, r, 13), "lineage_node",
        "type", DATASET_LINEAGE_TYPE, "id", node);
}

json_t *ds_version_fetch(store_conn_t *c, const char *name, int64_t version, err_t *err)
{
    store_value_t p[] = {sv_text(name), sv_int(version)};
    store_rows_t *rows =
        version > 0
            ? store_query(c,
                          "SELECT " DS_VERSION_COLUMNS
                          " FROM dataset_versions WHERE dataset = ? AND version = ?",
                          p, 2, err)
            : store_query(c,
                          "SELECT " DS_VERSION_COLUMNS " FROM dataset_versions WHERE dataset = ? "
                          "ORDER BY version DESC LIMIT 1",
                          p, 1, err);
    if (!rows)
        return NULL;
    json_t *out = NULL;
    if (store_rows_count(rows) == 1) {
        out = ds_version_json(rows, 0);
    } else {
        store_rows_t *exists =
            store_query(c, "SELECT 1 FROM versioned_datasets WHERE name = ?", p, 1, err);
        if (exists && store_rows_count(exists) == 0)
            err_not_found(err, "dataset '%s' does not exist", name);
        else if (exists && version > 0)
            err_not_found(err, "dataset '%s' has no version %lld", name, (long long)version);
        else if (exists)
            err_not_found(err, "dataset '%s' has no versions yet", name);
        store_rows_free(exists);
    }
    store_rows_free(rows);
    return out;
}

json_t *datasets_get_version(store_t *s, const char *name, int64_t version, err_t *err)
{
    if (datasets_check_name(name, err) != 0)
        return NULL;
    if (version < 0) {
        err_invalid(err, "version", "a version is a number from 1");
        return NULL;
    }
    store_conn_t *c = store_acquire(s);
    json_t *out = ds_version_fetch(c, name, version, err);
    store_release(s, c);
    return out;
}

json_t *datasets_list_versions(store_t *s, const char *name, int limit, int64_t cursor, err_t *err)
{
    if (datasets_check_name(name, err) != 0)
        return NULL;
    if (limit == 0)
        limit = DATASET_PAGE_DEFAULT;
    if (limit < 1 || limit > DATASET_PAGE_MAX) {
        err_invalid(err, "limit", "limit must be from 1 to %d", DATASET_PAGE_MAX);
        return NULL;
    }
    if (cursor < 0) {
        err_invalid(err, "cursor", "cursor must be a version number");
        return NULL;
    }
    store_value_t p[] = {sv_text(name), sv_int(cursor ? cursor : INT64_MAX), sv_int(limit + 1)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *exists =
        store_query(c, "SELECT 1 FROM versioned_datasets WHERE name = ?", p, 1, err);
    store_rows_t *rows = exists && store_rows_count(exists) == 1
                             ? store_query(c,
                                           "SELECT " DS_VERSION_COLUMNS
                                           " FROM dataset_versions WHERE dataset = ? AND "
                                           "version < ? ORDER BY version DESC LIMIT ?",
                                           p, 3, err)
                             : NULL;
    store_release(s, c);
    if (exists && store_rows_count(exists) == 0)
        err_not_found(err, "dataset '%s' does not exist", name);
    store_rows_free(exists);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    size_t n = store_rows_count(rows);
    for (size_t r = 0; r < n && r < (size_t)limit; r++)
        json_array_append_new(list, ds_version_json(rows, r));
    json_t *out = json_pack("{s:s, s:o}", "name", name, "versions", list);
    if (n > (size_t)limit)
        json_object_set_new(out, "next_cursor",
                            json_integer(store_rows_int(rows, (size_t)limit - 1, 1)));
    store_rows_free(rows);
    return out;
}
