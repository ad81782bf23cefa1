/* scorer.h - the scorers an evaluation applies to each answer: the contract between the
 * evaluation runner (eval/runner) and every scorer (eval/scorers_*.c).
 *
 * A scorer is made once per evaluation from its spec, a JSON object written by the user
 * (CLI flags, a YAML file or the API):
 *
 *     {"type": "exact_match"}                                   name defaults to the type
 *     {"type": "icontains", "value": "paris", "name": "has_paris"}
 *     {"type": "regex", "pattern": "^\\d+$"}
 *     {"type": "llm_judge", "rubric": "...", "model": "judge-endpoint", "threshold": 0.7}
 *
 * Common spec fields: "type" (required), "name" (the metric's name; default the type; unique
 * within an evaluation), "threshold" (the score at or above which a row passes; each type has
 * a default, see docs/scorers.md), "field" (the row column holding the expected value; default
 * "expected"). Scorer-specific fields are documented per type in docs/scorers.md.
 *
 * Then scorer_score() is called once per row, possibly from several threads at once (a scorer
 * keeps no per-call state, or guards it). Scorers that need a model (LLM-as-judge, pairwise,
 * RAG, embedding similarity) call it through the eval_llm_t the runner hands them, which goes
 * through the gateway's own path, so judge calls are traced and priced like any other. */
#ifndef LLMOPS_EVAL_SCORER_H
#define LLMOPS_EVAL_SCORER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Calls to a model for the scorers that need one. Both block until the answer is in.
 *   chat:  body is an OpenAI chat-completions request ({"model", "messages", ...}); *response
 *          gets the parsed OpenAI response (caller decrefs). 0, or -1 with err (a non-2xx
 *          answer is an error whose message quotes the upstream's).
 *   embed: body is an OpenAI embeddings request ({"model", "input"}); *response the parsed
 *          OpenAI embeddings response. */
typedef struct eval_llm {
    void *ctx;
    int (*chat)(void *ctx, const json_t *body, json_t **response, err_t *err);
    int (*embed)(void *ctx, const json_t *body, json_t **response, err_t *err);
} eval_llm_t;

/* What one row produced: everything a scorer may look at. All borrowed for the call. */
typedef struct eval_sample {
    const json_t *row;           /* the dataset row (an object) */
    const char *input;           /* the question/input as text: the row's "input" (or the rendered
                                    user message); "" when none */
    const char *output;          /* the target's answer text; never NULL ("" when empty) */
    const json_t *expected;      /* the row's expected value (spec "field", default "expected"), or
                                    NULL when the row has none; a scorer that needs it and finds
                                    none reports an error for that row */
    const json_t *context;       /* retrieved contexts for RAG scorers: the row's "context" (a
                                    string or an array of strings) or a pipeline's citations;
                                    NULL when none */
    const char *baseline_output; /* pairwise: the answer to compare against (the baseline
                                    target's answer for the same row); NULL when none */
    double latency_ms;           /* the target call's wall time */
    double cost_usd;             /* the target call's cost (0 when unpriced) */
    int64_t input_tokens;
    int64_t output_tokens;
} eval_sample_t;

/* One score. value is the metric (scorer-defined range, documented; most are 0..1); pass is
 * value >= threshold for "higher is better" scorers and value <= threshold for "lower is
 * better" ones (latency, cost, length with max). reason is a malloc'd explanation or NULL (the
 * judge's reason, the regex that failed, the PII kinds found...). */
typedef struct eval_score {
    double value;
    int pass;
    char *reason;
} eval_score_t;

typedef struct eval_scorer eval_scorer_t;

/* Build a scorer from its spec. llm may be NULL when no model is reachable: then a scorer
 * that needs one fails here with 400 field "scorers". Errors name the field at fault
 * ("scorers[i].pattern" style is the caller's job: err->field holds the spec's key, e.g.
 * "pattern"). Unknown type: 400 field "type", listing the known types. */
eval_scorer_t *scorer_create(const json_t *spec, const eval_llm_t *llm, err_t *err);

/* Score one sample: 0 with *out filled, or -1 with err when this row cannot be scored (no
 * expected value, the judge failed after retries, an answer that is not the asked JSON when
 * the scorer cannot score it). A row that simply fails the check is 0 with pass 0. */
int scorer_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                 err_t *err);

const char *scorer_name(const eval_scorer_t *s); /* the metric name */
const char *scorer_type(const eval_scorer_t *s);
double scorer_threshold(const eval_scorer_t *s);
int scorer_higher_is_better(const eval_scorer_t *s); /* 1, or 0 for latency/cost/length-max */
int scorer_needs_baseline(const eval_scorer_t *s);   /* 1 for pairwise */
void scorer_free(eval_scorer_t *s);
void eval_score_clear(eval_score_t *score); /* frees reason */

/* The known types, NULL-terminated, for help texts and errors. */
extern const char *const scorer_types[];

#endif
