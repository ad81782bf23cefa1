/* eval_spec.h - what `llmops eval run` is asked to do, gathered from its flags and an optional
 * YAML file (-f eval.yaml) into the request bodies of POST /api/v1/evaluations (see
 * docs/eval-api.md), one per target, plus the gates to check and which run is the baseline.
 *
 * The YAML file (keys; all optional except dataset, a target and a scorer, which may come from
 * flags instead):
 *
 *   dataset: qa@latest          split: test          limit: 100
 *   target: {prompt: greet@candidate, model: fake}   # or
 *   targets: [{endpoint: prod}, {endpoint: canary}]  # several: one evaluation each
 *   baseline: 0                 # index into targets (default 0 when several), or a RUN_ID,
 *                               # or false for none
 *   scorers: [exact_match, "regex:pattern=^\\d+$", {type: llm_judge, rubric: "..."}]
 *   gates: "exact_match>=0.8"   # or a list of conditions
 *   thresholds: {exact_match: 0.8, cost: {max: 0.02}}  # shorthands for >= and <= gates
 *   concurrency: 8   max_retries: 2   cache: true   name: nightly   experiment: evaluations
 *
 * Flags override the file: a flag given replaces the file's value (--scorer flags replace the
 * file's scorers; --endpoint/--model/--prompt/--target replace its targets; --gate its gates
 * and thresholds). */
#ifndef LLMOPS_CLI_EVAL_SPEC_H
#define LLMOPS_CLI_EVAL_SPEC_H

#include <jansson.h>

#include "base/error.h"

#define EVAL_SPEC_MAX_SCORERS 32

/* The flags of `eval run` that shape the evaluations (NULL / 0 when not given). */
typedef struct eval_flags {
    const char *file;
    const char *dataset, *split, *limit, *concurrency, *max_retries;
    const char *endpoint, *model, *prompt, *target; /* --target: a JSON object */
    const char *baseline, *name, *experiment, *gates;
    const char *scorers[EVAL_SPEC_MAX_SCORERS];
    int nscorers;
    int no_cache;
} eval_flags_t;

typedef struct eval_plan {
    json_t *bodies;     /* array of POST /api/v1/evaluations bodies, one per target */
    int baseline_index; /* the body whose run is the others' baseline (run first), or -1 */
    char *baseline_run; /* an existing evaluation as every body's baseline, or NULL */
    char *gates;        /* the gate list text ("" when none) */
} eval_plan_t;

/* One scorer from its command-line form: a JSON object ('{"type": "regex", ...}') or the
 * compact form TYPE[:KEY=VALUE[,KEY=VALUE...]] ("regex:pattern=^\d+$",
 * "icontains:value=paris,name=has_paris", "llm_judge:rubric=Is it polite?,threshold=0.7").
 * A comma starts a new KEY=VALUE only when a KEY= follows it, so values may hold commas
 * ("regex:pattern=^\d{1,3}$"). Values are numbers, true/false, or JSON arrays/objects when
 * they read as such, except for the keys that are always text (name, field, value, pattern,
 * rubric, model, prompt, text, flags). NULL with err (400, field "scorer"). */
json_t *eval_scorer_parse(const char *arg, err_t *err);

/* Build the plan from the flags (and flags->file when set). 0, or -1 with err (400 naming the
 * flag or YAML key at fault). The caller frees the plan with eval_plan_free. */
int eval_plan_build(const eval_flags_t *flags, eval_plan_t *plan, err_t *err);
void eval_plan_free(eval_plan_t *plan);

#endif
