/* aggregate.c - monitoring aggregates over stored traces (see aggregate.h).
 *
 * A scan of the window's traces, streamed row by row (store_query_each) through the covering
 * index of migration 12 (in two time ranges at once, see scan_traces), accumulates each
 * bucket x group in a hash table: counts and sums as it
 * goes, latencies and times-to-first-token into per-group arrays. Percentiles are then exact
 * nearest-rank values picked from those arrays by quickselect (linear time, no full sort).
 * Feedback is a second, much smaller scan: the human scores of the window's traces
 * (feedback_rule.h says which score counts and what is positive). */
#include "monitor/aggregate.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "monitor/feedback_rule.h"

/* ---- parsing ------------------------------------------------------------------------------- */

int mon_bucket_parse(const char *text, const char *field, mon_bucket_t *out, err_t *err)
{
    static const struct {
        const char *name;
        mon_bucket_t b;
    } names[] = {{"none", MON_BUCKET_NONE},
                 {"minute", MON_BUCKET_MINUTE},
                 {"hour", MON_BUCKET_HOUR},
                 {"day", MON_BUCKET_DAY}};
    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].b;
            return 0;
        }
    return err_invalid(err, field, "%s must be one of minute, hour, day, none", field);
}

int mon_group_parse(const char *text, const char *field, mon_group_t *out, err_t *err)
{
    static const struct {
        const char *name;
        mon_group_t g;
    } names[] = {{"none", MON_GROUP_NONE},   {"endpoint", MON_GROUP_ENDPOINT},
                 {"model", MON_GROUP_MODEL}, {"version", MON_GROUP_VERSION},
                 {"user", MON_GROUP_USER},   {"key", MON_GROUP_KEY}};
    for (size_t i = 0; text && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].g;
            return 0;
        }
    return err_invalid(err, field, "%s must be one of endpoint, model, version, user, key, none",
                       field);
}

static const char *bucket_name(mon_bucket_t b)
{
    switch (b) {
    case MON_BUCKET_MINUTE:
        return "minute";
    case MON_BUCKET_HOUR:
        return "hour";
    case MON_BUCKET_DAY:
        return "day";
    default:
        return "none";
    }
}

static const char *group_name(mon_group_t g)
{
    switch (g) {
    case MON_GROUP_ENDPOINT:
        return "endpoint";
    case MON_GROUP_MODEL:
        return "model";
    case MON_GROUP_VERSION:
        return "version";
    case MON_GROUP_USER:
        return "user";
    case MON_GROUP_KEY:
        return "key";
    default:
        return "none";
    }
}

/* The SQL expression of a group (t is the traces alias). */
static const char *group_column(mon_group_t g)
{
    switch (g) {
    case MON_GROUP_ENDPOINT:
        return "t.endpoint";
    case MON_GROUP_MODEL:
        return "t.model";
    case MON_GROUP_VERSION:
        return "t.version";
    case MON_GROUP_USER:
        return "t.user_id";
    case MON_GROUP_KEY:
        return "t.key_id";
    default:
        return "NULL";
    }
}

static int64_t bucket_width_ms(mon_bucket_t b)
{
    switch (b) {
    case MON_BUCKET_MINUTE:
        return 60000;
    case MON_BUCKET_HOUR:
        return 3600000;
    case MON_BUCKET_DAY:
        return 86400000; /* epoch days are UTC days: no leap seconds in Unix time */
    default:
        return 0;
    }
}

/* Floor, not C's truncation, so times before 1970 fall in the right bucket too. */
static int64_t bucket_of(const mon_query_t *q, int64_t width, int64_t start_ms)
{
    if (width == 0)
        return q->since_ms;
    int64_t b = start_ms / width;
    if (start_ms % width < 0)
        b--;
    return b * width;
}

/* ---- accumulation -------------------------------------------------------------------------- */

typedef struct dvec {
    double *v;
    size_t n, cap;
} dvec_t;

static void dvec_push(dvec_t *d, double x)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    d->v[d->n++] = x;
}

typedef struct acc {
    int64_t bucket_ms;
    char *group;
    uint64_t hash;
    int64_t requests, errors, input_tokens, output_tokens, cache_hits, guardrail_hits;
    int64_t feedback, positive;
    double cost_usd;
    dvec_t latency, ttft;
} acc_t;

/* Open addressing over indexes into a growing array of accumulators. */
typedef struct acc_table {
    acc_t *accs;
    size_t n, cap;
    size_t *slots; /* index + 1; 0 = empty */
    size_t nslots;
} acc_table_t;

static uint64_t acc_hash(int64_t bucket, const char *group, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)bucket;
    h *= 1099511628211ull;
    if (!group)
        return h ^ 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)group[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void acc_table_grow(acc_table_t *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 64;
    size_t *slots = xcalloc(nslots, sizeof *slots);
    for (size_t i = 0; i < t->n; i++) {
        size_t k = t->accs[i].hash & (nslots - 1);
        while (slots[k])
            k = (k + 1) & (nslots - 1);
        slots[k] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
}

/* The accumulator of (bucket, group), made on first use. group may be NULL (no group, or a
 * NULL column) and is len bytes otherwise. */
static acc_t *acc_get(acc_table_t *t, int64_t bucket, const char *group, size_t len)
{
    uint64_t h = acc_hash(bucket, group, len);
    if (t->nslots) {
        for (size_t k = h & (t->nslots - 1); t->slots[k]; k = (k + 1) & (t->nslots - 1)) {
            acc_t *a = &t->accs[t->slots[k] - 1];
            if (a->hash != h || a->bucket_ms != bucket)
                continue;
            if (!group ? !a->group
                       : a->group && strlen(a->group) == len && memcmp(a->group, group, len) == 0)
                return a;
        }
    }
    if ((t->n + 1) * 2 > t->nslots)
        acc_table_grow(t);
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->accs = xrealloc(t->accs, t->cap * sizeof *t->accs);
    }
    acc_t *a = &t->accs[t->n];
    memset(a, 0, sizeof *a);
    a->bucket_ms = bucket;
    a->group = group ? xstrndup(group, len) : NULL;
    a->hash = h;
    size_t k = h & (t->nslots - 1);
    while (t->slots[k])
        k = (k + 1) & (t->nslots - 1);
    t->slots[k] = ++t->n;
    return a;
}

static void acc_table_free(acc_table_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->accs[i].group);
        free(t->accs[i].latency.v);
        free(t->accs[i].ttft.v);
    }
    free(t->accs);
    free(t->slots);
}

typedef struct scan {
    const mon_query_t *q;
    int64_t width;
    acc_table_t table;
} scan_t;

/* Columns of the trace scan, in order. */
enum {
    C_START,
    C_GROUP,
    C_ERROR /* 1 when status is error */,
    C_LATENCY,
    C_TTFT,
    C_IN,
    C_OUT,
    C_COST,
    C_CACHE,
    C_GUARD
};

static int on_trace(void *ctx, const store_rows_t *rows, size_t r, err_t *err)
{
    (void)err;
    scan_t *sc = ctx;
    int64_t start = store_rows_int(rows, r, C_START);
    const char *group = store_rows_text(rows, r, C_GROUP);
    acc_t *a =
        acc_get(&sc->table, bucket_of(sc->q, sc->width, start), group, group ? strlen(group) : 0);
    a->requests++;
    a->errors += store_rows_int(rows, r, C_ERROR);
    if (!store_rows_is_null(rows, r, C_LATENCY))
        dvec_push(&a->latency, store_rows_real(rows, r, C_LATENCY));
    if (!store_rows_is_null(rows, r, C_TTFT))
        dvec_push(&a->ttft, store_rows_real(rows, r, C_TTFT));
    a->input_tokens += store_rows_int(rows, r, C_IN);
    a->output_tokens += store_rows_int(rows, r, C_OUT);
    a->cost_usd += store_rows_real(rows, r, C_COST);
    a->cache_hits += store_rows_int(rows, r, C_CACHE) != 0;
    a->guardrail_hits += store_rows_int(rows, r, C_GUARD);
    return 0;
}

/* Columns of the feedback scan: trace_id, start_ms, group, data_type, value, string_value.
 * Rows come ordered by trace, then oldest score first: the last row of a trace is the one
 * that counts. */
typedef struct fb_scan {
    scan_t *sc;
    char *trace; /* trace of the pending row */
    int64_t start;
    char *group;
    int positive;
} fb_scan_t;

static void fb_flush(fb_scan_t *f)
{
    if (!f->trace)
        return;
    acc_t *a = acc_get(&f->sc->table, bucket_of(f->sc->q, f->sc->width, f->start), f->group,
                       f->group ? strlen(f->group) : 0);
    a->feedback++;
    a->positive += f->positive;
    free(f->trace);
    free(f->group);
    f->trace = f->group = NULL;
}

static int on_score(void *ctx, const store_rows_t *rows, size_t r, err_t *err)
{
    (void)err;
    fb_scan_t *f = ctx;
    const char *trace = store_rows_text(rows, r, 0);
    if (!trace)
        return 0;
    if (f->trace && strcmp(f->trace, trace) != 0)
        fb_flush(f);
    if (!f->trace) {
        f->trace = xstrdup(trace);
        f->start = store_rows_int(rows, r, 1);
        const char *g = store_rows_text(rows, r, 2);
        f->group = g ? xstrdup(g) : NULL;
    }
    f->positive = mon_score_positive(store_rows_text(rows, r, 3), store_rows_is_null(rows, r, 4),
                                     store_rows_real(rows, r, 4), store_rows_text(rows, r, 5));
    return 0;
}

/* ---- percentiles --------------------------------------------------------------------------- */

/* Rearrange v[lo..hi] so that v[k] is the value of rank k+1 in sorted order, smaller values
 * before it and larger after (Hoare's selection with a median-of-three pivot). */
static void select_kth(double *v, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k)
{
    while (hi > lo) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        /* Now v[lo..j] <= pivot <= v[i..hi], and anything between equals the pivot. */
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* Nearest rank: the value at 1-based rank ceil(p/100 * n), in integers (0.95 * 20 in doubles
 * is 19.000000000000004, whose ceiling would be one rank too high). */
static size_t rank_index(size_t p, size_t n)
{
    size_t rank = (p * n + 99) / 100;
    return rank < 1 ? 0 : rank - 1;
}

/* p50, p95 and p99 of d (reordered), NAN when empty. Selecting the largest rank first leaves
 * the smaller ranks in the prefix before it, so each later selection works on less. */
static void percentiles(dvec_t *d, double *p50, double *p95, double *p99)
{
    if (d->n == 0) {
        *p50 = *p95 = *p99 = NAN;
        return;
    }
    size_t k99 = rank_index(99, d->n), k95 = rank_index(95, d->n), k50 = rank_index(50, d->n);
    select_kth(d->v, 0, (ptrdiff_t)d->n - 1, (ptrdiff_t)k99);
    *p99 = d->v[k99];
    select_kth(d->v, 0, (ptrdiff_t)k99 - 1, (ptrdiff_t)k95); /* no-op when k95 == k99 */
    *p95 = d->v[k95];
    select_kth(d->v, 0, (ptrdiff_t)k95 - 1, (ptrdiff_t)k50);
    *p50 = d->v[k50];
}

/* ---- the query ----------------------------------------------------------------------------- */

static int acc_cmp(const void *pa, const void *pb)
{
    const acc_t *a = pa, *b = pb;
    if (a->bucket_ms != b->bucket_ms)
        return a->bucket_ms < b->bucket_ms ? -1 : 1;
    if (!a->group || !b->group)
        return !a->group ? (b->group ? -1 : 0) : 1; /* a NULL group first */
    return strcmp(a->group, b->group);
}

/* WHERE clause and its parameters shared by both scans (t is the traces alias). */
static size_t window_where(const mon_query_t *q, int64_t since, int64_t until, buf_t *sql,
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

/* Add everything from's accumulators hold to into's (the trace scans of two parts of the
 * window; feedback comes later). */
static void acc_table_merge(acc_table_t *into, const acc_table_t *from)
{
    for (size_t i = 0; i < from->n; i++) {
        const acc_t *a = &from->accs[i];
        acc_t *b = acc_get(into, a->bucket_ms, a->group, a->group ? strlen(a->group) : 0);
        b->requests += a->requests;
        b->errors += a->errors;
        b->input_tokens += a->input_tokens;
        b->output_tokens += a->output_tokens;
        b->cache_hits += a->cache_hits;
        b->guardrail_hits += a->guardrail_hits;
        b->cost_usd += a->cost_usd;
        for (size_t k = 0; k < a->latency.n; k++)
            dvec_push(&b->latency, a->latency.v[k]);
        for (size_t k = 0; k < a->ttft.n; k++)
            dvec_push(&b->ttft, a->ttft.v[k]);
    }
}

/* One part of the window's trace scan, on a connection of its own. */
typedef struct part {
    store_t *s;
    const char *sql;
    store_value_t params[4];
    size_t np;
    scan_t sc;
    err_t err;
    int rc;
} part_t;

static void *part_run(void *arg)
{
    part_t *p = arg;
    store_conn_t *c = store_acquire(p->s);
    p->rc = store_query_each(c, p->sql, p->params, p->np, on_trace, &p->sc, &p->err);
    store_release(p->s, c);
    return NULL;
}

/* The trace scan, split in MON_SCAN_PARTS time ranges scanned at once on as many connections
 * (the parts beyond the first in threads of their own), merged into sc. Reading and decoding
 * rows is the whole cost of a summary and a single scan keeps one core busy; with a pool of
 * one connection the parts simply run one after the other. */
#define MON_SCAN_PARTS 2

static int scan_traces(store_t *s, const mon_query_t *q, int64_t until, scan_t *sc, err_t *err)
{
    part_t parts[MON_SCAN_PARTS];
    pthread_t threads[MON_SCAN_PARTS];
    int started[MON_SCAN_PARTS] = {0};
    buf_t sql = {0};
    buf_printf(&sql,
               "SELECT t.start_ms, %s, CASE WHEN t.status = 'error' THEN 1 ELSE 0 END, "
               "t.latency_ms, t.ttft_ms, t.input_tokens, "
               "t.output_tokens, t.cost_usd, t.cache_hit, t.guardrail_hits FROM traces t",
               group_column(q->group));
    buf_t where = {0};
    int64_t span = until - q->since_ms;
    for (int k = 0; k < MON_SCAN_PARTS; k++) {
        part_t *p = &parts[k];
        memset(p, 0, sizeof *p);
        p->s = s;
        p->sc = (scan_t){.q = q, .width = sc->width};
        int64_t from = q->since_ms + span / MON_SCAN_PARTS * k;
        int64_t to =
            k == MON_SCAN_PARTS - 1 ? until : q->since_ms + span / MON_SCAN_PARTS * (k + 1);
        buf_reset(&where);
        p->np = window_where(q, from, to, &where, p->params);
    }
    buf_append_str(&sql, buf_str(&where)); /* same text for every part; only values differ */
    buf_free(&where);
    for (int k = 0; k < MON_SCAN_PARTS; k++)
        parts[k].sql = buf_str(&sql);
    for (int k = 1; k < MON_SCAN_PARTS; k++)
        started[k] = pthread_create(&threads[k], NULL, part_run, &parts[k]) == 0;
    part_run(&parts[0]);
    for (int k = 1; k < MON_SCAN_PARTS; k++) {
        if (started[k])
            pthread_join(threads[k], NULL);
        else
            part_run(&parts[k]); /* no thread to be had: do it here */
    }
    int rc = 0;
    for (int k = 0; k < MON_SCAN_PARTS; k++) {
        if (parts[k].rc != 0 && rc == 0) {
            *err = parts[k].err;
            rc = -1;
        }
        acc_table_merge(&sc->table, &parts[k].sc.table);
        acc_table_free(&parts[k].sc.table);
    }
    buf_free(&sql);
    return rc;
}

int monitor_aggregate(store_t *s, const mon_query_t *q, mon_row_t **rows, size_t *n, err_t *err)
{
    *rows = NULL;
    *n = 0;
    int64_t until = q->until_ms ? q->until_ms : clock_now_ms();
    if (q->since_ms >= until)
        return err_invalid(err, "since", "since (%lld) must be before until (%lld)",
                           (long long)q->since_ms, (long long)until);
    scan_t sc = {.q = q, .width = bucket_width_ms(q->bucket)};
    store_value_t params[4];
    buf_t fsql = {0};
    buf_printf(&fsql, MON_FEEDBACK_SQL_HEAD, group_column(q->group));
    size_t np = window_where(q, q->since_ms, until, &fsql, params);
    buf_append_str(&fsql, MON_FEEDBACK_SQL_TAIL);

    int rc = scan_traces(s, q, until, &sc, err);
    fb_scan_t fb = {.sc = &sc};
    if (rc == 0) {
        store_conn_t *c = store_acquire(s);
        rc = store_query_each(c, buf_str(&fsql), params, np, on_score, &fb, err);
        store_release(s, c);
    }
    fb_flush(&fb);
    buf_free(&fsql);
    if (rc != 0) {
        acc_table_free(&sc.table);
        return -1;
    }

    acc_table_t *t = &sc.table;
    if (t->n) /* accs is NULL when the window is empty */
        qsort(t->accs, t->n, sizeof *t->accs, acc_cmp);
    mon_row_t *out = xcalloc(t->n ? t->n : 1, sizeof *out);
    for (size_t i = 0; i < t->n; i++) {
        acc_t *a = &t->accs[i];
        mon_row_t *r = &out[i];
        r->bucket_ms = a->bucket_ms;
        r->group = a->group;
        a->group = NULL; /* handed over */
        r->requests = a->requests;
        r->errors = a->errors;
        r->error_rate = a->requests ? (double)a->errors / (double)a->requests : NAN;
        percentiles(&a->latency, &r->latency_p50, &r->latency_p95, &r->latency_p99);
        percentiles(&a->ttft, &r->ttft_p50, &r->ttft_p95, &r->ttft_p99);
        r->input_tokens = a->input_tokens;
        r->output_tokens = a->output_tokens;
        r->cost_usd = a->cost_usd;
        r->cache_hit_rate = a->requests ? (double)a->cache_hits / (double)a->requests : NAN;
        r->feedback = a->feedback;
        r->positive_feedback_rate = a->feedback ? (double)a->positive / (double)a->feedback : NAN;
        r->guardrail_hits = a->guardrail_hits;
    }
    *rows = out;
    *n = t->n;
    acc_table_free(t);
    return 0;
}

void mon_rows_free(mon_row_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].group);
    free(rows);
}

int mon_row_metric(const mon_row_t *row, const char *metric, double *out)
{
#define INT_METRIC(name)                                                                           \
    if (strcmp(metric, #name) == 0) {                                                              \
        *out = (double)row->name;                                                                  \
        return 0;                                                                                  \
    }
#define REAL_METRIC(name)                                                                          \
    if (strcmp(metric, #name) == 0) {                                                              \
        *out = row->name;                                                                          \
        return 0;                                                                                  \
    }
    if (!metric)
        return -1;
    INT_METRIC(requests)
    INT_METRIC(errors)
    REAL_METRIC(error_rate)
    REAL_METRIC(latency_p50)
    REAL_METRIC(latency_p95)
    REAL_METRIC(latency_p99)
    REAL_METRIC(ttft_p50)
    REAL_METRIC(ttft_p95)
    REAL_METRIC(ttft_p99)
    INT_METRIC(input_tokens)
    INT_METRIC(output_tokens)
    REAL_METRIC(cost_usd)
    REAL_METRIC(cache_hit_rate)
    INT_METRIC(feedback)
    REAL_METRIC(positive_feedback_rate)
    INT_METRIC(guardrail_hits)
    if (strcmp(metric, "tokens") == 0) {
        *out = (double)(row->input_tokens + row->output_tokens);
        return 0;
    }
#undef INT_METRIC
#undef REAL_METRIC
    return -1;
}

static json_t *json_real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *mon_rows_json(const mon_query_t *q, const mon_row_t *rows, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const mon_row_t *r = &rows[i];
        json_t *o = json_object();
        json_object_set_new(o, "bucket_ms", json_integer(r->bucket_ms));
        json_object_set_new(o, "group", r->group ? json_string(r->group) : json_null());
        json_object_set_new(o, "requests", json_integer(r->requests));
        json_object_set_new(o, "errors", json_integer(r->errors));
        json_object_set_new(o, "error_rate", json_real_or_null(r->error_rate));
        json_object_set_new(o, "latency_p50", json_real_or_null(r->latency_p50));
        json_object_set_new(o, "latency_p95", json_real_or_null(r->latency_p95));
        json_object_set_new(o, "latency_p99", json_real_or_null(r->latency_p99));
        json_object_set_new(o, "ttft_p50", json_real_or_null(r->ttft_p50));
        json_object_set_new(o, "ttft_p95", json_real_or_null(r->ttft_p95));
        json_object_set_new(o, "ttft_p99", json_real_or_null(r->ttft_p99));
        json_object_set_new(o, "input_tokens", json_integer(r->input_tokens));
        json_object_set_new(o, "output_tokens", json_integer(r->output_tokens));
        json_object_set_new(o, "cost_usd", json_real_or_null(r->cost_usd));
        json_object_set_new(o, "cache_hit_rate", json_real_or_null(r->cache_hit_rate));
        json_object_set_new(o, "feedback", json_integer(r->feedback));
        json_object_set_new(o, "positive_feedback_rate",
                            json_real_or_null(r->positive_feedback_rate));
        json_object_set_new(o, "guardrail_hits", json_integer(r->guardrail_hits));
        json_array_append_new(arr, o);
    }
    return json_pack("{s:s, s:s, s:I, s:I, s:o}", "bucket", bucket_name(q->bucket), "group",
                     group_name(q->group), "since_ms", (json_int_t)q->since_ms, "until_ms",
                     (json_int_t)q->until_ms, "rows", arr);
}
