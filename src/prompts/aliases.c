/* aliases.c - movable names for versions ("production" -> 3) and their history.
 *
 * Every change goes through alias_change(), which updates prompt_aliases and appends the
 * change to prompt_alias_history in the caller's transaction, under the prompt's row lock
 * (prompt_lock), so the history's from/to versions always chain: each entry's from_version is
 * the previous entry's to_version. A rollback reads the last entry and moves the alias to its
 * from_version. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "prompts/lookup.h"
#include "prompts/prompts.h"

typedef struct alias_row {
    int64_t version;
    char updated_by[PROMPT_AUTHOR_MAX + 1];
    int64_t updated_at;
} alias_row_t;

/* Where the alias points now: 1 with *out filled, 0 when it does not exist, -1 on error. */
static int alias_current(store_conn_t *c, int64_t prompt_id, const char *alias, alias_row_t *out,
                         err_t *err)
{
    store_value_t p[] = {sv_int(prompt_id), sv_text(alias)};
    store_rows_t *rows = store_query(c,
                                     "SELECT version, updated_by, updated_at FROM prompt_aliases "
                                     "WHERE prompt_id = ? AND alias = ?",
                                     p, 2, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    memset(out, 0, sizeof *out);
    if (found) {
        out->version = store_rows_int(rows, 0, 0);
        snprintf(out->updated_by, sizeof out->updated_by, "%s", store_rows_text(rows, 0, 1));
        out->updated_at = store_rows_int(rows, 0, 2);
    }
    store_rows_free(rows);
    return found;
}

/* Point the alias at to_version (0: delete it) and record the change. from: the version it
 * pointed at before, 0 when it did not exist. */
static int alias_change(store_conn_t *c, int64_t prompt_id, const char *alias, int64_t from,
                        int64_t to_version, const char *action, const char *who, int64_t now,
                        err_t *err)
{
    int64_t n;
    if (to_version > 0) {
        store_value_t p[] = {sv_int(prompt_id), sv_text(alias), sv_int(to_version), sv_text(who),
                             sv_int(now)};
        n = store_exec(c,
                       "INSERT INTO prompt_aliases (prompt_id, alias, version, updated_by, "
                       "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (prompt_id, alias) DO "
                       "UPDATE SET version = excluded.version, updated_by = excluded.updated_by, "
                       "updated_at = excluded.updated_at",
                       p, 5, err);
    } else {
        store_value_t p[] = {sv_int(prompt_id), sv_text(alias)};
        n = store_exec(c, "DELETE FROM prompt_aliases WHERE prompt_id = ? AND alias = ?", p, 2,
                       err);
    }
    if (n < 0)
        return -1;
    store_value_t h[] = {sv_int(prompt_id),
                         sv_text(alias),
                         sv_text(action),
                         from > 0 ? sv_int(from) : sv_null(),
                         to_version > 0 ? sv_int(to_version) : sv_null(),
                         sv_text(who),
                         sv_int(now)};
    return store_exec(c,
                      "INSERT INTO prompt_alias_history (prompt_id, alias, action, from_version, "
                      "to_version, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      h, 7, err) < 0
               ? -1
               : 0;
}

static json_t *set_result(const char *name, const char *alias, int64_t version, int64_t previous,
                          const char *who, int64_t now)
{
    return json_pack("{s:s, s:s, s:I, s:o, s:s, s:I}", "name", name, "alias", alias, "version",
                     (json_int_t)version, "previous_version",
                     previous > 0 ? json_integer(previous) : json_null(), "updated_by", who,
                     "updated_at", (json_int_t)now);
}

/* Point the alias at version inside the caller's transaction on c (prompt row locked here),
 * when it points at expected now (-1: wherever it points; 0: only when it does not exist). */
static json_t *set_alias_on(store_conn_t *c, const char *name, const char *alias, int64_t version,
                            int64_t expected, const char *who, err_t *err)
{
    int64_t now = clock_now_ms();
    alias_row_t cur;
    prompt_ref_t ref;
    if (prompt_lock(c, name, now, &ref, err) != 0)
        return NULL;
    if (version > ref.last_version) {
        err_set(err, 404, "not_found", NULL, "prompt '%s' has no version %lld", name,
                (long long)version);
        return NULL;
    }
    int exists = alias_current(c, ref.id, alias, &cur, err);
    if (exists < 0)
        return NULL;
    if (expected >= 0 && (exists ? cur.version : 0) != expected) {
        err_conflict(err,
                     "alias '%s' of prompt '%s' moved while this change was prepared (it points "
                     "at %lld, expected %lld)",
                     alias, name, (long long)(exists ? cur.version : 0), (long long)expected);
        return NULL;
    }
    json_t *result;
    if (exists && cur.version == version) { /* already there: change (and record) nothing */
        result = set_result(name, alias, version, version, cur.updated_by, cur.updated_at);
        json_object_set_new(result, "changed", json_false());
        return result;
    }
    if (alias_change(c, ref.id, alias, cur.version, version, "set", who, now, err) != 0)
        return NULL;
    result = set_result(name, alias, version, cur.version, who, now);
    json_object_set_new(result, "changed", json_true());
    return result;
}

static int check_set_args(const char *name, const char *alias, int64_t version, const char **who,
                          err_t *err)
{
    if (prompts_check_name(name, err) != 0 || prompts_check_alias(alias, err) != 0 ||
        prompt_author(*who, who, err) != 0)
        return -1;
    if (version < 1)
        return err_invalid(err, "version", "version must be a version number (1, 2, ...)");
    return 0;
}

json_t *prompts_set_alias(store_t *s, const char *name, const char *alias, int64_t version,
                          const char *who, err_t *err)
{
    if (check_set_args(name, alias, version, &who, err) != 0)
        return NULL;
    json_t *result = NULL;
    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) == 0) {
        result = set_alias_on(c, name, alias, version, -1, who, err);
        if (result && json_is_false(json_object_get(result, "changed")))
            store_rollback(c); /* nothing changed: not even the prompt's updated_at */
        else if (store_finish(c, result != NULL, err) != 0) {
            json_decref(result);
            result = NULL;
        }
    }
    store_release(s, c);
    return result;
}

json_t *prompts_move_alias(store_conn_t *c, const char *name, const char *alias, int64_t version,
                           int64_t expected, const char *who, err_t *err)
{
    if (check_set_args(name, alias, version, &who, err) != 0)
        return NULL;
    return set_alias_on(c, name, alias, version, expected < 0 ? 0 : expected, who, err);
}

int prompts_alias_version(store_conn_t *c, const char *name, const char *alias, int64_t *version,
                          err_t *err)
{
    prompt_ref_t ref;
    alias_row_t cur;
    *version = 0;
    if (prompts_check_alias(alias, err) != 0 || prompt_find(c, name, &ref, err) != 0)
        return -1;
    int exists = alias_current(c, ref.id, alias, &cur, err);
    if (exists < 0)
        return -1;
    *version = exists ? cur.version : 0;
    return 0;
}

json_t *prompts_delete_alias(store_t *s, const char *name, const char *alias, const char *who,
                             err_t *err)
{
    if (prompts_check_name(name, err) != 0 || prompts_check_alias(alias, err) != 0 ||
        prompt_author(who, &who, err) != 0)
        return NULL;
    json_t *result = NULL;
    int64_t now = clock_now_ms();
    alias_row_t cur;
    prompt_ref_t ref;
    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) != 0)
        goto done;
    if (prompt_lock(c, name, now, &ref, err) != 0)
        goto fail;
    int exists = alias_current(c, ref.id, alias, &cur, err);
    if (exists < 0)
        goto fail;
    if (!exists) {
        err_set(err, 404, "not_found", NULL, "prompt '%s' has no alias '%s'", name, alias);
        goto fail;
    }
    if (alias_change(c, ref.id, alias, cur.version, 0, "delete", who, now, err) != 0 ||
        store_commit(c, err) != 0)
        goto fail;
    result = json_pack("{s:s, s:s, s:I}", "name", name, "alias", alias, "previous_version",
                       (json_int_t)cur.version);
    goto done;
fail:
    store_rollback(c);
done:
    store_release(s, c);
    return result;
}

json_t *prompts_rollback_alias(store_t *s, const char *name, const char *alias, const char *who,
                               err_t *err)
{
    if (prompts_check_name(name, err) != 0 || prompts_check_alias(alias, err) != 0 ||
        prompt_author(who, &who, err) != 0)
        return NULL;
    json_t *result = NULL;
    int64_t now = clock_now_ms();
    alias_row_t cur;
    prompt_ref_t ref;
    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) != 0)
        goto done;
    if (prompt_lock(c, name, now, &ref, err) != 0)
        goto fail;
    store_value_t p[] = {sv_int(ref.id), sv_text(alias)};
    store_rows_t *rows = store_query(c,
                                     "SELECT from_version, to_version FROM prompt_alias_history "
                                     "WHERE prompt_id = ? AND alias = ? ORDER BY id DESC LIMIT 1",
                                     p, 2, err);
    if (!rows)
        goto fail;
    int has_history = store_rows_count(rows) == 1;
    int created = has_history && store_rows_is_null(rows, 0, 0);
    int64_t target = has_history ? store_rows_int(rows, 0, 0) : 0;
    int64_t last_to = has_history ? store_rows_int(rows, 0, 1) : 0;
    store_rows_free(rows);
    if (!has_history) {
        err_set(err, 404, "not_found", NULL,
                "alias '%s' of prompt '%s' has no history to roll back", alias, name);
        goto fail;
    }
    if (created) {
        err_conflict(err,
                     "alias '%s' of prompt '%s' was created by its last change (pointing at "
                     "version %lld); there is no earlier version to roll back to",
                     alias, name, (long long)last_to);
        goto fail;
    }
    if (alias_current(c, ref.id, alias, &cur, err) < 0 ||
        alias_change(c, ref.id, alias, cur.version, target, "rollback", who, now, err) != 0 ||
        store_commit(c, err) != 0)
        goto fail;
    result = set_result(name, alias, target, cur.version, who, now);
    json_object_set_new(result, "changed", json_true());
    goto done;
fail:
    store_rollback(c);
done:
    store_release(s, c);
    return result;
}

json_t *prompts_get_alias(store_t *s, const char *name, const char *alias, err_t *err)
{
    if (prompts_check_name(name, err) != 0 || prompts_check_alias(alias, err) != 0)
        return NULL;
    json_t *result = NULL;
    prompt_ref_t ref;
    store_conn_t *c = store_acquire(s);
    if (prompt_find(c, name, &ref, err) != 0)
        goto done;
    store_value_t p[] = {sv_int(ref.id), sv_text(alias)};
    store_rows_t *rows = store_query(c,
                                     "SELECT version, updated_by, updated_at FROM prompt_aliases "
                                     "WHERE prompt_id = ? AND alias = ?",
                                     p, 2, err);
    if (!rows)
        goto done;
    if (store_rows_count(rows) == 0) {
        err_set(err, 404, "not_found", NULL, "prompt '%s' has no alias '%s'", name, alias);
    } else {
        int64_t version = store_rows_int(rows, 0, 0);
        json_t *v = prompt_version_fetch(c, &ref, name, version, err);
        if (v)
            result = json_pack("{s:s, s:s, s:I, s:s, s:I, s:o}", "name", name, "alias", alias,
                               "version", (json_int_t)version, "updated_by",
                               store_rows_text(rows, 0, 1), "updated_at",
                               (json_int_t)store_rows_int(rows, 0, 2), "prompt_version", v);
    }
    store_rows_free(rows);
done:
    store_release(s, c);
    return result;
}

json_t *prompts_alias_history(store_t *s, const char *name, const char *alias, int limit,
                              const char *page_token, err_t *err)
{
    int64_t before;
    if (prompts_check_name(name, err) != 0 || prompts_check_alias(alias, err) != 0 ||
        prompt_page_limit(limit, &limit, err) != 0 ||
        prompt_page_token_int(page_token, &before, err) != 0)
        return NULL;
    json_t *result = NULL;
    prompt_ref_t ref;
    store_conn_t *c = store_acquire(s);
    if (prompt_find(c, name, &ref, err) != 0)
        goto done;
    store_value_t p[] = {sv_int(ref.id), sv_text(alias), sv_int(page_token ? before : INT64_MAX),
                         sv_int(limit + 1)};
    store_rows_t *rows = store_query(c,
                                     "SELECT id, action, from_version, to_version, changed_by, "
                                     "changed_at FROM prompt_alias_history WHERE prompt_id = ? "
                                     "AND alias = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                     p, 4, err);
    if (!rows)
        goto done;
    size_t count = store_rows_count(rows);
    size_t shown = count > (size_t)limit ? (size_t)limit : count;
    json_t *list = json_array();
    for (size_t r = 0; r < shown; r++) {
        json_t *from =
            store_rows_is_null(rows, r, 2) ? json_null() : json_integer(store_rows_int(rows, r, 2));
        json_t *to =
            store_rows_is_null(rows, r, 3) ? json_null() : json_integer(store_rows_int(rows, r, 3));
        json_array_append_new(list,
                              json_pack("{s:I, s:s, s:o, s:o, s:s, s:I}", "id",
                                        (json_int_t)store_rows_int(rows, r, 0), "action",
                                        store_rows_text(rows, r, 1), "from_version", from,
                                        "to_version", to, "changed_by", store_rows_text(rows, r, 4),
                                        "changed_at", (json_int_t)store_rows_int(rows, r, 5)));
    }
    result = json_pack("{s:s, s:s, s:o}", "name", name, "alias", alias, "history", list);
    if (count > shown) {
        char token[32];
        snprintf(token, sizeof token, "%lld", (long long)store_rows_int(rows, shown - 1, 0));
        json_object_set_new(result, "next_page_token", json_string(token));
    }
    store_rows_free(rows);
done:
    store_release(s, c);
    return result;
}
