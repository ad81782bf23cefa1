/* scorers_measure.c - scorers that report a measurement of the call or the answer rather
 * than judge its content: latency (ms), cost (USD) and length (characters or words).
 *
 * latency and cost are "lower is better": "max" is the threshold (a row passes at or below
 * it). length passes inside [min, max]; with a max it counts as lower-is-better for
 * comparisons, with only a min as higher-is-better. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "eval/scorer_internal.h"

/* "max" (or the common "threshold", the same thing here; not both): the pass bound. */
static int read_max(eval_scorer_t *s, const json_t *spec, const char *unit, err_t *err)
{
    static const char *const keys[] = {"max", NULL};
    if (scorer_check_keys(s, spec, keys, err) < 0)
        return -1;
    const json_t *max = json_object_get(spec, "max");
    if (max && json_is_null(max))
        max = NULL;
    if (max && s->threshold_given)
        return err_invalid(err, "max", "give \"max\" or \"threshold\", not both");
    if (!max && !s->threshold_given)
        return err_invalid(err, "max", "%s needs \"max\" (%s): the bound a row must stay within",
                           s->type, unit);
    if (max) {
        if (!json_is_number(max) || !isfinite(json_number_value(max)) || json_number_value(max) < 0)
            return err_invalid(err, "max", "max must be a non-negative number");
        s->threshold = json_number_value(max);
    }
    s->higher_is_better = 0;
    return 0;
}

static int latency_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                         err_t *err)
{
    (void)s;
    (void)err;
    out->value = sample->latency_ms;
    return 0;
}

static int cost_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                      err_t *err)
{
    (void)s;
    (void)err;
    out->value = sample->cost_usd;
    return 0;
}

static const scorer_vtable_t latency_vt = {.score = latency_score};
static const scorer_vtable_t cost_vt = {.score = cost_score};

int scorer_new_latency(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    if (read_max(s, spec, "milliseconds", err) < 0)
        return -1;
    s->vt = &latency_vt;
    return 0;
}

int scorer_new_cost(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    if (read_max(s, spec, "USD", err) < 0)
        return -1;
    s->vt = &cost_vt;
    return 0;
}

/* ---- length ---- */

typedef struct {
    int words; /* unit "words" (else "chars": Unicode code points) */
    int has_min, has_max;
    double min, max;
} length_state_t;

static size_t count_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    int in_word = 0;
    for (const char *p = s; *p; p++) {
        int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v';
        if (!space && !in_word)
            n++;
        in_word = !space;
    }
    return n;
}

static int length_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                        err_t *err)
{
    (void)err;
    const length_state_t *st = s->state;
    out->value = (double)(st->words ? count_words(sample->output) : count_chars(sample->output));
    if (!s->vt->pass(s, out->value)) {
        buf_t why;
        buf_init(&why);
        buf_printf(&why, "%.0f %s, outside", out->value, st->words ? "words" : "characters");
        if (st->has_min)
            buf_printf(&why, " min %g", st->min);
        if (st->has_max)
            buf_printf(&why, " max %g", st->max);
        out->reason = buf_steal(&why);
        buf_free(&why);
    }
    return 0;
}

static int length_pass(const eval_scorer_t *s, double value)
{
    const length_state_t *st = s->state;
    return (!st->has_min || value >= st->min) && (!st->has_max || value <= st->max);
}

static const scorer_vtable_t length_vt = {
    .score = length_score, .pass = length_pass, .free_state = free};

static int bound(const json_t *spec, const char *key, int *has, double *out, err_t *err)
{
    const json_t *v = json_object_get(spec, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
        return err_invalid(err, key, "%s must be a non-negative number", key);
    *has = 1;
    *out = json_number_value(v);
    return 0;
}

int scorer_new_length(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    static const char *const keys[] = {"min", "max", "unit", NULL};
    length_state_t st = {0};
    const char *unit = "chars";
    if (scorer_check_keys(s, spec, keys, err) < 0 ||
        json_field_string(spec, "unit", 0, 0, &unit, err) < 0 ||
        bound(spec, "min", &st.has_min, &st.min, err) < 0 ||
        bound(spec, "max", &st.has_max, &st.max, err) < 0)
        return -1;
    if (strcmp(unit, "chars") != 0 && strcmp(unit, "words") != 0)
        return err_invalid(err, "unit", "unit must be \"chars\" or \"words\"");
    if (!st.has_min && !st.has_max)
        return err_invalid(err, "max", "length needs \"min\", \"max\" or both");
    if (st.has_min && st.has_max && st.min > st.max)
        return err_invalid(err, "min", "min (%g) is greater than max (%g)", st.min, st.max);
    if (s->threshold_given)
        return err_invalid(err, "threshold",
                           "length passes inside [min, max]; give those instead of threshold");
    st.words = strcmp(unit, "words") == 0;
    s->higher_is_better = !st.has_max;
    s->threshold = st.has_max ? st.max : st.min;
    s->state = xmalloc(sizeof st);
    memcpy(s->state, &st, sizeof st);
    s->vt = &length_vt;
    return 0;
}
