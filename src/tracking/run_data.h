/* run_data.h - what is logged to a run: params (immutable), metrics (a full history plus the
 * latest value per key), tags (mutable), and runs/log-batch, which writes all three at once.
 *
 * Every write is all-or-nothing: the whole batch is validated in memory first (MLflow's limits:
 * at most 1000 metrics, 100 params, 100 tags and 1000 items in all; keys <= 250 characters,
 * param values <= 6000, tag values <= 5000), then written in one transaction, so an invalid item
 * or a changed param leaves the run untouched. Logging a param again with the same value is a
 * no-op; with another value it is 400 naming the key, the old and the new value. Writing to a
 * deleted run is 400, to an unknown one 404.
 *
 * Metrics: exact duplicates (same key, value, timestamp and step) are stored once, as in MLflow.
 * The latest value per key is the one with the greatest step, then timestamp, then value. */
#ifndef LLMOPS_TRACKING_RUN_DATA_H
#define LLMOPS_TRACKING_RUN_DATA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "tracking/kv.h"

typedef struct tracking_metric {
    const char *key;
    double value; /* NaN and +-Infinity are allowed */
    int64_t timestamp;
    int64_t step;
} tracking_metric_t;

typedef struct run_batch {
    const tracking_metric_t *metrics;
    size_t nmetrics;
    const tracking_kv_t *params;
    size_t nparams;
    const tracking_kv_t *tags; /* a key given twice: the last value wins */
    size_t ntags;
} run_batch_t;

int run_data_log_batch(store_t *s, const char *run_id, const run_batch_t *batch, err_t *err);

/* 404 when the run or the tag does not exist; the run must be active. */
int run_data_delete_tag(store_t *s, const char *run_id, const char *key, err_t *err);

/* A page of a metric's history, ordered by timestamp, step, value:
 * {"metrics":[{"key","value","timestamp","step"}], "next_page_token"?}. max_results 0 means
 * the largest page (25,000); more than that is 400. 404 for an unknown run. */
json_t *run_data_metric_history(store_t *s, const char *run_id, const char *key,
                                int64_t max_results, const char *page_token, err_t *err);

#endif
