/* runs.h - MLflow runs: one execution inside an experiment, with its info (status, times,
 * name), its data (params, latest metrics, tags) and its inputs (datasets).
 *
 * A run id is 32 lowercase hex characters (a UUIDv7 without dashes, so ids sort by creation
 * time); its artifact_uri is "<experiment artifact location>/<run_id>/artifacts", i.e.
 * "mlflow-artifacts:/<experiment_id>/<run_id>/artifacts" for experiments with the default
 * location. A run created without a name gets a generated one, mirrored to the tag
 * mlflow.runName as MLflow does (and renaming a run updates both).
 *
 * A run is returned as MLflow's Run message in JSON:
 *   {"info": {"run_id","run_uuid","run_name","experiment_id","user_id","status","start_time",
 *             "end_time","artifact_uri","lifecycle_stage"},
 *    "data": {"metrics":[{"key","value","timestamp","step"}], "params":[...], "tags":[...]},
 *    "inputs": {"dataset_inputs":[{"tags":[...], "dataset":{...}}]}}
 * with null for absent optional fields and empty arrays (the MLflow routes prune both, as
 * protobuf's JSON does). Metric values that are not finite are the strings "NaN", "Infinity",
 * "-Infinity", as in protobuf's JSON. */
#ifndef LLMOPS_TRACKING_RUNS_H
#define LLMOPS_TRACKING_RUNS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "tracking/kv.h"

#define RUN_ID_SIZE 33 /* 32 hex and NUL */

typedef struct run_create {
    const char *experiment_id; /* NULL: "0" */
    const char *user_id;       /* may be NULL */
    const char *run_name;      /* NULL: from the mlflow.runName tag, else generated */
    int64_t start_time;        /* ms; used when has_start_time, else now */
    int has_start_time;
    const tracking_kv_t *tags;
    size_t ntags;
} run_create_t;

/* Create a run in an active experiment. Returns the Run JSON (caller owns). */
json_t *runs_create(store_t *s, const run_create_t *in, err_t *err);
json_t *runs_get(store_t *s, const char *run_id, err_t *err);

/* Change status (a name from tracking_run_status_parse, or NULL), end time (has_end_time) and
 * name (NULL keeps it). The run must be active. Returns the RunInfo JSON. */
json_t *runs_update(store_t *s, const char *run_id, const char *status, int has_end_time,
                    int64_t end_time, const char *run_name, err_t *err);
int runs_delete(store_t *s, const char *run_id, err_t *err);
int runs_restore(store_t *s, const char *run_id, err_t *err);

/* For the services that write to a run: 404 "Run with id=... not found" when it does not
 * exist; when the run is deleted, 400 "The run ... must be in the 'active' state". Fills
 * *experiment_id (may be NULL). */
int runs_check_active(store_conn_t *c, const char *run_id, int64_t *experiment_id, err_t *err);

/* For the services that refer to a run without writing to it (a model version registered from
 * it): 0 when the run exists, active or deleted (a deleted run can still be restored, and
 * MLflow's get_run finds it too); otherwise 404 "Run with id=... not found", or 400 naming
 * "run_id" when run_id is empty. */
int runs_check_exists(store_conn_t *c, const char *run_id, err_t *err);

/* The Run JSON of each id, in the given order (ids that do not exist are skipped). Loads data
 * for all of them with a few queries per 500 ids. Returns a JSON array, caller owns. */
json_t *runs_load(store_conn_t *c, const char *const *run_ids, size_t n, err_t *err);

/* A Metric message: {"key","value","timestamp","step"}; value as described above. */
json_t *runs_metric_json(const char *key, double value, int is_nan, int64_t timestamp,
                         int64_t step);

#endif
