/* registry_search.h - searching registered models and model versions with MLflow's search
 * grammar (tracking/search_filter.h), with ordering and paging as MLflow's
 * registered-models/search and model-versions/search do them.
 *
 * Registered models: filter on `name` (=, !=, LIKE, ILIKE) and `tags.<key>` (=, !=, LIKE,
 * ILIKE); order_by `name`, `timestamp` / `last_updated_timestamp` (ASC default, DESC), ties
 * broken by name ASC. max_results 1..1000, default 100.
 * Model versions: filter on `name`, `run_id` (also IN (...)), `source_path` (=, !=, LIKE,
 * ILIKE), `version_number` (=, !=, <, <=, >, >=, integers) and `tags.<key>`; order_by `name`,
 * `version_number`, `creation_timestamp`, `last_updated_timestamp`, default
 * last_updated_timestamp DESC, name ASC, version_number DESC, ties broken by name ASC then
 * version_number DESC. max_results 1..200000, default 200000 (MLflow's numbers).
 *
 * LIKE is case-sensitive and ILIKE case-insensitive on both backends (SQLite: LIKE becomes GLOB,
 * whose matching is case-sensitive; its ILIKE folds ASCII letters only). '%' and '_' are the
 * wildcards and a backslash makes the next character literal ('100\%'). Values are always
 * bound parameters. A tag clause matches models/versions that have the tag with a matching
 * value (a missing tag never matches, not even '!='). Text orders by byte value on both.
 *
 * Paging: a page holds max_results items; when more follow, the answer carries
 * next_page_token (base/page_token.h) to pass as page_token for the next page. Offsets are
 * positions in the ordered result, so rows created or deleted between pages can shift a page by
 * those rows, as in MLflow. */
#ifndef LLMOPS_REGISTRY_REGISTRY_SEARCH_H
#define LLMOPS_REGISTRY_REGISTRY_SEARCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define REGISTRY_MODELS_DEFAULT_RESULTS   100
#define REGISTRY_MODELS_MAX_RESULTS       1000
#define REGISTRY_VERSIONS_DEFAULT_RESULTS 200000
#define REGISTRY_VERSIONS_MAX_RESULTS     200000

typedef struct registry_search {
    const char *filter;          /* NULL or "": everything */
    const char *const *order_by; /* norder entries such as "name DESC" */
    size_t norder;
    int64_t max_results;    /* required: set it to the default when the client gave none */
    const char *page_token; /* NULL or "": the first page */
    const char *model;      /* versions only: only this model's (404 when it is unknown) */
} registry_search_t;

/* {"models": [model, ...], "next_page_token": "..."?}; caller owns. Errors: 400 naming
 * "filter", "order_by", "max_results" or "page_token"; store errors. */
json_t *registry_models_search(store_t *s, const registry_search_t *q, err_t *err);
/* {"versions": [version, ...], "next_page_token": "..."?}; caller owns. */
json_t *registry_versions_search(store_t *s, const registry_search_t *q, err_t *err);

#endif
