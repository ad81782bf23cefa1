/* test_eval_compare.c - unit tests for eval/compare.h: wins/losses/ties per scorer in both
 * directions, means and the paired difference with its interval, rows matched by index (not
 * position), rows with an error counted apart, missing scores, regressions worst drop first and
 * bounded, scorers found in the rows when no flags are given, and malformed input. */
#include "unit/testutil.h"

#include <jansson.h>
#include <math.h>

#include "eval/compare.h"
#include "eval/stats.h"

/* A ROW with one or two scores (NAN: the score is absent). */
static json_t *row(int index, const char *output, double em, double lat, const char *error)
{
    json_t *scores = json_object();
    if (!isnan(em))
        json_object_set_new(scores, "exact_match",
                            json_pack("{s:f,s:b,s:n}", "value", em, "pass", em >= 1, "reason"));
    if (!isnan(lat))
        json_object_set_new(scores, "latency", json_pack("{s:f,s:b}", "value", lat, "pass", 1));
    return json_pack("{s:i,s:s,s:s,s:s?,s:o,s:s*}", "index", index, "input", "q", "expected", "e",
                     "output", output, "scores", scores, "error", error);
}

static json_t *flags(void)
{
    return json_pack("{s:b,s:b}", "exact_match", 1, "latency", 0);
}

static json_t *compare_ok(json_t *a, json_t *b, json_t *f, size_t max)
{
    err_t err;
    err_clear(&err);
    json_t *out = eval_compare(a, b, f, max, &err);
    if (!out)
        fail_msg("compare failed: %s", err.message);
    return out;
}

static json_int_t iget(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static double rget(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void wins_losses_ties(void **state)
{
    (void)state;
    json_t *a = json_array(), *b = json_array();
    /* exact_match: rows 0-3: a=1,b=1 (tie); 4-5: a=0,b=1 (win); 6: a=1,b=0 (loss); 7: tie 0.
     * latency (lower is better): b faster on even rows, slower on odd rows. */
    double ea[] = {1, 1, 1, 1, 0, 0, 1, 0}, eb[] = {1, 1, 1, 1, 1, 1, 0, 0};
    for (int i = 0; i < 8; i++) {
        json_array_append_new(a, row(i, "out-a", ea[i], 100, NULL));
        json_array_append_new(b, row(i, "out-b", eb[i], i % 2 ? 110 : 90, NULL));
    }
    json_t *f = flags();
    json_t *out = compare_ok(a, b, f, 0);
    assert_int_equal(iget(out, "rows_compared"), 8);
    assert_int_equal(iget(out, "errors"), 0);
    assert_int_equal(iget(out, "unmatched"), 0);
    json_t *em = json_object_get(json_object_get(out, "scorers"), "exact_match");
    assert_int_equal(iget(em, "wins"), 2);
    assert_int_equal(iget(em, "losses"), 1);
    assert_int_equal(iget(em, "ties"), 5);
    assert_int_equal(iget(em, "n"), 8);
    assert_true(rget(em, "mean_a") == 5.0 / 8);
    assert_true(rget(em, "mean_b") == 6.0 / 8);
    assert_true(fabs(rget(em, "diff") - 1.0 / 8) < 1e-12);
    assert_true(rget(em, "ci_low") <= rget(em, "diff"));
    assert_true(rget(em, "ci_high") >= rget(em, "diff"));
    assert_true(json_is_true(json_object_get(em, "higher_is_better")));
    /* the interval is stats_bootstrap_diff's with the default seed */
    stats_interval_t d =
        stats_bootstrap_diff(ea, eb, 8, STATS_DEFAULT_RESAMPLES, STATS_DEFAULT_SEED);
    assert_true(rget(em, "ci_low") == d.ci_low && rget(em, "ci_high") == d.ci_high);

    json_t *lat = json_object_get(json_object_get(out, "scorers"), "latency");
    assert_int_equal(iget(lat, "wins"), 4); /* lower is better: 90 < 100 */
    assert_int_equal(iget(lat, "losses"), 4);
    assert_int_equal(iget(lat, "ties"), 0);
    assert_true(rget(lat, "diff") == 0);
    assert_true(json_is_false(json_object_get(lat, "higher_is_better")));

    /* regressions: the odd rows' latency +10 first (equal drops by index), then row 6
     * (exact_match 1 -> 0, drop 1; its latency improved) */
    json_t *regs = json_object_get(out, "regressions");
    assert_int_equal(iget(out, "regressions_total"), 5);
    assert_int_equal(json_array_size(regs), 5);
    int order[] = {1, 3, 5, 7};
    for (int k = 0; k < 4; k++) {
        json_t *r = json_array_get(regs, (size_t)k);
        assert_int_equal(iget(r, "index"), order[k]);
        assert_true(rget(r, "worst_drop") == 10);
        assert_string_equal(json_string_value(json_object_get(r, "worst_scorer")), "latency");
    }
    json_t *last = json_array_get(regs, 4);
    assert_int_equal(iget(last, "index"), 6);
    assert_true(rget(last, "worst_drop") == 1);
    assert_string_equal(json_string_value(json_object_get(last, "worst_scorer")), "exact_match");
    assert_string_equal(json_string_value(json_object_get(last, "output_a")), "out-a");
    assert_string_equal(json_string_value(json_object_get(last, "output_b")), "out-b");
    assert_string_equal(json_string_value(json_object_get(last, "input")), "q");
    assert_string_equal(json_string_value(json_object_get(last, "expected")), "e");
    assert_true(rget(json_object_get(json_object_get(last, "scores_a"), "exact_match"), "value") ==
                1);
    assert_true(rget(json_object_get(json_object_get(last, "scores_b"), "exact_match"), "value") ==
                0);
    json_decref(out);

    /* bounded list, full count kept */
    out = compare_ok(a, b, f, 2);
    assert_int_equal(json_array_size(json_object_get(out, "regressions")), 2);
    assert_int_equal(iget(out, "regressions_total"), 5);
    assert_int_equal(iget(json_array_get(json_object_get(out, "regressions"), 0), "index"), 1);
    json_decref(out);
    json_decref(f);
    json_decref(a);
    json_decref(b);
}

static void matched_by_index_errors_and_missing(void **state)
{
    (void)state;
    json_t *a = json_array(), *b = json_array();
    /* a has rows 0..4, b has rows 4..1 and 7 in reverse order */
    for (int i = 0; i < 5; i++)
        json_array_append_new(a, row(i, "a", i == 2 ? 0 : 1, NAN, i == 3 ? "timeout" : NULL));
    json_array_append_new(b, row(7, "b", 1, NAN, NULL));
    for (int i = 4; i >= 1; i--)
        json_array_append_new(
            b, row(i, "b", i == 2 ? 1 : (i == 4 ? NAN : 1), NAN, i == 1 ? "upstream 500" : NULL));
    json_t *f = json_pack("{s:b}", "exact_match", 1);
    json_t *out = compare_ok(a, b, f, 0);
    /* pairs: 1 (b error), 2, 3 (a error), 4 (b lacks the score); unmatched: 0 and 7 */
    assert_int_equal(iget(out, "rows_compared"), 2);
    assert_int_equal(iget(out, "errors"), 2);
    assert_int_equal(iget(out, "unmatched"), 2);
    json_t *em = json_object_get(json_object_get(out, "scorers"), "exact_match");
    assert_int_equal(iget(em, "n"), 1);
    assert_int_equal(iget(em, "missing"), 1);
    assert_int_equal(iget(em, "wins"), 1); /* row 2: 0 -> 1 */
    assert_true(rget(em, "mean_a") == 0 && rget(em, "mean_b") == 1 && rget(em, "diff") == 1);
    assert_int_equal(json_array_size(json_object_get(out, "regressions")), 0);
    json_decref(out);
    json_decref(f);

    /* a scorer with no comparable pair: null means */
    f = json_pack("{s:b}", "judge", 1);
    out = compare_ok(a, b, f, 0);
    json_t *j = json_object_get(json_object_get(out, "scorers"), "judge");
    assert_int_equal(iget(j, "n"), 0);
    assert_int_equal(iget(j, "missing"), 2);
    assert_true(json_is_null(json_object_get(j, "mean_a")));
    assert_true(json_is_null(json_object_get(j, "diff")));
    assert_true(json_is_null(json_object_get(j, "ci_low")));
    json_decref(out);
    json_decref(f);
    json_decref(a);
    json_decref(b);
}

static void scorers_from_rows(void **state)
{
    (void)state;
    json_t *a = json_array(), *b = json_array();
    json_array_append_new(a, row(0, "a", 1, 5, NULL));
    json_array_append_new(b, row(0, "b", 0, 9, NULL));
    json_t *out = compare_ok(a, b, NULL, 0);
    json_t *scorers = json_object_get(out, "scorers");
    assert_int_equal(json_object_size(scorers), 2);
    /* without flags every scorer is higher-is-better: latency 5 -> 9 is a win */
    assert_int_equal(iget(json_object_get(scorers, "latency"), "wins"), 1);
    assert_int_equal(iget(json_object_get(scorers, "exact_match"), "losses"), 1);
    json_decref(out);

    /* empty inputs */
    json_t *e = json_array();
    out = compare_ok(e, e, NULL, 0);
    assert_int_equal(iget(out, "rows_compared"), 0);
    assert_int_equal(json_object_size(json_object_get(out, "scorers")), 0);
    assert_int_equal(json_array_size(json_object_get(out, "regressions")), 0);
    json_decref(out);
    json_decref(e);
    json_decref(a);
    json_decref(b);
}

static void expect_error(json_t *a, json_t *b, json_t *f, const char *field, const char *needle)
{
    err_t err;
    err_clear(&err);
    json_t *out = eval_compare(a, b, f, 0, &err);
    if (out) {
        json_decref(out);
        fail_msg("compare should fail with %s", needle);
    }
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, field);
    if (!strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
}

static void malformed_input(void **state)
{
    (void)state;
    json_t *ok = json_array();
    json_array_append_new(ok, row(0, "x", 1, NAN, NULL));
    json_t *obj = json_object();
    expect_error(obj, ok, NULL, "a", "expected an array");
    expect_error(ok, NULL, NULL, "b", "expected an array");
    json_t *noindex = json_pack("[{s:s}]", "output", "x");
    expect_error(noindex, ok, NULL, "a", "row 0 is not an evaluation row");
    json_t *negative = json_pack("[{s:i}]", "index", -1);
    expect_error(ok, negative, NULL, "b", "row 0");
    json_t *notobj = json_pack("[i]", 3);
    expect_error(ok, notobj, NULL, "b", "row 0");
    json_t *dup = json_array();
    json_array_append_new(dup, row(5, "x", 1, NAN, NULL));
    json_array_append_new(dup, row(5, "y", 1, NAN, NULL));
    expect_error(ok, dup, NULL, "b", "row index 5 appears twice");
    json_t *badflags = json_pack("{s:i}", "exact_match", 1);
    expect_error(ok, ok, badflags, "scorers", "scorers.exact_match");
    json_t *arr = json_array();
    expect_error(ok, ok, arr, "scorers", "expected an object");
    json_decref(arr);
    json_decref(badflags);
    json_decref(dup);
    json_decref(notobj);
    json_decref(negative);
    json_decref(noindex);
    json_decref(obj);
    json_decref(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wins_losses_ties),
        cmocka_unit_test(matched_by_index_errors_and_missing),
        cmocka_unit_test(scorers_from_rows),
        cmocka_unit_test(malformed_input),
    };
    return cmocka_run_group_tests_name("eval_compare", tests, NULL, NULL);
}
