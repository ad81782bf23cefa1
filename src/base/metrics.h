/* metrics.h - the process-wide metrics registry, rendered in Prometheus text format at /metrics.
 *
 * A series is a metric name plus an optional label set written out in full, e.g.
 * metrics_counter("llmops_http_requests_total", "code=\"200\"", "HTTP requests answered").
 * Looking a series up takes a lock only the first time it is seen (callers on hot paths keep
 * the returned pointer); updating it is one atomic add. Anything the platform drops must be
 * counted here, so that it is visible. */
#ifndef LLMOPS_BASE_METRICS_H
#define LLMOPS_BASE_METRICS_H

#include <stdint.h>

#include "base/buf.h"

typedef struct metric metric_t;

/* Find or create a series. name: [a-z_:]+; labels: "" or 'k="v",k2="v2"' (borrowed only
 * during the call); help: static string. Counters only go up; gauges go both ways. */
metric_t *metrics_counter(const char *name, const char *labels, const char *help);
metric_t *metrics_gauge(const char *name, const char *labels, const char *help);

void metrics_add(metric_t *m, int64_t delta);
/* Floating-point accumulation (durations in seconds), kept in micro-units internally. */
void metrics_add_seconds(metric_t *m, double seconds);
int64_t metrics_value(const metric_t *m);

/* Append the whole registry in Prometheus text exposition format 0.0.4. */
void metrics_render(buf_t *out);

#endif
