/* test_run_search.c - unit tests for tracking/run_search.h and search_sql.h on SQLite and
 * PostgreSQL: LIKE case-sensitive and ILIKE not, with '%', '_' as the only wildcards and '*', '?',
 * '[', '\' literal on both backends; metric, param, tag, attribute and dataset filters; IN / NOT
 * IN; ordering by metric with runs lacking it last in both directions and NaN just before them;
 * default order; paging; errors. */
#include "unit/tracking_testutil.h"

#include <math.h>

#include "tracking/run_inputs.h"
#include "tracking/run_search.h"

/* Names of the runs a search returns, joined with ','. */
static char *names(tfix_t *f, const char *filter, const char *order)
{
    err_t err;
    const char *exps[] = {"0"};
    const char *orders[] = {order};
    run_search_query_t q = {.experiment_ids = exps,
                            .nexperiments = 1,
                            .filter = filter,
                            .order_by = orders,
                            .norder = order ? 1 : 0};
    json_t *out = run_search(f->store, &q, &err);
    if (!out)
        fail_msg("search '%s': %s", filter ? filter : "", err.message);
    static char buf[512];
    buf[0] = '\0';
    size_t i;
    json_t *run;
    json_array_foreach(json_object_get(out, "runs"), i, run)
    {
        if (i)
            strcat(buf, ",");
        strcat(buf, json_string_value(json_object_get(json_object_get(run, "info"), "run_name")));
    }
    json_decref(out);
    return buf;
}

/* Runs: r0..r4 with tag "name" holding tricky strings and metric m = i (r4 has none, r3 NaN). */
static void seed(tfix_t *f)
{
    const char *values[] = {"Alpha*", "alpha?", "a[b]c", "a\\b", "ALPHA_x"};
    for (int i = 0; i < 5; i++) {
        char name[8];
        snprintf(name, sizeof name, "r%d", i);
        char *run = tfix_run(f, "0", 100 + i, name);
        tracking_kv_t tag[] = {{"s", values[i]}};
        tracking_kv_t param[] = {{"group", i % 2 ? "odd" : "even"}};
        tracking_metric_t m[] = {{"m", i == 3 ? NAN : i, 1, 0}};
        tfix_log(f, run, m, i == 4 ? 0 : 1, param, 1, tag, 1);
        if (i == 1) {
            err_t err;
            tracking_kv_t ctx[] = {{"mlflow.data.context", "training"}};
            tracking_dataset_input_t in[] = {{"qa", "d1", "local", "/x", NULL, NULL, ctx, 1}};
            assert_int_equal(run_inputs_log(f->store, run, in, 1, &err), 0);
        }
        free(run);
    }
}

static void string_operators(void **state)
{
    tfix_t *f = *state;
    seed(f);
    const char *ord = "attributes.run_name ASC";
    assert_string_equal(names(f, "tags.s LIKE 'Alpha%'", ord), "r0");
    assert_string_equal(names(f, "tags.s ILIKE 'alpha%'", ord), "r0,r1,r4");
    assert_string_equal(names(f, "tags.s LIKE 'Alpha*'", ord), "r0"); /* '*' literal */
    assert_string_equal(names(f, "tags.s LIKE 'Alph_*'", ord), "r0");
    assert_string_equal(names(f, "tags.s LIKE 'alpha?'", ord), "r1"); /* '?' literal */
    assert_string_equal(names(f, "tags.s LIKE 'a[b]%'", ord), "r2");  /* '[' literal */
    assert_string_equal(names(f, "tags.s LIKE 'a\\%'", ord), "r3");   /* '\' literal */
    assert_string_equal(names(f, "tags.s LIKE '%_x'", ord), "r4");
    assert_string_equal(names(f, "tags.s = 'alpha?'", ord), "r1");
    assert_string_equal(names(f, "tags.s != 'alpha?'", ord), "r0,r2,r3,r4");
    assert_string_equal(names(f, "params.group = 'odd'", ord), "r1,r3");
    assert_string_equal(names(f, "attributes.run_name IN ('r1', 'r4')", ord), "r1,r4");
    assert_string_equal(names(f, "attributes.run_name NOT IN ('r1', 'r4')", ord), "r0,r2,r3");
    assert_string_equal(names(f, "attributes.status = 'RUNNING' and params.group = 'even'", ord),
                        "r0,r2,r4");
    assert_string_equal(names(f, "datasets.name = 'qa'", ord), "r1");
    assert_string_equal(names(f, "datasets.context = 'training'", ord), "r1");
    assert_string_equal(names(f, "datasets.digest IN ('zz')", ord), "");
}

static void numeric_and_order(void **state)
{
    tfix_t *f = *state;
    seed(f);
    const char *ord = "attributes.run_name ASC";
    assert_string_equal(names(f, "metrics.m >= 1", ord), "r1,r2"); /* NaN never matches */
    assert_string_equal(names(f, "metrics.m != 1", ord), "r0,r2");
    assert_string_equal(
        names(f, "attributes.start_time > 101 and attributes.start_time < 104", ord), "r2,r3");
    assert_string_equal(names(f, "attributes.created = 100", ord), "r0");
    /* default: start_time DESC */
    assert_string_equal(names(f, NULL, NULL), "r4,r3,r2,r1,r0");
    /* by metric, both directions: NaN (r3) then missing (r4) last */
    assert_string_equal(names(f, NULL, "metrics.m DESC"), "r2,r1,r0,r3,r4");
    assert_string_equal(names(f, NULL, "metrics.m ASC"), "r0,r1,r2,r3,r4");
    assert_string_equal(names(f, NULL, "params.group DESC"), "r3,r1,r4,r2,r0");
    assert_string_equal(names(f, NULL, "tags.s ASC"), "r4,r0,r2,r3,r1"); /* bytewise */
}

static void paging_and_errors(void **state)
{
    tfix_t *f = *state;
    seed(f);
    err_t err;
    const char *exps[] = {"0"};
    run_search_query_t q = {.experiment_ids = exps, .nexperiments = 1, .max_results = 2};
    char got[64] = "";
    char *token = NULL;
    do {
        q.page_token = token;
        json_t *out = run_search(f->store, &q, &err);
        assert_non_null(out);
        size_t i;
        json_t *run;
        json_array_foreach(json_object_get(out, "runs"), i, run) strcat(
            got, json_string_value(json_object_get(json_object_get(run, "info"), "run_name")));
        free(token);
        const char *next = json_string_value(json_object_get(out, "next_page_token"));
        token = next ? strdup(next) : NULL;
        json_decref(out);
    } while (token);
    assert_string_equal(got, "r4r3r2r1r0");

    const char *bad_filters[] = {"metrics.m > 'x'", "params.group > 1", "attributes.nope = 'x'",
                                 "datasets.size = 'x'", "metrics.m >> 1"};
    for (size_t i = 0; i < sizeof bad_filters / sizeof *bad_filters; i++) {
        q = (run_search_query_t){
            .experiment_ids = exps, .nexperiments = 1, .filter = bad_filters[i]};
        assert_null(run_search(f->store, &q, &err));
        assert_int_equal(err.status, 400);
    }
    const char *dup[] = {"metrics.m", "metrics.m DESC"};
    q = (run_search_query_t){
        .experiment_ids = exps, .nexperiments = 1, .order_by = dup, .norder = 2};
    assert_null(run_search(f->store, &q, &err));
    assert_string_equal(err.field, "order_by");
    q = (run_search_query_t){.experiment_ids = exps, .nexperiments = 1, .max_results = 50001};
    assert_null(run_search(f->store, &q, &err));
    assert_string_equal(err.field, "max_results");
    /* no experiment: no runs; all_experiments: every run */
    q = (run_search_query_t){0};
    json_t *out = run_search(f->store, &q, &err);
    assert_int_equal(json_array_size(json_object_get(out, "runs")), 0);
    json_decref(out);
    q.all_experiments = 1;
    out = run_search(f->store, &q, &err);
    assert_int_equal(json_array_size(json_object_get(out, "runs")), 5);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(string_operators, tfix_reset),
        cmocka_unit_test_setup(numeric_and_order, tfix_reset),
        cmocka_unit_test_setup(paging_and_errors, tfix_reset),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof *tests, "run_search");
}
