/* routes_eval.c - evaluations over HTTP (docs/eval-api.md is the contract; eval/evaluations.h
 * the service).
 *
 *   POST /api/v1/evaluations                 start one: 202 {"evaluation"} (200 with wait)
 *   GET  /api/v1/evaluations?dataset=&status=&limit=&page_token=
 *   GET  /api/v1/evaluations/compare?a=&b=   b the candidate, a the baseline
 *   GET  /api/v1/evaluations/{id}
 *   GET  /api/v1/evaluations/{id}/rows?limit=&page_token=&failed=true
 *   POST /api/v1/evaluations/{id}/resume     202 {"evaluation"}
 *   POST /api/v1/evaluations/{id}/cancel     200 {"evaluation"} */
#include <string.h>

#include "eval/evaluations.h"
#include "http/routes.h"

/* The service, or an answered 503 when it cannot start (NULL). */
static evals_t *service(http_request_t *req, http_response_t *res)
{
    err_t err;
    evals_t *e = evals_get_service(req->app, &err);
    if (!e)
        http_respond_error(res, &err);
    return e;
}

static json_t *wrap(json_t *eval)
{
    return eval ? json_pack("{s:o}", "evaluation", eval) : NULL;
}

static void handle_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    evals_t *e = service(req, res);
    if (e) {
        err_t err;
        int waited = 0;
        json_t *out = wrap(evals_create(e, body, &waited, &err));
        http_respond_result(res, waited ? 200 : 202, out, &err);
    }
    json_decref(body);
}

static void handle_compare(http_request_t *req, http_response_t *res)
{
    evals_t *e = service(req, res);
    if (!e)
        return;
    err_t err;
    json_t *out = evals_compare(e, http_query(req, "a"), http_query(req, "b"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    evals_t *e = service(req, res);
    if (!e)
        return;
    err_t err;
    int64_t limit = 0;
    json_t *out = NULL;
    if (http_query_int(req, "limit", 1, EVAL_PAGE_MAX, &limit, &err) == 0)
        out = evals_list(e, http_query(req, "dataset"), http_query(req, "status"), (int)limit,
                         http_query(req, "page_token"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_get(http_request_t *req, http_response_t *res)
{
    if (strcmp(http_param(req, "id"), "compare") == 0) {
        handle_compare(req, res);
        return;
    }
    evals_t *e = service(req, res);
    if (!e)
        return;
    err_t err;
    json_t *out = wrap(evals_get(e, http_param(req, "id"), &err));
    http_respond_result(res, 200, out, &err);
}

static void handle_rows(http_request_t *req, http_response_t *res)
{
    evals_t *e = service(req, res);
    if (!e)
        return;
    err_t err;
    int64_t limit = 0;
    int failed = 0;
    json_t *out = NULL;
    if (http_query_int(req, "limit", 1, EVAL_PAGE_MAX, &limit, &err) == 0 &&
        http_query_bool(req, "failed", &failed, &err) == 0)
        out = evals_rows(e, http_param(req, "id"), (int)limit, http_query(req, "page_token"),
                         failed, &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_resume(http_request_t *req, http_response_t *res)
{
    evals_t *e = service(req, res);
    if (!e)
        return;
    err_t err;
    json_t *out = wrap(evals_resume(e, http_param(req, "id"), &err));
    http_respond_result(res, 202, out, &err);
}

static void handle_cancel(http_request_t *req, http_response_t *res)
{
    evals_t *e = service(req, res);
    if (!e)
        return;
    err_t err;
    json_t *out = wrap(evals_cancel(e, http_param(req, "id"), &err));
    http_respond_result(res, 200, out, &err);
}

void routes_eval_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/evaluations", handle_create);
    router_add(r, "GET", "/api/v1/evaluations", handle_list);
    router_add(r, "GET", "/api/v1/evaluations/compare", handle_compare);
    router_add(r, "GET", "/api/v1/evaluations/{id}", handle_get);
    router_add(r, "GET", "/api/v1/evaluations/{id}/rows", handle_rows);
    router_add(r, "POST", "/api/v1/evaluations/{id}/resume", handle_resume);
    router_add(r, "POST", "/api/v1/evaluations/{id}/cancel", handle_cancel);
}
