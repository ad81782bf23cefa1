/* test_monitor_aggregate.c - unit tests for monitor/aggregate.h and store_query_each.
 *
 * Random traces and scores (fixed seed) are stored, then every metric of every bucket x group
 * row is compared with an exact computation done here from the same data (sorted arrays and
 * the nearest-rank definition), for each bucket size, each grouping and the endpoint/model
 * filters. Also: bucket boundaries in UTC (minute/hour/day, the window's until excluded),
 * empty windows, NULL group values, NAN where there is no data, which score counts as
 * feedback and what is positive, the parsers, mon_row_metric and mon_rows_json, and
 * store_query_each across several batches and stopping on a callback error.
 *
 * Runs on SQLite and, when test_pg_url() names a server, on PostgreSQL. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <math.h>

#include "monitor/aggregate.h"
#include "store/migrate.h"
#include "store/store.h"

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM traces");
    test_store_exec(f->store, "DELETE FROM scores");
    return 0;
}

/* ---- test data ------------------------------------------------------------------------------ */

#define DAY_MS  86400000LL
#define HOUR_MS 3600000LL
#define BASE_MS (19675LL * DAY_MS) /* a UTC midnight */

typedef struct trace {
    char id[40];
    int64_t start;
    const char *status, *endpoint, *model, *version, *user, *key;
    int has_latency, has_ttft;
    double latency, ttft;
    int64_t in, out, cache, guard; /* -1: NULL */
    double cost;                   /* NAN: NULL */
    int fb;                        /* 0 none, 1 negative, 2 positive (latest human score) */
} trace_t;

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}

static void insert_trace(store_conn_t *c, const trace_t *t)
{
    store_value_t p[] = {
        sv_text(t->id),
        sv_int(t->start),
        sv_text(t->status),
        sv_text(t->endpoint),
        sv_text(t->model),
        sv_text(t->version),
        sv_text(t->user),
        sv_text(t->key),
        t->has_latency ? sv_real(t->latency) : sv_null(),
        t->has_ttft ? sv_real(t->ttft) : sv_null(),
        t->in < 0 ? sv_null() : sv_int(t->in),
        t->out < 0 ? sv_null() : sv_int(t->out),
        isnan(t->cost) ? sv_null() : sv_real(t->cost),
        t->cache < 0 ? sv_null() : sv_int(t->cache),
        t->guard < 0 ? sv_null() : sv_int(t->guard),
    };
    err_t err;
    if (store_exec(c,
                   "INSERT INTO traces (trace_id, start_ms, name, status, endpoint, model, "
                   "version, user_id, key_id, latency_ms, ttft_ms, input_tokens, output_tokens, "
                   "cost_usd, cache_hit, guardrail_hits, data) "
                   "VALUES (?, ?, 'chat', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                   p, sizeof p / sizeof p[0], &err) < 0)
        fail_msg("insert trace: %s", err.message);
}

static void insert_score(store_conn_t *c, const char *id, const char *trace, const char *type,
                         store_value_t value, const char *str, const char *source, int64_t created)
{
    store_value_t p[] = {sv_text(id),  sv_text(trace),  sv_text(type),  value,
                         sv_text(str), sv_text(source), sv_int(created)};
    err_t err;
    if (store_exec(c,
                   "INSERT INTO scores (id, trace_id, name, data_type, value, string_value, "
                   "source, created_ms) VALUES (?, ?, 'thumbs', ?, ?, ?, ?, ?)",
                   p, sizeof p / sizeof p[0], &err) < 0)
        fail_msg("insert score: %s", err.message);
}

/* One random score; returns 1 when it is positive by the documented rule. */
static int random_score(store_conn_t *c, const char *id, const char *trace, const char *source,
                        int64_t created)
{
    switch (rnd(5)) {
    case 0:
        insert_score(c, id, trace, "boolean", sv_int(1), "true", source, created);
        return 1;
    case 1:
        insert_score(c, id, trace, "boolean", sv_int(0), "false", source, created);
        return 0;
    case 2: {
        double v = (double)rnd(5) - 2.0; /* -2..2: positive when > 0 */
        insert_score(c, id, trace, "numeric", sv_real(v), NULL, source, created);
        return v > 0;
    }
    case 3: {
        int good = (int)rnd(2);
        insert_score(c, id, trace, "categorical", sv_null(), good ? "Good" : "bad", source,
                     created);
        return good;
    }
    default:
        insert_score(c, id, trace, "categorical", sv_null(), "THUMBS_UP", source, created);
        return 1;
    }
}

static const char *pick(const char *const *v, size_t n)
{
    return v[rnd((uint32_t)n)];
}

/* n random traces from BASE_MS - 2h to BASE_MS + 4h, with scores. */
static trace_t *make_data(fixture_t *f, size_t n)
{
    static const char *const endpoints[] = {"chat", "embed", NULL};
    static const char *const models[] = {"gpt", "claude"};
    static const char *const versions[] = {"v1", "v2", NULL};
    static const char *const users[] = {"u1", "u2", "u3", "u4", NULL};
    static const char *const keys[] = {"k1", "k2"};
    rng_state = 42;
    trace_t *ts = calloc(n, sizeof *ts);
    store_conn_t *c = store_acquire(f->store);
    err_t err;
    assert_int_equal(store_begin(c, &err), 0);
    for (size_t i = 0; i < n; i++) {
        trace_t *t = &ts[i];
        snprintf(t->id, sizeof t->id, "t%05zu", i);
        t->start = BASE_MS - 2 * HOUR_MS + (int64_t)rnd(6 * 3600) * 1000 + rnd(1000);
        t->status = rnd(100) < 15 ? "error" : "ok";
        t->endpoint = pick(endpoints, 3);
        t->model = pick(models, 2);
        t->version = pick(versions, 3);
        t->user = pick(users, 5);
        t->key = pick(keys, 2);
        t->has_latency = rnd(20) != 0;
        t->latency = (double)rnd(4000) / 2.0; /* ties on purpose */
        t->has_ttft = rnd(2);
        t->ttft = (double)rnd(1000) / 4.0;
        t->in = rnd(20) ? (int64_t)rnd(2000) : -1;
        t->out = rnd(20) ? (int64_t)rnd(800) : -1;
        t->cost = rnd(10) ? (double)rnd(100000) / 1e6 : NAN;
        t->cache = rnd(10) ? (int64_t)rnd(2) : -1;
        t->guard = rnd(5) ? (int64_t)rnd(3) : -1;
        insert_trace(c, t);
        /* Scores: up to three, human or api, increasing created_ms; the last human one counts. */
        if (rnd(10) < 4) {
            int scores = 1 + (int)rnd(3);
            for (int k = 0; k < scores; k++) {
                char sid[48];
                snprintf(sid, sizeof sid, "s%05zu-%d", i, k);
                int human = rnd(4) != 0;
                int pos =
                    random_score(c, sid, t->id, human ? "human" : "api", t->start + 1000 * (k + 1));
                if (human)
                    t->fb = pos ? 2 : 1;
            }
        }
    }
    assert_int_equal(store_commit(c, &err), 0);
    store_release(f->store, c);
    return ts;
}

/* ---- the exact computation ------------------------------------------------------------------ */

static const char *group_of(const trace_t *t, mon_group_t g)
{
    switch (g) {
    case MON_GROUP_ENDPOINT:
        return t->endpoint;
    case MON_GROUP_MODEL:
        return t->model;
    case MON_GROUP_VERSION:
        return t->version;
    case MON_GROUP_USER:
        return t->user;
    case MON_GROUP_KEY:
        return t->key;
    default:
        return NULL;
    }
}

static int64_t bucket_of(const mon_query_t *q, int64_t start)
{
    int64_t w = q->bucket == MON_BUCKET_MINUTE ? 60000
                : q->bucket == MON_BUCKET_HOUR ? HOUR_MS
                : q->bucket == MON_BUCKET_DAY  ? DAY_MS
                                               : 0;
    if (!w)
        return q->since_ms;
    int64_t b = start / w;
    if (start % w < 0)
        b--;
    return b * w;
}

static int in_query(const mon_query_t *q, const trace_t *t)
{
    if (t->start < q->since_ms || t->start >= q->until_ms)
        return 0;
    if (q->endpoint && (!t->endpoint || strcmp(q->endpoint, t->endpoint) != 0))
        return 0;
    if (q->model && strcmp(q->model, t->model) != 0)
        return 0;
    return 1;
}

static int same_group(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank over a sorted array, written from the definition. */
static double rank_value(const double *sorted, size_t n, int p)
{
    if (n == 0)
        return NAN;
    size_t rank = (size_t)ceil((double)p * (double)n / 100.0 - 1e-9);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static void assert_same_real(double want, double got, const char *what, size_t row)
{
    if (isnan(want) && isnan(got))
        return;
    if (isnan(want) || isnan(got) || fabs(want - got) > 1e-9 * (1 + fabs(want)))
        fail_msg("row %zu %s: want %.17g got %.17g", row, what, want, got);
}

/* Check one returned row against the traces of its bucket and group. */
static void check_row(const mon_query_t *q, const trace_t *ts, size_t n, const mon_row_t *r,
                      size_t ri)
{
    double *lat = calloc(n + 1, sizeof *lat), *ttft = calloc(n + 1, sizeof *ttft);
    size_t nl = 0, nt = 0;
    int64_t req = 0, errs = 0, in = 0, out = 0, cache = 0, guard = 0, fb = 0, pos = 0;
    double cost = 0;
    for (size_t i = 0; i < n; i++) {
        const trace_t *t = &ts[i];
        if (!in_query(q, t) || bucket_of(q, t->start) != r->bucket_ms ||
            !same_group(group_of(t, q->group), r->group))
            continue;
        req++;
        errs += strcmp(t->status, "error") == 0;
        if (t->has_latency)
            lat[nl++] = t->latency;
        if (t->has_ttft)
            ttft[nt++] = t->ttft;
        in += t->in > 0 ? t->in : 0;
        out += t->out > 0 ? t->out : 0;
        cost += isnan(t->cost) ? 0 : t->cost;
        cache += t->cache == 1;
        guard += t->guard > 0 ? t->guard : 0;
        fb += t->fb != 0;
        pos += t->fb == 2;
    }
    qsort(lat, nl, sizeof *lat, cmp_double);
    qsort(ttft, nt, sizeof *ttft, cmp_double);
    if (req == 0)
        fail_msg("row %zu (bucket %lld, group %s) has no traces", ri, (long long)r->bucket_ms,
                 r->group ? r->group : "NULL");
    assert_int_equal(r->requests, req);
    assert_int_equal(r->errors, errs);
    assert_same_real((double)errs / (double)req, r->error_rate, "error_rate", ri);
    assert_same_real(rank_value(lat, nl, 50), r->latency_p50, "latency_p50", ri);
    assert_same_real(rank_value(lat, nl, 95), r->latency_p95, "latency_p95", ri);
    assert_same_real(rank_value(lat, nl, 99), r->latency_p99, "latency_p99", ri);
    assert_same_real(rank_value(ttft, nt, 50), r->ttft_p50, "ttft_p50", ri);
    assert_same_real(rank_value(ttft, nt, 95), r->ttft_p95, "ttft_p95", ri);
    assert_same_real(rank_value(ttft, nt, 99), r->ttft_p99, "ttft_p99", ri);
    assert_int_equal(r->input_tokens, in);
    assert_int_equal(r->output_tokens, out);
    assert_same_real(cost, r->cost_usd, "cost_usd", ri);
    assert_same_real((double)cache / (double)req, r->cache_hit_rate, "cache_hit_rate", ri);
    assert_int_equal(r->feedback, fb);
    assert_same_real(fb ? (double)pos / (double)fb : NAN, r->positive_feedback_rate,
                     "positive_feedback_rate", ri);
    assert_int_equal(r->guardrail_hits, guard);
    free(lat);
    free(ttft);
}

/* How many distinct (bucket, group) pairs the query covers. */
static size_t expected_rows(const mon_query_t *q, const trace_t *ts, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_query(q, &ts[i]))
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = in_query(q, &ts[j]) && bucket_of(q, ts[j].start) == bucket_of(q, ts[i].start) &&
                   same_group(group_of(&ts[j], q->group), group_of(&ts[i], q->group));
        count += !seen;
    }
    return count;
}

static void check_query(fixture_t *f, const mon_query_t *q, const trace_t *ts, size_t n)
{
    mon_row_t *rows = NULL;
    size_t nrows = 0;
    err_t err;
    if (monitor_aggregate(f->store, q, &rows, &nrows, &err) != 0)
        fail_msg("monitor_aggregate: %s", err.message);
    assert_int_equal(nrows, expected_rows(q, ts, n));
    for (size_t i = 0; i < nrows; i++) {
        check_row(q, ts, n, &rows[i], i);
        if (i == 0)
            continue;
        /* ordered by bucket, then group with NULL first */
        const mon_row_t *a = &rows[i - 1], *b = &rows[i];
        assert_true(a->bucket_ms < b->bucket_ms || (a->bucket_ms == b->bucket_ms && b->group &&
                                                    (!a->group || strcmp(a->group, b->group) < 0)));
    }
    mon_rows_free(rows, nrows);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void every_metric_matches_exact_computation(void **state)
{
    fixture_t *f = *state;
    size_t n = 700;
    trace_t *ts = make_data(f, n);
    const mon_bucket_t buckets[] = {MON_BUCKET_NONE, MON_BUCKET_MINUTE, MON_BUCKET_HOUR,
                                    MON_BUCKET_DAY};
    const mon_group_t groups[] = {MON_GROUP_NONE,    MON_GROUP_ENDPOINT, MON_GROUP_MODEL,
                                  MON_GROUP_VERSION, MON_GROUP_USER,     MON_GROUP_KEY};
    for (size_t b = 0; b < 4; b++)
        for (size_t g = 0; g < 6; g++) {
            mon_query_t q = {.since_ms = BASE_MS - 90 * 60000,
                             .until_ms = BASE_MS + 3 * HOUR_MS,
                             .bucket = buckets[b],
                             .group = groups[g]};
            check_query(f, &q, ts, n);
        }
    mon_query_t q = {.since_ms = BASE_MS - 3 * HOUR_MS,
                     .until_ms = BASE_MS + 5 * HOUR_MS,
                     .bucket = MON_BUCKET_HOUR,
                     .group = MON_GROUP_VERSION,
                     .endpoint = "chat"};
    check_query(f, &q, ts, n);
    q.endpoint = NULL;
    q.model = "claude";
    q.group = MON_GROUP_USER;
    check_query(f, &q, ts, n);
    q.endpoint = "chat";
    check_query(f, &q, ts, n);
    free(ts);
}

/* A trace on each side of each boundary: each falls in the bucket of its start_ms, in UTC. */
static void bucket_boundaries(void **state)
{
    fixture_t *f = *state;
    const int64_t starts[] = {
        BASE_MS - 1,           BASE_MS,           BASE_MS + 59999,      BASE_MS + 60000,
        BASE_MS + HOUR_MS - 1, BASE_MS + HOUR_MS, BASE_MS + DAY_MS - 1, BASE_MS + DAY_MS};
    store_conn_t *c = store_acquire(f->store);
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        trace_t t = {.start = starts[i],
                     .status = "ok",
                     .model = "m",
                     .key = "k",
                     .in = 1,
                     .out = -1,
                     .cost = NAN,
                     .cache = -1,
                     .guard = -1};
        snprintf(t.id, sizeof t.id, "b%zu", i);
        insert_trace(c, &t);
    }
    store_release(f->store, c);
    struct {
        mon_bucket_t b;
        size_t n;
        int64_t at[8];
        int64_t count[8];
    } cases[] = {
        {MON_BUCKET_MINUTE,
         6,
         {BASE_MS - 60000, BASE_MS, BASE_MS + 60000, BASE_MS + HOUR_MS - 60000, BASE_MS + HOUR_MS,
          BASE_MS + DAY_MS - 60000},
         {1, 2, 1, 1, 1, 1}},
        {MON_BUCKET_HOUR,
         4,
         {BASE_MS - HOUR_MS, BASE_MS, BASE_MS + HOUR_MS, BASE_MS + DAY_MS - HOUR_MS},
         {1, 4, 1, 1}},
        {MON_BUCKET_DAY, 2, {BASE_MS - DAY_MS, BASE_MS}, {1, 6}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        /* until = BASE_MS + DAY_MS: the trace starting exactly there is left out */
        mon_query_t q = {
            .since_ms = BASE_MS - DAY_MS, .until_ms = BASE_MS + DAY_MS, .bucket = cases[k].b};
        mon_row_t *rows;
        size_t n;
        err_t err;
        assert_int_equal(monitor_aggregate(f->store, &q, &rows, &n, &err), 0);
        assert_int_equal(n, cases[k].n);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(rows[i].bucket_ms, cases[k].at[i]);
            assert_int_equal(rows[i].requests, cases[k].count[i]);
            assert_null(rows[i].group);
            assert_true(isnan(rows[i].latency_p50)); /* no latencies stored */
            assert_true(isnan(rows[i].ttft_p99));
            assert_true(isnan(rows[i].positive_feedback_rate));
            assert_int_equal(rows[i].feedback, 0);
        }
        mon_rows_free(rows, n);
    }
}

static void empty_window_and_bad_range(void **state)
{
    fixture_t *f = *state;
    mon_query_t q = {.since_ms = BASE_MS,
                     .until_ms = BASE_MS + HOUR_MS,
                     .bucket = MON_BUCKET_MINUTE,
                     .group = MON_GROUP_USER};
    mon_row_t *rows = (mon_row_t *)&q;
    size_t n = 99;
    err_t err;
    assert_int_equal(monitor_aggregate(f->store, &q, &rows, &n, &err), 0);
    assert_int_equal(n, 0);
    json_t *j = mon_rows_json(&q, rows, n);
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "bucket")), "minute");
    assert_string_equal(json_string_value(json_object_get(j, "group")), "user");
    json_decref(j);
    mon_rows_free(rows, n);
    q.until_ms = q.since_ms;
    assert_int_equal(monitor_aggregate(f->store, &q, &rows, &n, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "since");
}

/* The latest human score counts; api/eval scores do not; what is positive. */
static void feedback_rules(void **state)
{
    fixture_t *f = *state;
    store_conn_t *c = store_acquire(f->store);
    const char *const ids[] = {"f0", "f1", "f2", "f3", "f4", "f5"};
    for (size_t i = 0; i < 6; i++) {
        trace_t t = {.start = BASE_MS + (int64_t)i,
                     .status = "ok",
                     .model = "m",
                     .key = "k",
                     .in = -1,
                     .out = -1,
                     .cost = NAN,
                     .cache = -1,
                     .guard = -1};
        snprintf(t.id, sizeof t.id, "%s", ids[i]);
        insert_trace(c, &t);
    }
    /* f0: negative, then positive -> positive */
    insert_score(c, "a1", "f0", "boolean", sv_int(0), "false", "human", 10);
    insert_score(c, "a2", "f0", "boolean", sv_int(1), "true", "human", 20);
    /* f1: positive human, then a negative api score (ignored) -> positive */
    insert_score(c, "b1", "f1", "numeric", sv_real(0.5), NULL, "human", 10);
    insert_score(c, "b2", "f1", "numeric", sv_real(-1), NULL, "api", 20);
    /* f2: numeric 0 is not positive */
    insert_score(c, "c1", "f2", "numeric", sv_real(0), NULL, "human", 10);
    /* f3: category "Helpful" (any case) is positive */
    insert_score(c, "d1", "f3", "categorical", sv_null(), "Helpful", "human", 10);
    /* f4: only an eval score -> no feedback */
    insert_score(c, "e1", "f4", "numeric", sv_real(1), NULL, "eval", 10);
    /* f5: positive, then a later "bad" -> negative */
    insert_score(c, "g1", "f5", "categorical", sv_null(), "good", "human", 10);
    insert_score(c, "g2", "f5", "categorical", sv_null(), "bad", "human", 30);
    /* a score of a trace outside the window */
    insert_score(c, "h1", "elsewhere", "boolean", sv_int(1), "true", "human", 10);
    store_release(f->store, c);
    mon_query_t q = {.since_ms = BASE_MS, .until_ms = BASE_MS + 60000};
    mon_row_t *rows;
    size_t n;
    err_t err;
    assert_int_equal(monitor_aggregate(f->store, &q, &rows, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].bucket_ms, BASE_MS);
    assert_int_equal(rows[0].requests, 6);
    assert_int_equal(rows[0].feedback, 5);
    assert_true(fabs(rows[0].positive_feedback_rate - 3.0 / 5.0) < 1e-12);
    double v;
    assert_int_equal(mon_row_metric(&rows[0], "feedback", &v), 0);
    assert_true(v == 5.0);
    assert_int_equal(mon_row_metric(&rows[0], "nope", &v), -1);
    json_t *j = mon_rows_json(&q, rows, n);
    json_t *row = json_array_get(json_object_get(j, "rows"), 0);
    assert_true(json_is_null(json_object_get(row, "latency_p50")));
    assert_true(json_is_null(json_object_get(row, "group")));
    assert_int_equal(json_integer_value(json_object_get(row, "feedback")), 5);
    json_decref(j);
    mon_rows_free(rows, n);
}

/* Percentiles of a known list: 1..100 gives p50 = 50, p95 = 95, p99 = 99; 20 values give
 * p95 at rank 19 (not 20, which a floating-point ceil(0.95 * 20) would give). */
static void nearest_rank_known_values(void **state)
{
    fixture_t *f = *state;
    store_conn_t *c = store_acquire(f->store);
    for (int i = 0; i < 100; i++) {
        trace_t t = {.start = BASE_MS + i,
                     .status = "ok",
                     .endpoint = "hundred",
                     .model = "m",
                     .key = "k",
                     .has_latency = 1,
                     .latency = 100 - i,
                     .in = -1,
                     .out = -1,
                     .cost = NAN,
                     .cache = -1,
                     .guard = -1};
        snprintf(t.id, sizeof t.id, "p%d", i);
        insert_trace(c, &t);
    }
    for (int i = 0; i < 20; i++) {
        trace_t t = {.start = BASE_MS + i,
                     .status = "ok",
                     .endpoint = "twenty",
                     .model = "m",
                     .key = "k",
                     .has_ttft = 1,
                     .ttft = i + 1,
                     .has_latency = 1,
                     .latency = 7,
                     .in = -1,
                     .out = -1,
                     .cost = NAN,
                     .cache = -1,
                     .guard = -1};
        snprintf(t.id, sizeof t.id, "q%d", i);
        insert_trace(c, &t);
    }
    store_release(f->store, c);
    mon_query_t q = {.since_ms = BASE_MS, .until_ms = BASE_MS + 1000, .group = MON_GROUP_ENDPOINT};
    mon_row_t *rows;
    size_t n;
    err_t err;
    assert_int_equal(monitor_aggregate(f->store, &q, &rows, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].group, "hundred");
    assert_true(rows[0].latency_p50 == 50 && rows[0].latency_p95 == 95 &&
                rows[0].latency_p99 == 99);
    assert_true(isnan(rows[0].ttft_p50));
    assert_string_equal(rows[1].group, "twenty");
    assert_true(rows[1].ttft_p50 == 10 && rows[1].ttft_p95 == 19 && rows[1].ttft_p99 == 20);
    assert_true(rows[1].latency_p50 == 7 && rows[1].latency_p99 == 7);
    mon_rows_free(rows, n);
}

typedef struct each_ctx {
    int64_t count, sum, stop_at;
    int ordered;
} each_ctx_t;

static int on_row(void *ctx, const store_rows_t *rows, size_t row, err_t *err)
{
    each_ctx_t *e = ctx;
    int64_t v = store_rows_int(rows, row, 0);
    if (v != e->count)
        e->ordered = 0;
    e->count++;
    e->sum += v;
    if (store_rows_text(rows, row, 1) == NULL || strcmp(store_rows_text(rows, row, 1), "x") != 0)
        e->ordered = 0;
    if (e->stop_at && e->count == e->stop_at)
        return err_invalid(err, "row", "stop");
    return 0;
}

/* More rows than one batch, in order; a callback error stops the query and is returned; a
 * statement error is reported; the connection works afterwards, in and out of transactions. */
static void query_each_streams_batches(void **state)
{
    fixture_t *f = *state;
    const int64_t total = 9000; /* > 2 batches of STORE_EACH_BATCH */
    store_conn_t *c = store_acquire(f->store);
    err_t err;
    assert_int_equal(store_begin(c, &err), 0);
    for (int64_t i = 0; i < total; i++) {
        char id[32];
        snprintf(id, sizeof id, "e%06lld", (long long)i);
        store_value_t p[] = {sv_text(id), sv_int(i)};
        assert_true(store_exec(c,
                               "INSERT INTO traces (trace_id, start_ms, name, status, data) "
                               "VALUES (?, ?, 'x', 'ok', '{}')",
                               p, 2, &err) >= 0);
    }
    assert_int_equal(store_commit(c, &err), 0);
    const char *sql = "SELECT start_ms, name FROM traces WHERE start_ms >= ? ORDER BY start_ms";
    store_value_t p = sv_int(0);
    each_ctx_t e = {.ordered = 1};
    assert_int_equal(store_query_each(c, sql, &p, 1, on_row, &e, &err), 0);
    assert_int_equal(e.count, total);
    assert_int_equal(e.sum, total * (total - 1) / 2);
    assert_true(e.ordered);

    each_ctx_t stop = {.ordered = 1, .stop_at = 5000};
    assert_int_equal(store_query_each(c, sql, &p, 1, on_row, &stop, &err), -1);
    assert_int_equal(err.status, 400);
    assert_int_equal(stop.count, 5000);

    assert_int_equal(store_query_each(c, "SELECT nope FROM traces", NULL, 0, on_row, &e, &err), -1);
    assert_int_equal(err.status, 500);

    /* inside the caller's transaction, twice (the cursor is closed after each) */
    assert_int_equal(store_begin(c, &err), 0);
    for (int k = 0; k < 2; k++) {
        each_ctx_t in = {.ordered = 1};
        assert_int_equal(store_query_each(c, sql, &p, 1, on_row, &in, &err), 0);
        assert_int_equal(in.count, total);
    }
    assert_int_equal(store_commit(c, &err), 0);
    store_release(f->store, c);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM traces"), total);
}

typedef struct types_ctx {
    int rows;
    int64_t b, i2, i4, i8;
    double f4, f8;
    const char *text;
    size_t blob_len;
    unsigned char blob[2];
    int null8;
    char num[16];
} types_ctx_t;

static int on_types(void *ctx, const store_rows_t *rows, size_t r, err_t *err)
{
    (void)err;
    types_ctx_t *t = ctx;
    t->rows++;
    t->b = store_rows_int(rows, r, 0);
    t->i2 = store_rows_int(rows, r, 1);
    t->i4 = store_rows_int(rows, r, 2);
    t->i8 = store_rows_int(rows, r, 3);
    t->f4 = store_rows_real(rows, r, 4);
    t->f8 = store_rows_real(rows, r, 5);
    t->text = strcmp(store_rows_text(rows, r, 6), "v\xc3\xa9") == 0 ? "ok" : "bad";
    const unsigned char *blob = store_rows_blob(rows, r, 7, &t->blob_len);
    if (t->blob_len == 2)
        memcpy(t->blob, blob, 2);
    t->null8 = store_rows_is_null(rows, r, 8);
    if (store_rows_columns(rows) > 9)
        snprintf(t->num, sizeof t->num, "%s", store_rows_text(rows, r, 9));
    return 0;
}

/* Every column type comes through store_query_each as store_query gives it: on PostgreSQL
 * both the binary path (all columns of types it decodes) and the text one (a numeric column
 * among them). */
static void query_each_types(void **state)
{
    fixture_t *f = *state;
    if (store_kind(f->store) != STORE_POSTGRES)
        return; /* SQLite steps the statement: the same sq_fill_row as store_query */
    const char *cols = "SELECT true, CAST(-3 AS SMALLINT), CAST(-70000 AS INTEGER), "
                       "CAST(-5000000000 AS BIGINT), CAST(1.5 AS REAL), "
                       "CAST(-2.25 AS DOUBLE PRECISION), CAST('v\xc3\xa9' AS VARCHAR), "
                       "CAST('\\x00ff' AS BYTEA), CAST(NULL AS BIGINT)";
    for (int numeric = 0; numeric < 2; numeric++) {
        char sql[512];
        snprintf(sql, sizeof sql, "%s%s", cols, numeric ? ", CAST(2.50 AS NUMERIC)" : "");
        types_ctx_t t = {0};
        err_t err;
        store_conn_t *c = store_acquire(f->store);
        int rc = store_query_each(c, sql, NULL, 0, on_types, &t, &err);
        store_release(f->store, c);
        if (rc != 0)
            fail_msg("%s: %s", sql, err.message);
        assert_int_equal(t.rows, 1);
        assert_true(t.b == 1 && t.i2 == -3 && t.i4 == -70000 && t.i8 == -5000000000LL);
        assert_true(t.f4 == 1.5 && t.f8 == -2.25);
        assert_string_equal(t.text, "ok");
        assert_int_equal(t.blob_len, 2);
        assert_true(t.blob[0] == 0 && t.blob[1] == 0xff);
        assert_true(t.null8);
        if (numeric)
            assert_string_equal(t.num, "2.50");
    }
}

static void parsers(void **state)
{
    (void)state;
    mon_bucket_t b;
    mon_group_t g;
    err_t err;
    assert_int_equal(mon_bucket_parse("hour", "bucket", &b, &err), 0);
    assert_int_equal(b, MON_BUCKET_HOUR);
    assert_int_equal(mon_bucket_parse("none", "bucket", &b, &err), 0);
    assert_int_equal(b, MON_BUCKET_NONE);
    assert_int_equal(mon_bucket_parse("week", "bucket", &b, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "bucket");
    assert_int_equal(mon_bucket_parse(NULL, "bucket", &b, &err), -1);
    assert_int_equal(mon_group_parse("key", "group", &g, &err), 0);
    assert_int_equal(g, MON_GROUP_KEY);
    assert_int_equal(mon_group_parse("user", "group", &g, &err), 0);
    assert_int_equal(g, MON_GROUP_USER);
    assert_int_equal(mon_group_parse("user_id", "group", &g, &err), -1);
    assert_string_equal(err.field, "group");
}

#define T(fn)                                                                                      \
    {                                                                                              \
        .name = #fn, .test_func = fn, .setup_func = setup                                          \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(every_metric_matches_exact_computation),
        T(bucket_boundaries),
        T(empty_window_and_bad_range),
        T(feedback_rules),
        T(nearest_rank_known_values),
        T(query_each_streams_batches),
        T(query_each_types),
        T(parsers),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "monitor aggregate");
}
