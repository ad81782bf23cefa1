/* scorer_testutil.h - helpers for the scorer unit tests: build a scorer from spec text, score
 * one output against an expected value given as JSON text, and check create errors. */
#ifndef LLMOPS_TESTS_SCORER_TESTUTIL_H
#define LLMOPS_TESTS_SCORER_TESTUTIL_H

#include "testutil.h"

#include <math.h>

#include "eval/scorer.h"

/* A scorer from spec JSON text; fails the test when it cannot be made. */
static inline eval_scorer_t *mk(const char *spec_text)
{
    json_error_t jerr;
    json_t *spec = json_loads(spec_text, 0, &jerr);
    if (!spec)
        fail_msg("bad spec JSON in test: %s", jerr.text);
    err_t err = {0};
    eval_scorer_t *s = scorer_create(spec, NULL, &err);
    if (!s)
        fail_msg("scorer_create(%s): %s (field %s)", spec_text, err.message, err.field);
    json_decref(spec);
    return s;
}

/* scorer_create must fail with 400 naming field. */
static inline void expect_create_error(const char *spec_text, const char *field)
{
    json_t *spec = json_loads(spec_text, JSON_DECODE_ANY, NULL);
    assert_non_null(spec);
    err_t err = {0};
    eval_scorer_t *s = scorer_create(spec, NULL, &err);
    json_decref(spec);
    if (s) {
        scorer_free(s);
        fail_msg("scorer_create(%s) succeeded; expected a 400 on field %s", spec_text, field);
    }
    assert_int_equal(err.status, 400);
    if (strcmp(err.field, field) != 0)
        fail_msg("scorer_create(%s): field \"%s\" (%s), expected \"%s\"", spec_text, err.field,
                 err.message, field);
    assert_true(err.message[0] != '\0');
}

/* Score output against expected (JSON text, or NULL for none). Returns the rc; *out filled. */
static inline int score_with(const eval_scorer_t *s, const char *output, const char *expected,
                             eval_score_t *out, err_t *err)
{
    json_t *exp = expected ? json_loads(expected, JSON_DECODE_ANY, NULL) : NULL;
    if (expected && !exp)
        fail_msg("bad expected JSON in test: %s", expected);
    eval_sample_t sample = {.input = "", .output = output, .expected = exp};
    int rc = scorer_score(s, &sample, out, err);
    json_decref(exp);
    return rc;
}

/* The value of one score; the test fails when scoring fails. */
static inline double value_of(const eval_scorer_t *s, const char *output, const char *expected)
{
    eval_score_t out;
    err_t err = {0};
    if (score_with(s, output, expected, &out, &err) < 0)
        fail_msg("scorer_score(%s): %s", output, err.message);
    double v = out.value;
    eval_score_clear(&out);
    return v;
}

/* Score and return pass; *reason_out gets a copy of the reason ("" when none). */
static inline int pass_of(const eval_scorer_t *s, const char *output, const char *expected)
{
    eval_score_t out;
    err_t err = {0};
    if (score_with(s, output, expected, &out, &err) < 0)
        fail_msg("scorer_score(%s): %s", output, err.message);
    int p = out.pass;
    eval_score_clear(&out);
    return p;
}

#define assert_near(a, b)          assert_true(fabs((double)(a) - (double)(b)) < 1e-9)
#define assert_near_tol(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) < (tol))

#endif
