/* test_vectors_api.c - the vector store over real HTTP and through the CLI: collections
 * (create / 409 / 400 naming the field / list / get / delete / 404), raw uploads of Markdown,
 * HTML and JSONL and a JSON body, search in dense, keyword and hybrid mode with metadata
 * filters (every result passes the filter, carries text, source, metadata and retrievers), bad
 * uploads and bad searches answering 400 with nothing changed, document deletes, the index
 * surviving a server restart with the same answers, and `llmops vectors` against the server.
 * Runs against the store in LLMOPS_TEST_STORE (SQLite when unset). */
#include "integration/api_testutil.h"

static void post_raw(const char *path, const char *type, const char *body, test_response_t *res)
{
    char header[128];
    snprintf(header, sizeof header, "Content-Type: %s", type);
    const char *headers[] = {header, NULL};
    if (harness_request(server.url, "POST", path, headers, body, res) != 0)
        fail_msg("POST %s: no answer", path);
}

static const char markdown[] = "# Install\n\nDownload the binary and run the installer.\n\n"
                               "## Debian\n\nUse apt-get to install the package on Debian.\n\n"
                               "# Billing\n\nInvoices are sent monthly.\n";
static const char html[] = "<html><head><script>var leaked = 'secret';</script></head><body>"
                           "<h1>Refunds</h1><p>Refunds take <b>five</b> days &amp; go to the "
                           "card.</p><h2>Exceptions</h2><p>Gift cards are never refunded.</p>"
                           "</body></html>";
static const char jsonl[] =
    "{\"source\":\"faq-1\",\"text\":\"How do I reset my "
    "password?\",\"lang\":\"en\",\"year\":2021}\n"
    "{\"source\":\"faq-2\",\"text\":\"Comment changer mon mot de passe ?\",\"lang\":\"fr\","
    "\"year\":2023}\n"
    "{\"source\":\"faq-3\",\"text\":\"Password rules: twelve characters.\",\"lang\":\"en\","
    "\"year\":2024}\n";

static json_int_t chunk_count(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/collections/%s", name);
    json_t *c = api_expect("GET", path, NULL, 200);
    json_int_t n = jint(json_object_get(c, "collection"), "chunks");
    json_decref(c);
    return n;
}

static void ingest_fixtures(const char *name)
{
    char path[256];
    test_response_t res;
    snprintf(path, sizeof path, "/api/v1/collections/%s/documents?source=guide.md", name);
    post_raw(path, "text/markdown", markdown, &res);
    assert_int_equal(res.status, 200);
    assert_int_equal(jint(res.json, "chunks_added"), 3);
    harness_response_free(&res);
    snprintf(path, sizeof path, "/api/v1/collections/%s/documents?source=refunds.html", name);
    post_raw(path, "text/html; charset=utf-8", html, &res);
    assert_int_equal(res.status, 200);
    assert_int_equal(jint(res.json, "chunks_added"), 2);
    harness_response_free(&res);
    snprintf(path, sizeof path, "/api/v1/collections/%s/documents", name);
    post_raw(path, "application/x-ndjson", jsonl, &res);
    assert_int_equal(res.status, 200);
    assert_int_equal(json_array_size(json_object_get(res.json, "documents")), 3);
    harness_response_free(&res);
}

static void test_collections(void **state)
{
    (void)state;
    json_t *c = api_expect("POST", "/api/v1/collections",
                           "{\"name\":\"kb\",\"dimension\":256,\"distance\":\"cosine\"}", 201);
    assert_string_equal(jstr(json_object_get(c, "collection"), "name"), "kb");
    json_decref(c);
    api_fails("POST", "/api/v1/collections", "{\"name\":\"kb\"}", 409, "conflict", NULL);
    api_fails("POST", "/api/v1/collections", "{\"name\":\"k b\"}", 400, "invalid_argument", "name");
    api_fails("POST", "/api/v1/collections", "{\"name\":\"x\",\"distance\":\"hamming\"}", 400,
              "invalid_argument", "distance");
    json_t *list = api_expect("GET", "/api/v1/collections", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "collections")), 1);
    json_decref(list);
    api_fails("GET", "/api/v1/collections/none", NULL, 404, "not_found", NULL);
    json_decref(api_expect("POST", "/api/v1/collections", "{\"name\":\"tmp\"}", 201));
    json_decref(api_expect("DELETE", "/api/v1/collections/tmp", NULL, 200));
    api_fails("DELETE", "/api/v1/collections/tmp", NULL, 404, "not_found", NULL);
}

static void test_ingest_and_search(void **state)
{
    (void)state;
    ingest_fixtures("kb");
    assert_int_equal(chunk_count("kb"), 8);
    /* JSON body, and the same again: unchanged. */
    const char *body = "{\"documents\":[{\"source\":\"note\",\"text\":\"Support hours are nine "
                       "to five.\",\"metadata\":{\"lang\":\"en\",\"year\":2022}}]}";
    json_t *r = api_expect("POST", "/api/v1/collections/kb/documents", body, 200);
    assert_string_equal(jstr(json_array_get(json_object_get(r, "documents"), 0), "status"),
                        "created");
    json_decref(r);
    r = api_expect("POST", "/api/v1/collections/kb/documents", body, 200);
    assert_string_equal(jstr(json_array_get(json_object_get(r, "documents"), 0), "status"),
                        "unchanged");
    json_decref(r);

    const char *modes[] = {"dense", "keyword", "hybrid"};
    for (int m = 0; m < 3; m++) {
        char q[512];
        snprintf(q, sizeof q,
                 "{\"query\":\"reset password\",\"mode\":\"%s\",\"k\":5,"
                 "\"filter\":{\"lang\":\"en\",\"year\":{\"$gte\":2021}}}",
                 modes[m]);
        json_t *out = api_expect("POST", "/api/v1/collections/kb/search", q, 200);
        json_t *results = json_object_get(out, "results");
        assert_true(json_array_size(results) >= 1);
        size_t i;
        json_t *hit;
        json_array_foreach(results, i, hit)
        {
            assert_string_equal(jstr(json_object_get(hit, "metadata"), "lang"), "en");
            assert_non_null(jstr(hit, "text"));
            assert_non_null(jstr(hit, "source"));
            assert_true(json_is_number(json_object_get(hit, "score")));
        }
        assert_string_equal(jstr(json_array_get(results, 0), "source"), "faq-1");
        json_decref(out);
    }
    /* HTML: headings kept, scripts never indexed. */
    json_t *out = api_expect("POST", "/api/v1/collections/kb/search",
                             "{\"query\":\"gift cards refunded\",\"k\":1}", 200);
    json_t *top = json_array_get(json_object_get(out, "results"), 0);
    assert_string_equal(jstr(top, "source"), "refunds.html");
    assert_string_equal(jstr(json_object_get(top, "metadata"), "heading"), "Refunds > Exceptions");
    json_decref(out);
    out = api_expect("POST", "/api/v1/collections/kb/search",
                     "{\"query\":\"leaked secret\",\"mode\":\"keyword\"}", 200);
    assert_int_equal(json_array_size(json_object_get(out, "results")), 0);
    json_decref(out);
    /* Markdown headings as metadata. */
    out = api_expect("POST", "/api/v1/collections/kb/search",
                     "{\"query\":\"apt-get Debian\",\"k\":1,\"exact\":true}", 200);
    top = json_array_get(json_object_get(out, "results"), 0);
    assert_string_equal(jstr(json_object_get(top, "metadata"), "heading"), "Install > Debian");
    json_decref(out);
}

static void test_bad_input_changes_nothing(void **state)
{
    (void)state;
    json_int_t before = chunk_count("kb");
    test_response_t res;
    post_raw("/api/v1/collections/kb/documents", "application/x-ndjson",
             "{\"text\":\"fine\"}\n{\"text\":\"also fine\"}\n{broken\n", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(jstr(json_object_get(res.json, "error"), "field"), "line 3");
    harness_response_free(&res);
    post_raw("/api/v1/collections/kb/documents", "text/markdown", "# no source", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(jstr(json_object_get(res.json, "error"), "field"), "source");
    harness_response_free(&res);
    post_raw("/api/v1/collections/kb/documents?source=x", "application/pdf", "%PDF", &res);
    assert_int_equal(res.status, 400);
    harness_response_free(&res);
    api_fails("POST", "/api/v1/collections/kb/documents",
              "{\"documents\":[{\"source\":\"ok\",\"text\":\"ok\"},{\"source\":\"bad\","
              "\"text\":\"x\",\"metadata\":[1]}]}",
              400, "invalid_argument", "documents[1].metadata");
    api_fails("POST", "/api/v1/collections/kb/documents", "{}", 400, "invalid_argument",
              "documents");
    api_fails("POST", "/api/v1/collections/none/documents", "{\"documents\":[]}", 404, "not_found",
              NULL);
    assert_int_equal(chunk_count("kb"), before);
    api_fails("POST", "/api/v1/collections/kb/search", "{\"query\":\"x\",\"mode\":\"magic\"}", 400,
              "invalid_argument", "mode");
    api_fails("POST", "/api/v1/collections/kb/search",
              "{\"query\":\"x\",\"filter\":{\"year\":{\"$gt\":[1]}}}", 400, "invalid_argument",
              "filter.year");
    api_fails("POST", "/api/v1/collections/kb/search", "{\"k\":3}", 400, "invalid_argument",
              "query");
}

static void test_deletes_and_restart(void **state)
{
    (void)state;
    const char *q = "{\"query\":\"password\",\"mode\":\"dense\",\"k\":5}";
    json_t *before = api_expect("POST", "/api/v1/collections/kb/search", q, 200);
    json_decref(api_expect("DELETE", "/api/v1/collections/kb/documents/faq-3", NULL, 200));
    api_fails("DELETE", "/api/v1/collections/kb/documents/faq-3", NULL, 404, "not_found", NULL);
    json_t *d = api_expect("POST", "/api/v1/collections/kb/documents/delete",
                           "{\"filter\":{\"lang\":\"fr\"}}", 200);
    assert_int_equal(jint(json_object_get(d, "deleted"), "documents"), 1);
    json_decref(d);
    json_t *after = api_expect("POST", "/api/v1/collections/kb/search", q, 200);
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(after, "results"), i, hit)
    {
        assert_string_not_equal(jstr(hit, "source"), "faq-3");
        assert_string_not_equal(jstr(hit, "source"), "faq-2");
    }
    assert_true(json_array_size(json_object_get(after, "results")) <
                json_array_size(json_object_get(before, "results")) + 1);
    json_decref(before);

    /* Restart on the same data directory: the index comes back from its file. */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", server.dir);
    assert_int_equal(harness_stop_keep(&server), 0);
    harness_start_in(&server, dir, NULL);
    json_t *again = api_expect("POST", "/api/v1/collections/kb/search", q, 200);
    assert_true(json_equal(json_object_get(after, "results"), json_object_get(again, "results")));
    json_decref(again);
    json_decref(after);
}

static void test_cli(void **state)
{
    (void)state;
    char out[16384], dir[] = "/tmp/llmops-vec-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof path, "%s/guide.md", dir);
    FILE *f = fopen(path, "w");
    fputs(markdown, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/faq.jsonl", dir);
    f = fopen(path, "w");
    fputs(jsonl, f);
    fclose(f);
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s vectors create clikb --dimension 128 --chunk-size 400",
                             harness_bin(), server.url),
                     0);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s vectors ingest clikb %s/guide.md %s",
                             harness_bin(), server.url, dir, path),
                     0);
    assert_non_null(strstr(out, "\"guide.md\""));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s vectors search clikb 'reset password' --k 1 "
                             "--filter '{\"lang\":\"en\"}'",
                             harness_bin(), server.url),
                     0);
    assert_non_null(strstr(out, "\"faq-1\""));
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s vectors search clikb x --mode bad",
                             harness_bin(), server.url),
                     1);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s vectors delete clikb --source faq-1",
                             harness_bin(), server.url),
                     0);
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s vectors delete clikb", harness_bin(), server.url),
        0);
    /* In-process on a data directory of its own. */
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --data %s/data vectors create local >/dev/null && "
                             "%s --data %s/data vectors ingest local %s/guide.md >/dev/null && "
                             "%s --data %s/data vectors search local installer --k 1",
                             harness_bin(), dir, harness_bin(), dir, dir, harness_bin(), dir),
                     0);
    assert_non_null(strstr(out, "Download the binary"));
    harness_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collections),
        cmocka_unit_test(test_ingest_and_search),
        cmocka_unit_test(test_bad_input_changes_nothing),
        cmocka_unit_test(test_deletes_and_restart),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests_name("vectors api", tests, setup_server, teardown_server);
}
