/* test_scorers.c - scorer dispatch (common fields, errors, accessors) and the matching
 * scorers: exact_match, contains, icontains, regex. */
#include "scorer_testutil.h"

static void test_common_fields(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"exact_match\"}");
    assert_string_equal(scorer_name(s), "exact_match");
    assert_string_equal(scorer_type(s), "exact_match");
    assert_near(scorer_threshold(s), 1);
    assert_int_equal(scorer_higher_is_better(s), 1);
    assert_int_equal(scorer_needs_baseline(s), 0);
    scorer_free(s);

    s = mk("{\"type\": \"contains\", \"value\": \"x\", \"name\": \"has_x\", \"threshold\": 0.5}");
    assert_string_equal(scorer_name(s), "has_x");
    assert_near(scorer_threshold(s), 0.5);
    scorer_free(s);

    /* "field" picks the column the runner reads the expected value from; a missing expected
     * value is an error naming that column. */
    s = mk("{\"type\": \"exact_match\", \"field\": \"answer\"}");
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "x", NULL, &out, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "answer");
    scorer_free(s);
}

static void test_create_errors(void **state)
{
    (void)state;
    expect_create_error("[1]", "scorers");
    expect_create_error("{}", "type");
    expect_create_error("{\"type\": 3}", "type");
    expect_create_error("{\"type\": \"nope\"}", "type");
    expect_create_error("{\"type\": \"exact_match\", \"name\": \"\"}", "name");
    expect_create_error("{\"type\": \"exact_match\", \"name\": 5}", "name");
    expect_create_error("{\"type\": \"exact_match\", \"threshold\": \"high\"}", "threshold");
    expect_create_error("{\"type\": \"exact_match\", \"field\": \"\"}", "field");
    /* a misspelt option is an error, not silently ignored */
    expect_create_error("{\"type\": \"exact_match\", \"ignorecase\": true}", "ignorecase");
    expect_create_error("{\"type\": \"exact_match\", \"trim\": \"yes\"}", "trim");

    /* the unknown-type message lists the known types */
    json_t *spec = json_pack("{s:s}", "type", "bogus");
    err_t err = {0};
    assert_null(scorer_create(spec, NULL, &err));
    assert_non_null(strstr(err.message, "exact_match"));
    assert_non_null(strstr(err.message, "json_schema"));
    json_decref(spec);
}

static void test_types_list(void **state)
{
    (void)state;
    /* every listed type can be made from a minimal spec or names a required field */
    size_t n = 0;
    for (; scorer_types[n]; n++) {
        json_t *spec = json_pack("{s:s}", "type", scorer_types[n]);
        err_t err = {0};
        eval_scorer_t *s = scorer_create(spec, NULL, &err);
        if (s)
            assert_string_equal(scorer_type(s), scorer_types[n]);
        else
            assert_true(err.status == 400 && strcmp(err.field, "type") != 0);
        scorer_free(s);
        json_decref(spec);
    }
    assert_true(n >= 6);
}

static void test_exact_match(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"exact_match\"}");
    assert_near(value_of(s, "Paris", "\"Paris\""), 1);
    assert_near(value_of(s, "  Paris\n", "\"Paris\""), 1); /* trim defaults to true */
    assert_near(value_of(s, "paris", "\"Paris\""), 0);     /* case matters by default */
    assert_near(value_of(s, "Paris.", "\"Paris\""), 0);
    assert_near(value_of(s, "", "\"\""), 1);
    /* non-string expected: the answer parsed as JSON, numbers by value, keys unordered */
    assert_near(value_of(s, "42", "42"), 1);
    assert_near(value_of(s, "42.0", "42"), 1);
    assert_near(value_of(s, "{\"b\": [1, 2], \"a\": null}", "{\"a\": null, \"b\": [1, 2]}"), 1);
    assert_near(value_of(s, "{\"a\": 1}", "{\"a\": 2}"), 0);
    assert_near(value_of(s, "true", "true"), 1);
    assert_near(value_of(s, "not json", "[1]"), 0);
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "Rome", "\"Paris\"", &out, &err), 0);
    assert_int_equal(out.pass, 0);
    assert_non_null(out.reason);
    eval_score_clear(&out);
    assert_null(out.reason);
    scorer_free(s);

    s = mk("{\"type\": \"exact_match\", \"trim\": false, \"ignore_case\": true}");
    assert_near(value_of(s, "PARIS", "\"paris\""), 1);
    assert_near(value_of(s, "\xC3\x89T\xC3\x89", "\"\xC3\xA9t\xC3\xA9\""), 1); /* ÉTÉ / été */
    assert_near(value_of(s, " paris", "\"paris\""), 0);                        /* no trim */
    assert_near(value_of(s, "pari", "\"paris\""), 0);
    assert_near(value_of(s, "parisx", "\"paris\""), 0); /* whole string, not a prefix */
    /* regex metacharacters in the expected value are literal */
    assert_near(value_of(s, "a.c", "\"a.c\""), 1);
    assert_near(value_of(s, "abc", "\"a.c\""), 0);
    scorer_free(s);
}

static void test_contains(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"contains\", \"value\": \"Paris\"}");
    assert_int_equal(pass_of(s, "The capital is Paris.", NULL), 1);
    assert_int_equal(pass_of(s, "The capital is paris.", NULL), 0);
    scorer_free(s);

    /* no value: the row's expected value is the needle */
    s = mk("{\"type\": \"contains\"}");
    assert_near(value_of(s, "it is 42, surely", "42"), 1);
    assert_near(value_of(s, "it is 43", "\"42\""), 0);
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "x", NULL, &out, &err), -1);
    assert_string_equal(err.field, "expected");
    scorer_free(s);

    s = mk("{\"type\": \"contains\", \"values\": [\"a\", \"b\"]}"); /* mode all by default */
    assert_near(value_of(s, "a b", NULL), 1);
    assert_int_equal(score_with(s, "a only", NULL, &out, &err), 0);
    assert_near(out.value, 0);
    assert_non_null(strstr(out.reason, "\"b\""));
    eval_score_clear(&out);
    scorer_free(s);

    s = mk("{\"type\": \"contains\", \"values\": [\"x\", \"y\"], \"mode\": \"any\"}");
    assert_near(value_of(s, "just y", NULL), 1);
    assert_near(value_of(s, "neither", NULL), 0);
    scorer_free(s);

    expect_create_error("{\"type\": \"contains\", \"value\": \"\"}", "value");
    expect_create_error("{\"type\": \"contains\", \"value\": 3}", "value");
    expect_create_error("{\"type\": \"contains\", \"values\": []}", "values");
    expect_create_error("{\"type\": \"contains\", \"values\": [\"a\", 1]}", "values");
    expect_create_error("{\"type\": \"contains\", \"value\": \"a\", \"values\": [\"b\"]}",
                        "values");
    expect_create_error("{\"type\": \"contains\", \"values\": [\"a\"], \"mode\": \"some\"}",
                        "mode");
}

static void test_icontains(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"icontains\", \"value\": \"paris\"}");
    assert_near(value_of(s, "PARIS is big", NULL), 1);
    assert_near(value_of(s, "Lyon", NULL), 0);
    scorer_free(s);
    /* Unicode case folding, and metacharacters are literal */
    s = mk("{\"type\": \"icontains\", \"values\": [\"\xC3\xA9t\xC3\xA9\", \"(a+)\"]}");
    assert_near(value_of(s, "L'\xC3\x89T\xC3\x89 (A+)", NULL), 1);
    assert_near(value_of(s, "L'\xC3\x89T\xC3\x89 aaa", NULL), 0);
    scorer_free(s);
    /* invalid UTF-8 in the answer does not break matching */
    s = mk("{\"type\": \"icontains\", \"value\": \"ok\"}");
    assert_near(value_of(s, "\xff\xfe OK", NULL), 1);
    scorer_free(s);
}

static void test_regex(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"regex\", \"pattern\": \"^\\\\d{3}-\\\\d{4}$\"}");
    assert_near(value_of(s, "555-1234", NULL), 1);
    assert_near(value_of(s, "call 555-1234", NULL), 0); /* anchored by the pattern itself */
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "nope", NULL, &out, &err), 0);
    assert_non_null(strstr(out.reason, "\\d{3}"));
    eval_score_clear(&out);
    scorer_free(s);

    s = mk("{\"type\": \"regex\", \"pattern\": \"paris\", \"ignore_case\": true}");
    assert_near(value_of(s, "Visit PARIS", NULL), 1); /* search, not full match */
    scorer_free(s);

    /* an invalid pattern: 400 on "pattern" with PCRE2's message and the offset */
    json_t *spec = json_pack("{s:s, s:s}", "type", "regex", "pattern", "ab(c");
    assert_null(scorer_create(spec, NULL, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "pattern");
    assert_non_null(strstr(err.message, "offset 4"));
    assert_non_null(strstr(err.message, "missing closing parenthesis"));
    json_decref(spec);
    expect_create_error("{\"type\": \"regex\"}", "pattern");
    expect_create_error("{\"type\": \"regex\", \"pattern\": \"[a\"}", "pattern");

    /* catastrophic backtracking ends at the match limit as a row error, not a hang */
    s = mk("{\"type\": \"regex\", \"pattern\": \"^(a+)+$\"}");
    char subject[64];
    memset(subject, 'a', 40);
    strcpy(subject + 40, "b");
    assert_int_equal(score_with(s, subject, NULL, &out, &err), -1);
    assert_non_null(strstr(err.message, "limit"));
    scorer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_fields), cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_types_list),    cmocka_unit_test(test_exact_match),
        cmocka_unit_test(test_contains),      cmocka_unit_test(test_icontains),
        cmocka_unit_test(test_regex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
