/* fuzz_langfuse_ingest.c - libFuzzer target for the Langfuse ingestion parser
 * (traces/langfuse_ingest.h, the store-free half): the input is used as a Langfuse id and as a
 * date-time, and parsed as a batch whose events go through the checks and mappings the endpoint
 * runs (trace, observation and score bodies). Any crash, sanitizer report or leak is a finding;
 * so is a result that breaks the contract: mapped ids that are not 32/16 lowercase hex, a failed
 * check that is not a 400 naming a body field, or a mapped span whose texts are not JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "traces/langfuse_ingest.h"

static void check_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            abort();
}

static void check_error(const err_t *err)
{
    if (err->status != 400 || strncmp(err->field, "body", 4) != 0)
        abort();
}

static void check_json_text(const char *text, int object)
{
    if (!text)
        return;
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!v || (object && !json_is_object(v)))
        abort();
    json_decref(v);
}

static void observation(json_t *body, int create)
{
    err_t err;
    if (langfuse_observation_check(body, create, &err) != 0) {
        check_error(&err);
        return;
    }
    if (!json_is_string(json_object_get(body, "id")))
        json_object_set_new(body, "id", json_string("generated"));
    langfuse_span_t span;
    if (langfuse_span_from_body(body, &span, &err) != 0) {
        check_error(&err);
        return;
    }
    check_hex(span.row.trace_id, TRACE_ID_HEX);
    check_hex(span.row.span_id, SPAN_ID_HEX);
    if (span.row.parent_span_id[0])
        check_hex(span.row.parent_span_id, SPAN_ID_HEX);
    if (!span.row.name || !span.row.type || span.row.start_ns < 0 || span.row.end_ns < 0)
        abort();
    check_json_text(span.row.input, 0);
    check_json_text(span.row.output, 0);
    check_json_text(span.row.attributes_json, 1);
    langfuse_span_free(&span);
}

static void event(json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *body = json_object_get(ev, "body");
    if (!type || !json_is_object(body))
        return;
    err_t err;
    if (!strcmp(type, "trace-create")) {
        if (langfuse_trace_check(body, &err) != 0) {
            check_error(&err);
            return;
        }
        langfuse_trace_t trace;
        langfuse_trace_from_body(body, &trace);
        check_hex(trace.fields.trace_id, TRACE_ID_HEX);
        check_json_text(trace.fields.input, 0);
        langfuse_trace_free(&trace);
    } else if (!strcmp(type, "score-create")) {
        json_t *score = langfuse_score_from_body(body, 0, &err);
        if (!score)
            check_error(&err);
        else
            check_hex(json_string_value(json_object_get(score, "trace_id")), TRACE_ID_HEX);
        json_decref(score);
    } else {
        observation(body, strstr(type, "create") != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char t[TRACE_ID_HEX + 1], s[SPAN_ID_HEX + 1];
    langfuse_trace_id(text, t);
    check_hex(t, TRACE_ID_HEX);
    langfuse_observation_id(text, s);
    check_hex(s, SPAN_ID_HEX);
    int64_t ns = -1;
    if (langfuse_parse_time(text, &ns) == 0 && ns < 0)
        abort();
    free(text);

    json_t *root = json_loadb((const char *)data, size, 0, NULL);
    json_t *batch = json_object_get(root, "batch");
    size_t i;
    json_t *ev;
    json_array_foreach(batch, i, ev) if (json_is_object(ev)) event(ev);
    json_decref(root);
    return 0;
}
