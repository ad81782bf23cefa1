/* versions.h - model versions: immutable, numbered registrations of a model's artifacts.
 *
 * Versions of a model are numbered 1, 2, 3... from a counter on the model, bumped in the same
 * transaction that inserts the version, so concurrent creates (several threads, several servers
 * on one PostgreSQL) get distinct numbers and a number is never reused, even after a delete.
 * A version is immutable except for its description, tags and aliases. A version may carry
 * llmops' serving spec ({"provider", "model", "base_url"?, "params"?}, see
 * registry_serving_normalize) that the gateway reads to call the upstream model.
 *
 * A run_id must name a run the tracking service knows (tracking/runs.h; a deleted run counts,
 * as it does for MLflow's get_run): otherwise 404 "Run with id=... not found" and nothing is
 * written. Creating a version with a run_id records the lineage edge
 *   run:<run_id> --registered_as--> model_version:<name>/<version>
 * in the same transaction, so the edge always joins two real nodes. The run_id is taken as
 * given: like MLflow's server, the registry does not derive it from a "runs:/<id>/..." source
 * (MLflow's client does that in register_model, and so does `llmops models version-create`).
 * Errors as in models.h, plus 404 "Model Version (name=N, version=V) not found".
 * Versions are JSON in the shape registry_load.h describes; caller owns it. */
#ifndef LLMOPS_REGISTRY_VERSIONS_H
#define LLMOPS_REGISTRY_VERSIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/registry_validate.h"
#include "store/store.h"

typedef struct registry_version_in {
    const char *name;   /* the registered model, which must exist */
    const char *source; /* where the artifacts are, e.g. "s3://bucket/model", "runs:/<id>/model" */
    const char *run_id; /* NULL or "": none */
    const char *run_link;
    const char *description;
    const registry_tag_t *tags;
    size_t ntags;
    const json_t *serving; /* NULL or JSON null: none */
} registry_version_in_t;

json_t *registry_version_create(store_t *s, const registry_version_in_t *in, err_t *err);
json_t *registry_version_get(store_t *s, const char *name, int64_t version, err_t *err);
/* Replace the description (NULL clears it); touches last_updated_timestamp. */
json_t *registry_version_update(store_t *s, const char *name, int64_t version,
                                const char *description, err_t *err);
/* Delete a version with its tags and the aliases that pointed at it. Its number stays used. */
int registry_version_delete(store_t *s, const char *name, int64_t version, err_t *err);
int registry_version_set_tag(store_t *s, const char *name, int64_t version, const char *key,
                             const char *value, err_t *err);
/* Deleting a tag that is not there is not an error; an unknown version is. */
int registry_version_delete_tag(store_t *s, const char *name, int64_t version, const char *key,
                                err_t *err);

/* MLflow's get-latest-versions. Stages are deprecated in MLflow and llmops has none: every
 * version is in stage "None". stages (case-insensitive "None", "Staging", "Production",
 * "Archived"; others are 400) selects which stages to report: with none given or "None" among
 * them the answer is the highest-numbered version (if any), otherwise nothing. Returns an
 * array (caller owns). */
json_t *registry_latest_versions(store_t *s, const char *name, const char *const *stages,
                                 size_t nstages, err_t *err);

#endif
