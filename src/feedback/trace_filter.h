/* trace_filter.h - the trace filter that annotation queues fill from and exports select with:
 * equality on the traces columns endpoint, model, status, user_id (as "user"), session_id,
 * name and source, and a start_ms window. It becomes a plain SQL WHERE on `traces`, so a queue
 * fill is one INSERT ... SELECT. */
#ifndef LLMOPS_FEEDBACK_TRACE_FILTER_H
#define LLMOPS_FEEDBACK_TRACE_FILTER_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/sql_builder.h"

typedef struct fb_trace_filter {
    const char *endpoint, *model, *status, *user, *session_id, *name, *source; /* NULL: any */
    int64_t since_ms, until_ms; /* start_ms >= since_ms and < until_ms; 0: unbounded */
} fb_trace_filter_t;

/* Read a filter from a JSON object (borrowed strings stay owned by obj). Unknown keys are an
 * error, so a typo does not silently select every trace. obj NULL or JSON null: match all.
 * 0, or -1 with err (400 naming "<prefix><field>", e.g. "filter.status"). */
int fb_trace_filter_from_json(const json_t *obj, const char *prefix, fb_trace_filter_t *out,
                              err_t *err);

/* Check a filter built by hand (status ok|error, since/until >= 0). 0 or -1 with err. */
int fb_trace_filter_check(const fb_trace_filter_t *f, const char *prefix, err_t *err);

/* The filter as JSON ({} for match-all; only the fields that are set). Caller owns. */
json_t *fb_trace_filter_to_json(const fb_trace_filter_t *f);

/* Append " AND <condition>" for every field set; column names are prefixed with alias + "."
 * when alias is not NULL. */
void fb_trace_filter_sql(const fb_trace_filter_t *f, const char *alias, sqlb_t *b);

#endif
