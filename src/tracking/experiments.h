/* experiments.h - MLflow experiments: named containers of runs, soft-deleted and restored as a
 * whole, with tags.
 *
 * Ids are int64 in the database and decimal strings on the wire ("0", "1", ...); experiment "0"
 * ("Default") exists from the first migration. Names are unique among all experiments, deleted
 * ones included (as in MLflow). An experiment is returned as MLflow's Experiment message in
 * JSON: {"experiment_id","name","artifact_location","lifecycle_stage","last_update_time",
 * "creation_time","tags":[{"key","value"}]}. Errors: unknown id or name 404 not_found, a taken
 * name 409 conflict, bad input 400 naming the field. */
#ifndef LLMOPS_TRACKING_EXPERIMENTS_H
#define LLMOPS_TRACKING_EXPERIMENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "tracking/kv.h"
#include "tracking/validate.h"

#define EXPERIMENT_ID_SIZE 24 /* decimal int64 and NUL */

/* Create; artifact_location NULL gives "mlflow-artifacts:/<id>". tags may be NULL. */
int experiments_create(store_t *s, const char *name, const char *artifact_location,
                       const tracking_kv_t *tags, size_t ntags, char id[EXPERIMENT_ID_SIZE],
                       err_t *err);

/* The Experiment JSON, deleted ones included. Caller owns. */
json_t *experiments_get(store_t *s, const char *experiment_id, err_t *err);
json_t *experiments_get_by_name(store_t *s, const char *name, err_t *err);

typedef struct experiments_query {
    const char *filter;          /* MLflow grammar over name, creation_time,
                                    last_update_time and tags; NULL for none */
    const char *const *order_by; /* "name", "experiment_id", "creation_time",
                                    "last_update_time", with ASC / DESC */
    size_t norder;
    int64_t max_results;            /* 0: 1000; at most 50,000 */
    const char *page_token;         /* from a previous answer, or NULL */
    tracking_view_type_t view_type; /* 0 means ACTIVE_ONLY */
} experiments_query_t;

/* {"experiments":[...], "next_page_token": "..." (only when there are more)}. */
json_t *experiments_search(store_t *s, const experiments_query_t *q, err_t *err);

int experiments_rename(store_t *s, const char *experiment_id, const char *new_name, err_t *err);
/* Soft delete / restore; the experiment's runs follow it (as MLflow does). Deleting a deleted
 * experiment or restoring an active one is 404, as in MLflow. */
int experiments_delete(store_t *s, const char *experiment_id, err_t *err);
int experiments_restore(store_t *s, const char *experiment_id, err_t *err);
int experiments_set_tag(store_t *s, const char *experiment_id, const char *key, const char *value,
                        err_t *err);
int experiments_delete_tag(store_t *s, const char *experiment_id, const char *key, err_t *err);

/* For runs: the experiment's artifact location (caller frees) and whether it is active.
 * 404 when it does not exist. */
int experiments_lookup(store_conn_t *c, int64_t id, char **artifact_location, int *active,
                       err_t *err);

#endif
