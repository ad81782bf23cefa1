/* queues.c - annotation queues (see queues.h): creating and filling queues, claiming items
 * under a lease, completing them against the rubric, progress counts. */
#include "feedback/queues.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/page_token.h"
#include "feedback/score_query.h"
#include "feedback/scores.h"
#include "feedback/trace_filter.h"
#include "store/sql_builder.h"

#define QUEUE_NAME_MAX        200
#define QUEUE_DESCRIPTION_MAX 10000
#define RUBRIC_MAX            50
#define REVIEWER_MAX          200

/* An item counts as pending when it is, or when its claim's lease has run out. The two
 * placeholders take now_ms. */
#define FREE_ITEM "(status = 'pending' OR (status = 'in_progress' AND lease_until_ms <= ?))"
#define ITEM_COLUMNS                                                                               \
    "queue_id, trace_id, status, reviewer, lease_until_ms, trace_start_ms, added_ms, updated_ms"
#define CLAIM_ORDER " ORDER BY added_ms, trace_start_ms, trace_id"

typedef struct queue_row {
    char *id, *name, *description, *filter, *rubric;
    int64_t lease_minutes, created_ms, updated_ms;
} queue_row_t;

static void queue_row_free(queue_row_t *q)
{
    free(q->id);
    free(q->name);
    free(q->description);
    free(q->filter);
    free(q->rubric);
    memset(q, 0, sizeof *q);
}

/* Look a queue up by id or name: 0, or -1 with err (404). */
static int queue_find(store_conn_t *c, const char *queue, queue_row_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!queue || !*queue)
        return err_invalid(err, "queue", "a queue id or name is required");
    store_value_t p[] = {sv_text(queue), sv_text(queue)};
    store_rows_t *rows = store_query(c,
                                     "SELECT id, name, description, filter, rubric, "
                                     "lease_minutes, created_ms, updated_ms FROM "
                                     "annotation_queues WHERE id = ? OR name = ? ORDER BY id",
                                     p, 2, err);
    if (!rows)
        return -1;
    int rc = 0;
    if (store_rows_count(rows) == 0) {
        rc = err_not_found(err, "annotation queue '%s' not found", queue);
    } else {
        *out = (queue_row_t){
            .id = xstrdup(store_rows_text(rows, 0, 0)),
            .name = xstrdup(store_rows_text(rows, 0, 1)),
            .description = xstrdup(store_rows_text(rows, 0, 2)),
            .filter = xstrdup(store_rows_text(rows, 0, 3)),
            .rubric = xstrdup(store_rows_text(rows, 0, 4)),
            .lease_minutes = store_rows_int(rows, 0, 5),
            .created_ms = store_rows_int(rows, 0, 6),
            .updated_ms = store_rows_int(rows, 0, 7),
        };
    }
    store_rows_free(rows);
    return rc;
}

static json_t *parse_stored(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_null();
}

/* {"total", "pending", "in_progress", "done", "skipped"}, leases as of now_ms. */
static json_t *queue_progress(store_conn_t *c, const char *queue_id, int64_t now_ms, err_t *err)
{
    store_value_t p[] = {sv_int(now_ms), sv_int(now_ms), sv_text(queue_id)};
    store_rows_t *rows = store_query(
        c,
        "SELECT COUNT(*), "
        "COALESCE(SUM(CASE WHEN " FREE_ITEM " THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'in_progress' AND lease_until_ms > ? THEN 1 ELSE 0 "
        "END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END), 0) "
        "FROM annotation_items WHERE queue_id = ?",
        p, 3, err);
    if (!rows)
        return NULL;
    json_t *out = json_pack(
        "{s:I, s:I, s:I, s:I, s:I}", "total", (json_int_t)store_rows_int(rows, 0, 0), "pending",
        (json_int_t)store_rows_int(rows, 0, 1), "in_progress",
        (json_int_t)store_rows_int(rows, 0, 2), "done", (json_int_t)store_rows_int(rows, 0, 3),
        "skipped", (json_int_t)store_rows_int(rows, 0, 4));
    store_rows_free(rows);
    return out;
}

static json_t *queue_json(store_conn_t *c, const queue_row_t *q, int64_t now_ms, err_t *err)
{
    json_t *progress = queue_progress(c, q->id, now_ms, err);
    if (!progress)
        return NULL;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(q->id));
    json_object_set_new(o, "name", json_string(q->name));
    json_object_set_new(o, "description", json_string(q->description));
    json_object_set_new(o, "filter", parse_stored(q->filter));
    json_object_set_new(o, "rubric", parse_stored(q->rubric));
    json_object_set_new(o, "lease_minutes", json_integer(q->lease_minutes));
    json_object_set_new(o, "created_ms", json_integer(q->created_ms));
    json_object_set_new(o, "updated_ms", json_integer(q->updated_ms));
    json_object_set_new(o, "progress", progress);
    return o;
}

/* An item row (ITEM_COLUMNS) as JSON; an expired claim shows as pending. */
static json_t *item_json(const store_rows_t *rows, size_t r, int64_t now_ms)
{
    const char *status = store_rows_text(rows, r, 2);
    int expired = strcmp(status, "in_progress") == 0 && store_rows_int(rows, r, 4) <= now_ms;
    json_t *o = json_object();
    json_object_set_new(o, "queue_id", json_string(store_rows_text(rows, r, 0)));
    json_object_set_new(o, "trace_id", json_string(store_rows_text(rows, r, 1)));
    json_object_set_new(o, "status", json_string(expired ? "pending" : status));
    json_object_set_new(o, "reviewer",
                        store_rows_is_null(rows, r, 3) || expired
                            ? json_null()
                            : json_string(store_rows_text(rows, r, 3)));
    json_object_set_new(o, "lease_until_ms",
                        store_rows_is_null(rows, r, 4) || expired
                            ? json_null()
                            : json_integer(store_rows_int(rows, r, 4)));
    json_object_set_new(o, "trace_start_ms", json_integer(store_rows_int(rows, r, 5)));
    json_object_set_new(o, "added_ms", json_integer(store_rows_int(rows, r, 6)));
    json_object_set_new(o, "updated_ms", json_integer(store_rows_int(rows, r, 7)));
    return o;
}

/* ---- rubric --------------------------------------------------------------------------------- */

static int rubric_error(err_t *err, size_t i, const char *field, const char *msg)
{
    char name[64];
    snprintf(name, sizeof name, "rubric[%zu].%s", i, field);
    return err_invalid(err, name, "%s: %s", name, msg);
}

/* Check a rubric and return it normalised ("required" always present). */
static json_t *rubric_parse(const json_t *in, err_t *err)
{
    if (!in || json_is_null(in))
        return json_array();
    if (!json_is_array(in) || json_array_size(in) > RUBRIC_MAX) {
        err_invalid(err, "rubric", "rubric must be an array of at most %d score configs",
                    RUBRIC_MAX);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *cfg;
    json_array_foreach(in, i, cfg)
    {
        const char *name = NULL, *type = NULL, *description = NULL;
        int required = 0;
        err_t e;
        if (!json_is_object(cfg)) {
            rubric_error(err, i, "name", "each rubric entry must be an object");
            goto fail;
        }
        if (json_field_string(cfg, "name", 1, 200, &name, &e) != 0 || !*name) {
            rubric_error(err, i, "name", "a non-empty name of at most 200 bytes is required");
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(out, j), "name")), name) ==
                0) {
                rubric_error(err, i, "name", "the name appears twice in the rubric");
                goto fail;
            }
        if (json_field_string(cfg, "data_type", 1, 0, &type, &e) != 0 ||
            (strcmp(type, SCORE_TYPE_NUMERIC) != 0 && strcmp(type, SCORE_TYPE_BOOLEAN) != 0 &&
             strcmp(type, SCORE_TYPE_CATEGORICAL) != 0)) {
            rubric_error(err, i, "data_type", "must be numeric, boolean or categorical");
            goto fail;
        }
        if (json_field_bool(cfg, "required", 0, &required, &e) != 0) {
            rubric_error(err, i, "required", "must be true or false");
            goto fail;
        }
        if (json_field_string(cfg, "description", 0, 2000, &description, &e) != 0) {
            rubric_error(err, i, "description", "must be a string of at most 2000 bytes");
            goto fail;
        }
        json_t *norm =
            json_pack("{s:s, s:s, s:b}", "name", name, "data_type", type, "required", required);
        if (description)
            json_object_set_new(norm, "description", json_string(description));
        json_array_append_new(out, norm);
        if (strcmp(type, SCORE_TYPE_NUMERIC) == 0) {
            double min = -INFINITY, max = INFINITY;
            if (json_field_number(cfg, "min", 0, &min, &e) != 0) {
                rubric_error(err, i, "min", "must be a number");
                goto fail;
            }
            if (json_field_number(cfg, "max", 0, &max, &e) != 0) {
                rubric_error(err, i, "max", "must be a number");
                goto fail;
            }
            if (min > max) {
                rubric_error(err, i, "max", "max must not be below min");
                goto fail;
            }
            if (isfinite(min))
                json_object_set_new(norm, "min", json_real(min));
            if (isfinite(max))
                json_object_set_new(norm, "max", json_real(max));
        } else if (strcmp(type, SCORE_TYPE_CATEGORICAL) == 0) {
            const json_t *cats = json_object_get(cfg, "categories");
            if (!json_is_array(cats) || json_array_size(cats) == 0) {
                rubric_error(err, i, "categories", "a categorical score needs a non-empty list");
                goto fail;
            }
            size_t k;
            json_t *cat;
            json_array_foreach(cats, k, cat)
            {
                if (!json_is_string(cat) || json_string_length(cat) == 0) {
                    rubric_error(err, i, "categories", "categories must be non-empty strings");
                    goto fail;
                }
                for (size_t j = 0; j < k; j++)
                    if (json_equal(json_array_get(cats, j), cat)) {
                        rubric_error(err, i, "categories", "a category appears twice");
                        goto fail;
                    }
            }
            json_object_set(norm, "categories", (json_t *)cats);
        }
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

/* ---- filling --------------------------------------------------------------------------------- */

/* Add the newest `limit` traces matching f. Returns the number added, or -1. */
static int64_t fill_by_filter(store_conn_t *c, const char *queue_id, const fb_trace_filter_t *f,
                              int64_t limit, int64_t now_ms, err_t *err)
{
    sqlb_t b;
    sqlb_init(&b, store_conn_kind(c));
    /* The SELECT keeps a WHERE so that SQLite does not read ON CONFLICT as a join's ON. */
    sqlb_sql(&b, "INSERT INTO annotation_items (queue_id, trace_id, status, trace_start_ms, "
                 "added_ms, updated_ms) SELECT ");
    sqlb_param(&b, sv_text(queue_id));
    sqlb_sql(&b, ", trace_id, 'pending', start_ms, ");
    sqlb_param(&b, sv_int(now_ms));
    sqlb_sql(&b, ", ");
    sqlb_param(&b, sv_int(now_ms));
    sqlb_sql(&b, " FROM traces WHERE 1 = 1");
    fb_trace_filter_sql(f, NULL, &b);
    sqlb_sql(&b, " ORDER BY start_ms DESC, trace_id DESC LIMIT ");
    sqlb_param(&b, sv_int(limit));
    sqlb_sql(&b, " ON CONFLICT DO NOTHING");
    int64_t n = sqlb_exec(c, &b, err);
    sqlb_free(&b);
    return n;
}

static int64_t fill_by_ids(store_conn_t *c, const char *queue_id, const json_t *ids, int64_t now_ms,
                           err_t *err)
{
    if (!json_is_array(ids) || json_array_size(ids) == 0 ||
        json_array_size(ids) > QUEUE_TRACE_IDS_MAX) {
        err_invalid(err, "trace_ids", "trace_ids must be a list of 1-%d trace ids",
                    QUEUE_TRACE_IDS_MAX);
        return -1;
    }
    int64_t added = 0;
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        char field[32];
        snprintf(field, sizeof field, "trace_ids[%zu]", i);
        const char *text = json_string_value(id);
        if (!text || !scores_is_hex(text, 32)) {
            err_invalid(err, field, "%s must be a trace id of 32 hex digits", field);
            return -1;
        }
        char lower[33];
        for (int k = 0; k < 33; k++)
            lower[k] = (char)(text[k] >= 'A' && text[k] <= 'F' ? text[k] + 32 : text[k]);
        store_value_t p[] = {sv_text(queue_id), sv_int(now_ms), sv_int(now_ms), sv_text(lower)};
        store_rows_t *rows =
            store_query(c, "SELECT start_ms FROM traces WHERE trace_id = ?", &p[3], 1, err);
        if (!rows)
            return -1;
        int found = store_rows_count(rows) > 0;
        store_rows_free(rows);
        if (!found) {
            err_invalid(err, field, "%s: trace %s is not stored", field, lower);
            return -1;
        }
        int64_t n = store_exec(c,
                               "INSERT INTO annotation_items (queue_id, trace_id, status, "
                               "trace_start_ms, added_ms, updated_ms) SELECT ?, trace_id, "
                               "'pending', start_ms, ?, ? FROM traces WHERE trace_id = ? "
                               "ON CONFLICT DO NOTHING",
                               p, 4, err);
        if (n < 0)
            return -1;
        added += n;
    }
    return added;
}

/* Fill from spec: {"filter", "limit"} or {"trace_ids"}. */
static int64_t fill(store_conn_t *c, const char *queue_id, const json_t *spec,
                    const json_t *default_filter, int64_t now_ms, err_t *err)
{
    const json_t *ids = json_object_get(spec, "trace_ids");
    if (ids && !json_is_null(ids)) {
        if (json_object_get(spec, "filter")) {
            err_invalid(err, "trace_ids", "give either trace_ids or filter, not both");
            return -1;
        }
        return fill_by_ids(c, queue_id, ids, now_ms, err);
    }
    int64_t limit = QUEUE_FILL_DEFAULT;
    if (json_field_int(spec, "limit", 0, &limit, err) != 0)
        return -1;
    if (limit < 1 || limit > QUEUE_FILL_MAX) {
        err_invalid(err, "limit", "limit must be 1-%d", QUEUE_FILL_MAX);
        return -1;
    }
    const json_t *fj = json_object_get(spec, "filter");
    fb_trace_filter_t f;
    if (fb_trace_filter_from_json(fj ? fj : default_filter, "filter.", &f, err) != 0)
        return -1;
    return fill_by_filter(c, queue_id, &f, limit, now_ms, err);
}

/* ---- queues ---------------------------------------------------------------------------------- */

json_t *queues_create(store_t *s, const json_t *spec, int64_t now_ms, err_t *err)
{
    const char *name = NULL, *description = "";
    int64_t lease = QUEUE_LEASE_DEFAULT_MIN;
    int do_fill = 1;
    fb_trace_filter_t f;
    if (!json_is_object(spec)) {
        err_invalid(err, NULL, "the queue must be a JSON object");
        return NULL;
    }
    if (json_field_string(spec, "name", 1, QUEUE_NAME_MAX, &name, err) != 0 ||
        json_field_string(spec, "description", 0, QUEUE_DESCRIPTION_MAX, &description, err) != 0 ||
        json_field_int(spec, "lease_minutes", 0, &lease, err) != 0 ||
        json_field_bool(spec, "fill", 0, &do_fill, err) != 0 ||
        fb_trace_filter_from_json(json_object_get(spec, "filter"), "filter.", &f, err) != 0)
        return NULL;
    if (!*name) {
        err_invalid(err, "name", "name must not be empty");
        return NULL;
    }
    if (lease < 0 || lease > QUEUE_LEASE_MAX_MIN) {
        err_invalid(err, "lease_minutes", "lease_minutes must be 0-%d", QUEUE_LEASE_MAX_MIN);
        return NULL;
    }
    json_t *rubric = rubric_parse(json_object_get(spec, "rubric"), err);
    if (!rubric)
        return NULL;
    json_t *filter = fb_trace_filter_to_json(&f);
    char *filter_text = json_to_string(filter), *rubric_text = json_to_string(rubric);
    char id[ID_UUID_LEN + 1];
    ids_uuid7(id);
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    int64_t added = 0;
    if (store_begin(c, err) == 0) {
        store_value_t p[] = {sv_text(id),          sv_text(name),        sv_text(description),
                             sv_text(filter_text), sv_text(rubric_text), sv_int(lease),
                             sv_int(now_ms),       sv_int(now_ms)};
        int ok = store_exec(c,
                            "INSERT INTO annotation_queues (id, name, description, filter, "
                            "rubric, lease_minutes, created_ms, updated_ms) VALUES (?, ?, ?, ?, "
                            "?, ?, ?, ?)",
                            p, 8, err) >= 0;
        if (!ok && err && err->status == 409)
            err_conflict(err, "an annotation queue named '%s' already exists", name);
        if (ok && do_fill) {
            json_t *fill_spec = json_object();
            if (json_object_get(spec, "trace_ids"))
                json_object_set(fill_spec, "trace_ids", json_object_get(spec, "trace_ids"));
            if (json_object_get(spec, "limit"))
                json_object_set(fill_spec, "limit", json_object_get(spec, "limit"));
            added = fill(c, id, fill_spec, filter, now_ms, err);
            ok = added >= 0;
            json_decref(fill_spec);
        }
        queue_row_t q = {0};
        if (ok && queue_find(c, id, &q, err) == 0)
            out = queue_json(c, &q, now_ms, err);
        queue_row_free(&q);
        if (store_finish(c, out != NULL, err) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    store_release(s, c);
    if (out)
        json_object_set_new(out, "items_added", json_integer(added));
    free(filter_text);
    free(rubric_text);
    json_decref(filter);
    json_decref(rubric);
    return out;
}

json_t *queues_list(store_t *s, int64_t now_ms, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows =
        store_query(c, "SELECT id FROM annotation_queues ORDER BY name", NULL, 0, err);
    json_t *list = rows ? json_array() : NULL;
    for (size_t r = 0; list && r < store_rows_count(rows); r++) {
        queue_row_t q;
        json_t *one = NULL;
        if (queue_find(c, store_rows_text(rows, r, 0), &q, err) == 0)
            one = queue_json(c, &q, now_ms, err);
        queue_row_free(&q);
        if (!one) {
            json_decref(list);
            list = NULL;
        } else {
            json_array_append_new(list, one);
        }
    }
    store_rows_free(rows);
    store_release(s, c);
    return list ? json_pack("{s:o}", "queues", list) : NULL;
}

json_t *queues_get(store_t *s, const char *queue, int64_t now_ms, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    queue_row_t q;
    json_t *out = NULL;
    if (queue_find(c, queue, &q, err) == 0)
        out = queue_json(c, &q, now_ms, err);
    queue_row_free(&q);
    store_release(s, c);
    return out;
}

int queues_delete(store_t *s, const char *queue, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    queue_row_t q;
    int rc = store_begin(c, err);
    if (rc == 0) {
        rc = queue_find(c, queue, &q, err);
        store_value_t p = sv_text(q.id);
        if (rc == 0 &&
            (store_exec(c, "DELETE FROM annotation_items WHERE queue_id = ?", &p, 1, err) < 0 ||
             store_exec(c, "DELETE FROM annotation_queues WHERE id = ?", &p, 1, err) < 0))
            rc = -1;
        queue_row_free(&q);
        rc = store_finish(c, rc == 0, err);
    }
    store_release(s, c);
    return rc;
}

json_t *queues_add_items(store_t *s, const char *queue, const json_t *spec, int64_t now_ms,
                         err_t *err)
{
    if (!json_is_object(spec)) {
        err_invalid(err, NULL, "the request must be a JSON object");
        return NULL;
    }
    if (!json_object_get(spec, "trace_ids") && !json_object_get(spec, "filter")) {
        err_invalid(err, "filter", "give a filter (may be {} for every trace) or trace_ids");
        return NULL;
    }
    store_conn_t *c = store_acquire(s);
    queue_row_t q = {0};
    json_t *out = NULL;
    if (store_begin(c, err) == 0) {
        int64_t added = -1;
        if (queue_find(c, queue, &q, err) == 0)
            added = fill(c, q.id, spec, NULL, now_ms, err);
        if (added >= 0) {
            store_value_t p[] = {sv_int(now_ms), sv_text(q.id)};
            json_t *qj = NULL;
            if (store_exec(c, "UPDATE annotation_queues SET updated_ms = ? WHERE id = ?", p, 2,
                           err) >= 0) {
                q.updated_ms = now_ms;
                qj = queue_json(c, &q, now_ms, err);
            }
            if (qj)
                out = json_pack("{s:I, s:o}", "added", (json_int_t)added, "queue", qj);
        }
        if (store_finish(c, out != NULL, err) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    queue_row_free(&q);
    store_release(s, c);
    return out;
}

json_t *queues_items(store_t *s, const char *queue, const char *status, int limit,
                     const char *page_token, int64_t now_ms, err_t *err)
{
    int64_t offset = 0;
    if (limit < 0 || limit > 1000) {
        err_invalid(err, "limit", "limit must be 1-1000");
        return NULL;
    }
    if (limit == 0)
        limit = 100;
    if (status && strcmp(status, "pending") != 0 && strcmp(status, "in_progress") != 0 &&
        strcmp(status, "done") != 0 && strcmp(status, "skipped") != 0) {
        err_invalid(err, "status", "status must be pending, in_progress, done or skipped");
        return NULL;
    }
    if (page_token_parse(page_token, &offset, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    queue_row_t q;
    json_t *out = NULL;
    if (queue_find(c, queue, &q, err) == 0) {
        sqlb_t b;
        sqlb_init(&b, store_conn_kind(c));
        sqlb_sql(&b, "SELECT " ITEM_COLUMNS " FROM annotation_items WHERE queue_id = ");
        sqlb_param(&b, sv_text(q.id));
        if (status && strcmp(status, "pending") == 0) {
            sqlb_sql(&b, " AND (status = 'pending' OR (status = 'in_progress' AND "
                         "lease_until_ms <= ");
            sqlb_param(&b, sv_int(now_ms));
            sqlb_sql(&b, "))");
        } else if (status && strcmp(status, "in_progress") == 0) {
            sqlb_sql(&b, " AND status = 'in_progress' AND lease_until_ms > ");
            sqlb_param(&b, sv_int(now_ms));
        } else if (status) {
            sqlb_sql(&b, " AND status = ");
            sqlb_param(&b, sv_text(status));
        }
        sqlb_sql(&b, CLAIM_ORDER " LIMIT ");
        sqlb_param(&b, sv_int(limit + 1));
        sqlb_sql(&b, " OFFSET ");
        sqlb_param(&b, sv_int(offset));
        store_rows_t *rows = sqlb_query(c, &b, err);
        sqlb_free(&b);
        if (rows) {
            json_t *items = json_array();
            size_t n = store_rows_count(rows);
            for (size_t r = 0; r < n && r < (size_t)limit; r++)
                json_array_append_new(items, item_json(rows, r, now_ms));
            out = json_pack("{s:o}", "items", items);
            page_token_add_next(out, n, limit, offset);
            store_rows_free(rows);
        }
    }
    queue_row_free(&q);
    store_release(s, c);
    return out;
}

/* ---- reviewing ------------------------------------------------------------------------------- */

static json_t *item_get(store_conn_t *c, const char *queue_id, const char *trace_id, int64_t now_ms,
                        err_t *err)
{
    store_value_t p[] = {sv_text(queue_id), sv_text(trace_id)};
    store_rows_t *rows = store_query(c,
                                     "SELECT " ITEM_COLUMNS " FROM annotation_items WHERE "
                                     "queue_id = ? AND trace_id = ?",
                                     p, 2, err);
    if (!rows)
        return NULL;
    json_t *out = NULL;
    if (store_rows_count(rows) == 1)
        out = item_json(rows, 0, now_ms);
    else
        err_not_found(err, "trace %s is not in this queue", trace_id);
    store_rows_free(rows);
    return out;
}

/* The trace id the reviewer got: one they still hold (lease renewed), else a newly claimed
 * one. NULL with *none = 1 when nothing is free. Caller frees. */
static char *claim(store_conn_t *c, const char *queue_id, const char *reviewer, int64_t now_ms,
                   int64_t lease_until, int *none, err_t *err)
{
    *none = 0;
    store_value_t own[] = {sv_int(lease_until), sv_int(now_ms), sv_text(queue_id),
                           sv_text(reviewer), sv_int(now_ms)};
    store_rows_t *rows = store_query(c,
                                     "UPDATE annotation_items SET lease_until_ms = ?, "
                                     "updated_ms = ? WHERE queue_id = ? AND reviewer = ? AND "
                                     "status = 'in_progress' AND lease_until_ms > ? "
                                     "RETURNING trace_id",
                                     own, 5, err);
    if (!rows)
        return NULL;
    char *got = NULL;
    if (store_rows_count(rows) > 0)
        got = xstrdup(store_rows_text(rows, 0, 0));
    store_rows_free(rows);
    if (got)
        return got;
    /* The outer condition re-checks that the item is still free when the UPDATE gets to it;
     * on PostgreSQL, SKIP LOCKED makes a concurrent claimer pick the next item instead of
     * waiting for this one and then finding it taken. */
    int pg = store_conn_kind(c) == STORE_POSTGRES;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE annotation_items SET status = 'in_progress', reviewer = ?, "
             "lease_until_ms = ?, updated_ms = ? WHERE queue_id = ? AND " FREE_ITEM
             " AND trace_id = (SELECT trace_id FROM annotation_items WHERE queue_id = ? AND "
             "" FREE_ITEM CLAIM_ORDER " LIMIT 1%s) RETURNING trace_id",
             pg ? " FOR UPDATE SKIP LOCKED" : "");
    store_value_t p[] = {sv_text(reviewer), sv_int(lease_until), sv_int(now_ms), sv_text(queue_id),
                         sv_int(now_ms),    sv_text(queue_id),   sv_int(now_ms)};
    rows = store_query(c, sql, p, 7, err);
    if (!rows)
        return NULL;
    if (store_rows_count(rows) > 0)
        got = xstrdup(store_rows_text(rows, 0, 0));
    else
        *none = 1;
    store_rows_free(rows);
    return got;
}

static int check_reviewer(const char *reviewer, err_t *err)
{
    if (!reviewer || !*reviewer || strlen(reviewer) > REVIEWER_MAX)
        return err_invalid(err, "reviewer", "reviewer must be 1-%d characters", REVIEWER_MAX);
    return 0;
}

json_t *queues_next(store_t *s, const char *queue, const char *reviewer, int64_t now_ms, err_t *err)
{
    if (check_reviewer(reviewer, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    queue_row_t q = {0};
    json_t *out = NULL;
    if (store_begin(c, err) == 0) {
        if (queue_find(c, queue, &q, err) == 0) {
            int none = 0;
            char *trace_id =
                claim(c, q.id, reviewer, now_ms, now_ms + q.lease_minutes * 60000, &none, err);
            json_t *item = trace_id ? item_get(c, q.id, trace_id, now_ms, err)
                           : none   ? json_null()
                                    : NULL;
            /* Show the claim just made, even one whose lease (0 minutes) is already over. */
            if (json_is_object(item)) {
                json_object_set_new(item, "status", json_string("in_progress"));
                json_object_set_new(item, "reviewer", json_string(reviewer));
                json_object_set_new(item, "lease_until_ms",
                                    json_integer(now_ms + q.lease_minutes * 60000));
            }
            json_t *qj = item ? queue_json(c, &q, now_ms, err) : NULL;
            if (qj)
                out = json_pack("{s:O, s:o, s:o}", "item", item, "rubric", parse_stored(q.rubric),
                                "queue", qj);
            json_decref(item);
            free(trace_id);
        }
        if (store_finish(c, out != NULL, err) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    queue_row_free(&q);
    store_release(s, c);
    return out;
}

/* Lock in the item for a reviewer's verdict: 404 when not in the queue, 409 while another
 * reviewer's lease runs. */
static int item_for_verdict(store_conn_t *c, const char *queue_id, const char *trace_id,
                            const char *reviewer, int64_t now_ms, err_t *err)
{
    json_t *item = item_get(c, queue_id, trace_id, now_ms, err);
    if (!item)
        return -1;
    const char *holder = json_string_value(json_object_get(item, "reviewer"));
    int taken = strcmp(json_string_value(json_object_get(item, "status")), "in_progress") == 0 &&
                holder && strcmp(holder, reviewer) != 0;
    int rc =
        taken ? err_conflict(err, "trace %s is claimed by %s until %lld", trace_id, holder,
                             (long long)json_integer_value(json_object_get(item, "lease_until_ms")))
              : 0;
    json_decref(item);
    return rc;
}

static int set_status(store_conn_t *c, const char *queue_id, const char *trace_id,
                      const char *status, const char *reviewer, int64_t now_ms, err_t *err)
{
    store_value_t p[] = {sv_text(status), sv_text(reviewer), sv_int(now_ms), sv_text(queue_id),
                         sv_text(trace_id)};
    return store_exec(c,
                      "UPDATE annotation_items SET status = ?, reviewer = ?, lease_until_ms = "
                      "NULL, updated_ms = ? WHERE queue_id = ? AND trace_id = ?",
                      p, 5, err) < 0
               ? -1
               : 0;
}

/* The rubric entry named name, or NULL. */
static const json_t *rubric_entry(const json_t *rubric, const char *name)
{
    size_t i;
    json_t *cfg;
    json_array_foreach(rubric, i, cfg) if (strcmp(json_string_value(json_object_get(cfg, "name")),
                                                  name) == 0) return cfg;
    return NULL;
}

/* Check one value against its rubric entry. */
static int check_against(const json_t *cfg, const char *field, const json_t *value, err_t *err)
{
    const char *type = json_string_value(json_object_get(cfg, "data_type"));
    if (!value || json_is_null(value))
        return err_invalid(err, field, "%s needs a value", field);
    if (strcmp(type, SCORE_TYPE_BOOLEAN) == 0) {
        if (!json_is_boolean(value))
            return err_invalid(err, field, "%s must be true or false", field);
    } else if (strcmp(type, SCORE_TYPE_NUMERIC) == 0) {
        if (!json_is_number(value))
            return err_invalid(err, field, "%s must be a number", field);
        double d = json_number_value(value);
        const json_t *min = json_object_get(cfg, "min"), *max = json_object_get(cfg, "max");
        if ((min && d < json_number_value(min)) || (max && d > json_number_value(max)))
            return err_invalid(err, field, "%s must be within [%g, %g]", field,
                               min ? json_number_value(min) : -INFINITY,
                               max ? json_number_value(max) : INFINITY);
    } else {
        const json_t *cats = json_object_get(cfg, "categories");
        size_t i;
        json_t *cat;
        int found = 0;
        json_array_foreach(cats, i, cat) found = found || json_equal(cat, value);
        if (!found) {
            char *allowed = json_to_string(cats);
            err_invalid(err, field, "%s must be one of %s", field, allowed);
            free(allowed);
            return -1;
        }
    }
    return 0;
}

/* The scores of a completion as score objects for scores_add_conn (without trace, source...),
 * checked against the rubric. Caller owns. */
static json_t *verdict_scores(const json_t *rubric, const json_t *in, err_t *err)
{
    json_t *list = json_array();
    if (json_is_object(in)) {
        const char *name;
        json_t *value;
        json_object_foreach((json_t *)in, name, value)
            json_array_append_new(list, json_pack("{s:s, s:O}", "name", name, "value", value));
    } else if (json_is_array(in)) {
        size_t i;
        json_t *one;
        json_array_foreach(in, i, one)
        {
            const char *name = json_string_value(json_object_get(one, "name"));
            if (!json_is_object(one) || !name || !*name) {
                char field[48];
                snprintf(field, sizeof field, "scores[%zu].name", i);
                err_invalid(err, field, "each score needs a name and a value");
                goto fail;
            }
            json_array_append(list, one);
        }
    } else if (in && !json_is_null(in)) {
        err_invalid(err, "scores", "scores must be an object {name: value} or a list");
        goto fail;
    }
    size_t i;
    json_t *one;
    json_array_foreach(list, i, one)
    {
        const char *name = json_string_value(json_object_get(one, "name"));
        char field[256];
        snprintf(field, sizeof field, "scores.%s", name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(list, j), "name")), name) ==
                0) {
                err_invalid(err, field, "%s is given twice", field);
                goto fail;
            }
        if (json_array_size(rubric) == 0)
            continue;
        const json_t *cfg = rubric_entry(rubric, name);
        if (!cfg) {
            err_invalid(err, field, "%s is not in the queue's rubric", field);
            goto fail;
        }
        if (check_against(cfg, field, json_object_get(one, "value"), err) != 0)
            goto fail;
        json_object_set_new(one, "data_type",
                            json_string(json_string_value(json_object_get(cfg, "data_type"))));
    }
    json_t *cfg;
    json_array_foreach(rubric, i, cfg)
    {
        if (!json_is_true(json_object_get(cfg, "required")))
            continue;
        const char *name = json_string_value(json_object_get(cfg, "name"));
        int given = 0;
        size_t j;
        json_array_foreach(list, j, one) given =
            given || strcmp(json_string_value(json_object_get(one, "name")), name) == 0;
        if (!given) {
            char field[256];
            snprintf(field, sizeof field, "scores.%s", name);
            err_invalid(err, field, "%s is required by the rubric", field);
            goto fail;
        }
    }
    return list;
fail:
    json_decref(list);
    return NULL;
}

/* complete (scores != NULL) or skip one item. */
static json_t *verdict(store_t *s, const char *queue, const char *trace_id, const json_t *body,
                       int complete, int64_t now_ms, err_t *err)
{
    const char *reviewer = NULL;
    if (!json_is_object(body)) {
        err_invalid(err, NULL, "the request must be a JSON object");
        return NULL;
    }
    if (json_field_string(body, "reviewer", 1, REVIEWER_MAX, &reviewer, err) != 0 ||
        check_reviewer(reviewer, err) != 0)
        return NULL;
    if (!scores_is_hex(trace_id, 32)) {
        err_invalid(err, "trace_id", "trace_id must be 32 hex digits");
        return NULL;
    }
    char tid[33];
    for (int k = 0; k < 33; k++)
        tid[k] = (char)(trace_id[k] >= 'A' && trace_id[k] <= 'F' ? trace_id[k] + 32 : trace_id[k]);
    store_conn_t *c = store_acquire(s);
    queue_row_t q = {0};
    json_t *out = NULL, *rubric = NULL, *scores = NULL, *stored = json_array();
    if (store_begin(c, err) == 0) {
        int ok = queue_find(c, queue, &q, err) == 0 &&
                 item_for_verdict(c, q.id, tid, reviewer, now_ms, err) == 0;
        if (ok && complete) {
            rubric = parse_stored(q.rubric);
            scores = verdict_scores(rubric, json_object_get(body, "scores"), err);
            ok = scores != NULL;
            /* A second completion replaces what this queue recorded for the trace before. */
            store_value_t p[] = {sv_text(q.id), sv_text(tid)};
            if (ok && store_exec(c, "DELETE FROM scores WHERE queue_id = ? AND trace_id = ?", p, 2,
                                 err) < 0)
                ok = 0;
            size_t i;
            json_t *one;
            json_array_foreach(scores, i, one)
            {
                if (!ok)
                    break;
                json_t *full = json_deep_copy(one);
                json_object_set_new(full, "trace_id", json_string(tid));
                json_object_set_new(full, "source", json_string(SCORE_SOURCE_HUMAN));
                json_object_set_new(full, "author", json_string(reviewer));
                json_object_set_new(full, "queue_id", json_string(q.id));
                json_object_set_new(full, "created_ms", json_integer(now_ms));
                json_object_del(full, "id");
                err_t e;
                json_t *saved = scores_add_conn(c, full, &e);
                json_decref(full);
                if (!saved) {
                    /* Name the score, not the bare field, so the reviewer knows which one. */
                    char field[256];
                    snprintf(field, sizeof field, "scores.%s",
                             json_string_value(json_object_get(one, "name")));
                    if (e.status == 400)
                        err_invalid(err, field, "%s: %s", field, e.message);
                    else if (err)
                        *err = e;
                    ok = 0;
                } else {
                    json_array_append_new(stored, saved);
                }
            }
        }
        if (ok)
            ok =
                set_status(c, q.id, tid, complete ? "done" : "skipped", reviewer, now_ms, err) == 0;
        if (ok) {
            json_t *item = item_get(c, q.id, tid, now_ms, err);
            json_t *qj = item ? queue_json(c, &q, now_ms, err) : NULL;
            if (qj) {
                out = json_pack("{s:o, s:o}", "item", item, "queue", qj);
                if (complete)
                    json_object_set(out, "scores", stored);
            } else {
                json_decref(item);
            }
        }
        if (store_finish(c, out != NULL, err) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    json_decref(stored);
    json_decref(scores);
    json_decref(rubric);
    queue_row_free(&q);
    store_release(s, c);
    return out;
}

json_t *queues_complete(store_t *s, const char *queue, const char *trace_id, const json_t *body,
                        int64_t now_ms, err_t *err)
{
    return verdict(s, queue, trace_id, body, 1, now_ms, err);
}

json_t *queues_skip(store_t *s, const char *queue, const char *trace_id, const json_t *body,
                    int64_t now_ms, err_t *err)
{
    return verdict(s, queue, trace_id, body, 0, now_ms, err);
}
