/* scrape.h - the gauges /metrics samples at scrape time rather than keeping up to date on every
 * change: the trace writer's memory queue depth and the spool's size on disk. */
#ifndef LLMOPS_SYSTEM_SCRAPE_H
#define LLMOPS_SYSTEM_SCRAPE_H

#include "core/app.h"

/* Refresh those gauges from app (a process without a trace writer reports 0 queued). */
void system_scrape_refresh(app_t *app);

#endif
