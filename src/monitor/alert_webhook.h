/* alert_webhook.h - POSTing an alert event's JSON to a webhook with libcurl: a per-try timeout,
 * a few tries with doubling backoff, and a 2xx answer as the only success. */
#ifndef LLMOPS_MONITOR_ALERT_WEBHOOK_H
#define LLMOPS_MONITOR_ALERT_WEBHOOK_H

#include <stddef.h>

/* POST body (JSON text) to url. *attempts is set to the tries made; on failure last_error
 * (size bytes) says why the last try failed ("HTTP 500", "Connection refused" ...). 0 when a
 * try got a 2xx answer, else -1. */
int alert_webhook_post(const char *url, const char *body, int tries, int timeout_ms, int backoff_ms,
                       int *attempts, char *last_error, size_t size);

#endif
