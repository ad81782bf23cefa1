/* compare.h - comparing two evaluations row by row: per scorer wins, losses and ties, the means
 * and the paired difference with its bootstrap interval, and the rows that got worse (the
 * "compare" shape of docs/eval-api.md; definitions in docs/eval-stats.md).
 *
 * A pure function over the per-row results (ROW objects of docs/eval-api.md); the caller
 * (GET /api/v1/evaluations/compare) loads both evaluations' rows and adds "a" and "b". */
#ifndef LLMOPS_EVAL_COMPARE_H
#define LLMOPS_EVAL_COMPARE_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

/* Scores closer than this count as a tie (also for a regression: a drop must exceed it). */
#define EVAL_COMPARE_TIE_EPS 1e-9

/* rows_a: the baseline's ROW objects, rows_b: the candidate's (JSON arrays, any order; rows are
 * matched by their "index"). higher_is_better: {scorer name: true|false} naming the scorers to
 * compare; NULL compares every scorer found in the rows as higher-is-better.
 * max_regressions bounds the "regressions" list (0: no bound; "regressions_total" always has
 * the full count).
 *
 * Returns a new object:
 *   {"rows_compared": n, "errors": e, "unmatched": u,
 *    "scorers": {name: {"wins","losses","ties","n","missing","mean_a","mean_b","diff",
 *                       "ci_low","ci_high","higher_is_better"}},
 *    "regressions": [{"index","input","expected","output_a","output_b","scores_a","scores_b",
 *                     "worst_drop","worst_scorer"}...], "regressions_total": r}
 * rows_compared counts the index pairs where neither row has an error; errors the pairs where
 * either has one (left out of every figure); unmatched the indexes present on one side only.
 * Errors: 400 field "a" / "b" for a list that is not an array of ROW objects with distinct
 * integer "index" values, field "scorers" for a higher_is_better that is not {name: bool}. */
json_t *eval_compare(const json_t *rows_a, const json_t *rows_b, const json_t *higher_is_better,
                     size_t max_regressions, err_t *err);

#endif
