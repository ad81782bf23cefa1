/* test_scorers_safety.c - pii and blocklist (found / not found, the checksums, the reason),
 * and the measurement scorers latency, cost and length (direction, bounds, errors). */
#include "scorer_testutil.h"

/* Score output; the reason must contain in_reason (NULL: the row must pass with none). */
static void expect_reason(const eval_scorer_t *s, const char *output, const char *in_reason)
{
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, output, NULL, &out, &err), 0);
    if (!in_reason) {
        if (!out.pass || out.value != 1 || out.reason)
            fail_msg("%s: expected a pass, got value %g reason %s", output, out.value,
                     out.reason ? out.reason : "(none)");
    } else if (out.pass || out.value != 0 || !out.reason || !strstr(out.reason, in_reason)) {
        fail_msg("%s: expected a failure naming \"%s\", got value %g reason %s", output, in_reason,
                 out.value, out.reason ? out.reason : "(none)");
    }
    eval_score_clear(&out);
}

static void test_pii(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"pii\"}");
    expect_reason(s, "The meeting is at 10.30 on 2024-05-01 in room 12, version 1.2.3.", NULL);
    expect_reason(s, "Write to jane.doe+news@mail.example.co.uk today", "email");
    expect_reason(s, "Call (415) 555-2671.", "phone");
    expect_reason(s, "Call 415.555.2671", "phone");
    expect_reason(s, "UK office: +44 20 7946 0958", "phone");
    /* 4111 1111 1111 1111 is the Visa test number: Luhn-valid */
    expect_reason(s, "card 4111 1111 1111 1111 exp 12/29", "credit_card");
    expect_reason(s, "card 4111-1111-1111-1111", "credit_card");
    /* the same digits with the last one changed fail the Luhn check: not a card */
    expect_reason(s, "order 4111 1111 1111 1112", NULL);
    expect_reason(s, "SSN 123-45-6789", "ssn");
    expect_reason(s, "ref 000-12-3456 and 666-12-3456", NULL); /* never issued */
    expect_reason(s, "server 192.168.1.20 is down", "ipv4");
    expect_reason(s, "not an address: 999.1.1.1 or 1.2.3.4.5", NULL);
    /* GB82 WEST 1234 5698 7654 32 is the standard valid example IBAN (ISO 13616) */
    expect_reason(s, "IBAN GB82 WEST 1234 5698 7654 32 please", "iban");
    expect_reason(s, "IBAN GB82WEST12345698765432", "iban");
    expect_reason(s, "IBAN GB82 WEST 1234 5698 7654 33", NULL); /* bad check digits */
    /* several kinds: all named */
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "a@b.io, 123-45-6789", NULL, &out, &err), 0);
    assert_non_null(strstr(out.reason, "email"));
    assert_non_null(strstr(out.reason, "ssn"));
    eval_score_clear(&out);
    scorer_free(s);

    s = mk("{\"type\": \"pii\", \"kinds\": [\"email\"]}");
    expect_reason(s, "Call (415) 555-2671.", NULL); /* phones not asked for */
    expect_reason(s, "a@b.io", "email");
    scorer_free(s);

    expect_create_error("{\"type\": \"pii\", \"kinds\": [\"passport\"]}", "kinds");
    expect_create_error("{\"type\": \"pii\", \"kinds\": []}", "kinds");
    expect_create_error("{\"type\": \"pii\", \"kinds\": \"email\"}", "kinds");
}

static void test_blocklist(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"blocklist\", \"words\": [\"darn\", \"heck no\", "
                          "\"caf\\u00e9\", \"c++\"]}");
    expect_reason(s, "Well, that went fine.", NULL);
    expect_reason(s, "Well, DARN it", "\"darn\"");
    expect_reason(s, "darnit, and undarn", NULL); /* whole words only */
    expect_reason(s, "oh Heck  no", NULL);        /* a phrase matches as written */
    expect_reason(s, "oh HECK NO!", "\"heck no\"");
    expect_reason(s, "au CAF\xC3\x89!", "\"caf\xC3\xA9\""); /* Unicode case folding */
    expect_reason(s, "I like c++.", "\"c++\"");             /* punctuation is literal */
    expect_reason(s, "I like cxx.", NULL);
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "darn, heck no", NULL, &out, &err), 0);
    assert_non_null(strstr(out.reason, "\"darn\""));
    assert_non_null(strstr(out.reason, "\"heck no\""));
    eval_score_clear(&out);
    scorer_free(s);

    expect_create_error("{\"type\": \"blocklist\"}", "words");
    expect_create_error("{\"type\": \"blocklist\", \"words\": []}", "words");
    expect_create_error("{\"type\": \"blocklist\", \"words\": [\"\"]}", "words");
    expect_create_error("{\"type\": \"blocklist\", \"words\": [\"ok\", 3]}", "words");
}

static double measure(const eval_scorer_t *s, double latency, double cost, int *pass)
{
    eval_sample_t sample = {.output = "", .latency_ms = latency, .cost_usd = cost};
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(scorer_score(s, &sample, &out, &err), 0);
    *pass = out.pass;
    eval_score_clear(&out);
    return out.value;
}

static void test_latency_cost(void **state)
{
    (void)state;
    int pass;
    eval_scorer_t *s = mk("{\"type\": \"latency\", \"max\": 100}");
    assert_int_equal(scorer_higher_is_better(s), 0);
    assert_near(scorer_threshold(s), 100);
    assert_near(measure(s, 42.5, 0, &pass), 42.5);
    assert_int_equal(pass, 1);
    assert_near(measure(s, 100, 0, &pass), 100);
    assert_int_equal(pass, 1); /* at the bound passes */
    assert_near(measure(s, 100.5, 0, &pass), 100.5);
    assert_int_equal(pass, 0);
    scorer_free(s);

    s = mk("{\"type\": \"cost\", \"threshold\": 0.01}"); /* threshold is the same as max */
    assert_int_equal(scorer_higher_is_better(s), 0);
    assert_near(measure(s, 0, 0.002, &pass), 0.002);
    assert_int_equal(pass, 1);
    assert_near(measure(s, 0, 0.02, &pass), 0.02);
    assert_int_equal(pass, 0);
    scorer_free(s);

    expect_create_error("{\"type\": \"latency\"}", "max");
    expect_create_error("{\"type\": \"latency\", \"max\": -1}", "max");
    expect_create_error("{\"type\": \"latency\", \"max\": \"fast\"}", "max");
    expect_create_error("{\"type\": \"cost\", \"max\": 1, \"threshold\": 2}", "max");
    expect_create_error("{\"type\": \"cost\", \"max\": 1, \"min\": 0}", "min");
}

static void test_length(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"length\", \"max\": 5}");
    assert_int_equal(scorer_higher_is_better(s), 0);
    assert_near(value_of(s, "hello", NULL), 5);
    assert_int_equal(pass_of(s, "hello", NULL), 1);
    assert_int_equal(pass_of(s, "hello!", NULL), 0);
    assert_near(value_of(s, "h\xC3\xA9llo", NULL), 5); /* code points, not bytes */
    scorer_free(s);

    s = mk("{\"type\": \"length\", \"unit\": \"words\", \"min\": 2, \"max\": 3}");
    assert_near(value_of(s, "  one\ttwo\n three ", NULL), 3);
    assert_int_equal(pass_of(s, "a b", NULL), 1);
    assert_int_equal(pass_of(s, "a", NULL), 0);
    assert_int_equal(pass_of(s, "a b c d", NULL), 0);
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "a", NULL, &out, &err), 0);
    assert_non_null(strstr(out.reason, "1 words"));
    eval_score_clear(&out);
    scorer_free(s);

    s = mk("{\"type\": \"length\", \"min\": 3}"); /* only a minimum: longer is better */
    assert_int_equal(scorer_higher_is_better(s), 1);
    assert_near(scorer_threshold(s), 3);
    assert_int_equal(pass_of(s, "ab", NULL), 0);
    assert_int_equal(pass_of(s, "abcdef", NULL), 1);
    scorer_free(s);

    expect_create_error("{\"type\": \"length\"}", "max");
    expect_create_error("{\"type\": \"length\", \"min\": 5, \"max\": 2}", "min");
    expect_create_error("{\"type\": \"length\", \"max\": 5, \"unit\": \"bytes\"}", "unit");
    expect_create_error("{\"type\": \"length\", \"max\": 5, \"threshold\": 3}", "threshold");
    expect_create_error("{\"type\": \"length\", \"min\": -2}", "min");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pii),
        cmocka_unit_test(test_blocklist),
        cmocka_unit_test(test_latency_cost),
        cmocka_unit_test(test_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
