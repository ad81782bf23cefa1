/* test_langfuse_api.c - Langfuse ingestion over real HTTP: POST /api/public/ingestion with
 * Basic auth the way the SDKs send it, a batch of every event type answered 207 per event
 * (a partial batch: the valid events stored, the invalid ones reported with the field), the
 * trace read back through GET /api/v1/traces/{id} with its spans, the score through
 * scores_for_trace on the server's store, a replayed batch changing nothing, a later update
 * merged into its span, and bodies that are not batches (400). Then the Langfuse JS SDK itself
 * (tests/conformance/langfuse.test.mjs) against the same server.
 *
 * Runs on the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/api_testutil.h"

#include "feedback/scores.h"
#include "store/store.h"
#include "traces/langfuse_ingest.h"

#define AUTH       "Authorization: Basic cGstbGYtMTIzOnNrLWxmLTQ1Ng==" /* pk-lf-123:sk-lf-456 */
#define TRACE_UUID "6a1f3c2e-0b4d-4e8f-9a7b-1c2d3e4f5a6b"
#define TRACE_HEX  "6a1f3c2e0b4d4e8f9a7b1c2d3e4f5a6b"

static json_t *post_batch(const char *body, long status)
{
    const char *headers[] = {"Content-Type: application/json", AUTH, NULL};
    test_response_t res;
    if (harness_request(server.url, "POST", "/api/public/ingestion", headers, body, &res) != 0)
        fail_msg("POST /api/public/ingestion: no answer");
    if (res.status != status)
        fail_msg("POST /api/public/ingestion %s -> %ld %s (expected %ld)", body, res.status,
                 res.body, status);
    json_t *out = json_incref(res.json);
    harness_response_free(&res);
    return out;
}

/* The server's store, opened beside it (SQLite in WAL mode and PostgreSQL both allow that). */
static store_t *open_server_store(void)
{
    char url[600];
    if (harness_store())
        snprintf(url, sizeof url, "%s", harness_store());
    else
        snprintf(url, sizeof url, "sqlite:%s/llmops.db", server.dir);
    store_t *s = NULL;
    err_t err;
    if (store_open(url, 1, &s, &err) != 0)
        fail_msg("store_open %s: %s", url, err.message);
    return s;
}

/* A text column of a span that GET /api/v1/traces/{id} does not show (type, output). */
static void assert_span_column(store_t *s, const char *span_id, const char *column,
                               const char *expected)
{
    err_t err;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM spans WHERE span_id = ?", column);
    store_conn_t *c = store_acquire(s);
    store_value_t p[] = {sv_text(span_id)};
    store_rows_t *rows = store_query(c, sql, p, 1, &err);
    store_release(s, c);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 1);
    assert_string_equal(store_rows_text(rows, 0, 0), expected);
    store_rows_free(rows);
}

/* The span of a trace whose attributes name the Langfuse observation id. */
static json_t *span_of(json_t *trace, const char *observation_id)
{
    size_t i;
    json_t *span;
    json_array_foreach(json_object_get(trace, "spans"), i, span)
    {
        json_t *attrs = json_object_get(span, "attributes");
        json_t *parsed = json_is_string(attrs) ? json_loads(json_string_value(attrs), 0, NULL)
                                               : json_incref(attrs);
        const char *id = json_string_value(json_object_get(parsed, "langfuse.observation_id"));
        int match = id && !strcmp(id, observation_id);
        json_decref(parsed);
        if (match)
            return span;
    }
    char *text = json_dumps(trace, 0);
    fail_msg("no span for observation %s in %s", observation_id, text);
    return NULL;
}

static const char batch[] =
    "{\"batch\":["
    "{\"id\":\"ev-1\",\"type\":\"trace-create\",\"timestamp\":\"2024-05-01T10:00:00.000Z\","
    "\"body\":{\"id\":\"" TRACE_UUID "\",\"name\":\"support-chat\",\"userId\":\"u-7\","
    "\"sessionId\":\"sess-1\",\"input\":{\"question\":\"refund?\"},\"tags\":[\"prod\"]}},"
    "{\"id\":\"ev-2\",\"type\":\"span-create\",\"timestamp\":\"2024-05-01T10:00:00.000Z\","
    "\"body\":{\"id\":\"span-a\",\"traceId\":\"" TRACE_UUID "\",\"name\":\"retrieve\","
    "\"startTime\":\"2024-05-01T10:00:00.000Z\",\"endTime\":\"2024-05-01T10:00:00.200Z\"}},"
    "{\"id\":\"ev-3\",\"type\":\"generation-create\",\"timestamp\":\"2024-05-01T10:00:00.000Z\","
    "\"body\":{\"id\":\"gen-a\",\"traceId\":\"" TRACE_UUID "\",\"parentObservationId\":"
    "\"span-a\",\"name\":\"answer\",\"model\":\"gpt-4o-mini\",\"startTime\":"
    "\"2024-05-01T10:00:00.050Z\",\"completionStartTime\":\"2024-05-01T10:00:00.080Z\","
    "\"input\":[{\"role\":\"user\",\"content\":\"refund?\"}],\"modelParameters\":"
    "{\"temperature\":0}}},"
    "{\"id\":\"ev-4\",\"type\":\"generation-update\",\"timestamp\":\"2024-05-01T10:00:00.150Z\","
    "\"body\":{\"id\":\"gen-a\",\"traceId\":\"" TRACE_UUID "\",\"endTime\":"
    "\"2024-05-01T10:00:00.150Z\",\"output\":\"Yes.\",\"usageDetails\":{\"input\":12,"
    "\"output\":3},\"costDetails\":{\"total\":0.0004},\"level\":\"ERROR\",\"statusMessage\":"
    "\"filtered\"}},"
    "{\"id\":\"ev-5\",\"type\":\"score-create\",\"timestamp\":\"2024-05-01T10:00:01.000Z\","
    "\"body\":{\"id\":\"score-a\",\"traceId\":\"" TRACE_UUID "\",\"name\":\"thumbs\","
    "\"value\":1,\"dataType\":\"BOOLEAN\",\"comment\":\"nice\"}},"
    "{\"id\":\"ev-6\",\"type\":\"generation-create\",\"timestamp\":\"2024-05-01T10:00:00.000Z\","
    "\"body\":{\"id\":\"gen-b\",\"traceId\":\"" TRACE_UUID "\",\"usage\":{\"input\":\"many\"}}}"
    "]}";

static void test_batch_over_http(void **state)
{
    (void)state;
    json_t *res = post_batch(batch, 207);
    json_t *ok = json_object_get(res, "successes"), *bad = json_object_get(res, "errors");
    assert_int_equal(json_array_size(ok), 5);
    assert_int_equal(json_array_size(bad), 1);
    assert_string_equal(jstr(json_array_get(ok, 0), "id"), "ev-1");
    assert_int_equal(jint(json_array_get(ok, 0), "status"), 201);
    json_t *e = json_array_get(bad, 0);
    assert_string_equal(jstr(e, "id"), "ev-6");
    assert_int_equal(jint(e, "status"), 400);
    assert_string_equal(jstr(json_object_get(e, "error"), "field"), "batch[5].body.usage.input");
    json_decref(res);

    json_t *trace = api_expect("GET", "/api/v1/traces/" TRACE_HEX, NULL, 200);
    assert_string_equal(jstr(trace, "name"), "support-chat");
    assert_string_equal(jstr(trace, "user"), "u-7");
    assert_string_equal(jstr(trace, "session_id"), "sess-1");
    assert_string_equal(jstr(trace, "status"), "error");
    assert_int_equal(json_array_size(json_object_get(trace, "spans")), 2);
    json_t *gen = span_of(trace, "gen-a");
    assert_string_equal(jstr(gen, "model"), "gpt-4o-mini");
    assert_string_equal(jstr(gen, "status"), "error");
    assert_int_equal(jint(gen, "input_tokens"), 12);
    assert_int_equal(jint(gen, "output_tokens"), 3);
    json_t *retrieve = span_of(trace, "span-a");
    assert_string_equal(jstr(gen, "parent_span_id"), jstr(retrieve, "span_id"));

    store_t *s = open_server_store();
    assert_span_column(s, jstr(gen, "span_id"), "type", "llm");
    assert_span_column(s, jstr(retrieve, "span_id"), "type", "span");
    json_decref(trace);
    err_t err;
    json_t *scores = scores_for_trace(s, TRACE_HEX, &err);
    assert_non_null(scores);
    json_t *sc = json_array_get(json_object_get(scores, "scores"), 0);
    assert_non_null(sc);
    assert_string_equal(jstr(sc, "id"), "score-a");
    assert_string_equal(jstr(sc, "data_type"), "boolean");
    assert_string_equal(jstr(sc, "source"), "api");
    json_decref(scores);
    store_close(s);

    /* The SDK retries whole batches: the same batch again is answered the same way and the
     * trace is unchanged. */
    char *before = api_snapshot("/api/v1/traces/" TRACE_HEX, "/api/v1/traces");
    json_decref(post_batch(batch, 207));
    char *after = api_snapshot("/api/v1/traces/" TRACE_HEX, "/api/v1/traces");
    api_assert_same(before, after);

    /* A later update (new envelope id) merges into the span its create wrote. */
    res = post_batch("{\"batch\":[{\"id\":\"ev-7\",\"type\":\"span-update\",\"timestamp\":"
                     "\"2024-05-01T10:00:02.000Z\",\"body\":{\"id\":\"span-a\",\"output\":"
                     "{\"docs\":2}}}]}",
                     207);
    assert_int_equal(json_array_size(json_object_get(res, "successes")), 1);
    json_decref(res);
    trace = api_expect("GET", "/api/v1/traces/" TRACE_HEX, NULL, 200);
    retrieve = span_of(trace, "span-a");
    assert_string_equal(jstr(retrieve, "name"), "retrieve");
    s = open_server_store();
    assert_span_column(s, jstr(retrieve, "span_id"), "output", "{\"docs\":2}");
    store_close(s);
    json_decref(trace);
}

static void test_not_a_batch(void **state)
{
    (void)state;
    api_fails("POST", "/api/public/ingestion", "{\"events\":[]}", 400, "invalid_argument", "batch");
    api_fails("POST", "/api/public/ingestion", "{\"batch\":", 400, "invalid_json", NULL);
    json_t *res = post_batch("{\"batch\":[]}", 207);
    assert_int_equal(json_array_size(json_object_get(res, "successes")), 0);
    assert_int_equal(json_array_size(json_object_get(res, "errors")), 0);
    json_decref(res);
}

/* The official Langfuse JS SDK (npm `langfuse` v3): trace, span, generation with usage, event,
 * score, flushAsync; the script checks what it can see and prints the trace id it used, and the
 * rows are checked here. */
static void test_langfuse_sdk(void **state)
{
    (void)state;
    if (access("tests/conformance/node_modules/langfuse/package.json", R_OK) != 0)
        fail_msg("tests/conformance/node_modules is missing: run scripts/install-deps.sh");
    char cmd[1024], out_path[400];
    snprintf(out_path, sizeof out_path, "%s/langfuse-sdk.out", server.dir);
    snprintf(cmd, sizeof cmd,
             "BASE_URL=%s RESULT=%s node --test --test-reporter=tap "
             "tests/conformance/langfuse.test.mjs",
             server.url, out_path);
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    if (rc != 0)
        fail_msg("the Langfuse SDK conformance script failed (status %d)", rc);

    /* The script wrote the ids it used: "<trace id> <generation id>". */
    FILE *f = fopen(out_path, "r");
    assert_non_null(f);
    char trace_id[128] = "", gen_id[128] = "";
    assert_int_equal(fscanf(f, "%127s %127s", trace_id, gen_id), 2);
    fclose(f);
    char hex[TRACE_ID_HEX + 1], path[128];
    langfuse_trace_id(trace_id, hex);
    snprintf(path, sizeof path, "/api/v1/traces/%s", hex);
    json_t *trace = api_expect("GET", path, NULL, 200);
    assert_string_equal(jstr(trace, "name"), "sdk-trace");
    assert_string_equal(jstr(trace, "user"), "sdk-user");
    assert_int_equal(json_array_size(json_object_get(trace, "spans")), 3);
    json_t *gen = span_of(trace, gen_id);
    assert_string_equal(jstr(gen, "model"), "gpt-4o-mini");
    assert_int_equal(jint(gen, "input_tokens"), 21);
    assert_int_equal(jint(gen, "output_tokens"), 8);
    assert_true(json_integer_value(json_object_get(gen, "end_ms")) > 0);
    json_t *ev = span_of(trace, "sdk-event");
    assert_string_equal(jstr(ev, "name"), "cache-miss");

    store_t *s = open_server_store();
    assert_span_column(s, jstr(gen, "span_id"), "type", "llm");
    assert_span_column(s, jstr(ev, "span_id"), "type", "event");
    json_decref(trace);
    err_t err;
    json_t *scores = scores_for_trace(s, hex, &err);
    assert_non_null(scores);
    assert_int_equal(json_array_size(json_object_get(scores, "scores")), 2);
    int accuracy = 0, tone = 0;
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(scores, "scores"), i, sc)
    {
        if (!strcmp(jstr(sc, "name"), "accuracy")) {
            accuracy = json_number_value(json_object_get(sc, "value")) == 0.75 &&
                       !strcmp(jstr(sc, "comment"), "close enough");
        } else if (!strcmp(jstr(sc, "name"), "tone")) {
            tone = !strcmp(jstr(sc, "data_type"), "categorical") &&
                   !strcmp(jstr(sc, "value"), "friendly");
        }
    }
    assert_true(accuracy);
    assert_true(tone);
    json_decref(scores);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_over_http),
        cmocka_unit_test(test_not_a_batch),
        cmocka_unit_test(test_langfuse_sdk),
    };
    return cmocka_run_group_tests(tests, setup_server, teardown_server);
}
