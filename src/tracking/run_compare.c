/* run_compare.c - runs side by side (see run_compare.h). The runs are loaded with runs_load()
 * and pivoted in memory: a row per key, a column per run. */
#include "tracking/run_compare.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "tracking/runs.h"

/* Add section[list] of run i into rows (an object: key -> array of n values). */
static void pivot(json_t *rows, const json_t *run, const char *list, size_t i, size_t n)
{
    size_t k;
    json_t *item;
    json_array_foreach(json_object_get(json_object_get(run, "data"), list), k, item)
    {
        const char *key = json_string_value(json_object_get(item, "key"));
        json_t *values = json_object_get(rows, key);
        if (!values) {
            values = json_array();
            for (size_t j = 0; j < n; j++)
                json_array_append_new(values, json_null());
            json_object_set_new(rows, key, values);
        }
        json_array_set(values, i, json_object_get(item, "value"));
    }
}

static json_t *rows_list(json_t *rows)
{
    /* Sorted by key: collect the keys, sort, emit. */
    size_t n = json_object_size(rows), i = 0;
    const char **keys = xcalloc(n + 1, sizeof *keys);
    const char *key;
    json_t *values;
    json_object_foreach(rows, key, values) keys[i++] = key;
    for (size_t a = 1; a < n; a++) /* insertion sort: a few dozen keys */
        for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
            const char *t = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = t;
        }
    json_t *out = json_array();
    for (i = 0; i < n; i++) {
        values = json_object_get(rows, keys[i]);
        int differs = 0;
        for (size_t j = 1; j < json_array_size(values); j++)
            differs |= !json_equal(json_array_get(values, 0), json_array_get(values, j));
        json_array_append_new(out, json_pack("{s:s, s:O, s:b}", "key", keys[i], "values", values,
                                             "differs", differs));
    }
    free(keys);
    return out;
}

json_t *run_compare(store_t *s, const char *const *run_ids, size_t n, err_t *err)
{
    if (n < 2 || n > RUN_COMPARE_MAX) {
        err_invalid(err, "run_id", "compare takes 2 to %d runs, got %zu", RUN_COMPARE_MAX, n);
        return NULL;
    }
    store_conn_t *c = store_acquire(s);
    json_t *runs = runs_load(c, run_ids, n, err);
    store_release(s, c);
    if (!runs)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *run = json_array_get(runs, i);
        const char *id = json_string_value(json_object_get(json_object_get(run, "info"), "run_id"));
        if (!id || strcmp(id, run_ids[i]) != 0) {
            err_not_found(err, "Run with id=%.100s not found", run_ids[i]);
            json_decref(runs);
            return NULL;
        }
    }
    json_t *heads = json_array(), *params = json_object(), *metrics = json_object();
    for (size_t i = 0; i < n; i++) {
        const json_t *run = json_array_get(runs, i);
        const json_t *info = json_object_get(run, "info");
        json_array_append_new(heads, json_pack("{s:O, s:O, s:O, s:O}", "run_id",
                                               json_object_get(info, "run_id"), "run_name",
                                               json_object_get(info, "run_name"), "experiment_id",
                                               json_object_get(info, "experiment_id"), "status",
                                               json_object_get(info, "status")));
        pivot(params, run, "params", i, n);
        pivot(metrics, run, "metrics", i, n);
    }
    json_t *out = json_pack("{s:o, s:o, s:o}", "runs", heads, "params", rows_list(params),
                            "metrics", rows_list(metrics));
    json_decref(params);
    json_decref(metrics);
    json_decref(runs);
    return out;
}
