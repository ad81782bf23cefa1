/* routes_mlflow_artifacts.c - MLflow's artifact proxy and artifact listing.
 *
 *   PUT /api/2.0/mlflow-artifacts/artifacts/<experiment_id>/<run_id>/artifacts/<path>
 *        upload: the body is the file's bytes (up to --max-body-bytes); answers {}
 *   GET  the same path: download the bytes
 *   GET /api/2.0/mlflow-artifacts/artifacts?path=<dir>
 *        list: {"files":[{"path": basename, "is_dir", "file_size"}]}
 *   GET /api/2.0/mlflow/artifacts/list?run_id=&path=
 *        {"root_uri": artifact_uri, "files":[{"path": relative to the root, ...}]}
 *
 * Runs created here have artifact_uri "mlflow-artifacts:/<experiment_id>/<run_id>/artifacts",
 * so an MLflow client resolves uploads to exactly the proxy paths above. Paths are normalised
 * and confined (artifact_path.h); a bad path is 400 INVALID_PARAMETER_VALUE and stores nothing. */
#include <stdlib.h>
#include <string.h>

#include "http/mlflow_prune.h"
#include "http/mlflow_wire.h"
#include "http/routes.h"
#include "tracking/artifacts.h"
#include "tracking/runs.h"

/* A content type from the file name, for the common text and image kinds; anything else is
 * served as bytes. HTML is served as plain text so an artifact can never run script. */
static const char *guess_content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, "MLmodel") == 0)
        return "text/plain; charset=utf-8";
    if (!dot || dot < base)
        return "application/octet-stream";
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".txt", "text/plain; charset=utf-8"},
        {".log", "text/plain; charset=utf-8"},
        {".md", "text/plain; charset=utf-8"},
        {".yaml", "text/plain; charset=utf-8"},
        {".yml", "text/plain; charset=utf-8"},
        {".html", "text/plain; charset=utf-8"},
        {".csv", "text/plain; charset=utf-8"},
        {".py", "text/plain; charset=utf-8"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

static void upload_h(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *full = http_param(req, "path");
    char *run_id = NULL, *path = NULL;
    int rc = artifacts_proxy_resolve(req->app->store, full, full ? strlen(full) : 0, &run_id, &path,
                                     &err);
    if (rc == 0)
        rc = artifacts_put(req->app->store, req->app->blobs, run_id, path, req->body, req->body_len,
                           &err);
    if (rc == 0)
        mlflow_respond(res, json_object());
    else
        mlflow_respond_error(res, &err);
    free(run_id);
    free(path);
}

static void download_h(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *full = http_param(req, "path");
    char *run_id = NULL, *path = NULL;
    buf_t bytes;
    buf_init(&bytes);
    int rc = artifacts_proxy_resolve(req->app->store, full, full ? strlen(full) : 0, &run_id, &path,
                                     &err);
    if (rc == 0)
        rc = artifacts_get(req->app->store, req->app->blobs, run_id, path, &bytes, &err);
    if (rc == 0) {
        http_respond_bytes(res, 200, guess_content_type(path), bytes.data ? bytes.data : "",
                           bytes.len);
        http_response_add_header(res, "X-Content-Type-Options", "nosniff");
    } else {
        mlflow_respond_error(res, &err);
    }
    buf_free(&bytes);
    free(run_id);
    free(path);
}

static void proxy_list_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = mlflow_message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *path = NULL;
    json_t *out = NULL;
    if (mlflow_get_string(msg, "path", 0, 0, &path, &err) == 0)
        out = artifacts_proxy_list(req->app->store, path, &err);
    if (out)
        mlflow_respond(res, mlflow_prune(out));
    else
        mlflow_respond_error(res, &err);
    json_decref(msg);
}

static void list_h(http_request_t *req, http_response_t *res)
{
    json_t *msg = mlflow_message(req, res);
    if (!msg)
        return;
    err_t err;
    const char *run_id = NULL, *path = NULL;
    json_t *out = NULL;
    if (mlflow_get_string(msg, "run_id", 0, 0, &run_id, &err) == 0 &&
        (run_id || mlflow_get_string(msg, "run_uuid", 0, 0, &run_id, &err) == 0) &&
        mlflow_get_string(msg, "path", 0, 0, &path, &err) == 0) {
        json_t *run = run_id ? runs_get(req->app->store, run_id, &err) : NULL;
        if (!run_id)
            err_invalid(&err, "run_id", "Missing value for required parameter 'run_id'.");
        json_t *files = run ? artifacts_list(req->app->store, run_id, path, &err) : NULL;
        if (files)
            out = json_pack("{s:O, s:o}", "root_uri",
                            json_object_get(json_object_get(run, "info"), "artifact_uri"), "files",
                            files);
        json_decref(run);
    }
    if (out)
        mlflow_respond(res, mlflow_prune(out));
    else
        mlflow_respond_error(res, &err);
    json_decref(msg);
}

void routes_mlflow_artifacts_register(router_t *r)
{
    router_add(r, "PUT", "/api/2.0/mlflow-artifacts/artifacts/{path*}", upload_h);
    router_add(r, "GET", "/api/2.0/mlflow-artifacts/artifacts/{path*}", download_h);
    router_add(r, "GET", "/api/2.0/mlflow-artifacts/artifacts", proxy_list_h);
    router_add(r, "GET", "/api/2.0/mlflow/artifacts/list", list_h);
    router_add(r, "GET", "/ajax-api/2.0/mlflow/artifacts/list", list_h);
}
