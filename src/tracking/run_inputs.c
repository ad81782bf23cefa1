/* run_inputs.c - dataset inputs of runs, with lineage (see run_inputs.h). */
#include "tracking/run_inputs.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/ids.h"
#include "lineage/lineage.h"
#include "tracking/runs.h"
#include "tracking/validate.h"

static int check_field(size_t i, const char *name, const char *value, size_t limit, int required,
                       err_t *err)
{
    char field[64];
    snprintf(field, sizeof field, "datasets[%zu].dataset.%s", i, name);
    if (!value || (required && !*value)) {
        if (required)
            return err_invalid(err, field, "Missing value for required parameter '%s'.", field);
        return 0;
    }
    char what[48];
    snprintf(what, sizeof what, "Dataset %s", name);
    return tracking_check_length(what, value, limit, field, err);
}

static int check_inputs(const tracking_dataset_input_t *in, size_t n, err_t *err)
{
    if (n > TRACKING_MAX_DATASETS_PER_REQUEST)
        return err_invalid(err, "datasets", "A request can log at most %d datasets, got %zu",
                           TRACKING_MAX_DATASETS_PER_REQUEST, n);
    for (size_t i = 0; i < n; i++) {
        const tracking_dataset_input_t *d = &in[i];
        if (check_field(i, "name", d->name, TRACKING_MAX_DATASET_NAME_LEN, 1, err) != 0 ||
            check_field(i, "digest", d->digest, TRACKING_MAX_DATASET_DIGEST_LEN, 1, err) != 0 ||
            check_field(i, "source_type", d->source_type, TRACKING_MAX_KEY_LEN, 1, err) != 0 ||
            check_field(i, "source", d->source, TRACKING_MAX_DATASET_SOURCE_LEN, 1, err) != 0 ||
            check_field(i, "schema", d->schema, TRACKING_MAX_DATASET_SCHEMA_LEN, 0, err) != 0 ||
            check_field(i, "profile", d->profile, TRACKING_MAX_DATASET_PROFILE_LEN, 0, err) != 0)
            return -1;
        if (strlen(d->name) + 1 + strlen(d->digest) > 256) {
            char field[64];
            snprintf(field, sizeof field, "datasets[%zu].dataset.name", i);
            return err_invalid(err, field,
                               "Dataset name and digest together must be at most 255 characters "
                               "(they name the dataset in the lineage graph)");
        }
        for (size_t t = 0; t < d->ntags; t++) {
            char field[64];
            snprintf(field, sizeof field, "datasets[%zu].tags[%zu].key", i, t);
            if (!d->tags[t].key || !*d->tags[t].key)
                return err_invalid(err, field, "Missing value for required parameter '%s'.", field);
            if (tracking_check_length("Input tag key", d->tags[t].key,
                                      TRACKING_MAX_INPUT_TAG_KEY_LEN, field, err) != 0)
                return -1;
            snprintf(field, sizeof field, "datasets[%zu].tags[%zu].value", i, t);
            if (!d->tags[t].value)
                return err_invalid(err, field, "Missing value for required parameter '%s'.", field);
            if (tracking_check_length("Input tag value", d->tags[t].value,
                                      TRACKING_MAX_INPUT_TAG_VALUE_LEN, field, err) != 0)
                return -1;
        }
    }
    return 0;
}

/* The dataset's uuid in this experiment, inserting it when new. out has 33 bytes. */
static int dataset_uuid(store_conn_t *c, int64_t experiment_id, const tracking_dataset_input_t *d,
                        char out[33], err_t *err)
{
    store_value_t key[] = {sv_int(experiment_id), sv_text(d->name), sv_text(d->digest)};
    store_rows_t *rows = store_query(c,
                                     "SELECT dataset_uuid FROM datasets WHERE experiment_id = ? "
                                     "AND name = ? AND digest = ?",
                                     key, 3, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) > 0;
    if (found)
        snprintf(out, 33, "%s", store_rows_text(rows, 0, 0));
    store_rows_free(rows);
    if (found)
        return 0;
    ids_uuid7_hex(out);
    store_value_t p[] = {sv_text(out),       sv_int(experiment_id),   sv_text(d->name),
                         sv_text(d->digest), sv_text(d->source_type), sv_text(d->source),
                         sv_text(d->schema), sv_text(d->profile)};
    return store_exec(c,
                      "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, "
                      "source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      p, 8, err) < 0
               ? -1
               : 0;
}

/* Link one dataset to the run (no-op when already linked). */
static int log_one(store_conn_t *c, const char *run_id, int64_t experiment_id,
                   const tracking_dataset_input_t *d, err_t *err)
{
    char uuid[33];
    if (dataset_uuid(c, experiment_id, d, uuid, err) != 0)
        return -1;
    store_value_t p[] = {sv_text(run_id), sv_text(uuid), sv_text(run_id)};
    int64_t n = store_exec(c,
                           "INSERT INTO run_inputs (run_id, dataset_uuid, position) SELECT ?, ?, "
                           "COALESCE(MAX(position), -1) + 1 FROM run_inputs WHERE run_id = ? "
                           "ON CONFLICT DO NOTHING",
                           p, 3, err);
    if (n <= 0)
        return (int)n; /* 0: already an input of this run; -1: error */
    for (size_t t = 0; t < d->ntags; t++) {
        store_value_t tp[] = {sv_text(run_id), sv_text(uuid), sv_text(d->tags[t].key),
                              sv_text(d->tags[t].value)};
        if (store_exec(c,
                       "INSERT INTO input_tags (run_id, dataset_uuid, key, value) VALUES (?, ?, "
                       "?, ?) ON CONFLICT (run_id, dataset_uuid, key) DO UPDATE SET value = "
                       "excluded.value",
                       tp, 4, err) < 0)
            return -1;
    }
    buf_t node;
    buf_init(&node);
    buf_printf(&node, "%s@%s", d->name, d->digest);
    lineage_edge_in_t edge = {"dataset", buf_str(&node), "run", run_id, "input"};
    json_t *recorded = lineage_record(c, &edge, NULL, err);
    buf_free(&node);
    if (!recorded)
        return -1;
    json_decref(recorded);
    return 0;
}

int run_inputs_log(store_t *s, const char *run_id, const tracking_dataset_input_t *in, size_t n,
                   err_t *err)
{
    if (check_inputs(in, n, err) != 0)
        return -1;
    store_conn_t *c = store_acquire(s);
    int64_t experiment_id;
    int rc = -1;
    if (store_begin(c, err) != 0 || runs_check_active(c, run_id, &experiment_id, err) != 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (log_one(c, run_id, experiment_id, &in[i], err) != 0)
            goto done;
    rc = 0;
done:
    rc = store_finish(c, rc == 0, err);
    store_release(s, c);
    return rc;
}
