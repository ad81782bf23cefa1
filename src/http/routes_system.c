/* routes_system.c - liveness, readiness and status endpoints.
 *
 *   GET /healthz         200 {"status":"ok"} while the process serves requests
 *   GET /readyz          200 when the store answers, else 503 (load balancers stop routing)
 *   GET /api/v1/status   version, uptime, store backend and schema version
 *   GET /metrics         Prometheus text format: HTTP, gateway, traces, alerts, retention
 *                        (docs/metrics-alerts.md lists every metric) */
#include "http/routes.h"

#include "base/metrics.h"
#include "system/scrape.h"
#include "system/status.h"

static void handle_healthz(http_request_t *req, http_response_t *res)
{
    (void)req;
    http_respond_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

static void handle_readyz(http_request_t *req, http_response_t *res)
{
    err_t err;
    if (system_ready(req->app, &err) != 0) {
        http_respond_json(res, 503,
                          json_pack("{s:s, s:{s:s, s:s}}", "status", "unavailable", "error", "code",
                                    "unavailable", "message", err.message));
        return;
    }
    http_respond_json(res, 200, json_pack("{s:s}", "status", "ready"));
}

static void handle_status(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *status = system_status(req->app, &err);
    if (!status) {
        http_respond_error(res, &err);
        return;
    }
    http_respond_json(res, 200, status);
}

static void handle_metrics(http_request_t *req, http_response_t *res)
{
    system_scrape_refresh(req->app);
    buf_t text;
    buf_init(&text);
    metrics_render(&text);
    http_respond_bytes(res, 200, "text/plain; version=0.0.4; charset=utf-8", buf_str(&text),
                       text.len);
    buf_free(&text);
}

void routes_system_register(router_t *r)
{
    router_add(r, "GET", "/metrics", handle_metrics);
    router_add(r, "GET", "/healthz", handle_healthz);
    router_add(r, "GET", "/readyz", handle_readyz);
    router_add(r, "GET", "/api/v1/status", handle_status);
}
