/* summary.h - an evaluation's metrics from its row results: per scorer the mean with a 95%
 * bootstrap interval (stats.h) and the share of rows passing, and over all rows pass_rate,
 * error_rate, latency percentiles and cost - the "metrics" object of docs/eval-api.md, which
 * is also what gate.h checks. Computed over whatever rows have a result, so it serves both the
 * live view of a running evaluation and the final figures. */
#ifndef LLMOPS_EVAL_SUMMARY_H
#define LLMOPS_EVAL_SUMMARY_H

#include <jansson.h>

/* rows: ROW objects (eval_store.h); scorers: [{"name", ...}] in the evaluation's order.
 * {"<scorer>": {"mean","ci_low","ci_high","pass_rate","n"}, "pass_rate", "error_rate",
 *  "latency_p50", "latency_p95", "cost", "cost_total", "rows"}; a figure over no values is
 * null. New reference. */
json_t *eval_summary(const json_t *rows, const json_t *scorers);

/* The summary as tracking metrics: [{"key","value"}] with "<scorer>", "<scorer>.ci_low",
 * "<scorer>.ci_high", "<scorer>.pass_rate" and the overall figures (nulls left out). */
json_t *eval_summary_metrics(const json_t *summary);

#endif
