/* test_vectors_openai.c - a collection with the OpenAI-compatible embedder: the server's own
 * gateway calls the fake provider's /v1/embeddings (through an endpoint), in batches of 64
 * texts; a query that repeats a document's text finds that document first; re-ingesting the
 * same content calls the embedder not at all; an embedder answering vectors of the wrong
 * dimension is a 502 that stores nothing. Runs against the store in LLMOPS_TEST_STORE. */
#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

#include "base/buf.h"

static void endpoint(const char *name, const char *base, const char *model)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
             "\"model\":\"%s\",\"max_retries\":0}]}",
             name, base, model);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
}

static void test_openai_embedder(void **state)
{
    (void)state;
    fake_provider_t fp;
    fake_start(&fp);
    harness_start(&server, NULL);
    char base[96];
    snprintf(base, sizeof base, "%s/v1", fp.url);
    endpoint("emb32", base, "fake?dim=32");
    json_decref(api_expect("POST", "/api/v1/collections",
                           "{\"name\":\"oa\",\"dimension\":32,\"embedder\":{\"type\":\"openai\","
                           "\"model\":\"emb32\"}}",
                           201));
    /* 100 documents: two embedding calls (64 + 36). */
    buf_t body;
    buf_init(&body);
    buf_append_str(&body, "{\"documents\":[");
    for (int i = 0; i < 100; i++)
        buf_printf(&body, "%s{\"source\":\"d%d\",\"text\":\"document number %d about topic %d\"}",
                   i ? "," : "", i, i, i % 7);
    buf_append_str(&body, "]}");
    json_t *r = api_expect("POST", "/api/v1/collections/oa/documents", buf_str(&body), 200);
    assert_int_equal(jint(r, "chunks_added"), 100);
    json_decref(r);
    assert_int_equal(fake_model_count(&fp, "fake?dim=32"), 2);
    r = api_expect("POST", "/api/v1/collections/oa/documents", buf_str(&body), 200);
    assert_int_equal(jint(r, "chunks_added"), 0);
    json_decref(r);
    assert_int_equal(fake_model_count(&fp, "fake?dim=32"), 2);
    buf_free(&body);

    json_t *out = api_expect("POST", "/api/v1/collections/oa/search",
                             "{\"query\":\"document number 42 about topic 0\",\"mode\":\"dense\","
                             "\"k\":3}",
                             200);
    json_t *top = json_array_get(json_object_get(out, "results"), 0);
    assert_string_equal(jstr(top, "source"), "d42");
    json_decref(out);
    assert_int_equal(fake_model_count(&fp, "fake?dim=32"), 3);

    /* The wrong dimension: 502, nothing stored. */
    endpoint("emb16", base, "fake?dim=16");
    json_decref(api_expect("POST", "/api/v1/collections",
                           "{\"name\":\"bad\",\"dimension\":32,\"embedder\":{\"type\":\"openai\","
                           "\"model\":\"emb16\"}}",
                           201));
    api_fails("POST", "/api/v1/collections/bad/documents",
              "{\"documents\":[{\"source\":\"a\",\"text\":\"x\"}]}", 502, "bad_gateway",
              "embedder");
    json_t *c = api_expect("GET", "/api/v1/collections/bad", NULL, 200);
    assert_int_equal(jint(json_object_get(c, "collection"), "chunks"), 0);
    json_decref(c);
    assert_int_equal(harness_stop(&server), 0);
    assert_int_equal(fake_stop(&fp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openai_embedder),
    };
    return cmocka_run_group_tests_name("vectors openai embedder", tests, NULL, NULL);
}
