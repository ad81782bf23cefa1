/* test_eval_runner.c - unit tests for the evaluation runner's pieces that need no model: the
 * eval cache key and table, the evaluations / eval_rows storage, target resolution and request
 * building, and the metrics summary. The store tests run on SQLite and, when
 * LLMOPS_TEST_PG_URL is set, on PostgreSQL (store_testutil.h). */
#include "unit/store_testutil.h"

#include <math.h>

#include "eval/eval_cache.h"
#include "eval/eval_store.h"
#include "eval/summary.h"
#include "eval/target.h"
#include "gateway/gateway_config.h"
#include "prompts/prompts.h"

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM eval_rows");
    test_store_exec(f->store, "DELETE FROM evaluations");
    test_store_exec(f->store, "DELETE FROM eval_cache");
    return 0;
}

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, e.text);
    return v;
}

/* ---- cache key (no store) ------------------------------------------------------------------ */

static void cache_key_is_canonical(void **state)
{
    (void)state;
    json_t *a = J("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                  "\"temperature\":0.7}");
    json_t *b = J("{\"temperature\":0.7,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],"
                  "\"model\":\"m\"}");
    json_t *c = J("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi!\"}],"
                  "\"temperature\":0.7}");
    json_t *t1 = J("{\"kind\":\"endpoint\",\"model\":\"m\",\"targets\":[{\"model\":\"x\"}]}");
    json_t *t2 = J("{\"kind\":\"endpoint\",\"model\":\"m\",\"targets\":[{\"model\":\"y\"}]}");
    char ka[65], kb[65], kc[65], kt[65];
    eval_cache_key(a, t1, ka);
    eval_cache_key(b, t1, kb);
    eval_cache_key(c, t1, kc);
    eval_cache_key(a, t2, kt);
    assert_int_equal(strlen(ka), 64);
    assert_int_equal(strspn(ka, "0123456789abcdef"), 64);
    assert_string_equal(ka, kb); /* key order does not matter */
    assert_string_not_equal(ka, kc);
    assert_string_not_equal(ka, kt); /* a changed endpoint is another key */
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(t1);
    json_decref(t2);
}

/* ---- cache table --------------------------------------------------------------------------- */

static void cache_get_put(void **state)
{
    fixture_t *f = *state;
    err_t err;
    eval_cache_entry_t e;
    assert_int_equal(eval_cache_get(f->store, "k1", &e, &err), 0);
    json_t *resp = J("{\"choices\":[{\"message\":{\"content\":\"first\"}}]}");
    eval_cache_entry_t in = {
        .response = resp, .input_tokens = 3, .output_tokens = 4, .cost_usd = 0.5};
    assert_int_equal(eval_cache_put(f->store, "k1", &in, &err), 0);
    json_t *other = J("{\"choices\":[{\"message\":{\"content\":\"second\"}}]}");
    in.response = other;
    assert_int_equal(eval_cache_put(f->store, "k1", &in, &err), 0); /* kept: first wins */
    assert_int_equal(eval_cache_get(f->store, "k1", &e, &err), 1);
    assert_true(json_equal(e.response, resp));
    assert_int_equal(e.input_tokens, 3);
    assert_int_equal(e.output_tokens, 4);
    assert_true(fabs(e.cost_usd - 0.5) < 1e-12);
    json_decref(e.response);
    json_decref(resp);
    json_decref(other);
}

/* ---- evaluations and rows ------------------------------------------------------------------ */

static void insert_eval(fixture_t *f, const char *id, const char *dataset, const char *name,
                        int64_t created)
{
    json_t *spec = J("{\"dataset\":\"x\"}");
    eval_record_t r = {.id = id,
                       .name = "n",
                       .status = "queued",
                       .dataset = dataset,
                       .dataset_name = name,
                       .spec = spec,
                       .total = 5,
                       .created_ms = created};
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    int rc = eval_store_insert(c, &r, &err);
    store_release(f->store, c);
    if (rc != 0)
        fail_msg("insert: %s", err.message);
    json_decref(spec);
}

static void put_row(fixture_t *f, const char *id, int64_t index, const char *error, int passed,
                    int cached)
{
    json_t *scores = J("{\"exact_match\":{\"value\":1,\"pass\":true,\"reason\":null}}");
    json_t *expected = J("[1,2]");
    eval_row_result_t r = {.index = index,
                           .input = "in",
                           .expected = expected,
                           .output = error ? NULL : "out",
                           .error = error,
                           .scores = scores,
                           .passed = passed,
                           .latency_ms = 12.5,
                           .cost_usd = 0.25,
                           .input_tokens = 10,
                           .output_tokens = 5,
                           .trace_id = "0123456789abcdef0123456789abcdef",
                           .cached = cached};
    err_t err;
    if (eval_store_put_row(f->store, id, &r, &err) != 0)
        fail_msg("put_row: %s", err.message);
    json_decref(scores);
    json_decref(expected);
}

static void store_eval_rows_and_paging(void **state)
{
    fixture_t *f = *state;
    err_t err;
    insert_eval(f, "e1", "qa/1", "qa", 1000);
    for (int64_t i = 4; i >= 0; i--)
        if (i != 2)
            put_row(f, "e1", i, i == 3 ? "boom" : NULL, i != 1 && i != 3, i == 0);
    put_row(f, "e1", 1, NULL, 0, 0); /* written again: replaced, not doubled */
    int64_t done, errors, cached;
    assert_int_equal(eval_store_counts(f->store, "e1", &done, &errors, &cached, &err), 0);
    assert_int_equal(done, 4);
    assert_int_equal(errors, 1);
    assert_int_equal(cached, 1);
    int64_t *idx;
    size_t n;
    assert_int_equal(eval_store_done_indexes(f->store, "e1", &idx, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 3);
    assert_int_equal(idx[3], 4);
    free(idx);

    json_t *rows = eval_store_rows(f->store, "e1", -1, 2, 0, &err);
    assert_int_equal(json_array_size(rows), 2);
    json_t *r0 = json_array_get(rows, 0);
    assert_int_equal(json_integer_value(json_object_get(r0, "index")), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "output")), "out");
    json_t *want = J("[1,2]");
    assert_true(json_equal(json_object_get(r0, "expected"), want));
    json_decref(want);
    assert_true(json_is_true(json_object_get(r0, "cached")));
    assert_true(json_is_true(
        json_object_get(json_object_get(json_object_get(r0, "scores"), "exact_match"), "pass")));
    assert_true(fabs(json_number_value(json_object_get(r0, "latency_ms")) - 12.5) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(r0, "trace_id")),
                        "0123456789abcdef0123456789abcdef");
    json_decref(rows);
    rows = eval_store_rows(f->store, "e1", 1, 0, 0, &err); /* after index 1 */
    assert_int_equal(json_array_size(rows), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "index")), 3);
    json_decref(rows);
    rows = eval_store_rows(f->store, "e1", -1, 0, 1, &err); /* failed only: 1 and 3 */
    assert_int_equal(json_array_size(rows), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "index")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "error")),
                        "boom");
    json_decref(rows);
}

static void store_status_and_list(void **state)
{
    fixture_t *f = *state;
    err_t err;
    insert_eval(f, "e1", "qa/1", "qa", 1000);
    insert_eval(f, "e2", "qa/2", "qa", 2000);
    insert_eval(f, "e3", "other/1", "other", 3000);
    int changed = -1;
    /* Only from "running": e1 is queued, nothing changes. */
    assert_int_equal(
        eval_store_set_status(f->store, "e1", "interrupted", "running", 0, 0, "x", &changed, &err),
        0);
    assert_int_equal(changed, 0);
    assert_int_equal(
        eval_store_set_status(f->store, "e1", "running", NULL, 5000, 0, NULL, &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(eval_store_set_status(f->store, "e1", "interrupted", "running", 0, 0,
                                           "stopped", &changed, &err),
                     0);
    assert_int_equal(changed, 1);
    json_t *e1 = eval_store_get(f->store, "e1", &err);
    assert_string_equal(json_string_value(json_object_get(e1, "status")), "interrupted");
    assert_string_equal(json_string_value(json_object_get(e1, "error")), "stopped");
    assert_int_equal(json_integer_value(json_object_get(e1, "started_ms")), 5000);
    assert_true(json_is_null(json_object_get(e1, "metrics")));
    json_decref(e1);
    json_t *m = J("{\"pass_rate\":0.5}");
    json_t *g = J("[{\"gate\":\"pass_rate>=1\",\"passed\":false}]");
    assert_int_equal(eval_store_set_results(f->store, "e1", m, g, 0, &err), 0);
    e1 = eval_store_get(f->store, "e1", &err);
    assert_true(json_equal(json_object_get(e1, "metrics"), m));
    assert_true(json_is_false(json_object_get(e1, "gates_passed")));
    json_decref(e1);
    json_decref(m);
    json_decref(g);
    assert_null(eval_store_get(f->store, "nope", &err));
    assert_int_equal(err.status, 404);

    json_t *list = eval_store_list(f->store, NULL, NULL, 10, 0, &err);
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), "e3");
    json_decref(list);
    list = eval_store_list(f->store, "qa", NULL, 10, 0, &err);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    list = eval_store_list(f->store, "qa/1", NULL, 10, 0, &err);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    list = eval_store_list(f->store, NULL, "queued", 1, 1, &err); /* e3, e2 queued; page 2 */
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), "e2");
    json_decref(list);
}

/* ---- targets ------------------------------------------------------------------------------- */

static gateway_config_src_t *config_with_endpoint(fixture_t *f)
{
    json_t *eps = J("[{\"name\":\"ep\",\"targets\":[{\"provider\":\"openai\","
                    "\"base_url\":\"http://127.0.0.1:9/v1\",\"model\":\"up\"}]}]");
    err_t err;
    gateway_config_src_t *src = gateway_config_start(f->store, eps, 0, &err);
    if (!src)
        fail_msg("gateway_config_start: %s", err.message);
    json_decref(eps);
    return src;
}

static void target_validation(void **state)
{
    fixture_t *f = *state;
    gateway_config_src_t *src = config_with_endpoint(f);
    static const struct {
        const char *spec;
        int status;
        const char *field;
    } cases[] = {
        {"\"ep\"", 400, "target"},
        {"{}", 400, "target"},
        {"{\"endpoint\":\"ep\",\"model\":\"ep\"}", 400, "target"},
        {"{\"endpoint\":\"ep\",\"colour\":1}", 400, "target"},
        {"{\"endpoint\":\"\"}", 400, "target.endpoint"},
        {"{\"endpoint\":\"ep\",\"params\":[1]}", 400, "target.params"},
        {"{\"prompt\":\"p\"}", 400, "target"},
        {"{\"endpoint\":\"nobody\"}", 404, "target.endpoint"},
        {"{\"model\":\"nobody@prod\"}", 404, "target.model"},
        {"{\"prompt\":\"nobody\",\"model\":\"ep\"}", 404, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *spec = J(cases[i].spec);
        eval_target_t t;
        err_t err;
        err_clear(&err);
        assert_int_equal(eval_target_resolve(f->store, src, spec, &t, &err), -1);
        if (err.status != cases[i].status)
            fail_msg("%s: status %d (%s)", cases[i].spec, err.status, err.message);
        if (cases[i].field)
            assert_string_equal(err.field, cases[i].field);
        json_decref(spec);
    }
    gateway_config_stop(src);
}

static void target_endpoint_requests(void **state)
{
    fixture_t *f = *state;
    gateway_config_src_t *src = config_with_endpoint(f);
    json_t *spec = J("{\"endpoint\":\"ep\",\"params\":{\"temperature\":0,\"max_tokens\":5}}");
    eval_target_t t;
    err_t err;
    assert_int_equal(eval_target_resolve(f->store, src, spec, &t, &err), 0);
    assert_string_equal(t.model, "ep");
    assert_string_equal(json_string_value(json_object_get(t.resolved, "kind")), "endpoint");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(t.resolved, "targets"), 0), "model")),
                        "up");
    json_t *body;
    char *input;
    /* input -> one user message */
    json_t *row = J("{\"input\":\"hello\",\"expected\":\"x\"}");
    assert_int_equal(eval_target_request(f->store, &t, row, &body, &input, &err), 0);
    assert_string_equal(input, "hello");
    assert_string_equal(json_string_value(json_object_get(body, "model")), "ep");
    assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 5);
    json_t *msg = json_array_get(json_object_get(body, "messages"), 0);
    assert_string_equal(json_string_value(json_object_get(msg, "role")), "user");
    assert_string_equal(json_string_value(json_object_get(msg, "content")), "hello");
    json_decref(body);
    free(input);
    json_decref(row);
    /* messages as they are; input = the last user message */
    row = J("{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\","
            "\"content\":\"q?\"}]}");
    assert_int_equal(eval_target_request(f->store, &t, row, &body, &input, &err), 0);
    assert_string_equal(input, "q?");
    assert_int_equal(json_array_size(json_object_get(body, "messages")), 2);
    json_decref(body);
    free(input);
    json_decref(row);
    /* neither: the row's error */
    row = J("{\"question\":\"q\"}");
    assert_int_equal(eval_target_request(f->store, &t, row, &body, &input, &err), -1);
    assert_non_null(strstr(err.message, "input"));
    json_decref(row);
    eval_target_free(&t);
    json_decref(spec);
    gateway_config_stop(src);
}

static void target_prompt_is_pinned_and_rendered(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM prompt_alias_history");
    test_store_exec(f->store, "DELETE FROM prompt_aliases");
    test_store_exec(f->store, "DELETE FROM prompt_versions");
    test_store_exec(f->store, "DELETE FROM prompts");
    gateway_config_src_t *src = config_with_endpoint(f);
    err_t err;
    json_t *tmpl = json_string("Hi {{ name }}");
    json_t *config = J("{\"temperature\":0.3,\"model\":\"ignored\"}");
    prompt_version_in_t v1 = {.template = tmpl, .model_config = config};
    prompt_create_in_t in = {.name = "greet", .first_version = &v1};
    json_t *p = prompts_create(f->store, &in, &err);
    if (!p)
        fail_msg("prompts_create: %s", err.message);
    json_decref(p);
    json_decref(prompts_set_alias(f->store, "greet", "prod", 1, NULL, &err));
    json_t *tmpl2 = json_string("Bye {{ name }}");
    prompt_version_in_t v2 = {.template = tmpl2};
    json_decref(prompts_create_version(f->store, "greet", &v2, &err));

    json_t *spec = J("{\"prompt\":\"greet@prod\",\"model\":\"ep\",\"params\":{\"temperature\":0}}");
    eval_target_t t;
    assert_int_equal(eval_target_resolve(f->store, src, spec, &t, &err), 0);
    assert_string_equal(t.prompt_name, "greet");
    assert_int_equal(t.prompt_version, 1); /* the alias, pinned */
    json_t *pinned = eval_target_pinned_spec(&t);
    assert_string_equal(json_string_value(json_object_get(pinned, "prompt")), "greet/1");
    json_decref(pinned);
    json_t *row = J("{\"name\":\"ann\"}");
    json_t *body;
    char *input;
    assert_int_equal(eval_target_request(f->store, &t, row, &body, &input, &err), 0);
    json_t *msg = json_array_get(json_object_get(body, "messages"), 0);
    assert_string_equal(json_string_value(json_object_get(msg, "content")), "Hi ann");
    assert_string_equal(input, "Hi ann");
    /* the target's params win over the prompt's model_config, whose model is never used */
    assert_true(fabs(json_number_value(json_object_get(body, "temperature"))) < 1e-12);
    assert_string_equal(json_string_value(json_object_get(body, "model")), "ep");
    json_decref(body);
    free(input);
    json_decref(row);
    row = J("{\"other\":1}"); /* a missing variable is the row's error */
    assert_int_equal(eval_target_request(f->store, &t, row, &body, &input, &err), -1);
    json_decref(row);
    eval_target_free(&t);
    json_decref(spec);
    spec = J("{\"prompt\":\"greet\",\"model\":\"ep\"}"); /* no reference: the latest */
    assert_int_equal(eval_target_resolve(f->store, src, spec, &t, &err), 0);
    assert_int_equal(t.prompt_version, 2);
    eval_target_free(&t);
    json_decref(spec);
    json_decref(tmpl);
    json_decref(tmpl2);
    json_decref(config);
    gateway_config_stop(src);
}

/* ---- summary (no store) -------------------------------------------------------------------- */

static void summary_figures(void **state)
{
    (void)state;
    json_t *rows =
        J("[{\"index\":0,\"error\":null,\"passed\":true,\"cached\":false,\"latency_ms\":10,"
          "\"cost_usd\":0.1,\"scores\":{\"em\":{\"value\":1,\"pass\":true}}},"
          "{\"index\":1,\"error\":null,\"passed\":false,\"cached\":false,\"latency_ms\":30,"
          "\"cost_usd\":0.3,\"scores\":{\"em\":{\"value\":0,\"pass\":false}}},"
          "{\"index\":2,\"error\":null,\"passed\":true,\"cached\":true,\"latency_ms\":1,"
          "\"cost_usd\":0,\"scores\":{\"em\":{\"value\":1,\"pass\":true}}},"
          "{\"index\":3,\"error\":\"boom\",\"passed\":false,\"cached\":false,\"latency_ms\":0,"
          "\"cost_usd\":0,\"scores\":{}}]");
    json_t *scorers = J("[{\"name\":\"em\"},{\"name\":\"unused\"}]");
    json_t *s = eval_summary(rows, scorers);
    json_t *em = json_object_get(s, "em");
    assert_true(fabs(json_number_value(json_object_get(em, "mean")) - 2.0 / 3) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(em, "pass_rate")) - 2.0 / 3) < 1e-9);
    assert_true(json_number_value(json_object_get(em, "ci_low")) <= 2.0 / 3);
    assert_true(json_number_value(json_object_get(em, "ci_high")) >= 2.0 / 3);
    assert_true(json_is_null(json_object_get(json_object_get(s, "unused"), "mean")));
    assert_true(fabs(json_number_value(json_object_get(s, "pass_rate")) - 0.5) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(s, "error_rate")) - 0.25) < 1e-9);
    /* latency over the two rows that called the model (not the cached one, not the error) */
    assert_true(fabs(json_number_value(json_object_get(s, "latency_p50")) - 10) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(s, "latency_p95")) - 30) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(s, "cost_total")) - 0.4) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(s, "cost")) - 0.1) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(s, "rows")), 4);
    json_t *metrics = eval_summary_metrics(s);
    int seen = 0;
    size_t i;
    json_t *m;
    json_array_foreach(metrics, i, m)
    {
        const char *key = json_string_value(json_object_get(m, "key"));
        seen += !strcmp(key, "em") + !strcmp(key, "em.ci_low") + !strcmp(key, "em.pass_rate") +
                !strcmp(key, "cost_total");
        assert_string_not_equal(key, "unused"); /* nulls are left out */
    }
    assert_int_equal(seen, 4);
    json_decref(metrics);
    json_decref(s);
    json_decref(rows);
    json_decref(scorers);
}

#define T(prefix, fn)                                                                              \
    {                                                                                              \
        .name = prefix #fn, .test_func = fn, .setup_func = setup                                   \
    }
#define STORE_TESTS(prefix)                                                                        \
    T(prefix, cache_get_put), T(prefix, store_eval_rows_and_paging),                               \
        T(prefix, store_status_and_list), T(prefix, target_validation),                            \
        T(prefix, target_endpoint_requests), T(prefix, target_prompt_is_pinned_and_rendered)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {
        STORE_TESTS("sqlite: "),
        cmocka_unit_test(cache_key_is_canonical),
        cmocka_unit_test(summary_figures),
    };
    int failed = cmocka_run_group_tests_name("eval runner sqlite", sqlite_tests,
                                             test_store_setup_sqlite, test_store_teardown);
    if (test_pg_url()) {
        const struct CMUnitTest pg_tests[] = {STORE_TESTS("postgresql: ")};
        failed += cmocka_run_group_tests_name("eval runner postgresql", pg_tests,
                                              test_store_setup_pg, test_store_teardown);
    }
    return failed;
}
