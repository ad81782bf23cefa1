/* scorers_rag.c - the retrieval (RAG) scorers, each a judge question over the row's retrieved
 * context (sample->context: a string, or an array of strings or {"text": ...} objects):
 *
 *   faithfulness       the judge lists the output's factual claims and marks those the context
 *                      supports; value = supported / claims (1 when the output makes none).
 *   answer_relevance   how well the output addresses the input, 0..1 (needs no context).
 *   context_relevance  the judge marks each passage relevant to the input or not; value =
 *                      relevant passages / passages.
 *
 * Spec: "model" (required). Threshold default 0.5. A row without context (faithfulness,
 * context_relevance) or without input (answer_relevance, context_relevance) is a row error.
 * The prompts are in docs/scorers-judge.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "eval/judge.h"

#define RAG_THRESHOLD 0.5
#define QUOTE_CLAIMS  3 /* unsupported claims quoted in the reason */

typedef enum { RAG_FAITHFULNESS, RAG_ANSWER_RELEVANCE, RAG_CONTEXT_RELEVANCE } rag_kind_t;

typedef struct {
    rag_kind_t kind;
    char *model;
    json_t *schema;
} rag_t;

static void rag_free(void *state)
{
    rag_t *st = state;
    free(st->model);
    json_decref(st->schema);
    free(st);
}

/* The passages as "[1] text\n[2] text\n", the numbers the judge refers to. */
static void append_passages(buf_t *b, const char **passages, int n)
{
    buf_append_str(b, "## Context\n");
    for (int i = 0; i < n; i++)
        buf_printf(b, "[%d] %s\n", i + 1, passages[i]);
    buf_append_str(b, "\n");
}

static int need_input(const eval_sample_t *sample, const char *type, err_t *err)
{
    if (sample->input && sample->input[0])
        return 0;
    return err_invalid(err, "input", "%s needs the row's input (the question), and it is empty",
                       type);
}

static int check_reason(const json_t *answer, char *why, size_t why_len)
{
    const json_t *reason = json_object_get(answer, "reason");
    if (reason && !json_is_string(reason) && !json_is_null(reason)) {
        snprintf(why, why_len, "\"reason\" is not a string");
        return -1;
    }
    return 0;
}

/* ---- faithfulness ---- */

static int check_claims(const json_t *answer, const void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    const json_t *claims = json_object_get(answer, "claims");
    if (!json_is_array(claims)) {
        snprintf(why, why_len, "\"claims\" is missing or not an array");
        return -1;
    }
    size_t i;
    const json_t *c;
    json_array_foreach(claims, i, c)
    {
        if (!json_is_string(json_object_get(c, "claim")) ||
            !json_is_boolean(json_object_get(c, "supported"))) {
            snprintf(why, why_len,
                     "claims[%zu] must be {\"claim\": string, \"supported\": true|false}", i);
            return -1;
        }
    }
    return check_reason(answer, why, why_len);
}

static int faithfulness_score(const eval_scorer_t *s, const eval_sample_t *sample,
                              eval_score_t *out, err_t *err)
{
    const rag_t *st = s->state;
    const char **passages;
    int n = judge_passages(sample, &passages, err);
    if (n < 0)
        return -1;
    buf_t user;
    buf_init(&user);
    append_passages(&user, passages, n);
    free(passages);
    if (sample->input && sample->input[0])
        judge_section(&user, "Question", sample->input);
    judge_section(&user, "Answer", sample->output ? sample->output : "");
    buf_append_str(&user, "List the answer's factual claims and mark each one supported or not "
                          "by the context.");
    judge_request_t req = {
        .model = st->model,
        .system =
            "You check whether an answer is supported by retrieved context. Break the answer "
            "into its factual claims: short statements that each make sense on their own. For "
            "each claim decide whether the context supports it: supported means the context "
            "states it or it follows directly from the context; anything else, including a "
            "claim that is true but not in the context, is not supported. Respond with a JSON "
            "object {\"claims\": [{\"claim\": string, \"supported\": boolean}], \"reason\": "
            "string}. An answer without factual claims (a refusal, a greeting) has an empty "
            "claims list.",
        .user = buf_str(&user),
        .schema_name = "faithfulness_claims",
        .schema = st->schema};
    json_t *answer = judge_ask(s->llm, &req, check_claims, NULL, err);
    buf_free(&user);
    if (!answer)
        return -1;
    const json_t *claims = json_object_get(answer, "claims");
    size_t total = json_array_size(claims), supported = 0, quoted = 0;
    buf_t r;
    buf_init(&r);
    size_t i;
    const json_t *c;
    json_array_foreach(claims, i, c) supported += json_is_true(json_object_get(c, "supported"));
    if (total == 0) {
        out->value = 1;
        buf_append_str(&r, "no factual claims");
    } else {
        out->value = (double)supported / (double)total;
        buf_printf(&r, "%zu of %zu claims supported", supported, total);
        json_array_foreach(claims, i, c)
        {
            if (json_is_true(json_object_get(c, "supported")) || quoted == QUOTE_CLAIMS)
                continue;
            buf_printf(&r, "%s\"%s\"", quoted ? "; " : "; unsupported: ",
                       json_string_value(json_object_get(c, "claim")));
            quoted++;
        }
    }
    const char *reason = json_string_value(json_object_get(answer, "reason"));
    if (reason && reason[0])
        buf_printf(&r, ". %s", reason);
    out->reason = buf_steal(&r);
    json_decref(answer);
    return 0;
}

/* ---- answer_relevance ---- */

static int check_relevance(const json_t *answer, const void *ctx, char *why, size_t why_len)
{
    (void)ctx;
    double score;
    if (!judge_number(json_object_get(answer, "score"), &score)) {
        snprintf(why, why_len, "\"score\" is missing or not a number");
        return -1;
    }
    if (score < 0 || score > 1) {
        snprintf(why, why_len, "\"score\" %g is outside 0..1", score);
        return -1;
    }
    return check_reason(answer, why, why_len);
}

static int answer_relevance_score(const eval_scorer_t *s, const eval_sample_t *sample,
                                  eval_score_t *out, err_t *err)
{
    const rag_t *st = s->state;
    if (need_input(sample, s->type, err) < 0)
        return -1;
    buf_t user;
    buf_init(&user);
    judge_section(&user, "Input", sample->input);
    judge_section(&user, "Answer", sample->output ? sample->output : "");
    buf_append_str(&user, "How well does the answer address the input, from 0 to 1?");
    judge_request_t req = {
        .model = st->model,
        .system = "You judge whether an answer addresses the question or request it was given: "
                  "its relevance, not its correctness. 1 means it addresses the input fully and "
                  "directly, 0 that it is unrelated or evasive; a partial or padded answer is in "
                  "between. Respond with a JSON object {\"score\": number from 0 to 1, "
                  "\"reason\": string}, the reason in one or two sentences.",
        .user = buf_str(&user),
        .schema_name = "answer_relevance",
        .schema = st->schema};
    json_t *answer = judge_ask(s->llm, &req, check_relevance, NULL, err);
    buf_free(&user);
    if (!answer)
        return -1;
    judge_number(json_object_get(answer, "score"), &out->value);
    const char *reason = json_string_value(json_object_get(answer, "reason"));
    out->reason = reason && reason[0] ? xstrdup(reason) : NULL;
    json_decref(answer);
    return 0;
}

/* ---- context_relevance ---- */

/* Every passage number 1..n exactly once, each with a boolean. */
static int check_passages(const json_t *answer, const void *ctx, char *why, size_t why_len)
{
    int n = *(const int *)ctx;
    const json_t *list = json_object_get(answer, "passages");
    if (!json_is_array(list)) {
        snprintf(why, why_len, "\"passages\" is missing or not an array");
        return -1;
    }
    char *seen = xcalloc((size_t)n + 1, 1);
    size_t i;
    const json_t *p;
    int rc = 0;
    json_array_foreach(list, i, p)
    {
        double num;
        if (!judge_number(json_object_get(p, "passage"), &num) || num < 1 || num > n ||
            num != floor(num) || !json_is_boolean(json_object_get(p, "relevant"))) {
            snprintf(why, why_len,
                     "passages[%zu] must be {\"passage\": 1..%d, \"relevant\": true|false}", i, n);
            rc = -1;
            break;
        }
        if (seen[(int)num]++) {
            snprintf(why, why_len, "passage %d is judged twice", (int)num);
            rc = -1;
            break;
        }
    }
    for (int k = 1; rc == 0 && k <= n; k++) {
        if (!seen[k]) {
            snprintf(why, why_len, "passage %d is not judged", k);
            rc = -1;
        }
    }
    free(seen);
    return rc == 0 ? check_reason(answer, why, why_len) : -1;
}

static int context_relevance_score(const eval_scorer_t *s, const eval_sample_t *sample,
                                   eval_score_t *out, err_t *err)
{
    const rag_t *st = s->state;
    if (need_input(sample, s->type, err) < 0)
        return -1;
    const char **passages;
    int n = judge_passages(sample, &passages, err);
    if (n < 0)
        return -1;
    buf_t user;
    buf_init(&user);
    judge_section(&user, "Input", sample->input);
    append_passages(&user, passages, n);
    free(passages);
    buf_printf(&user,
               "For each passage number from 1 to %d, say whether it is relevant to the "
               "input.",
               n);
    judge_request_t req = {
        .model = st->model,
        .system = "You judge which retrieved passages are relevant to an input (a question or "
                  "request): a passage is relevant when it holds information that helps answer "
                  "it. Respond with a JSON object {\"passages\": [{\"passage\": integer, "
                  "\"relevant\": boolean}], \"reason\": string}, one entry for each passage "
                  "number.",
        .user = buf_str(&user),
        .schema_name = "context_relevance",
        .schema = st->schema};
    json_t *answer = judge_ask(s->llm, &req, check_passages, &n, err);
    buf_free(&user);
    if (!answer)
        return -1;
    /* ordered by passage number for the reason */
    char *relevant = xcalloc((size_t)n + 1, 1);
    size_t i;
    const json_t *p;
    int count = 0;
    json_array_foreach(json_object_get(answer, "passages"), i, p)
    {
        double num = 0;
        judge_number(json_object_get(p, "passage"), &num);
        if (json_is_true(json_object_get(p, "relevant"))) {
            relevant[(int)num] = 1;
            count++;
        }
    }
    out->value = (double)count / (double)n;
    buf_t r;
    buf_init(&r);
    buf_printf(&r, "%d of %d passages relevant", count, n);
    for (int k = 1, first = 1; k <= n; k++) {
        if (relevant[k]) {
            buf_printf(&r, "%s[%d]", first ? ": " : ", ", k);
            first = 0;
        }
    }
    free(relevant);
    const char *reason = json_string_value(json_object_get(answer, "reason"));
    if (reason && reason[0])
        buf_printf(&r, ". %s", reason);
    out->reason = buf_steal(&r);
    json_decref(answer);
    return 0;
}

/* ---- construction ---- */

static const scorer_vtable_t faithfulness_vt = {.score = faithfulness_score,
                                                .free_state = rag_free};
static const scorer_vtable_t answer_relevance_vt = {.score = answer_relevance_score,
                                                    .free_state = rag_free};
static const scorer_vtable_t context_relevance_vt = {.score = context_relevance_score,
                                                     .free_state = rag_free};

/* The answer schemas (constant text: a parse failure is a bug, caught by every test). */
static const char faithfulness_schema[] =
    "{\"type\":\"object\",\"properties\":{\"claims\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"claim\":{\"type\":\"string\"},\"supported\":"
    "{\"type\":\"boolean\"}},\"required\":[\"claim\",\"supported\"],"
    "\"additionalProperties\":false}},\"reason\":{\"type\":\"string\"}},"
    "\"required\":[\"claims\",\"reason\"],\"additionalProperties\":false}";
static const char relevance_schema[] =
    "{\"type\":\"object\",\"properties\":{\"score\":{\"type\":\"number\"},\"reason\":"
    "{\"type\":\"string\"}},\"required\":[\"score\",\"reason\"],\"additionalProperties\":false}";
static const char passages_schema[] =
    "{\"type\":\"object\",\"properties\":{\"passages\":{\"type\":\"array\",\"items\":"
    "{\"type\":\"object\",\"properties\":{\"passage\":{\"type\":\"integer\"},\"relevant\":"
    "{\"type\":\"boolean\"}},\"required\":[\"passage\",\"relevant\"],"
    "\"additionalProperties\":false}},\"reason\":{\"type\":\"string\"}},"
    "\"required\":[\"passages\",\"reason\"],\"additionalProperties\":false}";

static int rag_new(eval_scorer_t *s, const json_t *spec, rag_kind_t kind, const scorer_vtable_t *vt,
                   const char *schema, err_t *err)
{
    static const char *const allowed[] = {"model", NULL};
    const char *model;
    if (scorer_check_keys(s, spec, allowed, err) < 0)
        return -1;
    rag_t *st = xcalloc(1, sizeof *st);
    st->kind = kind;
    s->state = st;
    s->vt = vt;
    s->threshold = RAG_THRESHOLD;
    if (judge_spec_model(s, spec, 0, &model, err) < 0)
        return -1;
    st->model = xstrdup(model);
    st->schema = json_loads(schema, 0, NULL);
    if (!st->schema)
        return err_internal(err, "scorer %s: bad built-in answer schema", s->type);
    return 0;
}

int scorer_new_faithfulness(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return rag_new(s, spec, RAG_FAITHFULNESS, &faithfulness_vt, faithfulness_schema, err);
}

int scorer_new_answer_relevance(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return rag_new(s, spec, RAG_ANSWER_RELEVANCE, &answer_relevance_vt, relevance_schema, err);
}

int scorer_new_context_relevance(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return rag_new(s, spec, RAG_CONTEXT_RELEVANCE, &context_relevance_vt, passages_schema, err);
}
