/* routes_web.c - serves the web UI from the assets embedded in the binary (web/web_assets.h).
 *
 *   GET /            index.html (the single page; its hash router does the rest)
 *   GET /ui/{name}   app.js, app.css, ...
 *
 * Every answer carries a strong ETag and "Cache-Control: no-cache", so a browser revalidates and
 * gets a 304 with no body while the binary is the same, and the new files right after an
 * upgrade. The gzip copy made at build time is sent to clients that accept gzip. The assets
 * need no API key: the UI itself asks for one when the API answers 401. */
#include <string.h>

#include "http/routes.h"
#include "web/web_assets.h"

/* Does the Accept-Encoding header allow gzip? "gzip;q=0" is a refusal. */
static int accepts_gzip(const char *accept)
{
    const char *p = accept ? strstr(accept, "gzip") : NULL;
    if (!p)
        return 0;
    p += 4;
    while (*p == ' ')
        p++;
    if (*p != ';')
        return 1;
    const char *q = strstr(p, "q=");
    if (!q)
        return 1;
    q += 2;
    /* q=0, q=0.0, q=0.000: refused; anything else is a weight above zero. */
    if (*q != '0')
        return 1;
    for (q++; *q == '.' || *q == '0'; q++)
        ;
    return *q >= '1' && *q <= '9';
}

/* Does If-None-Match name this ETag (or "*")? */
static int etag_matches(const char *if_none_match, const char *etag)
{
    if (!if_none_match)
        return 0;
    if (strcmp(if_none_match, "*") == 0)
        return 1;
    return strstr(if_none_match, etag) != NULL;
}

static void send_asset(http_request_t *req, http_response_t *res, const web_asset_t *a)
{
    http_response_add_header(res, "ETag", a->etag);
    http_response_add_header(res, "Cache-Control", "no-cache");
    http_response_add_header(res, "Vary", "Accept-Encoding");
    if (etag_matches(http_header(req, "If-None-Match"), a->etag)) {
        http_respond_bytes(res, 304, a->content_type, "", 0);
        return;
    }
    if (accepts_gzip(http_header(req, "Accept-Encoding"))) {
        http_response_add_header(res, "Content-Encoding", "gzip");
        http_respond_bytes(res, 200, a->content_type, a->gz, a->gz_len);
    } else {
        http_respond_bytes(res, 200, a->content_type, a->data, a->len);
    }
}

static void get_index(http_request_t *req, http_response_t *res)
{
    const web_asset_t *a = web_asset_find("index.html");
    if (!a) {
        http_respond_errorf(res, 404, "not_found", NULL, "this build has no web UI");
        return;
    }
    send_asset(req, res, a);
}

static void get_asset(http_request_t *req, http_response_t *res)
{
    const char *name = http_param(req, "name");
    const web_asset_t *a = web_asset_find(name);
    if (!a) {
        http_respond_errorf(res, 404, "not_found", "name", "no UI file '%s'", name);
        return;
    }
    send_asset(req, res, a);
}

void routes_web_register(router_t *r)
{
    router_add(r, "GET", "/", get_index);
    router_add(r, "GET", "/ui/{name*}", get_asset);
}
