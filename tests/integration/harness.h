/* harness.h - integration-test harness: starts the real `llmops server` on a free port with a
 * temporary data directory (and the store given by LLMOPS_TEST_STORE, SQLite when unset),
 * talks HTTP to it with libcurl or raw sockets, and stops it with SIGTERM.
 *
 * Environment: LLMOPS_BIN (path of the binary, default build/llmops), LLMOPS_TEST_STORE
 * (a PostgreSQL URL, or unset for SQLite). */
#ifndef LLMOPS_TESTS_HARNESS_H
#define LLMOPS_TESTS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct test_server {
    pid_t pid;
    int port;
    char dir[256];
    char url[64];
    char log_path[400]; /* the server's stdout and stderr */
} test_server_t;

typedef struct test_response {
    long status;
    char *body;
    size_t len;
    char *headers;
    size_t headers_len;
    json_t *json; /* parsed body, or NULL */
} test_response_t;

static inline void harness_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

typedef struct harness_buf {
    char *data;
    size_t len;
} harness_buf_t;

static size_t harness_collect(char *data, size_t size, size_t n, void *userdata)
{
    harness_buf_t *buf = userdata;
    buf->data = realloc(buf->data, buf->len + size * n + 1);
    memcpy(buf->data + buf->len, data, size * n);
    buf->len += size * n;
    buf->data[buf->len] = '\0';
    return size * n;
}

/* Perform a request. headers: NULL-terminated list of "Name: value" or NULL. body may be NULL. */
static inline int harness_request(const char *base_url, const char *method, const char *path,
                                  const char *const *headers, const char *body,
                                  test_response_t *res)
{
    memset(res, 0, sizeof *res);
    harness_buf_t out = {0}, hdr = {0};
    CURL *curl = curl_easy_init();
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    struct curl_slist *list = NULL;
    for (const char *const *h = headers; h && *h; h++)
        list = curl_slist_append(list, *h);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, harness_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, harness_collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hdr);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    res->body = out.data ? out.data : strdup("");
    res->len = out.len;
    res->headers = hdr.data ? hdr.data : strdup("");
    res->headers_len = hdr.len;
    res->json = res->len ? json_loads(res->body, JSON_DECODE_ANY, NULL) : NULL;
    return rc == CURLE_OK ? 0 : -1;
}

static inline void harness_response_free(test_response_t *res)
{
    free(res->body);
    free(res->headers);
    json_decref(res->json);
    memset(res, 0, sizeof *res);
}

/* Value of a response header (case-insensitive name), copied into out; "" if absent. */
static inline const char *harness_header(const test_response_t *res, const char *name, char *out,
                                         size_t size)
{
    out[0] = '\0';
    size_t nlen = strlen(name);
    for (const char *line = res->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            snprintf(out, size, "%.*s", (int)(len - (size_t)(v - line)), v);
        }
        line = end ? end + 2 : NULL;
    }
    return out;
}

/* The error code of an {"error":{...}} body, or "". */
static inline const char *harness_error_code(const test_response_t *res)
{
    const char *code =
        json_string_value(json_object_get(json_object_get(res->json, "error"), "code"));
    return code ? code : "";
}

static inline const char *harness_bin(void)
{
    const char *bin = getenv("LLMOPS_BIN");
    return bin && *bin ? bin : "build/llmops";
}

static inline const char *harness_store(void)
{
    const char *store = getenv("LLMOPS_TEST_STORE");
    return store && *store ? store : NULL;
}

/* The port from the server's "listening" log line, or 0 while it has not been written. */
static inline int harness_listening_port(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    if (!f)
        return 0;
    char line[4096];
    int port = 0;
    while (!port && fgets(line, sizeof line, f)) {
        json_t *entry = json_loads(line, 0, NULL);
        const char *msg = json_string_value(json_object_get(entry, "msg"));
        if (msg && strcmp(msg, "listening") == 0)
            port = (int)json_integer_value(json_object_get(entry, "port"));
        json_decref(entry);
    }
    fclose(f);
    return port;
}

/* Start a server. extra: NULL-terminated extra arguments (e.g. "--request-timeout", "2").
 * data_dir: NULL for a fresh temporary one. The server binds port 0 (so concurrent test
 * servers never race for a port) and the harness reads the port it got from its log.
 * Waits until /healthz answers. */
static inline void harness_start_in(test_server_t *srv, const char *data_dir,
                                    const char *const *extra)
{
    static int started;
    memset(srv, 0, sizeof *srv);
    if (data_dir) {
        snprintf(srv->dir, sizeof srv->dir, "%s", data_dir);
    } else {
        snprintf(srv->dir, sizeof srv->dir, "/tmp/llmops-it-XXXXXX");
        assert_non_null(mkdtemp(srv->dir));
    }
    snprintf(srv->log_path, sizeof srv->log_path, "%s/server.%d.%d.log", srv->dir, (int)getpid(),
             ++started);

    const char *argv[48];
    int n = 0;
    argv[n++] = harness_bin();
    argv[n++] = "server";
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--data";
    argv[n++] = srv->dir;
    if (harness_store()) {
        argv[n++] = "--store";
        argv[n++] = harness_store();
    }
    for (const char *const *e = extra; e && *e && n < 46; e++)
        argv[n++] = *e;
    argv[n] = NULL;

    /* The log is opened before fork: between fork and exec the child of a multi-threaded test
     * may only make async-signal-safe calls (another thread may have held malloc's lock at the
     * fork, and fopen would then wait for it forever). */
    int log_fd = open(srv->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(log_fd >= 0);
    srv->pid = fork();
    assert_true(srv->pid >= 0);
    if (srv->pid == 0) {
        dup2(log_fd, STDERR_FILENO);
        dup2(log_fd, STDOUT_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(log_fd);
    for (int i = 0; i < 300; i++) { /* up to 15 s: a sanitizer build starts slowly */
        if (!srv->port && (srv->port = harness_listening_port(srv->log_path)) > 0)
            snprintf(srv->url, sizeof srv->url, "http://127.0.0.1:%d", srv->port);
        test_response_t res;
        if (srv->port && harness_request(srv->url, "GET", "/healthz", NULL, NULL, &res) == 0 &&
            res.status == 200) {
            harness_response_free(&res);
            return;
        }
        if (srv->port)
            harness_response_free(&res);
        int status;
        if (waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
            char cmd[512];
            snprintf(cmd, sizeof cmd, "cat %s >&2", srv->log_path);
            (void)!system(cmd);
            fail_msg("server exited during start-up");
        }
        harness_sleep_ms(50);
    }
    fail_msg("server did not become healthy (log: %s)", srv->log_path);
}

static inline void harness_start(test_server_t *srv, const char *const *extra)
{
    harness_start_in(srv, NULL, extra);
}

/* Send SIGTERM and wait (up to 20 s); returns the exit status, or -1 if it had to be killed. */
static inline int harness_stop_keep(test_server_t *srv)
{
    if (srv->pid <= 0)
        return -1;
    kill(srv->pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 400; i++) {
        if (waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
            srv->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        harness_sleep_ms(50);
    }
    kill(srv->pid, SIGKILL);
    waitpid(srv->pid, &status, 0);
    srv->pid = 0;
    return -1;
}

static inline void harness_rmdir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)!system(cmd);
}

/* Stop and remove the data directory. */
static inline int harness_stop(test_server_t *srv)
{
    int rc = harness_stop_keep(srv);
    harness_rmdir(srv->dir);
    return rc;
}

/* A raw TCP connection to the server (for slow and malformed clients). */
static inline int harness_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static inline void harness_send(int fd, const char *text)
{
    size_t len = strlen(text);
    assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read until the peer closes or timeout; returns bytes read (0 = closed with nothing), -1 on
 * a receive timeout with nothing read. */
static inline ssize_t harness_read_all(int fd, char *out, size_t size)
{
    size_t got = 0;
    while (got + 1 < size) {
        ssize_t n = recv(fd, out + got, size - 1 - got, 0);
        if (n <= 0) {
            if (n < 0 && got == 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return -1;
            break;
        }
        got += (size_t)n;
    }
    out[got] = '\0';
    return (ssize_t)got;
}

#endif
