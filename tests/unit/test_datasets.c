/* test_datasets.c - unit tests for datasets/: the JSONL and CSV parsers (malformed lines with
 * their numbers, quoted multi-line CSV records), canonical rows and content addressing (key
 * order, JSONL vs CSV, duplicate import returns the same version), schema inference, import
 * validation that stores nothing, required columns, seeded splits (deterministic, independent of
 * row order, proportions on 10,000 rows), references and the reader.
 *
 * The store tests run on SQLite and, when test_pg_url() names a server, on PostgreSQL
 * (store_testutil.h); the blob store is a temporary directory shared by the groups. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>

#include "blobs/blobs.h"
#include "datasets/canonical.h"
#include "datasets/datasets.h"
#include "datasets/parse.h"
#include "datasets/reader.h"
#include "datasets/schema_infer.h"
#include "datasets/splits.h"

static blobs_t *blobs;

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM dataset_versions");
    test_store_exec(f->store, "DELETE FROM versioned_datasets");
    test_store_exec(f->store, "DELETE FROM lineage_edges");
    return 0;
}

/* ---- helpers -------------------------------------------------------------------------------- */

static json_t *import_full(fixture_t *f, const dataset_import_in_t *in, int *created)
{
    err_t err;
    json_t *report = NULL;
    int made = -1;
    json_t *v = datasets_import(f->store, blobs, in, &made, &report, &err);
    if (!v)
        fail_msg("import %s: %s", in->name, err.message);
    assert_null(report);
    if (created)
        *created = made;
    return v;
}

static json_t *import_text(fixture_t *f, const char *name, const char *format, const char *data,
                           int *created)
{
    dataset_import_in_t in = {.name = name, .format = format, .data = data, .len = strlen(data)};
    return import_full(f, &in, created);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_int_t jint(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static json_int_t error_line(const json_t *errors, size_t i)
{
    return json_integer_value(json_object_get(json_array_get(errors, i), "line"));
}

/* ---- parsers -------------------------------------------------------------------------------- */

static void jsonl_reports_every_bad_line(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\n\nnot json\n[1,2]\n{\"a\":2}\r\n{\"a\":1,\"a\":2}\n\"s\"";
    ds_parsed_t p;
    ds_parse_jsonl(text, strlen(text), &p);
    assert_int_equal(json_array_size(p.rows), 2);
    assert_int_equal(p.lines[0], 1);
    assert_int_equal(p.lines[1], 5); /* the blank line 2 still counts */
    assert_int_equal(p.error_count, 4);
    assert_int_equal(error_line(p.errors, 0), 3);
    assert_int_equal(error_line(p.errors, 1), 4);
    assert_int_equal(error_line(p.errors, 2), 6);
    assert_int_equal(error_line(p.errors, 3), 7);
    assert_non_null(strstr(jstr(json_array_get(p.errors, 1), "message"), "array"));
    ds_parsed_free(&p);
}

static void jsonl_error_list_is_capped_but_counted(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < 250; i++)
        buf_append_str(&b, "x\n");
    ds_parsed_t p;
    ds_parse_jsonl(b.data, b.len, &p);
    assert_int_equal(p.error_count, 250);
    assert_int_equal(json_array_size(p.errors), DS_PARSE_MAX_REPORTED);
    assert_int_equal(error_line(p.errors, DS_PARSE_MAX_REPORTED - 1), DS_PARSE_MAX_REPORTED);
    ds_parsed_free(&p);
    buf_free(&b);
}

static void csv_parses_quotes_and_reports_field_counts(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFq,a\r\n"
                       "\"x, y\",1\r\n"
                       "\"two\nlines\",\"say \"\"hi\"\"\"\n"
                       "only-one\n"
                       "\n"
                       "a,b,c\n"
                       "007,\n";
    ds_parsed_t p;
    ds_parse_csv(text, strlen(text), &p);
    assert_int_equal(p.error_count, 2);
    assert_int_equal(error_line(p.errors, 0), 5); /* the quoted record spans lines 3-4 */
    assert_int_equal(error_line(p.errors, 1), 7);
    assert_int_equal(json_array_size(p.rows), 3);
    assert_int_equal(p.lines[2], 8);
    json_t *r1 = json_array_get(p.rows, 1);
    assert_string_equal(jstr(r1, "q"), "two\nlines");
    assert_string_equal(jstr(r1, "a"), "say \"hi\"");
    json_t *r2 = json_array_get(p.rows, 2);
    assert_string_equal(jstr(r2, "q"), "007"); /* values stay strings */
    assert_string_equal(jstr(r2, "a"), "");
    ds_parsed_free(&p);
}

static void csv_rejects_bad_header_and_quotes(void **state)
{
    (void)state;
    ds_parsed_t p;
    const char *dup = "a,b,a\n1,2,3\n";
    ds_parse_csv(dup, strlen(dup), &p);
    assert_int_equal(p.error_count, 1);
    assert_int_equal(error_line(p.errors, 0), 1);
    ds_parsed_free(&p);
    const char *stray = "a,b\n1,2\n3,x\"y\n";
    ds_parse_csv(stray, strlen(stray), &p);
    assert_true(p.error_count >= 1);
    assert_int_equal(error_line(p.errors, 0), 3);
    ds_parsed_free(&p);
    const char *open = "a\n\"never closed\n";
    ds_parse_csv(open, strlen(open), &p);
    assert_int_equal(p.error_count, 1);
    assert_int_equal(error_line(p.errors, 0), 2);
    ds_parsed_free(&p);
}

/* ---- canonical form and schema -------------------------------------------------------------- */

static void canonical_sorts_keys_at_every_depth(void **state)
{
    (void)state;
    json_t *a = json_loads("{\"b\":{\"y\":1,\"x\":[0.7,\"é\"]},\"a\":null}", 0, NULL);
    char *text = ds_canonical_row(a);
    assert_string_equal(text, "{\"a\":null,\"b\":{\"x\":[0.7,\"é\"],\"y\":1}}");
    free(text);
    json_decref(a);
}

static void schema_counts_types_nulls_and_missing(void **state)
{
    (void)state;
    json_t *rows =
        json_loads("[{\"a\":1,\"b\":\"x\"},{\"a\":2.5,\"b\":null},{\"a\":null,\"c\":[1]},"
                   "{\"a\":true,\"b\":\"y\"}]",
                   0, NULL);
    json_t *s = ds_schema_infer(rows);
    json_t *a = json_object_get(s, "a"), *b = json_object_get(s, "b"), *c = json_object_get(s, "c");
    char *types = json_dumps(json_object_get(a, "types"), JSON_COMPACT);
    assert_string_equal(types, "[\"boolean\",\"integer\",\"number\"]");
    free(types);
    assert_int_equal(jint(a, "null_count"), 1);
    assert_int_equal(jint(a, "missing_count"), 0);
    assert_true(json_is_true(json_object_get(a, "required")));
    assert_int_equal(jint(b, "null_count"), 1);
    assert_int_equal(jint(b, "missing_count"), 1);
    assert_true(json_is_false(json_object_get(b, "required")));
    assert_int_equal(jint(c, "missing_count"), 3);
    json_decref(s);
    json_decref(rows);
}

/* ---- splits --------------------------------------------------------------------------------- */

static void split_rules_parse_and_reject(void **state)
{
    (void)state;
    ds_split_rule_t r;
    err_t err;
    assert_int_equal(ds_split_rule_parse("train=0.8,validation=0.1,test=0.1", &r, &err), 0);
    assert_int_equal(r.n, 3);
    char *text = ds_split_rule_text(&r);
    assert_string_equal(text, "train=0.8,validation=0.1,test=0.1");
    free(text);
    const char *bad[] = {"",         "train",      "train=0.5",     "train=0.5,train=0.5",
                         "t=1.5",    "t=abc",      "a b=0.5,c=0.5", "a=0,b=1",
                         "a=0.5,b=", "=0.5,b=0.5", "a=0.6,b=0.6",   NULL};
    for (const char **b = bad; *b; b++) {
        err_clear(&err);
        if (ds_split_rule_parse(*b, &r, &err) == 0)
            fail_msg("accepted split rule '%s'", *b);
        assert_string_equal(err.field, "split");
    }
}

#define SPLIT_ROWS 10000

static void splits_are_deterministic_order_free_and_proportional(void **state)
{
    (void)state;
    ds_split_rule_t r;
    err_t err;
    assert_int_equal(ds_split_rule_parse("train=0.8,validation=0.1,test=0.1", &r, &err), 0);
    char **canon = calloc(SPLIT_ROWS, sizeof *canon),
         **reversed = calloc(SPLIT_ROWS, sizeof *canon);
    for (int i = 0; i < SPLIT_ROWS; i++) {
        char row[64];
        /* every 10th row repeats an earlier one: duplicates must still be assigned */
        snprintf(row, sizeof row, "{\"i\":%d}", i % 10 == 9 ? i - 1 : i);
        canon[i] = strdup(row);
        reversed[SPLIT_ROWS - 1 - i] = canon[i];
    }
    unsigned char *a = malloc(SPLIT_ROWS), *b = malloc(SPLIT_ROWS), *c = malloc(SPLIT_ROWS);
    ds_split_assign(&r, 7, canon, SPLIT_ROWS, a);
    ds_split_assign(&r, 7, canon, SPLIT_ROWS, b);
    assert_memory_equal(a, b, SPLIT_ROWS);
    ds_split_assign(&r, 7, reversed, SPLIT_ROWS, c);
    /* the same rows in reverse order: each distinct row keeps its split; the two copies of a
     * duplicate swap places in the order, so compare the multiset per duplicate pair */
    for (int i = 0; i < SPLIT_ROWS; i++) {
        if (i % 10 == 8 || i % 10 == 9) {
            int j = i - i % 10 + 8;
            int pa = a[j] * 16 + a[j + 1], pb = a[j + 1] * 16 + a[j];
            int pc = c[SPLIT_ROWS - 1 - j] * 16 + c[SPLIT_ROWS - 1 - (j + 1)];
            assert_true(pc == pa || pc == pb);
        } else {
            assert_int_equal(a[i], c[SPLIT_ROWS - 1 - i]);
        }
    }
    size_t counts[3] = {0};
    for (int i = 0; i < SPLIT_ROWS; i++)
        counts[a[i]]++;
    /* binomial standard deviation at n=10,000: 40 rows for 0.8, 30 for 0.1; 5 sigma is safe */
    assert_in_range(counts[0], 8000 - 200, 8000 + 200);
    assert_in_range(counts[1], 1000 - 150, 1000 + 150);
    assert_in_range(counts[2], 1000 - 150, 1000 + 150);
    /* another seed moves rows */
    ds_split_assign(&r, 8, canon, SPLIT_ROWS, b);
    assert_memory_not_equal(a, b, SPLIT_ROWS);
    for (int i = 0; i < SPLIT_ROWS; i++)
        free(canon[i]);
    free(canon);
    free(reversed);
    free(a);
    free(b);
    free(c);
}

static void refs_parse(void **state)
{
    (void)state;
    char name[DATASET_NAME_MAX + 1];
    int64_t v = -1;
    err_t err;
    assert_int_equal(datasets_parse_ref("qa", name, &v, &err), 0);
    assert_string_equal(name, "qa");
    assert_int_equal(v, 0);
    assert_int_equal(datasets_parse_ref("qa.v2@latest", name, &v, &err), 0);
    assert_string_equal(name, "qa.v2");
    assert_int_equal(v, 0);
    assert_int_equal(datasets_parse_ref("qa/12", name, &v, &err), 0);
    assert_int_equal(v, 12);
    const char *bad[] = {"", "/1", "qa/", "qa/0", "qa/x", "qa@prod", "qa/1/2", "-qa", "q a", NULL};
    for (const char **b = bad; *b; b++)
        if (datasets_parse_ref(*b, name, &v, &err) == 0)
            fail_msg("accepted reference '%s'", *b);
}

/* ---- the store ------------------------------------------------------------------------------ */

static void same_content_same_digest(void **state)
{
    fixture_t *f = *state;
    int created;
    json_t *v1 = import_text(f, "qa", "jsonl",
                             "{\"q\":\"a\",\"n\":\"1\"}\n{\"n\":\"2\",\"q\":\"b\"}\n", &created);
    assert_int_equal(created, 1);
    assert_int_equal(jint(v1, "version"), 1);
    /* other key order, CRLF, no final newline: the same content */
    json_t *v2 = import_text(f, "qa", "jsonl",
                             "{\"n\":\"1\",\"q\":\"a\"}\r\n{\"q\":\"b\",\"n\":\"2\"}", &created);
    assert_int_equal(created, 0);
    assert_int_equal(jint(v2, "version"), 1);
    /* the same rows as CSV */
    json_t *v3 = import_text(f, "qa", "csv", "q,n\na,1\nb,2\n", &created);
    assert_int_equal(created, 0);
    assert_string_equal(jstr(v3, "digest"), jstr(v1, "digest"));
    /* in another dataset: a new version with the same digest */
    json_t *other = import_text(f, "qa-copy", "csv", "n,q\n1,a\n2,b\n", &created);
    assert_int_equal(created, 1);
    assert_string_equal(jstr(other, "digest"), jstr(v1, "digest"));
    /* different content: version 2 */
    json_t *v4 = import_text(f, "qa", "jsonl", "{\"q\":\"a\",\"n\":1}\n", &created);
    assert_int_equal(created, 1);
    assert_int_equal(jint(v4, "version"), 2);
    assert_string_not_equal(jstr(v4, "digest"), jstr(v1, "digest"));
    /* the digest is the SHA-256 of the canonical rows */
    buf_t content;
    buf_init(&content);
    err_t err;
    assert_int_equal(blobs_get(blobs, jstr(v1, "digest"), &content, &err), 0);
    assert_string_equal(content.data, "{\"n\":\"1\",\"q\":\"a\"}\n{\"n\":\"2\",\"q\":\"b\"}\n");
    buf_free(&content);
    json_t *schema = json_object_get(v4, "schema");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(schema, "n"), "types"), 0)),
                        "integer");
    json_decref(v1);
    json_decref(v2);
    json_decref(v3);
    json_decref(v4);
    json_decref(other);
}

static void bad_import_stores_nothing(void **state)
{
    fixture_t *f = *state;
    const char *cases[][3] = {
        {"jsonl", "{\"a\":1}\n{bad\n{\"a\":2}\n7\n", "2,4"},
        {"csv", "a,b\n1,2\n3\n4,5,6\n", "3,4"},
        {"jsonl", "{\"q\":1}\n{\"q\":null}\n{\"x\":1}\n", "2,3"}, /* required q */
    };
    for (size_t i = 0; i < 3; i++) {
        dataset_import_in_t in = {.name = "bad",
                                  .format = cases[i][0],
                                  .data = cases[i][1],
                                  .len = strlen(cases[i][1]),
                                  .required = i == 2 ? "q" : NULL};
        err_t err;
        json_t *report = NULL;
        int created = -1;
        assert_null(datasets_import(f->store, blobs, &in, &created, &report, &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "invalid_rows");
        assert_non_null(report);
        json_t *errors = json_object_get(report, "errors");
        char lines[32];
        snprintf(lines, sizeof lines, "%lld,%lld", (long long)error_line(errors, 0),
                 (long long)error_line(errors, 1));
        assert_string_equal(lines, cases[i][2]);
        assert_int_equal(jint(report, "error_count"), 2);
        json_decref(report);
    }
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM dataset_versions"), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM versioned_datasets"), 0);
    /* empty input and bad arguments */
    const char *empties[] = {"", "\n  \n", NULL};
    for (const char **e = empties; *e; e++) {
        dataset_import_in_t in = {.name = "bad", .format = "jsonl", .data = *e, .len = strlen(*e)};
        err_t err;
        json_t *report = NULL;
        int created;
        assert_null(datasets_import(f->store, blobs, &in, &created, &report, &err));
        assert_string_equal(err.code, "empty");
    }
    const char *header_only = "a,b\n";
    dataset_import_in_t in = {
        .name = "bad", .format = "csv", .data = header_only, .len = strlen(header_only)};
    err_t err;
    json_t *report = NULL;
    int created;
    assert_null(datasets_import(f->store, blobs, &in, &created, &report, &err));
    assert_string_equal(err.code, "empty");
    in.format = "xml";
    assert_null(datasets_import(f->store, blobs, &in, &created, &report, &err));
    assert_string_equal(err.field, "format");
    in.format = "csv";
    in.name = "no/slash";
    assert_null(datasets_import(f->store, blobs, &in, &created, &report, &err));
    assert_string_equal(err.field, "name");
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM versioned_datasets"), 0);
}

static void versions_resolve_and_read(void **state)
{
    fixture_t *f = *state;
    json_decref(import_text(f, "qa", "jsonl", "{\"i\":1}\n", NULL));
    buf_t big;
    buf_init(&big);
    for (int i = 0; i < 100; i++)
        buf_printf(&big, "{\"i\":%d,\"text\":\"row %d\"}\n", i, i);
    dataset_import_in_t in = {.name = "qa",
                              .format = "jsonl",
                              .data = big.data,
                              .len = big.len,
                              .split = "train=0.5,test=0.5",
                              .seed = 3,
                              .source = "traces-export",
                              .parent = "1",
                              .description = "second"};
    int created;
    json_t *v2 = import_full(f, &in, &created);
    assert_int_equal(jint(v2, "version"), 2);
    assert_string_equal(jstr(v2, "parent"), "qa/1");
    assert_string_equal(jstr(v2, "source"), "traces-export");
    json_t *counts = json_object_get(json_object_get(v2, "splits"), "counts");
    json_int_t train = jint(counts, "train"), test = jint(counts, "test");
    assert_int_equal(train + test, 100);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM lineage_edges WHERE "
                                                "src_id = 'qa/1' AND dst_id = 'qa/2'"),
                     1);

    const char *refs[] = {"qa", "qa@latest", "qa/2"};
    err_t err;
    for (size_t k = 0; k < 3; k++) {
        dataset_reader_t *r;
        assert_int_equal(dataset_open(f->store, blobs, refs[k], "test", &r, &err), 0);
        assert_int_equal(jint(dataset_reader_version(r), "version"), 2);
        assert_int_equal(dataset_reader_count(r), (size_t)test);
        json_t *row;
        size_t n = 0, index;
        const char *split;
        long last = -1;
        while (dataset_reader_next_ex(r, &row, &index, &split, &err) == 1) {
            assert_string_equal(split, "test");
            assert_true((long)jint(row, "i") > last); /* in version order */
            assert_int_equal(jint(row, "i"), (json_int_t)index);
            last = (long)jint(row, "i");
            json_decref(row);
            n++;
        }
        assert_int_equal(n, (size_t)test);
        dataset_close(r);
    }
    dataset_reader_t *r;
    assert_int_equal(dataset_open(f->store, blobs, "qa/1", NULL, &r, &err), 0);
    assert_int_equal(dataset_reader_count(r), 1);
    buf_t out;
    buf_init(&out);
    assert_int_equal(dataset_export_csv(r, &out, &err), 0);
    assert_string_equal(out.data, "i\r\n1\r\n");
    dataset_close(r);
    buf_free(&out);
    assert_int_equal(dataset_open(f->store, blobs, "qa/1", "test", &r, &err), -1);
    assert_string_equal(err.field, "split");
    assert_int_equal(dataset_open(f->store, blobs, "qa/2", "nope", &r, &err), -1);
    assert_string_equal(err.field, "split");
    assert_int_equal(dataset_open(f->store, blobs, "qa/3", NULL, &r, &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(dataset_open(f->store, blobs, "nobody", NULL, &r, &err), -1);
    assert_int_equal(err.status, 404);

    /* a derived version: the parent's rows with a new split rule */
    dataset_import_in_t derive = {
        .name = "qa", .format = "jsonl", .parent = "2", .split = "a=0.5,b=0.5", .seed = 1};
    json_t *v3 = import_full(f, &derive, &created);
    assert_int_equal(created, 1);
    assert_int_equal(jint(v3, "version"), 3);
    assert_string_equal(jstr(v3, "digest"), jstr(v2, "digest"));
    json_t *again = import_full(f, &derive, &created);
    assert_int_equal(created, 0);
    assert_int_equal(jint(again, "version"), 3);

    json_t *page = datasets_list_versions(f->store, "qa", 2, 0, &err);
    assert_int_equal(json_array_size(json_object_get(page, "versions")), 2);
    assert_int_equal(jint(page, "next_cursor"), 2);
    json_t *rest = datasets_list_versions(f->store, "qa", 2, 2, &err);
    assert_int_equal(json_array_size(json_object_get(rest, "versions")), 1);
    assert_null(json_object_get(rest, "next_cursor"));
    json_decref(page);
    json_decref(rest);
    json_decref(v2);
    json_decref(v3);
    json_decref(again);
    buf_free(&big);
}

static void create_get_list(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *tags = json_pack("{s:s}", "team", "qa");
    json_t *d = datasets_create(f->store, "b-set", "the b set", tags, &err);
    assert_non_null(d);
    assert_true(json_is_null(json_object_get(d, "latest_version")));
    json_decref(d);
    assert_null(datasets_create(f->store, "b-set", NULL, NULL, &err));
    assert_int_equal(err.status, 409);
    json_t *bad_tags = json_pack("{s:i}", "n", 1);
    assert_null(datasets_create(f->store, "c", NULL, bad_tags, &err));
    assert_string_equal(err.field, "tags");
    json_decref(bad_tags);
    json_decref(datasets_create(f->store, "a-set", NULL, NULL, &err));
    json_decref(datasets_create(f->store, "c-set", NULL, NULL, &err));
    json_t *page = datasets_list(f->store, 2, NULL, &err);
    json_t *list = json_object_get(page, "datasets");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(jstr(json_array_get(list, 0), "name"), "a-set");
    assert_string_equal(jstr(page, "next_cursor"), "b-set");
    json_t *next = datasets_list(f->store, 2, "b-set", &err);
    assert_int_equal(json_array_size(json_object_get(next, "datasets")), 1);
    assert_null(json_object_get(next, "next_cursor"));
    assert_null(datasets_get(f->store, "zzz", &err));
    assert_int_equal(err.status, 404);
    json_decref(page);
    json_decref(next);
    json_decref(tags);
}

#define T(prefix, fn) cmocka_unit_test_prefix_setup(fn, prefix, setup)
#define cmocka_unit_test_prefix_setup(fn, prefix, s)                                               \
    (struct CMUnitTest)                                                                            \
    {                                                                                              \
        prefix #fn, fn, s, NULL, NULL                                                              \
    }

#define STORE_TESTS(prefix)                                                                        \
    T(prefix, same_content_same_digest), T(prefix, bad_import_stores_nothing),                     \
        T(prefix, versions_resolve_and_read), T(prefix, create_get_list)

int main(void)
{
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/blobs", dir);
    err_t err;
    if (blobs_open_local(path, &blobs, &err) != 0)
        fail_msg("blobs: %s", err.message);
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(jsonl_reports_every_bad_line),
        cmocka_unit_test(jsonl_error_list_is_capped_but_counted),
        cmocka_unit_test(csv_parses_quotes_and_reports_field_counts),
        cmocka_unit_test(csv_rejects_bad_header_and_quotes),
        cmocka_unit_test(canonical_sorts_keys_at_every_depth),
        cmocka_unit_test(schema_counts_types_nulls_and_missing),
        cmocka_unit_test(split_rules_parse_and_reject),
        cmocka_unit_test(splits_are_deterministic_order_free_and_proportional),
        cmocka_unit_test(refs_parse),
    };
    int failed = cmocka_run_group_tests_name("datasets", pure, NULL, NULL);
    const struct CMUnitTest sqlite_tests[] = {STORE_TESTS("sqlite: ")};
    failed += cmocka_run_group_tests_name("datasets sqlite", sqlite_tests, test_store_setup_sqlite,
                                          test_store_teardown);
    if (test_pg_url()) {
        const struct CMUnitTest pg_tests[] = {STORE_TESTS("postgresql: ")};
        failed += cmocka_run_group_tests_name("datasets postgresql", pg_tests, test_store_setup_pg,
                                              test_store_teardown);
    }
    blobs_close(blobs);
    test_rmtree(dir);
    return failed;
}
