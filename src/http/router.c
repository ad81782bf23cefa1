/* router.c - route table and segment matching (see router.h).
 *
 * The table is a flat array scanned in order: a few hundred routes cost well under a
 * microsecond to scan, far less than parsing the request, so no trie is warranted. */
#include "http/router.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

typedef struct route {
    const char *method;
    const char *pattern;
    http_handler_fn fn;
} route_t;

struct router {
    route_t *routes;
    size_t n, cap;
};

router_t *router_new(void)
{
    return xcalloc(1, sizeof(router_t));
}

void router_free(router_t *r)
{
    if (!r)
        return;
    free(r->routes);
    free(r);
}

void router_add(router_t *r, const char *method, const char *pattern, http_handler_fn fn)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->routes = xrealloc(r->routes, r->cap * sizeof(route_t));
    }
    r->routes[r->n++] = (route_t){method, pattern, fn};
}

char *http_decode(const char *s, size_t len, int plus_is_space)
{
    char *out = xstrndup(s, len);
    if (plus_is_space)
        for (char *p = out; *p; p++)
            if (*p == '+')
                *p = ' ';
    size_t n = MHD_http_unescape(out);
    if (n != strlen(out)) { /* "%00" decoded to a NUL byte */
        free(out);
        return NULL;
    }
    return out;
}

/* Does raw_path match pattern? Fills params (decoded) when it does. Returns 1 on match,
 * 0 on no match, -1 when a parameter does not decode. */
static int pattern_match(const char *pattern, const char *path, http_kv_t *params, size_t *nparams)
{
    size_t n = 0;
    const char *p = pattern, *s = path;
    int rc = 1;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            goto no_match;
        p++, s++;
        const char *pend = strchr(p, '/'), *send = strchr(s, '/');
        size_t plen = pend ? (size_t)(pend - p) : strlen(p);
        size_t slen = send ? (size_t)(send - s) : strlen(s);
        if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
            int rest = p[plen - 2] == '*';
            if (rest) /* the rest of the path, slashes and all */
                slen = strlen(s);
            if (slen == 0 || n == HTTP_MAX_PARAMS)
                goto no_match;
            char *value = http_decode(s, slen, 0);
            if (!value) {
                rc = -1;
                goto no_match;
            }
            params[n].name = xstrndup(p + 1, plen - 2 - (size_t)rest);
            params[n].value = value;
            n++;
        } else if (plen != slen || strncmp(p, s, plen) != 0) {
            goto no_match;
        }
        p += plen, s += slen;
    }
    if (*p || *s)
        goto no_match;
    *nparams = n;
    return 1;
no_match:
    for (size_t i = 0; i < n; i++) {
        free(params[i].name);
        free(params[i].value);
    }
    *nparams = 0;
    return rc == -1 ? -1 : 0;
}

/* Is method one of the ", "-separated tokens of list? */
static int method_listed(const char *list, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, method, n) == 0)
            return 1;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

route_result_t router_match(const router_t *r, const char *method, const char *raw_path,
                            http_request_t *req, http_handler_fn *fn, char *allow,
                            size_t allow_size)
{
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    buf_t allowed;
    buf_init(&allowed);
    route_result_t result = ROUTE_NOT_FOUND;
    for (size_t i = 0; i < r->n; i++) {
        http_kv_t params[HTTP_MAX_PARAMS];
        size_t nparams = 0;
        int m = pattern_match(r->routes[i].pattern, raw_path, params, &nparams);
        if (m < 0) {
            result = ROUTE_BAD_PATH;
            break;
        }
        if (m == 0)
            continue;
        if (strcmp(r->routes[i].method, want) == 0) {
            memcpy(req->params, params, nparams * sizeof params[0]);
            req->nparams = nparams;
            *fn = r->routes[i].fn;
            result = ROUTE_FOUND;
            break;
        }
        for (size_t k = 0; k < nparams; k++) {
            free(params[k].name);
            free(params[k].value);
        }
        if (!method_listed(buf_str(&allowed), r->routes[i].method)) {
            if (allowed.len)
                buf_append_str(&allowed, ", ");
            buf_append_str(&allowed, r->routes[i].method);
            if (strcmp(r->routes[i].method, "GET") == 0) /* GET routes also serve HEAD */
                buf_append_str(&allowed, ", HEAD");
        }
        result = ROUTE_METHOD_NOT_ALLOWED;
    }
    if (allow_size)
        snprintf(allow, allow_size, "%s",
                 result == ROUTE_METHOD_NOT_ALLOWED ? buf_str(&allowed) : "");
    buf_free(&allowed);
    return result;
}
