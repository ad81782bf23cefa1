/* internal.h - what the datasets service files share and nobody else needs: the version row's
 * columns and its JSON, the tags check, and reading a version inside a connection. */
#ifndef LLMOPS_DATASETS_INTERNAL_H
#define LLMOPS_DATASETS_INTERNAL_H

#include <jansson.h>

#include "datasets/datasets.h"

#define DS_VERSION_COLUMNS                                                                         \
    "dataset, version, digest, row_count, schema_json, source, parent, description, tags, "        \
    "split_rule, split_seed, split_blob, split_counts, created_ms"

/* The JSON of row r of a query selecting DS_VERSION_COLUMNS. */
json_t *ds_version_json(const store_rows_t *rows, size_t r);

/* Version `version` (0: latest) of a dataset on an open connection; 404 when the dataset or the
 * version does not exist. */
json_t *ds_version_fetch(store_conn_t *c, const char *name, int64_t version, err_t *err);

/* tags must be NULL or an object of at most DATASET_TAGS_MAX string values (400 "tags"). */
int ds_check_tags(const json_t *tags, err_t *err);

/* The text of a JSON value in the store (compact, keys sorted). Caller frees. */
char *ds_json_text(const json_t *value);
/* The text of tags: "{}" for NULL or JSON null. Caller frees. */
char *ds_tags_text(const json_t *tags);

#endif
