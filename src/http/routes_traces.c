/* routes_traces.c - the traces the gateway wrote, over HTTP (llmops' own API).
 *
 *   GET /api/v1/traces?endpoint=&model=&status=ok|error&key_id=&user=&session_id=
 *                     &since=&until=(epoch ms)&limit=(1-1000, default 100)&page_token=
 *       {"traces": [summary...], "next_page_token"?}, newest first
 *   GET /api/v1/traces/{trace_id}
 *       the trace with input, output, the full record and its spans; 400 when trace_id is not
 *       32 hex digits, 404 when unknown */
#include <errno.h>
#include <stdlib.h>

#include "http/routes.h"
#include "traces/trace_store.h"

/* An integer query parameter in [0, max] (absent: *out unchanged). */
static int query_int64(const http_request_t *req, const char *name, int64_t max, int64_t *out,
                       err_t *err)
{
    const char *text = http_query(req, name);
    if (!text)
        return 0;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!text[0] || *end || errno || v < 0 || v > max)
        return err_invalid(err, name, "'%s' must be an integer from 0 to %lld", name,
                           (long long)max);
    *out = v;
    return 0;
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    trace_filter_t f = {
        .endpoint = http_query(req, "endpoint"),
        .model = http_query(req, "model"),
        .status = http_query(req, "status"),
        .key_id = http_query(req, "key_id"),
        .user = http_query(req, "user"),
        .session_id = http_query(req, "session_id"),
    };
    int64_t limit = 0;
    json_t *out = NULL;
    if (query_int64(req, "since", INT64_MAX, &f.since_ms, &err) == 0 &&
        query_int64(req, "until", INT64_MAX, &f.until_ms, &err) == 0 &&
        query_int64(req, "limit", TRACES_LIST_MAX, &limit, &err) == 0)
        out = traces_list(req->app->store, &f, (int)limit, http_query(req, "page_token"), &err);
    if (out)
        http_respond_json(res, 200, out);
    else
        http_respond_error(res, &err);
}

static void handle_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out = traces_get(req->app->store, http_param(req, "trace_id"), &err);
    if (out)
        http_respond_json(res, 200, out);
    else
        http_respond_error(res, &err);
}

void routes_traces_register(router_t *r)
{
    router_add(r, "GET", "/api/v1/traces", handle_list);
    router_add(r, "GET", "/api/v1/traces/{trace_id}", handle_get);
}
