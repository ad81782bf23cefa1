/* test_http.c - the HTTP server end to end: routing and errors, limits, slow clients, request
 * ids and the access log, graceful shutdown. Runs against the store in LLMOPS_TEST_STORE
 * (SQLite when unset); tests/run.sh runs it against both. */
#include "integration/api_testutil.h" /* `server`: shared by the tests that need no special flags */

static void test_healthz(void **state)
{
    (void)state;
    test_response_t res;
    assert_int_equal(harness_request(server.url, "GET", "/healthz", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(json_string_value(json_object_get(res.json, "status")), "ok");
    char ct[128];
    assert_string_equal(harness_header(&res, "Content-Type", ct, sizeof ct), "application/json");
    harness_response_free(&res);

    assert_int_equal(harness_request(server.url, "HEAD", "/healthz", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
}

static void test_readyz_and_status(void **state)
{
    (void)state;
    test_response_t res;
    harness_request(server.url, "GET", "/readyz", NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    assert_string_equal(json_string_value(json_object_get(res.json, "status")), "ready");
    harness_response_free(&res);

    harness_request(server.url, "GET", "/api/v1/status", NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    json_t *store = json_object_get(res.json, "store");
    assert_string_equal(json_string_value(json_object_get(store, "backend")),
                        harness_store() ? "postgresql" : "sqlite");
    json_int_t version = json_integer_value(json_object_get(store, "schema_version"));
    assert_true(version >= 1);
    assert_int_equal(version, json_integer_value(json_object_get(store, "latest_schema_version")));
    /* The description never carries a password. */
    assert_null(strstr(json_string_value(json_object_get(store, "url")), "secret"));
    harness_response_free(&res);
}

static void test_unknown_route_is_404(void **state)
{
    (void)state;
    test_response_t res;
    harness_request(server.url, "GET", "/no/such/route", NULL, NULL, &res);
    assert_int_equal(res.status, 404);
    assert_string_equal(harness_error_code(&res), "not_found");
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(res.json, "error"), "message")),
               "/no/such/route"));
    harness_response_free(&res);
}

/* A path or query that decodes to invalid UTF-8 is refused, not echoed into an error. */
static void test_invalid_utf8_target_is_400(void **state)
{
    (void)state;
    test_response_t res;
    harness_request(server.url, "GET", "/no%ff%fe", NULL, NULL, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(harness_error_code(&res), "invalid_argument");
    harness_response_free(&res);
    harness_request(server.url, "GET", "/api/v1/lineage/edges?type=%ff", NULL, NULL, &res);
    assert_int_equal(res.status, 400);
    harness_response_free(&res);
}

static void test_wrong_method_is_405(void **state)
{
    (void)state;
    test_response_t res;
    harness_request(server.url, "DELETE", "/healthz", NULL, NULL, &res);
    assert_int_equal(res.status, 405);
    assert_string_equal(harness_error_code(&res), "method_not_allowed");
    char allow[64];
    assert_string_equal(harness_header(&res, "Allow", allow, sizeof allow), "GET, HEAD");
    harness_response_free(&res);
}

static void test_malformed_json_names_position(void **state)
{
    (void)state;
    test_response_t res;
    const char *headers[] = {"Content-Type: application/json", NULL};
    harness_request(server.url, "POST", "/api/v1/lineage/edges", headers,
                    "{\n  \"relation\": \"input\",\n  \"from\": {,}\n}", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(harness_error_code(&res), "invalid_json");
    const char *message =
        json_string_value(json_object_get(json_object_get(res.json, "error"), "message"));
    assert_non_null(strstr(message, "line 3, column"));
    harness_response_free(&res);

    /* Not an object, and an empty body, are both invalid_json too. */
    harness_request(server.url, "POST", "/api/v1/lineage/edges", headers, "[1,2]", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(harness_error_code(&res), "invalid_json");
    harness_response_free(&res);
    harness_request(server.url, "POST", "/api/v1/lineage/edges", headers, "", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(harness_error_code(&res), "invalid_json");
    harness_response_free(&res);

    /* Invalid UTF-8 inside a string is rejected by the parser. */
    harness_request(server.url, "POST", "/api/v1/lineage/edges", headers,
                    "{\"relation\": \"\xff\xfe\"}", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(harness_error_code(&res), "invalid_json");
    harness_response_free(&res);
}

static void test_metrics_prometheus_text(void **state)
{
    (void)state;
    test_response_t res;
    harness_request(server.url, "GET", "/definitely/missing", NULL, NULL, &res);
    harness_response_free(&res);
    harness_sleep_ms(50); /* counted when MHD reports the request complete */
    harness_request(server.url, "GET", "/metrics", NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    char ct[128];
    assert_non_null(strstr(harness_header(&res, "Content-Type", ct, sizeof ct), "text/plain"));
    assert_non_null(strstr(res.body, "# TYPE llmops_http_requests_total counter\n"));
    assert_non_null(strstr(res.body, "llmops_http_requests_total{code=\"404\"} "));
    assert_non_null(strstr(res.body, "\nllmops_http_requests_in_flight 1\n")); /* this one */
    harness_response_free(&res);
}

static void test_request_id_echoed_or_generated(void **state)
{
    (void)state;
    test_response_t res;
    const char *given[] = {"X-Request-Id: my-trace.id:42", NULL};
    harness_request(server.url, "GET", "/healthz", given, NULL, &res);
    char id[200];
    assert_string_equal(harness_header(&res, "X-Request-Id", id, sizeof id), "my-trace.id:42");
    harness_response_free(&res);

    const char *bad[] = {"X-Request-Id: has spaces and \"quotes\"", NULL};
    harness_request(server.url, "GET", "/healthz", bad, NULL, &res);
    harness_header(&res, "X-Request-Id", id, sizeof id);
    assert_int_equal(strlen(id), 32); /* a generated UUIDv7 in hex */
    harness_response_free(&res);

    harness_request(server.url, "GET", "/healthz", NULL, NULL, &res);
    harness_header(&res, "X-Request-Id", id, sizeof id);
    assert_int_equal(strlen(id), 32);
    harness_response_free(&res);
}

static void test_access_log_line(void **state)
{
    (void)state;
    test_response_t res;
    const char *given[] = {"X-Request-Id: access-log-probe-1", NULL};
    harness_request(server.url, "GET", "/healthz?x=1", given, NULL, &res);
    harness_response_free(&res);
    harness_sleep_ms(100); /* the line is written when MHD reports completion */

    char line[4096];
    FILE *f = fopen(server.log_path, "r");
    assert_non_null(f);
    json_t *found = NULL;
    while (!found && fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *rid = json_string_value(json_object_get(j, "request_id"));
        if (rid && strcmp(rid, "access-log-probe-1") == 0)
            found = j;
        else
            json_decref(j);
    }
    fclose(f);
    assert_non_null(found);
    assert_string_equal(json_string_value(json_object_get(found, "msg")), "request");
    assert_string_equal(json_string_value(json_object_get(found, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(found, "path")), "/healthz");
    assert_int_equal(json_integer_value(json_object_get(found, "status")), 200);
    assert_true(json_integer_value(json_object_get(found, "bytes")) > 0);
    assert_true(json_is_number(json_object_get(found, "duration_ms")));
    assert_true(json_is_integer(json_object_get(found, "ts")));
    json_decref(found);
}

static void test_body_over_limit_is_413(void **state)
{
    (void)state;
    test_server_t srv;
    const char *extra[] = {"--max-body-bytes", "2k", NULL};
    harness_start(&srv, extra);
    char body[4097];
    memset(body, 'a', 4096);
    body[0] = '"';
    body[4095] = '"';
    body[4096] = '\0';
    test_response_t res;
    harness_request(srv.url, "POST", "/api/v1/lineage/edges", NULL, body, &res);
    assert_int_equal(res.status, 413);
    assert_string_equal(harness_error_code(&res), "payload_too_large");
    harness_response_free(&res);

    /* Chunked: no Content-Length up front, so the limit trips while reading. */
    const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
    harness_request(srv.url, "POST", "/api/v1/lineage/edges", chunked, body, &res);
    assert_int_equal(res.status, 413);
    harness_response_free(&res);

    /* The server is still fine afterwards. */
    harness_request(srv.url, "GET", "/healthz", NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
    assert_int_equal(harness_stop(&srv), 0);
}

static void test_headers_over_limit_are_rejected(void **state)
{
    (void)state;
    test_server_t srv;
    const char *extra[] = {"--max-header-bytes", "2k", NULL};
    harness_start(&srv, extra);
    char header[40000];
    strcpy(header, "X-Big: ");
    memset(header + 7, 'b', 30000);
    header[30007] = '\0';
    const char *headers[] = {header, NULL};
    test_response_t res;
    harness_request(srv.url, "GET", "/healthz", headers, NULL, &res);
    assert_true(res.status == 431 || res.status == 413);
    harness_response_free(&res);
    assert_int_equal(harness_stop(&srv), 0);
}

/* A client that trickles its headers a byte at a time is cut off by the request timeout even
 * though it is never silent for long enough to hit the idle timeout. */
static void test_slow_sender_is_cut_off(void **state)
{
    (void)state;
    test_server_t srv;
    const char *extra[] = {"--request-timeout", "1", "--idle-timeout", "30", NULL};
    harness_start(&srv, extra);
    int fd = harness_connect(srv.port);
    harness_send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    int cut_off = 0;
    for (int i = 0; i < 100 && !cut_off; i++) { /* at most 20 s of trickling */
        harness_sleep_ms(200);
        if (send(fd, "a", 1, MSG_NOSIGNAL) != 1)
            cut_off = 1;
        char c;
        ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            cut_off = 1;
    }
    close(fd);
    assert_true(cut_off);
    /* A body that trickles in is cut off too. */
    fd = harness_connect(srv.port);
    harness_send(fd,
                 "POST /api/v1/lineage/edges HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
    char reply[4096];
    for (int i = 0; i < 15; i++) {
        harness_sleep_ms(200);
        send(fd, " ", 1, MSG_NOSIGNAL);
    }
    ssize_t n = harness_read_all(fd, reply, sizeof reply);
    close(fd);
    assert_int_equal(n, 0);
    test_response_t res;
    harness_request(srv.url, "GET", "/healthz", NULL, NULL, &res);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
    /* Both cut-offs are counted where an operator can see them. */
    harness_request(srv.url, "GET", "/metrics", NULL, NULL, &res);
    const char *line = strstr(res.body, "\nllmops_http_requests_timed_out_total ");
    assert_non_null(line);
    assert_true(atoi(line + strlen("\nllmops_http_requests_timed_out_total ")) >= 2);
    harness_response_free(&res);
    assert_int_equal(harness_stop(&srv), 0);
}

static void test_silent_client_is_closed(void **state)
{
    (void)state;
    test_server_t srv;
    const char *extra[] = {"--idle-timeout", "1", NULL};
    harness_start(&srv, extra);
    int fd = harness_connect(srv.port);
    char buf[256];
    ssize_t n = harness_read_all(fd, buf, sizeof buf); /* blocks until the server closes */
    close(fd);
    assert_int_equal(n, 0);
    assert_int_equal(harness_stop(&srv), 0);
}

/* At the limit the server stops accepting: a third client waits in the listen backlog, unserved,
 * until one of the first two goes away, and is then served. */
static void test_connection_limit(void **state)
{
    (void)state;
    test_server_t srv;
    const char *extra[] = {"--max-connections", "2", "--threads", "1", NULL};
    harness_start(&srv, extra);
    int a = harness_connect(srv.port), b = harness_connect(srv.port);
    harness_sleep_ms(200);
    int c = harness_connect(srv.port); /* the kernel completes the handshake */
    harness_send(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    struct timeval short_wait = {1, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof short_wait);
    char buf[1024];
    assert_int_equal(harness_read_all(c, buf, sizeof buf), -1); /* not served while full */
    close(a);
    struct timeval long_wait = {20, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &long_wait, sizeof long_wait);
    assert_true(harness_read_all(c, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    close(b);
    close(c);
    assert_int_equal(harness_stop(&srv), 0);
}

/* SIGTERM while a request is half received: the server stops accepting, lets the request
 * finish, answers it, and exits 0. */
static void test_graceful_shutdown_finishes_in_flight(void **state)
{
    (void)state;
    test_server_t srv;
    harness_start(&srv, NULL);
    int fd = harness_connect(srv.port);
    harness_send(fd, "POST /api/v1/lineage/edges HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                     "Connection: close\r\n\r\n{");
    harness_sleep_ms(200);
    kill(srv.pid, SIGTERM);
    harness_sleep_ms(300);
    int status;
    assert_int_equal(waitpid(srv.pid, &status, WNOHANG), 0); /* still finishing */
    harness_send(fd, "}");
    char reply[4096];
    assert_true(harness_read_all(fd, reply, sizeof reply) > 0);
    close(fd);
    assert_non_null(strstr(reply, "HTTP/1.1 400")); /* {} lacks the required fields */
    assert_int_equal(harness_stop(&srv), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest shared[] = {
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_readyz_and_status),
        cmocka_unit_test(test_unknown_route_is_404),
        cmocka_unit_test(test_invalid_utf8_target_is_400),
        cmocka_unit_test(test_wrong_method_is_405),
        cmocka_unit_test(test_malformed_json_names_position),
        cmocka_unit_test(test_metrics_prometheus_text),
        cmocka_unit_test(test_request_id_echoed_or_generated),
        cmocka_unit_test(test_access_log_line),
    };
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_body_over_limit_is_413),
        cmocka_unit_test(test_headers_over_limit_are_rejected),
        cmocka_unit_test(test_slow_sender_is_cut_off),
        cmocka_unit_test(test_silent_client_is_closed),
        cmocka_unit_test(test_connection_limit),
        cmocka_unit_test(test_graceful_shutdown_finishes_in_flight),
    };
    int failed = cmocka_run_group_tests_name("http", shared, setup_server, teardown_server);
    failed += cmocka_run_group_tests_name("http_limits", own, NULL, NULL);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
