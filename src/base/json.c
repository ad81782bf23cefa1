/* json.c - parsing with positions and typed field access (see json.h). */
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

json_t *json_parse(const char *data, size_t len, err_t *err)
{
    if (!data || len == 0) {
        err_set(err, 400, "invalid_json", NULL, "request body is empty; a JSON value is required");
        return NULL;
    }
    json_error_t jerr;
    /* jansson validates UTF-8 and rejects "\u0000" (no JSON_ALLOW_NUL), so strings from a body
     * are safe C strings. JSON_REJECT_DUPLICATES avoids "last one wins" surprises. */
    json_t *value = json_loadb(data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!value) {
        err_set(err, 400, "invalid_json", NULL, "malformed JSON at line %d, column %d: %s",
                jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    return value;
}

json_t *json_parse_object(const char *data, size_t len, err_t *err)
{
    json_t *value = json_parse(data, len, err);
    if (value && !json_is_object(value)) {
        json_decref(value);
        err_set(err, 400, "invalid_json", NULL, "the request body must be a JSON object");
        return NULL;
    }
    return value;
}

/* Look a field up; 1 when present and not null, 0 when absent (error if required). */
static int field_lookup(const json_t *obj, const char *field, int required, json_t **value,
                        err_t *err)
{
    *value = json_object_get(obj, field);
    if (*value && !json_is_null(*value))
        return 1;
    if (required)
        return err_invalid(err, field, "field '%s' is required", field);
    return 0;
}

int json_field_string(const json_t *obj, const char *field, int required, size_t max_len,
                      const char **out, err_t *err)
{
    json_t *v;
    int found = field_lookup(obj, field, required, &v, err);
    if (found <= 0)
        return found;
    if (!json_is_string(v))
        return err_invalid(err, field, "field '%s' must be a string", field);
    size_t len = json_string_length(v);
    if (max_len && len > max_len)
        return err_invalid(err, field, "field '%s' is longer than %zu bytes", field, max_len);
    if (memchr(json_string_value(v), '\0', len))
        return err_invalid(err, field, "field '%s' must not contain NUL characters", field);
    *out = json_string_value(v);
    return 0;
}

int json_field_int(const json_t *obj, const char *field, int required, int64_t *out, err_t *err)
{
    json_t *v;
    int found = field_lookup(obj, field, required, &v, err);
    if (found <= 0)
        return found;
    if (!json_is_integer(v))
        return err_invalid(err, field, "field '%s' must be an integer", field);
    *out = json_integer_value(v);
    return 0;
}

int json_field_number(const json_t *obj, const char *field, int required, double *out, err_t *err)
{
    json_t *v;
    int found = field_lookup(obj, field, required, &v, err);
    if (found <= 0)
        return found;
    if (!json_is_number(v))
        return err_invalid(err, field, "field '%s' must be a number", field);
    *out = json_number_value(v);
    return 0;
}

int json_field_bool(const json_t *obj, const char *field, int required, int *out, err_t *err)
{
    json_t *v;
    int found = field_lookup(obj, field, required, &v, err);
    if (found <= 0)
        return found;
    if (!json_is_boolean(v))
        return err_invalid(err, field, "field '%s' must be true or false", field);
    *out = json_is_true(v);
    return 0;
}

char *json_to_string(const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    return text ? text : xstrdup("null");
}
