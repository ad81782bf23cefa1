/* compare.c - two evaluations compared row by row (compare.h; definitions in
 * docs/eval-stats.md).
 *
 * Rows are joined on their dataset "index" (not their position in the arrays, so paged or
 * resumed result lists still line up). A pair where either side failed is counted apart and
 * left out of every figure: a failure is not a score of 0. Per scorer, only pairs where both
 * sides have a numeric value are compared; the paired difference b - a and its interval come
 * from stats_bootstrap_diff with the default seed, so the same rows give the same interval. */
#include "eval/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "eval/stats.h"

typedef struct indexed_row {
    json_int_t index;
    const json_t *row;
} indexed_row_t;

typedef struct scorer_acc {
    const char *name;
    int higher;
    double *a, *b; /* the pairs' values, n of them */
    size_t n, cap;
    size_t wins, losses, ties, missing;
} scorer_acc_t;

typedef struct regression {
    json_int_t index;
    double drop;
    const char *scorer;
    const json_t *ra, *rb;
} regression_t;

static int cmp_index(const void *x, const void *y)
{
    json_int_t a = ((const indexed_row_t *)x)->index, b = ((const indexed_row_t *)y)->index;
    return (a > b) - (a < b);
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(((const scorer_acc_t *)x)->name, ((const scorer_acc_t *)y)->name);
}

/* Worst drop first; equal drops by index, so the order is stable across calls. */
static int cmp_regression(const void *x, const void *y)
{
    const regression_t *a = x, *b = y;
    if (a->drop != b->drop)
        return a->drop < b->drop ? 1 : -1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The ROW objects of list, sorted by index; NULL with err (field) when malformed. */
static indexed_row_t *load_rows(const json_t *list, const char *field, size_t *n, err_t *err)
{
    if (!json_is_array(list)) {
        err_invalid(err, field, "%s: expected an array of evaluation rows", field);
        return NULL;
    }
    *n = json_array_size(list);
    indexed_row_t *rows = xcalloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; i < *n; i++) {
        const json_t *r = json_array_get(list, i);
        const json_t *idx = json_object_get(r, "index");
        if (!json_is_object(r) || !json_is_integer(idx) || json_integer_value(idx) < 0) {
            err_invalid(err, field, "%s: row %zu is not an evaluation row with an index", field, i);
            free(rows);
            return NULL;
        }
        rows[i].index = json_integer_value(idx);
        rows[i].row = r;
    }
    qsort(rows, *n, sizeof *rows, cmp_index);
    for (size_t i = 1; i < *n; i++) {
        if (rows[i].index == rows[i - 1].index) {
            err_invalid(err, field, "%s: row index %lld appears twice", field,
                        (long long)rows[i].index);
            free(rows);
            return NULL;
        }
    }
    return rows;
}

static int row_failed(const json_t *row)
{
    const json_t *e = json_object_get(row, "error");
    if (!e || json_is_null(e) || json_is_false(e))
        return 0;
    return !(json_is_string(e) && json_string_length(e) == 0);
}

/* The numeric value of scorer name in row's scores; 0 when absent or not a finite number. */
static int score_value(const json_t *row, const char *name, double *out)
{
    const json_t *v =
        json_object_get(json_object_get(json_object_get(row, "scores"), name), "value");
    if (!json_is_number(v))
        return 0;
    *out = json_number_value(v);
    return isfinite(*out);
}

static void add_scorer(scorer_acc_t **accs, size_t *n, size_t *cap, const char *name, int higher)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*accs)[i].name, name) == 0)
            return;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *accs = xrealloc(*accs, *cap * sizeof **accs);
    }
    (*accs)[(*n)++] = (scorer_acc_t){.name = name, .higher = higher};
}

static void collect_names(const indexed_row_t *rows, size_t n, scorer_acc_t **accs, size_t *count,
                          size_t *cap)
{
    for (size_t i = 0; i < n; i++) {
        const char *name;
        const json_t *v;
        json_object_foreach((json_t *)json_object_get(rows[i].row, "scores"), name, v)
            add_scorer(accs, count, cap, name, 1);
    }
}

static void push_pair(scorer_acc_t *s, double a, double b)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->a = xrealloc(s->a, s->cap * sizeof *s->a);
        s->b = xrealloc(s->b, s->cap * sizeof *s->b);
    }
    s->a[s->n] = a;
    s->b[s->n] = b;
    s->n++;
}

static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *scorer_json(const scorer_acc_t *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "wins", json_integer((json_int_t)s->wins));
    json_object_set_new(o, "losses", json_integer((json_int_t)s->losses));
    json_object_set_new(o, "ties", json_integer((json_int_t)s->ties));
    json_object_set_new(o, "n", json_integer((json_int_t)s->n));
    json_object_set_new(o, "missing", json_integer((json_int_t)s->missing));
    double sa = 0, sb = 0;
    for (size_t i = 0; i < s->n; i++)
        sa += s->a[i], sb += s->b[i];
    double ma = s->n ? sa / (double)s->n : NAN, mb = s->n ? sb / (double)s->n : NAN;
    stats_interval_t d =
        stats_bootstrap_diff(s->a, s->b, s->n, STATS_DEFAULT_RESAMPLES, STATS_DEFAULT_SEED);
    json_object_set_new(o, "mean_a", number_or_null(ma));
    json_object_set_new(o, "mean_b", number_or_null(mb));
    json_object_set_new(o, "diff", number_or_null(d.mean));
    json_object_set_new(o, "ci_low", number_or_null(d.ci_low));
    json_object_set_new(o, "ci_high", number_or_null(d.ci_high));
    json_object_set_new(o, "higher_is_better", json_boolean(s->higher));
    return o;
}

static json_t *copy_or_null(const json_t *v)
{
    return v ? json_deep_copy(v) : json_null();
}

static json_t *regression_json(const regression_t *r)
{
    json_t *o = json_object();
    const json_t *input = json_object_get(r->rb, "input");
    const json_t *expected = json_object_get(r->rb, "expected");
    json_object_set_new(o, "index", json_integer(r->index));
    json_object_set_new(o, "input", copy_or_null(input ? input : json_object_get(r->ra, "input")));
    json_object_set_new(o, "expected",
                        copy_or_null(expected ? expected : json_object_get(r->ra, "expected")));
    json_object_set_new(o, "output_a", copy_or_null(json_object_get(r->ra, "output")));
    json_object_set_new(o, "output_b", copy_or_null(json_object_get(r->rb, "output")));
    json_object_set_new(o, "scores_a", copy_or_null(json_object_get(r->ra, "scores")));
    json_object_set_new(o, "scores_b", copy_or_null(json_object_get(r->rb, "scores")));
    json_object_set_new(o, "worst_drop", json_real(r->drop));
    json_object_set_new(o, "worst_scorer", json_string(r->scorer));
    return o;
}

json_t *eval_compare(const json_t *rows_a, const json_t *rows_b, const json_t *higher_is_better,
                     size_t max_regressions, err_t *err)
{
    if (higher_is_better && !json_is_object(higher_is_better)) {
        err_invalid(err, "scorers", "scorers: expected an object {name: higher_is_better}");
        return NULL;
    }
    const char *key;
    const json_t *flag;
    json_object_foreach((json_t *)higher_is_better, key, flag)
    {
        if (!json_is_boolean(flag)) {
            err_invalid(err, "scorers", "scorers.%s: expected true or false", key);
            return NULL;
        }
    }
    size_t na = 0, nb = 0;
    indexed_row_t *a = load_rows(rows_a, "a", &na, err);
    if (!a)
        return NULL;
    indexed_row_t *b = load_rows(rows_b, "b", &nb, err);
    if (!b) {
        free(a);
        return NULL;
    }

    scorer_acc_t *accs = NULL;
    size_t ns = 0, scap = 0;
    if (higher_is_better) {
        json_object_foreach((json_t *)higher_is_better, key, flag)
            add_scorer(&accs, &ns, &scap, key, json_is_true(flag));
    } else {
        collect_names(a, na, &accs, &ns, &scap);
        collect_names(b, nb, &accs, &ns, &scap);
    }
    if (ns)
        qsort(accs, ns, sizeof *accs, cmp_name);

    regression_t *regs = NULL;
    size_t nregs = 0, rcap = 0, compared = 0, errors = 0, unmatched = 0;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (j >= nb || (i < na && a[i].index < b[j].index)) {
            unmatched++, i++;
            continue;
        }
        if (i >= na || b[j].index < a[i].index) {
            unmatched++, j++;
            continue;
        }
        const json_t *ra = a[i].row, *rb = b[j].row;
        json_int_t index = a[i].index;
        i++, j++;
        if (row_failed(ra) || row_failed(rb)) {
            errors++;
            continue;
        }
        compared++;
        regression_t worst = {.index = index, .drop = 0, .ra = ra, .rb = rb};
        for (size_t k = 0; k < ns; k++) {
            scorer_acc_t *s = &accs[k];
            double va, vb;
            if (!score_value(ra, s->name, &va) || !score_value(rb, s->name, &vb)) {
                s->missing++;
                continue;
            }
            push_pair(s, va, vb);
            double gain = s->higher ? vb - va : va - vb;
            if (fabs(gain) <= EVAL_COMPARE_TIE_EPS)
                s->ties++;
            else if (gain > 0)
                s->wins++;
            else {
                s->losses++;
                if (-gain > worst.drop) {
                    worst.drop = -gain;
                    worst.scorer = s->name;
                }
            }
        }
        if (worst.scorer) {
            if (nregs == rcap) {
                rcap = rcap ? rcap * 2 : 16;
                regs = xrealloc(regs, rcap * sizeof *regs);
            }
            regs[nregs++] = worst;
        }
    }

    json_t *out = json_object();
    json_object_set_new(out, "rows_compared", json_integer((json_int_t)compared));
    json_object_set_new(out, "errors", json_integer((json_int_t)errors));
    json_object_set_new(out, "unmatched", json_integer((json_int_t)unmatched));
    json_t *scorers = json_object();
    for (size_t k = 0; k < ns; k++) {
        json_object_set_new(scorers, accs[k].name, scorer_json(&accs[k]));
        free(accs[k].a);
        free(accs[k].b);
    }
    json_object_set_new(out, "scorers", scorers);
    if (nregs)
        qsort(regs, nregs, sizeof *regs, cmp_regression);
    json_t *list = json_array();
    for (size_t k = 0; k < nregs && (max_regressions == 0 || k < max_regressions); k++)
        json_array_append_new(list, regression_json(&regs[k]));
    json_object_set_new(out, "regressions", list);
    json_object_set_new(out, "regressions_total", json_integer((json_int_t)nregs));
    free(regs);
    free(accs);
    free(a);
    free(b);
    return out;
}
