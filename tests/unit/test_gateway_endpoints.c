/* test_gateway_endpoints.c - unit tests for gateway/endpoints.h: the spec validator against a
 * table of good and bad specs (each bad one must name its field), the reference parsers, and
 * create / get / list / update / delete on a real store (SQLite, and PostgreSQL when
 * configured), including 409 on a duplicate, 404 on unknown names and a refused rename. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>

#include "gateway/endpoints.h"

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM gateway_endpoints");
    return 0;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

#define T0 "{\"provider\":\"openai\",\"model\":\"m\"}"

static void validate_table(void **state)
{
    (void)state;
    static const char *const good[] = {
        "{\"name\":\"chat\",\"targets\":[" T0 "]}",
        "{\"name\":\"a.b:c-d_e\",\"description\":\"d\",\"targets\":[{\"name\":\"main\","
        "\"provider\":\"anthropic\",\"model\":\"claude\",\"base_url\":\"https://x\","
        "\"api_key_env\":\"MY_KEY\",\"params\":{\"temperature\":0},\"weight\":90,"
        "\"timeout_ms\":1000,\"max_retries\":0,\"prompt\":\"greeter@production\"},"
        "{\"model_ref\":\"bot@candidate\",\"weight\":10},{\"model_ref\":\"models:/bot/3\","
        "\"weight\":0}],\"cache\":{\"enabled\":true,\"ttl_s\":60,\"allow_nondeterministic\":false},"
        "\"retry\":{\"backoff_ms\":10,\"backoff_max_ms\":100},\"breaker\":{\"failures\":3,"
        "\"cooldown_ms\":1000}}",
        "{\"name\":\"z\",\"targets\":[{\"provider\":\"azure\",\"model\":\"m\",\"api_version\":"
        "\"2024-10-21\"},{\"provider\":\"vllm\",\"model\":\"m\",\"weight\":0}]}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_t *spec = parse(good[i]);
        err_t err;
        json_t *clean = gateway_endpoint_validate(spec, &err);
        if (!clean)
            fail_msg("good spec %zu refused: %s", i, err.message);
        assert_true(json_equal(clean, spec));
        json_decref(clean);
        json_decref(spec);
    }
    static const struct {
        const char *spec, *field;
    } bad[] = {
        {"{\"targets\":[" T0 "]}", "name"},
        {"{\"name\":\"a@b\",\"targets\":[" T0 "]}", "name"},
        {"{\"name\":\"a/b\",\"targets\":[" T0 "]}", "name"},
        {"{\"name\":\"\",\"targets\":[" T0 "]}", "name"},
        {"{\"name\":\"x\",\"targets\":[]}", "targets"},
        {"{\"name\":\"x\"}", "targets"},
        {"{\"name\":\"x\",\"targets\":[" T0 "],\"colour\":1}", "colour"},
        {"{\"name\":\"x\",\"targets\":[" T0 ",{\"provider\":\"openai\",\"model\":\"m\","
         "\"weight\":-1}]}",
         "targets[1].weight"},
        {"{\"name\":\"x\",\"targets\":[" T0 ",{\"provider\":\"openai\",\"model\":\"m\","
         "\"weigth\":1}]}",
         "targets[1].weigth"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openia\",\"model\":\"m\"}]}",
         "targets[0].provider"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\"}]}", "targets[0].model"},
        {"{\"name\":\"x\",\"targets\":[{\"model\":\"m\"}]}", "targets[0].provider"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\","
         "\"base_url\":\"ftp://x\"}]}",
         "targets[0].base_url"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\","
         "\"api_key_env\":\"1BAD\"}]}",
         "targets[0].api_key_env"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\","
         "\"params\":[1]}]}",
         "targets[0].params"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\","
         "\"timeout_ms\":0}]}",
         "targets[0].timeout_ms"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\","
         "\"max_retries\":1.5}]}",
         "targets[0].max_retries"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\","
         "\"prompt\":\"greeter\"}]}",
         "targets[0].prompt"},
        {"{\"name\":\"x\",\"targets\":[{\"model_ref\":\"bot\"}]}", "targets[0].model_ref"},
        {"{\"name\":\"x\",\"targets\":[{\"model_ref\":\"bot/0\"}]}", "targets[0].model_ref"},
        {"{\"name\":\"x\",\"targets\":[{\"model_ref\":\"bot@latest\"}]}", "targets[0].model_ref"},
        {"{\"name\":\"x\",\"targets\":[{\"model_ref\":\"bot@a\",\"provider\":\"openai\"}]}",
         "targets[0].provider"},
        {"{\"name\":\"x\",\"targets\":[{\"provider\":\"openai\",\"model\":\"m\",\"weight\":0}]}",
         "targets"},
        {"{\"name\":\"x\",\"targets\":[{\"name\":\"a\",\"provider\":\"openai\",\"model\":\"m\"},"
         "{\"name\":\"a\",\"provider\":\"openai\",\"model\":\"m\"}]}",
         "targets[1].name"},
        {"{\"name\":\"x\",\"targets\":[" T0 "],\"cache\":{\"enabled\":1}}", "cache.enabled"},
        {"{\"name\":\"x\",\"targets\":[" T0 "],\"cache\":{\"ttl\":1}}", "cache.ttl"},
        {"{\"name\":\"x\",\"targets\":[" T0 "],\"retry\":{\"backoff_ms\":100,"
         "\"backoff_max_ms\":10}}",
         "retry.backoff_max_ms"},
        {"{\"name\":\"x\",\"targets\":[" T0 "],\"breaker\":{\"failures\":0}}", "breaker.failures"},
        {"{\"name\":\"x\",\"targets\":[" T0 "],\"description\":5}", "description"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *spec = parse(bad[i].spec);
        err_t err;
        err_clear(&err);
        json_t *clean = gateway_endpoint_validate(spec, &err);
        if (clean)
            fail_msg("bad spec %zu accepted: %s", i, bad[i].spec);
        assert_int_equal(err.status, 400);
        if (strcmp(err.field, bad[i].field) != 0)
            fail_msg("bad spec %zu: field '%s', expected '%s' (%s)", i, err.field, bad[i].field,
                     err.message);
        json_decref(spec);
    }
}

static void parse_refs(void **state)
{
    (void)state;
    char *name, *alias;
    int64_t version;
    assert_int_equal(gateway_parse_model_ref("bot@prod", &name, &alias, &version), 0);
    assert_string_equal(name, "bot");
    assert_string_equal(alias, "prod");
    assert_int_equal(version, 0);
    free(name);
    free(alias);
    assert_int_equal(gateway_parse_model_ref("models:/team/bot/12", &name, &alias, &version), 0);
    assert_string_equal(name, "team/bot");
    assert_null(alias);
    assert_int_equal(version, 12);
    free(name);
    assert_int_equal(gateway_parse_model_ref("bot", &name, &alias, &version), -1);
    assert_int_equal(gateway_parse_model_ref("@x", &name, &alias, &version), -1);
    assert_int_equal(gateway_parse_model_ref("bot/x", &name, &alias, &version), -1);
    assert_int_equal(gateway_parse_prompt_ref("greeter/2", &name, &alias, &version), 0);
    assert_string_equal(name, "greeter");
    assert_int_equal(version, 2);
    free(name);
    assert_int_equal(gateway_parse_prompt_ref("greeter@Prod", &name, &alias, &version), -1);
}

static void crud(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *spec = parse("{\"name\":\"chat\",\"description\":\"main\",\"targets\":[" T0 "]}");
    json_t *e = gateway_endpoint_create(f->store, spec, &err);
    if (!e)
        fail_msg("create: %s", err.message);
    assert_string_equal(json_string_value(json_object_get(e, "name")), "chat");
    assert_string_equal(json_string_value(json_object_get(e, "description")), "main");
    assert_string_equal(json_string_value(json_object_get(e, "source")), "api");
    assert_true(json_equal(json_object_get(e, "spec"), spec));
    json_decref(e);

    assert_null(gateway_endpoint_create(f->store, spec, &err));
    assert_int_equal(err.status, 409);

    json_t *bad =
        parse("{\"name\":\"other\",\"targets\":[{\"provider\":\"nope\",\"model\":\"m\"}]}");
    assert_null(gateway_endpoint_create(f->store, bad, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "targets[0].provider");
    json_decref(bad);

    json_t *v2 = parse("{\"targets\":[{\"provider\":\"ollama\",\"model\":\"llama3\"}]}");
    e = gateway_endpoint_update(f->store, "chat", v2, &err);
    if (!e)
        fail_msg("update: %s", err.message);
    assert_string_equal(json_string_value(json_object_get(e, "description")), "");
    json_t *stored_targets = json_object_get(json_object_get(e, "spec"), "targets");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(stored_targets, 0), "provider")),
        "ollama");
    json_decref(e);

    json_t *renamed = parse("{\"name\":\"chat2\",\"targets\":[" T0 "]}");
    assert_null(gateway_endpoint_update(f->store, "chat", renamed, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "name");
    assert_null(gateway_endpoint_update(f->store, "nope", v2, &err));
    assert_int_equal(err.status, 404);

    json_t *second = parse("{\"name\":\"alpha\",\"targets\":[" T0 "]}");
    json_decref(gateway_endpoint_create(f->store, second, &err));
    json_t *list = gateway_endpoint_list(f->store, &err);
    json_t *items = json_object_get(list, "endpoints");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")),
                        "alpha");
    json_decref(list);

    e = gateway_endpoint_get(f->store, "chat", &err);
    assert_non_null(e);
    json_decref(e);
    assert_int_equal(gateway_endpoint_delete(f->store, "chat", &err), 0);
    assert_null(gateway_endpoint_get(f->store, "chat", &err));
    assert_int_equal(err.status, 404);
    assert_int_equal(gateway_endpoint_delete(f->store, "chat", &err), -1);
    assert_int_equal(err.status, 404);

    json_decref(spec);
    json_decref(v2);
    json_decref(renamed);
    json_decref(second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validate_table),
        cmocka_unit_test(parse_refs),
        cmocka_unit_test_setup(crud, setup),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "gateway endpoints");
}
