/* test_eval_api.c - evaluations over real HTTP (docs/eval-api.md): a server with endpoints in
 * front of the fake provider, a small imported dataset, and evaluations run, read, paged,
 * rerun from the eval cache, cancelled and resumed, compared, gated, and refused for bad input
 * with nothing created. Runs on SQLite and on PostgreSQL (tests/run.sh). */
#include "integration/api_testutil.h"
#include "integration/fake_provider.h"

#include <math.h>

static fake_provider_t fake;
static char fake_base[96];

static int setup(void **state)
{
    fake_start(&fake);
    snprintf(fake_base, sizeof fake_base, "%s/v1", fake.url);
    return setup_server(state);
}

static int teardown(void **state)
{
    fake_stop(&fake);
    return teardown_server(state);
}

/* An endpoint NAME in front of the fake with upstream model MODEL (fake directives). The
 * gateway's own retries are off, so the runner's retries are the ones tested. */
static void endpoint(const char *name, const char *model)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
             "\"model\":\"%s\",\"max_retries\":0}]}",
             name, fake_base, model);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
}

static void dataset(const char *name, const char *jsonl)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/datasets/%s/versions", name);
    const char *headers[] = {"Content-Type: application/x-ndjson", NULL};
    test_response_t res;
    assert_int_equal(harness_request(server.url, "POST", path, headers, jsonl, &res), 0);
    if (res.status != 201 && res.status != 200)
        fail_msg("import %s: %ld %s", name, res.status, res.body);
    harness_response_free(&res);
}

/* Six questions; the fake answers "echo: <input>", so rows 1 and 4 (whose expected differs)
 * fail exact_match. */
static const char QA[] = "{\"input\":\"a\",\"expected\":\"echo: a\"}\n"
                         "{\"input\":\"b\",\"expected\":\"nope\"}\n"
                         "{\"input\":\"c\",\"expected\":\"echo: c\"}\n"
                         "{\"input\":\"d\",\"expected\":\"echo: d\"}\n"
                         "{\"input\":\"e\",\"expected\":\"wrong\"}\n"
                         "{\"input\":\"f\",\"expected\":\"echo: f\"}\n";

static json_t *get_eval(const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/evaluations/%s", id);
    json_t *reply = api_expect("GET", path, NULL, 200);
    json_t *e = json_incref(json_object_get(reply, "evaluation"));
    json_decref(reply);
    return e;
}

/* Poll until the evaluation is no longer queued/running (no timing assertion: 60 s cap). */
static json_t *until_ended(const char *id)
{
    for (int i = 0; i < 1200; i++) {
        json_t *e = get_eval(id);
        const char *st = jstr(e, "status");
        if (strcmp(st, "queued") && strcmp(st, "running"))
            return e;
        json_decref(e);
        harness_sleep_ms(50);
    }
    fail_msg("evaluation %s never ended", id);
    return NULL;
}

static json_t *start(const char *body, long status)
{
    json_t *reply = api_expect("POST", "/api/v1/evaluations", body, status);
    json_t *e = json_incref(json_object_get(reply, "evaluation"));
    json_decref(reply);
    assert_non_null(e);
    return e;
}

static json_t *rows_of(const char *id, const char *query)
{
    char path[1024];
    snprintf(path, sizeof path, "/api/v1/evaluations/%s/rows%s", id, query);
    return api_expect("GET", path, NULL, 200);
}

static double metric(const json_t *e, const char *name, const char *part)
{
    json_t *m = json_object_get(json_object_get(e, "metrics"), name);
    if (part)
        m = json_object_get(m, part);
    if (!json_is_number(m))
        fail_msg("metric %s.%s missing", name, part ? part : "");
    return json_number_value(m);
}

/* The trace of a row, once the writer flushed it. */
static json_t *trace(const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/traces/%s", id);
    for (int i = 0; i < 200; i++) {
        test_response_t t;
        api_call("GET", path, NULL, &t);
        if (t.status == 200) {
            json_t *tr = json_incref(t.json);
            harness_response_free(&t);
            return tr;
        }
        harness_response_free(&t);
        harness_sleep_ms(50);
    }
    fail_msg("trace %s never arrived", id);
    return NULL;
}

static void test_run_rows_traces_cost_and_cache(void **state)
{
    (void)state;
    endpoint("echo", "fake");
    json_decref(api_expect("PUT", "/api/v1/prices",
                           "{\"provider\":\"openai\",\"model\":\"fake\",\"input_per_mtok\":1000000,"
                           "\"output_per_mtok\":2000000}",
                           200));
    dataset("qa", QA);
    long calls_before = fake_model_count(&fake, "fake");
    json_t *e = start("{\"dataset\":\"qa@latest\",\"target\":{\"endpoint\":\"echo\"},"
                      "\"scorers\":[{\"type\":\"exact_match\"},{\"type\":\"contains\","
                      "\"value\":\"echo\",\"name\":\"has_echo\"}],\"name\":\"first\","
                      "\"concurrency\":3,\"wait\":true}",
                      200);
    assert_string_equal(jstr(e, "status"), "finished");
    assert_string_equal(jstr(e, "dataset"), "qa/1");
    assert_string_equal(jstr(e, "name"), "first");
    assert_int_equal(jint(e, "total"), 6);
    assert_int_equal(jint(e, "done"), 6);
    assert_int_equal(jint(e, "errors"), 0);
    assert_int_equal(jint(e, "cached"), 0);
    assert_true(fabs(metric(e, "exact_match", "mean") - 4.0 / 6) < 1e-9);
    assert_true(fabs(metric(e, "exact_match", "pass_rate") - 4.0 / 6) < 1e-9);
    assert_true(metric(e, "exact_match", "ci_low") <= metric(e, "exact_match", "mean"));
    assert_true(fabs(metric(e, "has_echo", "mean") - 1.0) < 1e-9);
    assert_true(fabs(metric(e, "pass_rate", NULL) - 4.0 / 6) < 1e-9);
    assert_true(fabs(metric(e, "error_rate", NULL)) < 1e-12);
    /* The fake counts 1 input token and 3 output tokens ("echo: x"): 1*1 + 3*2 = 7 USD a row. */
    assert_true(metric(e, "cost_total", NULL) > 0);
    assert_true(fabs(metric(e, "cost", NULL) * 6 - metric(e, "cost_total", NULL)) < 1e-9);
    assert_int_equal((long)metric(e, "rows", NULL), 6);
    assert_int_equal(fake_model_count(&fake, "fake") - calls_before, 6);
    char id[33];
    snprintf(id, sizeof id, "%s", jstr(e, "id"));
    json_decref(e);

    /* Rows, paged by two, in index order, with their trace. */
    json_t *page = rows_of(id, "?limit=4");
    json_t *rows = json_object_get(page, "rows");
    assert_int_equal(json_array_size(rows), 4);
    json_t *r1 = json_array_get(rows, 1);
    assert_int_equal(jint(r1, "index"), 1);
    assert_string_equal(jstr(r1, "input"), "b");
    assert_string_equal(jstr(r1, "output"), "echo: b");
    assert_string_equal(jstr(r1, "expected"), "nope");
    assert_false(json_is_true(
        json_object_get(json_object_get(json_object_get(r1, "scores"), "exact_match"), "pass")));
    assert_false(json_is_true(json_object_get(r1, "cached")));
    assert_true(json_number_value(json_object_get(r1, "cost_usd")) > 0);
    char trace_id[33];
    snprintf(trace_id, sizeof trace_id, "%s", jstr(r1, "trace_id"));
    assert_int_equal(strlen(trace_id), 32);
    char q[512];
    snprintf(q, sizeof q, "?limit=4&page_token=%s", jstr(page, "next_page_token"));
    json_decref(page);
    page = rows_of(id, q);
    assert_int_equal(json_array_size(json_object_get(page, "rows")), 2);
    assert_int_equal(jint(json_array_get(json_object_get(page, "rows"), 0), "index"), 4);
    assert_null(json_object_get(page, "next_page_token"));
    json_decref(page);
    page = rows_of(id, "?failed=true");
    assert_int_equal(json_array_size(json_object_get(page, "rows")), 2);
    json_decref(page);

    /* The call's trace: source eval, session = the run. */
    json_t *tr = trace(trace_id);
    const char *src = jstr(tr, "source");
    if (!src)
        src = jstr(json_object_get(tr, "trace"), "source");
    assert_non_null(src);
    assert_string_equal(src, "eval");
    const char *session = jstr(tr, "session_id");
    if (!session)
        session = jstr(json_object_get(tr, "trace"), "session_id");
    assert_string_equal(session, id);
    json_decref(tr);

    /* The tracking run: metrics, params, tags. */
    char path[256];
    snprintf(path, sizeof path, "/runs/get?run_id=%s", id);
    json_t *run = mlflow_ok("GET", path, NULL);
    json_t *data = json_object_get(json_object_get(run, "run"), "data");
    int seen_metric = 0, seen_param = 0, seen_tag = 0;
    size_t i;
    json_t *kv;
    json_array_foreach(json_object_get(data, "metrics"), i, kv)
    {
        if (!strcmp(jstr(kv, "key"), "exact_match.pass_rate"))
            seen_metric = 1;
    }
    json_array_foreach(json_object_get(data, "params"), i, kv)
    {
        if (!strcmp(jstr(kv, "key"), "eval.dataset") && !strcmp(jstr(kv, "value"), "qa/1"))
            seen_param = 1;
    }
    json_array_foreach(json_object_get(data, "tags"), i, kv)
    {
        if (!strcmp(jstr(kv, "key"), "llmops.eval.status") &&
            !strcmp(jstr(kv, "value"), "finished"))
            seen_tag = 1;
    }
    assert_true(seen_metric && seen_param && seen_tag);
    json_decref(run);

    /* Lineage: dataset version -> run. */
    json_t *edges = api_expect(
        "GET", "/api/v1/lineage/edges?type=dataset&id=qa/1&direction=downstream", NULL, 200);
    assert_true(json_array_size(json_object_get(edges, "edges")) >= 1);
    json_decref(edges);

    /* A rerun is served from the eval cache: no model call, no cost. */
    long calls = fake_model_count(&fake, "fake");
    e = start("{\"dataset\":\"qa\",\"target\":{\"endpoint\":\"echo\"},"
              "\"scorers\":[{\"type\":\"exact_match\"}],\"wait\":true}",
              200);
    assert_string_equal(jstr(e, "status"), "finished");
    assert_int_equal(jint(e, "cached"), 6);
    assert_true(fabs(metric(e, "cost_total", NULL)) < 1e-12);
    assert_true(fabs(metric(e, "exact_match", "mean") - 4.0 / 6) < 1e-9);
    assert_int_equal(fake_model_count(&fake, "fake"), calls);
    json_decref(e);
    /* "cache": false calls again. */
    e = start("{\"dataset\":\"qa\",\"limit\":2,\"target\":{\"endpoint\":\"echo\"},"
              "\"scorers\":[{\"type\":\"exact_match\"}],\"cache\":false,\"wait\":true}",
              200);
    assert_int_equal(jint(e, "total"), 2);
    assert_int_equal(jint(e, "cached"), 0);
    assert_int_equal(fake_model_count(&fake, "fake"), calls + 2);
    json_decref(e);

    /* The list, newest first, filtered by dataset. */
    json_t *list = api_expect("GET", "/api/v1/evaluations?dataset=qa&limit=2", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "evaluations")), 2);
    assert_non_null(jstr(list, "next_page_token"));
    json_decref(list);
}

static void test_prompt_target_and_retries(void **state)
{
    (void)state;
    /* The first call to this upstream model answers 503: the runner retries the row. */
    endpoint("flaky", "fake?fail_times=1&fail_status=503");
    dataset("greet", "{\"who\":\"ann\",\"expected\":\"echo: Hello ann\"}\n"
                     "{\"who\":\"bob\",\"expected\":\"echo: Hello bob\"}\n");
    json_decref(api_expect("POST", "/api/v1/prompts",
                           "{\"name\":\"hello\",\"template\":\"Hello {{ who }}\"}", 201));
    json_t *e = start("{\"dataset\":\"greet\",\"target\":{\"prompt\":\"hello\",\"model\":\"flaky\","
                      "\"params\":{\"temperature\":0}},\"scorers\":[{\"type\":\"exact_match\"}],"
                      "\"concurrency\":1,\"max_retries\":2,\"cache\":false,\"wait\":true}",
                      200);
    assert_string_equal(jstr(e, "status"), "finished");
    assert_int_equal(jint(e, "errors"), 0);
    assert_true(fabs(metric(e, "exact_match", "mean") - 1.0) < 1e-9);
    json_decref(e);
    /* Without retries the failure is the row's error. */
    endpoint("flaky2", "fake?fail_times=1&fail_status=503&x=2");
    e = start(
        "{\"dataset\":\"greet\",\"target\":{\"prompt\":\"hello@latest\",\"model\":\"flaky2\"},"
        "\"scorers\":[{\"type\":\"exact_match\"}],\"concurrency\":1,\"max_retries\":0,"
        "\"cache\":false,\"wait\":true}",
        200);
    assert_int_equal(jint(e, "errors"), 1);
    assert_true(fabs(metric(e, "error_rate", NULL) - 0.5) < 1e-9);
    char id[33];
    snprintf(id, sizeof id, "%s", jstr(e, "id"));
    json_decref(e);
    json_t *page = rows_of(id, "?failed=true");
    json_t *row = json_array_get(json_object_get(page, "rows"), 0);
    assert_int_equal(jint(row, "index"), 0);
    assert_non_null(strstr(jstr(row, "error"), "503"));
    json_decref(page);
}

/* A judge scorer calls its model through the same in-process path: the fake judge answers
 * {"score": 0.75, "reason": "fine"} to every question, and its calls are traced in the
 * evaluation's session beside the target's. */
static void test_llm_judge_scorer(void **state)
{
    (void)state;
    /* The fake wraps answers to a response_format request in {"answer": ...}; the judge
     * endpoint asks for plain text so the judge's JSON arrives as the fake was told. */
    char body[1024];
    snprintf(
        body, sizeof body,
        "{\"name\":\"judge\",\"targets\":[{\"provider\":\"openai\",\"base_url\":\"%s\","
        "\"model\":\"fake?answer=%%7B%%22score%%22%%3A0.75%%2C%%22reason%%22%%3A%%22fine%%22%%7D\","
        "\"params\":{\"response_format\":{\"type\":\"text\"}}}]}",
        fake_base);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
    endpoint("echo2", "fake?x=judged");
    dataset("judged", "{\"input\":\"a\",\"expected\":\"echo: a\"}\n"
                      "{\"input\":\"b\",\"expected\":\"echo: b\"}\n");
    json_t *e = start("{\"dataset\":\"judged\",\"target\":{\"endpoint\":\"echo2\"},"
                      "\"scorers\":[{\"type\":\"exact_match\"},{\"type\":\"llm_judge\","
                      "\"rubric\":\"Is the answer polite?\",\"model\":\"judge\"}],"
                      "\"wait\":true}",
                      200);
    assert_string_equal(jstr(e, "status"), "finished");
    assert_int_equal(jint(e, "errors"), 0);
    assert_true(fabs(metric(e, "llm_judge", "mean") - 0.75) < 1e-9);
    assert_true(fabs(metric(e, "llm_judge", "pass_rate") - 1.0) < 1e-9);
    char id[33], path[256];
    snprintf(id, sizeof id, "%s", jstr(e, "id"));
    json_decref(e);
    json_t *page = rows_of(id, "");
    json_t *judged = json_object_get(
        json_object_get(json_array_get(json_object_get(page, "rows"), 0), "scores"), "llm_judge");
    assert_non_null(strstr(jstr(judged, "reason"), "fine"));
    json_decref(page);
    /* Two target calls and two judge calls, all in the evaluation's session. */
    snprintf(path, sizeof path, "/api/v1/traces?source=eval&session_id=%s", id);
    size_t n = 0;
    for (int i = 0; i < 200 && n < 4; i++) {
        json_t *list = api_expect("GET", path, NULL, 200);
        n = json_array_size(json_object_get(list, "traces"));
        json_decref(list);
        if (n < 4)
            harness_sleep_ms(50);
    }
    assert_int_equal(n, 4);

    /* Pairwise against that evaluation as the baseline: its outputs reach the scorer by row
     * index. The fake judge always says "A", i.e. it follows the position, which the
     * order-swapped pairwise scorer scores 0.5 on every row. */
    snprintf(body, sizeof body,
             "{\"name\":\"pairjudge\",\"targets\":[{\"provider\":\"openai\",\"base_url\":"
             "\"%s\",\"model\":\"fake?answer=%%7B%%22winner%%22%%3A%%22A%%22%%2C%%22reason%%22"
             "%%3A%%22first%%22%%7D\",\"params\":{\"response_format\":{\"type\":\"text\"}}}]}",
             fake_base);
    json_decref(api_expect("POST", "/api/v1/endpoints", body, 201));
    char spec[1024];
    snprintf(spec, sizeof spec,
             "{\"dataset\":\"judged\",\"target\":{\"endpoint\":\"echo2\"},\"baseline\":"
             "\"%s\",\"scorers\":[{\"type\":\"pairwise\",\"model\":\"pairjudge\"}],"
             "\"cache\":false,\"wait\":true}",
             id);
    e = start(spec, 200);
    assert_int_equal(jint(e, "errors"), 0);
    assert_true(fabs(metric(e, "pairwise", "mean") - 0.5) < 1e-9);
    json_decref(e);
    /* A pairwise scorer without a baseline is refused. */
    api_fails("POST", "/api/v1/evaluations",
              "{\"dataset\":\"judged\",\"target\":{\"endpoint\":\"echo2\"},\"scorers\":[{"
              "\"type\":\"pairwise\",\"model\":\"pairjudge\"}]}",
              400, "invalid_argument", "scorers[0]");
}

static void test_cancel_then_resume(void **state)
{
    (void)state;
    endpoint("slow", "fake?latency_ms=150");
    dataset("slowqa", QA);
    json_t *e = start("{\"dataset\":\"slowqa\",\"target\":{\"endpoint\":\"slow\"},"
                      "\"scorers\":[{\"type\":\"exact_match\"}],\"concurrency\":1,\"cache\":false}",
                      202);
    char id[33], path[128];
    snprintf(id, sizeof id, "%s", jstr(e, "id"));
    json_decref(e);
    /* Cancel once a row is done. */
    for (int i = 0; i < 1200; i++) {
        json_t *cur = get_eval(id);
        json_int_t done = jint(cur, "done");
        json_decref(cur);
        if (done >= 1)
            break;
        harness_sleep_ms(20);
    }
    snprintf(path, sizeof path, "/api/v1/evaluations/%s/cancel", id);
    json_decref(api_expect("POST", path, "", 200));
    e = until_ended(id);
    assert_string_equal(jstr(e, "status"), "interrupted");
    json_int_t done = jint(e, "done");
    assert_true(done >= 1 && done < 6);
    json_decref(e);
    /* Resume scores only the rest; every row ends with one result. */
    long before = fake_model_count(&fake, "fake?latency_ms=150");
    snprintf(path, sizeof path, "/api/v1/evaluations/%s/resume", id);
    json_decref(api_expect("POST", path, "", 202));
    e = until_ended(id);
    assert_string_equal(jstr(e, "status"), "finished");
    assert_int_equal(jint(e, "done"), 6);
    assert_int_equal(fake_model_count(&fake, "fake?latency_ms=150") - before, 6 - done);
    assert_true(fabs(metric(e, "exact_match", "mean") - 4.0 / 6) < 1e-9);
    json_decref(e);
    /* A finished evaluation has nothing to resume. */
    api_fails("POST", path, "", 409, "conflict", NULL);
    api_fails("POST", "/api/v1/evaluations/0123456789abcdef0123456789abcdef/resume", "", 404,
              "not_found", NULL);
}

static void test_compare_and_gates(void **state)
{
    (void)state;
    endpoint("good", "fake");
    endpoint("bad", "fake?answer=nothing");
    dataset("cmp", QA);
    json_t *a = start("{\"dataset\":\"cmp\",\"target\":{\"endpoint\":\"good\"},"
                      "\"scorers\":[{\"type\":\"exact_match\"}],\"wait\":true}",
                      200);
    char body[1024], ida[33], idb[33], path[256];
    snprintf(ida, sizeof ida, "%s", jstr(a, "id"));
    json_decref(a);
    snprintf(body, sizeof body,
             "{\"dataset\":\"cmp\",\"target\":{\"endpoint\":\"bad\"},"
             "\"scorers\":[{\"type\":\"exact_match\"}],\"baseline\":\"%s\","
             "\"gates\":\"exact_match>=baseline-0.1,error_rate<=0\",\"wait\":true}",
             ida);
    json_t *b = start(body, 200);
    snprintf(idb, sizeof idb, "%s", jstr(b, "id"));
    assert_string_equal(jstr(b, "baseline"), ida);
    assert_false(json_is_true(json_object_get(b, "gates_passed")));
    json_t *gates = json_object_get(b, "gates");
    assert_int_equal(json_array_size(gates), 2);
    assert_false(json_is_true(json_object_get(json_array_get(gates, 0), "passed")));
    assert_true(json_is_true(json_object_get(json_array_get(gates, 1), "passed")));
    json_decref(b);

    snprintf(path, sizeof path, "/api/v1/evaluations/compare?a=%s&b=%s", ida, idb);
    json_t *cmp = api_expect("GET", path, NULL, 200);
    assert_string_equal(jstr(cmp, "a"), ida);
    assert_string_equal(jstr(cmp, "b"), idb);
    assert_int_equal(jint(cmp, "rows_compared"), 6);
    json_t *em = json_object_get(json_object_get(cmp, "scorers"), "exact_match");
    assert_int_equal(jint(em, "losses"), 4);
    assert_int_equal(jint(em, "wins"), 0);
    assert_int_equal(jint(em, "ties"), 2);
    assert_int_equal(json_array_size(json_object_get(cmp, "regressions")), 4);
    json_decref(cmp);

    /* Another dataset version cannot be matched row by row. */
    dataset("cmp", "{\"input\":\"z\",\"expected\":\"echo: z\"}\n");
    json_t *c = start("{\"dataset\":\"cmp\",\"target\":{\"endpoint\":\"good\"},"
                      "\"scorers\":[{\"type\":\"exact_match\"}],\"wait\":true}",
                      200);
    snprintf(path, sizeof path, "/api/v1/evaluations/compare?a=%s&b=%s", ida, jstr(c, "id"));
    api_fails("GET", path, NULL, 400, "invalid_argument", "b");
    json_decref(c);
    snprintf(path, sizeof path, "/api/v1/evaluations/compare?a=%s", ida);
    api_fails("GET", path, NULL, 400, "invalid_argument", "b");
}

static json_int_t count_evaluations(void)
{
    json_t *list = api_expect("GET", "/api/v1/evaluations?limit=1000", NULL, 200);
    json_int_t n = (json_int_t)json_array_size(json_object_get(list, "evaluations"));
    json_decref(list);
    return n;
}

static void test_bad_input_creates_nothing(void **state)
{
    (void)state;
    endpoint("ok", "fake");
    dataset("bad", QA);
    json_int_t before = count_evaluations();
    static const struct {
        const char *body;
        long status;
        const char *field;
    } cases[] = {
        {"{\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":\"exact_match\"}]}", 400,
         "dataset"},
        {"{\"dataset\":\"bad\",\"scorers\":[{\"type\":\"exact_match\"}]}", 400, "target"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"}}", 400, "scorers"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[]}", 400, "scorers"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":\"nope\"}]}",
         400, "scorers[0].type"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"exact_match\"},{\"type\":\"exact_match\"}]}",
         400, "scorers[1]"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"cost\",\"max\":0.01}]}",
         400, "scorers[0]"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"exact_match\"}],\"concurrency\":0}",
         400, "concurrency"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"exact_match\"}],\"concurrency\":65}",
         400, "concurrency"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"exact_match\"}],\"gates\":\"exact_match>>1\"}",
         400, "gates"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"exact_match\"}],\"colour\":1}",
         400, "colour"},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\",\"model\":\"ok\"},\"scorers\":[{"
         "\"type\":\"exact_match\"}]}",
         400, "target"},
        {"{\"dataset\":\"bad\",\"split\":\"test\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{"
         "\"type\":\"exact_match\"}]}",
         400, "split"},
        {"{\"dataset\":\"nobody\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"exact_match\"}]}",
         404, NULL},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"nobody\"},\"scorers\":[{\"type\":"
         "\"exact_match\"}]}",
         404, NULL},
        {"{\"dataset\":\"bad\",\"target\":{\"prompt\":\"nobody\",\"model\":\"ok\"},\"scorers\":[{"
         "\"type\":\"exact_match\"}]}",
         404, NULL},
        {"{\"dataset\":\"bad\",\"target\":{\"endpoint\":\"ok\"},\"scorers\":[{\"type\":"
         "\"exact_match\"}],\"baseline\":\"0123456789abcdef0123456789abcdef\"}",
         404, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        api_fails("POST", "/api/v1/evaluations", cases[i].body, cases[i].status,
                  cases[i].status == 400 ? "invalid_argument" : "not_found", cases[i].field);
    assert_int_equal(count_evaluations(), before);
    api_fails("GET", "/api/v1/evaluations/0123456789abcdef0123456789abcdef", NULL, 404, "not_found",
              NULL);
    api_fails("GET", "/api/v1/evaluations?status=done", NULL, 400, "invalid_argument", "status");
    api_fails("GET", "/api/v1/evaluations?limit=0", NULL, 400, "invalid_argument", "limit");
}

/* The in-process CLI has no gateway: the evaluation service starts the runtime itself, so
 * `llmops api POST /api/v1/evaluations` on a data directory calls the model through the same
 * path, and its traces are written before the command exits. */
static void test_in_process_cli(void **state)
{
    (void)state;
    char dir[300], mode[700], out[65536];
    snprintf(dir, sizeof dir, "%s/cli-data", server.dir);
    if (harness_store())
        snprintf(mode, sizeof mode, "--data %s --store '%s' --log-level error", dir,
                 harness_store());
    else
        snprintf(mode, sizeof mode, "--data %s --log-level error", dir);
    const char *bin = harness_bin();
    assert_int_equal(run_cli(out, sizeof out,
                             "%s %s api POST /api/v1/endpoints --body "
                             "'{\"name\":\"cli-ep\",\"targets\":[{\"provider\":\"openai\","
                             "\"base_url\":\"%s\",\"model\":\"fake?x=cli\"}]}'",
                             bin, mode, fake_base),
                     0);
    char file[400];
    snprintf(file, sizeof file, "%s/cliqa.jsonl", server.dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fputs(QA, fp);
    fclose(fp);
    assert_int_equal(run_cli(out, sizeof out, "%s %s datasets import cliqa %s", bin, mode, file),
                     0);
    long before = fake_model_count(&fake, "fake?x=cli");
    int rc = run_cli(out, sizeof out,
                     "%s %s api POST /api/v1/evaluations --body '{\"dataset\":\"cliqa\","
                     "\"target\":{\"endpoint\":\"cli-ep\"},\"scorers\":[{\"type\":"
                     "\"exact_match\"}],\"wait\":true}'",
                     bin, mode);
    if (rc != 0)
        fail_msg("in-process evaluation: %s", out);
    json_t *reply = json_loads(out, 0, NULL);
    assert_non_null(reply);
    json_t *e = json_object_get(reply, "evaluation");
    assert_string_equal(jstr(e, "status"), "finished");
    assert_int_equal(jint(e, "done"), 6);
    assert_true(fabs(metric(e, "exact_match", "mean") - 4.0 / 6) < 1e-9);
    assert_int_equal(fake_model_count(&fake, "fake?x=cli") - before, 6);
    char path[200];
    snprintf(path, sizeof path, "'/api/v1/traces?source=eval&session_id=%s'", jstr(e, "id"));
    json_decref(reply);
    assert_int_equal(run_cli(out, sizeof out, "%s %s api GET %s", bin, mode, path), 0);
    reply = json_loads(out, 0, NULL);
    assert_non_null(reply);
    assert_int_equal(json_array_size(json_object_get(reply, "traces")), 6);
    json_decref(reply);
}

/* A server that requires API keys on its gateway still runs evaluations: their calls are
 * internal and carry none, while a client without a key is refused. */
static void test_require_key_server(void **state)
{
    (void)state;
    test_server_t group = server;
    const char *extra[] = {"--gateway-require-key", "true", NULL};
    harness_start(&server, extra);
    endpoint("keyed", "fake?x=keyed");
    dataset("keyqa", QA);
    test_response_t res;
    const char *headers[] = {"Content-Type: application/json", NULL};
    assert_int_equal(
        harness_request(
            server.url, "POST", "/v1/chat/completions", headers,
            "{\"model\":\"keyed\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &res),
        0);
    assert_int_equal(res.status, 401);
    harness_response_free(&res);
    json_t *e = start("{\"dataset\":\"keyqa\",\"target\":{\"endpoint\":\"keyed\"},"
                      "\"scorers\":[{\"type\":\"exact_match\"}],\"wait\":true}",
                      200);
    assert_string_equal(jstr(e, "status"), "finished");
    assert_int_equal(jint(e, "errors"), 0);
    assert_int_equal(jint(e, "done"), 6);
    json_decref(e);
    assert_int_equal(harness_stop(&server), 0);
    server = group;
}

/* A server killed with -9 mid-evaluation: the rows already scored are kept, the evaluation
 * reads as interrupted after the restart, and resume scores only the rest. Runs last: it
 * replaces the group's server with a new one on the same data directory. */
static void test_kill_9_then_resume(void **state)
{
    (void)state;
    endpoint("slow9", "fake?latency_ms=100&x=9");
    dataset("killqa", QA);
    json_t *e = start("{\"dataset\":\"killqa\",\"target\":{\"endpoint\":\"slow9\"},"
                      "\"scorers\":[{\"type\":\"exact_match\"}],\"concurrency\":1,"
                      "\"cache\":false}",
                      202);
    char id[33], path[128];
    snprintf(id, sizeof id, "%s", jstr(e, "id"));
    json_decref(e);
    json_int_t done = 0;
    for (int i = 0; i < 1200 && done < 2; i++) {
        json_t *cur = get_eval(id);
        done = jint(cur, "done");
        json_decref(cur);
        harness_sleep_ms(20);
    }
    assert_true(done >= 2);
    kill(server.pid, SIGKILL);
    waitpid(server.pid, NULL, 0);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", server.dir);
    harness_start_in(&server, dir, NULL);
    e = get_eval(id);
    assert_string_equal(jstr(e, "status"), "interrupted");
    done = jint(e, "done");
    assert_true(done >= 2 && done < 6);
    json_decref(e);
    snprintf(path, sizeof path, "/api/v1/evaluations/%s/resume", id);
    json_decref(api_expect("POST", path, "", 202));
    e = until_ended(id);
    assert_string_equal(jstr(e, "status"), "finished");
    assert_int_equal(jint(e, "done"), 6);
    assert_int_equal(jint(e, "total"), 6);
    json_decref(e);
    json_t *page = rows_of(id, "");
    assert_int_equal(json_array_size(json_object_get(page, "rows")), 6);
    json_decref(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_rows_traces_cost_and_cache),
        cmocka_unit_test(test_prompt_target_and_retries),
        cmocka_unit_test(test_llm_judge_scorer),
        cmocka_unit_test(test_cancel_then_resume),
        cmocka_unit_test(test_compare_and_gates),
        cmocka_unit_test(test_bad_input_creates_nothing),
        cmocka_unit_test(test_in_process_cli),
        cmocka_unit_test(test_require_key_server),
        cmocka_unit_test(test_kill_9_then_resume),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
