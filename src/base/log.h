/* log.h - structured logging: one JSON object per line on stderr.
 *
 * Every line has "ts" (ms since epoch), "level" and "msg"; callers add fields as a jansson
 * object. Lines are written with a single write(2) so concurrent threads never interleave. */
#ifndef LLMOPS_BASE_LOG_H
#define LLMOPS_BASE_LOG_H

#include <jansson.h>

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_set_level(log_level_t level);
/* Parse "debug", "info", "warn" or "error"; -1 if none of those. */
int log_level_parse(const char *name);
/* Log msg with the fields of `fields` (stolen: the reference is released; may be NULL). */
void log_json(log_level_t level, const char *msg, json_t *fields);
/* printf-style message with no extra fields. */
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
