/* test_eval_cli.c - `llmops eval ...`, `llmops models|prompts promote` and `llmops promotions
 * list` run as separate processes, in-process on a data directory (--data DIR, plus --store
 * when LLMOPS_TEST_STORE names PostgreSQL) and against a running server (--server URL), with the
 * fake provider behind a gateway endpoint. The same scenario runs in both modes:
 *   - eval run from flags: gates pass (exit 0) and fail (exit 1), a bad gate (exit 2, nothing
 *     started), the JSON output, JUnit XML (element counts, failures, well-formed by xmllint);
 *   - the CI job: a candidate prompt version worse than production, gated with
 *     exact_match>=baseline, exits 1; a YAML file with two targets (the first the baseline);
 *   - eval compare (JSON and table), rows --failed, list, show;
 *   - prompt promotion rejected (exit 1, alias unchanged) and promoted (alias moved), model
 *     promotion with an unset alias and with a baseline, the audit rows (promotions list) and
 *     the lineage edges; a promotion naming an evaluation of another version (400). */
#include "integration/harness.h"

#include "integration/cli_runner.h"
#include "integration/fake_provider.h"

static test_server_t server;
static fake_provider_t fake;
static char work_dir[256];

static void write_file(const char *name, const char *text)
{
    cli_write_file(work_dir, name, text);
}

static const char *work_path(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", work_dir, name);
    return out;
}

static int remote; /* 0 in-process, 1 against the server */

static void run(cli_out_t *r, const char *const *args)
{
    cli_run(r, work_dir, remote ? server.url : NULL, NULL, args);
}

#define RUN(r, status_expected, ...)                                                               \
    do {                                                                                           \
        const char *const args_[] = {__VA_ARGS__, NULL};                                           \
        run((r), args_);                                                                           \
        if ((r)->status != (status_expected))                                                      \
            fail_msg("%s %s %s: exit %d, expected %d\nstdout: %s\nstderr: %s",                     \
                     remote ? "server" : "in-process", args_[0], args_[1], (r)->status,            \
                     (status_expected), (r)->out, (r)->err);                                       \
    } while (0)

/* Run, expect status, and free the output. */
#define RUN_OK(status_expected, ...)                                                               \
    do {                                                                                           \
        cli_out_t r_;                                                                              \
        RUN(&r_, status_expected, __VA_ARGS__);                                                    \
        cli_out_free(&r_);                                                                         \
    } while (0)

static json_t *parse_out(const cli_out_t *r)
{
    json_t *v = json_loads(r->out, 0, NULL);
    if (!v)
        fail_msg("stdout is not JSON: %s\nstderr: %s", r->out, r->err);
    return v;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static double metric(const json_t *eval, const char *scorer)
{
    return json_real_value(
        json_object_get(json_object_get(json_object_get(eval, "metrics"), scorer), "mean"));
}

/* The eval run of the JSON output of a single-target `eval run`. */
static json_t *single_eval(const json_t *report)
{
    json_t *e = json_object_get(report, "evaluation");
    assert_non_null(e);
    return e;
}

/* Names of one mode's things: "<p>-qa", ... */
static const char *named(const char *p, const char *what, char *out, size_t size)
{
    snprintf(out, size, "%s-%s", p, what);
    return out;
}

/* Against the server, registry changes reach the gateway's snapshot within its refresh (1 s):
 * wait until the model reference answers before evaluating it. */
static void wait_model(const char *ref)
{
    if (!remote)
        return;
    char body[512];
    snprintf(body, sizeof body,
             "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":"
             "\"ping\"}]}",
             ref);
    const char *headers[] = {"Content-Type: application/json", NULL};
    for (int i = 0; i < 100; i++) {
        test_response_t res;
        if (harness_request(server.url, "POST", "/v1/chat/completions", headers, body, &res) == 0 &&
            res.status == 200) {
            harness_response_free(&res);
            return;
        }
        harness_response_free(&res);
        harness_sleep_ms(50);
    }
    fail_msg("model %s never became reachable through the gateway", ref);
}

static void setup_data(const char *p)
{
    char name[128], spec[512], file[512];
    /* Rows a and b answer as expected through the echo fake; c never does. */
    write_file("qa.jsonl", "{\"input\":\"a\",\"expected\":\"echo: a\"}\n"
                           "{\"input\":\"b\",\"expected\":\"echo: b\"}\n"
                           "{\"input\":\"c\",\"expected\":\"nope\"}\n");
    RUN_OK(0, "datasets", "import", named(p, "qa", name, sizeof name),
           work_path("qa.jsonl", file, sizeof file), "--format", "jsonl");
    snprintf(spec, sizeof spec,
             "{\"name\":\"%s-chat\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s/v1\","
             "\"model\":\"fake\"}]}",
             p, fake.url);
    RUN_OK(0, "endpoints", "create", "-d", spec);
    /* Prompt versions: 1 and 3 send the input as is (exact_match 2/3), 2 adds a prefix
     * (exact_match 0). Production is version 1. */
    named(p, "greet", name, sizeof name);
    RUN_OK(0, "prompts", "create", name, "--template", "{{ input }}");
    RUN_OK(0, "prompts", "version", name, "--template", "Q: {{ input }}");
    RUN_OK(0, "prompts", "version", name, "--template", "{{ input }}");
    RUN_OK(0, "prompts", "alias", "set", name, "production", "1");
}

static void gates_and_outputs(const char *p)
{
    cli_out_t r;
    char ds[128], ep[128], junit[512];
    snprintf(ds, sizeof ds, "%s-qa@latest", p);
    named(p, "chat", ep, sizeof ep);

    /* Gate passes: exit 0, the JSON report carries the evaluation and the gates. */
    RUN(&r, 0, "eval", "run", "--dataset", ds, "--endpoint", ep, "--scorer", "exact_match",
        "--scorer", "regex:pattern=^echo: [a-z]$", "--gate", "exact_match>=0.5", "--output", "json",
        "--quiet");
    json_t *j = parse_out(&r);
    json_t *e = single_eval(j);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "finished");
    assert_true(metric(e, "exact_match") > 0.66 && metric(e, "exact_match") < 0.67);
    assert_true(metric(e, "regex") > 0.99);
    assert_true(json_is_true(json_object_get(j, "gates_passed")));
    assert_int_equal(json_array_size(json_object_get(j, "gates")), 1);
    json_decref(j);
    cli_out_free(&r);

    /* Gate fails: exit 1; JUnit: 1 gate + 3 rows, the gate and row c failing. */
    RUN(&r, 1, "eval", "run", "--dataset", ds, "--endpoint", ep, "--scorer", "exact_match",
        "--gate", "exact_match>=0.9,error_rate<=0", "--output", "junit", "--output-file",
        work_path("eval.xml", junit, sizeof junit), "--quiet");
    cli_out_free(&r);
    char *xml = cli_slurp(junit);
    assert_int_equal(count_of(xml, "<testsuite "), 1);
    assert_int_equal(count_of(xml, "<testcase "), 5);
    assert_int_equal(count_of(xml, "<failure "), 2);
    assert_non_null(strstr(xml, "tests=\"5\" failures=\"2\" errors=\"0\""));
    assert_non_null(strstr(xml, "name=\"exact_match&gt;=0.9\""));
    assert_non_null(strstr(xml, "output: echo: c | expected: nope"));
    free(xml);
    if (access("/usr/bin/xmllint", X_OK) == 0) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "/usr/bin/xmllint --noout %s 2>&1", junit);
        assert_int_equal(system(cmd), 0);
    }

    /* A bad gate is a usage error before anything starts; so is a bad scorer. */
    RUN(&r, 0, "eval", "list", "--output", "json");
    json_t *before = parse_out(&r);
    cli_out_free(&r);
    RUN(&r, 2, "eval", "run", "--dataset", ds, "--endpoint", ep, "--scorer", "exact_match",
        "--gate", "exact_match>>0.9");
    assert_non_null(strstr(r.err, "gate"));
    cli_out_free(&r);
    RUN_OK(2, "eval", "run", "--dataset", ds, "--endpoint", ep, "--scorer", "regex:=x");
    RUN_OK(2, "eval", "run", "--dataset", ds, "--scorer", "exact_match"); /* no target */
    RUN(&r, 0, "eval", "list", "--output", "json");
    json_t *after = parse_out(&r);
    cli_out_free(&r);
    assert_int_equal(json_array_size(json_object_get(after, "evaluations")),
                     json_array_size(json_object_get(before, "evaluations")));
    json_decref(before);
    json_decref(after);
}

/* The CI job: production vs a worse candidate, then compare. */
static void ci_job_and_compare(const char *p)
{
    cli_out_t r;
    char ds[128], ep[128], prod[128], cand[128], yaml[1024], file[512];
    snprintf(ds, sizeof ds, "%s-qa@latest", p);
    named(p, "chat", ep, sizeof ep);
    snprintf(prod, sizeof prod, "%s-greet@production", p);
    snprintf(cand, sizeof cand, "%s-greet@2", p);

    RUN(&r, 0, "eval", "run", "--dataset", ds, "--prompt", prod, "--model", ep, "--scorer",
        "exact_match", "--name", "production", "--output", "json", "--quiet");
    json_t *j = parse_out(&r);
    char base_id[64];
    snprintf(base_id, sizeof base_id, "%s",
             json_string_value(json_object_get(single_eval(j), "id")));
    json_decref(j);
    cli_out_free(&r);

    RUN(&r, 1, "eval", "run", "--dataset", ds, "--prompt", cand, "--model", ep, "--scorer",
        "exact_match", "--baseline", base_id, "--gate", "exact_match>=baseline", "--output", "json",
        "--quiet");
    j = parse_out(&r);
    json_t *gate = json_array_get(json_object_get(j, "gates"), 0);
    assert_false(json_is_true(json_object_get(gate, "passed")));
    assert_true(json_real_value(json_object_get(gate, "actual")) < 0.01);
    assert_true(json_real_value(json_object_get(gate, "required")) > 0.66);
    char cand_id[64];
    snprintf(cand_id, sizeof cand_id, "%s",
             json_string_value(json_object_get(single_eval(j), "id")));
    json_decref(j);
    cli_out_free(&r);

    /* The table says FAIL too. */
    RUN(&r, 1, "eval", "run", "--dataset", ds, "--prompt", cand, "--model", ep, "--scorer",
        "exact_match", "--baseline", base_id, "--gate", "exact_match>=baseline-0.01", "--quiet");
    assert_non_null(strstr(r.out, "FAIL"));
    assert_non_null(strstr(r.out, "exact_match>=baseline-0.01"));
    cli_out_free(&r);

    /* YAML: two targets, the first (production) the baseline; the candidate (version 3) is as
     * good, so exact_match>=baseline passes. --limit from the flags overrides the file's. */
    snprintf(yaml, sizeof yaml,
             "dataset: %s\n"
             "limit: 1\n"
             "targets:\n"
             "  - {prompt: \"%s\", model: %s}\n"
             "  - {prompt: \"%s-greet@3\", model: %s}\n"
             "scorers:\n"
             "  - exact_match\n"
             "  - {type: icontains, value: echo, name: has_echo}\n"
             "gates: [\"exact_match>=baseline\"]\n"
             "thresholds: {has_echo: 1}\n"
             "concurrency: 2\n",
             ds, prod, ep, p, ep);
    write_file("eval.yaml", yaml);
    RUN(&r, 0, "eval", "run", "-f", work_path("eval.yaml", file, sizeof file), "--limit", "3",
        "--output", "json", "--quiet");
    j = parse_out(&r);
    json_t *list = json_object_get(j, "evaluations");
    assert_int_equal(json_array_size(list), 2);
    assert_true(json_is_null(json_object_get(json_array_get(list, 0), "gates")));
    json_t *second = json_array_get(list, 1);
    assert_int_equal(json_array_size(json_object_get(second, "gates")), 2);
    assert_true(json_is_true(json_object_get(j, "gates_passed")));
    json_t *ev2 = json_object_get(second, "evaluation");
    assert_int_equal(json_integer_value(json_object_get(ev2, "total")), 3);
    assert_string_equal(json_string_value(json_object_get(ev2, "baseline")),
                        json_string_value(json_object_get(
                            json_object_get(json_array_get(list, 0), "evaluation"), "id")));
    json_decref(j);
    cli_out_free(&r);
    /* A bad YAML key is a usage error naming it. */
    write_file("bad.yaml", "dataset: x\nscorer: [exact_match]\n");
    RUN(&r, 2, "eval", "run", "-f", work_path("bad.yaml", file, sizeof file));
    assert_non_null(strstr(r.err, "unknown key 'scorer'"));
    cli_out_free(&r);

    /* compare: the candidate lost rows a and b. */
    RUN(&r, 0, "eval", "compare", base_id, cand_id, "--output", "json");
    j = parse_out(&r);
    json_t *s = json_object_get(json_object_get(j, "scorers"), "exact_match");
    assert_int_equal(json_integer_value(json_object_get(s, "losses")), 2);
    assert_int_equal(json_integer_value(json_object_get(s, "wins")), 0);
    assert_int_equal(json_integer_value(json_object_get(s, "ties")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "regressions")), 2);
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, "eval", "compare", base_id, cand_id);
    assert_non_null(strstr(r.out, "2 rows got worse"));
    assert_non_null(strstr(r.out, "echo: Q: a"));
    cli_out_free(&r);

    /* rows --failed, show, list. */
    RUN(&r, 0, "eval", "rows", cand_id, "--failed", "--output", "json");
    j = parse_out(&r);
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 3);
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, "eval", "rows", base_id, "--failed");
    assert_non_null(strstr(r.out, "NO"));
    cli_out_free(&r);
    RUN(&r, 0, "eval", "show", base_id);
    assert_non_null(strstr(r.out, "exact_match"));
    assert_non_null(strstr(r.out, "production"));
    cli_out_free(&r);
    RUN(&r, 0, "eval", "list", "--output", "json");
    j = parse_out(&r);
    assert_true(json_array_size(json_object_get(j, "evaluations")) >= 6);
    json_decref(j);
    cli_out_free(&r);
    RUN_OK(1, "eval", "show", "0123456789abcdef0123456789abcdef");
}

static json_t *promotions(const char *name)
{
    cli_out_t r;
    RUN(&r, 0, "promotions", "list", "--name", name, "--json");
    json_t *j = parse_out(&r);
    cli_out_free(&r);
    return j;
}

static void prompt_promotion(const char *p)
{
    cli_out_t r;
    char name[128], ds[128], ep[128], node[200];
    named(p, "greet", name, sizeof name);
    snprintf(ds, sizeof ds, "%s-qa@latest", p);
    named(p, "chat", ep, sizeof ep);

    /* Version 2 is worse than production (1): rejected, alias unchanged. */
    RUN(&r, 1, "prompts", "promote", name, "--version", "2", "--alias", "production", "--require",
        "exact_match>=baseline", "--dataset", ds, "--scorer", "exact_match", "--model", ep, "--who",
        "ci");
    assert_non_null(strstr(r.out, "REJECTED"));
    assert_non_null(strstr(r.err, "failed exact_match>=baseline"));
    cli_out_free(&r);
    char ref[200];
    snprintf(ref, sizeof ref, "%s@production", name);
    RUN(&r, 0, "prompts", "show", ref);
    json_t *j = parse_out(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    json_decref(j);
    cli_out_free(&r);

    /* Version 3 is as good: promoted, the alias moves (with its history). */
    RUN(&r, 0, "prompts", "promote", name, "--version", "3", "--alias", "production", "--require",
        "exact_match>=baseline,exact_match.pass_rate>=0.5", "--dataset", ds, "--scorer",
        "exact_match", "--model", ep, "--who", "ci", "--json");
    j = parse_out(&r);
    json_t *promo = json_object_get(j, "promotion");
    assert_string_equal(json_string_value(json_object_get(promo, "decision")), "promoted");
    assert_int_equal(json_integer_value(json_object_get(promo, "previous_version")), 1);
    assert_string_equal(json_string_value(json_object_get(promo, "who")), "ci");
    assert_true(json_is_string(json_object_get(promo, "baseline_evaluation")));
    char evaluation[64];
    snprintf(evaluation, sizeof evaluation, "%s",
             json_string_value(json_object_get(promo, "evaluation")));
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, "prompts", "show", ref);
    j = parse_out(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 3);
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, "prompts", "alias", "history", name, "production");
    assert_non_null(strstr(r.out, "\"changed_by\": \"ci\""));
    cli_out_free(&r);

    /* The audit log: both attempts, newest first. */
    j = promotions(name);
    json_t *list = json_object_get(j, "promotions");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "decision")),
                        "promoted");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "decision")),
                        "rejected");
    assert_int_equal(json_array_size(json_object_get(json_array_get(list, 1), "gates")), 1);
    json_decref(j);
    RUN(&r, 0, "promotions", "list");
    assert_non_null(strstr(r.out, name));
    cli_out_free(&r);

    /* Lineage: evaluation -> prompt_version, promoted_by / rejected_by. */
    snprintf(node, sizeof node, "prompt_version:%s/3", name);
    RUN(&r, 0, "lineage", "edges", node);
    assert_non_null(strstr(r.out, "promoted_by"));
    assert_non_null(strstr(r.out, evaluation));
    cli_out_free(&r);
    snprintf(node, sizeof node, "prompt_version:%s/2", name);
    RUN(&r, 0, "lineage", "edges", node);
    assert_non_null(strstr(r.out, "rejected_by"));
    cli_out_free(&r);

    /* The evidence must be an evaluation of the candidate: 400 naming "evaluation". */
    RUN(&r, 1, "prompts", "promote", name, "--version", "2", "--alias", "production", "--require",
        "exact_match>=0", "--evaluation", evaluation);
    assert_non_null(strstr(r.err, "did not evaluate"));
    cli_out_free(&r);
    RUN_OK(1, "prompts", "promote", name, "--version", "9", "--alias", "production", "--require",
           "exact_match>=0", "--evaluation", evaluation); /* no version 9: 404 */
    RUN_OK(2, "prompts", "promote", name, "--version", "2", "--alias", "production", "--require",
           "exact_match=>1");
    RUN_OK(2, "prompts", "promote", name, "--alias", "production", "--require", "exact_match>=1");
    j = promotions(name);
    assert_int_equal(json_array_size(json_object_get(j, "promotions")), 2); /* nothing recorded */
    json_decref(j);
}

static void model_promotion(const char *p)
{
    cli_out_t r;
    char name[128], ds[128], file[512], yaml[512], serving[200], ref[200];
    named(p, "bot", name, sizeof name);
    named(p, "mq", ds, sizeof ds);
    write_file("mq.jsonl", "{\"input\":\"x\",\"expected\":\"good\"}\n"
                           "{\"input\":\"y\",\"expected\":\"good\"}\n");
    RUN_OK(0, "datasets", "import", ds, work_path("mq.jsonl", file, sizeof file), "--format",
           "jsonl");
    RUN_OK(0, "models", "create", name);
    const char *answers[] = {"good", "bad", "good"};
    char base_url[128];
    snprintf(base_url, sizeof base_url, "%s/v1", fake.url);
    for (int v = 0; v < 3; v++) {
        snprintf(serving, sizeof serving, "fake?answer=%s", answers[v]);
        RUN_OK(0, "models", "version-create", name, "--source", "s3://m", "--serving-provider",
               "openai", "--serving-model", serving, "--serving-base-url", base_url);
    }
    for (int v = 1; v <= 3; v++) {
        snprintf(ref, sizeof ref, "%s/%d", name, v);
        wait_model(ref);
    }
    snprintf(yaml, sizeof yaml, "dataset: %s@latest\nscorers: [exact_match]\n", ds);
    write_file("model.yaml", yaml);
    work_path("model.yaml", file, sizeof file);

    /* The alias is unset: no baseline, absolute gates decide. */
    RUN(&r, 0, "models", "promote", name, "--version", "1", "--alias", "production", "--require",
        "exact_match>=1", "-f", file);
    assert_non_null(strstr(r.out, "PROMOTED"));
    assert_non_null(strstr(r.out, "was unset"));
    cli_out_free(&r);
    /* A relative gate: version 2 answers "bad"; the baseline is version 1's evaluation (found
     * through lineage, not run again). */
    RUN(&r, 1, "models", "promote", name, "--version", "2", "--alias", "production", "--require",
        "exact_match>=baseline", "-f", file, "--json");
    json_t *j = parse_out(&r);
    json_t *promo = json_object_get(j, "promotion");
    assert_string_equal(json_string_value(json_object_get(promo, "decision")), "rejected");
    assert_int_equal(json_integer_value(json_object_get(promo, "previous_version")), 1);
    char v1_eval[64];
    snprintf(v1_eval, sizeof v1_eval, "%s",
             json_string_value(json_object_get(promo, "baseline_evaluation")));
    json_decref(j);
    cli_out_free(&r);
    /* Version 3 with an evaluation run beforehand, named with --evaluation. */
    snprintf(ref, sizeof ref, "%s/3", name);
    snprintf(yaml, sizeof yaml, "%s@latest", ds);
    RUN(&r, 0, "eval", "run", "--dataset", yaml, "--model", ref, "--scorer", "exact_match",
        "--output", "json", "--quiet");
    j = parse_out(&r);
    char v3_eval[64];
    snprintf(v3_eval, sizeof v3_eval, "%s",
             json_string_value(json_object_get(single_eval(j), "id")));
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, "models", "promote", name, "--version", "3", "--alias", "production", "--require",
        "exact_match>=baseline", "--evaluation", v3_eval, "--baseline", v1_eval, "--json");
    j = parse_out(&r);
    promo = json_object_get(j, "promotion");
    assert_string_equal(json_string_value(json_object_get(promo, "evaluation")), v3_eval);
    assert_string_equal(json_string_value(json_object_get(promo, "baseline_evaluation")), v1_eval);
    json_decref(j);
    cli_out_free(&r);
    RUN(&r, 0, "models", "alias", "get", name, "production");
    assert_non_null(strstr(r.out, "\"version\": 3"));
    cli_out_free(&r);
    j = promotions(name);
    assert_int_equal(json_array_size(json_object_get(j, "promotions")), 3);
    json_decref(j);
}

static void scenario(const char *p)
{
    setup_data(p);
    gates_and_outputs(p);
    ci_job_and_compare(p);
    prompt_promotion(p);
    model_promotion(p);
}

static void in_process(void **state)
{
    (void)state;
    remote = 0;
    scenario("l");
}

static void against_server(void **state)
{
    (void)state;
    remote = 1;
    scenario("r");
}

static void help_and_usage(void **state)
{
    (void)state;
    remote = 1;
    cli_out_t r;
    RUN(&r, 0, "eval", "run", "--help");
    assert_non_null(strstr(r.out, "--gate"));
    cli_out_free(&r);
    RUN_OK(0, "models", "promote", "--help");
    RUN_OK(2, "eval", "run", "--dataset", "x@latest", "--endpoint", "e", "--scorer", "exact_match",
           "--output", "xml");
    RUN_OK(2, "eval", "compare", "only-one");
    RUN_OK(2, "models", "promote", "m", "--version", "1", "--alias", "production", "--require",
           "exact_match>=1", "--model", "x", "--dataset", "d@latest", "--scorer", "exact_match");
}

static int setup(void **state)
{
    (void)state;
    snprintf(work_dir, sizeof work_dir, "/tmp/llmops-evalcli-XXXXXX");
    assert_non_null(mkdtemp(work_dir));
    fake_start(&fake);
    harness_start(&server, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(harness_stop(&server), 0);
    fake_stop(&fake);
    harness_rmdir(work_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_process),
        cmocka_unit_test(against_server),
        cmocka_unit_test(help_and_usage),
    };
    return cmocka_run_group_tests_name("eval cli", tests, setup, teardown);
}
