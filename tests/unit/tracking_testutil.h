/* tracking_testutil.h - helpers for the tracking service unit tests, on the migrated store of
 * store_testutil.h (SQLite, and PostgreSQL when LLMOPS_TEST_PG_URL is set): each test starts
 * from empty tracking tables with only the Default experiment (tfix_reset), and makes runs,
 * experiments and batches with one call each. */
#ifndef LLMOPS_TESTS_TRACKING_TESTUTIL_H
#define LLMOPS_TESTS_TRACKING_TESTUTIL_H

#include "unit/store_testutil.h"

#include <jansson.h>

#include "tracking/experiments.h"
#include "tracking/run_data.h"
#include "tracking/runs.h"

typedef test_store_t tfix_t;

/* Per test: empty every tracking table, keep experiment 0. */
static inline int tfix_reset(void **state)
{
    tfix_t *f = *state;
    static const char *const sql[] = {"DELETE FROM metrics",
                                      "DELETE FROM latest_metrics",
                                      "DELETE FROM params",
                                      "DELETE FROM tags",
                                      "DELETE FROM runs",
                                      "DELETE FROM run_inputs",
                                      "DELETE FROM input_tags",
                                      "DELETE FROM datasets",
                                      "DELETE FROM artifacts",
                                      "DELETE FROM experiment_tags",
                                      "DELETE FROM experiments WHERE experiment_id <> 0",
                                      "DELETE FROM lineage_edges"};
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++)
        test_store_exec(f->store, sql[i]);
    return 0;
}

/* Create a run in experiment exp with a start time; returns its id (caller frees). */
static inline char *tfix_run(tfix_t *f, const char *exp, int64_t start, const char *name)
{
    err_t err;
    run_create_t in = {
        .experiment_id = exp, .run_name = name, .start_time = start, .has_start_time = 1};
    json_t *run = runs_create(f->store, &in, &err);
    if (!run)
        fail_msg("runs_create: %s", err.message);
    char *id = strdup(json_string_value(json_object_get(json_object_get(run, "info"), "run_id")));
    json_decref(run);
    return id;
}

static inline char *tfix_experiment(tfix_t *f, const char *name)
{
    err_t err;
    char id[EXPERIMENT_ID_SIZE];
    if (experiments_create(f->store, name, NULL, NULL, 0, id, &err) != 0)
        fail_msg("experiments_create: %s", err.message);
    return strdup(id);
}

/* Log one batch that must succeed. */
static inline void tfix_log(tfix_t *f, const char *run, const tracking_metric_t *m, size_t nm,
                            const tracking_kv_t *p, size_t np, const tracking_kv_t *t, size_t nt)
{
    err_t err;
    run_batch_t b = {m, nm, p, np, t, nt};
    if (run_data_log_batch(f->store, run, &b, &err) != 0)
        fail_msg("log_batch: %s", err.message);
}

/* run.data.<list> as an object key -> value. Caller frees. */
static inline json_t *tfix_data(tfix_t *f, const char *run_id, const char *list)
{
    err_t err;
    json_t *run = runs_get(f->store, run_id, &err);
    if (!run)
        fail_msg("runs_get: %s", err.message);
    json_t *map = json_object();
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json_object_get(run, "data"), list), i, item)
        json_object_set(map, json_string_value(json_object_get(item, "key")),
                        json_object_get(item, "value"));
    json_decref(run);
    return map;
}

#endif
