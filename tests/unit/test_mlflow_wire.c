/* test_mlflow_wire.c - unit tests for http/mlflow_wire.h and http/mlflow_prune.h: the request
 * message from a JSON body or from the query (repeated names become lists), typed field reads
 * (strings with limits and NUL bytes, int64 from numbers and decimal strings, doubles including
 * "NaN" and "Infinity", lists), MLflow's error codes and statuses, and protobuf-style pruning. */
#include "unit/testutil.h"

#include <math.h>

#include "http/mlflow_prune.h"
#include "http/mlflow_wire.h"

static void message_from_body_and_query(void **state)
{
    (void)state;
    http_request_t req = {0};
    http_response_t res = {0};
    const char *body = "{\"run_id\":\"abc\",\"n\":5}";
    req.body = body;
    req.body_len = strlen(body);
    json_t *msg = mlflow_message(&req, &res);
    assert_non_null(msg);
    assert_string_equal(json_string_value(json_object_get(msg, "run_id")), "abc");
    json_decref(msg);

    req.body = "{bad";
    req.body_len = 4;
    assert_null(mlflow_message(&req, &res));
    assert_int_equal(res.status, 400);
    json_t *err = json_loadb(res.body, res.body_len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(err, "error_code")),
                        "INVALID_PARAMETER_VALUE");
    json_decref(err);
    http_response_free(&res);

    http_request_t get = {0};
    char n1[] = "experiment_ids", v1[] = "1", n2[] = "experiment_ids", v2[] = "2", n3[] = "x",
         v3[] = "y";
    get.query[0] = (http_kv_t){n1, v1};
    get.query[1] = (http_kv_t){n2, v2};
    get.query[2] = (http_kv_t){n3, v3};
    get.nquery = 3;
    memset(&res, 0, sizeof res);
    msg = mlflow_message(&get, &res);
    json_t *ids = json_object_get(msg, "experiment_ids");
    assert_true(json_is_array(ids));
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "2");
    assert_string_equal(json_string_value(json_object_get(msg, "x")), "y");
    json_decref(msg);
}

static void typed_fields(void **state)
{
    (void)state;
    json_t *msg = json_loads("{\"s\":\"hello\",\"e\":\"\",\"i\":42,\"is\":\"-7\",\"bad\":\"4x\","
                             "\"d\":1.5,\"nan\":\"NaN\",\"inf\":\"-Infinity\",\"ds\":\"2.5\","
                             "\"l\":[1,2],\"one\":\"x\",\"o\":{},\"null\":null}",
                             0, NULL);
    err_t err;
    const char *s = NULL;
    assert_int_equal(mlflow_get_string(msg, "s", 1, 0, &s, &err), 0);
    assert_string_equal(s, "hello");
    assert_int_equal(mlflow_get_string(msg, "s", 1, 3, &s, &err), -1);
    assert_string_equal(err.field, "s");
    assert_int_equal(mlflow_get_string(msg, "e", 1, 0, &s, &err), -1); /* required and empty */
    assert_non_null(strstr(err.message, "Missing value for required parameter 'e'"));
    s = "keep";
    assert_int_equal(mlflow_get_string(msg, "absent", 0, 0, &s, &err), 0);
    assert_string_equal(s, "keep");
    assert_int_equal(mlflow_get_string(msg, "null", 0, 0, &s, &err), 0);
    assert_int_equal(mlflow_get_string(msg, "i", 0, 0, &s, &err), -1);

    int64_t i = 0;
    assert_int_equal(mlflow_get_int64(msg, "i", 1, &i, &err), 0);
    assert_int_equal(i, 42);
    assert_int_equal(mlflow_get_int64(msg, "is", 1, &i, &err), 0);
    assert_int_equal(i, -7);
    assert_int_equal(mlflow_get_int64(msg, "bad", 1, &i, &err), -1);
    assert_int_equal(mlflow_get_int64(msg, "absent", 1, &i, &err), -1);
    assert_string_equal(err.code, "invalid_argument");

    double d = 0;
    assert_int_equal(mlflow_get_double(msg, "d", 1, &d, &err), 0);
    assert_true(d == 1.5);
    assert_int_equal(mlflow_get_double(msg, "i", 1, &d, &err), 0);
    assert_true(d == 42.0);
    assert_int_equal(mlflow_get_double(msg, "nan", 1, &d, &err), 0);
    assert_true(isnan(d));
    assert_int_equal(mlflow_get_double(msg, "inf", 1, &d, &err), 0);
    assert_true(isinf(d) && d < 0);
    assert_int_equal(mlflow_get_double(msg, "ds", 1, &d, &err), 0);
    assert_true(d == 2.5);
    assert_int_equal(mlflow_get_double(msg, "bad", 1, &d, &err), -1);

    json_t *l = mlflow_get_list(msg, "l", &err);
    assert_int_equal(json_array_size(l), 2);
    json_decref(l);
    l = mlflow_get_list(msg, "one", &err); /* a lone value is wrapped */
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
    l = mlflow_get_list(msg, "absent", &err);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    assert_null(mlflow_get_list(msg, "o", &err));
    json_decref(msg);
}

static void error_codes(void **state)
{
    (void)state;
    err_t err;
    err_invalid(&err, "x", "bad");
    assert_string_equal(mlflow_error_code(&err), "INVALID_PARAMETER_VALUE");
    assert_int_equal(mlflow_http_status(&err), 400);
    err_not_found(&err, "gone");
    assert_string_equal(mlflow_error_code(&err), "RESOURCE_DOES_NOT_EXIST");
    assert_int_equal(mlflow_http_status(&err), 404);
    err_conflict(&err, "dup");
    assert_string_equal(mlflow_error_code(&err), "RESOURCE_ALREADY_EXISTS");
    assert_int_equal(mlflow_http_status(&err), 400);
    err_unavailable(&err, "down");
    assert_int_equal(mlflow_http_status(&err), 503);
    err_internal(&err, "bug");
    assert_string_equal(mlflow_error_code(&err), "INTERNAL_ERROR");
    assert_int_equal(mlflow_http_status(&err), 500);

    http_response_t res = {0};
    err_not_found(&err, "Run with id=x not found");
    mlflow_respond_error(&res, &err);
    assert_int_equal(res.status, 404);
    json_t *body = json_loadb(res.body, res.body_len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(body, "message")),
                        "Run with id=x not found");
    json_decref(body);
    http_response_free(&res);
}

static void prune_like_protobuf(void **state)
{
    (void)state;
    json_t *v = json_loads("{\"a\":null,\"b\":[],\"c\":{\"d\":[],\"e\":0,\"f\":false,\"g\":\"\"},"
                           "\"h\":[{\"i\":null,\"j\":1}]}",
                           0, NULL);
    mlflow_prune(v);
    char *text = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "{\"c\":{\"e\":0,\"f\":false,\"g\":\"\"},\"h\":[{\"j\":1}]}");
    free(text);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(message_from_body_and_query),
        cmocka_unit_test(typed_fields),
        cmocka_unit_test(error_codes),
        cmocka_unit_test(prune_like_protobuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
