/* mlflow_wire.h - speaking MLflow's REST wire format (/api/2.0/mlflow/...) on top of llmops'
 * request/response structs, shared by every MLflow-compatible route file.
 *
 * MLflow's messages are protobuf messages in JSON: a POST carries them as a JSON body, a GET as
 * query parameters (a repeated field is a repeated query key). int64 fields are JSON numbers on
 * the way out but are accepted as numbers or decimal strings on the way in (protobuf's JSON
 * mapping allows both). Unknown fields are ignored. Errors are
 * {"error_code":"RESOURCE_DOES_NOT_EXIST","message":"..."} with MLflow's HTTP status. */
#ifndef LLMOPS_HTTP_MLFLOW_WIRE_H
#define LLMOPS_HTTP_MLFLOW_WIRE_H

#include <jansson.h>
#include <stdint.h>

#include "http/request.h"

/* The request message as a JSON object: the body when there is one (it must be an object),
 * otherwise the query string, where a name given once maps to a string and a repeated name to
 * an array of strings. On failure answers 400 INVALID_PARAMETER_VALUE and returns NULL. Caller
 * owns the result. */
json_t *mlflow_message(const http_request_t *req, http_response_t *res);

/* Typed fields. Return 0 (also when an optional field is absent: *out is then untouched) or -1
 * with err filled as MLflow words it ("Missing value for required parameter 'run_id'...").
 * max_len 0 means no limit. */
int mlflow_get_string(const json_t *msg, const char *field, int required, size_t max_len,
                      const char **out, err_t *err);
int mlflow_get_int64(const json_t *msg, const char *field, int required, int64_t *out, err_t *err);
int mlflow_get_double(const json_t *msg, const char *field, int required, double *out, err_t *err);
/* A repeated field: always an array (new reference; empty when absent; a lone value is wrapped),
 * or NULL with err when it is neither an array nor a scalar. */
json_t *mlflow_get_list(const json_t *msg, const char *field, err_t *err);

/* llmops error -> MLflow error_code and HTTP status: invalid_argument/invalid_json ->
 * INVALID_PARAMETER_VALUE 400, not_found -> RESOURCE_DOES_NOT_EXIST 404, conflict ->
 * RESOURCE_ALREADY_EXISTS 400 (MLflow answers 400, not 409), unavailable ->
 * TEMPORARILY_UNAVAILABLE 503, anything else INTERNAL_ERROR 500. */
const char *mlflow_error_code(const err_t *err);
int mlflow_http_status(const err_t *err);
void mlflow_respond_error(http_response_t *res, const err_t *err);

/* Answer 200 with a message (stolen). */
void mlflow_respond(http_response_t *res, json_t *message);

#endif
