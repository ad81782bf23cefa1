/* queues.h - annotation queues: traces picked by a filter (or by id) waiting for human review
 * against a rubric (tables annotation_queues and annotation_items, migration 9).
 *
 * A queue is {"id", "name", "description", "filter" (trace_filter.h), "rubric": [{"name",
 * "data_type": numeric|boolean|categorical, "min"?, "max"? (numeric), "categories"
 * (categorical), "required", "description"?}], "lease_minutes", "created_ms", "updated_ms",
 * "progress": {"total", "pending", "in_progress", "done", "skipped"}}.
 *
 * An item is one trace in a queue: {"queue_id", "trace_id", "status", "reviewer",
 * "lease_until_ms", "trace_start_ms", "added_ms", "updated_ms"}. A reviewer claims the oldest
 * pending item with queues_next(); the claim is a lease of lease_minutes. A claim whose lease
 * ran out is pending again (status and progress show it so), so an abandoned item comes back.
 * Two reviewers never hold the same item: the claim is one UPDATE that re-checks the item is
 * still free (plus FOR UPDATE SKIP LOCKED on PostgreSQL, SQLite serialises writers). Completing
 * writes the reviewer's scores through scores_add_conn() (source human, author the reviewer,
 * queue_id the queue) in the same transaction as the item's status.
 *
 * Every call takes now_ms, the clock leases are measured with (the HTTP layer passes
 * clock_now_ms(); tests pass what they need). A queue is named by its id or its name.
 * Errors: 400 naming the field, 404 unknown queue or item, 409 duplicate name or an item
 * leased to another reviewer. Results are owned by the caller. */
#ifndef LLMOPS_FEEDBACK_QUEUES_H
#define LLMOPS_FEEDBACK_QUEUES_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define QUEUE_LEASE_DEFAULT_MIN 30
#define QUEUE_LEASE_MAX_MIN     1440
#define QUEUE_FILL_DEFAULT      10000 /* traces a fill adds at most, unless "limit" says */
#define QUEUE_FILL_MAX          100000
#define QUEUE_TRACE_IDS_MAX     1000 /* explicit trace ids per request */

/* Create a queue from {"name", "description"?, "filter"?, "rubric"?, "lease_minutes"?,
 * "fill"? (default true: add the traces matching filter now), "limit"? (fill at most this many
 * traces, the newest; default QUEUE_FILL_DEFAULT)}. Returns the queue plus "items_added". */
json_t *queues_create(store_t *s, const json_t *spec, int64_t now_ms, err_t *err);

/* {"queues": [queue...]}, by name. */
json_t *queues_list(store_t *s, int64_t now_ms, err_t *err);
json_t *queues_get(store_t *s, const char *queue, int64_t now_ms, err_t *err);
/* Delete a queue and its items (the scores its reviewers wrote stay). */
int queues_delete(store_t *s, const char *queue, err_t *err);

/* Add traces: {"filter": {...}, "limit"?} or {"trace_ids": [...]} (each must be a stored
 * trace: 400 naming "trace_ids[i]" otherwise). Traces already in the queue are left as they
 * are. Returns {"added": n, "queue": queue}. */
json_t *queues_add_items(store_t *s, const char *queue, const json_t *spec, int64_t now_ms,
                         err_t *err);

/* Items of a queue in claim order, status NULL for all (or pending|in_progress|done|skipped,
 * as progress counts them): {"items": [...], "next_page_token"?}. limit 0: 100, at most 1000. */
json_t *queues_items(store_t *s, const char *queue, const char *status, int limit,
                     const char *page_token, int64_t now_ms, err_t *err);

/* Claim the next item for reviewer: the item the reviewer already holds (its lease renewed),
 * else the oldest pending one. {"item": item or null, "rubric": [...], "queue": queue}. */
json_t *queues_next(store_t *s, const char *queue, const char *reviewer, int64_t now_ms,
                    err_t *err);

/* Complete an item with {"reviewer", "scores": {name: value} or [{"name", "value",
 * "comment"?, "correction"?, "span_id"?}]}, checked against the rubric (400 naming
 * "scores.<name>"). The item's earlier scores from this queue are replaced. Returns {"item",
 * "scores": [stored scores], "queue"}. */
json_t *queues_complete(store_t *s, const char *queue, const char *trace_id, const json_t *body,
                        int64_t now_ms, err_t *err);

/* Skip an item: {"reviewer"}. Returns {"item", "queue"}. */
json_t *queues_skip(store_t *s, const char *queue, const char *trace_id, const json_t *body,
                    int64_t now_ms, err_t *err);

#endif
