/* genai_map.h - what an OpenTelemetry span says about an LLM call, read from its attributes:
 * the OpenTelemetry GenAI semantic conventions (gen_ai.*) and OpenInference (llm.*, input.*,
 * output.*, openinference.span.kind) onto span_row_t's model, provider, tokens, cost, input,
 * output, type, session, user and version. docs/otlp.md has the full table; the order of
 * precedence when several attributes say the same thing is the order of the table.
 *
 * Cost: llm.cost.total when the span gives it, else tokens x the gateway's price table for the
 * (provider, model) pair when it has one, else unknown. */
#ifndef LLMOPS_TRACES_GENAI_MAP_H
#define LLMOPS_TRACES_GENAI_MAP_H

#include "traces/otlp.h"

/* USD per million input / output tokens of (provider, model); 0 with the prices, or -1 when
 * the pair is not priced. provider may be NULL. */
typedef struct genai_prices {
    int (*lookup)(void *ctx, const char *provider, const char *model, double *input_per_mtok,
                  double *output_per_mtok);
    void *ctx;
} genai_prices_t;

/* Fill s->row from s->attrs, s->events and s->resource, and set its attributes_json (span
 * attributes, resource attributes as "resource.<key>", the scope as otel.scope.name/version)
 * and events_json. Strings are owned by the batch. prices may be NULL. */
void genai_map_span(otlp_span_t *s, otlp_batch_t *b, const genai_prices_t *prices);

#endif
