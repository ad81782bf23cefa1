/* test_cli.c - the tracking and lineage commands of the `llmops` CLI end to end, against a
 * running server (--server URL) and in-process on a data directory (--data DIR): experiments
 * list/create/show, runs list/show/compare (the compare table with its '*' on differing rows),
 * lineage record/edges/graph; what each prints, and the exit codes: 0 done, 1 the request
 * failed (the server's message on stderr), 2 bad usage (with a pointer to --help).
 * Runs against the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/api_testutil.h"

#define OUT_SIZE 65536

/* A run in experiment exp named name, with param lr and metric acc. */
static void logged_run(const char *exp, const char *name, const char *lr, double acc, char id[33])
{
    char body[512];
    snprintf(body, sizeof body, "{\"experiment_id\": \"%s\", \"run_name\": \"%s\"}", exp, name);
    json_t *reply = mlflow_ok("POST", "/runs/create", body);
    snprintf(id, 33, "%s", jstr(json_object_get(json_object_get(reply, "run"), "info"), "run_id"));
    json_decref(reply);
    snprintf(body, sizeof body,
             "{\"run_id\": \"%s\", \"params\": [{\"key\": \"lr\", \"value\": \"%s\"}, {\"key\": "
             "\"layers\", \"value\": \"2\"}], \"metrics\": [{\"key\": \"acc\", \"value\": %g, "
             "\"timestamp\": 1, \"step\": 0}]}",
             id, lr, acc);
    mlflow_ok_empty("POST", "/runs/log-batch", body);
}

static void test_experiments(void **state)
{
    (void)state;
    char *out = malloc(OUT_SIZE);
    const char *bin = harness_bin(), *srv = server.url;
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments create cli-exp", bin, srv),
                     0);
    json_t *created = json_loads(out, 0, NULL);
    assert_non_null(created);
    const char *id = jstr(json_object_get(created, "experiment"), "experiment_id");
    assert_non_null(id);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments list", bin, srv), 0);
    assert_non_null(strstr(out, "\"name\": \"cli-exp\""));
    assert_non_null(strstr(out, "\"name\": \"Default\""));
    /* By name and by id. */
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments show cli-exp", bin, srv),
                     0);
    assert_non_null(strstr(out, "\"name\": \"cli-exp\""));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments show %s", bin, srv, id), 0);
    assert_non_null(strstr(out, "\"name\": \"cli-exp\""));
    json_decref(created);

    /* The server's refusals exit 1 with its message; usage errors exit 2. */
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments create cli-exp", bin, srv),
                     1);
    assert_non_null(strstr(out, "already exists"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments show nope", bin, srv), 1);
    assert_non_null(strstr(out, "Could not find experiment with name 'nope'"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments show", bin, srv), 2);
    assert_non_null(strstr(out, "expects one ID or NAME; see `llmops experiments show --help`"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments create", bin, srv), 2);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s experiments list x", bin, srv), 2);
    assert_non_null(strstr(out, "takes no arguments"));
    free(out);
}

static void test_runs(void **state)
{
    (void)state;
    char *out = malloc(OUT_SIZE);
    const char *bin = harness_bin(), *srv = server.url;
    json_t *exp = mlflow_ok("POST", "/experiments/create", "{\"name\": \"cli-runs\"}");
    const char *exp_id = jstr(exp, "experiment_id");
    char a[33], b[33];
    logged_run(exp_id, "baseline", "0.1", 0.5, a);
    logged_run(exp_id, "tuned", "0.01", 0.75, b);

    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s runs list --experiment %s --filter \"params.lr = "
                             "'0.01'\" --order-by 'metrics.acc DESC' --max 5",
                             bin, srv, exp_id),
                     0);
    assert_non_null(strstr(out, b));
    assert_null(strstr(out, a));
    /* Options may come in any order; every experiment when none is named. */
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s runs list --max 100 --filter "
                             "\"attributes.run_name = 'baseline'\"",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, a));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs show %s", bin, srv, a), 0);
    assert_non_null(strstr(out, "\"run_name\": \"baseline\""));

    /* The comparison table: a header row of run names, params then metrics, '*' where the
     * values differ. */
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs compare %s %s", bin, srv, a, b),
                     0);
    assert_non_null(strstr(out, "baseline"));
    assert_non_null(strstr(out, "tuned"));
    assert_non_null(strstr(out, "* lr"));
    assert_non_null(strstr(out, "  layers"));
    assert_non_null(strstr(out, "* acc"));
    assert_non_null(strstr(out, "0.75"));
    assert_true(strstr(out, "params") < strstr(out, "metrics"));

    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s runs compare %s 0190ffffffffffffffffffffffffffff", bin,
                             srv, a),
                     1);
    assert_non_null(strstr(out, "Run with id=0190ffffffffffffffffffffffffffff not found"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs show nope", bin, srv), 1);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs compare %s", bin, srv, a), 2);
    assert_non_null(strstr(out, "two or more RUN_IDs"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs show", bin, srv), 2);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs list --bogus", bin, srv), 2);
    assert_non_null(strstr(out, "unknown option --bogus; see `llmops runs list --help`"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs list extra", bin, srv), 2);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s runs list --filter", bin, srv), 2);
    assert_non_null(strstr(out, "option --filter needs a value"));
    json_decref(exp);
    free(out);
}

static void test_lineage(void **state)
{
    (void)state;
    char *out = malloc(OUT_SIZE);
    const char *bin = harness_bin(), *srv = server.url;
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s lineage record --from dataset:qa:1 --to run:cli-r1 "
                             "--relation input",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, "\"relation\": \"input\""));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s lineage record --relation produced --to "
                             "model_version:cli/1 --from run:cli-r1",
                             bin, srv),
                     0);
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s lineage edges run:cli-r1 --direction upstream", bin,
                             srv),
                     0);
    assert_non_null(strstr(out, "\"id\": \"qa:1\""));
    assert_null(strstr(out, "cli/1"));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s lineage graph dataset:qa:1 --direction downstream "
                             "--max-depth 5",
                             bin, srv),
                     0);
    json_t *graph = json_loads(out, 0, NULL);
    assert_non_null(graph);
    assert_int_equal(json_array_size(json_object_get(graph, "nodes")), 3);
    json_decref(graph);

    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s lineage graph dataset:qa:1 --direction sideways", bin,
                             srv),
                     1);
    assert_non_null(strstr(out, "direction"));
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s lineage record --from dataset:qa:1", bin, srv), 2);
    assert_non_null(strstr(out, "--relation"));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s lineage record --from qa --to run:x --relation r", bin,
                             srv),
                     2);
    assert_non_null(strstr(out, "TYPE:ID"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s lineage graph", bin, srv), 2);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server %s lineage edges run:x --bogus", bin, srv),
                     2);
    assert_non_null(strstr(out, "unknown option --bogus"));
    /* An option of another lineage verb is not this one's. */
    assert_int_equal(
        run_cli(out, OUT_SIZE, "%s --server %s lineage edges run:x --max-depth 3", bin, srv), 2);
    assert_non_null(strstr(out, "unknown option --max-depth"));
    free(out);
}

/* The same commands without a server: in-process on a data directory of their own. */
static void test_in_process(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmops-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *out = malloc(OUT_SIZE);
    const char *bin = harness_bin();
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --data %s experiments create local", bin, dir), 0);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --data %s experiments show local", bin, dir), 0);
    assert_non_null(strstr(out, "\"name\": \"local\""));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --data %s runs list --experiment 1", bin, dir), 0);
    assert_non_null(strstr(out, "\"runs\": []"));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --data %s lineage record --from a:1 --to b:2 --relation r", bin,
                             dir),
                     0);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --data %s lineage edges b:2", bin, dir), 0);
    assert_non_null(strstr(out, "\"id\": \"1\""));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --data %s runs show nope", bin, dir), 1);
    harness_rmdir(dir);
    free(out);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_experiments),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_lineage),
        cmocka_unit_test(test_in_process),
    };
    int failed = cmocka_run_group_tests_name("cli", tests, setup_server, teardown_server);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
