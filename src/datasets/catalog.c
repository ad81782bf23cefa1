/* catalog.c - datasets themselves (datasets.h): names, references, create, get, list. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "datasets/internal.h"

#define DATASET_COLUMNS "name, description, tags, last_version, created_ms, updated_ms"

int datasets_check_name(const char *name, err_t *err)
{
    size_t n = name ? strlen(name) : 0;
    int ok = n > 0 && n <= DATASET_NAME_MAX && isalnum((unsigned char)name[0]);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '_' || name[i] == '-';
    if (!ok)
        return err_invalid(err, "name",
                           "a dataset name is 1-%d characters of letters, digits, '.', '_' and "
                           "'-', starting with a letter or digit",
                           DATASET_NAME_MAX);
    return 0;
}

int datasets_parse_ref(const char *ref, char name[DATASET_NAME_MAX + 1], int64_t *version,
                       err_t *err)
{
    *version = 0;
    size_t n = ref ? strcspn(ref, "@/") : 0;
    if (!ref || n == 0 || n > DATASET_NAME_MAX)
        return err_invalid(err, "dataset", "a dataset reference is NAME, NAME@latest or NAME/N");
    memcpy(name, ref, n);
    name[n] = '\0';
    if (datasets_check_name(name, err) != 0) {
        snprintf(err->field, sizeof err->field, "dataset");
        return -1;
    }
    const char *rest = ref + n;
    if (!*rest || strcmp(rest, "@latest") == 0)
        return 0;
    char *end = NULL;
    long long v =
        rest[0] == '/' && isdigit((unsigned char)rest[1]) ? strtoll(rest + 1, &end, 10) : 0;
    if (v < 1 || *end || v > (1LL << 53))
        return err_invalid(err, "dataset",
                           "'%.100s' is not NAME, NAME@latest or NAME/N (N a version number)", ref);
    *version = v;
    return 0;
}

int ds_check_tags(const json_t *tags, err_t *err)
{
    if (!tags || json_is_null(tags))
        return 0;
    if (!json_is_object(tags) || json_object_size(tags) > DATASET_TAGS_MAX)
        return err_invalid(err, "tags", "tags must be an object of at most %d string values",
                           DATASET_TAGS_MAX);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)tags, key, value)
    {
        if (!json_is_string(value) || !key[0] || strlen(key) > DATASET_TAG_KEY_MAX ||
            json_string_length(value) > DATASET_TAG_VALUE_MAX)
            return err_invalid(err, "tags",
                               "tag '%.100s': keys are 1-%d characters, values strings of at most "
                               "%d",
                               key, DATASET_TAG_KEY_MAX, DATASET_TAG_VALUE_MAX);
    }
    return 0;
}

char *ds_json_text(const json_t *value)
{
    return json_dump_text(value, JSON_COMPACT | JSON_SORT_KEYS);
}

char *ds_tags_text(const json_t *tags)
{
    return tags && !json_is_null(tags) ? ds_json_text(tags) : xstrdup("{}");
}

static json_t *dataset_json(const store_rows_t *rows, size_t r)
{
    json_t *tags = json_loads(store_rows_text(rows, r, 2), 0, NULL);
    int64_t last = store_rows_int(rows, r, 3);
    return json_pack("{s:s, s:s, s:o, s:o, s:I, s:I}", "name", store_rows_text(rows, r, 0),
                     "description", store_rows_text(rows, r, 1), "tags",
                     tags ? tags : json_object(), "latest_version",
                     last ? json_integer(last) : json_null(), "created_at",
                     (json_int_t)store_rows_int(rows, r, 4), "updated_at",
                     (json_int_t)store_rows_int(rows, r, 5));
}

json_t *datasets_create(store_t *s, const char *name, const char *description, const json_t *tags,
                        err_t *err)
{
    if (datasets_check_name(name, err) != 0 || ds_check_tags(tags, err) != 0)
        return NULL;
    if (description && strlen(description) > DATASET_DESCRIPTION_MAX) {
        err_invalid(err, "description", "description is longer than %d bytes",
                    DATASET_DESCRIPTION_MAX);
        return NULL;
    }
    char *tags_text = ds_tags_text(tags);
    int64_t now = clock_now_ms();
    store_value_t p[] = {sv_text(name), sv_text(description ? description : ""), sv_text(tags_text),
                         sv_int(now), sv_int(now)};
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_exec(
            c,
            "INSERT INTO versioned_datasets (name, description, tags, created_ms, updated_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            p, 5, err) >= 0) {
        store_rows_t *rows = store_query(
            c, "SELECT " DATASET_COLUMNS " FROM versioned_datasets WHERE name = ?", p, 1, err);
        if (rows && store_rows_count(rows) == 1)
            out = dataset_json(rows, 0);
        store_rows_free(rows);
    } else if (err->status == 409) {
        err_conflict(err, "dataset '%s' already exists", name);
    }
    store_release(s, c);
    free(tags_text);
    return out;
}

json_t *datasets_get(store_t *s, const char *name, err_t *err)
{
    if (datasets_check_name(name, err) != 0)
        return NULL;
    store_value_t p[] = {sv_text(name)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c, "SELECT " DATASET_COLUMNS " FROM versioned_datasets WHERE name = ?", p, 1, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *out = NULL;
    if (store_rows_count(rows) == 1)
        out = dataset_json(rows, 0);
    else
        err_not_found(err, "dataset '%s' does not exist", name);
    store_rows_free(rows);
    return out;
}

json_t *datasets_list(store_t *s, int limit, const char *cursor, err_t *err)
{
    if (limit == 0)
        limit = DATASET_PAGE_DEFAULT;
    if (limit < 1 || limit > DATASET_PAGE_MAX) {
        err_invalid(err, "limit", "limit must be from 1 to %d", DATASET_PAGE_MAX);
        return NULL;
    }
    /* Keyset pagination: the cursor is the last name of the page before, so pages stay
     * consistent while datasets are added. limit + 1 rows say whether a page follows. */
    store_value_t p[] = {sv_text(cursor ? cursor : ""), sv_int(limit + 1)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c,
        "SELECT " DATASET_COLUMNS " FROM versioned_datasets WHERE name > ? ORDER BY name LIMIT ?",
        p, 2, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    size_t n = store_rows_count(rows);
    for (size_t r = 0; r < n && r < (size_t)limit; r++)
        json_array_append_new(list, dataset_json(rows, r));
    json_t *out = json_pack("{s:o}", "datasets", list);
    if (n > (size_t)limit)
        json_object_set_new(out, "next_cursor",
                            json_string(store_rows_text(rows, (size_t)limit - 1, 0)));
    store_rows_free(rows);
    return out;
}
