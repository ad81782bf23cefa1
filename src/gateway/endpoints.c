/* endpoints.c - validating endpoint specs and storing them (see endpoints.h).
 *
 * The validator walks the spec once, checking every key against the closed list of its
 * object, so a misspelt option ("weigth") is an error rather than a silently ignored field. */
#include "gateway/endpoints.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "prompts/prompts.h"
#include "registry/registry_validate.h"

int gateway_check_endpoint_name(const char *name, const char *field, err_t *err)
{
    size_t n = name ? strlen(name) : 0;
    int ok = n >= 1 && n <= GW_NAME_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("_-.:", name[i]) != NULL;
    if (!ok)
        return err_invalid(err, field,
                           "'%s' must be 1-%d characters of letters, digits, '_', '-', '.' and "
                           "':' (no '@' or '/', which mark model references)",
                           field, GW_NAME_MAX);
    return 0;
}

/* "name@alias" / "name/N" split at the last '@' or the last '/' (names may hold either). */
static int parse_ref(const char *ref, char **name, char **alias, int64_t *version)
{
    *name = NULL;
    *alias = NULL;
    *version = 0;
    const char *at = strrchr(ref, '@');
    if (at) {
        if (at == ref || !at[1])
            return -1;
        *name = xstrndup(ref, (size_t)(at - ref));
        *alias = xstrdup(at + 1);
        return 0;
    }
    const char *slash = strrchr(ref, '/');
    if (!slash || slash == ref || !slash[1] || strlen(slash + 1) > 15)
        return -1;
    int64_t v = 0;
    for (const char *p = slash + 1; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        return -1;
    *name = xstrndup(ref, (size_t)(slash - ref));
    *version = v;
    return 0;
}

int gateway_parse_model_ref(const char *ref, char **name, char **alias, int64_t *version)
{
    if (!ref)
        return -1;
    if (strncmp(ref, "models:/", 8) == 0)
        ref += 8;
    if (parse_ref(ref, name, alias, version) != 0)
        return -1;
    err_t err;
    if (registry_check_name(*name, "name", &err) != 0 ||
        (*alias && registry_check_alias(*alias, &err) != 0)) {
        free(*name);
        free(*alias);
        *name = *alias = NULL;
        return -1;
    }
    return 0;
}

int gateway_parse_prompt_ref(const char *ref, char **name, char **alias, int64_t *version)
{
    if (!ref || parse_ref(ref, name, alias, version) != 0)
        return -1;
    err_t err;
    if (prompts_check_name(*name, &err) != 0 ||
        (*alias && prompts_check_alias(*alias, &err) != 0)) {
        free(*name);
        free(*alias);
        *name = *alias = NULL;
        return -1;
    }
    return 0;
}

/* ---- validation ------------------------------------------------------------------------------ */

/* Refuse any key of obj not in allowed (NULL-terminated); prefix names obj ("targets[0]"). */
static int only_keys(const json_t *obj, const char *prefix, const char *const *allowed,
                     const char *listing, err_t *err)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(key, *a) == 0;
        if (!known) {
            char field[96];
            snprintf(field, sizeof field, "%s%s%.60s", prefix, *prefix ? "." : "", key);
            return err_invalid(err, field, "unknown field '%s' (%s%stakes %s)", field, prefix,
                               *prefix ? " " : "", listing);
        }
    }
    return 0;
}

/* An optional integer member in [lo, hi]. */
static int int_member(const json_t *obj, const char *prefix, const char *key, int64_t lo,
                      int64_t hi, err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    char field[96];
    snprintf(field, sizeof field, "%s%s%s", prefix, *prefix ? "." : "", key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return err_invalid(err, field, "'%s' must be an integer from %lld to %lld", field,
                           (long long)lo, (long long)hi);
    return 0;
}

static int bool_member(const json_t *obj, const char *prefix, const char *key, err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_boolean(v))
        return 0;
    char field[96];
    snprintf(field, sizeof field, "%s.%s", prefix, key);
    return err_invalid(err, field, "'%s' must be true or false", field);
}

/* An optional (or required) string member of 1..max bytes; *out NULL when absent. */
static int str_member(const json_t *obj, const char *prefix, const char *key, int required,
                      size_t max, const char **out, err_t *err)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    char field[96];
    snprintf(field, sizeof field, "%s%s%s", prefix, *prefix ? "." : "", key);
    if (!v) {
        if (required)
            return err_invalid(err, field, "'%s' is required", field);
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return err_invalid(err, field, "'%s' must be a string of 1-%zu bytes", field, max);
    *out = json_string_value(v);
    return 0;
}

static int check_api_key_env(const char *name, const char *field, err_t *err)
{
    int ok = name && (isalpha((unsigned char)name[0]) || name[0] == '_') && strlen(name) <= 128;
    for (const char *p = name; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok)
        return err_invalid(err, field,
                           "'%s' must name an environment variable (letters, digits and '_', "
                           "not starting with a digit)",
                           field);
    return 0;
}

static int check_target(const json_t *t, size_t i, err_t *err)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "targets[%zu]", i);
    if (!json_is_object(t))
        return err_invalid(err, prefix, "'%s' must be an object", prefix);
    int is_ref = json_object_get(t, "model_ref") != NULL;
    static const char *const direct_keys[] = {"name",        "provider",    "model",  "base_url",
                                              "api_key_env", "api_version", "params", "weight",
                                              "timeout_ms",  "max_retries", "prompt", NULL};
    static const char *const ref_keys[] = {"model_ref",   "name",   "weight", "timeout_ms",
                                           "max_retries", "prompt", NULL};
    if (is_ref) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)t, key, value)
        {
            if (strcmp(key, "provider") == 0 || strcmp(key, "model") == 0 ||
                strcmp(key, "base_url") == 0 || strcmp(key, "api_key_env") == 0 ||
                strcmp(key, "api_version") == 0 || strcmp(key, "params") == 0) {
                char field[96];
                snprintf(field, sizeof field, "%s.%s", prefix, key);
                return err_invalid(err, field,
                                   "'%s' cannot be given with model_ref: the registered "
                                   "version's serving spec supplies it",
                                   field);
            }
        }
    }
    if (only_keys(t, prefix, is_ref ? ref_keys : direct_keys,
                  is_ref ? "model_ref, name, weight, timeout_ms, max_retries, prompt"
                         : "name, provider, model, base_url, api_key_env, api_version, params, "
                           "weight, timeout_ms, max_retries, prompt (or model_ref)",
                  err) != 0)
        return -1;
    char field[96];
    const char *s;
    if (str_member(t, prefix, "name", 0, 64, &s, err) != 0)
        return -1;
    if (s) {
        snprintf(field, sizeof field, "%s.name", prefix);
        if (gateway_check_endpoint_name(s, field, err) != 0)
            return -1;
    }
    if (is_ref) {
        if (str_member(t, prefix, "model_ref", 1, 600, &s, err) != 0)
            return -1;
        char *name, *alias;
        int64_t version;
        if (gateway_parse_model_ref(s, &name, &alias, &version) != 0) {
            snprintf(field, sizeof field, "%s.model_ref", prefix);
            return err_invalid(err, field,
                               "'%s' must be a registered model reference: name@alias, name/N, "
                               "models:/name@alias or models:/name/N",
                               field);
        }
        free(name);
        free(alias);
    } else {
        provider_kind_t kind;
        if (str_member(t, prefix, "provider", 1, 64, &s, err) != 0)
            return -1;
        snprintf(field, sizeof field, "%s.provider", prefix);
        if (provider_kind_parse(s, field, &kind, err) != 0)
            return -1;
        if (str_member(t, prefix, "model", 1, 250, &s, err) != 0 ||
            str_member(t, prefix, "base_url", 0, REGISTRY_MAX_BASE_URL, &s, err) != 0)
            return -1;
        if (s && strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
            snprintf(field, sizeof field, "%s.base_url", prefix);
            return err_invalid(err, field, "'%s' must be an http:// or https:// URL", field);
        }
        if (str_member(t, prefix, "api_key_env", 0, 128, &s, err) != 0)
            return -1;
        snprintf(field, sizeof field, "%s.api_key_env", prefix);
        if (s && check_api_key_env(s, field, err) != 0)
            return -1;
        if (str_member(t, prefix, "api_version", 0, 64, &s, err) != 0)
            return -1;
        json_t *params = json_object_get(t, "params");
        if (params && !json_is_object(params)) {
            snprintf(field, sizeof field, "%s.params", prefix);
            return err_invalid(err, field,
                               "'%s' must be an object of request parameters (e.g. "
                               "{\"temperature\": 0})",
                               field);
        }
    }
    if (int_member(t, prefix, "weight", 0, 1000000, err) != 0 ||
        int_member(t, prefix, "timeout_ms", 1, 3600000, err) != 0 ||
        int_member(t, prefix, "max_retries", 0, 10, err) != 0 ||
        str_member(t, prefix, "prompt", 0, 600, &s, err) != 0)
        return -1;
    if (s) {
        char *name, *alias;
        int64_t version;
        if (gateway_parse_prompt_ref(s, &name, &alias, &version) != 0) {
            snprintf(field, sizeof field, "%s.prompt", prefix);
            return err_invalid(err, field, "'%s' must be a prompt reference: name@alias or name/N",
                               field);
        }
        free(name);
        free(alias);
    }
    return 0;
}

json_t *gateway_endpoint_validate(const json_t *spec, err_t *err)
{
    static const char *const keys[] = {"name",  "description", "targets", "cache",
                                       "retry", "breaker",     NULL};
    if (!json_is_object(spec)) {
        err_invalid(err, "", "an endpoint spec must be a JSON object");
        return NULL;
    }
    const char *s;
    if (only_keys(spec, "", keys,
                  "an endpoint takes name, description, targets, cache, retry, "
                  "breaker",
                  err) != 0 ||
        str_member(spec, "", "name", 1, GW_NAME_MAX, &s, err) != 0 ||
        gateway_check_endpoint_name(s, "name", err) != 0)
        return NULL;
    json_t *d = json_object_get(spec, "description");
    if (d && !json_is_null(d) &&
        (!json_is_string(d) || json_string_length(d) > GW_DESCRIPTION_MAX)) {
        err_invalid(err, "description", "'description' must be a string of at most %d bytes",
                    GW_DESCRIPTION_MAX);
        return NULL;
    }
    json_t *targets = json_object_get(spec, "targets");
    if (!json_is_array(targets) || json_array_size(targets) == 0 ||
        json_array_size(targets) > GW_MAX_TARGETS) {
        err_invalid(err, "targets", "'targets' must be a list of 1-%d targets", GW_MAX_TARGETS);
        return NULL;
    }
    int any_weight = 0;
    for (size_t i = 0; i < json_array_size(targets); i++) {
        json_t *t = json_array_get(targets, i);
        if (check_target(t, i, err) != 0)
            return NULL;
        json_t *w = json_object_get(t, "weight");
        if (!w || json_integer_value(w) > 0)
            any_weight = 1;
        const char *label = json_string_value(json_object_get(t, "name"));
        for (size_t j = 0; label && j < i; j++)
            if (json_equal(json_object_get(json_array_get(targets, j), "name"),
                           json_object_get(t, "name"))) {
                char field[48];
                snprintf(field, sizeof field, "targets[%zu].name", i);
                err_invalid(err, field, "'%s' repeats the name of targets[%zu]", field, j);
                return NULL;
            }
    }
    if (!any_weight) {
        err_invalid(err, "targets", "at least one target needs a weight above 0");
        return NULL;
    }
    json_t *cache = json_object_get(spec, "cache");
    if (cache) {
        static const char *const cache_keys[] = {"enabled", "ttl_s", "allow_nondeterministic",
                                                 NULL};
        if (!json_is_object(cache)) {
            err_invalid(err, "cache", "'cache' must be an object");
            return NULL;
        }
        if (only_keys(cache, "cache", cache_keys, "enabled, ttl_s, allow_nondeterministic", err) !=
                0 ||
            bool_member(cache, "cache", "enabled", err) != 0 ||
            bool_member(cache, "cache", "allow_nondeterministic", err) != 0 ||
            int_member(cache, "cache", "ttl_s", 1, 30 * 86400, err) != 0)
            return NULL;
    }
    json_t *retry = json_object_get(spec, "retry");
    if (retry) {
        static const char *const retry_keys[] = {"backoff_ms", "backoff_max_ms", NULL};
        if (!json_is_object(retry)) {
            err_invalid(err, "retry", "'retry' must be an object");
            return NULL;
        }
        if (only_keys(retry, "retry", retry_keys, "backoff_ms, backoff_max_ms", err) != 0 ||
            int_member(retry, "retry", "backoff_ms", 0, 600000, err) != 0 ||
            int_member(retry, "retry", "backoff_max_ms", 0, 600000, err) != 0)
            return NULL;
        json_t *b = json_object_get(retry, "backoff_ms"),
               *m = json_object_get(retry, "backoff_max_ms");
        if (b && m && json_integer_value(m) < json_integer_value(b)) {
            err_invalid(err, "retry.backoff_max_ms",
                        "'retry.backoff_max_ms' must not be below 'retry.backoff_ms'");
            return NULL;
        }
    }
    json_t *breaker = json_object_get(spec, "breaker");
    if (breaker) {
        static const char *const breaker_keys[] = {"failures", "cooldown_ms", NULL};
        if (!json_is_object(breaker)) {
            err_invalid(err, "breaker", "'breaker' must be an object");
            return NULL;
        }
        if (only_keys(breaker, "breaker", breaker_keys, "failures, cooldown_ms", err) != 0 ||
            int_member(breaker, "breaker", "failures", 1, 1000, err) != 0 ||
            int_member(breaker, "breaker", "cooldown_ms", 0, 3600000, err) != 0)
            return NULL;
    }
    return json_deep_copy(spec);
}

/* ---- store ----------------------------------------------------------------------------------- */

#define ENDPOINT_COLUMNS "name, spec, description, created_ms, updated_ms"

static json_t *endpoint_row(const store_rows_t *rows, size_t r)
{
    json_t *spec = json_loads(store_rows_text(rows, r, 1), 0, NULL);
    return json_pack("{s:s, s:s, s:o, s:s, s:I, s:I}", "name", store_rows_text(rows, r, 0),
                     "description", store_rows_text(rows, r, 2), "spec",
                     spec ? spec : json_object(), "source", "api", "created_at",
                     (json_int_t)store_rows_int(rows, r, 3), "updated_at",
                     (json_int_t)store_rows_int(rows, r, 4));
}

static json_t *fetch(store_conn_t *c, const char *name, err_t *err)
{
    store_value_t p = sv_text(name);
    store_rows_t *rows = store_query(
        c, "SELECT " ENDPOINT_COLUMNS " FROM gateway_endpoints WHERE name = ?", &p, 1, err);
    if (!rows)
        return NULL;
    json_t *out = NULL;
    if (store_rows_count(rows) == 1)
        out = endpoint_row(rows, 0);
    else
        err_not_found(err, "endpoint '%s' not found", name);
    store_rows_free(rows);
    return out;
}

static const char *description_of(const json_t *spec)
{
    const char *d = json_string_value(json_object_get(spec, "description"));
    return d ? d : "";
}

json_t *gateway_endpoint_create(store_t *s, const json_t *spec, err_t *err)
{
    json_t *clean = gateway_endpoint_validate(spec, err);
    if (!clean)
        return NULL;
    const char *name = json_string_value(json_object_get(clean, "name"));
    char *text = json_to_string(clean);
    int64_t now = clock_now_ms();
    store_value_t p[] = {sv_text(name), sv_text(text), sv_text(description_of(clean)), sv_int(now),
                         sv_int(now)};
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_exec(c, "INSERT INTO gateway_endpoints (" ENDPOINT_COLUMNS ") VALUES (?, ?, ?, ?, ?)",
                   p, 5, err) >= 0)
        out = fetch(c, name, err);
    else if (err && err->status == 409)
        err_conflict(err, "endpoint '%s' already exists", name);
    store_release(s, c);
    free(text);
    json_decref(clean);
    return out;
}

json_t *gateway_endpoint_get(store_t *s, const char *name, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    json_t *out = fetch(c, name, err);
    store_release(s, c);
    return out;
}

json_t *gateway_endpoint_list(store_t *s, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c, "SELECT " ENDPOINT_COLUMNS " FROM gateway_endpoints ORDER BY name", NULL, 0, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(list, endpoint_row(rows, r));
    store_rows_free(rows);
    return json_pack("{s:o}", "endpoints", list);
}

json_t *gateway_endpoint_update(store_t *s, const char *name, const json_t *spec, err_t *err)
{
    if (!json_is_object(spec)) {
        err_invalid(err, "", "an endpoint spec must be a JSON object");
        return NULL;
    }
    const char *given = json_string_value(json_object_get(spec, "name"));
    if (json_object_get(spec, "name") && (!given || strcmp(given, name) != 0)) {
        err_invalid(err, "name",
                    "'name' must be '%s', the endpoint being replaced (to rename, delete and "
                    "create)",
                    name);
        return NULL;
    }
    json_t *named = json_deep_copy(spec);
    json_object_set_new(named, "name", json_string(name));
    json_t *clean = gateway_endpoint_validate(named, err);
    json_decref(named);
    if (!clean)
        return NULL;
    char *text = json_to_string(clean);
    store_value_t p[] = {sv_text(text), sv_text(description_of(clean)), sv_int(clock_now_ms()),
                         sv_text(name)};
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    int64_t n = store_exec(
        c, "UPDATE gateway_endpoints SET spec = ?, description = ?, updated_ms = ? WHERE name = ?",
        p, 4, err);
    if (n == 0)
        err_not_found(err, "endpoint '%s' not found", name);
    else if (n > 0)
        out = fetch(c, name, err);
    store_release(s, c);
    free(text);
    json_decref(clean);
    return out;
}

int gateway_endpoint_delete(store_t *s, const char *name, err_t *err)
{
    store_value_t p = sv_text(name);
    store_conn_t *c = store_acquire(s);
    int64_t n = store_exec(c, "DELETE FROM gateway_endpoints WHERE name = ?", &p, 1, err);
    store_release(s, c);
    if (n < 0)
        return -1;
    if (n == 0)
        return err_not_found(err, "endpoint '%s' not found", name);
    return 0;
}
