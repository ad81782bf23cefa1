/* trace_sink.h - getting traces into the store without the request path waiting for it.
 *
 * The gateway hands each finished call's record to trace_sink_submit(), which only appends it
 * to a bounded in-memory queue. A writer thread takes what has queued, appends it to a durable
 * append-only spool file on disk (fsync), and then writes it into the store in batches (one
 * transaction per batch). Spool segments are deleted once their records are in the store.
 *
 * Guarantees:
 *   - SIGTERM (trace_sink_stop): everything queued reaches the spool, and the store if it is up.
 *   - kill -9: at most the records of the last flush interval (flush_ms, default 100 ms) that
 *     were still only in memory are lost; whatever reached the spool is written to the store at
 *     the next start (trace_sink_start replays leftover segments first).
 *   - The store down: records wait in the spool and are written when it answers again; the
 *     writer retries with backoff and the request path never notices.
 *   - The queue full (the writer cannot keep up): the record is dropped and counted in
 *     llmops_traces_dropped_total. Nothing else is ever dropped silently.
 *   - Inserts are idempotent on trace_id/span_id, so a replay after a crash between the store
 *     commit and the spool deletion does not duplicate anything.
 *
 * A record is one JSON object (stolen by submit) describing one trace with one span, the
 * gateway call. Fields (absent or null when not applicable):
 *   trace_id (32 hex), span_id (16 hex), name ("chat.completions" | "completions" |
 *   "embeddings"), start_ms, end_ms (epoch ms), latency_ms (real), ttft_ms (real, streams),
 *   status ("ok" | "error"), http_status, error (message), error_code,
 *   endpoint, target (index in the endpoint's targets), provider, upstream_model,
 *   model_name, model_version, model_alias (registered model, when the request named one),
 *   prompt_name, prompt_version, key_id, user, session_id,
 *   request (object: messages / prompt / input, and params), response (object: text,
 *   tool_calls), finish_reason, input_tokens, output_tokens, cost_usd (null = price unknown),
 *   retries (int), attempts (array of {target, status, error, latency_ms}), cache_hit (bool),
 *   stream (bool).
 * The traces service (traces/) defines how these are stored and queried. In the same
 * transaction as a batch's traces, the writer adds each record's cost_usd (when known) and
 * tokens to its key_id's running totals (table gateway_key_usage: key_id, spent_usd, requests,
 * input_tokens, output_tokens, updated_ms), which is what budgets are checked against after a
 * restart (traces_key_usage() in traces/trace_store.h reads it). */
#ifndef LLMOPS_TRACES_TRACE_SINK_H
#define LLMOPS_TRACES_TRACE_SINK_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

typedef struct trace_sink trace_sink_t;

typedef struct trace_sink_opts {
    const char *spool_dir; /* created if missing */
    int queue_max;         /* records held in memory at most (default 65536) */
    int flush_ms;          /* how often the writer syncs the spool and writes a batch (100) */
    int batch_max;         /* records per store transaction at most (500) */
} trace_sink_opts_t;

/* Start the writer; replays spool segments left by an earlier process. */
trace_sink_t *trace_sink_start(store_t *store, const trace_sink_opts_t *opts, err_t *err);
/* Flush everything queued to the spool and (if the store answers within a few seconds) to the
 * store, then stop the writer. Safe with NULL. */
void trace_sink_stop(trace_sink_t *sink);

/* Queue one record (stolen). Never blocks on I/O. Returns 0, or -1 when the queue was full and
 * the record was dropped (counted). */
int trace_sink_submit(trace_sink_t *sink, json_t *record);

/* Wait until everything submitted so far is in the store (tests, CLI); -1 after timeout_ms. */
int trace_sink_flush(trace_sink_t *sink, int timeout_ms);

typedef struct trace_sink_stats {
    int64_t submitted, written, dropped, spooled_pending, store_errors;
    int64_t queued; /* in the memory queue now, not yet taken by the writer */
} trace_sink_stats_t;
void trace_sink_stats(trace_sink_t *sink, trace_sink_stats_t *out);

#endif
