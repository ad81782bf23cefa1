/* test_provider_openai.c - unit tests for the openai/azure adapters of providers/provider.h:
 * kind names, request building (URL, auth header from the named variable at call time,
 * stream_options.include_usage forced for streams, stream fields dropped otherwise, azure's
 * api-key and api-version), answer parsing and summaries, streams relayed as-is with the
 * usage-only chunk dropped or kept per the client's wish, identical output for every split of
 * the input, tool call arguments accumulated by index, truncated streams, stream errors, and
 * upstream error bodies mapped to err_t. */
#include "unit/testutil.h"

#include <jansson.h>

#include "providers/provider.h"

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    assert_non_null(v);
    return v;
}

static const char *header(const provider_http_t *h, const char *prefix)
{
    for (char **p = h->headers; *p; p++)
        if (strncmp(*p, prefix, strlen(prefix)) == 0)
            return *p;
    return NULL;
}

static void test_kind_parse(void **state)
{
    (void)state;
    provider_kind_t k;
    err_t err;
    assert_int_equal(provider_kind_parse("openai", "provider", &k, &err), 0);
    assert_int_equal(k, PROVIDER_OPENAI);
    assert_int_equal(provider_kind_parse("vllm", "provider", &k, &err), 0);
    assert_int_equal(k, PROVIDER_OPENAI);
    assert_int_equal(provider_kind_parse("azure", "provider", &k, &err), 0);
    assert_int_equal(k, PROVIDER_AZURE);
    assert_int_equal(provider_kind_parse("anthropic", "provider", &k, &err), 0);
    assert_int_equal(k, PROVIDER_ANTHROPIC);
    assert_int_equal(provider_kind_parse("gemini", "targets[0].provider", &k, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "targets[0].provider");
    assert_non_null(strstr(err.message, "gemini"));
}

static void test_build_stream_request(void **state)
{
    (void)state;
    setenv("LLMOPS_TEST_KEY", "sk-test-1", 1);
    provider_conn_t conn = {PROVIDER_OPENAI, "http://127.0.0.1:9/v1/", "LLMOPS_TEST_KEY", NULL};
    json_t *body = parse("{\"model\":\"m\",\"temperature\":0.7,\"messages\":[{\"role\":\"user\","
                         "\"content\":\"hi\"}],\"stream_options\":{\"x\":1}}");
    char *before = json_dumps(body, JSON_SORT_KEYS);
    provider_http_t h;
    err_t err;
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_CHAT, body, 1, &h, &err), 0);
    assert_string_equal(h.url, "http://127.0.0.1:9/v1/chat/completions");
    assert_string_equal(header(&h, "Authorization:"), "Authorization: Bearer sk-test-1");
    assert_non_null(header(&h, "Content-Type: application/json"));
    json_t *up = parse(h.body);
    assert_int_equal(strlen(h.body), h.body_len);
    assert_true(json_is_true(json_object_get(up, "stream")));
    json_t *so = json_object_get(up, "stream_options");
    assert_true(json_is_true(json_object_get(so, "include_usage")));
    assert_int_equal(json_integer_value(json_object_get(so, "x")), 1);
    assert_non_null(strstr(h.body, "\"temperature\":0.7"));
    json_decref(up);
    provider_http_free(&h);
    /* The client's body is not modified. */
    char *after = json_dumps(body, JSON_SORT_KEYS);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* Not streaming: stream fields are dropped; the key is read again (rotated). */
    setenv("LLMOPS_TEST_KEY", "sk-test-2", 1);
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_COMPLETIONS, body, 0, &h, &err), 0);
    assert_string_equal(h.url, "http://127.0.0.1:9/v1/completions");
    assert_string_equal(header(&h, "Authorization:"), "Authorization: Bearer sk-test-2");
    up = parse(h.body);
    assert_null(json_object_get(up, "stream"));
    assert_null(json_object_get(up, "stream_options"));
    json_decref(up);
    provider_http_free(&h);

    /* No variable: no auth header. */
    unsetenv("LLMOPS_TEST_KEY");
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_EMBEDDINGS, body, 0, &h, &err), 0);
    assert_string_equal(h.url, "http://127.0.0.1:9/v1/embeddings");
    assert_null(header(&h, "Authorization:"));
    provider_http_free(&h);
    /* Embeddings cannot stream. */
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_EMBEDDINGS, body, 1, &h, &err), -1);
    assert_int_equal(err.status, 400);
    /* A key with a line break is refused, and not shown. */
    setenv("LLMOPS_TEST_KEY", "sk-bad\r\nX-Evil: 1", 1);
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_CHAT, body, 0, &h, &err), -1);
    assert_null(strstr(err.message, "sk-bad"));
    unsetenv("LLMOPS_TEST_KEY");
    json_decref(body);
}

static void test_build_azure(void **state)
{
    (void)state;
    setenv("LLMOPS_TEST_AZ", "az-key", 1);
    provider_conn_t conn = {PROVIDER_AZURE, "https://r.openai.azure.com/openai/deployments/d",
                            "LLMOPS_TEST_AZ", NULL};
    json_t *body = parse("{\"model\":\"m\",\"messages\":[]}");
    provider_http_t h;
    err_t err;
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_CHAT, body, 0, &h, &err), 0);
    assert_string_equal(h.url, "https://r.openai.azure.com/openai/deployments/d/chat/completions"
                               "?api-version=2024-10-21");
    assert_string_equal(header(&h, "api-key:"), "api-key: az-key");
    assert_null(header(&h, "Authorization:"));
    provider_http_free(&h);
    conn.api_version = "2025-01-01-preview";
    conn.base_url = NULL;
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_CHAT, body, 0, &h, &err), -1);
    assert_string_equal(err.field, "base_url");
    conn.base_url = "https://r/openai/deployments/d";
    assert_int_equal(provider_build_request(&conn, PROVIDER_OP_CHAT, body, 0, &h, &err), 0);
    assert_non_null(strstr(h.url, "api-version=2025-01-01-preview"));
    provider_http_free(&h);
    unsetenv("LLMOPS_TEST_AZ");
    json_decref(body);
}

static void test_parse_response(void **state)
{
    (void)state;
    const char *ok =
        "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-x\","
        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        "\"Hello\",\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\",\"function\":"
        "{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}],"
        "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3,\"total_tokens\":14}}";
    provider_usage_t u;
    err_t err;
    json_t *a =
        provider_parse_response(PROVIDER_OPENAI, PROVIDER_OP_CHAT, ok, strlen(ok), &u, &err);
    assert_non_null(a);
    assert_int_equal(u.known, 1);
    assert_int_equal(u.input_tokens, 11);
    assert_int_equal(u.output_tokens, 3);
    provider_summary_t s;
    provider_summary_init(&s);
    provider_summarize(PROVIDER_OP_CHAT, a, &s);
    assert_string_equal(buf_str(&s.text), "Hello");
    assert_string_equal(s.finish_reason, "tool_calls");
    assert_string_equal(s.model, "gpt-x");
    assert_int_equal(json_array_size(s.tool_calls), 1);
    provider_summary_free(&s);
    json_decref(a);

    const char *nousage = "{\"choices\":[{\"text\":\"abc\",\"finish_reason\":\"length\"}]}";
    a = provider_parse_response(PROVIDER_OPENAI, PROVIDER_OP_COMPLETIONS, nousage, strlen(nousage),
                                &u, &err);
    assert_non_null(a);
    assert_int_equal(u.known, 0);
    provider_summary_init(&s);
    provider_summarize(PROVIDER_OP_COMPLETIONS, a, &s);
    assert_string_equal(buf_str(&s.text), "abc");
    assert_string_equal(s.finish_reason, "length");
    provider_summary_free(&s);
    json_decref(a);

    const char *bad[] = {"", "not json", "[1]", "{\"data\":[]}"};
    for (size_t i = 0; i < 4; i++) {
        assert_null(provider_parse_response(PROVIDER_OPENAI, PROVIDER_OP_CHAT, bad[i],
                                            strlen(bad[i]), &u, &err));
        assert_int_equal(err.status, 502);
        assert_string_equal(err.code, "bad_upstream_response");
    }
    const char *emb = "{\"data\":[{\"embedding\":[0.1]}],\"usage\":{\"prompt_tokens\":2,"
                      "\"total_tokens\":2}}";
    a = provider_parse_response(PROVIDER_AZURE, PROVIDER_OP_EMBEDDINGS, emb, strlen(emb), &u, &err);
    assert_non_null(a);
    assert_int_equal(u.input_tokens, 2);
    assert_int_equal(u.output_tokens, 0);
    json_decref(a);
}

/* A streamed answer: role, two text deltas, a tool call in three pieces, finish, usage, done. */
static const char *STREAM =
    "data: {\"id\":\"c\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
    "\"assistant\",\"content\":\"\"}}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"
    ": comment\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\r\n\r\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"t2\","
    "\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"b\\\"\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t1\","
    "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
    "{\"arguments\":\"1}\"}},{\"index\":1,\"function\":{\"arguments\":\":2}\"}}]}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,"
    "\"total_tokens\":13}}\n\n"
    "data: [DONE]\n\n";

/* Feed STREAM split at `split` (and in one piece when split is the length). Returns the output;
 * *complete from provider_stream_finish; the summary is checked by the caller via *ps_out. */
static char *run_stream(provider_kind_t kind, const char *in, size_t split, int wants_usage,
                        int *complete, provider_stream_t **ps_out)
{
    provider_stream_t *ps = provider_stream_new(kind, PROVIDER_OP_CHAT, wants_usage);
    buf_t out;
    buf_init(&out);
    err_t err;
    size_t len = strlen(in);
    if (provider_stream_feed(ps, in, split, &out, &err) != 0 ||
        provider_stream_feed(ps, in + split, len - split, &out, &err) != 0)
        fail_msg("stream feed failed at split %zu: %s", split, err.message);
    *complete = provider_stream_finish(ps, &out);
    if (ps_out)
        *ps_out = ps;
    else
        provider_stream_free(ps);
    buf_append(&out, "", 0);
    return buf_steal(&out);
}

static void test_stream_relay_and_summary(void **state)
{
    (void)state;
    provider_stream_t *ps;
    int complete;
    char *out = run_stream(PROVIDER_OPENAI, STREAM, strlen(STREAM), 0, &complete, &ps);
    assert_int_equal(complete, 1);
    assert_int_equal(provider_stream_started(ps), 1);
    /* Relayed as-is, usage-only chunk dropped, one [DONE] at the end. */
    assert_non_null(strstr(out, "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{"
                                "\"content\":\"lo\"}}]}\n\n"));
    assert_null(strstr(out, "prompt_tokens"));
    assert_null(strstr(out, ": comment"));
    const char *done = strstr(out, "data: [DONE]\n\n");
    assert_non_null(done);
    assert_string_equal(done, "data: [DONE]\n\n");
    const provider_summary_t *s = provider_stream_summary(ps);
    assert_string_equal(buf_str(&s->text), "Hello");
    assert_string_equal(s->finish_reason, "tool_calls");
    assert_string_equal(s->model, "gpt-x");
    assert_int_equal(s->usage.known, 1);
    assert_int_equal(s->usage.input_tokens, 9);
    assert_int_equal(s->usage.output_tokens, 4);
    char *calls = json_dumps(s->tool_calls, JSON_COMPACT);
    assert_string_equal(calls, "[{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":"
                               "\"f\",\"arguments\":\"{\\\"a\\\":1}\"}},{\"id\":\"t2\",\"type\":"
                               "\"function\",\"function\":{\"name\":\"g\",\"arguments\":"
                               "\"{\\\"b\\\":2}\"}}]");
    free(calls);
    provider_stream_free(ps);
    free(out);

    /* The client asked for usage: the usage chunk is relayed. */
    out = run_stream(PROVIDER_OPENAI, STREAM, strlen(STREAM), 1, &complete, NULL);
    assert_non_null(
        strstr(out, "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9"));
    free(out);
}

static void test_stream_every_split(void **state)
{
    (void)state;
    int complete;
    for (int wants = 0; wants <= 1; wants++) {
        char *whole = run_stream(PROVIDER_OPENAI, STREAM, strlen(STREAM), wants, &complete, NULL);
        for (size_t i = 0; i < strlen(STREAM); i++) {
            provider_stream_t *ps;
            char *got = run_stream(PROVIDER_OPENAI, STREAM, i, wants, &complete, &ps);
            if (strcmp(got, whole) != 0 || !complete)
                fail_msg("split at %zu differs", i);
            assert_string_equal(buf_str(&provider_stream_summary(ps)->text), "Hello");
            provider_stream_free(ps);
            free(got);
        }
        free(whole);
    }
}

static void test_stream_truncated(void **state)
{
    (void)state;
    /* Cut before [DONE], and cut mid-event: both incomplete, nothing added by finish. */
    const char *cut = strstr(STREAM, "data: [DONE]");
    size_t lens[] = {(size_t)(cut - STREAM), (size_t)(cut - STREAM) - 30};
    for (int i = 0; i < 2; i++) {
        provider_stream_t *ps = provider_stream_new(PROVIDER_OPENAI, PROVIDER_OP_CHAT, 0);
        buf_t out;
        buf_init(&out);
        err_t err;
        assert_int_equal(provider_stream_feed(ps, STREAM, lens[i], &out, &err), 0);
        size_t before = out.len;
        assert_int_equal(provider_stream_finish(ps, &out), 0);
        assert_int_equal(out.len, before);
        buf_free(&out);
        provider_stream_free(ps);
    }
    /* A last event without its blank line still counts. */
    int complete;
    char *out = run_stream(PROVIDER_OPENAI, "data: {\"choices\":[]}\n\ndata: [DONE]\n", 5, 0,
                           &complete, NULL);
    assert_int_equal(complete, 1);
    free(out);
}

static void test_stream_errors(void **state)
{
    (void)state;
    provider_stream_t *ps = provider_stream_new(PROVIDER_OPENAI, PROVIDER_OP_CHAT, 0);
    buf_t out;
    buf_init(&out);
    err_t err;
    const char *e = "data: {\"error\":{\"message\":\"overloaded now\",\"type\":\"server_error\"}}"
                    "\n\n";
    assert_int_equal(provider_stream_feed(ps, e, strlen(e), &out, &err), -1);
    assert_int_equal(err.status, 502);
    assert_non_null(strstr(err.message, "overloaded now"));
    assert_int_equal(provider_stream_started(ps), 0);
    provider_stream_free(ps);

    ps = provider_stream_new(PROVIDER_OPENAI, PROVIDER_OP_CHAT, 0);
    assert_int_equal(provider_stream_feed(ps, "data: {nope\n\n", 13, &out, &err), -1);
    assert_string_equal(err.code, "bad_upstream_response");
    provider_stream_free(ps);

    ps = provider_stream_new(PROVIDER_OPENAI, PROVIDER_OP_CHAT, 0);
    const char *big = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":100000}]}}]}\n\n";
    assert_int_equal(provider_stream_feed(ps, big, strlen(big), &out, &err), -1);
    assert_int_equal(err.status, 502);
    provider_stream_free(ps);

    buf_reset(&out);
    err_set(&err, 502, "upstream_error", NULL, "upstream said \"no\"");
    provider_stream_error_event(&err, &out);
    assert_string_equal(buf_str(&out),
                        "data: {\"error\":{\"message\":\"upstream said \\\"no\\\"\",\"type\":"
                        "\"upstream_error\",\"code\":\"upstream_error\",\"param\":null}}\n\n");
    buf_free(&out);
}

static void test_parse_error(void **state)
{
    (void)state;
    err_t err;
    const char *oa = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                     "\"code\":\"rate_limit_exceeded\"}}";
    provider_parse_error(PROVIDER_OPENAI, 429, oa, strlen(oa), &err);
    assert_int_equal(err.status, 429);
    assert_string_equal(err.code, "rate_limit_exceeded");
    assert_string_equal(err.message, "upstream returned HTTP 429: Rate limit reached");

    const char *inv = "{\"error\":{\"message\":\"bad param\",\"type\":\"invalid_request_error\","
                      "\"code\":null}}";
    provider_parse_error(PROVIDER_OPENAI, 400, inv, strlen(inv), &err);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_request_error");

    provider_parse_error(PROVIDER_OPENAI, 500, inv, strlen(inv), &err);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.code, "upstream_error");
    assert_non_null(strstr(err.message, "HTTP 500"));

    provider_parse_error(PROVIDER_OPENAI, 503, "<html>Bad\ngateway</html>", 24, &err);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.message, "upstream returned HTTP 503: <html>Bad gateway</html>");

    provider_parse_error(PROVIDER_OPENAI, 429, "", 0, &err);
    assert_int_equal(err.status, 429);
    assert_string_equal(err.code, "rate_limit_exceeded");
    assert_string_equal(err.message, "upstream returned HTTP 429");

    provider_parse_error(PROVIDER_OPENAI, 404, "{\"error\":\"model not found\"}", 27, &err);
    assert_int_equal(err.status, 404);
    assert_string_equal(err.code, "not_found");
    assert_non_null(strstr(err.message, "model not found"));

    provider_parse_error(PROVIDER_OPENAI, 302, "{}", 2, &err);
    assert_int_equal(err.status, 502);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_parse),
        cmocka_unit_test(test_build_stream_request),
        cmocka_unit_test(test_build_azure),
        cmocka_unit_test(test_parse_response),
        cmocka_unit_test(test_stream_relay_and_summary),
        cmocka_unit_test(test_stream_every_split),
        cmocka_unit_test(test_stream_truncated),
        cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_parse_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
