/* test_span_store.c - unit tests for traces/span_store.h against a real, freshly migrated
 * store: span checks, the trace roll-up (times, root name/input/output, sums, first LLM ttft,
 * error status, guardrail hits, span count, source), spans out of order (child before root),
 * re-sent spans changing nothing, update merges (NULL keeps, defaults never overwrite),
 * duplicates within one batch, trace-level fields winning (also over later spans), a trace with
 * fields and no span, and the gateway's trace_store_insert filling the issue-6 columns.
 *
 * Every test runs on SQLite and, when test_pg_url() names a PostgreSQL server, again on
 * PostgreSQL (store_testutil.h). */
#include "unit/testutil.h"
#include "unit/store_testutil.h"
#include "unit/trace_testutil.h"

#include <math.h>
#include <pthread.h>

#include "base/buf.h"
#include "traces/span_store.h"

typedef test_store_t fixture_t;

#define T0 1700000000000000000LL /* epoch ns */
#define MS 1000000LL

static const char TRACE[] = "0af7651916cd43dd8448eb211c80319c";

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM traces");
    test_store_exec(f->store, "DELETE FROM spans");
    return 0;
}

static span_row_t span(const char *trace, const char *id, const char *parent, const char *name,
                       int64_t start_ms, int64_t end_ms)
{
    span_row_t r = span_row_empty();
    snprintf(r.trace_id, sizeof r.trace_id, "%s", trace);
    snprintf(r.span_id, sizeof r.span_id, "%s", id);
    snprintf(r.parent_span_id, sizeof r.parent_span_id, "%s", parent ? parent : "");
    r.name = name;
    r.start_ns = T0 + start_ms * MS;
    r.end_ns = end_ms ? T0 + end_ms * MS : 0;
    r.source = "otlp";
    return r;
}

static void put(fixture_t *f, const span_row_t *rows, size_t n, const span_trace_fields_t *t,
                size_t nt)
{
    err_t err;
    for (size_t i = 0; i < n; i++)
        if (span_row_check(&rows[i], &err) != 0)
            fail_msg("span_row_check %zu: %s", i, err.message);
    span_write_result_t r;
    if (span_store_write(f->store, rows, n, t, nt, &r, &err) != 0)
        fail_msg("span_store_write: %s", err.message);
}

/* One row of a query as text columns (NULL as "NULL"), joined with '|'. */
static char *row_text(fixture_t *f, const char *sql)
{
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    store_rows_t *rows = store_query(c, sql, NULL, 0, &err);
    store_release(f->store, c);
    if (!rows)
        fail_msg("%s: %s", sql, err.message);
    assert_int_equal(store_rows_count(rows), 1);
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < store_rows_columns(rows); i++) {
        if (i)
            buf_append_char(&b, '|');
        if (store_rows_is_null(rows, 0, i))
            buf_append_str(&b, "NULL");
        else
            buf_append_str(&b, store_rows_text(rows, 0, i));
    }
    store_rows_free(rows);
    return buf_steal(&b);
}

static void assert_row(fixture_t *f, const char *sql, const char *want)
{
    char *got = row_text(f, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", sql, got, want);
    free(got);
}

#define TRACE_ROW                                                                                  \
    "SELECT start_ms - 1700000000000, end_ms - 1700000000000, CAST(latency_ms AS BIGINT), name, "  \
    "status, session_id, user_id, model, provider, version, input_tokens, output_tokens, "         \
    "CAST(cost_usd * 1000 AS BIGINT), CAST(ttft_ms AS BIGINT), source, span_count, "               \
    "guardrail_hits, input, output FROM traces"

/* A tree: root agent (0..100 ms) -> llm A (10..40) and llm B (50..90, error), a guardrail that
 * fired, and a retrieval span. */
static void tree(span_row_t *s)
{
    s[0] = span(TRACE, "00000000000000a1", NULL, "agent", 0, 100);
    s[0].type = SPAN_TYPE_AGENT;
    s[0].input = "question";
    s[0].output = "answer";
    s[0].user_id = "u1";
    s[0].version = "1.2.0";
    s[1] = span(TRACE, "00000000000000b1", "00000000000000a1", "chat A", 10, 40);
    s[1].type = SPAN_TYPE_LLM;
    s[1].model = "gpt-4o";
    s[1].provider = "openai";
    s[1].session_id = "sess-1";
    s[1].input_tokens = 10;
    s[1].output_tokens = 5;
    s[1].cost_usd = 0.002;
    s[1].ttft_ms = 7;
    s[1].input = "child input";
    s[2] = span(TRACE, "00000000000000b2", "00000000000000a1", "chat B", 50, 90);
    s[2].type = SPAN_TYPE_LLM;
    s[2].model = "claude";
    s[2].input_tokens = 20;
    s[2].output_tokens = 7;
    s[2].cost_usd = 0.003;
    s[2].ttft_ms = 9;
    s[2].status = "error";
    s[3] = span(TRACE, "00000000000000b3", "00000000000000a1", "guard", 91, 95);
    s[3].type = SPAN_TYPE_GUARDRAIL;
    s[3].status = "error";
    s[4] = span(TRACE, "00000000000000b4", "00000000000000a1", "search", 5, 8);
    s[4].type = SPAN_TYPE_RETRIEVAL;
}

static const char TREE_ROLLUP[] = "0|100|100|agent|error|sess-1|u1|gpt-4o|openai|1.2.0|30|12|5|7|"
                                  "otlp|5|1|question|answer";

static void test_rollup(void **state)
{
    fixture_t *f = *state;
    span_row_t s[5];
    tree(s);
    put(f, s, 5, NULL, 0);
    assert_row(f, TRACE_ROW, TREE_ROLLUP);
    assert_row(f,
               "SELECT parent_span_id, type, status, end_ms - start_ms, CAST(latency_ms AS "
               "BIGINT), attributes, events, source FROM spans WHERE span_id = '00000000000000b1'",
               "00000000000000a1|llm|unset|30|30|{}|[]|otlp");
    assert_row(f, "SELECT parent_span_id FROM spans WHERE span_id = '00000000000000a1'", "NULL");
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 5);
}

/* Children first, root in a later batch: until the root comes, the earliest span names the
 * trace; afterwards the result equals the one-batch write. */
static void test_out_of_order(void **state)
{
    fixture_t *f = *state;
    span_row_t s[5];
    tree(s);
    put(f, s + 1, 4, NULL, 0);
    assert_row(f, "SELECT name, input, span_count, start_ms - 1700000000000 FROM traces",
               "search|NULL|4|5");
    put(f, s, 1, NULL, 0);
    assert_row(f, TRACE_ROW, TREE_ROLLUP);
}

static void test_resend_changes_nothing(void **state)
{
    fixture_t *f = *state;
    span_row_t s[5];
    tree(s);
    put(f, s, 5, NULL, 0);
    char *before = row_text(f, "SELECT COUNT(*), SUM(input_tokens), MAX(attributes) FROM spans");
    put(f, s, 5, NULL, 0);
    put(f, s + 2, 2, NULL, 0);
    char *after = row_text(f, "SELECT COUNT(*), SUM(input_tokens), MAX(attributes) FROM spans");
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_row(f, TRACE_ROW, TREE_ROLLUP);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM traces"), 1);
}

/* An update (Langfuse's generation-update) fills in what the create left out and keeps the
 * rest: NULLs keep, the defaults (type span, status unset, {} / []) never overwrite. */
static void test_update_merges(void **state)
{
    fixture_t *f = *state;
    span_row_t create = span(TRACE, "00000000000000c1", NULL, "gen", 0, 0);
    create.type = SPAN_TYPE_LLM;
    create.model = "gpt-4o";
    create.input = "hi";
    create.attributes_json = "{\"a\":1}";
    create.status = "ok";
    put(f, &create, 1, NULL, 0);
    assert_row(f, "SELECT end_ms, latency_ms, output FROM spans", "NULL|NULL|NULL");

    span_row_t update = span(TRACE, "00000000000000c1", NULL, "gen", 0, 25);
    update.output = "hello";
    update.input_tokens = 3;
    update.output_tokens = 4;
    put(f, &update, 1, NULL, 0);
    assert_row(f,
               "SELECT end_ms - start_ms, type, model, input, output, input_tokens, "
               "output_tokens, attributes, status FROM spans",
               "25|llm|gpt-4o|hi|hello|3|4|{\"a\":1}|ok");
    assert_row(f, "SELECT end_ms - start_ms, output, input_tokens, model FROM traces",
               "25|hello|3|gpt-4o");
}

/* The same span twice in one batch is merged (the later one wins field by field). */
static void test_duplicates_in_batch(void **state)
{
    fixture_t *f = *state;
    span_row_t s[3];
    s[0] = span(TRACE, "00000000000000d1", NULL, "first", 0, 0);
    s[0].model = "m1";
    s[0].input = "in";
    s[1] = span(TRACE, "00000000000000d2", "00000000000000d1", "child", 1, 2);
    s[2] = span(TRACE, "00000000000000d1", NULL, "second", 0, 10);
    s[2].model = "m2";
    span_write_result_t r;
    err_t err;
    assert_int_equal(span_store_write(f->store, s, 3, NULL, 0, &r, &err), 0);
    assert_int_equal(r.spans, 2);
    assert_int_equal(r.traces, 1);
    assert_row(f,
               "SELECT name, model, input, end_ms - start_ms FROM spans WHERE span_id = "
               "'00000000000000d1'",
               "second|m2|in|10");
}

/* Trace fields win over the roll-up, and keep winning when later spans arrive. */
static void test_trace_fields_win(void **state)
{
    fixture_t *f = *state;
    span_trace_fields_t t = {.name = "my trace",
                             .user_id = "alice",
                             .session_id = "s9",
                             .version = "v7",
                             .input = "trace in",
                             .start_ns = 0};
    snprintf(t.trace_id, sizeof t.trace_id, "%s", TRACE);
    /* Fields alone: a row without spans. */
    put(f, NULL, 0, &t, 1);
    assert_row(f,
               "SELECT name, user_id, session_id, version, input, output, span_count, status "
               "FROM traces",
               "my trace|alice|s9|v7|trace in|NULL|0|ok");
    span_row_t s[5];
    tree(s);
    put(f, s, 5, NULL, 0);
    assert_row(f,
               "SELECT name, user_id, session_id, version, input, output, span_count, "
               "input_tokens FROM traces",
               "my trace|alice|s9|v7|trace in|answer|5|30");
    /* A later call changes one field; the others stay. */
    span_trace_fields_t t2 = {.output = "final"};
    snprintf(t2.trace_id, sizeof t2.trace_id, "%s", TRACE);
    put(f, NULL, 0, &t2, 1);
    assert_row(f, "SELECT name, output, span_count FROM traces", "my trace|final|5");
}

static void test_checks(void **state)
{
    (void)state;
    err_t err;
    span_row_t ok = span(TRACE, "00000000000000a1", NULL, "x", 0, 1);
    assert_int_equal(span_row_check(&ok, &err), 0);

    span_row_t r = ok;
    snprintf(r.trace_id, sizeof r.trace_id, "0AF7651916CD43DD8448EB211C80319C");
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "trace_id");
    r = ok;
    snprintf(r.trace_id, sizeof r.trace_id, "00000000000000000000000000000000");
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "trace_id");
    r = ok;
    snprintf(r.span_id, sizeof r.span_id, "123");
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "span_id");
    r = ok;
    snprintf(r.parent_span_id, sizeof r.parent_span_id, "zz00000000000000");
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "parent_span_id");
    r = ok;
    r.name = "";
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "name");
    r = ok;
    r.start_ns = 0;
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "start_time");
    r = ok;
    r.end_ns = r.start_ns - 1;
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "end_time");
    r = ok;
    r.status = "fine";
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "status");
    r = ok;
    r.type = "banana";
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "type");
    r = ok;
    r.kind = "sideways";
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "kind");
    r = ok;
    r.cost_usd = -1;
    assert_int_equal(span_row_check(&r, &err), -1);
    assert_string_equal(err.field, "cost_usd");
}

/* A bad trace id in the fields is a 400 and writes nothing. */
static void test_write_errors(void **state)
{
    fixture_t *f = *state;
    span_row_t s = span(TRACE, "00000000000000a1", NULL, "x", 0, 1);
    span_trace_fields_t t = {.name = "n"};
    snprintf(t.trace_id, sizeof t.trace_id, "nothex");
    err_t err;
    assert_int_equal(span_store_write(f->store, &s, 1, &t, 1, NULL, &err), -1);
    assert_int_equal(err.status, 400);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 0);
}

/* Many traces in one call: more than one chunk of every statement. */
static void test_large_batch(void **state)
{
    fixture_t *f = *state;
    enum { NT = 700, PER = 3 };
    span_row_t *s = calloc(NT * PER, sizeof *s);
    char(*names)[16] = calloc(NT * PER, sizeof *names);
    for (int t = 0; t < NT; t++) {
        char trace[33], root[17];
        snprintf(trace, sizeof trace, "%032x", t + 1);
        snprintf(root, sizeof root, "%016x", t * 10 + 1);
        for (int k = 0; k < PER; k++) {
            char id[17];
            snprintf(id, sizeof id, "%016x", t * 10 + k + 1);
            snprintf(names[t * PER + k], 16, "s%d", k);
            s[t * PER + k] = span(trace, id, k ? root : NULL, names[t * PER + k], k, k + 10);
            s[t * PER + k].input_tokens = k + 1;
        }
    }
    put(f, s, NT * PER, NULL, 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM traces"), NT);
    assert_int_equal(test_store_count(f->store, "SELECT SUM(input_tokens) FROM traces"), NT * 6);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM traces WHERE name = 's0' "
                                                "AND span_count = 3 AND end_ms - start_ms = 12"),
                     NT);
    free(s);
    free(names);
}

/* Spans of one trace written by several connections at once: every roll-up counts every span
 * (PostgreSQL takes a per-trace lock; SQLite's writers take turns). */
enum { WRITERS = 4, WRITES = 10, PER_WRITE = 40 };

typedef struct writer {
    fixture_t *f;
    int index;
    int failed;
} writer_t;

static void *write_loop(void *arg)
{
    writer_t *w = arg;
    char ids[PER_WRITE][17];
    span_row_t s[PER_WRITE];
    for (int i = 0; i < WRITES; i++) {
        for (int k = 0; k < PER_WRITE; k++) {
            snprintf(ids[k], sizeof ids[k], "%04x%04x%08x", w->index + 1, i + 1, k + 1);
            s[k] = span(TRACE, ids[k], "00000000000000a1", "child", 1 + i, 2 + i);
            s[k].input_tokens = 1;
        }
        err_t err;
        if (span_store_write(w->f->store, s, PER_WRITE, NULL, 0, NULL, &err) != 0)
            w->failed++;
    }
    return NULL;
}

static void test_concurrent_same_trace(void **state)
{
    fixture_t *f = *state;
    pthread_t threads[WRITERS];
    writer_t writers[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (writer_t){.f = f, .index = i};
        assert_int_equal(pthread_create(&threads[i], NULL, write_loop, &writers[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(writers[i].failed, 0);
    }
    assert_int_equal(test_store_count(f->store, "SELECT span_count FROM traces"),
                     WRITERS * WRITES * PER_WRITE);
    assert_int_equal(test_store_count(f->store, "SELECT input_tokens FROM traces"),
                     WRITERS * WRITES * PER_WRITE);
}

/* The gateway's records fill the issue-6 columns of spans and traces. */
static void test_gateway_columns(void **state)
{
    fixture_t *f = *state;
    json_t *rec = test_trace_record(1, 0, 1700000000000LL);
    trace_insert_result_t r;
    err_t err;
    assert_int_equal(trace_store_insert(f->store, &rec, 1, &r, &err), 0);
    /* test_trace_record(1, 0): user bob, session s1, endpoint ep0, provider openai, model
     * version "3" (prompt version 2). */
    assert_row(f,
               "SELECT s.session_id, s.user_id, s.endpoint, s.provider, s.type, s.source, "
               "CASE WHEN s.input IS NOT NULL AND s.latency_ms IS NOT NULL THEN 1 ELSE 0 END "
               "FROM spans s",
               "s1|bob|ep0|openai|llm|gateway|1");
    assert_row(f, "SELECT source, span_count, guardrail_hits, version FROM traces",
               "gateway|1|0|3");
    json_decref(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_rollup, setup),
        cmocka_unit_test_setup(test_out_of_order, setup),
        cmocka_unit_test_setup(test_resend_changes_nothing, setup),
        cmocka_unit_test_setup(test_update_merges, setup),
        cmocka_unit_test_setup(test_duplicates_in_batch, setup),
        cmocka_unit_test_setup(test_trace_fields_win, setup),
        cmocka_unit_test_setup(test_checks, setup),
        cmocka_unit_test_setup(test_write_errors, setup),
        cmocka_unit_test_setup(test_large_batch, setup),
        cmocka_unit_test_setup(test_concurrent_same_trace, setup),
        cmocka_unit_test_setup(test_gateway_columns, setup),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "span_store");
}
