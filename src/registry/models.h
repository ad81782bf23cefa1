/* models.h - registered models: the named things versions are registered under.
 *
 * A registered model has a unique name (1-250 characters, case-sensitive), an optional
 * description, tags, and numbered versions (versions.h) some of which carry aliases
 * (aliases.h). Every function validates its input first, runs in one transaction and changes
 * nothing when it fails. Errors: 400 invalid_argument naming the field, 404 not_found
 * ("Registered Model with name=X not found"), 409 conflict ("Registered Model (name=X) already
 * exists."), 5xx from the store. Models are returned as JSON in the shape registry_load.h
 * describes; caller owns it. */
#ifndef LLMOPS_REGISTRY_MODELS_H
#define LLMOPS_REGISTRY_MODELS_H

#include <jansson.h>
#include <stddef.h>

#include "registry/registry_validate.h"
#include "store/store.h"

typedef struct registry_model_in {
    const char *name;
    const char *description; /* NULL: none */
    const registry_tag_t *tags;
    size_t ntags; /* a key given twice keeps its last value */
} registry_model_in_t;

typedef struct registry_model_patch {
    const char *new_name;    /* NULL: keep the name */
    int set_description;     /* 1: replace the description with the one below */
    const char *description; /* NULL clears it */
} registry_model_patch_t;

json_t *registry_model_create(store_t *s, const registry_model_in_t *in, err_t *err);
json_t *registry_model_get(store_t *s, const char *name, err_t *err);
/* Rename and/or change the description, atomically. Touches last_updated_timestamp (and, on a
 * rename, that of every version, as MLflow does). A rename also renames the lineage nodes
 * model_version:<name>/<N> to model_version:<new_name>/<N> in the same transaction (400 naming
 * new_name if such an id would pass lineage's 256-byte limit). */
json_t *registry_model_update(store_t *s, const char *name, const registry_model_patch_t *patch,
                              err_t *err);
/* Delete the model with its versions, tags and aliases. Lineage edges stay: they are history. */
int registry_model_delete(store_t *s, const char *name, err_t *err);
/* Set (insert or replace) / delete one tag. Deleting a tag that is not there is not an error;
 * an unknown model is. */
int registry_model_set_tag(store_t *s, const char *name, const char *key, const char *value,
                           err_t *err);
int registry_model_delete_tag(store_t *s, const char *name, const char *key, err_t *err);

#endif
