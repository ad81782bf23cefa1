/* server.c - libmicrohttpd front end (see server.h).
 *
 * Per connection we keep a conn_state_t (MHD's "socket context"): the raw request target
 * (captured by the URI log callback, since MHD hands the access handler a decoded path without
 * the query), and when the current request began. A watchdog thread scans the connection list
 * and shuts down the socket of any connection whose request has been arriving for longer than
 * request-timeout: MHD's own timeout only catches connections that are completely silent, not
 * ones that trickle a byte at a time.
 *
 * Per request we keep a req_state_t (MHD's "request context") that accumulates the body up to
 * max-body-bytes. The response is built by http_dispatch() once the body is complete, and the
 * access-log line is written when MHD reports the request finished. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/metrics.h"
#include "http/deferred.h"
#include "http/dispatch.h"

typedef struct conn_state {
    struct conn_state *prev, *next; /* in server_t.conns, under conns_lock */
    int fd;
    char *target;             /* raw target of the request being received, owned */
    _Atomic int64_t began_us; /* when the current request began arriving */
    _Atomic int receiving;    /* 1 while a request is being received */
} conn_state_t;

typedef struct req_state {
    char request_id[130];
    char *target; /* taken from conn_state */
    char method[16];
    int64_t began_us;
    buf_t body;
    int body_too_large;
    int responded;
    int status;
    size_t bytes_out;
    struct MHD_Connection *conn;
    http_deferred_t *deferred; /* the answer comes later (http/deferred.h) */
    struct server *server;
    struct req_state *dnext, *dprev; /* in server_t.deferreds while deferred is set */
} req_state_t;

struct server {
    app_t *app;
    const router_t *router;
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t conns_lock;
    conn_state_t *conns;
    pthread_t watchdog;
    _Atomic int stopping;
    _Atomic int in_flight;  /* requests begun and not yet completed */
    req_state_t *deferreds; /* requests waiting for a deferred answer, under conns_lock */
    /* Series in the metrics registry (see /metrics). */
    metric_t *m_in_flight, *m_connections, *m_timed_out, *m_aborted, *m_seconds;
};

/* ---- connection tracking and the slow-request watchdog ---------------------------------- */

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server_t *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_state_t *cs = xcalloc(1, sizeof *cs);
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        cs->fd = info ? info->connect_fd : -1;
        atomic_store(&cs->began_us, clock_mono_us());
        atomic_store(&cs->receiving, 1);
        pthread_mutex_lock(&s->conns_lock);
        cs->next = s->conns;
        if (s->conns)
            s->conns->prev = cs;
        s->conns = cs;
        pthread_mutex_unlock(&s->conns_lock);
        metrics_add(s->m_connections, 1);
        *socket_context = cs;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_state_t *cs = *socket_context;
        if (!cs)
            return;
        /* MHD closes the socket only after this returns, so once cs is off the list the
         * watchdog can no longer touch a descriptor that might be reused. */
        pthread_mutex_lock(&s->conns_lock);
        if (cs->prev)
            cs->prev->next = cs->next;
        else
            s->conns = cs->next;
        if (cs->next)
            cs->next->prev = cs->prev;
        pthread_mutex_unlock(&s->conns_lock);
        metrics_add(s->m_connections, -1);
        free(cs->target);
        free(cs);
        *socket_context = NULL;
    }
}

static void *watchdog_main(void *arg)
{
    server_t *s = arg;
    int64_t limit_us = (int64_t)s->app->cfg.request_timeout_s * 1000000;
    while (!atomic_load(&s->stopping)) {
        clock_sleep_ms(200);
        int64_t now = clock_mono_us();
        pthread_mutex_lock(&s->conns_lock);
        for (conn_state_t *cs = s->conns; cs; cs = cs->next) {
            if (atomic_load(&cs->receiving) && cs->fd >= 0 &&
                now - atomic_load(&cs->began_us) > limit_us) {
                shutdown(cs->fd, SHUT_RDWR); /* MHD sees the error and closes it */
                atomic_store(&cs->receiving, 0);
                metrics_add(s->m_timed_out, 1);
                log_json(LOG_WARN, "request timed out while being received",
                         json_pack("{s:i}", "request_timeout_s", s->app->cfg.request_timeout_s));
            }
        }
        pthread_mutex_unlock(&s->conns_lock);
    }
    return NULL;
}

static conn_state_t *conn_state_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* Called when the request line is in: remember the raw target (with its query) and restart the
 * request clock, which for a keep-alive connection was counting the idle gap. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    conn_state_t *cs = conn_state_of(conn);
    if (cs) {
        free(cs->target);
        cs->target = xstrdup(uri);
        atomic_store(&cs->began_us, clock_mono_us());
        atomic_store(&cs->receiving, 1);
    }
    return NULL;
}

/* ---- requests ------------------------------------------------------------------------------ */

/* Accept a client's X-Request-Id only if it is short and plainly printable, so it can be logged
 * and echoed without escaping surprises; otherwise make one. */
static void request_id_choose(struct MHD_Connection *conn, char *out, size_t size)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    size_t len = given ? strlen(given) : 0;
    int ok = len > 0 && len < size && len <= 128;
    for (size_t i = 0; ok && i < len; i++)
        ok = strchr("-_.:/+=", given[i]) || (given[i] >= '0' && given[i] <= '9') ||
             (given[i] >= 'a' && given[i] <= 'z') || (given[i] >= 'A' && given[i] <= 'Z');
    if (ok)
        memcpy(out, given, len + 1);
    else
        ids_uuid7_hex(out);
}

static const char *mhd_header(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, req_state_t *rs,
                                     http_response_t *res)
{
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
    res->body = NULL; /* MHD frees it now */
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                            res->content_type ? res->content_type : "application/json");
    MHD_add_response_header(mr, "X-Request-Id", rs->request_id);
    for (size_t i = 0; i < res->nheaders; i++)
        MHD_add_response_header(mr, res->headers[i].name, res->headers[i].value);
    rs->status = res->status;
    rs->bytes_out = res->body_len;
    rs->responded = 1;
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)res->status, mr);
    MHD_destroy_response(mr);
    http_response_free(res);
    return rc;
}

static enum MHD_Result send_body_too_large(struct MHD_Connection *conn, req_state_t *rs,
                                           size_t limit)
{
    http_response_t res = {0};
    http_respond_errorf(&res, 413, "payload_too_large", NULL,
                        "request body is larger than the limit of %zu bytes", limit);
    return send_response(conn, rs, &res);
}

/* ---- deferred answers: suspend the connection until the producer has something ---------- */

static void conn_suspend(void *ctx)
{
    req_state_t *rs = ctx;
    MHD_suspend_connection(rs->conn);
}

static void conn_resume(void *ctx)
{
    req_state_t *rs = ctx;
    MHD_resume_connection(rs->conn);
}

/* MHD asks for the next piece of a streamed answer. With nothing buffered the connection is
 * suspended and 0 returned; the producer's next write resumes it and MHD asks again. */
static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    req_state_t *rs = cls;
    long n = http_deferred_read(rs->deferred, buf, max, conn_suspend, rs);
    if (n < 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    rs->bytes_out += (size_t)n;
    return (ssize_t)n;
}

static void deferred_track(server_t *s, req_state_t *rs)
{
    pthread_mutex_lock(&s->conns_lock);
    rs->dnext = s->deferreds;
    if (s->deferreds)
        s->deferreds->dprev = rs;
    s->deferreds = rs;
    pthread_mutex_unlock(&s->conns_lock);
}

/* The request is over (answered, client gone or shutdown): let the producer know, drop ours. */
static void deferred_release(server_t *s, req_state_t *rs)
{
    if (!rs->deferred)
        return;
    pthread_mutex_lock(&s->conns_lock);
    if (rs->dprev)
        rs->dprev->dnext = rs->dnext;
    else
        s->deferreds = rs->dnext;
    if (rs->dnext)
        rs->dnext->dprev = rs->dprev;
    pthread_mutex_unlock(&s->conns_lock);
    http_deferred_client_gone(rs->deferred);
    http_deferred_unref(rs->deferred);
    rs->deferred = NULL;
}

/* Queue what the producer has: the whole answer, or the head of a stream; else stay
 * suspended. Called when the handler deferred and again each time the connection resumes. */
static enum MHD_Result deferred_continue(struct MHD_Connection *conn, req_state_t *rs)
{
    http_response_t res = {0};
    switch (http_deferred_poll(rs->deferred, &res, conn_suspend, rs)) {
    case HTTP_DEFERRED_PENDING:
        return MHD_YES;
    case HTTP_DEFERRED_COMPLETE:
        return send_response(conn, rs, &res);
    case HTTP_DEFERRED_STREAMING:
        break;
    }
    struct MHD_Response *mr =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_reader, rs, NULL);
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                            res.content_type ? res.content_type : "text/event-stream");
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(mr, "X-Request-Id", rs->request_id);
    for (size_t i = 0; i < res.nheaders; i++)
        MHD_add_response_header(mr, res.headers[i].name, res.headers[i].value);
    rs->status = res.status;
    rs->responded = 1;
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)res.status, mr);
    MHD_destroy_response(mr);
    http_response_free(&res);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    server_t *s = cls;
    (void)version;
    req_state_t *rs = *req_cls;
    conn_state_t *cs = conn_state_of(conn);

    if (!rs) { /* first call: headers are in */
        rs = xcalloc(1, sizeof *rs);
        buf_init(&rs->body);
        rs->began_us = cs ? atomic_load(&cs->began_us) : clock_mono_us();
        rs->target = cs && cs->target ? cs->target : xstrdup(url);
        if (cs)
            cs->target = NULL;
        snprintf(rs->method, sizeof rs->method, "%s", method);
        request_id_choose(conn, rs->request_id, sizeof rs->request_id);
        *req_cls = rs;
        atomic_fetch_add(&s->in_flight, 1);
        metrics_add(s->m_in_flight, 1);

        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long announced = length ? strtoull(length, NULL, 10) : 0;
        if (announced > s->app->cfg.max_body_bytes) {
            /* Answer before reading the body; MHD then closes the connection. */
            rs->body_too_large = 1;
            return send_body_too_large(conn, rs, s->app->cfg.max_body_bytes);
        }
        /* Room for the announced body at once, rather than growing (and copying) it piece by
         * piece. Only up to 1 MiB: a client that announces a large body and sends nothing
         * should not get the whole limit reserved per connection. */
        if (announced)
            buf_reserve(&rs->body, (size_t)(announced < (1u << 20) ? announced : (1u << 20)));
        return MHD_YES;
    }

    if (*upload_data_size > 0) { /* a piece of the body */
        size_t piece = *upload_data_size;
        *upload_data_size = 0;
        if (clock_mono_us() - rs->began_us > (int64_t)s->app->cfg.request_timeout_s * 1000000) {
            /* MHD cannot send a response in the middle of a body, so a slow sender is simply
             * disconnected (and counted, and logged as "error"). */
            metrics_add(s->m_timed_out, 1);
            return MHD_NO;
        }
        /* Over the limit (chunked bodies, which announce no length): keep reading and dropping
         * the rest so that the 413 can be sent once the body ends; the request timeout bounds
         * how long that may take. */
        if (rs->body_too_large || rs->body.len + piece > s->app->cfg.max_body_bytes) {
            rs->body_too_large = 1;
            buf_free(&rs->body);
            return MHD_YES;
        }
        buf_append(&rs->body, upload_data, piece);
        return MHD_YES;
    }

    /* The whole request is in. */
    if (cs)
        atomic_store(&cs->receiving, 0);
    if (rs->deferred && !rs->responded) /* resumed: the producer has made progress */
        return deferred_continue(conn, rs);
    if (rs->responded)
        return MHD_YES;
    if (rs->body_too_large)
        return send_body_too_large(conn, rs, s->app->cfg.max_body_bytes);
    http_request_t req = {
        .method = rs->method,
        .target = rs->target,
        .body = rs->body.data,
        .body_len = rs->body.len,
        .request_id = rs->request_id,
        .header_fn = mhd_header,
        .header_ctx = conn,
        .app = s->app,
    };
    http_response_t res = {0};
    http_dispatch(s->router, &req, &res);
    http_request_free(&req);
    if (res.deferred) {
        rs->deferred = res.deferred;
        res.deferred = NULL;
        rs->conn = conn;
        rs->server = s;
        deferred_track(s, rs);
        http_deferred_set_wake(rs->deferred, conn_resume, rs);
        return deferred_continue(conn, rs);
    }
    return send_response(conn, rs, &res);
}

static const char *termination_name(enum MHD_RequestTerminationCode code)
{
    switch (code) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return "completed";
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "idle_timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    }
    return "unknown";
}

/* The access log: one JSON line per request, written when MHD is done with it. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode code)
{
    server_t *s = cls;
    req_state_t *rs = *req_cls;
    (void)conn;
    if (!rs)
        return;
    const char *path = rs->target ? rs->target : "";
    size_t path_len = strcspn(path, "?");
    json_t *fields =
        json_pack("{s:s, s:s%, s:i, s:I, s:f, s:s}", "method", rs->method, "path", path, path_len,
                  "status", rs->status, "bytes", (json_int_t)rs->bytes_out, "duration_ms",
                  (double)(clock_mono_us() - rs->began_us) / 1000.0, "request_id", rs->request_id);
    if (code != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        json_object_set_new(fields, "outcome", json_string(termination_name(code)));
        metrics_add(s->m_aborted, 1);
    }
    log_json(LOG_INFO, "request", fields);
    if (rs->responded) {
        char labels[32];
        snprintf(labels, sizeof labels, "code=\"%d\"", rs->status);
        metrics_add(metrics_counter("llmops_http_requests_total", labels,
                                    "HTTP requests answered, by status code"),
                    1);
    }
    metrics_add_seconds(s->m_seconds, (double)(clock_mono_us() - rs->began_us) / 1e6);
    metrics_add(s->m_in_flight, -1);

    conn_state_t *cs = conn_state_of(conn);
    if (cs) { /* the next request on this connection starts its clock now */
        atomic_store(&cs->began_us, clock_mono_us());
        atomic_store(&cs->receiving, 1);
    }
    deferred_release(s, rs);
    buf_free(&rs->body);
    free(rs->target);
    free(rs);
    *req_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

/* MHD hands us printf-style messages; the attribute tells the compiler so. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    log_json(LOG_WARN, "libmicrohttpd", json_pack("{s:s}", "detail", text));
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

server_t *server_start(app_t *app, const router_t *router, err_t *err)
{
    const config_t *cfg = &app->cfg;
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", cfg->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *addr = NULL;
    int gai = getaddrinfo(cfg->host, port_text, &hints, &addr);
    if (gai != 0) {
        err_invalid(err, "host", "cannot resolve --host %s: %s", cfg->host, gai_strerror(gai));
        return NULL;
    }

    server_t *s = xcalloc(1, sizeof *s);
    s->app = app;
    s->router = router;
    pthread_mutex_init(&s->conns_lock, NULL);
    s->m_in_flight = metrics_gauge("llmops_http_requests_in_flight", "",
                                   "requests received and not yet completed");
    s->m_connections = metrics_gauge("llmops_http_connections_open", "", "open connections");
    s->m_timed_out = metrics_counter("llmops_http_requests_timed_out_total", "",
                                     "requests cut off for arriving slower than "
                                     "--request-timeout");
    s->m_aborted = metrics_counter("llmops_http_requests_aborted_total", "",
                                   "requests that ended without a completed response "
                                   "(client gone, timeout, shutdown)");
    s->m_seconds = metrics_counter("llmops_http_request_seconds_total", "",
                                   "time spent on requests, from request line to completion");

    unsigned flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (addr->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* Header limit: MHD keeps the request line and headers in a per-connection pool that also
     * holds read and write buffers, so give the pool room for both. */
    size_t pool_bytes = cfg->max_header_bytes + 16 * 1024;
    /* The logger goes first so that MHD's own start-up messages reach it. No
     * LISTENING_ADDRESS_REUSE: SO_REUSEPORT would let a second server silently share the port. */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR, addr->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_bytes,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_END);
    freeaddrinfo(addr);
    if (!s->daemon) {
        err_unavailable(err, "cannot listen on %s:%d (address in use or not available)", cfg->host,
                        cfg->port);
        pthread_mutex_destroy(&s->conns_lock);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    pthread_create(&s->watchdog, NULL, watchdog_main, s);
    return s;
}

int server_port(const server_t *s)
{
    return s->port;
}

int server_stop(server_t *s)
{
    MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon); /* no new connections */
    int64_t deadline = clock_mono_us() + (int64_t)s->app->cfg.shutdown_timeout_s * 1000000;
    while (atomic_load(&s->in_flight) > 0 && clock_mono_us() < deadline)
        clock_sleep_ms(20);
    /* Answers still being waited for are abandoned now, so that no connection stays
     * suspended when MHD stops (their producers see the client gone and give up). */
    pthread_mutex_lock(&s->conns_lock);
    for (req_state_t *rs = s->deferreds; rs; rs = rs->dnext) {
        http_response_t res = {0};
        http_respond_errorf(&res, 503, "unavailable", NULL, "the server is shutting down");
        http_deferred_finish(rs->deferred, &res);
        http_deferred_stream_end(rs->deferred);
    }
    pthread_mutex_unlock(&s->conns_lock);
    if (s->deferreds)
        clock_sleep_ms(100); /* let MHD resume them and send what they have */
    int left = atomic_load(&s->in_flight);
    atomic_store(&s->stopping, 1);
    pthread_join(s->watchdog, NULL);
    MHD_stop_daemon(s->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    pthread_mutex_destroy(&s->conns_lock);
    free(s);
    return left;
}

int server_run(app_t *app, const router_t *router)
{
    /* Block the signals before any thread starts so that only sigwait() below sees them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    err_t err;
    server_t *s = server_start(app, router, &err);
    if (!s) {
        log_json(LOG_ERROR, "server failed to start", json_pack("{s:s}", "error", err.message));
        return 1;
    }
    char url[1100];
    config_store_url(&app->cfg, url, sizeof url);
    /* The address to open the web UI at: a wildcard bind is reachable on the loopback. */
    const char *ui_host = app->cfg.host;
    if (strcmp(ui_host, "0.0.0.0") == 0 || strcmp(ui_host, "") == 0)
        ui_host = "127.0.0.1";
    else if (strcmp(ui_host, "::") == 0)
        ui_host = "[::1]";
    char ui_url[300];
    int bracket = strchr(ui_host, ':') && ui_host[0] != '['; /* an IPv6 literal */
    snprintf(ui_url, sizeof ui_url, "http://%s%s%s:%d/", bracket ? "[" : "", ui_host,
             bracket ? "]" : "", server_port(s));
    log_json(LOG_INFO, "listening",
             json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:s}", "host", app->cfg.host, "port",
                       server_port(s), "data", app->cfg.data_dir, "store",
                       store_describe(app->store), "version", LLMOPS_VERSION, "threads",
                       app->cfg.threads, "ui", ui_url));

    int sig = 0;
    sigwait(&sigs, &sig);
    log_json(LOG_INFO, "shutting down",
             json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                       "shutdown_timeout_s", app->cfg.shutdown_timeout_s));
    int left = server_stop(s);
    if (left > 0)
        log_json(LOG_WARN, "requests still in flight at shutdown were cut off",
                 json_pack("{s:i}", "requests", left));
    log_json(LOG_INFO, "stopped", NULL);
    return 0;
}
