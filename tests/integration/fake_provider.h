/* fake_provider.h - starts and stops the fake LLM provider (tests/fake_provider/fake_provider.c)
 * for integration tests: fake_start() runs it on a free port and waits for its "listening
 * <port>" line; fake_stats() reads its /_stats counters. Include after harness.h.
 *
 * Environment: FAKE_PROVIDER_BIN (path of the binary); when unset, fake_provider next to
 * LLMOPS_BIN (the same build directory), else build/fake_provider. */
#ifndef LLMOPS_TESTS_FAKE_PROVIDER_H
#define LLMOPS_TESTS_FAKE_PROVIDER_H

#include <fcntl.h>
#include <libgen.h>
#include <poll.h>

typedef struct fake_provider {
    pid_t pid;
    int port;
    char url[64]; /* http://127.0.0.1:PORT (append /v1 for the OpenAI base URL) */
} fake_provider_t;

static inline const char *fake_provider_bin(char *out, size_t size)
{
    const char *bin = getenv("FAKE_PROVIDER_BIN");
    if (bin && *bin) {
        snprintf(out, size, "%s", bin);
        return out;
    }
    const char *llmops = getenv("LLMOPS_BIN");
    if (llmops && *llmops) {
        char copy[512];
        snprintf(copy, sizeof copy, "%s", llmops);
        snprintf(out, size, "%s/fake_provider", dirname(copy));
        return out;
    }
    snprintf(out, size, "build/fake_provider");
    return out;
}

/* Start the fake on a free port; fails the test when it does not come up within 10 s. */
static inline void fake_start(fake_provider_t *fp)
{
    memset(fp, 0, sizeof *fp);
    char bin[600];
    fake_provider_bin(bin, sizeof bin);
    if (access(bin, X_OK) != 0)
        fail_msg("%s is missing: run make %s", bin, bin);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    fp->pid = fork();
    assert_true(fp->pid >= 0);
    if (fp->pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        execl(bin, bin, "--port", "0", "--threads", "2", (char *)NULL);
        perror("execl");
        _exit(127);
    }
    close(pipefd[1]);
    char line[128];
    size_t got = 0;
    struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
    while (got + 1 < sizeof line && !memchr(line, '\n', got)) {
        if (poll(&pfd, 1, 10000) <= 0)
            break;
        ssize_t n = read(pipefd[0], line + got, sizeof line - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    line[got] = '\0';
    close(pipefd[0]);
    if (sscanf(line, "listening %d", &fp->port) != 1 || fp->port <= 0) {
        kill(fp->pid, SIGKILL);
        waitpid(fp->pid, NULL, 0);
        fail_msg("fake_provider did not start (said: %s)", line);
    }
    snprintf(fp->url, sizeof fp->url, "http://127.0.0.1:%d", fp->port);
}

/* Stop with SIGTERM; returns the exit status (0 on a clean stop), -1 if it had to be killed. */
static inline int fake_stop(fake_provider_t *fp)
{
    if (fp->pid <= 0)
        return -1;
    kill(fp->pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; i++) {
        if (waitpid(fp->pid, &status, WNOHANG) == fp->pid) {
            fp->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        harness_sleep_ms(50);
    }
    kill(fp->pid, SIGKILL);
    waitpid(fp->pid, &status, 0);
    fp->pid = 0;
    return -1;
}

/* GET /_stats as parsed JSON (the caller json_decref's it). */
static inline json_t *fake_stats(const fake_provider_t *fp)
{
    test_response_t res;
    assert_int_equal(harness_request(fp->url, "GET", "/_stats", NULL, NULL, &res), 0);
    assert_int_equal(res.status, 200);
    json_t *stats = json_incref(res.json);
    harness_response_free(&res);
    return stats;
}

/* How many requests the fake has seen with this exact model string. */
static inline long fake_model_count(const fake_provider_t *fp, const char *model)
{
    json_t *stats = fake_stats(fp);
    long n = (long)json_integer_value(json_object_get(json_object_get(stats, "models"), model));
    json_decref(stats);
    return n;
}

static inline void fake_reset(const fake_provider_t *fp)
{
    test_response_t res;
    assert_int_equal(harness_request(fp->url, "POST", "/_reset", NULL, "", &res), 0);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
}

#endif
