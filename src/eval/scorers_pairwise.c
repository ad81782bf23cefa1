/* scorers_pairwise.c - the pairwise scorer: a judge compares the candidate's output with the
 * baseline's output for the same row.
 *
 * Judges favour whichever answer they see first (position bias), so each row is judged twice
 * with the order swapped: once with the candidate as answer A, once as answer B. The two
 * verdicts, read from the candidate's side, combine as: candidate wins both -> 1, loses both
 * -> 0, anything else (a tie in either order, or the verdict following the position) -> 0.5.
 * Threshold default 0.5 (the candidate is at least as good); needs_baseline = 1.
 * Spec: "model" (required), "rubric" or "criteria" (optional; what "better" means). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"
#include "eval/judge.h"

#define PAIRWISE_THRESHOLD 0.5
#define DEFAULT_CRITERIA                                                                           \
    "Which answer responds to the input more correctly, completely and helpfully? Prefer the "     \
    "answer that agrees with the expected answer when one is given."

typedef struct {
    char *criteria;
    char *model;
    json_t *schema;
} pairwise_t;

typedef enum { VERDICT_A, VERDICT_B, VERDICT_TIE } verdict_t;

static void pairwise_free(void *state)
{
    pairwise_t *st = state;
    free(st->criteria);
    free(st->model);
    json_decref(st->schema);
    free(st);
}

/* "A", "B" or "tie", any case, surrounding spaces ignored. */
static int parse_verdict(const json_t *v, verdict_t *out)
{
    const char *s = json_string_value(v);
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 1 && (*s == 'A' || *s == 'a'))
        *out = VERDICT_A;
    else if (n == 1 && (*s == 'B' || *s == 'b'))
        *out = VERDICT_B;
    else if (n == 3 && strncasecmp(s, "tie", 3) == 0)
        *out = VERDICT_TIE;
    else
        return -1;
    return 0;
}

static int check_verdict(const json_t *answer, const void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    verdict_t v;
    if (parse_verdict(json_object_get(answer, "winner"), &v) != 0) {
        snprintf(why, why_len, "\"winner\" must be \"A\", \"B\" or \"tie\"");
        return -1;
    }
    const json_t *reason = json_object_get(answer, "reason");
    if (reason && !json_is_string(reason) && !json_is_null(reason)) {
        snprintf(why, why_len, "\"reason\" is not a string");
        return -1;
    }
    return 0;
}

/* Ask with first as answer A and second as answer B; the verdict and its reason (malloc'd). */
static int judge_order(const eval_scorer_t *s, const eval_sample_t *sample, const char *first,
                       const char *second, verdict_t *verdict, char **reason, err_t *err)
{
    const pairwise_t *st = s->state;
    buf_t user;
    buf_init(&user);
    judge_section(&user, "Criteria", st->criteria);
    judge_section(&user, "Input", sample->input ? sample->input : "");
    char *expected = judge_expected_text(sample);
    if (expected)
        judge_section(&user, "Expected answer", expected);
    free(expected);
    judge_section(&user, "Answer A", first);
    judge_section(&user, "Answer B", second);
    buf_append_str(&user, "Which answer is better by the criteria? Answer \"tie\" when they are "
                          "equally good.");
    judge_request_t req = {
        .model = st->model,
        .system = "You are an impartial judge comparing two answers, A and B, to the same input. "
                  "Decide which is better by the criteria. Do not let the order in which the "
                  "answers appear, their length or their style sway you. Respond with a JSON "
                  "object {\"winner\": \"A\" | \"B\" | \"tie\", \"reason\": string}, the reason "
                  "in one or two sentences.",
        .user = buf_str(&user),
        .schema_name = "pairwise_verdict",
        .schema = st->schema};
    json_t *answer = judge_ask(s->llm, &req, check_verdict, NULL, err);
    buf_free(&user);
    if (!answer)
        return -1;
    parse_verdict(json_object_get(answer, "winner"), verdict);
    const char *r = json_string_value(json_object_get(answer, "reason"));
    *reason = xstrdup(r ? r : "");
    json_decref(answer);
    return 0;
}

static const char *verdict_text(verdict_t v)
{
    return v == VERDICT_A ? "A" : v == VERDICT_B ? "B" : "tie";
}

static int pairwise_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                          err_t *err)
{
    if (!sample->baseline_output)
        return err_invalid(err, "baseline",
                           "pairwise needs the baseline's answer for this row, and there is none");
    const char *cand = sample->output ? sample->output : "";
    verdict_t v1, v2;
    char *r1 = NULL, *r2 = NULL;
    if (judge_order(s, sample, cand, sample->baseline_output, &v1, &r1, err) < 0)
        return -1;
    if (judge_order(s, sample, sample->baseline_output, cand, &v2, &r2, err) < 0) {
        free(r1);
        return -1;
    }
    /* the candidate's result in each order: +1 won, -1 lost, 0 tie */
    int c1 = v1 == VERDICT_A ? 1 : v1 == VERDICT_B ? -1 : 0;
    int c2 = v2 == VERDICT_B ? 1 : v2 == VERDICT_A ? -1 : 0;
    const char *summary;
    if (c1 == 1 && c2 == 1) {
        out->value = 1;
        summary = "candidate better in both orders";
    } else if (c1 == -1 && c2 == -1) {
        out->value = 0;
        summary = "baseline better in both orders";
    } else {
        out->value = 0.5;
        summary = c1 == 0 && c2 == 0 ? "tie in both orders"
                  : c1 == -c2        ? "the orders disagree (position bias): counted as a tie"
                                     : "a tie in one order: counted as a tie";
    }
    buf_t r;
    buf_init(&r);
    buf_printf(&r, "%s. Candidate as A: winner %s: %s | Candidate as B: winner %s: %s", summary,
               verdict_text(v1), r1, verdict_text(v2), r2);
    out->reason = buf_steal(&r);
    free(r1);
    free(r2);
    return 0;
}

static const scorer_vtable_t pairwise_vt = {
    .score = pairwise_score, .pass = NULL, .free_state = pairwise_free};

int scorer_new_pairwise(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    static const char *const allowed[] = {"model", "rubric", "criteria", NULL};
    const char *model;
    if (scorer_check_keys(s, spec, allowed, err) < 0)
        return -1;
    pairwise_t *st = xcalloc(1, sizeof *st);
    s->state = st;
    s->vt = &pairwise_vt;
    s->threshold = PAIRWISE_THRESHOLD;
    s->needs_baseline = 1;
    char *rubric = NULL, *criteria = NULL;
    if (judge_spec_text(spec, "rubric", 0, JUDGE_RUBRIC_MAX_LEN, &rubric, err) < 0 ||
        judge_spec_text(spec, "criteria", 0, JUDGE_RUBRIC_MAX_LEN, &criteria, err) < 0) {
        free(rubric);
        return -1;
    }
    if (rubric && criteria) {
        free(rubric);
        free(criteria);
        return err_invalid(err, "criteria", "give \"rubric\" or \"criteria\", not both");
    }
    st->criteria = rubric ? rubric : criteria ? criteria : xstrdup(DEFAULT_CRITERIA);
    if (judge_spec_model(s, spec, 0, &model, err) < 0)
        return -1;
    st->model = xstrdup(model);
    st->schema =
        json_pack("{s:s,s:{s:{s:s,s:[s,s,s]},s:{s:s}},s:[s,s],s:b}", "type", "object", "properties",
                  "winner", "type", "string", "enum", "A", "B", "tie", "reason", "type", "string",
                  "required", "winner", "reason", "additionalProperties", 0);
    return 0;
}
