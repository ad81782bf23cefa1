/* test_gateway_keys.c - unit tests for gateway/keys.h on a real store: the secret is returned
 * once in the documented format and only its SHA-256 is stored, listings never show the
 * secret or its hash, revoking is idempotent (the first revoked_at is kept), validation names
 * the field, and spend shows once a gateway_key_usage table exists. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <ctype.h>
#include <jansson.h>

#include "gateway/keys.h"

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM gateway_keys");
    test_store_exec(f->store, "DROP TABLE IF EXISTS gateway_key_usage");
    return 0;
}

static json_t *create(fixture_t *f, const char *spec_text)
{
    json_t *spec = json_loads(spec_text, 0, NULL);
    assert_non_null(spec);
    err_t err;
    json_t *out = gateway_key_create(f->store, spec, &err);
    json_decref(spec);
    if (!out)
        fail_msg("create %s: %s", spec_text, err.message);
    return out;
}

static void secret_shown_once_hash_stored(void **state)
{
    fixture_t *f = *state;
    json_t *a = create(f, "{\"name\":\"ci\",\"allowed_endpoints\":[\"chat\",\"bot@prod\"],"
                          "\"rpm\":60,\"tpm\":1000,\"budget_usd\":5}");
    json_t *b = create(f, "{\"name\":\"other\"}");
    const char *secret = json_string_value(json_object_get(a, "secret"));
    assert_int_equal(strlen(secret), GW_KEY_SECRET_LEN);
    assert_memory_equal(secret, "llmops-", 7);
    for (const char *p = secret + 7; *p; p++)
        assert_true(isalnum((unsigned char)*p) || *p == '-' || *p == '_');
    assert_string_not_equal(secret, json_string_value(json_object_get(b, "secret")));
    json_t *key = json_object_get(a, "key");
    const char *id = json_string_value(json_object_get(key, "id"));
    assert_int_equal(strlen(id), 4 + 32);
    assert_memory_equal(id, "key_", 4);
    char prefix[9];
    snprintf(prefix, sizeof prefix, "%s", secret);
    assert_string_equal(json_string_value(json_object_get(key, "prefix")), prefix);
    assert_int_equal(json_integer_value(json_object_get(key, "rpm")), 60);
    assert_true(json_number_value(json_object_get(key, "budget_usd")) == 5.0);
    assert_true(json_is_null(json_object_get(key, "usage")));

    /* The store holds the hash, not the secret. */
    char hash[65];
    gateway_key_hash(secret, hash);
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    store_value_t p = sv_text(id);
    store_rows_t *rows = store_query(c,
                                     "SELECT secret_sha256, spec, prefix, name FROM gateway_keys "
                                     "WHERE id = ?",
                                     &p, 1, &err);
    store_release(f->store, c);
    assert_non_null(rows);
    assert_string_equal(store_rows_text(rows, 0, 0), hash);
    for (size_t col = 0; col < 4; col++)
        assert_null(strstr(store_rows_text(rows, 0, col), secret + 8));
    store_rows_free(rows);

    json_t *list = gateway_key_list(f->store, &err);
    char *text = json_dumps(list, 0);
    assert_null(strstr(text, secret + 8));
    assert_null(strstr(text, hash));
    assert_null(strstr(text, "secret"));
    assert_int_equal(json_array_size(json_object_get(list, "keys")), 2);
    free(text);
    json_decref(list);
    json_decref(a);
    json_decref(b);
}

static void revoke_is_idempotent(void **state)
{
    fixture_t *f = *state;
    json_t *a = create(f, "{\"name\":\"k\"}");
    const char *id = json_string_value(json_object_get(json_object_get(a, "key"), "id"));
    err_t err;
    json_t *r1 = gateway_key_revoke(f->store, id, &err);
    assert_non_null(r1);
    json_t *at = json_object_get(r1, "revoked_at");
    assert_true(json_is_integer(at));
    json_t *r2 = gateway_key_revoke(f->store, id, &err);
    assert_non_null(r2);
    assert_true(json_equal(json_object_get(r2, "revoked_at"), at));
    assert_null(gateway_key_revoke(f->store, "key_nope", &err));
    assert_int_equal(err.status, 404);
    assert_null(gateway_key_get(f->store, "key_nope", &err));
    assert_int_equal(err.status, 404);
    json_decref(r1);
    json_decref(r2);
    json_decref(a);
}

static void validation_names_field(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *spec, *field;
    } bad[] = {
        {"{}", "name"},
        {"{\"name\":\"\"}", "name"},
        {"{\"name\":\"k\",\"rpm\":-1}", "rpm"},
        {"{\"name\":\"k\",\"tpm\":1.5}", "tpm"},
        {"{\"name\":\"k\",\"budget_usd\":-2}", "budget_usd"},
        {"{\"name\":\"k\",\"budget_usd\":\"5\"}", "budget_usd"},
        {"{\"name\":\"k\",\"allowed_endpoints\":\"chat\"}", "allowed_endpoints"},
        {"{\"name\":\"k\",\"allowed_endpoints\":[\"ok\",\"bad name\"]}", "allowed_endpoints[1]"},
        {"{\"name\":\"k\",\"owner\":\"me\"}", "owner"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *spec = json_loads(bad[i].spec, 0, NULL);
        err_t err;
        err_clear(&err);
        json_t *out = gateway_key_create(f->store, spec, &err);
        if (out)
            fail_msg("bad key spec %zu accepted", i);
        assert_int_equal(err.status, 400);
        if (strcmp(err.field, bad[i].field) != 0)
            fail_msg("bad key spec %zu: field '%s', expected '%s'", i, err.field, bad[i].field);
        json_decref(spec);
    }
    err_t err;
    json_t *list = gateway_key_list(f->store, &err);
    assert_int_equal(json_array_size(json_object_get(list, "keys")), 0);
    json_decref(list);
}

static void usage_shows_when_table_exists(void **state)
{
    fixture_t *f = *state;
    json_t *a = create(f, "{\"name\":\"k\"}");
    const char *id = json_string_value(json_object_get(json_object_get(a, "key"), "id"));
    test_store_exec(f->store, "CREATE TABLE gateway_key_usage (key_id TEXT PRIMARY KEY, "
                              "spent_usd DOUBLE PRECISION NOT NULL, requests BIGINT NOT NULL, "
                              "input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, "
                              "updated_ms BIGINT NOT NULL)");
    err_t err;
    json_t *key = gateway_key_get(f->store, id, &err);
    assert_true(json_number_value(json_object_get(json_object_get(key, "usage"), "spent_usd")) ==
                0.0);
    json_decref(key);
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO gateway_key_usage VALUES ('%s', 1.25, 3, 100, 50, 0)",
             id);
    test_store_exec(f->store, sql);
    key = gateway_key_get(f->store, id, &err);
    json_t *usage = json_object_get(key, "usage");
    assert_true(json_number_value(json_object_get(usage, "spent_usd")) == 1.25);
    assert_int_equal(json_integer_value(json_object_get(usage, "requests")), 3);
    assert_int_equal(json_integer_value(json_object_get(usage, "output_tokens")), 50);
    json_decref(key);
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(secret_shown_once_hash_stored, setup),
        cmocka_unit_test_setup(revoke_is_idempotent, setup),
        cmocka_unit_test_setup(validation_names_field, setup),
        cmocka_unit_test_setup(usage_shows_when_table_exists, setup),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "gateway keys");
}
