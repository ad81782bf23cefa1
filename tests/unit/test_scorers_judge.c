/* test_scorers_judge.c - the judge-based scorers llm_judge and pairwise, with a test double for
 * the model (judge_testutil.h): spec errors, the request each sends (pinned model, temperature
 * 0, response_format json_schema, the prompt's sections), answer parsing (pure JSON, prose
 * around it, a fence, numbers as strings), scales, the one retry on a malformed answer and the
 * row error after it, call failures, and pairwise's two orders and how they combine. */
#include "judge_testutil.h"

#include "eval/judge.h"

static void parse_answer_forms(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{\"score\": 1}",
        "  {\"score\": 1}\n",
        "Sure! Here is my verdict: {\"score\": 1, \"reason\": \"a {brace}\"} Hope it helps.",
        "```json\n{\"score\": 1}\n```",
        "{not json} then {\"score\": 1}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_t *v = judge_parse_answer(good[i]);
        if (!v)
            fail_msg("no object found in: %s", good[i]);
        assert_true(json_integer_value(json_object_get(v, "score")) == 1);
        json_decref(v);
    }
    static const char *const bad[] = {"", "great answer", "[1, 2]", "{\"score\": ", "42"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(judge_parse_answer(bad[i]));
    assert_null(judge_parse_answer(NULL));

    double d;
    json_t *s = json_real(0.5);
    assert_true(judge_number(s, &d) && d == 0.5);
    json_decref(s);
    s = json_string(" 4 ");
    assert_true(judge_number(s, &d) && d == 4);
    json_decref(s);
    s = json_string("4 stars");
    assert_false(judge_number(s, &d));
    json_decref(s);
    s = json_string("nan");
    assert_false(judge_number(s, &d));
    json_decref(s);
    assert_false(judge_number(NULL, &d));
}

static void llm_judge_spec(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s =
        mk_llm("{\"type\":\"llm_judge\",\"rubric\":\"polite\",\"model\":\"judge\"}", &llm);
    assert_string_equal(scorer_name(s), "llm_judge");
    assert_near(scorer_threshold(s), 0.5);
    assert_int_equal(scorer_higher_is_better(s), 1);
    assert_int_equal(scorer_needs_baseline(s), 0);
    scorer_free(s);
    s = mk_llm("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\",\"threshold\":0.9,"
               "\"scale\":{\"min\":1,\"max\":5},\"name\":\"tone\"}",
               &llm);
    assert_string_equal(scorer_name(s), "tone");
    assert_near(scorer_threshold(s), 0.9);
    scorer_free(s);

    expect_llm_create_error("{\"type\":\"llm_judge\",\"model\":\"j\"}", &llm, "rubric");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"\",\"model\":\"j\"}", &llm,
                            "rubric");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\"}", &llm, "model");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"\"}", &llm,
                            "model");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":3}", &llm, "model");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\","
                            "\"scale\":{\"min\":5,\"max\":1}}",
                            &llm, "scale");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\","
                            "\"scale\":{\"min\":1}}",
                            &llm, "scale");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\","
                            "\"scale\":\"1-5\"}",
                            &llm, "scale");
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\","
                            "\"temperature\":1}",
                            &llm, "temperature");
    /* no model reachable: 400 on "scorers" */
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\"}", NULL,
                            "scorers");
    eval_llm_t no_chat = {.ctx = &f, .chat = NULL, .embed = fake_embed};
    expect_llm_create_error("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\"}", &no_chat,
                            "scorers");
    assert_int_equal(json_array_size(f.requests), 0);
    fake_free(&f);
}

static void llm_judge_request_and_values(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm("{\"type\":\"llm_judge\",\"rubric\":\"Is the answer polite?\","
                              "\"model\":\"judge-endpoint\"}",
                              &llm);
    json_t *expected = json_string("Paris");
    eval_sample_t sample = {
        .input = "Capital of France?", .output = "It is Paris, my friend.", .expected = expected};
    f.answers[0] = "{\"score\": 0.8, \"reason\": \"polite and correct\"}";
    eval_score_t out = score_ok(s, &sample);
    assert_near(out.value, 0.8);
    assert_true(out.pass);
    assert_string_equal(out.reason, "polite and correct");
    eval_score_clear(&out);

    assert_int_equal(json_array_size(f.requests), 1);
    assert_judge_request(&f, 0, "judge-endpoint", "score");
    assert_contains(req_message(&f, 0, 0), "from 0 (worst) to 1 (best)");
    const char *user = req_message(&f, 0, 1);
    assert_contains(user, "## Rubric\nIs the answer polite?");
    assert_contains(user, "## Input\nCapital of France?");
    assert_contains(user, "## Expected answer\nParis");
    assert_contains(user, "## Answer to grade\nIt is Paris, my friend.");

    /* no expected value: no such section; a non-string expected is shown as JSON */
    fake_reset(&f);
    f.answers[0] = "{\"score\": 0.2, \"reason\": \"rude\"}";
    sample.expected = NULL;
    out = score_ok(s, &sample);
    assert_near(out.value, 0.2);
    assert_false(out.pass);
    eval_score_clear(&out);
    assert_not_contains(req_message(&f, 0, 1), "Expected answer");
    json_t *obj = json_pack("{s:i}", "n", 3);
    sample.expected = obj;
    out = score_ok(s, &sample);
    eval_score_clear(&out);
    assert_contains(req_message(&f, 1, 1), "## Expected answer\n{\"n\":3}");
    json_decref(obj);
    sample.expected = NULL;

    /* prose around the JSON, a fence, a score written as a string, no reason */
    fake_reset(&f);
    f.answers[0] = "My verdict:\n```json\n{\"score\": \"0.5\", \"reason\": \"so-so\"}\n```";
    out = score_ok(s, &sample);
    assert_near(out.value, 0.5);
    assert_true(out.pass); /* 0.5 >= the default threshold 0.5 */
    eval_score_clear(&out);
    f.answers[0] = "{\"score\": 1}";
    out = score_ok(s, &sample);
    assert_near(out.value, 1);
    assert_null(out.reason);
    eval_score_clear(&out);
    assert_int_equal(json_array_size(f.requests), 2); /* no retries */
    scorer_free(s);

    /* a 1..5 scale: normalised to 0..1, the raw score kept in the reason */
    s = mk_llm("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\","
               "\"scale\":{\"min\":1,\"max\":5}}",
               &llm);
    fake_reset(&f);
    f.answers[0] = "{\"score\": 4, \"reason\": \"good\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 0.75);
    assert_string_equal(out.reason, "score 4 on 1..5: good");
    eval_score_clear(&out);
    assert_contains(req_message(&f, 0, 0), "from 1 (worst) to 5 (best)");
    assert_contains(req_message(&f, 0, 1), "from 1 (worst) to 5 (best)");
    f.answers[0] = "{\"score\": 1, \"reason\": \"bad\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 0);
    assert_false(out.pass);
    eval_score_clear(&out);
    scorer_free(s);
    json_decref(expected);
    fake_free(&f);
}

static void llm_judge_malformed_and_failures(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm("{\"type\":\"llm_judge\",\"rubric\":\"r\",\"model\":\"j\","
                              "\"scale\":{\"min\":1,\"max\":5}}",
                              &llm);
    eval_sample_t sample = {.input = "q", .output = "a"};

    /* malformed, then good: the retry shows the judge its answer and what was wrong */
    f.answers[0] = "I would give it four stars.";
    f.answers[1] = "{\"score\": 4, \"reason\": \"fine\"}";
    eval_score_t out = score_ok(s, &sample);
    assert_near(out.value, 0.75);
    eval_score_clear(&out);
    assert_int_equal(json_array_size(f.requests), 2);
    assert_judge_request(&f, 1, "j", "score");
    const json_t *msgs = json_object_get(json_array_get(f.requests, 1), "messages");
    assert_int_equal(json_array_size(msgs), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 2), "role")),
                        "assistant");
    assert_string_equal(req_message(&f, 1, 2), "I would give it four stars.");
    assert_contains(req_message(&f, 1, 3), "could not be used: the answer holds no JSON object");
    /* the first two messages are the original question */
    assert_string_equal(req_message(&f, 1, 1), req_message(&f, 0, 1));

    /* malformed twice: a row error quoting the answer, never a silent 0; exactly one retry */
    static const char *const malformed[][2] = {
        {"no json here", "holds no JSON object"},
        {"{\"score\": 7, \"reason\": \"x\"}", "\"score\" 7 is outside 1..5"},
        {"{\"score\": \"high\"}", "\"score\" is missing or not a number"},
        {"{\"reason\": \"no score\"}", "\"score\" is missing or not a number"},
        {"{\"score\": 3, \"reason\": 5}", "\"reason\" is not a string"},
        {FAKE_NO_CONTENT, "no text content"},
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        fake_reset(&f);
        f.answers[0] = malformed[i][0];
        err_t err = score_err(s, &sample);
        assert_int_equal(err.status, 502);
        assert_string_equal(err.code, "judge_malformed");
        assert_contains(err.message, malformed[i][1]);
        assert_contains(err.message, "after a retry");
        if (strcmp(malformed[i][0], FAKE_NO_CONTENT) != 0)
            assert_contains(err.message, malformed[i][0]);
        assert_int_equal(json_array_size(f.requests), 2);
    }

    /* a long bad answer is quoted cut short */
    fake_reset(&f);
    char longans[2000];
    memset(longans, 'z', sizeof longans - 1);
    longans[sizeof longans - 1] = '\0';
    f.answers[0] = longans;
    err_t err = score_err(s, &sample);
    assert_contains(err.message, "zzz...\")");
    assert_true(strlen(err.message) < 400);

    /* the call itself fails: the row error says so, with the upstream's message; no retry */
    fake_reset(&f);
    f.answers[0] = FAKE_FAIL;
    err = score_err(s, &sample);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.message, "judge call failed: upstream said 500: overloaded");
    assert_int_equal(json_array_size(f.requests), 1);
    /* a failure on the retry is reported as a failure too */
    fake_reset(&f);
    f.answers[0] = "garbage";
    f.answers[1] = FAKE_FAIL;
    err = score_err(s, &sample);
    assert_contains(err.message, "judge call failed");
    assert_int_equal(json_array_size(f.requests), 2);
    scorer_free(s);
    fake_free(&f);
}

static void pairwise_spec(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm("{\"type\":\"pairwise\",\"model\":\"judge\"}", &llm);
    assert_int_equal(scorer_needs_baseline(s), 1);
    assert_near(scorer_threshold(s), 0.5);
    assert_int_equal(scorer_higher_is_better(s), 1);
    scorer_free(s);
    expect_llm_create_error("{\"type\":\"pairwise\"}", &llm, "model");
    expect_llm_create_error("{\"type\":\"pairwise\",\"model\":\"j\",\"rubric\":\"a\","
                            "\"criteria\":\"b\"}",
                            &llm, "criteria");
    expect_llm_create_error("{\"type\":\"pairwise\",\"model\":\"j\",\"criteria\":\"\"}", &llm,
                            "criteria");
    expect_llm_create_error("{\"type\":\"pairwise\",\"model\":\"j\"}", NULL, "scorers");

    /* no baseline answer for the row: a row error, no call */
    s = mk_llm("{\"type\":\"pairwise\",\"model\":\"judge\"}", &llm);
    eval_sample_t sample = {.input = "q", .output = "cand"};
    err_t err = score_err(s, &sample);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "baseline");
    assert_int_equal(json_array_size(f.requests), 0);
    scorer_free(s);
    fake_free(&f);
}

static void pairwise_orders_and_combination(void **state)
{
    (void)state;
    fake_llm_t f;
    eval_llm_t llm;
    fake_init(&f, &llm);
    eval_scorer_t *s = mk_llm(
        "{\"type\":\"pairwise\",\"model\":\"judge-1\",\"criteria\":\"Shorter is better.\"}", &llm);
    json_t *expected = json_string("4");
    eval_sample_t sample = {.input = "2+2?",
                            .output = "CANDIDATE-ANSWER",
                            .baseline_output = "BASELINE-ANSWER",
                            .expected = expected};

    /* the judge prefers the candidate in both orders: A first, B second */
    f.answers[0] = "{\"winner\": \"A\", \"reason\": \"first is shorter\"}";
    f.answers[1] = "{\"winner\": \"B\", \"reason\": \"second is shorter\"}";
    eval_score_t out = score_ok(s, &sample);
    assert_near(out.value, 1);
    assert_true(out.pass);
    assert_contains(out.reason, "candidate better in both orders");
    assert_contains(out.reason, "first is shorter");
    assert_contains(out.reason, "second is shorter");
    eval_score_clear(&out);

    /* both orders asked, the candidate first as A, then as B */
    assert_int_equal(json_array_size(f.requests), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_judge_request(&f, i, "judge-1", "winner");
        const char *u = req_message(&f, i, 1);
        assert_contains(u, "## Criteria\nShorter is better.");
        assert_contains(u, "## Input\n2+2?");
        assert_contains(u, "## Expected answer\n4");
    }
    assert_contains(req_message(&f, 0, 1), "## Answer A\nCANDIDATE-ANSWER");
    assert_contains(req_message(&f, 0, 1), "## Answer B\nBASELINE-ANSWER");
    assert_contains(req_message(&f, 1, 1), "## Answer A\nBASELINE-ANSWER");
    assert_contains(req_message(&f, 1, 1), "## Answer B\nCANDIDATE-ANSWER");
    const json_t *schema = json_object_get(
        json_object_get(json_object_get(json_array_get(f.requests, 0), "response_format"),
                        "json_schema"),
        "schema");
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(json_object_get(schema, "properties"), "winner"), "enum")),
                     3);

    static const struct {
        const char *first, *second;
        double value;
        const char *summary;
    } cases[] = {
        {"B", "A", 0, "baseline better in both orders"},
        {"A", "A", 0.5, "the orders disagree"}, /* always the first position */
        {"B", "B", 0.5, "the orders disagree"}, /* always the second position */
        {"tie", "tie", 0.5, "tie in both orders"},
        {"A", "tie", 0.5, "a tie in one order"},
        {"tie", "A", 0.5, "a tie in one order"},
        {"a", " b ", 1, "candidate better in both orders"}, /* case and spaces ignored */
        {"TIE", "Tie", 0.5, "tie in both orders"},
    };
    char a1[100], a2[100];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_reset(&f);
        snprintf(a1, sizeof a1, "{\"winner\": \"%s\", \"reason\": \"r1\"}", cases[i].first);
        snprintf(a2, sizeof a2, "{\"winner\": \"%s\", \"reason\": \"r2\"}", cases[i].second);
        f.answers[0] = a1;
        f.answers[1] = a2;
        out = score_ok(s, &sample);
        if (out.value != cases[i].value)
            fail_msg("%s/%s: value %g, expected %g", cases[i].first, cases[i].second, out.value,
                     cases[i].value);
        assert_contains(out.reason, cases[i].summary);
        assert_int_equal(out.pass, cases[i].value >= 0.5);
        eval_score_clear(&out);
        assert_int_equal(json_array_size(f.requests), 2);
    }

    /* a bad verdict is retried once per order; twice bad is a row error */
    fake_reset(&f);
    f.answers[0] = "{\"winner\": \"C\"}";
    f.answers[1] = "{\"winner\": \"A\", \"reason\": \"ok\"}";
    f.answers[2] = "{\"winner\": \"B\", \"reason\": \"ok\"}";
    out = score_ok(s, &sample);
    assert_near(out.value, 1);
    eval_score_clear(&out);
    assert_int_equal(json_array_size(f.requests), 3);
    fake_reset(&f);
    f.answers[0] = "{\"winner\": \"A\", \"reason\": \"ok\"}";
    f.answers[1] = "{\"winner\": \"both\"}";
    err_t err = score_err(s, &sample);
    assert_string_equal(err.code, "judge_malformed");
    assert_contains(err.message, "\"winner\" must be \"A\", \"B\" or \"tie\"");
    assert_int_equal(json_array_size(f.requests), 3);
    scorer_free(s);

    /* the default criteria when none is given */
    s = mk_llm("{\"type\":\"pairwise\",\"model\":\"j\"}", &llm);
    fake_reset(&f);
    f.answers[0] = "{\"winner\": \"tie\", \"reason\": \"same\"}";
    out = score_ok(s, &sample);
    eval_score_clear(&out);
    assert_contains(req_message(&f, 0, 1), "## Criteria\nWhich answer responds to the input");
    scorer_free(s);
    json_decref(expected);
    fake_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_answer_forms),
        cmocka_unit_test(llm_judge_spec),
        cmocka_unit_test(llm_judge_request_and_values),
        cmocka_unit_test(llm_judge_malformed_and_failures),
        cmocka_unit_test(pairwise_spec),
        cmocka_unit_test(pairwise_orders_and_combination),
    };
    return cmocka_run_group_tests_name("scorers_judge", tests, NULL, NULL);
}
