/* test_tracking_runs.c - unit tests for the experiment and run services (tracking/experiments.h,
 * tracking/runs.h, tracking/validate.h) on SQLite and PostgreSQL:
 * the Default experiment, create/get/rename/delete/restore with runs following, tags, unique
 * names, search with filter/order/paging; run creation (ids, generated names mirrored to
 * mlflow.runName, artifact_uri), update, delete/restore, active checks; key rules; view types and
 * statuses. */
#include "unit/tracking_testutil.h"

#include "tracking/validate.h"

static void default_experiment_exists(void **state)
{
    tfix_t *f = *state;
    err_t err;
    json_t *e = experiments_get(f->store, "0", &err);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "name")), "Default");
    assert_string_equal(json_string_value(json_object_get(e, "artifact_location")),
                        "mlflow-artifacts:/0");
    json_decref(e);
    assert_null(experiments_get(f->store, "nope", &err));
    assert_int_equal(err.status, 404);
    assert_null(experiments_get(f->store, "99999999999999999999", &err));
    assert_int_equal(err.status, 404);
}

static void experiment_crud(void **state)
{
    tfix_t *f = *state;
    err_t err;
    char id[EXPERIMENT_ID_SIZE], id2[EXPERIMENT_ID_SIZE];
    tracking_kv_t tags[] = {{"team", "nlp"}};
    assert_int_equal(experiments_create(f->store, "e1", NULL, tags, 1, id, &err), 0);
    assert_int_equal(experiments_create(f->store, "e1", NULL, NULL, 0, id2, &err), -1);
    assert_int_equal(err.status, 409);
    assert_int_equal(experiments_create(f->store, "", NULL, NULL, 0, id2, &err), -1);
    assert_string_equal(err.field, "name");
    tracking_kv_t bad[] = {{"a//b", "x"}};
    assert_int_equal(experiments_create(f->store, "e2", NULL, bad, 1, id2, &err), -1);
    assert_string_equal(err.field, "tags[0].key");
    assert_int_equal(experiments_create(f->store, "e2", "s3://bucket/x", NULL, 0, id2, &err), 0);
    json_t *e = experiments_get_by_name(f->store, "e2", &err);
    assert_string_equal(json_string_value(json_object_get(e, "artifact_location")),
                        "s3://bucket/x");
    json_decref(e);

    assert_int_equal(experiments_rename(f->store, id, "e2", &err), -1);
    assert_int_equal(err.status, 409);
    assert_int_equal(experiments_rename(f->store, id, "e1-renamed", &err), 0);
    e = experiments_get(f->store, id, &err);
    assert_string_equal(json_string_value(json_object_get(e, "name")), "e1-renamed");
    assert_int_equal(json_array_size(json_object_get(e, "tags")), 1);
    json_decref(e);

    char *run = tfix_run(f, id, 5, NULL);
    assert_int_equal(experiments_delete(f->store, id, &err), 0);
    assert_int_equal(experiments_delete(f->store, id, &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(experiments_rename(f->store, id, "x", &err), -1);
    assert_int_equal(err.status, 400);
    assert_int_equal(experiments_set_tag(f->store, id, "k", "v", &err), -1);
    assert_int_equal(err.status, 400);
    json_t *r = runs_get(f->store, run, &err);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "info"), "lifecycle_stage")),
        "deleted");
    json_decref(r);
    run_create_t in = {.experiment_id = id};
    assert_null(runs_create(f->store, &in, &err));
    assert_int_equal(err.status, 400);
    assert_int_equal(experiments_restore(f->store, id, &err), 0);
    assert_int_equal(experiments_restore(f->store, id, &err), -1);
    r = runs_get(f->store, run, &err);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r, "info"), "lifecycle_stage")),
        "active");
    json_decref(r);
    free(run);

    assert_int_equal(experiments_set_tag(f->store, id, "team", "cv", &err), 0);
    assert_int_equal(experiments_delete_tag(f->store, id, "team", &err), 0);
    assert_int_equal(experiments_delete_tag(f->store, id, "team", &err), -1);
    assert_int_equal(err.status, 404);
}

static void experiment_search(void **state)
{
    tfix_t *f = *state;
    err_t err;
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "srch_%d", i);
        free(tfix_experiment(f, name));
    }
    const char *order[] = {"name ASC"};
    experiments_query_t q = {.filter = "name LIKE 'srch\\_%'", .order_by = order, .norder = 1};
    /* no escape character: '\' is literal, so nothing matches */
    json_t *out = experiments_search(f->store, &q, &err);
    assert_non_null(out);
    assert_int_equal(json_array_size(json_object_get(out, "experiments")), 0);
    json_decref(out);
    q.filter = "name LIKE 'srch_%'";
    q.max_results = 2;
    int seen = 0;
    char *token = NULL;
    do {
        q.page_token = token;
        out = experiments_search(f->store, &q, &err);
        assert_non_null(out);
        json_t *list = json_object_get(out, "experiments");
        for (size_t i = 0; i < json_array_size(list); i++) {
            char want[32];
            snprintf(want, sizeof want, "srch_%d", seen++);
            assert_string_equal(json_string_value(json_object_get(json_array_get(list, i), "name")),
                                want);
        }
        free(token);
        const char *next = json_string_value(json_object_get(out, "next_page_token"));
        token = next ? strdup(next) : NULL;
        json_decref(out);
    } while (token);
    assert_int_equal(seen, 5);
    q = (experiments_query_t){.filter = "name = 'Default'", .view_type = TRACKING_ALL};
    out = experiments_search(f->store, &q, &err);
    assert_int_equal(json_array_size(json_object_get(out, "experiments")), 1);
    json_decref(out);
    q = (experiments_query_t){.filter = "creation_time > 0 and tags.x = 'y'"};
    out = experiments_search(f->store, &q, &err);
    assert_int_equal(json_array_size(json_object_get(out, "experiments")), 0);
    json_decref(out);
    const char *bad_order[] = {"tags.x"};
    q = (experiments_query_t){.order_by = bad_order, .norder = 1};
    assert_null(experiments_search(f->store, &q, &err));
    assert_string_equal(err.field, "order_by");
}

static void run_lifecycle(void **state)
{
    tfix_t *f = *state;
    err_t err;
    run_create_t in = {.experiment_id = "0", .user_id = "u"};
    json_t *run = runs_create(f->store, &in, &err);
    assert_non_null(run);
    json_t *info = json_object_get(run, "info");
    const char *id = json_string_value(json_object_get(info, "run_id"));
    assert_int_equal(strlen(id), 32);
    const char *name = json_string_value(json_object_get(info, "run_name"));
    assert_non_null(name);
    json_t *tags = tfix_data(f, id, "tags");
    assert_string_equal(json_string_value(json_object_get(tags, "mlflow.runName")), name);
    json_decref(tags);
    assert_true(json_integer_value(json_object_get(info, "start_time")) > 1600000000000LL);
    assert_true(json_is_null(json_object_get(info, "end_time")));
    char *run_id = strdup(id);
    json_decref(run);

    json_t *upd = runs_update(f->store, run_id, "KILLED", 1, 77, "new-name", &err);
    assert_non_null(upd);
    assert_string_equal(json_string_value(json_object_get(upd, "status")), "KILLED");
    assert_int_equal(json_integer_value(json_object_get(upd, "end_time")), 77);
    json_decref(upd);
    tags = tfix_data(f, run_id, "tags");
    assert_string_equal(json_string_value(json_object_get(tags, "mlflow.runName")), "new-name");
    json_decref(tags);

    assert_int_equal(runs_delete(f->store, run_id, &err), 0);
    assert_null(runs_update(f->store, run_id, "FINISHED", 0, 0, NULL, &err));
    assert_int_equal(err.status, 400);
    store_conn_t *c = store_acquire(f->store);
    assert_int_equal(runs_check_active(c, run_id, NULL, &err), -1);
    assert_int_equal(err.status, 400);
    assert_int_equal(runs_check_active(c, "ffffffffffffffffffffffffffffffff", NULL, &err), -1);
    assert_int_equal(err.status, 404);
    store_release(f->store, c);
    assert_int_equal(runs_restore(f->store, run_id, &err), 0);
    assert_int_equal(runs_delete(f->store, "nope", &err), -1);
    assert_int_equal(err.status, 404);
    free(run_id);

    /* the name tag names the run when no run_name is given */
    tracking_kv_t t[] = {{"mlflow.runName", "from-tag"}};
    in = (run_create_t){.tags = t, .ntags = 1};
    run = runs_create(f->store, &in, &err);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(run, "info"), "run_name")), "from-tag");
    json_decref(run);
}

static void key_rules_and_types(void **state)
{
    (void)state;
    err_t err;
    const char *good[] = {"a", "Ab-5_", "a/b/c", "a.b.c", ".a", "b.", "a b/c d", "\xc3\xa9"};
    const char *bad[] = {"", ".", "/", "..", "//", "a//b", "a/./b", "/a", "a/", ":", "\\", "./"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_int_equal(tracking_check_key("metric", good[i], "key", &err), 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (tracking_check_key("metric", bad[i], "key", &err) == 0)
            fail_msg("'%s' accepted", bad[i]);
    char long_key[252];
    memset(long_key, 'k', 251);
    long_key[251] = '\0';
    assert_int_equal(tracking_check_key("param", long_key, "key", &err), -1);
    long_key[250] = '\0';
    assert_int_equal(tracking_check_key("param", long_key, "key", &err), 0);

    tracking_view_type_t v = TRACKING_ACTIVE_ONLY;
    assert_int_equal(tracking_view_type_parse("ALL", "v", &v, &err), 0);
    assert_int_equal(v, TRACKING_ALL);
    assert_int_equal(tracking_view_type_parse("2", "v", &v, &err), 0);
    assert_int_equal(v, TRACKING_DELETED_ONLY);
    assert_int_equal(tracking_view_type_parse("SOME", "v", &v, &err), -1);
    assert_string_equal(tracking_run_status_parse("3", "s", &err), "FINISHED");
    assert_null(tracking_run_status_parse("DONE", "s", &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(default_experiment_exists, tfix_reset),
        cmocka_unit_test_setup(experiment_crud, tfix_reset),
        cmocka_unit_test_setup(experiment_search, tfix_reset),
        cmocka_unit_test_setup(run_lifecycle, tfix_reset),
        cmocka_unit_test_setup(key_rules_and_types, tfix_reset),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof *tests, "tracking_runs");
}
