/* request.c - request lookups and response builders (see request.h). */
#include "http/request.h"

#include "http/deferred.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"

static const char *kv_find(const http_kv_t *kv, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].name, name) == 0)
            return kv[i].value;
    return NULL;
}

const char *http_param(const http_request_t *req, const char *name)
{
    return kv_find(req->params, req->nparams, name);
}

const char *http_query(const http_request_t *req, const char *name)
{
    return kv_find(req->query, req->nquery, name);
}

int http_query_int(const http_request_t *req, const char *name, int64_t min, int64_t max,
                   int64_t *out, err_t *err)
{
    const char *text = http_query(req, name);
    if (!text)
        return 0;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!text[0] || *end || errno || v < min || v > max)
        return err_invalid(err, name, "'%s' must be an integer from %lld to %lld", name,
                           (long long)min, (long long)max);
    *out = v;
    return 0;
}

int http_query_bool(const http_request_t *req, const char *name, int *out, err_t *err)
{
    const char *text = http_query(req, name);
    if (!text)
        return 0;
    if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
        return err_invalid(err, name, "'%s' must be true or false", name);
    *out = text[0] == 't';
    return 0;
}

const char **http_query_all(const http_request_t *req, const char *name, size_t *n)
{
    const char **out = xcalloc(req->nquery + 1, sizeof *out);
    *n = 0;
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0)
            out[(*n)++] = req->query[i].value;
    return out;
}

const char *http_header(const http_request_t *req, const char *name)
{
    return req->header_fn ? req->header_fn(req->header_ctx, name) : NULL;
}

json_t *http_body_object(const http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *body = json_parse_object(req->body, req->body_len, &err);
    if (!body)
        http_respond_error(res, &err);
    return body;
}

static void response_set(http_response_t *res, int status, const char *content_type, char *body,
                         size_t len)
{
    free(res->body);
    res->status = status;
    res->content_type = content_type;
    res->body = body;
    res->body_len = len;
}

void http_respond_result(http_response_t *res, int status, json_t *body, const err_t *err)
{
    if (body)
        http_respond_json(res, status, body);
    else
        http_respond_error(res, err);
}

void http_respond_json(http_response_t *res, int status, json_t *body)
{
    char *text = json_to_string(body);
    json_decref(body);
    response_set(res, status, "application/json", text, strlen(text));
}

void http_respond_bytes(http_response_t *res, int status, const char *content_type,
                        const void *data, size_t len)
{
    char *copy = xmalloc(len + 1);
    memcpy(copy, data, len);
    copy[len] = '\0';
    response_set(res, status, content_type, copy, len);
}

void http_respond_error(http_response_t *res, const err_t *err)
{
    json_t *error = json_pack("{s:s, s:s}", "code", err->code, "message", err->message);
    if (!error) /* the message quoted input that is not UTF-8: keep the code, drop the quote */
        error = json_pack("{s:s, s:s}", "code", err->code, "message",
                          "the request contains text that is not valid UTF-8");
    if (err->field[0])
        json_object_set_new(error, "field", json_string(err->field));
    http_respond_json(res, err->status ? err->status : 500, json_pack("{s:o}", "error", error));
}

void http_respond_errorf(http_response_t *res, int status, const char *code, const char *field,
                         const char *fmt, ...)
{
    err_t err;
    va_list ap;
    va_start(ap, fmt);
    err_vset(&err, status, code, field, fmt, ap);
    va_end(ap);
    http_respond_error(res, &err);
}

void http_response_add_header(http_response_t *res, const char *name, const char *value)
{
    if (res->nheaders >= HTTP_MAX_EXTRA_HEADERS)
        return;
    res->headers[res->nheaders].name = xstrdup(name);
    res->headers[res->nheaders].value = xstrdup(value);
    res->nheaders++;
}

static void kv_free(http_kv_t *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free(kv[i].value);
    }
}

void http_request_free(http_request_t *req)
{
    kv_free(req->params, req->nparams);
    kv_free(req->query, req->nquery);
    free(req->path);
    req->nparams = req->nquery = 0;
    req->path = NULL;
}

void http_response_free(http_response_t *res)
{
    kv_free(res->headers, res->nheaders);
    free(res->body);
    http_deferred_unref(res->deferred);
    memset(res, 0, sizeof *res);
}
