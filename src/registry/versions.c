/* versions.c - model versions (see versions.h). */
#include "registry/versions.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "lineage/lineage.h"
#include "registry/registry_load.h"
#include "tracking/runs.h"

static int put_tags(store_conn_t *c, int64_t model_id, int64_t version, const registry_tag_t *tags,
                    size_t n, err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        store_value_t p[] = {sv_int(model_id), sv_int(version), sv_text(tags[i].key),
                             sv_text(tags[i].value)};
        if (store_exec(c,
                       "INSERT INTO registry_version_tags (model_id, version, key, value) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (model_id, version, key) "
                       "DO UPDATE SET value = excluded.value",
                       p, 4, err) < 0)
            return -1;
    }
    return 0;
}

/* Take the next number of the model called name: bumps the counter (which also takes the
 * row's write lock until the transaction ends, so a concurrent create waits and then reads the
 * bumped value) and touches last_updated_time, as MLflow does on a new version. */
static int allocate_version(store_conn_t *c, const char *name, int64_t now, int64_t *model_id,
                            int64_t *version, err_t *err)
{
    store_value_t p[] = {sv_int(now), sv_text(name)};
    store_rows_t *rows = store_query(c,
                                     "UPDATE registry_models SET next_version = next_version + 1, "
                                     "last_updated_time = ? WHERE name = ? "
                                     "RETURNING id, next_version - 1",
                                     p, 2, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    if (found) {
        *model_id = store_rows_int(rows, 0, 0);
        *version = store_rows_int(rows, 0, 1);
    }
    store_rows_free(rows);
    if (!found)
        return err_not_found(err, "Registered Model with name=%s not found", name);
    return 0;
}

static int record_lineage(store_conn_t *c, const char *run_id, const char *name, int64_t version,
                          err_t *err)
{
    char *dst = NULL;
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "%s/%" PRId64, name, version);
    dst = buf_steal(&b);
    int rc = 0;
    if (strlen(dst) > LINEAGE_ID_MAX) {
        /* Say which request field makes the edge impossible, not lineage's own "to.id". */
        rc = err_invalid(err, "run_id",
                         "cannot record lineage from run_id: the model version id '%.40s...' is "
                         "longer than the %d bytes a lineage node id may have",
                         dst, LINEAGE_ID_MAX);
    } else {
        lineage_edge_in_t edge = {"run", run_id, "model_version", dst, "registered_as"};
        json_t *recorded = lineage_record(c, &edge, NULL, err);
        rc = recorded ? 0 : -1;
        json_decref(recorded);
    }
    free(dst);
    return rc;
}

json_t *registry_version_create(store_t *s, const registry_version_in_t *in, err_t *err)
{
    const char *run_id = in->run_id && *in->run_id ? in->run_id : NULL;
    if (registry_check_lookup_name(in->name, err) != 0 ||
        registry_check_source(in->source, err) != 0 ||
        (run_id && registry_check_run_id(run_id, err) != 0) ||
        registry_check_run_link(in->run_link, err) != 0 ||
        registry_check_description(in->description, err) != 0 ||
        registry_check_tags(in->tags, in->ntags, err) != 0)
        return NULL;
    char *serving_text = NULL;
    if (in->serving && !json_is_null(in->serving)) {
        json_t *serving = registry_serving_normalize(in->serving, err);
        if (!serving)
            return NULL;
        serving_text = json_to_string(serving);
        json_decref(serving);
    }

    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_begin(c, err) == 0) {
        int64_t now = clock_now_ms(), model_id = 0, version = 0;
        /* The run first, as MLflow validates the source run before it touches the registry. */
        int ok = (!run_id || runs_check_exists(c, run_id, err) == 0) &&
                 allocate_version(c, in->name, now, &model_id, &version, err) == 0;
        store_value_t p[] = {sv_int(model_id), sv_int(version),          sv_int(now),
                             sv_int(now),      sv_text(in->description), sv_text(in->source),
                             sv_text(run_id),  sv_text(in->run_link),    sv_text(serving_text)};
        ok = ok && store_exec(c,
                              "INSERT INTO registry_versions (model_id, version, creation_time, "
                              "last_updated_time, description, source, run_id, run_link, serving) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              p, 9, err) >= 0;
        ok = ok && put_tags(c, model_id, version, in->tags, in->ntags, err) == 0;
        ok = ok && (!run_id || record_lineage(c, run_id, in->name, version, err) == 0);
        ok = ok && (out = registry_load_version(c, model_id, in->name, version, err)) != NULL;
        out = registry_commit(c, ok, out, err);
    }
    store_release(s, c);
    free(serving_text);
    return out;
}

json_t *registry_version_get(store_t *s, const char *name, int64_t version, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    int64_t id;
    json_t *out = NULL;
    if (registry_model_id(c, name, &id, err) == 0)
        out = registry_load_version(c, id, name, version, err);
    store_release(s, c);
    return out;
}

json_t *registry_version_update(store_t *s, const char *name, int64_t version,
                                const char *description, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 ||
        registry_check_description(description, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_begin(c, err) == 0) {
        int64_t id = 0;
        int ok = registry_model_id(c, name, &id, err) == 0 &&
                 registry_version_exists(c, id, name, version, err) == 0;
        store_value_t p[] = {sv_text(description), sv_int(clock_now_ms()), sv_int(id),
                             sv_int(version)};
        ok = ok && store_exec(c,
                              "UPDATE registry_versions SET description = ?, last_updated_time = ? "
                              "WHERE model_id = ? AND version = ?",
                              p, 4, err) >= 0;
        ok = ok && (out = registry_load_version(c, id, name, version, err)) != NULL;
        out = registry_commit(c, ok, out, err);
    }
    store_release(s, c);
    return out;
}

int registry_version_delete(store_t *s, const char *name, int64_t version, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (store_begin(c, err) == 0) {
        int64_t id = 0;
        int ok = registry_model_id(c, name, &id, err) == 0;
        store_value_t p[] = {sv_int(id), sv_int(version)};
        int64_t n = ok ? store_exec(c,
                                    "DELETE FROM registry_versions WHERE model_id = ? AND "
                                    "version = ?",
                                    p, 2, err)
                       : -1;
        if (n == 0)
            err_not_found(err, "Model Version (name=%s, version=%" PRId64 ") not found", name,
                          version);
        ok = n > 0;
        store_value_t q[] = {sv_int(clock_now_ms()), sv_int(id)};
        ok = ok && store_exec(c, "UPDATE registry_models SET last_updated_time = ? WHERE id = ?", q,
                              2, err) >= 0;
        rc = store_finish(c, ok, err);
    }
    store_release(s, c);
    return rc;
}

int registry_version_set_tag(store_t *s, const char *name, int64_t version, const char *key,
                             const char *value, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 ||
        registry_check_tag_key(key, "key", err) != 0 ||
        registry_check_tag_value(value, "value", err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (store_begin(c, err) == 0) {
        int64_t id = 0;
        registry_tag_t tag = {key, value};
        int ok = registry_model_id(c, name, &id, err) == 0 &&
                 registry_version_exists(c, id, name, version, err) == 0 &&
                 put_tags(c, id, version, &tag, 1, err) == 0;
        rc = store_finish(c, ok, err);
    }
    store_release(s, c);
    return rc;
}

int registry_version_delete_tag(store_t *s, const char *name, int64_t version, const char *key,
                                err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0 || registry_check_tag_key(key, "key", err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    if (store_begin(c, err) == 0) {
        int64_t id = 0;
        int ok = registry_model_id(c, name, &id, err) == 0 &&
                 registry_version_exists(c, id, name, version, err) == 0;
        store_value_t p[] = {sv_int(id), sv_int(version), sv_text(key)};
        ok = ok && store_exec(c,
                              "DELETE FROM registry_version_tags WHERE model_id = ? AND "
                              "version = ? AND key = ?",
                              p, 3, err) >= 0;
        rc = store_finish(c, ok, err);
    }
    store_release(s, c);
    return rc;
}

/* MLflow's stage names, canonical spelling first. */
static const char *const stage_names[] = {"None", "Staging", "Production", "Archived"};

json_t *registry_latest_versions(store_t *s, const char *name, const char *const *stages,
                                 size_t nstages, err_t *err)
{
    if (registry_check_lookup_name(name, err) != 0)
        return NULL;
    int want_none = nstages == 0;
    for (size_t i = 0; i < nstages; i++) {
        size_t k = 0;
        while (k < 4 && strcasecmp(stages[i], stage_names[k]) != 0)
            k++;
        if (k == 4) {
            err_invalid(err, "stages",
                        "Invalid Model Version stage: %s. Value must be one of None, Staging, "
                        "Production, Archived.",
                        stages[i]);
            return NULL;
        }
        if (k == 0)
            want_none = 1;
    }
    store_conn_t *c = store_acquire(s);
    int64_t id;
    json_t *out = NULL;
    if (registry_model_id(c, name, &id, err) == 0) {
        if (!want_none) {
            out = json_array();
        } else {
            sqlb_t q;
            sqlb_init(&q, store_conn_kind(c));
            sqlb_sql(&q, REGISTRY_VERSION_SELECT "WHERE v.model_id = ");
            sqlb_param(&q, sv_int(id));
            sqlb_sql(&q, " ORDER BY v.version DESC LIMIT 1");
            out = registry_load_versions(c, &q, err);
            sqlb_free(&q);
        }
    }
    store_release(s, c);
    return out;
}
