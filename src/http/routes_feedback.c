/* routes_feedback.c - feedback scores, their export and annotation queues over HTTP.
 *
 *   POST   /api/v1/feedback                       a score (scores.h) -> 201 {"score"}
 *   GET    /api/v1/feedback?trace_id=&name=&source=&queue_id=&since=&until=&limit=&page_token=
 *                                                 {"scores": [...], "next_page_token"?}
 *   DELETE /api/v1/feedback/{id}                  {}
 *   GET    /api/v1/feedback/export?endpoint=&model=&status=&user=&session_id=&trace_name=
 *          &trace_source=&since=&until=&name=&only_with_feedback=true|false&format=jsonl
 *                                                 application/x-ndjson (feedback/export.h)
 *   POST   /api/v1/annotation-queues              201 queue + "items_added"
 *   GET    /api/v1/annotation-queues              {"queues": [...]}
 *   GET    /api/v1/annotation-queues/{id}         queue (id or name)
 *   DELETE /api/v1/annotation-queues/{id}         {}
 *   POST   /api/v1/annotation-queues/{id}/items   {"filter"} | {"trace_ids"} -> {"added", "queue"}
 *   GET    /api/v1/annotation-queues/{id}/items?status=&limit=&page_token=
 *   GET    /api/v1/annotation-queues/{id}/next?reviewer=X
 *                                                 {"item", "trace", "rubric", "queue"}
 *   POST   /api/v1/annotation-queues/{id}/items/{trace_id}/complete  {"reviewer", "scores"}
 *   POST   /api/v1/annotation-queues/{id}/items/{trace_id}/skip      {"reviewer"} */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "feedback/export.h"
#include "feedback/queues.h"
#include "feedback/score_query.h"
#include "feedback/scores.h"
#include "http/routes.h"
#include "traces/trace_query.h"

/* ---- scores ---------------------------------------------------------------------------------- */

static void handle_add(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *score = scores_add(req->app->store, body, &err);
    http_respond_result(res, 201, score ? json_pack("{s:o}", "score", score) : NULL, &err);
    json_decref(body);
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    score_filter_t f = {
        .trace_id = http_query(req, "trace_id"),
        .name = http_query(req, "name"),
        .source = http_query(req, "source"),
        .queue_id = http_query(req, "queue_id"),
    };
    int64_t limit = 0;
    json_t *out = NULL;
    if (http_query_int(req, "since", 0, INT64_MAX, &f.since_ms, &err) == 0 &&
        http_query_int(req, "until", 0, INT64_MAX, &f.until_ms, &err) == 0 &&
        http_query_int(req, "limit", 0, SCORES_LIST_MAX, &limit, &err) == 0)
        out = scores_list(req->app->store, &f, (int)limit, http_query(req, "page_token"), &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_delete(http_request_t *req, http_response_t *res)
{
    err_t err;
    if (scores_delete(req->app->store, http_param(req, "id"), &err) == 0)
        http_respond_json(res, 200, json_object());
    else
        http_respond_error(res, &err);
}

/* ---- export ---------------------------------------------------------------------------------- */

static int append_chunk(const char *data, size_t len, void *ctx)
{
    buf_append(ctx, data, len);
    return 0;
}

static void handle_export(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *format = http_query(req, "format");
    feedback_export_opts_t opts = {
        .traces =
            {
                .endpoint = http_query(req, "endpoint"),
                .model = http_query(req, "model"),
                .status = http_query(req, "status"),
                .user = http_query(req, "user"),
                .session_id = http_query(req, "session_id"),
                /* "name" is the score name here, so the trace's own name and source get a
                 * prefix. */
                .name = http_query(req, "trace_name"),
                .source = http_query(req, "trace_source"),
            },
        .score_name = http_query(req, "name"),
        .only_with_feedback = 1,
    };
    if (format && strcmp(format, "jsonl") != 0) {
        http_respond_errorf(res, 400, "invalid_argument", "format",
                            "format must be jsonl (the only export format)");
        return;
    }
    if (http_query_int(req, "since", 0, INT64_MAX, &opts.traces.since_ms, &err) != 0 ||
        http_query_int(req, "until", 0, INT64_MAX, &opts.traces.until_ms, &err) != 0 ||
        http_query_bool(req, "only_with_feedback", &opts.only_with_feedback, &err) != 0) {
        http_respond_error(res, &err);
        return;
    }
    buf_t out;
    buf_init(&out);
    int64_t lines = feedback_export(req->app->store, &opts, append_chunk, &out, &err);
    if (lines < 0) {
        buf_free(&out);
        http_respond_error(res, &err);
        return;
    }
    /* The body is handed over rather than copied: an export can be large. */
    free(res->body);
    res->body_len = out.len;
    res->body = buf_steal(&out);
    res->content_type = "application/x-ndjson";
    res->status = 200;
}

/* ---- annotation queues ----------------------------------------------------------------------- */

static void handle_queue_create(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    http_respond_result(res, 201, queues_create(req->app->store, body, clock_now_ms(), &err), &err);
    json_decref(body);
}

static void handle_queue_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    http_respond_result(res, 200, queues_list(req->app->store, clock_now_ms(), &err), &err);
}

static void handle_queue_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    http_respond_result(
        res, 200, queues_get(req->app->store, http_param(req, "id"), clock_now_ms(), &err), &err);
}

static void handle_queue_delete(http_request_t *req, http_response_t *res)
{
    err_t err;
    if (queues_delete(req->app->store, http_param(req, "id"), &err) == 0)
        http_respond_json(res, 200, json_object());
    else
        http_respond_error(res, &err);
}

static void handle_items_add(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    http_respond_result(
        res, 200,
        queues_add_items(req->app->store, http_param(req, "id"), body, clock_now_ms(), &err), &err);
    json_decref(body);
}

static void handle_items_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t limit = 0;
    json_t *out = NULL;
    if (http_query_int(req, "limit", 0, 1000, &limit, &err) == 0)
        out = queues_items(req->app->store, http_param(req, "id"), http_query(req, "status"),
                           (int)limit, http_query(req, "page_token"), clock_now_ms(), &err);
    http_respond_result(res, 200, out, &err);
}

/* The next item, with its trace so that the reviewer sees what they judge. */
static void handle_next(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out = queues_next(req->app->store, http_param(req, "id"), http_query(req, "reviewer"),
                              clock_now_ms(), &err);
    if (out) {
        const json_t *item = json_object_get(out, "item");
        json_t *trace = NULL;
        if (json_is_object(item)) {
            err_t terr;
            trace = traces_get(req->app->store,
                               json_string_value(json_object_get(item, "trace_id")), &terr);
        }
        json_object_set_new(out, "trace", trace ? trace : json_null());
    }
    http_respond_result(res, 200, out, &err);
}

static void verdict(http_request_t *req, http_response_t *res, int complete)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    const char *queue = http_param(req, "id"), *trace_id = http_param(req, "trace_id");
    json_t *out =
        complete ? queues_complete(req->app->store, queue, trace_id, body, clock_now_ms(), &err)
                 : queues_skip(req->app->store, queue, trace_id, body, clock_now_ms(), &err);
    http_respond_result(res, 200, out, &err);
    json_decref(body);
}

static void handle_complete(http_request_t *req, http_response_t *res)
{
    verdict(req, res, 1);
}

static void handle_skip(http_request_t *req, http_response_t *res)
{
    verdict(req, res, 0);
}

void routes_feedback_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/feedback", handle_add);
    router_add(r, "GET", "/api/v1/feedback", handle_list);
    router_add(r, "GET", "/api/v1/feedback/export", handle_export);
    router_add(r, "DELETE", "/api/v1/feedback/{id}", handle_delete);
    router_add(r, "POST", "/api/v1/annotation-queues", handle_queue_create);
    router_add(r, "GET", "/api/v1/annotation-queues", handle_queue_list);
    router_add(r, "GET", "/api/v1/annotation-queues/{id}", handle_queue_get);
    router_add(r, "DELETE", "/api/v1/annotation-queues/{id}", handle_queue_delete);
    router_add(r, "POST", "/api/v1/annotation-queues/{id}/items", handle_items_add);
    router_add(r, "GET", "/api/v1/annotation-queues/{id}/items", handle_items_list);
    router_add(r, "GET", "/api/v1/annotation-queues/{id}/next", handle_next);
    router_add(r, "POST", "/api/v1/annotation-queues/{id}/items/{trace_id}/complete",
               handle_complete);
    router_add(r, "POST", "/api/v1/annotation-queues/{id}/items/{trace_id}/skip", handle_skip);
}
