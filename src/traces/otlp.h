/* otlp.h - OpenTelemetry trace export requests (OTLP/HTTP, JSON or protobuf) turned into span
 * rows and written with span_store_write().
 *
 * Decoding and meaning are kept apart: a decoder (otlp_json.c, otlp_proto.c) fills an
 * otlp_batch_t with one otlp_span_t per span - ids, name, kind, times and status in its row,
 * the span's attributes and events as JSON, its resource's attributes beside it - and
 * genai_map.c (genai_map.h) then reads the GenAI / OpenInference attributes into the row's
 * model, provider, tokens, cost, input, output, type, session and user. A span that cannot be
 * stored (bad ids, no name, no start) is rejected on its own: the batch counts it and keeps
 * the first reason, and the others are still written (OTLP's partial success).
 *
 * Attribute values become JSON the way OTLP/JSON writes them, without the wrapping: string,
 * bool, int (a JSON integer), double, array (a JSON array), kvlist (a JSON object), bytes
 * (base64 text). */
#ifndef LLMOPS_TRACES_OTLP_H
#define LLMOPS_TRACES_OTLP_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"
#include "traces/span_store.h"

/* Nesting allowed inside one attribute value (arrays and kvlists within each other). */
#define OTLP_MAX_VALUE_DEPTH 32

typedef struct otlp_span {
    span_row_t row;         /* ids, name, kind, times, status from the decoder; the rest mapped */
    json_t *attrs;          /* the span's attributes: {key: value} (owned) */
    json_t *events;         /* [{"name", "time_unix_nano", "attributes"}] (owned) */
    const json_t *resource; /* the resource's attributes (borrowed from the batch) */
    const char *scope_name, *scope_version; /* instrumentation scope (borrowed; may be NULL) */
} otlp_span_t;

typedef struct otlp_batch {
    otlp_span_t *spans;
    size_t n, cap;
    json_t *keep; /* values spans borrow from (resources, scope names): a JSON array */
    char **owned; /* strings the rows point to, freed with the batch */
    size_t nowned, owned_cap;
    size_t rejected;   /* spans that could not be stored */
    char *first_error; /* why the first of them was rejected */
    /* genai_map's cache: the resource and scope members of attributes_json as JSON text
     * ("\"resource.k\":v,..."), for the resource and scope it was made for (spans of one scope
     * come together, so one entry is enough). */
    const json_t *frag_resource;
    const char *frag_scope_name, *frag_scope_version;
    char *frag;
} otlp_batch_t;

void otlp_batch_init(otlp_batch_t *b);
void otlp_batch_free(otlp_batch_t *b);
/* A new span with span_row_empty() values, attrs {} and events [] (owned by the batch). */
otlp_span_t *otlp_batch_add(otlp_batch_t *b);
/* Drop the last span added (the decoder found it unusable) and count it as rejected. */
void otlp_batch_reject_last(otlp_batch_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Keep s (malloc'd) until the batch is freed; returns s. */
const char *otlp_batch_own(otlp_batch_t *b, char *s);
/* Keep a JSON value (stolen) until the batch is freed; returns it. */
json_t *otlp_batch_keep(otlp_batch_t *b, json_t *v);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void otlp_hex(const unsigned char *bytes, size_t n, char *out);
/* OTLP's SpanKind number (1-5) as span_row_t.kind; NULL for 0 / unknown. */
const char *otlp_kind_name(int64_t kind);
/* OTLP's StatusCode number as span_row_t.status ("unset", "ok", "error"); NULL when unknown. */
const char *otlp_status_name(int64_t code);

/* Decode an ExportTraceServiceRequest. -1 with err (400, "body") when the body is not one at
 * all; spans that are individually unusable are rejected in the batch instead. */
int otlp_json_decode(const char *body, size_t len, otlp_batch_t *b, err_t *err);
int otlp_proto_decode(const void *body, size_t len, otlp_batch_t *b, err_t *err);

/* An ExportTraceServiceResponse: {} or {"partialSuccess": {"rejectedSpans": "N",
 * "errorMessage": "..."}} (JSON), or its protobuf encoding. Caller frees *out. */
char *otlp_json_response(size_t rejected, const char *message);
void otlp_proto_response(size_t rejected, const char *message, void **out, size_t *len);
/* A google.rpc.Status with only its message, protobuf-encoded: what OTLP/HTTP wants as the body
 * of a 4xx/5xx answer to a protobuf request. Caller frees *out. */
void otlp_proto_status(const char *message, void **out, size_t *len);

/* Map every span (genai_map_span with the price lookup, may be NULL), reject those that fail
 * span_row_check, and write the rest in one span_store_write(). 0, or -1 with err when the
 * store failed. */
struct genai_prices;
int otlp_ingest(store_t *s, otlp_batch_t *b, const struct genai_prices *prices,
                span_write_result_t *out, err_t *err);

#endif
