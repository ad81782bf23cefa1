/* validate.h - the limits and name rules of experiment tracking, as MLflow defines them.
 *
 * Keys of metrics, params and tags may hold letters, digits, '_', '-', '.', ' ' and '/', must
 * not be empty and must read as a normalised relative path (no empty, "." or ".." segment, no
 * leading or trailing '/'), because MLflow clients may treat them as file names. Non-ASCII
 * UTF-8 letters are accepted, as MLflow's \w does. Every error is 400 invalid_argument naming
 * the field, worded as MLflow words it. */
#ifndef LLMOPS_TRACKING_VALIDATE_H
#define LLMOPS_TRACKING_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define TRACKING_MAX_KEY_LEN              250
#define TRACKING_MAX_PARAM_VALUE_LEN      6000
#define TRACKING_MAX_TAG_VALUE_LEN        5000
#define TRACKING_MAX_EXPERIMENT_NAME_LEN  500
#define TRACKING_MAX_RUN_NAME_LEN         250
#define TRACKING_MAX_BATCH_METRICS        1000
#define TRACKING_MAX_BATCH_PARAMS         100
#define TRACKING_MAX_BATCH_TAGS           100
#define TRACKING_MAX_BATCH_ENTITIES       1000
#define TRACKING_MAX_BATCH_BYTES          1000000
#define TRACKING_DEFAULT_SEARCH_RESULTS   1000
#define TRACKING_MAX_SEARCH_RESULTS       50000
#define TRACKING_MAX_HISTORY_PAGE         25000
#define TRACKING_MAX_DATASET_NAME_LEN     500
#define TRACKING_MAX_DATASET_DIGEST_LEN   36
#define TRACKING_MAX_DATASET_SOURCE_LEN   65535
#define TRACKING_MAX_DATASET_SCHEMA_LEN   1048575
#define TRACKING_MAX_DATASET_PROFILE_LEN  16777215
#define TRACKING_MAX_INPUT_TAG_KEY_LEN    255
#define TRACKING_MAX_INPUT_TAG_VALUE_LEN  500
#define TRACKING_MAX_DATASETS_PER_REQUEST 1000

/* kind is "metric", "parameter" or "tag" (used in the message); field names the request
 * field ("key", "metrics[3].key"). */
int tracking_check_key(const char *kind, const char *key, const char *field, err_t *err);

/* value must be at most limit bytes; what is "Param value", "Tag value", ... */
int tracking_check_length(const char *what, const char *value, size_t limit, const char *field,
                          err_t *err);

/* An experiment id as MLflow writes it ("0", "17"): decimal digits that fit int64. Anything
 * else is an id that cannot exist: 404 "No Experiment with id=... exists". */
int tracking_parse_experiment_id(const char *text, int64_t *out, err_t *err);

/* Which lifecycle stages a search returns (MLflow's ViewType). */
typedef enum tracking_view_type {
    TRACKING_ACTIVE_ONLY = 1,
    TRACKING_DELETED_ONLY = 2,
    TRACKING_ALL = 3,
} tracking_view_type_t;

/* "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL" (or protobuf's numbers 1, 2, 3); NULL keeps *out. */
int tracking_view_type_parse(const char *text, const char *field, tracking_view_type_t *out,
                             err_t *err);
/* The SQL test to write after a lifecycle_stage column for a view type, e.g. "IN ('active')"
 * (constant text, no parameters). */
const char *tracking_view_type_sql(tracking_view_type_t v);

/* Run statuses, by name as on the wire: RUNNING SCHEDULED FINISHED FAILED KILLED. Also accepts
 * protobuf's numbers 1..5. Returns the canonical name (static) or NULL with err. */
const char *tracking_run_status_parse(const char *text, const char *field, err_t *err);

#endif
