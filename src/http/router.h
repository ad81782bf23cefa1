/* router.h - maps (method, path) to a handler, with path parameters.
 *
 * Patterns are literal segments and parameters: "/api/v1/experiments/{id}". A last segment
 * "{name*}" takes the rest of the path, slashes included (artifact paths). Matching happens on
 * the raw, still percent-encoded path, segment by segment, and parameters are decoded after,
 * so an encoded slash inside a parameter never splits it. */
#ifndef LLMOPS_HTTP_ROUTER_H
#define LLMOPS_HTTP_ROUTER_H

#include <stddef.h>

#include "http/request.h"

typedef void (*http_handler_fn)(http_request_t *req, http_response_t *res);

typedef struct router router_t;

typedef enum route_result {
    ROUTE_FOUND,
    ROUTE_NOT_FOUND,
    ROUTE_METHOD_NOT_ALLOWED, /* the path exists under other methods */
    ROUTE_BAD_PATH,           /* a segment decodes to something unusable (e.g. a NUL byte) */
} route_result_t;

router_t *router_new(void);
void router_free(router_t *r);
/* Register a route; patterns and methods are borrowed (string literals). */
void router_add(router_t *r, const char *method, const char *pattern, http_handler_fn fn);

/* Match a raw path (no query). On ROUTE_FOUND, *fn is set and req->params filled. On
 * ROUTE_METHOD_NOT_ALLOWED, allow gets the permitted methods ("GET, POST"). */
route_result_t router_match(const router_t *r, const char *method, const char *raw_path,
                            http_request_t *req, http_handler_fn *fn, char *allow,
                            size_t allow_size);

/* Percent-decode len bytes of s into a new string ('+' stays '+' unless plus_is_space).
 * NULL if the result would contain a NUL byte. Caller frees. */
char *http_decode(const char *s, size_t len, int plus_is_space);

#endif
