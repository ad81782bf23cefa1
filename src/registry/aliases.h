/* aliases.h - aliases: movable names ("champion", "production") that point at one version of a
 * registered model, so deployments can follow a name while versions stay immutable.
 *
 * An alias belongs to a model and names one of its versions; setting it again moves it.
 * Deleting the version (or the model) deletes the aliases on it. Alias names follow MLflow's
 * rules (registry_check_alias): letters, digits, '_' and '-', at most 255, not "latest" and not
 * version-like ("v3"). Aliases show on the model ({"champion": 3}) and on the version
 * (["champion"]). Errors as in models.h and versions.h, plus 404 "Registered model alias A not
 * found." for an unknown alias. */
#ifndef LLMOPS_REGISTRY_ALIASES_H
#define LLMOPS_REGISTRY_ALIASES_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* Point alias at version (creating or moving it). Returns the version it now points at
 * (caller owns). */
json_t *registry_alias_set(store_t *s, const char *name, const char *alias, int64_t version,
                           err_t *err);
/* The same inside the caller's transaction on c, for changes that move an alias as part of a
 * larger one (a promotion): it moves only when the alias points at expected now (0: only when
 * it does not exist yet), else 409 and nothing changes. Returns the version it points at. */
json_t *registry_alias_move(store_conn_t *c, const char *name, const char *alias, int64_t version,
                            int64_t expected, err_t *err);
/* The version alias points at now (0 when it is not set), read on c. 404 unknown model. */
int registry_alias_version(store_conn_t *c, const char *name, const char *alias, int64_t *version,
                           err_t *err);
/* Remove an alias. *deleted (may be NULL) is 1 when it existed, 0 when it did not, which is
 * not an error here (MLflow's delete is idempotent; llmops' own API answers 404 on 0). */
int registry_alias_delete(store_t *s, const char *name, const char *alias, int *deleted,
                          err_t *err);
/* The version an alias points at (caller owns). */
json_t *registry_alias_get(store_t *s, const char *name, const char *alias, err_t *err);

#endif
