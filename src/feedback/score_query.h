/* score_query.h - the rest of the score store beyond scores.h: adding a score on a connection
 * the caller holds (so annotation queues write several scores and their item in one
 * transaction), listing scores with filters and deleting one. */
#ifndef LLMOPS_FEEDBACK_SCORE_QUERY_H
#define LLMOPS_FEEDBACK_SCORE_QUERY_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define SCORES_LIST_DEFAULT 100
#define SCORES_LIST_MAX     1000

/* scores_add() on a connection, inside the caller's transaction (nothing is committed here). */
json_t *scores_add_conn(store_conn_t *c, const json_t *score, err_t *err);

typedef struct score_filter {
    const char *trace_id, *name, *source, *queue_id; /* NULL: any */
    int64_t since_ms, until_ms; /* created_ms >= since_ms and < until_ms; 0: unbounded */
} score_filter_t;

/* Scores matching the filter, oldest first (created_ms, then id): {"scores": [...],
 * "next_page_token"?}. limit 0 means SCORES_LIST_DEFAULT, at most SCORES_LIST_MAX. Errors: 400
 * naming "trace_id", "source", "limit", "page_token", "since"/"until". Caller owns. */
json_t *scores_list(store_t *s, const score_filter_t *filter, int limit, const char *page_token,
                    err_t *err);

/* The scores of several traces on a connection, oldest first, as {trace_id: [score...]} with
 * an entry (maybe empty) per given trace id (lowercase ids); only scores named name when name
 * is not NULL. Caller owns. */
json_t *scores_for_traces(store_conn_t *c, const char *const *trace_ids, size_t n, const char *name,
                          err_t *err);

/* Delete one score by id: 0, or -1 with err (404 when unknown). */
int scores_delete(store_t *s, const char *id, err_t *err);

/* 1 when text is exactly n hex digits (either case). */
int scores_is_hex(const char *text, size_t n);

#endif
