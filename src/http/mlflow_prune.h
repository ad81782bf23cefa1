/* mlflow_prune.h - make a service's JSON read like MLflow's protobuf JSON.
 *
 * Tracking services answer with every field present (null when unset, [] when empty), which is
 * what llmops' own API returns. Protobuf's JSON mapping, which MLflow's server uses, leaves
 * unset fields and empty repeated fields out; the MLflow routes pass their answers through
 * mlflow_prune() so that clients see exactly that shape. */
#ifndef LLMOPS_HTTP_MLFLOW_PRUNE_H
#define LLMOPS_HTTP_MLFLOW_PRUNE_H

#include <jansson.h>

/* Remove, recursively, object members that are null or empty arrays. Returns value. */
json_t *mlflow_prune(json_t *value);

#endif
