/* lookup.c - finding prompts, versions and aliases, and their JSON forms (see lookup.h). */
#include "prompts/lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prompts/prompts.h"

static int prompt_row(store_rows_t *rows, const char *name, prompt_ref_t *out, err_t *err)
{
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    if (found) {
        out->id = store_rows_int(rows, 0, 0);
        out->last_version = store_rows_int(rows, 0, 1);
    }
    store_rows_free(rows);
    if (!found)
        return err_set(err, 404, "not_found", NULL, "prompt '%s' does not exist", name);
    return 0;
}

int prompt_find(store_conn_t *c, const char *name, prompt_ref_t *out, err_t *err)
{
    store_value_t p[] = {sv_text(name)};
    return prompt_row(
        store_query(c, "SELECT id, last_version FROM prompts WHERE name = ?", p, 1, err), name, out,
        err);
}

int prompt_lock(store_conn_t *c, const char *name, int64_t now, prompt_ref_t *out, err_t *err)
{
    store_value_t p[] = {sv_int(now), sv_text(name)};
    return prompt_row(store_query(c,
                                  "UPDATE prompts SET updated_at = ? WHERE name = ? "
                                  "RETURNING id, last_version",
                                  p, 2, err),
                      name, out, err);
}

json_t *prompt_alias_map(store_conn_t *c, int64_t prompt_id, err_t *err)
{
    store_value_t p[] = {sv_int(prompt_id)};
    store_rows_t *rows = store_query(
        c, "SELECT alias, version FROM prompt_aliases WHERE prompt_id = ? ORDER BY alias", p, 1,
        err);
    if (!rows)
        return NULL;
    json_t *map = json_object();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_object_set_new(map, store_rows_text(rows, r, 0),
                            json_integer(store_rows_int(rows, r, 1)));
    store_rows_free(rows);
    return map;
}

/* Parse a JSON column written by this module; a value that does not parse (it never should)
 * reads as null rather than failing the whole response. */
static json_t *json_column(const store_rows_t *rows, size_t r, size_t col)
{
    if (store_rows_is_null(rows, r, col))
        return json_null();
    json_t *v = json_loads(store_rows_text(rows, r, col), JSON_DECODE_ANY, NULL);
    return v ? v : json_null();
}

json_t *prompt_version_json(const store_rows_t *rows, size_t r, const char *name,
                            const json_t *aliases)
{
    int64_t version = store_rows_int(rows, r, 0);
    int chat = store_rows_is_null(rows, r, 1);
    json_t *v = json_pack("{s:s, s:I, s:s}", "name", name, "version", (json_int_t)version, "type",
                          chat ? "chat" : "text");
    if (chat)
        json_object_set_new(v, "messages", json_column(rows, r, 2));
    else
        json_object_set_new(v, "template", json_string(store_rows_text(rows, r, 1)));
    json_object_set_new(v, "variables", json_column(rows, r, 3));
    json_object_set_new(v, "model_config", json_column(rows, r, 4));
    json_object_set_new(v, "commit_message", json_string(store_rows_text(rows, r, 5)));
    json_object_set_new(v, "author", json_string(store_rows_text(rows, r, 6)));
    json_object_set_new(v, "created_at", json_integer(store_rows_int(rows, r, 7)));
    json_t *on = json_array();
    const char *alias;
    json_t *target;
    json_object_foreach((json_t *)aliases, alias, target)
    {
        if (json_integer_value(target) == version)
            json_array_append_new(on, json_string(alias));
    }
    json_object_set_new(v, "aliases", on);
    char node[PROMPT_NAME_MAX + 32];
    snprintf(node, sizeof node, "%s/%lld", name, (long long)version);
    json_object_set_new(v, "lineage_node",
                        json_pack("{s:s, s:s}", "type", PROMPT_LINEAGE_TYPE, "id", node));
    return v;
}

json_t *prompt_version_fetch(store_conn_t *c, const prompt_ref_t *p, const char *name,
                             int64_t version, err_t *err)
{
    store_value_t params[] = {sv_int(p->id), sv_int(version)};
    store_rows_t *rows = store_query(c,
                                     "SELECT " PROMPT_VERSION_COLUMNS " FROM prompt_versions "
                                     "WHERE prompt_id = ? AND version = ?",
                                     params, 2, err);
    if (!rows)
        return NULL;
    json_t *result = NULL;
    json_t *aliases = NULL;
    if (store_rows_count(rows) == 0)
        err_set(err, 404, "not_found", NULL, "prompt '%s' has no version %lld", name,
                (long long)version);
    else if ((aliases = prompt_alias_map(c, p->id, err)) != NULL)
        result = prompt_version_json(rows, 0, name, aliases);
    json_decref(aliases);
    store_rows_free(rows);
    return result;
}

int prompts_parse_version(const char *text, const char *field, int64_t *out, err_t *err)
{
    size_t n = text ? strlen(text) : 0;
    int digits = n > 0 && n <= 16 && strspn(text, "0123456789") == n;
    long long v = digits ? strtoll(text, NULL, 10) : 0;
    if (!digits || v < 1 || v > (1LL << 53))
        return err_invalid(err, field, "%s must be a version number (1, 2, ...)", field);
    *out = v;
    return 0;
}

int prompt_ref_resolve(store_conn_t *c, const prompt_ref_t *p, const char *name, const char *ref,
                       const char *field, int64_t *version, err_t *err)
{
    if (!ref || !ref[0])
        return err_invalid(err, field, "%s must be a version number or an alias", field);
    if (strspn(ref, "0123456789") == strlen(ref)) {
        if (prompts_parse_version(ref, field, version, err) != 0)
            return -1;
        if (*version > p->last_version)
            return err_set(err, 404, "not_found", NULL, "prompt '%s' has no version %lld", name,
                           (long long)*version);
        return 0;
    }
    err_t alias_err;
    if (prompts_check_alias(ref, &alias_err) != 0)
        return err_invalid(err, field, "%s must be a version number or an alias: %s", field,
                           alias_err.message);
    store_value_t params[] = {sv_int(p->id), sv_text(ref)};
    store_rows_t *rows = store_query(
        c, "SELECT version FROM prompt_aliases WHERE prompt_id = ? AND alias = ?", params, 2, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    if (found)
        *version = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    if (!found)
        return err_set(err, 404, "not_found", NULL, "prompt '%s' has no alias '%s'", name, ref);
    return 0;
}

int prompt_author(const char *who, const char **out, err_t *err)
{
    if (!who || !who[0]) {
        *out = "anonymous";
        return 0;
    }
    if (strlen(who) > PROMPT_AUTHOR_MAX)
        return err_invalid(err, "author", "author is longer than %d bytes", PROMPT_AUTHOR_MAX);
    *out = who;
    return 0;
}

int prompt_page_limit(int limit, int *out, err_t *err)
{
    if (limit == 0)
        limit = PROMPT_PAGE_DEFAULT;
    if (limit < 1 || limit > PROMPT_PAGE_MAX)
        return err_invalid(err, "limit", "limit must be from 1 to %d", PROMPT_PAGE_MAX);
    *out = limit;
    return 0;
}

int prompt_page_token_int(const char *token, int64_t *out, err_t *err)
{
    *out = 0;
    if (!token)
        return 0;
    size_t n = strlen(token);
    if (n == 0 || n > 18 || strspn(token, "0123456789") != n)
        return err_invalid(err, "page_token", "page_token is not one this server handed out");
    *out = strtoll(token, NULL, 10);
    return 0;
}
