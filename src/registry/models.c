/* models.c - registered models (see models.h). */
#include "registry/models.h"

#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "lineage/lineage.h"
#include "registry/registry_load.h"

/* Reword the store's unique-violation message the way MLflow words it. */
static int already_exists(err_t *err, const char *name)
{
    if (err && strcmp(err->code, "conflict") == 0)
        err_conflict(err, "Registered Model (name=%s) already exists.", name);
    return -1;
}

static int put_tags(store_conn_t *c, int64_t model_id, const registry_tag_t *tags, size_t n,
                    err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        store_value_t p[] = {sv_int(model_id), sv_text(tags[i].key), sv_text(tags[i].value)};
        if (store_exec(c,
                       "INSERT INTO registry_model_tags (model_id, key, value) VALUES (?, ?, ?) "
                       "ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
                       p, 3, err) < 0)
            return -1;
    }
    return 0;
}

json_t *registry_model_create(store_t *s, const registry_model_in_t *in, err_t *err)
{
    if (registry_check_name(in->name, "name", err) != 0 ||
        registry_check_description(in->description, err) != 0 ||
        registry_check_tags(in->tags, in->ntags, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    int ok = 0;
    if (store_begin(c, err) == 0) {
        int64_t now = clock_now_ms();
        store_value_t p[] = {sv_text(in->name), sv_text(in->description), sv_int(now), sv_int(now)};
        store_rows_t *rows = store_query(c,
                                         "INSERT INTO registry_models (name, description, "
                                         "creation_time, last_updated_time) VALUES (?, ?, ?, ?) "
                                         "RETURNING id",
                                         p, 4, err);
        if (!rows) {
            already_exists(err, in->name);
        } else {
            int64_t id = store_rows_int(rows, 0, 0);
            store_rows_free(rows);
            ok = put_tags(c, id, in->tags, in->ntags, err) == 0 &&
                 (out = registry_load_model(c, id, err)) != NULL;
        }
        out = registry_commit(c, ok, out, err);
    }
    store_release(s, c);
    return out;
}

json_t *registry_model_get(store_t *s, const char *name, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    int64_t id;
    json_t *out = NULL;
    if (registry_model_id(c, name, &id, err) == 0)
        out = registry_load_model(c, id, err);
    store_release(s, c);
    return out;
}

/* "3" but not "", "03" or "3/x": what follows "<name>/" in a version's lineage node id. Other
 * suffixes belong to other models ("team/bot/3" is version 3 of "team/bot", not of "team"). */
static int is_version_number(const char *suffix)
{
    if (suffix[0] < '1' || suffix[0] > '9')
        return 0;
    for (const char *p = suffix; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

/* Lineage knows a version as model_version:<name>/<N>: carry every such node to the new name,
 * in the rename's transaction, so the graph keeps following the model. */
static int rename_lineage(store_conn_t *c, const char *old_name, const char *new_name, err_t *err)
{
    buf_t from, to;
    buf_init(&from);
    buf_init(&to);
    buf_printf(&from, "%s/", old_name);
    buf_printf(&to, "%s/", new_name);
    int rc = lineage_rename_prefix(c, "model_version", buf_str(&from), buf_str(&to),
                                   is_version_number, NULL, err);
    buf_free(&from);
    buf_free(&to);
    if (rc != 0 && err && strcmp(err->field, "new_id") == 0)
        err_invalid(err, "new_name",
                    "cannot rename: a lineage node id \"<new_name>/<version>\" would be longer "
                    "than %d bytes",
                    LINEAGE_ID_MAX);
    return rc;
}

json_t *registry_model_update(store_t *s, const char *name, const registry_model_patch_t *patch,
                              err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 ||
        (patch->new_name && registry_check_name(patch->new_name, "new_name", err) != 0) ||
        (patch->set_description && registry_check_description(patch->description, err) != 0))
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_begin(c, err) == 0) {
        int64_t id = 0, now = clock_now_ms();
        int ok = registry_model_id(c, name, &id, err) == 0;
        if (ok && patch->new_name) {
            store_value_t p[] = {sv_text(patch->new_name), sv_int(id)};
            ok = store_exec(c, "UPDATE registry_models SET name = ? WHERE id = ?", p, 2, err) >= 0;
            if (!ok)
                already_exists(err, patch->new_name);
            ok = ok && rename_lineage(c, name, patch->new_name, err) == 0;
            store_value_t q[] = {sv_int(now), sv_int(id)};
            ok = ok && store_exec(c,
                                  "UPDATE registry_versions SET last_updated_time = ? "
                                  "WHERE model_id = ?",
                                  q, 2, err) >= 0;
        }
        if (ok && patch->set_description) {
            store_value_t p[] = {sv_text(patch->description), sv_int(id)};
            ok = store_exec(c, "UPDATE registry_models SET description = ? WHERE id = ?", p, 2,
                            err) >= 0;
        }
        if (ok) {
            store_value_t p[] = {sv_int(now), sv_int(id)};
            ok = store_exec(c, "UPDATE registry_models SET last_updated_time = ? WHERE id = ?", p,
                            2, err) >= 0 &&
                 (out = registry_load_model(c, id, err)) != NULL;
        }
        out = registry_commit(c, ok, out, err);
    }
    store_release(s, c);
    return out;
}

int registry_model_delete(store_t *s, const char *name, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    store_value_t p[] = {sv_text(name)};
    /* One statement: the foreign keys cascade to versions, tags and aliases atomically. */
    int64_t n = store_exec(c, "DELETE FROM registry_models WHERE name = ?", p, 1, err);
    store_release(s, c);
    if (n < 0)
        return -1;
    if (n == 0)
        return err_not_found(err, "Registered Model with name=%s not found", name);
    return 0;
}

int registry_model_set_tag(store_t *s, const char *name, const char *key, const char *value,
                           err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 ||
        registry_check_tag_key(key, "key", err) != 0 ||
        registry_check_tag_value(value, "value", err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (store_begin(c, err) == 0) {
        int64_t id;
        registry_tag_t tag = {key, value};
        int ok = registry_model_id(c, name, &id, err) == 0 && put_tags(c, id, &tag, 1, err) == 0;
        rc = store_finish(c, ok, err);
    }
    store_release(s, c);
    return rc;
}

int registry_model_delete_tag(store_t *s, const char *name, const char *key, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 || registry_check_tag_key(key, "key", err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (store_begin(c, err) == 0) {
        int64_t id = 0;
        int ok = registry_model_id(c, name, &id, err) == 0;
        store_value_t p[] = {sv_int(id), sv_text(key)};
        ok = ok && store_exec(c, "DELETE FROM registry_model_tags WHERE model_id = ? AND key = ?",
                              p, 2, err) >= 0;
        rc = store_finish(c, ok, err);
    }
    store_release(s, c);
    return rc;
}
