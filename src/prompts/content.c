/* content.c - checking and compiling a prompt version's templates, messages and model
 * configuration, and the canonical texts diffs compare (see content.h). */
#include "prompts/content.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"

int prompt_role_valid(const char *role)
{
    static const char *const roles[] = {"system", "developer", "user", "assistant", "tool"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

void prompt_err_prefix(err_t *err, const char *prefix)
{
    size_t p = strlen(prefix) + 2, m = strlen(err->message);
    if (p >= sizeof err->message)
        return;
    if (m + p >= sizeof err->message)
        m = sizeof err->message - p - 1;
    memmove(err->message + p, err->message, m);
    memcpy(err->message, prefix, p - 2);
    memcpy(err->message + p - 2, ": ", 2);
    err->message[p + m] = '\0';
}

template_t *prompt_template_compile(const char *source, const char *field, err_t *err)
{
    size_t len = strlen(source);
    if (len > TEMPLATE_MAX_SOURCE) {
        err_invalid(err, field, "%s is longer than %u bytes", field, TEMPLATE_MAX_SOURCE);
        return NULL;
    }
    template_t *t = template_compile(source, len, err);
    if (!t && err) {
        /* A message's position alone does not say which message; the text template is the
         * only one, so its message stays as the engine wrote it. */
        if (strcmp(field, "template") != 0)
            prompt_err_prefix(err, field);
        snprintf(err->field, sizeof err->field, "%s", field);
    }
    return t;
}

/* Append t's variables to vars, skipping names already there. */
static void variables_merge(json_t *vars, const template_t *t)
{
    json_t *found = template_variables(t);
    size_t i, j;
    json_t *name, *have;
    json_array_foreach(found, i, name)
    {
        int seen = 0;
        json_array_foreach(vars, j, have) seen |= json_equal(have, name);
        if (!seen)
            json_array_append(vars, name);
    }
    json_decref(found);
}

/* Compile source (as `field`) and add its variables. */
static int compile_into(const char *source, const char *field, json_t *vars, err_t *err)
{
    template_t *t = prompt_template_compile(source, field, err);
    if (!t)
        return -1;
    variables_merge(vars, t);
    template_free(t);
    return 0;
}

static int parse_messages(const json_t *messages, json_t *vars, json_t **out, err_t *err)
{
    if (!json_is_array(messages))
        return err_invalid(err, "messages",
                           "messages must be a list of {\"role\": ..., \"content\": ...} objects");
    size_t n = json_array_size(messages);
    if (n == 0 || n > PROMPT_MAX_MESSAGES)
        return err_invalid(err, "messages", "messages must hold 1 to %d messages",
                           PROMPT_MAX_MESSAGES);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(messages, i);
        char field[64];
        snprintf(field, sizeof field, "messages[%zu]", i);
        const char *key;
        json_t *value;
        if (!json_is_object(m)) {
            err_invalid(err, field, "%s must be an object {\"role\": ..., \"content\": ...}",
                        field);
            goto fail;
        }
        json_object_foreach((json_t *)m, key, value)
        {
            if (strcmp(key, "role") != 0 && strcmp(key, "content") != 0) {
                err_invalid(err, field,
                            "%s has an unknown key '%.64s'; a message has only "
                            "\"role\" and \"content\"",
                            field, key);
                goto fail;
            }
        }
        const json_t *role = json_object_get(m, "role");
        const json_t *content = json_object_get(m, "content");
        snprintf(field, sizeof field, "messages[%zu].role", i);
        if (!json_is_string(role) || !prompt_role_valid(json_string_value(role))) {
            err_invalid(err, field,
                        "%s must be one of \"system\", \"developer\", \"user\", \"assistant\", "
                        "\"tool\"",
                        field);
            goto fail;
        }
        snprintf(field, sizeof field, "messages[%zu].content", i);
        if (!json_is_string(content)) {
            err_invalid(err, field, "%s must be a string (a template)", field);
            goto fail;
        }
        if (memchr(json_string_value(content), '\0', json_string_length(content))) {
            err_invalid(err, field, "%s must not contain NUL characters", field);
            goto fail;
        }
        if (compile_into(json_string_value(content), field, vars, err) != 0)
            goto fail;
        json_array_append_new(list, json_pack("{s:O, s:O}", "role", role, "content", content));
    }
    *out = list;
    return 0;
fail:
    json_decref(list);
    return -1;
}

static int check_number(const json_t *config, const char *key, double lo, double hi, err_t *err)
{
    const json_t *v = json_object_get(config, key);
    if (!v)
        return 0;
    char field[64];
    snprintf(field, sizeof field, "model_config.%s", key);
    if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
        return err_invalid(err, field, "%s must be a number from %g to %g", field, lo, hi);
    return 0;
}

static int check_nonempty_string(const json_t *config, const char *key, err_t *err)
{
    const json_t *v = json_object_get(config, key);
    if (!v)
        return 0;
    char field[64];
    snprintf(field, sizeof field, "model_config.%s", key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return err_invalid(err, field, "%s must be a non-empty string", field);
    return 0;
}

int prompt_model_config_check(const json_t *config, err_t *err)
{
    if (!json_is_object(config))
        return err_invalid(err, "model_config", "model_config must be an object");
    if (check_nonempty_string(config, "provider", err) != 0 ||
        check_nonempty_string(config, "model", err) != 0 ||
        check_number(config, "temperature", 0, 2, err) != 0 ||
        check_number(config, "top_p", 0, 1, err) != 0)
        return -1;
    const json_t *max_tokens = json_object_get(config, "max_tokens");
    if (max_tokens && (!json_is_integer(max_tokens) || json_integer_value(max_tokens) <= 0))
        return err_invalid(err, "model_config.max_tokens",
                           "model_config.max_tokens must be an integer greater than 0");
    const json_t *stop = json_object_get(config, "stop");
    if (stop && !json_is_string(stop)) {
        int ok = json_is_array(stop) && json_array_size(stop) <= PROMPT_MAX_STOP;
        size_t i;
        const json_t *s;
        json_array_foreach(stop, i, s) ok &= json_is_string(s);
        if (!ok)
            return err_invalid(err, "model_config.stop",
                               "model_config.stop must be a string or a list of at most %d "
                               "strings",
                               PROMPT_MAX_STOP);
    }
    const json_t *format = json_object_get(config, "response_format");
    if (format && !(json_is_object(format) && json_is_string(json_object_get(format, "type"))))
        return err_invalid(err, "model_config.response_format",
                           "model_config.response_format must be an object with a string "
                           "\"type\", e.g. {\"type\": \"json_object\"}");
    return 0;
}

int prompt_content_parse(const json_t *template_json, const json_t *messages,
                         const json_t *model_config, prompt_content_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (template_json && json_is_null(template_json))
        template_json = NULL;
    if (messages && json_is_null(messages))
        messages = NULL;
    if (!template_json && !messages)
        return err_invalid(err, "template",
                           "a version needs a \"template\" (text) or \"messages\" (chat)");
    if (template_json && messages)
        return err_invalid(err, "messages",
                           "give either \"template\" (text) or \"messages\" (chat), not both");
    if (model_config && !json_is_null(model_config) &&
        prompt_model_config_check(model_config, err) != 0)
        return -1;

    json_t *vars = json_array();
    if (template_json) {
        if (!json_is_string(template_json)) {
            json_decref(vars);
            return err_invalid(err, "template", "template must be a string");
        }
        const char *text = json_string_value(template_json);
        if (json_string_length(template_json) == 0 ||
            memchr(text, '\0', json_string_length(template_json))) {
            json_decref(vars);
            return err_invalid(err, "template",
                               "template must be a non-empty string without NUL characters");
        }
        if (compile_into(text, "template", vars, err) != 0) {
            json_decref(vars);
            return -1;
        }
        out->template = xstrdup(text);
    } else if (parse_messages(messages, vars, &out->messages, err) != 0) {
        json_decref(vars);
        return -1;
    }
    out->variables = vars;
    if (model_config && !json_is_null(model_config))
        out->model_config = json_deep_copy(model_config);
    return 0;
}

void prompt_content_free(prompt_content_t *c)
{
    free(c->template);
    json_decref(c->messages);
    json_decref(c->variables);
    json_decref(c->model_config);
    memset(c, 0, sizeof *c);
}

char *prompt_content_text(const char *template_text, const json_t *messages)
{
    if (template_text)
        return xstrdup(template_text);
    buf_t b;
    buf_init(&b);
    size_t i;
    const json_t *m;
    json_array_foreach(messages, i, m)
    {
        const char *content = json_string_value(json_object_get(m, "content"));
        buf_printf(&b, "### %s\n%s", json_string_value(json_object_get(m, "role")),
                   content ? content : "");
        if (b.len == 0 || b.data[b.len - 1] != '\n')
            buf_append_char(&b, '\n');
    }
    return buf_steal(&b);
}

char *prompt_model_config_text(const json_t *config)
{
    if (!config || json_is_null(config))
        return xstrdup("");
    /* jansson writes doubles with 17 significant digits (0.7 -> 0.69999999999999996). Fifteen
     * are enough for every value people type; keep 17 only when 15 would change a value. */
    size_t flags = JSON_INDENT(2) | JSON_SORT_KEYS;
    char *text = json_dumps(config, flags | JSON_REAL_PRECISION(15));
    json_t *back = text ? json_loads(text, 0, NULL) : NULL;
    if (!back || !json_equal(back, config)) {
        free(text);
        text = json_dumps(config, flags);
    }
    json_decref(back);
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, text ? text : "null");
    buf_append_char(&b, '\n');
    free(text);
    return buf_steal(&b);
}
