/* scorers_match.c - the string-matching scorers: exact_match, contains, icontains, regex.
 *
 * Each scores 1 (pass) or 0 (fail) with default threshold 1. Case-insensitive comparisons go
 * through PCRE2 as caseless literal matches, so case folding is Unicode's simple folding
 * ("É" matches "é"), the same in every type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "eval/scorer_internal.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The [start, start+len) of s without leading and trailing ASCII whitespace. */
static const char *trimmed(const char *s, size_t *len)
{
    size_t n = strlen(s);
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    while (n && is_space(s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* Whether needle occurs in hay, caseless: a PCRE2 literal pattern (optionally anchored at
 * both ends, for equality). 1, 0, or -1 with err. */
static int caseless_find(const char *needle, size_t nlen, const char *hay, size_t hlen, int whole,
                         err_t *err)
{
    uint32_t opts = PCRE2_LITERAL | PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (whole)
        opts |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)needle, nlen, opts, &code, &off, NULL);
    if (!re) /* a literal only fails to compile on invalid UTF-8: compare bytes instead */
        return whole ? (nlen == hlen && memcmp(needle, hay, nlen) == 0)
                     : (memmem(hay, hlen, needle, nlen) != NULL);
    int rc = scorer_regex_find(re, hay, hlen, 0, NULL, NULL, err);
    pcre2_code_free(re);
    return rc;
}

/* ---- exact_match ---- */

typedef struct {
    int trim;
    int ignore_case;
} exact_state_t;

static int texts_equal(const exact_state_t *st, const char *a, const char *b, err_t *err)
{
    size_t alen = strlen(a), blen = strlen(b);
    if (st->trim) {
        a = trimmed(a, &alen);
        b = trimmed(b, &blen);
    }
    if (st->ignore_case)
        return caseless_find(b, blen, a, alen, 1, err);
    return alen == blen && memcmp(a, b, alen) == 0;
}

static int exact_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                       err_t *err)
{
    const exact_state_t *st = s->state;
    const json_t *e = sample->expected;
    if (!e || json_is_null(e)) {
        err_invalid(err, s->field, "the row has no expected value (column \"%s\")", s->field);
        return -1;
    }
    int eq;
    if (json_is_string(e)) {
        eq = texts_equal(st, sample->output, json_string_value(e), err);
    } else {
        /* A structured expected value: equal when the answer is the same JSON value (numbers
         * compared by value, key order ignored); else compare the answer's text with the
         * compact JSON of the expected value. */
        json_t *got = json_loads(sample->output, JSON_DECODE_ANY, NULL);
        if (got) {
            eq = scorer_json_equal(got, e);
            json_decref(got);
        } else {
            char *text = json_to_string(e);
            eq = texts_equal(st, sample->output, text, err);
            free(text);
        }
    }
    if (eq < 0)
        return -1;
    out->value = eq;
    if (!eq)
        out->reason = xstrdup("the answer differs from the expected value");
    return 0;
}

static const scorer_vtable_t exact_vt = {.score = exact_score, .free_state = free};

int scorer_new_exact_match(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    static const char *const keys[] = {"trim", "ignore_case", NULL};
    exact_state_t st = {.trim = 1, .ignore_case = 0};
    if (scorer_check_keys(s, spec, keys, err) < 0 ||
        json_field_bool(spec, "trim", 0, &st.trim, err) < 0 ||
        json_field_bool(spec, "ignore_case", 0, &st.ignore_case, err) < 0)
        return -1;
    s->state = xmalloc(sizeof st);
    memcpy(s->state, &st, sizeof st);
    s->vt = &exact_vt;
    s->threshold = 1;
    return 0;
}

/* ---- contains / icontains ---- */

typedef struct {
    int caseless;
    int all;  /* mode "all" (every value must occur) vs "any" */
    size_t n; /* spec values; 0: the row's expected value is the one needle */
    char **values;
} contains_state_t;

static void contains_free(void *p)
{
    contains_state_t *st = p;
    for (size_t i = 0; i < st->n; i++)
        free(st->values[i]);
    free(st->values);
    free(st);
}

static int occurs(const contains_state_t *st, const char *needle, const char *hay, err_t *err)
{
    if (st->caseless)
        return caseless_find(needle, strlen(needle), hay, strlen(hay), 0, err);
    return strstr(hay, needle) != NULL;
}

static int contains_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                          err_t *err)
{
    const contains_state_t *st = s->state;
    char *from_row = NULL;
    const char *const *needles = (const char *const *)st->values;
    size_t n = st->n;
    if (n == 0) {
        from_row = scorer_expected_text(s, sample, err);
        if (!from_row)
            return -1;
        needles = (const char *const *)&from_row;
        n = 1;
    }
    buf_t missing;
    buf_init(&missing);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = occurs(st, needles[i], sample->output, err);
        if (rc < 0) {
            buf_free(&missing);
            free(from_row);
            return -1;
        }
        if (rc) {
            found++;
        } else {
            buf_printf(&missing, "%s\"%s\"", missing.len ? ", " : "", needles[i]);
        }
    }
    int ok = st->all ? found == n : found > 0;
    out->value = ok;
    if (!ok) {
        out->reason = xmalloc(missing.len + 32);
        snprintf(out->reason, missing.len + 32, "not found: %s", buf_str(&missing));
    }
    buf_free(&missing);
    free(from_row);
    return 0;
}

static const scorer_vtable_t contains_vt = {.score = contains_score, .free_state = contains_free};

static int new_contains(eval_scorer_t *s, const json_t *spec, int caseless, err_t *err)
{
    static const char *const keys[] = {"value", "values", "mode", NULL};
    const char *value = NULL, *mode = "all";
    if (scorer_check_keys(s, spec, keys, err) < 0 ||
        json_field_string(spec, "value", 0, 0, &value, err) < 0 ||
        json_field_string(spec, "mode", 0, 0, &mode, err) < 0)
        return -1;
    const json_t *values = json_object_get(spec, "values");
    if (values && json_is_null(values))
        values = NULL;
    if (value && values)
        return err_invalid(err, "values", "give \"value\" or \"values\", not both");
    if (strcmp(mode, "all") != 0 && strcmp(mode, "any") != 0)
        return err_invalid(err, "mode", "mode must be \"all\" or \"any\"");
    if (value && !value[0])
        return err_invalid(err, "value", "value must not be empty");
    if (values) {
        if (!json_is_array(values) || json_array_size(values) == 0)
            return err_invalid(err, "values", "values must be a non-empty array of strings");
        for (size_t i = 0; i < json_array_size(values); i++) {
            const json_t *v = json_array_get(values, i);
            if (!json_is_string(v) || json_string_length(v) == 0)
                return err_invalid(err, "values", "values[%zu] must be a non-empty string", i);
        }
    }
    contains_state_t *st = xcalloc(1, sizeof *st);
    st->caseless = caseless;
    st->all = strcmp(mode, "all") == 0;
    if (value) {
        st->n = 1;
        st->values = xcalloc(1, sizeof *st->values);
        st->values[0] = xstrdup(value);
    } else if (values) {
        st->n = json_array_size(values);
        st->values = xcalloc(st->n, sizeof *st->values);
        for (size_t i = 0; i < st->n; i++)
            st->values[i] = xstrdup(json_string_value(json_array_get(values, i)));
    }
    s->state = st;
    s->vt = &contains_vt;
    s->threshold = 1;
    return 0;
}

int scorer_new_contains(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_contains(s, spec, 0, err);
}

int scorer_new_icontains(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_contains(s, spec, 1, err);
}

/* ---- regex ---- */

typedef struct {
    pcre2_code *re;
    char *pattern;
} regex_state_t;

static void regex_free(void *p)
{
    regex_state_t *st = p;
    pcre2_code_free(st->re);
    free(st->pattern);
    free(st);
}

static int regex_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                       err_t *err)
{
    const regex_state_t *st = s->state;
    int rc = scorer_regex_find(st->re, sample->output, strlen(sample->output), 0, NULL, NULL, err);
    if (rc < 0)
        return -1;
    out->value = rc;
    if (!rc) {
        size_t n = strlen(st->pattern) + 32;
        out->reason = xmalloc(n);
        snprintf(out->reason, n, "no match for /%s/", st->pattern);
    }
    return 0;
}

static const scorer_vtable_t regex_vt = {.score = regex_score, .free_state = regex_free};

int scorer_new_regex(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    static const char *const keys[] = {"pattern", "ignore_case", NULL};
    const char *pattern = NULL;
    int ignore_case = 0;
    if (scorer_check_keys(s, spec, keys, err) < 0 ||
        json_field_string(spec, "pattern", 1, 4096, &pattern, err) < 0 ||
        json_field_bool(spec, "ignore_case", 0, &ignore_case, err) < 0)
        return -1;
    pcre2_code *re =
        scorer_regex_compile(pattern, ignore_case ? PCRE2_CASELESS : 0, "pattern", err);
    if (!re)
        return -1;
    regex_state_t *st = xcalloc(1, sizeof *st);
    st->re = re;
    st->pattern = xstrdup(pattern);
    s->state = st;
    s->vt = &regex_vt;
    s->threshold = 1;
    return 0;
}
