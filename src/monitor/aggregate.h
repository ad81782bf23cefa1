/* aggregate.h - monitoring aggregates over stored traces: per time bucket and group, the
 * request count, error rate, latency and time-to-first-token percentiles, tokens, cost, cache
 * hit rate, positive-feedback rate and guardrail hits. The dashboard API, `llmops monitor
 * summary`, alert rules and drift read them from here.
 *
 * Percentiles are exact: the p-th percentile of n sorted values is the value at rank
 * ceil(p/100 * n) (1-based; the "nearest rank" definition), computed from every trace in the
 * bucket, never from a histogram. A trace counts once, in the bucket of its start_ms. */
#ifndef LLMOPS_MONITOR_AGGREGATE_H
#define LLMOPS_MONITOR_AGGREGATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

typedef enum mon_bucket {
    MON_BUCKET_NONE,
    MON_BUCKET_MINUTE,
    MON_BUCKET_HOUR,
    MON_BUCKET_DAY
} mon_bucket_t;
typedef enum mon_group {
    MON_GROUP_NONE,
    MON_GROUP_ENDPOINT,
    MON_GROUP_MODEL,
    MON_GROUP_VERSION,
    MON_GROUP_USER,
    MON_GROUP_KEY
} mon_group_t;

/* "minute"|"hour"|"day"|"none" and "endpoint"|"model"|"version"|"user"|"key"|"none".
 * 0, or -1 with err (400 naming `field`). */
int mon_bucket_parse(const char *text, const char *field, mon_bucket_t *out, err_t *err);
int mon_group_parse(const char *text, const char *field, mon_group_t *out, err_t *err);

typedef struct mon_query {
    int64_t since_ms, until_ms; /* start_ms in [since, until); until 0: now */
    mon_bucket_t bucket;
    mon_group_t group;
    const char *endpoint, *model; /* NULL: any */
} mon_query_t;

/* One bucket x group. Rates and percentiles are NAN when they have no data (no requests, no
 * feedback, no streamed calls). */
typedef struct mon_row {
    int64_t bucket_ms; /* start of the bucket (since_ms for MON_BUCKET_NONE) */
    char *group;       /* the group's value; NULL for MON_GROUP_NONE or a NULL column */
    int64_t requests, errors;
    double error_rate;                            /* errors / requests */
    double latency_p50, latency_p95, latency_p99; /* ms */
    double ttft_p50, ttft_p95, ttft_p99;          /* ms */
    int64_t input_tokens, output_tokens;
    double cost_usd;
    double cache_hit_rate;         /* cache hits / requests */
    int64_t feedback;              /* traces with at least one human score */
    double positive_feedback_rate; /* positive / feedback (see monitor docs for "positive") */
    int64_t guardrail_hits;
} mon_row_t;

/* Rows ordered by bucket, then group. 0 with *rows (caller frees with mon_rows_free), or -1
 * with err (400 for a bad range, 503/500 from the store). */
int monitor_aggregate(store_t *s, const mon_query_t *q, mon_row_t **rows, size_t *n, err_t *err);
void mon_rows_free(mon_row_t *rows, size_t n);

/* A metric of a row by name: requests, errors, error_rate, latency_p50|p95|p99,
 * ttft_p50|p95|p99, input_tokens, output_tokens, tokens, cost_usd, cache_hit_rate, feedback,
 * positive_feedback_rate, guardrail_hits. 0, or -1 when the name is unknown. */
int mon_row_metric(const mon_row_t *row, const char *metric, double *out);

/* {"bucket", "group", "since_ms", "until_ms", "rows": [{"bucket_ms", "group", ...metrics}]}
 * with NAN written as null. Caller owns. */
json_t *mon_rows_json(const mon_query_t *q, const mon_row_t *rows, size_t n);

#endif
