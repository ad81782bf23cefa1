/* prompts.c - prompts themselves: name and alias rules, create (optionally with version 1),
 * get, list with a name filter and paging, update of description and tags, delete. Versions
 * are in versions.c, aliases in aliases.c. */
#include "prompts/prompts.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "prompts/lookup.h"

#define PROMPT_COLUMNS "id, name, description, tags, last_version, created_at, updated_at"

int prompts_check_name(const char *name, err_t *err)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > PROMPT_NAME_MAX)
        return err_invalid(err, "name", "name must be 1 to %d characters", PROMPT_NAME_MAX);
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n)
        return err_invalid(err, "name",
                           "name may only contain letters, digits, '-', '_' and '.' (no '/', "
                           "'@' or spaces)");
    /* "." and ".." would be rewritten by URL normalisation before reaching the server. */
    if (strspn(name, ".") == n)
        return err_invalid(err, "name", "name must not consist of dots only");
    return 0;
}

int prompts_check_alias(const char *alias, err_t *err)
{
    size_t n = alias ? strlen(alias) : 0;
    int ok = n >= 1 && n <= PROMPT_ALIAS_MAX &&
             strspn(alias, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n &&
             (isdigit((unsigned char)alias[0]) || islower((unsigned char)alias[0]));
    if (!ok)
        return err_invalid(err, "alias",
                           "an alias is 1 to %d characters of a-z, 0-9, '_' and '-', starting "
                           "with a letter or digit (e.g. \"production\")",
                           PROMPT_ALIAS_MAX);
    if (strspn(alias, "0123456789") == n)
        return err_invalid(err, "alias",
                           "an alias must not be only digits: \"%s\" would read as a version",
                           alias);
    return 0;
}

/* Check tags; allow_null: a null value (remove the tag) is accepted, as in an update. */
static int check_tags(const json_t *tags, int allow_null, err_t *err)
{
    if (!json_is_object(tags))
        return err_invalid(err, "tags", "tags must be an object of string values");
    if (json_object_size(tags) > PROMPT_TAGS_MAX)
        return err_invalid(err, "tags", "at most %d tags", PROMPT_TAGS_MAX);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)tags, key, value)
    {
        size_t klen = strlen(key);
        if (klen == 0 || klen > PROMPT_TAG_KEY_MAX)
            return err_invalid(err, "tags", "tag names must be 1 to %d characters",
                               PROMPT_TAG_KEY_MAX);
        int ok = (allow_null && json_is_null(value)) ||
                 (json_is_string(value) && json_string_length(value) <= PROMPT_TAG_VALUE_MAX &&
                  !memchr(json_string_value(value), '\0', json_string_length(value)));
        if (!ok)
            return err_invalid(err, "tags", "tag '%.64s' must be a string of at most %d bytes%s",
                               key, PROMPT_TAG_VALUE_MAX,
                               allow_null ? " (or null to remove it)" : "");
    }
    return 0;
}

static int check_description(const char *description, err_t *err)
{
    if (description && strlen(description) > PROMPT_DESCRIPTION_MAX)
        return err_invalid(err, "description", "description is longer than %d bytes",
                           PROMPT_DESCRIPTION_MAX);
    return 0;
}

/* Row r of a PROMPT_COLUMNS query as JSON, with the prompt's aliases. */
static json_t *prompt_json(const store_rows_t *rows, size_t r, json_t *aliases)
{
    json_t *tags = json_loads(store_rows_text(rows, r, 3), 0, NULL);
    int64_t last = store_rows_int(rows, r, 4);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I}", "name", store_rows_text(rows, r, 1),
                     "description", store_rows_text(rows, r, 2), "tags",
                     tags ? tags : json_object(), "latest_version",
                     last > 0 ? json_integer(last) : json_null(), "aliases", aliases, "created_at",
                     (json_int_t)store_rows_int(rows, r, 5), "updated_at",
                     (json_int_t)store_rows_int(rows, r, 6));
}

/* One prompt's JSON, read on c. */
static json_t *prompt_get_on(store_conn_t *c, const char *name, err_t *err)
{
    store_value_t p[] = {sv_text(name)};
    store_rows_t *rows =
        store_query(c, "SELECT " PROMPT_COLUMNS " FROM prompts WHERE name = ?", p, 1, err);
    if (!rows)
        return NULL;
    json_t *result = NULL;
    if (store_rows_count(rows) == 0) {
        err_set(err, 404, "not_found", NULL, "prompt '%s' does not exist", name);
    } else {
        json_t *aliases = prompt_alias_map(c, store_rows_int(rows, 0, 0), err);
        if (aliases)
            result = prompt_json(rows, 0, aliases);
    }
    store_rows_free(rows);
    return result;
}

json_t *prompts_get(store_t *s, const char *name, err_t *err)
{
    if (prompts_check_name(name, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *result = prompt_get_on(c, name, err);
    store_release(s, c);
    return result;
}

json_t *prompts_create(store_t *s, const prompt_create_in_t *in, err_t *err)
{
    if (prompts_check_name(in->name, err) != 0 || check_description(in->description, err) != 0 ||
        (in->tags && check_tags(in->tags, 0, err) != 0))
        return NULL;
    prompt_version_new_t first = {0};
    if (in->first_version && prompt_version_prepare(in->first_version, &first, err) != 0)
        return NULL;

    char *tags = in->tags ? json_to_string(in->tags) : xstrdup("{}");
    int64_t now = clock_now_ms();
    store_value_t params[] = {sv_text(in->name), sv_text(in->description ? in->description : ""),
                              sv_text(tags),     sv_int(in->first_version ? 1 : 0),
                              sv_int(now),       sv_int(now)};
    json_t *result = NULL, *version = NULL;
    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) != 0)
        goto done;
    store_rows_t *rows = store_query(c,
                                     "INSERT INTO prompts (name, description, tags, last_version, "
                                     "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                                     "RETURNING id",
                                     params, 6, err);
    if (!rows) {
        if (err && err->status == 409)
            err_conflict(err, "prompt '%s' already exists", in->name);
        goto fail;
    }
    int64_t id = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    prompt_ref_t ref = {id, 1};
    if (in->first_version && (prompt_version_insert(c, id, 1, &first, now, err) != 0 ||
                              !(version = prompt_version_fetch(c, &ref, in->name, 1, err))))
        goto fail;
    if (store_commit(c, err) != 0)
        goto fail;
    result = prompt_get_on(c, in->name, err);
    if (result && version)
        json_object_set(result, "version", version);
    goto done;
fail:
    store_rollback(c);
done:
    store_release(s, c);
    json_decref(version);
    free(tags);
    prompt_version_new_free(&first);
    return result;
}

/* Append "%pattern%" for a case-insensitive LIKE, with LIKE's own characters escaped. */
static void like_pattern(buf_t *b, const char *query)
{
    buf_append_char(b, '%');
    for (const char *p = query; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            buf_append_char(b, '\\');
        buf_append_char(b, (char)tolower((unsigned char)*p));
    }
    buf_append_char(b, '%');
}

json_t *prompts_list(store_t *s, const char *query, int limit, const char *page_token, err_t *err)
{
    if (prompt_page_limit(limit, &limit, err) != 0)
        return NULL;
    if (page_token && prompts_check_name(page_token, NULL) != 0) {
        err_invalid(err, "page_token", "page_token is not one this server handed out");
        return NULL;
    }
    buf_t pattern, sql;
    buf_init(&pattern);
    buf_init(&sql);
    buf_append_str(&sql, "SELECT " PROMPT_COLUMNS " FROM prompts WHERE name > ?");
    store_value_t params[3] = {sv_text(page_token ? page_token : "")};
    size_t n = 1;
    if (query && query[0]) {
        like_pattern(&pattern, query);
        buf_append_str(&sql, " AND LOWER(name) LIKE ? ESCAPE '\\'");
        params[n++] = sv_text(buf_str(&pattern));
    }
    /* One row more than the page tells whether there is a next page. */
    buf_append_str(&sql, " ORDER BY name LIMIT ?");
    params[n++] = sv_int(limit + 1);

    json_t *result = NULL;
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, buf_str(&sql), params, n, err);
    if (rows) {
        size_t count = store_rows_count(rows);
        size_t shown = count > (size_t)limit ? (size_t)limit : count;
        json_t *list = json_array();
        for (size_t r = 0; r < shown; r++) {
            json_t *aliases = prompt_alias_map(c, store_rows_int(rows, r, 0), err);
            if (!aliases) {
                json_decref(list);
                list = NULL;
                break;
            }
            json_array_append_new(list, prompt_json(rows, r, aliases));
        }
        if (list) {
            result = json_pack("{s:o}", "prompts", list);
            if (count > shown)
                json_object_set_new(result, "next_page_token",
                                    json_string(store_rows_text(rows, shown - 1, 1)));
        }
        store_rows_free(rows);
    }
    store_release(s, c);
    buf_free(&pattern);
    buf_free(&sql);
    return result;
}

json_t *prompts_update(store_t *s, const char *name, const char *description, const json_t *tags,
                       err_t *err)
{
    if (prompts_check_name(name, err) != 0 || check_description(description, err) != 0 ||
        (tags && check_tags(tags, 1, err) != 0))
        return NULL;
    json_t *result = NULL, *merged = NULL;
    char *tags_text = NULL;
    prompt_ref_t ref;
    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) != 0)
        goto done;
    if (prompt_lock(c, name, clock_now_ms(), &ref, err) != 0)
        goto fail;
    store_value_t id[] = {sv_int(ref.id)};
    store_rows_t *rows = store_query(c, "SELECT tags FROM prompts WHERE id = ?", id, 1, err);
    if (!rows)
        goto fail;
    merged = json_loads(store_rows_text(rows, 0, 0), 0, NULL);
    store_rows_free(rows);
    if (!merged)
        merged = json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)tags, key, value)
    {
        if (json_is_null(value))
            json_object_del(merged, key);
        else
            json_object_set(merged, key, value);
    }
    if (json_object_size(merged) > PROMPT_TAGS_MAX) {
        err_invalid(err, "tags", "at most %d tags", PROMPT_TAGS_MAX);
        goto fail;
    }
    tags_text = json_to_string(merged);
    store_value_t params[] = {sv_text(description), sv_text(tags_text), sv_int(ref.id)};
    if (store_exec(c,
                   "UPDATE prompts SET description = COALESCE(?, description), tags = ? "
                   "WHERE id = ?",
                   params, 3, err) < 0 ||
        store_commit(c, err) != 0)
        goto fail;
    result = prompt_get_on(c, name, err);
    goto done;
fail:
    store_rollback(c);
done:
    store_release(s, c);
    json_decref(merged);
    free(tags_text);
    return result;
}

int prompts_delete(store_t *s, const char *name, err_t *err)
{
    if (prompts_check_name(name, err) != 0)
        return -1;
    static const char *const deletes[] = {
        "DELETE FROM prompt_alias_history WHERE prompt_id = ?",
        "DELETE FROM prompt_aliases WHERE prompt_id = ?",
        "DELETE FROM prompt_versions WHERE prompt_id = ?",
        "DELETE FROM prompts WHERE id = ?",
    };
    int rc = -1;
    prompt_ref_t ref;
    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) != 0)
        goto done;
    if (prompt_lock(c, name, clock_now_ms(), &ref, err) != 0)
        goto fail;
    /* Children first, explicitly: the result does not depend on cascade settings. */
    store_value_t id[] = {sv_int(ref.id)};
    for (size_t i = 0; i < sizeof deletes / sizeof deletes[0]; i++)
        if (store_exec(c, deletes[i], id, 1, err) < 0)
            goto fail;
    if (store_commit(c, err) != 0)
        goto fail;
    rc = 0;
    goto done;
fail:
    store_rollback(c);
done:
    store_release(s, c);
    return rc;
}
