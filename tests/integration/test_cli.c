/* test_cli.c - the tracking and lineage commands of the `llmops` CLI end to end, against a
 * running server (--server URL) and in-process on a data directory (--data DIR): experiments
 * list/create/show, runs list/show/compare (the compare table with its '*' on differing rows),
 * lineage record/edges/graph, and `llmops api METHOD PATH --body ...` for any route; what each
 * prints, and the exit codes: 0 done, 1 the request failed (the server's message on stderr),
 * 2 bad usage (with a pointer to --help).
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

/* `llmops api METHOD PATH [--body JSON|@file|@-]`: any route, in-process and over HTTP. Exit
 * 0 with the reply printed, 1 with the API's error, 2 for a command line that is wrong. */
static void test_api_in_process(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmops-cli-api-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *out = malloc(OUT_SIZE);
    const char *bin = harness_bin();
    const char *edge = "{\"from\": {\"type\": \"dataset\", \"id\": \"qa:1\"}, \"to\": {\"type\": "
                       "\"run\", \"id\": \"r1\"}, \"relation\": \"input\"}";
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --data %s api POST /api/v1/lineage/edges --body '%s'", bin, dir,
                             edge),
                     0);
    json_t *reply = json_loads(strstr(out, "{\n"), 0, NULL); /* after the migration log line */
    assert_non_null(reply);
    json_t *e = json_object_get(reply, "edge");
    assert_string_equal(jstr(json_object_get(e, "from"), "id"), "qa:1");
    assert_string_equal(jstr(e, "relation"), "input");
    json_decref(reply);
    /* The edge is in the data directory: read it back with a lower-case method, the option
     * first, -d for --body, from a file and from standard input. */
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --data %s api get '/api/v1/lineage/edges?type=run&id=r1'", bin,
                             dir),
                     0);
    assert_non_null(strstr(out, "\"id\": \"qa:1\""));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --data %s api --body '{\"from\": {\"type\": \"run\", \"id\": "
                             "\"r1\"}, \"to\": {\"type\": \"model_version\", \"id\": \"m/1\"}, "
                             "\"relation\": \"registered_as\"}' POST /api/v1/lineage/edges",
                             bin, dir),
                     0);
    assert_non_null(strstr(out, "\"registered_as\""));
    char file[300];
    snprintf(file, sizeof file, "%s/edge.json", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("{\"from\": {\"type\": \"run\", \"id\": \"r1\"}, \"to\": {\"type\": \"trace\", "
          "\"id\": \"t1\"}, \"relation\": \"produced\"}",
          f);
    fclose(f);
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --data %s api POST /api/v1/lineage/edges -d @%s",
                             bin, dir, file),
                     0);
    assert_non_null(strstr(out, "\"produced\""));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "echo '{\"from\": {\"type\": \"run\", \"id\": \"r1\"}, \"to\": "
                             "{\"type\": \"trace\", \"id\": \"t2\"}, \"relation\": \"produced\"}' "
                             "| %s --data %s api POST /api/v1/lineage/edges --body @-",
                             bin, dir),
                     0);
    assert_non_null(strstr(out, "\"t2\""));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --data %s api GET '/api/v1/lineage/edges?type=run&id=r1"
                             "&direction=downstream'",
                             bin, dir),
                     0);
    json_t *list = json_loads(strstr(out, "{\n"), 0, NULL);
    assert_int_equal(json_array_size(json_object_get(list, "edges")), 3);
    json_decref(list);

    /* The API refuses: exit 1, its message and code on stderr. */
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --data %s api POST /api/v1/lineage/edges --body '{\"relation\": "
                             "\"input\"}'",
                             bin, dir),
                     1);
    assert_non_null(strstr(out, "(invalid_argument)"));
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --data %s api GET /api/v1/no/such/route", bin, dir),
                     1);
    assert_non_null(strstr(out, "(not_found)"));

    /* The command line is wrong: exit 2, nothing sent. */
    static const char *const usage[][2] = {
        {"api GET", "expects METHOD and PATH"},
        {"api", "expects METHOD and PATH"},
        {"api GET /a /b", "expects METHOD and PATH"},
        {"api GET api/v1/status", "PATH must start with '/'"},
        {"api POST /api/v1/lineage/edges --body '{'", "--body"},
        {"api POST /api/v1/lineage/edges --body @/nonexistent/edge.json", "cannot open"},
        {"api GET /api/v1/status --bogus", "unknown option --bogus"},
        {"api POST /api/v1/lineage/edges --body", "needs a value"},
    };
    for (size_t i = 0; i < sizeof usage / sizeof *usage; i++) {
        int rc = run_cli(out, OUT_SIZE, "%s --data %s %s", bin, dir, usage[i][0]);
        if (rc != 2 || !strstr(out, usage[i][1]))
            fail_msg("'%s' -> %d: %s", usage[i][0], rc, out);
    }
    /* Still three edges: none of the refused calls wrote anything. */
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --data %s api GET '/api/v1/lineage/edges?type=run&id=r1"
                             "&direction=downstream'",
                             bin, dir),
                     0);
    list = json_loads(strstr(out, "{\n"), 0, NULL);
    assert_int_equal(json_array_size(json_object_get(list, "edges")), 3);
    json_decref(list);
    harness_rmdir(dir);
    free(out);
}

static void test_api_against_server(void **state)
{
    (void)state;
    char *out = malloc(OUT_SIZE);
    const char *bin = harness_bin(), *srv = server.url;
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s api POST /api/v1/lineage/edges --body "
                             "'{\"from\": {\"type\": \"dataset\", \"id\": \"api:1\"}, \"to\": "
                             "{\"type\": \"run\", \"id\": \"api-run\"}, \"relation\": \"input\"}'",
                             bin, srv),
                     0);
    json_t *reply = json_loads(out, 0, NULL);
    assert_non_null(reply);
    assert_string_equal(jstr(json_object_get(json_object_get(reply, "edge"), "to"), "id"),
                        "api-run");
    json_decref(reply);
    /* The server has it. */
    reply = api_expect("GET", "/api/v1/lineage/edges?type=run&id=api-run", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(reply, "edges")), 1);
    json_decref(reply);
    /* An MLflow route through the same command; its errors exit 1 too. */
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s api post /api/2.0/mlflow/experiments/create --body "
                             "'{\"name\": \"api-exp\"}'",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, "\"experiment_id\""));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s api POST /api/2.0/mlflow/experiments/create --body "
                             "'{\"name\": \"api-exp\"}'",
                             bin, srv),
                     1);
    assert_non_null(strstr(out, "already exists"));
    assert_int_equal(run_cli(out, OUT_SIZE,
                             "%s --server %s api POST /api/v1/lineage/edges --body '[1'", bin, srv),
                     2);
    /* A server that does not answer is a failed call, not a usage error. */
    assert_int_equal(run_cli(out, OUT_SIZE, "%s --server http://127.0.0.1:9 api GET /healthz", bin),
                     1);
    assert_non_null(strstr(out, "cannot reach server"));
    free(out);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_experiments),    cmocka_unit_test(test_runs),
        cmocka_unit_test(test_lineage),        cmocka_unit_test(test_in_process),
        cmocka_unit_test(test_api_in_process), cmocka_unit_test(test_api_against_server),
    };
    int failed = cmocka_run_group_tests_name("cli", tests, setup_server, teardown_server);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
