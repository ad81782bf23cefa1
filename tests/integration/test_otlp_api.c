/* test_otlp_api.c - OTLP/HTTP trace ingestion over real HTTP (routes_otlp.c): OTLP/JSON on the
 * three paths, the stored trace read back through GET /api/v1/traces/{id}, OTLP/protobuf with
 * its protobuf response, partial success in both encodings, gzip bodies, cost from the price
 * table, re-sent batches changing nothing, and the errors: 400 undecodable JSON / protobuf /
 * gzip, 413 over max-body-bytes (also after decompression), 415 other content types and
 * encodings. Runs on SQLite, and on PostgreSQL when tests/run.sh gives LLMOPS_TEST_STORE. */
#include "integration/api_testutil.h"

#include <math.h>
#include <zlib.h>

#include "base/buf.h"

#include "otlp_trace.pb-c.h"

#define MAX_BODY 65536

static int setup(void **state)
{
    (void)state;
    char limit[32];
    snprintf(limit, sizeof limit, "%d", MAX_BODY);
    const char *extra[] = {"--max-body-bytes", limit, NULL};
    harness_start(&server, extra);
    return 0;
}

/* POST raw bytes with a content type (and optional Content-Encoding). */
static void post(const char *path, const char *type, const char *encoding, const void *body,
                 size_t len, test_response_t *res)
{
    memset(res, 0, sizeof *res);
    harness_buf_t out = {0}, hdr = {0};
    CURL *curl = curl_easy_init();
    char url[512], ct[128], ce[128];
    snprintf(url, sizeof url, "%s%s", server.url, path);
    snprintf(ct, sizeof ct, "Content-Type: %s", type);
    struct curl_slist *list = curl_slist_append(NULL, ct);
    if (encoding) {
        snprintf(ce, sizeof ce, "Content-Encoding: %s", encoding);
        list = curl_slist_append(list, ce);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, harness_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, harness_collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hdr);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        fail_msg("POST %s: %s", path, curl_easy_strerror(rc));
    res->body = out.data ? out.data : strdup("");
    res->len = out.len;
    res->headers = hdr.data ? hdr.data : strdup("");
    res->headers_len = hdr.len;
    res->json = res->len ? json_loadb(res->body, res->len, JSON_DECODE_ANY, NULL) : NULL;
}

static void post_json(const char *path, const char *body, long status, const char *want_body)
{
    test_response_t res;
    post(path, "application/json", NULL, body, strlen(body), &res);
    if (res.status != status)
        fail_msg("POST %s -> %ld %s (expected %ld)", path, res.status, res.body, status);
    if (want_body)
        assert_string_equal(res.body, want_body);
    harness_response_free(&res);
}

/* A trace of three spans - an agent root, a GenAI chat span, an OpenInference retriever -
 * with the given trace id, as OTLP/JSON. Caller frees. */
static char *tree_json(const char *trace_id)
{
    buf_t b;
    buf_init(&b);
    buf_printf(
        &b,
        "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":"
        "{\"stringValue\":\"it\"}},{\"key\":\"service.version\",\"value\":{\"stringValue\":"
        "\"4.5\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"it-scope\"},\"spans\":["
        "{\"traceId\":\"%s\",\"spanId\":\"0000000000000001\",\"name\":\"agent\",\"kind\":1,"
        "\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":"
        "\"1700000002000000000\",\"attributes\":[{\"key\":\"openinference.span.kind\",\"value\":"
        "{\"stringValue\":\"AGENT\"}},{\"key\":\"input.value\",\"value\":{\"stringValue\":"
        "\"question\"}},{\"key\":\"output.value\",\"value\":{\"stringValue\":\"answer\"}},"
        "{\"key\":\"session.id\",\"value\":{\"stringValue\":\"sess-it\"}}]},"
        "{\"traceId\":\"%s\",\"spanId\":\"0000000000000002\",\"parentSpanId\":\"0000000000000001\","
        "\"name\":\"chat m\",\"kind\":3,\"startTimeUnixNano\":\"1700000000500000000\","
        "\"endTimeUnixNano\":\"1700000001500000000\",\"status\":{\"code\":2,\"message\":\"x\"},"
        "\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},"
        "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"it-model\"}},"
        "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"it-provider\"}},"
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"1000\"}},"
        "{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":200}}],"
        "\"events\":[{\"name\":\"gen_ai.user.message\",\"timeUnixNano\":\"1700000000500000000\","
        "\"attributes\":[{\"key\":\"content\",\"value\":{\"stringValue\":\"hi\"}}]}]},"
        "{\"traceId\":\"%s\",\"spanId\":\"0000000000000003\",\"parentSpanId\":\"0000000000000001\","
        "\"name\":\"retrieve\",\"startTimeUnixNano\":1700000000100000000,\"endTimeUnixNano\":"
        "1700000000200000000,\"attributes\":[{\"key\":\"openinference.span.kind\",\"value\":"
        "{\"stringValue\":\"RETRIEVER\"}}]}]}]}]}",
        trace_id, trace_id, trace_id);
    return buf_steal(&b);
}

static json_t *get_trace(const char *trace_id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/traces/%s", trace_id);
    return api_expect("GET", path, NULL, 200);
}

static const json_t *span_named(const json_t *trace, const char *name)
{
    size_t i;
    const json_t *sp;
    json_array_foreach(json_object_get(trace, "spans"), i, sp)
    {
        if (strcmp(jstr(sp, "name"), name) == 0)
            return sp;
    }
    fail_msg("no span named %s", name);
    return NULL;
}

static void test_json_paths(void **state)
{
    (void)state;
    /* Priced, so the chat span gets its cost from the price table. */
    json_decref(api_expect("PUT", "/api/v1/prices",
                           "{\"provider\":\"it-provider\",\"model\":\"it-model\","
                           "\"input_per_mtok\":3,\"output_per_mtok\":15}",
                           200));
    const char *paths[] = {"/v1/traces", "/otlp/v1/traces", "/api/public/otel/v1/traces"};
    const char *ids[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA3"};
    for (int i = 0; i < 3; i++) {
        char *body = tree_json(ids[i]);
        post_json(paths[i], body, 200, "{}");
        free(body);
    }
    json_t *t = get_trace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3");
    assert_string_equal(jstr(t, "name"), "agent");
    assert_string_equal(jstr(t, "status"), "error");
    assert_string_equal(jstr(t, "input"), "question");
    assert_string_equal(jstr(t, "output"), "answer");
    assert_string_equal(jstr(t, "session_id"), "sess-it");
    assert_string_equal(jstr(t, "model"), "it-model");
    assert_string_equal(jstr(t, "provider"), "it-provider");
    assert_int_equal(jint(t, "input_tokens"), 1000);
    assert_int_equal(jint(t, "output_tokens"), 200);
    assert_true(fabs(json_number_value(json_object_get(t, "cost_usd")) - 0.006) < 1e-9);
    assert_int_equal(jint(t, "start_ms"), 1700000000000LL);
    assert_int_equal(jint(t, "end_ms"), 1700000002000LL);
    assert_int_equal(json_array_size(json_object_get(t, "spans")), 3);
    const json_t *chat = span_named(t, "chat m");
    assert_string_equal(jstr(chat, "parent_span_id"), "0000000000000001");
    assert_string_equal(jstr(chat, "kind"), "client");
    assert_string_equal(jstr(chat, "status"), "error");
    assert_string_equal(jstr(chat, "model"), "it-model");
    assert_int_equal(jint(chat, "input_tokens"), 1000);
    const json_t *attrs = json_object_get(chat, "attributes");
    assert_string_equal(jstr(attrs, "gen_ai.operation.name"), "chat");
    assert_string_equal(jstr(attrs, "resource.service.version"), "4.5");
    assert_string_equal(jstr(attrs, "otel.scope.name"), "it-scope");
    const json_t *events = json_object_get(chat, "events");
    assert_int_equal(json_array_size(events), 1);
    assert_string_equal(jstr(json_array_get(events, 0), "name"), "gen_ai.user.message");
    assert_true(json_is_null(json_object_get(span_named(t, "agent"), "parent_span_id")));
    json_decref(t);

    /* Re-sending the same batch changes nothing. */
    json_t *before = get_trace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1");
    char *body = tree_json("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1");
    post_json("/v1/traces", body, 200, "{}");
    free(body);
    json_t *after = get_trace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1");
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
}

static void test_json_partial_success(void **state)
{
    (void)state;
    post_json("/v1/traces",
              "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
              "{\"traceId\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1\",\"spanId\":\"0000000000000001\","
              "\"name\":\"good\",\"startTimeUnixNano\":\"1700000000000000000\"},"
              "{\"traceId\":\"short\",\"spanId\":\"0000000000000002\",\"name\":\"bad\","
              "\"startTimeUnixNano\":\"1700000000000000000\"},"
              "{\"traceId\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1\",\"spanId\":\"0000000000000003\","
              "\"name\":\"\",\"startTimeUnixNano\":\"1700000000000000000\"}]}]}]}",
              200,
              "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"span: 'traceId' "
              "must be 32 hex digits\"}}");
    json_t *t = get_trace("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb1");
    assert_int_equal(json_array_size(json_object_get(t, "spans")), 1);
    assert_string_equal(jstr(t, "name"), "good");
    json_decref(t);
}

static uint8_t *proto_request(size_t *len, int with_bad_span)
{
    static uint8_t trace[16] = {0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
                                0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0x01};
    static uint8_t span[8] = {0, 0, 0, 0, 0, 0, 0, 9};
    Otlp__AnyValue model = OTLP__ANY_VALUE__INIT;
    model.value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
    model.string_value = "pb-model";
    Otlp__KeyValue kv = OTLP__KEY_VALUE__INIT;
    kv.key = "llm.model_name";
    kv.value = &model;
    Otlp__KeyValue *kvp = &kv;
    Otlp__Span sp = OTLP__SPAN__INIT;
    sp.trace_id = (ProtobufCBinaryData){16, trace};
    sp.span_id = (ProtobufCBinaryData){8, span};
    sp.name = "pb";
    sp.kind = 2;
    sp.start_time_unix_nano = 1700000000000000000ULL;
    sp.end_time_unix_nano = 1700000000300000000ULL;
    sp.attributes = &kvp;
    sp.n_attributes = 1;
    Otlp__Span bad = sp;
    bad.trace_id.len = 3;
    Otlp__Span *spans[] = {&sp, &bad};
    Otlp__ScopeSpans ss = OTLP__SCOPE_SPANS__INIT;
    ss.spans = spans;
    ss.n_spans = with_bad_span ? 2 : 1;
    Otlp__ScopeSpans *ssp = &ss;
    Otlp__ResourceSpans rs = OTLP__RESOURCE_SPANS__INIT;
    rs.scope_spans = &ssp;
    rs.n_scope_spans = 1;
    Otlp__ResourceSpans *rsp = &rs;
    Otlp__ExportTraceServiceRequest req = OTLP__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.resource_spans = &rsp;
    req.n_resource_spans = 1;
    *len = otlp__export_trace_service_request__get_packed_size(&req);
    uint8_t *out = malloc(*len);
    otlp__export_trace_service_request__pack(&req, out);
    return out;
}

static void test_protobuf(void **state)
{
    (void)state;
    size_t len;
    uint8_t *body = proto_request(&len, 0);
    test_response_t res;
    post("/v1/traces", "application/x-protobuf", NULL, body, len, &res);
    assert_int_equal(res.status, 200);
    char ct[128];
    assert_non_null(harness_header(&res, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, "application/x-protobuf");
    assert_int_equal(res.len, 0); /* an empty ExportTraceServiceResponse */
    harness_response_free(&res);
    free(body);

    json_t *t = get_trace("cccccccccccccccccccccccccccccc01");
    assert_string_equal(jstr(t, "name"), "pb");
    assert_string_equal(jstr(t, "model"), "pb-model");
    assert_string_equal(jstr(span_named(t, "pb"), "kind"), "server");
    json_decref(t);

    body = proto_request(&len, 1);
    post("/otlp/v1/traces", "application/x-protobuf", NULL, body, len, &res);
    assert_int_equal(res.status, 200);
    Otlp__ExportTraceServiceResponse *r =
        otlp__export_trace_service_response__unpack(NULL, res.len, (const uint8_t *)res.body);
    assert_non_null(r);
    assert_non_null(r->partial_success);
    assert_int_equal(r->partial_success->rejected_spans, 1);
    assert_non_null(strstr(r->partial_success->error_message, "trace_id"));
    otlp__export_trace_service_response__free_unpacked(r, NULL);
    harness_response_free(&res);
    free(body);

    /* Undecodable: 400 with a protobuf google.rpc.Status saying why. */
    post("/v1/traces", "application/x-protobuf", NULL, "\x0a\xff\xff", 3, &res);
    assert_int_equal(res.status, 400);
    assert_non_null(harness_header(&res, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, "application/x-protobuf");
    Otlp__RpcStatus *st = otlp__rpc_status__unpack(NULL, res.len, (const uint8_t *)res.body);
    assert_non_null(st);
    assert_non_null(strstr(st->message, "ExportTraceServiceRequest"));
    otlp__rpc_status__free_unpacked(st, NULL);
    harness_response_free(&res);
}

/* gzip-compress len bytes. Caller frees. */
static uint8_t *gzip(const void *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, len) + 64;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static void test_gzip(void **state)
{
    (void)state;
    char *json = tree_json("dddddddddddddddddddddddddddddd01");
    size_t len;
    uint8_t *gz = gzip(json, strlen(json), &len);
    test_response_t res;
    post("/v1/traces", "application/json", "gzip", gz, len, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body, "{}");
    harness_response_free(&res);
    free(gz);
    free(json);
    json_t *t = get_trace("dddddddddddddddddddddddddddddd01");
    assert_int_equal(json_array_size(json_object_get(t, "spans")), 3);
    json_decref(t);

    /* Not gzip at all. */
    post("/v1/traces", "application/json", "gzip", "plain", 5, &res);
    assert_int_equal(res.status, 400);
    harness_response_free(&res);

    /* Small on the wire, over the limit once inflated. */
    size_t big = 4 * MAX_BODY;
    char *spaces = malloc(big);
    memset(spaces, ' ', big);
    spaces[0] = '{';
    spaces[big - 1] = '}';
    gz = gzip(spaces, big, &len);
    assert_true(len < MAX_BODY);
    post("/v1/traces", "application/json", "gzip", gz, len, &res);
    assert_int_equal(res.status, 413);
    harness_response_free(&res);
    free(gz);

    /* Over the limit as sent. */
    post("/v1/traces", "application/json", NULL, spaces, big, &res);
    assert_int_equal(res.status, 413);
    harness_response_free(&res);
    free(spaces);
}

static void test_errors(void **state)
{
    (void)state;
    test_response_t res;
    post("/v1/traces", "text/plain", NULL, "{}", 2, &res);
    assert_int_equal(res.status, 415);
    harness_response_free(&res);
    post("/v1/traces", "application/json", "br", "{}", 2, &res);
    assert_int_equal(res.status, 415);
    harness_response_free(&res);
    post("/v1/traces", "application/json; charset=utf-8", NULL, "{}", 2, &res);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
    post_json("/v1/traces", "{not json", 400, NULL);
    post_json("/v1/traces", "{\"resourceSpans\":7}", 400, NULL);
    post_json("/v1/traces", "{}", 200, "{}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_paths), cmocka_unit_test(test_json_partial_success),
        cmocka_unit_test(test_protobuf),   cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown_server);
}
