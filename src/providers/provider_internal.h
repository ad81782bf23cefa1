/* provider_internal.h - what provider.c shares with the per-kind adapters (openai.c,
 * anthropic.c): the stream state and the per-kind entry points. Not for use outside
 * src/providers/. */
#ifndef LLMOPS_PROVIDERS_PROVIDER_INTERNAL_H
#define LLMOPS_PROVIDERS_PROVIDER_INTERNAL_H

#include "providers/provider.h"
#include "providers/sse.h"

/* Most tool calls a streamed answer may carry (indices beyond are a bad upstream). */
#define PROVIDER_MAX_STREAM_TOOLS 128

struct provider_stream {
    provider_kind_t kind;
    provider_op_t op;
    int client_wants_usage;
    sse_parser_t sse;
    provider_summary_t summary;
    int started;  /* an event was relayed */
    int complete; /* "[DONE]" / "message_stop" seen */
    buf_t *out;   /* where the current feed appends */
    err_t *err;   /* the current feed's err */
    /* Tool call arguments, accumulated per index; copied into summary.tool_calls when dirty. */
    buf_t tool_args[PROVIDER_MAX_STREAM_TOOLS];
    int tool_count;
    int tools_dirty;
    /* Anthropic: the chunk id/model/creation time and which content block is which tool. */
    char id[128];
    long long created;
    int block_tool[PROVIDER_MAX_STREAM_TOOLS]; /* content block index -> tool index, or -1 */
};

/* Per kind: the request body for the upstream (new reference), or NULL with err (400). */
json_t *openai_build_body(provider_op_t op, const json_t *body, int stream, err_t *err);
json_t *anthropic_build_body(provider_op_t op, const json_t *body, int stream, err_t *err);

/* Per kind: a complete 2xx answer -> OpenAI shape, NULL with err (502). */
json_t *openai_parse_response(provider_op_t op, const char *body, size_t len, err_t *err);
json_t *anthropic_parse_response(const char *body, size_t len, err_t *err);

/* Per kind: one complete upstream SSE event; appends client events to ps->out. 0 or -1 with
 * ps->err filled. */
int openai_stream_event(provider_stream_t *ps, const char *event, const char *data, size_t len);
int anthropic_stream_event(provider_stream_t *ps, const char *event, const char *data, size_t len);

/* Shared helpers (provider.c). */
/* Append "data: <json>\n\n" for a value (compact) to out; marks the stream started. */
void provider_stream_emit(provider_stream_t *ps, const json_t *event);
/* Append one more piece of a tool call (by index) to the summary: id/name when given, args
 * appended. -1 with ps->err when the index is out of range. */
int provider_stream_tool_delta(provider_stream_t *ps, int index, const char *id, const char *name,
                               const char *args, size_t args_len);
/* Usage from an OpenAI usage object ({prompt_tokens, completion_tokens}); 0 if not one. */
int provider_usage_from_openai(const json_t *usage, provider_usage_t *out);
/* The err for an upstream error object seen inside a 2xx stream or body. */
void provider_error_from_object(provider_kind_t kind, int status, const json_t *root, err_t *err);

#endif
