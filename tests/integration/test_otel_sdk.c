/* test_otel_sdk.c - runs the OpenTelemetry JS SDK conformance script (tests/conformance/
 * otel_traces.test.mjs: BasicTracerProvider with the OTLP/JSON and the OTLP/protobuf exporters)
 * against a real llmops server, which must store the exported span trees as the SDK sent them.
 * The script's TAP lines pass through to stdout (tests/run.sh counts them). */
#include "integration/api_testutil.h"

static void test_otel_sdk_exporters(void **state)
{
    (void)state;
    if (access("tests/conformance/node_modules/@opentelemetry/sdk-trace-base/package.json", R_OK) !=
        0)
        fail_msg("tests/conformance/node_modules is missing: run scripts/install-deps.sh");
    harness_start(&server, NULL);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "BASE_URL=%s node --test --test-reporter=tap tests/conformance/otel_traces.test.mjs",
             server.url);
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    assert_int_equal(harness_stop(&server), 0);
    if (rc != 0)
        fail_msg("the OpenTelemetry SDK conformance script failed (status %d)", rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_otel_sdk_exporters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
