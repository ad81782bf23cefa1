/* bench_traces.c - how fast trace queries answer over a large store, end to end over HTTP.
 *
 * For SQLite (a temporary data directory) and, when tests/pg.sh can start one, PostgreSQL, it
 * seeds BENCH_TRACES traces (default 1,000,000) directly through the store API: multi-row
 * INSERTs into traces, spans (BENCH_SPANS per trace, default 3: an agent root, a retrieval and
 * an LLM call) and scores (2% of traces have feedback), in transactions of 20,000 traces, with
 * the schema's triggers (full-text index, session totals) doing their work as in production.
 * The data is shaped like a month of traffic: 8 endpoints, 6 models, 20,000 users, sessions of
 * 1-15 traces, 3% errors, long-tailed latencies, inputs of 8-20 words from a 600-word
 * vocabulary (the word "refund" in 0.3% of them). Then it starts `build/llmops server` on the
 * store and times each query of the list below (BENCH_REPS sequential requests, default 30,
 * after 3 warm-up requests, one libcurl keep-alive connection), reporting p50 / p95 in ms.
 *
 * Run with `make bench-traces`. BENCH_BACKENDS=sqlite (or postgresql) runs one backend only;
 * BENCH_KEEP=1 leaves the seeded databases behind (and PostgreSQL running) to look at plans. */
#include "../bench_server.h"
#include <curl/curl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/migrate.h"
#include "store/sql_builder.h"
#include "store/store.h"

/* ---- the queries timed ------------------------------------------------------------------------
 * One line per query: a label and the request path ({TRACE}, {SESSION} and {USER} are replaced
 * by a seeded trace, session and that session's user). Add a line to time another query. */
typedef struct bench_query {
    const char *label, *path;
} bench_query_t;

static const bench_query_t queries[] = {
    {"newest traces", "/api/v1/traces?limit=50"},
    {"endpoint + status=error", "/api/v1/traces?endpoint=rag-search&status=error&limit=50"},
    {"min_latency_ms=20000", "/api/v1/traces?min_latency_ms=20000&limit=50"},
    {"user's traces", "/api/v1/traces?user={USER}&limit=50"},
    {"sort=latency_ms", "/api/v1/traces?sort=latency_ms&limit=50"},
    {"sort=cost_usd, model", "/api/v1/traces?sort=cost_usd&model=gpt-4o&limit=50"},
    {"q=refund (full text)", "/api/v1/traces?q=refund&limit=50"},
    {"q=refund invoice", "/api/v1/traces?q=refund+invoice&limit=50"},
    {"has_feedback=true", "/api/v1/traces?has_feedback=true&limit=50"},
    {"score=helpfulness>=0.8", "/api/v1/traces?score=helpfulness%3E%3D0.8&limit=50"},
    {"one trace (tree)", "/api/v1/traces/{TRACE}"},
    {"session list", "/api/v1/sessions?limit=50"},
    {"session list, user", "/api/v1/sessions?user={USER}&limit=50"},
    {"one session", "/api/v1/sessions/{SESSION}"},
    {"monitor summary, month by day",
     "/api/v1/monitor/summary?since=31d&bucket=day&group=endpoint"},
};
#define NQUERIES (sizeof queries / sizeof queries[0])

#define BATCH          20000
#define TRACE_COLS     22
#define SPAN_COLS      14
#define SCORE_COLS     8
#define MONTH_MS       (30LL * 24 * 3600 * 1000)
#define VOCABULARY     600
#define FEEDBACK_EVERY 50 /* 2% of traces */

/* ---- deterministic data ---------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    /* xorshift64*: fast and good enough to spread synthetic data. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static double rnd01(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static const char *const endpoints[] = {"chat-prod",  "chat-prod",   "chat-prod", "rag-search",
                                        "rag-search", "summarize",   "agent",     "classify",
                                        "translate",  "chat-staging"};
static const char *const models[] = {
    "gpt-4o", "gpt-4o-mini", "gpt-4o-mini", "claude-3-5-sonnet", "llama-3.1-70b", "mistral-large"};
static const double price_per_tok[] = {5e-6, 0.3e-6, 0.3e-6, 3e-6, 0.8e-6, 2e-6};

static char vocab[VOCABULARY][12];

static void make_vocab(void)
{
    static const char *const syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo",
                                       "ze", "pa", "do", "gu", "fe", "hi", "jo", "qu"};
    for (int i = 0; i < VOCABULARY; i++)
        snprintf(vocab[i], sizeof vocab[i], "%s%s%s", syll[i % 16], syll[(i / 16) % 16],
                 syll[(i / 256) % 16]);
}

static void words(buf_t *b, int n, int refund)
{
    for (int w = 0; w < n; w++) {
        if (w)
            buf_append_char(b, ' ');
        /* Zipf-ish: small indexes are much more common. */
        int k = (int)(pow(rnd01(), 2.5) * VOCABULARY);
        buf_append_str(b, vocab[k < VOCABULARY ? k : VOCABULARY - 1]);
    }
    if (refund)
        buf_append_str(b, refund == 2 ? " refund for my invoice" : " refund please");
}

/* Strings of one batch, freed after its statements ran. */
typedef struct arena {
    char **items;
    size_t n, cap;
} arena_t;

static const char *keep(arena_t *a, char *s)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 1024;
        a->items = realloc(a->items, a->cap * sizeof *a->items);
    }
    return a->items[a->n++] = s;
}

static const char *fmt(arena_t *a, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt(arena_t *a, const char *f, ...)
{
    buf_t b;
    buf_init(&b);
    va_list ap;
    va_start(ap, f);
    buf_vprintf(&b, f, ap);
    va_end(ap);
    return keep(a, buf_steal(&b));
}

static void arena_clear(arena_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->items[i]);
    a->n = 0;
}

static const char trace_head[] =
    "INSERT INTO traces (trace_id, start_ms, end_ms, name, status, session_id, user_id, "
    "endpoint, model, provider, version, key_id, input_tokens, output_tokens, cost_usd, "
    "latency_ms, ttft_ms, input, output, data, source, span_count) VALUES ";
static const char span_head[] =
    "INSERT INTO spans (span_id, trace_id, parent_span_id, name, type, start_ms, end_ms, status, "
    "model, latency_ms, session_id, user_id, endpoint, source) VALUES ";
static const char score_head[] = "INSERT INTO scores (id, trace_id, name, data_type, value, "
                                 "string_value, source, created_ms) VALUES ";

typedef struct seed_state {
    int64_t t0;
    long session;      /* current session number */
    int session_left;  /* traces still to come in it */
    int session_user;  /* its user */
    long sample_trace; /* a trace and a session to show */
    long sample_session;
} seed_state_t;

static int seed(store_t *s, long ntraces, int nspans, seed_state_t *st, err_t *err)
{
    make_vocab();
    st->t0 = clock_now_ms() - MONTH_MS;
    store_value_t *tv = calloc((size_t)BATCH * TRACE_COLS, sizeof *tv);
    store_value_t *sv = calloc((size_t)BATCH * (size_t)nspans * SPAN_COLS, sizeof *sv);
    store_value_t *scv = calloc((size_t)BATCH * SCORE_COLS, sizeof *scv);
    arena_t a = {0};
    int rc = 0;
    for (long base = 0; base < ntraces && rc == 0; base += BATCH) {
        long n = ntraces - base < BATCH ? ntraces - base : BATCH;
        size_t ns = 0, nsc = 0;
        for (long k = 0; k < n; k++) {
            long i = base + k;
            if (st->session_left == 0) {
                st->session++;
                st->session_left = 1 + (int)(rnd() % 15);
                st->session_user = (int)(rnd() % 20000);
            }
            st->session_left--;
            int ep = (int)(rnd() % 10), model = (int)(rnd() % 6);
            int error = rnd() % 100 < 3;
            double latency = 150 + pow(rnd01(), 4) * 30000;
            int64_t start = st->t0 + i * (MONTH_MS / ntraces) + (int64_t)(rnd() % 1000);
            int64_t in_tok = 50 + (int64_t)(rnd() % 4000), out_tok = 10 + (int64_t)(rnd() % 1000);
            const char *trace_id = fmt(&a, "%016" PRIx64 "%016lx", rnd(), (unsigned long)i);
            const char *session = fmt(&a, "sess-%07ld", st->session);
            const char *user = fmt(&a, "user-%05d", st->session_user);
            uint64_t r = rnd() % 1000;
            buf_t in;
            buf_init(&in);
            words(&in, 8 + (int)(rnd() % 13), r < 1 ? 2 : r < 3 ? 1 : 0);
            buf_t out;
            buf_init(&out);
            words(&out, 10 + (int)(rnd() % 20), 0);
            store_value_t row[TRACE_COLS] = {
                sv_text(trace_id),
                sv_int(start),
                sv_int(start + (int64_t)latency),
                sv_text(ep == 6 ? "agent.run" : "chat.completions"),
                sv_text(error ? "error" : "ok"),
                sv_text(session),
                sv_text(user),
                sv_text(endpoints[ep]),
                sv_text(models[model]),
                sv_text(model < 3    ? "openai"
                        : model == 3 ? "anthropic"
                                     : "other"),
                sv_text(rnd() % 2 ? "v12" : "v13"),
                sv_text(fmt(&a, "key-%d", (int)(rnd() % 50))),
                sv_int(in_tok),
                sv_int(out_tok),
                sv_real((double)(in_tok + out_tok) * price_per_tok[model]),
                sv_real(latency),
                sv_real(latency / 5),
                sv_text(keep(&a, buf_steal(&in))),
                sv_text(keep(&a, buf_steal(&out))),
                sv_text("{}"),
                sv_text("otlp"),
                sv_int(nspans),
            };
            memcpy(tv + k * TRACE_COLS, row, sizeof row);
            static const char *const names[] = {"agent", "retrieve", "llm", "tool"};
            static const char *const types[] = {"agent", "retrieval", "llm", "tool"};
            const char *root = NULL;
            for (int p = 0; p < nspans; p++) {
                const char *span_id = fmt(&a, "%016" PRIx64, rnd());
                int64_t s0 = start + (p ? (int64_t)(latency * 0.1 * p) : 0);
                int64_t dur = p ? (int64_t)(latency * 0.3) : (int64_t)latency;
                store_value_t srow[SPAN_COLS] = {
                    sv_text(span_id),
                    sv_text(trace_id),
                    sv_text(root),
                    sv_text(names[p % 4]),
                    sv_text(types[p % 4]),
                    sv_int(s0),
                    sv_int(s0 + dur),
                    sv_text(error && p == nspans - 1 ? "error" : "ok"),
                    sv_text(p % 4 == 2 ? models[model] : NULL),
                    sv_real((double)dur),
                    sv_text(session),
                    sv_text(user),
                    sv_text(endpoints[ep]),
                    sv_text("otlp"),
                };
                memcpy(sv + ns++ * SPAN_COLS, srow, sizeof srow);
                if (!root)
                    root = span_id;
            }
            if (i % FEEDBACK_EVERY == 7) {
                store_value_t fb[SCORE_COLS] = {
                    sv_text(fmt(&a, "score-%ld", i)),
                    sv_text(trace_id),
                    sv_text("helpfulness"),
                    sv_text("numeric"),
                    sv_real(rnd01()),
                    sv_null(),
                    sv_text("human"),
                    sv_int(start + 60000),
                };
                memcpy(scv + nsc++ * SCORE_COLS, fb, sizeof fb);
            }
            if (i == ntraces / 2) {
                st->sample_trace = i;
                st->sample_session = st->session;
                fprintf(stderr, "bench: sample trace %s, session %s\n", trace_id, session);
                setenv("BENCH_SAMPLE_TRACE", trace_id, 1);
                setenv("BENCH_SAMPLE_SESSION", session, 1);
                setenv("BENCH_SAMPLE_USER", user, 1);
            }
        }
        store_conn_t *c = store_acquire(s);
        int ok = store_begin(c, err) == 0 &&
                 sqlb_exec_rows(c, trace_head, TRACE_COLS, "", tv, (size_t)n, err) >= 0 &&
                 sqlb_exec_rows(c, span_head, SPAN_COLS, "", sv, ns, err) >= 0 &&
                 (nsc == 0 || sqlb_exec_rows(c, score_head, SCORE_COLS, "", scv, nsc, err) >= 0);
        rc = store_finish(c, ok, err);
        store_release(s, c);
        arena_clear(&a);
        if ((base / BATCH) % 10 == 9)
            fprintf(stderr, "bench: %ld traces\n", base + n);
    }
    for (size_t i = 0; i < a.n; i++)
        free(a.items[i]);
    free(a.items);
    free(tv);
    free(sv);
    free(scv);
    return rc;
}

/* ---- server ---------------------------------------------------------------------------------- */

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

typedef struct timing {
    double p50, p95;
    long rows; /* items in the first answer */
    int failed;
} timing_t;

/* The path with {TRACE} / {SESSION} replaced. */
static void expand(const char *path, char *out, size_t size)
{
    const char *trace = getenv("BENCH_SAMPLE_TRACE"), *session = getenv("BENCH_SAMPLE_SESSION");
    const char *user = getenv("BENCH_SAMPLE_USER");
    buf_t b;
    buf_init(&b);
    for (const char *p = path; *p;) {
        if (strncmp(p, "{TRACE}", 7) == 0) {
            buf_append_str(&b, trace ? trace : "");
            p += 7;
        } else if (strncmp(p, "{USER}", 6) == 0) {
            buf_append_str(&b, user ? user : "");
            p += 6;
        } else if (strncmp(p, "{SESSION}", 9) == 0) {
            buf_append_str(&b, session ? session : "");
            p += 9;
        } else {
            buf_append_char(&b, *p++);
        }
    }
    snprintf(out, size, "%s", buf_str(&b));
    buf_free(&b);
}

static void time_query(CURL *curl, const char *base, const bench_query_t *q, int reps, timing_t *t)
{
    char path[512], url[640];
    expand(q->path, path, sizeof path);
    snprintf(url, sizeof url, "%s%s", base, path);
    buf_t out;
    buf_init(&out);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    int64_t *lat = calloc((size_t)reps, sizeof *lat);
    memset(t, 0, sizeof *t);
    for (int i = -3; i < reps; i++) {
        buf_reset(&out);
        int64_t t0 = clock_mono_us();
        long status = 0;
        if (curl_easy_perform(curl) == CURLE_OK)
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        int64_t us = clock_mono_us() - t0;
        if (status != 200) {
            if (!t->failed)
                fprintf(stderr, "bench: %s: %ld %.200s\n", path, status, buf_str(&out));
            t->failed++;
        }
        if (i == -3) {
            json_t *r = json_loads(buf_str(&out), 0, NULL);
            json_t *list = json_object_get(r, "traces");
            if (!list)
                list = json_object_get(r, "sessions");
            if (!list)
                list = json_object_get(r, "spans");
            t->rows = (long)json_array_size(list);
            json_decref(r);
        }
        if (i >= 0)
            lat[i] = us;
    }
    qsort(lat, (size_t)reps, sizeof *lat, cmp_i64);
    t->p50 = (double)lat[reps / 2] / 1000.0;
    t->p95 = (double)lat[(reps * 95) / 100 < reps ? (reps * 95) / 100 : reps - 1] / 1000.0;
    free(lat);
    buf_free(&out);
}

/* ---- main ------------------------------------------------------------------------------------ */

typedef struct result {
    const char *backend;
    int ok;
    double seed_s;
    timing_t t[NQUERIES];
} result_t;

static void run_backend(result_t *r, const char *store_url_or_null)
{
    server_t srv = {0};
    snprintf(srv.dir, sizeof srv.dir, "/tmp/llmops-bench-traces-XXXXXX");
    if (!mkdtemp(srv.dir))
        return;
    char url[700];
    if (store_url_or_null)
        snprintf(url, sizeof url, "%s", store_url_or_null);
    else
        snprintf(url, sizeof url, "sqlite:%s/llmops.db", srv.dir);
    long ntraces = env_int("BENCH_TRACES", 1000000);
    int nspans = env_int("BENCH_SPANS", 3);
    store_t *s;
    err_t err;
    seed_state_t st = {0};
    rng_state = 0x9e3779b97f4a7c15ULL;
    if (store_open(url, 1, &s, &err) != 0 || migrate_schema(s, NULL, &err) != 0) {
        fprintf(stderr, "bench: %s: %s\n", url, err.message);
        return;
    }
    fprintf(stderr, "bench: %s: seeding %ld traces x %d spans\n", r->backend, ntraces, nspans);
    int64_t t0 = clock_mono_us();
    int rc = seed(s, ntraces, nspans, &st, &err);
    if (rc == 0 && store_url_or_null) {
        /* Fresh statistics, as autovacuum would have after a month of traffic. */
        store_conn_t *c = store_acquire(s);
        rc = store_exec_script(c, "ANALYZE", &err);
        store_release(s, c);
    }
    r->seed_s = (double)(clock_mono_us() - t0) / 1e6;
    store_close(s);
    if (rc != 0) {
        fprintf(stderr, "bench: seeding failed: %s\n", err.message);
        return;
    }
    fprintf(stderr, "bench: %s seeded in %.1f s\n", r->backend, r->seed_s);
    if (server_start(&srv, url) != 0)
        return;
    CURL *curl = curl_easy_init();
    int reps = env_int("BENCH_REPS", 30);
    for (size_t q = 0; q < NQUERIES; q++) {
        time_query(curl, srv.url, &queries[q], reps, &r->t[q]);
        fprintf(stderr, "bench: %-26s p50 %8.2f ms  p95 %8.2f ms  (%ld rows)\n", queries[q].label,
                r->t[q].p50, r->t[q].p95, r->t[q].rows);
    }
    curl_easy_cleanup(curl);
    server_stop(&srv);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", srv.dir);
    if (env_int("BENCH_KEEP", 0))
        fprintf(stderr, "bench: kept %s (store %s)\n", srv.dir, url);
    else if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", srv.dir);
    r->ok = 1;
}

/* The PostgreSQL leg (bench_on_postgres). */
static void run_postgres(const char *db_url, void *ctx)
{
    run_backend(ctx, db_url);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    result_t results[2] = {{.backend = "sqlite"}, {.backend = "postgresql"}};
    const char *backends = getenv("BENCH_BACKENDS");
    if (!backends || strstr(backends, "sqlite"))
        run_backend(&results[0], NULL);

    result_t *ctx = &results[1];
    if (!backends || strstr(backends, "postgresql"))
        bench_on_postgres("bench_traces", run_postgres, ctx);

    printf("\nllmops trace queries over HTTP: %d traces x %d spans, %d sequential requests per "
           "query, %ld cores\n\n",
           env_int("BENCH_TRACES", 1000000), env_int("BENCH_SPANS", 3), env_int("BENCH_REPS", 30),
           sysconf(_SC_NPROCESSORS_ONLN));
    printf("| query                      | SQLite p50 ms | p95 ms | rows | PostgreSQL p50 ms | "
           "p95 ms | rows |\n");
    printf("| -------------------------- | ------------- | ------ | ---- | ----------------- | "
           "------ | ---- |\n");
    for (size_t q = 0; q < NQUERIES; q++) {
        printf("| %-26s |", queries[q].label);
        for (int b = 0; b < 2; b++) {
            const timing_t *t = &results[b].t[q];
            if (!results[b].ok)
                printf(b ? " (not run)         |        |      |"
                         : " (not run)     |        |      |");
            else if (t->failed)
                printf(b ? " failed (%d)       |        |      |"
                         : " failed (%d)   |        |      |",
                       t->failed);
            else
                printf(b ? " %17.2f | %6.2f | %4ld |" : " %13.2f | %6.2f | %4ld |", t->p50, t->p95,
                       t->rows);
        }
        printf("\n");
    }
    for (int b = 0; b < 2; b++)
        if (results[b].ok)
            printf("\n%s: seeded in %.1f s", results[b].backend, results[b].seed_s);
    printf("\n");
    curl_global_cleanup();
    return results[0].ok || results[1].ok ? 0 : 1;
}
