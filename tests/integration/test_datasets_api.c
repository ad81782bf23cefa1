/* test_datasets_api.c - datasets over real HTTP and through the CLI: create / list with a
 * cursor / get, importing JSONL and CSV bodies (Content-Type or ?format=), duplicate content
 * answering 200 "created": false, malformed files answering 400 with every bad line and storing
 * nothing, required columns, splits with previews and exports by split, CSV export, 404s and
 * 409s, and the CLI's import / show / head / export in-process and against the server. Runs
 * against the store in LLMOPS_TEST_STORE (SQLite when unset). */
#include "integration/api_testutil.h"

#include "base/buf.h"

/* POST a raw body with a Content-Type; the response (caller frees). */
static void post_raw(const char *path, const char *type, const char *body, test_response_t *res)
{
    char header[128];
    snprintf(header, sizeof header, "Content-Type: %s", type);
    const char *headers[] = {header, NULL};
    if (harness_request(server.url, "POST", path, headers, body, res) != 0)
        fail_msg("POST %s: no answer", path);
}

static void test_create_list_get(void **state)
{
    (void)state;
    json_decref(api_expect("POST", "/api/v1/datasets",
                           "{\"name\":\"alpha\",\"description\":\"d\",\"tags\":{\"k\":\"v\"}}",
                           201));
    json_decref(api_expect("POST", "/api/v1/datasets", "{\"name\":\"beta\"}", 201));
    api_fails("POST", "/api/v1/datasets", "{\"name\":\"alpha\"}", 409, "conflict", NULL);
    api_fails("POST", "/api/v1/datasets", "{\"name\":\"bad name\"}", 400, "invalid_argument",
              "name");
    api_fails("POST", "/api/v1/datasets", "{\"name\":\"x\",\"colour\":1}", 400, "invalid_argument",
              "colour");
    json_t *page = api_expect("GET", "/api/v1/datasets?limit=1", NULL, 200);
    assert_string_equal(jstr(json_array_get(json_object_get(page, "datasets"), 0), "name"),
                        "alpha");
    assert_string_equal(jstr(page, "next_cursor"), "alpha");
    json_decref(page);
    page = api_expect("GET", "/api/v1/datasets?limit=1&cursor=alpha", NULL, 200);
    assert_string_equal(jstr(json_array_get(json_object_get(page, "datasets"), 0), "name"), "beta");
    json_decref(page);
    json_t *d = api_expect("GET", "/api/v1/datasets/alpha", NULL, 200);
    assert_string_equal(jstr(json_object_get(d, "tags"), "k"), "v");
    json_decref(d);
    api_fails("GET", "/api/v1/datasets/nobody", NULL, 404, "not_found", NULL);
    api_fails("GET", "/api/v1/datasets?limit=x", NULL, 400, "invalid_argument", "limit");
}

static void test_import_jsonl_csv_and_duplicates(void **state)
{
    (void)state;
    test_response_t res;
    post_raw("/api/v1/datasets/qa/versions?source=upload&tag=team:eval", "application/x-ndjson",
             "{\"question\":\"2+2?\",\"answer\":\"4\"}\n{\"answer\":\"9\",\"question\":\"3*3?\"}\n",
             &res);
    assert_int_equal(res.status, 201);
    assert_true(json_is_true(json_object_get(res.json, "created")));
    assert_int_equal(jint(res.json, "version"), 1);
    assert_int_equal(jint(res.json, "row_count"), 2);
    assert_string_equal(jstr(json_object_get(res.json, "tags"), "team"), "eval");
    char digest[80];
    snprintf(digest, sizeof digest, "%s", jstr(res.json, "digest"));
    harness_response_free(&res);

    /* the same rows as CSV: the existing version, 200 */
    post_raw("/api/v1/datasets/qa/versions", "text/csv", "answer,question\n4,2+2?\n9,3*3?\n", &res);
    assert_int_equal(res.status, 200);
    assert_true(json_is_false(json_object_get(res.json, "created")));
    assert_int_equal(jint(res.json, "version"), 1);
    assert_string_equal(jstr(res.json, "digest"), digest);
    harness_response_free(&res);

    /* ?format= wins over the Content-Type; a split rule makes a new version of the same rows */
    post_raw("/api/v1/datasets/qa/versions?format=csv&split=train=0.5,test=0.5&seed=4&parent=1",
             "application/octet-stream", "question,answer\n2+2?,4\n3*3?,9\n", &res);
    assert_int_equal(res.status, 201);
    assert_int_equal(jint(res.json, "version"), 2);
    assert_string_equal(jstr(res.json, "digest"), digest);
    assert_string_equal(jstr(res.json, "parent"), "qa/1");
    json_t *counts = json_object_get(json_object_get(res.json, "splits"), "counts");
    assert_int_equal(jint(counts, "train") + jint(counts, "test"), 2);
    harness_response_free(&res);

    json_t *v = api_expect("GET", "/api/v1/datasets/qa/versions/latest", NULL, 200);
    assert_int_equal(jint(v, "version"), 2);
    assert_true(json_is_true(
        json_object_get(json_object_get(json_object_get(v, "schema"), "answer"), "required")));
    json_decref(v);
    json_t *list = api_expect("GET", "/api/v1/datasets/qa/versions?limit=1", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "versions")), 1);
    assert_int_equal(jint(list, "next_cursor"), 2);
    json_decref(list);
    json_t *edges = api_expect(
        "GET", "/api/v1/lineage/edges?type=dataset&id=qa/2&direction=upstream", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(edges, "edges")), 1);
    json_decref(edges);
    api_fails("GET", "/api/v1/datasets/qa/versions/9", NULL, 404, "not_found", NULL);
    api_fails("GET", "/api/v1/datasets/qa/versions/x", NULL, 400, "invalid_argument", "version");
}

static void test_malformed_imports_store_nothing(void **state)
{
    (void)state;
    char *before = api_snapshot("/api/v1/datasets/broken", "/api/v1/datasets?limit=1000");
    test_response_t res;
    post_raw("/api/v1/datasets/broken/versions", "application/x-ndjson",
             "{\"a\":1}\nnope\n{\"a\":2}\n[]\n", &res);
    assert_int_equal(res.status, 400);
    json_t *error = json_object_get(res.json, "error");
    assert_string_equal(jstr(error, "code"), "invalid_rows");
    assert_string_equal(jstr(error, "field"), "body");
    assert_int_equal(jint(error, "error_count"), 2);
    assert_int_equal(jint(json_array_get(json_object_get(error, "errors"), 0), "line"), 2);
    assert_int_equal(jint(json_array_get(json_object_get(error, "errors"), 1), "line"), 4);
    harness_response_free(&res);

    post_raw("/api/v1/datasets/broken/versions?required=q", "text/csv", "q,a\n1,2\n3\n", &res);
    assert_int_equal(res.status, 400);
    assert_int_equal(
        jint(json_array_get(json_object_get(json_object_get(res.json, "error"), "errors"), 0),
             "line"),
        3);
    harness_response_free(&res);
    post_raw("/api/v1/datasets/broken/versions?required=b", "text/csv", "q,a\n1,2\n", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(harness_error_code(&res), "invalid_rows");
    harness_response_free(&res);
    post_raw("/api/v1/datasets/broken/versions", "text/csv", "", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(harness_error_code(&res), "empty");
    harness_response_free(&res);
    post_raw("/api/v1/datasets/broken/versions", "text/plain", "{\"a\":1}\n", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(jstr(json_object_get(res.json, "error"), "field"), "format");
    harness_response_free(&res);
    post_raw("/api/v1/datasets/broken/versions?split=a=0.5", "text/csv", "a\n1\n", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(jstr(json_object_get(res.json, "error"), "field"), "split");
    harness_response_free(&res);
    post_raw("/api/v1/datasets/broken/versions?parent=7", "text/csv", "a\n1\n", &res);
    assert_int_equal(res.status, 404);
    harness_response_free(&res);
    api_assert_same(before, api_snapshot("/api/v1/datasets/broken", "/api/v1/datasets?limit=1000"));
}

static void test_rows_and_export(void **state)
{
    (void)state;
    buf_t body;
    buf_init(&body);
    for (int i = 0; i < 200; i++)
        buf_printf(&body, "{\"i\":%d,\"text\":\"a, \\\"b\\\"\",\"opt\":%s}\n", i,
                   i % 2 ? "null" : "\"x\"");
    test_response_t res;
    post_raw("/api/v1/datasets/big/versions?split=train=0.8,test=0.2&seed=7",
             "application/x-ndjson", body.data, &res);
    assert_int_equal(res.status, 201);
    json_int_t test_rows =
        jint(json_object_get(json_object_get(res.json, "splits"), "counts"), "test");
    harness_response_free(&res);
    buf_free(&body);

    json_t *rows =
        api_expect("GET", "/api/v1/datasets/big/versions/1/rows?offset=10&limit=5", NULL, 200);
    assert_int_equal(jint(rows, "total"), 200);
    json_t *items = json_object_get(rows, "rows");
    assert_int_equal(json_array_size(items), 5);
    assert_int_equal(jint(json_array_get(items, 0), "index"), 10);
    assert_int_equal(jint(json_object_get(json_array_get(items, 0), "row"), "i"), 10);
    json_decref(rows);
    rows = api_expect("GET", "/api/v1/datasets/big/versions/latest/rows?split=test&limit=1000",
                      NULL, 200);
    assert_int_equal(jint(rows, "total"), test_rows);
    assert_int_equal(json_array_size(json_object_get(rows, "rows")), (size_t)test_rows);
    json_decref(rows);
    api_fails("GET", "/api/v1/datasets/big/versions/1/rows?split=dev", NULL, 400,
              "invalid_argument", "split");
    api_fails("GET", "/api/v1/datasets/big/versions/1/rows?limit=0", NULL, 400, "invalid_argument",
              "limit");

    api_call("GET", "/api/v1/datasets/big/versions/1/export?format=jsonl&split=test", NULL, &res);
    assert_int_equal(res.status, 200);
    size_t lines = 0;
    for (const char *p = res.body; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, (size_t)test_rows);
    char type[64];
    assert_string_equal(harness_header(&res, "Content-Type", type, sizeof type),
                        "application/x-ndjson");
    harness_response_free(&res);
    api_call("GET", "/api/v1/datasets/big/versions/1/export?format=csv", NULL, &res);
    assert_int_equal(res.status, 200);
    assert_non_null(
        strstr(res.body, "i,opt,text\r\n0,x,\"a, \"\"b\"\"\"\r\n1,,\"a, \"\"b\"\"\"\r\n"));
    harness_response_free(&res);
    api_fails("GET", "/api/v1/datasets/big/versions/1/export?format=xml", NULL, 400,
              "invalid_argument", "format");
    api_fails("GET", "/api/v1/datasets/none/versions/1/export", NULL, 404, "not_found", NULL);
}

static void test_cli(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmops-ds-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300], out[16384];
    snprintf(path, sizeof path, "%s/qa.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("question,answer\n2+2?,4\n3*3?,9\n1+1?,2\n", f);
    fclose(f);
    /* against the server */
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s datasets import cliqa %s --required "
                             "question --split train=0.5,test=0.5 --seed 1",
                             harness_bin(), server.url, path),
                     0);
    assert_non_null(strstr(out, "\"created\": true"));
    assert_non_null(strstr(out, "\"source\": \"qa.csv\""));
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s datasets head cliqa -n 2",
                             harness_bin(), server.url),
                     0);
    assert_string_equal(out, "{\"answer\":\"4\",\"question\":\"2+2?\"}\n"
                             "{\"answer\":\"9\",\"question\":\"3*3?\"}\n");
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s datasets show cliqa/1", harness_bin(), server.url),
        0);
    assert_non_null(strstr(out, "\"row_count\": 3"));
    char exported[300];
    snprintf(exported, sizeof exported, "%s/out.csv", dir);
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s datasets export cliqa --format csv "
                             "--out %s && cat %s",
                             harness_bin(), server.url, exported, exported),
                     0);
    assert_string_equal(out, "answer,question\r\n4,2+2?\r\n9,3*3?\r\n2,1+1?\r\n");
    /* re-importing the export gives the same version */
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s datasets import cliqa %s --split "
                             "train=0.5,test=0.5 --seed 1",
                             harness_bin(), server.url, exported),
                     0);
    assert_non_null(strstr(out, "\"created\": false"));
    /* a bad file: exit 1, every line named */
    snprintf(path, sizeof path, "%s/bad.jsonl", dir);
    f = fopen(path, "w");
    fputs("{\"a\":1}\nnot json\n{\"a\":2}\n5\n", f);
    fclose(f);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s datasets import cliqa %s",
                             harness_bin(), server.url, path),
                     1);
    assert_non_null(strstr(out, "line 2:"));
    assert_non_null(strstr(out, "line 4:"));
    /* in-process on a data directory of its own */
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --data %s/data datasets import local %s/qa.csv >/dev/null && "
                             "%s --data %s/data datasets export local/1",
                             harness_bin(), dir, dir, harness_bin(), dir),
                     0);
    assert_non_null(strstr(out, "{\"answer\":\"2\",\"question\":\"1+1?\"}\n"));
    assert_int_equal(
        run_cli(out, sizeof out, "%s --data %s/data datasets show local/5", harness_bin(), dir), 1);
    harness_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_list_get),
        cmocka_unit_test(test_import_jsonl_csv_and_duplicates),
        cmocka_unit_test(test_malformed_imports_store_nothing),
        cmocka_unit_test(test_rows_and_export),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests_name("datasets api", tests, setup_server, teardown_server);
}
