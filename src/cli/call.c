/* call.c - cli_call(): one API call over HTTP (libcurl) or in-process (http_dispatch).
 *
 * The in-process path opens the data directory on first use and runs the same router the
 * server runs, so a command behaves identically with and without --server. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/ids.h"
#include "base/json.h"
#include "cli/cli.h"
#include "cli/cli_util.h"
#include "http/deferred.h"
#include "http/dispatch.h"
#include "http/routes.h"

static json_t *response_parse(const char *data, size_t len)
{
    json_t *value = len ? json_loadb(data, len, JSON_DECODE_ANY, NULL) : NULL;
    return value ? value : json_pack("{s:s%}", "body", data ? data : "", len);
}

static json_t *local_error(const char *code, const char *message)
{
    return json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    buf_append(userdata, data, size * n);
    return size * n;
}

/* A call that could not be made: status 0 and an error object as the answer. */
static int call_failed(const char *code, const char *message, int *status, buf_t *out)
{
    json_t *error = local_error(code, message);
    char *text = json_to_string(error);
    buf_append_str(out, text);
    free(text);
    json_decref(error);
    *status = 0;
    return -1;
}

static int call_remote(cli_t *cli, const char *method, const char *target, const char *content_type,
                       const char *body, size_t body_len, int *status, buf_t *out)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return call_failed("unavailable", "cannot initialise libcurl", status, out);
    char url[2200];
    const char *base = cli->cfg.server_url;
    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/')
        base_len--;
    snprintf(url, sizeof url, "%.*s%s", (int)base_len, base, target);
    char type_header[200];
    snprintf(type_header, sizeof type_header, "Content-Type: %s", content_type);
    struct curl_slist *headers = curl_slist_append(NULL, type_header);
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "llmops-cli/" LLMOPS_VERSION);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    CURLcode rc = curl_easy_perform(curl);
    int result = 0;
    if (rc != CURLE_OK) {
        char message[1400];
        snprintf(message, sizeof message, "cannot reach server %s: %s", cli->cfg.server_url,
                 curl_easy_strerror(rc));
        buf_reset(out);
        result = call_failed("unavailable", message, status, out);
    } else {
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        *status = (int)code;
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return result;
}

/* The in-process transport has no headers but the Content-Type of the body. */
static const char *local_header(void *ctx, const char *name)
{
    return strcasecmp(name, "Content-Type") == 0 ? ctx : NULL;
}

static int call_local(cli_t *cli, const char *method, const char *target, const char *content_type,
                      const char *body, size_t body_len, int *status, buf_t *out)
{
    if (!cli->app_open) {
        err_t err;
        if (app_open(&cli->app, &cli->cfg, &err) != 0)
            return call_failed(err.code, err.message, status, out);
        cli->app_open = 1;
    }
    static router_t *router; /* built once per process; the CLI is single-threaded */
    if (!router)
        router = routes_build();
    char request_id[ID_HEX_LEN + 1];
    ids_uuid7_hex(request_id);
    http_request_t req = {
        .method = method,
        .target = target,
        .body = body,
        .body_len = body ? body_len : 0,
        .request_id = request_id,
        .header_fn = local_header,
        .header_ctx = (void *)content_type,
        .app = &cli->app,
    };
    http_response_t res = {0};
    http_dispatch(router, &req, &res);
    if (res.deferred) { /* answered later by another thread: wait for it */
        http_deferred_t *d = res.deferred;
        res.deferred = NULL;
        http_deferred_wait(d, &res);
        http_deferred_client_gone(d);
        http_deferred_unref(d);
    }
    *status = res.status;
    buf_append(out, res.body, res.body_len);
    http_request_free(&req);
    http_response_free(&res);
    return 0;
}

int cli_call_raw(cli_t *cli, const char *method, const char *target, const char *content_type,
                 const char *body, size_t body_len, int *status, buf_t *out)
{
    return cli->cfg.server_url[0]
               ? call_remote(cli, method, target, content_type, body, body_len, status, out)
               : call_local(cli, method, target, content_type, body, body_len, status, out);
}

int cli_call(cli_t *cli, const char *method, const char *target, const json_t *body, int *status,
             json_t **response)
{
    char *text = body ? json_to_string(body) : NULL;
    buf_t out;
    buf_init(&out);
    int rc = cli_call_raw(cli, method, target, "application/json", text, text ? strlen(text) : 0,
                          status, &out);
    *response = response_parse(out.data, out.len);
    buf_free(&out);
    free(text);
    return rc;
}

int cli_call_and_print(cli_t *cli, const char *method, const char *target, const json_t *body)
{
    json_t *reply = cli_call_json(cli, method, target, body);
    if (!reply)
        return CLI_FAILED;
    cli_print_json(reply);
    json_decref(reply);
    return CLI_OK;
}

void cli_close(cli_t *cli)
{
    if (cli->app_open)
        app_close(&cli->app);
    cli->app_open = 0;
}
