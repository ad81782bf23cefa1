/* request_build.c - the upstream body for one target (see request_build.h).
 *
 * Prompt-backed targets are rendered here, on the request path, from the prompt version held
 * in the configuration snapshot: compiling a prompt's template takes microseconds, so
 * rendering per request keeps the snapshot simple (no compiled templates to share). Variables
 * are strict: a missing one is a 400 that names it, never a silently empty prompt. */
#include "gateway/request_build.h"

#include <stdlib.h>
#include <string.h>

#include "template/template.h"

static char *render(const char *source, const json_t *vars, const char *what, err_t *err)
{
    err_t terr;
    template_t *t = template_compile(source, strlen(source), &terr);
    char *out = NULL;
    if (t)
        out = template_render(t, vars, NULL, NULL, &terr);
    template_free(t);
    if (!out)
        err_invalid(err, "llmops.variables", "rendering %s failed: %s", what, terr.message);
    return out;
}

/* The prompt's messages, rendered, followed by the client's own messages. */
static int render_messages(const gw_target_t *t, json_t *out, const json_t *vars, err_t *err)
{
    json_t *rendered = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(t->prompt_messages, i, m)
    {
        const char *content = json_string_value(json_object_get(m, "content"));
        char what[96];
        snprintf(what, sizeof what, "prompt %s/%lld messages[%zu]", t->prompt_name,
                 (long long)t->prompt_version, i);
        char *text = render(content ? content : "", vars, what, err);
        if (!text) {
            json_decref(rendered);
            return -1;
        }
        json_t *msg = json_deep_copy(m);
        json_object_set_new(msg, "content", json_string(text));
        free(text);
        json_array_append_new(rendered, msg);
    }
    json_array_extend(rendered, json_object_get(out, "messages"));
    json_object_set_new(out, "messages", rendered);
    return 0;
}

json_t *gw_request_build(const gw_target_t *t, provider_op_t op, const json_t *body,
                         const json_t *vars, err_t *err)
{
    json_t *out = json_copy((json_t *)body); /* shallow: only top-level keys change */
    json_object_set_new(out, "model", json_string(t->model));
    if (t->params)
        json_object_update(out, t->params);
    if (!t->prompt_name)
        return out;
    json_t *empty = vars ? NULL : json_object();
    const json_t *v = vars ? vars : empty;
    int rc = 0;
    if (op == PROVIDER_OP_CHAT && t->prompt_messages) {
        rc = render_messages(t, out, v, err);
    } else if (op == PROVIDER_OP_COMPLETIONS && t->prompt_template) {
        char what[96];
        snprintf(what, sizeof what, "prompt %s/%lld", t->prompt_name, (long long)t->prompt_version);
        char *text = render(t->prompt_template, v, what, err);
        if (text)
            json_object_set_new(out, "prompt", json_string(text));
        rc = text ? 0 : -1;
        free(text);
    } else if (op == PROVIDER_OP_CHAT && t->prompt_template) {
        /* A text prompt on the chat endpoint becomes the first user message. */
        char what[96];
        snprintf(what, sizeof what, "prompt %s/%lld", t->prompt_name, (long long)t->prompt_version);
        char *text = render(t->prompt_template, v, what, err);
        if (text) {
            json_t *msgs = json_array();
            json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "user", "content", text));
            json_array_extend(msgs, json_object_get(out, "messages"));
            json_object_set_new(out, "messages", msgs);
        }
        rc = text ? 0 : -1;
        free(text);
    } else {
        rc = err_invalid(err, "model", "prompt %s is a %s prompt and cannot serve this endpoint",
                         t->prompt_name, t->prompt_messages ? "chat" : "text");
    }
    json_decref(empty);
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
