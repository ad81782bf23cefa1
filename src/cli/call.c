/* call.c - cli_call(): one API call over HTTP (libcurl) or in-process (http_dispatch).
 *
 * The in-process path opens the data directory on first use and runs the same router the
 * server runs, so a command behaves identically with and without --server. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

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

static int call_remote(cli_t *cli, const char *method, const char *target, const char *body,
                       int *status, json_t **response)
{
    CURL *curl = curl_easy_init();
    if (!curl) {
        *status = 0;
        *response = local_error("unavailable", "cannot initialise libcurl");
        return -1;
    }
    char url[2200];
    const char *base = cli->cfg.server_url;
    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/')
        base_len--;
    snprintf(url, sizeof url, "%.*s%s", (int)base_len, base, target);
    buf_t out;
    buf_init(&out);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "llmops-cli/" LLMOPS_VERSION);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(curl);
    int result = 0;
    if (rc != CURLE_OK) {
        char message[1400];
        snprintf(message, sizeof message, "cannot reach server %s: %s", cli->cfg.server_url,
                 curl_easy_strerror(rc));
        *status = 0;
        *response = local_error("unavailable", message);
        result = -1;
    } else {
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        *status = (int)code;
        *response = response_parse(out.data, out.len);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    buf_free(&out);
    return result;
}

static int call_local(cli_t *cli, const char *method, const char *target, const char *body,
                      int *status, json_t **response)
{
    if (!cli->app_open) {
        err_t err;
        if (app_open(&cli->app, &cli->cfg, &err) != 0) {
            *status = 0;
            *response = local_error(err.code, err.message);
            return -1;
        }
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
        .body_len = body ? strlen(body) : 0,
        .request_id = request_id,
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
    *response = response_parse(res.body, res.body_len);
    http_request_free(&req);
    http_response_free(&res);
    return 0;
}

int cli_call(cli_t *cli, const char *method, const char *target, const json_t *body, int *status,
             json_t **response)
{
    char *text = body ? json_to_string(body) : NULL;
    int rc = cli->cfg.server_url[0] ? call_remote(cli, method, target, text, status, response)
                                    : call_local(cli, method, target, text, status, response);
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
