/* test_eval_cli_spec.c - what `llmops eval run` makes of its flags and YAML file before anything
 * is sent (cli/eval_spec.h): the compact scorer syntax and its JSON form, the plan built from a
 * YAML file with flags laid over it (targets, baseline, gates from gates: and thresholds:),
 * and the errors that name what is wrong; plus the XML escaping of the JUnit report. */
#include "unit/testutil.h"

#include <stdio.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/yaml_json.h"
#include "cli/eval_report.h"
#include "cli/eval_spec.h"

static json_t *scorer(const char *arg)
{
    err_t err;
    json_t *s = eval_scorer_parse(arg, &err);
    if (!s)
        fail_msg("%s: %s", arg, err.message);
    return s;
}

static void scorer_expect(const char *arg, const char *json)
{
    json_t *got = scorer(arg), *want = json_loads(json, 0, NULL);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s -> %s, expected %s", arg, text, json);
    }
    json_decref(got);
    json_decref(want);
}

static void scorer_compact_syntax(void **state)
{
    (void)state;
    scorer_expect("exact_match", "{\"type\":\"exact_match\"}");
    scorer_expect("regex:pattern=^\\d+$", "{\"type\":\"regex\",\"pattern\":\"^\\\\d+$\"}");
    /* a comma not followed by KEY= stays in the value */
    scorer_expect("regex:pattern=^\\d{1,3}$,name=digits",
                  "{\"type\":\"regex\",\"pattern\":\"^\\\\d{1,3}$\",\"name\":\"digits\"}");
    scorer_expect("icontains:value=42,threshold=0.5,case=true",
                  "{\"type\":\"icontains\",\"value\":\"42\",\"threshold\":0.5,\"case\":true}");
    scorer_expect("llm_judge:rubric=Is it polite, kind?,model=judge,threshold=1",
                  "{\"type\":\"llm_judge\",\"rubric\":\"Is it polite, kind?\",\"model\":\"judge\","
                  "\"threshold\":1}");
    scorer_expect("contains_all:values=[\"a\",\"b\"]",
                  "{\"type\":\"contains_all\",\"values\":[\"a\",\"b\"]}");
    scorer_expect(" {\"type\": \"regex\", \"pattern\": \"a,b=c\"}",
                  "{\"type\":\"regex\",\"pattern\":\"a,b=c\"}");
    scorer_expect("exact_match:", "{\"type\":\"exact_match\"}");
    const char *bad[] = {
        "", ":x=1", "exact match", "regex:=1", "regex:pattern", "{\"pattern\":1}", "{nope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err;
        json_t *s = eval_scorer_parse(bad[i], &err);
        if (s)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, "scorer");
    }
}

static char yaml_path[64];

static void write_yaml(const char *text)
{
    FILE *f = fopen(yaml_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void plan_from_yaml_with_flags_over_it(void **state)
{
    (void)state;
    write_yaml("dataset: qa@latest\n"
               "split: test\n"
               "limit: 50\n"
               "targets:\n"
               "  - {endpoint: prod}\n"
               "  - endpoint: canary\n"
               "    params: {temperature: 0}\n"
               "scorers:\n"
               "  - exact_match\n"
               "  - \"regex:pattern=^\\\\d+$\"\n"
               "  - {type: icontains, value: paris}\n"
               "gates: [\"exact_match>=baseline\", \"cost<=0.02\"]\n"
               "thresholds: {regex: 0.5, latency_p95: {max: 800}}\n"
               "concurrency: 4\n");
    eval_flags_t flags = {.file = yaml_path, .limit = "10", .name = "nightly"};
    eval_plan_t plan;
    err_t err;
    if (eval_plan_build(&flags, &plan, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(json_array_size(plan.bodies), 2);
    assert_int_equal(plan.baseline_index, 0);
    assert_null(plan.baseline_run);
    assert_string_equal(plan.gates, "exact_match>=baseline,cost<=0.02,regex>=0.5,latency_p95<=800");
    json_t *b1 = json_array_get(plan.bodies, 1);
    assert_string_equal(json_string_value(json_object_get(b1, "dataset")), "qa@latest");
    assert_string_equal(json_string_value(json_object_get(b1, "split")), "test");
    assert_int_equal(json_integer_value(json_object_get(b1, "limit")), 10); /* the flag won */
    assert_int_equal(json_integer_value(json_object_get(b1, "concurrency")), 4);
    assert_string_equal(json_string_value(json_object_get(b1, "name")), "nightly");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(b1, "target"), "endpoint")), "canary");
    assert_int_equal(json_array_size(json_object_get(b1, "scorers")), 3);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(b1, "scorers"), 1), "pattern")),
                        "^\\d+$");
    assert_string_equal(json_string_value(json_object_get(b1, "gates")), plan.gates);
    eval_plan_free(&plan);

    /* Flags replace the file's targets, scorers and gates; --baseline names a run. */
    eval_flags_t over = {.file = yaml_path,
                         .prompt = "greet@candidate",
                         .model = "gpt",
                         .scorers = {"exact_match"},
                         .nscorers = 1,
                         .gates = "exact_match>=0.8",
                         .baseline = "RUN1",
                         .no_cache = 1};
    if (eval_plan_build(&over, &plan, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(json_array_size(plan.bodies), 1);
    assert_int_equal(plan.baseline_index, -1);
    assert_string_equal(plan.baseline_run, "RUN1");
    assert_string_equal(plan.gates, "exact_match>=0.8");
    json_t *b = json_array_get(plan.bodies, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(b, "target"), "prompt")),
                        "greet@candidate");
    assert_string_equal(json_string_value(json_object_get(b, "baseline")), "RUN1");
    assert_true(json_is_false(json_object_get(b, "cache")));
    assert_int_equal(json_array_size(json_object_get(b, "scorers")), 1);
    eval_plan_free(&plan);

    /* baseline: an index into the targets. */
    write_yaml("dataset: qa\ntargets: [{endpoint: a}, {endpoint: b}, {endpoint: c}]\n"
               "baseline: 2\nscorers: [exact_match]\n");
    eval_flags_t plain = {.file = yaml_path};
    assert_int_equal(eval_plan_build(&plain, &plan, &err), 0);
    assert_int_equal(plan.baseline_index, 2);
    assert_string_equal(plan.gates, "");
    eval_plan_free(&plan);
}

static void plan_errors_name_the_problem(void **state)
{
    (void)state;
    struct {
        const char *yaml;
        const char *field;
    } cases[] = {
        {"dataset: qa\ntarget: {endpoint: a}\nscorer: [exact_match]\n", "scorer"},
        {"target: {endpoint: a}\nscorers: [exact_match]\n", "dataset"},
        {"dataset: qa\nscorers: [exact_match]\n", "target"},
        {"dataset: qa\ntarget: {endpoint: a}\n", "scorers"},
        {"dataset: qa\ntarget: {endpoint: a}\ntargets: [{endpoint: b}]\nscorers: [x]\n", "targets"},
        {"dataset: qa\ntarget: {endpoint: a}\nscorers: [3]\n", "scorers"},
        {"dataset: qa\ntarget: {endpoint: a}\nscorers: [x]\ngates: {a: 1}\n", "gates"},
        {"dataset: qa\ntarget: {endpoint: a}\nscorers: [x]\nthresholds: {a: x}\n", "thresholds"},
        {"dataset: qa\ntargets: [{endpoint: a}]\nscorers: [x]\nbaseline: 3\n", "baseline"},
        {"dataset: [unclosed\n", "file"},
        {"- a\n- b\n", "file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_yaml(cases[i].yaml);
        eval_flags_t flags = {.file = yaml_path};
        eval_plan_t plan;
        err_t err;
        if (eval_plan_build(&flags, &plan, &err) == 0)
            fail_msg("case %zu was accepted", i);
        if (strcmp(err.field, cases[i].field) != 0)
            fail_msg("case %zu: field %s (%s), expected %s", i, err.field, err.message,
                     cases[i].field);
    }
    eval_flags_t flags = {
        .dataset = "qa", .endpoint = "a", .model = "m", .nscorers = 1, .scorers = {"exact_match"}};
    eval_plan_t plan;
    err_t err;
    assert_int_equal(eval_plan_build(&flags, &plan, &err), -1);
    assert_string_equal(err.field, "target");
    eval_flags_t bad_limit = {
        .dataset = "qa", .endpoint = "a", .limit = "0", .nscorers = 1, .scorers = {"exact_match"}};
    assert_int_equal(eval_plan_build(&bad_limit, &plan, &err), -1);
    assert_string_equal(err.field, "limit");
    eval_flags_t both = {.dataset = "qa",
                         .endpoint = "a",
                         .target = "{\"endpoint\":\"b\"}",
                         .nscorers = 1,
                         .scorers = {"exact_match"}};
    assert_int_equal(eval_plan_build(&both, &plan, &err), -1);
    assert_string_equal(err.field, "target");
    eval_flags_t prompt_alone = {
        .dataset = "qa", .prompt = "p@1", .nscorers = 1, .scorers = {"exact_match"}};
    assert_int_equal(eval_plan_build(&prompt_alone, &plan, &err), -1);
    assert_string_equal(err.field, "target");
}

static void yaml_scalars(void **state)
{
    (void)state;
    const char *text = "a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: [x, \"y\"]\n";
    err_t err;
    json_t *v = yaml_to_json("t", text, strlen(text), &err);
    assert_non_null(v);
    json_t *want = json_loads("{\"a\":1,\"b\":1.5,\"c\":true,\"d\":null,\"e\":\"1\",\"f\":[\"x\","
                              "\"y\"]}",
                              0, NULL);
    assert_true(json_equal(v, want));
    json_decref(v);
    json_decref(want);
    v = yaml_to_json("t", "", 0, &err);
    assert_true(json_is_null(v));
    json_decref(v);
}

static void xml_escaping(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    eval_xml_escape(&b, "a<b>&\"c'\n\td\x01\x7f\xef\xbf\xbe\xc3\xa9");
    assert_string_equal(buf_str(&b), "a&lt;b&gt;&amp;&quot;c&apos;&#10;&#9;d???\xc3\xa9");
    buf_free(&b);
}

int main(void)
{
    snprintf(yaml_path, sizeof yaml_path, "/tmp/llmops-evalspec-%d.yaml", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scorer_compact_syntax),
        cmocka_unit_test(plan_from_yaml_with_flags_over_it),
        cmocka_unit_test(plan_errors_name_the_problem),
        cmocka_unit_test(yaml_scalars),
        cmocka_unit_test(xml_escaping),
    };
    int failed = cmocka_run_group_tests_name("eval cli spec", tests, NULL, NULL);
    unlink(yaml_path);
    return failed;
}
