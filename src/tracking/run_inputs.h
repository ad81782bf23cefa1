/* run_inputs.h - runs/log-inputs: the datasets a run consumed, with input tags such as
 * mlflow.data.context = "training".
 *
 * A dataset is identified within its experiment by (name, digest) and stored once; logging it
 * again to the same run is a no-op (its first input tags stay), as in MLflow. Each new input
 * also records a lineage edge dataset:"<name>@<digest>" --input--> run:<run_id> in the same
 * transaction, so `llmops lineage graph run:<id>` shows where a run's data came from. Because
 * lineage ids are at most 256 characters, "<name>@<digest>" must fit in 256. */
#ifndef LLMOPS_TRACKING_RUN_INPUTS_H
#define LLMOPS_TRACKING_RUN_INPUTS_H

#include <stddef.h>

#include "store/store.h"
#include "tracking/kv.h"

typedef struct tracking_dataset_input {
    const char *name;        /* required, <= 500 */
    const char *digest;      /* required, <= 36 */
    const char *source_type; /* required */
    const char *source;      /* required, <= 65535 */
    const char *schema;      /* optional, <= 1 MiB */
    const char *profile;     /* optional, <= 16 MiB */
    const tracking_kv_t *tags;
    size_t ntags;
} tracking_dataset_input_t;

/* All or nothing; 404 for an unknown run, 400 for a deleted one or bad input (field named
 * "datasets[i].dataset.name", ...). */
int run_inputs_log(store_t *s, const char *run_id, const tracking_dataset_input_t *inputs, size_t n,
                   err_t *err);

#endif
