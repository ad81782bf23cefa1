/* test_scorers_fake_provider.c - the model-based scorers against the real fake provider
 * (tests/fake_provider) over HTTP, through a test-only eval_llm_t that POSTs their request
 * bodies to /v1/chat/completions and /v1/embeddings with libcurl. Shows that the judge requests
 * are OpenAI requests a provider accepts (200, not 400), that response_format json_schema
 * reaches it (the fake then answers {"answer": "<text>"}: not the judge's shape, so the scorer
 * retries once and reports a row error - as it must for a judge that answers something else),
 * that an upstream error comes back in the row error, and that embedding_similarity works end
 * to end on the fake's deterministic embeddings. No llmops server is needed. */
#include "integration/harness.h"
#include "integration/fake_provider.h"

#include <math.h>

#include "eval/scorer.h"

static fake_provider_t fp;

typedef struct http_llm {
    const char *base_url;
    int calls;
} http_llm_t;

static int http_post(http_llm_t *h, const char *path, const json_t *body, json_t **response,
                     err_t *err)
{
    static const char *const headers[] = {"Content-Type: application/json",
                                          "Authorization: Bearer test", NULL};
    char *text = json_dumps(body, JSON_COMPACT);
    test_response_t res;
    int rc = harness_request(h->base_url, "POST", path, headers, text, &res);
    free(text);
    h->calls++;
    if (rc != 0) {
        harness_response_free(&res);
        return err_set(err, 502, "upstream_error", NULL, "could not reach the provider");
    }
    if (res.status < 200 || res.status > 299 || !json_is_object(res.json)) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(res.json, "error"), "message"));
        err_set(err, 502, "upstream_error", NULL, "upstream answered %ld: %s", res.status,
                msg ? msg : res.body);
        harness_response_free(&res);
        return -1;
    }
    *response = json_incref(res.json);
    harness_response_free(&res);
    return 0;
}

static int http_chat(void *ctx, const json_t *body, json_t **response, err_t *err)
{
    return http_post(ctx, "/v1/chat/completions", body, response, err);
}

static int http_embed(void *ctx, const json_t *body, json_t **response, err_t *err)
{
    return http_post(ctx, "/v1/embeddings", body, response, err);
}

static int setup(void **state)
{
    (void)state;
    fake_start(&fp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(fake_stop(&fp), 0);
    return 0;
}

static eval_scorer_t *make(const char *spec_text, const eval_llm_t *llm)
{
    json_t *spec = json_loads(spec_text, 0, NULL);
    assert_non_null(spec);
    err_t err = {0};
    eval_scorer_t *s = scorer_create(spec, llm, &err);
    if (!s)
        fail_msg("scorer_create(%s): %s", spec_text, err.message);
    json_decref(spec);
    return s;
}

/* Scoring must fail as a malformed judge answer, after exactly one retry that the provider
 * accepted too; the quoted answer is the fake's {"answer": ...} wrapping. */
static void expect_malformed(const char *spec_text, const char *model, const eval_sample_t *sample,
                             const char *missing)
{
    http_llm_t h = {.base_url = fp.url};
    eval_llm_t llm = {.ctx = &h, .chat = http_chat, .embed = http_embed};
    eval_scorer_t *s = make(spec_text, &llm);
    long before = fake_model_count(&fp, model);
    eval_score_t out;
    err_t err = {0};
    if (scorer_score(s, sample, &out, &err) == 0)
        fail_msg("%s: scoring should fail on the fake's answer", spec_text);
    assert_string_equal(err.code, "judge_malformed");
    if (!strstr(err.message, missing) || !strstr(err.message, "{\"answer\":"))
        fail_msg("%s: %s", spec_text, err.message);
    assert_int_equal(h.calls, 2);
    assert_int_equal(fake_model_count(&fp, model) - before, 2);
    scorer_free(s);
}

static void judges_send_valid_requests(void **state)
{
    (void)state;
    json_t *expected = json_string("Paris");
    json_t *context = json_pack("[s,s]", "Paris is the capital of France.", "It rains.");
    eval_sample_t sample = {.input = "Capital of France?",
                            .output = "Paris.",
                            .expected = expected,
                            .context = context,
                            .baseline_output = "Lyon."};
    expect_malformed("{\"type\":\"llm_judge\",\"rubric\":\"Correct?\",\"model\":\"judge-a\"}",
                     "judge-a", &sample, "\"score\" is missing");
    expect_malformed("{\"type\":\"llm_judge\",\"rubric\":\"Correct?\",\"model\":\"judge-b\","
                     "\"scale\":{\"min\":1,\"max\":5}}",
                     "judge-b", &sample, "\"score\" is missing");
    /* pairwise stops at the first order's failure */
    expect_malformed("{\"type\":\"pairwise\",\"model\":\"judge-c\"}", "judge-c", &sample,
                     "\"winner\" must be");
    expect_malformed("{\"type\":\"faithfulness\",\"model\":\"judge-d\"}", "judge-d", &sample,
                     "\"claims\" is missing");
    expect_malformed("{\"type\":\"answer_relevance\",\"model\":\"judge-e\"}", "judge-e", &sample,
                     "\"score\" is missing");
    expect_malformed("{\"type\":\"context_relevance\",\"model\":\"judge-f\"}", "judge-f", &sample,
                     "\"passages\" is missing");
    json_decref(context);
    json_decref(expected);
}

static void upstream_error_reaches_the_row(void **state)
{
    (void)state;
    http_llm_t h = {.base_url = fp.url};
    eval_llm_t llm = {.ctx = &h, .chat = http_chat, .embed = http_embed};
    eval_scorer_t *s =
        make("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"judge?status=500\"}", &llm);
    eval_sample_t sample = {.input = "q", .output = "a"};
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(scorer_score(s, &sample, &out, &err), -1);
    if (strncmp(err.message, "judge call failed: upstream answered 500", 40) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(h.calls, 1); /* a failed call is not retried by the scorer */
    scorer_free(s);
}

static void embedding_similarity_end_to_end(void **state)
{
    (void)state;
    http_llm_t h = {.base_url = fp.url};
    eval_llm_t llm = {.ctx = &h, .chat = http_chat, .embed = http_embed};
    eval_scorer_t *s = make("{\"type\":\"embedding_similarity\",\"model\":\"emb?dim=64\"}", &llm);
    json_t *same = json_string("The cat sat on the mat.");
    eval_sample_t sample = {.input = "q", .output = "The cat sat on the mat.", .expected = same};
    eval_score_t out;
    err_t err = {0};
    /* the fake's embedding is a function of the text: the same text gives cosine 1 */
    if (scorer_score(s, &sample, &out, &err) != 0)
        fail_msg("%s", err.message);
    assert_true(fabs(out.value - 1) < 1e-6);
    assert_true(out.pass);
    eval_score_clear(&out);
    /* another text: another pseudo-random unit vector, far from it in 64 dimensions */
    sample.output = "Stock prices fell sharply.";
    assert_int_equal(scorer_score(s, &sample, &out, &err), 0);
    assert_true(out.value > -1 && out.value < 0.8);
    assert_false(out.pass);
    eval_score_clear(&out);
    assert_int_equal(h.calls, 2);
    assert_int_equal(fake_model_count(&fp, "emb?dim=64"), 2);
    json_decref(same);
    scorer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(judges_send_valid_requests),
        cmocka_unit_test(upstream_error_reaches_the_row),
        cmocka_unit_test(embedding_similarity_end_to_end),
    };
    return cmocka_run_group_tests_name("scorers_fake_provider", tests, setup, teardown);
}
