/* test_mlflow_registry.c - MLflow's Model Registry REST API 2.0 end to end over HTTP: request
 * and response pairs as MLflow's docs and protos give them (GET with query parameters,
 * POST/PATCH/DELETE with JSON bodies, versions as strings, timestamps as JSON numbers, unknown
 * fields ignored), every error path with MLflow's error_code and HTTP status, and after each
 * error a check that nothing changed; search with filters, order_by and page tokens.
 * Runs against the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/api_testutil.h"

#define API "/api/2.0/mlflow/"

/* ---- helpers -------------------------------------------------------------------------------- */

/* Everything the registry shows about one model, as text: to prove an error changed nothing. */
static char *state_of(const char *name)
{
    char model[512], versions[640], filter[400];
    char *escaped = curl_easy_escape(NULL, name, 0);
    snprintf(model, sizeof model, API "registered-models/get?name=%s", escaped);
    snprintf(filter, sizeof filter, "name='%s'", name);
    char *f = curl_easy_escape(NULL, filter, 0);
    snprintf(versions, sizeof versions, API "model-versions/search?filter=%s", f);
    curl_free(escaped);
    curl_free(f);
    return api_snapshot(model, versions);
}

static void assert_unchanged(char *before, const char *name)
{
    api_assert_same(before, state_of(name));
}

static void create_model(const char *name)
{
    char body[512];
    snprintf(body, sizeof body, "{\"name\": \"%s\"}", name);
    json_decref(mlflow_ok("POST", API "registered-models/create", body));
}

/* Create a version; returns its number (from the string the wire carries). */
static int create_version(const char *name, const char *source, const char *extra)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"name\": \"%s\", \"source\": \"%s\"%s%s}", name, source,
             extra ? ", " : "", extra ? extra : "");
    json_t *reply = mlflow_ok("POST", API "model-versions/create", body);
    int n = atoi(jstr(json_object_get(reply, "model_version"), "version"));
    json_decref(reply);
    return n;
}

/* ---- registered models ---------------------------------------------------------------------- */

static void test_create_and_get_registered_model(void **state)
{
    (void)state;
    json_t *reply =
        mlflow_ok("POST", API "registered-models/create",
                  "{\"name\": \"fraud-detector\", \"description\": \"catches fraud\", "
                  "\"tags\": [{\"key\": \"team\", \"value\": \"risk\"}, "
                  "{\"key\": \"tier\", \"value\": \"1\"}], \"unknown_field\": {\"x\": 1}}");
    json_t *m = json_object_get(reply, "registered_model");
    assert_string_equal(jstr(m, "name"), "fraud-detector");
    assert_string_equal(jstr(m, "description"), "catches fraud");
    assert_true(json_is_integer(json_object_get(m, "creation_timestamp")));
    assert_true(json_is_integer(json_object_get(m, "last_updated_timestamp")));
    assert_int_equal(json_array_size(json_object_get(m, "latest_versions")), 0);
    assert_int_equal(json_array_size(json_object_get(m, "aliases")), 0);
    json_t *tags = json_object_get(m, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(jstr(json_array_get(tags, 0), "key"), "team");
    assert_string_equal(jstr(json_array_get(tags, 0), "value"), "risk");
    /* Exactly the RegisteredModel fields, nothing of llmops' own. */
    assert_int_equal(json_object_size(m), 7);
    json_decref(reply);

    reply = mlflow_ok("GET", API "registered-models/get?name=fraud-detector", NULL);
    m = json_object_get(reply, "registered_model");
    assert_string_equal(jstr(m, "name"), "fraud-detector");
    assert_string_equal(jstr(json_array_get(json_object_get(m, "tags"), 1), "key"), "tier");
    json_decref(reply);

    /* No description given: the field is left out, as protobuf leaves unset fields out. */
    reply = mlflow_ok("POST", API "registered-models/create", "{\"name\": \"no-description\"}");
    assert_null(json_object_get(json_object_get(reply, "registered_model"), "description"));
    json_decref(reply);
}

static void test_registered_model_errors(void **state)
{
    (void)state;
    create_model("taken");
    char *before = state_of("taken");
    mlflow_fails("POST", API "registered-models/create", "{\"name\": \"taken\"}", 400,
                 "RESOURCE_ALREADY_EXISTS");
    mlflow_fails("POST", API "registered-models/create",
                 "{\"name\": \"taken\", \"description\": 5}", 400, "INVALID_PARAMETER_VALUE");
    assert_unchanged(before, "taken");

    before = state_of("fresh");
    mlflow_fails("POST", API "registered-models/create", "{}", 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/create", "{\"name\": \"\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/create", "{\"name\": 42}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/create", "not json", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/create",
                 "{\"name\": \"fresh\", \"tags\": [{\"key\": \"../up\", \"value\": \"v\"}]}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/create",
                 "{\"name\": \"fresh\", \"tags\": [{\"key\": \"k\", \"value\": 1}]}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/create",
                 "{\"name\": \"fresh\", \"tags\": {\"k\": 1}}", 400, "INVALID_PARAMETER_VALUE");
    char body[400];
    char long_name[252];
    memset(long_name, 'x', 251);
    long_name[251] = '\0';
    snprintf(body, sizeof body, "{\"name\": \"%s\"}", long_name);
    mlflow_fails("POST", API "registered-models/create", body, 400, "INVALID_PARAMETER_VALUE");
    assert_unchanged(before, "fresh");

    mlflow_fails("GET", API "registered-models/get?name=absent", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", API "registered-models/get", NULL, 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("DELETE", API "registered-models/delete", "{\"name\": \"absent\"}", 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("PATCH", API "registered-models/update",
                 "{\"name\": \"absent\", \"description\": \"x\"}", 404, "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("POST", API "registered-models/set-tag",
                 "{\"name\": \"absent\", \"key\": \"k\", "
                 "\"value\": \"v\"}",
                 404, "RESOURCE_DOES_NOT_EXIST");
    /* Wrong methods are llmops' 405. */
    test_response_t res;
    api_call("POST", API "registered-models/get", "{\"name\": \"taken\"}", &res);
    assert_int_equal(res.status, 405);
    harness_response_free(&res);
}

static void test_rename_update_delete_registered_model(void **state)
{
    (void)state;
    create_model("rn-old");
    create_model("rn-other");
    assert_int_equal(create_version("rn-old", "s3://b/1", NULL), 1);
    mlflow_ok_empty("POST", API "registered-models/alias",
                    "{\"name\": \"rn-old\", \"alias\": \"prod\", \"version\": \"1\"}");

    json_t *reply = mlflow_ok("POST", API "registered-models/rename",
                              "{\"name\": \"rn-old\", \"new_name\": \"rn-new\"}");
    json_t *m = json_object_get(reply, "registered_model");
    assert_string_equal(jstr(m, "name"), "rn-new");
    assert_string_equal(jstr(json_array_get(json_object_get(m, "latest_versions"), 0), "name"),
                        "rn-new");
    assert_string_equal(jstr(json_array_get(json_object_get(m, "aliases"), 0), "alias"), "prod");
    json_decref(reply);
    mlflow_fails("GET", API "registered-models/get?name=rn-old", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    reply = mlflow_ok("GET", API "model-versions/get?name=rn-new&version=1", NULL);
    json_decref(reply);

    char *before = state_of("rn-new");
    char *before_other = state_of("rn-other");
    mlflow_fails("POST", API "registered-models/rename",
                 "{\"name\": \"rn-new\", \"new_name\": "
                 "\"rn-other\"}",
                 400, "RESOURCE_ALREADY_EXISTS");
    mlflow_fails("POST", API "registered-models/rename", "{\"name\": \"rn-new\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/rename",
                 "{\"name\": \"rn-absent\", \"new_name\": \"z\"}", 404, "RESOURCE_DOES_NOT_EXIST");
    assert_unchanged(before, "rn-new");
    assert_unchanged(before_other, "rn-other");

    reply = mlflow_ok("PATCH", API "registered-models/update",
                      "{\"name\": \"rn-new\", \"description\": \"now described\"}");
    assert_string_equal(jstr(json_object_get(reply, "registered_model"), "description"),
                        "now described");
    json_decref(reply);

    mlflow_ok_empty("DELETE", API "registered-models/delete", "{\"name\": \"rn-new\"}");
    mlflow_fails("GET", API "registered-models/get?name=rn-new", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", API "model-versions/get?name=rn-new&version=1", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", API "registered-models/alias?name=rn-new&alias=prod", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
}

static void test_registered_model_tags(void **state)
{
    (void)state;
    create_model("tagged");
    mlflow_ok_empty("POST", API "registered-models/set-tag",
                    "{\"name\": \"tagged\", \"key\": \"owner\", \"value\": \"ana\"}");
    mlflow_ok_empty("POST", API "registered-models/set-tag",
                    "{\"name\": \"tagged\", \"key\": \"owner\", \"value\": \"bo\"}");
    json_t *reply = mlflow_ok("GET", API "registered-models/get?name=tagged", NULL);
    json_t *tags = json_object_get(json_object_get(reply, "registered_model"), "tags");
    assert_int_equal(json_array_size(tags), 1);
    assert_string_equal(jstr(json_array_get(tags, 0), "value"), "bo");
    json_decref(reply);

    char *before = state_of("tagged");
    mlflow_fails("POST", API "registered-models/set-tag",
                 "{\"name\": \"tagged\", \"key\": \"a//b\", \"value\": \"v\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/set-tag",
                 "{\"name\": \"tagged\", \"value\": \"v\"}", 400, "INVALID_PARAMETER_VALUE");
    assert_unchanged(before, "tagged");

    mlflow_ok_empty("DELETE", API "registered-models/delete-tag",
                    "{\"name\": \"tagged\", \"key\": "
                    "\"owner\"}");
    /* Deleting a tag that is not there is fine, as in MLflow. */
    mlflow_ok_empty("DELETE", API "registered-models/delete-tag",
                    "{\"name\": \"tagged\", \"key\": "
                    "\"owner\"}");
    mlflow_fails("DELETE", API "registered-models/delete-tag",
                 "{\"name\": \"nobody\", \"key\": \"k\"}", 404, "RESOURCE_DOES_NOT_EXIST");
}

/* ---- model versions ------------------------------------------------------------------------- */

static void test_model_version_lifecycle(void **state)
{
    (void)state;
    create_model("mv");
    char run[33], body[1024], expected[128];
    api_create_run(run);
    snprintf(body, sizeof body,
             "{\"name\": \"mv\", \"source\": \"runs:/%s/model\", \"run_id\": \"%s\", "
             "\"description\": \"first\", \"run_link\": \"http://x/runs/%s\", "
             "\"tags\": [{\"key\": \"stage\", \"value\": \"dev\"}], "
             "\"serving\": {\"provider\": \"openai\", \"model\": \"gpt-4o-mini\"}, "
             "\"extra\": true}",
             run, run, run);
    json_t *reply = mlflow_ok("POST", API "model-versions/create", body);
    json_t *v = json_object_get(reply, "model_version");
    assert_string_equal(jstr(v, "name"), "mv");
    assert_string_equal(jstr(v, "version"), "1");
    assert_true(json_is_integer(json_object_get(v, "creation_timestamp")));
    assert_true(json_is_integer(json_object_get(v, "last_updated_timestamp")));
    assert_string_equal(jstr(v, "current_stage"), "None");
    assert_string_equal(jstr(v, "description"), "first");
    snprintf(expected, sizeof expected, "runs:/%s/model", run);
    assert_string_equal(jstr(v, "source"), expected);
    assert_string_equal(jstr(v, "run_id"), run);
    snprintf(expected, sizeof expected, "http://x/runs/%s", run);
    assert_string_equal(jstr(v, "run_link"), expected);
    assert_string_equal(jstr(v, "status"), "READY");
    assert_string_equal(jstr(json_array_get(json_object_get(v, "tags"), 0), "key"), "stage");
    assert_int_equal(json_array_size(json_object_get(v, "aliases")), 0);
    /* The serving spec is llmops' own: not on MLflow's wire. */
    assert_null(json_object_get(v, "serving"));
    assert_int_equal(json_object_size(v), 12);
    json_decref(reply);

    assert_int_equal(create_version("mv", "s3://b/2", NULL), 2);

    reply = mlflow_ok("GET", API "model-versions/get?name=mv&version=1", NULL);
    assert_string_equal(jstr(json_object_get(reply, "model_version"), "description"), "first");
    json_decref(reply);

    reply = mlflow_ok("PATCH", API "model-versions/update",
                      "{\"name\": \"mv\", \"version\": \"2\", \"description\": \"second\"}");
    assert_string_equal(jstr(json_object_get(reply, "model_version"), "description"), "second");
    json_decref(reply);

    reply = mlflow_ok("GET", API "model-versions/get-download-uri?name=mv&version=2", NULL);
    assert_string_equal(jstr(reply, "artifact_uri"), "s3://b/2");
    assert_int_equal(json_object_size(reply), 1);
    json_decref(reply);

    mlflow_ok_empty("POST", API "model-versions/set-tag",
                    "{\"name\": \"mv\", \"version\": \"2\", \"key\": \"k\", \"value\": \"v\"}");
    reply = mlflow_ok("GET", API "model-versions/get?name=mv&version=2", NULL);
    assert_string_equal(
        jstr(json_array_get(json_object_get(json_object_get(reply, "model_version"), "tags"), 0),
             "value"),
        "v");
    json_decref(reply);
    mlflow_ok_empty("DELETE", API "model-versions/delete-tag",
                    "{\"name\": \"mv\", \"version\": \"2\", \"key\": \"k\"}");

    /* The registered model shows its latest version. */
    reply = mlflow_ok("GET", API "registered-models/get?name=mv", NULL);
    json_t *latest = json_object_get(json_object_get(reply, "registered_model"), "latest_versions");
    assert_int_equal(json_array_size(latest), 1);
    assert_string_equal(jstr(json_array_get(latest, 0), "version"), "2");
    json_decref(reply);

    /* Delete version 2: the next one is 3, never 2 again. */
    mlflow_ok_empty("DELETE", API "model-versions/delete",
                    "{\"name\": \"mv\", \"version\": \"2\"}");
    mlflow_fails("GET", API "model-versions/get?name=mv&version=2", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    assert_int_equal(create_version("mv", "s3://b/3", NULL), 3);
}

static void test_model_version_errors(void **state)
{
    (void)state;
    create_model("mve");
    assert_int_equal(create_version("mve", "s3://b/1", NULL), 1);
    char *before = state_of("mve");
    mlflow_fails("POST", API "model-versions/create", "{\"name\": \"mve\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "model-versions/create",
                 "{\"name\": \"mve\", \"source\": \"s3://b/../x\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "model-versions/create",
                 "{\"name\": \"mve\", \"source\": \"s3://b/x\", \"run_id\": \"not a run\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "model-versions/create",
                 "{\"name\": \"mve\", \"source\": \"s3://b/x\", \"serving\": {\"model\": \"m\"}}",
                 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "model-versions/create",
                 "{\"name\": \"mve\", \"source\": \"s3://b/x\", \"tags\": [{\"key\": \"\"}]}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "model-versions/create",
                 "{\"name\": \"mve-none\", \"source\": \"s3://b\"}", 404,
                 "RESOURCE_DOES_NOT_EXIST");
    /* A run_id of the right shape that names no run: RESOURCE_DOES_NOT_EXIST naming the run. */
    test_response_t res;
    api_call("POST", API "model-versions/create",
             "{\"name\": \"mve\", \"source\": \"s3://b/x\", \"run_id\": "
             "\"0190ffffffffffffffffffffffffffff\"}",
             &res);
    assert_int_equal(res.status, 404);
    assert_string_equal(jstr(res.json, "error_code"), "RESOURCE_DOES_NOT_EXIST");
    assert_string_equal(jstr(res.json, "message"),
                        "Run with id=0190ffffffffffffffffffffffffffff not found");
    harness_response_free(&res);
    mlflow_fails("GET", API "model-versions/get?name=mve&version=9", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", API "model-versions/get?name=mve&version=abc", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "model-versions/get?name=mve", NULL, 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("PATCH", API "model-versions/update",
                 "{\"name\": \"mve\", \"version\": \"9\", \"description\": \"x\"}", 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("DELETE", API "model-versions/delete", "{\"name\": \"mve\", \"version\": \"9\"}",
                 404, "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("POST", API "model-versions/set-tag",
                 "{\"name\": \"mve\", \"version\": \"9\", \"key\": \"k\", \"value\": \"v\"}", 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("DELETE", API "model-versions/delete-tag",
                 "{\"name\": \"mve\", \"version\": \"1\", \"key\": \"/abs\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "model-versions/get-download-uri?name=mve&version=9", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    assert_unchanged(before, "mve");
    /* The failed creates took no number. */
    assert_int_equal(create_version("mve", "s3://b/2", NULL), 2);
}

/* ---- aliases -------------------------------------------------------------------------------- */

static void test_aliases(void **state)
{
    (void)state;
    create_model("al");
    create_version("al", "s3://b/1", NULL);
    create_version("al", "s3://b/2", NULL);
    mlflow_ok_empty("POST", API "registered-models/alias",
                    "{\"name\": \"al\", \"alias\": \"champion\", \"version\": \"1\"}");
    json_t *reply = mlflow_ok("GET", API "registered-models/alias?name=al&alias=champion", NULL);
    json_t *v = json_object_get(reply, "model_version");
    assert_string_equal(jstr(v, "version"), "1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "aliases"), 0)),
                        "champion");
    json_decref(reply);

    /* Move it; the model lists {alias, version} pairs. */
    mlflow_ok_empty("POST", API "registered-models/alias",
                    "{\"name\": \"al\", \"alias\": \"champion\", \"version\": \"2\"}");
    reply = mlflow_ok("GET", API "registered-models/get?name=al", NULL);
    json_t *aliases = json_object_get(json_object_get(reply, "registered_model"), "aliases");
    assert_int_equal(json_array_size(aliases), 1);
    assert_string_equal(jstr(json_array_get(aliases, 0), "alias"), "champion");
    assert_string_equal(jstr(json_array_get(aliases, 0), "version"), "2");
    json_decref(reply);
    reply = mlflow_ok("GET", API "model-versions/get?name=al&version=1", NULL);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(reply, "model_version"), "aliases")), 0);
    json_decref(reply);

    char *before = state_of("al");
    mlflow_fails("POST", API "registered-models/alias",
                 "{\"name\": \"al\", \"alias\": \"latest\", \"version\": \"1\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/alias",
                 "{\"name\": \"al\", \"alias\": \"v2\", \"version\": \"1\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/alias",
                 "{\"name\": \"al\", \"alias\": \"bad alias\", \"version\": \"1\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/alias",
                 "{\"name\": \"al\", \"alias\": \"x\", \"version\": \"one\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/alias", "{\"name\": \"al\", \"alias\": \"x\"}", 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("POST", API "registered-models/alias",
                 "{\"name\": \"al\", \"alias\": \"x\", \"version\": \"7\"}", 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("POST", API "registered-models/alias",
                 "{\"name\": \"al-none\", \"alias\": \"x\", \"version\": \"1\"}", 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", API "registered-models/alias?name=al&alias=nobody", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("GET", API "registered-models/alias?name=al-none&alias=x", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    assert_unchanged(before, "al");

    mlflow_ok_empty("DELETE", API "registered-models/alias",
                    "{\"name\": \"al\", \"alias\": "
                    "\"champion\"}");
    /* MLflow's delete is idempotent. */
    mlflow_ok_empty("DELETE", API "registered-models/alias",
                    "{\"name\": \"al\", \"alias\": "
                    "\"champion\"}");
    mlflow_fails("GET", API "registered-models/alias?name=al&alias=champion", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
    mlflow_fails("DELETE", API "registered-models/alias",
                 "{\"name\": \"al-none\", \"alias\": \"x\"}", 404, "RESOURCE_DOES_NOT_EXIST");

    /* Deleting a version removes its aliases. */
    mlflow_ok_empty("POST", API "registered-models/alias",
                    "{\"name\": \"al\", \"alias\": \"canary\", \"version\": 2}");
    mlflow_ok_empty("DELETE", API "model-versions/delete",
                    "{\"name\": \"al\", \"version\": \"2\"}");
    mlflow_fails("GET", API "registered-models/alias?name=al&alias=canary", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
}

static void test_get_latest_versions(void **state)
{
    (void)state;
    create_model("lv");
    json_t *reply =
        mlflow_ok("POST", API "registered-models/get-latest-versions", "{\"name\": \"lv\"}");
    assert_int_equal(json_array_size(json_object_get(reply, "model_versions")), 0);
    json_decref(reply);
    create_version("lv", "s3://b/1", NULL);
    create_version("lv", "s3://b/2", NULL);
    reply = mlflow_ok("GET", API "registered-models/get-latest-versions?name=lv", NULL);
    json_t *list = json_object_get(reply, "model_versions");
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(jstr(json_array_get(list, 0), "version"), "2");
    assert_string_equal(jstr(json_array_get(list, 0), "current_stage"), "None");
    json_decref(reply);
    reply = mlflow_ok("GET", API "registered-models/get-latest-versions?name=lv&stages=Production",
                      NULL);
    assert_int_equal(json_array_size(json_object_get(reply, "model_versions")), 0);
    json_decref(reply);
    reply = mlflow_ok("POST", API "registered-models/get-latest-versions",
                      "{\"name\": \"lv\", \"stages\": [\"Staging\", \"None\"]}");
    assert_int_equal(json_array_size(json_object_get(reply, "model_versions")), 1);
    json_decref(reply);
    mlflow_fails("POST", API "registered-models/get-latest-versions",
                 "{\"name\": \"lv\", \"stages\": [\"Live\"]}", 400, "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/get-latest-versions?name=lv-none", NULL, 404,
                 "RESOURCE_DOES_NOT_EXIST");
}

/* ---- search --------------------------------------------------------------------------------- */

/* Names of the registered models in a search reply, comma-separated. */
static char *names_of(const json_t *reply, const char *list_key)
{
    static char out[2048];
    out[0] = '\0';
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(reply, list_key), i, m)
    {
        if (i)
            strcat(out, ",");
        strcat(out, jstr(m, "name"));
        if (strcmp(list_key, "model_versions") == 0) {
            strcat(out, ":");
            strcat(out, jstr(m, "version"));
        }
    }
    return out;
}

static void test_search_registered_models(void **state)
{
    (void)state;
    create_model("srch-alpha");
    create_model("srch-Beta");
    create_model("srch-gamma");
    create_model("other-srch");
    mlflow_ok_empty("POST", API "registered-models/set-tag",
                    "{\"name\": \"srch-alpha\", \"key\": \"team\", \"value\": \"search\"}");
    mlflow_ok_empty("POST", API "registered-models/set-tag",
                    "{\"name\": \"srch-gamma\", \"key\": \"team\", \"value\": \"Search-2\"}");

    json_t *reply =
        mlflow_ok("GET", API "registered-models/search?filter=name+LIKE+%27srch-%25%27", NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-Beta,srch-alpha,srch-gamma");
    assert_null(json_object_get(reply, "next_page_token"));
    json_decref(reply);
    /* LIKE is case-sensitive, ILIKE is not. */
    reply = mlflow_ok("GET", API "registered-models/search?filter=name+LIKE+%27srch-b%25%27", NULL);
    assert_string_equal(names_of(reply, "registered_models"), "");
    json_decref(reply);
    reply =
        mlflow_ok("GET", API "registered-models/search?filter=name+ILIKE+%27SRCH-B%25%27", NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-Beta");
    json_decref(reply);
    /* '_' is a one-character wildcard; a backslash makes it literal. */
    reply =
        mlflow_ok("GET", API "registered-models/search?filter=name+LIKE+%27srch_alpha%27", NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-alpha");
    json_decref(reply);
    reply =
        mlflow_ok("GET", API "registered-models/search?filter=name+LIKE+%27srch%5C_alpha%27", NULL);
    assert_string_equal(names_of(reply, "registered_models"), "");
    json_decref(reply);
    reply = mlflow_ok("GET", API "registered-models/search?filter=name+%3D+%27srch-gamma%27", NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-gamma");
    json_decref(reply);
    /* Tags. */
    reply =
        mlflow_ok("GET",
                  API "registered-models/search?filter=tags.team+ILIKE+%27search%25%27+AND+name+"
                      "LIKE+%27srch%25%27",
                  NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-alpha,srch-gamma");
    json_decref(reply);
    /* A model without the tag never matches, not even '!='. */
    reply =
        mlflow_ok("GET",
                  API "registered-models/search?filter=tags.team+%21%3D+%27search%27+AND+name+LIKE+"
                      "%27srch%25%27",
                  NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-gamma");
    json_decref(reply);

    /* order_by, repeated as query parameters. */
    reply = mlflow_ok(
        "GET", API "registered-models/search?filter=name+LIKE+%27srch-%25%27&order_by=name+DESC",
        NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-gamma,srch-alpha,srch-Beta");
    json_decref(reply);

    /* Paging: two, then one, following the opaque token. */
    reply = mlflow_ok(
        "GET", API "registered-models/search?filter=name+LIKE+%27srch-%25%27&max_results=2", NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-Beta,srch-alpha");
    const char *token = jstr(reply, "next_page_token");
    assert_non_null(token);
    char path[512];
    char *escaped = curl_easy_escape(NULL, token, 0);
    snprintf(path, sizeof path,
             API "registered-models/search?filter=name+LIKE+%%27srch-%%25%%27&max_results=2"
                 "&page_token=%s",
             escaped);
    curl_free(escaped);
    json_decref(reply);
    reply = mlflow_ok("GET", path, NULL);
    assert_string_equal(names_of(reply, "registered_models"), "srch-gamma");
    assert_null(json_object_get(reply, "next_page_token"));
    json_decref(reply);

    mlflow_fails("GET", API "registered-models/search?filter=name+%3E%3E+1", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?filter=run_id+%3D+%27x%27", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?filter=metrics.acc+%3E+1", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?order_by=source+ASC", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?order_by=name&order_by=name+DESC", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?max_results=1001", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?max_results=0", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?max_results=ten", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?page_token=%21%21%21", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "registered-models/search?page_token=bm90IGpzb24%3D", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
}

static void test_search_model_versions(void **state)
{
    (void)state;
    create_model("sv-a");
    create_model("sv-b");
    char run1[33], run2[33], extra[64], path[600];
    api_create_run(run1);
    api_create_run(run2);
    snprintf(extra, sizeof extra, "\"run_id\": \"%s\"", run1);
    create_version("sv-a", "s3://bucket/a/1", extra);
    snprintf(extra, sizeof extra, "\"run_id\": \"%s\"", run2);
    create_version("sv-a", "s3://bucket/a/2", extra);
    create_version("sv-a", "gs://other/a/3", NULL);
    snprintf(extra, sizeof extra, "\"run_id\": \"%s\"", run1);
    create_version("sv-b", "s3://bucket/b/1", extra);
    mlflow_ok_empty(
        "POST", API "model-versions/set-tag",
        "{\"name\": \"sv-a\", \"version\": \"2\", \"key\": \"eval\", \"value\": \"pass\"}");

    json_t *reply = mlflow_ok("GET", API "model-versions/search?filter=name%3D%27sv-a%27", NULL);
    /* Default order: last updated first. */
    assert_string_equal(names_of(reply, "model_versions"), "sv-a:3,sv-a:2,sv-a:1");
    json_decref(reply);
    snprintf(path, sizeof path,
             API "model-versions/search?filter=run_id+%%3D+%%27%s%%27&order_by=name+ASC", run1);
    reply = mlflow_ok("GET", path, NULL);
    assert_string_equal(names_of(reply, "model_versions"), "sv-a:1,sv-b:1");
    json_decref(reply);
    snprintf(path, sizeof path,
             API "model-versions/search?filter=run_id+IN+(%%27%s%%27,%%27zzz%%27)+AND+name+LIKE+"
                 "%%27sv-%%25%%27",
             run2);
    reply = mlflow_ok("GET", path, NULL);
    assert_string_equal(names_of(reply, "model_versions"), "sv-a:2");
    json_decref(reply);
    reply =
        mlflow_ok("GET",
                  API "model-versions/search?filter=name%3D%27sv-a%27+AND+version_number+%3E%3D+2"
                      "&order_by=version_number+ASC",
                  NULL);
    assert_string_equal(names_of(reply, "model_versions"), "sv-a:2,sv-a:3");
    json_decref(reply);
    reply = mlflow_ok(
        "GET",
        API "model-versions/search?filter=source_path+LIKE+%27s3://bucket/%25%27+AND+name+"
            "LIKE+%27sv-%25%27&order_by=name+DESC&order_by=version_number",
        NULL);
    assert_string_equal(names_of(reply, "model_versions"), "sv-b:1,sv-a:1,sv-a:2");
    json_decref(reply);
    reply = mlflow_ok("GET", API "model-versions/search?filter=tags.eval+%3D+%27pass%27", NULL);
    assert_string_equal(names_of(reply, "model_versions"), "sv-a:2");
    json_decref(reply);

    /* Paging through sv-a one at a time. */
    char seen[128] = "";
    const char *token = NULL;
    char *token_copy = NULL;
    for (int page = 0; page < 4; page++) {
        char *escaped = token_copy ? curl_easy_escape(NULL, token_copy, 0) : NULL;
        snprintf(path, sizeof path,
                 API "model-versions/search?filter=name%%3D%%27sv-a%%27&max_results=1"
                     "&order_by=version_number+ASC%s%s",
                 escaped ? "&page_token=" : "", escaped ? escaped : "");
        curl_free(escaped);
        reply = mlflow_ok("GET", path, NULL);
        strcat(seen, names_of(reply, "model_versions"));
        strcat(seen, ";");
        token = jstr(reply, "next_page_token");
        free(token_copy);
        token_copy = token ? strdup(token) : NULL;
        json_decref(reply);
        if (!token_copy)
            break;
    }
    assert_string_equal(seen, "sv-a:1;sv-a:2;sv-a:3;");
    free(token_copy);

    mlflow_fails("GET", API "model-versions/search?filter=version_number+%3D+%27x%27", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "model-versions/search?filter=name+IN+(%27a%27)", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "model-versions/search?filter=creation_timestamp+%3E+1", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "model-versions/search?filter=params.x+%3D+%27y%27", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "model-versions/search?order_by=run_id", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
    mlflow_fails("GET", API "model-versions/search?max_results=200001", NULL, 400,
                 "INVALID_PARAMETER_VALUE");
}

static void test_names_needing_encoding(void **state)
{
    (void)state;
    json_t *reply =
        mlflow_ok("POST", API "registered-models/create", "{\"name\": \"team/bot \\u00e9 & co?\"}");
    json_decref(reply);
    reply = mlflow_ok("GET", API "registered-models/get?name=team%2Fbot+%C3%A9+%26+co%3F", NULL);
    assert_string_equal(jstr(json_object_get(reply, "registered_model"), "name"),
                        "team/bot \xc3\xa9 & co?");
    json_decref(reply);
    create_version("team/bot \\u00e9 & co?", "s3://b/x", NULL);
    reply = mlflow_ok(
        "GET", API "model-versions/get?name=team%2Fbot%20%C3%A9%20%26%20co%3F&version=1", NULL);
    assert_string_equal(jstr(json_object_get(reply, "model_version"), "version"), "1");
    json_decref(reply);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_get_registered_model),
        cmocka_unit_test(test_registered_model_errors),
        cmocka_unit_test(test_rename_update_delete_registered_model),
        cmocka_unit_test(test_registered_model_tags),
        cmocka_unit_test(test_model_version_lifecycle),
        cmocka_unit_test(test_model_version_errors),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_get_latest_versions),
        cmocka_unit_test(test_search_registered_models),
        cmocka_unit_test(test_search_model_versions),
        cmocka_unit_test(test_names_needing_encoding),
    };
    int failed =
        cmocka_run_group_tests_name("mlflow registry", tests, setup_server, teardown_server);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
