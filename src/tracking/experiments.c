/* experiments.c - MLflow experiments over the store (see experiments.h).
 *
 * Search builds one parameterised statement (store/sql_builder.h, clauses by search_sql.h) from
 * the parsed filter and order, pages by offset (base/page_token.h), and loads the tags of the
 * whole page in one more query. */
#include "tracking/experiments.h"

#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/page_token.h"
#include "tracking/search_sql.h"

#define EXP_COLUMNS                                                                                \
    "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time"

/* ---- reading ------------------------------------------------------------------------------ */

/* Experiments JSON for every row of rows (columns EXP_COLUMNS), tags loaded in one query. */
static json_t *experiments_from_rows(store_conn_t *c, const store_rows_t *rows, err_t *err)
{
    size_t n = store_rows_count(rows);
    json_t *list = json_array();
    if (n == 0)
        return list;
    sqlb_t b;
    sqlb_init(&b, store_conn_kind(c));
    sqlb_sql(&b, "SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (");
    for (size_t r = 0; r < n; r++) {
        if (r)
            sqlb_sql(&b, ", ");
        sqlb_param(&b, sv_int(store_rows_int(rows, r, 0)));
    }
    sqlb_sql(&b, ") ORDER BY experiment_id, key");
    store_rows_t *tags = sqlb_query(c, &b, err);
    sqlb_free(&b);
    if (!tags) {
        json_decref(list);
        return NULL;
    }
    for (size_t r = 0; r < n; r++) {
        int64_t id = store_rows_int(rows, r, 0);
        char id_text[EXPERIMENT_ID_SIZE];
        snprintf(id_text, sizeof id_text, "%" PRId64, id);
        json_t *tag_list = json_array();
        for (size_t t = 0; t < store_rows_count(tags); t++)
            if (store_rows_int(tags, t, 0) == id)
                json_array_append_new(tag_list,
                                      json_pack("{s:s, s:s}", "key", store_rows_text(tags, t, 1),
                                                "value", store_rows_text(tags, t, 2)));
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "experiment_id", id_text, "name",
                      store_rows_text(rows, r, 1), "artifact_location", store_rows_text(rows, r, 2),
                      "lifecycle_stage", store_rows_text(rows, r, 3), "last_update_time",
                      (json_int_t)store_rows_int(rows, r, 5), "creation_time",
                      (json_int_t)store_rows_int(rows, r, 4), "tags", tag_list));
    }
    store_rows_free(tags);
    return list;
}

/* One experiment selected by `where` (one '?' bound to param). */
static json_t *experiment_fetch(store_t *s, const char *where, store_value_t param, err_t *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT " EXP_COLUMNS " FROM experiments WHERE %s", where);
    store_conn_t *c = store_acquire(s);
    json_t *one = NULL;
    store_rows_t *rows = store_query(c, sql, &param, 1, err);
    if (rows && store_rows_count(rows) == 0)
        err_not_found(err, "not found"); /* the caller words the message */
    else if (rows) {
        json_t *list = experiments_from_rows(c, rows, err);
        if (list)
            one = json_incref(json_array_get(list, 0));
        json_decref(list);
    }
    store_rows_free(rows);
    store_release(s, c);
    return one;
}

json_t *experiments_get(store_t *s, const char *experiment_id, err_t *err)
{
    int64_t id;
    if (tracking_parse_experiment_id(experiment_id, &id, err) != 0)
        return NULL;
    json_t *e = experiment_fetch(s, "experiment_id = ?", sv_int(id), err);
    if (!e && err && err->status == 404)
        err_not_found(err, "No Experiment with id=%s exists", experiment_id);
    return e;
}

json_t *experiments_get_by_name(store_t *s, const char *name, err_t *err)
{
    if (!name || !*name) {
        err_invalid(err, "experiment_name",
                    "Missing value for required parameter "
                    "'experiment_name'.");
        return NULL;
    }
    json_t *e = experiment_fetch(s, "name = ?", sv_text(name), err);
    if (!e && err && err->status == 404)
        err_not_found(err, "Could not find experiment with name '%.300s'", name);
    return e;
}

int experiments_lookup(store_conn_t *c, int64_t id, char **artifact_location, int *active,
                       err_t *err)
{
    store_value_t p = sv_int(id);
    store_rows_t *rows = store_query(
        c, "SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ?", &p,
        1, err);
    if (!rows)
        return -1;
    int rc = 0;
    if (store_rows_count(rows) == 0) {
        rc = err_not_found(err, "No Experiment with id=%" PRId64 " exists", id);
    } else {
        if (artifact_location)
            *artifact_location = xstrdup(store_rows_text(rows, 0, 0));
        if (active)
            *active = strcmp(store_rows_text(rows, 0, 1), "active") == 0;
    }
    store_rows_free(rows);
    return rc;
}

/* ---- creating and changing ---------------------------------------------------------------- */

static int check_name(const char *name, const char *field, err_t *err)
{
    if (!name || !*name)
        return err_invalid(err, field, "Invalid experiment name: ''");
    if (strlen(name) > TRACKING_MAX_EXPERIMENT_NAME_LEN)
        return err_invalid(err, field,
                           "Experiment name exceeds the maximum length of %d characters",
                           TRACKING_MAX_EXPERIMENT_NAME_LEN);
    return 0;
}

static int check_tag(const char *key, const char *value, const char *key_field,
                     const char *value_field, err_t *err)
{
    if (tracking_check_key("tag", key, key_field, err) != 0)
        return -1;
    if (!value)
        return err_invalid(err, value_field, "Missing value for required parameter '%s'.",
                           value_field);
    return tracking_check_length("Tag value", value, TRACKING_MAX_TAG_VALUE_LEN, value_field, err);
}

static int upsert_tag(store_conn_t *c, int64_t id, const char *key, const char *value, err_t *err)
{
    store_value_t p[] = {sv_int(id), sv_text(key), sv_text(value)};
    return store_exec(c,
                      "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) "
                      "ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
                      p, 3, err) < 0
               ? -1
               : 0;
}

int experiments_create(store_t *s, const char *name, const char *artifact_location,
                       const tracking_kv_t *tags, size_t ntags, char id_out[EXPERIMENT_ID_SIZE],
                       err_t *err)
{
    if (check_name(name, "name", err) != 0)
        return -1;
    if (artifact_location && (!*artifact_location || strlen(artifact_location) > 2048))
        return err_invalid(err, "artifact_location",
                           "artifact_location must be 1-2048 characters when given");
    for (size_t i = 0; i < ntags; i++) {
        char kf[48], vf[48];
        snprintf(kf, sizeof kf, "tags[%zu].key", i);
        snprintf(vf, sizeof vf, "tags[%zu].value", i);
        if (check_tag(tags[i].key, tags[i].value, kf, vf, err) != 0)
            return -1;
    }
    int64_t now = clock_now_ms();
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    store_rows_t *rows = NULL;
    if (store_begin(c, err) != 0)
        goto done;
    store_value_t p[] = {sv_text(name), sv_text(artifact_location ? artifact_location : ""),
                         sv_int(now), sv_int(now)};
    rows = store_query(c,
                       "INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
                       "creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?) "
                       "RETURNING experiment_id",
                       p, 4, err);
    if (!rows) {
        if (err && err->status == 409)
            err_conflict(err, "Experiment(name=%.300s) already exists.", name);
        goto done;
    }
    int64_t id = store_rows_int(rows, 0, 0);
    snprintf(id_out, EXPERIMENT_ID_SIZE, "%" PRId64, id);
    if (!artifact_location) {
        char location[64];
        snprintf(location, sizeof location, "mlflow-artifacts:/%" PRId64, id);
        store_value_t u[] = {sv_text(location), sv_int(id)};
        if (store_exec(c, "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?", u,
                       2, err) < 0)
            goto done;
    }
    for (size_t i = 0; i < ntags; i++)
        if (upsert_tag(c, id, tags[i].key, tags[i].value, err) != 0)
            goto done;
    rc = 0;
done:
    rc = store_finish(c, rc == 0, err);
    store_rows_free(rows);
    store_release(s, c);
    return rc;
}

/* Find an experiment for a change: 404 when missing; when must_be_active, a deleted one is
 * 400 as MLflow words it. */
static int lookup_for_change(store_conn_t *c, const char *experiment_id, int must_be_active,
                             int64_t *id, int *active, err_t *err)
{
    if (tracking_parse_experiment_id(experiment_id, id, err) != 0)
        return -1;
    if (experiments_lookup(c, *id, NULL, active, err) != 0)
        return -1;
    if (must_be_active && !*active)
        return err_invalid(err, "experiment_id",
                           "The experiment %s must be in the 'active' state. Current state is "
                           "deleted.",
                           experiment_id);
    return 0;
}

int experiments_rename(store_t *s, const char *experiment_id, const char *new_name, err_t *err)
{
    if (check_name(new_name, "new_name", err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int64_t id;
    int active, rc = -1;
    if (store_begin(c, err) != 0)
        goto done;
    if (lookup_for_change(c, experiment_id, 0, &id, &active, err) != 0)
        goto done;
    if (!active) {
        err_invalid(err, "experiment_id", "Cannot rename a non-active experiment.");
        goto done;
    }
    store_value_t p[] = {sv_text(new_name), sv_int(clock_now_ms()), sv_int(id)};
    if (store_exec(c,
                   "UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?",
                   p, 3, err) < 0) {
        if (err && err->status == 409)
            err_conflict(err, "Experiment(name=%.300s) already exists.", new_name);
        goto done;
    }
    rc = 0;
done:
    rc = store_finish(c, rc == 0, err);
    store_release(s, c);
    return rc;
}

static int set_stage(store_t *s, const char *experiment_id, int deleting, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    int64_t id;
    int active, rc = -1;
    int64_t now = clock_now_ms();
    if (store_begin(c, err) != 0)
        goto done;
    if (lookup_for_change(c, experiment_id, 0, &id, &active, err) != 0)
        goto done;
    if (active != deleting) { /* deleting a deleted one, restoring an active one */
        err_not_found(err, "No Experiment with id=%s exists", experiment_id);
        goto done;
    }
    store_value_t p[] = {sv_text(deleting ? "deleted" : "active"), sv_int(now), sv_int(id)};
    if (store_exec(c,
                   "UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE "
                   "experiment_id = ?",
                   p, 3, err) < 0)
        goto done;
    store_value_t r[] = {sv_text(deleting ? "deleted" : "active"),
                         deleting ? sv_int(now) : sv_null(), sv_int(id)};
    if (store_exec(c,
                   "UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?",
                   r, 3, err) < 0)
        goto done;
    rc = 0;
done:
    rc = store_finish(c, rc == 0, err);
    store_release(s, c);
    return rc;
}

int experiments_delete(store_t *s, const char *experiment_id, err_t *err)
{
    return set_stage(s, experiment_id, 1, err);
}

int experiments_restore(store_t *s, const char *experiment_id, err_t *err)
{
    return set_stage(s, experiment_id, 0, err);
}

int experiments_set_tag(store_t *s, const char *experiment_id, const char *key, const char *value,
                        err_t *err)
{
    if (check_tag(key, value, "key", "value", err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int64_t id;
    int active, rc = -1;
    if (lookup_for_change(c, experiment_id, 1, &id, &active, err) == 0 &&
        upsert_tag(c, id, key, value, err) == 0)
        rc = 0;
    store_release(s, c);
    return rc;
}

int experiments_delete_tag(store_t *s, const char *experiment_id, const char *key, err_t *err)
{
    if (!key || !*key)
        return err_invalid(err, "key", "Missing value for required parameter 'key'.");
    store_conn_t *c = store_acquire(s);
    int64_t id;
    int active, rc = -1;
    if (lookup_for_change(c, experiment_id, 1, &id, &active, err) == 0) {
        store_value_t p[] = {sv_int(id), sv_text(key)};
        int64_t n = store_exec(c, "DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?",
                               p, 2, err);
        if (n == 0)
            err_not_found(err, "No tag with name: %.250s in experiment with id %s", key,
                          experiment_id);
        else if (n > 0)
            rc = 0;
    }
    store_release(s, c);
    return rc;
}

/* ---- search ------------------------------------------------------------------------------- */

static const char *const exp_numeric_attributes[] = {"creation_time", "last_update_time", NULL};

static int add_filter(sqlb_t *b, const search_filter_t *f, err_t *err)
{
    for (size_t i = 0; i < f->count; i++) {
        const search_clause_t *cl = &f->clauses[i];
        sqlb_sql(b, " AND ");
        if (cl->entity == SEARCH_TAG) {
            if (!sqlb_op_is_string(cl->op) || cl->is_number)
                return err_invalid(err, "filter", "Invalid comparator '%s' for tag '%.250s'",
                                   search_op_name(cl->op), cl->key);
            sqlb_sql(b, "EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = "
                        "e.experiment_id AND t.key = ");
            sqlb_param(b, sv_text(cl->key));
            sqlb_sql(b, " AND ");
            sqlb_string_compare(b, "t.value", cl, SQLB_ESCAPE_NONE);
            sqlb_sql(b, ")");
        } else if (cl->entity == SEARCH_ATTRIBUTE && strcmp(cl->key, "name") == 0) {
            if (!sqlb_op_is_string(cl->op) || cl->is_number)
                return err_invalid(err, "filter",
                                   "Invalid comparator '%s' for string attribute 'name'",
                                   search_op_name(cl->op));
            sqlb_string_compare(b, "e.name", cl, SQLB_ESCAPE_NONE);
        } else if (cl->entity == SEARCH_ATTRIBUTE && (strcmp(cl->key, "creation_time") == 0 ||
                                                      strcmp(cl->key, "last_update_time") == 0)) {
            if (!sqlb_op_is_numeric(cl->op) || !cl->is_number)
                return err_invalid(err, "filter",
                                   "Invalid comparator '%s' for numeric attribute '%s'",
                                   search_op_name(cl->op), cl->key);
            sqlb_number_compare(
                b, strcmp(cl->key, "creation_time") == 0 ? "e.creation_time" : "e.last_update_time",
                cl);
        } else {
            return err_invalid(err, "filter",
                               "Invalid attribute key '%s.%.250s' specified. Valid keys are "
                               "'name', 'creation_time', 'last_update_time' and tags.<key>",
                               search_entity_name(cl->entity), cl->key);
        }
    }
    return 0;
}

static int add_order(sqlb_t *b, const experiments_query_t *q, err_t *err)
{
    int has_id = 0;
    sqlb_sql(b, " ORDER BY ");
    if (q->norder == 0) {
        sqlb_sql(b, "e.creation_time DESC, e.experiment_id ASC");
        return 0;
    }
    const char *seen[8];
    size_t nseen = 0;
    for (size_t i = 0; i < q->norder; i++) {
        search_order_t o;
        if (search_order_parse(q->order_by[i], &o, err) != 0)
            return -1;
        const char *column = NULL;
        static const char *const keys[] = {"name", "experiment_id", "creation_time",
                                           "last_update_time"};
        for (size_t k = 0; k < 4 && o.entity == SEARCH_ATTRIBUTE; k++)
            if (strcmp(o.key, keys[k]) == 0)
                column = keys[k];
        if (!column) {
            err_invalid(err, "order_by",
                        "Invalid order_by clause '%.250s'. Only 'name', 'experiment_id', "
                        "'creation_time' and 'last_update_time' can order experiments",
                        q->order_by[i]);
            search_order_free(&o);
            return -1;
        }
        for (size_t k = 0; k < nseen; k++)
            if (seen[k] == column) {
                search_order_free(&o);
                return err_invalid(err, "order_by", "`order_by` contains duplicate fields: %s",
                                   column);
            }
        if (nseen < 8)
            seen[nseen++] = column;
        if (i)
            sqlb_sql(b, ", ");
        sqlb_sql(b, "e.");
        sqlb_sql(b, column);
        sqlb_sql(b, o.descending ? " DESC" : " ASC");
        has_id |= strcmp(column, "experiment_id") == 0;
        search_order_free(&o);
    }
    if (!has_id)
        sqlb_sql(b, ", e.experiment_id DESC");
    return 0;
}

json_t *experiments_search(store_t *s, const experiments_query_t *q, err_t *err)
{
    int64_t max = q->max_results ? q->max_results : TRACKING_DEFAULT_SEARCH_RESULTS;
    if (max < 1 || max > TRACKING_MAX_SEARCH_RESULTS) {
        err_invalid(err, "max_results",
                    "Invalid value for request parameter max_results. It must be at most %d, "
                    "but got value %" PRId64,
                    TRACKING_MAX_SEARCH_RESULTS, max);
        return NULL;
    }
    int64_t offset;
    if (page_token_parse(q->page_token, &offset, err) != 0)
        return NULL;
    search_filter_t filter = {0};
    if (search_filter_parse(q->filter ? q->filter : "", exp_numeric_attributes, &filter, err) != 0)
        return NULL;
    sqlb_t b;
    sqlb_init(&b, store_kind(s));
    sqlb_sql(&b, "SELECT e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, "
                 "e.creation_time, e.last_update_time FROM experiments e WHERE e.lifecycle_stage ");
    sqlb_sql(&b, tracking_view_type_sql(q->view_type ? q->view_type : TRACKING_ACTIVE_ONLY));
    json_t *result = NULL;
    if (add_filter(&b, &filter, err) != 0 || add_order(&b, q, err) != 0)
        goto done;
    sqlb_sql(&b, " LIMIT ");
    sqlb_param(&b, sv_int(max + 1));
    sqlb_sql(&b, " OFFSET ");
    sqlb_param(&b, sv_int(offset));

    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = sqlb_query(c, &b, err);
    json_t *list = rows ? experiments_from_rows(c, rows, err) : NULL;
    store_release(s, c);
    if (list) {
        result = json_object();
        size_t fetched = json_array_size(list);
        if ((int64_t)fetched > max)
            json_array_remove(list, fetched - 1);
        page_token_add_next(result, fetched, max, offset);
        json_object_set_new(result, "experiments", list);
    }
    store_rows_free(rows);
done:
    sqlb_free(&b);
    search_filter_free(&filter);
    return result;
}
