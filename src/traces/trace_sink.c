/* trace_sink.c - the bounded queue, the writer thread and the spool behind trace_sink.h.
 *
 * The queue is an array of record pointers under a mutex: submit appends one pointer (no
 * allocation, no I/O, a condvar signal only when a batch is full), and the writer takes the
 * whole array at once by swapping it with a spare one, so the lock is held for a few
 * instructions either side. A lock-free ring would save little at these rates and be harder
 * to read.
 *
 * The writer, every flush_ms (or sooner when a batch fills or someone flushes):
 *   1. takes the queue and appends each record to the current spool segment, then fsyncs;
 *   2. writes what the spool holds to the store, oldest first: closed segments (read back from
 *      disk: left by an earlier process, or rotated out during an outage), then the records of
 *      the current segment, which it still holds in memory; batch_max per transaction;
 *   3. when everything is in the store, empties the current segment and deletes closed ones.
 * While the store fails, records stay in the spool; the writer retries with a doubling backoff
 * (flush_ms up to 5 s) and keeps spooling new records meanwhile. When the current segment
 * holds SEGMENT_MAX_RECORDS, it is closed and its records are dropped from memory (they are on
 * disk), so a long outage costs disk, not memory. */
#include "traces/trace_sink.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/metrics.h"
#include "traces/spool.h"
#include "traces/trace_store.h"

#define SEGMENT_MAX_RECORDS 20000
#define BACKOFF_MAX_MS      5000
#define STOP_STORE_WAIT_MS  3000 /* at stop, how long the store may take to answer */

typedef struct closed_segment {
    uint64_t seq;
    size_t records; /* good records in it (counted when it was closed or found) */
    size_t done;    /* of those, already in the store */
} closed_segment_t;

struct trace_sink {
    store_t *store;
    char *dir;
    int queue_max, flush_ms, batch_max;
    pthread_t thread;

    /* Shared with submitters and flushers, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* the writer waits on it */
    pthread_cond_t progress; /* flushers wait on it */
    json_t **queue, **spare;
    size_t nqueue;
    int stopping, flush_requested;
    int64_t accepted; /* records queued so far */
    int64_t spooled;  /* of those, taken by the writer and appended to the spool */
    trace_sink_stats_t stats;

    /* The writer's own. */
    spool_writer_t *cur;
    json_t **mem; /* the current segment's records, in order */
    size_t nmem, mem_cap, mem_done;
    closed_segment_t *closed;
    size_t nclosed;
    uint64_t next_seq;
    int64_t backoff_ms, next_try_us;

    metric_t *m_submitted, *m_written, *m_dropped, *m_pending, *m_errors, *m_skipped, *m_invalid;
};

/* ---- the queue (any thread) -------------------------------------------------------------------
 */

int trace_sink_submit(trace_sink_t *sink, json_t *record)
{
    if (!record)
        return -1;
    if (!sink) { /* tracing is off (in-process CLI) */
        json_decref(record);
        return -1;
    }
    pthread_mutex_lock(&sink->mu);
    sink->stats.submitted++;
    if (sink->nqueue >= (size_t)sink->queue_max || sink->stopping) {
        sink->stats.dropped++;
        pthread_mutex_unlock(&sink->mu);
        metrics_add(sink->m_submitted, 1);
        metrics_add(sink->m_dropped, 1);
        json_decref(record);
        return -1;
    }
    sink->queue[sink->nqueue++] = record;
    sink->accepted++;
    if (sink->nqueue == (size_t)sink->batch_max)
        pthread_cond_signal(&sink->wake);
    pthread_mutex_unlock(&sink->mu);
    metrics_add(sink->m_submitted, 1);
    return 0;
}

void trace_sink_stats(trace_sink_t *sink, trace_sink_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!sink)
        return;
    pthread_mutex_lock(&sink->mu);
    *out = sink->stats;
    out->queued = (int64_t)sink->nqueue;
    pthread_mutex_unlock(&sink->mu);
}

static struct timespec deadline_in(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

int trace_sink_flush(trace_sink_t *sink, int timeout_ms)
{
    if (!sink)
        return 0;
    struct timespec until = deadline_in(timeout_ms);
    pthread_mutex_lock(&sink->mu);
    int64_t target = sink->accepted;
    int rc = 0;
    /* One immediate cycle (and store attempt, backoff or not); after that the writer's own
     * schedule decides, so that a flush during an outage does not hammer the store. */
    sink->flush_requested = 1;
    pthread_cond_signal(&sink->wake);
    while (!(sink->spooled >= target && sink->stats.spooled_pending == 0)) {
        if (pthread_cond_timedwait(&sink->progress, &sink->mu, &until) == ETIMEDOUT) {
            rc = sink->spooled >= target && sink->stats.spooled_pending == 0 ? 0 : -1;
            break;
        }
    }
    pthread_mutex_unlock(&sink->mu);
    return rc;
}

/* ---- the writer: spooling ---------------------------------------------------------------------
 */

/* Publish what the writer's state says is pending (under mu). */
static void publish_pending(trace_sink_t *sink)
{
    int64_t pending = (int64_t)(sink->nmem - sink->mem_done);
    for (size_t i = 0; i < sink->nclosed; i++)
        pending += (int64_t)(sink->closed[i].records - sink->closed[i].done);
    metrics_add(sink->m_pending, pending - sink->stats.spooled_pending);
    sink->stats.spooled_pending = pending;
}

static void add_closed(trace_sink_t *sink, uint64_t seq, size_t records)
{
    sink->closed = xrealloc(sink->closed, (sink->nclosed + 1) * sizeof *sink->closed);
    sink->closed[sink->nclosed++] = (closed_segment_t){seq, records, 0};
}

static void mem_clear(trace_sink_t *sink)
{
    for (size_t i = 0; i < sink->nmem; i++)
        json_decref(sink->mem[i]);
    sink->nmem = sink->mem_done = 0;
}

/* Close the current segment; its records remain on disk only, as a closed segment. */
static void rotate(trace_sink_t *sink)
{
    add_closed(sink, spool_writer_seq(sink->cur), sink->nmem);
    sink->closed[sink->nclosed - 1].done = sink->mem_done;
    spool_writer_close(sink->cur);
    sink->cur = NULL;
    mem_clear(sink);
}

/* Append taken records to the spool (the records move into mem) and fsync. */
static void spool_records(trace_sink_t *sink, json_t **records, size_t n)
{
    err_t err;
    for (size_t i = 0; i < n; i++) {
        if (!sink->cur) {
            sink->cur = spool_writer_open(sink->dir, sink->next_seq, &err);
            if (!sink->cur) {
                /* No spool (disk full, permissions): the records stay in memory and go to the
                 * store directly; the next append tries to open a segment again. */
                log_json(LOG_ERROR, "trace spool unavailable",
                         json_pack("{s:s}", "error", err.message));
            } else {
                sink->next_seq++;
            }
        }
        char *text = json_to_string(records[i]);
        if (sink->cur)
            spool_writer_append(sink->cur, text, strlen(text));
        free(text);
        if (sink->nmem == sink->mem_cap) {
            sink->mem_cap = sink->mem_cap ? sink->mem_cap * 2 : 1024;
            sink->mem = xrealloc(sink->mem, sink->mem_cap * sizeof *sink->mem);
        }
        sink->mem[sink->nmem++] = records[i];
    }
    if (sink->cur && spool_writer_sync(sink->cur, &err) != 0)
        log_json(LOG_ERROR, "trace spool write failed", json_pack("{s:s}", "error", err.message));
}

/* ---- the writer: the store --------------------------------------------------------------------
 */

/* Insert records[0..n) in batches; *done advances past each batch that committed. */
static int store_records(trace_sink_t *sink, json_t *const *records, size_t n, size_t *done)
{
    while (*done < n) {
        size_t count = n - *done < (size_t)sink->batch_max ? n - *done : (size_t)sink->batch_max;
        trace_insert_result_t result;
        err_t err;
        if (trace_store_insert(sink->store, records + *done, count, &result, &err) != 0) {
            /* Said once per outage at warn level; the retries that follow at debug. */
            log_json(sink->backoff_ms ? LOG_DEBUG : LOG_WARN,
                     "trace store write failed; records stay in the spool",
                     json_pack("{s:s}", "error", err.message));
            return -1;
        }
        if (result.invalid > 0) {
            metrics_add(sink->m_invalid, (int64_t)result.invalid);
            log_json(LOG_WARN, "trace records rejected as invalid",
                     json_pack("{s:I}", "count", (json_int_t)result.invalid));
        }
        int64_t stored = (int64_t)(result.inserted + result.duplicates);
        metrics_add(sink->m_written, stored);
        pthread_mutex_lock(&sink->mu);
        sink->stats.written += stored;
        *done += count;
        publish_pending(sink);
        pthread_mutex_unlock(&sink->mu);
    }
    return 0;
}

typedef struct collect {
    json_t **items;
    size_t n, cap;
} collect_t;

static int collect_record(json_t *record, void *ctx)
{
    collect_t *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->items = xrealloc(c->items, c->cap * sizeof *c->items);
    }
    c->items[c->n++] = json_incref(record);
    return 0;
}

/* Write the oldest closed segment to the store and delete it. */
static int drain_closed(trace_sink_t *sink)
{
    closed_segment_t *seg = &sink->closed[0];
    collect_t got = {0};
    spool_scan_t scan;
    err_t err;
    int rc = 0;
    if (spool_read(sink->dir, seg->seq, collect_record, &got, &scan, &err) != 0) {
        log_json(LOG_ERROR, "cannot read trace spool segment; it is kept",
                 json_pack("{s:s}", "error", err.message));
        rc = -1;
    } else {
        /* A segment counted at start and read now holds the same records; damage is counted
         * here, once, when the segment is finally written and deleted. */
        pthread_mutex_lock(&sink->mu);
        seg->records = got.n;
        publish_pending(sink);
        pthread_mutex_unlock(&sink->mu);
        rc = store_records(sink, got.items, got.n, &seg->done);
        if (rc == 0) {
            if (scan.skipped > 0) {
                metrics_add(sink->m_skipped, (int64_t)scan.skipped);
                log_json(LOG_WARN, "trace spool: damaged records skipped",
                         json_pack("{s:I, s:I, s:b}", "segment", (json_int_t)seg->seq, "skipped",
                                   (json_int_t)scan.skipped, "torn_tail", scan.torn_tail));
            }
            if (spool_remove(sink->dir, seg->seq, &err) != 0)
                log_json(LOG_ERROR, "cannot remove trace spool segment",
                         json_pack("{s:s}", "error", err.message));
            pthread_mutex_lock(&sink->mu);
            memmove(sink->closed, sink->closed + 1, (sink->nclosed - 1) * sizeof *sink->closed);
            sink->nclosed--;
            publish_pending(sink);
            pthread_mutex_unlock(&sink->mu);
        }
    }
    for (size_t i = 0; i < got.n; i++)
        json_decref(got.items[i]);
    free(got.items);
    return rc;
}

/* Everything the spool holds into the store. 0 when all of it is there. */
static int store_pending(trace_sink_t *sink)
{
    while (sink->nclosed > 0)
        if (drain_closed(sink) != 0)
            return -1;
    if (sink->mem_done < sink->nmem &&
        store_records(sink, sink->mem, sink->nmem, &sink->mem_done) != 0)
        return -1;
    if (sink->nmem > 0) { /* all in the store: the segment starts over */
        err_t err;
        if (sink->cur && spool_writer_reset(sink->cur, &err) != 0) {
            log_json(LOG_ERROR, "trace spool reset failed; starting a new segment",
                     json_pack("{s:s}", "error", err.message));
            rotate(sink); /* its records are stored: replaying it is harmless */
        }
        pthread_mutex_lock(&sink->mu);
        mem_clear(sink);
        publish_pending(sink);
        pthread_mutex_unlock(&sink->mu);
    }
    return 0;
}

/* One store attempt, unless backing off (force ignores the backoff). */
static void store_cycle(trace_sink_t *sink, int force)
{
    if (!force && clock_mono_us() < sink->next_try_us)
        return;
    if (sink->nclosed == 0 && sink->mem_done == sink->nmem)
        return;
    if (store_pending(sink) == 0) {
        if (sink->backoff_ms)
            log_json(LOG_INFO, "trace store answers again; spooled records written", NULL);
        sink->backoff_ms = 0;
        sink->next_try_us = 0;
        return;
    }
    metrics_add(sink->m_errors, 1);
    pthread_mutex_lock(&sink->mu);
    sink->stats.store_errors++;
    pthread_mutex_unlock(&sink->mu);
    sink->backoff_ms = sink->backoff_ms ? sink->backoff_ms * 2 : sink->flush_ms;
    if (sink->backoff_ms > BACKOFF_MAX_MS)
        sink->backoff_ms = BACKOFF_MAX_MS;
    sink->next_try_us = clock_mono_us() + sink->backoff_ms * 1000;
}

static void *writer_main(void *arg)
{
    trace_sink_t *sink = arg;
    int64_t stop_deadline_us = 0;
    pthread_mutex_lock(&sink->mu);
    for (;;) {
        struct timespec until = deadline_in(sink->flush_ms);
        while (!sink->stopping && !sink->flush_requested &&
               sink->nqueue < (size_t)sink->batch_max &&
               pthread_cond_timedwait(&sink->wake, &sink->mu, &until) != ETIMEDOUT) {
        }
        json_t **taken = sink->queue;
        size_t ntaken = sink->nqueue;
        sink->queue = sink->spare;
        sink->spare = taken;
        sink->nqueue = 0;
        int stopping = sink->stopping, forced = sink->flush_requested;
        sink->flush_requested = 0;
        pthread_mutex_unlock(&sink->mu);

        if (ntaken > 0)
            spool_records(sink, taken, ntaken);
        pthread_mutex_lock(&sink->mu);
        sink->spooled += (int64_t)ntaken;
        publish_pending(sink);
        pthread_mutex_unlock(&sink->mu);

        if (stopping && !stop_deadline_us)
            stop_deadline_us = clock_mono_us() + STOP_STORE_WAIT_MS * 1000LL;
        store_cycle(sink, forced || (stopping && clock_mono_us() >= sink->next_try_us));
        if (sink->cur && sink->nmem >= SEGMENT_MAX_RECORDS) {
            pthread_mutex_lock(&sink->mu);
            rotate(sink);
            publish_pending(sink);
            pthread_mutex_unlock(&sink->mu);
        }

        pthread_mutex_lock(&sink->mu);
        pthread_cond_broadcast(&sink->progress);
        if (stopping && sink->nqueue == 0 &&
            (sink->stats.spooled_pending == 0 || clock_mono_us() >= stop_deadline_us))
            break;
        if (stopping) { /* wait a little before the next try, without spinning */
            pthread_mutex_unlock(&sink->mu);
            clock_sleep_ms(sink->backoff_ms > 0 && sink->backoff_ms < 200 ? sink->backoff_ms : 50);
            pthread_mutex_lock(&sink->mu);
        }
    }
    pthread_mutex_unlock(&sink->mu);
    return NULL;
}

/* ---- start and stop ---------------------------------------------------------------------------
 */

trace_sink_t *trace_sink_start(store_t *store, const trace_sink_opts_t *opts, err_t *err)
{
    if (!store || !opts || !opts->spool_dir || !opts->spool_dir[0]) {
        err_invalid(err, "trace-spool-dir", "the trace sink needs a store and a spool directory");
        return NULL;
    }
    if (spool_dir_create(opts->spool_dir, err) != 0)
        return NULL;
    uint64_t *seqs = NULL;
    size_t nseqs = 0;
    if (spool_list(opts->spool_dir, &seqs, &nseqs, err) != 0)
        return NULL;

    trace_sink_t *sink = xcalloc(1, sizeof *sink);
    sink->store = store;
    sink->dir = xstrdup(opts->spool_dir);
    sink->queue_max = opts->queue_max > 0 ? opts->queue_max : 65536;
    sink->flush_ms = opts->flush_ms > 0 ? opts->flush_ms : 100;
    sink->batch_max = opts->batch_max > 0 ? opts->batch_max : 500;
    sink->queue = xcalloc((size_t)sink->queue_max, sizeof *sink->queue);
    sink->spare = xcalloc((size_t)sink->queue_max, sizeof *sink->spare);
    sink->m_submitted = metrics_counter("llmops_traces_submitted_total", "",
                                        "Trace records handed to the trace sink");
    sink->m_written =
        metrics_counter("llmops_traces_written_total", "", "Trace records written to the store");
    sink->m_dropped = metrics_counter("llmops_traces_dropped_total", "",
                                      "Trace records dropped because the queue was full");
    sink->m_pending = metrics_gauge("llmops_traces_spool_pending", "",
                                    "Trace records in the spool, not yet in the store");
    sink->m_errors = metrics_counter("llmops_traces_store_errors_total", "",
                                     "Failed attempts to write spooled traces to the store");
    sink->m_skipped = metrics_counter("llmops_traces_spool_skipped_total", "",
                                      "Damaged or torn spool records skipped at replay");
    sink->m_invalid = metrics_counter("llmops_traces_invalid_total", "",
                                      "Trace records the store refused as malformed");

    /* Segments left by an earlier process are replayed first, oldest first. Counting their
     * records now makes spooled_pending right from the start. */
    for (size_t i = 0; i < nseqs; i++) {
        spool_scan_t scan;
        err_t why;
        if (spool_read(sink->dir, seqs[i], NULL, NULL, &scan, &why) != 0) {
            log_json(LOG_ERROR, "unreadable trace spool segment left alone",
                     json_pack("{s:s}", "error", why.message));
            continue;
        }
        add_closed(sink, seqs[i], scan.records);
    }
    sink->next_seq = nseqs > 0 ? seqs[nseqs - 1] + 1 : 1;
    free(seqs);
    publish_pending(sink);
    if (sink->nclosed > 0)
        log_json(LOG_INFO, "replaying trace spool",
                 json_pack("{s:I, s:I}", "segments", (json_int_t)sink->nclosed, "records",
                           (json_int_t)sink->stats.spooled_pending));

    pthread_mutex_init(&sink->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&sink->wake, &attr);
    pthread_cond_init(&sink->progress, &attr);
    pthread_condattr_destroy(&attr);
    /* The writer blocks every signal (a thread inherits its creator's mask): SIGTERM and
     * SIGINT must reach the thread that handles them (server_run), not kill the process by
     * landing here. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int created = pthread_create(&sink->thread, NULL, writer_main, sink);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (created != 0) {
        err_internal(err, "cannot start the trace writer thread");
        pthread_cond_destroy(&sink->wake);
        pthread_cond_destroy(&sink->progress);
        pthread_mutex_destroy(&sink->mu);
        metrics_add(sink->m_pending, -sink->stats.spooled_pending);
        free(sink->closed);
        free(sink->queue);
        free(sink->spare);
        free(sink->dir);
        free(sink);
        return NULL;
    }
    return sink;
}

void trace_sink_stop(trace_sink_t *sink)
{
    if (!sink)
        return;
    pthread_mutex_lock(&sink->mu);
    sink->stopping = 1;
    pthread_cond_signal(&sink->wake);
    pthread_mutex_unlock(&sink->mu);
    pthread_join(sink->thread, NULL);

    if (sink->stats.spooled_pending > 0)
        log_json(LOG_WARN, "trace store did not take every record; they wait in the spool",
                 json_pack("{s:I, s:s}", "records", (json_int_t)sink->stats.spooled_pending,
                           "spool", sink->dir));
    /* What is pending stays on disk for the next start; the gauge is this sink's to undo. */
    metrics_add(sink->m_pending, -sink->stats.spooled_pending);
    if (sink->cur) {
        uint64_t seq = spool_writer_seq(sink->cur);
        int empty = sink->nmem == sink->mem_done;
        spool_writer_close(sink->cur);
        err_t err;
        if (empty) /* everything in it is in the store: no need to replay it */
            spool_remove(sink->dir, seq, &err);
    }
    mem_clear(sink);
    free(sink->mem);
    free(sink->closed);
    for (size_t i = 0; i < sink->nqueue; i++)
        json_decref(sink->queue[i]);
    free(sink->queue);
    free(sink->spare);
    pthread_cond_destroy(&sink->wake);
    pthread_cond_destroy(&sink->progress);
    pthread_mutex_destroy(&sink->mu);
    free(sink->dir);
    free(sink);
}
