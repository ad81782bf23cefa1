/* test_gateway.c - the OpenAI-compatible gateway over real HTTP: a server with endpoints in
 * front of the fake provider (tests/fake_provider), checked for answers, streams, model
 * references, splits, prompt-backed targets, retries, fallbacks, timeouts, cut streams, the
 * circuit breaker, keys, limits, budgets, the cache, and the trace of every call. The fake's
 * behaviour is chosen by directives in the upstream model name (see docs/gateway-testing.md). */
#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

static fake_provider_t fake;
static char fake_base[96]; /* the fake's OpenAI base URL, .../v1 */

static int setup(void **state)
{
    fake_start(&fake);
    snprintf(fake_base, sizeof fake_base, "%s/v1", fake.url);
    return setup_server(state);
}

static int teardown(void **state)
{
    fake_stop(&fake);
    return teardown_server(state);
}

/* POST a JSON body to a gateway path with optional extra headers. */
static void gw_post(const char *path, const char *body, const char *auth, test_response_t *res)
{
    char auth_header[256];
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    if (auth) {
        snprintf(auth_header, sizeof auth_header, "Authorization: Bearer %s", auth);
        headers[1] = auth_header;
    }
    if (harness_request(server.url, "POST", path, headers, body, res) != 0)
        fail_msg("POST %s: no answer", path);
}

/* Create an endpoint from a spec in which every "%s" stands for the fake's base URL. */
static void endpoint_create(const char *spec)
{
    char body[4096];
    size_t n = 0;
    for (const char *p = spec; *p && n + sizeof fake_base < sizeof body;) {
        if (p[0] == '%' && p[1] == 's') {
            n += (size_t)snprintf(body + n, sizeof body - n, "%s", fake_base);
            p += 2;
        } else {
            body[n++] = *p++;
        }
    }
    body[n] = '\0';
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
}

static const char *answer_text(const json_t *reply)
{
    json_t *choice = json_array_get(json_object_get(reply, "choices"), 0);
    return jstr(json_object_get(choice, "message"), "content");
}

/* The trace the server wrote for a response (waits for the writer's flush). */
static json_t *trace_of(const test_response_t *res)
{
    char id[64], path[128];
    harness_header(res, "X-Llmops-Trace-Id", id, sizeof id);
    assert_int_equal(strlen(id), 32);
    snprintf(path, sizeof path, "/api/v1/traces/%s", id);
    for (int i = 0; i < 100; i++) {
        test_response_t t;
        api_call("GET", path, NULL, &t);
        if (t.status == 200) {
            json_t *trace = json_incref(t.json);
            harness_response_free(&t);
            return trace;
        }
        harness_response_free(&t);
        harness_sleep_ms(50);
    }
    fail_msg("trace %s never arrived", id);
    return NULL;
}

/* A field of a trace as GET /api/v1/traces/{id} shows it: a column, or in the record the
 * gateway submitted. */
static json_t *trace_field(const json_t *trace, const char *name)
{
    json_t *v = json_object_get(trace, name);
    if (!v)
        v = json_object_get(json_object_get(trace, "record"), name);
    return v;
}

static void test_chat_answer_usage_trace_cost(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"basic\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
                    "\"model\":\"fake\"}]}");
    json_decref(api_expect("PUT", "/api/v1/prices",
                           "{\"provider\":\"openai\",\"model\":\"fake\",\"input_per_mtok\":1000000,"
                           "\"output_per_mtok\":2000000}",
                           200));
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"basic\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}",
            NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(answer_text(res.json), "echo: hello there");
    json_t *usage = json_object_get(res.json, "usage");
    assert_int_equal(jint(usage, "prompt_tokens"), 2);
    assert_int_equal(jint(usage, "completion_tokens"), 3);

    json_t *trace = trace_of(&res);
    assert_string_equal(json_string_value(trace_field(trace, "endpoint")), "basic");
    assert_int_equal(json_integer_value(trace_field(trace, "input_tokens")), 2);
    assert_int_equal(json_integer_value(trace_field(trace, "output_tokens")), 3);
    /* 2 tokens at 1 USD each plus 3 at 2 USD each */
    assert_float_equal(json_number_value(trace_field(trace, "cost_usd")), 8.0, 1e-9);
    assert_string_equal(json_string_value(trace_field(trace, "status")), "ok");
    json_decref(trace);
    harness_response_free(&res);
}

static void test_unknown_price_is_unknown(void **state)
{
    (void)state;
    endpoint_create(
        "{\"name\":\"unpriced\",\"targets\":[{\"provider\":\"vllm\",\"base_url\":\"%s\","
        "\"model\":\"fake?answer=ok\"}]}");
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"unpriced\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL,
            &res);
    assert_int_equal(res.status, 200);
    json_t *trace = trace_of(&res);
    json_t *cost = trace_field(trace, "cost_usd");
    assert_non_null(cost); /* present, and null: unknown, not 0 */
    assert_true(json_is_null(cost));
    json_decref(trace);
    harness_response_free(&res);
}

/* Read an SSE body into the concatenated content deltas; counts usage chunks and [DONE]. */
static void sse_collect(const char *body, char *text, size_t size, int *usage_chunks, int *done,
                        int *errors)
{
    text[0] = '\0';
    *usage_chunks = *done = *errors = 0;
    const char *p = body;
    while ((p = strstr(p, "data: ")) != NULL) {
        p += 6;
        const char *end = strstr(p, "\n\n");
        if (!end)
            break;
        if (strncmp(p, "[DONE]", 6) == 0) {
            (*done)++;
        } else {
            json_t *ev = json_loadb(p, (size_t)(end - p), 0, NULL);
            assert_non_null(ev);
            if (json_object_get(ev, "error"))
                (*errors)++;
            json_t *choice = json_array_get(json_object_get(ev, "choices"), 0);
            const char *piece = jstr(json_object_get(choice, "delta"), "content");
            if (piece)
                strncat(text, piece, size - strlen(text) - 1);
            if (json_is_object(json_object_get(ev, "usage")))
                (*usage_chunks)++;
            json_decref(ev);
        }
        p = end;
    }
}

static void test_stream_relays_and_captures_usage(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"streamer\",\"targets\":[{\"provider\":\"openai\",\"base_url\":"
                    "\"%s\",\"model\":\"fake?chunks=4&chunk_ms=5\"}]}");
    char text[512];
    int usage, done, errors;
    test_response_t res;
    /* Without include_usage: no usage chunk for the client, yet the trace has the tokens. */
    gw_post("/v1/chat/completions",
            "{\"model\":\"streamer\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            "\"content\":\"one two three\"}]}",
            NULL, &res);
    assert_int_equal(res.status, 200);
    char ctype[128];
    harness_header(&res, "Content-Type", ctype, sizeof ctype);
    assert_non_null(strstr(ctype, "text/event-stream"));
    sse_collect(res.body, text, sizeof text, &usage, &done, &errors);
    assert_string_equal(text, "echo: one two three");
    assert_int_equal(usage, 0);
    assert_int_equal(done, 1);
    assert_int_equal(errors, 0);
    json_t *trace = trace_of(&res);
    assert_int_equal(json_integer_value(trace_field(trace, "input_tokens")), 3);
    assert_int_equal(json_integer_value(trace_field(trace, "output_tokens")), 4);
    assert_true(json_is_true(trace_field(trace, "stream")));
    json_decref(trace);
    harness_response_free(&res);

    /* With include_usage: exactly one usage chunk. */
    gw_post("/v1/chat/completions",
            "{\"model\":\"streamer\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            "\"messages\":[{\"role\":\"user\",\"content\":\"a b\"}]}",
            NULL, &res);
    assert_int_equal(res.status, 200);
    sse_collect(res.body, text, sizeof text, &usage, &done, &errors);
    assert_string_equal(text, "echo: a b");
    assert_int_equal(usage, 1);
    assert_int_equal(done, 1);
    harness_response_free(&res);
}

static void test_cut_stream_gives_error_event(void **state)
{
    (void)state;
    endpoint_create(
        "{\"name\":\"cutter\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
        "\"model\":\"fake?chunks=6&cut_after=2\",\"max_retries\":0}]}");
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"cutter\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            "\"content\":\"a b c d e f\"}]}",
            NULL, &res);
    assert_int_equal(res.status, 200);
    char text[512];
    int usage, done, errors;
    sse_collect(res.body, text, sizeof text, &usage, &done, &errors);
    assert_int_equal(done, 0);   /* never a [DONE] after a cut */
    assert_int_equal(errors, 1); /* but an error event */
    json_t *trace = trace_of(&res);
    assert_string_equal(json_string_value(trace_field(trace, "status")), "error");
    json_decref(trace);
    harness_response_free(&res);
}

static void test_errors_in_openai_shape(void **state)
{
    (void)state;
    test_response_t res;
    gw_post("/v1/chat/completions", "{\"model\":\"no-such-endpoint\",\"messages\":[]}", NULL, &res);
    assert_int_equal(res.status, 404);
    json_t *error = json_object_get(res.json, "error");
    assert_string_equal(jstr(error, "code"), "model_not_found");
    assert_string_equal(jstr(error, "type"), "invalid_request_error");
    assert_non_null(jstr(error, "message"));
    char id[64];
    assert_int_equal(strlen(harness_header(&res, "X-Llmops-Trace-Id", id, sizeof id)), 32);
    harness_response_free(&res);

    gw_post("/v1/chat/completions", "{\"model\": ", NULL, &res);
    assert_int_equal(res.status, 400);
    assert_non_null(jstr(json_object_get(res.json, "error"), "message"));
    harness_response_free(&res);

    gw_post("/v1/chat/completions", "{\"messages\":[]}", NULL, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(jstr(json_object_get(res.json, "error"), "param"), "model");
    harness_response_free(&res);
}

static void test_registered_model_by_alias_and_version(void **state)
{
    (void)state;
    char body[2048];
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\":\"support-bot\"}", 201));
    for (int v = 1; v <= 2; v++) {
        snprintf(body, sizeof body,
                 "{\"source\":\"models:/"
                 "fake\",\"serving\":{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":"
                 "\"fake?answer=version%d\"}}",
                 fake_base, v);
        json_decref(api_expect("POST", "/api/v1/models/support-bot/versions", body, 201));
    }
    json_decref(
        api_expect("PUT", "/api/v1/models/support-bot/aliases/production", "{\"version\":1}", 200));
    const char *refs[][2] = {{"support-bot@production", "version1"},
                             {"models:/support-bot@production", "version1"},
                             {"support-bot/2", "version2"},
                             {"models:/support-bot/2", "version2"}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(body, sizeof body,
                 "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}",
                 refs[i][0]);
        test_response_t res;
        /* Registry changes reach the gateway's snapshot within its refresh (1 s). */
        for (int k = 0; k < 60; k++) {
            gw_post("/v1/chat/completions", body, NULL, &res);
            if (res.status == 200)
                break;
            harness_response_free(&res);
            harness_sleep_ms(50);
        }
        if (res.status != 200)
            fail_msg("%s -> %ld %s", refs[i][0], res.status, res.body);
        assert_string_equal(answer_text(res.json), refs[i][1]);
        if (i == 0) {
            json_t *trace = trace_of(&res);
            assert_string_equal(json_string_value(trace_field(trace, "model_name")), "support-bot");
            assert_int_equal(json_integer_value(trace_field(trace, "model_version")), 1);
            json_decref(trace);
        }
        harness_response_free(&res);
    }
    /* The alias moves: the same request now reaches version 2 (after the refresh). */
    json_decref(
        api_expect("PUT", "/api/v1/models/support-bot/aliases/production", "{\"version\":2}", 200));
    int moved = 0;
    for (int i = 0; i < 60 && !moved; i++) {
        test_response_t res;
        gw_post("/v1/chat/completions",
                "{\"model\":\"support-bot@production\",\"messages\":[{\"role\":\"user\","
                "\"content\":\"q\"}]}",
                NULL, &res);
        moved = res.status == 200 && strcmp(answer_text(res.json), "version2") == 0;
        harness_response_free(&res);
        if (!moved)
            harness_sleep_ms(50);
    }
    assert_true(moved);
    test_response_t res;
    gw_post("/v1/chat/completions", "{\"model\":\"support-bot@nope\",\"messages\":[]}", NULL, &res);
    assert_int_equal(res.status, 404);
    harness_response_free(&res);
}

static void test_split_is_sticky_per_user(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"canary\",\"targets\":["
                    "{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":\"fake?answer=A\","
                    "\"weight\":50},"
                    "{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":\"fake?answer=B\","
                    "\"weight\":50}]}");
    int seen_a = 0, seen_b = 0;
    for (int u = 0; u < 40; u++) {
        char body[512], first[8] = "";
        snprintf(body, sizeof body,
                 "{\"model\":\"canary\",\"user\":\"user-%d\",\"messages\":[{\"role\":\"user\","
                 "\"content\":\"x\"}]}",
                 u);
        for (int k = 0; k < 3; k++) {
            test_response_t res;
            gw_post("/v1/chat/completions", body, NULL, &res);
            assert_int_equal(res.status, 200);
            const char *got = answer_text(res.json);
            if (k == 0)
                snprintf(first, sizeof first, "%s", got);
            else
                assert_string_equal(got, first); /* the same user keeps the same target */
            harness_response_free(&res);
        }
        seen_a += first[0] == 'A';
        seen_b += first[0] == 'B';
    }
    assert_true(seen_a > 0 && seen_b > 0); /* 40 users over 50/50: both sides get some */
}

static void test_prompt_backed_target(void **state)
{
    (void)state;
    json_decref(api_expect("POST", "/api/v1/prompts",
                           "{\"name\":\"helper\",\"messages\":[{\"role\":\"system\",\"content\":"
                           "\"You help with {{ topic }}.\"},{\"role\":\"user\",\"content\":"
                           "\"Tell me about {{ topic }}\"}]}",
                           201));
    json_decref(
        api_expect("PUT", "/api/v1/prompts/helper/aliases/production", "{\"version\":1}", 200));
    endpoint_create("{\"name\":\"prompted\",\"targets\":[{\"provider\":\"openai\",\"base_url\":"
                    "\"%s\",\"model\":\"fake\",\"prompt\":\"helper@production\"}]}");
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"prompted\",\"messages\":[],\"llmops\":{\"variables\":{\"topic\":"
            "\"tides\"}}}",
            NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(answer_text(res.json), "echo: Tell me about tides");
    json_t *trace = trace_of(&res);
    assert_string_equal(json_string_value(trace_field(trace, "prompt_name")), "helper");
    json_decref(trace);
    harness_response_free(&res);

    gw_post("/v1/chat/completions", "{\"model\":\"prompted\",\"messages\":[]}", NULL, &res);
    assert_int_equal(res.status, 400); /* the variable is missing: said, not rendered empty */
    assert_non_null(strstr(jstr(json_object_get(res.json, "error"), "message"), "topic"));
    harness_response_free(&res);
}

static void test_retries_then_success(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"flaky\",\"retry\":{\"backoff_ms\":5,\"backoff_max_ms\":20},"
                    "\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
                    "\"model\":\"fake?fail_times=2&fail_status=503&answer=finally\","
                    "\"max_retries\":2}]}");
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"flaky\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL,
            &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(answer_text(res.json), "finally");
    json_t *trace = trace_of(&res);
    assert_int_equal(json_integer_value(trace_field(trace, "retries")), 2);
    assert_int_equal(json_array_size(trace_field(trace, "attempts")), 3);
    json_decref(trace);
    harness_response_free(&res);
}

static void test_fallback_to_next_target(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"fallback\",\"retry\":{\"backoff_ms\":1,\"backoff_max_ms\":2},"
                    "\"targets\":["
                    "{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":\"fake?status=500\","
                    "\"max_retries\":1,\"weight\":1},"
                    "{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":\"fake?answer=backup\","
                    "\"weight\":0}]}");
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"fallback\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL,
            &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(answer_text(res.json), "backup");
    json_t *trace = trace_of(&res);
    assert_string_equal(json_string_value(trace_field(trace, "target")), "1");
    json_decref(trace);
    harness_response_free(&res);
}

static void test_upstream_429_and_timeout(void **state)
{
    (void)state;
    endpoint_create(
        "{\"name\":\"limited\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
        "\"model\":\"fake?status=429&retry_after=7\",\"max_retries\":0}]}");
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"limited\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL,
            &res);
    assert_int_equal(res.status, 429);
    char ra[16];
    assert_string_equal(harness_header(&res, "Retry-After", ra, sizeof ra), "7");
    harness_response_free(&res);

    endpoint_create("{\"name\":\"slow\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
                    "\"model\":\"fake?latency_ms=3000\",\"timeout_ms\":150,\"max_retries\":0}]}");
    gw_post("/v1/chat/completions",
            "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL,
            &res);
    assert_int_equal(res.status, 504);
    harness_response_free(&res);
}

static long fake_count(const char *model)
{
    return fake_model_count(&fake, model);
}

static void test_circuit_breaker_skips_failing_target(void **state)
{
    (void)state;
    endpoint_create(
        "{\"name\":\"breaker\",\"breaker\":{\"failures\":2,\"cooldown_ms\":600000},"
        "\"targets\":["
        "{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":\"fake?status=500&b=1\","
        "\"max_retries\":0,\"weight\":1},"
        "{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":\"fake?answer=ok&b=2\","
        "\"weight\":0}]}");
    for (int i = 0; i < 6; i++) {
        test_response_t res;
        gw_post("/v1/chat/completions",
                "{\"model\":\"breaker\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                NULL, &res);
        assert_int_equal(res.status, 200);
        harness_response_free(&res);
    }
    /* Two failures opened the circuit: the failing target saw 2 requests, not 6. */
    assert_int_equal(fake_count("fake?status=500&b=1"), 2);
    assert_int_equal(fake_count("fake?answer=ok&b=2"), 6);
}

static void test_cache_hits_skip_the_upstream(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"cached\",\"cache\":{\"enabled\":true,\"ttl_s\":60},\"targets\":["
                    "{\"provider\":\"openai\",\"base_url\":\"%s\",\"model\":\"fake?c=1\"}]}");
    const char *body = "{\"model\":\"cached\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
                       "\"content\":\"same\"}]}";
    char hdr[16];
    test_response_t res;
    gw_post("/v1/chat/completions", body, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(harness_header(&res, "X-Llmops-Cache", hdr, sizeof hdr), "miss");
    harness_response_free(&res);
    gw_post("/v1/chat/completions", body, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(harness_header(&res, "X-Llmops-Cache", hdr, sizeof hdr), "hit");
    assert_string_equal(answer_text(res.json), "echo: same");
    json_t *trace = trace_of(&res);
    assert_true(json_is_true(trace_field(trace, "cache_hit")));
    json_decref(trace);
    harness_response_free(&res);
    assert_int_equal(fake_count("fake?c=1"), 1);
    /* Not deterministic (no temperature): never cached. */
    for (int i = 0; i < 2; i++) {
        gw_post("/v1/chat/completions",
                "{\"model\":\"cached\",\"messages\":[{\"role\":\"user\",\"content\":\"same\"}]}",
                NULL, &res);
        assert_int_equal(res.status, 200);
        harness_response_free(&res);
    }
    assert_int_equal(fake_count("fake?c=1"), 3);
}

static void test_keys_limits_and_budget(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"keyed\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
                    "\"model\":\"fake?k=1\"}]}");
    endpoint_create("{\"name\":\"other\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
                    "\"model\":\"fake?k=2\"}]}");
    json_t *key =
        api_expect("POST", "/api/v1/keys",
                   "{\"name\":\"team-a\",\"allowed_endpoints\":[\"keyed\"],\"rpm\":2}", 201);
    char secret[128];
    snprintf(secret, sizeof secret, "%s", jstr(key, "secret"));
    json_decref(key);
    const char *body = "{\"model\":\"keyed\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    test_response_t res;
    gw_post("/v1/chat/completions", body, "llmops-not-a-real-key", &res);
    assert_int_equal(res.status, 401);
    harness_response_free(&res);
    gw_post("/v1/chat/completions",
            "{\"model\":\"other\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", secret,
            &res);
    assert_int_equal(res.status, 403);
    harness_response_free(&res);
    for (int i = 0; i < 2; i++) {
        gw_post("/v1/chat/completions", body, secret, &res);
        assert_int_equal(res.status, 200);
        json_t *trace = i == 0 ? trace_of(&res) : NULL;
        if (trace)
            assert_non_null(json_string_value(trace_field(trace, "key_id")));
        json_decref(trace);
        harness_response_free(&res);
    }
    gw_post("/v1/chat/completions", body, secret, &res); /* the third in a minute */
    assert_int_equal(res.status, 429);
    char ra[16];
    assert_true(atoi(harness_header(&res, "Retry-After", ra, sizeof ra)) >= 1);
    assert_string_equal(jstr(json_object_get(res.json, "error"), "code"), "rate_limit_exceeded");
    harness_response_free(&res);

    /* A budget: priced so that one request's worst case (max_tokens 1000 at 1 USD/token) is
     * more than the 5 USD budget: refused before any upstream call. */
    json_decref(api_expect("PUT", "/api/v1/prices",
                           "{\"provider\":\"openai\",\"model\":\"fake?k=1\",\"input_per_mtok\":1,"
                           "\"output_per_mtok\":1000000}",
                           200));
    key = api_expect("POST", "/api/v1/keys", "{\"name\":\"team-b\",\"budget_usd\":5}", 201);
    snprintf(secret, sizeof secret, "%s", jstr(key, "secret"));
    json_decref(key);
    long before = fake_count("fake?k=1");
    for (int i = 0; i < 40; i++) { /* the price table reaches the snapshot within a refresh */
        gw_post("/v1/chat/completions",
                "{\"model\":\"keyed\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\","
                "\"content\":\"x\"}]}",
                secret, &res);
        long status = res.status;
        harness_response_free(&res);
        if (status == 429)
            break;
        harness_sleep_ms(50);
        before = fake_count("fake?k=1");
    }
    gw_post("/v1/chat/completions",
            "{\"model\":\"keyed\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\","
            "\"content\":\"x\"}]}",
            secret, &res);
    assert_int_equal(res.status, 429);
    assert_string_equal(jstr(json_object_get(res.json, "error"), "code"), "insufficient_quota");
    harness_response_free(&res);
    assert_int_equal(fake_count("fake?k=1"), before);
}

static void test_embeddings_completions_models(void **state)
{
    (void)state;
    endpoint_create("{\"name\":\"embedder\",\"targets\":[{\"provider\":\"openai\",\"base_url\":"
                    "\"%s\",\"model\":\"fake?dim=16\"}]}");
    test_response_t res;
    gw_post("/v1/embeddings", "{\"model\":\"embedder\",\"input\":[\"a\",\"b\"]}", NULL, &res);
    assert_int_equal(res.status, 200);
    json_t *data = json_object_get(res.json, "data");
    assert_int_equal(json_array_size(data), 2);
    assert_int_equal(json_array_size(json_object_get(json_array_get(data, 0), "embedding")), 16);
    harness_response_free(&res);

    gw_post("/v1/completions", "{\"model\":\"basic\",\"prompt\":\"say hi\"}", NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(jstr(json_array_get(json_object_get(res.json, "choices"), 0), "text"),
                        "echo: say hi");
    harness_response_free(&res);

    assert_int_equal(harness_request(server.url, "GET", "/v1/models", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    int found = 0;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(res.json, "data"), i, m) found +=
        strcmp(jstr(m, "id"), "embedder") == 0;
    assert_int_equal(found, 1);
    harness_response_free(&res);
}

static void test_anthropic_upstream_translated(void **state)
{
    (void)state;
    /* The fake also speaks Anthropic's Messages API at /v1/messages. */
    endpoint_create("{\"name\":\"claude\",\"targets\":[{\"provider\":\"anthropic\",\"base_url\":"
                    "\"%s\",\"model\":\"fake?chunks=3\"}]}");
    test_response_t res;
    gw_post("/v1/chat/completions",
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
            "{\"role\":\"user\",\"content\":\"ping pong\"}]}",
            NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(jstr(res.json, "object"), "chat.completion");
    assert_string_equal(answer_text(res.json), "echo: ping pong");
    assert_true(jint(json_object_get(res.json, "usage"), "completion_tokens") > 0);
    harness_response_free(&res);

    gw_post("/v1/chat/completions",
            "{\"model\":\"claude\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            "\"messages\":[{\"role\":\"user\",\"content\":\"ping pong\"}]}",
            NULL, &res);
    assert_int_equal(res.status, 200);
    char text[256];
    int usage, done, errors;
    sse_collect(res.body, text, sizeof text, &usage, &done, &errors);
    assert_string_equal(text, "echo: ping pong");
    assert_int_equal(usage, 1);
    assert_int_equal(done, 1);
    assert_int_equal(errors, 0);
    json_t *trace = trace_of(&res);
    assert_true(json_integer_value(trace_field(trace, "output_tokens")) > 0);
    json_decref(trace);
    harness_response_free(&res);
}

/* The admin CLI against the running server: endpoints, keys (the secret printed once) and
 * prices, and the traces table. */
static void test_admin_cli(void **state)
{
    (void)state;
    char out[8192];
    const char *bin = harness_bin();
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s endpoints create -d '{\"name\":\"cli-ep\","
                             "\"targets\":[{\"provider\":\"openai\",\"model\":\"m\"}]}'",
                             bin, server.url),
                     0);
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s endpoints show cli-ep", bin, server.url), 0);
    assert_non_null(strstr(out, "\"cli-ep\""));
    assert_int_not_equal(run_cli(out, sizeof out,
                                 "%s --server %s endpoints create -d '{\"name\":\"bad\","
                                 "\"targets\":[{\"provider\":\"nope\",\"model\":\"m\"}]}'",
                                 bin, server.url),
                         0);
    assert_non_null(strstr(out, "targets[0].provider"));
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s endpoints delete cli-ep", bin, server.url), 0);
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s keys create --name cli --rpm 5", bin, server.url),
        0);
    assert_non_null(strstr(out, "llmops-")); /* the secret, this once */
    assert_non_null(strstr(out, "not be shown again"));
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s keys list", bin, server.url), 0);
    assert_null(strstr(out, "\"secret\""));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s prices set openai cli-model --input 1 --output 2", bin,
                             server.url),
                     0);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s prices list", bin, server.url), 0);
    assert_non_null(strstr(out, "cli-model"));
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s prices delete openai cli-model", bin, server.url),
        0);
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s traces list --endpoint basic", bin, server.url),
        0);
    assert_non_null(strstr(out, "basic"));
}

static void test_traces_list_newest_first(void **state)
{
    (void)state;
    json_t *list = NULL, *traces = NULL;
    for (int i = 0; i < 100; i++) { /* the last request's trace may still be in the queue */
        json_decref(list);
        list = api_expect("GET", "/api/v1/traces?endpoint=basic&limit=50", NULL, 200);
        traces = json_object_get(list, "traces");
        if (json_array_size(traces) >= 2)
            break;
        harness_sleep_ms(50);
    }
    assert_true(json_array_size(traces) >= 2);
    json_int_t prev = INT64_MAX;
    size_t i;
    json_t *t;
    json_array_foreach(traces, i, t)
    {
        json_int_t start = json_integer_value(json_object_get(t, "start_ms"));
        assert_true(start <= prev);
        prev = start;
        assert_string_equal(jstr(t, "endpoint"), "basic");
    }
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chat_answer_usage_trace_cost),
        cmocka_unit_test(test_unknown_price_is_unknown),
        cmocka_unit_test(test_stream_relays_and_captures_usage),
        cmocka_unit_test(test_cut_stream_gives_error_event),
        cmocka_unit_test(test_errors_in_openai_shape),
        cmocka_unit_test(test_registered_model_by_alias_and_version),
        cmocka_unit_test(test_split_is_sticky_per_user),
        cmocka_unit_test(test_prompt_backed_target),
        cmocka_unit_test(test_retries_then_success),
        cmocka_unit_test(test_fallback_to_next_target),
        cmocka_unit_test(test_upstream_429_and_timeout),
        cmocka_unit_test(test_circuit_breaker_skips_failing_target),
        cmocka_unit_test(test_cache_hits_skip_the_upstream),
        cmocka_unit_test(test_keys_limits_and_budget),
        cmocka_unit_test(test_embeddings_completions_models),
        cmocka_unit_test(test_anthropic_upstream_translated),
        cmocka_unit_test(test_admin_cli),
        cmocka_unit_test(test_traces_list_newest_first),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
