/* run_search.h - runs/search: MLflow's filter and order_by over runs, turned into one
 * parameterised SQL statement.
 *
 * The filter (search_filter.h) may name
 *   metrics.<key>    compared as numbers with =, !=, <, <=, >, >= against the latest value;
 *                    a run without the metric never matches, NaN never matches
 *   params.<key>, tags.<key>   strings: =, !=, LIKE, ILIKE, IN, NOT IN (a run without the key
 *                    never matches)
 *   attributes       run_id, run_name (or "run name"), status, user_id, artifact_uri as
 *                    strings; start_time, end_time (and "created" = start_time) as numbers
 *   datasets.name, datasets.digest, datasets.context   strings, true when any of the run's
 *                    dataset inputs matches (context is the mlflow.data.context input tag)
 * order_by entries are "<identifier> [ASC|DESC]" over metrics, params, tags and attributes;
 * runs without the value sort last in either direction (NaN metrics just before them), then
 * start_time DESC and run_id break ties, as in MLflow. Pages are offsets in opaque tokens. */
#ifndef LLMOPS_TRACKING_RUN_SEARCH_H
#define LLMOPS_TRACKING_RUN_SEARCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "tracking/validate.h"

typedef struct run_search_query {
    const char *const *experiment_ids; /* runs of these experiments ("0", "1", ...) */
    size_t nexperiments;
    int all_experiments;            /* ignore experiment_ids and search every experiment */
    const char *filter;             /* NULL or "" for all */
    tracking_view_type_t view_type; /* 0 means ACTIVE_ONLY */
    int64_t max_results;            /* 0: 1000; at most 50,000 */
    const char *const *order_by;
    size_t norder;
    const char *page_token;
} run_search_query_t;

/* {"runs":[Run...], "next_page_token": "..." (only when more runs follow)}. */
json_t *run_search(store_t *s, const run_search_query_t *q, err_t *err);

#endif
