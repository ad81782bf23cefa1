/* export.h - traces with their feedback as JSON Lines, the seed of evaluation and fine-tuning
 * sets (GET /api/v1/feedback/export, `llmops feedback export`).
 *
 * One line per trace, oldest trace first (start_ms, then trace_id), each a compact JSON object:
 *   {"trace_id": "<32 hex>",
 *    "input": the trace's input (JSON when it holds JSON, e.g. the chat messages; else text),
 *    "output": the trace's output (likewise; null when none),
 *    "correction": the latest non-null correction among the exported scores, or null,
 *    "scores": {"<name>": value, ...} (the latest score of each name: number, bool or string),
 *    "score_details": [every exported score as scores_for_trace shows it, oldest first],
 *    "metadata": {"endpoint", "model", "version", "user", "session_id", "start_ms"}}
 * Lines end with "\n". Traces are read from the store in pages of FEEDBACK_EXPORT_CHUNK, with
 * their scores one query per page. */
#ifndef LLMOPS_FEEDBACK_EXPORT_H
#define LLMOPS_FEEDBACK_EXPORT_H

#include "base/buf.h"
#include "base/error.h"
#include "feedback/trace_filter.h"
#include "store/store.h"

#define FEEDBACK_EXPORT_CHUNK 200
#define TRACE_ID_BUF          129 /* a stored trace id and its NUL */

typedef struct feedback_export_opts {
    fb_trace_filter_t traces;
    const char *score_name; /* only scores with this name (NULL: all) */
    int only_with_feedback; /* only traces that have (such) a score */
} feedback_export_opts_t;

/* Called with each chunk of lines (a whole number of lines); returns 0 to go on. */
typedef int (*feedback_export_sink_t)(const char *data, size_t len, void *ctx);

/* Write the export to sink. Returns the number of lines, or -1 with err (400 naming the filter
 * field; store errors; a sink failure is 500). */
int64_t feedback_export(store_t *s, const feedback_export_opts_t *opts, feedback_export_sink_t sink,
                        void *ctx, err_t *err);

#endif
