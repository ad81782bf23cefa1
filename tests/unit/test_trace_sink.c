/* test_trace_sink.c - unit tests for traces/trace_sink.h and the spool format (traces/spool.h)
 * against a real, freshly migrated store:
 *   - submit N, flush: every record in the store with its fields; stats and spool empty after;
 *   - idempotent replay: a segment holding records already stored changes nothing, key usage
 *     included;
 *   - crash replay: segments written as a killed process leaves them (the last with a torn
 *     tail) are written to the store by the next sink; the torn record is skipped and counted;
 *   - queue full: records beyond queue_max are refused, counted as dropped, the rest arrive;
 *   - store unavailable: records stay in the spool (also across a stop and a new start) and
 *     arrive when the store is back. On SQLite the outage is the traces table renamed away
 *     (every write fails at once; an exclusive lock would make each try wait out the 5 s busy
 *     timeout); on PostgreSQL the database refuses connections (ALLOW_CONNECTIONS false, its
 *     sessions terminated), a real "server unreachable";
 *   - the spool reader: good, damaged and torn lines, bad header.
 * Every store test runs on SQLite and, when test_pg_url() is set, on PostgreSQL. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"
#include "unit/trace_testutil.h"

#include <dirent.h>
#include <fcntl.h>

#include "base/metrics.h"
#include "traces/spool.h"
#include "traces/trace_sink.h"
#include "traces/trace_query.h"
#include "traces/trace_store.h"

#define BASE_MS 1710000000000LL

typedef struct fixture {
    test_store_t *db; /* the group's store */
    char *spool;      /* this test's spool directory */
} fixture_t;

static int group_setup(void **state, store_kind_t kind)
{
    fixture_t *f = calloc(1, sizeof *f);
    void *inner = NULL;
    test_store_setup(&inner, kind);
    f->db = inner;
    *state = f;
    return 0;
}
static int group_setup_sqlite(void **state)
{
    return group_setup(state, STORE_SQLITE);
}
static int group_setup_pg(void **state)
{
    return group_setup(state, STORE_POSTGRES);
}
static int group_teardown(void **state)
{
    fixture_t *f = *state;
    void *inner = f->db;
    test_store_teardown(&inner);
    free(f);
    return 0;
}

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->db->store, "DELETE FROM traces");
    test_store_exec(f->db->store, "DELETE FROM spans");
    test_store_exec(f->db->store, "DELETE FROM gateway_key_usage");
    f->spool = test_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    test_rmtree(f->spool);
    f->spool = NULL;
    return 0;
}

static trace_sink_t *start(fixture_t *f, int queue_max, int flush_ms, int batch_max)
{
    trace_sink_opts_t opts = {.spool_dir = f->spool,
                              .queue_max = queue_max,
                              .flush_ms = flush_ms,
                              .batch_max = batch_max};
    err_t err;
    trace_sink_t *sink = trace_sink_start(f->db->store, &opts, &err);
    if (!sink)
        fail_msg("trace_sink_start: %s", err.message);
    return sink;
}

static int64_t count_traces(fixture_t *f)
{
    return test_store_count(f->db->store, "SELECT COUNT(*) FROM traces");
}

/* Segment files in the spool directory. */
static size_t segments(fixture_t *f)
{
    uint64_t *seqs;
    size_t n;
    err_t err;
    assert_int_equal(spool_list(f->spool, &seqs, &n, &err), 0);
    free(seqs);
    return n;
}

static int64_t metric(const char *name)
{
    return metrics_value(metrics_counter(name, "", "test"));
}

/* Write records [from, to) of salt into segment seq as a killed process would leave it. */
static void write_segment(fixture_t *f, uint64_t seq, int salt, int from, int to)
{
    err_t err;
    spool_writer_t *w = spool_writer_open(f->spool, seq, &err);
    if (!w)
        fail_msg("spool_writer_open: %s", err.message);
    for (int i = from; i < to; i++) {
        json_t *rec = test_trace_record(salt, i, BASE_MS);
        char *text = json_dumps(rec, JSON_COMPACT);
        spool_writer_append(w, text, strlen(text));
        free(text);
        json_decref(rec);
    }
    assert_int_equal(spool_writer_sync(w, &err), 0);
    spool_writer_close(w);
}

/* ---- tests ------------------------------------------------------------------------------------
 */

static void test_submit_flush(void **state)
{
    fixture_t *f = *state;
    int64_t written0 = metric("llmops_traces_written_total");
    trace_sink_t *sink = start(f, 65536, 20, 100);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(trace_sink_submit(sink, test_trace_record(10, i, BASE_MS)), 0);
    assert_int_equal(trace_sink_flush(sink, 20000), 0);
    assert_int_equal(count_traces(f), 1000);
    assert_int_equal(test_store_count(f->db->store, "SELECT COUNT(*) FROM spans"), 1000);
    trace_sink_stats_t st;
    trace_sink_stats(sink, &st);
    assert_int_equal(st.submitted, 1000);
    assert_int_equal(st.written, 1000);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(st.spooled_pending, 0);
    assert_true(metric("llmops_traces_written_total") - written0 >= 1000);

    char id[33];
    test_trace_id(10, 7, id);
    err_t err;
    json_t *t = traces_get(f->db->store, id, &err);
    assert_non_null(t);
    assert_string_equal(json_string_value(json_object_get(t, "endpoint")), "ep1");
    assert_string_equal(json_string_value(json_object_get(t, "model")), "gpt-1");
    assert_int_equal(json_integer_value(json_object_get(t, "input_tokens")), 17);
    assert_string_equal(json_string_value(json_object_get(t, "output")), "hello");
    json_decref(t);
    json_t *usage = traces_key_usage(f->db->store, &err);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(usage, "key-1"), "requests")), 500);
    json_decref(usage);

    /* More after a flush go through the same (reset) segment. */
    for (int i = 1000; i < 1010; i++)
        assert_int_equal(trace_sink_submit(sink, test_trace_record(10, i, BASE_MS)), 0);
    trace_sink_stop(sink);
    assert_int_equal(count_traces(f), 1010);
    assert_int_equal(segments(f), 0); /* stop removes a segment whose records are stored */
}

static void test_replay_is_idempotent(void **state)
{
    fixture_t *f = *state;
    trace_sink_t *sink = start(f, 1024, 20, 100);
    for (int i = 0; i < 20; i++)
        trace_sink_submit(sink, test_trace_record(11, i, BASE_MS));
    assert_int_equal(trace_sink_flush(sink, 20000), 0);
    trace_sink_stop(sink);
    /* A crash between the store commit and the spool reset leaves the records spooled. */
    write_segment(f, 5, 11, 0, 20);
    sink = start(f, 1024, 20, 100);
    assert_int_equal(trace_sink_flush(sink, 20000), 0);
    trace_sink_stats_t st;
    trace_sink_stats(sink, &st);
    assert_int_equal(st.written, 20); /* stored (as duplicates) */
    trace_sink_stop(sink);
    assert_int_equal(count_traces(f), 20);
    assert_int_equal(test_store_count(f->db->store, "SELECT SUM(requests) FROM gateway_key_usage"),
                     20);
    assert_int_equal(segments(f), 0);
}

static void test_crash_replay_with_torn_tail(void **state)
{
    fixture_t *f = *state;
    write_segment(f, 3, 12, 0, 30);
    write_segment(f, 4, 12, 30, 45);
    /* The last record of segment 4 cut short by kill -9. */
    json_t *rec = test_trace_record(12, 45, BASE_MS);
    char *text = json_dumps(rec, JSON_COMPACT), *line;
    size_t len;
    spool_format_record(text, strlen(text), &line, &len);
    char path[1100];
    spool_segment_path(f->spool, 4, path, sizeof path);
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, line, len / 2), (ssize_t)(len / 2));
    close(fd);
    free(line);
    free(text);
    json_decref(rec);

    int64_t skipped0 = metric("llmops_traces_spool_skipped_total");
    trace_sink_t *sink = start(f, 1024, 20, 7);
    assert_int_equal(trace_sink_flush(sink, 20000), 0);
    assert_int_equal(count_traces(f), 45);
    assert_int_equal(metric("llmops_traces_spool_skipped_total") - skipped0, 1);
    /* New records after the replay go into a segment numbered after the old ones. */
    trace_sink_submit(sink, test_trace_record(12, 100, BASE_MS));
    assert_int_equal(trace_sink_flush(sink, 20000), 0);
    trace_sink_stop(sink);
    assert_int_equal(count_traces(f), 46);
    assert_int_equal(segments(f), 0);
}

static void test_queue_full_drops(void **state)
{
    fixture_t *f = *state;
    int64_t dropped0 = metric("llmops_traces_dropped_total");
    /* The writer only wakes every minute or when a batch (100) fills: the queue of 4 fills. */
    trace_sink_t *sink = start(f, 4, 60000, 100);
    int accepted = 0;
    for (int i = 0; i < 10; i++)
        accepted += trace_sink_submit(sink, test_trace_record(13, i, BASE_MS)) == 0;
    assert_int_equal(accepted, 4);
    trace_sink_stats_t st;
    trace_sink_stats(sink, &st);
    assert_int_equal(st.submitted, 10);
    assert_int_equal(st.dropped, 6);
    assert_int_equal(metric("llmops_traces_dropped_total") - dropped0, 6);
    assert_int_equal(trace_sink_flush(sink, 20000), 0);
    assert_int_equal(count_traces(f), 4);
    trace_sink_stop(sink);
    assert_int_equal(trace_sink_submit(NULL, test_trace_record(13, 99, BASE_MS)), -1);
}

/* Make the store fail every write, or answer again. */
static void store_outage(fixture_t *f, int down)
{
    if (f->db->db.kind == STORE_SQLITE) {
        test_store_exec(f->db->store, down ? "ALTER TABLE traces RENAME TO traces_away"
                                           : "ALTER TABLE traces_away RENAME TO traces");
        return;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS %s", f->db->db.dbname,
             down ? "false" : "true");
    assert_int_equal(test_pg_admin(sql), 0);
    if (down) {
        snprintf(sql, sizeof sql,
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'",
                 f->db->db.dbname);
        assert_int_equal(test_pg_admin(sql), 0);
    }
}

static void test_store_down_keeps_spool(void **state)
{
    fixture_t *f = *state;
    trace_sink_t *sink = start(f, 1024, 10, 100);
    store_outage(f, 1);
    int64_t errors0 = metric("llmops_traces_store_errors_total");
    for (int i = 0; i < 50; i++)
        assert_int_equal(trace_sink_submit(sink, test_trace_record(14, i, BASE_MS)), 0);
    assert_int_equal(trace_sink_flush(sink, 300), -1); /* cannot reach the store */
    trace_sink_stats_t st;
    trace_sink_stats(sink, &st);
    assert_true(st.store_errors >= 1);
    assert_true(metric("llmops_traces_store_errors_total") > errors0);
    assert_int_equal(st.spooled_pending, 50);
    assert_int_equal(st.written, 0);
    assert_int_equal(segments(f), 1);
    /* Stopping while the store is down keeps everything in the spool ... */
    trace_sink_stop(sink);
    assert_int_equal(segments(f), 1);
    /* ... a new sink finds it, still cannot write, keeps it ... */
    sink = start(f, 1024, 10, 100);
    trace_sink_submit(sink, test_trace_record(14, 50, BASE_MS));
    assert_int_equal(trace_sink_flush(sink, 200), -1);
    trace_sink_stats(sink, &st);
    assert_int_equal(st.spooled_pending, 51);
    /* ... and writes it all once the store answers again. */
    store_outage(f, 0);
    assert_int_equal(trace_sink_flush(sink, 20000), 0);
    trace_sink_stats(sink, &st);
    assert_int_equal(st.spooled_pending, 0);
    assert_int_equal(st.written, 51);
    trace_sink_stop(sink);
    assert_int_equal(count_traces(f), 51);
    assert_int_equal(segments(f), 0);
}

/* ---- the spool format (no store) ----------------------------------------------------------------
 */

static int count_cb(json_t *record, void *ctx)
{
    assert_true(json_is_object(record));
    (*(int *)ctx)++;
    return 0;
}

static void test_spool_parse(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, SPOOL_MAGIC);
    const char *recs[] = {"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"};
    for (int i = 0; i < 3; i++) {
        char *line;
        size_t len;
        spool_format_record(recs[i], strlen(recs[i]), &line, &len);
        if (i == 1)
            line[len - 3] = '9'; /* damage record 2: checksum mismatch */
        buf_append(&b, line, len);
        free(line);
    }
    buf_append_str(&b, "garbage line\n");
    buf_append_str(&b, "00000000 2 []\n"); /* right shape, wrong checksum */
    int n = 0;
    spool_scan_t scan;
    assert_int_equal(spool_parse(b.data, b.len, count_cb, &n, &scan), 0);
    assert_int_equal(n, 2);
    assert_int_equal(scan.records, 2);
    assert_int_equal(scan.skipped, 3);
    assert_int_equal(scan.torn_tail, 0);
    /* A tail cut anywhere inside the last record. */
    buf_append_str(&b, "1234abcd 40 {\"x\":");
    n = 0;
    spool_parse(b.data, b.len, count_cb, &n, &scan);
    assert_int_equal(n, 2);
    assert_int_equal(scan.torn_tail, 1);
    assert_int_equal(scan.skipped, 4);
    /* Header only, a torn header, a foreign file. */
    spool_parse(SPOOL_MAGIC, strlen(SPOOL_MAGIC), count_cb, &n, &scan);
    assert_int_equal(scan.records + scan.skipped + (size_t)scan.torn_tail, 0);
    spool_parse("llmops-sp", 9, count_cb, &n, &scan);
    assert_int_equal(scan.torn_tail, 1);
    assert_int_equal(scan.bad_header, 0);
    spool_parse("PK\003\004zip", 7, count_cb, &n, &scan);
    assert_int_equal(scan.bad_header, 1);
    assert_int_equal(scan.records, 0);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_replay_with_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_full_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_down_keeps_spool, setup, teardown),
    };
    const struct CMUnitTest format_tests[] = {cmocka_unit_test(test_spool_parse)};
    size_t n = sizeof tests / sizeof tests[0];
    int failed = cmocka_run_group_tests_name("spool", format_tests, NULL, NULL);
    failed += _cmocka_run_group_tests("trace_sink", tests, n, group_setup_sqlite, group_teardown);
    if (test_pg_url())
        failed += _cmocka_run_group_tests("trace_sink", tests, n, group_setup_pg, group_teardown);
    return failed;
}
