/* eval_store.h - the evaluation tables: `evaluations` (one row per evaluation: its spec,
 * status, times, final metrics and gates) and `eval_rows` (one result per dataset row). The
 * runner writes through here; the service reads EVAL and ROW JSON (docs/eval-api.md) from here.
 * Every function takes the store and acquires its own connection unless it takes one. */
#ifndef LLMOPS_EVAL_EVAL_STORE_H
#define LLMOPS_EVAL_EVAL_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

/* A new evaluation's row. */
typedef struct eval_record {
    const char *id, *name, *status;
    const char *dataset;      /* "qa/3" */
    const char *dataset_name; /* "qa" */
    const char *split;        /* NULL when none */
    const json_t *spec;       /* the validated spec (what resume rebuilds from) */
    int64_t total;
    const char *baseline; /* NULL when none */
    int64_t created_ms;
    const char *owner; /* the creating process (eval_process_id) */
} eval_record_t;

int eval_store_insert(store_conn_t *c, const eval_record_t *r, err_t *err);

/* The evaluation's row as an object: {"id","name","status","dataset","dataset_name","split",
 * "spec","total","baseline","metrics","gates","gates_passed","error","created_ms",
 * "started_ms","finished_ms","owner","heartbeat_ms"} (spec, metrics and gates parsed). 404
 * when unknown. */
json_t *eval_store_get(store_t *s, const char *id, err_t *err);

/* Ids, newest first, with filters (NULL: any); dataset "qa" matches every version, "qa/3" one.
 * Fetches limit + 1 from offset. JSON array of the objects eval_store_get returns. */
json_t *eval_store_list(store_t *s, const char *dataset, const char *status, int64_t limit,
                        int64_t offset, err_t *err);

/* Set the status; started_ms / finished_ms > 0 set those times (started only when not set
 * before); error NULL clears it. When only_from is not NULL the change happens only from that
 * status ("running" -> "interrupted"): *changed (may be NULL) says whether it did. */
int eval_store_set_status(store_t *s, const char *id, const char *status, const char *only_from,
                          int64_t started_ms, int64_t finished_ms, const char *error, int *changed,
                          err_t *err);

/* Say that process owner is running the evaluation, now. */
int eval_store_heartbeat(store_t *s, const char *id, const char *owner, int64_t now_ms, err_t *err);

/* Record the end: metrics and gates (may be NULL), gates_passed (-1: none). */
int eval_store_set_results(store_t *s, const char *id, const json_t *metrics, const json_t *gates,
                           int gates_passed, err_t *err);

/* One row's result. Borrowed fields. */
typedef struct eval_row_result {
    int64_t index;
    const char *input;
    const json_t *expected; /* NULL: none */
    const char *output;     /* NULL when the call failed */
    const char *error;      /* NULL when none */
    const json_t *scores;   /* {"name": {"value", "pass", "reason"}} */
    int passed;             /* no error and every scorer passed */
    double latency_ms, cost_usd;
    int64_t input_tokens, output_tokens;
    const char *trace_id; /* NULL or "" when none */
    int cached;
} eval_row_result_t;

/* Write (or replace) a row's result. */
int eval_store_put_row(store_t *s, const char *eval_id, const eval_row_result_t *r, err_t *err);

/* Rows with index > after (-1: from the first), by index; failed_only: rows with an error or
 * not passed. Fetches up to limit rows (limit <= 0: all). JSON array of ROW objects (the
 * contract's shape). */
json_t *eval_store_rows(store_t *s, const char *eval_id, int64_t after, int64_t limit,
                        int failed_only, err_t *err);

/* The indexes that have a result, ascending (*out malloc'd, caller frees). */
int eval_store_done_indexes(store_t *s, const char *eval_id, int64_t **out, size_t *n, err_t *err);

/* Progress: rows with a result, those with an error, those served from the eval cache. */
int eval_store_counts(store_t *s, const char *eval_id, int64_t *done, int64_t *errors,
                      int64_t *cached, err_t *err);

#endif
