/* request.h - the transport-neutral request and response every handler sees.
 *
 * The same structs are filled by the HTTP server (from libmicrohttpd) and by the in-process
 * CLI, so a handler never knows which transport brought the request. Handlers read the path
 * parameters, query and body, call a service, and answer with http_respond_json() or
 * http_respond_error(). */
#ifndef LLMOPS_HTTP_REQUEST_H
#define LLMOPS_HTTP_REQUEST_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"
#include "core/app.h"

#define HTTP_MAX_PARAMS        8
#define HTTP_MAX_QUERY         32
#define HTTP_MAX_EXTRA_HEADERS 8

typedef struct http_kv {
    char *name; /* owned by the request */
    char *value;
} http_kv_t;

typedef struct http_request {
    const char *method;                /* "GET", "POST", ... (HEAD is routed as GET) */
    const char *target;                /* raw request target: "/api/v1/x%20y?a=1" */
    char *path;                        /* decoded path, owned */
    http_kv_t params[HTTP_MAX_PARAMS]; /* from the route pattern, decoded */
    size_t nparams;
    http_kv_t query[HTTP_MAX_QUERY]; /* decoded; repeated names keep every value in order */
    size_t nquery;
    const char *body; /* borrowed; may be NULL when body_len is 0 */
    size_t body_len;
    const char *request_id;
    /* Header lookup supplied by the transport (case-insensitive); NULL when it has none. */
    const char *(*header_fn)(void *ctx, const char *name);
    void *header_ctx;
    app_t *app;
} http_request_t;

struct http_deferred;

typedef struct http_response {
    int status; /* 0 until a handler answers */
    char *body; /* owned, malloc'd */
    size_t body_len;
    const char *content_type; /* static string */
    http_kv_t headers[HTTP_MAX_EXTRA_HEADERS];
    size_t nheaders;
    /* Set instead of status by a handler whose answer comes later, from another thread (see
     * http/deferred.h); the reference passes to the transport. */
    struct http_deferred *deferred;
} http_response_t;

/* Lookups. NULL when absent. */
const char *http_param(const http_request_t *req, const char *name);
const char *http_query(const http_request_t *req, const char *name);
const char *http_header(const http_request_t *req, const char *name);
/* Every value of a repeated query parameter, in order (borrowed), as a NULL-terminated array
 * the caller frees; *n is the count. */
const char **http_query_all(const http_request_t *req, const char *name, size_t *n);
/* Typed query parameters. Absent: *out unchanged and 0. Malformed: -1 with err, a 400 naming
 * the parameter ("'limit' must be an integer from 1 to 1000", "'x' must be true or false"). */
int http_query_int(const http_request_t *req, const char *name, int64_t min, int64_t max,
                   int64_t *out, err_t *err);
int http_query_bool(const http_request_t *req, const char *name, int *out, err_t *err);

/* The body as a JSON object; on failure answers 400 invalid_json itself and returns NULL.
 * Caller owns the result. */
json_t *http_body_object(const http_request_t *req, http_response_t *res);

/* Answer with a JSON value (stolen). */
void http_respond_json(http_response_t *res, int status, json_t *body);
/* Answer with body (stolen) when it is not NULL, else with the error in err. */
void http_respond_result(http_response_t *res, int status, json_t *body, const err_t *err);
/* Answer with raw bytes (copied). */
void http_respond_bytes(http_response_t *res, int status, const char *content_type,
                        const void *data, size_t len);
/* Answer {"error":{"code","message","field"?}} with err->status. */
void http_respond_error(http_response_t *res, const err_t *err);
void http_respond_errorf(http_response_t *res, int status, const char *code, const char *field,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Add a response header (both copied). Extra ones beyond the limit are dropped. */
void http_response_add_header(http_response_t *res, const char *name, const char *value);

void http_request_free(http_request_t *req);
void http_response_free(http_response_t *res);

#endif
