/* trace_query.h - reading traces back: filtered, sorted, keyset-paged trace lists (with
 * full-text search over input/output and filters on feedback scores), one trace with its span
 * tree and scores, sessions (the traces sharing a session_id, i.e. a conversation), and the
 * gateway keys' running totals. The API, the CLI and the gateway read traces through here;
 * writes go through trace_store.h and span_store.h.
 *
 * Every list is keyset-paged: a page token holds the sort, the last row's sort value and its
 * id, and the next page starts strictly after that row. Rows that arrive while a client pages
 * therefore never shift a page (no duplicates, no gaps among the rows that existed), unlike
 * OFFSET paging. Each list reads an index in its sort order (migration 8, docs/trace-queries.md
 * shows the plans). */
#ifndef LLMOPS_TRACES_TRACE_QUERY_H
#define LLMOPS_TRACES_TRACE_QUERY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define TRACES_LIST_DEFAULT 100
#define TRACES_LIST_MAX     1000
#define TRACE_SCORE_FILTERS 8 /* at most this many score= conditions per list */

typedef enum trace_sort {
    TRACE_SORT_START,   /* start_ms (the default) */
    TRACE_SORT_LATENCY, /* latency_ms; unknown latency sorts as -1 */
    TRACE_SORT_COST,    /* cost_usd; unknown cost sorts as -1 */
    TRACE_SORT_TOKENS   /* input_tokens + output_tokens (unknown counts as 0) */
} trace_sort_t;

/* "score=NAME OP VALUE": OP one of >=, <=, >, <, =, != ; VALUE true|false (boolean scores),
 * a number (numeric and boolean scores), or any other text (categorical scores, = and !=
 * only). A trace matches when one of its scores named NAME satisfies the condition. */
typedef struct trace_score_cond {
    const char *text; /* as given, for error messages */
    char name[128];
    char op[3];
    int is_number; /* value is a number (true/false give 1/0) */
    double number;
    char string[256];
} trace_score_cond_t;

typedef struct trace_filter {
    /* equality filters; NULL: any */
    const char *endpoint, *model, *version, *status, *key_id, *user, *session_id, *name, *source;
    int64_t since_ms, until_ms; /* start_ms >= since_ms and < until_ms; 0: unbounded */
    double min_latency_ms;      /* latency_ms >= this; < 0: any */
    double min_cost_usd;        /* cost_usd >= this; < 0: any */
    int has_feedback;           /* -1 any, 1: has a score, 0: has none */
    const char *q;              /* full-text search on input and output; NULL: none */
    trace_score_cond_t *scores; /* all must hold */
    size_t nscores;
    trace_sort_t sort;
    int ascending; /* 0: descending (the default) */
} trace_filter_t;

/* A filter that matches everything: no bounds, has_feedback -1, min_* -1, newest first. */
trace_filter_t trace_filter_any(void);

/* Parse "start_ms|latency_ms|cost_usd|tokens" (NULL: start_ms) and "desc|asc" (NULL: desc).
 * 0, or -1 with err (400 naming "sort" / "order"). */
int trace_sort_parse(const char *text, trace_sort_t *out, err_t *err);
int trace_order_parse(const char *text, int *ascending, err_t *err);
/* Parse one score condition ("helpfulness>=0.5"). 0, or -1 with err (400 naming "score"). */
int trace_score_cond_parse(const char *text, trace_score_cond_t *out, err_t *err);

/* Traces matching the filter in its sort order (ties broken by trace_id in the same
 * direction): {"traces": [summary...], "next_page_token"?}. A summary has every column but
 * input, output and data. limit 0 means TRACES_LIST_DEFAULT; 1..TRACES_LIST_MAX. A page token
 * only continues the sort and order it was made for. Errors: 400 naming "limit",
 * "page_token", "status", "since"/"until", "min_latency_ms", "min_cost_usd", "q" (no word to
 * search for), "score". Caller owns the result. */
json_t *traces_list(store_t *s, const trace_filter_t *filter, int limit, const char *page_token,
                    err_t *err);

/* One trace: its summary plus "input" and "output" (JSON when they hold JSON, else text),
 * "record" (the gateway record as submitted; {} for span-based traces), "spans" (flat, ordered by
 * start), "tree" (the same spans nested: roots with "children", each level ordered by start; a span
 * whose parent is not stored is a root with "orphan": true) and "scores" (scores_for_trace).
 * 400 naming "trace_id" when it is not 32 hex digits, 404 when unknown. Caller owns. */
json_t *traces_get(store_t *s, const char *trace_id, err_t *err);

/* Nest a flat span list (borrowed; objects with span_id, parent_span_id, start_ms) into the
 * tree described for traces_get. Returns a new array (the span objects are copied). */
json_t *trace_span_tree(const json_t *spans);

typedef struct session_filter {
    const char *user;           /* NULL: any */
    int64_t since_ms, until_ms; /* the session's last activity in [since, until); 0: unbounded */
} session_filter_t;

/* Sessions, most recent activity first: {"sessions": [{"session_id", "user", "trace_count",
 * "first_start_ms", "last_start_ms", "input_tokens", "output_tokens", "cost_usd",
 * "errors"}], "next_page_token"?}. limit as traces_list. Caller owns. */
json_t *sessions_list(store_t *s, const session_filter_t *filter, int limit, const char *page_token,
                      err_t *err);

/* One session: its summary plus "traces": its traces oldest first, each a summary with
 * "input" and "output" (the conversation in order). At most TRACES_LIST_MAX traces, then
 * "truncated": true. 404 when no trace has this session_id. Caller owns. */
json_t *sessions_get(store_t *s, const char *session_id, err_t *err);

/* Every key's running totals: {key_id: {"spent_usd", "requests", "input_tokens",
 * "output_tokens", "updated_ms"}}. Caller owns the result. */
json_t *traces_key_usage(store_t *s, err_t *err);

#endif
