/* target.c - resolving an evaluation's target and building each row's request (target.h). */
#include "eval/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "prompts/prompts.h"

void eval_target_free(eval_target_t *t)
{
    free(t->model);
    free(t->prompt_name);
    free(t->model_name);
    json_decref(t->prompt_config);
    json_decref(t->params);
    json_decref(t->resolved);
    memset(t, 0, sizeof *t);
}

/* "greet@production", "greet/3", "greet" (the latest) -> name and a reference for
 * prompts_resolve ("production", "3"; NULL for the latest). */
static int split_prompt_ref(const char *text, char **name, char **ref, err_t *err)
{
    const char *at = strchr(text, '@');
    const char *slash = strrchr(text, '/');
    const char *sep = at ? at : slash;
    *ref = NULL;
    if (strncmp(text, "prompts:/", 9) == 0)
        return split_prompt_ref(text + 9, name, ref, err);
    if (!sep) {
        *name = xstrdup(text);
    } else {
        *name = xstrndup(text, (size_t)(sep - text));
        if (!sep[1] || strcmp(sep + 1, "latest") == 0)
            *ref = NULL;
        else
            *ref = xstrdup(sep + 1);
    }
    if (prompts_check_name(*name, err) != 0) {
        snprintf(err->field, sizeof err->field, "target.prompt");
        free(*name);
        free(*ref);
        return -1;
    }
    return 0;
}

static int resolve_prompt(store_t *s, const char *text, eval_target_t *t, err_t *err)
{
    char *name, *ref;
    if (split_prompt_ref(text, &name, &ref, err) != 0)
        return -1;
    json_t *version;
    if (ref) {
        version = prompts_resolve(s, name, ref, err);
    } else {
        json_t *prompt = prompts_get(s, name, err);
        json_t *latest = json_object_get(prompt, "latest_version");
        if (prompt && !json_is_integer(latest)) {
            err_not_found(err, "prompt '%s' has no version", name);
            version = NULL;
        } else {
            version = prompt ? prompts_get_version(s, name, json_integer_value(latest), err) : NULL;
        }
        json_decref(prompt);
    }
    free(ref);
    if (!version) {
        free(name);
        if (err->status == 400)
            snprintf(err->field, sizeof err->field, "target.prompt");
        return -1;
    }
    t->prompt_name = name;
    t->prompt_version = json_integer_value(json_object_get(version, "version"));
    json_t *config = json_object_get(version, "model_config");
    if (json_is_object(config))
        t->prompt_config = json_incref(config);
    json_decref(version);
    return 0;
}

/* The endpoint's targets as they will be called: provider, upstream model, URL and params. */
static json_t *targets_json(const gw_endpoint_t *ep)
{
    json_t *out = json_array();
    for (size_t i = 0; i < ep->ntargets; i++) {
        const gw_target_t *g = &ep->targets[i];
        json_array_append_new(
            out, json_pack("{s:s?, s:s?, s:s?, s:O, s:s?, s:I}", "provider", g->provider, "model",
                           g->model, "base_url", g->base_url, "params", g->params, "model_name",
                           g->model_name, "model_version", (json_int_t)g->model_version));
    }
    return out;
}

static int resolve_model(gateway_config_src_t *src, const char *model, eval_target_t *t, err_t *err)
{
    if (!src)
        return err_unavailable(err, "no gateway configuration in this process");
    const gateway_config_t *cfg = gateway_config_acquire(src);
    const char *why = NULL;
    const gw_endpoint_t *ep = gateway_config_endpoint(cfg, model);
    int is_endpoint = ep != NULL;
    if (!ep)
        ep = gateway_config_model_ref(cfg, model, &why);
    int rc = 0;
    if (!ep) {
        rc = err_set(err, 404, "not_found", "target.model",
                     "'%s' is neither a gateway endpoint nor a servable registered model%s%s",
                     model, why ? ": " : "", why ? why : "");
    } else {
        /* A registered model reached by alias is pinned to the version it points at now. */
        if (!is_endpoint && ep->ntargets && ep->targets[0].model_name) {
            t->model_name = xstrdup(ep->targets[0].model_name);
            t->model_version = ep->targets[0].model_version;
            buf_t b;
            buf_init(&b);
            buf_printf(&b, "%s/%lld", t->model_name, (long long)t->model_version);
            t->model = buf_steal(&b);
        } else {
            t->model = xstrdup(model);
        }
        json_object_set_new(t->resolved, "kind", json_string(is_endpoint ? "endpoint" : "model"));
        json_object_set_new(t->resolved, "model", json_string(t->model));
        json_object_set_new(t->resolved, "targets", targets_json(ep));
    }
    gateway_config_release(src, cfg);
    return rc;
}

int eval_target_resolve(store_t *s, gateway_config_src_t *cfg, const json_t *spec,
                        eval_target_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(spec))
        return err_invalid(err, "target",
                           "target must be an object: {\"endpoint\": NAME}, {\"model\": REF} or "
                           "{\"prompt\": REF, \"model\": NAME}");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)spec, key, value)
    {
        if (strcmp(key, "endpoint") && strcmp(key, "model") && strcmp(key, "prompt") &&
            strcmp(key, "params"))
            return err_invalid(err, "target",
                               "unknown target field '%s' (endpoint, model, prompt, params)", key);
        if (strcmp(key, "params") && (!json_is_string(value) || !*json_string_value(value))) {
            char field[64];
            snprintf(field, sizeof field, "target.%s", key);
            return err_invalid(err, field, "%s must be a non-empty string", field);
        }
    }
    const char *endpoint = json_string_value(json_object_get(spec, "endpoint"));
    const char *model = json_string_value(json_object_get(spec, "model"));
    const char *prompt = json_string_value(json_object_get(spec, "prompt"));
    json_t *params = json_object_get(spec, "params");
    if (params && !json_is_object(params) && !json_is_null(params))
        return err_invalid(err, "target.params", "target.params must be an object");
    if (endpoint && model)
        return err_invalid(err, "target", "give either target.endpoint or target.model, not both");
    if (!endpoint && !model)
        return err_invalid(err, "target",
                           prompt ? "a prompt target needs target.model (an endpoint or a "
                                    "registered model) to send the prompt to"
                                  : "target needs endpoint, model or prompt + model");
    out->params = json_is_object(params) ? json_deep_copy(params) : json_object();
    out->resolved = json_object();
    if (prompt && resolve_prompt(s, prompt, out, err) != 0)
        goto fail;
    if (resolve_model(cfg, endpoint ? endpoint : model, out, err) != 0) {
        if (endpoint && !strcmp(err->field, "target.model"))
            snprintf(err->field, sizeof err->field, "target.endpoint");
        goto fail;
    }
    if (out->prompt_name)
        json_object_set_new(out->resolved, "prompt",
                            json_pack("{s:s, s:I}", "name", out->prompt_name, "version",
                                      (json_int_t)out->prompt_version));
    json_object_set(out->resolved, "params", out->params);
    return 0;
fail:
    eval_target_free(out);
    return -1;
}

json_t *eval_target_pinned_spec(const eval_target_t *t)
{
    json_t *spec = json_pack("{s:s}", "model", t->model);
    if (t->prompt_name) {
        buf_t b;
        buf_init(&b);
        buf_printf(&b, "%s/%lld", t->prompt_name, (long long)t->prompt_version);
        json_object_set_new(spec, "prompt", json_string(buf_str(&b)));
        buf_free(&b);
    }
    if (json_object_size(t->params))
        json_object_set(spec, "params", t->params);
    return spec;
}

/* A value as message text: strings as they are, anything else as compact JSON. */
static char *as_text(const json_t *v)
{
    return json_is_string(v) ? xstrdup(json_string_value(v)) : json_to_string(v);
}

/* The last user message's content, for the scorers' "input". */
static char *last_user_text(const json_t *messages)
{
    for (size_t i = json_array_size(messages); i-- > 0;) {
        const json_t *m = json_array_get(messages, i);
        if (json_is_object(m) && json_string_value(json_object_get(m, "role")) &&
            strcmp(json_string_value(json_object_get(m, "role")), "user") == 0)
            return as_text(json_object_get(m, "content"));
    }
    return xstrdup("");
}

int eval_target_request(store_t *s, const eval_target_t *t, const json_t *row, json_t **body,
                        char **input, err_t *err)
{
    *body = NULL;
    *input = NULL;
    json_t *messages = NULL;
    const json_t *row_input = json_object_get(row, "input");
    if (t->prompt_name) {
        prompt_render_in_t in = {.version = t->prompt_version, .variables = row};
        json_t *rendered = prompts_render(s, t->prompt_name, &in, err);
        if (!rendered)
            return -1;
        json_t *rm = json_object_get(rendered, "messages");
        if (json_is_array(rm))
            messages = json_incref(rm);
        else
            messages = json_pack("[{s:s, s:s}]", "role", "user", "content",
                                 json_string_value(json_object_get(rendered, "text"))
                                     ? json_string_value(json_object_get(rendered, "text"))
                                     : "");
        json_decref(rendered);
    } else {
        const json_t *rm = json_object_get(row, "messages");
        if (json_is_array(rm)) {
            messages = json_deep_copy(rm);
        } else if (row_input && !json_is_null(row_input)) {
            char *text = as_text(row_input);
            messages = json_pack("[{s:s, s:s}]", "role", "user", "content", text);
            free(text);
        } else {
            return err_invalid(err, "row",
                               "the row has neither 'messages' (an array) nor 'input' to send");
        }
    }
    json_t *req = json_object();
    /* The prompt's own model configuration first, then the target's params over it. */
    const char *key;
    json_t *value;
    json_object_foreach(t->prompt_config, key, value)
    {
        if (strcmp(key, "model") && strcmp(key, "provider"))
            json_object_set(req, key, value);
    }
    json_object_update(req, t->params);
    json_object_set_new(req, "model", json_string(t->model));
    json_object_set_new(req, "messages", messages);
    json_object_del(req, "stream");
    *body = req;
    *input = row_input && !json_is_null(row_input) ? as_text(row_input) : last_user_text(messages);
    return 0;
}
