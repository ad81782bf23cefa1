/* test_provider_anthropic.c - unit tests for the anthropic adapter of providers/provider.h:
 * chat requests translated to Messages (system, max_tokens default, stop, tools, tool_choice,
 * assistant tool calls, tool results merged into one user turn, images, refusals with the
 * field named), completions/embeddings refused, answers translated back (text, tool calls,
 * finish reasons, usage), streams translated to chat.completion.chunk events identically for
 * every split, the usage chunk only when asked, truncation, error events, error bodies. */
#include "unit/testutil.h"

#include <jansson.h>

#include "providers/provider.h"

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    if (!v)
        fail_msg("bad JSON in test: %s", text);
    return v;
}

/* Build the upstream body for a chat request; returns it parsed. */
static json_t *build(const char *req, int stream, provider_http_t *h)
{
    provider_conn_t conn = {PROVIDER_ANTHROPIC, "http://127.0.0.1:9/v1", "LLMOPS_TEST_ANT", NULL};
    json_t *body = parse(req);
    err_t err;
    if (provider_build_request(&conn, PROVIDER_OP_CHAT, body, stream, h, &err) != 0)
        fail_msg("build failed: %s", err.message);
    json_decref(body);
    return parse(h->body);
}

static err_t build_bad(provider_op_t op, const char *req)
{
    provider_conn_t conn = {PROVIDER_ANTHROPIC, NULL, NULL, NULL};
    json_t *body = parse(req);
    provider_http_t h;
    err_t err;
    assert_int_equal(provider_build_request(&conn, op, body, 0, &h, &err), -1);
    json_decref(body);
    return err;
}

static void assert_json(const json_t *got, const char *want)
{
    json_t *w = parse(want);
    if (!json_equal((json_t *)got, w)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        char *x = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got  %s\nwant %s", g, x);
    }
    json_decref(w);
}

static void test_build_basic(void **state)
{
    (void)state;
    setenv("LLMOPS_TEST_ANT", "ant-key", 1);
    provider_http_t h;
    json_t *up = build("{\"model\":\"claude-x\",\"messages\":[{\"role\":\"system\",\"content\":"
                       "\"Be brief.\"},{\"role\":\"developer\",\"content\":[{\"type\":\"text\","
                       "\"text\":\"No jokes.\"}]},{\"role\":\"user\",\"content\":\"Hi\"}],"
                       "\"temperature\":0.5,\"top_p\":0.9,\"stop\":\"END\",\"user\":\"u1\","
                       "\"stream_options\":{\"include_usage\":true},\"frequency_penalty\":1}",
                       1, &h);
    assert_string_equal(h.url, "http://127.0.0.1:9/v1/messages");
    int key = 0, version = 0;
    for (char **p = h.headers; *p; p++) {
        key |= strcmp(*p, "x-api-key: ant-key") == 0;
        version |= strcmp(*p, "anthropic-version: 2023-06-01") == 0;
        assert_null(strstr(*p, "Authorization"));
    }
    assert_true(key && version);
    assert_json(up, "{\"model\":\"claude-x\",\"max_tokens\":4096,\"system\":\"Be brief.\\n\\nNo "
                    "jokes.\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                    "\"text\":\"Hi\"}]}],\"temperature\":0.5,\"top_p\":0.9,\"stop_sequences\":"
                    "[\"END\"],\"metadata\":{\"user_id\":\"u1\"},\"stream\":true}");
    json_decref(up);
    provider_http_free(&h);
    unsetenv("LLMOPS_TEST_ANT");

    up = build("{\"model\":\"m\",\"max_completion_tokens\":50,\"messages\":[{\"role\":\"user\","
               "\"content\":\"x\"}],\"stop\":[\"a\",\"b\"]}",
               0, &h);
    assert_int_equal(json_integer_value(json_object_get(up, "max_tokens")), 50);
    assert_json(json_object_get(up, "stop_sequences"), "[\"a\",\"b\"]");
    assert_null(json_object_get(up, "stream"));
    for (char **p = h.headers; *p; p++)
        assert_null(strstr(*p, "x-api-key"));
    json_decref(up);
    provider_http_free(&h);
}

static void test_build_tools(void **state)
{
    (void)state;
    provider_http_t h;
    json_t *up = build(
        "{\"model\":\"m\",\"max_tokens\":10,\"messages\":["
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},{\"type\":"
        "\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]},"
        "{\"role\":\"assistant\",\"content\":\"Calling.\",\"tool_calls\":[{\"id\":\"t1\",\"type\":"
        "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}},{\"id\":"
        "\"t2\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"one\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"t2\",\"content\":\"two\"},"
        "{\"role\":\"user\",\"content\":\"thanks\"}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":\"F\","
        "\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}}},"
        "{\"type\":\"function\",\"function\":{\"name\":\"g\"}}],"
        "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}},"
        "\"parallel_tool_calls\":false}",
        0, &h);
    assert_json(
        json_object_get(up, "messages"),
        "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},{\"type\":"
        "\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":"
        "\"AAAA\"}}]},"
        "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Calling.\"},"
        "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{\"a\":1}},{\"type\":"
        "\"tool_use\",\"id\":\"t2\",\"name\":\"g\",\"input\":{}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
        "\"content\":[{\"type\":\"text\",\"text\":\"one\"}]},{\"type\":\"tool_result\","
        "\"tool_use_id\":\"t2\",\"content\":[{\"type\":\"text\",\"text\":\"two\"}]},"
        "{\"type\":\"text\",\"text\":\"thanks\"}]}]");
    assert_json(json_object_get(up, "tools"),
                "[{\"name\":\"f\",\"description\":\"F\",\"input_schema\":{\"type\":\"object\","
                "\"properties\":{\"a\":{\"type\":\"integer\"}}}},{\"name\":\"g\",\"input_schema\":"
                "{\"type\":\"object\",\"properties\":{}}}]");
    assert_json(json_object_get(up, "tool_choice"),
                "{\"type\":\"tool\",\"name\":\"f\",\"disable_parallel_tool_use\":true}");
    json_decref(up);
    provider_http_free(&h);

    const char *choices[][2] = {{"\"auto\"", "{\"type\":\"auto\"}"},
                                {"\"required\"", "{\"type\":\"any\"}"},
                                {"\"none\"", "{\"type\":\"none\"}"}};
    for (int i = 0; i < 3; i++) {
        char req[256];
        snprintf(req, sizeof req,
                 "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                 "\"tool_choice\":%s}",
                 choices[i][0]);
        up = build(req, 0, &h);
        assert_json(json_object_get(up, "tool_choice"), choices[i][1]);
        json_decref(up);
        provider_http_free(&h);
    }
}

static void test_build_refusals(void **state)
{
    (void)state;
    err_t e = build_bad(PROVIDER_OP_COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"x\"}");
    assert_int_equal(e.status, 400);
    assert_non_null(strstr(e.message, "chat completions only"));
    e = build_bad(PROVIDER_OP_EMBEDDINGS, "{\"model\":\"m\",\"input\":\"x\"}");
    assert_int_equal(e.status, 400);
    assert_non_null(strstr(e.message, "embeddings"));
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"messages\":[]}");
    assert_string_equal(e.field, "messages");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\","
                                    "\"content\":\"x\"}]}");
    assert_string_equal(e.field, "n");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                                    "\"content\":[{\"type\":\"input_audio\"}]}]}");
    assert_string_equal(e.field, "messages[0].content[0]");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                                    "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
                                    "\"ftp://x\"}}]}]}");
    assert_string_equal(e.field, "messages[0].content[0]");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\","
                                    "\"tool_calls\":[{\"id\":\"t\",\"function\":{\"name\":\"f\","
                                    "\"arguments\":\"[1]\"}}]}]}");
    assert_string_equal(e.field, "messages[0].tool_calls[0]");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\","
                                    "\"content\":\"x\"}]}");
    assert_string_equal(e.field, "messages[0]");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                                    "\"content\":\"x\"}],\"stop\":[1]}");
    assert_string_equal(e.field, "stop");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                                    "\"content\":\"x\"}],\"tool_choice\":\"maybe\"}");
    assert_string_equal(e.field, "tool_choice");
    e = build_bad(PROVIDER_OP_CHAT, "{\"model\":\"m\",\"max_tokens\":\"9\",\"messages\":[]}");
    assert_string_equal(e.field, "max_tokens");
}

static void test_parse_response(void **state)
{
    (void)state;
    const char *msg =
        "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
        "\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"Let me \"},{\"type\":"
        "\"text\",\"text\":\"check.\"},{\"type\":\"tool_use\",\"id\":\"tu1\",\"name\":"
        "\"f\",\"input\":{\"a\":1}}],\"stop_reason\":\"tool_use\",\"usage\":{"
        "\"input_tokens\":20,\"output_tokens\":7}}";
    provider_usage_t u;
    err_t err;
    json_t *a =
        provider_parse_response(PROVIDER_ANTHROPIC, PROVIDER_OP_CHAT, msg, strlen(msg), &u, &err);
    assert_non_null(a);
    json_object_del(a, "created");
    assert_json(a, "{\"id\":\"msg_1\",\"object\":\"chat.completion\",\"model\":\"claude-x\","
                   "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                   "\"Let me check.\",\"tool_calls\":[{\"id\":\"tu1\",\"type\":\"function\","
                   "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]},"
                   "\"finish_reason\":\"tool_calls\",\"logprobs\":null}],\"usage\":{"
                   "\"prompt_tokens\":20,\"completion_tokens\":7,\"total_tokens\":27}}");
    assert_int_equal(u.known, 1);
    assert_int_equal(u.input_tokens, 20);
    assert_int_equal(u.output_tokens, 7);
    json_decref(a);

    const char *reasons[][2] = {
        {"end_turn", "stop"}, {"stop_sequence", "stop"}, {"max_tokens", "length"}};
    for (int i = 0; i < 3; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"stop_reason\":\"%s\"}",
                 reasons[i][0]);
        a = provider_parse_response(PROVIDER_ANTHROPIC, PROVIDER_OP_CHAT, body, strlen(body), &u,
                                    &err);
        json_t *choice = json_array_get(json_object_get(a, "choices"), 0);
        assert_string_equal(json_string_value(json_object_get(choice, "finish_reason")),
                            reasons[i][1]);
        assert_int_equal(u.known, 0);
        json_decref(a);
    }
    assert_null(
        provider_parse_response(PROVIDER_ANTHROPIC, PROVIDER_OP_CHAT, "{\"x\":1}", 7, &u, &err));
    assert_string_equal(err.code, "bad_upstream_response");
}

static const char *STREAM =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\","
    "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
    "\"text\":\"\"}}\n\n"
    "event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\"Hi \"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\"there\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
    "\"id\":\"tu1\",\"name\":\"f\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"{\\\"a\\\":\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
    "\"partial_json\":\"1}\"}}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{"
    "\"output_tokens\":15}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

/* Translate STREAM split at `split`; returns the client events with "created" values masked. */
static char *run_stream(size_t split, int wants_usage, int *complete, provider_stream_t **out_ps)
{
    provider_stream_t *ps = provider_stream_new(PROVIDER_ANTHROPIC, PROVIDER_OP_CHAT, wants_usage);
    buf_t out;
    buf_init(&out);
    err_t err;
    size_t len = strlen(STREAM);
    if (provider_stream_feed(ps, STREAM, split, &out, &err) != 0 ||
        provider_stream_feed(ps, STREAM + split, len - split, &out, &err) != 0)
        fail_msg("feed failed at %zu: %s", split, err.message);
    *complete = provider_stream_finish(ps, &out);
    buf_append(&out, "", 0);
    /* created is the wall clock: mask its digits */
    for (char *p = strstr(out.data, "\"created\":"); p; p = strstr(p + 1, "\"created\":"))
        for (char *d = p + 10; *d >= '0' && *d <= '9'; d++)
            *d = '0';
    if (out_ps)
        *out_ps = ps;
    else
        provider_stream_free(ps);
    return buf_steal(&out);
}

#define CHUNK(delta, finish)                                                                       \
    "data: {\"id\":\"msg_1\",\"object\":\"chat.completion.chunk\",\"created\":0000000000,"         \
    "\"model\":\"claude-x\",\"choices\":[{\"index\":0,\"delta\":" delta                            \
    ",\"finish_reason\":" finish "}]}\n\n"

static void test_stream_translation(void **state)
{
    (void)state;
    int complete;
    provider_stream_t *ps;
    char *out = run_stream(strlen(STREAM), 0, &complete, &ps);
    assert_int_equal(complete, 1);
    const char *want = CHUNK("{\"role\":\"assistant\",\"content\":\"\"}", "null")
        CHUNK("{\"content\":\"Hi \"}", "null") CHUNK("{\"content\":\"there\"}", "null") CHUNK(
            "{\"tool_calls\":[{\"index\":0,\"id\":\"tu1\",\"type\":\"function\",\"function\":"
            "{\"name\":\"f\",\"arguments\":\"\"}}]}",
            "null")
            CHUNK("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]}",
                  "null")
                CHUNK("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]}",
                      "null") CHUNK("{}", "\"tool_calls\"") "data: [DONE]\n\n";
    assert_string_equal(out, want);
    const provider_summary_t *s = provider_stream_summary(ps);
    assert_string_equal(buf_str(&s->text), "Hi there");
    assert_string_equal(s->finish_reason, "tool_calls");
    assert_string_equal(s->model, "claude-x");
    assert_int_equal(s->usage.input_tokens, 25);
    assert_int_equal(s->usage.output_tokens, 15);
    assert_json(s->tool_calls, "[{\"id\":\"tu1\",\"type\":\"function\",\"function\":{\"name\":"
                               "\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]");
    provider_stream_free(ps);
    free(out);

    /* Asked for usage: one usage chunk before [DONE]. */
    out = run_stream(strlen(STREAM), 1, &complete, NULL);
    assert_non_null(strstr(out, "\"choices\":[],\"usage\":{\"prompt_tokens\":25,"
                                "\"completion_tokens\":15,\"total_tokens\":40}}\n\ndata: [DONE]"));
    free(out);
}

static void test_stream_every_split(void **state)
{
    (void)state;
    int complete;
    for (int wants = 0; wants <= 1; wants++) {
        char *whole = run_stream(strlen(STREAM), wants, &complete, NULL);
        for (size_t i = 0; i < strlen(STREAM); i++) {
            char *got = run_stream(i, wants, &complete, NULL);
            if (strcmp(got, whole) != 0 || !complete)
                fail_msg("split at %zu differs", i);
            free(got);
        }
        free(whole);
    }
}

static void test_stream_truncated_and_errors(void **state)
{
    (void)state;
    provider_stream_t *ps = provider_stream_new(PROVIDER_ANTHROPIC, PROVIDER_OP_CHAT, 1);
    buf_t out;
    buf_init(&out);
    err_t err;
    size_t cut = (size_t)(strstr(STREAM, "event: message_stop") - STREAM);
    assert_int_equal(provider_stream_feed(ps, STREAM, cut, &out, &err), 0);
    assert_int_equal(provider_stream_started(ps), 1);
    size_t before = out.len;
    assert_int_equal(provider_stream_finish(ps, &out), 0);
    assert_int_equal(out.len, before);
    assert_null(strstr(buf_str(&out), "usage"));
    provider_stream_free(ps);

    ps = provider_stream_new(PROVIDER_ANTHROPIC, PROVIDER_OP_CHAT, 0);
    const char *e = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                    "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    assert_int_equal(provider_stream_feed(ps, e, strlen(e), &out, &err), -1);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.code, "upstream_error");
    assert_string_equal(err.message, "upstream stream error: Overloaded");
    provider_stream_free(ps);

    ps = provider_stream_new(PROVIDER_ANTHROPIC, PROVIDER_OP_CHAT, 0);
    const char *stray = "data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":"
                        "\"input_json_delta\",\"partial_json\":\"x\"}}\n\n";
    assert_int_equal(provider_stream_feed(ps, stray, strlen(stray), &out, &err), -1);
    assert_string_equal(err.code, "bad_upstream_response");
    provider_stream_free(ps);
    buf_free(&out);
}

static void test_parse_error(void **state)
{
    (void)state;
    err_t err;
    const char *rl = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":"
                     "\"Number of requests has exceeded your rate limit\"}}";
    provider_parse_error(PROVIDER_ANTHROPIC, 429, rl, strlen(rl), &err);
    assert_int_equal(err.status, 429);
    assert_string_equal(err.code, "rate_limit_exceeded");
    assert_string_equal(err.message,
                        "upstream returned HTTP 429: Number of requests has exceeded your rate "
                        "limit");
    const char *inv = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                      "\"message\":\"max_tokens: too big\"}}";
    provider_parse_error(PROVIDER_ANTHROPIC, 400, inv, strlen(inv), &err);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_request_error");
    const char *ov = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
                     "\"Overloaded\"}}";
    provider_parse_error(PROVIDER_ANTHROPIC, 529, ov, strlen(ov), &err);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.code, "upstream_error");
    assert_string_equal(err.message, "upstream returned HTTP 529: Overloaded");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_basic),
        cmocka_unit_test(test_build_tools),
        cmocka_unit_test(test_build_refusals),
        cmocka_unit_test(test_parse_response),
        cmocka_unit_test(test_stream_translation),
        cmocka_unit_test(test_stream_every_split),
        cmocka_unit_test(test_stream_truncated_and_errors),
        cmocka_unit_test(test_parse_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
