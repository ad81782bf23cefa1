/* test_gateway_config.c - unit tests for gateway/gateway_config.h on a real store: endpoint
 * lookup with defaults, model_ref targets resolved through registry aliases and versions (and
 * re-resolved after the alias moves and the snapshot reloads), request-time model refs with
 * the reason for a miss, a prompt-backed target, keys by hash (a revoked key disappears),
 * prices (exact, "*" fallback, unknown NULL), a target that no longer resolves being skipped,
 * config-file endpoints (YAML read, shadowing a stored one, errors naming file and field), and
 * the /v1/models list. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>

#include "gateway/endpoints.h"
#include "gateway/file_endpoints.h"
#include "gateway/gateway_config.h"
#include "gateway/keys.h"
#include "gateway/prices.h"
#include "prompts/prompts.h"
#include "registry/aliases.h"
#include "registry/models.h"
#include "registry/versions.h"

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    static const char *const tables[] = {"gateway_endpoints", "gateway_keys", "gateway_prices",
                                         "registry_models", "prompts"};
    for (size_t i = 0; i < 5; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
        test_store_exec(f->store, sql);
    }
    return 0;
}

static json_t *j(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    if (!v)
        fail_msg("bad test JSON: %s", text);
    return v;
}

static void endpoint(fixture_t *f, const char *spec_text)
{
    json_t *spec = j(spec_text);
    err_t err;
    json_t *out = gateway_endpoint_create(f->store, spec, &err);
    if (!out)
        fail_msg("endpoint %s: %s", spec_text, err.message);
    json_decref(out);
    json_decref(spec);
}

/* Model "bot": v1 serves openai gpt-a, v2 serves anthropic claude-b, v3 has no serving spec;
 * alias prod -> 1, none -> 3. */
static void registry(fixture_t *f)
{
    err_t err;
    registry_model_in_t m = {.name = "bot"};
    json_decref(registry_model_create(f->store, &m, &err));
    const char *servings[] = {
        "{\"provider\":\"openai\",\"model\":\"gpt-a\",\"params\":{\"temperature\":0}}",
        "{\"provider\":\"anthropic\",\"model\":\"claude-b\",\"base_url\":\"https://a.test/v1\"}",
        NULL};
    for (int i = 0; i < 3; i++) {
        json_t *serving = servings[i] ? j(servings[i]) : NULL;
        registry_version_in_t v = {.name = "bot", .source = "s3://b/m", .serving = serving};
        json_t *out = registry_version_create(f->store, &v, &err);
        if (!out)
            fail_msg("version: %s", err.message);
        json_decref(out);
        json_decref(serving);
    }
    json_decref(registry_alias_set(f->store, "bot", "prod", 1, &err));
    json_decref(registry_alias_set(f->store, "bot", "none", 3, &err));
}

static gateway_config_src_t *start(fixture_t *f, const json_t *file)
{
    err_t err;
    gateway_config_src_t *src = gateway_config_start(f->store, file, 0, &err);
    if (!src)
        fail_msg("gateway_config_start: %s", err.message);
    return src;
}

static void reload(gateway_config_src_t *src)
{
    err_t err;
    if (gateway_config_reload(src, &err) != 0)
        fail_msg("reload: %s", err.message);
}

static void endpoint_lookup_and_model_refs(void **state)
{
    fixture_t *f = *state;
    registry(f);
    endpoint(f, "{\"name\":\"chat\",\"targets\":[{\"name\":\"main\",\"provider\":\"openai\","
                "\"model\":\"gpt-4o\",\"weight\":90,\"api_key_env\":\"K\"},{\"model_ref\":"
                "\"bot@prod\",\"weight\":10,\"timeout_ms\":5000}],\"cache\":{\"enabled\":true},"
                "\"breaker\":{\"failures\":2}}");
    gateway_config_src_t *src = start(f, NULL);
    const gateway_config_t *cfg = gateway_config_acquire(src);
    const gw_endpoint_t *e = gateway_config_endpoint(cfg, "chat");
    assert_non_null(e);
    assert_null(gateway_config_endpoint(cfg, "nope"));
    assert_int_equal(e->ntargets, 2);
    assert_true(e->cache_enabled);
    assert_int_equal(e->cache_ttl_s, 300);
    assert_int_equal(e->breaker_failures, 2);
    assert_int_equal(e->breaker_cooldown_ms, 30000);
    assert_int_equal(e->backoff_ms, 100);
    const gw_target_t *t0 = &e->targets[0], *t1 = &e->targets[1];
    assert_string_equal(t0->label, "main");
    assert_int_equal(t0->kind, PROVIDER_OPENAI);
    assert_string_equal(t0->api_key_env, "K");
    assert_int_equal(t0->weight, 90);
    assert_int_equal(t0->timeout_ms, 60000);
    assert_int_equal(t0->max_retries, 2);
    assert_true(json_is_object(t0->params));
    assert_null(t0->model_name);
    assert_string_equal(t1->label, "1");
    assert_string_equal(t1->model, "gpt-a");
    assert_string_equal(t1->model_name, "bot");
    assert_int_equal(t1->model_version, 1);
    assert_string_equal(t1->model_alias, "prod");
    assert_int_equal(t1->timeout_ms, 5000);
    assert_int_equal(json_integer_value(json_object_get(t1->params, "temperature")), 0);

    const char *why = NULL;
    const gw_endpoint_t *r = gateway_config_model_ref(cfg, "models:/bot/2", &why);
    assert_non_null(r);
    assert_int_equal(r->ntargets, 1);
    assert_int_equal(r->targets[0].kind, PROVIDER_ANTHROPIC);
    assert_string_equal(r->targets[0].base_url, "https://a.test/v1");
    assert_int_equal(r->targets[0].model_version, 2);
    assert_null(r->targets[0].model_alias);
    assert_non_null(gateway_config_model_ref(cfg, "bot@prod", &why));
    assert_null(gateway_config_model_ref(cfg, "bot/3", &why));
    assert_non_null(strstr(why, "serving"));
    assert_null(gateway_config_model_ref(cfg, "bot@none", &why));
    assert_non_null(strstr(why, "serving"));
    assert_null(gateway_config_model_ref(cfg, "bot/9", &why));
    assert_non_null(strstr(why, "version"));
    assert_null(gateway_config_model_ref(cfg, "bot@staging", &why));
    assert_non_null(strstr(why, "alias"));
    assert_null(gateway_config_model_ref(cfg, "ghost@prod", &why));
    assert_non_null(strstr(why, "no registered model"));
    assert_null(gateway_config_model_ref(cfg, "bot", &why));
    assert_non_null(strstr(why, "not a model reference"));

    /* Move the alias: the held snapshot is unchanged, the reloaded one follows. */
    err_t err;
    json_decref(registry_alias_set(f->store, "bot", "prod", 2, &err));
    reload(src);
    assert_int_equal(gateway_config_endpoint(cfg, "chat")->targets[1].model_version, 1);
    const gateway_config_t *cfg2 = gateway_config_acquire(src);
    const gw_endpoint_t *e2 = gateway_config_endpoint(cfg2, "chat");
    assert_int_equal(e2->targets[1].model_version, 2);
    assert_string_equal(e2->targets[1].model, "claude-b");
    assert_int_equal(gateway_config_model_ref(cfg2, "bot@prod", &why)->targets[0].model_version, 2);
    gateway_config_release(src, cfg);
    gateway_config_release(src, cfg2);

    /* Delete the alias: the target is skipped, the rest of the endpoint stays. */
    assert_int_equal(registry_alias_delete(f->store, "bot", "prod", NULL, &err), 0);
    reload(src);
    cfg = gateway_config_acquire(src);
    assert_int_equal(gateway_config_endpoint(cfg, "chat")->ntargets, 1);
    gateway_config_release(src, cfg);
    gateway_config_stop(src);
}

static void unresolvable_endpoint_dropped(void **state)
{
    fixture_t *f = *state;
    endpoint(f, "{\"name\":\"ghostly\",\"targets\":[{\"model_ref\":\"ghost@prod\"}]}");
    endpoint(f, "{\"name\":\"fine\",\"targets\":[{\"provider\":\"fake\",\"model\":\"m\"}]}");
    gateway_config_src_t *src = start(f, NULL);
    const gateway_config_t *cfg = gateway_config_acquire(src);
    assert_null(gateway_config_endpoint(cfg, "ghostly"));
    assert_non_null(gateway_config_endpoint(cfg, "fine"));
    gateway_config_release(src, cfg);
    gateway_config_stop(src);
}

static void prompt_backed_target(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *messages = j("[{\"role\":\"system\",\"content\":\"Be {{ tone }}\"}]");
    json_t *tmpl = json_string("Hello {{ name }}");
    prompt_version_in_t v1 = {.messages = messages};
    prompt_create_in_t in = {.name = "greeter", .first_version = &v1};
    json_t *out = prompts_create(f->store, &in, &err);
    if (!out)
        fail_msg("prompts_create: %s", err.message);
    json_decref(out);
    prompt_version_in_t v2 = {.template = tmpl};
    json_decref(prompts_create_version(f->store, "greeter", &v2, &err));
    json_decref(prompts_set_alias(f->store, "greeter", "production", 1, NULL, &err));
    endpoint(f, "{\"name\":\"p\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\","
                "\"prompt\":\"greeter@production\"},{\"provider\":\"openai\",\"model\":\"m\","
                "\"prompt\":\"greeter/2\"},{\"provider\":\"openai\",\"model\":\"m\","
                "\"prompt\":\"greeter/7\"}]}");
    gateway_config_src_t *src = start(f, NULL);
    const gateway_config_t *cfg = gateway_config_acquire(src);
    const gw_endpoint_t *e = gateway_config_endpoint(cfg, "p");
    assert_non_null(e);
    assert_int_equal(e->ntargets, 2); /* greeter/7 does not exist: skipped */
    assert_string_equal(e->targets[0].prompt_name, "greeter");
    assert_int_equal(e->targets[0].prompt_version, 1);
    assert_true(json_equal(e->targets[0].prompt_messages, messages));
    assert_null(e->targets[0].prompt_template);
    assert_int_equal(e->targets[1].prompt_version, 2);
    assert_string_equal(e->targets[1].prompt_template, "Hello {{ name }}");
    assert_null(e->targets[1].prompt_messages);
    gateway_config_release(src, cfg);
    gateway_config_stop(src);
    json_decref(messages);
    json_decref(tmpl);
}

static void keys_and_prices(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *spec = j("{\"name\":\"ci\",\"allowed_endpoints\":[\"chat\"],\"rpm\":5,"
                     "\"budget_usd\":1.5}");
    json_t *created = gateway_key_create(f->store, spec, &err);
    json_decref(spec);
    spec = j("{\"name\":\"free\"}");
    json_t *created2 = gateway_key_create(f->store, spec, &err);
    json_decref(spec);
    char hash[65], hash2[65];
    gateway_key_hash(json_string_value(json_object_get(created, "secret")), hash);
    gateway_key_hash(json_string_value(json_object_get(created2, "secret")), hash2);
    const char *prices[] = {
        "{\"provider\":\"openai\",\"model\":\"gpt-a\",\"input_per_mtok\":1,\"output_per_mtok\":2}",
        "{\"provider\":\"*\",\"model\":\"gpt-a\",\"input_per_mtok\":3,\"output_per_mtok\":4}"};
    for (int i = 0; i < 2; i++) {
        json_t *p = j(prices[i]);
        json_decref(gateway_price_set(f->store, p, &err));
        json_decref(p);
    }
    gateway_config_src_t *src = start(f, NULL);
    const gateway_config_t *cfg = gateway_config_acquire(src);
    const gw_key_t *k = gateway_config_key(cfg, hash);
    assert_non_null(k);
    assert_string_equal(k->name, "ci");
    assert_string_equal(k->allowed_endpoints[0], "chat");
    assert_null(k->allowed_endpoints[1]);
    assert_int_equal(k->rpm, 5);
    assert_int_equal(k->tpm, 0);
    assert_true(k->budget_usd == 1.5);
    assert_true(k->spent_usd == 0.0);
    const gw_key_t *k2 = gateway_config_key(cfg, hash2);
    assert_null(k2->allowed_endpoints);
    assert_true(k2->budget_usd < 0);
    assert_null(gateway_config_key(cfg, "00"));
    const gw_price_t *p = gateway_config_price(cfg, "openai", "gpt-a");
    assert_true(p->input_per_mtok == 1 && p->output_per_mtok == 2);
    p = gateway_config_price(cfg, "vllm", "gpt-a");
    assert_true(p->input_per_mtok == 3 && p->output_per_mtok == 4);
    assert_null(gateway_config_price(cfg, "openai", "unknown"));
    gateway_config_release(src, cfg);

    json_decref(gateway_key_revoke(
        f->store, json_string_value(json_object_get(json_object_get(created, "key"), "id")), &err));
    reload(src);
    cfg = gateway_config_acquire(src);
    assert_null(gateway_config_key(cfg, hash));
    assert_non_null(gateway_config_key(cfg, hash2));
    gateway_config_release(src, cfg);
    gateway_config_stop(src);
    json_decref(created);
    json_decref(created2);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void file_endpoints_and_models(void **state)
{
    fixture_t *f = *state;
    registry(f);
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/llmops.yaml", dir);
    write_text(path, "port: 5050\n"
                     "endpoints:\n"
                     "  - name: chat\n"
                     "    description: from the file\n"
                     "    targets:\n"
                     "      - provider: openai\n"
                     "        model: gpt-4o-mini\n"
                     "        weight: 3\n"
                     "        params: {temperature: 0.5, stream: false}\n"
                     "      - {model_ref: bot/2, weight: 0}\n"
                     "    cache: {enabled: true, ttl_s: 60}\n");
    json_t *file = NULL;
    err_t err;
    if (gateway_file_endpoints(path, &file, &err) != 0)
        fail_msg("gateway_file_endpoints: %s", err.message);
    assert_int_equal(json_array_size(file), 1);
    json_t *t0 = json_array_get(json_object_get(json_array_get(file, 0), "targets"), 0);
    assert_true(json_is_integer(json_object_get(t0, "weight")));
    assert_true(json_real_value(json_object_get(json_object_get(t0, "params"), "temperature")) ==
                0.5);
    assert_true(json_is_false(json_object_get(json_object_get(t0, "params"), "stream")));

    endpoint(f, "{\"name\":\"chat\",\"targets\":[{\"provider\":\"fake\",\"model\":\"stored\"}]}");
    endpoint(f, "{\"name\":\"alpha\",\"targets\":[{\"provider\":\"fake\",\"model\":\"a\"}]}");
    gateway_config_src_t *src = start(f, file);
    assert_true(json_equal(gateway_config_file_endpoints(src), file));
    const gateway_config_t *cfg = gateway_config_acquire(src);
    const gw_endpoint_t *e = gateway_config_endpoint(cfg, "chat");
    assert_string_equal(e->targets[0].model, "gpt-4o-mini"); /* the file wins */
    assert_int_equal(e->targets[0].weight, 3);
    assert_int_equal(e->targets[1].model_version, 2);
    assert_int_equal(e->cache_ttl_s, 60);
    json_t *models = gateway_config_models(cfg);
    /* alpha, chat, then bot/1, bot/2, bot@prod (bot/3 and bot@none cannot serve) */
    static const char *const ids[] = {"alpha", "chat", "bot/1", "bot/2", "bot@prod"};
    assert_int_equal(json_array_size(models), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *m = json_array_get(models, i);
        assert_string_equal(json_string_value(json_object_get(m, "id")), ids[i]);
        assert_string_equal(json_string_value(json_object_get(m, "object")), "model");
        assert_true(json_is_integer(json_object_get(m, "created")));
    }
    json_decref(models);
    gateway_config_release(src, cfg);
    gateway_config_stop(src);
    json_decref(file);

    /* Errors name the file, the endpoint and the field. */
    write_text(path, "endpoints:\n  - name: ok\n    targets: [{provider: openai, model: m}]\n"
                     "  - name: broken\n    targets:\n      - {provider: openai, model: m}\n"
                     "      - {provider: openai, model: m, weight: -2}\n");
    assert_int_equal(gateway_file_endpoints(path, &file, &err), -1);
    assert_string_equal(err.field, "targets[1].weight");
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "endpoints[1] (broken)"));
    write_text(path, "endpoints: 3\n");
    assert_int_equal(gateway_file_endpoints(path, &file, &err), -1);
    assert_string_equal(err.field, "endpoints");
    write_text(path, "port: 1\n");
    assert_int_equal(gateway_file_endpoints(path, &file, &err), 0);
    assert_int_equal(json_array_size(file), 0);
    json_decref(file);
    test_rmtree(dir);
}

static void usage_spend_in_snapshot(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DROP TABLE IF EXISTS gateway_key_usage");
    err_t err;
    json_t *spec = j("{\"name\":\"k\"}");
    json_t *created = gateway_key_create(f->store, spec, &err);
    json_decref(spec);
    test_store_exec(f->store, "CREATE TABLE gateway_key_usage (key_id TEXT PRIMARY KEY, "
                              "spent_usd DOUBLE PRECISION NOT NULL, requests BIGINT NOT NULL, "
                              "input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, "
                              "updated_ms BIGINT NOT NULL)");
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO gateway_key_usage VALUES ('%s', 0.75, 1, 1, 1, 0)",
             json_string_value(json_object_get(json_object_get(created, "key"), "id")));
    test_store_exec(f->store, sql);
    char hash[65];
    gateway_key_hash(json_string_value(json_object_get(created, "secret")), hash);
    gateway_config_src_t *src = start(f, NULL);
    const gateway_config_t *cfg = gateway_config_acquire(src);
    assert_true(gateway_config_key(cfg, hash)->spent_usd == 0.75);
    gateway_config_release(src, cfg);
    gateway_config_stop(src);
    test_store_exec(f->store, "DROP TABLE gateway_key_usage");
    json_decref(created);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(endpoint_lookup_and_model_refs, setup),
        cmocka_unit_test_setup(unresolvable_endpoint_dropped, setup),
        cmocka_unit_test_setup(prompt_backed_target, setup),
        cmocka_unit_test_setup(keys_and_prices, setup),
        cmocka_unit_test_setup(file_endpoints_and_models, setup),
        cmocka_unit_test_setup(usage_spend_in_snapshot, setup),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "gateway config");
}
