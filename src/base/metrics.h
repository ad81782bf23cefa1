/* metrics.h - the process-wide metrics registry, rendered in Prometheus text format at /metrics.
 *
 * A series is a metric name plus an optional label set written out in full, e.g.
 * metrics_counter("llmops_http_requests_total", "code=\"200\"", "HTTP requests answered").
 * Looking an existing series up is lock-free (a scan of the registry; callers on hot paths keep
 * the returned pointer), creating one takes the registry lock; updating it is lock-free
 * (atomics). Anything the platform drops must be counted here, so that
 * it is visible.
 *
 * Label values that come from users (endpoint names...) must be escaped: build label sets with
 * metrics_label() rather than by hand. Series of one name are rendered together, with one
 * HELP and one TYPE line however many label sets the name has. */
#ifndef LLMOPS_BASE_METRICS_H
#define LLMOPS_BASE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

typedef struct metric metric_t;

/* Find or create a series. name: [a-z_:]+; labels: "" or 'k="v",k2="v2"' (borrowed only
 * during the call); help: static string. Counters only go up; gauges go both ways. A name
 * keeps the kind it was first created with. */
metric_t *metrics_counter(const char *name, const char *labels, const char *help);
metric_t *metrics_gauge(const char *name, const char *labels, const char *help);

/* A histogram series with fixed upper bounds (ascending, finite; +Inf is implied). bounds is
 * copied when the series is created; later lookups of the same series ignore it. Rendered as
 * name_bucket{...,le="b"} (cumulative), name_bucket{...,le="+Inf"}, name_sum and name_count. */
metric_t *metrics_histogram(const char *name, const char *labels, const char *help,
                            const double *bounds, size_t nbounds);

/* Bucket bounds in seconds for request durations (5 ms .. 120 s), and their count. */
extern const double metrics_seconds_bounds[];
extern const size_t metrics_seconds_nbounds;

void metrics_add(metric_t *m, int64_t delta);
/* Set a gauge (values sampled at scrape time: queue depth, spool bytes). */
void metrics_set(metric_t *m, int64_t value);
/* Floating-point accumulation (seconds, dollars): the series becomes a float series, rendered
 * with decimals. Lock-free (compare-and-swap on the double's bits). */
void metrics_add_float(metric_t *m, double delta);
/* The same as metrics_add_float; kept for the durations callers. */
void metrics_add_seconds(metric_t *m, double seconds);
/* Record one observation in a histogram series. */
void metrics_observe(metric_t *m, double value);

/* Integer series value (a float series' value truncated). */
int64_t metrics_value(const metric_t *m);
/* A series' value as a double (integer or float series); a histogram's sum. */
double metrics_value_float(const metric_t *m);
/* A histogram's observation count. */
uint64_t metrics_hist_count(const metric_t *m);

/* Append 'key="value"' to a label set being built in out (a ',' first when out is not
 * empty), escaping \, " and newline as the exposition format requires. out is NUL-terminated
 * and truncated (never mid-escape) at size bytes. */
void metrics_label(char *out, size_t size, const char *key, const char *value);

/* Append the whole registry in Prometheus text exposition format 0.0.4. */
void metrics_render(buf_t *out);

#endif
