/* routes_monitor.c - monitoring over HTTP.
 *
 *   GET /api/v1/monitor/summary?since=&until=&bucket=&group=&endpoint=&model=
 *       aggregates per time bucket and group (monitor/aggregate.h); since defaults to 24h,
 *       until to now, bucket to hour, group to none
 *   GET /api/v1/monitor/drift?baseline_since=&baseline_until=&since=&until=&endpoint=&model=
 *       the current window against a baseline (monitor/drift.h); since defaults to 1d, until
 *       to now, baseline_until to since, baseline_since to 7 days before baseline_until
 *
 * Instants are epoch milliseconds or durations before now ("1h", "24h", "7d"; window.h). */
#include "base/clock.h"
#include "http/routes.h"
#include "monitor/aggregate.h"
#include "monitor/drift.h"
#include "monitor/window.h"

/* An optional instant parameter: *out unchanged when absent. */
static int query_time(http_request_t *req, const char *name, int64_t now, int64_t *out, err_t *err)
{
    const char *text = http_query(req, name);
    return text ? mon_time_parse(text, name, now, out, err) : 0;
}

static void handle_summary(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t now = clock_now_ms();
    mon_query_t q = {.since_ms = now - 86400000LL,
                     .until_ms = now,
                     .bucket = MON_BUCKET_HOUR,
                     .group = MON_GROUP_NONE,
                     .endpoint = http_query(req, "endpoint"),
                     .model = http_query(req, "model")};
    const char *bucket = http_query(req, "bucket"), *group = http_query(req, "group");
    mon_row_t *rows = NULL;
    size_t n = 0;
    if (query_time(req, "since", now, &q.since_ms, &err) == 0 &&
        query_time(req, "until", now, &q.until_ms, &err) == 0 &&
        (!bucket || mon_bucket_parse(bucket, "bucket", &q.bucket, &err) == 0) &&
        (!group || mon_group_parse(group, "group", &q.group, &err) == 0) &&
        (q.until_ms > 0 ||
         err_invalid(&err, "until", "until must be after 1970-01-01T00:00:00Z") == 0) &&
        monitor_aggregate(req->app->store, &q, &rows, &n, &err) == 0) {
        http_respond_json(res, 200, mon_rows_json(&q, rows, n));
        mon_rows_free(rows, n);
        return;
    }
    http_respond_error(res, &err);
}

static void handle_drift(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t now = clock_now_ms();
    mon_drift_query_t q = {.since_ms = now - 86400000LL,
                           .until_ms = now,
                           .endpoint = http_query(req, "endpoint"),
                           .model = http_query(req, "model")};
    json_t *out = NULL;
    if (query_time(req, "since", now, &q.since_ms, &err) == 0 &&
        query_time(req, "until", now, &q.until_ms, &err) == 0) {
        q.baseline_until_ms = q.since_ms;
        if (query_time(req, "baseline_until", now, &q.baseline_until_ms, &err) == 0) {
            q.baseline_since_ms = q.baseline_until_ms - 7 * 86400000LL;
            if (query_time(req, "baseline_since", now, &q.baseline_since_ms, &err) == 0)
                out = monitor_drift(req->app->store, &q, &err);
        }
    }
    http_respond_result(res, 200, out, &err);
}

void routes_monitor_register(router_t *r)
{
    router_add(r, "GET", "/api/v1/monitor/summary", handle_summary);
    router_add(r, "GET", "/api/v1/monitor/drift", handle_drift);
}
