/* routes_promotions.c - promotion with gates over HTTP (eval/promotion.h, docs/eval-api.md).
 *
 *   POST /api/v1/promotions   {"kind","name","version","alias","require","evaluation"?,
 *                              "baseline_evaluation"?,"eval"?,"who"?}
 *                             200 {"promotion"} whether promoted or rejected; 400/404/409
 *   GET  /api/v1/promotions?kind=&name=&limit=&page_token=   newest first
 *
 * "who" defaults to the X-LLMOps-User header. A promotion that runs an evaluation ("eval")
 * answers when it has finished. */
#include "eval/promotion.h"
#include "http/routes.h"

static void handle_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = promotion_create(req->app, body, http_header(req, "X-LLMOps-User"), &err);
    http_respond_result(res, 200, out ? json_pack("{s:o}", "promotion", out) : NULL, &err);
    json_decref(body);
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t limit = 0;
    json_t *out = NULL;
    if (http_query_int(req, "limit", 1, PROMOTION_PAGE_MAX, &limit, &err) == 0)
        out = promotion_list(req->app, http_query(req, "kind"), http_query(req, "name"), (int)limit,
                             http_query(req, "page_token"), &err);
    http_respond_result(res, 200, out, &err);
}

void routes_promotions_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/promotions", handle_create);
    router_add(r, "GET", "/api/v1/promotions", handle_list);
}
