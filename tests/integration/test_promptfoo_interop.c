/* test_promptfoo_interop.c - runs tests/promptfoo/interop.test.mjs: the same dataset and prompt
 * evaluated by `llmops eval run` and by promptfoo (npm, pinned in tests/promptfoo/), both through
 * this server's gateway in front of the fake provider, must agree on every row's pass/fail for
 * the assertions both support. The script's TAP lines pass through to stdout. */
#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

static void test_promptfoo_agrees_with_llmops(void **state)
{
    (void)state;
    if (access("tests/promptfoo/node_modules/.bin/promptfoo", X_OK) != 0)
        fail_msg("tests/promptfoo/node_modules is missing: run scripts/install-deps.sh");
    fake_provider_t fp;
    fake_start(&fp);
    harness_start(&server, NULL);
    const char *bin = getenv("LLMOPS_BIN");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "BASE_URL=%s FAKE_URL=%s LLMOPS_BIN=%s node --test --test-reporter=tap "
             "tests/promptfoo/interop.test.mjs",
             server.url, fp.url, bin && *bin ? bin : "build/llmops");
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    assert_int_equal(harness_stop(&server), 0);
    fake_stop(&fp);
    if (rc != 0)
        fail_msg("llmops and promptfoo disagree, or one of them failed (status %d)", rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_promptfoo_agrees_with_llmops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
