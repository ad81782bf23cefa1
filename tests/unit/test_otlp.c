/* test_otlp.c - unit tests for traces/otlp.h and traces/genai_map.h: the OTLP/JSON and
 * OTLP/protobuf decoders (ids, times as strings and numbers, kinds and status codes as numbers
 * and names, every attribute value type, events, resource and scope, spans rejected one by one,
 * undecodable bodies, nesting limits), the GenAI / OpenInference mapping (current and
 * deprecated names, flattened message lists, message events, cost given / priced / unknown,
 * types, session/user/version from the resource, the stored attributes), both response
 * encodings, and otlp_ingest on a real store (rejections of rows span_row_check refuses).
 *
 * The store tests run on SQLite and, when test_pg_url() is set, on PostgreSQL. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <math.h>

#include "base/buf.h"
#include "otlp_trace.pb-c.h"
#include "traces/genai_map.h"
#include "traces/otlp.h"

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM traces");
    test_store_exec(f->store, "DELETE FROM spans");
    return 0;
}

#define TID "5B8EFFF798038103D269B633813FC60C"
#define SID "EEE19B7EC3C1B174"

static void decode_json(const char *text, otlp_batch_t *b)
{
    otlp_batch_init(b);
    err_t err;
    if (otlp_json_decode(text, strlen(text), b, &err) != 0)
        fail_msg("otlp_json_decode: %s", err.message);
}

/* One span in one resource/scope, with the given span JSON members after the ids. */
static char *one_span(const char *members)
{
    buf_t b;
    buf_init(&b);
    buf_printf(&b,
               "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.version\","
               "\"value\":{\"stringValue\":\"2.0.1\"}},{\"key\":\"user.id\",\"value\":"
               "{\"stringValue\":\"res-user\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"sc\","
               "\"version\":\"9\"},\"spans\":[{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\","
               "\"name\":\"s\",\"startTimeUnixNano\":\"1700000000000000000\",%s}]}]}]}",
               members);
    return buf_steal(&b);
}

static void test_json_decode(void **state)
{
    (void)state;
    otlp_batch_t b;
    decode_json(
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":"
        "{\"stringValue\":\"svc\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"lib\",\"version\":"
        "\"1.0\"},\"spans\":[{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"parentSpanId\":"
        "\"00000000000000AB\",\"name\":\"root\",\"kind\":3,\"startTimeUnixNano\":"
        "\"1700000000000000001\",\"endTimeUnixNano\":1700000000500000000,\"status\":{\"code\":2,"
        "\"message\":\"bad\"},\"attributes\":[{\"key\":\"s\",\"value\":{\"stringValue\":\"x\"}},"
        "{\"key\":\"b\",\"value\":{\"boolValue\":true}},{\"key\":\"i\",\"value\":{\"intValue\":"
        "\"9007199254740993\"}},{\"key\":\"d\",\"value\":{\"doubleValue\":1.5}},{\"key\":\"a\","
        "\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":1},{\"stringValue\":\"two\"}]}}},"
        "{\"key\":\"kv\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":"
        "{\"boolValue\":false}}]}}},{\"key\":\"by\",\"value\":{\"bytesValue\":\"AQI=\"}}],"
        "\"events\":[{\"timeUnixNano\":\"1700000000100000000\",\"name\":\"ev\",\"attributes\":"
        "[{\"key\":\"x\",\"value\":{\"intValue\":3}}]}]},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"0000000000000002\",\"name\":\"named enums\","
        "\"kind\":\"SPAN_KIND_SERVER\",\"startTimeUnixNano\":5,\"status\":{\"code\":"
        "\"STATUS_CODE_OK\"}}]}]}]}",
        &b);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.rejected, 0);
    const otlp_span_t *s = &b.spans[0];
    assert_string_equal(s->row.trace_id, "5b8efff798038103d269b633813fc60c");
    assert_string_equal(s->row.span_id, "eee19b7ec3c1b174");
    assert_string_equal(s->row.parent_span_id, "00000000000000ab");
    assert_string_equal(s->row.name, "root");
    assert_string_equal(s->row.kind, "client");
    assert_true(s->row.start_ns == 1700000000000000001LL);
    assert_true(s->row.end_ns == 1700000000500000000LL);
    assert_string_equal(s->row.status, "error");
    assert_string_equal(s->row.status_message, "bad");
    assert_string_equal(s->row.source, "otlp");
    char *attrs = json_dumps(s->attrs, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(attrs, "{\"a\":[1,\"two\"],\"b\":true,\"by\":\"AQI=\",\"d\":1.5,"
                               "\"i\":9007199254740993,\"kv\":{\"k\":false},\"s\":\"x\"}");
    free(attrs);
    char *events = json_dumps(s->events, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(events, "[{\"attributes\":{\"x\":3},\"name\":\"ev\",\"time_unix_nano\":"
                                "1700000000100000000}]");
    free(events);
    assert_string_equal(json_string_value(json_object_get(s->resource, "service.name")), "svc");
    assert_string_equal(s->scope_name, "lib");
    assert_string_equal(s->scope_version, "1.0");
    assert_string_equal(b.spans[1].row.kind, "server");
    assert_string_equal(b.spans[1].row.status, "ok");
    assert_string_equal(b.spans[1].row.parent_span_id, "");
    assert_int_equal(b.spans[1].row.end_ns, 0);
    otlp_batch_free(&b);
}

/* Each unusable span is rejected alone, with the first reason kept. */
static void test_json_rejects(void **state)
{
    (void)state;
    otlp_batch_t b;
    decode_json(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        "{\"traceId\":\"abc\",\"spanId\":\"" SID "\",\"name\":\"x\",\"startTimeUnixNano\":1},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"zz\",\"name\":\"x\",\"startTimeUnixNano\":1},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"parentSpanId\":\"12\",\"name\":\"x\","
        "\"startTimeUnixNano\":1},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"name\":\"x\",\"startTimeUnixNano\":"
        "\"soon\"},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"name\":\"x\",\"startTimeUnixNano\":1,"
        "\"status\":{\"code\":7}},"
        "17,"
        "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"name\":\"ok\",\"startTimeUnixNano\":1}"
        "]}]}]}",
        &b);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.rejected, 6);
    assert_string_equal(b.spans[0].row.name, "ok");
    assert_non_null(strstr(b.first_error, "traceId"));
    otlp_batch_free(&b);
}

static void test_json_undecodable(void **state)
{
    (void)state;
    const char *bad[] = {"", "not json", "[1,2]", "{\"resourceSpans\":{}}", "{\"resourceSpans\":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        otlp_batch_t b;
        otlp_batch_init(&b);
        err_t err;
        assert_int_equal(otlp_json_decode(bad[i], strlen(bad[i]), &b, &err), -1);
        assert_int_equal(err.status, 400);
        otlp_batch_free(&b);
    }
    otlp_batch_t b;
    decode_json("{}", &b);
    assert_int_equal(b.n, 0);
    otlp_batch_free(&b);
}

/* ---- protobuf ---------------------------------------------------------------------------------
 * Requests are built with the same generated code (the encoder side of protobuf-c). */

static Otlp__KeyValue *kv_string(const char *key, const char *value)
{
    Otlp__KeyValue *kv = calloc(1, sizeof *kv);
    Otlp__AnyValue *v = calloc(1, sizeof *v);
    otlp__key_value__init(kv);
    otlp__any_value__init(v);
    v->value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
    v->string_value = (char *)value;
    kv->key = (char *)key;
    kv->value = v;
    return kv;
}

static Otlp__KeyValue *kv_int(const char *key, int64_t value)
{
    Otlp__KeyValue *kv = kv_string(key, NULL);
    kv->value->value_case = OTLP__ANY_VALUE__VALUE_INT_VALUE;
    kv->value->int_value = value;
    return kv;
}

static void kv_free(Otlp__KeyValue *kv)
{
    free(kv->value);
    free(kv);
}

/* A request with one resource, one scope and the given spans, packed. Caller frees. */
static uint8_t *pack_request(Otlp__Span **spans, size_t n, Otlp__KeyValue **res_attrs, size_t nres,
                             size_t *len)
{
    Otlp__Resource resource = OTLP__RESOURCE__INIT;
    resource.attributes = res_attrs;
    resource.n_attributes = nres;
    Otlp__InstrumentationScope scope = OTLP__INSTRUMENTATION_SCOPE__INIT;
    scope.name = "pb-scope";
    Otlp__ScopeSpans ss = OTLP__SCOPE_SPANS__INIT;
    ss.scope = &scope;
    ss.spans = spans;
    ss.n_spans = n;
    Otlp__ScopeSpans *ssp = &ss;
    Otlp__ResourceSpans rs = OTLP__RESOURCE_SPANS__INIT;
    rs.resource = &resource;
    rs.scope_spans = &ssp;
    rs.n_scope_spans = 1;
    Otlp__ResourceSpans *rsp = &rs;
    Otlp__ExportTraceServiceRequest req = OTLP__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.resource_spans = &rsp;
    req.n_resource_spans = 1;
    *len = otlp__export_trace_service_request__get_packed_size(&req);
    uint8_t *out = malloc(*len + 1);
    otlp__export_trace_service_request__pack(&req, out);
    return out;
}

static uint8_t trace_bytes[16] = {0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
                                  0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c};
static uint8_t span_bytes[8] = {0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74};
static uint8_t parent_bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0xab};

static void test_proto_decode(void **state)
{
    (void)state;
    Otlp__KeyValue *attrs[] = {kv_string("gen_ai.request.model", "m1"),
                               kv_int("gen_ai.usage.input_tokens", 42)};
    Otlp__KeyValue *res[] = {kv_string("service.version", "3.1")};
    Otlp__Status status = OTLP__STATUS__INIT;
    status.code = 2;
    status.message = "boom";
    Otlp__Event ev = OTLP__EVENT__INIT;
    ev.name = "exception";
    ev.time_unix_nano = 1700000000000000100ULL;
    Otlp__Event *evp = &ev;
    Otlp__Span sp = OTLP__SPAN__INIT;
    sp.trace_id = (ProtobufCBinaryData){16, trace_bytes};
    sp.span_id = (ProtobufCBinaryData){8, span_bytes};
    sp.parent_span_id = (ProtobufCBinaryData){8, parent_bytes};
    sp.name = "pb span";
    sp.kind = 5;
    sp.start_time_unix_nano = 1700000000000000000ULL;
    sp.end_time_unix_nano = 1700000000250000000ULL;
    sp.attributes = attrs;
    sp.n_attributes = 2;
    sp.events = &evp;
    sp.n_events = 1;
    sp.status = &status;
    /* Rejected: a 4-byte span id. */
    Otlp__Span bad = sp;
    bad.span_id = (ProtobufCBinaryData){4, span_bytes};
    Otlp__Span *spans[] = {&sp, &bad};
    size_t len;
    uint8_t *body = pack_request(spans, 2, res, 1, &len);

    otlp_batch_t b;
    otlp_batch_init(&b);
    err_t err;
    assert_int_equal(otlp_proto_decode(body, len, &b, &err), 0);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.rejected, 1);
    const otlp_span_t *s = &b.spans[0];
    assert_string_equal(s->row.trace_id, "5b8efff798038103d269b633813fc60c");
    assert_string_equal(s->row.span_id, "eee19b7ec3c1b174");
    assert_string_equal(s->row.parent_span_id, "00000000000000ab");
    assert_string_equal(s->row.name, "pb span");
    assert_string_equal(s->row.kind, "consumer");
    assert_string_equal(s->row.status, "error");
    assert_string_equal(s->row.status_message, "boom");
    assert_true(s->row.end_ns - s->row.start_ns == 250000000LL);
    assert_int_equal(json_integer_value(json_object_get(s->attrs, "gen_ai.usage.input_tokens")),
                     42);
    assert_string_equal(json_string_value(json_object_get(s->resource, "service.version")), "3.1");
    assert_string_equal(s->scope_name, "pb-scope");
    assert_string_equal(json_string_value(json_object_get(json_array_get(s->events, 0), "name")),
                        "exception");

    genai_map_span(&b.spans[0], &b, NULL);
    assert_string_equal(s->row.model, "m1");
    assert_int_equal(s->row.input_tokens, 42);
    assert_string_equal(s->row.version, "3.1");
    assert_string_equal(s->row.type, SPAN_TYPE_LLM);
    otlp_batch_free(&b);

    /* A truncated body is undecodable. */
    otlp_batch_init(&b);
    assert_int_equal(otlp_proto_decode(body, len - 3, &b, &err), -1);
    assert_int_equal(err.status, 400);
    otlp_batch_free(&b);
    free(body);
    kv_free(attrs[0]);
    kv_free(attrs[1]);
    kv_free(res[0]);

    otlp_batch_init(&b);
    assert_int_equal(otlp_proto_decode("\xff\xff\xff", 3, &b, &err), -1);
    otlp_batch_free(&b);
    otlp_batch_init(&b);
    assert_int_equal(otlp_proto_decode(NULL, 0, &b, &err), 0); /* an empty request */
    assert_int_equal(b.n, 0);
    otlp_batch_free(&b);
}

/* An attribute nested deeper than the limit is refused before protobuf-c recurses into it. */
static void test_proto_depth_limit(void **state)
{
    (void)state;
    enum { DEPTH = 200 };
    Otlp__AnyValue *values = calloc(DEPTH, sizeof *values);
    Otlp__ArrayValue *arrays = calloc(DEPTH, sizeof *arrays);
    Otlp__AnyValue **ptrs = calloc(DEPTH, sizeof *ptrs);
    for (int i = 0; i < DEPTH; i++) {
        otlp__any_value__init(&values[i]);
        otlp__array_value__init(&arrays[i]);
        ptrs[i] = &values[i];
    }
    for (int i = 0; i + 1 < DEPTH; i++) {
        values[i].value_case = OTLP__ANY_VALUE__VALUE_ARRAY_VALUE;
        values[i].array_value = &arrays[i];
        arrays[i].values = &ptrs[i + 1];
        arrays[i].n_values = 1;
    }
    values[DEPTH - 1].value_case = OTLP__ANY_VALUE__VALUE_BOOL_VALUE;
    Otlp__KeyValue kv = OTLP__KEY_VALUE__INIT;
    kv.key = "deep";
    kv.value = &values[0];
    Otlp__KeyValue *kvp = &kv;
    Otlp__Span sp = OTLP__SPAN__INIT;
    sp.trace_id = (ProtobufCBinaryData){16, trace_bytes};
    sp.span_id = (ProtobufCBinaryData){8, span_bytes};
    sp.name = "deep";
    sp.start_time_unix_nano = 1;
    sp.attributes = &kvp;
    sp.n_attributes = 1;
    Otlp__Span *spans[] = {&sp};
    size_t len;
    uint8_t *body = pack_request(spans, 1, NULL, 0, &len);
    otlp_batch_t b;
    otlp_batch_init(&b);
    err_t err;
    assert_int_equal(otlp_proto_decode(body, len, &b, &err), -1);
    assert_non_null(strstr(err.message, "nested"));
    otlp_batch_free(&b);
    free(body);

    /* Within the limit it decodes. */
    values[20].value_case = OTLP__ANY_VALUE__VALUE_BOOL_VALUE;
    body = pack_request(spans, 1, NULL, 0, &len);
    otlp_batch_init(&b);
    assert_int_equal(otlp_proto_decode(body, len, &b, &err), 0);
    assert_int_equal(b.n, 1);
    otlp_batch_free(&b);
    free(body);
    free(values);
    free(arrays);
    free(ptrs);
}

static void test_responses(void **state)
{
    (void)state;
    char *ok = otlp_json_response(0, NULL);
    assert_string_equal(ok, "{}");
    free(ok);
    char *partial = otlp_json_response(3, "span x: bad");
    assert_string_equal(partial, "{\"partialSuccess\":{\"rejectedSpans\":\"3\",\"errorMessage\":"
                                 "\"span x: bad\"}}");
    free(partial);
    void *out;
    size_t len;
    otlp_proto_response(0, NULL, &out, &len);
    assert_int_equal(len, 0);
    free(out);
    otlp_proto_response(2, "why", &out, &len);
    Otlp__ExportTraceServiceResponse *r =
        otlp__export_trace_service_response__unpack(NULL, len, out);
    assert_non_null(r);
    assert_non_null(r->partial_success);
    assert_int_equal(r->partial_success->rejected_spans, 2);
    assert_string_equal(r->partial_success->error_message, "why");
    otlp__export_trace_service_response__free_unpacked(r, NULL);
    free(out);
}

/* ---- mapping ------------------------------------------------------------------------------ */

static int fake_prices(void *ctx, const char *provider, const char *model, double *in, double *out)
{
    (void)ctx;
    if (strcmp(model, "priced-model") != 0 || !provider || strcmp(provider, "acme") != 0)
        return -1;
    *in = 2.0;
    *out = 10.0;
    return 0;
}

/* "attributes":[...] of key/value pairs (NULL-terminated): a value "#N" is an intValue, "%X" a
 * doubleValue, anything else a stringValue. Caller frees. */
static char *attributes(const char *const *kv)
{
    json_t *list = json_array();
    for (size_t i = 0; kv[i]; i += 2) {
        const char *v = kv[i + 1];
        json_t *value = v[0] == '#'   ? json_pack("{s:s}", "intValue", v + 1)
                        : v[0] == '%' ? json_pack("{s:f}", "doubleValue", atof(v + 1))
                                      : json_pack("{s:s}", "stringValue", v);
        json_array_append_new(list, json_pack("{s:s, s:o}", "key", kv[i], "value", value));
    }
    char *items = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "\"attributes\":%s", items);
    free(items);
    return buf_steal(&b);
}

/* Decode one span with these attributes (and more span members, or NULL) and map it. */
static void mapped(const char *const *kv, const char *more, otlp_batch_t *b)
{
    char *attrs = attributes(kv);
    buf_t m;
    buf_init(&m);
    buf_printf(&m, "%s%s%s", attrs, more ? "," : "", more ? more : "");
    char *text = one_span(buf_str(&m));
    buf_free(&m);
    free(attrs);
    decode_json(text, b);
    free(text);
    assert_int_equal(b->n, 1);
    genai_prices_t prices = {.lookup = fake_prices};
    genai_map_span(&b->spans[0], b, &prices);
}

static void test_map_genai(void **state)
{
    (void)state;
    otlp_batch_t b;
    const char *const kv[] = {"gen_ai.operation.name",
                              "chat",
                              "gen_ai.request.model",
                              "gpt-4o",
                              "gen_ai.response.model",
                              "gpt-4o-2024-08-06",
                              "gen_ai.provider.name",
                              "openai",
                              "gen_ai.usage.input_tokens",
                              "#11",
                              "gen_ai.usage.output_tokens",
                              "#4",
                              "gen_ai.conversation.id",
                              "conv-1",
                              "gen_ai.input.messages",
                              "[{\"role\":\"user\"}]",
                              "gen_ai.output.messages",
                              "[{\"role\":\"assistant\"}]",
                              NULL};
    mapped(kv, NULL, &b);
    const span_row_t *r = &b.spans[0].row;
    assert_string_equal(r->model, "gpt-4o-2024-08-06");
    assert_string_equal(r->provider, "openai");
    assert_int_equal(r->input_tokens, 11);
    assert_int_equal(r->output_tokens, 4);
    assert_true(isnan(r->cost_usd)); /* openai/gpt-4o is not priced here */
    assert_string_equal(r->type, SPAN_TYPE_LLM);
    assert_string_equal(r->session_id, "conv-1");
    assert_string_equal(r->user_id, "res-user"); /* from the resource */
    assert_string_equal(r->version, "2.0.1");
    assert_string_equal(r->input, "[{\"role\":\"user\"}]");
    assert_string_equal(r->output, "[{\"role\":\"assistant\"}]");
    json_t *all = json_loads(r->attributes_json, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(all, "gen_ai.request.model")), "gpt-4o");
    assert_string_equal(json_string_value(json_object_get(all, "resource.service.version")),
                        "2.0.1");
    assert_string_equal(json_string_value(json_object_get(all, "otel.scope.name")), "sc");
    assert_string_equal(json_string_value(json_object_get(all, "otel.scope.version")), "9");
    json_decref(all);
    assert_null(r->events_json);
    otlp_batch_free(&b);
}

/* Deprecated GenAI names, the price table, and message events. */
static void test_map_genai_deprecated(void **state)
{
    (void)state;
    otlp_batch_t b;
    const char *const kv[] = {"gen_ai.system",
                              "acme",
                              "gen_ai.request.model",
                              "priced-model",
                              "gen_ai.usage.prompt_tokens",
                              "#1000",
                              "gen_ai.usage.completion_tokens",
                              "#500",
                              "user.id",
                              "span-user",
                              NULL};
    mapped(kv,
           "\"events\":[{\"name\":\"gen_ai.system.message\",\"attributes\":[{\"key\":\"content\","
           "\"value\":{\"stringValue\":\"be brief\"}}]},{\"name\":\"gen_ai.user.message\","
           "\"attributes\":[{\"key\":\"content\",\"value\":{\"stringValue\":\"hi\"}}]},"
           "{\"name\":\"gen_ai.choice\",\"attributes\":[{\"key\":\"index\",\"value\":"
           "{\"intValue\":0}},{\"key\":\"finish_reason\",\"value\":{\"stringValue\":\"stop\"}}]}]",
           &b);
    const span_row_t *r = &b.spans[0].row;
    assert_string_equal(r->provider, "acme");
    assert_int_equal(r->input_tokens, 1000);
    assert_int_equal(r->output_tokens, 500);
    /* 1000 x $2/M + 500 x $10/M */
    assert_true(fabs(r->cost_usd - 0.007) < 1e-12);
    assert_string_equal(r->user_id, "span-user"); /* the span's wins over the resource's */
    assert_string_equal(r->input, "[{\"content\":\"be brief\",\"role\":\"system\"},"
                                  "{\"content\":\"hi\",\"role\":\"user\"}]");
    assert_string_equal(r->output, "[{\"index\":0,\"finish_reason\":\"stop\",\"role\":"
                                   "\"assistant\"}]");
    assert_non_null(strstr(r->events_json, "gen_ai.user.message"));
    otlp_batch_free(&b);

    /* gen_ai.prompt / gen_ai.completion as plain strings, and an embeddings operation. */
    const char *const kv2[] = {"gen_ai.operation.name",
                               "embeddings",
                               "gen_ai.prompt",
                               "p",
                               "gen_ai.completion",
                               "c",
                               NULL};
    mapped(kv2, NULL, &b);
    assert_string_equal(b.spans[0].row.input, "p");
    assert_string_equal(b.spans[0].row.output, "c");
    assert_string_equal(b.spans[0].row.type, SPAN_TYPE_EMBEDDING);
    assert_null(b.spans[0].row.model);
    otlp_batch_free(&b);

    /* OpenLLMetry's flattened gen_ai.prompt.N.* / gen_ai.completion.N.* lists. */
    const char *const kv3[] = {"gen_ai.prompt.0.role",
                               "user",
                               "gen_ai.prompt.0.content",
                               "hello",
                               "gen_ai.completion.0.role",
                               "assistant",
                               "gen_ai.completion.0.content",
                               "hi there",
                               NULL};
    mapped(kv3, NULL, &b);
    assert_string_equal(b.spans[0].row.input, "[{\"role\":\"user\",\"content\":\"hello\"}]");
    assert_string_equal(b.spans[0].row.output,
                        "[{\"role\":\"assistant\",\"content\":\"hi there\"}]");
    otlp_batch_free(&b);
}

static void test_map_openinference(void **state)
{
    (void)state;
    otlp_batch_t b;
    const char *const kv[] = {"openinference.span.kind",
                              "LLM",
                              "llm.model_name",
                              "claude-3",
                              "llm.provider",
                              "anthropic",
                              "llm.token_count.prompt",
                              "#5",
                              "llm.token_count.completion",
                              "#6",
                              "llm.token_count.total",
                              "#11",
                              "llm.cost.total",
                              "%0.25",
                              "session.id",
                              "sess-oi",
                              "llm.input_messages.0.message.role",
                              "system",
                              "llm.input_messages.0.message.content",
                              "sys",
                              "llm.input_messages.1.message.role",
                              "user",
                              "llm.input_messages.1.message.content",
                              "question",
                              "llm.output_messages.0.message.role",
                              "assistant",
                              "llm.output_messages.0.message.content",
                              "answer",
                              NULL};
    mapped(kv, NULL, &b);
    const span_row_t *r = &b.spans[0].row;
    assert_string_equal(r->model, "claude-3");
    assert_string_equal(r->provider, "anthropic");
    assert_int_equal(r->input_tokens, 5);
    assert_int_equal(r->output_tokens, 6);
    assert_true(r->cost_usd == 0.25);
    assert_string_equal(r->type, SPAN_TYPE_LLM);
    assert_string_equal(r->session_id, "sess-oi");
    assert_string_equal(r->input, "[{\"role\":\"system\",\"content\":\"sys\"},"
                                  "{\"role\":\"user\",\"content\":\"question\"}]");
    assert_string_equal(r->output, "[{\"role\":\"assistant\",\"content\":\"answer\"}]");
    otlp_batch_free(&b);

    static const char *const kinds[][2] = {
        {"RETRIEVER", SPAN_TYPE_RETRIEVAL}, {"TOOL", SPAN_TYPE_TOOL},
        {"CHAIN", SPAN_TYPE_CHAIN},         {"AGENT", SPAN_TYPE_AGENT},
        {"GUARDRAIL", SPAN_TYPE_GUARDRAIL}, {"EMBEDDING", SPAN_TYPE_EMBEDDING},
        {"SOMETHING", SPAN_TYPE_SPAN},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *const kv2[] = {"openinference.span.kind",
                                   kinds[i][0],
                                   "input.value",
                                   "in",
                                   "output.value",
                                   "out",
                                   NULL};
        mapped(kv2, NULL, &b);
        assert_string_equal(b.spans[0].row.type, kinds[i][1]);
        assert_string_equal(b.spans[0].row.input, "in");
        assert_string_equal(b.spans[0].row.output, "out");
        otlp_batch_free(&b);
    }
}

/* ---- ingestion on a store ------------------------------------------------------------------ */

static void test_ingest(void **state)
{
    fixture_t *f = *state;
    otlp_batch_t b;
    decode_json(
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        "{\"traceId\":\"" TID "\",\"spanId\":\"" SID "\",\"name\":\"root\",\"startTimeUnixNano\":"
        "\"1700000000000000000\",\"endTimeUnixNano\":\"1700000001000000000\",\"attributes\":[{"
        "\"key\":\"input.value\",\"value\":{\"stringValue\":\"q\"}}]},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"0000000000000002\",\"parentSpanId\":\"" SID "\","
        "\"name\":\"llm\",\"startTimeUnixNano\":\"1700000000100000000\",\"endTimeUnixNano\":"
        "\"1700000000200000000\",\"attributes\":[{\"key\":\"gen_ai.request.model\",\"value\":{"
        "\"stringValue\":\"m\"}},"
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":3}}]},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"0000000000000003\",\"name\":\"\","
        "\"startTimeUnixNano\":\"1700000000100000000\"},"
        "{\"traceId\":\"" TID "\",\"spanId\":\"0000000000000004\",\"name\":\"backwards\","
        "\"startTimeUnixNano\":\"1700000000100000000\",\"endTimeUnixNano\":\"5\"}"
        "]}]}]}",
        &b);
    span_write_result_t r;
    err_t err;
    assert_int_equal(otlp_ingest(f->store, &b, NULL, &r, &err), 0);
    assert_int_equal(r.spans, 2);
    assert_int_equal(r.traces, 1);
    assert_int_equal(b.rejected, 2);
    assert_non_null(strstr(b.first_error, "span 0000000000000003"));
    assert_non_null(strstr(b.first_error, "name"));
    otlp_batch_free(&b);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 2);
    assert_int_equal(test_store_count(f->store, "SELECT span_count FROM traces"), 2);
    assert_int_equal(test_store_count(f->store, "SELECT input_tokens FROM traces"), 3);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM traces WHERE input = 'q' "
                                                "AND model = 'm' AND source = 'otlp'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_json_decode, setup),
        cmocka_unit_test_setup(test_json_rejects, setup),
        cmocka_unit_test_setup(test_json_undecodable, setup),
        cmocka_unit_test_setup(test_proto_decode, setup),
        cmocka_unit_test_setup(test_proto_depth_limit, setup),
        cmocka_unit_test_setup(test_responses, setup),
        cmocka_unit_test_setup(test_map_genai, setup),
        cmocka_unit_test_setup(test_map_genai_deprecated, setup),
        cmocka_unit_test_setup(test_map_openinference, setup),
        cmocka_unit_test_setup(test_ingest, setup),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "otlp");
}
