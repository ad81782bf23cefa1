/* registry_load.h - reading registered models and model versions out of the store as the JSON
 * the registry services return, tags and aliases included.
 *
 * The shapes (llmops' own; the MLflow routes reshape them for the MLflow wire):
 *   version: {"name", "version": 3, "creation_timestamp", "last_updated_timestamp",
 *             "description", "source", "run_id", "run_link", "status": "READY",
 *             "tags": {"k": "v"}, "aliases": ["champion"], "serving": {...} | null}
 *   model:   {"name", "description", "creation_timestamp", "last_updated_timestamp",
 *             "tags": {"k": "v"}, "aliases": {"champion": 3}, "latest_version": {...} | null}
 * description, run_id and run_link are null when unset. Timestamps are ms since the epoch.
 *
 * Loading is by query: the caller writes the WHERE/ORDER/LIMIT after one of the SELECT heads
 * below, and the loader runs it and then fetches the tags and aliases of every row it returned
 * in a few batched queries (not one per row). */
#ifndef LLMOPS_REGISTRY_REGISTRY_LOAD_H
#define LLMOPS_REGISTRY_REGISTRY_LOAD_H

#include <jansson.h>
#include <stdint.h>

#include "store/sql_builder.h"
#include "store/store.h"

/* Heads of the queries the loaders take: continue with "WHERE ...". Tables are aliased m
 * (registry_models) and v (registry_versions). */
#define REGISTRY_VERSION_SELECT                                                                    \
    "SELECT v.model_id, m.name, v.version, v.creation_time, v.last_updated_time, "                 \
    "v.description, v.source, v.run_id, v.run_link, v.serving "                                    \
    "FROM registry_versions v JOIN registry_models m ON m.id = v.model_id "
#define REGISTRY_MODEL_SELECT                                                                      \
    "SELECT m.id, m.name, m.description, m.creation_time, m.last_updated_time "                    \
    "FROM registry_models m "

/* Run a query that starts with REGISTRY_VERSION_SELECT; an array of version objects in the
 * query's order (caller owns), or NULL with err. */
json_t *registry_load_versions(store_conn_t *c, const sqlb_t *query, err_t *err);
/* Run a query that starts with REGISTRY_MODEL_SELECT; an array of model objects. */
json_t *registry_load_models(store_conn_t *c, const sqlb_t *query, err_t *err);

/* One version (name is the model's, for the message) / one model; NULL with 404 not_found
 * worded as MLflow words it when absent. */
json_t *registry_load_version(store_conn_t *c, int64_t model_id, const char *name, int64_t version,
                              err_t *err);
json_t *registry_load_model(store_conn_t *c, int64_t model_id, err_t *err);

/* End a registry write: commit when ok and hand back out; otherwise roll back, free out and
 * return NULL. */
json_t *registry_commit(store_conn_t *c, int ok, json_t *out, err_t *err);

/* The id of the model called name: 0, or -1 with 404 "Registered Model with name=X not found"
 * (or a store error). */
int registry_model_id(store_conn_t *c, const char *name, int64_t *id, err_t *err);
/* Check that version exists under model_id: 0, or -1 with 404 "Model Version (name=N,
 * version=V) not found". */
int registry_version_exists(store_conn_t *c, int64_t model_id, const char *name, int64_t version,
                            err_t *err);

#endif
