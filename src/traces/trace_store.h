/* trace_store.h - traces in the store: writing batches of gateway trace records (the record
 * format is described in traces/trace_sink.h). Reading them back: traces/trace_query.h.
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

#define TRACE_ID_HEX 32
#define SPAN_ID_HEX  16

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

#endif
