/* bench_server.h - what the HTTP benchmarks share: reading BENCH_* settings, starting
 * `llmops server` on a free port with a temporary data directory (and a given store), stopping
 * it, a libcurl write callback, and running one leg on a throwaway PostgreSQL from tests/pg.sh.
 *
 * Header-only (static functions), like tests/integration/harness.h: each benchmark is one
 * program built from its own .c file by the Makefile's bench rule. */
#ifndef LLMOPS_BENCH_SERVER_H
#define LLMOPS_BENCH_SERVER_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"

typedef struct server {
    pid_t pid;
    char url[64]; /* http://127.0.0.1:PORT */
    char dir[128];
} server_t;

static inline int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

/* The port from the server's "listening" log line (JSON lines), 0 while not there yet. */
static inline int bench_read_port(const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    if (!f)
        return 0;
    char line[4096];
    int port = 0;
    while (!port && fgets(line, sizeof line, f)) {
        json_t *e = json_loads(line, 0, NULL);
        const char *msg = json_string_value(json_object_get(e, "msg"));
        if (msg && strcmp(msg, "listening") == 0)
            port = (int)json_integer_value(json_object_get(e, "port"));
        json_decref(e);
    }
    fclose(f);
    return port;
}

/* Start $LLMOPS_BIN (default build/llmops) on store_url, or on SQLite in the temporary data
 * directory when store_url is NULL. 0 once it listens, -1 after 10 s. */
static inline int server_start(server_t *s, const char *store_url)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/llmops-bench-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    char log_path[256];
    snprintf(log_path, sizeof log_path, "%s/server.log", s->dir);
    /* Opened before fork: the child of a threaded program must not allocate before exec. */
    FILE *log = fopen(log_path, "w");
    s->pid = fork();
    if (s->pid == 0) {
        if (log) {
            dup2(fileno(log), 1);
            dup2(fileno(log), 2);
        }
        const char *bin = getenv("LLMOPS_BIN"); /* set by `make bench-<area>` */
        const char *argv[] = {
            bin && *bin ? bin : "build/llmops", "server",  "--port", "0", "--data", s->dir,
            store_url ? "--store" : NULL,       store_url, NULL};
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (log)
        fclose(log);
    for (int i = 0; i < 200; i++) {
        int port = bench_read_port(log_path);
        if (port) {
            snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", port);
            return 0;
        }
        clock_sleep_ms(50);
    }
    fprintf(stderr, "bench: the server did not start (see %s)\n", log_path);
    return -1;
}

static inline void server_stop(server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", s->dir);
}

/* CURLOPT_WRITEFUNCTION appending to the buf_t given as CURLOPT_WRITEDATA. */
static inline size_t bench_collect(char *data, size_t size, size_t n, void *userdata)
{
    buf_append(userdata, data, size * n);
    return size * n;
}

/* Start a throwaway PostgreSQL with tests/pg.sh, create database `db` on it, call
 * run(db_url, ctx), and stop the server again (left running when BENCH_KEEP=1). Returns 0, or
 * -1 when PostgreSQL is not available here (the leg is skipped, with a message). */
static inline int bench_on_postgres(const char *db, void (*run)(const char *db_url, void *ctx),
                                    void *ctx)
{
    char pg_dir[600] = "", pg_url[600] = "", db_url[600] = "", line[600], cmd[1400];
    FILE *p = popen("tests/pg.sh start 2>/dev/null", "r");
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "PG_DIR=", 7) == 0)
            snprintf(pg_dir, sizeof pg_dir, "%s", line + 7);
        if (strncmp(line, "PG_URL=", 7) == 0)
            snprintf(pg_url, sizeof pg_url, "%s", line + 7);
    }
    if (p)
        pclose(p);
    if (!pg_url[0]) {
        fprintf(stderr, "bench: PostgreSQL not available, skipped\n");
        return -1;
    }
    snprintf(cmd, sizeof cmd, "PG_URL='%s' tests/pg.sh createdb %s", pg_url, db);
    FILE *c = popen(cmd, "r");
    if (c && fgets(db_url, sizeof db_url, c))
        db_url[strcspn(db_url, "\n")] = '\0';
    if (c)
        pclose(c);
    if (db_url[0])
        run(db_url, ctx);
    snprintf(cmd, sizeof cmd, "tests/pg.sh stop '%s'", pg_dir);
    if (env_int("BENCH_KEEP", 0))
        fprintf(stderr, "bench: PostgreSQL left running: %s\n", cmd);
    else if (system(cmd) != 0)
        fprintf(stderr, "bench: could not stop PostgreSQL\n");
    return 0;
}

#endif
