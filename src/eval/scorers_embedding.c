/* scorers_embedding.c - the embedding_similarity scorer: the cosine similarity of the output's
 * and the expected value's embeddings.
 *
 * Spec: "model" (required: an embeddings endpoint or model), threshold default 0.8. Both texts
 * go in one embeddings request ({"model", "input": [output, expected]}); value = cos(a, b) =
 * a.b / (|a| |b|), in -1..1 (most embedding models give 0..1 for text). An empty text cannot be
 * embedded by most providers, so an empty output or expected value is decided without a call:
 * both empty 1, one empty 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "eval/judge.h"

#define EMBEDDING_THRESHOLD 0.8

typedef struct {
    char *model;
} embedding_t;

static void embedding_free(void *state)
{
    embedding_t *st = state;
    free(st->model);
    free(st);
}

/* The embedding with "index" i in an OpenAI embeddings response (data[].index, else the i-th
 * element); NULL when there is none or it is not a non-empty array of numbers. */
static const json_t *embedding_at(const json_t *response, size_t i)
{
    const json_t *data = json_object_get(response, "data");
    const json_t *item = NULL, *d;
    size_t k;
    json_array_foreach(data, k, d)
    {
        const json_t *idx = json_object_get(d, "index");
        if (json_is_integer(idx) && json_integer_value(idx) == (json_int_t)i)
            item = d;
    }
    if (!item)
        item = json_array_get(data, i);
    const json_t *e = json_object_get(item, "embedding");
    if (!json_is_array(e) || json_array_size(e) == 0)
        return NULL;
    json_array_foreach(e, k, d) if (!json_is_number(d)) return NULL;
    return e;
}

static int cosine(const json_t *a, const json_t *b, double *out, err_t *err)
{
    size_t n = json_array_size(a);
    if (json_array_size(b) != n)
        return err_set(err, 502, "bad_embedding", NULL,
                       "the two embeddings differ in length (%zu and %zu)", n, json_array_size(b));
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        double x = json_number_value(json_array_get(a, i));
        double y = json_number_value(json_array_get(b, i));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if (!(na > 0) || !(nb > 0) || !isfinite(dot))
        return err_set(err, 502, "bad_embedding", NULL,
                       "an embedding is all zeros or not finite: no direction to compare");
    double c = dot / (sqrt(na) * sqrt(nb));
    /* rounding can take |c| a hair past 1 */
    *out = c > 1 ? 1 : c < -1 ? -1 : c;
    return 0;
}

static int embedding_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                           err_t *err)
{
    const embedding_t *st = s->state;
    char *expected = scorer_expected_text(s, sample, err);
    if (!expected)
        return -1;
    const char *output = sample->output ? sample->output : "";
    if (!output[0] || !expected[0]) {
        out->value = !output[0] && !expected[0] ? 1 : 0;
        out->reason = xstrdup(out->value == 1 ? "both texts are empty"
                              : output[0]     ? "the expected value is empty"
                                              : "the output is empty");
        free(expected);
        return 0;
    }
    json_t *body = json_pack("{s:s,s:[s,s]}", "model", st->model, "input", output, expected);
    free(expected);
    json_t *response = NULL;
    if (s->llm->embed(s->llm->ctx, body, &response, err) != 0) {
        json_decref(body);
        json_decref(response);
        judge_prefix_error(err, "embedding call failed: ");
        return -1;
    }
    json_decref(body);
    const json_t *a = embedding_at(response, 0), *b = embedding_at(response, 1);
    int rc;
    if (!a || !b)
        rc = err_set(err, 502, "bad_embedding", NULL,
                     "the embeddings response lacks two embeddings (data[0] and data[1])");
    else
        rc = cosine(a, b, &out->value, err);
    json_decref(response);
    return rc;
}

static const scorer_vtable_t embedding_vt = {.score = embedding_score,
                                             .free_state = embedding_free};

int scorer_new_embedding_similarity(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    static const char *const allowed[] = {"model", NULL};
    const char *model;
    if (scorer_check_keys(s, spec, allowed, err) < 0)
        return -1;
    embedding_t *st = xcalloc(1, sizeof *st);
    s->state = st;
    s->vt = &embedding_vt;
    s->threshold = EMBEDDING_THRESHOLD;
    if (judge_spec_model(s, spec, 1, &model, err) < 0)
        return -1;
    st->model = xstrdup(model);
    return 0;
}
