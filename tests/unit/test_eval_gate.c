/* test_eval_gate.c - unit tests for eval/gate.h: parsing every operator, suffixes, relative
 * gates (baseline, baseline-0.02, baseline+x, baseline*1.1), whitespace, the text written back,
 * checks against a summary and a baseline (passing, failing, tolerance, unknown metrics, null
 * values, no baseline), and every kind of bad input (400 field "gate" quoting the condition). */
#include "unit/testutil.h"

#include <jansson.h>
#include <math.h>

#include "eval/gate.h"

static gate_list_t parse_ok(const char *text)
{
    gate_list_t l;
    err_t err;
    err_clear(&err);
    if (gate_parse(text, &l, &err) != 0)
        fail_msg("'%s' should parse: %s", text, err.message);
    return l;
}

static void expect_error(const char *text, const char *needle)
{
    gate_list_t l = {.items = (gate_t *)&l, .n = 7};
    err_t err;
    err_clear(&err);
    if (gate_parse(text, &l, &err) == 0) {
        gate_list_free(&l);
        fail_msg("'%s' should fail", text);
    }
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_argument");
    assert_string_equal(err.field, "gate");
    if (!strstr(err.message, needle))
        fail_msg("'%s': message '%s' lacks '%s'", text, err.message, needle);
    json_t *s = json_string(err.message); /* valid UTF-8 */
    assert_non_null(s);
    json_decref(s);
}

static void round_trip(const char *text, const char *expected)
{
    gate_list_t l = parse_ok(text);
    char *t = gate_list_text(&l);
    assert_string_equal(t, expected);
    free(t);
    gate_list_free(&l);
}

static void every_operator(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        gate_op_t op;
    } cases[] = {{"m>=1", GATE_GE}, {"m>1", GATE_GT},  {"m<=1", GATE_LE},
                 {"m<1", GATE_LT},  {"m==1", GATE_EQ}, {"m!=1", GATE_NE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gate_list_t l = parse_ok(cases[i].text);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0].metric, "m");
        assert_int_equal(l.items[0].op, cases[i].op);
        assert_int_equal(l.items[0].kind, GATE_ABSOLUTE);
        assert_true(l.items[0].number == 1);
        gate_list_free(&l);
        round_trip(cases[i].text, cases[i].text);
    }
}

static void lists_numbers_and_whitespace(void **state)
{
    (void)state;
    gate_list_t l = parse_ok("  exact_match >= 0.8 ,\tcost<=0.02, latency_p95 < 1.5e3,x>-2");
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[0].metric, "exact_match");
    assert_true(l.items[0].number == 0.8);
    assert_string_equal(l.items[1].metric, "cost");
    assert_int_equal(l.items[1].op, GATE_LE);
    assert_true(l.items[1].number == 0.02);
    assert_true(l.items[2].number == 1500);
    assert_true(l.items[3].number == -2);
    char *t = gate_list_text(&l);
    assert_string_equal(t, "exact_match>=0.8,cost<=0.02,latency_p95<1500,x>-2");
    free(t);
    gate_list_free(&l);

    round_trip("a>=.5", "a>=0.5");
    round_trip("a>=5.", "a>=5");
    round_trip("a>=+3", "a>=3");
    round_trip("a>=0.1", "a>=0.1");
    round_trip("my-judge:v2/x >= 1", "my-judge:v2/x>=1");

    /* empty text: empty list */
    l = parse_ok("");
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    t = gate_list_text(&l);
    assert_string_equal(t, "");
    free(t);
    gate_list_free(&l);
    l = parse_ok("  \t ");
    assert_int_equal(l.n, 0);
    gate_list_free(&l);
    l = parse_ok(NULL);
    assert_int_equal(l.n, 0);
    gate_list_free(&l);
}

static void suffixes(void **state)
{
    (void)state;
    gate_list_t l = parse_ok("exact_match.mean>=0.8,exact_match.ci_low>0.7,"
                             "exact_match.ci_high<=0.95,exact_match.pass_rate>=0.75");
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[0].metric, "exact_match.mean");
    assert_string_equal(l.items[1].metric, "exact_match.ci_low");
    assert_string_equal(l.items[2].metric, "exact_match.ci_high");
    assert_string_equal(l.items[3].metric, "exact_match.pass_rate");

    json_t *summary = json_pack("{s:{s:f,s:f,s:f,s:f},s:f}", "exact_match", "mean", 0.8, "ci_low",
                                0.72, "ci_high", 0.9, "pass_rate", 0.8, "pass_rate", 0.5);
    int all = -1;
    json_t *r = gate_check(&l, summary, NULL, &all);
    assert_int_equal(json_array_size(r), 4);
    assert_int_equal(all, 1);
    assert_true(json_real_value(json_object_get(json_array_get(r, 1), "actual")) == 0.72);
    assert_true(json_real_value(json_object_get(json_array_get(r, 2), "actual")) == 0.9);
    assert_true(json_real_value(json_object_get(json_array_get(r, 3), "actual")) == 0.8);
    json_decref(r);
    gate_list_free(&l);

    /* a bare scorer name is its mean; a top-level figure is itself */
    l = parse_ok("exact_match>0.9,pass_rate>=0.5");
    r = gate_check(&l, summary, NULL, &all);
    assert_int_equal(all, 0);
    json_t *g0 = json_array_get(r, 0);
    assert_string_equal(json_string_value(json_object_get(g0, "gate")), "exact_match>0.9");
    assert_string_equal(json_string_value(json_object_get(g0, "metric")), "exact_match");
    assert_string_equal(json_string_value(json_object_get(g0, "op")), ">");
    assert_true(json_real_value(json_object_get(g0, "actual")) == 0.8);
    assert_true(json_real_value(json_object_get(g0, "required")) == 0.9);
    assert_true(json_is_false(json_object_get(g0, "passed")));
    assert_null(json_object_get(g0, "reason"));
    assert_true(json_is_true(json_object_get(json_array_get(r, 1), "passed")));
    json_decref(r);
    gate_list_free(&l);
    json_decref(summary);
}

/* Check one gate text against summary/baseline; returns the result object (caller decrefs). */
static json_t *check1(const char *text, const json_t *summary, const json_t *baseline)
{
    gate_list_t l = parse_ok(text);
    assert_int_equal(l.n, 1);
    int all = -1;
    json_t *r = gate_check(&l, summary, baseline, &all);
    gate_list_free(&l);
    json_t *g = json_incref(json_array_get(r, 0));
    assert_int_equal(all, json_is_true(json_object_get(g, "passed")));
    json_decref(r);
    return g;
}

static int passes(const char *text, const json_t *summary, const json_t *baseline)
{
    json_t *g = check1(text, summary, baseline);
    int p = json_is_true(json_object_get(g, "passed"));
    json_decref(g);
    return p;
}

static void operator_semantics(void **state)
{
    (void)state;
    json_t *s = json_pack("{s:f,s:i}", "m", 0.5, "rows", 10);
    assert_true(passes("m>=0.5", s, NULL));
    assert_false(passes("m>0.5", s, NULL));
    assert_true(passes("m<=0.5", s, NULL));
    assert_false(passes("m<0.5", s, NULL));
    assert_true(passes("m==0.5", s, NULL));
    assert_false(passes("m!=0.5", s, NULL));
    assert_true(passes("m>0.4", s, NULL));
    assert_true(passes("m<0.6", s, NULL));
    assert_true(passes("m!=0.6", s, NULL));
    assert_false(passes("m==0.6", s, NULL));
    assert_false(passes("m>=0.6", s, NULL));
    assert_false(passes("m<=0.4", s, NULL));
    /* integers in the summary are numbers too */
    assert_true(passes("rows>=10", s, NULL));
    assert_false(passes("rows>10", s, NULL));
    json_decref(s);
}

static void relative_gates(void **state)
{
    (void)state;
    gate_list_t l = parse_ok("a>=baseline,b>=baseline-0.02,c<=baseline*1.1,d>=baseline + 0.5");
    assert_int_equal(l.items[0].kind, GATE_BASELINE_PLUS);
    assert_true(l.items[0].number == 0);
    assert_int_equal(l.items[1].kind, GATE_BASELINE_PLUS);
    assert_true(l.items[1].number == -0.02);
    assert_int_equal(l.items[2].kind, GATE_BASELINE_TIMES);
    assert_true(l.items[2].number == 1.1);
    assert_int_equal(l.items[3].kind, GATE_BASELINE_PLUS);
    assert_true(l.items[3].number == 0.5);
    char *t = gate_list_text(&l);
    assert_string_equal(t, "a>=baseline,b>=baseline-0.02,c<=baseline*1.1,d>=baseline+0.5");
    free(t);
    gate_list_free(&l);

    json_t *cand = json_pack("{s:{s:f},s:f,s:f}", "exact_match", "mean", 0.78, "cost", 0.011,
                             "latency_p95", 120.0);
    json_t *base = json_pack("{s:{s:f},s:f,s:f}", "exact_match", "mean", 0.8, "cost", 0.01,
                             "latency_p95", 100.0);
    assert_false(passes("exact_match>=baseline", cand, base));
    /* 0.78 >= 0.8 - 0.02 holds although 0.8 - 0.02 != 0.78 in binary */
    assert_true(passes("exact_match>=baseline-0.02", cand, base));
    assert_false(passes("exact_match>=baseline-0.01", cand, base));
    assert_true(passes("cost<=baseline*1.1", cand, base));
    assert_false(passes("cost<=baseline*1.05", cand, base));
    assert_false(passes("latency_p95<=baseline*1.1", cand, base));
    assert_true(passes("latency_p95<=baseline+20", cand, base));

    json_t *g = check1("exact_match>=baseline-0.02", cand, base);
    assert_true(fabs(json_real_value(json_object_get(g, "required")) - 0.78) < 1e-12);
    assert_true(json_real_value(json_object_get(g, "actual")) == 0.78);
    assert_string_equal(json_string_value(json_object_get(g, "gate")),
                        "exact_match>=baseline-0.02");
    json_decref(g);

    /* no baseline: relative gates fail with a reason; absolute ones are unaffected */
    g = check1("exact_match>=baseline", cand, NULL);
    assert_true(json_is_false(json_object_get(g, "passed")));
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "no baseline");
    assert_true(json_is_null(json_object_get(g, "required")));
    assert_true(json_real_value(json_object_get(g, "actual")) == 0.78);
    json_decref(g);
    assert_true(passes("cost<=0.02", cand, NULL));

    /* the baseline lacks the metric */
    json_t *empty = json_object();
    g = check1("cost<=baseline", cand, empty);
    assert_true(json_is_false(json_object_get(g, "passed")));
    assert_string_equal(json_string_value(json_object_get(g, "reason")),
                        "unknown metric in the baseline");
    json_decref(g);
    json_decref(empty);
    json_decref(cand);
    json_decref(base);
}

static void unknown_and_null_metrics(void **state)
{
    (void)state;
    json_t *s = json_pack("{s:{s:f,s:n},s:n,s:s}", "judge", "mean", 0.9, "ci_low", "latency_p50",
                          "odd", "text");
    json_t *g = check1("nope>=0.5", s, NULL);
    assert_true(json_is_false(json_object_get(g, "passed")));
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "unknown metric");
    assert_true(json_is_null(json_object_get(g, "actual")));
    assert_true(json_real_value(json_object_get(g, "required")) == 0.5);
    json_decref(g);

    /* an unknown suffix, or a suffix on a figure that is not a scorer */
    g = check1("judge.median>=0.5", s, NULL);
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "unknown metric");
    json_decref(g);
    g = check1("latency_p50.mean<=10", s, NULL);
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "unknown metric");
    json_decref(g);
    g = check1("odd>=1", s, NULL); /* not a number */
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "unknown metric");
    json_decref(g);

    /* known but without a value yet */
    g = check1("latency_p50<=10", s, NULL);
    assert_true(json_is_false(json_object_get(g, "passed")));
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "the metric has no value");
    json_decref(g);
    g = check1("judge.ci_low>=0.5", s, NULL);
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "the metric has no value");
    json_decref(g);
    assert_true(passes("judge>=0.9", s, NULL));

    /* no summary at all */
    g = check1("judge>=0.5", NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(g, "reason")), "unknown metric");
    json_decref(g);

    /* mixed list: all_passed is 0 if any fails, and every result is reported in order */
    gate_list_t l = parse_ok("judge>=0.5,nope>=0.5,judge<1");
    int all = -1;
    json_t *r = gate_check(&l, s, NULL, &all);
    assert_int_equal(all, 0);
    assert_int_equal(json_array_size(r), 3);
    assert_true(json_is_true(json_object_get(json_array_get(r, 0), "passed")));
    assert_true(json_is_false(json_object_get(json_array_get(r, 1), "passed")));
    assert_true(json_is_true(json_object_get(json_array_get(r, 2), "passed")));
    json_decref(r);
    gate_list_free(&l);

    /* an empty list passes */
    l = parse_ok("");
    r = gate_check(&l, s, NULL, &all);
    assert_int_equal(all, 1);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    json_decref(s);
}

static void bad_input(void **state)
{
    (void)state;
    expect_error("exact_match", "invalid gate \"exact_match\": expected an operator");
    expect_error("exact_match=0.8", "invalid gate \"exact_match=0.8\": expected an operator");
    expect_error("exact_match=>0.8", "expected an operator");
    expect_error(">=0.8", "invalid gate \">=0.8\": expected a metric name");
    expect_error("1abc>=0.8", "expected a metric name");
    expect_error("a>=", "invalid gate \"a>=\": expected a number or 'baseline'");
    expect_error("a>=x", "expected a number or 'baseline'");
    expect_error("a>=0.8x", "invalid gate \"a>=0.8x\": unexpected text after the condition");
    expect_error("a>=0.8 0.9", "unexpected text");
    expect_error("a>=nan", "expected a number");
    expect_error("a>=inf", "expected a number");
    expect_error("a>=0x10", "unexpected text");
    expect_error("a>=1e", "expected a number");
    expect_error("a>=1e999", "expected a number");
    expect_error("a>=.", "expected a number");
    expect_error("a>=baseline-", "expected a number after 'baseline'");
    expect_error("a>=baseline/2", "unexpected text");
    expect_error("a>=baseline*-1", "expected a number after 'baseline'");
    expect_error("a>=baselines", "expected a number or 'baseline'");
    expect_error("a>=0.8,", "invalid gate \"\": empty condition");
    expect_error("a>=0.8,,b<1", "empty condition");
    expect_error(",a>=0.8", "empty condition");
    expect_error("a.>=1", "metric name ends with '.'");
    /* the failing condition is the one quoted, not its neighbours */
    expect_error("a>=0.8, b<<1 ,c>2", "invalid gate \" b<<1 \"");

    /* a long condition is cut in the message; control bytes and bad UTF-8 are replaced */
    char longtext[400];
    memset(longtext, 'x', 300);
    strcpy(longtext + 300, ">=zz");
    expect_error(longtext, "...\": ");
    expect_error("a\x01>=1", "invalid gate \"a?>=1\"");
    expect_error("\xff\xfe>=1", "invalid gate \"?\?>=1\"");
    expect_error("caf\xc3\xa9>=1", "invalid gate \"caf\xc3\xa9>=1\": expected an operator");

    /* too many gates */
    char many[2000] = "";
    for (int i = 0; i < 101; i++)
        strcat(many, i ? ",a>1" : "a>1");
    expect_error(many, "too many gates");
    many[strlen(many) - 4] = '\0'; /* 100 is the limit */
    gate_list_t l = parse_ok(many);
    assert_int_equal(l.n, 100);
    gate_list_free(&l);

    /* metric name length limit */
    char name[300];
    memset(name, 'm', 201);
    strcpy(name + 201, ">1");
    expect_error(name, "metric name too long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_operator), cmocka_unit_test(lists_numbers_and_whitespace),
        cmocka_unit_test(suffixes),       cmocka_unit_test(operator_semantics),
        cmocka_unit_test(relative_gates), cmocka_unit_test(unknown_and_null_metrics),
        cmocka_unit_test(bad_input),
    };
    return cmocka_run_group_tests_name("eval_gate", tests, NULL, NULL);
}
