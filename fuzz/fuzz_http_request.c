/* fuzz_http_request.c - libFuzzer target for the JSON request path: arbitrary bytes become
 * a request (first byte the method, the rest of the first line the target, then the body)
 * dispatched in-process through the real router against a real SQLite store, exactly as the server
 * would run it. Any crash, sanitizer report or leak is a finding; every input must get a status
 * and, where JSON is promised, well-formed JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/log.h"
#include "core/app.h"
#include "http/dispatch.h"
#include "http/routes.h"

static app_t app;
static router_t *router;

static void fuzz_init(void)
{
    config_t cfg;
    config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "/tmp/llmops-fuzz-%d", (int)getpid());
    cfg.threads = 1;
    log_set_level(LOG_ERROR);
    err_t err;
    if (app_open(&app, &cfg, &err) != 0) {
        fprintf(stderr, "fuzz: %s\n", err.message);
        abort();
    }
    router = routes_build();
}

/* The first byte picks the method: G, P, U, D, A, H (seeds stay readable), else GET. */
static const char *method_of(uint8_t c)
{
    switch (c) {
    case 'P':
        return "POST";
    case 'U':
        return "PUT";
    case 'D':
        return "DELETE";
    case 'A':
        return "PATCH";
    case 'H':
        return "HEAD";
    default:
        return "GET";
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!router)
        fuzz_init();
    const uint8_t *nl = memchr(data, '\n', size);
    size_t line_len = nl ? (size_t)(nl - data) : size;
    if (line_len == 0)
        return 0;
    char *target = malloc(line_len + 2);
    target[0] = '/';
    memcpy(target + 1, data + 1, line_len - 1);
    target[line_len] = '\0';
    if (strlen(target) != line_len) { /* a NUL inside: HTTP could not carry it either */
        free(target);
        return 0;
    }
    http_request_t req = {
        .method = method_of(data[0]),
        .target = target,
        .body = nl ? (const char *)nl + 1 : NULL,
        .body_len = nl ? size - line_len - 1 : 0,
        .request_id = "fuzz",
        .app = &app,
    };
    http_response_t res = {0};
    http_dispatch(router, &req, &res);
    if (res.status < 200 || res.status > 599)
        abort();
    if (strcmp(res.content_type, "application/json") == 0) { /* /metrics is text */
        json_t *parsed = json_loadb(res.body, res.body_len, 0, NULL);
        if (!parsed)
            abort();
        json_decref(parsed);
    }
    http_request_free(&req);
    http_response_free(&res);
    free(target);
    return 0;
}
