/* cli_runner.h - runs the llmops binary as a user would, for the CLI tests: in-process on a
 * data directory or against a server, with a given standard input, capturing its exit status,
 * standard output and standard error. Include after harness.h. */
#ifndef LLMOPS_TESTS_CLI_RUNNER_H
#define LLMOPS_TESTS_CLI_RUNNER_H

#include <fcntl.h>
#include <sys/wait.h>

typedef struct cli_out {
    int status;
    char *out, *err;
} cli_out_t;

/* A file's whole contents, NUL-terminated (caller frees); fails the test when unreadable. */
static inline char *cli_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *data = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            data = realloc(data, cap);
        }
        memcpy(data + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!data)
        data = calloc(1, 1);
    data[len] = '\0';
    return data;
}

static inline void cli_write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Run `llmops <mode flags> args...` (args NULL-terminated). server_url NULL: in-process on
 * dir/data (and the harness's store, when it names one). stdin_text NULL: empty input. The
 * captured files live in dir. */
static inline void cli_run(cli_out_t *r, const char *dir, const char *server_url,
                           const char *stdin_text, const char *const *args)
{
    char in_path[512], out_path[512], err_path[512], data_dir[512];
    snprintf(in_path, sizeof in_path, "%s/stdin", dir);
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    snprintf(data_dir, sizeof data_dir, "%s/data", dir);
    cli_write_file(dir, "stdin", stdin_text ? stdin_text : "");
    const char *argv[80];
    int n = 0;
    argv[n++] = harness_bin();
    if (server_url) {
        argv[n++] = "--server";
        argv[n++] = server_url;
    } else {
        argv[n++] = "--data";
        argv[n++] = data_dir;
        if (harness_store()) {
            argv[n++] = "--store";
            argv[n++] = harness_store();
        }
    }
    argv[n++] = "--log-level";
    argv[n++] = "error";
    for (const char *const *a = args; *a && n < 79; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(in_path, O_RDONLY);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = cli_slurp(out_path);
    r->err = cli_slurp(err_path);
}

static inline void cli_out_free(cli_out_t *r)
{
    free(r->out);
    free(r->err);
}

#endif
