/* span_store.h - writing spans of any origin (OTLP, Langfuse ingestion, the gateway) into the
 * store, and keeping each trace's roll-up row in `traces` true.
 *
 * Every ingestion path first turns what it received into span_row_t values (plain C, no JSON
 * objects, because ingestion must reach tens of thousands of spans per second), then calls
 * span_store_write() once per request or batch. The write is one transaction:
 *
 *   1. spans: INSERT ... ON CONFLICT (trace_id, span_id) DO UPDATE, where every column takes the
 *      new value when it is not NULL and keeps the stored one otherwise. A re-sent span (an
 *      exporter's retry) changes nothing; a Langfuse "update" event fills in what its "create"
 *      left out (end time, output, usage).
 *   2. traces: for each distinct trace of the batch, its row is inserted or recomputed from all
 *      of its spans: start_ms = min, end_ms = max, latency_ms = end - start, name/input/output of
 *      the root span (the one without parent; until it arrives, of the earliest span),
 *      status "error" when any span has status error, session_id/user_id/endpoint/model/
 *      provider/version: the root's value, else the first non-NULL one by start time,
 *      input_tokens/output_tokens/cost_usd: sums over spans that have them, ttft_ms: the first
 *      LLM span's, span_count, guardrail_hits (spans of type "guardrail" with status error),
 *      source of the earliest span. Trace-level fields a caller knows better (Langfuse
 *      trace-create: name, user, session, input, output, version, tags) are given with
 *      span_trace_fields_t and win over the roll-up.
 *
 * Gateway calls keep going through trace_store_insert() (trace_store.h), which writes the same
 * tables with its own richer columns (key, cache hit, registered model, prompt). */
#ifndef LLMOPS_TRACES_SPAN_STORE_H
#define LLMOPS_TRACES_SPAN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"
#include "traces/trace_store.h"

/* Span types (the `type` column): what llmops understands a span to be. Mapped from
 * OpenInference's openinference.span.kind (LLM, EMBEDDING, RETRIEVER, TOOL, CHAIN, AGENT,
 * GUARDRAIL, ...), from GenAI's gen_ai.operation.name (chat, text_completion, embeddings,
 * execute_tool, invoke_agent), and from Langfuse observation types (generation = llm, event). */
#define SPAN_TYPE_LLM       "llm"
#define SPAN_TYPE_EMBEDDING "embedding"
#define SPAN_TYPE_RETRIEVAL "retrieval"
#define SPAN_TYPE_TOOL      "tool"
#define SPAN_TYPE_CHAIN     "chain"
#define SPAN_TYPE_AGENT     "agent"
#define SPAN_TYPE_GUARDRAIL "guardrail"
#define SPAN_TYPE_EVENT     "event"
#define SPAN_TYPE_SPAN      "span" /* anything else */

/* One span. Strings are borrowed for the duration of span_store_write(); NULL means unknown
 * (the column is left as stored, or NULL for a new row). */
typedef struct span_row {
    char trace_id[TRACE_ID_HEX + 1];      /* 32 lowercase hex digits, required */
    char span_id[SPAN_ID_HEX + 1];        /* 16 lowercase hex digits, required */
    char parent_span_id[SPAN_ID_HEX + 1]; /* "" for a root span */
    const char *name;                     /* required */
    const char *kind;                     /* OTel kind: internal|server|client|producer|consumer */
    const char *type;                     /* SPAN_TYPE_* (NULL: SPAN_TYPE_SPAN) */
    int64_t start_ns;                     /* epoch ns, required (> 0) */
    int64_t end_ns;                       /* epoch ns; 0: not ended / unknown */
    const char *status;                   /* "ok" | "error" | "unset" (NULL: unset) */
    const char *status_message;
    const char *session_id, *user_id, *endpoint, *model, *provider;
    const char *version;                 /* application / model version (trace roll-up) */
    int64_t input_tokens, output_tokens; /* -1: unknown */
    double cost_usd;                     /* NAN: unknown */
    double ttft_ms;                      /* NAN: unknown */
    const char *input, *output;          /* text; JSON text when structured */
    const char *attributes_json;         /* a JSON object's text; NULL: "{}" */
    const char *events_json;             /* a JSON array's text; NULL: "[]" */
    const char *source;                  /* "otlp" | "langfuse" | "gateway" */
} span_row_t;

/* A span_row_t with every optional field unknown (tokens -1, cost and ttft NAN). */
span_row_t span_row_empty(void);

/* Trace-level fields given by a caller that knows them (NULL / -1: take the roll-up). */
typedef struct span_trace_fields {
    char trace_id[TRACE_ID_HEX + 1];
    const char *name, *session_id, *user_id, *version, *input, *output;
    int64_t start_ns; /* 0: from the spans */
} span_trace_fields_t;

typedef struct span_write_result {
    size_t spans;  /* span rows written (new or merged) */
    size_t traces; /* trace roll-ups inserted or recomputed */
} span_write_result_t;

/* Check one span: ids of the right length and hex, name non-empty, start_ns > 0,
 * end_ns 0 or >= start_ns, status/type from the lists above. 0, or -1 with err (400 naming the
 * field, e.g. "spans[3].span_id" is the caller's job: err names "trace_id", "span_id", ...). */
int span_row_check(const span_row_t *row, err_t *err);

/* Write spans (checked by the caller with span_row_check) and the trace-level fields (may be
 * NULL/0) in one transaction, then recompute the roll-up of every trace they touch. A trace in
 * `traces` with no span yet (a Langfuse trace-create before its observations) gets a row from
 * its fields alone. Returns 0, or -1 with err when the store failed (nothing written then). */
int span_store_write(store_t *s, const span_row_t *rows, size_t n,
                     const span_trace_fields_t *traces, size_t ntraces, span_write_result_t *out,
                     err_t *err);

#endif
