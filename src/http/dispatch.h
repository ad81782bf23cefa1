/* dispatch.h - one request in, one response out: parse the target, route, run the handler.
 *
 * This is the single code path of every operation. The HTTP server calls it for each request
 * it receives; the CLI calls it directly when it works in-process on a local data directory. */
#ifndef LLMOPS_HTTP_DISPATCH_H
#define LLMOPS_HTTP_DISPATCH_H

#include "http/request.h"
#include "http/router.h"

/* req->method, target, body, body_len, request_id, header_fn and app must be set; path, params
 * and query are filled here (free with http_request_free). res always ends with a status:
 * 404 not_found, 405 method_not_allowed (with an Allow header), 400 for an undecodable target,
 * 500 if a handler forgot to answer. */
void http_dispatch(const router_t *router, http_request_t *req, http_response_t *res);

#endif
