/* render.c - rendering a prompt version with variables (see prompts_render in prompts.h).
 *
 * The version is read, the database connection given back, and only then are its templates
 * compiled and rendered, so a slow render never holds a connection. Templates are compiled per
 * request rather than cached: compiling a typical prompt takes a few microseconds, under a
 * fifth of an in-process render call and less of one over HTTP (`make bench-prompts`, figures
 * in docs/prompts.md), so a cache would save little and add shared mutable state. */
#include <stdio.h>
#include <string.h>

#include "prompts/content.h"
#include "prompts/lookup.h"
#include "prompts/prompts.h"

/* Pick the version to render: the one given, the alias's, or the latest. */
static json_t *render_target(store_t *s, const char *name, const prompt_render_in_t *in, err_t *err)
{
    prompt_ref_t ref;
    json_t *result = NULL;
    int64_t version = in->version;
    store_conn_t *c = store_acquire(s);
    if (prompt_find(c, name, &ref, err) != 0)
        goto done;
    if (in->alias) {
        if (prompt_ref_resolve(c, &ref, name, in->alias, "alias", &version, err) != 0)
            goto done;
    } else if (version == 0) {
        version = ref.last_version;
        if (version == 0) {
            err_set(err, 404, "not_found", NULL, "prompt '%s' has no versions yet", name);
            goto done;
        }
    }
    result = prompt_version_fetch(c, &ref, name, version, err);
done:
    store_release(s, c);
    return result;
}

/* Compile and render one template into a JSON string; field names it in errors; where (may be
 * NULL) says which message it is, for messages that would otherwise not say. */
static json_t *render_one(const char *source, const char *field, const char *where,
                          const json_t *vars, const template_options_t *opt, err_t *err)
{
    template_t *t = prompt_template_compile(source, field, err);
    if (!t)
        return NULL;
    size_t len = 0;
    char *text = template_render(t, vars, opt, &len, err);
    template_free(t);
    int rendered = text != NULL;
    json_t *out = text ? json_stringn(text, len) : NULL;
    free(text);
    if (rendered && !out) /* only possible if the engine cut a multi-byte character */
        err_set(err, 500, "internal", field, "%s rendered to text that is not valid UTF-8", field);
    if (!rendered && err) {
        /* The template is fine (it compiled when the version was made): what went wrong came
         * from the variables given. */
        if (strcmp(err->code, "template_undefined") == 0 ||
            strcmp(err->code, "template_error") == 0)
            snprintf(err->field, sizeof err->field, "variables");
        if (where)
            prompt_err_prefix(err, where);
    }
    return out;
}

json_t *prompts_render(store_t *s, const char *name, const prompt_render_in_t *in, err_t *err)
{
    if (prompts_check_name(name, err) != 0)
        return NULL;
    if (in->version && in->alias) {
        err_invalid(err, "alias", "give either version or alias, not both");
        return NULL;
    }
    if (in->version < 0) {
        err_invalid(err, "version", "version must be a version number (1, 2, ...)");
        return NULL;
    }
    if (in->alias && prompts_check_alias(in->alias, err) != 0)
        return NULL;
    if (in->variables && !json_is_object(in->variables)) {
        err_invalid(err, "variables", "variables must be an object {\"name\": value, ...}");
        return NULL;
    }
    json_t *version = render_target(s, name, in, err);
    if (!version)
        return NULL;

    template_options_t opt = {.lenient = in->lenient};
    json_t *result =
        json_pack("{s:s, s:O}", "name", name, "version", json_object_get(version, "version"));
    if (in->alias)
        json_object_set_new(result, "alias", json_string(in->alias));
    json_object_set(result, "type", json_object_get(version, "type"));
    const char *source = json_string_value(json_object_get(version, "template"));
    if (source) {
        json_t *text = render_one(source, "template", NULL, in->variables, &opt, err);
        if (!text)
            goto fail;
        json_object_set_new(result, "text", text);
    } else {
        json_t *out = json_array();
        json_object_set_new(result, "messages", out);
        size_t i;
        const json_t *m;
        json_array_foreach(json_object_get(version, "messages"), i, m)
        {
            const char *role = json_string_value(json_object_get(m, "role"));
            char field[64], where[96];
            snprintf(field, sizeof field, "messages[%zu].content", i);
            snprintf(where, sizeof where, "messages[%zu] (%s)", i, role);
            json_t *text = render_one(json_string_value(json_object_get(m, "content")), field,
                                      where, in->variables, &opt, err);
            if (!text)
                goto fail;
            json_array_append_new(out, json_pack("{s:s, s:o}", "role", role, "content", text));
        }
    }
    json_object_set(result, "model_config", json_object_get(version, "model_config"));
    json_object_set(result, "lineage_node", json_object_get(version, "lineage_node"));
    json_decref(version);
    return result;
fail:
    json_decref(version);
    json_decref(result);
    return NULL;
}
