/* test_scorers_rag.c - the RAG scorers (faithfulness, answer_relevance, context_relevance) and
 * embedding_similarity, with a test double for the model (judge_testutil.h): the request each
 * sends (pinned model, temperature 0, json_schema, numbered passages), values from canned
 * answers, the accepted context shapes, missing context/input/expected as row errors,
 * malformed answers (retried once, then a row error) and the embeddings request and cosine. */
#include "judge_testutil.h"

static void specs(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    static const char *const types[] = {"faithfulness", "answer_relevance", "context_relevance",
                                        "embedding_similarity"};
    char spec[200];
    for (size_t i = 0; i < 4; i++) {
        snprintf(spec, sizeof spec, "{\"type\":\"%s\",\"model\":\"m\"}", types[i]);
        eval_scorer_t *s = mk_llm(spec, &llm);
        assert_string_equal(scorer_type(s), types[i]);
        assert_near(scorer_threshold(s), i == 3 ? 0.8 : 0.5);
        assert_int_equal(scorer_higher_is_better(s), 1);
        assert_int_equal(scorer_needs_baseline(s), 0);
        scorer_free(s);
        snprintf(spec, sizeof spec, "{\"type\":\"%s\"}", types[i]);
        expect_llm_create_error(spec, &llm, "model");
        snprintf(spec, sizeof spec, "{\"type\":\"%s\",\"model\":\"m\",\"rubric\":\"x\"}", types[i]);
        expect_llm_create_error(spec, &llm, "rubric");
        snprintf(spec, sizeof spec, "{\"type\":\"%s\",\"model\":\"m\"}", types[i]);
        expect_llm_create_error(spec, NULL, "scorers");
    }
    /* embedding_similarity needs embed, the judges need chat */
    eval_llm_t chat_only = {.ctx = &f, .chat = fake_chat, .embed = NULL};
    expect_llm_create_error("{\"type\":\"embedding_similarity\",\"model\":\"m\"}", &chat_only,
                            "scorers");
    eval_scorer_t *s = mk_llm("{\"type\":\"faithfulness\",\"model\":\"m\"}", &chat_only);
    scorer_free(s);
    fake_free(&f);
}

static void faithfulness(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm("{\"type\":\"faithfulness\",\"model\":\"judge-rag\"}", &llm);
    json_t *ctx = json_pack("[s,{s:s},{s:s}]", "Paris is the capital of France.", "text",
                            "France's population is 68 million.", "content",
                            "The Seine flows through Paris.");
    eval_sample_t sample = {.input = "Tell me about Paris",
                            .output = "Paris is France's capital. It has 10 million people. The "
                                      "Seine runs through it.",
                            .context = ctx};
    f.answers[0] = "{\"claims\": ["
                   "{\"claim\": \"Paris is France's capital\", \"supported\": true},"
                   "{\"claim\": \"Paris has 10 million people\", \"supported\": false},"
                   "{\"claim\": \"The Seine runs through Paris\", \"supported\": true}],"
                   "\"reason\": \"one claim is not in the context\"}";
    eval_score_t out = score_ok(s, &sample);
    assert_near(out.value, 2.0 / 3);
    assert_true(out.pass);
    assert_string_equal(out.reason, "2 of 3 claims supported; unsupported: \"Paris has 10 "
                                    "million people\". one claim is not in the context");
    eval_score_clear(&out);
    assert_judge_request(&f, 0, "judge-rag", "claims");
    assert_contains(req_message(&f, 0, 0), "Break the answer into its factual claims");
    const char *u = req_message(&f, 0, 1);
    assert_contains(u, "## Context\n[1] Paris is the capital of France.\n"
                       "[2] France's population is 68 million.\n"
                       "[3] The Seine flows through Paris.\n");
    assert_contains(u, "## Question\nTell me about Paris");
    assert_contains(u, "## Answer\nParis is France's capital.");

    /* no claims (a refusal): faithful by definition */
    fake_reset(&f);
    f.answers[0] = "{\"claims\": [], \"reason\": \"a refusal\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 1);
    assert_contains(out.reason, "no factual claims");
    eval_score_clear(&out);

    /* all unsupported: 0, fails; at most 3 unsupported claims quoted */
    fake_reset(&f);
    f.answers[0] = "{\"claims\": [{\"claim\": \"c1\", \"supported\": false},"
                   "{\"claim\": \"c2\", \"supported\": false},{\"claim\": \"c3\", \"supported\": "
                   "false},{\"claim\": \"c4\", \"supported\": false}], \"reason\": \"\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 0);
    assert_false(out.pass);
    assert_string_equal(out.reason, "0 of 4 claims supported; unsupported: \"c1\"; \"c2\"; \"c3\"");
    eval_score_clear(&out);

    /* a string context is one passage */
    json_t *one = json_string("Only passage.");
    sample.context = one;
    fake_reset(&f);
    f.answers[0] = "{\"claims\": [{\"claim\": \"x\", \"supported\": true}], \"reason\": \"ok\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 1);
    eval_score_clear(&out);
    assert_contains(req_message(&f, 0, 1), "## Context\n[1] Only passage.\n\n");

    /* malformed claims: retried once, then a row error */
    fake_reset(&f);
    f.answers[0] = "{\"claims\": [{\"claim\": \"x\", \"supported\": \"yes\"}]}";
    err_t err = score_err(s, &sample);
    assert_string_equal(err.code, "judge_malformed");
    assert_contains(err.message, "claims[0] must be");
    assert_int_equal(json_array_size(f.requests), 2);
    fake_reset(&f);
    f.answers[0] = "{\"claims\": \"none\"}";
    f.answers[1] = "{\"claims\": [], \"reason\": \"fixed\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 1);
    eval_score_clear(&out);

    /* no context, or context of another shape: a row error naming "context", no call */
    static const char *const bad_ctx[] = {NULL,  "\"\"", "[]", "42", "[1]", "[{\"url\": \"x\"}]",
                                          "null"};
    for (size_t i = 0; i < sizeof bad_ctx / sizeof bad_ctx[0]; i++) {
        fake_reset(&f);
        json_t *c = bad_ctx[i] ? json_loads(bad_ctx[i], JSON_DECODE_ANY, NULL) : NULL;
        sample.context = c;
        err = score_err(s, &sample);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, "context");
        assert_int_equal(json_array_size(f.requests), 0);
        json_decref(c);
    }
    json_decref(one);
    json_decref(ctx);
    scorer_free(s);
    fake_free(&f);
}

static void answer_relevance(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm("{\"type\":\"answer_relevance\",\"model\":\"j\"}", &llm);
    eval_sample_t sample = {.input = "How do I reset my password?",
                            .output = "Our office opens at 9."};
    f.answers[0] = "{\"score\": 0.1, \"reason\": \"does not address the question\"}";
    eval_score_t out = score_ok(s, &sample);
    assert_near(out.value, 0.1);
    assert_false(out.pass);
    assert_string_equal(out.reason, "does not address the question");
    eval_score_clear(&out);
    assert_judge_request(&f, 0, "j", "score");
    assert_contains(req_message(&f, 0, 0), "relevance, not its correctness");
    assert_contains(req_message(&f, 0, 1), "## Input\nHow do I reset my password?");
    assert_contains(req_message(&f, 0, 1), "## Answer\nOur office opens at 9.");

    /* out of range twice: a row error */
    fake_reset(&f);
    f.answers[0] = "{\"score\": 1.5, \"reason\": \"x\"}";
    err_t err = score_err(s, &sample);
    assert_contains(err.message, "outside 0..1");
    assert_int_equal(json_array_size(f.requests), 2);

    /* no input: a row error, no call */
    fake_reset(&f);
    sample.input = "";
    err = score_err(s, &sample);
    assert_string_equal(err.field, "input");
    assert_int_equal(json_array_size(f.requests), 0);
    scorer_free(s);
    fake_free(&f);
}

static void context_relevance(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm("{\"type\":\"context_relevance\",\"model\":\"j\"}", &llm);
    json_t *ctx = json_pack("[s,s,s]", "Reset via Settings > Security.", "Office hours 9-5.",
                            "Passwords expire after 90 days.");
    eval_sample_t sample = {.input = "How do I reset my password?", .output = "x", .context = ctx};
    f.answers[0] = "{\"passages\": [{\"passage\": 3, \"relevant\": true},"
                   "{\"passage\": 1, \"relevant\": true},{\"passage\": 2, \"relevant\": false}],"
                   "\"reason\": \"2 is about hours\"}";
    eval_score_t out = score_ok(s, &sample);
    assert_near(out.value, 2.0 / 3);
    assert_string_equal(out.reason, "2 of 3 passages relevant: [1], [3]. 2 is about hours");
    eval_score_clear(&out);
    assert_judge_request(&f, 0, "j", "passages");
    const char *u = req_message(&f, 0, 1);
    assert_contains(u, "## Input\nHow do I reset my password?");
    assert_contains(u, "[2] Office hours 9-5.\n");
    assert_contains(u, "from 1 to 3");

    /* every passage must be judged exactly once, numbers in range */
    static const char *const bad[][2] = {
        {"{\"passages\": [{\"passage\": 1, \"relevant\": true}]}", "passage 2 is not judged"},
        {"{\"passages\": [{\"passage\": 1, \"relevant\": true},{\"passage\": 1, \"relevant\": "
         "true},{\"passage\": 2, \"relevant\": true}]}",
         "passage 1 is judged twice"},
        {"{\"passages\": [{\"passage\": 4, \"relevant\": true}]}", "passages[0] must be"},
        {"{\"passages\": [{\"passage\": 1.5, \"relevant\": true}]}", "passages[0] must be"},
        {"{\"passages\": [{\"passage\": 1e300, \"relevant\": true}]}", "passages[0] must be"},
        {"{\"passages\": [{\"passage\": 1, \"relevant\": 1}]}", "passages[0] must be"},
        {"{\"relevant\": [1]}", "\"passages\" is missing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fake_reset(&f);
        f.answers[0] = bad[i][0];
        err_t err = score_err(s, &sample);
        assert_string_equal(err.code, "judge_malformed");
        assert_contains(err.message, bad[i][1]);
        assert_int_equal(json_array_size(f.requests), 2);
    }
    /* passage numbers given as strings are read */
    fake_reset(&f);
    f.answers[0] = "{\"passages\": [{\"passage\": \"1\", \"relevant\": false},{\"passage\": "
                   "\"2\", \"relevant\": false},{\"passage\": \"3\", \"relevant\": false}],"
                   "\"reason\": \"\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 0);
    assert_string_equal(out.reason, "0 of 3 passages relevant");
    eval_score_clear(&out);

    /* missing context or input: row errors */
    fake_reset(&f);
    sample.context = NULL;
    err_t err = score_err(s, &sample);
    assert_string_equal(err.field, "context");
    sample.context = ctx;
    sample.input = NULL;
    err = score_err(s, &sample);
    assert_string_equal(err.field, "input");
    assert_int_equal(json_array_size(f.requests), 0);
    json_decref(ctx);
    scorer_free(s);
    fake_free(&f);
}

static json_t *embeddings(const char *a, const char *b)
{
    char text[600];
    snprintf(text, sizeof text,
             "{\"object\":\"list\",\"model\":\"emb\",\"data\":["
             "{\"object\":\"embedding\",\"index\":0,\"embedding\":%s},"
             "{\"object\":\"embedding\",\"index\":1,\"embedding\":%s}],"
             "\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}",
             a, b);
    json_t *v = json_loads(text, 0, NULL);
    assert_non_null(v);
    return v;
}

static void embedding_similarity(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm("{\"type\":\"embedding_similarity\",\"model\":\"text-emb\"}", &llm);
    json_t *expected = json_string("The cat sat.");
    eval_sample_t sample = {.input = "q", .output = "A cat was sitting.", .expected = expected};

    f.embed_answer = embeddings("[1, 2, 2]", "[2, 4, 4]"); /* same direction */
    eval_score_t out = score_ok(s, &sample);
    assert_near(out.value, 1);
    assert_true(out.pass);
    eval_score_clear(&out);
    /* one request, both texts, output first, the model pinned; no chat call */
    assert_int_equal(json_array_size(f.embeds), 1);
    assert_int_equal(json_array_size(f.requests), 0);
    const json_t *body = json_array_get(f.embeds, 0);
    assert_string_equal(json_string_value(json_object_get(body, "model")), "text-emb");
    const json_t *input = json_object_get(body, "input");
    assert_int_equal(json_array_size(input), 2);
    assert_string_equal(json_string_value(json_array_get(input, 0)), "A cat was sitting.");
    assert_string_equal(json_string_value(json_array_get(input, 1)), "The cat sat.");
    json_decref(f.embed_answer);

    static const struct {
        const char *a, *b;
        double cos;
    } cases[] = {
        {"[1, 0]", "[0, 1]", 0},
        {"[1, 0]", "[-1, 0]", -1},
        {"[3, 4]", "[4, 3]", 24.0 / 25},
        {"[0.6, 0.8, 0]", "[0.6, 0.8, 0]", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f.embed_answer = embeddings(cases[i].a, cases[i].b);
        out = score_ok(s, &sample);
        assert_near(out.value, cases[i].cos);
        assert_int_equal(out.pass, cases[i].cos >= 0.8);
        eval_score_clear(&out);
        json_decref(f.embed_answer);
    }

    /* data out of order: read by "index" */
    f.embed_answer = json_loads("{\"data\":[{\"index\":1,\"embedding\":[0,1]},"
                                "{\"index\":0,\"embedding\":[1,1]}]}",
                                0, NULL);
    out = score_ok(s, &sample);
    assert_near(out.value, 1 / sqrt(2));
    eval_score_clear(&out);
    json_decref(f.embed_answer);

    /* bad responses: row errors */
    static const char *const bad[][2] = {
        {"{\"data\":[{\"index\":0,\"embedding\":[1,0]}]}", "lacks two embeddings"},
        {"{\"data\":[{\"embedding\":[1,0]},{\"embedding\":[1,0,0]}]}", "differ in length"},
        {"{\"data\":[{\"embedding\":[0,0]},{\"embedding\":[1,0]}]}", "all zeros"},
        {"{\"data\":[{\"embedding\":[1,\"x\"]},{\"embedding\":[1,0]}]}", "lacks two embeddings"},
        {"{\"data\":[{\"embedding\":[]},{\"embedding\":[]}]}", "lacks two embeddings"},
        {"{\"error\":\"x\"}", "lacks two embeddings"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f.embed_answer = json_loads(bad[i][0], 0, NULL);
        assert_non_null(f.embed_answer);
        err_t err = score_err(s, &sample);
        assert_int_equal(err.status, 502);
        assert_contains(err.message, bad[i][1]);
        json_decref(f.embed_answer);
    }
    /* the call fails */
    f.embed_answer = NULL;
    err_t err = score_err(s, &sample);
    assert_string_equal(err.message, "embedding call failed: upstream said 400: bad model");

    /* empty texts are decided without a call; no expected value is a row error */
    json_array_clear(f.embeds);
    sample.output = "";
    out = score_ok(s, &sample);
    assert_near(out.value, 0);
    assert_string_equal(out.reason, "the output is empty");
    eval_score_clear(&out);
    json_t *empty = json_string("");
    sample.expected = empty;
    out = score_ok(s, &sample);
    assert_near(out.value, 1);
    eval_score_clear(&out);
    sample.output = "x";
    out = score_ok(s, &sample);
    assert_near(out.value, 0);
    assert_string_equal(out.reason, "the expected value is empty");
    eval_score_clear(&out);
    assert_int_equal(json_array_size(f.embeds), 0);
    sample.expected = NULL;
    err = score_err(s, &sample);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "expected");
    json_decref(empty);
    json_decref(expected);
    scorer_free(s);
    fake_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(specs),
        cmocka_unit_test(faithfulness),
        cmocka_unit_test(answer_relevance),
        cmocka_unit_test(context_relevance),
        cmocka_unit_test(embedding_similarity),
    };
    return cmocka_run_group_tests_name("scorers_rag", tests, NULL, NULL);
}
