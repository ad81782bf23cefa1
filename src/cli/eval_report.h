/* eval_report.h - how `llmops eval` prints evaluations: a table for people, JSON for scripts,
 * JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters), and the comparison of two
 * evaluations. */
#ifndef LLMOPS_CLI_EVAL_REPORT_H
#define LLMOPS_CLI_EVAL_REPORT_H

#include <jansson.h>
#include <stdio.h>

/* One evaluation as the CLI reports it. All borrowed. */
typedef struct eval_outcome {
    const json_t *evaluation; /* the EVAL object of docs/eval-api.md */
    const json_t *gates;      /* gate.h's gate_check() array, or NULL when not gated */
    int gates_passed;         /* 1 or 0; ignored when gates is NULL */
    const json_t *rows;       /* the evaluation's ROW objects (JUnit only), or NULL */
    int is_baseline;          /* the baseline of the others in this run */
} eval_outcome_t;

/* Per evaluation: status and counts, per-scorer mean [95% CI] and pass rate, pass/error rate,
 * latency, cost, and the gates with PASS/FAIL. */
void eval_report_table(FILE *out, const eval_outcome_t *outcomes, size_t n);

/* One outcome: {"evaluation": EVAL, "gates": [...], "gates_passed": bool|null}; several:
 * {"evaluations": [those objects], "gates_passed": bool|null} (null when nothing was gated).
 * A new object. */
json_t *eval_report_json(const eval_outcome_t *outcomes, size_t n);

/* JUnit XML: <testsuites> with one <testsuite> per evaluation holding a <testcase> per gate
 * (a <failure> when it failed) and one per row (a <failure> when the row fails a scorer, an
 * <error> when its call or scoring errored, the output and expected value in the message). */
void eval_report_junit(FILE *out, const eval_outcome_t *outcomes, size_t n);

/* The reply of GET /api/v1/evaluations/compare as a table: per scorer wins / losses / ties,
 * means and the mean difference with its interval, then the rows that got worse, worst first
 * (at most max_regressions of them). */
void eval_report_compare(FILE *out, const json_t *comparison, size_t max_regressions);

/* Append text to xml escaped for XML 1.0 character data and attribute values: & < > " ' as
 * entities, tab/newline/CR as character references, other control characters (not allowed
 * in XML 1.0) and U+FFFE/U+FFFF as '?'. Exposed for its unit test. */
struct buf;
void eval_xml_escape(struct buf *xml, const char *text);

#endif
