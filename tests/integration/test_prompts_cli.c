/* test_prompts_cli.c - `llmops prompts ...` run as a separate process, twice over: in-process on
 * a data directory (--data DIR, plus --store when LLMOPS_TEST_STORE names PostgreSQL) and
 * against a running server (--server URL). The same scenario runs in both modes: create from a
 * template file with a model config, add versions from --template, from a messages file read
 * on stdin and from a template on stdin with --model-config @FILE, set an alias, render by
 * alias / version (text and chat, --var / --vars / --vars @FILE, strict and --lenient), diff,
 * a syntax error and a missing variable (exit 1, message on stderr), alias rollback, history
 * and delete, show and list, usage errors (exit 2) and --help. */
#include "integration/harness.h"

#include "integration/cli_runner.h"

static test_server_t server;
static char work_dir[256]; /* files the commands read, and their captured output */

static void write_file(const char *name, const char *text)
{
    cli_write_file(work_dir, name, text);
}

/* The mode the scenario runs in: 0 in-process, 1 against the server. */
static int remote;

/* Run `llmops <mode flags> args...` (NULL-terminated) with stdin_text on standard input. */
static void run(cli_out_t *r, const char *stdin_text, const char *const *args)
{
    cli_run(r, work_dir, remote ? server.url : NULL, stdin_text, args);
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
    cli_out_free(&r);

    /* version 2 from --template, with an author */
    RUN(&r, 0, NULL, "prompts", "version", name, "--template",
        "Hi {{ name }}!\nYou asked: {{ question }}", "--message", "shorter", "--author", "bob");
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "author")), "bob");
    json_decref(j);
    cli_out_free(&r);

    /* version 3 from a messages file on stdin */
    RUN(&r, 0,
        "[{\"role\": \"system\", \"content\": \"You greet {{ name }}.\"},"
        " {\"role\": \"user\", \"content\": \"{{ question }}\"}]",
        "prompts", "version", name, "--messages-file", "-");
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "chat");
    json_decref(j);
    cli_out_free(&r);

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
    cli_out_free(&r);

    /* alias, then render by alias: the text itself on stdout */
    RUN(&r, 0, NULL, "prompts", "alias", "set", name, "production", "2");
    cli_out_free(&r);
    snprintf(ref, sizeof ref, "%s@production", name);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--var", "name=Ada", "--var", "question=why?");
    assert_string_equal(r.out, "Hi Ada!\nYou asked: why?\n");
    assert_string_equal(r.err, "");
    cli_out_free(&r);
    /* strict: a missing variable fails with exit 1 and says which */
    RUN(&r, 1, NULL, "prompts", "render", ref, "--var", "name=Ada");
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "'question' is undefined"));
    assert_non_null(strstr(r.err, "template_undefined"));
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--var", "name=Ada", "--lenient");
    assert_string_equal(r.out, "Hi Ada!\nYou asked: \n");
    cli_out_free(&r);

    /* by version, with --vars inline and from a file (chat: role blocks) */
    snprintf(ref, sizeof ref, "%s@1", name);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--vars", "{\"name\": \"Bo\", \"question\": 42}");
    assert_string_equal(r.out, "Hello Bo!\nYou asked: 42\n");
    cli_out_free(&r);
    write_file("vars.json", "{\"name\": \"Cy\", \"question\": \"ok?\"}");
    char at_vars[520];
    snprintf(at_vars, sizeof at_vars, "@%s/vars.json", work_dir);
    snprintf(ref, sizeof ref, "%s@3", name);
    RUN(&r, 0, NULL, "prompts", "render", ref, "--vars", at_vars, "--var", "question=over");
    assert_string_equal(r.out, "system: You greet Cy.\n\nuser: over\n");
    cli_out_free(&r);
    /* the latest (4) by default */
    RUN(&r, 0, NULL, "prompts", "render", name, "--var", "name=Di");
    assert_string_equal(r.out, "Bye Di\n");
    cli_out_free(&r);

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
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "diff", name, "production", "2");
    assert_string_equal(r.out, "");
    cli_out_free(&r);
    RUN(&r, 1, NULL, "prompts", "diff", name, "1", "staging");
    assert_non_null(strstr(r.err, "no alias 'staging'"));
    cli_out_free(&r);

    /* a syntax error: exit 1, line:column on stderr, nothing stored */
    RUN(&r, 1, NULL, "prompts", "version", name, "--template", "ok\n{% if x %}never closed");
    assert_non_null(strstr(r.err, "line 2:"));
    assert_non_null(strstr(r.err, "template_syntax"));
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "show", name);
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "latest_version")), 4);
    json_decref(j);
    cli_out_free(&r);

    /* move, roll back, history, delete */
    RUN(&r, 0, NULL, "prompts", "alias", "set", name, "production", "4", "--author", "eve");
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "alias", "rollback", name, "production");
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    cli_out_free(&r);
    snprintf(ref, sizeof ref, "%s@production", name);
    RUN(&r, 0, NULL, "prompts", "show", ref);
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "alias", "history", name, "production");
    j = parse(&r);
    json_t *h = json_object_get(j, "history");
    assert_int_equal(json_array_size(h), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "changed_by")),
                        "eve");
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "alias", "delete", name, "production");
    cli_out_free(&r);
    RUN(&r, 1, NULL, "prompts", "show", ref);
    assert_non_null(strstr(r.err, "not_found"));
    cli_out_free(&r);

    /* show a version, list, versions */
    snprintf(ref, sizeof ref, "%s@3", name);
    RUN(&r, 0, NULL, "prompts", "show", ref);
    j = parse(&r);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "chat");
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "list", "--query", name);
    j = parse(&r);
    assert_int_equal(json_array_size(json_object_get(j, "prompts")), 1);
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "versions", name, "--limit", "2");
    j = parse(&r);
    assert_int_equal(json_array_size(json_object_get(j, "versions")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "next_page_token")), "3");
    json_decref(j);
    cli_out_free(&r);

    /* usage errors exit 2 and change nothing */
    RUN(&r, 2, NULL, "prompts", "render");
    cli_out_free(&r);
    RUN(&r, 2, NULL, "prompts", "version", name);
    assert_non_null(strstr(r.err, "--template"));
    cli_out_free(&r);
    RUN(&r, 2, NULL, "prompts", "version", name, "--template", "a", "--template-file", file);
    cli_out_free(&r);
    RUN(&r, 2, NULL, "prompts", "alias", "set", name, "production", "two");
    cli_out_free(&r);
    RUN(&r, 2, NULL, "prompts", "alias", "bogus", name, "production");
    cli_out_free(&r);
    RUN(&r, 2, NULL, "prompts", "render", name, "--var", "novalue");
    cli_out_free(&r);
    RUN(&r, 2, NULL, "prompts", "render", name, "--bogus");
    cli_out_free(&r);
    RUN(&r, 1, NULL, "prompts", "version", name, "--template-file", "/nonexistent/file");
    assert_non_null(strstr(r.err, "cannot open"));
    cli_out_free(&r);
    RUN(&r, 1, NULL, "prompts", "version", name, "--template", "x", "--model-config", "{bad");
    assert_non_null(strstr(r.err, "not valid JSON"));
    cli_out_free(&r);
    RUN(&r, 0, NULL, "prompts", "show", name);
    j = parse(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "latest_version")), 4);
    json_decref(j);
    cli_out_free(&r);

    /* delete */
    RUN(&r, 0, NULL, "prompts", "delete", name);
    cli_out_free(&r);
    RUN(&r, 1, NULL, "prompts", "show", name);
    cli_out_free(&r);
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
    cli_out_free(&r);
    RUN(&r, 2, NULL, "prompts");
    cli_out_free(&r);
    const char *verbs[] = {"create", "list",   "show", "version", "versions",
                           "alias",  "render", "diff", "delete"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        RUN(&r, 0, NULL, "prompts", verbs[i], "--help");
        char usage[64];
        snprintf(usage, sizeof usage, "Usage: llmops prompts %s", verbs[i]);
        assert_non_null(strstr(r.out, usage));
        cli_out_free(&r);
    }
    RUN(&r, 0, NULL, "prompts", "alias", "rollback", "--help");
    assert_non_null(strstr(r.out, "rollback"));
    cli_out_free(&r);
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
