/* drift.c - a recent window of traces against a baseline window (see drift.h).
 *
 * Each window is one streamed scan of its traces (input, output, token counts) plus the scan
 * of their human scores that the aggregates use. Distributions are kept as value arrays
 * (sorted once, for the percentiles and the KS statistic); the terms of the inputs go into one
 * hash table holding each term's count in both windows. */
#include "monitor/drift.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "monitor/feedback_rule.h"

const char *const MON_REFUSAL_PHRASES[] = {"i can't",
                                           "i can\xe2\x80\x99t",
                                           "i cannot",
                                           "i'm sorry",
                                           "i\xe2\x80\x99m sorry",
                                           "i am sorry",
                                           "i am unable",
                                           "i'm unable",
                                           "i\xe2\x80\x99m unable",
                                           "i'm not able to",
                                           "i am not able to",
                                           "as an ai",
                                           "i won't be able",
                                           "i must decline",
                                           "i apologize, but",
                                           NULL};

/* Words that say nothing about the topic: English function words, and the keys of chat
 * messages stored as JSON (role, content, user, system, assistant). Words shorter than three
 * characters are dropped before this list is consulted. */
static const char *const STOPWORDS[] = {
    "the",    "and",    "for",   "are",     "but",   "not",    "you",       "all",  "any",  "can",
    "her",    "was",    "one",   "our",     "out",   "has",    "have",      "had",  "his",  "how",
    "its",    "may",    "new",   "now",     "see",   "two",    "way",       "who",  "did",  "get",
    "let",    "she",    "too",   "use",     "that",  "this",   "with",      "from", "they", "will",
    "would",  "there",  "their", "what",    "about", "which",  "when",      "make", "like", "into",
    "than",   "then",   "them",  "these",   "some",  "could",  "other",     "your", "been", "were",
    "said",   "each",   "also",  "more",    "most",  "only",   "over",      "such", "very", "just",
    "should", "please", "role",  "content", "user",  "system", "assistant", "does", "why",  "where",
    "here",   "want",   "need",  "give",    "tell",  "know",   NULL};

/* ---- statistics ---------------------------------------------------------------------------- */

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

double mon_ks_statistic(double *a, size_t na, double *b, size_t nb)
{
    if (na)
        qsort(a, na, sizeof *a, cmp_double);
    if (nb)
        qsort(b, nb, sizeof *b, cmp_double);
    if (na == 0 || nb == 0)
        return NAN;
    size_t i = 0, j = 0;
    double d = 0;
    /* Step both CDFs past each distinct value, so ties move them together. */
    while (i < na && j < nb) {
        double x = a[i] < b[j] ? a[i] : b[j];
        while (i < na && a[i] <= x)
            i++;
        while (j < nb && b[j] <= x)
            j++;
        double gap = fabs((double)i / (double)na - (double)j / (double)nb);
        if (gap > d)
            d = gap;
    }
    return d;
}

double mon_ks_pvalue(double d, size_t na, size_t nb)
{
    if (na == 0 || nb == 0 || isnan(d))
        return NAN;
    double ne = (double)na * (double)nb / (double)(na + nb);
    double lambda = (sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) * d;
    /* The alternating series converges fast except for small lambda, where Q is 1. */
    double a2 = -2.0 * lambda * lambda, fac = 2.0, sum = 0.0, prev = 0.0;
    for (int j = 1; j <= 100; j++) {
        double term = fac * exp(a2 * j * j);
        sum += term;
        if (fabs(term) <= 0.001 * prev || fabs(term) <= 1e-8 * sum)
            return sum < 0 ? 0 : sum > 1 ? 1 : sum;
        fac = -fac;
        prev = fabs(term);
    }
    return 1.0;
}

void mon_two_proportion_z(int64_t k1, int64_t n1, int64_t k2, int64_t n2, double *z, double *p)
{
    if (n1 <= 0 || n2 <= 0) {
        *z = *p = NAN;
        return;
    }
    double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2;
    double pooled = (double)(k1 + k2) / (double)(n1 + n2);
    double se = sqrt(pooled * (1 - pooled) * (1.0 / (double)n1 + 1.0 / (double)n2));
    if (se == 0) {
        *z = 0;
        *p = 1;
        return;
    }
    *z = (p2 - p1) / se;
    *p = erfc(fabs(*z) / sqrt(2.0));
}

double mon_js_divergence(const double *p, const double *q, size_t n)
{
    double tp = 0, tq = 0;
    for (size_t i = 0; i < n; i++) {
        tp += p[i];
        tq += q[i];
    }
    if (tp <= 0 || tq <= 0)
        return NAN;
    double js = 0;
    for (size_t i = 0; i < n; i++) {
        double a = p[i] / tp, b = q[i] / tq, m = (a + b) / 2;
        if (a > 0)
            js += 0.5 * a * log2(a / m);
        if (b > 0)
            js += 0.5 * b * log2(b / m);
    }
    return js < 0 ? 0 : js > 1 ? 1 : js;
}

int mon_is_refusal(const char *text)
{
    if (!text)
        return 0;
    size_t len = strlen(text);
    char *low = xmalloc(len + 1);
    for (size_t i = 0; i <= len; i++)
        low[i] = (char)tolower((unsigned char)text[i]);
    int hit = 0;
    for (size_t k = 0; MON_REFUSAL_PHRASES[k] && !hit; k++)
        hit = strstr(low, MON_REFUSAL_PHRASES[k]) != NULL;
    free(low);
    return hit;
}

size_t mon_utf8_chars(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
        n += (*p & 0xC0) != 0x80; /* count every byte that is not a continuation byte */
    return n;
}

/* ---- terms --------------------------------------------------------------------------------- */

typedef struct term {
    char *word;
    uint64_t hash;
    double count[2]; /* baseline, current */
} term_t;

typedef struct terms {
    term_t *v;
    size_t n, cap;
} terms_t;

static uint64_t word_hash(const char *w, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)w[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void terms_grow(terms_t *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    term_t *v = xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->v[i].word)
            continue;
        size_t k = t->v[i].hash & (cap - 1);
        while (v[k].word)
            k = (k + 1) & (cap - 1);
        v[k] = t->v[i];
    }
    free(t->v);
    t->v = v;
    t->cap = cap;
}

static void terms_add(terms_t *t, const char *w, size_t len, int side)
{
    if ((t->n + 1) * 2 > t->cap)
        terms_grow(t);
    uint64_t h = word_hash(w, len);
    size_t k = h & (t->cap - 1);
    for (; t->v[k].word; k = (k + 1) & (t->cap - 1))
        if (t->v[k].hash == h && strlen(t->v[k].word) == len && memcmp(t->v[k].word, w, len) == 0)
            break;
    if (!t->v[k].word) {
        t->v[k].word = xstrndup(w, len);
        t->v[k].hash = h;
        t->n++;
    }
    t->v[k].count[side] += 1;
}

static void terms_free(terms_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->v[i].word);
    free(t->v);
}

static int is_stopword(const char *w, size_t len)
{
    for (size_t i = 0; STOPWORDS[i]; i++)
        if (strlen(STOPWORDS[i]) == len && memcmp(STOPWORDS[i], w, len) == 0)
            return 1;
    return 0;
}

/* Split text into lowercase words of letters and digits (bytes of multi-byte UTF-8 characters
 * count as letters) and count those of 3+ bytes that are not stopwords. */
static void add_terms(terms_t *t, const char *text, int side)
{
    char word[64];
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        int c = *p;
        if (c && (isalnum(c) || c >= 0x80)) {
            if (len < sizeof word)
                word[len] = (char)tolower(c);
            len++;
            continue;
        }
        /* over-long "words" (base64, hashes) are not topics */
        if (len >= 3 && len <= sizeof word && !is_stopword(word, len))
            terms_add(t, word, len, side);
        len = 0;
        if (!c)
            break;
    }
}

/* ---- the windows --------------------------------------------------------------------------- */

typedef struct dvec {
    double *v;
    size_t n, cap;
} dvec_t;

static void dvec_push(dvec_t *d, double x)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    d->v[d->n++] = x;
}

enum { D_IN_CHARS, D_OUT_CHARS, D_IN_TOKENS, D_OUT_TOKENS, D_COUNT };
static const char *const DIST_NAMES[D_COUNT] = {"input_chars", "output_chars", "input_tokens",
                                                "output_tokens"};

typedef struct window {
    int side;
    terms_t *terms;
    dvec_t dist[D_COUNT];
    int64_t traces, with_output, refusals, feedback, positive;
    /* the feedback scan's pending trace */
    char *fb_trace;
    int fb_positive;
} window_t;

static int on_trace(void *ctx, const store_rows_t *rows, size_t r, err_t *err)
{
    (void)err;
    window_t *w = ctx;
    w->traces++;
    const char *in = store_rows_text(rows, r, 0), *out = store_rows_text(rows, r, 1);
    if (in) {
        dvec_push(&w->dist[D_IN_CHARS], (double)mon_utf8_chars(in));
        add_terms(w->terms, in, w->side);
    }
    if (out) {
        dvec_push(&w->dist[D_OUT_CHARS], (double)mon_utf8_chars(out));
        w->with_output++;
        w->refusals += mon_is_refusal(out);
    }
    if (!store_rows_is_null(rows, r, 2))
        dvec_push(&w->dist[D_IN_TOKENS], (double)store_rows_int(rows, r, 2));
    if (!store_rows_is_null(rows, r, 3))
        dvec_push(&w->dist[D_OUT_TOKENS], (double)store_rows_int(rows, r, 3));
    return 0;
}

static void fb_flush(window_t *w)
{
    if (!w->fb_trace)
        return;
    w->feedback++;
    w->positive += w->fb_positive;
    free(w->fb_trace);
    w->fb_trace = NULL;
}

static int on_score(void *ctx, const store_rows_t *rows, size_t r, err_t *err)
{
    (void)err;
    window_t *w = ctx;
    const char *trace = store_rows_text(rows, r, 0);
    if (!trace)
        return 0;
    if (w->fb_trace && strcmp(w->fb_trace, trace) != 0)
        fb_flush(w);
    if (!w->fb_trace)
        w->fb_trace = xstrdup(trace);
    w->fb_positive = mon_score_positive(store_rows_text(rows, r, 3), store_rows_is_null(rows, r, 4),
                                        store_rows_real(rows, r, 4), store_rows_text(rows, r, 5));
    return 0;
}

static size_t window_where(const mon_drift_query_t *q, int64_t since, int64_t until, buf_t *sql,
                           store_value_t *params)
{
    size_t n = 0;
    buf_append_str(sql, " WHERE t.start_ms >= ? AND t.start_ms < ?");
    params[n++] = sv_int(since);
    params[n++] = sv_int(until);
    if (q->endpoint) {
        buf_append_str(sql, " AND t.endpoint = ?");
        params[n++] = sv_text(q->endpoint);
    }
    if (q->model) {
        buf_append_str(sql, " AND t.model = ?");
        params[n++] = sv_text(q->model);
    }
    return n;
}

static int scan_window(store_t *s, const mon_drift_query_t *q, int64_t since, int64_t until,
                       window_t *w, err_t *err)
{
    store_value_t params[4];
    buf_t sql = {0}, fsql = {0};
    buf_append_str(&sql, "SELECT t.input, t.output, t.input_tokens, t.output_tokens FROM traces t");
    size_t np = window_where(q, since, until, &sql, params);
    buf_printf(&fsql, MON_FEEDBACK_SQL_HEAD, "NULL");
    window_where(q, since, until, &fsql, params);
    buf_append_str(&fsql, MON_FEEDBACK_SQL_TAIL);
    store_conn_t *c = store_acquire(s);
    int rc = store_query_each(c, buf_str(&sql), params, np, on_trace, w, err);
    if (rc == 0)
        rc = store_query_each(c, buf_str(&fsql), params, np, on_score, w, err);
    fb_flush(w);
    store_release(s, c);
    buf_free(&sql);
    buf_free(&fsql);
    return rc;
}

static void window_free(window_t *w)
{
    for (int d = 0; d < D_COUNT; d++)
        free(w->dist[d].v);
    free(w->fb_trace);
}

/* ---- the report ---------------------------------------------------------------------------- */

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* (current - baseline) / |baseline|; 0 when both are 0, INFINITY from a zero baseline. */
static double rel_change(double base, double cur)
{
    if (isnan(base) || isnan(cur))
        return NAN;
    if (base == 0)
        return cur == 0 ? 0 : INFINITY;
    return (cur - base) / fabs(base);
}

static int moved_by_test(double p, double change)
{
    return !isnan(p) && !isnan(change) && p < MON_DRIFT_MAX_P &&
           fabs(change) > MON_DRIFT_MIN_CHANGE;
}

/* Mean, p50 and p95 (nearest rank) of sorted values. */
static json_t *dist_summary(const dvec_t *d, double *mean_out)
{
    double mean = NAN, p50 = NAN, p95 = NAN;
    if (d->n) {
        double sum = 0;
        for (size_t i = 0; i < d->n; i++)
            sum += d->v[i];
        mean = sum / (double)d->n;
        p50 = d->v[(50 * d->n + 99) / 100 - 1];
        p95 = d->v[(95 * d->n + 99) / 100 - 1];
    }
    *mean_out = mean;
    return json_pack("{s:o, s:o, s:o, s:I}", "mean", num(mean), "p50", num(p50), "p95", num(p95),
                     "n", (json_int_t)d->n);
}

static json_t *metric_json(const char *name, const char *test, json_t *base, json_t *cur,
                           double change, double statistic, double p, int moved)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b}", "metric", name, "test", test,
                     "baseline", base, "current", cur, "change", num(change), "statistic",
                     num(statistic), "p_value", num(p), "moved", moved);
}

static json_t *distribution_metric(const char *name, dvec_t *b, dvec_t *c)
{
    double d = mon_ks_statistic(b->v, b->n, c->v, c->n); /* sorts both */
    double p = mon_ks_pvalue(d, b->n, c->n);
    double mb, mc;
    json_t *jb = dist_summary(b, &mb), *jc = dist_summary(c, &mc);
    double change = rel_change(mb, mc);
    return metric_json(name, "kolmogorov_smirnov", jb, jc, change, d, p, moved_by_test(p, change));
}

static json_t *rate_metric(const char *name, int64_t kb, int64_t nb, int64_t kc, int64_t nc)
{
    double z, p;
    mon_two_proportion_z(kb, nb, kc, nc, &z, &p);
    double rb = nb ? (double)kb / (double)nb : NAN, rc = nc ? (double)kc / (double)nc : NAN;
    double change = rel_change(rb, rc);
    return metric_json(
        name, "two_proportion_z",
        json_pack("{s:o, s:I, s:I}", "rate", num(rb), "count", (json_int_t)kb, "n", (json_int_t)nb),
        json_pack("{s:o, s:I, s:I}", "rate", num(rc), "count", (json_int_t)kc, "n", (json_int_t)nc),
        change, z, p, moved_by_test(p, change));
}

typedef struct term_delta {
    const term_t *t;
    double base, cur; /* shares */
} term_delta_t;

static int cmp_delta(const void *pa, const void *pb)
{
    const term_delta_t *a = pa, *b = pb;
    double da = a->cur - a->base, db = b->cur - b->base;
    if (da != db)
        return da > db ? -1 : 1;
    return strcmp(a->t->word, b->t->word); /* stable across runs and stores */
}

static json_t *term_list(const term_delta_t *v, size_t n, int rising)
{
    json_t *arr = json_array();
    for (size_t k = 0; k < n && json_array_size(arr) < MON_DRIFT_TOP_TERMS; k++) {
        const term_delta_t *d = rising ? &v[k] : &v[n - 1 - k];
        if (rising ? d->cur <= d->base : d->cur >= d->base)
            break;
        json_array_append_new(arr, json_pack("{s:s, s:f, s:f}", "term", d->t->word,
                                             "baseline_share", d->base, "current_share", d->cur));
    }
    return arr;
}

static json_t *topic_metric(const terms_t *t)
{
    double *pb = xcalloc(t->n + 1, sizeof *pb), *pc = xcalloc(t->n + 1, sizeof *pc);
    term_delta_t *deltas = xcalloc(t->n + 1, sizeof *deltas);
    double tb = 0, tc = 0;
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->v[i].word)
            continue;
        pb[n] = t->v[i].count[0];
        pc[n] = t->v[i].count[1];
        tb += pb[n];
        tc += pc[n];
        deltas[n].t = &t->v[i];
        n++;
    }
    double js = mon_js_divergence(pb, pc, n);
    for (size_t i = 0; i < n; i++) {
        deltas[i].base = tb > 0 ? pb[i] / tb : 0;
        deltas[i].cur = tc > 0 ? pc[i] / tc : 0;
    }
    qsort(deltas, n, sizeof *deltas, cmp_delta);
    json_t *m =
        metric_json("topic_mix", "jensen_shannon", json_pack("{s:I}", "terms", (json_int_t)tb),
                    json_pack("{s:I}", "terms", (json_int_t)tc), NAN, js, NAN,
                    !isnan(js) && js > MON_DRIFT_MIN_JSD);
    json_object_set_new(m, "rising", term_list(deltas, n, 1));
    json_object_set_new(m, "falling", term_list(deltas, n, 0));
    free(pb);
    free(pc);
    free(deltas);
    return m;
}

json_t *monitor_drift(store_t *s, const mon_drift_query_t *q, err_t *err)
{
    if (q->baseline_since_ms >= q->baseline_until_ms) {
        err_invalid(err, "baseline_since", "baseline_since must be before baseline_until");
        return NULL;
    }
    if (q->since_ms >= q->until_ms) {
        err_invalid(err, "since", "since must be before until");
        return NULL;
    }
    terms_t terms = {0};
    window_t b = {.side = 0, .terms = &terms}, c = {.side = 1, .terms = &terms};
    json_t *out = NULL;
    if (scan_window(s, q, q->baseline_since_ms, q->baseline_until_ms, &b, err) == 0 &&
        scan_window(s, q, q->since_ms, q->until_ms, &c, err) == 0) {
        json_t *metrics = json_array();
        for (int d = 0; d < D_COUNT; d++)
            json_array_append_new(metrics,
                                  distribution_metric(DIST_NAMES[d], &b.dist[d], &c.dist[d]));
        json_array_append_new(metrics, rate_metric("refusal_rate", b.refusals, b.with_output,
                                                   c.refusals, c.with_output));
        json_array_append_new(
            metrics, rate_metric("feedback_rate", b.feedback, b.traces, c.feedback, c.traces));
        json_array_append_new(metrics, rate_metric("positive_feedback_rate", b.positive, b.feedback,
                                                   c.positive, c.feedback));
        json_array_append_new(metrics, topic_metric(&terms));
        out = json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:f, s:f, s:f}, s:o}",
                        "baseline", "since_ms", (json_int_t)q->baseline_since_ms, "until_ms",
                        (json_int_t)q->baseline_until_ms, "traces", (json_int_t)b.traces, "current",
                        "since_ms", (json_int_t)q->since_ms, "until_ms", (json_int_t)q->until_ms,
                        "traces", (json_int_t)c.traces, "thresholds", "max_p", MON_DRIFT_MAX_P,
                        "min_change", MON_DRIFT_MIN_CHANGE, "min_jsd", MON_DRIFT_MIN_JSD, "metrics",
                        metrics);
    }
    window_free(&b);
    window_free(&c);
    terms_free(&terms);
    return out;
}
