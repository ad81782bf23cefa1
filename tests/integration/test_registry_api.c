/* test_registry_api.c - llmops' own registry API (/api/v1/models...) and the `llmops models`
 * CLI end to end: create/read/update/delete of models and versions with the serving spec,
 * aliases, names that need percent-encoding in the path, the error for every bad request
 * (400 naming the field, 404, 409) with a check that nothing changed, lineage recorded for a
 * run_id, and the CLI against the running server (--server) and in-process (--data).
 * Runs against the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/api_testutil.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* The model and its versions as text, to prove an error changed nothing. */
static char *state_of(const char *encoded_name)
{
    char model[512], versions[512];
    snprintf(model, sizeof model, "/api/v1/models/%s", encoded_name);
    snprintf(versions, sizeof versions, "/api/v1/models/%s/versions", encoded_name);
    return api_snapshot(model, versions);
}

static void assert_unchanged(char *before, const char *encoded_name)
{
    api_assert_same(before, state_of(encoded_name));
}

/* ---- models --------------------------------------------------------------------------------- */

static void test_model_crud(void **state)
{
    (void)state;
    json_t *reply = api_expect("POST", "/api/v1/models",
                               "{\"name\": \"support-bot\", \"description\": \"answers\", "
                               "\"tags\": {\"team\": \"cx\"}}",
                               201);
    json_t *m = json_object_get(reply, "model");
    assert_string_equal(jstr(m, "name"), "support-bot");
    assert_string_equal(jstr(m, "description"), "answers");
    assert_string_equal(jstr(json_object_get(m, "tags"), "team"), "cx");
    assert_true(json_is_object(json_object_get(m, "aliases")));
    assert_true(json_is_null(json_object_get(m, "latest_version")));
    assert_true(jint(m, "creation_timestamp") > 0);
    json_decref(reply);

    char *before = state_of("support-bot");
    api_fails("POST", "/api/v1/models", "{\"name\": \"support-bot\"}", 409, "conflict", NULL);
    api_fails("POST", "/api/v1/models", "{\"name\": \"\"}", 400, "invalid_argument", "name");
    api_fails("POST", "/api/v1/models", "{\"description\": \"x\"}", 400, "invalid_argument",
              "name");
    api_fails("POST", "/api/v1/models", "{\"name\": \"x\", \"tags\": [1]}", 400, "invalid_argument",
              "tags");
    api_fails("POST", "/api/v1/models", "{\"name\": \"x\", \"tags\": {\"k\": 1}}", 400,
              "invalid_argument", "tags.k");
    api_fails("POST", "/api/v1/models", "{\"name\": \"x\", \"tags\": {\"a//b\": \"v\"}}", 400,
              "invalid_argument", "tags[0].key");
    api_fails("POST", "/api/v1/models", "{\"name\": ", 400, "invalid_json", NULL);
    api_fails("PATCH", "/api/v1/models/support-bot", "{}", 400, "invalid_argument", NULL);
    api_fails("PATCH", "/api/v1/models/support-bot", "{\"name\": \"\"}", 400, "invalid_argument",
              "new_name");
    assert_unchanged(before, "support-bot");
    api_fails("GET", "/api/v1/models/x", NULL, 404, "not_found", NULL);
    api_fails("PATCH", "/api/v1/models/nope", "{\"description\": \"x\"}", 404, "not_found", NULL);
    api_fails("DELETE", "/api/v1/models/nope", NULL, 404, "not_found", NULL);

    reply = api_expect("PATCH", "/api/v1/models/support-bot",
                       "{\"name\": \"support-bot-2\", \"description\": null}", 200);
    m = json_object_get(reply, "model");
    assert_string_equal(jstr(m, "name"), "support-bot-2");
    assert_true(json_is_null(json_object_get(m, "description")));
    json_decref(reply);
    api_fails("GET", "/api/v1/models/support-bot", NULL, 404, "not_found", NULL);

    reply = api_expect("DELETE", "/api/v1/models/support-bot-2", NULL, 200);
    assert_string_equal(jstr(json_object_get(reply, "deleted"), "name"), "support-bot-2");
    json_decref(reply);
    api_fails("GET", "/api/v1/models/support-bot-2", NULL, 404, "not_found", NULL);
}

static void test_names_with_reserved_characters(void **state)
{
    (void)state;
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\": \"team/a b%c?\\u00fc\"}", 201));
    /* Percent-encoded in the path; the router matches before decoding. */
    json_t *reply = api_expect("GET", "/api/v1/models/team%2Fa%20b%25c%3F%C3%BC", NULL, 200);
    assert_string_equal(jstr(json_object_get(reply, "model"), "name"), "team/a b%c?\xc3\xbc");
    json_decref(reply);
    reply = api_expect("POST", "/api/v1/models/team%2Fa%20b%25c%3F%C3%BC/versions",
                       "{\"source\": \"s3://b/x\"}", 201);
    assert_int_equal(jint(json_object_get(reply, "version"), "version"), 1);
    json_decref(reply);
    json_decref(
        api_expect("GET", "/api/v1/models/team%2Fa%20b%25c%3F%C3%BC/versions/1", NULL, 200));
    /* An unencoded slash is another path. */
    api_fails("GET", "/api/v1/models/team/a", NULL, 404, "not_found", NULL);
}

/* ---- versions ------------------------------------------------------------------------------- */

static void test_versions_and_serving(void **state)
{
    (void)state;
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\": \"ranker\"}", 201));
    char run[33], body[1024];
    api_create_run(run);
    snprintf(body, sizeof body,
             "{\"source\": \"s3://models/ranker/1\", \"run_id\": \"%s\", \"description\": "
             "\"v1\", \"tags\": {\"eval\": \"pass\"}, \"serving\": {\"provider\": \"vllm\", "
             "\"model\": \"meta-llama/Llama-3.1-8B-Instruct\", \"base_url\": "
             "\"http://gpu-1:8000/v1\", \"params\": {\"temperature\": 0, \"max_tokens\": 512}}}",
             run);
    json_t *reply = api_expect("POST", "/api/v1/models/ranker/versions", body, 201);
    json_t *v = json_object_get(reply, "version");
    assert_int_equal(jint(v, "version"), 1);
    assert_string_equal(jstr(v, "run_id"), run);
    assert_string_equal(jstr(v, "status"), "READY");
    json_t *serving = json_object_get(v, "serving");
    assert_string_equal(jstr(serving, "provider"), "vllm");
    assert_string_equal(jstr(serving, "model"), "meta-llama/Llama-3.1-8B-Instruct");
    assert_string_equal(jstr(serving, "base_url"), "http://gpu-1:8000/v1");
    assert_int_equal(jint(json_object_get(serving, "params"), "max_tokens"), 512);
    json_decref(reply);
    json_decref(
        api_expect("POST", "/api/v1/models/ranker/versions", "{\"source\": \"s3://m/2\"}", 201));
    json_decref(
        api_expect("POST", "/api/v1/models/ranker/versions", "{\"source\": \"s3://m/3\"}", 201));

    /* Newest first; paging with the token. */
    reply = api_expect("GET", "/api/v1/models/ranker/versions?max_results=2", NULL, 200);
    json_t *list = json_object_get(reply, "versions");
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(jint(json_array_get(list, 0), "version"), 3);
    assert_int_equal(jint(json_array_get(list, 1), "version"), 2);
    char path[256];
    char *token = curl_easy_escape(NULL, jstr(reply, "next_page_token"), 0);
    snprintf(path, sizeof path, "/api/v1/models/ranker/versions?max_results=2&page_token=%s",
             token);
    curl_free(token);
    json_decref(reply);
    reply = api_expect("GET", path, NULL, 200);
    list = json_object_get(reply, "versions");
    assert_int_equal(json_array_size(list), 1);
    assert_int_equal(jint(json_array_get(list, 0), "version"), 1);
    assert_string_equal(jstr(json_object_get(json_array_get(list, 0), "serving"), "provider"),
                        "vllm");
    assert_null(json_object_get(reply, "next_page_token"));
    json_decref(reply);
    reply = api_expect("GET",
                       "/api/v1/models/ranker/versions?filter=version_number+%3C+3&order_by="
                       "version_number+ASC",
                       NULL, 200);
    assert_int_equal(json_array_size(json_object_get(reply, "versions")), 2);
    json_decref(reply);

    reply =
        api_expect("PATCH", "/api/v1/models/ranker/versions/2", "{\"description\": \"two\"}", 200);
    assert_string_equal(jstr(json_object_get(reply, "version"), "description"), "two");
    json_decref(reply);

    char *before = state_of("ranker");
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{}", "source"},
        {"{\"source\": \"../x\"}", "source"},
        {"{\"source\": \"s\", \"serving\": {\"model\": \"m\"}}", "serving.provider"},
        {"{\"source\": \"s\", \"serving\": {\"provider\": \"openai\"}}", "serving.model"},
        {"{\"source\": \"s\", \"serving\": {\"provider\": \"openai\", \"model\": \"m\", "
         "\"base_url\": \"file:///etc\"}}",
         "serving.base_url"},
        {"{\"source\": \"s\", \"serving\": {\"provider\": \"openai\", \"model\": \"m\", "
         "\"params\": \"hot\"}}",
         "serving.params"},
        {"{\"source\": \"s\", \"serving\": {\"provider\": \"openai\", \"model\": \"m\", "
         "\"temperature\": 1}}",
         "serving.temperature"},
        {"{\"source\": \"s\", \"serving\": \"openai\"}", "serving"},
        {"{\"source\": \"s\", \"run_id\": \"a b\"}", "run_id"},
        {"{\"source\": \"s\", \"tags\": {\"k\": 3}}", "tags.k"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        api_fails("POST", "/api/v1/models/ranker/versions", bad[i].body, 400, "invalid_argument",
                  bad[i].field);
    api_fails("POST", "/api/v1/models/nobody/versions", "{\"source\": \"s\"}", 404, "not_found",
              NULL);
    /* A well-formed run_id that names no run: 404 naming the run. */
    reply =
        api_expect("POST", "/api/v1/models/ranker/versions",
                   "{\"source\": \"s\", \"run_id\": \"0190ffffffffffffffffffffffffffff\"}", 404);
    assert_string_equal(jstr(json_object_get(reply, "error"), "code"), "not_found");
    assert_string_equal(jstr(json_object_get(reply, "error"), "message"),
                        "Run with id=0190ffffffffffffffffffffffffffff not found");
    json_decref(reply);
    api_fails("GET", "/api/v1/models/ranker/versions/9", NULL, 404, "not_found", NULL);
    api_fails("GET", "/api/v1/models/ranker/versions/two", NULL, 400, "invalid_argument",
              "version");
    api_fails("GET", "/api/v1/models/nobody/versions", NULL, 404, "not_found", NULL);
    api_fails("GET", "/api/v1/models/ranker/versions?max_results=x", NULL, 400, "invalid_argument",
              "max_results");
    api_fails("GET", "/api/v1/models/ranker/versions?filter=bogus+%3D+%27x%27", NULL, 400,
              "invalid_argument", "filter");
    api_fails("PATCH", "/api/v1/models/ranker/versions/2", "{}", 400, "invalid_argument",
              "description");
    api_fails("PATCH", "/api/v1/models/ranker/versions/9", "{\"description\": \"x\"}", 404,
              "not_found", NULL);
    api_fails("DELETE", "/api/v1/models/ranker/versions/9", NULL, 404, "not_found", NULL);
    assert_unchanged(before, "ranker");

    reply = api_expect("DELETE", "/api/v1/models/ranker/versions/3", NULL, 200);
    assert_int_equal(jint(json_object_get(reply, "deleted"), "version"), 3);
    json_decref(reply);
    reply = api_expect("POST", "/api/v1/models/ranker/versions", "{\"source\": \"s3://m/4\"}", 201);
    assert_int_equal(jint(json_object_get(reply, "version"), "version"), 4);
    json_decref(reply);

    /* The run_id became a lineage edge run -> model_version. */
    reply = api_expect("GET",
                       "/api/v1/lineage/edges?type=model_version&id=ranker%2F1&direction=upstream",
                       NULL, 200);
    json_t *edge = json_array_get(json_object_get(reply, "edges"), 0);
    assert_non_null(edge);
    assert_string_equal(jstr(json_object_get(edge, "from"), "id"), run);
    assert_string_equal(jstr(edge, "relation"), "registered_as");
    json_decref(reply);
}

/* A dataset logged as a run's input, then a model version registered from that run: the lineage
 * graph walks dataset -> run -> model_version downstream, and back upstream. */
static void test_lineage_dataset_run_model_version(void **state)
{
    (void)state;
    char run[33], body[1024];
    api_create_run(run);
    snprintf(body, sizeof body,
             "{\"run_id\": \"%s\", \"datasets\": [{\"tags\": [{\"key\": "
             "\"mlflow.data.context\", \"value\": \"training\"}], \"dataset\": {\"name\": "
             "\"qa-set\", \"digest\": \"d41d8cd9\", \"source_type\": \"local\", \"source\": "
             "\"/data/qa.jsonl\"}}]}",
             run);
    json_decref(api_expect("POST", "/api/2.0/mlflow/runs/log-inputs", body, 200));
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\": \"grounded\"}", 201));
    snprintf(body, sizeof body, "{\"source\": \"runs:/%s/model\", \"run_id\": \"%s\"}", run, run);
    json_decref(api_expect("POST", "/api/v1/models/grounded/versions", body, 201));

    json_t *graph = api_expect("GET",
                               "/api/v1/lineage/graph?type=dataset&id=qa-set%40d41d8cd9"
                               "&direction=downstream",
                               NULL, 200);
    json_t *nodes = json_object_get(graph, "nodes");
    assert_int_equal(json_array_size(nodes), 3);
    const char *expected[][2] = {
        {"dataset", "qa-set@d41d8cd9"}, {"run", run}, {"model_version", "grounded/1"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *node = json_array_get(nodes, i);
        assert_string_equal(jstr(node, "type"), expected[i][0]);
        assert_string_equal(jstr(node, "id"), expected[i][1]);
        assert_int_equal(jint(node, "depth"), (json_int_t)i);
    }
    json_t *edges = json_object_get(graph, "edges");
    assert_int_equal(json_array_size(edges), 2);
    assert_string_equal(jstr(json_array_get(edges, 0), "relation"), "input");
    assert_string_equal(jstr(json_array_get(edges, 1), "relation"), "registered_as");
    json_decref(graph);

    /* And back: where did grounded/1 come from? */
    graph = api_expect(
        "GET", "/api/v1/lineage/graph?type=model_version&id=grounded%2F1&direction=upstream", NULL,
        200);
    nodes = json_object_get(graph, "nodes");
    assert_int_equal(json_array_size(nodes), 3);
    assert_string_equal(jstr(json_array_get(nodes, 2), "id"), "qa-set@d41d8cd9");
    json_decref(graph);

    /* Renaming the model carries its lineage node along. */
    json_decref(api_expect("PATCH", "/api/v1/models/grounded", "{\"name\": \"grounded-2\"}", 200));
    graph = api_expect(
        "GET", "/api/v1/lineage/graph?type=dataset&id=qa-set%40d41d8cd9&direction=downstream", NULL,
        200);
    assert_string_equal(jstr(json_array_get(json_object_get(graph, "nodes"), 2), "id"),
                        "grounded-2/1");
    json_decref(graph);
}

/* ---- aliases -------------------------------------------------------------------------------- */

static void test_aliases(void **state)
{
    (void)state;
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\": \"chat\"}", 201));
    json_decref(
        api_expect("POST", "/api/v1/models/chat/versions", "{\"source\": \"s3://c/1\"}", 201));
    json_decref(
        api_expect("POST", "/api/v1/models/chat/versions", "{\"source\": \"s3://c/2\"}", 201));

    json_t *reply =
        api_expect("PUT", "/api/v1/models/chat/aliases/production", "{\"version\": 1}", 200);
    assert_string_equal(jstr(reply, "alias"), "production");
    assert_int_equal(jint(json_object_get(reply, "version"), "version"), 1);
    json_decref(reply);
    reply =
        api_expect("PUT", "/api/v1/models/chat/aliases/production", "{\"version\": \"2\"}", 200);
    assert_int_equal(jint(json_object_get(reply, "version"), "version"), 2);
    json_decref(reply);
    reply = api_expect("GET", "/api/v1/models/chat/aliases/production", NULL, 200);
    json_t *v = json_object_get(reply, "version");
    assert_int_equal(jint(v, "version"), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "aliases"), 0)),
                        "production");
    json_decref(reply);
    reply = api_expect("GET", "/api/v1/models/chat", NULL, 200);
    assert_int_equal(
        jint(json_object_get(json_object_get(reply, "model"), "aliases"), "production"), 2);
    json_decref(reply);

    char *before = state_of("chat");
    api_fails("PUT", "/api/v1/models/chat/aliases/latest", "{\"version\": 1}", 400,
              "invalid_argument", "alias");
    api_fails("PUT", "/api/v1/models/chat/aliases/v1", "{\"version\": 1}", 400, "invalid_argument",
              "alias");
    api_fails("PUT", "/api/v1/models/chat/aliases/a%20b", "{\"version\": 1}", 400,
              "invalid_argument", "alias");
    api_fails("PUT", "/api/v1/models/chat/aliases/x", "{}", 400, "invalid_argument", "version");
    api_fails("PUT", "/api/v1/models/chat/aliases/x", "{\"version\": \"one\"}", 400,
              "invalid_argument", "version");
    api_fails("PUT", "/api/v1/models/chat/aliases/x", "{\"version\": 5}", 404, "not_found", NULL);
    api_fails("PUT", "/api/v1/models/nobody/aliases/x", "{\"version\": 1}", 404, "not_found", NULL);
    api_fails("GET", "/api/v1/models/chat/aliases/staging", NULL, 404, "not_found", NULL);
    api_fails("DELETE", "/api/v1/models/chat/aliases/staging", NULL, 404, "not_found", NULL);
    assert_unchanged(before, "chat");

    reply = api_expect("DELETE", "/api/v1/models/chat/aliases/production", NULL, 200);
    assert_string_equal(jstr(json_object_get(reply, "deleted"), "alias"), "production");
    json_decref(reply);
    api_fails("DELETE", "/api/v1/models/chat/aliases/production", NULL, 404, "not_found", NULL);
    api_fails("GET", "/api/v1/models/chat/aliases/production", NULL, 404, "not_found", NULL);
}

static void test_list_models(void **state)
{
    (void)state;
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\": \"list-b\"}", 201));
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\": \"list-a\"}", 201));
    json_decref(api_expect("POST", "/api/v1/models", "{\"name\": \"list-c\"}", 201));
    json_t *reply = api_expect("GET", "/api/v1/models?filter=name+LIKE+%27list-%25%27", NULL, 200);
    json_t *list = json_object_get(reply, "models");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(jstr(json_array_get(list, 0), "name"), "list-a");
    json_decref(reply);
    reply = api_expect(
        "GET", "/api/v1/models?filter=name+LIKE+%27list-%25%27&order_by=name+DESC&max_results=1",
        NULL, 200);
    list = json_object_get(reply, "models");
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(jstr(json_array_get(list, 0), "name"), "list-c");
    assert_non_null(jstr(reply, "next_page_token"));
    json_decref(reply);
    api_fails("GET", "/api/v1/models?max_results=5000", NULL, 400, "invalid_argument",
              "max_results");
    api_fails("GET", "/api/v1/models?order_by=size", NULL, 400, "invalid_argument", "order_by");
    api_fails("GET", "/api/v1/models?page_token=zzz", NULL, 400, "invalid_argument", "page_token");
}

/* ---- the CLI -------------------------------------------------------------------------------- */

static void test_cli_against_server(void **state)
{
    (void)state;
    char out[16384];
    const char *bin = harness_bin();
    const char *srv = server.url;
    char run[33];
    api_create_run(run);
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models create 'cli/bot one' --description 'CLI made' "
                             "--tag team=cx",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, "\"name\": \"cli/bot one\""));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models version-create 'cli/bot one' --source "
                             "s3://m/1 --run-id %s --serving-provider openai "
                             "--serving-model gpt-4o-mini --serving-base-url https://api.x/v1",
                             bin, srv, run),
                     0);
    assert_non_null(strstr(out, "\"version\": 1"));
    assert_non_null(strstr(out, "\"provider\": \"openai\""));
    /* A runs:/ source without --run-id: the CLI takes the run id from it, as MLflow's
     * register_model does; an unknown run in it is the server's 404. */
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models version-create 'cli/bot one' --source "
                             "runs:/%s/model",
                             bin, srv, run),
                     0);
    char expected[64];
    snprintf(expected, sizeof expected, "\"run_id\": \"%s\"", run);
    assert_non_null(strstr(out, expected));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models version-create 'cli/bot one' --source "
                             "runs:/0190ffffffffffffffffffffffffffff/model",
                             bin, srv),
                     1);
    assert_non_null(strstr(out, "Run with id=0190ffffffffffffffffffffffffffff not found"));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models alias set 'cli/bot one' champion 1", bin, srv),
                     0);
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models alias get 'cli/bot one' champion", bin, srv),
                     0);
    assert_non_null(strstr(out, "\"alias\": \"champion\""));

    /* Tables. */
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models list --filter \"name LIKE "
                             "'cli/%%'\"",
                             bin, srv),
                     0);
    assert_non_null(strstr(out, "NAME"));
    assert_non_null(strstr(out, "cli/bot one"));
    assert_non_null(strstr(out, "champion=1"));
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s models show 'cli/bot one'", bin, srv),
                     0);
    assert_non_null(strstr(out, "description:  CLI made"));
    assert_non_null(strstr(out, "team = cx"));
    assert_non_null(strstr(out, "latest:       version 2"));
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s models versions 'cli/bot one'", bin, srv), 0);
    assert_non_null(strstr(out, "openai/gpt-4o-mini"));
    char run_cell[16]; /* the RUN column shows 11 characters and "..." */
    snprintf(run_cell, sizeof run_cell, "%.11s...", run);
    assert_non_null(strstr(out, run_cell));
    assert_true(strstr(out, "\n2 ") < strstr(out, "\n1 ")); /* newest first */
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s models versions 'cli/bot one' --json", bin, srv),
        0);
    json_t *parsed = json_loads(out, 0, NULL);
    assert_non_null(parsed);
    assert_int_equal(json_array_size(json_object_get(parsed, "versions")), 2);
    json_decref(parsed);

    /* Failures exit 1 with the server's message; usage errors exit 2. */
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s models alias get 'cli/bot one' nope", bin, srv),
        1);
    assert_non_null(strstr(out, "Registered model alias nope not found."));
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s models create 'cli/bot one'", bin, srv), 1);
    assert_non_null(strstr(out, "already exists"));
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s models version-create x", bin, srv),
                     2);
    assert_non_null(strstr(out, "--source"));
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models version-create x --source s "
                             "--serving-provider openai",
                             bin, srv),
                     2);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s models alias set a b", bin, srv), 2);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s models alias move a b 1", bin, srv),
                     2);
    assert_int_equal(run_cli(out, sizeof out, "%s --server %s models list --bogus", bin, srv), 2);

    /* --help at every level. */
    assert_int_equal(run_cli(out, sizeof out, "%s models --help", bin), 0);
    assert_non_null(strstr(out, "version-create"));
    assert_int_equal(run_cli(out, sizeof out, "%s models alias --help", bin), 0);
    assert_non_null(strstr(out, "set NAME ALIAS VERSION"));
    assert_int_equal(run_cli(out, sizeof out, "%s models version-create --help", bin), 0);
    assert_non_null(strstr(out, "--serving-provider"));

    assert_int_equal(run_cli(out, sizeof out,
                             "%s --server %s models alias delete 'cli/bot one' "
                             "champion",
                             bin, srv),
                     0);
    assert_int_equal(
        run_cli(out, sizeof out, "%s --server %s models delete 'cli/bot one'", bin, srv), 0);
    json_t *reply = api_expect("GET", "/api/v1/models/cli%2Fbot%20one", NULL, 404);
    json_decref(reply);
}

static void test_cli_in_process(void **state)
{
    (void)state;
    char dir[] = "/tmp/llmops-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out[8192];
    const char *bin = harness_bin();
    assert_int_equal(run_cli(out, sizeof out, "%s --data %s models create local", bin, dir), 0);
    assert_int_equal(run_cli(out, sizeof out,
                             "%s --data %s models version-create local --source s3://l/1", bin,
                             dir),
                     0);
    assert_int_equal(
        run_cli(out, sizeof out, "%s --data %s models alias set local prod 1", bin, dir), 0);
    assert_int_equal(run_cli(out, sizeof out, "%s --data %s models list", bin, dir), 0);
    assert_non_null(strstr(out, "local"));
    assert_non_null(strstr(out, "prod=1"));
    assert_int_equal(run_cli(out, sizeof out, "%s --data %s models show missing", bin, dir), 1);
    assert_non_null(strstr(out, "not found"));
    harness_rmdir(dir);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_crud),
        cmocka_unit_test(test_names_with_reserved_characters),
        cmocka_unit_test(test_versions_and_serving),
        cmocka_unit_test(test_lineage_dataset_run_model_version),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_list_models),
        cmocka_unit_test(test_cli_against_server),
        cmocka_unit_test(test_cli_in_process),
    };
    int failed = cmocka_run_group_tests_name("registry api", tests, setup_server, teardown_server);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
