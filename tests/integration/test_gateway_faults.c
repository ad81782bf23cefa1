/* test_gateway_faults.c - traces survive the server's death: requests answered by the gateway
 * are counted against the traces that reach the store after a kill -9 (once the flush interval
 * has passed) and after a SIGTERM sent right behind the last answer. The data directory (and
 * spool) outlives the server; the restarted server replays the spool. */
#include "integration/harness.h"
#include "integration/fake_provider.h"

static int post(const test_server_t *srv, const char *path, const char *body)
{
    const char *headers[] = {"Content-Type: application/json", NULL};
    test_response_t res;
    if (harness_request(srv->url, "POST", path, headers, body, &res) != 0)
        fail_msg("POST %s: no answer", path);
    int status = (int)res.status;
    harness_response_free(&res);
    return status;
}

/* How many traces of endpoint "faults" the store holds (waits up to 5 s for `want`). */
static size_t trace_count(const test_server_t *srv, size_t want)
{
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        test_response_t res;
        assert_int_equal(harness_request(srv->url, "GET",
                                         "/api/v1/traces?endpoint=faults&limit=1000", NULL, NULL,
                                         &res),
                         0);
        assert_int_equal(res.status, 200);
        n = json_array_size(json_object_get(res.json, "traces"));
        harness_response_free(&res);
        if (n >= want)
            break;
        harness_sleep_ms(50);
    }
    return n;
}

static void answer_many(const test_server_t *srv, int count)
{
    for (int i = 0; i < count; i++)
        assert_int_equal(post(srv, "/v1/chat/completions",
                              "{\"model\":\"faults\",\"messages\":[{\"role\":\"user\","
                              "\"content\":\"keep me\"}]}"),
                         200);
}

static void test_traces_survive_kill_and_term(void **state)
{
    (void)state;
    fake_provider_t fp;
    fake_start(&fp);
    test_server_t srv;
    harness_start(&srv, NULL);
    char body[512];
    snprintf(body, sizeof body,
             "{\"name\":\"faults\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s/v1\","
             "\"model\":\"fake\"}]}",
             fp.url);
    assert_int_equal(post(&srv, "/api/v1/endpoints", body), 201);

    /* kill -9 after the flush interval (100 ms) has passed: nothing may be missing. */
    answer_many(&srv, 150);
    harness_sleep_ms(400);
    kill(srv.pid, SIGKILL);
    waitpid(srv.pid, NULL, 0);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", srv.dir);
    harness_start_in(&srv, dir, NULL);
    assert_int_equal(trace_count(&srv, 150), 150);

    /* SIGTERM right behind the last answer: everything answered is kept. */
    answer_many(&srv, 100);
    assert_int_equal(harness_stop_keep(&srv), 0);
    harness_start_in(&srv, dir, NULL);
    assert_int_equal(trace_count(&srv, 250), 250);

    assert_int_equal(harness_stop(&srv), 0);
    assert_int_equal(fake_stop(&fp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traces_survive_kill_and_term),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
