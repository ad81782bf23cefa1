/* retention.c - the batched purge of old traces (see retention.h).
 *
 * A batch picks the oldest `batch` trace ids before the cutoff (the traces_start index) and
 * deletes their scores, spans and trace rows by id in one transaction. Then spans before the
 * cutoff that have no trace row left are deleted in batches too (the spans_start index of
 * migration 11). */
#include "traces/retention.h"

#include <pthread.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "base/metrics.h"

#define BATCH_DEFAULT 1000
#define BATCH_MAX     100000

static metric_t *m_traces, *m_spans, *m_scores;
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

static void metrics_create(void)
{
    m_traces =
        metrics_counter("llmops_traces_purged_total", "", "traces deleted by the retention purge");
    m_spans =
        metrics_counter("llmops_spans_purged_total", "", "spans deleted by the retention purge");
    m_scores =
        metrics_counter("llmops_scores_purged_total", "", "scores deleted by the retention purge");
}

int64_t retention_cutoff_ms(int64_t now_ms, int64_t days)
{
    return now_ms - days * 86400000LL;
}

/* "DELETE FROM <table> WHERE trace_id IN (?, ?, ...)" for n ids. */
static int64_t delete_ids(store_conn_t *c, const char *table, const store_value_t *ids, size_t n,
                          err_t *err)
{
    buf_t sql;
    buf_init(&sql);
    buf_printf(&sql, "DELETE FROM %s WHERE trace_id IN (", table);
    for (size_t i = 0; i < n; i++)
        buf_append_str(&sql, i ? ", ?" : "?");
    buf_append_str(&sql, ")");
    int64_t rc = store_exec(c, buf_str(&sql), ids, n, err);
    buf_free(&sql);
    return rc;
}

/* One batch of old traces. Returns traces deleted (0: none left), or -1 with err. */
static int64_t purge_batch(store_conn_t *c, int64_t cutoff_ms, int batch, retention_result_t *out,
                           err_t *err)
{
    if (store_begin(c, err) != 0)
        return -1;
    store_value_t p[] = {sv_int(cutoff_ms), sv_int(batch)};
    store_rows_t *rows = store_query(
        c, "SELECT trace_id FROM traces WHERE start_ms < ? ORDER BY start_ms LIMIT ?", p, 2, err);
    if (!rows) {
        store_rollback(c);
        return -1;
    }
    size_t n = store_rows_count(rows);
    if (n == 0) {
        store_rows_free(rows);
        store_rollback(c);
        return 0;
    }
    store_value_t *ids = xcalloc(n, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = sv_text(store_rows_text(rows, i, 0));
    int64_t scores = delete_ids(c, "scores", ids, n, err);
    int64_t spans = scores >= 0 ? delete_ids(c, "spans", ids, n, err) : -1;
    int64_t traces = spans >= 0 ? delete_ids(c, "traces", ids, n, err) : -1;
    free(ids);
    store_rows_free(rows);
    if (store_finish(c, traces >= 0, err) != 0)
        return -1;
    out->traces += traces;
    out->spans += spans;
    out->scores += scores;
    out->batches++;
    metrics_add(m_traces, traces);
    metrics_add(m_spans, spans);
    metrics_add(m_scores, scores);
    return traces;
}

/* One batch of spans before the cutoff whose trace row is gone. */
static int64_t purge_orphans(store_conn_t *c, int64_t cutoff_ms, int batch, retention_result_t *out,
                             err_t *err)
{
    store_value_t p[] = {sv_int(cutoff_ms), sv_int(batch)};
    int64_t n = store_exec(c,
                           "DELETE FROM spans WHERE (trace_id, span_id) IN (SELECT s.trace_id, "
                           "s.span_id FROM spans s WHERE s.start_ms < ? AND NOT EXISTS "
                           "(SELECT 1 FROM traces t WHERE t.trace_id = s.trace_id) LIMIT ?)",
                           p, 2, err);
    if (n > 0) {
        out->spans += n;
        out->batches++;
        metrics_add(m_spans, n);
    }
    return n;
}

int traces_purge(store_t *s, int64_t cutoff_ms, int batch, retention_result_t *out, err_t *err)
{
    pthread_once(&metrics_once, metrics_create);
    retention_result_t none;
    if (!out)
        out = &none;
    *out = (retention_result_t){0};
    if (batch <= 0)
        batch = BATCH_DEFAULT;
    if (batch > BATCH_MAX)
        batch = BATCH_MAX;
    int rc = 0;
    store_conn_t *c = store_acquire(s);
    /* Each batch takes the connection only for its own transaction; between batches the write
     * lock is free for everyone else. */
    for (;;) {
        int64_t n = purge_batch(c, cutoff_ms, batch, out, err);
        if (n < 0)
            rc = -1;
        if (n < batch)
            break;
    }
    for (; rc == 0;) {
        int64_t n = purge_orphans(c, cutoff_ms, batch, out, err);
        if (n < 0)
            rc = -1;
        if (n < batch)
            break;
    }
    store_release(s, c);
    if (out->traces || out->spans || out->scores)
        log_json(LOG_INFO, "retention purge",
                 json_pack("{s:I, s:I, s:I, s:I, s:I}", "cutoff_ms", (json_int_t)cutoff_ms,
                           "traces", (json_int_t)out->traces, "spans", (json_int_t)out->spans,
                           "scores", (json_int_t)out->scores, "batches", (json_int_t)out->batches));
    return rc;
}
