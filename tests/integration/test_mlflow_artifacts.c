/* test_mlflow_artifacts.c - MLflow's artifact proxy and listing over real HTTP: upload and
 * download bytes (binary included), nested listing at every level of the proxy tree,
 * artifacts/list with root_uri, replacing a file, file/directory clashes, traversal and other
 * bad paths refused with nothing stored, unknown runs, and a run of another experiment. */
#include "integration/harness.h"

static test_server_t server;
static char run_id[64];

static int setup_server(void **state)
{
    (void)state;
    harness_start(&server, NULL);
    test_response_t res;
    assert_int_equal(harness_request(server.url, "POST", "/api/2.0/mlflow/runs/create", NULL,
                                     "{\"experiment_id\":\"0\"}", &res),
                     0);
    assert_int_equal(res.status, 200);
    snprintf(run_id, sizeof run_id, "%s",
             json_string_value(json_object_get(
                 json_object_get(json_object_get(res.json, "run"), "info"), "run_id")));
    harness_response_free(&res);
    return 0;
}

static int teardown_server(void **state)
{
    (void)state;
    assert_int_equal(harness_stop(&server), 0);
    return 0;
}

static size_t read_cb(char *buf, size_t size, size_t n, void *userdata)
{
    harness_buf_t *src = userdata;
    size_t want = size * n < src->len ? size * n : src->len;
    memcpy(buf, src->data, want);
    src->data += want;
    src->len -= want;
    return want;
}

/* PUT raw bytes (may hold NULs) to a path; returns the status. path_as_is keeps "../". */
static long put_bytes(const char *path, const char *data, size_t len)
{
    CURL *curl = curl_easy_init();
    char url[2048];
    snprintf(url, sizeof url, "%s%s", server.url, path);
    harness_buf_t src = {(char *)data, len}, out = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, harness_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    long status = 0;
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    free(out.data);
    return status;
}

static void artifact_path(char *out, size_t size, const char *exp, const char *rel)
{
    snprintf(out, size, "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/%s", exp, run_id, rel);
}

static json_t *get_json(const char *path, long want)
{
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", path, NULL, NULL, &res), 0);
    if (res.status != want)
        fail_msg("GET %s -> %ld %s", path, res.status, res.body);
    json_t *out = json_incref(res.json);
    harness_response_free(&res);
    return out;
}

static void test_upload_download(void **state)
{
    (void)state;
    char path[512];
    const char bin[] = {'a', '\0', 'b', '\xff', '\n'};
    artifact_path(path, sizeof path, "0", "model/weights.bin");
    assert_int_equal(put_bytes(path, bin, sizeof bin), 200);
    test_response_t res;
    harness_request(server.url, "GET", path, NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.len, sizeof bin);
    assert_memory_equal(res.body, bin, sizeof bin);
    harness_response_free(&res);

    artifact_path(path, sizeof path, "0", "notes.txt");
    assert_int_equal(put_bytes(path, "first", 5), 200);
    assert_int_equal(put_bytes(path, "second", 6), 200); /* replaces */
    harness_request(server.url, "GET", path, NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body, "second");
    char ct[128];
    assert_non_null(strstr(harness_header(&res, "Content-Type", ct, sizeof ct), "text/plain"));
    harness_response_free(&res);

    /* an empty file is a file */
    artifact_path(path, sizeof path, "0", "model/empty");
    assert_int_equal(put_bytes(path, "", 0), 200);
    artifact_path(path, sizeof path, "0", "missing.txt");
    json_t *err = get_json(path, 404);
    assert_string_equal(json_string_value(json_object_get(err, "error_code")),
                        "RESOURCE_DOES_NOT_EXIST");
    json_decref(err);
}

static void test_listing(void **state)
{
    (void)state;
    char path[512];
    artifact_path(path, sizeof path, "0", "deep/a/b/c.txt");
    assert_int_equal(put_bytes(path, "c", 1), 200);

    char list[512];
    snprintf(list, sizeof list, "/api/2.0/mlflow/artifacts/list?run_id=%s", run_id);
    json_t *out = get_json(list, 200);
    char root[256];
    snprintf(root, sizeof root, "mlflow-artifacts:/0/%s/artifacts", run_id);
    assert_string_equal(json_string_value(json_object_get(out, "root_uri")), root);
    json_t *files = json_object_get(out, "files");
    /* deep/, model/, notes.txt (sorted by path) */
    assert_int_equal(json_array_size(files), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")),
                        "deep");
    assert_true(json_is_true(json_object_get(json_array_get(files, 0), "is_dir")));
    assert_null(json_object_get(json_array_get(files, 0), "file_size"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(files, 2), "path")),
                        "notes.txt");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(files, 2), "file_size")), 6);
    json_decref(out);

    snprintf(list, sizeof list, "/api/2.0/mlflow/artifacts/list?run_id=%s&path=model", run_id);
    out = get_json(list, 200);
    files = json_object_get(out, "files");
    assert_int_equal(json_array_size(files), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")),
                        "model/empty");
    json_decref(out);

    /* the proxy's own listing: basenames, at every level */
    snprintf(list, sizeof list, "/api/2.0/mlflow-artifacts/artifacts?path=0/%s/artifacts/deep/a",
             run_id);
    out = get_json(list, 200);
    files = json_object_get(out, "files");
    assert_int_equal(json_array_size(files), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")), "b");
    json_decref(out);
    out = get_json("/api/2.0/mlflow-artifacts/artifacts?path=0", 200);
    files = json_object_get(out, "files");
    assert_int_equal(json_array_size(files), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")),
                        run_id);
    json_decref(out);
    out = get_json("/api/2.0/mlflow-artifacts/artifacts", 200);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(out, "files"), 0), "path")),
                        "0");
    json_decref(out);
    /* a directory with nothing in it lists as {} (no files member, as MLflow) */
    snprintf(list, sizeof list, "/api/2.0/mlflow/artifacts/list?run_id=%s&path=nothing", run_id);
    out = get_json(list, 200);
    assert_null(json_object_get(out, "files"));
    json_decref(out);
}

static void test_bad_paths_store_nothing(void **state)
{
    (void)state;
    char path[512];
    const char *bad[] = {"%2e%2e/escape.txt", "a/../../escape.txt", "a/%2e%2e/x", "a//b", "a%5Cb",
                         "trailing/",         "ctl%01name"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        artifact_path(path, sizeof path, "0", bad[i]);
        long status = put_bytes(path, "x", 1);
        if (status != 400)
            fail_msg("PUT %s -> %ld, want 400", bad[i], status);
    }
    /* absolute and traversal in the proxy prefix itself */
    assert_int_equal(put_bytes("/api/2.0/mlflow-artifacts/artifacts//etc/passwd", "x", 1), 400);
    assert_int_equal(put_bytes("/api/2.0/mlflow-artifacts/artifacts/%00x", "x", 1), 400);
    /* not under <exp>/<run>/artifacts */
    snprintf(path, sizeof path, "/api/2.0/mlflow-artifacts/artifacts/0/%s/other/x", run_id);
    assert_int_equal(put_bytes(path, "x", 1), 400);
    /* a run of another experiment, an unknown run */
    artifact_path(path, sizeof path, "7", "x.txt");
    assert_int_equal(put_bytes(path, "x", 1), 404);
    assert_int_equal(put_bytes("/api/2.0/mlflow-artifacts/artifacts/0/"
                               "0123456789abcdef0123456789abcdef/artifacts/x",
                               "x", 1),
                     404);
    /* file/directory clashes */
    artifact_path(path, sizeof path, "0", "notes.txt/inner");
    assert_int_equal(put_bytes(path, "x", 1), 400);
    artifact_path(path, sizeof path, "0", "model");
    assert_int_equal(put_bytes(path, "x", 1), 400);
    /* nothing of that was stored: the listing is what the earlier tests made */
    char list[512];
    snprintf(list, sizeof list, "/api/2.0/mlflow/artifacts/list?run_id=%s", run_id);
    json_t *out = get_json(list, 200);
    json_t *files = json_object_get(out, "files");
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        assert_true(strcmp(p, "deep") == 0 || strcmp(p, "model") == 0 ||
                    strcmp(p, "notes.txt") == 0);
    }
    json_decref(out);
    snprintf(list, sizeof list, "/api/2.0/mlflow/artifacts/list?run_id=%s&path=../x", run_id);
    out = get_json(list, 400);
    json_decref(out);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload_download),
        cmocka_unit_test(test_listing),
        cmocka_unit_test(test_bad_paths_store_nothing),
    };
    int rc = cmocka_run_group_tests(tests, setup_server, teardown_server);
    curl_global_cleanup();
    return rc;
}
