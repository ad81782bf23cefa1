/* dispatch.c - target parsing and routing for every transport (see dispatch.h). */
#include "http/dispatch.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"

/* 1 when s is valid UTF-8 (jansson refuses to make a string of anything else). */
static int valid_utf8(const char *s)
{
    json_t *probe = json_string(s);
    json_decref(probe);
    return probe != NULL;
}

/* Split "a=1&b=x%20y" into decoded pairs. -1 if a part does not decode or there are too many. */
static int parse_query(const char *query, http_request_t *req, http_response_t *res)
{
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            if (req->nquery == HTTP_MAX_QUERY) {
                http_respond_errorf(res, 400, "invalid_argument", NULL,
                                    "too many query parameters (at most %d)", HTTP_MAX_QUERY);
                return -1;
            }
            const char *eq = memchr(p, '=', len);
            size_t name_len = eq ? (size_t)(eq - p) : len;
            char *name = http_decode(p, name_len, 1);
            char *value = eq ? http_decode(eq + 1, len - name_len - 1, 1) : xstrdup("");
            if (!name || !value || !valid_utf8(name) || !valid_utf8(value)) {
                free(name);
                free(value);
                http_respond_errorf(res, 400, "invalid_argument", NULL,
                                    "query parameter is not valid UTF-8 or has a NUL byte");
                return -1;
            }
            req->query[req->nquery].name = name;
            req->query[req->nquery].value = value;
            req->nquery++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return 0;
}

void http_dispatch(const router_t *router, http_request_t *req, http_response_t *res)
{
    const char *target = req->target;
    const char *qmark = strchr(target, '?');
    size_t path_len = qmark ? (size_t)(qmark - target) : strlen(target);
    char *raw_path = xstrndup(target, path_len);

    if (raw_path[0] != '/') {
        http_respond_errorf(res, 400, "invalid_argument", NULL,
                            "request target must start with '/'");
        goto done;
    }
    req->path = http_decode(raw_path, path_len, 0);
    if (!req->path || !valid_utf8(req->path)) {
        http_respond_errorf(res, 400, "invalid_argument", NULL,
                            "request path is not valid UTF-8 or has an encoded NUL byte");
        goto done;
    }
    if (qmark && parse_query(qmark + 1, req, res) != 0)
        goto done;

    http_handler_fn fn = NULL;
    char allow[128];
    switch (router_match(router, req->method, raw_path, req, &fn, allow, sizeof allow)) {
    case ROUTE_FOUND:
        fn(req, res);
        if (!res->status && !res->deferred) {
            log_msg(LOG_ERROR, "handler for %s %s sent no response", req->method, req->path);
            http_respond_errorf(res, 500, "internal", NULL, "the handler sent no response");
        }
        break;
    case ROUTE_METHOD_NOT_ALLOWED:
        http_respond_errorf(res, 405, "method_not_allowed", NULL,
                            "method %s is not allowed on %s (allowed: %s)", req->method, req->path,
                            allow);
        http_response_add_header(res, "Allow", allow);
        break;
    case ROUTE_BAD_PATH:
        http_respond_errorf(res, 400, "invalid_argument", NULL,
                            "a path segment contains an encoded NUL byte");
        break;
    case ROUTE_NOT_FOUND:
        http_respond_errorf(res, 404, "not_found", NULL, "no route for %s %s", req->method,
                            req->path);
        break;
    }
done:
    free(raw_path);
}
