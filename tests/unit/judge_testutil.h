/* judge_testutil.h - a test double of eval_llm_t for the model-based scorer tests: chat answers
 * with canned OpenAI-shaped chat completions (one scripted content text per call, in order),
 * embed with a canned embeddings response, and both record every request body they get so
 * tests can check the model, temperature, response_format and prompts. */
#ifndef LLMOPS_TESTS_JUDGE_TESTUTIL_H
#define LLMOPS_TESTS_JUDGE_TESTUTIL_H

#include "scorer_testutil.h"

#include <jansson.h>

#define FAKE_MAX_ANSWERS 8
#define FAKE_FAIL        "<fail>"         /* an answer slot that makes the call fail */
#define FAKE_NO_CONTENT  "<null content>" /* an answer with "content": null */

typedef struct fake_llm {
    const char *answers[FAKE_MAX_ANSWERS]; /* contents, in call order; the last one repeats */
    int next;
    json_t *requests;     /* every chat body received (copies) */
    json_t *embeds;       /* every embed body received */
    json_t *embed_answer; /* the embeddings response (borrowed), or NULL: the call fails */
} fake_llm_t;

static inline int fake_chat(void *ctx, const json_t *body, json_t **response, err_t *err)
{
    fake_llm_t *f = ctx;
    json_array_append_new(f->requests, json_deep_copy(body));
    int i = f->next < FAKE_MAX_ANSWERS - 1 ? f->next : FAKE_MAX_ANSWERS - 1;
    while (i > 0 && !f->answers[i])
        i--; /* past the script: repeat the last answer */
    f->next++;
    const char *a = f->answers[i];
    if (!a || strcmp(a, FAKE_FAIL) == 0)
        return err_set(err, 502, "upstream_error", NULL, "upstream said 500: overloaded");
    json_t *content = strcmp(a, FAKE_NO_CONTENT) == 0 ? json_null() : json_string(a);
    *response = json_pack("{s:s,s:s,s:[{s:i,s:{s:s,s:o},s:s}],s:{s:i,s:i}}", "id", "chatcmpl-1",
                          "object", "chat.completion", "choices", "index", 0, "message", "role",
                          "assistant", "content", content, "finish_reason", "stop", "usage",
                          "prompt_tokens", 10, "completion_tokens", 5);
    return 0;
}

static inline int fake_embed(void *ctx, const json_t *body, json_t **response, err_t *err)
{
    fake_llm_t *f = ctx;
    json_array_append_new(f->embeds, json_deep_copy(body));
    if (!f->embed_answer)
        return err_set(err, 400, "upstream_error", NULL, "upstream said 400: bad model");
    *response = json_deep_copy(f->embed_answer);
    return 0;
}

static inline void fake_init(fake_llm_t *f, eval_llm_t *llm)
{
    memset(f, 0, sizeof *f);
    f->requests = json_array();
    f->embeds = json_array();
    llm->ctx = f;
    llm->chat = fake_chat;
    llm->embed = fake_embed;
}

static inline void fake_reset(fake_llm_t *f)
{
    json_array_clear(f->requests);
    json_array_clear(f->embeds);
    memset(f->answers, 0, sizeof f->answers);
    f->next = 0;
}

static inline void fake_free(fake_llm_t *f)
{
    json_decref(f->requests);
    json_decref(f->embeds);
}

/* A scorer from spec JSON text with llm; fails the test when it cannot be made. */
static inline eval_scorer_t *mk_llm(const char *spec_text, const eval_llm_t *llm)
{
    json_error_t jerr;
    json_t *spec = json_loads(spec_text, 0, &jerr);
    if (!spec)
        fail_msg("bad spec JSON in test: %s", jerr.text);
    err_t err = {0};
    eval_scorer_t *s = scorer_create(spec, llm, &err);
    if (!s)
        fail_msg("scorer_create(%s): %s (field %s)", spec_text, err.message, err.field);
    json_decref(spec);
    return s;
}

/* scorer_create with llm must fail with 400 naming field. */
static inline void expect_llm_create_error(const char *spec_text, const eval_llm_t *llm,
                                           const char *field)
{
    json_t *spec = json_loads(spec_text, 0, NULL);
    assert_non_null(spec);
    err_t err = {0};
    eval_scorer_t *s = scorer_create(spec, llm, &err);
    json_decref(spec);
    if (s) {
        scorer_free(s);
        fail_msg("scorer_create(%s) succeeded; expected a 400 on field %s", spec_text, field);
    }
    assert_int_equal(err.status, 400);
    if (strcmp(err.field, field) != 0)
        fail_msg("scorer_create(%s): field \"%s\" (%s), expected \"%s\"", spec_text, err.field,
                 err.message, field);
}

/* The i-th recorded request's message j content. */
static inline const char *req_message(const fake_llm_t *f, size_t i, size_t j)
{
    const json_t *m =
        json_array_get(json_object_get(json_array_get(f->requests, i), "messages"), j);
    return json_string_value(json_object_get(m, "content"));
}

/* Every judge request: the pinned model, temperature 0, a json_schema response format whose
 * schema requires the given field, a system and a user message. */
static inline void assert_judge_request(const fake_llm_t *f, size_t i, const char *model,
                                        const char *required_field)
{
    const json_t *body = json_array_get(f->requests, i);
    assert_non_null(body);
    assert_string_equal(json_string_value(json_object_get(body, "model")), model);
    const json_t *t = json_object_get(body, "temperature");
    assert_true(json_is_number(t) && json_number_value(t) == 0);
    const json_t *rf = json_object_get(body, "response_format");
    assert_string_equal(json_string_value(json_object_get(rf, "type")), "json_schema");
    const json_t *js = json_object_get(rf, "json_schema");
    assert_non_null(json_string_value(json_object_get(js, "name")));
    const json_t *schema = json_object_get(js, "schema");
    assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
    assert_non_null(json_object_get(json_object_get(schema, "properties"), required_field));
    int listed = 0;
    size_t k;
    const json_t *r;
    json_array_foreach(json_object_get(schema, "required"), k, r) listed |=
        strcmp(json_string_value(r), required_field) == 0;
    assert_true(listed);
    const json_t *msgs = json_object_get(body, "messages");
    assert_true(json_array_size(msgs) >= 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                        "system");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1), "role")),
                        "user");
}

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (!h_ || !strstr(h_, (needle)))                                                          \
            fail_msg("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", (needle));              \
    } while (0)
#define assert_not_contains(hay, needle)                                                           \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (h_ && strstr(h_, (needle)))                                                            \
            fail_msg("\"%s\" contains \"%s\"", h_, (needle));                                      \
    } while (0)

/* Score a sample that must score (failing the test otherwise). */
static inline eval_score_t score_ok(const eval_scorer_t *s, const eval_sample_t *sample)
{
    eval_score_t out;
    err_t err = {0};
    if (scorer_score(s, sample, &out, &err) != 0)
        fail_msg("scorer_score: %s", err.message);
    return out;
}

/* Score a sample that must fail; its error. */
static inline err_t score_err(const eval_scorer_t *s, const eval_sample_t *sample)
{
    eval_score_t out;
    err_t err = {0};
    if (scorer_score(s, sample, &out, &err) == 0) {
        eval_score_clear(&out);
        fail_msg("scorer_score should fail");
    }
    return err;
}

#endif
