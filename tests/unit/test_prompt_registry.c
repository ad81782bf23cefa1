/* test_prompt_registry.c - unit tests for prompts/prompts.h against a real, freshly migrated store:
 * creating prompts (with and without a first version, duplicates, name rules), version
 * numbering (sequential, not consumed by rejected versions, distinct under concurrent creates
 * from 8 threads), immutability of versions, variable extraction (text and chat), validation
 * errors naming the field and changing nothing (templates, messages, model config, limits),
 * aliases (set / move / no-op / delete / get / history with paging / rollback, including its
 * errors), references ("3" / alias), rendering (text, chat, strict vs lenient, errors), diffs,
 * listing (substring filter, LIKE characters taken literally, paging), updates of description
 * and tags, and delete (everything goes; the name can be reused and starts at version 1).
 *
 * Every test runs on SQLite and, when LLMOPS_TEST_PG_URL names a PostgreSQL server, again on
 * PostgreSQL in a database of its own (store_testutil.h). Each test starts from empty tables. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>
#include <pthread.h>

#include "base/buf.h"
#include "base/json.h"
#include "prompts/prompts.h"
#include "store/migrate.h"
#include "store/store.h"

/* ---- fixture ----------------------------------------------------------------------------------
 */

typedef struct fixture {
    test_db_t db;
    store_t *store;
} fixture_t;

static int group_setup(void **state, store_kind_t kind)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_db_create(&f->db, kind);
    err_t err;
    if (store_open(f->db.url, 8, &f->store, &err) != 0)
        fail_msg("store_open %s: %s", f->db.url, err.message);
    if (migrate_schema(f->store, NULL, &err) != 0)
        fail_msg("migrate_schema: %s", err.message);
    *state = f;
    return 0;
}

static int group_setup_sqlite(void **state)
{
    return group_setup(state, STORE_SQLITE);
}

static int group_setup_postgres(void **state)
{
    return group_setup(state, STORE_POSTGRES);
}

static int group_teardown(void **state)
{
    fixture_t *f = *state;
    store_close(f->store);
    test_db_drop(&f->db);
    free(f);
    return 0;
}

static int setup(void **state)
{
    fixture_t *f = *state;
    static const char *const tables[] = {"prompt_alias_history", "prompt_aliases",
                                         "prompt_versions", "prompts"};
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    for (size_t i = 0; i < 4; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
        if (store_exec(c, sql, NULL, 0, &err) < 0)
            fail_msg("%s: %s", sql, err.message);
    }
    store_release(f->store, c);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------------------
 */

static json_t *must(json_t *value, const err_t *err, const char *what)
{
    if (!value)
        fail_msg("%s failed: %s (%s, field '%s')", what, err->message, err->code, err->field);
    return value;
}

/* Expect failure: status, code and (when not NULL) field. */
static void expect_error(json_t *value, const err_t *err, int status, const char *code,
                         const char *field)
{
    if (value) {
        char *text = json_to_string(value);
        json_decref(value);
        fail_msg("expected %d %s, got success: %s", status, code, text);
    }
    assert_int_equal(err->status, status);
    assert_string_equal(err->code, code);
    if (field)
        assert_string_equal(err->field, field);
}

static json_int_t int_of(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        fail_msg("'%s' is not an integer", key);
    return json_integer_value(v);
}

static const char *str_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        fail_msg("'%s' is not a string", key);
    return s ? s : "";
}

static void create_prompt(fixture_t *f, const char *name)
{
    err_t err;
    prompt_create_in_t in = {.name = name, .description = "d"};
    json_decref(must(prompts_create(f->store, &in, &err), &err, "prompts_create"));
}

/* Add a text version; returns its number. */
static json_int_t add_text(fixture_t *f, const char *name, const char *text)
{
    err_t err;
    json_t *t = json_string(text);
    prompt_version_in_t in = {.template = t, .commit_message = "c", .author = "tester"};
    json_t *v = must(prompts_create_version(f->store, name, &in, &err), &err, "create_version");
    json_int_t n = int_of(v, "version");
    json_decref(v);
    json_decref(t);
    return n;
}

/* Add a version from a JSON description {"template"|"messages","model_config"}. */
static json_t *add_json(fixture_t *f, const char *name, const char *spec, err_t *err)
{
    json_t *body = json_loads(spec, 0, NULL);
    assert_non_null(body);
    prompt_version_in_t in = {.template = json_object_get(body, "template"),
                              .messages = json_object_get(body, "messages"),
                              .model_config = json_object_get(body, "model_config")};
    json_t *v = prompts_create_version(f->store, name, &in, err);
    json_decref(body);
    return v;
}

static json_int_t latest(fixture_t *f, const char *name)
{
    err_t err;
    json_t *p = must(prompts_get(f->store, name, &err), &err, "prompts_get");
    json_int_t v =
        json_is_null(json_object_get(p, "latest_version")) ? 0 : int_of(p, "latest_version");
    json_decref(p);
    return v;
}

static void set_alias(fixture_t *f, const char *name, const char *alias, int64_t version)
{
    err_t err;
    json_decref(
        must(prompts_set_alias(f->store, name, alias, version, "ops", &err), &err, "set_alias"));
}

static json_int_t alias_version(fixture_t *f, const char *name, const char *alias)
{
    err_t err;
    json_t *a = must(prompts_get_alias(f->store, name, alias, &err), &err, "get_alias");
    json_int_t v = int_of(a, "version");
    assert_int_equal(int_of(json_object_get(a, "prompt_version"), "version"), v);
    json_decref(a);
    return v;
}

static json_t *history(fixture_t *f, const char *name, const char *alias)
{
    err_t err;
    json_t *h = must(prompts_alias_history(f->store, name, alias, 0, NULL, &err), &err, "history");
    json_t *list = json_incref(json_object_get(h, "history"));
    json_decref(h);
    return list;
}

/* ---- prompts ----------------------------------------------------------------------------------
 */

static void create_and_get(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *tags = json_pack("{s:s}", "team", "search");
    prompt_create_in_t in = {.name = "qa.answer-v2_x", .description = "answers", .tags = tags};
    json_t *p = must(prompts_create(f->store, &in, &err), &err, "create");
    assert_string_equal(str_of(p, "name"), "qa.answer-v2_x");
    assert_string_equal(str_of(p, "description"), "answers");
    assert_string_equal(str_of(json_object_get(p, "tags"), "team"), "search");
    assert_true(json_is_null(json_object_get(p, "latest_version")));
    assert_int_equal(json_object_size(json_object_get(p, "aliases")), 0);
    assert_null(json_object_get(p, "version"));
    assert_true(int_of(p, "created_at") > 1704067200000);
    assert_int_equal(int_of(p, "created_at"), int_of(p, "updated_at"));
    json_decref(p);

    p = must(prompts_get(f->store, "qa.answer-v2_x", &err), &err, "get");
    assert_string_equal(str_of(p, "description"), "answers");
    json_decref(p);

    /* Duplicate: 409, and the first is untouched. */
    prompt_create_in_t dup = {.name = "qa.answer-v2_x", .description = "other"};
    expect_error(prompts_create(f->store, &dup, &err), &err, 409, "conflict", NULL);
    assert_non_null(strstr(err.message, "already exists"));
    p = must(prompts_get(f->store, "qa.answer-v2_x", &err), &err, "get");
    assert_string_equal(str_of(p, "description"), "answers");
    json_decref(p);

    expect_error(prompts_get(f->store, "missing", &err), &err, 404, "not_found", NULL);
    assert_non_null(strstr(err.message, "missing"));
    json_decref(tags);
}

static void name_rules(void **state)
{
    fixture_t *f = *state;
    char long_name[PROMPT_NAME_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[PROMPT_NAME_MAX + 1] = '\0';
    const char *bad[] = {"", "a/b", "a b", "a@b", "..", ".", "caf\xc3\xa9", "a?b", long_name};
    err_t err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        prompt_create_in_t in = {.name = bad[i]};
        expect_error(prompts_create(f->store, &in, &err), &err, 400, "invalid_argument", "name");
    }
    prompt_create_in_t none = {.name = NULL};
    expect_error(prompts_create(f->store, &none, &err), &err, 400, "invalid_argument", "name");
    json_t *list = must(prompts_list(f->store, NULL, 0, NULL, &err), &err, "list");
    assert_int_equal(json_array_size(json_object_get(list, "prompts")), 0);
    json_decref(list);

    long_name[PROMPT_NAME_MAX] = '\0'; /* exactly the limit is fine */
    create_prompt(f, long_name);
    create_prompt(f, "...a");
}

static void create_with_first_version(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *tmpl = json_string("Hello {{ user }}, about {{ topic }}: {{ user }}");
    json_t *config = json_pack("{s:s, s:f}", "model", "gpt-4o-mini", "temperature", 0.5);
    prompt_version_in_t first = {
        .template = tmpl, .model_config = config, .commit_message = "first", .author = "alice"};
    prompt_create_in_t in = {.name = "greet", .first_version = &first};
    json_t *p = must(prompts_create(f->store, &in, &err), &err, "create");
    assert_int_equal(int_of(p, "latest_version"), 1);
    json_t *v = json_object_get(p, "version");
    assert_int_equal(int_of(v, "version"), 1);
    assert_string_equal(str_of(v, "type"), "text");
    assert_string_equal(str_of(v, "template"), "Hello {{ user }}, about {{ topic }}: {{ user }}");
    json_t *vars = json_object_get(v, "variables");
    assert_int_equal(json_array_size(vars), 2);
    assert_string_equal(json_string_value(json_array_get(vars, 0)), "user");
    assert_string_equal(json_string_value(json_array_get(vars, 1)), "topic");
    assert_true(json_equal(json_object_get(v, "model_config"), config));
    assert_string_equal(str_of(v, "commit_message"), "first");
    assert_string_equal(str_of(v, "author"), "alice");
    json_t *node = json_object_get(v, "lineage_node");
    assert_string_equal(str_of(node, "type"), "prompt_version");
    assert_string_equal(str_of(node, "id"), "greet/1");
    json_decref(p);

    /* A bad first version rejects the whole create: no prompt is left behind. */
    json_t *bad = json_string("Hello {{ user");
    prompt_version_in_t bad_first = {.template = bad};
    prompt_create_in_t in2 = {.name = "broken", .first_version = &bad_first};
    expect_error(prompts_create(f->store, &in2, &err), &err, 400, "template_syntax", "template");
    expect_error(prompts_get(f->store, "broken", &err), &err, 404, "not_found", NULL);
    json_decref(bad);
    json_decref(tmpl);
    json_decref(config);
}

/* ---- versions ---------------------------------------------------------------------------------
 */

static void versions_are_numbered_and_never_reused(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    assert_int_equal(latest(f, "p"), 0);
    assert_int_equal(add_text(f, "p", "one"), 1);
    assert_int_equal(add_text(f, "p", "two"), 2);
    /* A rejected version takes no number. */
    err_t err;
    expect_error(add_json(f, "p", "{\"template\": \"{{ oops\"}", &err), &err, 400,
                 "template_syntax", "template");
    assert_int_equal(add_text(f, "p", "three"), 3);
    assert_int_equal(latest(f, "p"), 3);

    json_t *list = must(prompts_list_versions(f->store, "p", 0, NULL, &err), &err, "list");
    json_t *versions = json_object_get(list, "versions");
    assert_int_equal(json_array_size(versions), 3);
    assert_int_equal(int_of(json_array_get(versions, 0), "version"), 3); /* newest first */
    assert_int_equal(int_of(json_array_get(versions, 2), "version"), 1);
    assert_null(json_object_get(list, "next_page_token"));
    json_decref(list);

    /* Paging: 2 per page. */
    list = must(prompts_list_versions(f->store, "p", 2, NULL, &err), &err, "page 1");
    assert_int_equal(json_array_size(json_object_get(list, "versions")), 2);
    char token[32];
    snprintf(token, sizeof token, "%s", str_of(list, "next_page_token"));
    json_decref(list);
    list = must(prompts_list_versions(f->store, "p", 2, token, &err), &err, "page 2");
    assert_int_equal(json_array_size(json_object_get(list, "versions")), 1);
    assert_int_equal(int_of(json_array_get(json_object_get(list, "versions"), 0), "version"), 1);
    assert_null(json_object_get(list, "next_page_token"));
    json_decref(list);
    expect_error(prompts_list_versions(f->store, "p", 2, "x1", &err), &err, 400, "invalid_argument",
                 "page_token");
    expect_error(prompts_list_versions(f->store, "p", PROMPT_PAGE_MAX + 1, NULL, &err), &err, 400,
                 "invalid_argument", "limit");
    expect_error(prompts_list_versions(f->store, "nope", 0, NULL, &err), &err, 404, "not_found",
                 NULL);

    expect_error(prompts_get_version(f->store, "p", 4, &err), &err, 404, "not_found", NULL);
    json_t *x = json_string("x");
    prompt_version_in_t in = {.template = x};
    expect_error(prompts_create_version(f->store, "nope", &in, &err), &err, 404, "not_found", NULL);
    json_decref(x);
}

typedef struct worker {
    store_t *store;
    int64_t got[10];
    int failures;
} worker_t;

static void *create_many(void *arg)
{
    worker_t *w = arg;
    json_t *t = json_string("Hi {{ n }}");
    for (int i = 0; i < 10; i++) {
        err_t err;
        prompt_version_in_t in = {.template = t};
        json_t *v = prompts_create_version(w->store, "busy", &in, &err);
        if (!v) {
            fprintf(stderr, "concurrent create failed: %s\n", err.message);
            w->failures++;
            continue;
        }
        w->got[i] = json_integer_value(json_object_get(v, "version"));
        json_decref(v);
    }
    json_decref(t);
    return NULL;
}

static void concurrent_creates_get_distinct_numbers(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "busy");
    enum { THREADS = 8 };
    worker_t w[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].store = f->store;
        assert_int_equal(pthread_create(&th[i], NULL, create_many, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    char seen[THREADS * 10 + 1] = {0};
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].failures, 0);
        for (int k = 0; k < 10; k++) {
            int64_t v = w[i].got[k];
            assert_true(v >= 1 && v <= THREADS * 10);
            assert_int_equal(seen[v], 0); /* no number handed out twice */
            seen[v] = 1;
        }
    }
    assert_int_equal(latest(f, "busy"), THREADS * 10);
    err_t err;
    json_t *list =
        must(prompts_list_versions(f->store, "busy", PROMPT_PAGE_MAX, NULL, &err), &err, "list");
    assert_int_equal(json_array_size(json_object_get(list, "versions")), THREADS * 10);
    json_decref(list);
}

static void versions_are_immutable(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    err_t err;
    json_decref(must(add_json(f, "p",
                              "{\"template\": \"A {{ x }}\", \"model_config\": "
                              "{\"model\": \"m1\", \"max_tokens\": 10, \"seed\": 7}}",
                              &err),
                     &err, "v1"));
    json_t *before = must(prompts_get_version(f->store, "p", 1, &err), &err, "get v1");
    add_text(f, "p", "B {{ y }}");
    set_alias(f, "p", "production", 1);
    set_alias(f, "p", "production", 2);
    json_t *after = must(prompts_get_version(f->store, "p", 1, &err), &err, "get v1 again");
    /* Only the list of aliases on it may differ; everything it holds is the same. */
    json_object_del(before, "aliases");
    json_object_del(after, "aliases");
    assert_true(json_equal(before, after));
    /* Unknown model_config keys are kept verbatim. */
    assert_int_equal(int_of(json_object_get(after, "model_config"), "seed"), 7);
    json_decref(before);
    json_decref(after);
}

static void variables_are_extracted(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    err_t err;
    json_t *v = must(add_json(f, "p", "{\"template\": \"{{ b }} {{ a }} {{ b }} {{ c }}\"}", &err),
                     &err, "text");
    json_t *expected = json_pack("[s, s, s]", "b", "a", "c");
    assert_true(json_equal(json_object_get(v, "variables"), expected));
    json_decref(expected);
    json_decref(v);

    v = must(
        add_json(f, "p",
                 "{\"messages\": [{\"role\": \"system\", \"content\": \"You help {{ team }}.\"},"
                 "{\"role\": \"user\", \"content\": \"{{ question }} ({{ team }})\"},"
                 "{\"role\": \"assistant\", \"content\": \"Sure.\"}]}",
                 &err),
        &err, "chat");
    assert_string_equal(str_of(v, "type"), "chat");
    assert_int_equal(json_array_size(json_object_get(v, "messages")), 3);
    assert_null(json_object_get(v, "template"));
    expected = json_pack("[s, s]", "team", "question");
    assert_true(json_equal(json_object_get(v, "variables"), expected));
    json_decref(expected);
    assert_true(json_is_null(json_object_get(v, "model_config")));
    assert_string_equal(str_of(v, "author"), "anonymous");
    json_decref(v);

    /* Names the template defines itself (loop variables, {% set %}) are not inputs; an
     * attribute access needs only its object. */
    v = must(add_json(f, "p",
                      "{\"template\": \"{% for x in items %}{{ x }}{% endfor %}{% set y = 1 %}"
                      "{{ y }} {{ user.name }} {{ items | length }}\"}",
                      &err),
             &err, "defined");
    expected = json_pack("[s, s]", "items", "user");
    assert_true(json_equal(json_object_get(v, "variables"), expected));
    json_decref(expected);
    json_decref(v);

    v = must(add_json(f, "p", "{\"template\": \"no variables here\"}", &err), &err, "none");
    assert_int_equal(json_array_size(json_object_get(v, "variables")), 0);
    json_decref(v);
}

static void bad_versions_change_nothing(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    add_text(f, "p", "ok");
    static const struct {
        const char *spec, *code, *field, *message_part;
    } cases[] = {
        {"{}", "invalid_argument", "template", "\"template\""},
        {"{\"template\": \"x\", \"messages\": [{\"role\": \"user\", \"content\": \"y\"}]}",
         "invalid_argument", "messages", "not both"},
        {"{\"template\": 42}", "invalid_argument", "template", "string"},
        {"{\"template\": \"\"}", "invalid_argument", "template", "non-empty"},
        {"{\"template\": \"line one\\nline {{ two\"}", "template_syntax", "template", "line 2:"},
        {"{\"messages\": []}", "invalid_argument", "messages", "1 to"},
        {"{\"messages\": \"hi\"}", "invalid_argument", "messages", "list"},
        {"{\"messages\": [\"hi\"]}", "invalid_argument", "messages[0]", "object"},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"asistant\", "
         "\"content\": \"b\"}]}",
         "invalid_argument", "messages[1].role", "assistant"},
        {"{\"messages\": [{\"content\": \"b\"}]}", "invalid_argument", "messages[0].role", NULL},
        {"{\"messages\": [{\"role\": \"user\"}]}", "invalid_argument", "messages[0].content", NULL},
        {"{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", "invalid_argument",
         "messages[0].content", NULL},
        {"{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"name\": \"x\"}]}",
         "invalid_argument", "messages[0]", "'name'"},
        {"{\"messages\": [{\"role\": \"system\", \"content\": \"a\"}, {\"role\": \"user\", "
         "\"content\": \"b\"}, {\"role\": \"user\", \"content\": \"{{ x\"}]}",
         "template_syntax", "messages[2].content", "messages[2].content: line 1:"},
        {"{\"template\": \"x\", \"model_config\": \"gpt\"}", "invalid_argument", "model_config",
         NULL},
        {"{\"template\": \"x\", \"model_config\": {\"temperature\": 2.5}}", "invalid_argument",
         "model_config.temperature", "0 to 2"},
        {"{\"template\": \"x\", \"model_config\": {\"temperature\": \"hot\"}}", "invalid_argument",
         "model_config.temperature", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"max_tokens\": 0}}", "invalid_argument",
         "model_config.max_tokens", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"max_tokens\": 1.5}}", "invalid_argument",
         "model_config.max_tokens", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"top_p\": 1.01}}", "invalid_argument",
         "model_config.top_p", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"stop\": [\"a\", 1]}}", "invalid_argument",
         "model_config.stop", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"stop\": 3}}", "invalid_argument",
         "model_config.stop", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"response_format\": \"json\"}}",
         "invalid_argument", "model_config.response_format", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"model\": \"\"}}", "invalid_argument",
         "model_config.model", NULL},
        {"{\"template\": \"x\", \"model_config\": {\"provider\": 1}}", "invalid_argument",
         "model_config.provider", NULL},
    };
    err_t err;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        json_t *v = add_json(f, "p", cases[i].spec, &err);
        if (v)
            fail_msg("case %zu accepted: %s", i, cases[i].spec);
        if (strcmp(err.code, cases[i].code) != 0 || strcmp(err.field, cases[i].field) != 0)
            fail_msg("case %zu (%s): got %s field '%s': %s", i, cases[i].spec, err.code, err.field,
                     err.message);
        assert_int_equal(err.status, 400);
        if (cases[i].message_part && !strstr(err.message, cases[i].message_part))
            fail_msg("case %zu: message '%s' lacks '%s'", i, err.message, cases[i].message_part);
    }
    /* Commit message and author limits. */
    char big[PROMPT_COMMIT_MAX + 2];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    json_t *t = json_string("x");
    prompt_version_in_t in = {.template = t, .commit_message = big};
    expect_error(prompts_create_version(f->store, "p", &in, &err), &err, 400, "invalid_argument",
                 "commit_message");
    big[PROMPT_AUTHOR_MAX + 1] = '\0';
    prompt_version_in_t in2 = {.template = t, .author = big};
    expect_error(prompts_create_version(f->store, "p", &in2, &err), &err, 400, "invalid_argument",
                 "author");
    json_decref(t);
    /* Nothing was stored. */
    assert_int_equal(latest(f, "p"), 1);
    json_t *list = must(prompts_list_versions(f->store, "p", 0, NULL, &err), &err, "list");
    assert_int_equal(json_array_size(json_object_get(list, "versions")), 1);
    json_decref(list);
    /* The bounds themselves are accepted. */
    json_decref(must(add_json(f, "p",
                              "{\"template\": \"x\", \"model_config\": {\"temperature\": 2, "
                              "\"top_p\": 0, \"max_tokens\": 1, \"stop\": \"END\", "
                              "\"response_format\": {\"type\": \"json_object\"}, "
                              "\"provider\": \"openai\"}}",
                              &err),
                     &err, "bounds"));
    json_decref(must(add_json(f, "p",
                              "{\"messages\": [{\"role\": \"tool\", \"content\": \"\"}, "
                              "{\"role\": \"developer\", \"content\": \"d\"}], "
                              "\"model_config\": {\"stop\": [\"a\", \"b\"]}}",
                              &err),
                     &err, "roles"));
    assert_int_equal(latest(f, "p"), 3);
}

/* ---- aliases ----------------------------------------------------------------------------------
 */

static void alias_set_move_delete(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    add_text(f, "p", "one");
    add_text(f, "p", "two");
    err_t err;

    json_t *r = must(prompts_set_alias(f->store, "p", "production", 1, "alice", &err), &err, "set");
    assert_true(json_is_null(json_object_get(r, "previous_version")));
    assert_int_equal(int_of(r, "version"), 1);
    assert_true(json_is_true(json_object_get(r, "changed")));
    assert_string_equal(str_of(r, "updated_by"), "alice");
    json_decref(r);
    assert_int_equal(alias_version(f, "p", "production"), 1);

    r = must(prompts_set_alias(f->store, "p", "production", 2, NULL, &err), &err, "move");
    assert_int_equal(int_of(r, "previous_version"), 1);
    assert_string_equal(str_of(r, "updated_by"), "anonymous");
    json_decref(r);
    /* Setting it where it is changes nothing and records nothing. */
    r = must(prompts_set_alias(f->store, "p", "production", 2, "bob", &err), &err, "same");
    assert_true(json_is_false(json_object_get(r, "changed")));
    assert_string_equal(str_of(r, "updated_by"), "anonymous");
    json_decref(r);
    json_t *h = history(f, "p", "production");
    assert_int_equal(json_array_size(h), 2);
    json_decref(h);

    /* The prompt and its versions show their aliases. */
    set_alias(f, "p", "staging", 2);
    json_t *p = must(prompts_get(f->store, "p", &err), &err, "get");
    assert_int_equal(int_of(json_object_get(p, "aliases"), "production"), 2);
    assert_int_equal(int_of(json_object_get(p, "aliases"), "staging"), 2);
    json_decref(p);
    json_t *v = must(prompts_get_version(f->store, "p", 2, &err), &err, "v2");
    json_t *on = json_pack("[s, s]", "production", "staging");
    assert_true(json_equal(json_object_get(v, "aliases"), on));
    json_decref(on);
    json_decref(v);

    /* Errors. */
    expect_error(prompts_set_alias(f->store, "p", "production", 3, NULL, &err), &err, 404,
                 "not_found", NULL);
    expect_error(prompts_set_alias(f->store, "p", "production", 0, NULL, &err), &err, 400,
                 "invalid_argument", "version");
    expect_error(prompts_set_alias(f->store, "nope", "production", 1, NULL, &err), &err, 404,
                 "not_found", NULL);
    char long_alias[PROMPT_ALIAS_MAX + 2];
    memset(long_alias, 'a', sizeof long_alias - 1);
    long_alias[PROMPT_ALIAS_MAX + 1] = '\0';
    const char *bad[] = {"Production", "123", "-x", "_x", "a b", "a.b", "", long_alias};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(prompts_set_alias(f->store, "p", bad[i], 1, NULL, &err), &err, 400,
                     "invalid_argument", "alias");
    long_alias[PROMPT_ALIAS_MAX] = '\0';
    set_alias(f, "p", long_alias, 1);
    set_alias(f, "p", "1a", 1);
    set_alias(f, "p", "canary_2-b", 1);
    assert_int_equal(alias_version(f, "p", "production"), 2); /* unchanged by the errors */

    /* Delete. */
    r = must(prompts_delete_alias(f->store, "p", "production", "carol", &err), &err, "delete");
    assert_int_equal(int_of(r, "previous_version"), 2);
    json_decref(r);
    expect_error(prompts_get_alias(f->store, "p", "production", &err), &err, 404, "not_found",
                 NULL);
    expect_error(prompts_delete_alias(f->store, "p", "production", NULL, &err), &err, 404,
                 "not_found", NULL);
    h = history(f, "p", "production");
    assert_int_equal(json_array_size(h), 3);
    json_t *last = json_array_get(h, 0);
    assert_string_equal(str_of(last, "action"), "delete");
    assert_int_equal(int_of(last, "from_version"), 2);
    assert_true(json_is_null(json_object_get(last, "to_version")));
    assert_string_equal(str_of(last, "changed_by"), "carol");
    json_t *first = json_array_get(h, 2);
    assert_string_equal(str_of(first, "action"), "set");
    assert_true(json_is_null(json_object_get(first, "from_version")));
    assert_int_equal(int_of(first, "to_version"), 1);
    assert_string_equal(str_of(first, "changed_by"), "alice");
    assert_true(int_of(json_array_get(h, 0), "id") > int_of(json_array_get(h, 1), "id"));
    json_decref(h);
}

static void alias_history_pages(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    for (int i = 0; i < 3; i++)
        add_text(f, "p", "v");
    for (int i = 0; i < 5; i++)
        set_alias(f, "p", "prod", i % 3 + 1);
    err_t err;
    json_t *page = must(prompts_alias_history(f->store, "p", "prod", 2, NULL, &err), &err, "p1");
    json_t *list = json_object_get(page, "history");
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(int_of(json_array_get(list, 0), "to_version"), 2); /* 5th change: 4%3+1 */
    char token[32];
    snprintf(token, sizeof token, "%s", str_of(page, "next_page_token"));
    json_decref(page);
    int total = 2;
    while (token[0]) {
        page = must(prompts_alias_history(f->store, "p", "prod", 2, token, &err), &err, "page");
        total += (int)json_array_size(json_object_get(page, "history"));
        const char *next = json_string_value(json_object_get(page, "next_page_token"));
        snprintf(token, sizeof token, "%s", next ? next : "");
        json_decref(page);
    }
    assert_int_equal(total, 5);
    /* An alias that never existed has an empty history; a bad alias name is 400. */
    json_t *h = history(f, "p", "never");
    assert_int_equal(json_array_size(h), 0);
    json_decref(h);
    expect_error(prompts_alias_history(f->store, "p", "Never", 0, NULL, &err), &err, 400,
                 "invalid_argument", "alias");
    expect_error(prompts_alias_history(f->store, "nope", "prod", 0, NULL, &err), &err, 404,
                 "not_found", NULL);
}

static void alias_rollback(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    for (int i = 0; i < 3; i++)
        add_text(f, "p", "v");
    err_t err;
    /* No history at all. */
    expect_error(prompts_rollback_alias(f->store, "p", "production", NULL, &err), &err, 404,
                 "not_found", NULL);
    /* Only its creation: nothing to go back to, and nothing changes. */
    set_alias(f, "p", "production", 1);
    expect_error(prompts_rollback_alias(f->store, "p", "production", NULL, &err), &err, 409,
                 "conflict", NULL);
    assert_non_null(strstr(err.message, "no earlier version"));
    assert_int_equal(alias_version(f, "p", "production"), 1);

    set_alias(f, "p", "production", 3);
    json_t *r =
        must(prompts_rollback_alias(f->store, "p", "production", "oncall", &err), &err, "rollback");
    assert_int_equal(int_of(r, "version"), 1);
    assert_int_equal(int_of(r, "previous_version"), 3);
    assert_string_equal(str_of(r, "updated_by"), "oncall");
    json_decref(r);
    assert_int_equal(alias_version(f, "p", "production"), 1);
    json_t *h = history(f, "p", "production");
    assert_string_equal(str_of(json_array_get(h, 0), "action"), "rollback");
    assert_int_equal(int_of(json_array_get(h, 0), "from_version"), 3);
    assert_int_equal(int_of(json_array_get(h, 0), "to_version"), 1);
    json_decref(h);
    /* Rolling back the rollback returns to 3 (like `cd -`). */
    json_decref(must(prompts_rollback_alias(f->store, "p", "production", NULL, &err), &err,
                     "rollback again"));
    assert_int_equal(alias_version(f, "p", "production"), 3);

    /* After a delete, rollback brings the alias back. */
    json_decref(must(prompts_delete_alias(f->store, "p", "production", NULL, &err), &err, "del"));
    r = must(prompts_rollback_alias(f->store, "p", "production", NULL, &err), &err, "undelete");
    assert_true(json_is_null(json_object_get(r, "previous_version")));
    assert_int_equal(int_of(r, "version"), 3);
    json_decref(r);
    assert_int_equal(alias_version(f, "p", "production"), 3);
    h = history(f, "p", "production");
    assert_int_equal(json_array_size(h), 6);
    /* The chain holds: each change starts where the one before ended. */
    for (size_t i = 0; i + 1 < json_array_size(h); i++)
        assert_true(json_equal(json_object_get(json_array_get(h, i), "from_version"),
                               json_object_get(json_array_get(h, i + 1), "to_version")));
    json_decref(h);
}

static void references_resolve(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    add_text(f, "p", "one");
    add_text(f, "p", "two");
    set_alias(f, "p", "production", 1);
    err_t err;
    json_t *v = must(prompts_resolve(f->store, "p", "2", &err), &err, "2");
    assert_string_equal(str_of(v, "template"), "two");
    json_decref(v);
    v = must(prompts_resolve(f->store, "p", "production", &err), &err, "production");
    assert_string_equal(str_of(v, "template"), "one");
    json_decref(v);
    expect_error(prompts_resolve(f->store, "p", "0", &err), &err, 400, "invalid_argument",
                 "version");
    expect_error(prompts_resolve(f->store, "p", "3", &err), &err, 404, "not_found", NULL);
    expect_error(prompts_resolve(f->store, "p", "staging", &err), &err, 404, "not_found", NULL);
    expect_error(prompts_resolve(f->store, "p", "Bad!", &err), &err, 400, "invalid_argument",
                 "version");
    expect_error(prompts_resolve(f->store, "p", "", &err), &err, 400, "invalid_argument",
                 "version");
}

/* ---- render -----------------------------------------------------------------------------------
 */

static json_t *render(fixture_t *f, const char *name, int64_t version, const char *alias,
                      const char *vars_json, int lenient, err_t *err)
{
    json_t *vars = vars_json ? json_loads(vars_json, JSON_DECODE_ANY, NULL) : NULL;
    prompt_render_in_t in = {version, alias, vars, lenient};
    json_t *out = prompts_render(f->store, name, &in, err);
    json_decref(vars);
    return out;
}

static void render_text_and_chat(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    err_t err;
    json_decref(must(add_json(f, "p",
                              "{\"template\": \"Hello {{ name }}!\\nQ: {{ q }}\", "
                              "\"model_config\": {\"model\": \"m\"}}",
                              &err),
                     &err, "v1"));
    json_decref(must(add_json(f, "p",
                              "{\"messages\": [{\"role\": \"system\", \"content\": \"Be "
                              "{{ tone }}.\"}, {\"role\": \"user\", \"content\": \"{{ q }}\"}]}",
                              &err),
                     &err, "v2"));
    set_alias(f, "p", "production", 1);

    /* By alias. */
    json_t *r =
        must(render(f, "p", 0, "production", "{\"name\": \"Ada\", \"q\": \"why?\"}", 0, &err), &err,
             "alias");
    assert_string_equal(str_of(r, "text"), "Hello Ada!\nQ: why?");
    assert_int_equal(int_of(r, "version"), 1);
    assert_string_equal(str_of(r, "alias"), "production");
    assert_string_equal(str_of(r, "type"), "text");
    assert_string_equal(str_of(json_object_get(r, "model_config"), "model"), "m");
    assert_string_equal(str_of(json_object_get(r, "lineage_node"), "id"), "p/1");
    json_decref(r);

    /* Latest by default: the chat version. */
    r = must(render(f, "p", 0, NULL, "{\"tone\": \"brief\", \"q\": \"hi\"}", 0, &err), &err,
             "latest");
    assert_int_equal(int_of(r, "version"), 2);
    assert_null(json_object_get(r, "alias"));
    assert_null(json_object_get(r, "text"));
    json_t *expected = json_pack("[{s:s, s:s}, {s:s, s:s}]", "role", "system", "content",
                                 "Be brief.", "role", "user", "content", "hi");
    assert_true(json_equal(json_object_get(r, "messages"), expected));
    json_decref(expected);
    assert_true(json_is_null(json_object_get(r, "model_config")));
    json_decref(r);

    /* By version number. */
    r = must(render(f, "p", 1, NULL, "{\"name\": \"Bo\", \"q\": \"x\"}", 0, &err), &err, "v1");
    assert_string_equal(str_of(r, "text"), "Hello Bo!\nQ: x");
    json_decref(r);
}

static void render_strict_and_lenient(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    add_text(f, "p", "Hello {{ name }}!\nQ: {{ question }}");
    err_t err;
    /* Strict (the default): the missing variable is named with its position. */
    expect_error(render(f, "p", 0, NULL, "{\"name\": \"Ada\"}", 0, &err), &err, 400,
                 "template_undefined", "variables");
    assert_non_null(strstr(err.message, "question"));
    assert_non_null(strstr(err.message, "line 2:"));
    expect_error(render(f, "p", 0, NULL, NULL, 0, &err), &err, 400, "template_undefined",
                 "variables");
    assert_non_null(strstr(err.message, "name"));
    /* Lenient: missing variables are empty. */
    json_t *r = must(render(f, "p", 0, NULL, "{\"name\": \"Ada\"}", 1, &err), &err, "lenient");
    assert_string_equal(str_of(r, "text"), "Hello Ada!\nQ: ");
    json_decref(r);

    /* In a chat prompt the error says which message. */
    json_decref(must(add_json(f, "p",
                              "{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, "
                              "{\"role\": \"user\", \"content\": \"Ask {{ q }}\"}]}",
                              &err),
                     &err, "chat"));
    expect_error(render(f, "p", 2, NULL, "{}", 0, &err), &err, 400, "template_undefined",
                 "variables");
    assert_non_null(strstr(err.message, "messages[1] (user)"));
    assert_non_null(strstr(err.message, "'q'"));
}

static void render_errors(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "empty");
    err_t err;
    expect_error(render(f, "empty", 0, NULL, NULL, 0, &err), &err, 404, "not_found", NULL);
    assert_non_null(strstr(err.message, "no versions"));
    create_prompt(f, "p");
    add_text(f, "p", "x");
    set_alias(f, "p", "production", 1);
    expect_error(render(f, "p", 1, "production", NULL, 0, &err), &err, 400, "invalid_argument",
                 "alias");
    expect_error(render(f, "p", 0, "staging", NULL, 0, &err), &err, 404, "not_found", NULL);
    expect_error(render(f, "p", 0, "Staging!", NULL, 0, &err), &err, 400, "invalid_argument",
                 "alias");
    expect_error(render(f, "p", 2, NULL, NULL, 0, &err), &err, 404, "not_found", NULL);
    expect_error(render(f, "p", -1, NULL, NULL, 0, &err), &err, 400, "invalid_argument", "version");
    expect_error(render(f, "p", 0, NULL, "[1, 2]", 0, &err), &err, 400, "invalid_argument",
                 "variables");
    expect_error(render(f, "nope", 0, NULL, NULL, 0, &err), &err, 404, "not_found", NULL);
}

/* ---- diff -------------------------------------------------------------------------------------
 */

static json_t *diff(fixture_t *f, const char *from, const char *to)
{
    err_t err;
    return must(prompts_diff(f->store, "p", from, to, &err), &err, "diff");
}

static void diff_versions(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    err_t err;
    json_decref(must(add_json(f, "p",
                              "{\"template\": \"You are helpful.\\nAnswer {{ q }}.\\n\", "
                              "\"model_config\": {\"temperature\": 0.7, \"model\": \"m\"}}",
                              &err),
                     &err, "v1"));
    json_decref(must(add_json(f, "p",
                              "{\"template\": \"You are a pirate.\\nAnswer {{ q }}.\\n\", "
                              "\"model_config\": {\"model\": \"m\", \"temperature\": 0.7}}",
                              &err),
                     &err, "v2"));
    json_decref(must(add_json(f, "p",
                              "{\"messages\": [{\"role\": \"system\", \"content\": \"You are a "
                              "pirate.\"}, {\"role\": \"user\", \"content\": \"Answer {{ q }}.\"}],"
                              " \"model_config\": {\"model\": \"m\", \"temperature\": 0.2}}",
                              &err),
                     &err, "v3"));
    set_alias(f, "p", "production", 2);

    json_t *d = diff(f, "1", "production");
    assert_int_equal(int_of(json_object_get(d, "from"), "version"), 1);
    assert_int_equal(int_of(json_object_get(d, "to"), "version"), 2);
    assert_string_equal(str_of(json_object_get(d, "to"), "ref"), "production");
    /* Same config in a different key order: no config diff. */
    assert_string_equal(str_of(d, "model_config_diff"), "");
    assert_string_equal(str_of(d, "template_diff"),
                        "--- p@1\n+++ p@2\n@@ -1,2 +1,2 @@\n-You are helpful.\n+You are a pirate.\n"
                        " Answer {{ q }}.\n");
    assert_string_equal(str_of(d, "diff"), str_of(d, "template_diff"));
    json_decref(d);

    d = diff(f, "2", "3");
    assert_string_equal(str_of(d, "template_diff"),
                        "--- p@2\n+++ p@3\n@@ -1,2 +1,4 @@\n+### system\n You are a pirate.\n"
                        "+### user\n Answer {{ q }}.\n");
    assert_string_equal(str_of(d, "model_config_diff"),
                        "--- p@2 model_config\n+++ p@3 model_config\n@@ -1,4 +1,4 @@\n {\n"
                        "   \"model\": \"m\",\n-  \"temperature\": 0.7\n+  \"temperature\": 0.2\n"
                        " }\n");
    char both[1024];
    snprintf(both, sizeof both, "%s%s", str_of(d, "template_diff"), str_of(d, "model_config_diff"));
    assert_string_equal(str_of(d, "diff"), both);
    json_decref(d);

    d = diff(f, "production", "2");
    assert_string_equal(str_of(d, "diff"), "");
    json_decref(d);

    expect_error(prompts_diff(f->store, "p", "1", "9", &err), &err, 404, "not_found", NULL);
    expect_error(prompts_diff(f->store, "p", "x y", "1", &err), &err, 400, "invalid_argument",
                 "from");
    expect_error(prompts_diff(f->store, "p", "1", "staging", &err), &err, 404, "not_found", NULL);
    expect_error(prompts_diff(f->store, "p", "1", NULL, &err), &err, 400, "invalid_argument", "to");
    expect_error(prompts_diff(f->store, "nope", "1", "2", &err), &err, 404, "not_found", NULL);
}

/* ---- list, update, delete ---------------------------------------------------------------------
 */

static void list_filters_and_pages(void **state)
{
    fixture_t *f = *state;
    const char *names[] = {"alpha", "beta", "Gamma-QA", "qa_one", "qaxone", "zeta.qa"};
    for (size_t i = 0; i < 6; i++)
        create_prompt(f, names[i]);
    add_text(f, "beta", "b");
    set_alias(f, "beta", "production", 1);
    err_t err;
    json_t *all = must(prompts_list(f->store, NULL, 0, NULL, &err), &err, "all");
    json_t *list = json_object_get(all, "prompts");
    assert_int_equal(json_array_size(list), 6);
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        if (strcmp(str_of(p, "name"), "beta") == 0) {
            assert_int_equal(int_of(p, "latest_version"), 1);
            assert_int_equal(int_of(json_object_get(p, "aliases"), "production"), 1);
        }
    }
    json_decref(all);

    /* Substring, case-insensitive; '_' is a literal underscore, not LIKE's wildcard. */
    json_t *qa = must(prompts_list(f->store, "QA", 0, NULL, &err), &err, "qa");
    assert_int_equal(json_array_size(json_object_get(qa, "prompts")), 4);
    json_decref(qa);
    json_t *under = must(prompts_list(f->store, "qa_", 0, NULL, &err), &err, "qa_");
    assert_int_equal(json_array_size(json_object_get(under, "prompts")), 1);
    assert_string_equal(str_of(json_array_get(json_object_get(under, "prompts"), 0), "name"),
                        "qa_one");
    json_decref(under);
    json_t *pct = must(prompts_list(f->store, "%", 0, NULL, &err), &err, "%");
    assert_int_equal(json_array_size(json_object_get(pct, "prompts")), 0);
    json_decref(pct);

    /* Pages of 4 then 2, covering everyone once. */
    json_t *page1 = must(prompts_list(f->store, NULL, 4, NULL, &err), &err, "page1");
    assert_int_equal(json_array_size(json_object_get(page1, "prompts")), 4);
    json_t *page2 =
        must(prompts_list(f->store, NULL, 4, str_of(page1, "next_page_token"), &err), &err, "p2");
    assert_int_equal(json_array_size(json_object_get(page2, "prompts")), 2);
    assert_null(json_object_get(page2, "next_page_token"));
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 2; b++)
            assert_string_not_equal(
                str_of(json_array_get(json_object_get(page1, "prompts"), a), "name"),
                str_of(json_array_get(json_object_get(page2, "prompts"), b), "name"));
    json_decref(page1);
    json_decref(page2);
    expect_error(prompts_list(f->store, NULL, -1, NULL, &err), &err, 400, "invalid_argument",
                 "limit");
    expect_error(prompts_list(f->store, NULL, 0, "a/b", &err), &err, 400, "invalid_argument",
                 "page_token");
}

static void update_description_and_tags(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *tags = json_pack("{s:s, s:s}", "team", "search", "tier", "1");
    prompt_create_in_t in = {.name = "p", .description = "old", .tags = tags};
    json_decref(must(prompts_create(f->store, &in, &err), &err, "create"));
    json_decref(tags);

    json_t *patch = json_pack("{s:s, s:n, s:s}", "team", "ranking", "tier", "owner", "ann");
    json_t *p = must(prompts_update(f->store, "p", "new", patch, &err), &err, "update");
    json_decref(patch);
    assert_string_equal(str_of(p, "description"), "new");
    json_t *expected = json_pack("{s:s, s:s}", "team", "ranking", "owner", "ann");
    assert_true(json_equal(json_object_get(p, "tags"), expected));
    json_decref(expected);
    json_decref(p);

    /* Description only: tags stay. */
    p = must(prompts_update(f->store, "p", NULL, NULL, &err), &err, "noop");
    assert_string_equal(str_of(p, "description"), "new");
    assert_int_equal(json_object_size(json_object_get(p, "tags")), 2);
    json_decref(p);

    json_t *bad = json_pack("{s:i}", "team", 5);
    expect_error(prompts_update(f->store, "p", "x", bad, &err), &err, 400, "invalid_argument",
                 "tags");
    json_decref(bad);
    bad = json_pack("[s]", "x");
    expect_error(prompts_update(f->store, "p", NULL, bad, &err), &err, 400, "invalid_argument",
                 "tags");
    json_decref(bad);
    p = must(prompts_get(f->store, "p", &err), &err, "get");
    assert_string_equal(str_of(p, "description"), "new"); /* unchanged by the failures */
    json_decref(p);
    expect_error(prompts_update(f->store, "nope", "x", NULL, &err), &err, 404, "not_found", NULL);
}

static void delete_removes_everything(void **state)
{
    fixture_t *f = *state;
    create_prompt(f, "p");
    add_text(f, "p", "one");
    add_text(f, "p", "two");
    set_alias(f, "p", "production", 2);
    create_prompt(f, "other");
    add_text(f, "other", "keep");
    set_alias(f, "other", "production", 1);
    err_t err;
    assert_int_equal(prompts_delete(f->store, "p", &err), 0);
    expect_error(prompts_get(f->store, "p", &err), &err, 404, "not_found", NULL);
    assert_int_equal(prompts_delete(f->store, "p", &err), -1);
    assert_int_equal(err.status, 404);

    /* The name can be used again, from version 1 with no aliases or history. */
    create_prompt(f, "p");
    assert_int_equal(add_text(f, "p", "fresh"), 1);
    json_t *h = history(f, "p", "production");
    assert_int_equal(json_array_size(h), 0);
    json_decref(h);
    /* Other prompts are untouched. */
    assert_int_equal(alias_version(f, "other", "production"), 1);
    store_conn_t *c = store_acquire(f->store);
    store_rows_t *rows = store_query(c, "SELECT COUNT(*) FROM prompt_versions", NULL, 0, &err);
    store_release(f->store, c);
    assert_non_null(rows);
    assert_int_equal(store_rows_int(rows, 0, 0), 2);
    store_rows_free(rows);
}

/* ---- test list --------------------------------------------------------------------------------
 */

#define T(prefix, fn)                                                                              \
    {                                                                                              \
        .name = prefix #fn, .test_func = fn, .setup_func = setup                                   \
    }
#define PROMPT_TESTS(prefix)                                                                       \
    T(prefix, create_and_get), T(prefix, name_rules), T(prefix, create_with_first_version),        \
        T(prefix, versions_are_numbered_and_never_reused),                                         \
        T(prefix, concurrent_creates_get_distinct_numbers), T(prefix, versions_are_immutable),     \
        T(prefix, variables_are_extracted), T(prefix, bad_versions_change_nothing),                \
        T(prefix, alias_set_move_delete), T(prefix, alias_history_pages),                          \
        T(prefix, alias_rollback), T(prefix, references_resolve), T(prefix, render_text_and_chat), \
        T(prefix, render_strict_and_lenient), T(prefix, render_errors), T(prefix, diff_versions),  \
        T(prefix, list_filters_and_pages), T(prefix, update_description_and_tags),                 \
        T(prefix, delete_removes_everything)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {PROMPT_TESTS("sqlite: ")};
    int failed = cmocka_run_group_tests_name("prompts sqlite", sqlite_tests, group_setup_sqlite,
                                             group_teardown);
    if (test_pg_url()) {
        const struct CMUnitTest pg_tests[] = {PROMPT_TESTS("postgresql: ")};
        failed += cmocka_run_group_tests_name("prompts postgresql", pg_tests, group_setup_postgres,
                                              group_teardown);
    }
    return failed;
}
