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

/* The shortest "%.Ng" spelling of d that reads back as exactly d, kept a real ("1.0", not
 * "1"). Writes at most len bytes (the length of jansson's spelling, which is one candidate). */
static size_t shortest_real(double d, char *out, size_t len)
{
    char candidate[40];
    for (int precision = 1; precision <= 17; precision++) {
        int n = snprintf(candidate, sizeof candidate, "%.*g", precision, d);
        if (n <= 0 || strtod(candidate, NULL) != d)
            continue;
        if (!strpbrk(candidate, ".eEin")) /* keep it a real, as jansson wrote it */
            n = snprintf(candidate + n, sizeof candidate - (size_t)n, ".0") + n;
        if ((size_t)n > len)
            break;
        memcpy(out, candidate, (size_t)n);
        return (size_t)n;
    }
    return 0;
}

/* jansson prints reals with 17 significant digits ("0.69999999999999996" for 0.7). Rewrite
 * every real outside strings, in place, to the shortest spelling that parses to the same
 * double, as Python and JavaScript print them. */
static void shorten_reals(char *text)
{
    char *in = text, *out = text;
    int in_string = 0;
    while (*in) {
        if (in_string) {
            if (*in == '\\' && in[1]) {
                *out++ = *in++;
            } else if (*in == '"') {
                in_string = 0;
            }
            *out++ = *in++;
            continue;
        }
        if (*in == '"') {
            in_string = 1;
            *out++ = *in++;
            continue;
        }
        if (*in != '-' && (*in < '0' || *in > '9')) {
            *out++ = *in++;
            continue;
        }
        size_t len = strspn(in, "+-0123456789.eE");
        size_t written = 0;
        if (memchr(in, '.', len) || memchr(in, 'e', len) || memchr(in, 'E', len)) {
            char token[64];
            if (len < sizeof token) {
                memcpy(token, in, len);
                token[len] = '\0';
                written = shortest_real(strtod(token, NULL), out, len);
            }
        }
        if (!written) {
            memmove(out, in, len);
            written = len;
        }
        out += written;
        in += len;
    }
    *out = '\0';
}

char *json_dump_text(const json_t *value, size_t flags)
{
    char *text = json_dumps(value, flags | JSON_ENCODE_ANY);
    if (!text)
        return xstrdup("null");
    shorten_reals(text);
    return text;
}

char *json_to_string(const json_t *value)
{
    return json_dump_text(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
}
