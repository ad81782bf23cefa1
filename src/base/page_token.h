/* page_token.h - opaque page tokens for every paged listing (runs, experiments, metric history,
 * registered models, model versions).
 *
 * A token is the base64 of {"offset": N}, the shape MLflow's own server uses, so a token is
 * meaningful only to the query that produced it; clients must treat it as opaque. A page query
 * asks for max + 1 rows: the extra row only says that another page follows (no COUNT query). */
#ifndef LLMOPS_BASE_PAGE_TOKEN_H
#define LLMOPS_BASE_PAGE_TOKEN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* The token of the page starting at offset. Caller frees. */
char *page_token_make(int64_t offset);
/* NULL or "" -> offset 0 (the first page). Anything else must be base64 (at most 1024
 * characters) of a JSON object whose "offset" is a non-negative integer, else 400 naming
 * field "page_token". */
int page_token_parse(const char *token, int64_t *offset, err_t *err);
/* When a page query fetched more rows than max, set result["next_page_token"] to the token of
 * the page after (offset + max). */
void page_token_add_next(json_t *result, size_t fetched, int64_t max, int64_t offset);

/* Keyset tokens (trace and session lists): the base64 of any JSON object, typically the sort,
 * the last row's sort value and its id, so that the next page starts after that row whatever
 * was inserted meanwhile. Caller frees. */
char *page_token_make_json(const json_t *obj);
/* NULL or "" -> *out NULL (the first page). Else *out is the decoded object (caller owns), or
 * -1 with 400 naming "page_token" when it is not base64 of a JSON object. */
int page_token_parse_json(const char *token, json_t **out, err_t *err);

#endif
