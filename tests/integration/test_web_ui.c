/* test_web_ui.c - the web UI: the embedded assets over real HTTP (index at /, files under /ui/,
 * ETag and 304, the build-time gzip copy, 404 for unknown files, the URL in the "listening"
 * line), then the end-to-end browser tests: the tests/web scripts drive Debian's chromium
 * through playwright-core against this server, seeding their data through the API, and save
 * screenshots under $BUILD/test-artifacts/ui/; the playground's calls go through the gateway to
 * the fake provider. Their TAP lines pass through to stdout. */
#include <zlib.h>

#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

static void get(const char *path, const char *const *headers, test_response_t *res)
{
    assert_int_equal(harness_request(server.url, "GET", path, headers, NULL, res), 0);
}

static void test_index_served_with_etag(void **state)
{
    (void)state;
    test_response_t res;
    char type[128], etag[128], cache[64];
    get("/", NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(harness_header(&res, "Content-Type", type, sizeof type),
                        "text/html; charset=utf-8");
    assert_non_null(strstr(res.body, "<script type=\"module\" src=\"/ui/app.js\">"));
    assert_string_equal(harness_header(&res, "Cache-Control", cache, sizeof cache), "no-cache");
    harness_header(&res, "ETag", etag, sizeof etag);
    assert_int_equal(strlen(etag), 34); /* quotes + 32 hex digits */
    harness_response_free(&res);

    char if_none[160];
    snprintf(if_none, sizeof if_none, "If-None-Match: \"other\", %s", etag);
    const char *revalidate[] = {if_none, NULL};
    get("/", revalidate, &res);
    assert_int_equal(res.status, 304);
    assert_int_equal(res.len, 0);
    harness_response_free(&res);

    const char *stale[] = {"If-None-Match: \"0123\"", NULL};
    get("/", stale, &res);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
}

/* The gzip copy decompresses to exactly the identity bytes; q=0 refuses gzip. */
static void test_assets_gzip_and_identity(void **state)
{
    (void)state;
    test_response_t plain, gz, refused;
    char enc[64], type[128];
    get("/ui/app.js", NULL, &plain);
    assert_int_equal(plain.status, 200);
    assert_string_equal(harness_header(&plain, "Content-Type", type, sizeof type),
                        "text/javascript; charset=utf-8");
    assert_string_equal(harness_header(&plain, "Content-Encoding", enc, sizeof enc), "");
    assert_true(plain.len > 1000);

    const char *accept[] = {"Accept-Encoding: br, gzip", NULL};
    get("/ui/app.js", accept, &gz);
    assert_int_equal(gz.status, 200);
    assert_string_equal(harness_header(&gz, "Content-Encoding", enc, sizeof enc), "gzip");
    assert_true(gz.len < plain.len);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    unsigned char *out = malloc(plain.len + 1);
    z.next_in = (unsigned char *)gz.body;
    z.avail_in = (uInt)gz.len;
    z.next_out = out;
    z.avail_out = (uInt)plain.len + 1;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, plain.len);
    assert_memory_equal(out, plain.body, plain.len);
    inflateEnd(&z);
    free(out);

    const char *no_gzip[] = {"Accept-Encoding: gzip;q=0, identity", NULL};
    get("/ui/app.js", no_gzip, &refused);
    assert_string_equal(harness_header(&refused, "Content-Encoding", enc, sizeof enc), "");
    assert_int_equal(refused.len, plain.len);

    test_response_t css;
    get("/ui/app.css", NULL, &css);
    assert_int_equal(css.status, 200);
    assert_string_equal(harness_header(&css, "Content-Type", type, sizeof type),
                        "text/css; charset=utf-8");
    harness_response_free(&css);
    harness_response_free(&plain);
    harness_response_free(&gz);
    harness_response_free(&refused);
}

static void test_unknown_paths(void **state)
{
    (void)state;
    test_response_t res;
    get("/ui/nope.js", NULL, &res);
    assert_int_equal(res.status, 404);
    assert_string_equal(harness_error_code(&res), "not_found");
    harness_response_free(&res);
    get("/ui/", NULL, &res);
    assert_int_equal(res.status, 404);
    harness_response_free(&res);
    get("/index.html", NULL, &res); /* only / and /ui/ are the UI's */
    assert_int_equal(res.status, 404);
    harness_response_free(&res);
    assert_int_equal(harness_request(server.url, "POST", "/", NULL, "{}", &res), 0);
    assert_int_equal(res.status, 405);
    harness_response_free(&res);
}

/* The "listening" line names the URL to open. */
static void test_listening_line_names_ui_url(void **state)
{
    (void)state;
    FILE *f = fopen(server.log_path, "r");
    assert_non_null(f);
    char line[4096], expected[128];
    snprintf(expected, sizeof expected, "%s/", server.url);
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        json_t *entry = json_loads(line, 0, NULL);
        const char *msg = json_string_value(json_object_get(entry, "msg"));
        if (msg && strcmp(msg, "listening") == 0) {
            assert_string_equal(json_string_value(json_object_get(entry, "ui")), expected);
            found = 1;
        }
        json_decref(entry);
    }
    fclose(f);
    assert_true(found);
}

static void test_browser(void **state)
{
    (void)state;
    if (access("/usr/bin/chromium", X_OK) != 0) {
        printf("# chromium is not installed (/usr/bin/chromium): run scripts/install-deps.sh; the "
               "browser tests are skipped\n");
        skip();
    }
    if (access("tests/web/node_modules/playwright-core/package.json", R_OK) != 0)
        fail_msg("tests/web/node_modules is missing: run scripts/install-deps.sh");
    /* The playground sends to a gateway endpoint whose upstream is the fake provider. */
    fake_provider_t fp;
    fake_start(&fp);
    const char *build = getenv("BUILD");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "BASE_URL=%s FAKE_PROVIDER_URL=%s/v1 SCREENSHOT_DIR=%s/test-artifacts/ui "
             "node --test --test-reporter=tap --test-concurrency=1 tests/web/*.test.mjs",
             server.url, fp.url, build && *build ? build : "build");
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    fake_stop(&fp);
    if (rc != 0)
        fail_msg("the browser tests failed (status %d)", rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_served_with_etag),
        cmocka_unit_test(test_assets_gzip_and_identity),
        cmocka_unit_test(test_unknown_paths),
        cmocka_unit_test(test_listening_line_names_ui_url),
        cmocka_unit_test(test_browser),
    };
    return cmocka_run_group_tests(tests, setup_server, teardown_server);
}
