/* test_upstream.c - unit tests for providers/upstream.h against a real HTTP server running in
 * the test (libmicrohttpd on an ephemeral port, a thread per connection): callback order and
 * contents (status, headers, body pieces, first byte time), error statuses with Retry-After in
 * seconds and as an HTTP date, timeouts, connections cut mid-body, refused connections,
 * cancellation (from another thread, from a callback, of a delayed call, after the end),
 * connection reuse counted on the server side, 100 concurrent calls, stop with calls in flight,
 * and the blocking upstream_perform with its error codes. */
#include "unit/testutil.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "providers/upstream.h"

/* ---- the server ----------------------------------------------------------------------------- */

static struct MHD_Daemon *daemon_;
static int port;
static atomic_int connections; /* client connections opened so far */

typedef struct stream_state {
    int step, limit, delay_ms, cut;
} stream_state_t;

/* Streams `limit` SSE events `delay_ms` apart; `cut` ends the connection with an error after
 * the second one instead of finishing the chunked body. */
static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_state_t *s = cls;
    if (s->cut && s->step == 2)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (s->step >= s->limit)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (s->step > 0 && s->delay_ms)
        clock_sleep_ms(s->delay_ms);
    int n = snprintf(buf, max, "data: %d\n\n", s->step);
    s->step++;
    return n;
}

static enum MHD_Result respond(struct MHD_Connection *c, int status, const char *body,
                               const char *hname, const char *hvalue)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    if (!*con_cls) { /* first call: headers only; count the body in later calls */
        *con_cls = calloc(1, sizeof(size_t));
        return MHD_YES;
    }
    size_t *received = *con_cls;
    if (*upload_size) {
        *received += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    char body[128];
    if (strcmp(url, "/json") == 0) {
        const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
        const char *x = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test");
        snprintf(body, sizeof body, "{\"method\":\"%s\",\"got\":%zu,\"x\":\"%s\",\"expect\":%d}",
                 method, *received, x ? x : "", expect != NULL);
        return respond(c, 200, body, NULL, NULL);
    }
    if (strcmp(url, "/slow-json") == 0) {
        clock_sleep_ms(30);
        return respond(c, 200, "{\"ok\":true}", NULL, NULL);
    }
    if (strcmp(url, "/429") == 0)
        return respond(c, 429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After", "7");
    if (strcmp(url, "/500") == 0)
        return respond(c, 500, "boom", NULL, NULL);
    if (strcmp(url, "/503-date") == 0) {
        char date[64];
        time_t when = time(NULL) + 120;
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&when));
        return respond(c, 503, "{}", "Retry-After", date);
    }
    if (strcmp(url, "/sleep") == 0) {
        clock_sleep_ms(1500);
        return respond(c, 200, "{}", NULL, NULL);
    }
    if (strncmp(url, "/stream", 7) == 0 || strcmp(url, "/cut") == 0 ||
        strcmp(url, "/endless") == 0) {
        stream_state_t *s = calloc(1, sizeof *s);
        s->limit = strcmp(url, "/endless") == 0 ? 3000 : 5;
        s->delay_ms = strcmp(url, "/stream") == 0 ? 0 : 5;
        s->cut = strcmp(url, "/cut") == 0;
        struct MHD_Response *r =
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256, stream_reader, s, free);
        MHD_add_response_header(r, "Content-Type", "text/event-stream");
        enum MHD_Result rc = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return rc;
    }
    return respond(c, 404, "{}", NULL, NULL);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static void notify(void *cls, struct MHD_Connection *c, void **socket_context,
                   enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)c;
    (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&connections, 1);
}

static int server_up(void **state)
{
    (void)state;
    daemon_ =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_NOTIFY_CONNECTION, notify, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)30, MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
    if (!daemon_)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    port = info->port;
    return 0;
}

static int server_down(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    return 0;
}

/* ---- a recording caller --------------------------------------------------------------------- */

typedef struct rec {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    buf_t order; /* 'H', 'B' per body piece, 'D' */
    buf_t body;
    buf_t headers; /* header lines joined by "\n" */
    int status;
    int64_t retry_after_ms;
    int abort_in_body;
    int done;
    upstream_result_t res;
} rec_t;

static void rec_init(rec_t *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    buf_init(&r->order);
    buf_init(&r->body);
    buf_init(&r->headers);
    r->retry_after_ms = -2;
}

static void rec_free(rec_t *r)
{
    buf_free(&r->order);
    buf_free(&r->body);
    buf_free(&r->headers);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
}

static int rec_head(void *ctx, int status, const char *const *headers, int64_t retry_after_ms)
{
    rec_t *r = ctx;
    pthread_mutex_lock(&r->mu);
    buf_append_char(&r->order, 'H');
    r->status = status;
    r->retry_after_ms = retry_after_ms;
    for (const char *const *h = headers; *h; h++)
        buf_printf(&r->headers, "%s\n", *h);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

static int rec_body(void *ctx, const char *data, size_t len)
{
    rec_t *r = ctx;
    pthread_mutex_lock(&r->mu);
    buf_append_char(&r->order, 'B');
    buf_append(&r->body, data, len);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return r->abort_in_body ? -1 : 0;
}

static void rec_done(void *ctx, const upstream_result_t *res)
{
    rec_t *r = ctx;
    pthread_mutex_lock(&r->mu);
    buf_append_char(&r->order, 'D');
    r->res = *res;
    r->done++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static const upstream_callbacks_t REC = {rec_head, rec_body, rec_done};

static void rec_wait(rec_t *r)
{
    pthread_mutex_lock(&r->mu);
    while (!r->done)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

static void url(char *out, size_t size, const char *path)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", port, path);
}

/* Submit and wait; the order string must be H B* D (or B* D without a head when head=0). */
static void call(upstream_t *u, const char *path, const char *body, int timeout_ms, rec_t *r)
{
    char target[128];
    url(target, sizeof target, path);
    const char *headers[] = {"X-Test: yes", NULL};
    upstream_req_t req = {body ? "POST" : "GET",   target,     headers, body,
                          body ? strlen(body) : 0, timeout_ms, 0,       0};
    err_t err;
    assert_true(upstream_submit(u, &req, &REC, r, &err) != 0);
    rec_wait(r);
}

static void assert_order(const rec_t *r)
{
    const char *o = buf_str(&r->order);
    size_t n = strlen(o);
    assert_true(n >= 2);
    assert_int_equal(o[0], 'H');
    assert_int_equal(o[n - 1], 'D');
    for (size_t i = 1; i + 1 < n; i++)
        assert_int_equal(o[i], 'B');
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_json_call(void **state)
{
    (void)state;
    err_t err;
    upstream_t *u = upstream_start(0, &err);
    assert_non_null(u);
    rec_t r;
    rec_init(&r);
    int64_t before = clock_mono_us();
    call(u, "/json", "{\"hello\":\"world\"}", 5000, &r);
    assert_order(&r);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.retry_after_ms, -1);
    assert_non_null(strstr(buf_str(&r.headers), "Content-Type: application/json\n"));
    assert_string_equal(buf_str(&r.body),
                        "{\"method\":\"POST\",\"got\":17,\"x\":\"yes\",\"expect\":0}");
    assert_int_equal(r.res.transport_ok, 1);
    assert_int_equal(r.res.status, 200);
    assert_int_equal(r.res.cancelled, 0);
    assert_string_equal(r.res.error, "");
    assert_true(r.res.first_byte_us >= before);
    rec_free(&r);

    /* GET, and a streamed body relayed whole. */
    rec_init(&r);
    call(u, "/stream", NULL, 5000, &r);
    assert_order(&r);
    assert_string_equal(buf_str(&r.body),
                        "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
    rec_free(&r);
    upstream_stop(u);
}

static void test_error_statuses(void **state)
{
    (void)state;
    err_t err;
    upstream_t *u = upstream_start(0, &err);
    rec_t r;
    rec_init(&r);
    call(u, "/429", "{}", 5000, &r);
    assert_int_equal(r.status, 429);
    assert_int_equal(r.retry_after_ms, 7000);
    assert_int_equal(r.res.transport_ok, 1);
    assert_non_null(strstr(buf_str(&r.body), "slow down"));
    rec_free(&r);

    rec_init(&r);
    call(u, "/503-date", "{}", 5000, &r);
    assert_int_equal(r.status, 503);
    assert_true(r.retry_after_ms > 60000 && r.retry_after_ms <= 121000);
    rec_free(&r);

    rec_init(&r);
    call(u, "/500", "{}", 5000, &r);
    assert_int_equal(r.status, 500);
    assert_string_equal(buf_str(&r.body), "boom");
    rec_free(&r);

    int status = 0;
    char *body = NULL;
    size_t len = 0;
    char target[128];
    url(target, sizeof target, "/500");
    upstream_req_t req = {"GET", target, NULL, NULL, 0, 5000, 0, 0};
    assert_int_equal(upstream_perform(u, &req, &status, &body, &len, &err), 0);
    assert_int_equal(status, 500);
    assert_int_equal(len, 4);
    assert_string_equal(body, "boom");
    free(body);
    upstream_stop(u);
}

static void test_timeouts_and_failures(void **state)
{
    (void)state;
    err_t err;
    upstream_t *u = upstream_start(0, &err);
    rec_t r;
    rec_init(&r);
    call(u, "/sleep", "{}", 200, &r);
    assert_string_equal(buf_str(&r.order), "D");
    assert_int_equal(r.res.timed_out, 1);
    assert_int_equal(r.res.transport_ok, 0);
    assert_int_equal(r.res.status, 0);
    assert_true(r.res.error[0] != '\0');
    rec_free(&r);

    /* Cut mid-body: head and some body, then a transport error. */
    rec_init(&r);
    call(u, "/cut", NULL, 5000, &r);
    assert_int_equal(buf_str(&r.order)[0], 'H');
    assert_int_equal(r.res.transport_ok, 0);
    assert_int_equal(r.res.timed_out, 0);
    assert_int_equal(r.res.status, 200);
    assert_true(r.res.error[0] != '\0');
    rec_free(&r);

    char target[128];
    int status;
    char *body = NULL;
    size_t len;
    url(target, sizeof target, "/sleep");
    upstream_req_t req = {"GET", target, NULL, NULL, 0, 100, 0, 0};
    assert_int_equal(upstream_perform(u, &req, &status, &body, &len, &err), -1);
    assert_int_equal(err.status, 504);
    assert_string_equal(err.code, "upstream_timeout");
    url(target, sizeof target, "/cut");
    req.timeout_ms = 5000;
    assert_int_equal(upstream_perform(u, &req, &status, &body, &len, &err), -1);
    assert_int_equal(err.status, 503);
    assert_string_equal(err.code, "upstream_unavailable");
    /* Nothing listens on port 1. */
    req.url = "http://127.0.0.1:1/x";
    assert_int_equal(upstream_perform(u, &req, &status, &body, &len, &err), -1);
    assert_int_equal(err.status, 503);
    /* Malformed requests: no callbacks, id 0. */
    req.url = "ftp://127.0.0.1/x";
    rec_init(&r);
    assert_true(upstream_submit(u, &req, &REC, &r, &err) == 0);
    assert_int_equal(err.status, 400);
    req.url = target;
    req.method = "BREW";
    assert_true(upstream_submit(u, &req, &REC, &r, &err) == 0);
    assert_int_equal(r.done, 0);
    rec_free(&r);
    upstream_stop(u);
}

static void test_cancel(void **state)
{
    (void)state;
    err_t err;
    upstream_t *u = upstream_start(0, &err);
    char target[128];
    url(target, sizeof target, "/endless");
    upstream_req_t req = {"GET", target, NULL, NULL, 0, 60000, 0, 0};

    /* From another thread, once the body is flowing. */
    rec_t r;
    rec_init(&r);
    upstream_call_id_t id = upstream_submit(u, &req, &REC, &r, &err);
    assert_true(id != 0);
    pthread_mutex_lock(&r.mu);
    while (r.body.len == 0)
        pthread_cond_wait(&r.cv, &r.mu);
    pthread_mutex_unlock(&r.mu);
    upstream_cancel(u, id);
    rec_wait(&r);
    assert_int_equal(r.res.cancelled, 1);
    assert_int_equal(r.res.transport_ok, 0);
    upstream_cancel(u, id); /* already finished: nothing happens */
    rec_free(&r);

    /* From the body callback. */
    rec_init(&r);
    r.abort_in_body = 1;
    assert_true(upstream_submit(u, &req, &REC, &r, &err) != 0);
    rec_wait(&r);
    assert_string_equal(buf_str(&r.order), "HBD");
    assert_int_equal(r.res.cancelled, 1);
    rec_free(&r);

    /* A delayed call cancelled before it starts: only on_done. */
    rec_init(&r);
    req.delay_ms = 60000;
    id = upstream_submit(u, &req, &REC, &r, &err);
    upstream_cancel(u, id);
    rec_wait(&r);
    assert_string_equal(buf_str(&r.order), "D");
    assert_int_equal(r.res.cancelled, 1);
    rec_free(&r);

    /* A short delay still runs the call. */
    rec_init(&r);
    url(target, sizeof target, "/json");
    req.delay_ms = 20;
    assert_true(upstream_submit(u, &req, &REC, &r, &err) != 0);
    rec_wait(&r);
    assert_int_equal(r.res.transport_ok, 1);
    assert_int_equal(r.status, 200);
    rec_free(&r);
    upstream_stop(u);
}

static void test_connection_reuse(void **state)
{
    (void)state;
    err_t err;
    upstream_t *u = upstream_start(0, &err);
    char target[128];
    url(target, sizeof target, "/json");
    upstream_req_t req = {"POST", target, NULL, "{}", 2, 5000, 0, 0};
    int before = atomic_load(&connections);
    for (int i = 0; i < 50; i++) {
        int status = 0;
        char *body = NULL;
        size_t len;
        assert_int_equal(upstream_perform(u, &req, &status, &body, &len, &err), 0);
        assert_int_equal(status, 200);
        free(body);
    }
    assert_int_equal(atomic_load(&connections) - before, 1);
    upstream_stop(u);
}

static void test_concurrent(void **state)
{
    (void)state;
    err_t err;
    upstream_t *u = upstream_start(0, &err);
    enum { N = 100 };
    rec_t *r = calloc(N, sizeof *r);
    char target[128];
    url(target, sizeof target, "/slow-json");
    upstream_req_t req = {"POST", target, NULL, "{\"n\":1}", 7, 10000, 0, 0};
    for (int i = 0; i < N; i++) {
        rec_init(&r[i]);
        assert_true(upstream_submit(u, &req, &REC, &r[i], &err) != 0);
    }
    for (int i = 0; i < N; i++) {
        rec_wait(&r[i]);
        assert_int_equal(r[i].done, 1);
        assert_int_equal(r[i].res.transport_ok, 1);
        assert_int_equal(r[i].status, 200);
        assert_string_equal(buf_str(&r[i].body), "{\"ok\":true}");
        rec_free(&r[i]);
    }
    free(r);
    upstream_stop(u);
}

static void test_stop_cancels(void **state)
{
    (void)state;
    err_t err;
    upstream_t *u = upstream_start(2, &err);
    char target[128];
    url(target, sizeof target, "/endless");
    upstream_req_t req = {"GET", target, NULL, NULL, 0, 60000, 0, 0};
    rec_t r[4];
    for (int i = 0; i < 4; i++) {
        rec_init(&r[i]);
        req.delay_ms = i == 3 ? 60000 : 0;
        assert_true(upstream_submit(u, &req, &REC, &r[i], &err) != 0);
    }
    pthread_mutex_lock(&r[0].mu);
    while (r[0].body.len == 0)
        pthread_cond_wait(&r[0].cv, &r[0].mu);
    pthread_mutex_unlock(&r[0].mu);
    upstream_stop(u);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r[i].done, 1);
        assert_int_equal(r[i].res.cancelled, 1);
        rec_free(&r[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_call),
        cmocka_unit_test(test_error_statuses),
        cmocka_unit_test(test_timeouts_and_failures),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_stop_cancels),
    };
    return cmocka_run_group_tests(tests, server_up, server_down);
}
