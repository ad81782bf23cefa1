/* openai.c - the adapter for OpenAI-compatible upstreams (the "openai" and "azure" kinds):
 * the request passes through with the stream settings fixed up, answers pass through after a
 * shape check, and stream events are relayed byte for byte while the summary (text, tool calls,
 * finish reason, model, usage) is recorded on the way. */
#include <string.h>

#include "base/json.h"
#include "providers/provider_internal.h"

json_t *openai_build_body(provider_op_t op, const json_t *body, int stream, err_t *err)
{
    (void)err;
    /* Shallow copy: top-level members are shared with the caller's body, which is not
     * modified; only stream_options is rebuilt. */
    json_t *up = json_copy((json_t *)body);
    if (stream && op != PROVIDER_OP_EMBEDDINGS) {
        json_object_set_new(up, "stream", json_true());
        /* Always ask for usage so the trace and the budget see token counts; the usage-only
         * chunk is dropped from the client's stream unless it asked (see the stream below). */
        json_t *so = json_object_get(body, "stream_options");
        json_t *opts = json_is_object(so) ? json_copy(so) : json_object();
        json_object_set_new(opts, "include_usage", json_true());
        json_object_set_new(up, "stream_options", opts);
    } else {
        json_object_del(up, "stream");
        json_object_del(up, "stream_options");
    }
    return up;
}

json_t *openai_parse_response(provider_op_t op, const char *body, size_t len, err_t *err)
{
    json_t *answer = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    const char *need = op == PROVIDER_OP_EMBEDDINGS ? "data" : "choices";
    if (!json_is_object(answer) || !json_is_array(json_object_get(answer, need))) {
        json_decref(answer);
        err_set(err, 502, "bad_upstream_response", NULL,
                "the upstream's answer is not a JSON object with a \"%s\" array", need);
        return NULL;
    }
    return answer;
}

/* Record what one chunk's first choice carries. */
static int record_choice(provider_stream_t *ps, const json_t *choice)
{
    json_t *idx = json_object_get(choice, "index");
    if (json_is_integer(idx) && json_integer_value(idx) != 0)
        return 0; /* the summary follows the first choice only */
    const char *finish = json_string_value(json_object_get(choice, "finish_reason"));
    if (finish) {
        size_t n = strlen(finish);
        if (n >= sizeof ps->summary.finish_reason)
            n = sizeof ps->summary.finish_reason - 1;
        memcpy(ps->summary.finish_reason, finish, n);
        ps->summary.finish_reason[n] = '\0';
    }
    if (ps->op == PROVIDER_OP_COMPLETIONS) {
        json_t *text = json_object_get(choice, "text");
        if (json_is_string(text))
            buf_append(&ps->summary.text, json_string_value(text), json_string_length(text));
        return 0;
    }
    json_t *delta = json_object_get(choice, "delta");
    json_t *content = json_object_get(delta, "content");
    if (json_is_string(content))
        buf_append(&ps->summary.text, json_string_value(content), json_string_length(content));
    size_t i;
    json_t *call;
    json_array_foreach(json_object_get(delta, "tool_calls"), i, call)
    {
        json_t *ci = json_object_get(call, "index");
        int index = json_is_integer(ci) ? (int)json_integer_value(ci) : (int)i;
        if (json_is_integer(ci) &&
            (json_integer_value(ci) < 0 || json_integer_value(ci) >= PROVIDER_MAX_STREAM_TOOLS))
            index = -1;
        json_t *fn = json_object_get(call, "function");
        json_t *args = json_object_get(fn, "arguments");
        if (provider_stream_tool_delta(ps, index, json_string_value(json_object_get(call, "id")),
                                       json_string_value(json_object_get(fn, "name")),
                                       json_string_value(args),
                                       json_is_string(args) ? json_string_length(args) : 0) != 0)
            return -1;
    }
    return 0;
}

int openai_stream_event(provider_stream_t *ps, const char *event, const char *data, size_t len)
{
    (void)event;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        ps->complete = 1;
        return 0;
    }
    json_t *chunk = json_loadb(data, len, 0, NULL);
    if (!json_is_object(chunk)) {
        json_decref(chunk);
        return err_set(ps->err, 502, "bad_upstream_response", NULL,
                       "upstream stream: an event is not a JSON object");
    }
    if (json_object_get(chunk, "error")) {
        provider_error_from_object(ps->kind, 0, chunk, ps->err);
        json_decref(chunk);
        return -1;
    }
    const char *model = json_string_value(json_object_get(chunk, "model"));
    if (model && !ps->summary.model[0]) {
        size_t n = strlen(model);
        if (n >= sizeof ps->summary.model)
            n = sizeof ps->summary.model - 1;
        memcpy(ps->summary.model, model, n);
        ps->summary.model[n] = '\0';
    }
    json_t *usage = json_object_get(chunk, "usage");
    int has_usage = provider_usage_from_openai(usage, &ps->summary.usage);
    json_t *choices = json_object_get(chunk, "choices");
    if (has_usage && json_is_array(choices) && json_array_size(choices) == 0 &&
        !ps->client_wants_usage) {
        json_decref(chunk); /* the usage-only chunk the gateway asked for itself */
        return 0;
    }
    size_t i;
    json_t *choice;
    json_array_foreach(choices, i, choice)
    {
        if (record_choice(ps, choice) != 0) {
            json_decref(chunk);
            return -1;
        }
    }
    if (memchr(data, '\n', len)) {
        provider_stream_emit(ps, chunk); /* multi-line data: one line for the client */
    } else {
        buf_append_str(ps->out, "data: ");
        buf_append(ps->out, data, len);
        buf_append_str(ps->out, "\n\n");
        ps->started = 1;
    }
    json_decref(chunk);
    return 0;
}
