/* bench_otlp_ingest.c - OTLP/JSON trace ingestion rate of `llmops server` (POST /v1/traces).
 *
 * For SQLite (a temporary data directory) and, when tests/pg.sh can start one, PostgreSQL, it
 * starts the server and has BENCH_CONNS clients (default 4; one thread and one keep-alive
 * connection each) POST export requests for BENCH_SECONDS (default 10). A request carries
 * BENCH_TRACES traces (default 100) of 5 spans each - an agent root, two GenAI chat spans with
 * model, provider, tokens and input/output messages, a retriever and a tool span, about ten
 * attributes a span - and every request has new trace ids, so every span is a new row and
 * every trace a new roll-up. Reports spans/s and requests/s; any answer but 200 "{}" counts as
 * failed. BENCH_FORMAT=proto sends the same spans as OTLP/protobuf instead (the default protocol
 * of most OpenTelemetry SDKs; a success is then 200 with an empty body).
 *
 * Then, in-process on a SQLite store in a temporary directory (no HTTP), the CPU time one
 * request costs in each step: JSON decoding (jansson), the GenAI/OpenInference mapping, and
 * the store write (span_store_write) - where the time goes.
 *
 *   make bench-otlp-ingest        (BENCH_BACKENDS=sqlite|postgresql to run one) */
#include "../bench_server.h"
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "otlp_trace.pb-c.h"
#include "store/migrate.h"
#include "traces/genai_map.h"
#include "traces/otlp.h"

#define SPANS_PER_TRACE 5

/* ---- server ------------------------------------------------------------------------------ */

/* ---- request bodies ------------------------------------------------------------------------
 * One body per client, built once; the 32 hex digits of each trace's id are rewritten before
 * every request (their offsets are recorded), so ids never repeat. */

typedef struct body {
    buf_t text;    /* JSON text, or the packed protobuf message */
    size_t *id_at; /* offsets of trace ids in text (hex digits, or 16 raw bytes for protobuf) */
    size_t nids;
    int proto;
} body_t;

static void attr_s(buf_t *b, const char *key, const char *value, int comma)
{
    buf_printf(b, "%s{\"key\":\"%s\",\"value\":{\"stringValue\":\"%s\"}}", comma ? "," : "", key,
               value);
}

static void attr_i(buf_t *b, const char *key, int value)
{
    buf_printf(b, ",{\"key\":\"%s\",\"value\":{\"intValue\":\"%d\"}}", key, value);
}

static void span_head(body_t *body, int trace, int span, int parent, const char *name,
                      int64_t start_ns, int64_t end_ns)
{
    buf_t *b = &body->text;
    if (trace || span)
        buf_append_char(b, ',');
    buf_append_str(b, "{\"traceId\":\"");
    body->id_at[body->nids++] = b->len;
    buf_append_str(b, "00000000000000000000000000000000");
    buf_printf(b, "\",\"spanId\":\"%016x\"", span + 1);
    if (parent)
        buf_printf(b, ",\"parentSpanId\":\"%016x\"", parent);
    buf_printf(b,
               ",\"name\":\"%s\",\"kind\":%d,\"startTimeUnixNano\":\"%lld\",\"endTimeUnixNano\":"
               "\"%lld\",\"attributes\":[",
               name, parent ? 3 : 1, (long long)start_ns, (long long)end_ns);
}

static void body_build(body_t *body, int traces)
{
    buf_init(&body->text);
    body->id_at = calloc((size_t)traces * SPANS_PER_TRACE, sizeof *body->id_at);
    body->nids = 0;
    body->proto = 0;
    buf_t *b = &body->text;
    buf_append_str(b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
    attr_s(b, "service.name", "bench-app", 0);
    attr_s(b, "service.version", "1.0.0", 1);
    buf_append_str(b, "]},\"scopeSpans\":[{\"scope\":{\"name\":\"bench\"},\"spans\":[");
    int64_t t0 = clock_now_ms() * 1000000LL;
    for (int t = 0; t < traces; t++) {
        int64_t base = t0 + (int64_t)t * 1000000LL;
        span_head(body, t, 0, 0, "agent", base, base + 900000000LL);
        attr_s(b, "openinference.span.kind", "AGENT", 0);
        attr_s(b, "input.value", "What is the capital of France, and why?", 1);
        attr_s(b, "output.value", "Paris. It has been the capital since 987.", 1);
        attr_s(b, "session.id", "bench-session", 1);
        attr_s(b, "user.id", "bench-user", 1);
        buf_append_str(b, "]}");
        for (int k = 1; k <= 2; k++) {
            span_head(body, t, k, 1, "chat gpt-4o-mini", base + k * 100000000LL,
                      base + k * 100000000LL + 80000000LL);
            attr_s(b, "gen_ai.operation.name", "chat", 0);
            attr_s(b, "gen_ai.provider.name", "openai", 1);
            attr_s(b, "gen_ai.request.model", "gpt-4o-mini", 1);
            attr_s(b, "gen_ai.response.model", "gpt-4o-mini-2024-07-18", 1);
            attr_i(b, "gen_ai.usage.input_tokens", 120 + k);
            attr_i(b, "gen_ai.usage.output_tokens", 40 + k);
            attr_s(b, "gen_ai.input.messages",
                   "[{\\\"role\\\":\\\"user\\\",\\\"parts\\\":[{\\\"type\\\":\\\"text\\\","
                   "\\\"content\\\":\\\"What is the capital of France?\\\"}]}]",
                   1);
            attr_s(b, "gen_ai.output.messages",
                   "[{\\\"role\\\":\\\"assistant\\\",\\\"parts\\\":[{\\\"type\\\":\\\"text\\\","
                   "\\\"content\\\":\\\"Paris.\\\"}],\\\"finish_reason\\\":\\\"stop\\\"}]",
                   1);
            buf_append_str(b, "]}");
        }
        span_head(body, t, 3, 1, "retrieve", base + 400000000LL, base + 450000000LL);
        attr_s(b, "openinference.span.kind", "RETRIEVER", 0);
        attr_s(b, "input.value", "capital of France", 1);
        buf_append_str(b, "]}");
        span_head(body, t, 4, 1, "search_tool", base + 500000000LL, base + 600000000LL);
        attr_s(b, "gen_ai.operation.name", "execute_tool", 0);
        attr_s(b, "gen_ai.tool.name", "search", 1);
        buf_append_str(b, "],\"status\":{\"code\":1}}");
    }
    buf_append_str(b, "]}]}]}");
}

/* New trace ids: client c, request r, trace t -> hex digits, the same for a trace's spans. */
static void body_renumber(body_t *body, int client, long request)
{
    char id[64];
    for (size_t i = 0; i < body->nids; i++) {
        unsigned trace = (unsigned)(i / SPANS_PER_TRACE);
        snprintf(id, sizeof id, "%08x%012lx%012x", (unsigned)client + 1,
                 (unsigned long)(request + 1) & 0xffffffffffffUL, (trace + 1) & 0xffffffu);
        if (!body->proto) {
            memcpy(body->text.data + body->id_at[i], id, 32);
            continue;
        }
        for (int k = 0; k < 16; k++) {
            char hex[3] = {id[2 * k], id[2 * k + 1], 0};
            body->text.data[body->id_at[i] + (size_t)k] = (char)strtoul(hex, NULL, 16);
        }
    }
}

/* ---- the same spans as OTLP/protobuf ---------------------------------------------------------
 * The JSON body is decoded with llmops' own decoder and written out again with the protobuf-c
 * code generated for llmops; the trace ids are then found in the packed bytes, to be rewritten
 * before every request like the JSON ones. */

typedef struct allocs {
    void **items;
    size_t n;
} allocs_t;

static void *alloc(allocs_t *a, size_t size)
{
    a->items = realloc(a->items, (a->n + 1) * sizeof *a->items);
    return a->items[a->n++] = calloc(1, size);
}

static Otlp__KeyValue **key_values_of(const json_t *obj, size_t *n, allocs_t *a);

static Otlp__AnyValue *any_of(const json_t *v, allocs_t *a)
{
    Otlp__AnyValue *av = alloc(a, sizeof *av);
    otlp__any_value__init(av);
    if (json_is_string(v)) {
        av->value_case = OTLP__ANY_VALUE__VALUE_STRING_VALUE;
        av->string_value = (char *)json_string_value(v);
    } else if (json_is_integer(v)) {
        av->value_case = OTLP__ANY_VALUE__VALUE_INT_VALUE;
        av->int_value = json_integer_value(v);
    } else if (json_is_real(v)) {
        av->value_case = OTLP__ANY_VALUE__VALUE_DOUBLE_VALUE;
        av->double_value = json_real_value(v);
    } else if (json_is_boolean(v)) {
        av->value_case = OTLP__ANY_VALUE__VALUE_BOOL_VALUE;
        av->bool_value = json_is_true(v);
    } else if (json_is_array(v)) {
        Otlp__ArrayValue *arr = alloc(a, sizeof *arr);
        otlp__array_value__init(arr);
        arr->n_values = json_array_size(v);
        arr->values = alloc(a, (arr->n_values + 1) * sizeof *arr->values);
        for (size_t i = 0; i < arr->n_values; i++)
            arr->values[i] = any_of(json_array_get(v, i), a);
        av->value_case = OTLP__ANY_VALUE__VALUE_ARRAY_VALUE;
        av->array_value = arr;
    } else if (json_is_object(v)) {
        Otlp__KeyValueList *kvl = alloc(a, sizeof *kvl);
        otlp__key_value_list__init(kvl);
        kvl->values = key_values_of(v, &kvl->n_values, a);
        av->value_case = OTLP__ANY_VALUE__VALUE_KVLIST_VALUE;
        av->kvlist_value = kvl;
    }
    return av;
}

static Otlp__KeyValue **key_values_of(const json_t *obj, size_t *n, allocs_t *a)
{
    *n = json_object_size(obj);
    Otlp__KeyValue **kvs = alloc(a, (*n + 1) * sizeof *kvs);
    size_t i = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        Otlp__KeyValue *kv = alloc(a, sizeof *kv);
        otlp__key_value__init(kv);
        kv->key = (char *)key;
        kv->value = any_of(value, a);
        kvs[i++] = kv;
    }
    return kvs;
}

static ProtobufCBinaryData id_bytes(const char *hex, allocs_t *a)
{
    size_t n = strlen(hex) / 2;
    uint8_t *out = alloc(a, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
        out[i] = (uint8_t)strtoul(pair, NULL, 16);
    }
    return (ProtobufCBinaryData){n, out};
}

static void body_to_proto(body_t *body)
{
    body_renumber(body, 0xfff0, 0); /* distinct ids, to find in the packed bytes */
    otlp_batch_t batch;
    otlp_batch_init(&batch);
    err_t err;
    if (otlp_json_decode(body->text.data, body->text.len, &batch, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err.message);
        exit(1);
    }
    allocs_t a = {0};
    Otlp__Span **spans = alloc(&a, batch.n * sizeof *spans);
    static const char *const kinds[] = {"", "internal", "server", "client", "producer", "consumer"};
    for (size_t i = 0; i < batch.n; i++) {
        const span_row_t *r = &batch.spans[i].row;
        Otlp__Span *sp = spans[i] = alloc(&a, sizeof *sp);
        otlp__span__init(sp);
        sp->trace_id = id_bytes(r->trace_id, &a);
        sp->span_id = id_bytes(r->span_id, &a);
        sp->parent_span_id = id_bytes(r->parent_span_id, &a);
        sp->name = (char *)r->name;
        for (int k = 1; k <= 5; k++)
            if (r->kind && strcmp(r->kind, kinds[k]) == 0)
                sp->kind = k;
        sp->start_time_unix_nano = (uint64_t)r->start_ns;
        sp->end_time_unix_nano = (uint64_t)r->end_ns;
        sp->attributes = key_values_of(batch.spans[i].attrs, &sp->n_attributes, &a);
        if (strcmp(r->status, "unset") != 0) {
            sp->status = alloc(&a, sizeof *sp->status);
            otlp__status__init(sp->status);
            sp->status->code = strcmp(r->status, "ok") == 0 ? 1 : 2;
        }
    }
    Otlp__Resource resource = OTLP__RESOURCE__INIT;
    resource.attributes = key_values_of(batch.spans[0].resource, &resource.n_attributes, &a);
    Otlp__InstrumentationScope scope = OTLP__INSTRUMENTATION_SCOPE__INIT;
    scope.name = (char *)batch.spans[0].scope_name;
    Otlp__ScopeSpans ss = OTLP__SCOPE_SPANS__INIT;
    ss.scope = &scope;
    ss.spans = spans;
    ss.n_spans = batch.n;
    Otlp__ScopeSpans *ssp = &ss;
    Otlp__ResourceSpans rs = OTLP__RESOURCE_SPANS__INIT;
    rs.resource = &resource;
    rs.scope_spans = &ssp;
    rs.n_scope_spans = 1;
    Otlp__ResourceSpans *rsp = &rs;
    Otlp__ExportTraceServiceRequest req = OTLP__EXPORT_TRACE_SERVICE_REQUEST__INIT;
    req.resource_spans = &rsp;
    req.n_resource_spans = 1;
    size_t len = otlp__export_trace_service_request__get_packed_size(&req);
    buf_t packed;
    buf_init(&packed);
    buf_reserve(&packed, len + 1);
    otlp__export_trace_service_request__pack(&req, (uint8_t *)packed.data);
    packed.len = len;
    /* Each span's trace id, in the order body_renumber numbers them (5 spans a trace). */
    body->nids = 0;
    const char *from = packed.data;
    for (size_t i = 0; i < batch.n; i++) {
        const char *at =
            memmem(from, (size_t)(packed.data + len - from), spans[i]->trace_id.data, 16);
        if (!at) {
            fprintf(stderr, "bench: trace id not found in the protobuf body\n");
            exit(1);
        }
        body->id_at[body->nids++] = (size_t)(at - packed.data);
        from = at + 16;
    }
    for (size_t i = 0; i < a.n; i++)
        free(a.items[i]);
    free(a.items);
    otlp_batch_free(&batch);
    buf_free(&body->text);
    body->text = packed;
    body->proto = 1;
}

static int want_proto(void)
{
    const char *f = getenv("BENCH_FORMAT");
    return f && strcmp(f, "proto") == 0;
}

/* ---- clients ----------------------------------------------------------------------------- */

typedef struct client {
    int index;
    const char *url;
    int traces;
    int64_t until_ms;
    long requests, failed;
    char first_failure[256];
} client_t;

static void *client_run(void *arg)
{
    client_t *c = arg;
    body_t body;
    body_build(&body, c->traces);
    if (want_proto())
        body_to_proto(&body);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers =
        curl_slist_append(NULL, body.proto ? "Content-Type: application/x-protobuf"
                                           : "Content-Type: application/json");
    buf_t out;
    buf_init(&out);
    curl_easy_setopt(curl, CURLOPT_URL, c->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    while (clock_now_ms() < c->until_ms) {
        body_renumber(&body, c->index, c->requests + c->failed);
        buf_reset(&out);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.text.data);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body.text.len);
        long status = 0;
        if (curl_easy_perform(curl) == CURLE_OK)
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        int ok = body.proto ? status == 200 && out.len == 0
                            : status == 200 && out.len == 2 && memcmp(out.data, "{}", 2) == 0;
        if (ok) {
            c->requests++;
        } else {
            if (!c->failed)
                snprintf(c->first_failure, sizeof c->first_failure, "%ld %.200s", status,
                         out.data ? out.data : "");
            c->failed++;
        }
    }
    buf_free(&out);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    buf_free(&body.text);
    free(body.id_at);
    return NULL;
}

typedef struct result {
    const char *backend;
    int ok;
    double spans_per_s, requests_per_s, seconds;
    long requests, failed;
    size_t body_bytes;
} result_t;

static void run_backend(result_t *r, const char *store_url, int conns, int traces, int seconds)
{
    server_t srv;
    if (server_start(&srv, store_url) != 0)
        return;
    body_t probe;
    body_build(&probe, traces);
    if (want_proto())
        body_to_proto(&probe);
    r->body_bytes = probe.text.len;
    buf_free(&probe.text);
    free(probe.id_at);
    client_t *clients = calloc((size_t)conns, sizeof *clients);
    pthread_t *threads = calloc((size_t)conns, sizeof *threads);
    char url[96];
    snprintf(url, sizeof url, "%s/v1/traces", srv.url);
    int64_t start = clock_now_ms();
    for (int i = 0; i < conns; i++) {
        clients[i] = (client_t){
            .index = i, .url = url, .traces = traces, .until_ms = start + seconds * 1000LL};
        pthread_create(&threads[i], NULL, client_run, &clients[i]);
    }
    for (int i = 0; i < conns; i++) {
        pthread_join(threads[i], NULL);
        r->requests += clients[i].requests;
        r->failed += clients[i].failed;
        if (clients[i].failed)
            fprintf(stderr, "bench: %s client %d: %ld failed, first: %s\n", r->backend, i,
                    clients[i].failed, clients[i].first_failure);
    }
    r->seconds = (double)(clock_now_ms() - start) / 1000.0;
    r->requests_per_s = (double)r->requests / r->seconds;
    r->spans_per_s = r->requests_per_s * traces * SPANS_PER_TRACE;
    r->ok = 1;
    free(clients);
    free(threads);
    server_stop(&srv);
}

/* ---- where the time goes ------------------------------------------------------------------ */

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void breakdown(int traces)
{
    char dir[] = "/tmp/llmops-bench-XXXXXX";
    if (!mkdtemp(dir))
        return;
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/llmops.db", dir);
    store_t *s;
    err_t err;
    if (store_open(url, 2, &s, &err) != 0 || migrate_schema(s, NULL, &err) != 0) {
        fprintf(stderr, "bench: breakdown store: %s\n", err.message);
        return;
    }
    body_t body;
    body_build(&body, traces);
    if (want_proto())
        body_to_proto(&body);
    enum { ROUNDS = 40 };
    double decode = 0, map = 0, write = 0;
    for (int it = 0; it < ROUNDS; it++) {
        body_renumber(&body, 99, it);
        otlp_batch_t b;
        otlp_batch_init(&b);
        double t0 = cpu_ms();
        if ((body.proto ? otlp_proto_decode(body.text.data, body.text.len, &b, &err)
                        : otlp_json_decode(body.text.data, body.text.len, &b, &err)) != 0)
            fprintf(stderr, "bench: decode: %s\n", err.message);
        double t1 = cpu_ms();
        span_row_t *rows = calloc(b.n ? b.n : 1, sizeof *rows);
        for (size_t i = 0; i < b.n; i++) {
            genai_map_span(&b.spans[i], &b, NULL);
            rows[i] = b.spans[i].row;
        }
        double t2 = cpu_ms();
        if (span_store_write(s, rows, b.n, NULL, 0, NULL, &err) != 0)
            fprintf(stderr, "bench: write: %s\n", err.message);
        double t3 = cpu_ms();
        decode += t1 - t0;
        map += t2 - t1;
        write += t3 - t2;
        free(rows);
        otlp_batch_free(&b);
    }
    int spans = traces * SPANS_PER_TRACE;
    printf("\nCPU time per request of %d spans (in-process, SQLite, %d rounds): decode %.2f ms, "
           "map %.2f ms, store write %.2f ms; %.1f us per span, %.0f spans/s per core\n",
           spans, ROUNDS, decode / ROUNDS, map / ROUNDS, write / ROUNDS,
           (decode + map + write) * 1000 / ROUNDS / spans,
           spans * ROUNDS / ((decode + map + write) / 1000));
    store_close(s);
    buf_free(&body.text);
    free(body.id_at);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
}

/* The PostgreSQL leg (bench_on_postgres). */
typedef struct pg_leg {
    result_t *result;
    int conns, traces, seconds;
} pg_leg_t;

static void run_postgres(const char *db_url, void *ctx)
{
    pg_leg_t *leg = ctx;
    run_backend(leg->result, db_url, leg->conns, leg->traces, leg->seconds);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int conns = env_int("BENCH_CONNS", 4);
    int traces = env_int("BENCH_TRACES", 100);
    int seconds = env_int("BENCH_SECONDS", 10);
    result_t results[2] = {{.backend = "sqlite"}, {.backend = "postgresql"}};
    const char *backends = getenv("BENCH_BACKENDS");
    if (!backends || strstr(backends, "sqlite"))
        run_backend(&results[0], NULL, conns, traces, seconds);

    pg_leg_t ctx = {&results[1], conns, traces, seconds};
    if (!backends || strstr(backends, "postgresql"))
        bench_on_postgres("bench_otlp", run_postgres, &ctx);

    printf("\nllmops %s ingestion (POST /v1/traces): %d clients, %d traces x %d spans per "
           "request, %d s\n\n",
           want_proto() ? "OTLP/protobuf" : "OTLP/JSON", conns, traces, SPANS_PER_TRACE, seconds);
    printf("| backend    | spans/s | requests/s | requests | failed | body bytes |\n");
    printf("| ---------- | ------- | ---------- | -------- | ------ | ---------- |\n");
    for (int i = 0; i < 2; i++) {
        result_t *r = &results[i];
        if (!r->ok)
            continue;
        printf("| %-10s | %7.0f | %10.1f | %8ld | %6ld | %10zu |\n", r->backend, r->spans_per_s,
               r->requests_per_s, r->requests, r->failed, r->body_bytes);
    }
    breakdown(traces);
    curl_global_cleanup();
    return 0;
}
