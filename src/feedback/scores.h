/* scores.h - feedback and evaluation scores attached to traces (table `scores`, migration 7).
 *
 * A score is a named value on a trace, or on one span of it: a number, a boolean (stored as
 * value 1/0 and string_value "true"/"false") or a category (string_value). It may carry a
 * comment, a correction (the answer the user wanted), its source (human, api, eval) and author.
 * Implicit signals (copied, regenerated, abandoned) are scores like any other. Every writer goes
 * through scores_add(): POST /api/v1/feedback, the Langfuse ingestion's score-create events,
 * annotation queues and evaluation runs. */
#ifndef LLMOPS_FEEDBACK_SCORES_H
#define LLMOPS_FEEDBACK_SCORES_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define SCORE_TYPE_NUMERIC     "numeric"
#define SCORE_TYPE_BOOLEAN     "boolean"
#define SCORE_TYPE_CATEGORICAL "categorical"

#define SCORE_SOURCE_HUMAN "human"
#define SCORE_SOURCE_API   "api"
#define SCORE_SOURCE_EVAL  "eval"

/* Add one score described by a JSON object (borrowed):
 *   {"id"?: client id (Langfuse score ids; a new uuid7 otherwise), "trace_id": 32 hex,
 *    "span_id"?: 16 hex, "name": non-empty, "value": true|false|number|string,
 *    "data_type"?: numeric|boolean|categorical (inferred from value's JSON type when absent;
 *    a number with data_type boolean must be 0 or 1), "comment"?, "correction"?,
 *    "source"?: human|api|eval (default api), "author"?, "queue_id"?, "created_ms"?}
 * The trace need not be stored yet (feedback may come before the trace's spans are written).
 * The same id twice replaces the score (Langfuse's score upsert). Returns the stored score as
 * scores_list shows it (caller owns), or NULL with err: 400 naming the field. */
json_t *scores_add(store_t *s, const json_t *score, err_t *err);

/* Scores of one trace, oldest first: {"scores": [{"id", "trace_id", "span_id", "name",
 * "data_type", "value" (number, bool or string as given), "comment", "correction", "source",
 * "author", "queue_id", "created_ms"}]}. Caller owns. */
json_t *scores_for_trace(store_t *s, const char *trace_id, err_t *err);

#endif
