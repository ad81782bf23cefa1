/* scheduler.h - the server's background thread for alerts and retention: every
 * --alert-interval-ms it evaluates the alert rules (monitor/alerts.h), and every
 * --retention-interval-ms, when --trace-retention-days is above 0, it purges older traces
 * (traces/retention.h). Started and stopped by core/runtime.c; stopping wakes it at once. */
#ifndef LLMOPS_MONITOR_SCHEDULER_H
#define LLMOPS_MONITOR_SCHEDULER_H

#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

typedef struct scheduler scheduler_t;

typedef struct scheduler_opts {
    int alert_interval_ms;     /* 0: no alert evaluation */
    int retention_days;        /* 0: keep traces forever */
    int retention_interval_ms; /* how often the purge runs */
} scheduler_opts_t;

scheduler_t *scheduler_start(store_t *store, const scheduler_opts_t *opts, err_t *err);
/* Stop and join (waits for a running evaluation or purge batch to end). Safe with NULL. */
void scheduler_stop(scheduler_t *s);

#endif
