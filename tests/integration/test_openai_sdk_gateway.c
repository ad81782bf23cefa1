/* test_openai_sdk_gateway.c - runs the OpenAI SDK conformance script (tests/conformance/
 * openai_gateway.test.mjs, the official `openai` npm package) against the llmops gateway in
 * front of the fake provider: chat, streams with and without usage, tools, response_format,
 * embeddings, the models list, and the SDK's exception classes for 400/401/404/429, with an
 * API key required. The script's TAP lines pass through to stdout (tests/run.sh counts them). */
#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

static void endpoint(const char *name, const char *base, const char *model, int retries)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
             "\"model\":\"%s\",\"max_retries\":%d}]}",
             name, base, model, retries);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
}

static void test_openai_sdk_against_gateway(void **state)
{
    (void)state;
    if (access("tests/conformance/node_modules/openai/package.json", R_OK) != 0)
        fail_msg("tests/conformance/node_modules is missing: run scripts/install-deps.sh");
    fake_provider_t fp;
    fake_start(&fp);
    const char *extra[] = {"--gateway-require-key", "true", NULL};
    harness_start(&server, extra);
    char base[96];
    snprintf(base, sizeof base, "%s/v1", fp.url);
    endpoint("conf", base, "fake", 2);
    endpoint("conf-tool", base, "fake?tool_call=get_weather", 2);
    endpoint("conf-429", base, "fake?status=429", 0);
    endpoint("conf-embed", base, "fake", 2);
    json_t *key = api_expect("POST", "/api/v1/keys", "{\"name\":\"conformance\"}", 201);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "BASE_URL=%s/v1 MODEL=conf MODEL_TOOL=conf-tool MODEL_429=conf-429 "
             "MODEL_EMBED=conf-embed KEY=%s node --test --test-reporter=tap "
             "tests/conformance/openai_gateway.test.mjs",
             server.url, jstr(key, "secret"));
    json_decref(key);
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    assert_int_equal(harness_stop(&server), 0);
    assert_int_equal(fake_stop(&fp), 0);
    if (rc != 0)
        fail_msg("the OpenAI SDK conformance script failed against the gateway (status %d)", rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openai_sdk_against_gateway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
