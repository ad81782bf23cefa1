/* anthropic.c - the adapter for Anthropic's Messages API: OpenAI chat requests are translated to
 * Messages requests, Messages answers back to chat.completion objects, and Messages stream
 * events to chat.completion.chunk events as they arrive. Only chat completions exist there;
 * completions and embeddings are refused with 400. docs/providers.md lists the rules. */
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "providers/provider_internal.h"

/* Fallback when the client gives no max_tokens (Anthropic requires one). */
#define ANTHROPIC_DEFAULT_MAX_TOKENS 4096

/* ---- requests ------------------------------------------------------------------------------- */

static json_t *text_block(const char *text, size_t len)
{
    return json_pack("{s:s, s:s%}", "type", "text", "text", text, len);
}

/* An OpenAI image_url part -> an Anthropic image block: data: URLs become base64 sources,
 * http(s) URLs url sources. */
static json_t *image_block(const json_t *part, const char *field, err_t *err)
{
    json_t *iu = json_object_get(part, "image_url");
    const char *url =
        json_is_string(iu) ? json_string_value(iu) : json_string_value(json_object_get(iu, "url"));
    if (!url) {
        err_invalid(err, field, "%s: image_url.url must be a string", field);
        return NULL;
    }
    if (strncmp(url, "data:", 5) == 0) {
        const char *semi = strstr(url, ";base64,");
        if (!semi || semi == url + 5) {
            err_invalid(err, field, "%s: only base64 data: URLs are supported for images", field);
            return NULL;
        }
        return json_pack("{s:s, s:{s:s, s:s%, s:s}}", "type", "image", "source", "type", "base64",
                         "media_type", url + 5, (size_t)(semi - (url + 5)), "data", semi + 8);
    }
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
        return json_pack("{s:s, s:{s:s, s:s}}", "type", "image", "source", "type", "url", "url",
                         url);
    err_invalid(err, field, "%s: image URLs must be data: or http(s): URLs", field);
    return NULL;
}

/* Message content (a string or an array of parts) -> blocks appended to `blocks`. images: image
 * parts are allowed. */
static int content_blocks(const json_t *content, const char *field, int images, json_t *blocks,
                          err_t *err)
{
    if (!content || json_is_null(content))
        return 0;
    if (json_is_string(content)) {
        if (json_string_length(content) > 0)
            json_array_append_new(
                blocks, text_block(json_string_value(content), json_string_length(content)));
        return 0;
    }
    if (!json_is_array(content))
        return err_invalid(err, field, "%s must be a string or an array of content parts", field);
    size_t i;
    json_t *part;
    json_array_foreach(content, i, part)
    {
        char pf[128];
        snprintf(pf, sizeof pf, "%s[%zu]", field, i);
        const char *type = json_string_value(json_object_get(part, "type"));
        if (type && strcmp(type, "text") == 0) {
            json_t *text = json_object_get(part, "text");
            if (!json_is_string(text))
                return err_invalid(err, pf, "%s.text must be a string", pf);
            if (json_string_length(text) > 0)
                json_array_append_new(
                    blocks, text_block(json_string_value(text), json_string_length(text)));
        } else if (type && strcmp(type, "image_url") == 0 && images) {
            json_t *img = image_block(part, pf, err);
            if (!img)
                return -1;
            json_array_append_new(blocks, img);
        } else {
            return err_invalid(err, pf,
                               "%s: content part type '%s' is not supported for the "
                               "anthropic provider",
                               pf, type ? type : "(none)");
        }
    }
    return 0;
}

/* Add blocks as a turn of `role`, merging into the previous turn when it has the same role
 * (Anthropic wants user and assistant turns to alternate; several OpenAI tool messages in a
 * row become one user turn of tool_result blocks). Steals blocks. */
static void add_turn(json_t *messages, const char *role, json_t *blocks)
{
    json_t *last = json_array_get(messages, json_array_size(messages) - 1);
    if (last && strcmp(json_string_value(json_object_get(last, "role")), role) == 0) {
        json_array_extend(json_object_get(last, "content"), blocks);
        json_decref(blocks);
        return;
    }
    json_array_append_new(messages, json_pack("{s:s, s:o}", "role", role, "content", blocks));
}

static int translate_tool_calls(const json_t *calls, const char *field, json_t *blocks, err_t *err)
{
    size_t i;
    json_t *call;
    json_array_foreach(calls, i, call)
    {
        char cf[128];
        snprintf(cf, sizeof cf, "%s[%zu]", field, i);
        json_t *fn = json_object_get(call, "function");
        const char *id = json_string_value(json_object_get(call, "id"));
        const char *name = json_string_value(json_object_get(fn, "name"));
        if (!id || !name)
            return err_invalid(err, cf, "%s needs an id and a function.name", cf);
        json_t *args = json_object_get(fn, "arguments");
        json_t *input = NULL;
        if (json_is_string(args) && json_string_length(args) > 0)
            input = json_loadb(json_string_value(args), json_string_length(args), 0, NULL);
        else if (!args || json_is_null(args) || json_is_string(args))
            input = json_object();
        if (!json_is_object(input)) {
            json_decref(input);
            return err_invalid(err, cf, "%s.function.arguments must be a JSON object text", cf);
        }
        json_array_append_new(blocks, json_pack("{s:s, s:s, s:s, s:o}", "type", "tool_use", "id",
                                                id, "name", name, "input", input));
    }
    return 0;
}

static int translate_messages(const json_t *msgs, json_t *out, buf_t *system, err_t *err)
{
    if (!json_is_array(msgs) || json_array_size(msgs) == 0)
        return err_invalid(err, "messages", "messages must be a non-empty array");
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m)
    {
        char f[64];
        snprintf(f, sizeof f, "messages[%zu]", i);
        const char *role = json_string_value(json_object_get(m, "role"));
        if (!role)
            return err_invalid(err, f, "%s.role must be a string", f);
        char cf[80];
        snprintf(cf, sizeof cf, "%s.content", f);
        json_t *content = json_object_get(m, "content");
        json_t *blocks = json_array();
        int rc = 0;
        if (strcmp(role, "system") == 0 || strcmp(role, "developer") == 0) {
            rc = content_blocks(content, cf, 0, blocks, err);
            size_t k;
            json_t *b;
            json_array_foreach(blocks, k, b)
            {
                if (system->len)
                    buf_append_str(system, "\n\n");
                buf_append_str(system, json_string_value(json_object_get(b, "text")));
            }
            json_decref(blocks);
            if (rc)
                return -1;
            continue;
        }
        if (strcmp(role, "user") == 0) {
            rc = content_blocks(content, cf, 1, blocks, err);
        } else if (strcmp(role, "assistant") == 0) {
            rc = content_blocks(content, cf, 0, blocks, err);
            if (!rc) {
                char tf[80];
                snprintf(tf, sizeof tf, "%s.tool_calls", f);
                rc = translate_tool_calls(json_object_get(m, "tool_calls"), tf, blocks, err);
            }
        } else if (strcmp(role, "tool") == 0) {
            const char *id = json_string_value(json_object_get(m, "tool_call_id"));
            json_t *parts = json_array();
            if (!id)
                rc = err_invalid(err, f, "%s.tool_call_id must be a string", f);
            else
                rc = content_blocks(content, cf, 0, parts, err);
            if (!rc)
                json_array_append_new(blocks, json_pack("{s:s, s:s, s:O}", "type", "tool_result",
                                                        "tool_use_id", id, "content", parts));
            json_decref(parts);
            role = "user";
        } else {
            rc = err_invalid(err, f,
                             "%s.role '%s' is not one of system, developer, user, "
                             "assistant, tool",
                             f, role);
        }
        if (rc) {
            json_decref(blocks);
            return -1;
        }
        add_turn(out, role, blocks);
    }
    return 0;
}

static int translate_tools(const json_t *body, json_t *out, err_t *err)
{
    json_t *tools = json_object_get(body, "tools");
    if (tools && !json_is_null(tools)) {
        if (!json_is_array(tools))
            return err_invalid(err, "tools", "tools must be an array");
        json_t *list = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(tools, i, t)
        {
            json_t *fn = json_object_get(t, "function");
            const char *name = json_string_value(json_object_get(fn, "name"));
            if (!name) {
                json_decref(list);
                char f[48];
                snprintf(f, sizeof f, "tools[%zu]", i);
                return err_invalid(err, f, "%s: only function tools with a name are supported", f);
            }
            json_t *schema = json_object_get(fn, "parameters");
            json_t *tool = json_pack("{s:s}", "name", name);
            json_t *desc = json_object_get(fn, "description");
            if (json_is_string(desc))
                json_object_set(tool, "description", desc);
            json_object_set_new(tool, "input_schema",
                                json_is_object(schema)
                                    ? json_incref(schema)
                                    : json_pack("{s:s, s:{}}", "type", "object", "properties"));
            json_array_append_new(list, tool);
        }
        json_object_set_new(out, "tools", list);
    }
    json_t *choice = json_object_get(body, "tool_choice");
    json_t *tc = NULL;
    if (json_is_string(choice)) {
        const char *c = json_string_value(choice);
        const char *type = strcmp(c, "auto") == 0       ? "auto"
                           : strcmp(c, "required") == 0 ? "any"
                           : strcmp(c, "none") == 0     ? "none"
                                                        : NULL;
        if (!type)
            return err_invalid(err, "tool_choice",
                               "tool_choice must be auto, required, none or a function");
        tc = json_pack("{s:s}", "type", type);
    } else if (json_is_object(choice)) {
        const char *name =
            json_string_value(json_object_get(json_object_get(choice, "function"), "name"));
        if (!name)
            return err_invalid(err, "tool_choice", "tool_choice.function.name must be a string");
        tc = json_pack("{s:s, s:s}", "type", "tool", "name", name);
    } else if (choice && !json_is_null(choice)) {
        return err_invalid(err, "tool_choice",
                           "tool_choice must be auto, required, none or a function");
    }
    if (json_is_false(json_object_get(body, "parallel_tool_calls")) &&
        json_object_get(out, "tools")) {
        if (!tc)
            tc = json_pack("{s:s}", "type", "auto");
        json_object_set_new(tc, "disable_parallel_tool_use", json_true());
    }
    if (tc)
        json_object_set_new(out, "tool_choice", tc);
    return 0;
}

json_t *anthropic_build_body(provider_op_t op, const json_t *body, int stream, err_t *err)
{
    if (op != PROVIDER_OP_CHAT) {
        err_invalid(err, NULL,
                    "the anthropic provider supports chat completions only; %s are "
                    "not available for this model",
                    op == PROVIDER_OP_EMBEDDINGS ? "embeddings" : "text completions");
        return NULL;
    }
    const char *model = NULL;
    int64_t max_tokens = ANTHROPIC_DEFAULT_MAX_TOKENS, n = 1;
    if (json_field_string(body, "model", 1, 0, &model, err) != 0 ||
        json_field_int(body, "max_completion_tokens", 0, &max_tokens, err) != 0 ||
        json_field_int(body, "max_tokens", 0, &max_tokens, err) != 0 ||
        json_field_int(body, "n", 0, &n, err) != 0)
        return NULL;
    if (max_tokens < 1) {
        err_invalid(err, "max_tokens", "max_tokens must be at least 1");
        return NULL;
    }
    if (n != 1) {
        err_invalid(err, "n", "n: the anthropic provider returns one choice; n must be 1");
        return NULL;
    }
    json_t *out = json_pack("{s:s, s:I}", "model", model, "max_tokens", (json_int_t)max_tokens);
    json_t *messages = json_array();
    buf_t system;
    buf_init(&system);
    int rc = translate_messages(json_object_get(body, "messages"), messages, &system, err);
    json_object_set_new(out, "messages", messages);
    if (!rc && system.len)
        json_object_set_new(out, "system", json_stringn(system.data, system.len));
    buf_free(&system);
    if (!rc) {
        static const char *const numbers[] = {"temperature", "top_p"};
        for (size_t i = 0; i < 2 && !rc; i++) {
            json_t *v = json_object_get(body, numbers[i]);
            if (json_is_number(v))
                json_object_set(out, numbers[i], v);
            else if (v && !json_is_null(v))
                rc = err_invalid(err, numbers[i], "%s must be a number", numbers[i]);
        }
    }
    json_t *stop = json_object_get(body, "stop");
    if (!rc && json_is_string(stop)) {
        json_object_set_new(out, "stop_sequences", json_pack("[O]", stop));
    } else if (!rc && json_is_array(stop)) {
        size_t i;
        json_t *s;
        json_array_foreach(stop, i, s) if (!json_is_string(s)) rc =
            err_invalid(err, "stop", "stop must be a string or an array of strings");
        if (!rc && json_array_size(stop))
            json_object_set(out, "stop_sequences", stop);
    } else if (!rc && stop && !json_is_null(stop)) {
        rc = err_invalid(err, "stop", "stop must be a string or an array of strings");
    }
    const char *user = json_string_value(json_object_get(body, "user"));
    if (!rc && user)
        json_object_set_new(out, "metadata", json_pack("{s:s}", "user_id", user));
    if (!rc)
        rc = translate_tools(body, out, err);
    if (rc) {
        json_decref(out);
        return NULL;
    }
    if (stream)
        json_object_set_new(out, "stream", json_true());
    return out;
}

/* ---- answers -------------------------------------------------------------------------------- */

static const char *finish_reason(const char *stop_reason)
{
    if (!stop_reason)
        return NULL;
    if (strcmp(stop_reason, "max_tokens") == 0)
        return "length";
    if (strcmp(stop_reason, "tool_use") == 0)
        return "tool_calls";
    if (strcmp(stop_reason, "refusal") == 0)
        return "content_filter";
    return "stop"; /* end_turn, stop_sequence, pause_turn */
}

/* Anthropic usage -> provider_usage_t. input_tokens excludes prompt-cache reads and writes;
 * OpenAI's prompt_tokens includes cached tokens, so they are added. */
static void read_usage(const json_t *u, provider_usage_t *usage, int64_t *cached)
{
    if (!json_is_object(u))
        return;
    json_t *in = json_object_get(u, "input_tokens");
    json_t *out = json_object_get(u, "output_tokens");
    if (json_is_integer(in)) {
        json_t *cw = json_object_get(u, "cache_creation_input_tokens");
        json_t *cr = json_object_get(u, "cache_read_input_tokens");
        usage->input_tokens = json_integer_value(in) +
                              (json_is_integer(cw) ? json_integer_value(cw) : 0) +
                              (json_is_integer(cr) ? json_integer_value(cr) : 0);
        if (cached && json_is_integer(cr))
            *cached = json_integer_value(cr);
        usage->known = 1;
    }
    if (json_is_integer(out)) {
        usage->output_tokens = json_integer_value(out);
        usage->known = 1;
    }
}

static json_t *usage_json(const provider_usage_t *u, int64_t cached)
{
    json_t *j = json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)u->input_tokens,
                          "completion_tokens", (json_int_t)u->output_tokens, "total_tokens",
                          (json_int_t)(u->input_tokens + u->output_tokens));
    if (cached > 0)
        json_object_set_new(j, "prompt_tokens_details",
                            json_pack("{s:I}", "cached_tokens", (json_int_t)cached));
    return j;
}

json_t *anthropic_parse_response(const char *body, size_t len, err_t *err)
{
    json_t *msg = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *content = json_object_get(msg, "content");
    if (!json_is_object(msg) || !json_is_array(content)) {
        json_decref(msg);
        err_set(err, 502, "bad_upstream_response", NULL,
                "the upstream's answer is not an Anthropic message (no \"content\" array)");
        return NULL;
    }
    buf_t text;
    buf_init(&text);
    json_t *calls = json_array();
    size_t i;
    json_t *b;
    json_array_foreach(content, i, b)
    {
        const char *type = json_string_value(json_object_get(b, "type"));
        if (!type)
            continue;
        json_t *t = json_object_get(b, "text");
        if (strcmp(type, "text") == 0 && json_is_string(t)) {
            buf_append(&text, json_string_value(t), json_string_length(t));
        } else if (strcmp(type, "tool_use") == 0) {
            json_t *input = json_object_get(b, "input");
            char *args = input ? json_to_string(input) : NULL;
            const char *id = json_string_value(json_object_get(b, "id"));
            const char *name = json_string_value(json_object_get(b, "name"));
            json_array_append_new(calls,
                                  json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", id ? id : "", "type",
                                            "function", "function", "name", name ? name : "",
                                            "arguments", args ? args : "{}"));
            free(args);
        }
        /* thinking and other block types have no chat.completion equivalent */
    }
    json_t *message = json_pack("{s:s}", "role", "assistant");
    json_object_set_new(message, "content",
                        text.len || !json_array_size(calls) ? json_stringn(buf_str(&text), text.len)
                                                            : json_null());
    buf_free(&text);
    if (json_array_size(calls))
        json_object_set_new(message, "tool_calls", calls);
    else
        json_decref(calls);
    const char *fr = finish_reason(json_string_value(json_object_get(msg, "stop_reason")));
    json_t *choice = json_pack("{s:i, s:o, s:o, s:n}", "index", 0, "message", message,
                               "finish_reason", fr ? json_string(fr) : json_null(), "logprobs");
    const char *id = json_string_value(json_object_get(msg, "id"));
    const char *model = json_string_value(json_object_get(msg, "model"));
    json_t *answer = json_pack("{s:s, s:s, s:I, s:s, s:[o]}", "id", id ? id : "", "object",
                               "chat.completion", "created", (json_int_t)time(NULL), "model",
                               model ? model : "", "choices", choice);
    provider_usage_t usage = {0};
    int64_t cached = 0;
    read_usage(json_object_get(msg, "usage"), &usage, &cached);
    if (usage.known)
        json_object_set_new(answer, "usage", usage_json(&usage, cached));
    json_decref(msg);
    return answer;
}

/* ---- streams -------------------------------------------------------------------------------- */

/* Emit a chat.completion.chunk with this delta (stolen) and finish reason (may be NULL). */
static void emit_chunk(provider_stream_t *ps, json_t *delta, const char *finish)
{
    json_t *chunk = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:o, s:o}]}", "id", ps->id, "object",
                              "chat.completion.chunk", "created", (json_int_t)ps->created, "model",
                              ps->summary.model, "choices", "index", 0, "delta", delta,
                              "finish_reason", finish ? json_string(finish) : json_null());
    provider_stream_emit(ps, chunk);
    json_decref(chunk);
}

static int bad_event(provider_stream_t *ps, const char *what)
{
    return err_set(ps->err, 502, "bad_upstream_response", NULL, "upstream stream: %s", what);
}

/* The tool index of a content block, or -1 for a block that is not a tool call. */
static int block_index(const json_t *ev)
{
    json_t *idx = json_object_get(ev, "index");
    if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
        json_integer_value(idx) >= PROVIDER_MAX_STREAM_TOOLS)
        return -1;
    return (int)json_integer_value(idx);
}

static int on_block_start(provider_stream_t *ps, const json_t *ev)
{
    int bi = block_index(ev);
    if (bi < 0)
        return bad_event(ps, "content_block_start without a valid index");
    json_t *block = json_object_get(ev, "content_block");
    const char *type = json_string_value(json_object_get(block, "type"));
    if (type && strcmp(type, "tool_use") == 0) {
        int ti = ps->tool_count;
        const char *id = json_string_value(json_object_get(block, "id"));
        const char *name = json_string_value(json_object_get(block, "name"));
        if (provider_stream_tool_delta(ps, ti, id, name, NULL, 0) != 0)
            return -1;
        ps->block_tool[bi] = ti;
        emit_chunk(ps,
                   json_pack("{s:[{s:i, s:s, s:s, s:{s:s, s:s}}]}", "tool_calls", "index", ti, "id",
                             id ? id : "", "type", "function", "function", "name", name ? name : "",
                             "arguments", ""),
                   NULL);
    } else if (type && strcmp(type, "text") == 0) {
        json_t *t = json_object_get(block, "text");
        if (json_is_string(t) && json_string_length(t) > 0) {
            buf_append(&ps->summary.text, json_string_value(t), json_string_length(t));
            emit_chunk(ps, json_pack("{s:O}", "content", t), NULL);
        }
    }
    return 0;
}

static int on_block_delta(provider_stream_t *ps, const json_t *ev)
{
    int bi = block_index(ev);
    if (bi < 0)
        return bad_event(ps, "content_block_delta without a valid index");
    json_t *delta = json_object_get(ev, "delta");
    const char *type = json_string_value(json_object_get(delta, "type"));
    if (!type)
        return bad_event(ps, "content_block_delta without a delta type");
    if (strcmp(type, "text_delta") == 0) {
        json_t *t = json_object_get(delta, "text");
        if (!json_is_string(t))
            return bad_event(ps, "text_delta without text");
        buf_append(&ps->summary.text, json_string_value(t), json_string_length(t));
        emit_chunk(ps, json_pack("{s:O}", "content", t), NULL);
    } else if (strcmp(type, "input_json_delta") == 0) {
        json_t *pj = json_object_get(delta, "partial_json");
        int ti = ps->block_tool[bi];
        if (!json_is_string(pj) || ti < 0)
            return bad_event(ps, "input_json_delta outside a tool_use block");
        if (json_string_length(pj) == 0)
            return 0;
        if (provider_stream_tool_delta(ps, ti, NULL, NULL, json_string_value(pj),
                                       json_string_length(pj)) != 0)
            return -1;
        emit_chunk(ps,
                   json_pack("{s:[{s:i, s:{s:O}}]}", "tool_calls", "index", ti, "function",
                             "arguments", pj),
                   NULL);
    }
    /* thinking_delta, signature_delta, citations: nothing in chat completions carries them */
    return 0;
}

int anthropic_stream_event(provider_stream_t *ps, const char *event, const char *data, size_t len)
{
    json_t *ev = json_loadb(data, len, 0, NULL);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return bad_event(ps, "an event is not a JSON object");
    }
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (!type)
        type = event;
    int rc = 0;
    if (strcmp(type, "message_start") == 0) {
        json_t *msg = json_object_get(ev, "message");
        const char *id = json_string_value(json_object_get(msg, "id"));
        const char *model = json_string_value(json_object_get(msg, "model"));
        snprintf(ps->id, sizeof ps->id, "%s", id ? id : "");
        snprintf(ps->summary.model, sizeof ps->summary.model, "%s", model ? model : "");
        ps->created = (long long)time(NULL);
        read_usage(json_object_get(msg, "usage"), &ps->summary.usage, NULL);
        emit_chunk(ps, json_pack("{s:s, s:s}", "role", "assistant", "content", ""), NULL);
    } else if (strcmp(type, "content_block_start") == 0) {
        rc = on_block_start(ps, ev);
    } else if (strcmp(type, "content_block_delta") == 0) {
        rc = on_block_delta(ps, ev);
    } else if (strcmp(type, "message_delta") == 0) {
        const char *fr = finish_reason(
            json_string_value(json_object_get(json_object_get(ev, "delta"), "stop_reason")));
        /* usage here is cumulative: output_tokens (and, lately, input_tokens) so far */
        read_usage(json_object_get(ev, "usage"), &ps->summary.usage, NULL);
        if (fr) {
            snprintf(ps->summary.finish_reason, sizeof ps->summary.finish_reason, "%s", fr);
            emit_chunk(ps, json_object(), fr);
        }
    } else if (strcmp(type, "message_stop") == 0) {
        ps->complete = 1;
        if (ps->client_wants_usage && ps->summary.usage.known) {
            json_t *chunk =
                json_pack("{s:s, s:s, s:I, s:s, s:[], s:o}", "id", ps->id, "object",
                          "chat.completion.chunk", "created", (json_int_t)ps->created, "model",
                          ps->summary.model, "choices", "usage", usage_json(&ps->summary.usage, 0));
            provider_stream_emit(ps, chunk);
            json_decref(chunk);
        }
    } else if (strcmp(type, "error") == 0) {
        provider_error_from_object(ps->kind, 0, ev, ps->err);
        rc = -1;
    }
    /* ping, content_block_stop and event types added later carry nothing to relay */
    json_decref(ev);
    return rc;
}
