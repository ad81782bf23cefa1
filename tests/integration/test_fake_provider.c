/* test_fake_provider.c - the fake LLM provider (tests/fake_provider) over real HTTP: OpenAI
 * chat/completions/embeddings/models shapes, streaming (role delta, content deltas, finish,
 * usage chunk only when asked, [DONE]), the directives (answer, usage, status, fail_times,
 * retry_after, cut_after, latency_ms, tool_call, dim), the Anthropic Messages API, and the
 * /_stats and /_reset counters. The gateway tests rely on exactly these behaviours. */
#include "integration/harness.h"
#include "integration/fake_provider.h"

#include <math.h>

static fake_provider_t fp;

static int setup(void **state)
{
    (void)state;
    fake_start(&fp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(fake_stop(&fp), 0);
    return 0;
}

static void post(const char *path, const char *body, const char *const *headers,
                 test_response_t *res)
{
    assert_int_equal(harness_request(fp.url, "POST", path, headers, body, res), 0);
}

/* The data: payloads of an SSE body, in order; "[DONE]" becomes the JSON string "[DONE]". */
static json_t *sse_events(const char *body, json_t **event_names)
{
    json_t *events = json_array();
    if (event_names)
        *event_names = json_array();
    for (const char *line = body; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 6 && strncmp(line, "data: ", 6) == 0) {
            if (len == 12 && strncmp(line + 6, "[DONE]", 6) == 0) {
                json_array_append_new(events, json_string("[DONE]"));
            } else {
                json_t *ev = json_loadb(line + 6, len - 6, 0, NULL);
                assert_non_null(ev);
                json_array_append_new(events, ev);
            }
        } else if (event_names && len > 7 && strncmp(line, "event: ", 7) == 0) {
            json_array_append_new(*event_names, json_stringn(line + 7, len - 7));
        }
        line = end ? end + 1 : NULL;
    }
    return events;
}

static const char *str_at(json_t *v, const char *path)
{
    /* path like "choices.0.message.content" */
    char buf[200];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, "."))
        v = (*tok >= '0' && *tok <= '9') ? json_array_get(v, (size_t)atoi(tok))
                                         : json_object_get(v, tok);
    return json_string_value(v);
}

static long int_at(json_t *v, const char *a, const char *b)
{
    return (long)json_integer_value(json_object_get(json_object_get(v, a), b));
}

static void test_chat_nonstream(void **state)
{
    (void)state;
    test_response_t res;
    const char *hdrs[] = {"Authorization: Bearer sk-test-1", NULL};
    post("/v1/chat/completions",
         "{\"model\":\"fake\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
         "{\"role\":\"user\",\"content\":\"first\"},{\"role\":\"assistant\",\"content\":\"ok\"},"
         "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is \\\"x\\\"?\"}]}]}",
         hdrs, &res);
    assert_int_equal(res.status, 200);
    char v[64];
    assert_string_equal(harness_header(&res, "X-Fake-Auth", v, sizeof v), "yes");
    assert_string_equal(str_at(res.json, "object"), "chat.completion");
    assert_string_equal(str_at(res.json, "model"), "fake");
    assert_string_equal(str_at(res.json, "choices.0.message.role"), "assistant");
    assert_string_equal(str_at(res.json, "choices.0.message.content"), "echo: what is \"x\"?");
    assert_string_equal(str_at(res.json, "choices.0.finish_reason"), "stop");
    /* words: "be brief" 2 + "first" 1 + "ok" 1 + "what is "x"?" 3 = 7; answer 4 words */
    assert_int_equal(int_at(res.json, "usage", "prompt_tokens"), 7);
    assert_int_equal(int_at(res.json, "usage", "completion_tokens"), 4);
    assert_int_equal(int_at(res.json, "usage", "total_tokens"), 11);
    harness_response_free(&res);

    post("/v1/chat/completions",
         "{\"model\":\"fake?answer=hello+w%C3%B6rld%21&usage=12,34\",\"messages\":[{\"role\":"
         "\"user\",\"content\":\"hi\"}]}",
         NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(harness_header(&res, "X-Fake-Auth", v, sizeof v), "no");
    assert_string_equal(str_at(res.json, "choices.0.message.content"), "hello w\xc3\xb6rld!");
    assert_int_equal(int_at(res.json, "usage", "prompt_tokens"), 12);
    assert_int_equal(int_at(res.json, "usage", "completion_tokens"), 34);
    harness_response_free(&res);

    /* response_format json_object: the answer is a JSON object holding the text */
    post("/v1/chat/completions",
         "{\"model\":\"fake\",\"response_format\":{\"type\":\"json_object\"},"
         "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
         NULL, &res);
    json_t *inner = json_loads(str_at(res.json, "choices.0.message.content"), 0, NULL);
    assert_string_equal(str_at(inner, "answer"), "echo: hi");
    json_decref(inner);
    harness_response_free(&res);
}

/* Reassemble a chat stream; checks the role delta comes first and [DONE] last. */
static void check_chat_stream(json_t *events, const char *want_text, int want_usage)
{
    size_t n = json_array_size(events);
    assert_true(n >= 4);
    assert_string_equal(json_string_value(json_array_get(events, n - 1)), "[DONE]");
    json_t *first = json_array_get(events, 0);
    assert_string_equal(str_at(first, "object"), "chat.completion.chunk");
    assert_string_equal(str_at(first, "choices.0.delta.role"), "assistant");
    char text[512] = "";
    size_t content_chunks = 0, usage_chunks = 0, finishes = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        json_t *ev = json_array_get(events, i);
        json_t *usage = json_object_get(ev, "usage");
        if (json_is_object(usage)) {
            usage_chunks++;
            assert_int_equal(json_array_size(json_object_get(ev, "choices")), 0);
            assert_true(i == n - 2); /* the usage chunk is the last before [DONE] */
            continue;
        }
        /* with include_usage every other chunk carries "usage":null; without, no key */
        assert_int_equal(json_object_get(ev, "usage") != NULL, want_usage);
        const char *piece = str_at(ev, "choices.0.delta.content");
        if (piece && *piece) {
            content_chunks++;
            strncat(text, piece, sizeof text - strlen(text) - 1);
        }
        if (str_at(ev, "choices.0.finish_reason"))
            finishes++;
    }
    assert_string_equal(text, want_text);
    assert_true(content_chunks >= 1);
    assert_int_equal(finishes, 1);
    assert_int_equal(usage_chunks, want_usage ? 1 : 0);
}

static void test_chat_stream(void **state)
{
    (void)state;
    test_response_t res;
    post("/v1/chat/completions",
         "{\"model\":\"fake?chunks=3\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
         "\"messages\":[{\"role\":\"user\",\"content\":\"one two three four\"}]}",
         NULL, &res);
    assert_int_equal(res.status, 200);
    char v[64];
    assert_string_equal(harness_header(&res, "Content-Type", v, sizeof v), "text/event-stream");
    json_t *events = sse_events(res.body, NULL);
    check_chat_stream(events, "echo: one two three four", 1);
    /* role + 3 pieces + finish + usage + [DONE] */
    assert_int_equal(json_array_size(events), 7);
    json_t *usage = json_object_get(json_array_get(events, 5), "usage");
    assert_int_equal(json_integer_value(json_object_get(usage, "prompt_tokens")), 4);
    assert_int_equal(json_integer_value(json_object_get(usage, "completion_tokens")), 5);
    json_decref(events);
    harness_response_free(&res);

    /* without include_usage: one chunk per word, no usage chunk */
    post("/v1/chat/completions",
         "{\"model\":\"fake\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
         "\"caf\xc3\xa9 au lait\"}]}",
         NULL, &res);
    events = sse_events(res.body, NULL);
    check_chat_stream(events, "echo: caf\xc3\xa9 au lait", 0);
    assert_int_equal(json_array_size(events), 1 + 4 + 1 + 1);
    json_decref(events);
    harness_response_free(&res);
}

static void test_tool_call(void **state)
{
    (void)state;
    test_response_t res;
    const char *tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                        "\"parameters\":{\"type\":\"object\"}}}]";
    char body[600];
    snprintf(body, sizeof body,
             "{\"model\":\"fake?tool_call=get_weather\",%s,\"messages\":[{\"role\":\"user\","
             "\"content\":\"Paris?\"}]}",
             tools);
    post("/v1/chat/completions", body, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(str_at(res.json, "choices.0.finish_reason"), "tool_calls");
    assert_true(json_is_null(json_object_get(
        json_object_get(json_array_get(json_object_get(res.json, "choices"), 0), "message"),
        "content")));
    assert_string_equal(str_at(res.json, "choices.0.message.tool_calls.0.function.name"),
                        "get_weather");
    json_t *args =
        json_loads(str_at(res.json, "choices.0.message.tool_calls.0.function.arguments"), 0, NULL);
    assert_string_equal(str_at(args, "text"), "Paris?");
    json_decref(args);
    harness_response_free(&res);

    /* streamed: the name in the first delta, arguments in pieces that join to the JSON */
    snprintf(body, sizeof body,
             "{\"model\":\"fake?tool_call=get_weather&chunks=2\",\"stream\":true,%s,"
             "\"messages\":[{\"role\":\"user\",\"content\":\"Paris?\"}]}",
             tools);
    post("/v1/chat/completions", body, NULL, &res);
    json_t *events = sse_events(res.body, NULL);
    assert_string_equal(
        str_at(json_array_get(events, 0), "choices.0.delta.tool_calls.0.function.name"),
        "get_weather");
    char joined[200] = "";
    for (size_t i = 1; i < 3; i++)
        strcat(joined, str_at(json_array_get(events, i),
                              "choices.0.delta.tool_calls.0.function.arguments"));
    assert_string_equal(joined, "{\"text\":\"Paris?\"}");
    assert_string_equal(str_at(json_array_get(events, 3), "choices.0.finish_reason"), "tool_calls");
    json_decref(events);
    harness_response_free(&res);

    /* asked for a tool the request does not offer: 400 naming tools */
    post("/v1/chat/completions",
         "{\"model\":\"fake?tool_call=get_weather\",\"messages\":[{\"role\":\"user\","
         "\"content\":\"x\"}]}",
         NULL, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(str_at(res.json, "error.param"), "tools");
    harness_response_free(&res);
}

static void test_completions(void **state)
{
    (void)state;
    test_response_t res;
    post("/v1/completions", "{\"model\":\"fake\",\"prompt\":\"say hi\"}", NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(str_at(res.json, "object"), "text_completion");
    assert_string_equal(str_at(res.json, "choices.0.text"), "echo: say hi");
    assert_int_equal(int_at(res.json, "usage", "prompt_tokens"), 2);
    harness_response_free(&res);

    post("/v1/completions",
         "{\"model\":\"fake\",\"prompt\":[\"a b\"],\"stream\":true,"
         "\"stream_options\":{\"include_usage\":true}}",
         NULL, &res);
    json_t *events = sse_events(res.body, NULL);
    size_t n = json_array_size(events);
    /* 3 pieces ("echo:", " a", " b") + finish + usage + [DONE] */
    assert_int_equal(n, 6);
    char text[64] = "";
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(str_at(json_array_get(events, i), "object"), "text_completion");
        strcat(text, str_at(json_array_get(events, i), "choices.0.text"));
    }
    assert_string_equal(text, "echo: a b");
    assert_string_equal(str_at(json_array_get(events, 3), "choices.0.finish_reason"), "stop");
    assert_int_equal(int_at(json_array_get(events, 4), "usage", "completion_tokens"), 3);
    assert_string_equal(json_string_value(json_array_get(events, 5)), "[DONE]");
    json_decref(events);
    harness_response_free(&res);
}

static void test_errors(void **state)
{
    (void)state;
    test_response_t res;
    char v[64];
    post("/v1/chat/completions",
         "{\"model\":\"fake?status=429&retry_after=7\",\"messages\":[{\"role\":\"user\","
         "\"content\":\"x\"}]}",
         NULL, &res);
    assert_int_equal(res.status, 429);
    assert_string_equal(str_at(res.json, "error.type"), "rate_limit_error");
    assert_non_null(str_at(res.json, "error.message"));
    assert_string_equal(harness_header(&res, "Retry-After", v, sizeof v), "7");
    harness_response_free(&res);

    post("/v1/chat/completions",
         "{\"model\":\"fake?status=500\",\"stream\":true,\"messages\":[{\"role\":\"user\","
         "\"content\":\"x\"}]}",
         NULL, &res);
    assert_int_equal(res.status, 500);
    assert_string_equal(str_at(res.json, "error.type"), "server_error");
    harness_response_free(&res);

    post("/v1/chat/completions", "{not json", NULL, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(str_at(res.json, "error.type"), "invalid_request_error");
    harness_response_free(&res);

    post("/v1/chat/completions", "{\"messages\":[]}", NULL, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(str_at(res.json, "error.param"), "model");
    harness_response_free(&res);

    post("/v1/chat/completions", "{\"model\":\"fake\",\"messages\":[]}", NULL, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(str_at(res.json, "error.param"), "messages");
    harness_response_free(&res);

    post(
        "/v1/chat/completions",
        "{\"model\":\"fake?latency_ms=soon\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        NULL, &res);
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(str_at(res.json, "error.message"), "latency_ms"));
    harness_response_free(&res);

    assert_int_equal(harness_request(fp.url, "GET", "/v1/nothing", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 404);
    assert_non_null(str_at(res.json, "error.message"));
    harness_response_free(&res);
}

static void test_fail_times_and_reset(void **state)
{
    (void)state;
    const char *model = "fake?fail_times=2&retry_after=1";
    const char *body = "{\"model\":\"fake?fail_times=2&retry_after=1\",\"messages\":[{\"role\":"
                       "\"user\",\"content\":\"x\"}]}";
    char v[64];
    for (int round = 0; round < 2; round++) {
        test_response_t res;
        for (int i = 0; i < 2; i++) {
            post("/v1/chat/completions", body, NULL, &res);
            assert_int_equal(res.status, 503);
            assert_string_equal(harness_header(&res, "Retry-After", v, sizeof v), "1");
            harness_response_free(&res);
        }
        post("/v1/chat/completions", body, NULL, &res);
        assert_int_equal(res.status, 200);
        harness_response_free(&res);
        assert_int_equal(fake_model_count(&fp, model), 3);
        fake_reset(&fp); /* clears the counter: the next round fails twice again */
        assert_int_equal(fake_model_count(&fp, model), 0);
    }
    /* fail_status picks the status */
    test_response_t res;
    post("/v1/embeddings", "{\"model\":\"fake?fail_times=1&fail_status=429\",\"input\":\"x\"}",
         NULL, &res);
    assert_int_equal(res.status, 429);
    assert_string_equal(harness_header(&res, "Retry-After", v, sizeof v), "");
    harness_response_free(&res);
}

static void test_cut_after(void **state)
{
    (void)state;
    test_response_t res;
    /* stream: three content chunks, then the connection closes without [DONE] */
    int rc = harness_request(fp.url, "POST", "/v1/chat/completions", NULL,
                             "{\"model\":\"fake?cut_after=3\",\"stream\":true,\"messages\":"
                             "[{\"role\":\"user\",\"content\":\"a b c d e f\"}]}",
                             &res);
    assert_int_equal(rc, -1); /* curl reports the broken chunked body */
    json_t *events = sse_events(res.body, NULL);
    assert_int_equal(json_array_size(events), 4); /* role + 3 */
    assert_string_equal(str_at(json_array_get(events, 3), "choices.0.delta.content"), " b");
    assert_null(strstr(res.body, "[DONE]"));
    json_decref(events);
    harness_response_free(&res);

    /* non-stream: the body stops half-way */
    rc = harness_request(fp.url, "POST", "/v1/chat/completions", NULL,
                         "{\"model\":\"fake?cut_after=1\",\"messages\":"
                         "[{\"role\":\"user\",\"content\":\"a b c\"}]}",
                         &res);
    assert_int_equal(rc, -1);
    assert_true(res.len > 10);
    assert_null(res.json);
    harness_response_free(&res);

    /* the fake still answers afterwards */
    post("/v1/chat/completions",
         "{\"model\":\"fake\",\"messages\":[{\"role\":\"user\","
         "\"content\":\"x\"}]}",
         NULL, &res);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
}

static double vec_norm(json_t *vec)
{
    double sum = 0;
    size_t i;
    json_t *x;
    json_array_foreach(vec, i, x) sum += json_number_value(x) * json_number_value(x);
    return sqrt(sum);
}

static void test_embeddings(void **state)
{
    (void)state;
    test_response_t a, b;
    post("/v1/embeddings", "{\"model\":\"fake\",\"input\":\"hello world\"}", NULL, &a);
    assert_int_equal(a.status, 200);
    assert_string_equal(str_at(a.json, "object"), "list");
    json_t *vec = json_object_get(json_array_get(json_object_get(a.json, "data"), 0), "embedding");
    assert_int_equal(json_array_size(vec), 8);
    assert_true(fabs(vec_norm(vec) - 1.0) < 1e-5);
    assert_int_equal(int_at(a.json, "usage", "prompt_tokens"), 2);

    /* same text, same vector, also as the second item of an array with dim=16 elsewhere */
    post("/v1/embeddings", "{\"model\":\"fake\",\"input\":[\"other\",\"hello world\"]}", NULL, &b);
    json_t *data = json_object_get(b.json, "data");
    assert_int_equal(json_array_size(data), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(data, 1), "index")), 1);
    assert_true(json_equal(vec, json_object_get(json_array_get(data, 1), "embedding")));
    assert_false(json_equal(vec, json_object_get(json_array_get(data, 0), "embedding")));
    harness_response_free(&b);

    post("/v1/embeddings", "{\"model\":\"fake?dim=16\",\"input\":[\"x\"]}", NULL, &b);
    assert_int_equal(json_array_size(json_object_get(
                         json_array_get(json_object_get(b.json, "data"), 0), "embedding")),
                     16);
    harness_response_free(&b);

    /* base64: float32 little-endian of the same numbers */
    post("/v1/embeddings",
         "{\"model\":\"fake\",\"input\":\"hello world\",\"encoding_format\":\"base64\"}", NULL, &b);
    const char *b64 = str_at(b.json, "data.0.embedding");
    assert_non_null(b64);
    assert_int_equal(strlen(b64), 44); /* 32 bytes */
    char cmd[200];
    snprintf(cmd, sizeof cmd, "echo %s | base64 -d | od -An -tf4 -v", b64);
    FILE *p = popen(cmd, "r");
    float f[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(fscanf(p, "%f", &f[i]), 1);
    pclose(p);
    for (size_t i = 0; i < 8; i++)
        assert_true(fabs(f[i] - json_number_value(json_array_get(vec, i))) < 1e-6);
    harness_response_free(&b);
    harness_response_free(&a);

    post("/v1/embeddings", "{\"model\":\"fake\",\"input\":42}", NULL, &b);
    assert_int_equal(b.status, 400);
    assert_string_equal(str_at(b.json, "error.param"), "input");
    harness_response_free(&b);
}

static void test_models(void **state)
{
    (void)state;
    test_response_t res;
    assert_int_equal(harness_request(fp.url, "GET", "/v1/models", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(str_at(res.json, "object"), "list");
    assert_string_equal(str_at(res.json, "data.0.id"), "fake");
    assert_string_equal(str_at(res.json, "data.0.object"), "model");
    harness_response_free(&res);
}

static void test_anthropic_messages(void **state)
{
    (void)state;
    test_response_t res;
    const char *hdrs[] = {"x-api-key: ant-key", "anthropic-version: 2023-06-01", NULL};
    post("/v1/messages",
         "{\"model\":\"fake\",\"max_tokens\":100,\"system\":\"be kind\",\"messages\":[{\"role\":"
         "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi there\"}]}]}",
         hdrs, &res);
    assert_int_equal(res.status, 200);
    char v[64];
    assert_string_equal(harness_header(&res, "X-Fake-Auth", v, sizeof v), "yes");
    assert_string_equal(str_at(res.json, "type"), "message");
    assert_string_equal(str_at(res.json, "role"), "assistant");
    assert_string_equal(str_at(res.json, "content.0.type"), "text");
    assert_string_equal(str_at(res.json, "content.0.text"), "echo: hi there");
    assert_string_equal(str_at(res.json, "stop_reason"), "end_turn");
    assert_int_equal(int_at(res.json, "usage", "input_tokens"), 4);
    assert_int_equal(int_at(res.json, "usage", "output_tokens"), 3);
    harness_response_free(&res);

    post("/v1/messages",
         "{\"model\":\"fake\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":"
         "\"user\",\"content\":\"a b\"}]}",
         hdrs, &res);
    json_t *names;
    json_t *events = sse_events(res.body, &names);
    const char *want[] = {"message_start",       "content_block_start", "content_block_delta",
                          "content_block_delta", "content_block_delta", "content_block_stop",
                          "message_delta",       "message_stop"};
    assert_int_equal(json_array_size(names), 8);
    assert_int_equal(json_array_size(events), 8);
    char text[64] = "";
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(json_string_value(json_array_get(names, i)), want[i]);
        assert_string_equal(str_at(json_array_get(events, i), "type"), want[i]);
        if (i >= 2 && i <= 4)
            strcat(text, str_at(json_array_get(events, i), "delta.text"));
    }
    assert_string_equal(text, "echo: a b");
    assert_int_equal(
        int_at(json_object_get(json_array_get(events, 0), "message"), "usage", "input_tokens"), 2);
    assert_int_equal(int_at(json_array_get(events, 6), "usage", "output_tokens"), 3);
    json_decref(names);
    json_decref(events);
    harness_response_free(&res);

    post("/v1/messages",
         "{\"model\":\"fake?tool_call=lookup\",\"max_tokens\":10,\"tools\":[{\"name\":\"lookup\","
         "\"input_schema\":{\"type\":\"object\"}}],\"messages\":[{\"role\":\"user\",\"content\":"
         "\"q\"}]}",
         hdrs, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(str_at(res.json, "content.0.type"), "tool_use");
    assert_string_equal(str_at(res.json, "content.0.name"), "lookup");
    assert_string_equal(str_at(res.json, "content.0.input.text"), "q");
    assert_string_equal(str_at(res.json, "stop_reason"), "tool_use");
    harness_response_free(&res);

    post("/v1/messages",
         "{\"model\":\"fake?status=529\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
         "\"content\":\"q\"}]}",
         hdrs, &res);
    assert_int_equal(res.status, 529);
    assert_string_equal(str_at(res.json, "type"), "error");
    assert_string_equal(str_at(res.json, "error.type"), "overloaded_error");
    harness_response_free(&res);
}

/* latency_ms suspends the connection instead of blocking a worker: with 6 delayed requests
 * pending on a 2-thread fake, an undelayed request is still answered while they wait. */
static void test_latency_does_not_block(void **state)
{
    (void)state;
    const char *body = "{\"model\":\"fake?latency_ms=2000\",\"messages\":[{\"role\":\"user\","
                       "\"content\":\"slow\"}]}";
    char text[600];
    snprintf(text, sizeof text,
             "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
             "\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    int fds[6];
    for (int i = 0; i < 6; i++) {
        fds[i] = harness_connect(fp.port);
        harness_send(fds[i], text);
    }
    test_response_t res;
    post("/v1/chat/completions",
         "{\"model\":\"fake\",\"messages\":[{\"role\":\"user\","
         "\"content\":\"fast\"}]}",
         NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(str_at(res.json, "choices.0.message.content"), "echo: fast");
    harness_response_free(&res);
    /* the delayed ones have not answered yet, and are all open */
    for (int i = 0; i < 6; i++) {
        char c;
        assert_int_equal(recv(fds[i], &c, 1, MSG_DONTWAIT), -1);
    }
    json_t *stats = fake_stats(&fp);
    assert_true(json_integer_value(json_object_get(stats, "connections_open")) >= 6);
    json_decref(stats);
    for (int i = 0; i < 6; i++) {
        char out[4096];
        assert_true(harness_read_all(fds[i], out, sizeof out) > 0);
        assert_non_null(strstr(out, "HTTP/1.1 200"));
        assert_non_null(strstr(out, "echo: slow"));
        close(fds[i]);
    }
}

static void test_stats_count_keys(void **state)
{
    (void)state;
    fake_reset(&fp);
    test_response_t res;
    const char *k1[] = {"Authorization: Bearer key-one", NULL};
    const char *k2[] = {"Authorization: Bearer key-two", NULL};
    const char *body = "{\"model\":\"fake?answer=x\",\"messages\":[{\"role\":\"user\","
                       "\"content\":\"x\"}]}";
    post("/v1/chat/completions", body, k1, &res);
    harness_response_free(&res);
    post("/v1/chat/completions", body, k1, &res);
    harness_response_free(&res);
    post("/v1/chat/completions", body, k2, &res);
    harness_response_free(&res);
    post("/v1/chat/completions", body, NULL, &res);
    harness_response_free(&res);
    json_t *stats = fake_stats(&fp);
    json_t *auth = json_object_get(stats, "auth");
    assert_int_equal(json_integer_value(json_object_get(auth, "Bearer key-one")), 2);
    assert_int_equal(json_integer_value(json_object_get(auth, "Bearer key-two")), 1);
    assert_int_equal(json_integer_value(json_object_get(auth, "(none)")), 1);
    assert_int_equal(json_integer_value(json_object_get(stats, "requests")), 4);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(stats, "models"), "fake?answer=x")), 4);
    assert_true(json_integer_value(json_object_get(stats, "connections_total")) >= 1);
    json_decref(stats);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chat_nonstream),
        cmocka_unit_test(test_chat_stream),
        cmocka_unit_test(test_tool_call),
        cmocka_unit_test(test_completions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_fail_times_and_reset),
        cmocka_unit_test(test_cut_after),
        cmocka_unit_test(test_embeddings),
        cmocka_unit_test(test_models),
        cmocka_unit_test(test_anthropic_messages),
        cmocka_unit_test(test_latency_does_not_block),
        cmocka_unit_test(test_stats_count_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
