/* status.h - the platform's own health: is the store answering, which schema version is it at,
 * what is this build. Backs /readyz, /api/v1/status and `llmops status`. */
#ifndef LLMOPS_SYSTEM_STATUS_H
#define LLMOPS_SYSTEM_STATUS_H

#include <jansson.h>

#include "core/app.h"

/* 0 when the store answers a query, -1 with err (503) when it does not. */
int system_ready(app_t *app, err_t *err);
/* {"version", "uptime_ms", "data_dir", "store": {"backend", "url", "schema_version",
 * "latest_schema_version"}}; NULL with err when the store cannot be read. Caller owns. */
json_t *system_status(app_t *app, err_t *err);

#endif
