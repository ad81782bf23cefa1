/* page_token.h - opaque page tokens for tracking searches and metric history.
 *
 * A token is the base64 of {"offset": N}, the same shape MLflow's own server uses, so a token
 * is meaningful only to the query that produced it. Clients must treat it as opaque. */
#ifndef LLMOPS_TRACKING_PAGE_TOKEN_H
#define LLMOPS_TRACKING_PAGE_TOKEN_H

#include <stdint.h>

#include "base/error.h"

/* A new token for the page starting at offset. Caller frees. */
char *tracking_page_token_make(int64_t offset);
/* NULL or "" -> offset 0. A token that does not decode gives 400 naming field "page_token". */
int tracking_page_token_parse(const char *token, int64_t *offset, err_t *err);

#endif
