/* otlp_json.c - OTLP/JSON ExportTraceServiceRequest bodies into an otlp_batch_t (see otlp.h).
 *
 * OTLP/JSON is protobuf's JSON mapping with OTLP's own rules: lowerCamelCase keys, trace and
 * span ids as hex (not base64), 64-bit integers as decimal strings or numbers, enums (kind,
 * status code) as integers - names like "SPAN_KIND_CLIENT" are accepted too, as protobuf's
 * JSON parsers do. Unknown keys are ignored. */
#include "traces/otlp.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static json_t *any_value(const json_t *v, int depth);

/* {"key": k, "value": AnyValue} pairs into an object (later duplicates win). */
static void key_values(const json_t *list, json_t *into, int depth)
{
    size_t i;
    const json_t *kv;
    json_array_foreach(list, i, kv)
    {
        const char *key = json_string_value(json_object_get(kv, "key"));
        if (key)
            json_object_set_new(into, key, any_value(json_object_get(kv, "value"), depth));
    }
}

/* An OTLP int64: a JSON integer or a decimal string. 0 on success. */
static int int64_of(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = n;
    return 0;
}

static json_t *any_value(const json_t *v, int depth)
{
    if (!json_is_object(v) || depth > OTLP_MAX_VALUE_DEPTH)
        return json_null();
    const json_t *x;
    /* Strings and booleans are shared with the parsed body (kept by the batch), not copied. */
    if ((x = json_object_get(v, "stringValue")))
        return json_is_string(x) ? json_incref((json_t *)x) : json_null();
    if ((x = json_object_get(v, "boolValue")))
        return json_is_boolean(x) ? json_incref((json_t *)x) : json_null();
    if ((x = json_object_get(v, "intValue"))) {
        int64_t n;
        return int64_of(x, &n) == 0 ? json_integer(n) : json_null();
    }
    if ((x = json_object_get(v, "doubleValue"))) {
        if (json_is_number(x))
            return json_real(json_number_value(x));
        const char *s = json_string_value(x); /* "NaN", "Infinity" have no JSON number */
        return s ? json_string(s) : json_null();
    }
    if ((x = json_object_get(v, "arrayValue"))) {
        json_t *arr = json_array();
        size_t i;
        const json_t *item;
        json_array_foreach(json_object_get(x, "values"), i, item)
            json_array_append_new(arr, any_value(item, depth + 1));
        return arr;
    }
    if ((x = json_object_get(v, "kvlistValue"))) {
        json_t *obj = json_object();
        key_values(json_object_get(x, "values"), obj, depth + 1);
        return obj;
    }
    if ((x = json_object_get(v, "bytesValue"))) /* already base64 in OTLP/JSON */
        return json_is_string(x) ? json_incref((json_t *)x) : json_null();
    return json_null();
}

/* A hex id of exactly n bytes into out (lowercase); "" (or absent) when allow_empty. */
static int hex_id(const json_t *v, size_t n, char *out, int allow_empty)
{
    const char *s = json_string_value(v);
    if (!s || !*s) {
        out[0] = '\0';
        return allow_empty && (!v || s) ? 0 : -1;
    }
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[2 * n] = '\0';
    return 0;
}

/* An enum as its number, or its protobuf name (prefix + NAME) looked up in names. */
static int64_t enum_of(const json_t *v, const char *prefix, const char *const *names, size_t n)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    const char *s = json_string_value(v);
    size_t plen = strlen(prefix);
    if (s && strncmp(s, prefix, plen) == 0)
        for (size_t i = 0; i < n; i++)
            if (strcmp(s + plen, names[i]) == 0)
                return (int64_t)i;
    return v ? -1 : 0;
}

static void decode_span(const json_t *js, const json_t *resource, const char *scope_name,
                        const char *scope_version, otlp_batch_t *b)
{
    static const char *const kinds[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                        "CLIENT",      "PRODUCER", "CONSUMER"};
    static const char *const codes[] = {"UNSET", "OK", "ERROR"};
    otlp_span_t *s = otlp_batch_add(b);
    s->resource = resource;
    s->scope_name = scope_name;
    s->scope_version = scope_version;
    if (!json_is_object(js)) {
        otlp_batch_reject_last(b, "a span must be a JSON object");
        return;
    }
    if (hex_id(json_object_get(js, "traceId"), TRACE_ID_HEX / 2, s->row.trace_id, 0) != 0) {
        otlp_batch_reject_last(b, "span: 'traceId' must be %d hex digits", TRACE_ID_HEX);
        return;
    }
    if (hex_id(json_object_get(js, "spanId"), SPAN_ID_HEX / 2, s->row.span_id, 0) != 0) {
        otlp_batch_reject_last(b, "span in trace %s: 'spanId' must be %d hex digits",
                               s->row.trace_id, SPAN_ID_HEX);
        return;
    }
    if (hex_id(json_object_get(js, "parentSpanId"), SPAN_ID_HEX / 2, s->row.parent_span_id, 1) !=
        0) {
        otlp_batch_reject_last(b, "span %s: 'parentSpanId' must be empty or %d hex digits",
                               s->row.span_id, SPAN_ID_HEX);
        return;
    }
    s->row.name = json_string_value(json_object_get(js, "name"));
    int64_t start = 0, end = 0;
    const json_t *jend = json_object_get(js, "endTimeUnixNano");
    if (int64_of(json_object_get(js, "startTimeUnixNano"), &start) != 0 ||
        (jend && int64_of(jend, &end) != 0)) {
        otlp_batch_reject_last(b, "span %s: times must be integers (epoch ns)", s->row.span_id);
        return;
    }
    s->row.start_ns = start;
    s->row.end_ns = end;
    int64_t kind = enum_of(json_object_get(js, "kind"), "SPAN_KIND_", kinds, 6);
    s->row.kind = otlp_kind_name(kind);
    const json_t *status = json_object_get(js, "status");
    int64_t code = enum_of(json_object_get(status, "code"), "STATUS_CODE_", codes, 3);
    s->row.status = otlp_status_name(code);
    if (!s->row.status) {
        otlp_batch_reject_last(b, "span %s: unknown status code", s->row.span_id);
        return;
    }
    const char *message = json_string_value(json_object_get(status, "message"));
    s->row.status_message = message && *message ? message : NULL;
    key_values(json_object_get(js, "attributes"), s->attrs, 0);
    size_t i;
    const json_t *ev;
    json_array_foreach(json_object_get(js, "events"), i, ev)
    {
        json_t *attrs = json_object();
        key_values(json_object_get(ev, "attributes"), attrs, 0);
        int64_t t = 0;
        int64_of(json_object_get(ev, "timeUnixNano"), &t);
        const char *name = json_string_value(json_object_get(ev, "name"));
        json_array_append_new(s->events,
                              json_pack("{s:s, s:I, s:o}", "name", name ? name : "",
                                        "time_unix_nano", (json_int_t)t, "attributes", attrs));
    }
}

int otlp_json_decode(const char *body, size_t len, otlp_batch_t *b, err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", len, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return err_invalid(err, "body",
                           "the body is not an OTLP/JSON ExportTraceServiceRequest: %s",
                           root ? "not a JSON object" : jerr.text);
    }
    otlp_batch_keep(b, root); /* spans borrow names and messages from it */
    const json_t *rss = json_object_get(root, "resourceSpans");
    if (rss && !json_is_array(rss))
        return err_invalid(err, "resourceSpans", "'resourceSpans' must be an array");
    size_t i, j, k;
    const json_t *rs, *ss, *sp;
    json_array_foreach(rss, i, rs)
    {
        json_t *resource = otlp_batch_keep(b, json_object());
        key_values(json_object_get(json_object_get(rs, "resource"), "attributes"), resource, 0);
        json_array_foreach(json_object_get(rs, "scopeSpans"), j, ss)
        {
            const json_t *scope = json_object_get(ss, "scope");
            const char *scope_name = json_string_value(json_object_get(scope, "name"));
            const char *scope_version = json_string_value(json_object_get(scope, "version"));
            const json_t *spans = json_object_get(ss, "spans");
            json_array_foreach(spans, k, sp)
                decode_span(sp, resource, scope_name, scope_version, b);
        }
    }
    return 0;
}
