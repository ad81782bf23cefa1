/* trace_store.h - traces in the store: writing batches of gateway trace records (the record
 * format is described in traces/trace_sink.h) and the queries the API, the CLI and the gateway
 * read them back with.
 *
 * A record becomes one row of `traces` (the columns lists filter and show, plus the whole
 * record as JSON text in `data`) and one row of `spans` (the gateway call, with OpenTelemetry
 * gen_ai.* attributes and the upstream attempts as events). Inserts are idempotent: a trace or
 * span already stored is left alone, and only the traces a batch really inserted are added to
 * their key's totals in gateway_key_usage, so replaying a batch never counts twice. */
#ifndef LLMOPS_TRACES_TRACE_STORE_H
#define LLMOPS_TRACES_TRACE_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define TRACES_LIST_DEFAULT 100
#define TRACES_LIST_MAX     1000
#define TRACE_ID_HEX        32
#define SPAN_ID_HEX         16

typedef struct trace_insert_result {
    size_t inserted;   /* new traces */
    size_t duplicates; /* traces already stored (a replay) */
    size_t invalid;    /* records that can never be stored (no trace_id, ...): skipped */
} trace_insert_result_t;

/* Check that a record can be stored: trace_id of 32 hex digits, start_ms an integer, span_id
 * (when present) 16 hex digits, and typed fields of the right JSON type. 0, or -1 with err
 * (400 naming the field). */
int trace_record_check(const json_t *record, err_t *err);

/* Write records (borrowed) in one transaction: traces, spans and key totals. Invalid records
 * are skipped and counted in out (they cannot succeed on a retry either). Returns 0, or -1
 * with err when the store failed (nothing of the batch is written then). */
int trace_store_insert(store_t *s, json_t *const *records, size_t n, trace_insert_result_t *out,
                       err_t *err);

typedef struct trace_filter {
    const char *endpoint, *model, *status, *key_id, *user, *session_id; /* NULL: any */
    int64_t since_ms, until_ms; /* start_ms >= since_ms and < until_ms; 0: unbounded */
} trace_filter_t;

/* Traces matching the filter, newest first (start_ms, then trace_id, descending):
 * {"traces": [summary...], "next_page_token"?}. A summary has every column but input, output
 * and data. limit 0 means TRACES_LIST_DEFAULT; 1..TRACES_LIST_MAX. Errors: 400 naming "limit",
 * "page_token", "status" (ok or error), "since"/"until". Caller owns the result. */
json_t *traces_list(store_t *s, const trace_filter_t *filter, int limit, const char *page_token,
                    err_t *err);

/* One trace: its summary plus "input" and "output" (JSON when they hold JSON, else text),
 * "record" (the record as submitted) and "spans" (ordered by start). 400 naming "trace_id"
 * when it is not 32 hex digits, 404 when unknown. Caller owns the result. */
json_t *traces_get(store_t *s, const char *trace_id, err_t *err);

/* Every key's running totals: {key_id: {"spent_usd", "requests", "input_tokens",
 * "output_tokens", "updated_ms"}}. Caller owns the result. */
json_t *traces_key_usage(store_t *s, err_t *err);

#endif
