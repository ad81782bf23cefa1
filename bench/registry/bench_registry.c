/* bench_registry.c - how fast the registry services are on a real store: version creates one
 * after another and from several threads on one model (the counter row serialises them),
 * reading a version by alias, and searching 1000 models by name pattern and by tag.
 *
 *   make bench-registry                      (SQLite in a temporary directory)
 *   LLMOPS_BENCH_PG_URL=postgresql://... make bench-registry   (also on that PostgreSQL database)
 *
 * Prints one line per measurement. Numbers depend on the machine and the disk; they are for
 * comparing changes, not assertions. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "registry/aliases.h"
#include "registry/models.h"
#include "registry/registry_search.h"
#include "registry/versions.h"
#include "store/migrate.h"
#include "tracking/runs.h"

#define SEQUENTIAL 2000
#define THREADS    4
#define PER_THREAD 500
#define LOOKUPS    5000
#define MODELS     1000
#define SEARCHES   200

static void die(const char *what, const err_t *err)
{
    fprintf(stderr, "bench_registry: %s: %s\n", what, err->message);
    exit(1);
}

/* The run every version is registered from (each create checks it and records lineage). */
static char bench_run[RUN_ID_SIZE];

static void create_version(store_t *s, const char *name)
{
    registry_version_in_t in = {.name = name, .source = "s3://bench/model", .run_id = bench_run};
    err_t err;
    json_t *v = registry_version_create(s, &in, &err);
    if (!v)
        die("version create", &err);
    json_decref(v);
}

static void *thread_creates(void *arg)
{
    for (int i = 0; i < PER_THREAD; i++)
        create_version(arg, "contended");
    return NULL;
}

static void report(const char *backend, const char *what, int n, int64_t us)
{
    printf("%-10s %-44s %6d ops %9.1f ops/s %9.1f us/op\n", backend, what, n,
           n * 1e6 / (double)(us ? us : 1), (double)us / n);
}

static void bench(const char *backend, const char *url)
{
    store_t *s;
    err_t err;
    if (store_open(url, THREADS + 1, &s, &err) != 0)
        die("store_open", &err);
    if (migrate_schema(s, NULL, &err) != 0)
        die("migrate", &err);

    run_create_t run_in = {.run_name = "bench"};
    json_t *run = runs_create(s, &run_in, &err);
    if (!run)
        die("run create", &err);
    snprintf(bench_run, sizeof bench_run, "%s",
             json_string_value(json_object_get(json_object_get(run, "info"), "run_id")));
    json_decref(run);

    registry_model_in_t one = {.name = "sequential"}, two = {.name = "contended"};
    json_decref(registry_model_create(s, &one, &err));
    json_decref(registry_model_create(s, &two, &err));

    int64_t t0 = clock_mono_us();
    for (int i = 0; i < SEQUENTIAL; i++)
        create_version(s, "sequential");
    report(backend, "version create, sequential", SEQUENTIAL, clock_mono_us() - t0);

    pthread_t threads[THREADS];
    t0 = clock_mono_us();
    for (int t = 0; t < THREADS; t++)
        pthread_create(&threads[t], NULL, thread_creates, s);
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    report(backend, "version create, 4 threads on one model", THREADS * PER_THREAD,
           clock_mono_us() - t0);

    json_decref(registry_alias_set(s, "sequential", "champion", SEQUENTIAL / 2, &err));
    t0 = clock_mono_us();
    for (int i = 0; i < LOOKUPS; i++) {
        json_t *v = registry_alias_get(s, "sequential", "champion", &err);
        if (!v)
            die("alias get", &err);
        json_decref(v);
    }
    report(backend, "version by alias", LOOKUPS, clock_mono_us() - t0);

    for (int i = 0; i < MODELS; i++) {
        char name[32], team[16];
        snprintf(name, sizeof name, "model-%04d", i);
        snprintf(team, sizeof team, "team-%d", i % 10);
        registry_tag_t tags[] = {{"team", team}};
        registry_model_in_t in = {.name = name, .tags = tags, .ntags = 1};
        json_t *m = registry_model_create(s, &in, &err);
        if (!m)
            die("model create", &err);
        json_decref(m);
    }
    const char *filters[] = {"name LIKE 'model-01%'", "tags.team = 'team-3'"};
    const char *labels[] = {"search 1000 models, name LIKE (100 hits)",
                            "search 1000 models, tag = (100 hits)"};
    for (int f = 0; f < 2; f++) {
        registry_search_t q = {.filter = filters[f], .max_results = 100};
        t0 = clock_mono_us();
        for (int i = 0; i < SEARCHES; i++) {
            json_t *r = registry_models_search(s, &q, &err);
            if (!r)
                die("search", &err);
            if (json_array_size(json_object_get(r, "models")) != 100) {
                fprintf(stderr, "bench_registry: %s found %zu models\n", filters[f],
                        json_array_size(json_object_get(r, "models")));
                exit(1);
            }
            json_decref(r);
        }
        report(backend, labels[f], SEARCHES, clock_mono_us() - t0);
    }
    store_close(s);
}

int main(void)
{
    char dir[] = "/tmp/llmops-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
    bench("sqlite", url);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_registry: could not remove %s\n", dir);
    const char *pg = getenv("LLMOPS_BENCH_PG_URL");
    if (pg && *pg)
        bench("postgresql", pg);
    return 0;
}
