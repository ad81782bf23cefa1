/* routes_retention.c - the on-demand trace retention purge over HTTP.
 *
 *   POST /api/v1/traces/purge?older_than_days=N[&batch=1000]
 *        deletes traces (with their spans and scores) that started more than N days ago
 *        (N from 0 to 36500; 0: everything that started before now), batch traces per
 *        transaction: 200 {"cutoff_ms", "traces", "spans", "scores", "batches"} */
#include <stdlib.h>

#include "base/clock.h"
#include "http/routes.h"
#include "traces/retention.h"

/* An integer query parameter within [lo, hi]; absent: def (or 400 when required). */
static int query_int(const http_request_t *req, const char *name, int required, long long lo,
                     long long hi, long long def, long long *out, err_t *err)
{
    const char *text = http_query(req, name);
    if (!text) {
        if (required)
            return err_invalid(err, name, "query parameter '%s' is required", name);
        *out = def;
        return 0;
    }
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || v < lo || v > hi)
        return err_invalid(err, name, "'%s' must be an integer from %lld to %lld", name, lo, hi);
    *out = v;
    return 0;
}

static void handle_purge(http_request_t *req, http_response_t *res)
{
    err_t err;
    long long days, batch;
    if (query_int(req, "older_than_days", 1, 0, 36500, 0, &days, &err) != 0 ||
        query_int(req, "batch", 0, 1, 100000, 1000, &batch, &err) != 0) {
        http_respond_error(res, &err);
        return;
    }
    int64_t cutoff = retention_cutoff_ms(clock_now_ms(), days);
    retention_result_t r;
    if (traces_purge(req->app->store, cutoff, (int)batch, &r, &err) != 0) {
        http_respond_error(res, &err);
        return;
    }
    http_respond_json(res, 200,
                      json_pack("{s:I, s:I, s:I, s:I, s:I}", "cutoff_ms", (json_int_t)cutoff,
                                "traces", (json_int_t)r.traces, "spans", (json_int_t)r.spans,
                                "scores", (json_int_t)r.scores, "batches", (json_int_t)r.batches));
}

void routes_retention_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/traces/purge", handle_purge);
}
