/* provider.c - the kind-independent half of the provider adapters (see provider.h): kind names,
 * URLs and auth headers, dispatch to openai.c / anthropic.c, upstream error mapping, the answer
 * summary, and the stream machinery (SSE parsing, tool call accumulation, client events). */
#include "providers/provider.h"

#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "providers/provider_internal.h"

/* ---- kinds and connections ------------------------------------------------------------------ */

int provider_kind_parse(const char *name, const char *field, provider_kind_t *out, err_t *err)
{
    static const struct {
        const char *name;
        provider_kind_t kind;
    } names[] = {
        {"openai", PROVIDER_OPENAI},       {"vllm", PROVIDER_OPENAI}, {"ollama", PROVIDER_OPENAI},
        {"llamacpp", PROVIDER_OPENAI},     {"fake", PROVIDER_OPENAI}, {"azure", PROVIDER_AZURE},
        {"anthropic", PROVIDER_ANTHROPIC},
    };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].kind;
            return 0;
        }
    }
    return err_invalid(err, field,
                       "%s: unknown provider '%s' (expected openai, azure, anthropic, vllm, "
                       "ollama, llamacpp or fake)",
                       field ? field : "provider", name ? name : "");
}

static const char *default_base(provider_kind_t kind)
{
    switch (kind) {
    case PROVIDER_OPENAI:
        return "https://api.openai.com/v1";
    case PROVIDER_ANTHROPIC:
        return "https://api.anthropic.com/v1";
    case PROVIDER_AZURE:
        return NULL; /* every Azure resource has its own host */
    }
    return NULL;
}

static const char *default_key_env(provider_kind_t kind)
{
    switch (kind) {
    case PROVIDER_OPENAI:
        return "OPENAI_API_KEY";
    case PROVIDER_AZURE:
        return "AZURE_OPENAI_API_KEY";
    case PROVIDER_ANTHROPIC:
        return "ANTHROPIC_API_KEY";
    }
    return "";
}

static const char *op_path(provider_kind_t kind, provider_op_t op)
{
    if (kind == PROVIDER_ANTHROPIC)
        return "/messages";
    switch (op) {
    case PROVIDER_OP_CHAT:
        return "/chat/completions";
    case PROVIDER_OP_COMPLETIONS:
        return "/completions";
    case PROVIDER_OP_EMBEDDINGS:
        return "/embeddings";
    }
    return "";
}

/* The key from the environment at call time (so a rotated key is picked up by a reload of the
 * environment without a restart of the config); NULL when unset or empty. Never logged. */
static const char *conn_key(const provider_conn_t *conn, err_t *err, int *bad)
{
    const char *var =
        conn->api_key_env && *conn->api_key_env ? conn->api_key_env : default_key_env(conn->kind);
    const char *key = getenv(var);
    *bad = 0;
    if (!key || !*key)
        return NULL;
    if (strpbrk(key, "\r\n")) { /* would split the header: refuse rather than inject */
        *bad = 1;
        err_set(err, 500, "provider_config", NULL,
                "the API key in environment variable %s contains a line break", var);
        return NULL;
    }
    return key;
}

void provider_http_free(provider_http_t *h)
{
    if (!h)
        return;
    free(h->url);
    if (h->headers)
        for (char **p = h->headers; *p; p++)
            free(*p);
    free(h->headers);
    free(h->body);
    memset(h, 0, sizeof *h);
}

static char *header_line(const char *name, const char *value)
{
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "%s: %s", name, value);
    return buf_steal(&b);
}

int provider_build_request(const provider_conn_t *conn, provider_op_t op, const json_t *body,
                           int stream, provider_http_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body))
        return err_invalid(err, NULL, "the request body must be a JSON object");
    if (op == PROVIDER_OP_EMBEDDINGS && stream)
        return err_invalid(err, "stream", "embeddings cannot be streamed");
    const char *base =
        conn->base_url && *conn->base_url ? conn->base_url : default_base(conn->kind);
    if (!base)
        return err_invalid(err, "base_url",
                           "base_url: the azure provider needs the resource's "
                           "deployment URL (.../openai/deployments/<name>)");
    int bad_key;
    const char *key = conn_key(conn, err, &bad_key);
    if (bad_key)
        return -1;

    json_t *up = conn->kind == PROVIDER_ANTHROPIC ? anthropic_build_body(op, body, stream, err)
                                                  : openai_build_body(op, body, stream, err);
    if (!up)
        return -1;
    char *text = json_to_string(up);
    json_decref(up);

    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/')
        base_len--;
    buf_t url;
    buf_init(&url);
    buf_append(&url, base, base_len);
    buf_append_str(&url, op_path(conn->kind, op));
    if (conn->kind == PROVIDER_AZURE)
        buf_printf(&url, "?api-version=%s",
                   conn->api_version && *conn->api_version ? conn->api_version : "2024-10-21");

    char **h = xcalloc(6, sizeof *h);
    int n = 0;
    h[n++] = xstrdup("Content-Type: application/json");
    if (stream)
        h[n++] = xstrdup("Accept: text/event-stream");
    switch (conn->kind) {
    case PROVIDER_OPENAI:
        if (key) {
            buf_t b;
            buf_init(&b);
            buf_printf(&b, "Authorization: Bearer %s", key);
            h[n++] = buf_steal(&b);
        }
        break;
    case PROVIDER_AZURE:
        if (key)
            h[n++] = header_line("api-key", key);
        break;
    case PROVIDER_ANTHROPIC:
        if (key)
            h[n++] = header_line("x-api-key", key);
        h[n++] = xstrdup("anthropic-version: 2023-06-01");
        break;
    }
    h[n] = NULL;
    out->url = buf_steal(&url);
    out->headers = h;
    out->body = text;
    out->body_len = strlen(text);
    return 0;
}

/* ---- answers and errors --------------------------------------------------------------------- */

int provider_usage_from_openai(const json_t *usage, provider_usage_t *out)
{
    if (!json_is_object(usage))
        return 0;
    json_t *in = json_object_get(usage, "prompt_tokens");
    json_t *outk = json_object_get(usage, "completion_tokens");
    if (!json_is_integer(in) && !json_is_integer(outk))
        return 0;
    out->known = 1;
    out->input_tokens = json_is_integer(in) ? json_integer_value(in) : 0;
    out->output_tokens = json_is_integer(outk) ? json_integer_value(outk) : 0;
    return 1;
}

json_t *provider_parse_response(provider_kind_t kind, provider_op_t op, const char *body,
                                size_t len, provider_usage_t *usage, err_t *err)
{
    if (usage)
        memset(usage, 0, sizeof *usage);
    json_t *answer = kind == PROVIDER_ANTHROPIC ? anthropic_parse_response(body, len, err)
                                                : openai_parse_response(op, body, len, err);
    if (answer && usage)
        provider_usage_from_openai(json_object_get(answer, "usage"), usage);
    return answer;
}

/* The client status for an Anthropic error type seen inside a stream (no HTTP status then). */
static int anthropic_type_status(const char *type)
{
    if (!type)
        return 502;
    if (strcmp(type, "invalid_request_error") == 0)
        return 400;
    if (strcmp(type, "authentication_error") == 0)
        return 401;
    if (strcmp(type, "permission_error") == 0)
        return 403;
    if (strcmp(type, "not_found_error") == 0)
        return 404;
    if (strcmp(type, "request_too_large") == 0)
        return 413;
    if (strcmp(type, "rate_limit_error") == 0)
        return 429;
    return 502;
}

static const char *status_code_name(int status)
{
    switch (status) {
    case 401:
        return "authentication_error";
    case 403:
        return "permission_denied";
    case 404:
        return "not_found";
    case 413:
        return "request_too_large";
    case 429:
        return "rate_limit_exceeded";
    default:
        return "invalid_request_error";
    }
}

void provider_error_from_object(provider_kind_t kind, int status, const json_t *root, err_t *err)
{
    (void)kind;
    const char *message = NULL, *type = NULL, *code = NULL;
    json_t *e = json_object_get(root, "error");
    if (json_is_string(e)) { /* Ollama and some others: {"error": "text"} */
        message = json_string_value(e);
    } else {
        if (!json_is_object(e))
            e = (json_t *)root; /* vLLM's older shape: the fields at top level */
        message = json_string_value(json_object_get(e, "message"));
        type = json_string_value(json_object_get(e, "type"));
        code = json_string_value(json_object_get(e, "code"));
    }
    int in_stream = status == 0;
    if (in_stream)
        status =
            code && strcmp(code, "rate_limit_exceeded") == 0 ? 429 : anthropic_type_status(type);
    int client = status >= 400 && status <= 429 ? status : 502;
    const char *out_code;
    if (client == 502)
        out_code = "upstream_error";
    else if (code && *code)
        out_code = code;
    else if (type && strcmp(type, "rate_limit_error") == 0)
        out_code = "rate_limit_exceeded";
    else if (type && *type && strcmp(type, "error") != 0)
        out_code = type;
    else
        out_code = status_code_name(status);
    const char *shown = message && *message ? message : (type ? type : "no message");
    if (in_stream)
        err_set(err, client, out_code, NULL, "upstream stream error: %s", shown);
    else if (message || type)
        err_set(err, client, out_code, NULL, "upstream returned HTTP %d: %s", status, shown);
    else
        err_set(err, client, out_code, NULL, "upstream returned HTTP %d", status);
}

void provider_parse_error(provider_kind_t kind, int status, const char *body, size_t len,
                          err_t *err)
{
    json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    if (json_is_object(root)) {
        provider_error_from_object(kind, status, root, err);
    } else {
        int client = status >= 400 && status <= 429 ? status : 502;
        const char *code = client == 502 ? "upstream_error" : status_code_name(status);
        /* Show the start of a non-JSON body (an HTML error page, a proxy's text) cleaned of
         * control characters, so the message stays one readable line. */
        char snippet[160];
        size_t n = 0;
        for (size_t i = 0; body && i < len && n + 1 < sizeof snippet; i++) {
            unsigned char c = (unsigned char)body[i];
            snippet[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
        snippet[n] = '\0';
        if (n)
            err_set(err, client, code, NULL, "upstream returned HTTP %d: %s", status, snippet);
        else
            err_set(err, client, code, NULL, "upstream returned HTTP %d", status);
    }
    json_decref(root);
}

/* ---- summaries ------------------------------------------------------------------------------ */

void provider_summary_init(provider_summary_t *s)
{
    memset(s, 0, sizeof *s);
    buf_init(&s->text);
    buf_append(&s->text, "", 0);
}

void provider_summary_free(provider_summary_t *s)
{
    if (!s)
        return;
    buf_free(&s->text);
    json_decref(s->tool_calls);
    s->tool_calls = NULL;
}

static void copy_str(char *dst, size_t size, const char *src)
{
    if (!src)
        return;
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Append a message's content (a string, or an array of {"type":"text","text":...} parts). */
static void append_content(buf_t *b, const json_t *content)
{
    if (json_is_string(content)) {
        buf_append(b, json_string_value(content), json_string_length(content));
        return;
    }
    size_t i;
    json_t *part;
    json_array_foreach(content, i, part)
    {
        json_t *text = json_object_get(part, "text");
        if (json_is_string(text))
            buf_append(b, json_string_value(text), json_string_length(text));
    }
}

void provider_summarize(provider_op_t op, const json_t *answer, provider_summary_t *s)
{
    copy_str(s->model, sizeof s->model, json_string_value(json_object_get(answer, "model")));
    provider_usage_from_openai(json_object_get(answer, "usage"), &s->usage);
    if (op == PROVIDER_OP_EMBEDDINGS)
        return;
    json_t *choice = json_array_get(json_object_get(answer, "choices"), 0);
    if (!choice)
        return;
    copy_str(s->finish_reason, sizeof s->finish_reason,
             json_string_value(json_object_get(choice, "finish_reason")));
    if (op == PROVIDER_OP_COMPLETIONS) {
        append_content(&s->text, json_object_get(choice, "text"));
        return;
    }
    json_t *message = json_object_get(choice, "message");
    append_content(&s->text, json_object_get(message, "content"));
    json_t *calls = json_object_get(message, "tool_calls");
    if (json_is_array(calls) && json_array_size(calls) > 0) {
        json_decref(s->tool_calls);
        s->tool_calls = json_deep_copy(calls);
    }
}

/* ---- streams -------------------------------------------------------------------------------- */

provider_stream_t *provider_stream_new(provider_kind_t kind, provider_op_t op,
                                       int client_wants_usage)
{
    provider_stream_t *ps = xcalloc(1, sizeof *ps);
    ps->kind = kind;
    ps->op = op;
    ps->client_wants_usage = client_wants_usage;
    sse_init(&ps->sse);
    provider_summary_init(&ps->summary);
    for (int i = 0; i < PROVIDER_MAX_STREAM_TOOLS; i++) {
        buf_init(&ps->tool_args[i]);
        ps->block_tool[i] = -1;
    }
    return ps;
}

void provider_stream_free(provider_stream_t *ps)
{
    if (!ps)
        return;
    sse_free(&ps->sse);
    provider_summary_free(&ps->summary);
    for (int i = 0; i < ps->tool_count; i++)
        buf_free(&ps->tool_args[i]);
    free(ps);
}

void provider_stream_emit(provider_stream_t *ps, const json_t *event)
{
    char *text = json_to_string(event);
    buf_append_str(ps->out, "data: ");
    buf_append_str(ps->out, text);
    buf_append_str(ps->out, "\n\n");
    free(text);
    ps->started = 1;
}

int provider_stream_tool_delta(provider_stream_t *ps, int index, const char *id, const char *name,
                               const char *args, size_t args_len)
{
    if (index < 0 || index >= PROVIDER_MAX_STREAM_TOOLS)
        return err_set(ps->err, 502, "bad_upstream_response", NULL,
                       "upstream stream: tool call index %d is out of range (0-%d)", index,
                       PROVIDER_MAX_STREAM_TOOLS - 1);
    if (!ps->summary.tool_calls)
        ps->summary.tool_calls = json_array();
    while (ps->tool_count <= index) {
        json_array_append_new(ps->summary.tool_calls,
                              json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", "", "type", "function",
                                        "function", "name", "", "arguments", ""));
        ps->tool_count++;
    }
    json_t *call = json_array_get(ps->summary.tool_calls, (size_t)index);
    if (id && *id)
        json_object_set_new(call, "id", json_string(id));
    if (name && *name)
        json_object_set_new(json_object_get(call, "function"), "name", json_string(name));
    if (args_len) {
        buf_append(&ps->tool_args[index], args, args_len);
        ps->tools_dirty = 1;
    }
    return 0;
}

/* Copy accumulated arguments into summary.tool_calls (once per feed, not once per delta, so
 * long argument streams are not copied quadratically). */
static void sync_tools(provider_stream_t *ps)
{
    if (!ps->tools_dirty)
        return;
    for (int i = 0; i < ps->tool_count; i++) {
        json_t *fn = json_object_get(json_array_get(ps->summary.tool_calls, (size_t)i), "function");
        json_object_set_new(fn, "arguments",
                            json_stringn(buf_str(&ps->tool_args[i]), ps->tool_args[i].len));
    }
    ps->tools_dirty = 0;
}

static int on_event(void *ctx, const char *event, const char *data, size_t len)
{
    provider_stream_t *ps = ctx;
    if (ps->complete)
        return 0; /* nothing counts after the end marker */
    return ps->kind == PROVIDER_ANTHROPIC ? anthropic_stream_event(ps, event, data, len)
                                          : openai_stream_event(ps, event, data, len);
}

int provider_stream_feed(provider_stream_t *ps, const char *data, size_t len, buf_t *out,
                         err_t *err)
{
    ps->out = out;
    ps->err = err;
    int rc = sse_feed(&ps->sse, data, len, on_event, ps, err);
    sync_tools(ps);
    ps->out = NULL;
    ps->err = NULL;
    return rc;
}

int provider_stream_finish(provider_stream_t *ps, buf_t *out)
{
    if (!ps->complete && sse_pending(&ps->sse)) {
        /* A last event without its blank line: dispatch it; a cut-off one fails to parse and
         * leaves the stream incomplete. */
        err_t ignored;
        provider_stream_feed(ps, "\n\n", 2, out, &ignored);
    }
    if (!ps->complete)
        return 0;
    buf_append_str(out, "data: [DONE]\n\n");
    return 1;
}

const provider_summary_t *provider_stream_summary(const provider_stream_t *ps)
{
    return &ps->summary;
}

int provider_stream_started(const provider_stream_t *ps)
{
    return ps->started;
}

/* A JSON string for text that may have been cut inside a UTF-8 sequence (err_t messages are
 * truncated at a fixed size): drop the broken tail rather than lose the whole message. */
static json_t *safe_string(const char *text)
{
    size_t n = strlen(text);
    for (size_t cut = 0; cut < 4 && cut <= n; cut++) {
        json_t *s = json_stringn(text, n - cut);
        if (s)
            return s;
    }
    return json_string("(message not valid UTF-8)");
}

void provider_stream_error_event(const err_t *err, buf_t *out)
{
    json_t *e = json_object();
    json_object_set_new(e, "message", safe_string(err->message));
    json_object_set_new(
        e, "type", json_string(err->status >= 500 ? "upstream_error" : "invalid_request_error"));
    json_object_set_new(e, "code", safe_string(err->code));
    json_object_set_new(e, "param", err->field[0] ? safe_string(err->field) : json_null());
    json_t *ev = json_object();
    json_object_set_new(ev, "error", e);
    char *text = json_to_string(ev);
    buf_append_str(out, "data: ");
    buf_append_str(out, text);
    buf_append_str(out, "\n\n");
    free(text);
    json_decref(ev);
}
