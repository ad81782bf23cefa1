/* window.h - the time arguments of the monitoring API and CLI: an instant is epoch milliseconds
 * ("1732300000000") or a duration before now ("90s", "15m", "1h", "24h", "7d", "2w"); a range
 * is "FROM..TO" of two instants ("7d..1d": from seven days ago to one day ago). */
#ifndef LLMOPS_MONITOR_WINDOW_H
#define LLMOPS_MONITOR_WINDOW_H

#include <stdint.h>

#include "base/error.h"

/* Parse an instant relative to now_ms. 0, or -1 with err (400 naming field). */
int mon_time_parse(const char *text, const char *field, int64_t now_ms, int64_t *out, err_t *err);

/* Parse "FROM..TO" (both instants, FROM before TO). 0, or -1 with err (400 naming field). */
int mon_range_parse(const char *text, const char *field, int64_t now_ms, int64_t *from, int64_t *to,
                    err_t *err);

#endif
