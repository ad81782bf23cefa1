/* test_tracking_batch.c - unit tests for tracking/run_data.h and run_inputs.h on SQLite and
 * PostgreSQL: log-batch writes all three kinds, chunked inserts of 995 points, the latest
 * value per key (step, then timestamp, then value, across batches), exact duplicates stored
 * once, NaN/Infinity, params immutable with the error naming key and values, all-or-nothing on
 * any invalid item, limits, repeated tag keys, the mlflow.runName tag renaming the run,
 * history paging, and dataset inputs with their lineage edge. */
#include "unit/tracking_testutil.h"

#include <math.h>

#include "tracking/run_inputs.h"
#include "tracking/validate.h"

static void batch_writes_and_latest(void **state)
{
    tfix_t *f = *state;
    char *run = tfix_run(f, "0", 1, NULL);
    tracking_metric_t *m = calloc(1000, sizeof *m);
    char(*keys)[16] = calloc(1000, sizeof *keys);
    for (int i = 0; i < 995; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i % 7);
        m[i] = (tracking_metric_t){keys[i], i, 1000 + i, i / 7};
    }
    tracking_kv_t p[] = {{"lr", "0.1"}, {"depth", "3"}};
    tracking_kv_t t[] = {{"a", "1"}, {"a", "2"}, {"mlflow.runName", "renamed"}};
    tfix_log(f, run, m, 995, p, 2, t, 3); /* 1000 items in all */
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM metrics"), 995);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM latest_metrics"), 7);
    json_t *metrics = tfix_data(f, run, "metrics");
    /* k0 gets i = 0, 7, ..., 994: the last has the greatest step */
    assert_true(json_number_value(json_object_get(metrics, "k0")) == 994.0);
    json_decref(metrics);
    json_t *tags = tfix_data(f, run, "tags");
    assert_string_equal(json_string_value(json_object_get(tags, "a")), "2");
    json_decref(tags);
    err_t err;
    json_t *r = runs_get(f->store, run, &err);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "info"), "run_name")),
                        "renamed");
    json_decref(r);

    /* the same batch again: duplicates are stored once, params unchanged are fine */
    tfix_log(f, run, m, 995, p, 2, NULL, 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM metrics"), 995);

    /* later batches: a smaller step never replaces; equal step + later timestamp does; equal
     * step and timestamp: the greater value wins */
    tracking_metric_t later[] = {{"k0", -1, 1, 0},       /* step 0 < 142 */
                                 {"k1", 5, 999999, 142}, /* same step, later time */
                                 {"k2", 1e9, 1002, 0},
                                 {"k3", 7.5, 5, 500},
                                 {"k3", 8.5, 5, 500}};
    tfix_log(f, run, later, 5, NULL, 0, NULL, 0);
    metrics = tfix_data(f, run, "metrics");
    assert_true(json_number_value(json_object_get(metrics, "k0")) == 994.0);
    assert_true(json_number_value(json_object_get(metrics, "k1")) == 5.0);
    assert_true(json_number_value(json_object_get(metrics, "k3")) == 8.5);
    json_decref(metrics);

    /* NaN and infinities */
    tracking_metric_t odd[] = {
        {"nan", NAN, 1, 0}, {"inf", INFINITY, 1, 0}, {"ninf", -INFINITY, 1, 0}};
    tfix_log(f, run, odd, 3, NULL, 0, NULL, 0);
    metrics = tfix_data(f, run, "metrics");
    assert_string_equal(json_string_value(json_object_get(metrics, "nan")), "NaN");
    assert_string_equal(json_string_value(json_object_get(metrics, "inf")), "Infinity");
    assert_string_equal(json_string_value(json_object_get(metrics, "ninf")), "-Infinity");
    json_decref(metrics);

    /* history paging */
    json_t *h = run_data_metric_history(f->store, run, "k0", 100, NULL, &err);
    assert_int_equal(json_array_size(json_object_get(h, "metrics")), 100);
    char *token = strdup(json_string_value(json_object_get(h, "next_page_token")));
    json_decref(h);
    h = run_data_metric_history(f->store, run, "k0", 100, token, &err);
    assert_int_equal(json_array_size(json_object_get(h, "metrics")), 44); /* 143 + 1 later */
    assert_null(json_object_get(h, "next_page_token"));
    json_decref(h);
    free(token);
    assert_null(run_data_metric_history(f->store, run, "k0", 25001, NULL, &err));
    assert_null(run_data_metric_history(f->store, "nope", "k0", 0, NULL, &err));
    assert_int_equal(err.status, 404);
    free(m);
    free(keys);
    free(run);
}

static void batch_all_or_nothing(void **state)
{
    tfix_t *f = *state;
    char *run = tfix_run(f, "0", 1, NULL);
    tracking_kv_t p[] = {{"lr", "0.1"}};
    tfix_log(f, run, NULL, 0, p, 1, NULL, 0);
    err_t err;
    tracking_metric_t m[] = {{"good", 1, 1, 0}};
    tracking_kv_t changed[] = {{"new", "x"}, {"lr", "0.2"}};
    run_batch_t b = {m, 1, changed, 2, NULL, 0};
    assert_int_equal(run_data_log_batch(f->store, run, &b, &err), -1);
    assert_int_equal(err.status, 400);
    assert_non_null(strstr(err.message, "lr"));
    assert_non_null(strstr(err.message, "0.1"));
    assert_non_null(strstr(err.message, "0.2"));
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM metrics"), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM params"), 1);

    tracking_metric_t bad_ts[] = {{"good", 1, 1, 0}, {"x", 1, -1, 0}};
    b = (run_batch_t){bad_ts, 2, NULL, 0, NULL, 0};
    assert_int_equal(run_data_log_batch(f->store, run, &b, &err), -1);
    assert_string_equal(err.field, "metrics[1].timestamp");
    tracking_kv_t dup[] = {{"d", "1"}, {"d", "2"}};
    b = (run_batch_t){NULL, 0, dup, 2, NULL, 0};
    assert_int_equal(run_data_log_batch(f->store, run, &b, &err), -1);
    char longv[TRACKING_MAX_TAG_VALUE_LEN + 2];
    memset(longv, 'v', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    tracking_kv_t long_tag[] = {{"t", longv}};
    b = (run_batch_t){m, 1, NULL, 0, long_tag, 1};
    assert_int_equal(run_data_log_batch(f->store, run, &b, &err), -1);
    assert_string_equal(err.field, "tags[0].value");
    tracking_kv_t many[101];
    char names[101][16];
    for (int i = 0; i < 101; i++) {
        snprintf(names[i], sizeof names[i], "p%d", i);
        many[i] = (tracking_kv_t){names[i], "v"};
    }
    b = (run_batch_t){NULL, 0, many, 101, NULL, 0};
    assert_int_equal(run_data_log_batch(f->store, run, &b, &err), -1);
    assert_non_null(strstr(err.message, "at most 100 params"));
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM metrics"), 0);
    assert_int_equal(
        test_store_count(f->store, "SELECT COUNT(*) FROM tags WHERE key <> 'mlflow.runName'"), 0);

    assert_int_equal(run_data_delete_tag(f->store, run, "missing", &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(runs_delete(f->store, run, &err), 0);
    b = (run_batch_t){m, 1, NULL, 0, NULL, 0};
    assert_int_equal(run_data_log_batch(f->store, run, &b, &err), -1);
    assert_int_equal(err.status, 400);
    assert_int_equal(run_data_log_batch(f->store, "ffffffffffffffffffffffffffffffff", &b, &err),
                     -1);
    assert_int_equal(err.status, 404);
    free(run);
}

static void dataset_inputs(void **state)
{
    tfix_t *f = *state;
    char *run = tfix_run(f, "0", 1, NULL);
    err_t err;
    tracking_kv_t tags[] = {{"mlflow.data.context", "eval"}};
    tracking_dataset_input_t in[] = {
        {"qa", "d1", "local", "/data/qa", NULL, "{\"rows\":3}", tags, 1},
        {"qa", "d1", "local", "/data/qa", NULL, NULL, NULL, 0}, /* the same again */
        {"other", "d2", "s3", "s3://b/o", "{}", NULL, NULL, 0}};
    assert_int_equal(run_inputs_log(f->store, run, in, 3, &err), 0);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM run_inputs"), 2);
    assert_int_equal(
        test_store_count(f->store,
                         "SELECT COUNT(*) FROM lineage_edges WHERE src_type = 'dataset' AND "
                         "dst_type = 'run' AND relation = 'input'"),
        2);
    json_t *r = runs_get(f->store, run, &err);
    json_t *inputs = json_object_get(json_object_get(r, "inputs"), "dataset_inputs");
    assert_int_equal(json_array_size(inputs), 2);
    json_t *first = json_array_get(inputs, 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(first, "dataset"), "profile")),
        "{\"rows\":3}");
    assert_int_equal(json_array_size(json_object_get(first, "tags")), 1);
    json_decref(r);
    tracking_dataset_input_t bad[] = {{"x", NULL, "l", "s", NULL, NULL, NULL, 0}};
    assert_int_equal(run_inputs_log(f->store, run, bad, 1, &err), -1);
    assert_string_equal(err.field, "datasets[0].dataset.digest");
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM datasets"), 2);
    free(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(batch_writes_and_latest, tfix_reset),
        cmocka_unit_test_setup(batch_all_or_nothing, tfix_reset),
        cmocka_unit_test_setup(dataset_inputs, tfix_reset),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof *tests, "tracking_batch");
}
