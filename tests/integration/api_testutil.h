/* api_testutil.h - what the integration tests of the APIs and the CLI share: one server for a
 * whole cmocka group (setup_server / teardown_server, the server in `server`), requests with
 * JSON bodies checked against the status they must answer, errors in llmops' own shape
 * ({"error": {"code", "message", "field"}}) and in MLflow's ({"error_code", "message"}), a real
 * run to register models from, and the CLI binary run through the shell.
 *
 * MLflow paths may be given without their prefix: a path that does not start with "/api" is
 * taken as relative to /api/2.0/mlflow ("/runs/create"). */
#ifndef LLMOPS_TESTS_API_TESTUTIL_H
#define LLMOPS_TESTS_API_TESTUTIL_H

#include "integration/harness.h"

#define MLFLOW_API "/api/2.0/mlflow"

/* The group's server; every test file that includes this header starts one. */
static test_server_t server;

static inline int setup_server(void **state)
{
    (void)state;
    harness_start(&server, NULL);
    return 0;
}

static inline int teardown_server(void **state)
{
    (void)state;
    assert_int_equal(harness_stop(&server), 0);
    return 0;
}

/* One request with a JSON body (may be NULL); fails the test when there is no answer. */
static inline void api_call(const char *method, const char *path, const char *body,
                            test_response_t *res)
{
    const char *headers[] = {"Content-Type: application/json", NULL};
    char full[4096];
    snprintf(full, sizeof full, "%s%s", strncmp(path, "/api", 4) == 0 ? "" : MLFLOW_API, path);
    if (harness_request(server.url, method, full, headers, body, res) != 0)
        fail_msg("%s %s: no answer", method, full);
}

/* The JSON reply of a request that must answer status (caller decrefs; NULL if not JSON). */
static inline json_t *api_expect(const char *method, const char *path, const char *body,
                                 long status)
{
    test_response_t res;
    api_call(method, path, body, &res);
    if (res.status != status)
        fail_msg("%s %s %s -> %ld %s (expected %ld)", method, path, body ? body : "", res.status,
                 res.body, status);
    json_t *reply = json_incref(res.json);
    harness_response_free(&res);
    return reply;
}

/* An llmops error: status, code and, when field is not NULL, the field it names. */
static inline void api_fails(const char *method, const char *path, const char *body, long status,
                             const char *code, const char *field)
{
    json_t *reply = api_expect(method, path, body, status);
    json_t *error = json_object_get(reply, "error");
    const char *got_code = json_string_value(json_object_get(error, "code"));
    if (!got_code || strcmp(got_code, code) != 0)
        fail_msg("%s %s: code %s, expected %s", method, path, got_code ? got_code : "(none)", code);
    if (field) {
        const char *got = json_string_value(json_object_get(error, "field"));
        if (!got || strcmp(got, field) != 0)
            fail_msg("%s %s: field %s, expected %s", method, path, got ? got : "(none)", field);
    }
    json_decref(reply);
}

/* An MLflow call that must succeed: its JSON reply (caller decrefs). */
static inline json_t *mlflow_ok(const char *method, const char *path, const char *body)
{
    json_t *reply = api_expect(method, path, body, 200);
    if (!reply)
        fail_msg("%s %s: the reply is not JSON", method, path);
    return reply;
}

/* An MLflow call that must succeed with an empty object, as MLflow's writes answer. */
static inline void mlflow_ok_empty(const char *method, const char *path, const char *body)
{
    json_t *reply = mlflow_ok(method, path, body);
    assert_true(json_is_object(reply));
    assert_int_equal(json_object_size(reply), 0);
    json_decref(reply);
}

/* An MLflow error: status and error_code, with a message. */
static inline void mlflow_fails(const char *method, const char *path, const char *body, long status,
                                const char *code)
{
    json_t *reply = api_expect(method, path, body, status);
    const char *got = json_string_value(json_object_get(reply, "error_code"));
    if (!got || strcmp(got, code) != 0) {
        char *text = json_dumps(reply, 0);
        fail_msg("%s %s -> %s (expected %s)", method, path, text ? text : "", code);
    }
    assert_non_null(json_string_value(json_object_get(reply, "message")));
    json_decref(reply);
}

static inline const char *jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static inline json_int_t jint(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* GET two paths; their statuses and bodies as one text (caller frees): a snapshot of what the
 * API shows, to prove that a refused request changed nothing. */
static inline char *api_snapshot(const char *path_a, const char *path_b)
{
    test_response_t a, b;
    api_call("GET", path_a, NULL, &a);
    api_call("GET", path_b, NULL, &b);
    size_t len = strlen(a.body) + strlen(b.body) + 64;
    char *out = malloc(len);
    snprintf(out, len, "%ld %s | %ld %s", a.status, a.body, b.status, b.body);
    harness_response_free(&a);
    harness_response_free(&b);
    return out;
}

/* Assert two snapshots are equal; frees both. */
static inline void api_assert_same(char *before, char *after)
{
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* A run in the Default experiment (a model version's run_id must name one); id into out. */
static inline void api_create_run(char out[33])
{
    json_t *reply = mlflow_ok("POST", "/runs/create", "{\"experiment_id\": \"0\"}");
    const char *id = jstr(json_object_get(json_object_get(reply, "run"), "info"), "run_id");
    assert_non_null(id);
    snprintf(out, 33, "%s", id);
    json_decref(reply);
}

/* Run a shell command line (made with fmt); its stdout and stderr into out, its exit status
 * returned (-1 when it did not exit). */
static inline int run_cli(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int run_cli(char *out, size_t size, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[4200];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    size_t got = fread(out, 1, size - 1, p);
    out[got] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
