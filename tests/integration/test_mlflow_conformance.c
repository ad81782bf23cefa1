/* test_mlflow_conformance.c - runs the Node conformance script (tests/conformance/
 * mlflow_client.mjs, a real MLflow client from npm) against a freshly started server. The
 * script's TAP lines pass through to stdout, so tests/run.sh counts each of its checks; this
 * test fails when the script does, or when node or its node_modules are missing (run
 * scripts/install-deps.sh). Runs on SQLite and PostgreSQL like every integration test. */
#include "integration/harness.h"

static void test_mlflow_npm_client(void **state)
{
    (void)state;
    if (access("tests/conformance/node_modules/mlflow/package.json", R_OK) != 0)
        fail_msg("tests/conformance/node_modules is missing: run scripts/install-deps.sh");
    test_server_t srv;
    harness_start(&srv, NULL);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "LLMOPS_URL=%s node tests/conformance/mlflow_client.mjs", srv.url);
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    assert_int_equal(harness_stop(&srv), 0);
    if (rc != 0)
        fail_msg("the MLflow npm client conformance script failed (status %d)", rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlflow_npm_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
