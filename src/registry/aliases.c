/* aliases.c - aliases on registered models (see aliases.h). */
#include "registry/aliases.h"

#include "registry/registry_load.h"
#include "registry/registry_validate.h"

json_t *registry_alias_set(store_t *s, const char *name, const char *alias, int64_t version,
                           err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 || registry_check_alias(alias, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_begin(c, err) == 0) {
        int64_t id = 0;
        int ok = registry_model_id(c, name, &id, err) == 0 &&
                 registry_version_exists(c, id, name, version, err) == 0;
        store_value_t p[] = {sv_int(id), sv_text(alias), sv_int(version)};
        ok = ok && store_exec(c,
                              "INSERT INTO registry_aliases (model_id, alias, version) "
                              "VALUES (?, ?, ?) ON CONFLICT (model_id, alias) "
                              "DO UPDATE SET version = excluded.version",
                              p, 3, err) >= 0;
        ok = ok && (out = registry_load_version(c, id, name, version, err)) != NULL;
        out = registry_commit(c, ok, out, err);
    }
    store_release(s, c);
    return out;
}

json_t *registry_alias_move(store_conn_t *c, const char *name, const char *alias, int64_t version,
                            int64_t expected, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 || registry_check_alias(alias, err) != 0)
        return NULL;
    int64_t id = 0;
    if (registry_model_id(c, name, &id, err) != 0 ||
        registry_version_exists(c, id, name, version, err) != 0)
        return NULL;
    /* Compare and set in one statement: the row changes only where it still holds expected,
     * and a new alias is inserted only where none exists (the unique key says so). */
    int64_t n;
    if (expected > 0) {
        store_value_t p[] = {sv_int(version), sv_int(id), sv_text(alias), sv_int(expected)};
        n = store_exec(c,
                       "UPDATE registry_aliases SET version = ? "
                       "WHERE model_id = ? AND alias = ? AND version = ?",
                       p, 4, err);
    } else {
        store_value_t p[] = {sv_int(id), sv_text(alias), sv_int(version)};
        n = store_exec(c,
                       "INSERT INTO registry_aliases (model_id, alias, version) VALUES (?, ?, ?) "
                       "ON CONFLICT (model_id, alias) DO NOTHING",
                       p, 3, err);
    }
    if (n < 0)
        return NULL;
    if (n == 0) {
        err_conflict(err,
                     "alias '%s' of model '%s' moved while this change was prepared (expected "
                     "%s%lld)",
                     alias, name, expected > 0 ? "version " : "it unset, ", (long long)expected);
        return NULL;
    }
    return registry_load_version(c, id, name, version, err);
}

int registry_alias_version(store_conn_t *c, const char *name, const char *alias, int64_t *version,
                           err_t *err)
{
    *version = 0;
    int64_t id;
    if (registry_check_lookup_name(name, err) != 0 || registry_check_alias(alias, err) != 0 ||
        registry_model_id(c, name, &id, err) != 0)
        return -1;
    store_value_t p[] = {sv_int(id), sv_text(alias)};
    store_rows_t *rows = store_query(
        c, "SELECT version FROM registry_aliases WHERE model_id = ? AND alias = ?", p, 2, err);
    if (!rows)
        return -1;
    if (store_rows_count(rows))
        *version = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    return 0;
}

int registry_alias_delete(store_t *s, const char *name, const char *alias, int *deleted, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 || registry_check_alias(alias, err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (store_begin(c, err) == 0) {
        int64_t id = 0, n = -1;
        if (registry_model_id(c, name, &id, err) == 0) {
            store_value_t p[] = {sv_int(id), sv_text(alias)};
            n = store_exec(c, "DELETE FROM registry_aliases WHERE model_id = ? AND alias = ?", p, 2,
                           err);
        }
        rc = store_finish(c, n >= 0, err);
        if (rc == 0 && deleted)
            *deleted = n > 0;
    }
    store_release(s, c);
    return rc;
}

json_t *registry_alias_get(store_t *s, const char *name, const char *alias, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 || registry_check_alias(alias, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    int64_t id;
    if (registry_model_id(c, name, &id, err) == 0) {
        store_value_t p[] = {sv_int(id), sv_text(alias)};
        store_rows_t *rows = store_query(
            c, "SELECT version FROM registry_aliases WHERE model_id = ? AND alias = ?", p, 2, err);
        if (rows && store_rows_count(rows) == 0)
            err_not_found(err, "Registered model alias %s not found.", alias);
        else if (rows)
            out = registry_load_version(c, id, name, store_rows_int(rows, 0, 0), err);
        store_rows_free(rows);
    }
    store_release(s, c);
    return out;
}
