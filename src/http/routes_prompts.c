/* routes_prompts.c - the prompt registry over HTTP (prompts/prompts.h does the work).
 *
 *   POST   /api/v1/prompts                          create {"name","description"?,"tags"?,
 *                                                   and optionally a first version inline:
 *                                                   "template"|"messages","model_config"?,
 *                                                   "commit_message"?} -> 201
 *   GET    /api/v1/prompts?q=&limit=&page_token=    list, by name
 *   GET    /api/v1/prompts/{name}                   one prompt (latest version, aliases)
 *   PATCH  /api/v1/prompts/{name}                   {"description"?, "tags"?}
 *   DELETE /api/v1/prompts/{name}
 *   POST   /api/v1/prompts/{name}/versions          {"template"|"messages","model_config"?,
 *                                                   "commit_message"?} -> 201
 *   GET    /api/v1/prompts/{name}/versions?limit=&page_token=
 *   GET    /api/v1/prompts/{name}/versions/{version}
 *   GET    /api/v1/prompts/{name}/aliases/{alias}   the version it points at
 *   PUT    /api/v1/prompts/{name}/aliases/{alias}   {"version": N}
 *   DELETE /api/v1/prompts/{name}/aliases/{alias}
 *   GET    /api/v1/prompts/{name}/aliases/{alias}/history?limit=&page_token=
 *   POST   /api/v1/prompts/{name}/aliases/{alias}/rollback
 *   POST   /api/v1/prompts/{name}/render           {"version"|"alias","variables","strict"}
 *   GET    /api/v1/prompts/{name}/diff?from=&to=    from/to: version numbers or aliases
 *
 * Who made a change is the body's "author", else the X-LLMOps-User header, else "anonymous".
 * Bodies are checked for unknown fields, so a typo ("temprature", "varaibles") is a 400 naming
 * it instead of being ignored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "http/routes.h"
#include "prompts/prompts.h"

/* 0 when every key of body is in allowed (NULL-terminated); else 400 naming the first other. */
static int check_fields(const json_t *body, const char *const *allowed, err_t *err)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)body, key, value)
    {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(key, *a) == 0;
        if (!known)
            return err_invalid(err, key, "unknown field '%.64s'", key);
    }
    return 0;
}

/* The body as an object, or NULL without error when there is none (optional bodies). */
static int optional_body(const http_request_t *req, json_t **out, err_t *err)
{
    *out = NULL;
    if (req->body_len == 0)
        return 0;
    *out = json_parse_object(req->body, req->body_len, err);
    return *out ? 0 : -1;
}

/* Who makes this change: body "author", else the X-LLMOps-User header (may be NULL: the
 * service records "anonymous"). */
static int request_author(const http_request_t *req, const json_t *body, const char **out,
                          err_t *err)
{
    *out = http_header(req, "X-LLMOps-User");
    return body ? json_field_string(body, "author", 0, PROMPT_AUTHOR_MAX, out, err) : 0;
}

/* An integer query parameter (absent: *out unchanged). */
static int query_int(const http_request_t *req, const char *name, int *out, err_t *err)
{
    const char *text = http_query(req, name);
    if (!text)
        return 0;
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (!text[0] || *end || v < 0 || v > 1000000)
        return err_invalid(err, name, "%s must be a non-negative integer", name);
    *out = (int)v;
    return 0;
}

static void respond(http_response_t *res, int status, json_t *out, const err_t *err)
{
    if (out)
        http_respond_json(res, status, out);
    else
        http_respond_error(res, err);
}

/* Read the version fields of body into in (borrowed from body). */
static int version_fields(const http_request_t *req, const json_t *body, prompt_version_in_t *in,
                          err_t *err)
{
    memset(in, 0, sizeof *in);
    in->template = json_object_get(body, "template");
    in->messages = json_object_get(body, "messages");
    in->model_config = json_object_get(body, "model_config");
    if (json_field_string(body, "commit_message", 0, 0, &in->commit_message, err) != 0)
        return -1;
    return request_author(req, body, &in->author, err);
}

/* ---- prompts ----------------------------------------------------------------------------------
 */

static void handle_create(http_request_t *req, http_response_t *res)
{
    static const char *const fields[] = {"name",           "description", "tags",
                                         "template",       "messages",    "model_config",
                                         "commit_message", "author",      NULL};
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = NULL;
    prompt_create_in_t in = {0};
    prompt_version_in_t first;
    if (check_fields(body, fields, &err) == 0 &&
        json_field_string(body, "name", 1, 0, &in.name, &err) == 0 &&
        json_field_string(body, "description", 0, 0, &in.description, &err) == 0 &&
        version_fields(req, body, &first, &err) == 0) {
        json_t *tags = json_object_get(body, "tags");
        in.tags = json_is_null(tags) ? NULL : tags;
        /* Any version field means a first version: a lone model_config without a template
         * is then reported, not silently dropped. */
        if (first.template || first.messages || first.model_config || first.commit_message)
            in.first_version = &first;
        out = prompts_create(req->app->store, &in, &err);
    }
    respond(res, 201, out, &err);
    json_decref(body);
}

static void handle_list(http_request_t *req, http_response_t *res)
{
    err_t err;
    int limit = 0;
    json_t *out = NULL;
    if (query_int(req, "limit", &limit, &err) == 0)
        out = prompts_list(req->app->store, http_query(req, "q"), limit,
                           http_query(req, "page_token"), &err);
    respond(res, 200, out, &err);
}

static void handle_get(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out = prompts_get(req->app->store, http_param(req, "name"), &err);
    respond(res, 200, out, &err);
}

static void handle_update(http_request_t *req, http_response_t *res)
{
    static const char *const fields[] = {"description", "tags", NULL};
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = NULL;
    const char *description = NULL;
    if (check_fields(body, fields, &err) == 0 &&
        json_field_string(body, "description", 0, 0, &description, &err) == 0) {
        json_t *tags = json_object_get(body, "tags");
        out = prompts_update(req->app->store, http_param(req, "name"), description,
                             json_is_null(tags) ? NULL : tags, &err);
    }
    respond(res, 200, out, &err);
    json_decref(body);
}

static void handle_delete(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *name = http_param(req, "name");
    json_t *out = NULL;
    if (prompts_delete(req->app->store, name, &err) == 0)
        out = json_pack("{s:s, s:b}", "name", name, "deleted", 1);
    respond(res, 200, out, &err);
}

/* ---- versions ---------------------------------------------------------------------------------
 */

static void handle_create_version(http_request_t *req, http_response_t *res)
{
    static const char *const fields[] = {"template",       "messages", "model_config",
                                         "commit_message", "author",   NULL};
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = NULL;
    prompt_version_in_t in;
    if (check_fields(body, fields, &err) == 0 && version_fields(req, body, &in, &err) == 0)
        out = prompts_create_version(req->app->store, http_param(req, "name"), &in, &err);
    respond(res, 201, out, &err);
    json_decref(body);
}

static void handle_list_versions(http_request_t *req, http_response_t *res)
{
    err_t err;
    int limit = 0;
    json_t *out = NULL;
    if (query_int(req, "limit", &limit, &err) == 0)
        out = prompts_list_versions(req->app->store, http_param(req, "name"), limit,
                                    http_query(req, "page_token"), &err);
    respond(res, 200, out, &err);
}

static void handle_get_version(http_request_t *req, http_response_t *res)
{
    err_t err;
    int64_t version;
    json_t *out = NULL;
    if (prompts_parse_version(http_param(req, "version"), "version", &version, &err) == 0)
        out = prompts_get_version(req->app->store, http_param(req, "name"), version, &err);
    respond(res, 200, out, &err);
}

/* ---- aliases ----------------------------------------------------------------------------------
 */

static void handle_get_alias(http_request_t *req, http_response_t *res)
{
    err_t err;
    json_t *out =
        prompts_get_alias(req->app->store, http_param(req, "name"), http_param(req, "alias"), &err);
    respond(res, 200, out, &err);
}

static void handle_set_alias(http_request_t *req, http_response_t *res)
{
    static const char *const fields[] = {"version", "author", NULL};
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    json_t *out = NULL;
    int64_t version = 0;
    const char *who = NULL;
    if (check_fields(body, fields, &err) == 0 &&
        json_field_int(body, "version", 1, &version, &err) == 0 &&
        request_author(req, body, &who, &err) == 0)
        out = prompts_set_alias(req->app->store, http_param(req, "name"), http_param(req, "alias"),
                                version, who, &err);
    respond(res, 200, out, &err);
    json_decref(body);
}

/* DELETE and rollback take an optional body, only for "author". */
static void alias_change(http_request_t *req, http_response_t *res, int rollback)
{
    static const char *const fields[] = {"author", NULL};
    err_t err;
    json_t *body = NULL, *out = NULL;
    const char *who = NULL;
    if (optional_body(req, &body, &err) == 0 && check_fields(body, fields, &err) == 0 &&
        request_author(req, body, &who, &err) == 0) {
        const char *name = http_param(req, "name"), *alias = http_param(req, "alias");
        out = rollback ? prompts_rollback_alias(req->app->store, name, alias, who, &err)
                       : prompts_delete_alias(req->app->store, name, alias, who, &err);
    }
    respond(res, 200, out, &err);
    json_decref(body);
}

static void handle_delete_alias(http_request_t *req, http_response_t *res)
{
    alias_change(req, res, 0);
}

static void handle_rollback_alias(http_request_t *req, http_response_t *res)
{
    alias_change(req, res, 1);
}

static void handle_alias_history(http_request_t *req, http_response_t *res)
{
    err_t err;
    int limit = 0;
    json_t *out = NULL;
    if (query_int(req, "limit", &limit, &err) == 0)
        out = prompts_alias_history(req->app->store, http_param(req, "name"),
                                    http_param(req, "alias"), limit, http_query(req, "page_token"),
                                    &err);
    respond(res, 200, out, &err);
}

/* ---- render and diff --------------------------------------------------------------------------
 */

static void handle_render(http_request_t *req, http_response_t *res)
{
    static const char *const fields[] = {"version", "alias", "variables", "strict", NULL};
    err_t err;
    json_t *body = NULL, *out = NULL;
    prompt_render_in_t in = {0};
    int strict = 1;
    /* An empty body renders the latest version with no variables. */
    if (optional_body(req, &body, &err) == 0 && check_fields(body, fields, &err) == 0 &&
        json_field_int(body, "version", 0, &in.version, &err) == 0 &&
        json_field_string(body, "alias", 0, 0, &in.alias, &err) == 0 &&
        json_field_bool(body, "strict", 0, &strict, &err) == 0) {
        json_t *vars = json_object_get(body, "variables");
        in.variables = json_is_null(vars) ? NULL : vars;
        in.lenient = !strict;
        if (json_object_get(body, "version") && !json_is_null(json_object_get(body, "version")) &&
            in.version < 1)
            err_invalid(&err, "version", "version must be a version number (1, 2, ...)");
        else
            out = prompts_render(req->app->store, http_param(req, "name"), &in, &err);
    }
    respond(res, 200, out, &err);
    json_decref(body);
}

static void handle_diff(http_request_t *req, http_response_t *res)
{
    err_t err;
    const char *from = http_query(req, "from"), *to = http_query(req, "to");
    json_t *out = NULL;
    if (!from)
        err_invalid(&err, "from", "query parameter 'from' (a version number or alias) is required");
    else if (!to)
        err_invalid(&err, "to", "query parameter 'to' (a version number or alias) is required");
    else
        out = prompts_diff(req->app->store, http_param(req, "name"), from, to, &err);
    respond(res, 200, out, &err);
}

void routes_prompts_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/prompts", handle_create);
    router_add(r, "GET", "/api/v1/prompts", handle_list);
    router_add(r, "GET", "/api/v1/prompts/{name}", handle_get);
    router_add(r, "PATCH", "/api/v1/prompts/{name}", handle_update);
    router_add(r, "DELETE", "/api/v1/prompts/{name}", handle_delete);
    router_add(r, "POST", "/api/v1/prompts/{name}/versions", handle_create_version);
    router_add(r, "GET", "/api/v1/prompts/{name}/versions", handle_list_versions);
    router_add(r, "GET", "/api/v1/prompts/{name}/versions/{version}", handle_get_version);
    router_add(r, "GET", "/api/v1/prompts/{name}/aliases/{alias}", handle_get_alias);
    router_add(r, "PUT", "/api/v1/prompts/{name}/aliases/{alias}", handle_set_alias);
    router_add(r, "DELETE", "/api/v1/prompts/{name}/aliases/{alias}", handle_delete_alias);
    router_add(r, "GET", "/api/v1/prompts/{name}/aliases/{alias}/history", handle_alias_history);
    router_add(r, "POST", "/api/v1/prompts/{name}/aliases/{alias}/rollback", handle_rollback_alias);
    router_add(r, "POST", "/api/v1/prompts/{name}/render", handle_render);
    router_add(r, "GET", "/api/v1/prompts/{name}/diff", handle_diff);
}
