/* retention.h - deleting old traces: the traces that started before a cutoff, with their spans
 * and scores, in bounded batches so that no transaction holds the write lock for long (other
 * writers - the trace writer above all - get in between batches). Spans older than the cutoff
 * whose trace row is already gone are deleted too. Traces younger than the cutoff are never
 * touched, nor is anything else (key usage totals stay: budgets depend on them). */
#ifndef LLMOPS_TRACES_RETENTION_H
#define LLMOPS_TRACES_RETENTION_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

typedef struct retention_result {
    int64_t traces, spans, scores; /* rows deleted */
    int64_t batches;               /* transactions committed */
} retention_result_t;

/* Delete everything that started before cutoff_ms, batch traces (1 .. 100000; 0: 1000) per
 * transaction. Counts in out (also what was deleted before a failure) and in
 * llmops_traces_purged_total / llmops_spans_purged_total / llmops_scores_purged_total; logs a
 * line when anything was deleted. 0, or -1 with err (a failed batch is rolled back; earlier
 * batches stay deleted). */
int traces_purge(store_t *s, int64_t cutoff_ms, int batch, retention_result_t *out, err_t *err);

/* The cutoff of a retention of `days` days at now_ms: now_ms - days * 86400000. */
int64_t retention_cutoff_ms(int64_t now_ms, int64_t days);

#endif
