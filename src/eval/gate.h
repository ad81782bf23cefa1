/* gate.h - gates: the conditions an evaluation must meet, as written on the command line
 * (`--gate 'exact_match>=0.8,cost<=0.02'`), in a YAML file or in a promotion's --require.
 *
 * A gate list is comma-separated conditions METRIC OP NUMBER, OP one of >= > <= < == !=.
 * METRIC is a scorer's metric name (its mean over the rows), or one of the figures every
 * evaluation has: "pass_rate" (rows passing every scorer), "error_rate" (rows whose call or
 * scoring failed), "latency_p50", "latency_p95" (ms), "cost" (mean cost per row, USD),
 * "cost_total". A metric may carry a suffix naming the statistic: "exact_match.mean"
 * (the default), "exact_match.ci_low" and "exact_match.ci_high" (the bootstrap interval's
 * ends), "exact_match.pass_rate" (share of rows passing that scorer).
 *
 * Relative gates compare with a baseline evaluation (the production version's):
 * "exact_match>=baseline" or "exact_match>=baseline-0.02" (the candidate may be at most 0.02
 * worse), "cost<=baseline*1.1". Whitespace around tokens is allowed. */
#ifndef LLMOPS_EVAL_GATE_H
#define LLMOPS_EVAL_GATE_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

typedef enum { GATE_GE, GATE_GT, GATE_LE, GATE_LT, GATE_EQ, GATE_NE } gate_op_t;

typedef enum {
    GATE_ABSOLUTE,       /* metric OP number */
    GATE_BASELINE_PLUS,  /* metric OP baseline + number (number may be negative) */
    GATE_BASELINE_TIMES, /* metric OP baseline * number */
} gate_kind_t;

typedef struct gate {
    char *metric; /* as written, with its suffix: "exact_match", "exact_match.ci_low" */
    gate_op_t op;
    gate_kind_t kind;
    double number;
} gate_t;

typedef struct gate_list {
    gate_t *items;
    size_t n;
} gate_list_t;

/* Parse text into *out (which the caller frees with gate_list_free). An empty text is an
 * empty list. Errors: 400, field "gate", the message quoting the offending condition. */
int gate_parse(const char *text, gate_list_t *out, err_t *err);
void gate_list_free(gate_list_t *list);

/* Check the gates against an evaluation's summary (the "metrics" object of an evaluation:
 * {"exact_match": {"mean":..,"ci_low":..,"ci_high":..,"pass_rate":..}, "pass_rate": x,
 *  "error_rate": x, "latency_p50": x, "latency_p95": x, "cost": x, "cost_total": x})
 * and, for relative gates, a baseline summary of the same shape (NULL when none: then a
 * relative gate fails with the reason "no baseline").
 * Returns a new array, one object per gate, in order:
 *   {"gate": "exact_match>=0.8", "metric": "exact_match", "actual": 0.83, "required": 0.8,
 *    "op": ">=", "passed": true, "reason": "..." (only when it could not be evaluated)}
 * and sets *all_passed. A metric the summary lacks fails its gate with reason
 * "unknown metric". */
json_t *gate_check(const gate_list_t *gates, const json_t *summary, const json_t *baseline,
                   int *all_passed);

/* The list written back as text ("exact_match>=0.8,cost<=0.02"); malloc'd. */
char *gate_list_text(const gate_list_t *gates);

#endif
