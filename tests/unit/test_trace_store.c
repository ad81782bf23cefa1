/* test_trace_store.c - unit tests for traces/trace_store.h against a real, freshly migrated
 * store: a batch's rows (every column of traces, the span with its attributes and events),
 * idempotent inserts that count key usage once, invalid records skipped, list filters
 * (endpoint, model, status, key, user, session, time window) and their validation, pagination
 * newest first, get (400 malformed id, 404 unknown, uppercase accepted), and key usage.
 *
 * Every test runs on SQLite and, when test_pg_url() names a PostgreSQL server, again on
 * PostgreSQL (store_testutil.h). */
#include "unit/testutil.h"
#include "unit/store_testutil.h"
#include "unit/trace_testutil.h"

#include <math.h>

#include "traces/trace_query.h"
#include "traces/trace_store.h"

typedef test_store_t fixture_t;

#define BASE_MS 1700000000000LL

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM traces");
    test_store_exec(f->store, "DELETE FROM spans");
    test_store_exec(f->store, "DELETE FROM gateway_key_usage");
    return 0;
}

/* Insert records 0..n-1 of salt; fails the test on a store error. */
static trace_insert_result_t insert_n(fixture_t *f, int salt, int n)
{
    json_t **recs = calloc((size_t)n, sizeof *recs);
    for (int i = 0; i < n; i++)
        recs[i] = test_trace_record(salt, i, BASE_MS);
    trace_insert_result_t r;
    err_t err;
    if (trace_store_insert(f->store, recs, (size_t)n, &r, &err) != 0)
        fail_msg("trace_store_insert: %s", err.message);
    for (int i = 0; i < n; i++)
        json_decref(recs[i]);
    free(recs);
    return r;
}

static json_t *list(fixture_t *f, const trace_filter_t *filter, int limit, const char *token)
{
    err_t err;
    json_t *out = traces_list(f->store, filter, limit, token, &err);
    if (!out)
        fail_msg("traces_list: %s", err.message);
    return out;
}

static size_t list_count(fixture_t *f, const trace_filter_t *filter)
{
    json_t *out = list(f, filter, 1000, NULL);
    size_t n = json_array_size(json_object_get(out, "traces"));
    json_decref(out);
    return n;
}

static void test_insert_and_get(void **state)
{
    fixture_t *f = *state;
    trace_insert_result_t r = insert_n(f, 1, 5);
    assert_int_equal(r.inserted, 5);
    assert_int_equal(r.duplicates, 0);
    assert_int_equal(r.invalid, 0);
    char id[33];
    test_trace_id(1, 4, id);
    err_t err;
    json_t *t = traces_get(f->store, id, &err);
    assert_non_null(t);
    assert_string_equal(json_string_value(json_object_get(t, "trace_id")), id);
    assert_int_equal(json_integer_value(json_object_get(t, "start_ms")), BASE_MS + 40);
    assert_int_equal(json_integer_value(json_object_get(t, "end_ms")), BASE_MS + 45);
    assert_string_equal(json_string_value(json_object_get(t, "name")), "chat.completions");
    assert_string_equal(json_string_value(json_object_get(t, "status")), "error");
    assert_string_equal(json_string_value(json_object_get(t, "error")), "upstream said 502");
    assert_string_equal(json_string_value(json_object_get(t, "endpoint")), "ep0");
    assert_string_equal(json_string_value(json_object_get(t, "model")), "gpt-1");
    assert_string_equal(json_string_value(json_object_get(t, "provider")), "openai");
    assert_string_equal(json_string_value(json_object_get(t, "model_name")), "support-bot");
    assert_int_equal(json_integer_value(json_object_get(t, "model_version")), 3);
    assert_string_equal(json_string_value(json_object_get(t, "model_alias")), "prod");
    assert_string_equal(json_string_value(json_object_get(t, "prompt_name")), "greeting");
    assert_int_equal(json_integer_value(json_object_get(t, "prompt_version")), 2);
    assert_string_equal(json_string_value(json_object_get(t, "key_id")), "key-0");
    assert_string_equal(json_string_value(json_object_get(t, "user")), "bob");
    assert_string_equal(json_string_value(json_object_get(t, "session_id")), "s1");
    assert_int_equal(json_integer_value(json_object_get(t, "input_tokens")), 14);
    assert_int_equal(json_integer_value(json_object_get(t, "output_tokens")), 20);
    assert_true(fabs(json_real_value(json_object_get(t, "cost_usd")) - 0.005) < 1e-12);
    assert_true(fabs(json_real_value(json_object_get(t, "latency_ms")) - 5.5) < 1e-12);
    assert_true(fabs(json_real_value(json_object_get(t, "ttft_ms")) - 1.25) < 1e-12);
    assert_true(json_is_false(json_object_get(t, "cache_hit")));
    json_t *input = json_object_get(t, "input");
    assert_true(json_is_array(input));
    assert_string_equal(json_string_value(json_object_get(json_array_get(input, 0), "content")),
                        "hi");
    assert_string_equal(json_string_value(json_object_get(t, "output")), "hello");
    json_t *record = json_object_get(t, "record");
    assert_int_equal(json_integer_value(json_object_get(record, "http_status")), 502);
    json_t *spans = json_object_get(t, "spans");
    assert_int_equal(json_array_size(spans), 1);
    json_t *sp = json_array_get(spans, 0);
    assert_string_equal(json_string_value(json_object_get(sp, "span_id")), "0000000000000005");
    assert_string_equal(json_string_value(json_object_get(sp, "trace_id")), id);
    assert_true(json_is_null(json_object_get(sp, "parent_span_id")));
    assert_string_equal(json_string_value(json_object_get(sp, "kind")), "server");
    assert_string_equal(json_string_value(json_object_get(sp, "status")), "error");
    json_t *attrs = json_object_get(sp, "attributes");
    assert_string_equal(json_string_value(json_object_get(attrs, "gen_ai.operation.name")), "chat");
    assert_string_equal(json_string_value(json_object_get(attrs, "gen_ai.request.model")), "gpt-1");
    assert_int_equal(json_integer_value(json_object_get(attrs, "gen_ai.usage.input_tokens")), 14);
    json_t *events = json_object_get(sp, "events");
    assert_int_equal(json_array_size(events), 2); /* the attempt and the exception */
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 0), "name")),
                        "gateway.attempt");
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 1), "name")),
                        "exception");
    json_decref(t);

    /* Uppercase hex is the same trace. */
    char upper[33];
    for (int i = 0; i < 33; i++)
        upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
    t = traces_get(f->store, upper, &err);
    assert_non_null(t);
    json_decref(t);
}

static void test_get_errors(void **state)
{
    fixture_t *f = *state;
    err_t err;
    assert_null(traces_get(f->store, "nothex", &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "trace_id");
    assert_null(traces_get(f->store, "0123456789abcdef0123456789abcdeg", &err));
    assert_int_equal(err.status, 400);
    assert_null(traces_get(f->store, NULL, &err));
    assert_int_equal(err.status, 400);
    assert_null(traces_get(f->store, "0123456789abcdef0123456789abcdef", &err));
    assert_int_equal(err.status, 404);
}

static void test_idempotent_and_key_usage(void **state)
{
    fixture_t *f = *state;
    insert_n(f, 2, 6);
    trace_insert_result_t r = insert_n(f, 2, 6); /* a replay */
    assert_int_equal(r.inserted, 0);
    assert_int_equal(r.duplicates, 6);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM traces"), 6);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 6);
    /* A batch of old and new records counts only the new ones. */
    r = insert_n(f, 2, 8);
    assert_int_equal(r.inserted, 2);
    assert_int_equal(r.duplicates, 6);

    err_t err;
    json_t *usage = traces_key_usage(f->store, &err);
    assert_non_null(usage);
    assert_int_equal(json_object_size(usage), 2);
    json_t *k0 = json_object_get(usage, "key-0"), *k1 = json_object_get(usage, "key-1");
    /* key-0: records 0, 2, 4, 6; key-1: 1, 3, 5, 7 */
    assert_int_equal(json_integer_value(json_object_get(k0, "requests")), 4);
    assert_int_equal(json_integer_value(json_object_get(k1, "requests")), 4);
    assert_int_equal(json_integer_value(json_object_get(k0, "input_tokens")), 10 + 12 + 14 + 16);
    assert_int_equal(json_integer_value(json_object_get(k1, "output_tokens")), 80);
    assert_true(fabs(json_real_value(json_object_get(k0, "spent_usd")) - 0.016) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(k1, "spent_usd")) - 0.020) < 1e-9);
    assert_true(json_integer_value(json_object_get(k0, "updated_ms")) > 0);
    json_decref(usage);
}

static void test_unknown_cost_and_duplicates_in_batch(void **state)
{
    fixture_t *f = *state;
    json_t *a = test_trace_record(3, 0, BASE_MS);
    json_object_set_new(a, "cost_usd", json_null());
    json_t *recs[] = {a, a}; /* the same trace twice in one batch */
    trace_insert_result_t r;
    err_t err;
    assert_int_equal(trace_store_insert(f->store, recs, 2, &r, &err), 0);
    assert_int_equal(r.inserted, 1);
    assert_int_equal(r.duplicates, 1);
    json_t *usage = traces_key_usage(f->store, &err);
    json_t *k0 = json_object_get(usage, "key-0");
    assert_int_equal(json_integer_value(json_object_get(k0, "requests")), 1);
    assert_true(json_real_value(json_object_get(k0, "spent_usd")) == 0.0);
    json_decref(usage);
    char id[33];
    test_trace_id(3, 0, id);
    json_t *t = traces_get(f->store, id, &err);
    assert_true(json_is_null(json_object_get(t, "cost_usd")));
    json_decref(t);
    json_decref(a);
}

static void test_invalid_records_skipped(void **state)
{
    fixture_t *f = *state;
    json_t *good = test_trace_record(4, 0, BASE_MS);
    json_t *no_id = test_trace_record(4, 1, BASE_MS);
    json_object_del(no_id, "trace_id");
    json_t *bad_start = test_trace_record(4, 2, BASE_MS);
    json_object_set_new(bad_start, "start_ms", json_string("yesterday"));
    json_t *bad_span = test_trace_record(4, 3, BASE_MS);
    json_object_set_new(bad_span, "span_id", json_string("xyz"));
    json_t *bad_tokens = test_trace_record(4, 5, BASE_MS);
    json_object_set_new(bad_tokens, "input_tokens", json_string("many"));
    json_t *not_object = json_string("trace");
    json_t *recs[] = {good, no_id, bad_start, bad_span, bad_tokens, not_object};
    trace_insert_result_t r;
    err_t err;
    assert_int_equal(trace_store_insert(f->store, recs, 6, &r, &err), 0);
    assert_int_equal(r.inserted, 1);
    assert_int_equal(r.invalid, 5);
    assert_int_equal(trace_record_check(bad_span, &err), -1);
    assert_string_equal(err.field, "span_id");
    assert_int_equal(trace_record_check(bad_tokens, &err), -1);
    assert_string_equal(err.field, "input_tokens");
    for (size_t i = 0; i < 6; i++)
        json_decref(recs[i]);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM traces"), 1);
}

static void test_minimal_record(void **state)
{
    fixture_t *f = *state;
    /* Only the required fields: the span id is derived, status is "ok", end = start. */
    json_t *rec = json_pack("{s:s, s:I}", "trace_id", "ABCDEF0123456789abcdef0123456789",
                            "start_ms", (json_int_t)BASE_MS);
    trace_insert_result_t r;
    err_t err;
    assert_int_equal(trace_store_insert(f->store, &rec, 1, &r, &err), 0);
    assert_int_equal(trace_store_insert(f->store, &rec, 1, &r, &err), 0);
    assert_int_equal(r.duplicates, 1);
    json_decref(rec);
    json_t *t = traces_get(f->store, "abcdef0123456789abcdef0123456789", &err);
    assert_non_null(t);
    assert_string_equal(json_string_value(json_object_get(t, "status")), "ok");
    assert_int_equal(json_integer_value(json_object_get(t, "end_ms")), BASE_MS);
    assert_true(json_is_null(json_object_get(t, "input")));
    json_t *sp = json_array_get(json_object_get(t, "spans"), 0);
    assert_string_equal(json_string_value(json_object_get(sp, "span_id")), "abcdef0123456789");
    json_decref(t);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM gateway_key_usage"), 0);
}

static void test_list_filters(void **state)
{
    fixture_t *f = *state;
    insert_n(f, 5, 30);
    assert_int_equal(list_count(f, NULL), 30);
    assert_int_equal(list_count(f, &(trace_filter_t){.endpoint = "ep1"}), 15);
    assert_int_equal(list_count(f, &(trace_filter_t){.model = "gpt-0"}), 10);
    assert_int_equal(list_count(f, &(trace_filter_t){.status = "error"}), 6);
    assert_int_equal(list_count(f, &(trace_filter_t){.status = "ok"}), 24);
    assert_int_equal(list_count(f, &(trace_filter_t){.key_id = "key-1"}), 15);
    assert_int_equal(list_count(f, &(trace_filter_t){.user = "alice"}), 15);
    assert_int_equal(list_count(f, &(trace_filter_t){.session_id = "s1"}), 30);
    assert_int_equal(list_count(f, &(trace_filter_t){.session_id = "s2"}), 0);
    /* records 10..19 start at BASE+100 .. BASE+190 */
    assert_int_equal(
        list_count(f, &(trace_filter_t){.since_ms = BASE_MS + 100, .until_ms = BASE_MS + 200}), 10);
    assert_int_equal(
        list_count(
            f, &(trace_filter_t){.endpoint = "ep0", .model = "gpt-0", .since_ms = BASE_MS + 100}),
        /* i in 10..29, even, multiple of 3: 12, 18, 24 */ 3);

    err_t err;
    assert_null(traces_list(f->store, &(trace_filter_t){.status = "weird"}, 0, NULL, &err));
    assert_string_equal(err.field, "status");
    assert_null(traces_list(f->store, NULL, 1001, NULL, &err));
    assert_string_equal(err.field, "limit");
    assert_null(traces_list(f->store, NULL, -1, NULL, &err));
    assert_string_equal(err.field, "limit");
    assert_null(traces_list(f->store, NULL, 0, "not a token", &err));
    assert_string_equal(err.field, "page_token");
    assert_int_equal(err.status, 400);
}

static void test_list_pages_newest_first(void **state)
{
    fixture_t *f = *state;
    insert_n(f, 6, 25);
    char *token = NULL;
    int64_t last = INT64_MAX;
    size_t seen = 0, pages = 0;
    do {
        json_t *page = list(f, NULL, 10, token);
        free(token);
        token = NULL;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(page, "traces"), i, t)
        {
            int64_t start = json_integer_value(json_object_get(t, "start_ms"));
            assert_true(start < last);
            last = start;
            assert_null(json_object_get(t, "data"));
            assert_null(json_object_get(t, "input"));
            seen++;
        }
        const char *next = json_string_value(json_object_get(page, "next_page_token"));
        if (next)
            token = strdup(next);
        json_decref(page);
        pages++;
    } while (token);
    assert_int_equal(seen, 25);
    assert_int_equal(pages, 3);
    assert_int_equal(last, BASE_MS);
    /* The default limit pages too: exactly 100 gives no next page. */
    json_t *all = list(f, NULL, 0, NULL);
    assert_null(json_object_get(all, "next_page_token"));
    json_decref(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_insert_and_get, setup),
        cmocka_unit_test_setup(test_get_errors, setup),
        cmocka_unit_test_setup(test_idempotent_and_key_usage, setup),
        cmocka_unit_test_setup(test_unknown_cost_and_duplicates_in_batch, setup),
        cmocka_unit_test_setup(test_invalid_records_skipped, setup),
        cmocka_unit_test_setup(test_minimal_record, setup),
        cmocka_unit_test_setup(test_list_filters, setup),
        cmocka_unit_test_setup(test_list_pages_newest_first, setup),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "trace_store");
}
