/* routes_alerts.c - alert rules, their events and on-demand evaluation over HTTP.
 *
 *   POST   /api/v1/alerts/rules        a rule (see monitor/alerts.h) -> 201 {"rule"}
 *   GET    /api/v1/alerts/rules        {"rules": [...]}
 *   GET    /api/v1/alerts/rules/{id}   {"rule": {..., "states": [...]}}
 *   DELETE /api/v1/alerts/rules/{id}   {} (the rule and its states; its events stay)
 *   GET    /api/v1/alerts/events?rule_id=&limit=100   {"events": [...]} newest first
 *   POST   /api/v1/alerts/evaluate     evaluate every enabled rule now (what the background
 *                                      evaluator does every --alert-interval-ms) and deliver
 *                                      the webhooks: {"evaluated", "events": [...]} */
#include <stdlib.h>

#include "http/routes.h"
#include "monitor/alerts.h"

static void respond(http_response_t *res, int status, json_t *out, const err_t *err)
{
    if (out)
        http_respond_json(res, status, out);
    else
        http_respond_error(res, err);
}

static void handle_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *rule = alerts_rule_create(req->app->store, body, &err);
    json_decref(body);
    respond(res, 201, rule ? json_pack("{s:o}", "rule", rule) : NULL, &err);
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    respond(res, 200, alerts_rule_list(req->app->store, &err), &err);
}

static void handle_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    respond(res, 200, alerts_rule_get(req->app->store, http_param(req, "id"), &err), &err);
}

static void handle_delete(http_request_t *req, http_response_t *res)
{
    err_t err;
    if (alerts_rule_delete(req->app->store, http_param(req, "id"), &err) != 0)
        http_respond_error(res, &err);
    else
        http_respond_json(res, 200, json_object());
}

static void handle_events(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *text = http_query(req, "limit");
    char *end = NULL;
    long long limit = text ? strtoll(text, &end, 10) : 100;
    json_t *out = NULL;
    if (text && (end == text || *end))
        err_invalid(&err, "limit", "limit must be an integer from 1 to 1000");
    else
        out = alerts_events(req->app->store, http_query(req, "rule_id"), limit, &err);
    respond(res, 200, out, &err);
}

static void handle_evaluate(http_request_t *req, http_response_t *res)
{
    err_t err;
    respond(res, 200, alerts_evaluate(req->app->store, 0, NULL, &err), &err);
}

void routes_alerts_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/alerts/rules", handle_create);
    router_add(r, "GET", "/api/v1/alerts/rules", handle_list);
    router_add(r, "GET", "/api/v1/alerts/rules/{id}", handle_get);
    router_add(r, "DELETE", "/api/v1/alerts/rules/{id}", handle_delete);
    router_add(r, "GET", "/api/v1/alerts/events", handle_events);
    router_add(r, "POST", "/api/v1/alerts/evaluate", handle_evaluate);
}
