/* eval_watch.c - polling an evaluation until it ends, with progress on stderr (eval_watch.h).
 *
 * The rate counts the rows done since the CLI began watching, so a resumed evaluation's ETA
 * is not skewed by the rows an earlier process did. */
#include "cli/eval_watch.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "cli/cli_util.h"

#define POLL_MS       200  /* between two reads of the evaluation */
#define LINE_EVERY_MS 5000 /* between two progress lines when stderr is not a terminal */
#define BAR_WIDTH     28

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

eval_watch_mode_t eval_watch_mode(int quiet)
{
    return quiet ? EVAL_WATCH_QUIET : isatty(STDERR_FILENO) ? EVAL_WATCH_BAR : EVAL_WATCH_LINES;
}

int eval_status_final(const char *status)
{
    return status && (strcmp(status, "finished") == 0 || strcmp(status, "failed") == 0 ||
                      strcmp(status, "interrupted") == 0);
}

static json_int_t count_of(const json_t *eval, const char *key)
{
    return json_integer_value(json_object_get(eval, key));
}

/* "1:05" / "1:02:03" */
static void duration_text(double seconds, char *out, size_t size)
{
    long s = seconds < 0 ? 0 : (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

static void show(const json_t *eval, eval_watch_mode_t mode, double rate, int final)
{
    json_int_t total = count_of(eval, "total"), done = count_of(eval, "done");
    char eta[32] = "-";
    if (rate > 0 && total > done)
        duration_text((double)(total - done) / rate, eta, sizeof eta);
    char counts[200];
    snprintf(counts, sizeof counts, "%lld/%lld  errors %lld  cached %lld  %.1f rows/s  ETA %s  %s",
             (long long)done, (long long)total, (long long)count_of(eval, "errors"),
             (long long)count_of(eval, "cached"), rate, final ? "0:00" : eta,
             json_string_value(json_object_get(eval, "status")) ?: "?");
    if (mode == EVAL_WATCH_BAR) {
        int filled = total > 0 ? (int)((double)done * BAR_WIDTH / (double)total) : 0;
        char bar[BAR_WIDTH + 1];
        for (int i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[BAR_WIDTH] = '\0';
        fprintf(stderr, "\r\033[K[%s] %s%s", bar, counts, final ? "\n" : "");
    } else {
        fprintf(stderr, "eval %s: %s\n", json_string_value(json_object_get(eval, "id")) ?: "?",
                counts);
    }
    fflush(stderr);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

json_t *eval_watch(cli_t *cli, const char *id, eval_watch_mode_t mode)
{
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/evaluations");
    cli_path_add(&target, id);
    struct sigaction sa = {.sa_handler = on_sigint}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    interrupted = 0;
    int cancel_sent = 0;
    int64_t start = clock_now_ms(), last_line = 0;
    json_int_t first_done = -1;
    json_t *eval = NULL;
    for (;;) {
        json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
        if (!reply)
            break;
        json_decref(eval);
        eval = json_incref(json_object_get(reply, "evaluation"));
        json_decref(reply);
        if (!json_is_object(eval)) {
            fprintf(stderr, "llmops: the answer for evaluation %s has no evaluation\n", id);
            json_decref(eval);
            eval = NULL;
            break;
        }
        const char *status = json_string_value(json_object_get(eval, "status"));
        json_int_t done = count_of(eval, "done");
        if (first_done < 0)
            first_done = done;
        int64_t now = clock_now_ms();
        double seconds = (double)(now - start) / 1000.0;
        double rate = seconds > 0.05 ? (double)(done - first_done) / seconds : 0.0;
        int final = eval_status_final(status);
        if (mode == EVAL_WATCH_BAR ||
            (mode == EVAL_WATCH_LINES &&
             (final || last_line == 0 || now - last_line >= LINE_EVERY_MS))) {
            show(eval, mode, rate, final);
            last_line = now;
        }
        if (final)
            break;
        if (interrupted && !cancel_sent) {
            /* Ctrl-C: stop the evaluation (the calls in flight finish), then report it. */
            buf_t cancel;
            buf_init(&cancel);
            buf_printf(&cancel, "%s/cancel", buf_str(&target));
            fprintf(stderr, "\nllmops: cancelling evaluation %s\n", id);
            json_decref(cli_call_json(cli, "POST", buf_str(&cancel), NULL));
            buf_free(&cancel);
            cancel_sent = 1;
        }
        sleep_ms(POLL_MS);
    }
    sigaction(SIGINT, &old, NULL);
    buf_free(&target);
    return eval;
}
