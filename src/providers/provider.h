/* provider.h - talking to one kind of LLM provider in OpenAI's shapes.
 *
 * The gateway speaks OpenAI's API to its clients and hands each request to a provider adapter:
 * the adapter builds the upstream HTTP call (URL, auth headers from a named environment
 * variable, body) and turns the upstream answer back into OpenAI's shapes - a whole JSON answer,
 * an error, or a stream of server-sent events translated chunk by chunk as it arrives.
 *
 * Kinds:
 *   "openai"    any OpenAI-compatible service by base URL (OpenAI, vLLM, Ollama's /v1,
 *               llama.cpp server, LM Studio, ...); Bearer auth; default base URL
 *               https://api.openai.com/v1, default key variable OPENAI_API_KEY.
 *   "azure"     Azure OpenAI style: base URL .../openai/deployments/<name>, "api-key" header,
 *               "api-version" query parameter (target param api_version, default 2024-10-21);
 *               default key variable AZURE_OPENAI_API_KEY.
 *   "anthropic" the Messages API, translated to and from chat completions, streaming included;
 *               "x-api-key" + "anthropic-version: 2023-06-01"; default base URL
 *               https://api.anthropic.com/v1, default key variable ANTHROPIC_API_KEY.
 * Other names ("vllm", "ollama", "llamacpp", "fake") are the "openai" kind by another name.
 *
 * Streaming usage: for the openai kind the adapter always asks the upstream for usage
 * (stream_options.include_usage = true) and drops the usage-only chunk from what the client
 * sees unless the client asked for it itself; the summary records the usage either way. */
#ifndef LLMOPS_PROVIDERS_PROVIDER_H
#define LLMOPS_PROVIDERS_PROVIDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"

typedef enum provider_kind {
    PROVIDER_OPENAI,
    PROVIDER_AZURE,
    PROVIDER_ANTHROPIC,
} provider_kind_t;

/* The operation, i.e. which OpenAI endpoint the client called. */
typedef enum provider_op {
    PROVIDER_OP_CHAT,        /* /v1/chat/completions */
    PROVIDER_OP_COMPLETIONS, /* /v1/completions */
    PROVIDER_OP_EMBEDDINGS,  /* /v1/embeddings */
} provider_op_t;

/* "openai", "anthropic", ... -> kind. -1 with err (400, field) for an unknown name. */
int provider_kind_parse(const char *name, const char *field, provider_kind_t *out, err_t *err);

/* Where and how to call: one gateway target's connection settings (all borrowed). */
typedef struct provider_conn {
    provider_kind_t kind;
    const char *base_url;    /* NULL or "": the kind's default */
    const char *api_key_env; /* NULL or "": the kind's default variable; a missing variable
                                means no auth header (local servers need none) */
    const char *api_version; /* azure only; NULL: default */
} provider_conn_t;

/* One upstream HTTP call, owned (free with provider_http_free). */
typedef struct provider_http {
    char *url;
    char **headers; /* "Name: value", NULL-terminated */
    char *body;
    size_t body_len;
} provider_http_t;

/* Build the call for an OpenAI-shaped request body. body is what the client sent after the
 * gateway set "model" to the upstream model, merged the target's params and removed the
 * "llmops" extension field; it is not modified. stream: the client asked for a stream.
 * -1 with err (400) when the request cannot be expressed for this kind (e.g. embeddings on
 * anthropic). */
int provider_build_request(const provider_conn_t *conn, provider_op_t op, const json_t *body,
                           int stream, provider_http_t *out, err_t *err);
void provider_http_free(provider_http_t *h);

typedef struct provider_usage {
    int known; /* 0: the upstream reported no usage */
    int64_t input_tokens;
    int64_t output_tokens;
} provider_usage_t;

/* A complete 2xx upstream answer -> the OpenAI-shaped answer for the client (new reference).
 * usage is filled from it. NULL with err (502 "bad_upstream_response") when it is not valid. */
json_t *provider_parse_response(provider_kind_t kind, provider_op_t op, const char *body,
                                size_t len, provider_usage_t *usage, err_t *err);

/* A non-2xx upstream answer -> err: status is the one to give the client (the upstream's for
 * 400-429, 502 for upstream 5xx and anything unexpected), code/message taken from the
 * upstream's error object when it has one (OpenAI's and Anthropic's shapes), else a message
 * that names the upstream status. */
void provider_parse_error(provider_kind_t kind, int status, const char *body, size_t len,
                          err_t *err);

/* What an answer carried, for the trace. */
typedef struct provider_summary {
    buf_t text;          /* the answer's text (first choice), NUL-terminated */
    json_t *tool_calls;  /* array of OpenAI tool calls (first choice), or NULL */
    char finish_reason[32];
    char model[256];     /* the model the upstream says answered */
    provider_usage_t usage;
} provider_summary_t;

void provider_summary_init(provider_summary_t *s);
void provider_summary_free(provider_summary_t *s);
/* Fill s from an OpenAI-shaped complete answer (chat or completions). */
void provider_summarize(provider_op_t op, const json_t *answer, provider_summary_t *s);

/* ---- streams ----------------------------------------------------------------------------- */

typedef struct provider_stream provider_stream_t;

/* client_wants_usage: the client's stream_options.include_usage. */
provider_stream_t *provider_stream_new(provider_kind_t kind, provider_op_t op,
                                       int client_wants_usage);
void provider_stream_free(provider_stream_t *ps);

/* Feed upstream body bytes as they arrive (any split, even mid-line). Complete events are
 * translated and appended to out as client-facing SSE ("data: {...}\n\n"). Returns 0, or -1
 * with err (502 "bad_upstream_response") when the upstream sends something that is not a
 * valid event stream, or an error event (then err carries the upstream's message). */
int provider_stream_feed(provider_stream_t *ps, const char *data, size_t len, buf_t *out,
                         err_t *err);

/* The upstream body ended. Returns 1 when the stream was complete (OpenAI "[DONE]", Anthropic
 * "message_stop") - then "data: [DONE]\n\n" has been appended to out - or 0 when it was cut
 * short (the caller sends the client an error event instead). */
int provider_stream_finish(provider_stream_t *ps, buf_t *out);

/* What the stream carried so far (text, tool calls, finish reason, usage). */
const provider_summary_t *provider_stream_summary(const provider_stream_t *ps);
/* 1 once at least one event has been relayed to the client. */
int provider_stream_started(const provider_stream_t *ps);

/* The SSE error event sent to a client whose stream broke: "data: {"error":{...}}\n\n". */
void provider_stream_error_event(const err_t *err, buf_t *out);

#endif
