/* export.c - traces and their scores as JSON Lines (see export.h).
 *
 * Paging is keyset paging on (start_ms, trace_id), so each page is an index range scan and
 * traces written during the export do not shift later pages. Only one page of traces and its
 * scores is held at a time; the caller's sink decides where the lines go. */
#include "feedback/export.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "feedback/score_query.h"
#include "feedback/scores.h"
#include "store/sql_builder.h"

/* A text column that may hold JSON: the JSON value, else the text; NULL is null. */
static json_t *json_or_text(const store_rows_t *rows, size_t r, size_t col)
{
    if (store_rows_is_null(rows, r, col))
        return json_null();
    const char *text = store_rows_text(rows, r, col);
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(text);
}

static json_t *text_or_null(const store_rows_t *rows, size_t r, size_t col)
{
    return store_rows_is_null(rows, r, col) ? json_null()
                                            : json_string(store_rows_text(rows, r, col));
}

/* One export line for trace row r with its scores (borrowed). */
static json_t *export_line(const store_rows_t *rows, size_t r, json_t *scores)
{
    json_t *by_name = json_object(), *correction = json_null();
    size_t i;
    json_t *score;
    /* Oldest first, so the latest of each name and the latest correction win. */
    json_array_foreach(scores, i, score)
    {
        json_object_set(by_name, json_string_value(json_object_get(score, "name")),
                        json_object_get(score, "value"));
        json_t *corr = json_object_get(score, "correction");
        if (json_is_string(corr)) {
            json_decref(correction);
            correction = json_incref(corr);
        }
    }
    json_t *meta = json_object();
    json_object_set_new(meta, "endpoint", text_or_null(rows, r, 3));
    json_object_set_new(meta, "model", text_or_null(rows, r, 4));
    json_object_set_new(meta, "version", text_or_null(rows, r, 5));
    json_object_set_new(meta, "user", text_or_null(rows, r, 6));
    json_object_set_new(meta, "session_id", text_or_null(rows, r, 7));
    json_object_set_new(meta, "start_ms", json_integer(store_rows_int(rows, r, 8)));
    json_t *line = json_object();
    json_object_set_new(line, "trace_id", json_string(store_rows_text(rows, r, 0)));
    json_object_set_new(line, "input", json_or_text(rows, r, 1));
    json_object_set_new(line, "output", json_or_text(rows, r, 2));
    json_object_set_new(line, "correction", correction);
    json_object_set_new(line, "scores", by_name);
    json_object_set(line, "score_details", scores);
    json_object_set_new(line, "metadata", meta);
    return line;
}

/* One page of matching traces after (after_ms, after_id); after_ms < 0: from the start. */
static store_rows_t *trace_page(store_conn_t *c, const feedback_export_opts_t *opts,
                                int64_t after_ms, const char *after_id, err_t *err)
{
    sqlb_t b;
    sqlb_init(&b, store_conn_kind(c));
    sqlb_sql(&b, "SELECT t.trace_id, t.input, t.output, t.endpoint, t.model, t.version, "
                 "t.user_id, t.session_id, t.start_ms FROM traces t WHERE 1 = 1");
    fb_trace_filter_sql(&opts->traces, "t", &b);
    if (after_ms >= 0) {
        sqlb_sql(&b, " AND (t.start_ms > ");
        sqlb_param(&b, sv_int(after_ms));
        sqlb_sql(&b, " OR (t.start_ms = ");
        sqlb_param(&b, sv_int(after_ms));
        sqlb_sql(&b, " AND t.trace_id > ");
        sqlb_param(&b, sv_text(after_id));
        sqlb_sql(&b, "))");
    }
    if (opts->only_with_feedback) {
        sqlb_sql(&b, " AND EXISTS (SELECT 1 FROM scores s WHERE s.trace_id = t.trace_id");
        if (opts->score_name) {
            sqlb_sql(&b, " AND s.name = ");
            sqlb_param(&b, sv_text(opts->score_name));
        }
        sqlb_sql(&b, ")");
    }
    sqlb_printf(&b, " ORDER BY t.start_ms, t.trace_id LIMIT %d", FEEDBACK_EXPORT_CHUNK);
    store_rows_t *rows = sqlb_query(c, &b, err);
    sqlb_free(&b);
    return rows;
}

int64_t feedback_export(store_t *s, const feedback_export_opts_t *opts, feedback_export_sink_t sink,
                        void *ctx, err_t *err)
{
    if (fb_trace_filter_check(&opts->traces, NULL, err) != 0)
        return -1;
    int64_t after_ms = -1, lines = 0;
    char after_id[TRACE_ID_BUF] = "";
    buf_t out;
    buf_init(&out);
    store_conn_t *c = store_acquire(s);
    for (;;) {
        store_rows_t *rows = trace_page(c, opts, after_ms, after_id, err);
        if (!rows) {
            lines = -1;
            break;
        }
        size_t n = store_rows_count(rows);
        const char **ids = xcalloc(n ? n : 1, sizeof *ids);
        for (size_t r = 0; r < n; r++)
            ids[r] = store_rows_text(rows, r, 0);
        json_t *scores = scores_for_traces(c, ids, n, opts->score_name, err);
        free(ids);
        if (!scores) {
            store_rows_free(rows);
            lines = -1;
            break;
        }
        buf_reset(&out);
        for (size_t r = 0; r < n; r++) {
            json_t *line =
                export_line(rows, r, json_object_get(scores, store_rows_text(rows, r, 0)));
            char *text = json_to_string(line);
            buf_append_str(&out, text);
            buf_append_char(&out, '\n');
            free(text);
            json_decref(line);
        }
        json_decref(scores);
        if (n > 0) {
            after_ms = store_rows_int(rows, n - 1, 8);
            snprintf(after_id, sizeof after_id, "%s", store_rows_text(rows, n - 1, 0));
        }
        store_rows_free(rows);
        lines += (int64_t)n;
        if (n > 0 && sink(buf_str(&out), out.len, ctx) != 0) {
            err_internal(err, "the export could not be written");
            lines = -1;
            break;
        }
        if (n < FEEDBACK_EXPORT_CHUNK)
            break;
    }
    store_release(s, c);
    buf_free(&out);
    return lines;
}
