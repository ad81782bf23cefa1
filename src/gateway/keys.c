/* keys.c - creating, listing and revoking gateway API keys (see keys.h). */
#include "gateway/keys.h"

#include <math.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "gateway/endpoints.h"

void gateway_key_hash(const char *secret, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(secret, strlen(secret), md, &len, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

/* "llmops-" + base64url (no padding) of 32 random bytes: OpenSSL's base64, with '+' and '/'
 * made URL-safe and the one '=' of padding dropped (44 characters become 43). */
static void new_secret(char out[GW_KEY_SECRET_LEN + 1])
{
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        fprintf(stderr, "llmops: the OpenSSL random generator failed\n");
        abort();
    }
    size_t prefix = strlen(GW_KEY_PREFIX);
    unsigned char b64[45];
    EVP_EncodeBlock(b64, raw, sizeof raw);
    memcpy(out, GW_KEY_PREFIX, prefix);
    for (size_t i = 0; i < 43; i++)
        out[prefix + i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
    out[prefix + 43] = '\0';
}

static int limit_int(const json_t *spec, const char *key, json_int_t *out, err_t *err)
{
    json_t *v = json_object_get(spec, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return err_invalid(err, key, "'%s' must be an integer >= 0 (0: unlimited)", key);
    *out = json_integer_value(v);
    return 0;
}

json_t *gateway_key_validate(const json_t *spec, const char **name, err_t *err)
{
    if (!json_is_object(spec)) {
        err_invalid(err, "", "a key spec must be a JSON object");
        return NULL;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)spec, key, value)
    {
        if (strcmp(key, "name") && strcmp(key, "allowed_endpoints") && strcmp(key, "rpm") &&
            strcmp(key, "tpm") && strcmp(key, "budget_usd")) {
            char field[96];
            snprintf(field, sizeof field, "%.90s", key);
            err_invalid(err, field,
                        "unknown field '%s' (a key takes name, allowed_endpoints, rpm, tpm, "
                        "budget_usd)",
                        field);
            return NULL;
        }
    }
    if (json_field_string(spec, "name", 1, GW_KEY_NAME_MAX, name, err) != 0)
        return NULL;
    if (!**name) {
        err_invalid(err, "name", "'name' must not be empty");
        return NULL;
    }
    json_t *allowed = json_object_get(spec, "allowed_endpoints");
    if (allowed && !json_is_null(allowed)) {
        if (!json_is_array(allowed) || json_array_size(allowed) > 1000) {
            err_invalid(err, "allowed_endpoints",
                        "'allowed_endpoints' must be a list of endpoint names or model "
                        "references, or null for all");
            return NULL;
        }
        for (size_t i = 0; i < json_array_size(allowed); i++) {
            const char *entry = json_string_value(json_array_get(allowed, i));
            char field[48], *n = NULL, *a = NULL;
            int64_t v;
            snprintf(field, sizeof field, "allowed_endpoints[%zu]", i);
            int is_ref = entry && gateway_parse_model_ref(entry, &n, &a, &v) == 0;
            free(n);
            free(a);
            if (!is_ref && gateway_check_endpoint_name(entry, field, err) != 0) {
                err_invalid(err, field,
                            "'%s' must be an endpoint name or a model reference (name@alias, "
                            "name/N)",
                            field);
                return NULL;
            }
        }
    } else {
        allowed = NULL;
    }
    json_int_t rpm, tpm;
    if (limit_int(spec, "rpm", &rpm, err) != 0 || limit_int(spec, "tpm", &tpm, err) != 0)
        return NULL;
    json_t *budget = json_object_get(spec, "budget_usd");
    if (budget && !json_is_null(budget) &&
        (!json_is_number(budget) || !isfinite(json_number_value(budget)) ||
         json_number_value(budget) < 0)) {
        err_invalid(err, "budget_usd", "'budget_usd' must be a number >= 0, or null for none");
        return NULL;
    }
    return json_pack("{s:O, s:I, s:I, s:o}", "allowed_endpoints", allowed ? allowed : json_null(),
                     "rpm", rpm, "tpm", tpm, "budget_usd",
                     budget && !json_is_null(budget) ? json_real(json_number_value(budget))
                                                     : json_null());
}

int gateway_usage_table_exists(store_conn_t *c, err_t *err)
{
    const char *sql = store_conn_kind(c) == STORE_SQLITE
                          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                            "name = 'gateway_key_usage'"
                          : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                            "current_schema() AND table_name = 'gateway_key_usage'";
    store_rows_t *rows = store_query(c, sql, NULL, 0, err);
    if (!rows)
        return -1;
    int exists = store_rows_int(rows, 0, 0) > 0;
    store_rows_free(rows);
    return exists;
}

#define KEY_COLUMNS "k.id, k.name, k.prefix, k.spec, k.created_ms, k.revoked_ms"

static json_t *key_row(const store_rows_t *rows, size_t r, int with_usage)
{
    json_t *spec = json_loads(store_rows_text(rows, r, 3), 0, NULL);
    json_t *key = json_pack("{s:s, s:s, s:s}", "id", store_rows_text(rows, r, 0), "name",
                            store_rows_text(rows, r, 1), "prefix", store_rows_text(rows, r, 2));
    static const char *const limits[] = {"allowed_endpoints", "rpm", "tpm", "budget_usd"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(spec, limits[i]);
        json_object_set(key, limits[i], v ? v : json_null());
    }
    json_decref(spec);
    json_object_set_new(key, "created_at", json_integer(store_rows_int(rows, r, 4)));
    json_object_set_new(key, "revoked_at",
                        store_rows_is_null(rows, r, 5) ? json_null()
                                                       : json_integer(store_rows_int(rows, r, 5)));
    if (with_usage)
        json_object_set_new(key, "usage",
                            json_pack("{s:f, s:I, s:I, s:I}", "spent_usd",
                                      store_rows_real(rows, r, 6), "requests",
                                      (json_int_t)store_rows_int(rows, r, 7), "input_tokens",
                                      (json_int_t)store_rows_int(rows, r, 8), "output_tokens",
                                      (json_int_t)store_rows_int(rows, r, 9)));
    else
        json_object_set_new(key, "usage", json_null());
    return key;
}

/* Keys (one by id, or all when id is NULL) with their usage when the table exists. */
static json_t *query_keys(store_conn_t *c, const char *id, err_t *err)
{
    int usage = gateway_usage_table_exists(c, err);
    if (usage < 0)
        return NULL;
    buf_t sql;
    buf_init(&sql);
    buf_append_str(&sql, "SELECT " KEY_COLUMNS);
    if (usage)
        buf_append_str(&sql, ", COALESCE(u.spent_usd, 0), COALESCE(u.requests, 0), "
                             "COALESCE(u.input_tokens, 0), COALESCE(u.output_tokens, 0) FROM "
                             "gateway_keys k LEFT JOIN gateway_key_usage u ON u.key_id = k.id");
    else
        buf_append_str(&sql, " FROM gateway_keys k");
    buf_append_str(&sql, id ? " WHERE k.id = ?" : " ORDER BY k.created_ms DESC, k.id DESC");
    store_value_t p = sv_text(id);
    store_rows_t *rows = store_query(c, buf_str(&sql), &p, id ? 1 : 0, err);
    buf_free(&sql);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(list, key_row(rows, r, usage));
    store_rows_free(rows);
    return list;
}

static json_t *fetch(store_conn_t *c, const char *id, err_t *err)
{
    json_t *list = query_keys(c, id, err);
    if (!list)
        return NULL;
    json_t *key = json_incref(json_array_get(list, 0));
    json_decref(list);
    if (!key)
        err_not_found(err, "key '%s' not found", id);
    return key;
}

json_t *gateway_key_create(store_t *s, const json_t *spec, err_t *err)
{
    const char *name;
    json_t *limits = gateway_key_validate(spec, &name, err);
    if (!limits)
        return NULL;
    char secret[GW_KEY_SECRET_LEN + 1], hash[65], hex[ID_HEX_LEN + 1], id[ID_HEX_LEN + 8];
    char prefix[GW_KEY_SHOWN + 1];
    new_secret(secret);
    gateway_key_hash(secret, hash);
    ids_uuid7_hex(hex);
    snprintf(id, sizeof id, "key_%s", hex);
    memcpy(prefix, secret, GW_KEY_SHOWN); /* what people recognise the key by */
    prefix[GW_KEY_SHOWN] = '\0';
    char *text = json_to_string(limits);
    json_decref(limits);
    store_value_t p[] = {sv_text(id),     sv_text(name), sv_text(hash),
                         sv_text(prefix), sv_text(text), sv_int(clock_now_ms())};
    store_conn_t *c = store_acquire(s);
    json_t *key = NULL;
    if (store_exec(c,
                   "INSERT INTO gateway_keys (id, name, secret_sha256, prefix, spec, created_ms) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   p, 6, err) >= 0)
        key = fetch(c, id, err);
    store_release(s, c);
    free(text);
    return key ? json_pack("{s:o, s:s}", "key", key, "secret", secret) : NULL;
}

json_t *gateway_key_get(store_t *s, const char *id, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    json_t *key = fetch(c, id, err);
    store_release(s, c);
    return key;
}

json_t *gateway_key_list(store_t *s, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    json_t *list = query_keys(c, NULL, err);
    store_release(s, c);
    return list ? json_pack("{s:o}", "keys", list) : NULL;
}

json_t *gateway_key_revoke(store_t *s, const char *id, err_t *err)
{
    store_value_t p[] = {sv_int(clock_now_ms()), sv_text(id)};
    store_conn_t *c = store_acquire(s);
    json_t *key = NULL;
    /* Only a live key gets a revoked_at: revoking again keeps the first time. */
    if (store_exec(c, "UPDATE gateway_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL",
                   p, 2, err) >= 0)
        key = fetch(c, id, err);
    store_release(s, c);
    return key;
}
