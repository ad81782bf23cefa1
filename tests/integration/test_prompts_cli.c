/* test_prompts_cli.c - `llmops prompts ...` run as a separate process, twice over: in-process on
 * a data directory (--data DIR, plus --store when LLMOPS_TEST_STORE names PostgreSQL) and
 * against a running server (--server URL). The same scenario runs in both modes: create from a
 * template file with a model config, add versions from --template, from a messages file read
 * on stdin and from a template on stdin with --model-config @FILE, set an alias, render by
 * alias / version (text and chat, --var / --vars / --vars @FILE, strict and --lenient), diff,
 * a syntax error and a missing variable (exit 1, message on stderr), alias rollback, history
 * and delete, show and list, usage errors (exit 2) and --help. */
#include "integration/harness.h"

#include <fcntl.h>

static test_server_t server;
static char work_dir[256]; /* files the commands read, and their captured output */

typedef struct cli_out {
    int status;
    char *out, *err;
} cli_out_t;

static char *slurp(const char *path)
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

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", work_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The mode the scenario runs in: 0 in-process, 1 against the server. */
static int remote;

/* Run `llmops <mode flags> args...` (NULL-terminated) with stdin_text on standard input. */
static void run(cli_out_t *r, const char *stdin_text, const char *const *args)
{
    char in_path[512], out_path[512], err_path[512], data_dir[512];
    snprintf(in_path, sizeof in_path, "%s/stdin", work_dir);
    snprintf(out_path, sizeof out_path, "%s/stdout", work_dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", work_dir);
    snprintf(data_dir, sizeof data_dir, "%s/data", work_dir);
    write_file("stdin", stdin_text ? stdin_text : "");
    const char *argv[64];
    int n = 0;
    argv[n++] = harness_bin();
    if (remote) {
        argv[n++] = "--server";
        argv[n++] = server.url;
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
    for (const char *const *a = args; *a && n < 63; a++)
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
    r->out = slurp(out_path);
    r->err = slurp(err_path);
}

static void out_free(cli_out_t *r)
{
    free(r->out);
    free(r->err);
}

/* Run and expect an exit status (failing the test with both outputs otherwise). */
#define RUN(r, status_expected, stdin_text, ...)                                                   \
    do {                                                                                           \
        const char *const args_[] = {__VA_ARGS__, NULL};                                           \
        run((r), (stdin_text), args_);                                                             \
        if ((r)->status != (status_expected))                                                      \
            fail_msg("%s %s: exit %d, expected %d\nstdout: %s\nstderr: %s",                        \
                     remote ? "server" : "in-process", args_[1], (r)->status, (status_expected),   \
                     (r)->out, (r)->err);                                                          \
    } while (0)

static json_t *parse(const cli_out_t *r)
{
    json_t *v = json_loads(r->out, 0, NULL);
    if (!v)
        fail_msg("stdout is not JSON: %s", r->out);
    return v;
}

static void scenario(const char *name)
{
    cli_out_t r;
    char file[512], ref[300];
    /* create from a template file, with a model config */
    write_file("greet.j2", "Hello {{ name }}!\nYou asked: {{ question }}\n");
    snprintf(file, sizeof file, "%s/greet.j2", work_dir);
    RUN(&r, 0, NULL, "prompts", "create", name, "--description", "greets people", "--template-file",
        file, "--model-config", "{\"model\": \"m\", \"temperature\": 0.5}", "--message", "first",
        "--tag", "team=cli");
    json_t *j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "latest_version")), 1);
    json_t *v = json_object_get(j, "version");
    assert_string_equal(json_string_value(json_object_get(v, "template")),
                        "Hello {{ name }}!\nYou asked: {{ question }}\n");
    assert_string_equal(json_string_value(json_object_get(v, "commit_message")), "first");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "tags"), "team")),
                        "cli");
    json_decref(j);
    out_free(&r);

    /* version 2 from --template, with an author */
    RUN(&r, 0, NULL, "prompts", "version", name, "--template",
        "Hi {{ name }}!\nYou asked: {{ question }}", "--message", "shorter", "--author", "bob");
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "author")), "bob");
    json_decref(j);
    out_free(&r);

    /* version 3 from a messages file on stdin */
    RUN(&r, 0,
        "[{\"role\": \"system\", \"content\": \"You greet {{ name }}.\"},"
        " {\"role\": \"user\", \"content\": \"{{ question }}\"}]",
        "prompts", "version", name, "--messages-file", "-");
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "chat");
    json_decref(j);
    out_free(&r);

    /* version 4: template on stdin, model config from a file */
    write_file("config.json", "{\"model\": \"m2\", \"max_tokens\": 64}");
    char at_config[520];
    snprintf(at_config, sizeof at_config, "@%s/config.json", work_dir);
    RUN(&r, 0, "Bye {{ name }}", "prompts", "version", name, "--template-file", "-",
        "--model-config", at_config);
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 4);
    assert_string_equal(json_string_value(json_object_get(j, "template")), "Bye {{ name }}");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "model_config"), "max_tokens")), 64);
    json_decref(j);
    out_free(&r);

    /* alias, then render by alias: the text itself on stdout */
    RUN(&r, 0, NULL, "prompts", "alias", "set", name, "production", "2");
    out_free(&r);
    snprintf(ref, sizeof ref, "%s@production", name);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--var", "name=Ada", "--var", "question=why?");
    assert_string_equal(r.out, "Hi Ada!\nYou asked: why?\n");
    assert_string_equal(r.err, "");
    out_free(&r);
    /* strict: a missing variable fails with exit 1 and says which */
    RUN(&r, 1, NULL, "prompts", "render", ref, "--var", "name=Ada");
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "'question' is undefined"));
    assert_non_null(strstr(r.err, "template_undefined"));
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--var", "name=Ada", "--lenient");
    assert_string_equal(r.out, "Hi Ada!\nYou asked: \n");
    out_free(&r);

    /* by version, with --vars inline and from a file (chat: role blocks) */
    snprintf(ref, sizeof ref, "%s@1", name);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--vars", "{\"name\": \"Bo\", \"question\": 42}");
    assert_string_equal(r.out, "Hello Bo!\nYou asked: 42\n");
    out_free(&r);
    write_file("vars.json", "{\"name\": \"Cy\", \"question\": \"ok?\"}");
    char at_vars[520];
    snprintf(at_vars, sizeof at_vars, "@%s/vars.json", work_dir);
    snprintf(ref, sizeof ref, "%s@3", name);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--vars", at_vars, "--var", "question=over");
    assert_string_equal(r.out, "system: You greet Cy.\n\nuser: over\n");
    out_free(&r);
    /* the latest (4) by default */
    RUN(&r, 0, NULL, "prompts", "render", name, "--var", "name=Di");
    assert_string_equal(r.out, "Bye Di\n");
    out_free(&r);

    /* diff by number and alias */
    RUN(&r, 0, NULL, "prompts", "diff", name, "1", "production");
    char expected[2048];
    snprintf(expected, sizeof expected,
             "--- %s@1\n+++ %s@2\n@@ -1,2 +1,2 @@\n-Hello {{ name }}!\n-You asked: {{ question }}\n"
             "+Hi {{ name }}!\n+You asked: {{ question }}\n\\ No newline at end of file\n"
             "--- %s@1 model_config\n+++ %s@2 model_config\n@@ -1,4 +0,0 @@\n-{\n"
             "-  \"model\": \"m\",\n-  \"temperature\": 0.5\n-}\n",
             name, name, name, name);
    assert_string_equal(r.out, expected);
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "diff", name, "production", "2");
    assert_string_equal(r.out, "");
    out_free(&r);
    RUN(&r, 1, NULL, "prompts", "diff", name, "1", "staging");
    assert_non_null(strstr(r.err, "no alias 'staging'"));
    out_free(&r);

    /* a syntax error: exit 1, line:column on stderr, nothing stored */
    RUN(&r, 1, NULL, "prompts", "version", name, "--template", "ok\n{% if x %}never closed");
    assert_non_null(strstr(r.err, "line 2:"));
    assert_non_null(strstr(r.err, "template_syntax"));
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "show", name);
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "latest_version")), 4);
    json_decref(j);
    out_free(&r);

    /* move, roll back, history, delete */
    RUN(&r, 0, NULL, "prompts", "alias", "set", name, "production", "4", "--author", "eve");
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "alias", "rollback", name, "production");
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    out_free(&r);
    snprintf(ref, sizeof ref, "%s@production", name);
    RUN(&r, 0, NULL, "prompts", "show", ref);
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "alias", "history", name, "production");
    j = parse(&r);
    json_t *h = json_object_get(j, "history");
    assert_int_equal(json_array_size(h), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "changed_by")),
                        "eve");
    json_decref(j);
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "alias", "delete", name, "production");
    out_free(&r);
    RUN(&r, 1, NULL, "prompts", "show", ref);
    assert_non_null(strstr(r.err, "not_found"));
    out_free(&r);

    /* show a version, list, versions */
    snprintf(ref, sizeof ref, "%s@3", name);
    RUN(&r, 0, NULL, "prompts", "show", ref);
    j = parse(&r);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "chat");
    json_decref(j);
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "list", "--query", name);
    j = parse(&r);
    assert_int_equal(json_array_size(json_object_get(j, "prompts")), 1);
    json_decref(j);
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "versions", name, "--limit", "2");
    j = parse(&r);
    assert_int_equal(json_array_size(json_object_get(j, "versions")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "next_page_token")), "3");
    json_decref(j);
    out_free(&r);

    /* usage errors exit 2 and change nothing */
    RUN(&r, 2, NULL, "prompts", "render");
    out_free(&r);
    RUN(&r, 2, NULL, "prompts", "version", name);
    assert_non_null(strstr(r.err, "--template"));
    out_free(&r);
    RUN(&r, 2, NULL, "prompts", "version", name, "--template", "a", "--template-file", file);
    out_free(&r);
    RUN(&r, 2, NULL, "prompts", "alias", "set", name, "production", "two");
    out_free(&r);
    RUN(&r, 2, NULL, "prompts", "alias", "bogus", name, "production");
    out_free(&r);
    RUN(&r, 2, NULL, "prompts", "render", name, "--var", "novalue");
    out_free(&r);
    RUN(&r, 2, NULL, "prompts", "render", name, "--bogus");
    out_free(&r);
    RUN(&r, 1, NULL, "prompts", "version", name, "--template-file", "/nonexistent/file");
    assert_non_null(strstr(r.err, "cannot open"));
    out_free(&r);
    RUN(&r, 1, NULL, "prompts", "version", name, "--template", "x", "--model-config", "{bad");
    assert_non_null(strstr(r.err, "not valid JSON"));
    out_free(&r);
    RUN(&r, 0, NULL, "prompts", "show", name);
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "latest_version")), 4);
    json_decref(j);
    out_free(&r);

    /* delete */
    RUN(&r, 0, NULL, "prompts", "delete", name);
    out_free(&r);
    RUN(&r, 1, NULL, "prompts", "show", name);
    out_free(&r);
}

static void in_process(void **state)
{
    (void)state;
    remote = 0;
    scenario("cli-local");
}

static void against_server(void **state)
{
    (void)state;
    remote = 1;
    scenario("cli-remote");
    /* The server saw it all: the prompt the scenario deleted is gone there too. */
    test_response_t res;
    harness_request(server.url, "GET", "/api/v1/prompts/cli-remote", NULL, NULL, &res);
    assert_int_equal(res.status, 404);
    harness_response_free(&res);
}

static void help_at_every_level(void **state)
{
    (void)state;
    remote = 0;
    cli_out_t r;
    RUN(&r, 0, NULL, "prompts", "--help");
    assert_non_null(strstr(r.out, "render"));
    assert_non_null(strstr(r.out, "alias"));
    out_free(&r);
    RUN(&r, 2, NULL, "prompts");
    out_free(&r);
    const char *verbs[] = {"create", "list",   "show", "version", "versions",
                           "alias",  "render", "diff", "delete"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        RUN(&r, 0, NULL, "prompts", verbs[i], "--help");
        char usage[64];
        snprintf(usage, sizeof usage, "Usage: llmops prompts %s", verbs[i]);
        assert_non_null(strstr(r.out, usage));
        out_free(&r);
    }
    RUN(&r, 0, NULL, "prompts", "alias", "rollback", "--help");
    assert_non_null(strstr(r.out, "rollback"));
    out_free(&r);
}

static int setup(void **state)
{
    (void)state;
    snprintf(work_dir, sizeof work_dir, "/tmp/llmops-cli-XXXXXX");
    assert_non_null(mkdtemp(work_dir));
    harness_start(&server, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(harness_stop(&server), 0);
    harness_rmdir(work_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_process),
        cmocka_unit_test(against_server),
        cmocka_unit_test(help_at_every_level),
    };
    return cmocka_run_group_tests_name("prompts cli", tests, setup, teardown);
}
