/* test_scores.c - unit tests for feedback/scores.h and score_query.h on a migrated store:
 * type inference (true/false, numbers, strings), boolean stored as 1/0 plus "true"/"false",
 * explicit data types and their conflicts, validation errors naming the field (and writing
 * nothing), upsert by id keeping created_ms, scores_for_trace ordering, scores_list filters
 * and paging, scores_delete.
 *
 * Every test runs on SQLite and, when LLMOPS_TEST_PG_URL is set, on PostgreSQL. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>

#include "base/json.h"
#include "feedback/score_query.h"
#include "feedback/scores.h"

#define TRACE_A "0123456789abcdef0123456789abcdef"
#define TRACE_B "fedcba9876543210fedcba9876543210"

static int setup(void **state)
{
    test_store_t *f = *state;
    test_store_exec(f->store, "DELETE FROM scores");
    return 0;
}

/* Add a score given as JSON text; fails the test on error. */
static json_t *add_ok(test_store_t *f, const char *text)
{
    json_error_t jerr;
    json_t *in = json_loads(text, 0, &jerr);
    if (!in)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    err_t err;
    json_t *out = scores_add(f->store, in, &err);
    json_decref(in);
    if (!out)
        fail_msg("scores_add %s: %s", text, err.message);
    return out;
}

/* Add a score that must be refused with 400 naming field. */
static void add_bad(test_store_t *f, const char *text, const char *field)
{
    json_t *in = json_loads(text, 0, NULL);
    assert_non_null(in);
    err_t err;
    err_clear(&err);
    json_t *out = scores_add(f->store, in, &err);
    json_decref(in);
    if (out) {
        char *dump = json_to_string(out);
        fail_msg("accepted %s -> %s", text, dump);
    }
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, field);
}

static void infers_types(void **state)
{
    test_store_t *f = *state;
    json_t *b = add_ok(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"thumbs\",\"value\":true}");
    assert_string_equal(json_string_value(json_object_get(b, "data_type")), "boolean");
    assert_true(json_is_true(json_object_get(b, "value")));
    assert_string_equal(json_string_value(json_object_get(b, "source")), "api");
    assert_int_equal(strlen(json_string_value(json_object_get(b, "id"))), 36);
    assert_true(json_integer_value(json_object_get(b, "created_ms")) > 0);
    json_t *n = add_ok(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"stars\",\"value\":4.5}");
    assert_string_equal(json_string_value(json_object_get(n, "data_type")), "numeric");
    assert_true(json_number_value(json_object_get(n, "value")) == 4.5);
    json_t *c = add_ok(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"tone\",\"value\":\"rude\"}");
    assert_string_equal(json_string_value(json_object_get(c, "data_type")), "categorical");
    assert_string_equal(json_string_value(json_object_get(c, "value")), "rude");
    json_t *i = add_ok(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"n\",\"value\":3}");
    assert_true(json_is_integer(json_object_get(i, "value")));
    assert_int_equal(json_integer_value(json_object_get(i, "value")), 3);
    /* booleans are stored as 1/0 with "true"/"false" beside */
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores WHERE name = "
                                                "'thumbs' AND value = 1 AND string_value = 'true'"),
                     1);
    json_decref(b);
    json_decref(n);
    json_decref(c);
    json_decref(i);
}

static void explicit_types(void **state)
{
    test_store_t *f = *state;
    json_t *a = add_ok(f, "{\"trace_id\":\"" TRACE_A
                          "\",\"name\":\"ok\",\"value\":0,\"data_type\":\"boolean\"}");
    assert_true(json_is_false(json_object_get(a, "value")));
    json_t *b = add_ok(f, "{\"trace_id\":\"" TRACE_A
                          "\",\"name\":\"ok\",\"value\":\"True\",\"data_type\":\"boolean\"}");
    assert_true(json_is_true(json_object_get(b, "value")));
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores WHERE "
                                                "string_value = 'false' AND value = 0"),
                     1);
    add_bad(f,
            "{\"trace_id\":\"" TRACE_A "\",\"name\":\"ok\",\"value\":2,\"data_type\":\"boolean\"}",
            "value");
    add_bad(f,
            "{\"trace_id\":\"" TRACE_A
            "\",\"name\":\"ok\",\"value\":true,\"data_type\":\"numeric\"}",
            "value");
    add_bad(f,
            "{\"trace_id\":\"" TRACE_A
            "\",\"name\":\"ok\",\"value\":\"x\",\"data_type\":\"numeric\"}",
            "value");
    add_bad(f,
            "{\"trace_id\":\"" TRACE_A
            "\",\"name\":\"ok\",\"value\":1,\"data_type\":\"categorical\"}",
            "value");
    add_bad(f,
            "{\"trace_id\":\"" TRACE_A
            "\",\"name\":\"ok\",\"value\":\"maybe\",\"data_type\":\"boolean\"}",
            "value");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"ok\",\"value\":1,\"data_type\":\"float\"}",
            "data_type");
    json_decref(a);
    json_decref(b);
}

static void validation_names_field(void **state)
{
    test_store_t *f = *state;
    add_bad(f, "{\"name\":\"x\",\"value\":1}", "trace_id");
    add_bad(f, "{\"trace_id\":\"abc\",\"name\":\"x\",\"value\":1}", "trace_id");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"value\":1}", "name");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"\",\"value\":1}", "name");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\"}", "value");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":null}", "value");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":[1]}", "value");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":\"\"}", "value");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":1,\"span_id\":\"12\"}",
            "span_id");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":1,\"source\":\"robot\"}",
            "source");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":1,\"comment\":5}",
            "comment");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":1,\"created_ms\":-1}",
            "created_ms");
    add_bad(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":1,\"id\":\"\"}", "id");
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores"), 0);
}

static void all_fields_round_trip(void **state)
{
    test_store_t *f = *state;
    json_t *s = add_ok(f, "{\"trace_id\":\"0123456789ABCDEF0123456789ABCDEF\",\"span_id\":"
                          "\"00000000000000AA\",\"name\":\"helpful\",\"value\":false,\"comment\":"
                          "\"wrong city\",\"correction\":\"Paris\",\"source\":\"human\","
                          "\"author\":\"ann\",\"queue_id\":\"q1\",\"created_ms\":1000}");
    /* ids are stored lowercase */
    assert_string_equal(json_string_value(json_object_get(s, "trace_id")), TRACE_A);
    assert_string_equal(json_string_value(json_object_get(s, "span_id")), "00000000000000aa");
    assert_string_equal(json_string_value(json_object_get(s, "comment")), "wrong city");
    assert_string_equal(json_string_value(json_object_get(s, "correction")), "Paris");
    assert_string_equal(json_string_value(json_object_get(s, "source")), "human");
    assert_string_equal(json_string_value(json_object_get(s, "author")), "ann");
    assert_string_equal(json_string_value(json_object_get(s, "queue_id")), "q1");
    assert_int_equal(json_integer_value(json_object_get(s, "created_ms")), 1000);
    err_t err;
    json_t *list = scores_for_trace(f->store, TRACE_A, &err);
    assert_non_null(list);
    json_t *arr = json_object_get(list, "scores");
    assert_int_equal(json_array_size(arr), 1);
    assert_true(json_equal(json_array_get(arr, 0), s));
    json_decref(list);
    json_decref(s);
}

static void same_id_replaces(void **state)
{
    test_store_t *f = *state;
    json_t *a = add_ok(f, "{\"id\":\"s-1\",\"trace_id\":\"" TRACE_A
                          "\",\"name\":\"q\",\"value\":1,\"created_ms\":500}");
    json_t *b = add_ok(f, "{\"id\":\"s-1\",\"trace_id\":\"" TRACE_A
                          "\",\"name\":\"q\",\"value\":\"good\",\"comment\":\"changed\"}");
    assert_string_equal(json_string_value(json_object_get(b, "data_type")), "categorical");
    assert_string_equal(json_string_value(json_object_get(b, "value")), "good");
    assert_string_equal(json_string_value(json_object_get(b, "comment")), "changed");
    assert_int_equal(json_integer_value(json_object_get(b, "created_ms")), 500);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores"), 1);
    /* the replaced value leaves no trace of the number behind */
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores WHERE value IS NULL"),
                     1);
    json_t *c = add_ok(f, "{\"id\":\"s-1\",\"trace_id\":\"" TRACE_A
                          "\",\"name\":\"q\",\"value\":2,\"created_ms\":700}");
    assert_int_equal(json_integer_value(json_object_get(c, "created_ms")), 700);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void for_trace_orders_and_filters(void **state)
{
    test_store_t *f = *state;
    json_decref(add_ok(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"b\",\"value\":1,"
                          "\"created_ms\":300}"));
    json_decref(add_ok(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"a\",\"value\":1,"
                          "\"created_ms\":100}"));
    json_decref(add_ok(f, "{\"trace_id\":\"" TRACE_B "\",\"name\":\"c\",\"value\":1,"
                          "\"created_ms\":200}"));
    err_t err;
    json_t *list = scores_for_trace(f->store, TRACE_A, &err);
    json_t *arr = json_object_get(list, "scores");
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "name")), "a");
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "name")), "b");
    json_decref(list);
    assert_null(scores_for_trace(f->store, "nothex", &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "trace_id");
}

static void list_filters_and_pages(void **state)
{
    test_store_t *f = *state;
    for (int i = 0; i < 5; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"trace_id\":\"%s\",\"name\":\"%s\",\"value\":%d,\"source\":\"%s\","
                 "\"created_ms\":%d}",
                 i < 3 ? TRACE_A : TRACE_B, i % 2 ? "odd" : "even", i, i == 4 ? "eval" : "human",
                 1000 + i * 100);
        json_decref(add_ok(f, text));
    }
    err_t err;
    score_filter_t filter = {.trace_id = TRACE_A};
    json_t *page = scores_list(f->store, &filter, 2, NULL, &err);
    assert_non_null(page);
    assert_int_equal(json_array_size(json_object_get(page, "scores")), 2);
    const char *token = json_string_value(json_object_get(page, "next_page_token"));
    assert_non_null(token);
    json_t *page2 = scores_list(f->store, &filter, 2, token, &err);
    assert_int_equal(json_array_size(json_object_get(page2, "scores")), 1);
    assert_null(json_object_get(page2, "next_page_token"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(page2, "scores"), 0), "value")),
                     2);
    json_decref(page);
    json_decref(page2);

    score_filter_t by_name = {.name = "odd"};
    json_t *odd = scores_list(f->store, &by_name, 0, NULL, &err);
    assert_int_equal(json_array_size(json_object_get(odd, "scores")), 2);
    json_decref(odd);
    score_filter_t by_source = {.source = "eval"};
    json_t *ev = scores_list(f->store, &by_source, 0, NULL, &err);
    assert_int_equal(json_array_size(json_object_get(ev, "scores")), 1);
    json_decref(ev);
    score_filter_t window = {.since_ms = 1100, .until_ms = 1300};
    json_t *w = scores_list(f->store, &window, 0, NULL, &err);
    assert_int_equal(json_array_size(json_object_get(w, "scores")), 2);
    json_decref(w);

    score_filter_t bad_source = {.source = "x"};
    assert_null(scores_list(f->store, &bad_source, 0, NULL, &err));
    assert_string_equal(err.field, "source");
    assert_null(scores_list(f->store, &filter, SCORES_LIST_MAX + 1, NULL, &err));
    assert_string_equal(err.field, "limit");
    assert_null(scores_list(f->store, &filter, 0, "!!", &err));
    assert_string_equal(err.field, "page_token");
}

static void delete_by_id(void **state)
{
    test_store_t *f = *state;
    json_t *s = add_ok(f, "{\"trace_id\":\"" TRACE_A "\",\"name\":\"x\",\"value\":1}");
    err_t err;
    const char *id = json_string_value(json_object_get(s, "id"));
    assert_int_equal(scores_delete(f->store, id, &err), 0);
    assert_int_equal(scores_delete(f->store, id, &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM scores"), 0);
    json_decref(s);
}

#define T(fn)                                                                                      \
    {                                                                                              \
        .name = #fn, .test_func = fn, .setup_func = setup                                          \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(infers_types),           T(explicit_types),   T(validation_names_field),
        T(all_fields_round_trip),  T(same_id_replaces), T(for_trace_orders_and_filters),
        T(list_filters_and_pages), T(delete_by_id),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "scores");
}
