/* bench_otlp_ingest.c - OTLP/JSON trace ingestion rate of `llmops server` (POST /v1/traces).
 *
 * For SQLite (a temporary data directory) and, when tests/pg.sh can start one, PostgreSQL, it
 * starts the server and has BENCH_CONNS clients (default 4; one thread and one keep-alive
 * connection each) POST export requests for BENCH_SECONDS (default 10). A request carries
 * BENCH_TRACES traces (default 100) of 5 spans each - an agent root, two GenAI chat spans with
 * model, provider, tokens and input/output messages, a retriever and a tool span, about ten
 * attributes a span - and every request has new trace ids, so every span is a new row and
 * every trace a new roll-up. Reports spans/s and requests/s; any answer but 200 "{}" counts as
 * failed.
 *
 * Then, in-process on a SQLite store in a temporary directory (no HTTP), the CPU time one
 * request costs in each step: JSON decoding (jansson), the GenAI/OpenInference mapping, and
 * the store write (span_store_write) - where the time goes.
 *
 *   make bench-otlp-ingest        (BENCH_BACKENDS=sqlite|postgresql to run one) */
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
#include "store/migrate.h"
#include "traces/genai_map.h"
#include "traces/otlp.h"

#define SPANS_PER_TRACE 5

typedef struct server {
    pid_t pid;
    char url[64];
    char dir[128];
} server_t;

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

/* ---- server ------------------------------------------------------------------------------ */

static int read_port(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    if (!f)
        return 0;
    char line[4096];
    int port = 0;
    while (!port && fgets(line, sizeof line, f)) {
        json_t *e = json_loads(line, 0, NULL);
        const char *msg = json_string_value(json_object_get(e, "msg"));
        if (msg && strcmp(msg, "listening") == 0)
            port = (int)json_integer_value(json_object_get(e, "port"));
        json_decref(e);
    }
    fclose(f);
    return port;
}

static int server_start(server_t *s, const char *store_url)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/llmops-bench-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    char log_path[256];
    snprintf(log_path, sizeof log_path, "%s/server.log", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        FILE *log = fopen(log_path, "w");
        if (log) {
            dup2(fileno(log), 1);
            dup2(fileno(log), 2);
        }
        const char *bin = getenv("LLMOPS_BIN"); /* set by `make bench-otlp-ingest` */
        const char *argv[] = {
            bin && *bin ? bin : "build/llmops", "server",  "--port", "0", "--data", s->dir,
            store_url ? "--store" : NULL,       store_url, NULL};
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        int port = read_port(log_path);
        if (port) {
            snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d/v1/traces", port);
            return 0;
        }
        clock_sleep_ms(50);
    }
    fprintf(stderr, "bench: the server did not start (see %s)\n", log_path);
    return -1;
}

static void server_stop(server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", s->dir);
}

/* ---- request bodies ------------------------------------------------------------------------
 * One body per client, built once; the 32 hex digits of each trace's id are rewritten before
 * every request (their offsets are recorded), so ids never repeat. */

typedef struct body {
    buf_t text;
    size_t *id_at; /* offsets of trace ids in text */
    size_t nids;
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
        memcpy(body->text.data + body->id_at[i], id, 32);
    }
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

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    buf_append(userdata, data, size * n);
    return size * n;
}

static void *client_run(void *arg)
{
    client_t *c = arg;
    body_t body;
    body_build(&body, c->traces);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    buf_t out;
    buf_init(&out);
    curl_easy_setopt(curl, CURLOPT_URL, c->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    while (clock_now_ms() < c->until_ms) {
        body_renumber(&body, c->index, c->requests + c->failed);
        buf_reset(&out);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.text.data);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body.text.len);
        long status = 0;
        if (curl_easy_perform(curl) == CURLE_OK)
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200 && out.len == 2 && memcmp(out.data, "{}", 2) == 0) {
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
    r->body_bytes = probe.text.len;
    buf_free(&probe.text);
    free(probe.id_at);
    client_t *clients = calloc((size_t)conns, sizeof *clients);
    pthread_t *threads = calloc((size_t)conns, sizeof *threads);
    int64_t start = clock_now_ms();
    for (int i = 0; i < conns; i++) {
        clients[i] = (client_t){
            .index = i, .url = srv.url, .traces = traces, .until_ms = start + seconds * 1000LL};
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
    enum { ROUNDS = 40 };
    double decode = 0, map = 0, write = 0;
    for (int it = 0; it < ROUNDS; it++) {
        body_renumber(&body, 99, it);
        otlp_batch_t b;
        otlp_batch_init(&b);
        double t0 = cpu_ms();
        if (otlp_json_decode(body.text.data, body.text.len, &b, &err) != 0)
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

    int want_pg = !backends || strstr(backends, "postgresql") != NULL;
    char pg_dir[600] = "", pg_url[600] = "";
    FILE *p = want_pg ? popen("tests/pg.sh start 2>/dev/null", "r") : NULL;
    char line[600];
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "PG_DIR=", 7) == 0)
            snprintf(pg_dir, sizeof pg_dir, "%s", line + 7);
        if (strncmp(line, "PG_URL=", 7) == 0)
            snprintf(pg_url, sizeof pg_url, "%s", line + 7);
    }
    if (p)
        pclose(p);
    if (pg_url[0]) {
        char cmd[1400], db_url[600] = "";
        snprintf(cmd, sizeof cmd, "PG_URL='%s' tests/pg.sh createdb bench_otlp", pg_url);
        FILE *c = popen(cmd, "r");
        if (c && fgets(db_url, sizeof db_url, c))
            db_url[strcspn(db_url, "\n")] = '\0';
        if (c)
            pclose(c);
        if (db_url[0])
            run_backend(&results[1], db_url, conns, traces, seconds);
        snprintf(cmd, sizeof cmd, "tests/pg.sh stop '%s'", pg_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not stop PostgreSQL\n");
    } else if (want_pg) {
        fprintf(stderr, "bench: PostgreSQL not available, skipped\n");
    }

    printf("\nllmops OTLP/JSON ingestion (POST /v1/traces): %d clients, %d traces x %d spans per "
           "request, %d s\n\n",
           conns, traces, SPANS_PER_TRACE, seconds);
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
