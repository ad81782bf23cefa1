/* mlflow_wire.c - MLflow's REST wire conventions (see mlflow_wire.h). */
#include "http/mlflow_wire.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

json_t *mlflow_message(const http_request_t *req, http_response_t *res)
{
    err_t err;
    if (req->body_len > 0) {
        json_t *body = json_parse_object(req->body, req->body_len, &err);
        if (!body)
            mlflow_respond_error(res, &err);
        return body;
    }
    json_t *msg = json_object();
    for (size_t i = 0; i < req->nquery; i++) {
        const char *name = req->query[i].name;
        json_t *value = json_string(req->query[i].value);
        json_t *seen = json_object_get(msg, name);
        if (!seen) {
            json_object_set_new(msg, name, value);
        } else if (json_is_array(seen)) {
            json_array_append_new(seen, value);
        } else {
            json_t *list = json_pack("[O, o]", seen, value);
            json_object_set_new(msg, name, list);
        }
    }
    return msg;
}

static int missing(const char *field, err_t *err)
{
    return err_invalid(err, field,
                       "Missing value for required parameter '%s'. See the API docs for more "
                       "information about request parameters.",
                       field);
}

static json_t *present(const json_t *msg, const char *field)
{
    json_t *v = json_object_get(msg, field);
    return v && !json_is_null(v) ? v : NULL;
}

int mlflow_get_string(const json_t *msg, const char *field, int required, size_t max_len,
                      const char **out, err_t *err)
{
    json_t *v = present(msg, field);
    if (!v)
        return required ? missing(field, err) : 0;
    if (!json_is_string(v))
        return err_invalid(err, field, "Invalid value for parameter '%s': expected a string",
                           field);
    size_t len = json_string_length(v);
    if (required && len == 0)
        return missing(field, err);
    if (memchr(json_string_value(v), '\0', len))
        return err_invalid(err, field, "Invalid value for parameter '%s': contains a NUL byte",
                           field);
    if (max_len && len > max_len)
        return err_invalid(err, field,
                           "Invalid value for parameter '%s': length %zu exceeds the limit of %zu",
                           field, len, max_len);
    *out = json_string_value(v);
    return 0;
}

int mlflow_get_int64(const json_t *msg, const char *field, int required, int64_t *out, err_t *err)
{
    json_t *v = present(msg, field);
    if (!v)
        return required ? missing(field, err) : 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *text = json_string_value(v);
        char *end = NULL;
        errno = 0;
        long long n = strtoll(text, &end, 10);
        if (*text && end && *end == '\0' && errno == 0) {
            *out = n;
            return 0;
        }
    }
    return err_invalid(err, field, "Invalid value for parameter '%s': expected an integer", field);
}

int mlflow_get_double(const json_t *msg, const char *field, int required, double *out, err_t *err)
{
    json_t *v = present(msg, field);
    if (!v)
        return required ? missing(field, err) : 0;
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    if (json_is_string(v)) { /* protobuf JSON spells these as strings */
        const char *text = json_string_value(v);
        if (strcmp(text, "NaN") == 0) {
            *out = NAN;
            return 0;
        }
        if (strcmp(text, "Infinity") == 0 || strcmp(text, "-Infinity") == 0) {
            *out = text[0] == '-' ? -INFINITY : INFINITY;
            return 0;
        }
        char *end = NULL;
        double d = strtod(text, &end);
        if (*text && end && *end == '\0') {
            *out = d;
            return 0;
        }
    }
    return err_invalid(err, field, "Invalid value for parameter '%s': expected a number", field);
}

json_t *mlflow_get_list(const json_t *msg, const char *field, err_t *err)
{
    json_t *v = present(msg, field);
    if (!v)
        return json_array();
    if (json_is_array(v))
        return json_incref(v);
    if (json_is_object(v)) {
        err_invalid(err, field, "Invalid value for parameter '%s': expected a list", field);
        return NULL;
    }
    return json_pack("[O]", v);
}

const char *mlflow_error_code(const err_t *err)
{
    if (strcmp(err->code, "invalid_argument") == 0 || strcmp(err->code, "invalid_json") == 0)
        return "INVALID_PARAMETER_VALUE";
    if (strcmp(err->code, "not_found") == 0)
        return "RESOURCE_DOES_NOT_EXIST";
    if (strcmp(err->code, "conflict") == 0)
        return "RESOURCE_ALREADY_EXISTS";
    if (strcmp(err->code, "unavailable") == 0)
        return "TEMPORARILY_UNAVAILABLE";
    if (err->status >= 400 && err->status < 500)
        return "INVALID_PARAMETER_VALUE";
    return "INTERNAL_ERROR";
}

int mlflow_http_status(const err_t *err)
{
    const char *code = mlflow_error_code(err);
    if (strcmp(code, "RESOURCE_DOES_NOT_EXIST") == 0)
        return 404;
    if (strcmp(code, "TEMPORARILY_UNAVAILABLE") == 0)
        return 503;
    if (strcmp(code, "INTERNAL_ERROR") == 0)
        return 500;
    return 400;
}

void mlflow_respond_error(http_response_t *res, const err_t *err)
{
    json_t *body =
        json_pack("{s:s, s:s}", "error_code", mlflow_error_code(err), "message", err->message);
    if (!body) /* the message quoted text that is not UTF-8 */
        body = json_pack("{s:s, s:s}", "error_code", mlflow_error_code(err), "message",
                         "the request contains text that is not valid UTF-8");
    http_respond_json(res, mlflow_http_status(err), body);
}

void mlflow_respond(http_response_t *res, json_t *message)
{
    http_respond_json(res, 200, message);
}
