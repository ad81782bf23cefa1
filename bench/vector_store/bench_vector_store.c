/* bench_vector_store.c - the vector store through its HTTP API: ingest throughput (chunks/s of
 * POST /api/v1/collections/{name}/documents with JSON batches, local lexical embedder) and
 * search rate (queries/s and median latency of POST .../search, one client, keep-alive) in each
 * mode, on SQLite and then PostgreSQL (tests/pg.sh). The first dense search, which builds the
 * collection's HNSW index from the stored vectors, is timed on its own.
 *
 * Settings: BENCH_DOCS (10000 one-chunk documents), BENCH_BATCH (500 per request), BENCH_DIM
 * (256), BENCH_QUERIES (500 per mode), BENCH_BACKENDS ("sqlite,postgres"). Documents are 12
 * words drawn from a 2,000-word generated vocabulary with a seeded generator, so every run
 * ingests the same data. Run with `make bench-vector-store`. */
#include <curl/curl.h>
#include <stdint.h>

#include "../bench_server.h"

static uint64_t rng = 0x5eed;

static uint32_t next(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng >> 33);
}

static void word(char *out, size_t size)
{
    uint32_t w = next() % 2000;
    snprintf(out, size, "t%05uw%u", (w * 2654435761u) % 99991, w);
}

static long post(CURL *curl, const char *url, const char *body, buf_t *answer)
{
    buf_reset(answer);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run(const char *store_url, void *ctx)
{
    const char *label = ctx;
    int docs = env_int("BENCH_DOCS", 10000), batch = env_int("BENCH_BATCH", 500);
    int dim = env_int("BENCH_DIM", 256), queries = env_int("BENCH_QUERIES", 500);
    server_t s;
    if (server_start(&s, store_url) != 0)
        return;
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    buf_t answer, body, url;
    buf_init(&answer);
    buf_init(&body);
    buf_init(&url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    buf_printf(&url, "%s/api/v1/collections", s.url);
    buf_printf(&body, "{\"name\":\"bench\",\"dimension\":%d}", dim);
    if (post(curl, buf_str(&url), buf_str(&body), &answer) != 201) {
        fprintf(stderr, "bench: create failed: %s\n", buf_str(&answer));
        goto done;
    }
    buf_reset(&url);
    buf_printf(&url, "%s/api/v1/collections/bench/documents", s.url);
    rng = 0x5eed;
    int64_t t0 = clock_mono_us();
    for (int at = 0; at < docs; at += batch) {
        buf_reset(&body);
        buf_append_str(&body, "{\"documents\":[");
        for (int i = at; i < at + batch && i < docs; i++) {
            buf_printf(&body, "%s{\"source\":\"d%d\",\"metadata\":{\"group\":%d},\"text\":\"",
                       i > at ? "," : "", i, i % 10);
            for (int w = 0; w < 12; w++) {
                char t[32];
                word(t, sizeof t);
                buf_printf(&body, "%s%s", w ? " " : "", t);
            }
            buf_append_str(&body, "\"}");
        }
        buf_append_str(&body, "]}");
        if (post(curl, buf_str(&url), buf_str(&body), &answer) != 200) {
            fprintf(stderr, "bench: ingest failed: %.300s\n", buf_str(&answer));
            goto done;
        }
    }
    double ingest_s = (double)(clock_mono_us() - t0) / 1e6;
    printf("%-10s ingest: %d chunks in %.2f s = %.0f chunks/s (batches of %d, dim %d)\n", label,
           docs, ingest_s, docs / ingest_s, batch, dim);

    buf_reset(&url);
    buf_printf(&url, "%s/api/v1/collections/bench/search", s.url);
    /* The first dense search builds the collection's HNSW index from the stored vectors. */
    int64_t b0 = clock_mono_us();
    if (post(curl, buf_str(&url), "{\"query\":\"warm up\",\"mode\":\"dense\"}", &answer) != 200) {
        fprintf(stderr, "bench: search failed: %.300s\n", buf_str(&answer));
        goto done;
    }
    printf("%-10s first dense search (builds the HNSW index of %d vectors): %.2f s\n", label, docs,
           (double)(clock_mono_us() - b0) / 1e6);
    const char *modes[] = {"dense", "dense-exact", "dense-filter", "keyword", "hybrid"};
    double *lat = malloc((size_t)queries * sizeof *lat);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        int64_t start = clock_mono_us();
        for (int q = 0; q < queries; q++) {
            char a[32], b[32];
            word(a, sizeof a);
            word(b, sizeof b);
            buf_reset(&body);
            buf_printf(&body, "{\"query\":\"%s %s\",\"k\":10,\"mode\":\"%s\"%s%s}", a, b,
                       strncmp(modes[m], "dense", 5) == 0 ? "dense" : modes[m],
                       strcmp(modes[m], "dense-exact") == 0 ? ",\"exact\":true" : "",
                       strcmp(modes[m], "dense-filter") == 0 ? ",\"filter\":{\"group\":3}" : "");
            int64_t q0 = clock_mono_us();
            if (post(curl, buf_str(&url), buf_str(&body), &answer) != 200) {
                fprintf(stderr, "bench: search failed: %.300s\n", buf_str(&answer));
                goto done_lat;
            }
            lat[q] = (double)(clock_mono_us() - q0) / 1000.0;
        }
        double secs = (double)(clock_mono_us() - start) / 1e6;
        qsort(lat, (size_t)queries, sizeof *lat, cmp_double);
        printf("%-10s search %-12s %6.0f queries/s  p50 %.2f ms  p99 %.2f ms\n", label, modes[m],
               queries / secs, lat[queries / 2], lat[queries * 99 / 100]);
    }
done_lat:
    free(lat);
done:
    buf_free(&answer);
    buf_free(&body);
    buf_free(&url);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    server_stop(&s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *backends = getenv("BENCH_BACKENDS");
    if (!backends || !*backends)
        backends = "sqlite,postgres";
    if (strstr(backends, "sqlite"))
        run(NULL, "sqlite");
    if (strstr(backends, "postgres"))
        bench_on_postgres("llmops_bench_vs", run, "postgresql");
    curl_global_cleanup();
    return 0;
}
