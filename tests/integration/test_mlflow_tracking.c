/* test_mlflow_tracking.c - MLflow's tracking REST API over real HTTP: request/response pairs as
 * MLflow documents them (experiments, runs, params, metrics, tags, log-batch, log-inputs,
 * history, search), error codes and statuses for unknown ids, duplicate names, changed params,
 * malformed filters and deleted runs, with checks that a rejected request changed nothing;
 * log-batch all-or-nothing; search filters, ordering and paging across pages; and the llmops
 * /api/v1 tracking routes. Runs on the store in LLMOPS_TEST_STORE (SQLite when unset). */
#include "integration/api_testutil.h"

static const char *str(const json_t *v, const char *path)
{
    /* "a.b.c" walk over objects */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = v;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return json_string_value(cur);
}

static char *create_experiment(const char *name)
{
    char body[512];
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    json_t *out = mlflow_ok("POST", "/experiments/create", body);
    char *id = strdup(str(out, "experiment_id"));
    json_decref(out);
    return id;
}

static char *create_run(const char *exp, const char *extra)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"experiment_id\":\"%s\"%s%s}", exp, extra ? "," : "",
             extra ? extra : "");
    json_t *out = mlflow_ok("POST", "/runs/create", body);
    char *id = strdup(str(out, "run.info.run_id"));
    json_decref(out);
    return id;
}

/* The run's data.<list> as an object key -> value. */
static json_t *data_map(const char *run_id, const char *list)
{
    char path[256];
    snprintf(path, sizeof path, "/runs/get?run_id=%s", run_id);
    json_t *run = mlflow_ok("GET", path, NULL);
    json_t *map = json_object();
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json_object_get(json_object_get(run, "run"), "data"), list),
                       i, item)
        json_object_set(map, json_string_value(json_object_get(item, "key")),
                        json_object_get(item, "value"));
    json_decref(run);
    return map;
}

/* ---- experiments ----------------------------------------------------------------------------- */

static void test_default_experiment(void **state)
{
    (void)state;
    json_t *out = mlflow_ok("GET", "/experiments/get?experiment_id=0", NULL);
    assert_string_equal(str(out, "experiment.name"), "Default");
    assert_string_equal(str(out, "experiment.experiment_id"), "0");
    assert_string_equal(str(out, "experiment.lifecycle_stage"), "active");
    assert_true(
        json_is_integer(json_object_get(json_object_get(out, "experiment"), "creation_time")));
    json_decref(out);
    out = mlflow_ok("GET", "/experiments/get-by-name?experiment_name=Default", NULL);
    assert_string_equal(str(out, "experiment.experiment_id"), "0");
    json_decref(out);
}

static void test_experiment_lifecycle(void **state)
{
    (void)state;
    json_t *out = mlflow_ok("POST", "/experiments/create",
                            "{\"name\":\"life\",\"tags\":[{\"key\":\"team\",\"value\":\"nlp\"}],"
                            "\"unknown_field\":1}");
    char *id = strdup(str(out, "experiment_id"));
    json_decref(out);
    mlflow_fails("POST", "/experiments/create", "{\"name\":\"life\"}", 400,
                 "RESOURCE_ALREADY_EXISTS");
    mlflow_fails("POST", "/experiments/create", "{}", 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", "/experiments/create", "{\"name\":\"\"}", 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", "/experiments/get?experiment_id=987654", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", "/experiments/get-by-name?experiment_name=nope", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");

    char path[256], body[256];
    snprintf(path, sizeof path, "/experiments/get?experiment_id=%s", id);
    out = mlflow_ok("GET", path, NULL);
    assert_string_equal(str(out, "experiment.name"), "life");
    json_t *tags = json_object_get(json_object_get(out, "experiment"), "tags");
    assert_int_equal(json_array_size(tags), 1);
    assert_string_equal(str(json_array_get(tags, 0), "value"), "nlp");
    char location[128];
    snprintf(location, sizeof location, "mlflow-artifacts:/%s", id);
    assert_string_equal(str(out, "experiment.artifact_location"), location);
    json_decref(out);

    /* rename, set/delete tag */
    snprintf(body, sizeof body, "{\"experiment_id\":\"%s\",\"new_name\":\"life2\"}", id);
    json_decref(mlflow_ok("POST", "/experiments/update", body));
    mlflow_fails("POST", "/experiments/update", "{\"experiment_id\":\"0\",\"new_name\":\"life2\"}",
                 400, "RESOURCE_ALREADY_EXISTS");
    snprintf(body, sizeof body, "{\"experiment_id\":\"%s\",\"key\":\"k2\",\"value\":\"v2\"}", id);
    json_decref(mlflow_ok("POST", "/experiments/set-experiment-tag", body));
    snprintf(body, sizeof body, "{\"experiment_id\":\"%s\",\"key\":\"team\"}", id);
    json_decref(mlflow_ok("POST", "/experiments/delete-experiment-tag", body));
    mlflow_fails("POST", "/experiments/delete-experiment-tag", body, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    out = mlflow_ok("GET", "/experiments/get-by-name?experiment_name=life2", NULL);
    tags = json_object_get(json_object_get(out, "experiment"), "tags");
    assert_int_equal(json_array_size(tags), 1);
    assert_string_equal(str(json_array_get(tags, 0), "key"), "k2");
    json_decref(out);

    /* delete: gone from ACTIVE_ONLY search, visible with DELETED_ONLY; runs follow */
    char *run = create_run(id, NULL);
    snprintf(body, sizeof body, "{\"experiment_id\":\"%s\"}", id);
    json_decref(mlflow_ok("POST", "/experiments/delete", body));
    mlflow_fails("POST", "/experiments/delete", body, 404, "RESOURCE_DOES_NOT_EXIST");
    snprintf(path, sizeof path, "/runs/get?run_id=%s", run);
    out = mlflow_ok("GET", path, NULL);
    assert_string_equal(str(out, "run.info.lifecycle_stage"), "deleted");
    json_decref(out);
    snprintf(body, sizeof body, "{\"experiment_id\":\"%s\"}", id);
    mlflow_fails("POST", "/runs/create", body, 400, "INVALID_PARAMETER_VALUE");
    out = mlflow_ok("GET", "/experiments/search?view_type=DELETED_ONLY&filter=name%3D%27life2%27",
                    NULL);
    assert_int_equal(json_array_size(json_object_get(out, "experiments")), 1);
    json_decref(out);
    out = mlflow_ok("GET", "/experiments/search?filter=name%3D%27life2%27", NULL);
    assert_null(json_object_get(out, "experiments")); /* empty lists are omitted, as MLflow */
    json_decref(out);
    json_decref(mlflow_ok("POST", "/experiments/restore", body));
    out = mlflow_ok("GET", path, NULL);
    assert_string_equal(str(out, "run.info.lifecycle_stage"), "active");
    json_decref(out);
    free(run);
    free(id);
}

static void test_experiment_search_paging(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        char name[64];
        snprintf(name, sizeof name, "page-exp-%d", i);
        free(create_experiment(name));
    }
    /* POST search with filter and order, 2 per page, across 3 pages */
    const char *token = NULL;
    char body[512];
    int seen = 0;
    char last[64] = "";
    json_t *out = NULL;
    for (int page = 0; page < 4; page++) {
        snprintf(body, sizeof body,
                 "{\"filter\":\"name LIKE 'page-exp-%%'\",\"order_by\":[\"name DESC\"],"
                 "\"max_results\":2%s%s%s}",
                 token ? ",\"page_token\":\"" : "", token ? token : "", token ? "\"" : "");
        json_t *next = mlflow_ok("POST", "/experiments/search", body);
        json_decref(out);
        out = next;
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(out, "experiments"), i, e)
        {
            if (last[0])
                assert_true(strcmp(str(e, "name"), last) < 0);
            snprintf(last, sizeof last, "%s", str(e, "name"));
            seen++;
        }
        token = str(out, "next_page_token");
        if (!token)
            break;
    }
    json_decref(out);
    assert_int_equal(seen, 5);
    /* case-sensitive LIKE, case-insensitive ILIKE */
    out = mlflow_ok("GET", "/experiments/search?filter=name%20LIKE%20%27PAGE-%25%27", NULL);
    assert_null(json_object_get(out, "experiments"));
    json_decref(out);
    out = mlflow_ok("GET", "/experiments/search?filter=name%20ILIKE%20%27PAGE-%25%27", NULL);
    assert_int_equal(json_array_size(json_object_get(out, "experiments")), 5);
    json_decref(out);
    mlflow_fails("GET", "/experiments/search?filter=name%20%3E%3E%201", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", "/experiments/search?max_results=50001", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", "/experiments/search?page_token=%21%21", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
}

/* ---- runs ------------------------------------------------------------------------------------ */

static void test_run_create_get_update(void **state)
{
    (void)state;
    json_t *out =
        mlflow_ok("POST", "/runs/create",
                  "{\"experiment_id\":\"0\",\"start_time\":\"1700000000000\",\"user_id\":\"ann\","
                  "\"tags\":[{\"key\":\"mlflow.user\",\"value\":\"ann\"}]}");
    json_t *info = json_object_get(json_object_get(out, "run"), "info");
    const char *id = str(info, "run_id");
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    assert_string_equal(str(info, "run_uuid"), id);
    assert_string_equal(str(info, "status"), "RUNNING");
    assert_string_equal(str(info, "user_id"), "ann");
    assert_int_equal(json_integer_value(json_object_get(info, "start_time")), 1700000000000LL);
    assert_null(json_object_get(info, "end_time"));
    char uri[128];
    snprintf(uri, sizeof uri, "mlflow-artifacts:/0/%s/artifacts", id);
    assert_string_equal(str(info, "artifact_uri"), uri);
    const char *name = str(info, "run_name");
    assert_true(name && strchr(name, '-')); /* generated adjective-noun-number */
    char *run_id = strdup(id), *run_name = strdup(name);
    json_decref(out);
    json_t *tags = data_map(run_id, "tags");
    assert_string_equal(json_string_value(json_object_get(tags, "mlflow.runName")), run_name);
    json_decref(tags);

    char body[512];
    snprintf(body, sizeof body,
             "{\"run_id\":\"%s\",\"status\":\"FINISHED\",\"end_time\":1700000005000,"
             "\"run_name\":\"renamed\"}",
             run_id);
    out = mlflow_ok("POST", "/runs/update", body);
    assert_string_equal(str(out, "run_info.status"), "FINISHED");
    assert_string_equal(str(out, "run_info.run_name"), "renamed");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(out, "run_info"), "end_time")),
        1700000005000LL);
    json_decref(out);
    tags = data_map(run_id, "tags");
    assert_string_equal(json_string_value(json_object_get(tags, "mlflow.runName")), "renamed");
    json_decref(tags);
    snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"status\":\"DONE\"}", run_id);
    mlflow_fails("POST", "/runs/update", body, 400, "INVALID_PARAMETER_VALUE");

    /* Given names, and name vs mlflow.runName tag conflict */
    out = mlflow_ok("POST", "/runs/create", "{\"experiment_id\":\"0\",\"run_name\":\"mine\"}");
    assert_string_equal(str(out, "run.info.run_name"), "mine");
    json_decref(out);
    mlflow_fails("POST", "/runs/create",
                 "{\"run_name\":\"a\",\"tags\":[{\"key\":\"mlflow.runName\",\"value\":\"b\"}]}",
                 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", "/runs/create", "{\"experiment_id\":\"424242\"}", 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", "/runs/get?run_id=0123456789abcdef0123456789abcdef", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", "/runs/get", NULL, 400, "INVALID_PARAMETER_VALUE");

    /* delete / restore; a deleted run refuses writes and nothing is written */
    snprintf(body, sizeof body, "{\"run_id\":\"%s\"}", run_id);
    json_decref(mlflow_ok("POST", "/runs/delete", body));
    snprintf(body, sizeof body,
             "{\"run_id\":\"%s\",\"key\":\"m\",\"value\":1,\"timestamp\":1,\"step\":0}", run_id);
    mlflow_fails("POST", "/runs/log-metric", body, 400, "INVALID_PARAMETER_VALUE");
    snprintf(body, sizeof body, "{\"run_id\":\"%s\"}", run_id);
    json_decref(mlflow_ok("POST", "/runs/restore", body));
    json_t *metrics = data_map(run_id, "metrics");
    assert_int_equal(json_object_size(metrics), 0);
    json_decref(metrics);
    free(run_id);
    free(run_name);
}

static void test_params_metrics_tags(void **state)
{
    (void)state;
    char *run = create_run("0", NULL);
    char body[1024], path[256];
    snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"lr\",\"value\":\"0.01\"}", run);
    json_decref(mlflow_ok("POST", "/runs/log-parameter", body));
    json_decref(mlflow_ok("POST", "/runs/log-parameter", body)); /* same value again: fine */
    snprintf(body, sizeof body, "{\"run_uuid\":\"%s\",\"key\":\"lr\",\"value\":\"0.02\"}", run);
    json_t *out = api_expect("POST", "/runs/log-parameter", body, 400);
    const char *msg = str(out, "message");
    assert_non_null(strstr(msg, "lr"));
    assert_non_null(strstr(msg, "0.01"));
    assert_non_null(strstr(msg, "0.02"));
    json_decref(out);
    json_t *params = data_map(run, "params");
    assert_string_equal(json_string_value(json_object_get(params, "lr")), "0.01");
    json_decref(params);

    /* metrics: history kept, latest = max step, then timestamp, then value */
    const char *points[] = {"{\"key\":\"acc\",\"value\":0.5,\"timestamp\":10,\"step\":2}",
                            "{\"key\":\"acc\",\"value\":0.9,\"timestamp\":5,\"step\":3}",
                            "{\"key\":\"acc\",\"value\":0.1,\"timestamp\":99,\"step\":1}",
                            "{\"key\":\"nan\",\"value\":\"NaN\",\"timestamp\":1}",
                            "{\"key\":\"inf\",\"value\":\"Infinity\",\"timestamp\":1}",
                            "{\"key\":\"ninf\",\"value\":\"-Infinity\",\"timestamp\":1}"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(body, sizeof body, "{\"run_id\":\"%s\",%s", run, points[i] + 1);
        json_decref(mlflow_ok("POST", "/runs/log-metric", body));
    }
    json_t *metrics = data_map(run, "metrics");
    assert_true(json_real_value(json_object_get(metrics, "acc")) == 0.9);
    assert_string_equal(json_string_value(json_object_get(metrics, "nan")), "NaN");
    assert_string_equal(json_string_value(json_object_get(metrics, "inf")), "Infinity");
    assert_string_equal(json_string_value(json_object_get(metrics, "ninf")), "-Infinity");
    json_decref(metrics);
    snprintf(path, sizeof path, "/metrics/get-history?run_id=%s&metric_key=acc", run);
    out = mlflow_ok("GET", path, NULL);
    json_t *hist = json_object_get(out, "metrics");
    assert_int_equal(json_array_size(hist), 3);
    /* ordered by timestamp */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 0), "timestamp")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 2), "timestamp")), 99);
    json_decref(out);
    /* history paging */
    snprintf(path, sizeof path, "/metrics/get-history?run_id=%s&metric_key=acc&max_results=2", run);
    out = mlflow_ok("GET", path, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "metrics")), 2);
    const char *token = str(out, "next_page_token");
    assert_non_null(token);
    char path2[512];
    snprintf(path2, sizeof path2, "%s&page_token=%s", path, token);
    json_decref(out);
    out = mlflow_ok("GET", path2, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "metrics")), 1);
    assert_null(json_object_get(out, "next_page_token"));
    json_decref(out);
    snprintf(path, sizeof path, "/metrics/get-history?run_id=%s&metric_key=acc&max_results=25001",
             run);
    mlflow_fails("GET", path, NULL, 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET",
                 "/metrics/get-history?run_id=0123456789abcdef0123456789abcdef&metric_key=acc",
                 NULL, 404, "RESOURCE_DOES_NOT_EXIST");
    /* bad metric input */
    snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"a\",\"value\":\"x\",\"timestamp\":1}",
             run);
    mlflow_fails("POST", "/runs/log-metric", body, 400, "INVALID_PARAMETER_VALUE");
    snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"../a\",\"value\":1,\"timestamp\":1}",
             run);
    mlflow_fails("POST", "/runs/log-metric", body, 400, "INVALID_PARAMETER_VALUE");

    /* tags */
    snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"t\",\"value\":\"1\"}", run);
    json_decref(mlflow_ok("POST", "/runs/set-tag", body));
    snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"t\",\"value\":\"2\"}", run);
    json_decref(mlflow_ok("POST", "/runs/set-tag", body));
    json_t *tags = data_map(run, "tags");
    assert_string_equal(json_string_value(json_object_get(tags, "t")), "2");
    json_decref(tags);
    snprintf(body, sizeof body, "{\"run_id\":\"%s\",\"key\":\"t\"}", run);
    json_decref(mlflow_ok("POST", "/runs/delete-tag", body));
    mlflow_fails("POST", "/runs/delete-tag", body, 404, "RESOURCE_DOES_NOT_EXIST");
    free(run);
}

static void test_log_batch_all_or_nothing(void **state)
{
    (void)state;
    char *run = create_run("0", NULL);
    char *body = malloc(200000);
    /* the documented example */
    snprintf(body, 200000,
             "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"mae\",\"value\":2.5,\"timestamp\":"
             "1552550804},{\"key\":\"rmse\",\"value\":2.7,\"timestamp\":1552550804}],"
             "\"params\":[{\"key\":\"model_class\",\"value\":\"LogisticRegression\"}]}",
             run);
    json_decref(mlflow_ok("POST", "/runs/log-batch", body));
    /* an invalid item anywhere: nothing written */
    snprintf(body, 200000,
             "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"new1\",\"value\":1,\"timestamp\":1}],"
             "\"params\":[{\"key\":\"p_ok\",\"value\":\"1\"}],"
             "\"tags\":[{\"key\":\"bad//key\",\"value\":\"x\"}]}",
             run);
    mlflow_fails("POST", "/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
    /* a changed param: nothing written either */
    snprintf(body, 200000,
             "{\"run_id\":\"%s\",\"metrics\":[{\"key\":\"new2\",\"value\":1,\"timestamp\":1}],"
             "\"params\":[{\"key\":\"model_class\",\"value\":\"Other\"}]}",
             run);
    mlflow_fails("POST", "/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
    json_t *metrics = data_map(run, "metrics");
    assert_int_equal(json_object_size(metrics), 2);
    assert_null(json_object_get(metrics, "new1"));
    assert_null(json_object_get(metrics, "new2"));
    json_decref(metrics);
    json_t *params = data_map(run, "params");
    assert_int_equal(json_object_size(params), 1);
    json_decref(params);
    /* limits: 1001 metrics, 101 params */
    size_t len = (size_t)snprintf(body, 200000, "{\"run_id\":\"%s\",\"metrics\":[", run);
    for (int i = 0; i < 1001; i++)
        len += (size_t)snprintf(body + len, 200000 - len,
                                "%s{\"key\":\"m%d\",\"value\":%d,\"timestamp\":1}", i ? "," : "", i,
                                i);
    snprintf(body + len, 200000 - len, "]}");
    mlflow_fails("POST", "/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
    len = (size_t)snprintf(body, 200000, "{\"run_id\":\"%s\",\"params\":[", run);
    for (int i = 0; i < 101; i++)
        len += (size_t)snprintf(body + len, 200000 - len, "%s{\"key\":\"p%d\",\"value\":\"v\"}",
                                i ? "," : "", i);
    snprintf(body + len, 200000 - len, "]}");
    mlflow_fails("POST", "/runs/log-batch", body, 400, "INVALID_PARAMETER_VALUE");
    /* 1000 metrics in one batch are fine */
    len = (size_t)snprintf(body, 200000, "{\"run_id\":\"%s\",\"metrics\":[", run);
    for (int i = 0; i < 1000; i++)
        len += (size_t)snprintf(body + len, 200000 - len,
                                "%s{\"key\":\"loss\",\"value\":%d,\"timestamp\":%d,\"step\":%d}",
                                i ? "," : "", 1000 - i, i, i);
    snprintf(body + len, 200000 - len, "]}");
    json_decref(mlflow_ok("POST", "/runs/log-batch", body));
    metrics = data_map(run, "metrics");
    assert_true(json_number_value(json_object_get(metrics, "loss")) == 1.0);
    json_decref(metrics);
    mlflow_fails("POST", "/runs/log-batch",
                 "{\"run_id\":\"0123456789abcdef0123456789abcdef\",\"tags\":[{\"key\":\"a\","
                 "\"value\":\"b\"}]}",
                 404, "RESOURCE_DOES_NOT_EXIST");
    free(body);
    free(run);
}

static void test_log_inputs(void **state)
{
    (void)state;
    char *run = create_run("0", NULL);
    char body[1024], path[256];
    snprintf(
        body, sizeof body,
        "{\"run_id\":\"%s\",\"datasets\":[{\"tags\":[{\"key\":\"mlflow.data.context\","
        "\"value\":\"training\"}],\"dataset\":{\"name\":\"qa\",\"digest\":\"abc123\","
        "\"source_type\":\"local\",\"source\":\"{\\\"uri\\\":\\\"/d\\\"}\",\"schema\":\"{}\"}}]}",
        run);
    json_decref(mlflow_ok("POST", "/runs/log-inputs", body));
    json_decref(mlflow_ok("POST", "/runs/log-inputs", body)); /* again: no duplicate */
    snprintf(path, sizeof path, "/runs/get?run_id=%s", run);
    json_t *out = mlflow_ok("GET", path, NULL);
    json_t *inputs =
        json_object_get(json_object_get(json_object_get(out, "run"), "inputs"), "dataset_inputs");
    assert_int_equal(json_array_size(inputs), 1);
    assert_string_equal(str(json_array_get(inputs, 0), "dataset.digest"), "abc123");
    assert_string_equal(
        str(json_array_get(json_object_get(json_array_get(inputs, 0), "tags"), 0), "value"),
        "training");
    assert_null(json_object_get(json_object_get(json_array_get(inputs, 0), "dataset"), "profile"));
    json_decref(out);
    /* the lineage edge dataset -> run */
    snprintf(path, sizeof path, "/api/v1/lineage/edges?type=run&id=%s&direction=upstream", run);
    out = mlflow_ok("GET", path, NULL);
    json_t *edges = json_object_get(out, "edges");
    assert_int_equal(json_array_size(edges), 1);
    assert_string_equal(str(json_array_get(edges, 0), "from.id"), "qa@abc123");
    json_decref(out);
    /* missing digest: 400, nothing logged */
    snprintf(body, sizeof body,
             "{\"run_id\":\"%s\",\"datasets\":[{\"dataset\":{\"name\":\"x\",\"source_type\":\"l\","
             "\"source\":\"s\"}}]}",
             run);
    mlflow_fails("POST", "/runs/log-inputs", body, 400, "INVALID_PARAMETER_VALUE");
    free(run);
}

/* ---- search ---------------------------------------------------------------------------------- */

static void test_run_search(void **state)
{
    (void)state;
    char *exp = create_experiment("search-exp");
    char *ids[6];
    char body[2048];
    for (int i = 0; i < 6; i++) {
        char extra[128];
        snprintf(extra, sizeof extra, "\"start_time\":%d,\"run_name\":\"r%d\"", 1000 + i, i);
        ids[i] = create_run(exp, extra);
        /* acc = i/10 for all but run 5, which has no acc; model = a for even, b for odd */
        snprintf(body, sizeof body,
                 "{\"run_id\":\"%s\",\"metrics\":[%s],\"params\":[{\"key\":\"model\",\"value\":"
                 "\"%s\"}],\"tags\":[{\"key\":\"Team\",\"value\":\"%s\"}]}",
                 ids[i], "", i % 2 ? "b" : "a", i < 3 ? "Vision" : "nlp");
        if (i < 5) {
            char metric[128];
            snprintf(metric, sizeof metric, "{\"key\":\"acc\",\"value\":%g,\"timestamp\":1}",
                     i / 10.0);
            snprintf(body, sizeof body,
                     "{\"run_id\":\"%s\",\"metrics\":[%s],\"params\":[{\"key\":\"model\","
                     "\"value\":\"%s\"}],\"tags\":[{\"key\":\"Team\",\"value\":\"%s\"}]}",
                     ids[i], metric, i % 2 ? "b" : "a", i < 3 ? "Vision" : "nlp");
        }
        json_decref(mlflow_ok("POST", "/runs/log-batch", body));
    }
    /* default order: start_time DESC */
    snprintf(body, sizeof body, "{\"experiment_ids\":[\"%s\"]}", exp);
    json_t *out = mlflow_ok("POST", "/runs/search", body);
    json_t *runs = json_object_get(out, "runs");
    assert_int_equal(json_array_size(runs), 6);
    assert_string_equal(str(json_array_get(runs, 0), "info.run_id"), ids[5]);
    json_decref(out);

    /* metric + param filter, ordered by metric */
    snprintf(body, sizeof body,
             "{\"experiment_ids\":[\"%s\"],\"filter\":\"metrics.acc >= 0.1 and params.model = "
             "'a'\",\"order_by\":[\"metrics.acc DESC\"]}",
             exp);
    out = mlflow_ok("POST", "/runs/search", body);
    runs = json_object_get(out, "runs");
    assert_int_equal(json_array_size(runs), 2); /* runs 2 and 4 */
    assert_string_equal(str(json_array_get(runs, 0), "info.run_id"), ids[4]);
    assert_string_equal(str(json_array_get(runs, 1), "info.run_id"), ids[2]);
    json_decref(out);

    /* order by metric ASC puts the run without it last */
    snprintf(body, sizeof body, "{\"experiment_ids\":[\"%s\"],\"order_by\":[\"metrics.acc ASC\"]}",
             exp);
    out = mlflow_ok("POST", "/runs/search", body);
    runs = json_object_get(out, "runs");
    assert_string_equal(str(json_array_get(runs, 0), "info.run_id"), ids[0]);
    assert_string_equal(str(json_array_get(runs, 5), "info.run_id"), ids[5]);
    json_decref(out);

    /* tags LIKE is case-sensitive, ILIKE not; attributes */
    snprintf(body, sizeof body,
             "{\"experiment_ids\":[\"%s\"],\"filter\":\"tags.Team LIKE 'vis%%'\"}", exp);
    out = mlflow_ok("POST", "/runs/search", body);
    assert_null(json_object_get(out, "runs"));
    json_decref(out);
    snprintf(body, sizeof body,
             "{\"experiment_ids\":[\"%s\"],\"filter\":\"tags.Team ILIKE 'vis%%'\"}", exp);
    out = mlflow_ok("POST", "/runs/search", body);
    assert_int_equal(json_array_size(json_object_get(out, "runs")), 3);
    json_decref(out);
    snprintf(body, sizeof body,
             "{\"experiment_ids\":[\"%s\"],\"filter\":\"attributes.run_name = 'r3' and "
             "attributes.start_time > 1000\"}",
             exp);
    out = mlflow_ok("POST", "/runs/search", body);
    runs = json_object_get(out, "runs");
    assert_int_equal(json_array_size(runs), 1);
    assert_string_equal(str(json_array_get(runs, 0), "info.run_id"), ids[3]);
    json_decref(out);

    /* paging: 6 runs, 4 per page */
    snprintf(body, sizeof body,
             "{\"experiment_ids\":[\"%s\"],\"max_results\":4,\"order_by\":[\"attributes.start_time "
             "ASC\"]}",
             exp);
    out = mlflow_ok("POST", "/runs/search", body);
    assert_int_equal(json_array_size(json_object_get(out, "runs")), 4);
    const char *token = str(out, "next_page_token");
    assert_non_null(token);
    char body2[2048];
    snprintf(body2, sizeof body2,
             "{\"experiment_ids\":[\"%s\"],\"max_results\":4,\"order_by\":[\"attributes.start_time "
             "ASC\"],\"page_token\":\"%s\"}",
             exp, token);
    json_decref(out);
    out = mlflow_ok("POST", "/runs/search", body2);
    runs = json_object_get(out, "runs");
    assert_int_equal(json_array_size(runs), 2);
    assert_string_equal(str(json_array_get(runs, 1), "info.run_id"), ids[5]);
    assert_null(json_object_get(out, "next_page_token"));
    json_decref(out);

    /* malformed filters and bad arguments */
    snprintf(body, sizeof body, "{\"experiment_ids\":[\"%s\"],\"filter\":\"metrics.acc >> 1\"}",
             exp);
    mlflow_fails("POST", "/runs/search", body, 400, "INVALID_PARAMETER_VALUE");
    snprintf(body, sizeof body, "{\"experiment_ids\":[\"%s\"],\"filter\":\"params.model > 1\"}",
             exp);
    mlflow_fails("POST", "/runs/search", body, 400, "INVALID_PARAMETER_VALUE");
    snprintf(body, sizeof body,
             "{\"experiment_ids\":[\"%s\"],\"filter\":\"attributes.bogus = 'x'\"}", exp);
    mlflow_fails("POST", "/runs/search", body, 400, "INVALID_PARAMETER_VALUE");
    snprintf(body, sizeof body, "{\"experiment_ids\":[\"%s\"],\"max_results\":50001}", exp);
    mlflow_fails("POST", "/runs/search", body, 400, "INVALID_PARAMETER_VALUE");

    /* deleted runs: only with DELETED_ONLY / ALL */
    snprintf(body, sizeof body, "{\"run_id\":\"%s\"}", ids[0]);
    json_decref(mlflow_ok("POST", "/runs/delete", body));
    snprintf(body, sizeof body, "{\"experiment_ids\":[\"%s\"],\"run_view_type\":\"DELETED_ONLY\"}",
             exp);
    out = mlflow_ok("POST", "/runs/search", body);
    assert_int_equal(json_array_size(json_object_get(out, "runs")), 1);
    json_decref(out);
    snprintf(body, sizeof body, "{\"experiment_ids\":[\"%s\"],\"run_view_type\":\"ALL\"}", exp);
    out = mlflow_ok("POST", "/runs/search", body);
    assert_int_equal(json_array_size(json_object_get(out, "runs")), 6);
    json_decref(out);

    /* llmops' own API: list and compare */
    char path[512];
    snprintf(path, sizeof path,
             "/api/v1/runs?experiment_id=%s&filter=params.model%%20%%3D%%20%%27b%%27", exp);
    out = mlflow_ok("GET", path, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "runs")), 3);
    json_decref(out);
    snprintf(path, sizeof path, "/api/v1/runs/compare?run_id=%s&run_id=%s", ids[1], ids[2]);
    out = mlflow_ok("GET", path, NULL);
    json_t *params = json_object_get(out, "params");
    assert_int_equal(json_array_size(params), 1);
    assert_true(json_is_true(json_object_get(json_array_get(params, 0), "differs")));
    json_decref(out);
    snprintf(path, sizeof path, "/api/v1/runs/%s/metrics/acc", ids[1]);
    out = mlflow_ok("GET", path, NULL);
    assert_int_equal(json_array_size(json_object_get(out, "metrics")), 1);
    json_decref(out);
    out = mlflow_ok("GET", "/api/v1/experiments/search-exp", NULL);
    assert_string_equal(str(out, "experiment.experiment_id"), exp);
    json_decref(out);
    for (int i = 0; i < 6; i++)
        free(ids[i]);
    free(exp);
}

static void test_ajax_prefix_and_methods(void **state)
{
    (void)state;
    test_response_t res;
    harness_request(server.url, "GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", NULL,
                    NULL, &res);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
    harness_request(server.url, "GET", "/api/2.0/mlflow/runs/create", NULL, NULL, &res);
    assert_int_equal(res.status, 405);
    harness_response_free(&res);
    harness_request(server.url, "POST", "/api/2.0/mlflow/runs/create", NULL, "{not json", &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(json_string_value(json_object_get(res.json, "error_code")),
                        "INVALID_PARAMETER_VALUE");
    harness_response_free(&res);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_experiment),
        cmocka_unit_test(test_experiment_lifecycle),
        cmocka_unit_test(test_experiment_search_paging),
        cmocka_unit_test(test_run_create_get_update),
        cmocka_unit_test(test_params_metrics_tags),
        cmocka_unit_test(test_log_batch_all_or_nothing),
        cmocka_unit_test(test_log_inputs),
        cmocka_unit_test(test_run_search),
        cmocka_unit_test(test_ajax_prefix_and_methods),
    };
    int rc = cmocka_run_group_tests(tests, setup_server, teardown_server);
    curl_global_cleanup();
    return rc;
}
