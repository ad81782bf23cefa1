/* genai_map.c - an OpenTelemetry span's GenAI / OpenInference attributes onto the span row
 * (see genai_map.h; docs/otlp.md has the table). Each field takes the first attribute of its
 * list that the span has, so the newest GenAI names come first, then their deprecated forms,
 * then OpenInference's. */
#include "traces/genai_map.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static const json_t *attr(const otlp_span_t *s, const char *key)
{
    return json_object_get(s->attrs, key);
}

/* The first non-empty string among keys (NULL-terminated); from the resource too when
 * with_resource. */
static const char *first_str(const otlp_span_t *s, const char *const *keys, int with_resource)
{
    for (size_t i = 0; keys[i]; i++) {
        const char *v = json_string_value(attr(s, keys[i]));
        if (v && *v)
            return v;
    }
    for (size_t i = 0; with_resource && keys[i]; i++) {
        const char *v = json_string_value(json_object_get(s->resource, keys[i]));
        if (v && *v)
            return v;
    }
    return NULL;
}

/* A count: a JSON integer, an integral number, or a decimal string; -1 when none is. */
static int64_t count_of(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9e18)
        return (int64_t)json_real_value(v);
    const char *text = json_string_value(v);
    if (text && *text) {
        char *end;
        long long n = strtoll(text, &end, 10);
        if (!*end && n >= 0)
            return n;
    }
    return -1;
}

static int64_t first_count(const otlp_span_t *s, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        int64_t n = count_of(attr(s, keys[i]));
        if (n >= 0)
            return n;
    }
    return -1;
}

static double first_number(const otlp_span_t *s, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        const json_t *v = attr(s, keys[i]);
        if (json_is_number(v) && json_number_value(v) >= 0)
            return json_number_value(v);
        const char *text = json_string_value(v);
        if (text && *text) {
            char *end;
            double d = strtod(text, &end);
            if (!*end && d >= 0 && isfinite(d))
                return d;
        }
    }
    return NAN;
}

/* A value as the text of an input/output column: strings as they are, the rest as JSON. */
static const char *value_text(otlp_batch_t *b, const json_t *v)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    return otlp_batch_own(b, json_dumps(v, JSON_COMPACT));
}

/* Flattened message lists - "<prefix>N.message.role", "<prefix>N.content" - as a JSON array of
 * objects: index N, the key after "N." (and after "message." when present: OpenInference).
 * NULL when the span has none. */
static json_t *indexed_messages(const otlp_span_t *s, const char *prefix)
{
    size_t plen = strlen(prefix);
    json_t *messages = NULL;
    const char *key;
    json_t *value;
    json_object_foreach(s->attrs, key, value)
    {
        if (strncmp(key, prefix, plen) != 0 || !isdigit((unsigned char)key[plen]))
            continue;
        char *end;
        unsigned long index = strtoul(key + plen, &end, 10);
        if (*end != '.' || index > 1000)
            continue;
        const char *rest = end + 1;
        if (strncmp(rest, "message.", 8) == 0)
            rest += 8;
        if (!*rest)
            continue;
        if (!messages)
            messages = json_array();
        while (json_array_size(messages) <= index)
            json_array_append_new(messages, json_object());
        json_object_set(json_array_get(messages, index), rest, value);
    }
    return messages;
}

/* GenAI's message events (gen_ai.system/user/assistant/tool.message as input, gen_ai.choice as
 * output) as a messages array: each event's attributes, with "role" from the event name when
 * the attributes have none. NULL when the span has none. */
static json_t *event_messages(const otlp_span_t *s, int output)
{
    static const char *const inputs[][2] = {{"gen_ai.system.message", "system"},
                                            {"gen_ai.user.message", "user"},
                                            {"gen_ai.assistant.message", "assistant"},
                                            {"gen_ai.tool.message", "tool"}};
    json_t *messages = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(s->events, i, ev)
    {
        const char *name = json_string_value(json_object_get(ev, "name"));
        const char *role = NULL;
        if (output && strcmp(name, "gen_ai.choice") == 0)
            role = "assistant";
        for (size_t k = 0; !output && k < sizeof inputs / sizeof inputs[0]; k++)
            if (strcmp(name, inputs[k][0]) == 0)
                role = inputs[k][1];
        if (!role)
            continue;
        json_t *msg = json_deep_copy(json_object_get(ev, "attributes"));
        if (!json_is_object(msg)) {
            json_decref(msg);
            msg = json_object();
        }
        if (!json_object_get(msg, "role"))
            json_object_set_new(msg, "role", json_string(role));
        if (!messages)
            messages = json_array();
        json_array_append_new(messages, msg);
    }
    return messages;
}

/* The 1.26-era GenAI events: gen_ai.content.prompt {gen_ai.prompt} and gen_ai.content.completion
 * {gen_ai.completion}. */
static const json_t *content_event(const otlp_span_t *s, const char *event, const char *key)
{
    size_t i;
    json_t *ev;
    json_array_foreach(s->events, i, ev)
    {
        if (strcmp(json_string_value(json_object_get(ev, "name")), event) == 0)
            return json_object_get(json_object_get(ev, "attributes"), key);
    }
    return NULL;
}

static const char *payload(otlp_span_t *s, otlp_batch_t *b, int output)
{
    static const char *const in_keys[] = {"input.value", "gen_ai.input.messages", "gen_ai.prompt",
                                          NULL};
    static const char *const out_keys[] = {"output.value", "gen_ai.output.messages",
                                           "gen_ai.completion", NULL};
    const char *const *keys = output ? out_keys : in_keys;
    for (size_t i = 0; keys[i]; i++) {
        const char *text = value_text(b, attr(s, keys[i]));
        if (text)
            return text;
    }
    json_t *messages = indexed_messages(s, output ? "llm.output_messages." : "llm.input_messages.");
    if (!messages)
        messages = indexed_messages(s, output ? "gen_ai.completion." : "gen_ai.prompt.");
    if (!messages)
        messages = event_messages(s, output);
    if (messages) {
        const char *text = value_text(b, messages);
        json_decref(messages);
        return text;
    }
    return value_text(b, output ? content_event(s, "gen_ai.content.completion", "gen_ai.completion")
                                : content_event(s, "gen_ai.content.prompt", "gen_ai.prompt"));
}

static const char *span_type(const otlp_span_t *s, const char *model)
{
    static const char *const oi_kinds[][2] = {
        {"LLM", SPAN_TYPE_LLM},
        {"EMBEDDING", SPAN_TYPE_EMBEDDING},
        {"RETRIEVER", SPAN_TYPE_RETRIEVAL},
        {"RERANKER", SPAN_TYPE_RETRIEVAL},
        {"TOOL", SPAN_TYPE_TOOL},
        {"CHAIN", SPAN_TYPE_CHAIN},
        {"AGENT", SPAN_TYPE_AGENT},
        {"GUARDRAIL", SPAN_TYPE_GUARDRAIL},
    };
    static const char *const operations[][2] = {
        {"chat", SPAN_TYPE_LLM},
        {"text_completion", SPAN_TYPE_LLM},
        {"generate_content", SPAN_TYPE_LLM},
        {"embeddings", SPAN_TYPE_EMBEDDING},
        {"execute_tool", SPAN_TYPE_TOOL},
        {"invoke_agent", SPAN_TYPE_AGENT},
        {"create_agent", SPAN_TYPE_AGENT},
    };
    const char *kind = json_string_value(attr(s, "openinference.span.kind"));
    for (size_t i = 0; kind && i < sizeof oi_kinds / sizeof oi_kinds[0]; i++)
        if (strcasecmp(kind, oi_kinds[i][0]) == 0)
            return oi_kinds[i][1];
    const char *op = json_string_value(attr(s, "gen_ai.operation.name"));
    for (size_t i = 0; op && i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(op, operations[i][0]) == 0)
            return operations[i][1];
    return model ? SPAN_TYPE_LLM : SPAN_TYPE_SPAN;
}

/* "key":value with the key as a JSON string, appended to out (comma first unless empty). */
static void member(buf_t *out, const char *prefix, const char *key, const json_t *value)
{
    buf_t k;
    buf_init(&k);
    buf_printf(&k, "%s%s", prefix, key);
    json_t *name = json_string(buf_str(&k));
    buf_free(&k);
    char *name_text = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;
    char *value_text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
    if (name_text && value_text) {
        if (out->len)
            buf_append_char(out, ',');
        buf_printf(out, "%s:%s", name_text, value_text);
    }
    free(name_text);
    free(value_text);
    json_decref(name);
}

/* The resource's and scope's members of attributes_json, made once per resource and scope. */
static const char *resource_members(const otlp_span_t *s, otlp_batch_t *b)
{
    if (b->frag && b->frag_resource == s->resource && b->frag_scope_name == s->scope_name &&
        b->frag_scope_version == s->scope_version)
        return b->frag;
    buf_t out;
    buf_init(&out);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)s->resource, key, value) member(&out, "resource.", key, value);
    json_t *scope_name = s->scope_name ? json_string(s->scope_name) : NULL;
    json_t *scope_version = s->scope_version ? json_string(s->scope_version) : NULL;
    if (scope_name)
        member(&out, "", "otel.scope.name", scope_name);
    if (scope_version)
        member(&out, "", "otel.scope.version", scope_version);
    json_decref(scope_name);
    json_decref(scope_version);
    free(b->frag);
    b->frag = out.data ? buf_steal(&out) : xstrdup("");
    b->frag_resource = s->resource;
    b->frag_scope_name = s->scope_name;
    b->frag_scope_version = s->scope_version;
    return b->frag;
}

/* Everything the span carried: its attributes, the resource's as "resource.<key>", the scope
 * as otel.scope.name / otel.scope.version. The span's object is written out and the resource's
 * members (the same for all spans of a resource, so written once) are spliced in before its
 * closing brace: building a merged object per span cost more than the rest of the mapping. */
static const char *all_attributes(const otlp_span_t *s, otlp_batch_t *b)
{
    const char *extra = resource_members(s, b);
    char *own = json_dumps(s->attrs, JSON_COMPACT);
    if (!*extra)
        return otlp_batch_own(b, own);
    size_t len = strlen(own); /* "{...}" */
    buf_t out;
    buf_init(&out);
    buf_reserve(&out, len + strlen(extra) + 2);
    buf_append(&out, own, len - 1);
    if (len > 2)
        buf_append_char(&out, ',');
    buf_append_str(&out, extra);
    buf_append_char(&out, '}');
    free(own);
    return otlp_batch_own(b, buf_steal(&out));
}

void genai_map_span(otlp_span_t *s, otlp_batch_t *b, const genai_prices_t *prices)
{
    static const char *const model_keys[] = {"gen_ai.response.model", "gen_ai.request.model",
                                             "llm.model_name", NULL};
    static const char *const provider_keys[] = {"gen_ai.provider.name", "gen_ai.system",
                                                "llm.provider", "llm.system", NULL};
    static const char *const input_keys[] = {
        "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", NULL};
    static const char *const output_keys[] = {"gen_ai.usage.output_tokens",
                                              "gen_ai.usage.completion_tokens",
                                              "llm.token_count.completion", NULL};
    static const char *const cost_keys[] = {"llm.cost.total", "gen_ai.usage.cost", NULL};
    static const char *const session_keys[] = {"gen_ai.conversation.id", "session.id", NULL};
    static const char *const user_keys[] = {"user.id", "enduser.id", NULL};
    static const char *const version_keys[] = {"service.version", NULL};
    static const char *const endpoint_keys[] = {"llmops.endpoint", NULL};

    span_row_t *r = &s->row;
    r->model = first_str(s, model_keys, 0);
    r->provider = first_str(s, provider_keys, 0);
    r->input_tokens = first_count(s, input_keys);
    r->output_tokens = first_count(s, output_keys);
    r->cost_usd = first_number(s, cost_keys);
    double in_price, out_price;
    if (isnan(r->cost_usd) && r->model && (r->input_tokens >= 0 || r->output_tokens >= 0) &&
        prices && prices->lookup &&
        prices->lookup(prices->ctx, r->provider, r->model, &in_price, &out_price) == 0)
        r->cost_usd = ((double)(r->input_tokens > 0 ? r->input_tokens : 0) * in_price +
                       (double)(r->output_tokens > 0 ? r->output_tokens : 0) * out_price) /
                      1e6;
    r->type = span_type(s, r->model);
    r->session_id = first_str(s, session_keys, 1);
    r->user_id = first_str(s, user_keys, 1);
    r->version = first_str(s, version_keys, 1);
    r->endpoint = first_str(s, endpoint_keys, 0);
    r->input = payload(s, b, 0);
    r->output = payload(s, b, 1);
    r->attributes_json = all_attributes(s, b);
    r->events_json = json_array_size(s->events) > 0
                         ? otlp_batch_own(b, json_dumps(s->events, JSON_COMPACT))
                         : NULL;
}
