/* compare.c - diffs between two versions of a prompt (see prompts_diff in prompts.h).
 *
 * Two unified diffs, one after the other as `diff -ru` prints several files: the templates
 * (chat prompts in their "### role" text form, so a changed message shows as changed lines
 * under its role) headed "--- name@1" / "+++ name@3", then the model configurations as
 * sorted, indented JSON headed "--- name@1 model_config" / "+++ name@3 model_config". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "prompts/content.h"
#include "prompts/diff.h"
#include "prompts/lookup.h"
#include "prompts/prompts.h"

/* Resolve both references and read both versions on one connection. */
static int fetch_pair(store_t *s, const char *name, const char *from_ref, const char *to_ref,
                      json_t **from, json_t **to, err_t *err)
{
    prompt_ref_t ref;
    int64_t from_version, to_version;
    *from = *to = NULL;
    store_conn_t *c = store_acquire(s);
    if (prompt_find(c, name, &ref, err) == 0 &&
        prompt_ref_resolve(c, &ref, name, from_ref, "from", &from_version, err) == 0 &&
        prompt_ref_resolve(c, &ref, name, to_ref, "to", &to_version, err) == 0 &&
        (*from = prompt_version_fetch(c, &ref, name, from_version, err)) != NULL)
        *to = prompt_version_fetch(c, &ref, name, to_version, err);
    store_release(s, c);
    if (*to)
        return 0;
    json_decref(*from);
    *from = NULL;
    return -1;
}

/* Append the diff of both versions' templates (config 0) or model configurations (1). */
static int diff_part(const json_t *from, const json_t *to, int config, const char *name, buf_t *out,
                     err_t *err)
{
    char *a, *b;
    if (config) {
        a = prompt_model_config_text(json_object_get(from, "model_config"));
        b = prompt_model_config_text(json_object_get(to, "model_config"));
    } else {
        a = prompt_content_text(json_string_value(json_object_get(from, "template")),
                                json_object_get(from, "messages"));
        b = prompt_content_text(json_string_value(json_object_get(to, "template")),
                                json_object_get(to, "messages"));
    }
    char label_a[PROMPT_NAME_MAX + 48], label_b[PROMPT_NAME_MAX + 48];
    const char *suffix = config ? " model_config" : "";
    snprintf(label_a, sizeof label_a, "%s@%lld%s", name,
             (long long)json_integer_value(json_object_get(from, "version")), suffix);
    snprintf(label_b, sizeof label_b, "%s@%lld%s", name,
             (long long)json_integer_value(json_object_get(to, "version")), suffix);
    int rc =
        diff_unified(a, strlen(a), b, strlen(b), label_a, label_b, DIFF_DEFAULT_CONTEXT, out, err);
    free(a);
    free(b);
    return rc;
}

json_t *prompts_diff(store_t *s, const char *name, const char *from_ref, const char *to_ref,
                     err_t *err)
{
    if (prompts_check_name(name, err) != 0)
        return NULL;
    json_t *from, *to;
    if (fetch_pair(s, name, from_ref, to_ref, &from, &to, err) != 0)
        return NULL;
    buf_t template_diff, config_diff;
    buf_init(&template_diff);
    buf_init(&config_diff);
    json_t *result = NULL;
    if (diff_part(from, to, 0, name, &template_diff, err) == 0 &&
        diff_part(from, to, 1, name, &config_diff, err) == 0) {
        buf_t both;
        buf_init(&both);
        buf_append(&both, template_diff.data ? template_diff.data : "", template_diff.len);
        buf_append(&both, config_diff.data ? config_diff.data : "", config_diff.len);
        result = json_pack("{s:s, s:{s:s, s:O}, s:{s:s, s:O}, s:s, s:s, s:s}", "name", name, "from",
                           "ref", from_ref, "version", json_object_get(from, "version"), "to",
                           "ref", to_ref, "version", json_object_get(to, "version"),
                           "template_diff", buf_str(&template_diff), "model_config_diff",
                           buf_str(&config_diff), "diff", buf_str(&both));
        buf_free(&both);
    }
    buf_free(&template_diff);
    buf_free(&config_diff);
    json_decref(from);
    json_decref(to);
    return result;
}
