/* scorers_llm_judge.c - the llm_judge scorer: a judge model grades the output by a rubric.
 *
 * Spec: "rubric" (required), "model" (required: the judge is pinned, never the target's
 * model), "scale" (optional {"min": a, "max": b}, default 0..1), threshold default 0.5. The
 * judge answers {"score": number, "reason": string}; value = (score - min) / (max - min), so
 * every judge is 0..1 whatever its scale, and the raw score stays in the reason. The prompts
 * are in docs/scorers-judge.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "eval/judge.h"

#define LLM_JUDGE_THRESHOLD 0.5

typedef struct {
    char *rubric;
    char *model;
    double min, max;
    int custom_scale; /* a "scale" other than 0..1 was given: the reason shows the raw score */
    json_t *schema;
} llm_judge_t;

static void llm_judge_free(void *state)
{
    llm_judge_t *st = state;
    free(st->rubric);
    free(st->model);
    json_decref(st->schema);
    free(st);
}

static int check_score(const json_t *answer, const void *ctx, char *why, size_t why_len)
{
    const llm_judge_t *st = ctx;
    double score;
    if (!judge_number(json_object_get(answer, "score"), &score)) {
        snprintf(why, why_len, "\"score\" is missing or not a number");
        return -1;
    }
    if (score < st->min || score > st->max) {
        snprintf(why, why_len, "\"score\" %g is outside %g..%g", score, st->min, st->max);
        return -1;
    }
    const json_t *reason = json_object_get(answer, "reason");
    if (reason && !json_is_string(reason) && !json_is_null(reason)) {
        snprintf(why, why_len, "\"reason\" is not a string");
        return -1;
    }
    return 0;
}

static int llm_judge_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                           err_t *err)
{
    const llm_judge_t *st = s->state;
    buf_t system, user;
    buf_init(&system);
    buf_init(&user);
    buf_printf(&system,
               "You are an impartial evaluator of answers given by an AI system. Grade the "
               "answer by the rubric only. Respond with a JSON object {\"score\": number, "
               "\"reason\": string}: score from %g (worst) to %g (best), reason one or two "
               "sentences explaining the score.",
               st->min, st->max);
    judge_section(&user, "Rubric", st->rubric);
    judge_section(&user, "Input", sample->input ? sample->input : "");
    char *expected = judge_expected_text(sample);
    if (expected)
        judge_section(&user, "Expected answer", expected);
    free(expected);
    judge_section(&user, "Answer to grade", sample->output ? sample->output : "");
    buf_printf(&user, "Grade the answer to grade by the rubric, from %g (worst) to %g (best).",
               st->min, st->max);

    judge_request_t req = {.model = st->model,
                           .system = buf_str(&system),
                           .user = buf_str(&user),
                           .schema_name = "judge_score",
                           .schema = st->schema};
    json_t *answer = judge_ask(s->llm, &req, check_score, st, err);
    buf_free(&system);
    buf_free(&user);
    if (!answer)
        return -1;
    double score = 0;
    judge_number(json_object_get(answer, "score"), &score);
    const char *reason = json_string_value(json_object_get(answer, "reason"));
    out->value = (score - st->min) / (st->max - st->min);
    buf_t r;
    buf_init(&r);
    if (st->custom_scale)
        buf_printf(&r, "score %g on %g..%g%s", score, st->min, st->max,
                   reason && reason[0] ? ": " : "");
    if (reason)
        buf_append_str(&r, reason);
    out->reason = r.len ? buf_steal(&r) : NULL;
    buf_free(&r);
    json_decref(answer);
    return 0;
}

static const scorer_vtable_t llm_judge_vt = {
    .score = llm_judge_score, .pass = NULL, .free_state = llm_judge_free};

static int parse_scale(const json_t *spec, llm_judge_t *st, err_t *err)
{
    st->min = 0;
    st->max = 1;
    const json_t *scale = json_object_get(spec, "scale");
    if (!scale || json_is_null(scale))
        return 0;
    if (!json_is_object(scale))
        return err_invalid(err, "scale", "scale must be an object {\"min\": a, \"max\": b}");
    const json_t *jmin = json_object_get(scale, "min"), *jmax = json_object_get(scale, "max");
    if (!json_is_number(jmin) || !json_is_number(jmax) || json_object_size(scale) != 2)
        return err_invalid(err, "scale", "scale must be {\"min\": number, \"max\": number}");
    double min = json_number_value(jmin), max = json_number_value(jmax);
    if (!(max > min))
        return err_invalid(err, "scale", "scale max (%g) must be greater than min (%g)", max, min);
    st->min = min;
    st->max = max;
    st->custom_scale = !(min == 0 && max == 1);
    return 0;
}

int scorer_new_llm_judge(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    static const char *const allowed[] = {"rubric", "model", "scale", NULL};
    const char *model;
    if (scorer_check_keys(s, spec, allowed, err) < 0)
        return -1;
    llm_judge_t *st = xcalloc(1, sizeof *st);
    s->state = st;
    s->vt = &llm_judge_vt;
    s->threshold = LLM_JUDGE_THRESHOLD;
    if (judge_spec_text(spec, "rubric", 1, JUDGE_RUBRIC_MAX_LEN, &st->rubric, err) < 0 ||
        parse_scale(spec, st, err) < 0 || judge_spec_model(s, spec, 0, &model, err) < 0)
        return -1;
    st->model = xstrdup(model);
    st->schema = json_pack("{s:s,s:{s:{s:s},s:{s:s}},s:[s,s],s:b}", "type", "object", "properties",
                           "score", "type", "number", "reason", "type", "string", "required",
                           "score", "reason", "additionalProperties", 0);
    return 0;
}
