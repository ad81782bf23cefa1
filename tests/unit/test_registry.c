/* test_registry.c - unit tests for the model registry services (registry/models.h,
 * versions.h, aliases.h, registry_validate.h) against a real, freshly migrated store:
 * the JSON they return, version numbering (1, 2, 3..., never reused after a delete, separate
 * per model), concurrent version creation from several threads on one store, aliases being
 * set, moved, read and deleted (and dropped with their version), the delete cascade of a
 * model, renames, tags, the serving spec, lineage recorded with a run_id, get-latest-versions,
 * and validation errors that name the field and leave the database exactly as it was.
 *
 * Every store-backed test runs on SQLite and, when LLMOPS_TEST_PG_URL names a PostgreSQL server,
 * again on PostgreSQL in a database of its own (store_testutil.h). Each test starts from empty
 * registry and lineage tables. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>
#include <pthread.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "lineage/lineage.h"
#include "registry/aliases.h"
#include "registry/models.h"
#include "registry/registry_search.h"
#include "registry/registry_validate.h"
#include "registry/versions.h"
#include "store/store.h"
#include "tracking/runs.h"

/* ---- fixture: the migrated store of store_testutil.h ---------------------------------------- */

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM registry_models"); /* cascades to versions, tags */
    test_store_exec(f->store, "DELETE FROM lineage_edges");
    return 0;
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* A snapshot of every registry table as text, to prove a failed call changed nothing. */
static char *snapshot(fixture_t *f)
{
    static const char *const queries[] = {
        "SELECT id, name, description, creation_time, last_updated_time, next_version "
        "FROM registry_models ORDER BY id",
        "SELECT model_id, version, last_updated_time, description, source, run_id, serving "
        "FROM registry_versions ORDER BY model_id, version",
        "SELECT model_id, key, value FROM registry_model_tags ORDER BY model_id, key",
        "SELECT model_id, version, key, value FROM registry_version_tags "
        "ORDER BY model_id, version, key",
        "SELECT model_id, alias, version FROM registry_aliases ORDER BY model_id, alias",
        "SELECT src_id, dst_id, relation FROM lineage_edges ORDER BY id",
    };
    buf_t out;
    buf_init(&out);
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        store_rows_t *rows = store_query(c, queries[q], NULL, 0, &err);
        if (!rows)
            fail_msg("%s: %s", queries[q], err.message);
        for (size_t r = 0; r < store_rows_count(rows); r++) {
            for (size_t col = 0; col < store_rows_columns(rows); col++) {
                const char *t = store_rows_text(rows, r, col);
                buf_printf(&out, "%s|", t ? t : "NULL");
            }
            buf_append_char(&out, '\n');
        }
        buf_append_str(&out, "--\n");
        store_rows_free(rows);
    }
    store_release(f->store, c);
    return buf_steal(&out);
}

static json_t *create_model(fixture_t *f, const char *name)
{
    registry_model_in_t in = {.name = name};
    err_t err;
    json_t *m = registry_model_create(f->store, &in, &err);
    if (!m)
        fail_msg("registry_model_create %s: %s", name, err.message);
    return m;
}

static void create_model_ok(fixture_t *f, const char *name)
{
    json_decref(create_model(f, name));
}

static json_t *create_version(fixture_t *f, const char *name, const char *source,
                              const char *run_id)
{
    registry_version_in_t in = {.name = name, .source = source, .run_id = run_id};
    err_t err;
    json_t *v = registry_version_create(f->store, &in, &err);
    if (!v)
        fail_msg("registry_version_create %s: %s", name, err.message);
    return v;
}

/* A real run in the Default experiment, for versions registered from a run; id into out. */
static void make_run(fixture_t *f, char out[RUN_ID_SIZE])
{
    err_t err;
    run_create_t in = {.run_name = "trainer"};
    json_t *run = runs_create(f->store, &in, &err);
    if (!run)
        fail_msg("runs_create: %s", err.message);
    snprintf(out, RUN_ID_SIZE, "%s",
             json_string_value(json_object_get(json_object_get(run, "info"), "run_id")));
    json_decref(run);
}

static json_int_t create_version_number(fixture_t *f, const char *name)
{
    json_t *v = create_version(f, name, "s3://bucket/model", NULL);
    json_int_t n = json_integer_value(json_object_get(v, "version"));
    json_decref(v);
    return n;
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_int_t num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* Assert that err is a 400 naming field. */
static void assert_invalid(const err_t *err, const char *field)
{
    assert_int_equal(err->status, 400);
    assert_string_equal(err->code, "invalid_argument");
    assert_string_equal(err->field, field);
}

static void assert_not_found(const err_t *err)
{
    assert_int_equal(err->status, 404);
    assert_string_equal(err->code, "not_found");
}

/* ---- registered models ---------------------------------------------------------------------- */

static void model_create_returns_json(void **state)
{
    fixture_t *f = *state;
    registry_tag_t tags[] = {{"team", "search"}, {"tier", "gold"}, {"team", "ranking"}};
    registry_model_in_t in = {"support-bot", "answers tickets", tags, 3};
    err_t err;
    json_t *m = registry_model_create(f->store, &in, &err);
    assert_non_null(m);
    assert_string_equal(str(m, "name"), "support-bot");
    assert_string_equal(str(m, "description"), "answers tickets");
    const json_int_t jan_2024_ms = 1704067200000;
    assert_true(num(m, "creation_timestamp") > jan_2024_ms);
    assert_int_equal(num(m, "last_updated_timestamp"), num(m, "creation_timestamp"));
    json_t *t = json_object_get(m, "tags");
    assert_int_equal(json_object_size(t), 2);
    assert_string_equal(str(t, "team"), "ranking"); /* a repeated key keeps its last value */
    assert_string_equal(str(t, "tier"), "gold");
    assert_int_equal(json_object_size(json_object_get(m, "aliases")), 0);
    assert_true(json_is_null(json_object_get(m, "latest_version")));
    json_decref(m);

    json_t *got = registry_model_get(f->store, "support-bot", &err);
    assert_non_null(got);
    assert_string_equal(str(json_object_get(got, "tags"), "tier"), "gold");
    json_decref(got);

    /* No description: null. */
    m = create_model(f, "bare");
    assert_true(json_is_null(json_object_get(m, "description")));
    json_decref(m);
}

static void model_create_rejects_bad_input(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "taken");
    char *before = snapshot(f);
    err_t err;

    registry_model_in_t dup = {.name = "taken"};
    assert_null(registry_model_create(f->store, &dup, &err));
    assert_int_equal(err.status, 409);
    assert_string_equal(err.message, "Registered Model (name=taken) already exists.");

    registry_model_in_t empty = {.name = ""};
    assert_null(registry_model_create(f->store, &empty, &err));
    assert_invalid(&err, "name");
    registry_model_in_t none = {.name = NULL};
    assert_null(registry_model_create(f->store, &none, &err));
    assert_invalid(&err, "name");

    char long_name[252];
    memset(long_name, 'n', 251);
    long_name[251] = '\0';
    registry_model_in_t too_long = {.name = long_name};
    assert_null(registry_model_create(f->store, &too_long, &err));
    assert_invalid(&err, "name");

    char long_desc[5002];
    memset(long_desc, 'd', 5001);
    long_desc[5001] = '\0';
    registry_model_in_t desc = {.name = "fresh", .description = long_desc};
    assert_null(registry_model_create(f->store, &desc, &err));
    assert_invalid(&err, "description");

    registry_tag_t bad_key[] = {{"ok", "1"}, {"../escape", "2"}};
    registry_model_in_t tags = {.name = "fresh", .tags = bad_key, .ntags = 2};
    assert_null(registry_model_create(f->store, &tags, &err));
    assert_invalid(&err, "tags[1].key");

    char *after = snapshot(f);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* Exactly 250 characters is fine, counted as characters not bytes: "é" is 2 bytes. */
    char name250[501];
    for (int i = 0; i < 250; i++)
        memcpy(name250 + 2 * i, "\xc3\xa9", 2);
    name250[500] = '\0';
    create_model_ok(f, name250);
    name250[498] = '\0'; /* 249 characters */
    create_model_ok(f, name250);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_models"), 3);
}

static void model_get_unknown_is_404(void **state)
{
    fixture_t *f = *state;
    err_t err;
    assert_null(registry_model_get(f->store, "nope", &err));
    assert_not_found(&err);
    assert_string_equal(err.message, "Registered Model with name=nope not found");
    assert_null(registry_model_get(f->store, "", &err));
    assert_invalid(&err, "name");
    /* Names are case-sensitive. */
    create_model_ok(f, "Model");
    assert_null(registry_model_get(f->store, "model", &err));
    assert_not_found(&err);
}

static void model_update_renames_and_describes(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "old");
    create_model_ok(f, "other");
    json_decref(create_version(f, "old", "s3://b/1", NULL));
    err_t err;
    json_t *v1 = registry_alias_set(f->store, "old", "champion", 1, &err);
    assert_non_null(v1);
    json_decref(v1);

    registry_model_patch_t both = {.new_name = "new", .set_description = 1, .description = "d"};
    json_t *m = registry_model_update(f->store, "old", &both, &err);
    assert_non_null(m);
    assert_string_equal(str(m, "name"), "new");
    assert_string_equal(str(m, "description"), "d");
    assert_true(num(m, "last_updated_timestamp") >= num(m, "creation_timestamp"));
    /* Versions and aliases follow the rename. */
    assert_int_equal(num(json_object_get(m, "aliases"), "champion"), 1);
    json_t *latest = json_object_get(m, "latest_version");
    assert_string_equal(str(latest, "name"), "new");
    json_decref(m);
    assert_null(registry_model_get(f->store, "old", &err));
    assert_not_found(&err);

    /* Clear the description only. */
    registry_model_patch_t clear = {.set_description = 1, .description = NULL};
    m = registry_model_update(f->store, "new", &clear, &err);
    assert_non_null(m);
    assert_true(json_is_null(json_object_get(m, "description")));
    json_decref(m);

    char *before = snapshot(f);
    registry_model_patch_t clash = {.new_name = "other", .set_description = 1, .description = "x"};
    assert_null(registry_model_update(f->store, "new", &clash, &err));
    assert_int_equal(err.status, 409);
    assert_string_equal(err.message, "Registered Model (name=other) already exists.");
    registry_model_patch_t unknown = {.new_name = "z"};
    assert_null(registry_model_update(f->store, "missing", &unknown, &err));
    assert_not_found(&err);
    registry_model_patch_t empty = {.new_name = ""};
    assert_null(registry_model_update(f->store, "new", &empty, &err));
    assert_invalid(&err, "new_name");
    char *after = snapshot(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static size_t lineage_count(fixture_t *f, const char *id)
{
    err_t err;
    json_t *r = lineage_edges(f->store, "model_version", id, LINEAGE_BOTH, &err);
    if (!r)
        fail_msg("lineage_edges: %s", err.message);
    size_t n = json_array_size(json_object_get(r, "edges"));
    json_decref(r);
    return n;
}

/* Lineage knows versions as model_version:<name>/<N>: a rename carries them to the new name,
 * and only this model's (not those of "team/bot" when "team" is renamed). */
static void model_rename_carries_lineage(void **state)
{
    fixture_t *f = *state;
    char run[RUN_ID_SIZE];
    make_run(f, run);
    create_model_ok(f, "team");
    create_model_ok(f, "team/bot");
    json_decref(create_version(f, "team", "s3://b/1", run));
    json_decref(create_version(f, "team", "s3://b/2", run));
    json_decref(create_version(f, "team/bot", "s3://b/3", run));
    err_t err;
    lineage_edge_in_t served = {"model_version", "team/2", "trace", "t1", "served_by"};
    store_conn_t *c = store_acquire(f->store);
    json_t *edge = lineage_record(c, &served, NULL, &err);
    store_release(f->store, c);
    assert_non_null(edge);
    json_decref(edge);

    registry_model_patch_t patch = {.new_name = "crew"};
    json_t *m = registry_model_update(f->store, "team", &patch, &err);
    assert_non_null(m);
    json_decref(m);
    assert_int_equal(lineage_count(f, "crew/1"), 1);
    assert_int_equal(lineage_count(f, "crew/2"), 2);
    assert_int_equal(lineage_count(f, "team/1"), 0);
    assert_int_equal(lineage_count(f, "team/2"), 0);
    assert_int_equal(lineage_count(f, "team/bot/1"), 1);

    /* A rename that fails leaves lineage as it was: a taken name, and a name so long (750
     * bytes) that "<name>/1" cannot be a lineage id. */
    char *before = snapshot(f);
    registry_model_patch_t clash = {.new_name = "team/bot"};
    assert_null(registry_model_update(f->store, "crew", &clash, &err));
    assert_int_equal(err.status, 409);
    char name[751];
    for (int i = 0; i < 250; i++)
        memcpy(name + 3 * i, "\xe2\x82\xac", 3);
    name[750] = '\0';
    registry_model_patch_t too_long = {.new_name = name};
    assert_null(registry_model_update(f->store, "crew", &too_long, &err));
    assert_invalid(&err, "new_name");
    char *after = snapshot(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* And "team/bot"'s own versions follow its own rename. */
    m = registry_model_update(f->store, "team/bot", &(registry_model_patch_t){.new_name = "solo"},
                              &err);
    assert_non_null(m);
    json_decref(m);
    assert_int_equal(lineage_count(f, "solo/1"), 1);
}

static void model_tags_set_replace_delete(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "m");
    err_t err;
    assert_int_equal(registry_model_set_tag(f->store, "m", "owner", "ana", &err), 0);
    assert_int_equal(registry_model_set_tag(f->store, "m", "owner", "bo", &err), 0);
    assert_int_equal(registry_model_set_tag(f->store, "m", "a/b.c-d e:f_g", "", &err), 0);
    json_t *m = registry_model_get(f->store, "m", &err);
    assert_string_equal(str(json_object_get(m, "tags"), "owner"), "bo");
    assert_string_equal(str(json_object_get(m, "tags"), "a/b.c-d e:f_g"), "");
    json_decref(m);

    assert_int_equal(registry_model_delete_tag(f->store, "m", "owner", &err), 0);
    assert_int_equal(registry_model_delete_tag(f->store, "m", "never-set", &err), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_model_tags"), 1);

    char *before = snapshot(f);
    static const char *const bad_keys[] = {"",     "/abs", "a//b",  "a/",   "..",
                                           "../x", "..x",  "a/./b", "bad!", "semi;colon"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        assert_int_equal(registry_model_set_tag(f->store, "m", bad_keys[i], "v", &err), -1);
        assert_invalid(&err, "key");
    }
    char long_value[5002];
    memset(long_value, 'v', 5001);
    long_value[5001] = '\0';
    assert_int_equal(registry_model_set_tag(f->store, "m", "k", long_value, &err), -1);
    assert_invalid(&err, "value");
    long_value[5000] = '\0';
    assert_int_equal(registry_model_set_tag(f->store, "nope", "k", "v", &err), -1);
    assert_not_found(&err);
    assert_int_equal(registry_model_delete_tag(f->store, "nope", "k", &err), -1);
    assert_not_found(&err);
    char *after = snapshot(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(registry_model_set_tag(f->store, "m", "k", long_value, &err), 0);
}

static void model_delete_cascades(void **state)
{
    fixture_t *f = *state;
    registry_tag_t tags[] = {{"k", "v"}};
    registry_model_in_t in = {.name = "doomed", .tags = tags, .ntags = 1};
    err_t err;
    json_decref(registry_model_create(f->store, &in, &err));
    create_model_ok(f, "survivor");
    char run[RUN_ID_SIZE];
    make_run(f, run);
    for (int i = 0; i < 3; i++) {
        json_decref(create_version(f, "doomed", "s3://b/m", run));
        json_decref(create_version(f, "survivor", "s3://b/s", NULL));
    }
    assert_int_equal(registry_version_set_tag(f->store, "doomed", 2, "k", "v", &err), 0);
    assert_int_equal(registry_version_set_tag(f->store, "survivor", 2, "k", "v", &err), 0);
    json_decref(registry_alias_set(f->store, "doomed", "prod", 2, &err));
    json_decref(registry_alias_set(f->store, "survivor", "prod", 3, &err));

    assert_int_equal(registry_model_delete(f->store, "doomed", &err), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_models"), 1);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_versions"), 3);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_model_tags"), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_version_tags"), 1);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_aliases"), 1);
    /* Lineage is history: it stays. */
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM lineage_edges"), 3);

    assert_int_equal(registry_model_delete(f->store, "doomed", &err), -1);
    assert_not_found(&err);
    assert_null(registry_version_get(f->store, "doomed", 1, &err));
    assert_not_found(&err);

    /* A new model of the same name is a new model: numbering starts over. */
    create_model_ok(f, "doomed");
    assert_int_equal(create_version_number(f, "doomed"), 1);
}

/* ---- versions ------------------------------------------------------------------------------- */

static void version_create_returns_json(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "m");
    registry_tag_t tags[] = {{"framework", "vllm"}};
    json_t *serving = json_pack("{s:s, s:s, s:s, s:{s:f, s:i}}", "provider", "openai", "model",
                                "gpt-4o-mini", "base_url", "https://api.openai.com/v1", "params",
                                "temperature", 0.2, "max_tokens", 256);
    char run[RUN_ID_SIZE], source[64], link[64];
    make_run(f, run);
    snprintf(source, sizeof source, "runs:/%s/model", run);
    snprintf(link, sizeof link, "http://mlflow/runs/%s", run);
    registry_version_in_t in = {.name = "m",
                                .source = source,
                                .run_id = run,
                                .run_link = link,
                                .description = "first cut",
                                .tags = tags,
                                .ntags = 1,
                                .serving = serving};
    err_t err;
    json_t *v = registry_version_create(f->store, &in, &err);
    json_decref(serving);
    assert_non_null(v);
    assert_string_equal(str(v, "name"), "m");
    assert_int_equal(num(v, "version"), 1);
    assert_string_equal(str(v, "source"), source);
    assert_string_equal(str(v, "run_id"), run);
    assert_string_equal(str(v, "run_link"), link);
    assert_string_equal(str(v, "description"), "first cut");
    assert_string_equal(str(v, "status"), "READY");
    assert_string_equal(str(json_object_get(v, "tags"), "framework"), "vllm");
    assert_int_equal(json_array_size(json_object_get(v, "aliases")), 0);
    json_t *s = json_object_get(v, "serving");
    assert_string_equal(str(s, "provider"), "openai");
    assert_string_equal(str(s, "model"), "gpt-4o-mini");
    assert_string_equal(str(s, "base_url"), "https://api.openai.com/v1");
    assert_int_equal(num(json_object_get(s, "params"), "max_tokens"), 256);
    json_decref(v);

    /* The model's latest version and last_updated_timestamp follow. */
    json_t *m = registry_model_get(f->store, "m", &err);
    assert_int_equal(num(json_object_get(m, "latest_version"), "version"), 1);
    json_decref(m);

    /* Without optional fields: nulls. */
    v = create_version(f, "m", "s3://b/2", "");
    assert_int_equal(num(v, "version"), 2);
    assert_true(json_is_null(json_object_get(v, "run_id")));
    assert_true(json_is_null(json_object_get(v, "serving")));
    assert_true(json_is_null(json_object_get(v, "description")));
    json_decref(v);

    v = registry_version_get(f->store, "m", 1, &err);
    assert_non_null(v);
    assert_string_equal(str(json_object_get(v, "serving"), "provider"), "openai");
    json_decref(v);
}

static void version_numbers_are_never_reused(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "a");
    create_model_ok(f, "b");
    assert_int_equal(create_version_number(f, "a"), 1);
    assert_int_equal(create_version_number(f, "a"), 2);
    assert_int_equal(create_version_number(f, "b"), 1); /* per model */
    assert_int_equal(create_version_number(f, "a"), 3);
    err_t err;
    assert_int_equal(registry_version_delete(f->store, "a", 3, &err), 0);
    assert_int_equal(create_version_number(f, "a"), 4); /* the highest deleted: still used */
    assert_int_equal(registry_version_delete(f->store, "a", 1, &err), 0);
    assert_int_equal(create_version_number(f, "a"), 5);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_versions"), 4);

    assert_int_equal(registry_version_delete(f->store, "a", 1, &err), -1);
    assert_not_found(&err);
    assert_string_equal(err.message, "Model Version (name=a, version=1) not found");
    assert_null(registry_version_get(f->store, "a", 3, &err));
    assert_not_found(&err);
    assert_null(registry_version_get(f->store, "a", 99, &err));
    assert_not_found(&err);
    /* The model's latest version is the highest remaining. */
    json_t *m = registry_model_get(f->store, "a", &err);
    assert_int_equal(num(json_object_get(m, "latest_version"), "version"), 5);
    json_decref(m);
}

static void version_create_rejects_bad_input(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "m");
    assert_int_equal(create_version_number(f, "m"), 1);
    char *before = snapshot(f);
    err_t err;

    struct {
        registry_version_in_t in;
        const char *serving_json;
        const char *field;
    } cases[] = {
        {{.name = "m", .source = ""}, NULL, "source"},
        {{.name = "m", .source = NULL}, NULL, "source"},
        {{.name = "m", .source = "s3://b/../etc"}, NULL, "source"},
        {{.name = "m", .source = "/models/./x"}, NULL, "source"},
        {{.name = "m", .source = "http://h/a/%2e%2e/b"}, NULL, "source"},
        {{.name = "m", .source = "http://h/a/%252e%252e/b"}, NULL, "source"},
        {{.name = "m", .source = "s3://b/x", .run_id = "bad id"}, NULL, "run_id"},
        {{.name = "m", .source = "s3://b/x", .run_id = "-leading"}, NULL, "run_id"},
        {{.name = "", .source = "s3://b/x"}, NULL, "name"},
        {{.name = "m", .source = "s3://b/x"}, "[]", "serving"},
        {{.name = "m", .source = "s3://b/x"}, "{\"model\":\"gpt\"}", "serving.provider"},
        {{.name = "m", .source = "s3://b/x"}, "{\"provider\":\"openai\"}", "serving.model"},
        {{.name = "m", .source = "s3://b/x"},
         "{\"provider\":\"\",\"model\":\"m\"}",
         "serving.provider"},
        {{.name = "m", .source = "s3://b/x"},
         "{\"provider\":\"open ai\",\"model\":\"m\"}",
         "serving.provider"},
        {{.name = "m", .source = "s3://b/x"},
         "{\"provider\":\"openai\",\"model\":7}",
         "serving.model"},
        {{.name = "m", .source = "s3://b/x"},
         "{\"provider\":\"openai\",\"model\":\"m\",\"base_url\":\"ftp://x\"}",
         "serving.base_url"},
        {{.name = "m", .source = "s3://b/x"},
         "{\"provider\":\"openai\",\"model\":\"m\",\"params\":[1]}",
         "serving.params"},
        {{.name = "m", .source = "s3://b/x"},
         "{\"provider\":\"openai\",\"model\":\"m\",\"base-url\":\"http://x\"}",
         "serving.base-url"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *serving = cases[i].serving_json ? json_loads(cases[i].serving_json, 0, NULL) : NULL;
        cases[i].in.serving = serving;
        err_clear(&err);
        json_t *v = registry_version_create(f->store, &cases[i].in, &err);
        json_decref(serving);
        if (v)
            fail_msg("case %zu was accepted", i);
        if (strcmp(err.field, cases[i].field) != 0)
            fail_msg("case %zu: field '%s', expected '%s' (%s)", i, err.field, cases[i].field,
                     err.message);
        assert_int_equal(err.status, 400);
    }
    registry_tag_t bad_tags[] = {{"k", NULL}};
    registry_version_in_t tag_case = {
        .name = "m", .source = "s3://b/x", .tags = bad_tags, .ntags = 1};
    assert_null(registry_version_create(f->store, &tag_case, &err));
    assert_invalid(&err, "tags[0].value");

    registry_version_in_t unknown = {.name = "missing", .source = "s3://b/x"};
    assert_null(registry_version_create(f->store, &unknown, &err));
    assert_not_found(&err);
    assert_string_equal(err.message, "Registered Model with name=missing not found");

    /* A run_id that names no run: 404 naming the run, and no version number is used up. */
    registry_version_in_t no_run = {
        .name = "m", .source = "s3://b/x", .run_id = "0190ffffffffffffffffffffffffffff"};
    assert_null(registry_version_create(f->store, &no_run, &err));
    assert_not_found(&err);
    assert_string_equal(err.message, "Run with id=0190ffffffffffffffffffffffffffff not found");

    char *after = snapshot(f);
    assert_string_equal(before, after); /* the counter did not move either */
    free(before);
    free(after);
    assert_int_equal(create_version_number(f, "m"), 2);
}

static void version_update_and_tags(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "m");
    json_decref(create_version(f, "m", "s3://b/1", NULL));
    err_t err;
    json_t *v = registry_version_update(f->store, "m", 1, "better", &err);
    assert_non_null(v);
    assert_string_equal(str(v, "description"), "better");
    assert_true(num(v, "last_updated_timestamp") >= num(v, "creation_timestamp"));
    json_decref(v);
    v = registry_version_update(f->store, "m", 1, NULL, &err);
    assert_true(json_is_null(json_object_get(v, "description")));
    json_decref(v);

    assert_int_equal(registry_version_set_tag(f->store, "m", 1, "eval.acc", "0.91", &err), 0);
    assert_int_equal(registry_version_set_tag(f->store, "m", 1, "eval.acc", "0.93", &err), 0);
    v = registry_version_get(f->store, "m", 1, &err);
    assert_string_equal(str(json_object_get(v, "tags"), "eval.acc"), "0.93");
    json_decref(v);
    assert_int_equal(registry_version_delete_tag(f->store, "m", 1, "eval.acc", &err), 0);
    assert_int_equal(registry_version_delete_tag(f->store, "m", 1, "eval.acc", &err), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_version_tags"), 0);

    char *before = snapshot(f);
    assert_null(registry_version_update(f->store, "m", 2, "x", &err));
    assert_not_found(&err);
    assert_null(registry_version_update(f->store, "nope", 1, "x", &err));
    assert_not_found(&err);
    assert_int_equal(registry_version_set_tag(f->store, "m", 2, "k", "v", &err), -1);
    assert_not_found(&err);
    assert_int_equal(registry_version_set_tag(f->store, "m", 1, "a//b", "v", &err), -1);
    assert_invalid(&err, "key");
    assert_int_equal(registry_version_delete_tag(f->store, "m", 7, "k", &err), -1);
    assert_not_found(&err);
    char *after = snapshot(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void version_records_lineage(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "ranker");
    char run[RUN_ID_SIZE];
    make_run(f, run);
    json_decref(create_version(f, "ranker", "s3://b/1", run));
    json_decref(create_version(f, "ranker", "s3://b/2", NULL));
    err_t err;
    json_t *edges = lineage_edges(f->store, "model_version", "ranker/1", LINEAGE_UPSTREAM, &err);
    assert_non_null(edges);
    json_t *list = json_object_get(edges, "edges");
    assert_int_equal(json_array_size(list), 1);
    json_t *e = json_array_get(list, 0);
    assert_string_equal(str(json_object_get(e, "from"), "type"), "run");
    assert_string_equal(str(json_object_get(e, "from"), "id"), run);
    assert_string_equal(str(json_object_get(e, "to"), "type"), "model_version");
    assert_string_equal(str(json_object_get(e, "to"), "id"), "ranker/1");
    assert_string_equal(str(e, "relation"), "registered_as");
    json_decref(edges);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM lineage_edges"), 1);

    /* A create that fails records nothing. */
    registry_tag_t bad[] = {{"", "v"}};
    registry_version_in_t in = {
        .name = "ranker", .source = "s3://b/3", .run_id = run, .tags = bad, .ntags = 1};
    assert_null(registry_version_create(f->store, &in, &err));
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM lineage_edges"), 1);

    /* A model name so long (in bytes) that "<name>/<version>" cannot be a lineage id: refused,
     * naming run_id, with nothing written. 250 three-byte characters are 750 bytes. */
    char name[751];
    for (int i = 0; i < 250; i++)
        memcpy(name + 3 * i, "\xe2\x82\xac", 3);
    name[750] = '\0';
    create_model_ok(f, name);
    registry_version_in_t long_in = {.name = name, .source = "s3://b/x", .run_id = run};
    assert_null(registry_version_create(f->store, &long_in, &err));
    assert_invalid(&err, "run_id");
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_versions"), 2);
    registry_version_in_t no_run = {.name = name, .source = "s3://b/x"};
    json_t *v = registry_version_create(f->store, &no_run, &err);
    assert_non_null(v);
    assert_int_equal(num(v, "version"), 1);
    json_decref(v);

    /* A deleted run is still a run (it can be restored; MLflow's get_run finds it): accepted. */
    assert_int_equal(runs_delete(f->store, run, &err), 0);
    v = create_version(f, "ranker", "s3://b/4", run);
    assert_int_equal(num(v, "version"), 3);
    json_decref(v);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM lineage_edges"), 2);
}

/* Several threads create versions of one model at once; every number must be handed out
 * exactly once. */
typedef struct race {
    fixture_t *f;
    int per_thread;
    json_int_t *numbers; /* per_thread slots of this thread */
    int failures;
    char message[512];
} race_t;

static void *race_worker(void *arg)
{
    race_t *r = arg;
    for (int i = 0; i < r->per_thread; i++) {
        registry_version_in_t in = {.name = "hot", .source = "s3://b/m"};
        err_t err;
        json_t *v = registry_version_create(r->f->store, &in, &err);
        if (!v) {
            r->failures++;
            snprintf(r->message, sizeof r->message, "%s", err.message);
            continue;
        }
        r->numbers[i] = json_integer_value(json_object_get(v, "version"));
        json_decref(v);
    }
    return NULL;
}

static void version_create_is_concurrency_safe(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "hot");
    enum { THREADS = 6, PER_THREAD = 15, TOTAL = THREADS * PER_THREAD };
    json_int_t numbers[TOTAL] = {0};
    race_t races[THREADS];
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        races[t] = (race_t){.f = f, .per_thread = PER_THREAD, .numbers = numbers + t * PER_THREAD};
        assert_int_equal(pthread_create(&threads[t], NULL, race_worker, &races[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        if (races[t].failures)
            fail_msg("thread %d: %d creates failed: %s", t, races[t].failures, races[t].message);
    }
    int seen[TOTAL + 1] = {0};
    for (int i = 0; i < TOTAL; i++) {
        assert_true(numbers[i] >= 1 && numbers[i] <= TOTAL);
        seen[numbers[i]]++;
    }
    for (int n = 1; n <= TOTAL; n++)
        assert_int_equal(seen[n], 1);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_versions"), TOTAL);
    assert_int_equal(test_store_count(f->store, "SELECT MAX(next_version) FROM registry_models"),
                     TOTAL + 1);
}

static void latest_versions_by_stage(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "m");
    err_t err;
    json_t *none = registry_latest_versions(f->store, "m", NULL, 0, &err);
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);
    for (int i = 0; i < 3; i++)
        json_decref(create_version(f, "m", "s3://b/m", NULL));
    json_decref(registry_alias_set(f->store, "m", "prod", 3, &err));

    json_t *all = registry_latest_versions(f->store, "m", NULL, 0, &err);
    assert_int_equal(json_array_size(all), 1);
    assert_int_equal(num(json_array_get(all, 0), "version"), 3);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_array_get(all, 0), "aliases"), 0)),
        "prod");
    json_decref(all);

    const char *stages_none[] = {"production", "NONE"};
    json_t *r = registry_latest_versions(f->store, "m", stages_none, 2, &err);
    assert_int_equal(json_array_size(r), 1);
    json_decref(r);
    const char *stages_prod[] = {"Production", "staging", "archived"};
    r = registry_latest_versions(f->store, "m", stages_prod, 3, &err);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    const char *stages_bad[] = {"None", "Live"};
    assert_null(registry_latest_versions(f->store, "m", stages_bad, 2, &err));
    assert_invalid(&err, "stages");
    assert_null(registry_latest_versions(f->store, "x", NULL, 0, &err));
    assert_not_found(&err);
}

/* ---- aliases -------------------------------------------------------------------------------- */

static void alias_set_move_get_delete(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "m");
    json_decref(create_version(f, "m", "s3://b/1", NULL));
    json_decref(create_version(f, "m", "s3://b/2", NULL));
    err_t err;

    json_t *v = registry_alias_set(f->store, "m", "champion", 1, &err);
    assert_non_null(v);
    assert_int_equal(num(v, "version"), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "aliases"), 0)),
                        "champion");
    json_decref(v);
    json_decref(registry_alias_set(f->store, "m", "challenger", 2, &err));
    json_decref(registry_alias_set(f->store, "m", "Prod_2-b", 2, &err));

    json_t *m = registry_model_get(f->store, "m", &err);
    json_t *aliases = json_object_get(m, "aliases");
    assert_int_equal(json_object_size(aliases), 3);
    assert_int_equal(num(aliases, "champion"), 1);
    assert_int_equal(num(aliases, "challenger"), 2);
    json_decref(m);

    /* Move champion to 2: version 1 loses it, version 2 has all three. */
    json_decref(registry_alias_set(f->store, "m", "champion", 2, &err));
    v = registry_alias_get(f->store, "m", "champion", &err);
    assert_int_equal(num(v, "version"), 2);
    assert_int_equal(json_array_size(json_object_get(v, "aliases")), 3);
    json_decref(v);
    v = registry_version_get(f->store, "m", 1, &err);
    assert_int_equal(json_array_size(json_object_get(v, "aliases")), 0);
    json_decref(v);

    int deleted = -1;
    assert_int_equal(registry_alias_delete(f->store, "m", "challenger", &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(registry_alias_delete(f->store, "m", "challenger", &deleted, &err), 0);
    assert_int_equal(deleted, 0);
    assert_null(registry_alias_get(f->store, "m", "challenger", &err));
    assert_not_found(&err);
    assert_string_equal(err.message, "Registered model alias challenger not found.");

    /* Deleting the version drops the aliases on it. */
    assert_int_equal(registry_version_delete(f->store, "m", 2, &err), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM registry_aliases"), 0);
    assert_null(registry_alias_get(f->store, "m", "champion", &err));
    assert_not_found(&err);
}

static void alias_rejects_bad_input(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "m");
    json_decref(create_version(f, "m", "s3://b/1", NULL));
    err_t err;
    json_decref(registry_alias_set(f->store, "m", "keep", 1, &err));
    char *before = snapshot(f);

    char long_alias[257];
    memset(long_alias, 'a', 256);
    long_alias[256] = '\0';
    const char *bad[] = {"",          "latest",  "LaTeSt", "v1",       "V42",
                         "has space", "dot.ted", "sl/ash", long_alias, "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&err);
        json_t *v = registry_alias_set(f->store, "m", bad[i], 1, &err);
        if (v)
            fail_msg("alias '%s' was accepted", bad[i]);
        assert_invalid(&err, "alias");
        assert_null(registry_alias_get(f->store, "m", bad[i], &err));
        assert_invalid(&err, "alias");
        assert_int_equal(registry_alias_delete(f->store, "m", bad[i], NULL, &err), -1);
        assert_invalid(&err, "alias");
    }
    assert_null(registry_alias_set(f->store, "m", "champion", 2, &err));
    assert_not_found(&err);
    assert_string_equal(err.message, "Model Version (name=m, version=2) not found");
    assert_null(registry_alias_set(f->store, "nope", "champion", 1, &err));
    assert_not_found(&err);
    assert_int_equal(registry_alias_delete(f->store, "nope", "champion", NULL, &err), -1);
    assert_not_found(&err);
    char *after = snapshot(f);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* Allowed: "v" alone, "v1a", "version1", 255 characters. */
    long_alias[255] = '\0';
    const char *good[] = {"v", "v1a", "version1", "x-1_y", long_alias};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_t *v = registry_alias_set(f->store, "m", good[i], 1, &err);
        if (!v)
            fail_msg("alias '%s' refused: %s", good[i], err.message);
        json_decref(v);
    }
}

/* ---- search --------------------------------------------------------------------------------- */

/* Names of a search result's models (or "name:version" of versions), comma-separated. */
static char *search_names(json_t *result)
{
    static char out[1024];
    out[0] = '\0';
    json_t *list = json_object_get(result, "models");
    int versions = !list;
    if (versions)
        list = json_object_get(result, "versions");
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        char one[300];
        if (versions)
            snprintf(one, sizeof one, "%s%s:%" JSON_INTEGER_FORMAT, i ? "," : "", str(item, "name"),
                     num(item, "version"));
        else
            snprintf(one, sizeof one, "%s%s", i ? "," : "", str(item, "name"));
        strcat(out, one);
    }
    return out;
}

static json_t *models_search(fixture_t *f, const char *filter, const char *order, int64_t max,
                             const char *token)
{
    const char *orders[] = {order};
    registry_search_t q = {.filter = filter,
                           .order_by = orders,
                           .norder = order ? 1 : 0,
                           .max_results = max,
                           .page_token = token};
    err_t err;
    json_t *r = registry_models_search(f->store, &q, &err);
    if (!r)
        fail_msg("search %s: %s", filter ? filter : "", err.message);
    return r;
}

static void assert_models_found(fixture_t *f, const char *filter, const char *expected)
{
    json_t *r = models_search(f, filter, NULL, 100, NULL);
    if (strcmp(search_names(r), expected) != 0)
        fail_msg("filter %s found '%s', expected '%s'", filter, search_names(r), expected);
    json_decref(r);
}

static void search_like_and_ilike(void **state)
{
    fixture_t *f = *state;
    const char *names[] = {"Alpha", "alpha", "a*b", "a?c",
                           "a[1]",  "100%",  "ab",  "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        create_model_ok(f, names[i]);
    /* Byte order: '1' < 'A' < 'a'; '*' < '?' < '[' < 'b'. */
    assert_models_found(f, "name LIKE 'a%'", "a*b,a?c,a[1],ab,alpha");
    assert_models_found(f, "name LIKE 'A%'", "Alpha");
    assert_models_found(f, "name ILIKE 'ALPHA'", "Alpha,alpha");
    assert_models_found(f, "name ILIKE 'a%' AND name LIKE '%ha'", "Alpha,alpha");
    assert_models_found(f, "name LIKE 'a*b'", "a*b"); /* '*' is no wildcard */
    assert_models_found(f, "name LIKE 'a?c'", "a?c");
    assert_models_found(f, "name LIKE 'a[1]'", "a[1]");
    assert_models_found(f, "name LIKE 'a_c'", "a?c");
    assert_models_found(f, "name LIKE 'a\\_c'", "");
    assert_models_found(f, "name LIKE '100\\%'", "100%");
    assert_models_found(f, "name LIKE '%\\%'", "100%");
    assert_models_found(f, "name LIKE '\xc3\xa9%'", "\xc3\xa9t\xc3\xa9");
    assert_models_found(f, "name = 'alpha'", "alpha");
    assert_models_found(f, "name != 'alpha' AND name LIKE '%lpha'", "Alpha");
    /* Values are parameters: quotes in them are just characters. */
    assert_models_found(f, "name = 'x'' OR ''1''=''1'", "");
    assert_models_found(f, "name = 'a'' --'", "");

    err_t err;
    registry_search_t bad = {.filter = "name LIKE 'ab\\'", .max_results = 10};
    /* A pattern ending in a lone backslash: refused (the parser keeps the backslash). */
    json_t *r = registry_models_search(f->store, &bad, &err);
    if (r) {
        json_decref(r);
        fail_msg("a pattern ending with an escape was accepted");
    }
    assert_invalid(&err, "filter");
}

static void search_models_by_tag_order_and_pages(void **state)
{
    fixture_t *f = *state;
    const char *names[] = {"m-c", "m-a", "m-e", "m-b", "m-d"};
    for (size_t i = 0; i < 5; i++)
        create_model_ok(f, names[i]);
    err_t err;
    assert_int_equal(registry_model_set_tag(f->store, "m-a", "team", "Search", &err), 0);
    assert_int_equal(registry_model_set_tag(f->store, "m-d", "team", "search-2", &err), 0);
    assert_int_equal(registry_model_set_tag(f->store, "m-e", "owner", "x", &err), 0);
    assert_models_found(f, "tags.team LIKE 'search%'", "m-d");
    assert_models_found(f, "tags.team ILIKE 'search%'", "m-a,m-d");
    assert_models_found(f, "tags.team != 'Search'", "m-d");
    assert_models_found(f, "tags.team = 'Search' AND tags.owner = 'x'", "");
    assert_models_found(f, "tags.`team` = 'Search' AND name = 'm-a'", "m-a");

    json_t *r = models_search(f, NULL, "name DESC", 100, NULL);
    assert_string_equal(search_names(r), "m-e,m-d,m-c,m-b,m-a");
    json_decref(r);
    /* Touch m-c: ordered by last update it comes first. */
    registry_model_patch_t patch = {.set_description = 1, .description = "touched"};
    clock_sleep_ms(2);
    json_decref(registry_model_update(f->store, "m-c", &patch, &err));
    r = models_search(f, NULL, "timestamp DESC", 1, NULL);
    assert_string_equal(search_names(r), "m-c");
    json_decref(r);

    /* Pages of two, following the tokens. */
    char seen[256] = "";
    char *token = NULL;
    for (int page = 0; page < 5; page++) {
        r = models_search(f, NULL, NULL, 2, token);
        free(token);
        strcat(seen, search_names(r));
        strcat(seen, ";");
        const char *next = str(r, "next_page_token");
        token = next ? strdup(next) : NULL;
        json_decref(r);
        if (!token)
            break;
    }
    assert_string_equal(seen, "m-a,m-b;m-c,m-d;m-e;");

    const char *bad_orders[] = {"size", "metrics.x", "name SIDEWAYS", "creation_timestamp"};
    for (size_t i = 0; i < 4; i++) {
        const char *orders[] = {bad_orders[i]};
        registry_search_t q = {.order_by = orders, .norder = 1, .max_results = 10};
        assert_null(registry_models_search(f->store, &q, &err));
        assert_invalid(&err, "order_by");
    }
    const char *dup[] = {"timestamp", "last_updated_timestamp DESC"};
    registry_search_t q = {.order_by = dup, .norder = 2, .max_results = 10};
    assert_null(registry_models_search(f->store, &q, &err));
    assert_invalid(&err, "order_by");
    const char *bad_filters[] = {"run_id = 'x'", "params.a = 'b'", "name IN ('a')",
                                 "name = 3",     "name LIKE",      "tags.t IN ('a')"};
    for (size_t i = 0; i < 6; i++) {
        registry_search_t bq = {.filter = bad_filters[i], .max_results = 10};
        json_t *res = registry_models_search(f->store, &bq, &err);
        if (res)
            fail_msg("filter '%s' accepted", bad_filters[i]);
        assert_invalid(&err, "filter");
    }
    int64_t bad_max[] = {0, -1, REGISTRY_MODELS_MAX_RESULTS + 1};
    for (size_t i = 0; i < 3; i++) {
        registry_search_t mq = {.max_results = bad_max[i]};
        assert_null(registry_models_search(f->store, &mq, &err));
        assert_invalid(&err, "max_results");
    }
}

static void search_versions(void **state)
{
    fixture_t *f = *state;
    create_model_ok(f, "va");
    create_model_ok(f, "vb");
    char run1[RUN_ID_SIZE], run2[RUN_ID_SIZE];
    make_run(f, run1);
    make_run(f, run2);
    json_decref(create_version(f, "va", "s3://b/a1", run1));
    json_decref(create_version(f, "va", "s3://b/a2", run2));
    json_decref(create_version(f, "va", "gs://g/a3", NULL));
    json_decref(create_version(f, "vb", "s3://b/b1", run1));
    err_t err;
    assert_int_equal(registry_version_set_tag(f->store, "va", 2, "eval", "pass", &err), 0);

    char run_eq[64], run_in[80], run_ne[64];
    snprintf(run_eq, sizeof run_eq, "run_id = '%s'", run1);
    snprintf(run_in, sizeof run_in, "run_id IN ('%s', 'nope')", run2);
    snprintf(run_ne, sizeof run_ne, "run_id != '%s'", run1);
    struct {
        const char *filter, *order, *expected;
    } cases[] = {
        {"name = 'va'", "version_number ASC", "va:1,va:2,va:3"},
        {run_eq, "name DESC", "vb:1,va:1"},
        {run_in, NULL, "va:2"},
        {run_ne, NULL, "va:2"}, /* no run_id: never equal, never unequal */
        {"version_number > 1 AND name = 'va'", "version_number DESC", "va:3,va:2"},
        {"version_number <= 1", "name ASC", "va:1,vb:1"},
        {"source_path LIKE 's3://b/%'", "name ASC", "va:2,va:1,vb:1"}, /* then version DESC */
        {"source_path ILIKE 'GS://%'", NULL, "va:3"},
        {"tags.eval = 'pass'", NULL, "va:2"},
        {"attributes.name = 'vb'", NULL, "vb:1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *orders[] = {cases[i].order};
        registry_search_t q = {.filter = cases[i].filter,
                               .order_by = orders,
                               .norder = cases[i].order ? 1 : 0,
                               .max_results = REGISTRY_VERSIONS_DEFAULT_RESULTS};
        json_t *r = registry_versions_search(f->store, &q, &err);
        if (!r)
            fail_msg("%s: %s", cases[i].filter, err.message);
        if (strcmp(search_names(r), cases[i].expected) != 0)
            fail_msg("%s found '%s', expected '%s'", cases[i].filter, search_names(r),
                     cases[i].expected);
        json_decref(r);
    }
    /* One model's versions; an unknown model is 404, not an empty list. */
    registry_search_t q = {.model = "vb", .max_results = 10};
    json_t *r = registry_versions_search(f->store, &q, &err);
    assert_string_equal(search_names(r), "vb:1");
    json_decref(r);
    q.model = "nope";
    assert_null(registry_versions_search(f->store, &q, &err));
    assert_not_found(&err);

    const char *bad[] = {"version_number = 1.5",   "version_number LIKE '1'",
                         "name IN ('va')",         "source_path NOT IN ('x')",
                         "creation_timestamp > 0", "run_id > 'a'",
                         "metrics.m > 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        registry_search_t bq = {.filter = bad[i], .max_results = 10};
        json_t *res = registry_versions_search(f->store, &bq, &err);
        if (res)
            fail_msg("filter '%s' accepted", bad[i]);
        assert_invalid(&err, "filter");
    }
    registry_search_t big = {.max_results = REGISTRY_VERSIONS_MAX_RESULTS + 1};
    assert_null(registry_versions_search(f->store, &big, &err));
    assert_invalid(&err, "max_results");
}

/* ---- validation helpers (no store) ---------------------------------------------------------- */

static void parse_version_like_python_int(void **state)
{
    (void)state;
    int64_t v = 0;
    err_t err;
    assert_int_equal(registry_parse_version("3", &v, &err), 0);
    assert_int_equal(v, 3);
    assert_int_equal(registry_parse_version(" 12 ", &v, &err), 0);
    assert_int_equal(v, 12);
    assert_int_equal(registry_parse_version("+7", &v, &err), 0);
    assert_int_equal(v, 7);
    assert_int_equal(registry_parse_version("-1", &v, &err), 0);
    assert_int_equal(v, -1);
    const char *bad[] = {"", "x", "1.5", "1e3", "3a", "--1", "99999999999999999999", " "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(registry_parse_version(bad[i], &v, &err), -1);
        assert_invalid(&err, "version");
    }
    assert_int_equal(registry_parse_version("abc", &v, &err), -1);
    assert_string_equal(err.message, "Parameter 'version' must be an integer, got 'abc'.");
}

static void utf8_length_counts_characters(void **state)
{
    (void)state;
    assert_int_equal(registry_utf8_length(""), 0);
    assert_int_equal(registry_utf8_length("abc"), 3);
    assert_int_equal(registry_utf8_length("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 3);
}

static void serving_is_normalised(void **state)
{
    (void)state;
    err_t err;
    json_t *in = json_pack("{s:s, s:s, s:n, s:n}", "model", "llama3", "provider", "ollama",
                           "base_url", "params");
    json_t *out = registry_serving_normalize(in, &err);
    assert_non_null(out);
    assert_int_equal(json_object_size(out), 2); /* nulls dropped */
    assert_string_equal(str(out, "provider"), "ollama");
    json_decref(in);
    json_decref(out);

    json_t *big = json_object();
    json_t *params = json_object();
    char key[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "k%05d", i);
        json_object_set_new(params, key, json_string("0123456789"));
    }
    json_object_set_new(big, "provider", json_string("x"));
    json_object_set_new(big, "model", json_string("y"));
    json_object_set_new(big, "params", params);
    assert_null(registry_serving_normalize(big, &err));
    assert_invalid(&err, "serving.params");
    json_decref(big);
}

/* ---- test list ------------------------------------------------------------------------------ */

#define T(prefix, fn)                                                                              \
    {                                                                                              \
        .name = prefix #fn, .test_func = fn, .setup_func = setup                                   \
    }
#define REGISTRY_TESTS(prefix)                                                                     \
    T(prefix, model_create_returns_json), T(prefix, model_create_rejects_bad_input),               \
        T(prefix, model_get_unknown_is_404), T(prefix, model_update_renames_and_describes),        \
        T(prefix, model_rename_carries_lineage), T(prefix, model_tags_set_replace_delete),         \
        T(prefix, model_delete_cascades), T(prefix, version_create_returns_json),                  \
        T(prefix, version_numbers_are_never_reused), T(prefix, version_create_rejects_bad_input),  \
        T(prefix, version_update_and_tags), T(prefix, version_records_lineage),                    \
        T(prefix, version_create_is_concurrency_safe), T(prefix, latest_versions_by_stage),        \
        T(prefix, alias_set_move_get_delete), T(prefix, alias_rejects_bad_input),                  \
        T(prefix, search_like_and_ilike), T(prefix, search_models_by_tag_order_and_pages),         \
        T(prefix, search_versions)

int main(void)
{
    const struct CMUnitTest pure_tests[] = {
        cmocka_unit_test(parse_version_like_python_int),
        cmocka_unit_test(utf8_length_counts_characters),
        cmocka_unit_test(serving_is_normalised),
    };
    int failed = cmocka_run_group_tests_name("registry validation", pure_tests, NULL, NULL);
    const struct CMUnitTest sqlite_tests[] = {REGISTRY_TESTS("sqlite: ")};
    failed += cmocka_run_group_tests_name("registry sqlite", sqlite_tests, test_store_setup_sqlite,
                                          test_store_teardown);
    if (test_pg_url()) {
        const struct CMUnitTest pg_tests[] = {REGISTRY_TESTS("postgresql: ")};
        failed += cmocka_run_group_tests_name("registry postgresql", pg_tests, test_store_setup_pg,
                                              test_store_teardown);
    }
    return failed;
}
