/* registry_validate.c - the registry's input rules (see registry_validate.h). */
#include "registry/registry_validate.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"

size_t registry_utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) /* count lead bytes, skip continuations */
            n++;
    return n;
}

int registry_check_name(const char *name, const char *field, err_t *err)
{
    if (!name || !*name)
        return err_invalid(err, field, "Missing value for required parameter '%s'.", field);
    size_t n = registry_utf8_length(name);
    if (n > REGISTRY_MAX_NAME)
        return err_invalid(err, field, "'%s' exceeds the maximum length of %d characters (got %zu)",
                           field, REGISTRY_MAX_NAME, n);
    return 0;
}

int registry_check_lookup_name(const char *name, err_t *err)
{
    if (!name || !*name)
        return err_invalid(err, "name", "Missing value for required parameter 'name'.");
    return 0;
}

/* MLflow's tag-name characters: \w (letters and digits of any script, '_'), '/', '.', '-',
 * ' ' and ':'. Bytes of multi-byte UTF-8 sequences count as letters. */
static int tag_key_char(unsigned char ch)
{
    return isalnum(ch) || ch == '_' || ch == '/' || ch == '.' || ch == '-' || ch == ' ' ||
           ch == ':' || ch >= 0x80;
}

/* MLflow refuses a key that posixpath.normpath() would change, or that is ".", starts with
 * ".." or with "/": that is, any empty, "." or ".." segment between slashes. */
static int tag_key_is_clean_path(const char *key)
{
    if (strncmp(key, "..", 2) == 0)
        return 0;
    const char *seg = key;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        if (!slash)
            return 1;
        seg = slash + 1;
    }
}

int registry_check_tag_key(const char *key, const char *field, err_t *err)
{
    if (!key)
        return err_invalid(err, field, "Missing value for required parameter '%s'.", field);
    for (const char *p = key; *p; p++)
        if (!tag_key_char((unsigned char)*p))
            return err_invalid(err, field,
                               "Invalid value for parameter '%s': names may only contain "
                               "alphanumerics, underscores (_), dashes (-), periods (.), spaces "
                               "( ), colon(:) and slashes (/).",
                               field);
    if (!tag_key_is_clean_path(key))
        return err_invalid(err, field,
                           "Invalid value for parameter '%s': names may be treated as files in "
                           "certain cases, and must not resolve to other names when treated as "
                           "such (no empty, '.' or '..' path segments).",
                           field);
    size_t n = registry_utf8_length(key);
    if (n > REGISTRY_MAX_TAG_KEY)
        return err_invalid(err, field, "'%s' exceeds the maximum length of %d characters (got %zu)",
                           field, REGISTRY_MAX_TAG_KEY, n);
    return 0;
}

int registry_check_tag_value(const char *value, const char *field, err_t *err)
{
    if (!value)
        return err_invalid(err, field, "Tag value cannot be None");
    size_t n = registry_utf8_length(value);
    if (n > REGISTRY_MAX_TAG_VALUE)
        return err_invalid(err, field, "'%s' exceeds the maximum length of %d characters (got %zu)",
                           field, REGISTRY_MAX_TAG_VALUE, n);
    return 0;
}

int registry_check_tags(const registry_tag_t *tags, size_t n, err_t *err)
{
    char field[48];
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "tags[%zu].key", i);
        if (registry_check_tag_key(tags[i].key, field, err) != 0)
            return -1;
        snprintf(field, sizeof field, "tags[%zu].value", i);
        if (registry_check_tag_value(tags[i].value, field, err) != 0)
            return -1;
    }
    return 0;
}

int registry_check_alias(const char *alias, err_t *err)
{
    if (!alias || !*alias)
        return err_invalid(err, "alias", "Registered model alias name cannot be empty.");
    for (const char *p = alias; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return err_invalid(err, "alias",
                               "Invalid alias name: '%s'. Names may only contain alphanumerics, "
                               "underscores (_), and dashes (-).",
                               alias);
    size_t n = strlen(alias); /* ASCII only by now */
    if (n > REGISTRY_MAX_ALIAS)
        return err_invalid(err, "alias",
                           "Registered model alias name exceeds the maximum length of %d "
                           "characters (got %zu)",
                           REGISTRY_MAX_ALIAS, n);
    if (strcasecmp(alias, "latest") == 0)
        return err_invalid(err, "alias", "'latest' alias name (case insensitive) is reserved.");
    /* "v1", "V42": MLflow reads these as versions in models:/name@... URIs. */
    if ((alias[0] == 'v' || alias[0] == 'V') && alias[1]) {
        const char *p = alias + 1;
        while (isdigit((unsigned char)*p))
            p++;
        if (!*p)
            return err_invalid(err, "alias", "Version alias name '%s' is reserved.", alias);
    }
    return 0;
}

int registry_check_description(const char *description, err_t *err)
{
    if (!description)
        return 0;
    size_t n = registry_utf8_length(description);
    if (n > REGISTRY_MAX_DESCRIPTION)
        return err_invalid(err, "description",
                           "'description' exceeds the maximum length of %d characters (got %zu)",
                           REGISTRY_MAX_DESCRIPTION, n);
    return 0;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* One round of Python's urllib.parse.unquote_plus into out (same length or shorter). Returns 1
 * when something changed. *nul is set when a %00 decodes to a NUL byte. */
static int unquote_plus(const char *in, char *out, int *nul)
{
    int changed = 0;
    size_t o = 0;
    for (size_t i = 0; in[i]; i++) {
        int hi, lo;
        if (in[i] == '+') {
            out[o++] = ' ';
            changed = 1;
        } else if (in[i] == '%' && (hi = hex_value(in[i + 1])) >= 0 &&
                   (lo = hex_value(in[i + 2])) >= 0) {
            char ch = (char)(hi * 16 + lo);
            if (ch == '\0')
                *nul = 1;
            out[o++] = ch ? ch : '?';
            i += 2;
            changed = 1;
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
    return changed;
}

int registry_check_source(const char *source, err_t *err)
{
    if (!source || !*source)
        return err_invalid(err, "source", "Missing value for required parameter 'source'.");
    size_t n = registry_utf8_length(source);
    if (n > REGISTRY_MAX_SOURCE)
        return err_invalid(err, "source",
                           "'source' exceeds the maximum length of %d characters (got %zu)",
                           REGISTRY_MAX_SOURCE, n);
    /* Decode until stable, as MLflow does, so "..%252f" cannot hide a "../". */
    char *a = xstrdup(source), *b = xmalloc(strlen(source) + 1);
    int nul = 0;
    for (int round = 0; round < 8 && unquote_plus(a, b, &nul); round++) {
        char *t = a;
        a = b;
        b = t;
    }
    int bad = nul;
    for (const char *seg = a; !bad;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            bad = 1;
        if (!slash)
            break;
        seg = slash + 1;
    }
    free(a);
    free(b);
    if (bad)
        return err_invalid(err, "source",
                           "Invalid model version source: '%s'. An absolute path must be provided "
                           "without relative path references ('.' or '..') present.",
                           source);
    return 0;
}

int registry_check_run_id(const char *run_id, err_t *err)
{
    if (!run_id || !*run_id)
        return err_invalid(err, "run_id", "Missing value for parameter 'run_id'.");
    size_t n = strlen(run_id);
    int ok = n <= REGISTRY_MAX_RUN_ID && isalnum((unsigned char)run_id[0]);
    for (size_t i = 1; ok && i < n; i++)
        ok = isalnum((unsigned char)run_id[i]) || run_id[i] == '_' || run_id[i] == '-';
    if (!ok)
        return err_invalid(err, "run_id",
                           "Invalid value for parameter 'run_id': a run id is 1-%d characters, a "
                           "letter or digit followed by letters, digits, '_' or '-'",
                           REGISTRY_MAX_RUN_ID);
    return 0;
}

int registry_check_run_link(const char *run_link, err_t *err)
{
    if (run_link && registry_utf8_length(run_link) > REGISTRY_MAX_RUN_LINK)
        return err_invalid(err, "run_link",
                           "'run_link' exceeds the maximum length of %d characters",
                           REGISTRY_MAX_RUN_LINK);
    return 0;
}

int registry_parse_version(const char *text, int64_t *out, err_t *err)
{
    if (!text || !*text)
        return err_invalid(err, "version", "Missing value for required parameter 'version'.");
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    const char *start = p;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (isdigit((unsigned char)p[digits]))
        digits++;
    const char *end = p + digits;
    while (isspace((unsigned char)*end))
        end++;
    errno = 0;
    long long v = digits ? strtoll(start, NULL, 10) : 0;
    if (!digits || *end || errno == ERANGE)
        return err_invalid(err, "version", "Parameter 'version' must be an integer, got '%s'.",
                           text);
    *out = (int64_t)v;
    return 0;
}

static int provider_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == '.';
}

/* A required or optional string member of serving. *out is NULL when absent and optional. */
static int serving_string(const json_t *serving, const char *key, int required, const char **out,
                          err_t *err)
{
    char field[40];
    snprintf(field, sizeof field, "serving.%s", key);
    json_t *v = json_object_get(serving, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return err_invalid(err, field, "'%s' is required when serving is given", field);
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0)
        return err_invalid(err, field, "'%s' must be a non-empty string", field);
    if (memchr(json_string_value(v), '\0', json_string_length(v)))
        return err_invalid(err, field, "'%s' contains a NUL byte", field);
    *out = json_string_value(v);
    return 0;
}

json_t *registry_serving_normalize(const json_t *serving, err_t *err)
{
    if (!json_is_object(serving)) {
        err_invalid(err, "serving",
                    "'serving' must be an object {\"provider\", \"model\", \"base_url\"?, "
                    "\"params\"?}");
        return NULL;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)serving, key, value)
    {
        if (strcmp(key, "provider") != 0 && strcmp(key, "model") != 0 &&
            strcmp(key, "base_url") != 0 && strcmp(key, "params") != 0) {
            char field[96];
            snprintf(field, sizeof field, "serving.%.60s", key);
            err_invalid(err, field,
                        "unknown field '%s' (serving takes provider, model, base_url, params)",
                        field);
            return NULL;
        }
    }
    const char *provider, *model, *base_url;
    if (serving_string(serving, "provider", 1, &provider, err) != 0 ||
        serving_string(serving, "model", 1, &model, err) != 0 ||
        serving_string(serving, "base_url", 0, &base_url, err) != 0)
        return NULL;
    size_t plen = strlen(provider);
    int ok = plen <= REGISTRY_MAX_PROVIDER;
    for (size_t i = 0; ok && i < plen; i++)
        ok = provider_char(provider[i]);
    if (!ok) {
        err_invalid(err, "serving.provider",
                    "'serving.provider' must be 1-%d characters of letters, digits, '_', '-' and "
                    "'.' (e.g. \"openai\")",
                    REGISTRY_MAX_PROVIDER);
        return NULL;
    }
    if (registry_utf8_length(model) > REGISTRY_MAX_NAME) {
        err_invalid(err, "serving.model",
                    "'serving.model' exceeds the maximum length of %d characters",
                    REGISTRY_MAX_NAME);
        return NULL;
    }
    if (base_url &&
        ((strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0) ||
         strlen(base_url) > REGISTRY_MAX_BASE_URL)) {
        err_invalid(err, "serving.base_url",
                    "'serving.base_url' must be an http:// or https:// URL of at most %d "
                    "characters",
                    REGISTRY_MAX_BASE_URL);
        return NULL;
    }
    json_t *params = json_object_get(serving, "params");
    if (params && json_is_null(params))
        params = NULL;
    if (params) {
        if (!json_is_object(params)) {
            err_invalid(err, "serving.params",
                        "'serving.params' must be an object of default request parameters");
            return NULL;
        }
        char *text = json_to_string(params);
        size_t len = strlen(text);
        free(text);
        if (len > REGISTRY_MAX_SERVING_PARAM) {
            err_invalid(err, "serving.params", "'serving.params' exceeds %d bytes as JSON",
                        REGISTRY_MAX_SERVING_PARAM);
            return NULL;
        }
    }
    json_t *out = json_pack("{s:s, s:s}", "provider", provider, "model", model);
    if (base_url)
        json_object_set_new(out, "base_url", json_string(base_url));
    if (params)
        json_object_set_new(out, "params", json_deep_copy(params));
    return out;
}
