/* test_openai_sdk_fake.c - runs the OpenAI SDK conformance script (tests/conformance/
 * openai_gateway.test.mjs, the official `openai` npm package) directly against the fake
 * provider with TARGET=fake, so the script and the fake are checked against each other before
 * any gateway sits between them. The script's TAP lines pass through to stdout (tests/run.sh
 * counts them); fails when the script does, or when node or its node_modules are missing. */
#include "integration/harness.h"
#include "integration/fake_provider.h"

static void test_openai_sdk_against_fake(void **state)
{
    (void)state;
    if (access("tests/conformance/node_modules/openai/package.json", R_OK) != 0)
        fail_msg("tests/conformance/node_modules is missing: run scripts/install-deps.sh");
    fake_provider_t fp;
    fake_start(&fp);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "BASE_URL=%s/v1 MODEL=fake TARGET=fake node --test --test-reporter=tap "
             "tests/conformance/openai_gateway.test.mjs",
             fp.url);
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    assert_int_equal(fake_stop(&fp), 0);
    if (rc != 0)
        fail_msg("the OpenAI SDK conformance script failed against the fake (status %d)", rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openai_sdk_against_fake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
