/* log.c - JSON-lines logger on stderr (see log.h). */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

static const char *level_names[] = {"debug", "info", "warn", "error"};
static volatile log_level_t min_level = LOG_INFO; /* set once at start-up */

void log_set_level(log_level_t level)
{
    min_level = level;
}

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void log_json(log_level_t level, const char *msg, json_t *fields)
{
    if (level < min_level) {
        json_decref(fields);
        return;
    }
    json_t *line = json_object();
    json_object_set_new(line, "ts", json_integer(clock_now_ms()));
    json_object_set_new(line, "level", json_string(level_names[level]));
    json_object_set_new(line, "msg", json_string(msg));
    if (fields)
        json_object_update(line, fields);
    json_decref(fields);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text)
        return;
    size_t len = strlen(text);
    text[len] = '\n'; /* replace the NUL: one write for the whole line */
    ssize_t ignored = write(STDERR_FILENO, text, len + 1);
    (void)ignored;
    free(text);
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    log_json(level, text, NULL);
}
