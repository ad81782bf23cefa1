/* run_compare.h - several runs side by side: their params and final (latest) metrics as one
 * table, with the rows whose values differ marked, for `llmops runs compare` and
 * GET /api/v1/runs/compare. */
#ifndef LLMOPS_TRACKING_RUN_COMPARE_H
#define LLMOPS_TRACKING_RUN_COMPARE_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

#define RUN_COMPARE_MAX 20

/* {"runs":[{"run_id","run_name","experiment_id","status"}],
 *  "params":[{"key","values":[v or null per run],"differs":bool}],
 *  "metrics":[{"key","values":[...],"differs":bool}]}, rows sorted by key. 2..20 runs; 404
 * names the first unknown run. */
json_t *run_compare(store_t *s, const char *const *run_ids, size_t n, err_t *err);

#endif
