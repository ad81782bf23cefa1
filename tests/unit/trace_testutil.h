/* trace_testutil.h - trace records shaped like the gateway's (traces/trace_sink.h), for the
 * trace store and trace sink tests. */
#ifndef LLMOPS_TESTS_TRACE_TESTUTIL_H
#define LLMOPS_TESTS_TRACE_TESTUTIL_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* The trace id of record number i: 32 hex digits, distinct per i and per salt. */
static inline void test_trace_id(int salt, int i, char *out)
{
    snprintf(out, 33, "%08x%08x%016x", (unsigned)salt & 0xffffffffu, (unsigned)i, 0xabcu);
}

/* A full chat record: endpoint "ep<i%2>", model "gpt-<i%3>", status error when i%5 == 4,
 * key "key-<i%2>", 10+i input and 20 output tokens, cost 0.001*(i+1), start_ms base+i*10. */
static inline json_t *test_trace_record(int salt, int i, int64_t base_ms)
{
    char trace_id[33], span_id[17], endpoint[16], model[16], key[16];
    test_trace_id(salt, i, trace_id);
    snprintf(span_id, sizeof span_id, "%016x", (unsigned)(i + 1));
    snprintf(endpoint, sizeof endpoint, "ep%d", i % 2);
    snprintf(model, sizeof model, "gpt-%d", i % 3);
    snprintf(key, sizeof key, "key-%d", i % 2);
    int error = i % 5 == 4;
    json_t *rec = json_object();
#define SET(k, v) json_object_set_new(rec, k, v)
    SET("trace_id", json_string(trace_id));
    SET("span_id", json_string(span_id));
    SET("name", json_string("chat.completions"));
    SET("start_ms", json_integer(base_ms + i * 10));
    SET("end_ms", json_integer(base_ms + i * 10 + 5));
    SET("latency_ms", json_real(5.5));
    SET("ttft_ms", json_real(1.25));
    SET("status", json_string(error ? "error" : "ok"));
    SET("http_status", json_integer(error ? 502 : 200));
    SET("endpoint", json_string(endpoint));
    SET("target", json_integer(0));
    SET("provider", json_string("openai"));
    SET("upstream_model", json_string(model));
    SET("model_name", json_string("support-bot"));
    SET("model_version", json_string("3"));
    SET("model_alias", json_string("prod"));
    SET("prompt_name", json_string("greeting"));
    SET("prompt_version", json_integer(2));
    SET("key_id", json_string(key));
    SET("user", json_string(i % 2 ? "alice" : "bob"));
    SET("session_id", json_string("s1"));
    SET("request", json_pack("{s:[{s:s, s:s}], s:{s:f}}", "messages", "role", "user", "content",
                             "hi", "params", "temperature", 0.5));
    SET("response", json_pack("{s:s}", "text", "hello"));
    SET("finish_reason", json_string("stop"));
    SET("input_tokens", json_integer(10 + i));
    SET("output_tokens", json_integer(20));
    SET("cost_usd", json_real(0.001 * (i + 1)));
    SET("retries", json_integer(0));
    SET("attempts", json_pack("[{s:i, s:s, s:f}]", "target", 0, "status", "ok", "latency_ms", 5.0));
    SET("cache_hit", json_false());
    SET("stream", json_false());
#undef SET
    if (error)
        json_object_set_new(rec, "error", json_string("upstream said 502"));
    return rec;
}

#endif
