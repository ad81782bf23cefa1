/* bench_tracking.c - how fast experiment tracking is, end to end over HTTP.
 *
 * For SQLite (a temporary data directory) and, when tests/pg.sh can start one, PostgreSQL, it
 * starts `build/llmops server` and measures:
 *   1. ingest: MLflow runs/log-batch requests of 1000 metric points each, posted for
 *      BENCH_SECONDS (default 10) by 2 client threads (each its own run, libcurl keep-alive);
 *      reports metric points/s and requests/s.
 *   2. search: 100,000 runs seeded directly through the store API (multi-row INSERTs into the
 *      tracking tables, one transaction: much faster than going through HTTP and not what is
 *      measured), each with 2 params, 2 metrics and a tag; then MLflow runs/search with
 *      filter "metrics.acc > 0.5 and params.model = 'b'", order_by "metrics.acc DESC",
 *      max_results 100, from one client for BENCH_SEARCH_SECONDS (default 5); reports
 *      queries/s and p50 / p95 latency.
 * Run with `make bench-tracking`. BENCH_BACKENDS=sqlite (or postgresql) measures that backend
 * only; BENCH_INGEST_ONLY=1
 * skips the search part (for quick, repeated ingest measurements). */
#include "../bench_server.h"
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "store/migrate.h"
#include "store/sql_builder.h"
#include "store/store.h"

#define SEED_RUNS 100000

/* ---- server ------------------------------------------------------------------------------ */

/* ---- HTTP -------------------------------------------------------------------------------- */

/* POST body to url with a reused handle; returns the status, response in out. */
static long post(CURL *curl, const char *url, const char *body, size_t len, buf_t *out)
{
    buf_reset(out);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static char *create_run(CURL *curl, const char *base, const char *exp)
{
    char url[256], body[128];
    snprintf(url, sizeof url, "%s/api/2.0/mlflow/runs/create", base);
    snprintf(body, sizeof body, "{\"experiment_id\":\"%s\"}", exp);
    buf_t out;
    buf_init(&out);
    char *id = NULL;
    if (post(curl, url, body, strlen(body), &out) == 200) {
        json_t *r = json_loads(buf_str(&out), 0, NULL);
        const char *v = json_string_value(
            json_object_get(json_object_get(json_object_get(r, "run"), "info"), "run_id"));
        id = v ? strdup(v) : NULL;
        json_decref(r);
    }
    buf_free(&out);
    return id;
}

/* ---- 1: ingest --------------------------------------------------------------------------- */

typedef struct ingest {
    const char *base;
    int seconds;
    int64_t points, requests, failures;
} ingest_t;

static void *ingest_thread(void *arg)
{
    ingest_t *in = arg;
    CURL *curl = curl_easy_init();
    char *run = create_run(curl, in->base, "0");
    if (!run) {
        in->failures++;
        curl_easy_cleanup(curl);
        return NULL;
    }
    char url[256];
    snprintf(url, sizeof url, "%s/api/2.0/mlflow/runs/log-batch", in->base);
    buf_t body, out;
    buf_init(&body);
    buf_init(&out);
    int64_t step = 0, end = clock_mono_us() + (int64_t)in->seconds * 1000000;
    int64_t ts = clock_now_ms();
    while (clock_mono_us() < end) {
        buf_reset(&body);
        buf_printf(&body, "{\"run_id\":\"%s\",\"metrics\":[", run);
        for (int i = 0; i < 1000; i++, step++)
            buf_printf(&body,
                       "%s{\"key\":\"metric_%d\",\"value\":%.6f,\"timestamp\":%" PRId64
                       ",\"step\":%" PRId64 "}",
                       i ? "," : "", i % 10, (double)(step % 977) / 977.0, ts + step / 10,
                       step / 10);
        buf_append_str(&body, "]}");
        if (post(curl, url, buf_str(&body), body.len, &out) == 200) {
            in->points += 1000;
            in->requests++;
        } else {
            in->failures++;
        }
    }
    buf_free(&body);
    buf_free(&out);
    free(run);
    curl_easy_cleanup(curl);
    return NULL;
}

static void bench_ingest(const char *base, double *points_per_s, double *req_per_s,
                         int64_t *failures)
{
    ingest_t in[2] = {{base, env_int("BENCH_SECONDS", 10), 0, 0, 0},
                      {base, env_int("BENCH_SECONDS", 10), 0, 0, 0}};
    pthread_t t[2];
    int64_t start = clock_mono_us();
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, ingest_thread, &in[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    double secs = (double)(clock_mono_us() - start) / 1e6;
    *points_per_s = (double)(in[0].points + in[1].points) / secs;
    *req_per_s = (double)(in[0].requests + in[1].requests) / secs;
    *failures = in[0].failures + in[1].failures;
}

/* ---- 2: search --------------------------------------------------------------------------- */

/* Seed SEED_RUNS runs into experiment 1 ("bench-search") through the store API. */
static int seed_runs(const char *store_url, err_t *err)
{
    store_t *s;
    if (store_open(store_url, 1, &s, err) != 0 || migrate_schema(s, NULL, err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    enum { BATCH = 1000 };
    static char ids[BATCH][33], uris[BATCH][96], names[BATCH][24];
    static const char *models[] = {"a", "b", "c", "d"};
    store_value_t *runs = calloc(BATCH * 5, sizeof *runs);
    store_value_t *params = calloc(BATCH * 2 * 3, sizeof *params);
    store_value_t *tags = calloc(BATCH * 3, sizeof *tags);
    store_value_t *metrics = calloc(BATCH * 2 * 6, sizeof *metrics);
    unsigned seed = 42;
    if (store_exec(c,
                   "INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
                   "creation_time, last_update_time) VALUES ('bench-search', "
                   "'mlflow-artifacts:/1', 'active', 0, 0)",
                   NULL, 0, err) < 0)
        goto done;
    int64_t t0 = clock_now_ms();
    if (store_begin(c, err) != 0)
        goto done;
    for (int base = 0; base < SEED_RUNS; base += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            ids_uuid7_hex(ids[i]);
            snprintf(uris[i], sizeof uris[i], "mlflow-artifacts:/1/%s/artifacts", ids[i]);
            snprintf(names[i], sizeof names[i], "run-%d", base + i);
            runs[i * 5 + 0] = sv_text(ids[i]);
            runs[i * 5 + 1] = sv_text(names[i]);
            runs[i * 5 + 2] = sv_int(t0 - SEED_RUNS + base + i);
            runs[i * 5 + 3] = sv_text(uris[i]);
            runs[i * 5 + 4] = sv_text("bench");
            const char *model = models[rand_r(&seed) % 4];
            params[i * 6 + 0] = sv_text(ids[i]);
            params[i * 6 + 1] = sv_text("model");
            params[i * 6 + 2] = sv_text(model);
            params[i * 6 + 3] = sv_text(ids[i]);
            params[i * 6 + 4] = sv_text("lr");
            params[i * 6 + 5] = sv_text("0.01");
            tags[i * 3 + 0] = sv_text(ids[i]);
            tags[i * 3 + 1] = sv_text("team");
            tags[i * 3 + 2] = sv_text(i % 2 ? "nlp" : "vision");
            double acc = (double)rand_r(&seed) / RAND_MAX;
            const char *keys[] = {"acc", "loss"};
            for (int k = 0; k < 2; k++) {
                store_value_t *m = metrics + (i * 2 + k) * 6;
                m[0] = sv_text(ids[i]);
                m[1] = sv_text(keys[k]);
                m[2] = sv_real(k ? 1 - acc : acc);
                m[3] = sv_int(t0);
                m[4] = sv_int(0);
                m[5] = sv_int(0);
            }
        }
        /* Runs: five bound columns, the rest constant. */
        buf_t sql;
        buf_init(&sql);
        for (int done = 0; done < BATCH; done += 100) {
            buf_reset(&sql);
            buf_append_str(&sql, "INSERT INTO runs (run_id, run_name, start_time, artifact_uri, "
                                 "user_id, experiment_id, status, lifecycle_stage) VALUES");
            for (int r = 0; r < 100; r++)
                buf_append_str(&sql, r ? ", (?, ?, ?, ?, ?, 1, 'FINISHED', 'active')"
                                       : " (?, ?, ?, ?, ?, 1, 'FINISHED', 'active')");
            if (store_exec(c, buf_str(&sql), runs + done * 5, 500, err) < 0) {
                buf_free(&sql);
                goto done;
            }
        }
        buf_free(&sql);
        if (sqlb_exec_rows(c, "INSERT INTO params (run_id, key, value) VALUES", 3, NULL, params,
                           BATCH * 2, err) < 0 ||
            sqlb_exec_rows(c, "INSERT INTO tags (run_id, key, value) VALUES", 3, NULL, tags, BATCH,
                           err) < 0 ||
            sqlb_exec_rows(
                c, "INSERT INTO metrics (run_id, key, value, timestamp, step, is_nan) VALUES", 6,
                NULL, metrics, BATCH * 2, err) < 0 ||
            sqlb_exec_rows(c,
                           "INSERT INTO latest_metrics (run_id, key, value, timestamp, step, "
                           "is_nan) VALUES",
                           6, NULL, metrics, BATCH * 2, err) < 0)
            goto done;
    }
    if (store_commit(c, err) != 0)
        goto done;
    /* Fresh statistics, as a database that has lived a while would have. */
    store_exec(c, "ANALYZE", NULL, 0, err);
    rc = 0;
done:
    if (rc != 0)
        store_rollback(c);
    store_release(s, c);
    store_close(s);
    free(runs);
    free(params);
    free(tags);
    free(metrics);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void bench_search(const char *base, double *qps, double *p50_ms, double *p95_ms,
                         int64_t *nruns, int64_t *failures)
{
    CURL *curl = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s/api/2.0/mlflow/runs/search", base);
    const char *body = "{\"experiment_ids\":[\"1\"],\"filter\":\"metrics.acc > 0.5 and "
                       "params.model = 'b'\",\"order_by\":[\"metrics.acc DESC\"],"
                       "\"max_results\":100}";
    buf_t out;
    buf_init(&out);
    size_t cap = 1 << 16, n = 0;
    int64_t *lat = malloc(cap * sizeof *lat);
    *failures = 0;
    *nruns = 0;
    int64_t start = clock_mono_us(),
            end = start + (int64_t)env_int("BENCH_SEARCH_SECONDS", 5) * 1000000;
    while (clock_mono_us() < end && n < cap) {
        int64_t t = clock_mono_us();
        long status = post(curl, url, body, strlen(body), &out);
        lat[n++] = clock_mono_us() - t;
        if (status != 200) {
            (*failures)++;
        } else if (n == 1) {
            json_t *r = json_loads(buf_str(&out), 0, NULL);
            *nruns = (int64_t)json_array_size(json_object_get(r, "runs"));
            json_decref(r);
        }
    }
    double secs = (double)(clock_mono_us() - start) / 1e6;
    qsort(lat, n, sizeof *lat, cmp_i64);
    *qps = (double)n / secs;
    *p50_ms = (double)lat[n / 2] / 1000.0;
    *p95_ms = (double)lat[n * 95 / 100] / 1000.0;
    free(lat);
    buf_free(&out);
    curl_easy_cleanup(curl);
}

/* ---- main -------------------------------------------------------------------------------- */

typedef struct result {
    const char *backend;
    double points_per_s, req_per_s, qps, p50, p95;
    int64_t ingest_fail, search_fail, search_runs;
    int ok;
} result_t;

static void run_backend(result_t *r, const char *store_url)
{
    server_t srv = {0};
    char sqlite_url[256];
    err_t err;
    if (server_start(&srv, store_url) != 0)
        return;
    fprintf(stderr, "bench: %s server at %s\n", r->backend, srv.url);
    bench_ingest(srv.url, &r->points_per_s, &r->req_per_s, &r->ingest_fail);
    if (env_int("BENCH_INGEST_ONLY", 0)) {
        server_stop(&srv);
        r->ok = 1;
        return;
    }
    fprintf(stderr, "bench: %s ingest done; seeding %d runs\n", r->backend, SEED_RUNS);
    snprintf(sqlite_url, sizeof sqlite_url, "sqlite:%s/llmops.db", srv.dir);
    if (seed_runs(store_url ? store_url : sqlite_url, &err) != 0) {
        fprintf(stderr, "bench: seeding failed: %s\n", err.message);
        server_stop(&srv);
        return;
    }
    bench_search(srv.url, &r->qps, &r->p50, &r->p95, &r->search_runs, &r->search_fail);
    server_stop(&srv);
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
        bench_on_postgres("bench_tracking", run_postgres, ctx);

    printf("\nllmops tracking benchmark (%d-second ingest, 2 clients, 1000 metrics per "
           "log-batch; search over %d runs)\n\n",
           env_int("BENCH_SECONDS", 10), SEED_RUNS);
    printf("| backend    | ingest points/s | log-batch req/s | failed | search q/s | p50 ms | "
           "p95 ms | runs/page |\n");
    printf("| ---------- | --------------- | --------------- | ------ | ---------- | ------ | "
           "------ | --------- |\n");
    for (int i = 0; i < 2; i++) {
        result_t *r = &results[i];
        if (!r->ok) {
            printf("| %-10s | (not run)       |                 |        |            |        | "
                   "       |           |\n",
                   r->backend);
            continue;
        }
        printf("| %-10s | %15.0f | %15.1f | %6" PRId64 " | %10.1f | %6.2f | %6.2f | %9" PRId64
               " |\n",
               r->backend, r->points_per_s, r->req_per_s, r->ingest_fail + r->search_fail, r->qps,
               r->p50, r->p95, r->search_runs);
    }
    curl_global_cleanup();
    return 0;
}
