/* eval_store.c - the evaluations and eval_rows tables (eval_store.h). */
#include "eval/eval_store.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"

#define EVAL_COLUMNS                                                                               \
    "id, name, status, dataset, dataset_name, split, spec, total, baseline, metrics, gates, "      \
    "gates_passed, error, created_ms, started_ms, finished_ms, owner, heartbeat_ms"

int eval_store_insert(store_conn_t *c, const eval_record_t *r, err_t *err)
{
    char *spec = json_to_string(r->spec);
    store_value_t p[] = {sv_text(r->id),        sv_text(r->name),         sv_text(r->status),
                         sv_text(r->dataset),   sv_text(r->dataset_name), sv_text(r->split),
                         sv_text(spec),         sv_int(r->total),         sv_text(r->baseline),
                         sv_int(r->created_ms), sv_text(r->owner),        sv_int(r->created_ms)};
    int64_t rc = store_exec(c,
                            "INSERT INTO evaluations (id, name, status, dataset, dataset_name, "
                            "split, spec, total, baseline, created_ms, owner, heartbeat_ms) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            p, 12, err);
    free(spec);
    return rc < 0 ? -1 : 0;
}

static json_t *parsed(const store_rows_t *rows, size_t r, size_t col)
{
    const char *text = store_rows_text(rows, r, col);
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_null();
}

static json_t *int_or_null(const store_rows_t *rows, size_t r, size_t col)
{
    return store_rows_is_null(rows, r, col) ? json_null()
                                            : json_integer(store_rows_int(rows, r, col));
}

static json_t *text_or_null(const store_rows_t *rows, size_t r, size_t col)
{
    const char *t = store_rows_text(rows, r, col);
    return t ? json_string(t) : json_null();
}

static json_t *eval_row_json(const store_rows_t *rows, size_t r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", text_or_null(rows, r, 0));
    json_object_set_new(o, "name", text_or_null(rows, r, 1));
    json_object_set_new(o, "status", text_or_null(rows, r, 2));
    json_object_set_new(o, "dataset", text_or_null(rows, r, 3));
    json_object_set_new(o, "dataset_name", text_or_null(rows, r, 4));
    json_object_set_new(o, "split", text_or_null(rows, r, 5));
    json_object_set_new(o, "spec", parsed(rows, r, 6));
    json_object_set_new(o, "total", json_integer(store_rows_int(rows, r, 7)));
    json_object_set_new(o, "baseline", text_or_null(rows, r, 8));
    json_object_set_new(o, "metrics", parsed(rows, r, 9));
    json_object_set_new(o, "gates", parsed(rows, r, 10));
    json_object_set_new(
        o, "gates_passed",
        store_rows_is_null(rows, r, 11) ? json_null() : json_boolean(store_rows_int(rows, r, 11)));
    json_object_set_new(o, "error", text_or_null(rows, r, 12));
    json_object_set_new(o, "created_ms", json_integer(store_rows_int(rows, r, 13)));
    json_object_set_new(o, "started_ms", int_or_null(rows, r, 14));
    json_object_set_new(o, "finished_ms", int_or_null(rows, r, 15));
    json_object_set_new(o, "owner", text_or_null(rows, r, 16));
    json_object_set_new(o, "heartbeat_ms", int_or_null(rows, r, 17));
    return o;
}

json_t *eval_store_get(store_t *s, const char *id, err_t *err)
{
    store_value_t p[] = {sv_text(id)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows =
        store_query(c, "SELECT " EVAL_COLUMNS " FROM evaluations WHERE id = ?", p, 1, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *out = NULL;
    if (store_rows_count(rows) == 1)
        out = eval_row_json(rows, 0);
    else
        err_not_found(err, "evaluation '%s' not found", id);
    store_rows_free(rows);
    return out;
}

json_t *eval_store_list(store_t *s, const char *dataset, const char *status, int64_t limit,
                        int64_t offset, err_t *err)
{
    buf_t sql;
    buf_init(&sql);
    buf_append_str(&sql, "SELECT " EVAL_COLUMNS " FROM evaluations WHERE 1 = 1");
    store_value_t p[4];
    size_t np = 0;
    if (dataset && *dataset) {
        buf_append_str(&sql, strchr(dataset, '/') ? " AND dataset = ?" : " AND dataset_name = ?");
        p[np++] = sv_text(dataset);
    }
    if (status && *status) {
        buf_append_str(&sql, " AND status = ?");
        p[np++] = sv_text(status);
    }
    buf_append_str(&sql, " ORDER BY created_ms DESC, id DESC LIMIT ? OFFSET ?");
    p[np++] = sv_int(limit + 1);
    p[np++] = sv_int(offset);
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, buf_str(&sql), p, np, err);
    store_release(s, c);
    buf_free(&sql);
    if (!rows)
        return NULL;
    json_t *out = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(out, eval_row_json(rows, r));
    store_rows_free(rows);
    return out;
}

int eval_store_set_status(store_t *s, const char *id, const char *status, const char *only_from,
                          int64_t started_ms, int64_t finished_ms, const char *error, int *changed,
                          err_t *err)
{
    store_value_t p[] = {sv_text(status),
                         started_ms > 0 ? sv_int(started_ms) : sv_null(),
                         finished_ms > 0 ? sv_int(finished_ms) : sv_null(),
                         sv_text(error),
                         sv_text(id),
                         sv_text(only_from)};
    store_conn_t *c = store_acquire(s);
    int64_t n = store_exec(c,
                           only_from ? "UPDATE evaluations SET status = ?, "
                                       "started_ms = COALESCE(started_ms, ?), "
                                       "finished_ms = COALESCE(?, finished_ms), error = ? "
                                       "WHERE id = ? AND status = ?"
                                     : "UPDATE evaluations SET status = ?, "
                                       "started_ms = COALESCE(started_ms, ?), "
                                       "finished_ms = ?, error = ? WHERE id = ?",
                           p, only_from ? 6 : 5, err);
    store_release(s, c);
    if (changed)
        *changed = n > 0;
    return n < 0 ? -1 : 0;
}

int eval_store_heartbeat(store_t *s, const char *id, const char *owner, int64_t now_ms, err_t *err)
{
    store_value_t p[] = {sv_text(owner), sv_int(now_ms), sv_text(id)};
    store_conn_t *c = store_acquire(s);
    int64_t n =
        store_exec(c, "UPDATE evaluations SET owner = ?, heartbeat_ms = ? WHERE id = ?", p, 3, err);
    store_release(s, c);
    return n < 0 ? -1 : 0;
}

int eval_store_set_results(store_t *s, const char *id, const json_t *metrics, const json_t *gates,
                           int gates_passed, err_t *err)
{
    char *m = metrics ? json_to_string(metrics) : NULL;
    char *g = gates ? json_to_string(gates) : NULL;
    store_value_t p[] = {sv_text(m), sv_text(g),
                         gates_passed < 0 ? sv_null() : sv_int(gates_passed), sv_text(id)};
    store_conn_t *c = store_acquire(s);
    int64_t n = store_exec(
        c, "UPDATE evaluations SET metrics = ?, gates = ?, gates_passed = ? WHERE id = ?", p, 4,
        err);
    store_release(s, c);
    free(m);
    free(g);
    return n < 0 ? -1 : 0;
}

int eval_store_put_row(store_t *s, const char *eval_id, const eval_row_result_t *r, err_t *err)
{
    char *expected =
        r->expected ? json_dump_text(r->expected, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    char *scores = json_to_string(r->scores);
    store_value_t p[] = {sv_text(eval_id),
                         sv_int(r->index),
                         sv_text(r->input),
                         sv_text(expected),
                         sv_text(r->output),
                         sv_text(r->error),
                         sv_text(scores),
                         sv_int(r->passed),
                         sv_real(r->latency_ms),
                         sv_real(r->cost_usd),
                         sv_int(r->input_tokens),
                         sv_int(r->output_tokens),
                         sv_text(r->trace_id && *r->trace_id ? r->trace_id : NULL),
                         sv_int(r->cached),
                         sv_int(clock_now_ms())};
    store_conn_t *c = store_acquire(s);
    int64_t n = store_exec(
        c,
        "INSERT INTO eval_rows (eval_id, idx, input, expected, output, error, scores, passed, "
        "latency_ms, cost_usd, input_tokens, output_tokens, trace_id, cached, created_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (eval_id, idx) DO UPDATE SET input = excluded.input, "
        "expected = excluded.expected, output = excluded.output, error = excluded.error, "
        "scores = excluded.scores, passed = excluded.passed, latency_ms = excluded.latency_ms, "
        "cost_usd = excluded.cost_usd, input_tokens = excluded.input_tokens, "
        "output_tokens = excluded.output_tokens, trace_id = excluded.trace_id, "
        "cached = excluded.cached, created_ms = excluded.created_ms",
        p, 15, err);
    store_release(s, c);
    free(expected);
    free(scores);
    return n < 0 ? -1 : 0;
}

static json_t *real_or_null(const store_rows_t *rows, size_t r, size_t col)
{
    return store_rows_is_null(rows, r, col) ? json_null()
                                            : json_real(store_rows_real(rows, r, col));
}

json_t *eval_store_rows(store_t *s, const char *eval_id, int64_t after, int64_t limit,
                        int failed_only, err_t *err)
{
    buf_t sql;
    buf_init(&sql);
    buf_append_str(&sql, "SELECT idx, input, expected, output, error, scores, latency_ms, "
                         "cost_usd, input_tokens, output_tokens, trace_id, cached, passed "
                         "FROM eval_rows WHERE eval_id = ? AND idx > ?");
    if (failed_only)
        buf_append_str(&sql, " AND (error IS NOT NULL OR passed = 0)");
    buf_append_str(&sql, " ORDER BY idx");
    store_value_t p[] = {sv_text(eval_id), sv_int(after), sv_int(limit)};
    if (limit > 0)
        buf_append_str(&sql, " LIMIT ?");
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, buf_str(&sql), p, limit > 0 ? 3 : 2, err);
    store_release(s, c);
    buf_free(&sql);
    if (!rows)
        return NULL;
    json_t *out = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer(store_rows_int(rows, r, 0)));
        json_object_set_new(o, "input", text_or_null(rows, r, 1));
        json_object_set_new(o, "expected", parsed(rows, r, 2));
        json_object_set_new(o, "output", text_or_null(rows, r, 3));
        json_object_set_new(o, "error", text_or_null(rows, r, 4));
        json_t *scores = parsed(rows, r, 5);
        json_object_set_new(o, "scores", json_is_object(scores) ? scores : json_object());
        if (!json_is_object(scores))
            json_decref(scores);
        json_object_set_new(o, "latency_ms", real_or_null(rows, r, 6));
        json_object_set_new(o, "cost_usd", real_or_null(rows, r, 7));
        json_object_set_new(o, "input_tokens", int_or_null(rows, r, 8));
        json_object_set_new(o, "output_tokens", int_or_null(rows, r, 9));
        json_object_set_new(o, "trace_id", text_or_null(rows, r, 10));
        json_object_set_new(o, "cached", json_boolean(store_rows_int(rows, r, 11)));
        json_object_set_new(o, "passed", json_boolean(store_rows_int(rows, r, 12)));
        json_array_append_new(out, o);
    }
    store_rows_free(rows);
    return out;
}

int eval_store_done_indexes(store_t *s, const char *eval_id, int64_t **out, size_t *n, err_t *err)
{
    *out = NULL;
    *n = 0;
    store_value_t p[] = {sv_text(eval_id)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows =
        store_query(c, "SELECT idx FROM eval_rows WHERE eval_id = ? ORDER BY idx", p, 1, err);
    store_release(s, c);
    if (!rows)
        return -1;
    size_t count = store_rows_count(rows);
    *out = xmalloc((count ? count : 1) * sizeof **out);
    for (size_t r = 0; r < count; r++)
        (*out)[r] = store_rows_int(rows, r, 0);
    *n = count;
    store_rows_free(rows);
    return 0;
}

int eval_store_counts(store_t *s, const char *eval_id, int64_t *done, int64_t *errors,
                      int64_t *cached, err_t *err)
{
    store_value_t p[] = {sv_text(eval_id)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows =
        store_query(c,
                    "SELECT COUNT(*), "
                    "CAST(COALESCE(SUM(CASE WHEN error IS NULL THEN 0 "
                    "ELSE 1 END), 0) AS BIGINT), "
                    "CAST(COALESCE(SUM(cached), 0) AS BIGINT) FROM eval_rows WHERE eval_id = ?",
                    p, 1, err);
    store_release(s, c);
    if (!rows)
        return -1;
    *done = store_rows_int(rows, 0, 0);
    *errors = store_rows_int(rows, 0, 1);
    *cached = store_rows_int(rows, 0, 2);
    store_rows_free(rows);
    return 0;
}
