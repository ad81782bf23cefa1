/* langfuse_ingest.h - Langfuse's batch ingestion (POST /api/public/ingestion) mapped onto
 * llmops' spans, traces and scores, so applications instrumented with the Langfuse SDKs can send
 * here by changing their host.
 *
 * A batch is {"batch": [{"id", "type", "timestamp", "body"}...], "metadata"?}. Each event is
 * answered on its own (207 Multi-Status): a valid one is stored, an invalid one reported, and an
 * envelope id applied before is a success that changes nothing.
 *
 * Mapping (docs/langfuse.md has the full table):
 *   trace-create      -> trace-level fields (span_trace_fields_t); a Langfuse trace has no span
 *                        of its own and none is invented; release, tags, metadata and the
 *                        original id are kept in langfuse_traces.
 *   span-/generation-/event-create and -update, observation-create/-update
 *                     -> one span (generation = llm, event = event, span = span); an update
 *                        merges into the span its create wrote.
 *   score-create      -> scores_add (source api unless given).
 *   sdk-log           -> accepted and ignored.
 * Ids: a Langfuse id is any string. A trace id becomes 32 lowercase hex (a UUID without its
 * dashes, 32 hex digits as they are, anything else the first 32 hex digits of its SHA-256), an
 * observation id 16 hex (16 hex digits as they are, else the first 16 hex digits of its
 * SHA-256); the original ids stay in the span's attributes (langfuse.trace_id,
 * langfuse.observation_id). */
#ifndef LLMOPS_TRACES_LANGFUSE_INGEST_H
#define LLMOPS_TRACES_LANGFUSE_INGEST_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"
#include "traces/span_store.h"

/* Langfuse id -> llmops trace id (out: 32 lowercase hex + NUL). */
void langfuse_trace_id(const char *id, char out[TRACE_ID_HEX + 1]);
/* Langfuse observation id -> span id (out: 16 lowercase hex + NUL). */
void langfuse_observation_id(const char *id, char out[SPAN_ID_HEX + 1]);

/* An ISO 8601 date-time ("2024-05-01T10:00:00.123456Z", "...+02:00"; no zone means UTC) as
 * epoch nanoseconds. 0, or -1 when the text is not such a date-time. */
int langfuse_parse_time(const char *text, int64_t *ns);

/* Observation types (the `type` of an observation body). */
#define LANGFUSE_SPAN       "SPAN"
#define LANGFUSE_GENERATION "GENERATION"
#define LANGFUSE_EVENT      "EVENT"

/* One span made from an observation body, with the texts its row points at. */
typedef struct langfuse_span {
    span_row_t row;
    char *input, *output, *attributes; /* owned; row.input/output/attributes_json point here */
} langfuse_span_t;

/* Check the fields of an observation body (types, dates, level, usage). create: 1 for a create
 * event (id may be absent), 0 for an update (id required). 0, or -1 with err: 400 naming
 * "body.<field>". */
int langfuse_observation_check(const json_t *body, int create, err_t *err);

/* Map a checked observation body (borrowed; row strings point into it until it is freed) to a
 * span. The body carries "id", "traceId" (else the observation is its own trace) and "type"
 * (SPAN, GENERATION or EVENT; absent: SPAN). Name absent: the type in lower case; startTime
 * absent: the row's start stays 0 for the caller to fill. 0, or -1 with err (400). */
int langfuse_span_from_body(const json_t *body, langfuse_span_t *out, err_t *err);
void langfuse_span_free(langfuse_span_t *span);

/* Trace-level fields from a trace-create body (merged over earlier ones), with the texts they
 * point at. */
typedef struct langfuse_trace {
    span_trace_fields_t fields;
    char *input, *output; /* owned */
} langfuse_trace_t;

/* Check a trace-create body's field types. 0, or -1 with err naming "body.<field>". */
int langfuse_trace_check(const json_t *body, err_t *err);
/* Map a checked trace body (borrowed, with "id") to trace fields. */
void langfuse_trace_from_body(const json_t *body, langfuse_trace_t *out);
void langfuse_trace_free(langfuse_trace_t *trace);

/* The scores_add() JSON for a score-create body: ids mapped, dataType and source lowered
 * (ANNOTATION is human), created_ms from the event's time (ms; 0: now). Caller owns. NULL with
 * err (400 naming "body.<field>") when traceId, name or value is missing or of the wrong type. */
json_t *langfuse_score_from_body(const json_t *body, int64_t event_ms, err_t *err);

/* Ingest one request body (borrowed). Returns the 207 body {"successes": [{"id", "status":
 * 201}], "errors": [{"id", "status", "message", "error"}]} (caller owns), or NULL with err: 400
 * naming "batch" when the body is not a batch, or the store's error (nothing written then but
 * what a retry of the same batch rewrites to the same values). */
json_t *langfuse_ingest(store_t *s, const json_t *body, err_t *err);

#endif
