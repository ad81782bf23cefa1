/* test_promotion.c - the pieces of promotion with gates that need no model calls, on SQLite
 * and on PostgreSQL: the compare-and-set alias moves of the model registry and the prompt
 * registry (409 when the alias moved, nothing changed; the prompt's alias history written),
 * promotion_create's validation (400 naming the field, 404 unknown model / prompt / version,
 * nothing recorded), and promotion_list (filters, newest first, pages). The end-to-end
 * promotions (evaluations, gates, lineage) are in tests/integration/test_eval_cli.c. */
#include "unit/testutil.h"

#include "unit/store_testutil.h"

#include "eval/promotion.h"
#include "prompts/prompts.h"
#include "registry/aliases.h"
#include "registry/models.h"
#include "registry/versions.h"

static int setup(void **state)
{
    test_store_t *f = *state;
    test_store_exec(f->store, "DELETE FROM registry_aliases");
    test_store_exec(f->store, "DELETE FROM registry_versions");
    test_store_exec(f->store, "DELETE FROM registry_models");
    test_store_exec(f->store, "DELETE FROM prompt_alias_history");
    test_store_exec(f->store, "DELETE FROM prompt_aliases");
    test_store_exec(f->store, "DELETE FROM prompt_versions");
    test_store_exec(f->store, "DELETE FROM prompts");
    test_store_exec(f->store, "DELETE FROM promotions");
    return 0;
}

static void make_model(store_t *s, const char *name, int versions)
{
    err_t err;
    registry_model_in_t m = {.name = name};
    json_t *out = registry_model_create(s, &m, &err);
    if (!out)
        fail_msg("model: %s", err.message);
    json_decref(out);
    for (int v = 0; v < versions; v++) {
        registry_version_in_t in = {.name = name, .source = "s3://m"};
        out = registry_version_create(s, &in, &err);
        if (!out)
            fail_msg("version: %s", err.message);
        json_decref(out);
    }
}

static void make_prompt(store_t *s, const char *name, int versions)
{
    err_t err;
    json_t *tmpl = json_string("{{ input }}");
    prompt_version_in_t v = {.template = tmpl};
    prompt_create_in_t in = {.name = name, .first_version = &v};
    json_t *out = prompts_create(s, &in, &err);
    if (!out)
        fail_msg("prompt: %s", err.message);
    json_decref(out);
    for (int i = 1; i < versions; i++) {
        out = prompts_create_version(s, name, &v, &err);
        if (!out)
            fail_msg("prompt version: %s", err.message);
        json_decref(out);
    }
    json_decref(tmpl);
}

/* Run one move in its own transaction; the store's error code when it fails. */
static int model_move(store_t *s, const char *alias, int64_t version, int64_t expected, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    int rc = store_begin(c, err);
    if (rc == 0) {
        json_t *out = registry_alias_move(c, "bot", alias, version, expected, err);
        rc = store_finish(c, out != NULL, err);
        json_decref(out);
    }
    store_release(s, c);
    return rc;
}

static int64_t model_alias(store_t *s, const char *alias)
{
    err_t err;
    int64_t v = -1;
    store_conn_t *c = store_acquire(s);
    assert_int_equal(registry_alias_version(c, "bot", alias, &v, &err), 0);
    store_release(s, c);
    return v;
}

static void registry_move_compares_and_sets(void **state)
{
    test_store_t *f = *state;
    err_t err;
    make_model(f->store, "bot", 3);
    assert_int_equal(model_alias(f->store, "production"), 0);
    assert_int_equal(model_move(f->store, "production", 1, 0, &err), 0); /* unset -> 1 */
    assert_int_equal(model_alias(f->store, "production"), 1);
    assert_int_equal(model_move(f->store, "production", 2, 0, &err), -1); /* it is set now */
    assert_int_equal(err.status, 409);
    assert_int_equal(model_move(f->store, "production", 2, 3, &err), -1); /* not at 3 */
    assert_int_equal(err.status, 409);
    assert_int_equal(model_alias(f->store, "production"), 1);
    assert_int_equal(model_move(f->store, "production", 2, 1, &err), 0);
    assert_int_equal(model_alias(f->store, "production"), 2);
    assert_int_equal(model_move(f->store, "production", 9, 2, &err), -1); /* no version 9 */
    assert_int_equal(err.status, 404);
    assert_int_equal(model_alias(f->store, "production"), 2);
}

static int prompt_move(store_t *s, int64_t version, int64_t expected, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    int rc = store_begin(c, err);
    if (rc == 0) {
        json_t *out = prompts_move_alias(c, "greet", "production", version, expected, "ci", err);
        rc = store_finish(c, out != NULL, err);
        json_decref(out);
    }
    store_release(s, c);
    return rc;
}

static void prompts_move_compares_and_sets(void **state)
{
    test_store_t *f = *state;
    err_t err;
    make_prompt(f->store, "greet", 3);
    assert_int_equal(prompt_move(f->store, 1, 0, &err), 0);
    assert_int_equal(prompt_move(f->store, 3, 2, &err), -1);
    assert_int_equal(err.status, 409);
    assert_int_equal(prompt_move(f->store, 3, 1, &err), 0);
    json_t *h = prompts_alias_history(f->store, "greet", "production", 0, NULL, &err);
    assert_non_null(h);
    json_t *list = json_object_get(h, "history");
    assert_int_equal(json_array_size(list), 2); /* the refused move left no trace */
    json_t *last = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(last, "from_version")), 1);
    assert_int_equal(json_integer_value(json_object_get(last, "to_version")), 3);
    assert_string_equal(json_string_value(json_object_get(last, "changed_by")), "ci");
    json_decref(h);
    int64_t v;
    store_conn_t *c = store_acquire(f->store);
    assert_int_equal(prompts_alias_version(c, "greet", "production", &v, &err), 0);
    assert_int_equal(v, 3);
    assert_int_equal(prompts_alias_version(c, "greet", "staging", &v, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(prompts_alias_version(c, "nope", "staging", &v, &err), -1);
    assert_int_equal(err.status, 404);
    store_release(f->store, c);
}

/* promotion_create refuses bad input before looking for evidence. */
static void create_validates(void **state)
{
    test_store_t *f = *state;
    app_t app = {.store = f->store};
    make_model(f->store, "bot", 1);
    make_prompt(f->store, "greet", 1);
    struct {
        const char *body;
        int status;
        const char *field;
    } cases[] = {
        {"{\"name\":\"bot\",\"version\":1,\"alias\":\"p\",\"require\":\"a>=1\"}", 400, "kind"},
        {"{\"kind\":\"job\",\"name\":\"bot\",\"version\":1,\"alias\":\"p\",\"require\":\"a>=1\"}",
         400, "kind"},
        {"{\"kind\":\"model\",\"version\":1,\"alias\":\"p\",\"require\":\"a>=1\"}", 400, "name"},
        {"{\"kind\":\"model\",\"name\":\"bot\",\"version\":0,\"alias\":\"p\",\"require\":\"a>=1\"}",
         400, "version"},
        {"{\"kind\":\"model\",\"name\":\"bot\",\"version\":1,\"alias\":\"v3\",\"require\":\"a>="
         "1\"}",
         400, "alias"},
        {"{\"kind\":\"model\",\"name\":\"bot\",\"version\":1,\"alias\":\"p\",\"require\":\"a>>1\"}",
         400, "require"},
        {"{\"kind\":\"model\",\"name\":\"bot\",\"version\":1,\"alias\":\"p\",\"require\":\"\"}",
         400, "require"},
        {"{\"kind\":\"model\",\"name\":\"bot\",\"version\":1,\"alias\":\"p\",\"require\":\"a>=1\","
         "\"eval\":[]}",
         400, "eval"},
        {"{\"kind\":\"model\",\"name\":\"bot\",\"version\":1,\"alias\":\"p\",\"require\":\"a>=1\","
         "\"eval\":{},\"evaluation\":\"x\"}",
         400, "eval"},
        {"{\"kind\":\"model\",\"name\":\"nobot\",\"version\":1,\"alias\":\"p\",\"require\":\"a>="
         "1\"}",
         404, ""},
        {"{\"kind\":\"model\",\"name\":\"bot\",\"version\":2,\"alias\":\"p\",\"require\":\"a>=1\"}",
         404, ""},
        {"{\"kind\":\"prompt\",\"name\":\"greet\",\"version\":5,\"alias\":\"p\",\"require\":"
         "\"a>=1\"}",
         404, ""},
        {"{\"kind\":\"prompt\",\"name\":\"nope\",\"version\":1,\"alias\":\"p\",\"require\":"
         "\"a>=1\"}",
         404, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = json_loads(cases[i].body, 0, NULL);
        assert_non_null(body);
        err_t err;
        json_t *out = promotion_create(&app, body, NULL, &err);
        if (out || err.status != cases[i].status ||
            (cases[i].field[0] && strcmp(err.field, cases[i].field) != 0))
            fail_msg("case %zu: %s -> %d %s (%s)", i, cases[i].body, out ? 200 : err.status,
                     err.field, err.message);
        json_decref(body);
    }
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM promotions"), 0);
}

static void list_filters_and_pages(void **state)
{
    test_store_t *f = *state;
    app_t app = {.store = f->store};
    test_store_exec(f->store,
                    "INSERT INTO promotions (id, kind, name, version, alias, previous_version, "
                    "decision, require_text, gates, evaluation, baseline_evaluation, who, "
                    "created_ms) VALUES "
                    "('a', 'model', 'bot', 2, 'production', 1, 'rejected', 'x>=1', '[]', 'e1', "
                    "'e0', 'ci', 1000),"
                    "('b', 'model', 'bot', 3, 'production', 1, 'promoted', 'x>=1', "
                    "'[{\"gate\":\"x>=1\",\"passed\":true}]', 'e2', NULL, 'ci', 2000),"
                    "('c', 'prompt', 'greet', 1, 'production', NULL, 'promoted', 'x>=1', '[]', "
                    "'e3', NULL, 'ann', 3000)");
    err_t err;
    json_t *all = promotion_list(&app, NULL, NULL, 2, NULL, &err);
    assert_non_null(all);
    json_t *list = json_object_get(all, "promotions");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), "c");
    assert_true(json_is_null(json_object_get(json_array_get(list, 0), "previous_version")));
    const char *token = json_string_value(json_object_get(all, "next_page_token"));
    assert_non_null(token);
    json_t *next = promotion_list(&app, NULL, NULL, 2, token, &err);
    assert_non_null(next);
    assert_int_equal(json_array_size(json_object_get(next, "promotions")), 1);
    assert_null(json_object_get(next, "next_page_token"));
    json_decref(next);
    json_decref(all);

    json_t *models = promotion_list(&app, "model", "bot", 0, NULL, &err);
    list = json_object_get(models, "promotions");
    assert_int_equal(json_array_size(list), 2);
    json_t *b = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(b, "decision")), "promoted");
    assert_int_equal(json_array_size(json_object_get(b, "gates")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, 1), "baseline_evaluation")), "e0");
    json_decref(models);

    assert_null(promotion_list(&app, "job", NULL, 0, NULL, &err));
    assert_string_equal(err.field, "kind");
    assert_null(promotion_list(&app, NULL, NULL, 5000, NULL, &err));
    assert_string_equal(err.field, "limit");
    assert_null(promotion_list(&app, NULL, NULL, 0, "!!", &err));
    assert_string_equal(err.field, "page_token");
}

#define T(prefix, fn)                                                                              \
    {                                                                                              \
        .name = prefix #fn, .test_func = fn, .setup_func = setup                                   \
    }
#define PROMOTION_TESTS(prefix)                                                                    \
    T(prefix, registry_move_compares_and_sets), T(prefix, prompts_move_compares_and_sets),         \
        T(prefix, create_validates), T(prefix, list_filters_and_pages)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {PROMOTION_TESTS("sqlite: ")};
    int failed = cmocka_run_group_tests_name("promotion sqlite", sqlite_tests,
                                             test_store_setup_sqlite, test_store_teardown);
    if (test_pg_url()) {
        const struct CMUnitTest pg_tests[] = {PROMOTION_TESTS("postgresql: ")};
        failed += cmocka_run_group_tests_name("promotion postgresql", pg_tests, test_store_setup_pg,
                                              test_store_teardown);
    }
    return failed;
}
