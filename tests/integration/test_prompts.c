/* test_prompts.c - the prompt registry over HTTP, end to end against the real server: the
 * whole user story (create with a first version, two more versions with authors from the body
 * and the X-LLMOps-User header, list and get versions, diff by numbers and aliases, point
 * production at a version, render by alias / version / latest, strict vs lenient, a syntax
 * error on create with line:column that stores nothing, a missing variable named in the error,
 * alias history and rollback), then the API's edges: listing with a filter and pages, PATCH,
 * DELETE, unknown fields, malformed JSON, bad names and references, 404s and 405s.
 * Runs on the store in LLMOPS_TEST_STORE (SQLite when unset); tests/run.sh runs both. */
#include "integration/harness.h"

static test_server_t server;

static int setup_server(void **state)
{
    (void)state;
    harness_start(&server, NULL);
    return 0;
}

static int teardown_server(void **state)
{
    (void)state;
    assert_int_equal(harness_stop(&server), 0);
    return 0;
}

/* One request; the response is the caller's to free. Fails the test when the server cannot be
 * reached or the status is not the expected one. */
static void call(const char *method, const char *path, const char *body, long expected,
                 test_response_t *res)
{
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    assert_int_equal(harness_request(server.url, method, path, headers, body, res), 0);
    if (res->status != expected)
        fail_msg("%s %s: expected %ld, got %ld: %s", method, path, expected, res->status,
                 res->body);
}

static void call_as(const char *user, const char *method, const char *path, const char *body,
                    long expected, test_response_t *res)
{
    char who[128];
    snprintf(who, sizeof who, "X-LLMOps-User: %s", user);
    const char *const headers[] = {"Content-Type: application/json", who, NULL};
    assert_int_equal(harness_request(server.url, method, path, headers, body, res), 0);
    if (res->status != expected)
        fail_msg("%s %s: expected %ld, got %ld: %s", method, path, expected, res->status,
                 res->body);
}

static const char *sget(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        fail_msg("no string '%s'", key);
    return s ? s : "";
}

static json_int_t iget(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        fail_msg("no integer '%s'", key);
    return json_integer_value(v);
}

static const json_t *error_of(const test_response_t *res)
{
    return json_object_get(res->json, "error");
}

/* Expect an error answer with status, code and (when not NULL) field; the response is freed. */
static void expect_error(const char *method, const char *path, const char *body, long status,
                         const char *code, const char *field)
{
    test_response_t res;
    call(method, path, body, status, &res);
    assert_string_equal(harness_error_code(&res), code);
    if (field)
        assert_string_equal(sget(error_of(&res), "field"), field);
    harness_response_free(&res);
}

/* ---- the user story ---------------------------------------------------------------------------
 */

static void user_story(void **state)
{
    (void)state;
    test_response_t res;
    /* 1. Create with a first version inline. */
    call("POST", "/api/v1/prompts",
         "{\"name\": \"support-answer\", \"description\": \"Answers support questions\","
         " \"tags\": {\"team\": \"support\"},"
         " \"template\": \"You are a support agent for {{ product }}.\\n"
         "Question: {{ question }}\\nAnswer politely.\\n\","
         " \"model_config\": {\"provider\": \"openai\", \"model\": \"gpt-4o-mini\","
         " \"temperature\": 0.5, \"max_tokens\": 256},"
         " \"commit_message\": \"first draft\", \"author\": \"alice\"}",
         201, &res);
    assert_int_equal(iget(res.json, "latest_version"), 1);
    const json_t *v1 = json_object_get(res.json, "version");
    assert_int_equal(iget(v1, "version"), 1);
    assert_string_equal(sget(v1, "author"), "alice");
    assert_string_equal(sget(json_object_get(v1, "lineage_node"), "id"), "support-answer/1");
    json_t *vars = json_pack("[s, s]", "product", "question");
    assert_true(json_equal(json_object_get(v1, "variables"), vars));
    json_decref(vars);
    harness_response_free(&res);

    /* 2. Two more versions; the author comes from the header, or the body when both. */
    call_as("bob", "POST", "/api/v1/prompts/support-answer/versions",
            "{\"template\": \"You are a support agent for {{ product }}.\\n"
            "Question: {{ question }}\\nAnswer politely and briefly.\\n\","
            " \"model_config\": {\"provider\": \"openai\", \"model\": \"gpt-4o-mini\","
            " \"temperature\": 0.2, \"max_tokens\": 256}, \"commit_message\": \"briefer\"}",
            201, &res);
    assert_int_equal(iget(res.json, "version"), 2);
    assert_string_equal(sget(res.json, "author"), "bob");
    assert_string_equal(sget(res.json, "commit_message"), "briefer");
    harness_response_free(&res);
    call_as("bob", "POST", "/api/v1/prompts/support-answer/versions",
            "{\"messages\": [{\"role\": \"system\", \"content\": \"You are a support agent for "
            "{{ product }}.\"}, {\"role\": \"user\", \"content\": \"{{ question }}\"}],"
            " \"model_config\": {\"provider\": \"openai\", \"model\": \"gpt-4o\"},"
            " \"author\": \"carol\"}",
            201, &res);
    assert_int_equal(iget(res.json, "version"), 3);
    assert_string_equal(sget(res.json, "type"), "chat");
    assert_string_equal(sget(res.json, "author"), "carol");
    harness_response_free(&res);

    /* 3. Versions: the list (newest first) and one version. */
    call("GET", "/api/v1/prompts/support-answer/versions", NULL, 200, &res);
    json_t *list = json_object_get(res.json, "versions");
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(iget(json_array_get(list, 0), "version"), 3);
    harness_response_free(&res);
    call("GET", "/api/v1/prompts/support-answer/versions/2", NULL, 200, &res);
    assert_non_null(strstr(sget(res.json, "template"), "briefly"));
    harness_response_free(&res);

    /* 4. Diff 1 -> 2: template and model config. */
    call("GET", "/api/v1/prompts/support-answer/diff?from=1&to=2", NULL, 200, &res);
    assert_string_equal(sget(res.json, "diff"),
                        "--- support-answer@1\n+++ support-answer@2\n@@ -1,3 +1,3 @@\n"
                        " You are a support agent for {{ product }}.\n Question: {{ question }}\n"
                        "-Answer politely.\n+Answer politely and briefly.\n"
                        "--- support-answer@1 model_config\n+++ support-answer@2 model_config\n"
                        "@@ -2,5 +2,5 @@\n   \"max_tokens\": 256,\n   \"model\": \"gpt-4o-mini\",\n"
                        "   \"provider\": \"openai\",\n-  \"temperature\": 0.5\n"
                        "+  \"temperature\": 0.2\n }\n");
    harness_response_free(&res);

    /* 5. Point production at version 2. */
    call_as("ops", "PUT", "/api/v1/prompts/support-answer/aliases/production", "{\"version\": 2}",
            200, &res);
    assert_true(json_is_null(json_object_get(res.json, "previous_version")));
    assert_string_equal(sget(res.json, "updated_by"), "ops");
    harness_response_free(&res);
    call("GET", "/api/v1/prompts/support-answer/aliases/production", NULL, 200, &res);
    assert_int_equal(iget(res.json, "version"), 2);
    assert_int_equal(iget(json_object_get(res.json, "prompt_version"), "version"), 2);
    harness_response_free(&res);
    /* Diff by alias: production (2) -> 3 (chat). */
    call("GET", "/api/v1/prompts/support-answer/diff?from=production&to=3", NULL, 200, &res);
    assert_int_equal(iget(json_object_get(res.json, "from"), "version"), 2);
    assert_non_null(strstr(sget(res.json, "template_diff"), "+### system\n"));
    harness_response_free(&res);

    /* 6. Render by alias, by version, and the latest. */
    call("POST", "/api/v1/prompts/support-answer/render",
         "{\"alias\": \"production\", \"variables\": {\"product\": \"Acme\", \"question\": "
         "\"Where is my order?\"}}",
         200, &res);
    /* As in Jinja, one trailing newline of the template is not rendered. */
    assert_string_equal(sget(res.json, "text"), "You are a support agent for Acme.\n"
                                                "Question: Where is my order?\n"
                                                "Answer politely and briefly.");
    assert_int_equal(iget(res.json, "version"), 2);
    assert_string_equal(sget(res.json, "alias"), "production");
    assert_int_equal(iget(json_object_get(res.json, "model_config"), "max_tokens"), 256);
    harness_response_free(&res);
    call("POST", "/api/v1/prompts/support-answer/render",
         "{\"version\": 1, \"variables\": {\"product\": \"Acme\", \"question\": \"Hi\"}}", 200,
         &res);
    assert_string_equal(sget(res.json, "text"),
                        "You are a support agent for Acme.\nQuestion: Hi\nAnswer politely.");
    harness_response_free(&res);
    call("POST", "/api/v1/prompts/support-answer/render",
         "{\"variables\": {\"product\": \"Acme\", \"question\": \"Hi\"}}", 200, &res);
    assert_int_equal(iget(res.json, "version"), 3);
    json_t *messages =
        json_pack("[{s:s, s:s}, {s:s, s:s}]", "role", "system", "content",
                  "You are a support agent for Acme.", "role", "user", "content", "Hi");
    assert_true(json_equal(json_object_get(res.json, "messages"), messages));
    json_decref(messages);
    harness_response_free(&res);

    /* 7. Strict (default) vs lenient. */
    call("POST", "/api/v1/prompts/support-answer/render",
         "{\"alias\": \"production\", \"variables\": {\"product\": \"Acme\"}}", 400, &res);
    assert_string_equal(harness_error_code(&res), "template_undefined");
    assert_string_equal(sget(error_of(&res), "field"), "variables");
    assert_non_null(strstr(sget(error_of(&res), "message"), "'question' is undefined"));
    assert_non_null(strstr(sget(error_of(&res), "message"), "line 2:"));
    harness_response_free(&res);
    call("POST", "/api/v1/prompts/support-answer/render",
         "{\"alias\": \"production\", \"variables\": {\"product\": \"Acme\"}, \"strict\": false}",
         200, &res);
    assert_string_equal(sget(res.json, "text"), "You are a support agent for Acme.\n"
                                                "Question: \nAnswer politely and briefly.");
    harness_response_free(&res);
    /* In a chat prompt the error names the message. */
    call("POST", "/api/v1/prompts/support-answer/render",
         "{\"version\": 3, \"variables\": {\"product\": \"Acme\"}}", 400, &res);
    assert_non_null(strstr(sget(error_of(&res), "message"), "messages[1] (user)"));
    assert_non_null(strstr(sget(error_of(&res), "message"), "question"));
    harness_response_free(&res);

    /* 8. A syntax error on create: 400 with line:column, and nothing stored. */
    call("POST", "/api/v1/prompts",
         "{\"name\": \"broken\", \"template\": \"Hello\\n{% if user %}{{ user }}\"}", 400, &res);
    assert_string_equal(harness_error_code(&res), "template_syntax");
    assert_string_equal(sget(error_of(&res), "field"), "template");
    assert_non_null(strstr(sget(error_of(&res), "message"), "line 2:"));
    harness_response_free(&res);
    expect_error("GET", "/api/v1/prompts/broken", NULL, 404, "not_found", NULL);
    /* ... and in a version's message, with the message named. */
    call("POST", "/api/v1/prompts/support-answer/versions",
         "{\"messages\": [{\"role\": \"system\", \"content\": \"ok\"}, {\"role\": \"user\","
         " \"content\": \"{{ question \"}]}",
         400, &res);
    assert_string_equal(harness_error_code(&res), "template_syntax");
    assert_string_equal(sget(error_of(&res), "field"), "messages[1].content");
    assert_non_null(strstr(sget(error_of(&res), "message"), "messages[1].content: line 1:"));
    harness_response_free(&res);
    call("GET", "/api/v1/prompts/support-answer", NULL, 200, &res);
    assert_int_equal(iget(res.json, "latest_version"), 3);
    assert_int_equal(iget(json_object_get(res.json, "aliases"), "production"), 2);
    harness_response_free(&res);

    /* 9. Move production to 3, see the history, roll back to 2. */
    call("PUT", "/api/v1/prompts/support-answer/aliases/production", "{\"version\": 3}", 200, &res);
    assert_int_equal(iget(res.json, "previous_version"), 2);
    harness_response_free(&res);
    call_as("oncall", "POST", "/api/v1/prompts/support-answer/aliases/production/rollback", NULL,
            200, &res);
    assert_int_equal(iget(res.json, "version"), 2);
    assert_int_equal(iget(res.json, "previous_version"), 3);
    harness_response_free(&res);
    call("GET", "/api/v1/prompts/support-answer/aliases/production/history", NULL, 200, &res);
    json_t *h = json_object_get(res.json, "history");
    assert_int_equal(json_array_size(h), 3);
    assert_string_equal(sget(json_array_get(h, 0), "action"), "rollback");
    assert_string_equal(sget(json_array_get(h, 0), "changed_by"), "oncall");
    assert_int_equal(iget(json_array_get(h, 0), "to_version"), 2);
    assert_string_equal(sget(json_array_get(h, 2), "changed_by"), "ops");
    harness_response_free(&res);

    /* 10. Delete the alias: rendering by it is now 404. */
    call("DELETE", "/api/v1/prompts/support-answer/aliases/production", NULL, 200, &res);
    assert_int_equal(iget(res.json, "previous_version"), 2);
    harness_response_free(&res);
    expect_error("POST", "/api/v1/prompts/support-answer/render",
                 "{\"alias\": \"production\", \"variables\": {}}", 404, "not_found", NULL);
}

/* ---- edges of the API -------------------------------------------------------------------------
 */

static void list_update_delete(void **state)
{
    (void)state;
    test_response_t res;
    const char *names[] = {"list-a", "list-b", "list-c", "other-x"};
    for (size_t i = 0; i < 4; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"name\": \"%s\"}", names[i]);
        call("POST", "/api/v1/prompts", body, 201, &res);
        assert_true(json_is_null(json_object_get(res.json, "latest_version")));
        harness_response_free(&res);
    }
    call("GET", "/api/v1/prompts?q=LIST-&limit=2", NULL, 200, &res);
    json_t *page = json_object_get(res.json, "prompts");
    assert_int_equal(json_array_size(page), 2);
    assert_string_equal(sget(json_array_get(page, 0), "name"), "list-a");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/prompts?q=LIST-&limit=2&page_token=%s",
             sget(res.json, "next_page_token"));
    harness_response_free(&res);
    call("GET", path, NULL, 200, &res);
    page = json_object_get(res.json, "prompts");
    assert_int_equal(json_array_size(page), 1);
    assert_string_equal(sget(json_array_get(page, 0), "name"), "list-c");
    assert_null(json_object_get(res.json, "next_page_token"));
    harness_response_free(&res);
    expect_error("GET", "/api/v1/prompts?limit=abc", NULL, 400, "invalid_argument", "limit");
    expect_error("GET", "/api/v1/prompts?limit=5000", NULL, 400, "invalid_argument", "limit");

    call("PATCH", "/api/v1/prompts/list-a",
         "{\"description\": \"now described\", \"tags\": {\"k\": \"v\"}}", 200, &res);
    assert_string_equal(sget(res.json, "description"), "now described");
    assert_string_equal(sget(json_object_get(res.json, "tags"), "k"), "v");
    harness_response_free(&res);
    call("PATCH", "/api/v1/prompts/list-a", "{\"tags\": {\"k\": null}}", 200, &res);
    assert_int_equal(json_object_size(json_object_get(res.json, "tags")), 0);
    harness_response_free(&res);
    expect_error("PATCH", "/api/v1/prompts/list-a", "{\"name\": \"renamed\"}", 400,
                 "invalid_argument", "name");
    expect_error("PATCH", "/api/v1/prompts/list-a", "{\"tags\": [1]}", 400, "invalid_argument",
                 "tags");

    call("DELETE", "/api/v1/prompts/list-b", NULL, 200, &res);
    assert_true(json_is_true(json_object_get(res.json, "deleted")));
    harness_response_free(&res);
    expect_error("GET", "/api/v1/prompts/list-b", NULL, 404, "not_found", NULL);
    expect_error("DELETE", "/api/v1/prompts/list-b", NULL, 404, "not_found", NULL);
}

static void bad_requests(void **state)
{
    (void)state;
    test_response_t res;
    call("POST", "/api/v1/prompts", "{\"name\": \"edge\", \"template\": \"Hi {{ who }}\"}", 201,
         &res);
    harness_response_free(&res);

    /* Body problems. */
    expect_error("POST", "/api/v1/prompts", "{\"name\": ", 400, "invalid_json", NULL);
    expect_error("POST", "/api/v1/prompts", "[1]", 400, "invalid_json", NULL);
    expect_error("POST", "/api/v1/prompts", "{\"nmae\": \"x\"}", 400, "invalid_argument", "nmae");
    expect_error("POST", "/api/v1/prompts", "{\"description\": \"x\"}", 400, "invalid_argument",
                 "name");
    expect_error("POST", "/api/v1/prompts", "{\"name\": \"edge\"}", 409, "conflict", NULL);
    expect_error("POST", "/api/v1/prompts", "{\"name\": \"has space\"}", 400, "invalid_argument",
                 "name");
    /* A model config alone is a first version without a template: reported, not dropped. */
    expect_error("POST", "/api/v1/prompts", "{\"name\": \"cfg\", \"model_config\": {}}", 400,
                 "invalid_argument", "template");
    expect_error("POST", "/api/v1/prompts/edge/versions",
                 "{\"template\": \"x\", \"model_config\": {\"temprature\": 1, \"temperature\": 9}}",
                 400, "invalid_argument", "model_config.temperature");
    expect_error("POST", "/api/v1/prompts/edge/versions", "{\"template\": \"x\", \"extra\": 1}",
                 400, "invalid_argument", "extra");
    expect_error("POST", "/api/v1/prompts/edge/versions", "{\"template\": \"x\", \"author\": 5}",
                 400, "invalid_argument", "author");

    /* Names, versions and aliases in the path. */
    expect_error("GET", "/api/v1/prompts/a%2Fb", NULL, 400, "invalid_argument", "name");
    expect_error("GET", "/api/v1/prompts/edge/versions/x", NULL, 400, "invalid_argument",
                 "version");
    expect_error("GET", "/api/v1/prompts/edge/versions/0", NULL, 400, "invalid_argument",
                 "version");
    expect_error("GET", "/api/v1/prompts/edge/versions/2", NULL, 404, "not_found", NULL);
    expect_error("GET", "/api/v1/prompts/nope/versions/1", NULL, 404, "not_found", NULL);
    expect_error("PUT", "/api/v1/prompts/edge/aliases/Prod", "{\"version\": 1}", 400,
                 "invalid_argument", "alias");
    expect_error("PUT", "/api/v1/prompts/edge/aliases/42", "{\"version\": 1}", 400,
                 "invalid_argument", "alias");
    expect_error("PUT", "/api/v1/prompts/edge/aliases/prod", "{\"version\": \"1\"}", 400,
                 "invalid_argument", "version");
    expect_error("PUT", "/api/v1/prompts/edge/aliases/prod", "{}", 400, "invalid_argument",
                 "version");
    expect_error("PUT", "/api/v1/prompts/edge/aliases/prod", "{\"version\": 7}", 404, "not_found",
                 NULL);
    expect_error("GET", "/api/v1/prompts/edge/aliases/prod", NULL, 404, "not_found", NULL);
    expect_error("POST", "/api/v1/prompts/edge/aliases/prod/rollback", NULL, 404, "not_found",
                 NULL);
    call("PUT", "/api/v1/prompts/edge/aliases/prod", "{\"version\": 1}", 200, &res);
    harness_response_free(&res);
    expect_error("POST", "/api/v1/prompts/edge/aliases/prod/rollback", NULL, 409, "conflict", NULL);

    /* Render arguments. */
    expect_error("POST", "/api/v1/prompts/edge/render", "{\"version\": 1, \"alias\": \"prod\"}",
                 400, "invalid_argument", "alias");
    expect_error("POST", "/api/v1/prompts/edge/render", "{\"version\": 0}", 400, "invalid_argument",
                 "version");
    expect_error("POST", "/api/v1/prompts/edge/render", "{\"variables\": [1]}", 400,
                 "invalid_argument", "variables");
    expect_error("POST", "/api/v1/prompts/edge/render", "{\"strict\": \"no\"}", 400,
                 "invalid_argument", "strict");
    expect_error("POST", "/api/v1/prompts/edge/render", "{\"varaibles\": {}}", 400,
                 "invalid_argument", "varaibles");
    /* An empty body renders the latest version with no variables: strict fails naming it. */
    call("POST", "/api/v1/prompts/edge/render", NULL, 400, &res);
    assert_non_null(strstr(sget(error_of(&res), "message"), "'who'"));
    harness_response_free(&res);

    /* Diff arguments. */
    expect_error("GET", "/api/v1/prompts/edge/diff?from=1", NULL, 400, "invalid_argument", "to");
    expect_error("GET", "/api/v1/prompts/edge/diff?to=1", NULL, 400, "invalid_argument", "from");
    expect_error("GET", "/api/v1/prompts/edge/diff?from=1&to=9", NULL, 404, "not_found", NULL);
    call("GET", "/api/v1/prompts/edge/diff?from=prod&to=1", NULL, 200, &res);
    assert_string_equal(sget(res.json, "diff"), "");
    harness_response_free(&res);

    /* Methods a path does not take. */
    call("POST", "/api/v1/prompts/edge/diff", "{}", 405, &res);
    harness_response_free(&res);
    call("PUT", "/api/v1/prompts/edge", "{}", 405, &res);
    harness_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_story),
        cmocka_unit_test(list_update_delete),
        cmocka_unit_test(bad_requests),
    };
    return cmocka_run_group_tests_name("prompts http", tests, setup_server, teardown_server);
}
