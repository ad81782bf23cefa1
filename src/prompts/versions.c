/* versions.c - a prompt's immutable versions: create (numbered by the prompt's counter inside
 * the inserting transaction), get, list newest first, and resolve "3" / "production". */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "prompts/lookup.h"
#include "prompts/prompts.h"

int prompt_version_prepare(const prompt_version_in_t *in, prompt_version_new_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *commit = in->commit_message ? in->commit_message : "";
    if (strlen(commit) > PROMPT_COMMIT_MAX)
        return err_invalid(err, "commit_message", "commit_message is longer than %d bytes",
                           PROMPT_COMMIT_MAX);
    if (prompt_author(in->author, &out->author, err) != 0)
        return -1;
    out->commit_message = commit;
    return prompt_content_parse(in->template, in->messages, in->model_config, &out->content, err);
}

void prompt_version_new_free(prompt_version_new_t *v)
{
    prompt_content_free(&v->content);
}

int prompt_version_insert(store_conn_t *c, int64_t prompt_id, int64_t version,
                          const prompt_version_new_t *v, int64_t now, err_t *err)
{
    char *messages = v->content.messages ? json_to_string(v->content.messages) : NULL;
    char *variables = json_to_string(v->content.variables);
    char *config = v->content.model_config ? json_to_string(v->content.model_config) : NULL;
    store_value_t params[] = {
        sv_int(prompt_id),          sv_int(version),    sv_text(v->content.template),
        sv_text(messages),          sv_text(variables), sv_text(config),
        sv_text(v->commit_message), sv_text(v->author), sv_int(now)};
    int64_t n = store_exec(c,
                           "INSERT INTO prompt_versions (prompt_id, version, template, messages, "
                           "variables, model_config, commit_message, author, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           params, 9, err);
    free(messages);
    free(variables);
    free(config);
    return n < 0 ? -1 : 0;
}

json_t *prompts_create_version(store_t *s, const char *name, const prompt_version_in_t *in,
                               err_t *err)
{
    if (prompts_check_name(name, err) != 0)
        return NULL;
    prompt_version_new_t v;
    if (prompt_version_prepare(in, &v, err) != 0)
        return NULL;
    json_t *result = NULL;
    int64_t now = clock_now_ms();
    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) != 0)
        goto done;
    /* Taking the next number and inserting the row happen in one transaction; the UPDATE
     * holds the prompt's row lock until commit, so concurrent creators get distinct numbers
     * and a failed insert gives its number back with the rollback. */
    store_value_t bump[] = {sv_int(now), sv_text(name)};
    store_rows_t *rows = store_query(c,
                                     "UPDATE prompts SET last_version = last_version + 1, "
                                     "updated_at = ? WHERE name = ? RETURNING id, last_version",
                                     bump, 2, err);
    if (!rows)
        goto fail;
    if (store_rows_count(rows) == 0) {
        store_rows_free(rows);
        err_set(err, 404, "not_found", NULL, "prompt '%s' does not exist", name);
        goto fail;
    }
    prompt_ref_t ref = {store_rows_int(rows, 0, 0), store_rows_int(rows, 0, 1)};
    store_rows_free(rows);
    if (prompt_version_insert(c, ref.id, ref.last_version, &v, now, err) != 0 ||
        store_commit(c, err) != 0)
        goto fail;
    result = prompt_version_fetch(c, &ref, name, ref.last_version, err);
    goto done;
fail:
    store_rollback(c);
done:
    store_release(s, c);
    prompt_version_new_free(&v);
    return result;
}

json_t *prompts_get_version(store_t *s, const char *name, int64_t version, err_t *err)
{
    if (prompts_check_name(name, err) != 0)
        return NULL;
    prompt_ref_t ref;
    json_t *result = NULL;
    store_conn_t *c = store_acquire(s);
    if (prompt_find(c, name, &ref, err) == 0)
        result = prompt_version_fetch(c, &ref, name, version, err);
    store_release(s, c);
    return result;
}

json_t *prompts_resolve(store_t *s, const char *name, const char *ref_text, err_t *err)
{
    if (prompts_check_name(name, err) != 0)
        return NULL;
    prompt_ref_t ref;
    int64_t version;
    json_t *result = NULL;
    store_conn_t *c = store_acquire(s);
    if (prompt_find(c, name, &ref, err) == 0 &&
        prompt_ref_resolve(c, &ref, name, ref_text, "version", &version, err) == 0)
        result = prompt_version_fetch(c, &ref, name, version, err);
    store_release(s, c);
    return result;
}

json_t *prompts_list_versions(store_t *s, const char *name, int limit, const char *page_token,
                              err_t *err)
{
    int64_t before;
    if (prompts_check_name(name, err) != 0 || prompt_page_limit(limit, &limit, err) != 0 ||
        prompt_page_token_int(page_token, &before, err) != 0)
        return NULL;
    prompt_ref_t ref;
    json_t *result = NULL, *aliases = NULL;
    store_rows_t *rows = NULL;
    store_conn_t *c = store_acquire(s);
    if (prompt_find(c, name, &ref, err) != 0 || !(aliases = prompt_alias_map(c, ref.id, err)))
        goto done;
    /* Newest first; the token is the last version shown, so the next page starts below it. */
    store_value_t params[] = {sv_int(ref.id), sv_int(page_token ? before : ref.last_version + 1),
                              sv_int(limit + 1)};
    rows = store_query(c,
                       "SELECT " PROMPT_VERSION_COLUMNS " FROM prompt_versions WHERE prompt_id = ? "
                       "AND version < ? ORDER BY version DESC LIMIT ?",
                       params, 3, err);
    if (!rows)
        goto done;
    size_t count = store_rows_count(rows);
    size_t shown = count > (size_t)limit ? (size_t)limit : count;
    json_t *list = json_array();
    for (size_t r = 0; r < shown; r++)
        json_array_append_new(list, prompt_version_json(rows, r, name, aliases));
    result = json_pack("{s:s, s:o}", "name", name, "versions", list);
    if (count > shown) {
        char token[32];
        snprintf(token, sizeof token, "%lld", (long long)store_rows_int(rows, shown - 1, 0));
        json_object_set_new(result, "next_page_token", json_string(token));
    }
done:
    store_rows_free(rows);
    json_decref(aliases);
    store_release(s, c);
    return result;
}
