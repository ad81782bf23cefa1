/* routes_traces.c - traces and sessions over HTTP (llmops' own API; docs/trace-queries.md).
 *
 *   GET /api/v1/traces?since=&until=(epoch ms)&endpoint=&model=&version=&user=&session_id=
 *                     &status=ok|error|unset&name=&source=&key_id=&min_latency_ms=&min_cost_usd=
 *                     &has_feedback=true|false&score=NAME OP VALUE (repeatable)&q=(full text)
 *                     &sort=start_ms|latency_ms|cost_usd|tokens&order=desc|asc
 *                     &limit=(1-1000, default 100)&page_token=
 *       {"traces": [summary...], "next_page_token"?}
 *   GET /api/v1/traces/{trace_id}
 *       the summary, input, output, record, spans (flat), tree (nested) and scores; 400 when
 *       trace_id is not 32 hex digits, 404 when unknown
 *   GET /api/v1/sessions?user=&since=&until=&limit=&page_token=
 *       {"sessions": [...], "next_page_token"?}, most recent activity first
 *   GET /api/v1/sessions/{session_id}
 *       the session with its traces oldest first (input and output included); 404 when unknown
 * A bad parameter is 400 naming it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http/routes.h"
#include "traces/trace_query.h"

/* A non-negative number query parameter (absent: *out unchanged). */
static int query_number(const http_request_t *req, const char *name, double *out, err_t *err)
{
    const char *text = http_query(req, name);
    if (!text)
        return 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (!text[0] || *end || !isfinite(v) || v < 0)
        return err_invalid(err, name, "'%s' must be a number >= 0", name);
    *out = v;
    return 0;
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    trace_filter_t f = trace_filter_any();
    f.endpoint = http_query(req, "endpoint");
    f.model = http_query(req, "model");
    f.version = http_query(req, "version");
    f.status = http_query(req, "status");
    f.key_id = http_query(req, "key_id");
    f.user = http_query(req, "user");
    f.session_id = http_query(req, "session_id");
    f.name = http_query(req, "name");
    f.source = http_query(req, "source");
    f.q = http_query(req, "q");
    trace_score_cond_t conds[TRACE_SCORE_FILTERS];
    size_t nscores = 0;
    const char **scores = http_query_all(req, "score", &nscores);
    int64_t limit = 0;
    json_t *out = NULL;
    int ok = http_query_int(req, "since", 0, INT64_MAX, &f.since_ms, &err) == 0 &&
             http_query_int(req, "until", 0, INT64_MAX, &f.until_ms, &err) == 0 &&
             http_query_int(req, "limit", 0, TRACES_LIST_MAX, &limit, &err) == 0 &&
             query_number(req, "min_latency_ms", &f.min_latency_ms, &err) == 0 &&
             query_number(req, "min_cost_usd", &f.min_cost_usd, &err) == 0 &&
             http_query_bool(req, "has_feedback", &f.has_feedback, &err) == 0 &&
             trace_sort_parse(http_query(req, "sort"), &f.sort, &err) == 0 &&
             trace_order_parse(http_query(req, "order"), &f.ascending, &err) == 0;
    if (ok && nscores > TRACE_SCORE_FILTERS)
        ok = err_invalid(&err, "score", "at most %d 'score' conditions", TRACE_SCORE_FILTERS) == 0;
    for (size_t i = 0; ok && i < nscores; i++)
        ok = trace_score_cond_parse(scores[i], &conds[i], &err) == 0;
    free(scores);
    f.scores = conds;
    f.nscores = nscores;
    if (ok)
        out = traces_list(req->app->store, &f, (int)limit, http_query(req, "page_token"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out = traces_get(req->app->store, http_param(req, "trace_id"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_sessions(http_request_t *req, http_response_t *res)
{
    err_t err;
    session_filter_t f = {.user = http_query(req, "user")};
    int64_t limit = 0;
    json_t *out = NULL;
    if (http_query_int(req, "since", 0, INT64_MAX, &f.since_ms, &err) == 0 &&
        http_query_int(req, "until", 0, INT64_MAX, &f.until_ms, &err) == 0 &&
        http_query_int(req, "limit", 0, TRACES_LIST_MAX, &limit, &err) == 0)
        out = sessions_list(req->app->store, &f, (int)limit, http_query(req, "page_token"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_session(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out = sessions_get(req->app->store, http_param(req, "session_id"), &err);
    http_respond_result(res, 200, out, &err);
}

void routes_traces_register(router_t *r)
{
    router_add(r, "GET", "/api/v1/traces", handle_list);
    router_add(r, "GET", "/api/v1/traces/{trace_id}", handle_get);
    router_add(r, "GET", "/api/v1/sessions", handle_sessions);
    router_add(r, "GET", "/api/v1/sessions/{session_id}", handle_session);
}
