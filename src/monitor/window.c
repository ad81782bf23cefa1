/* window.c - instants and ranges of the monitoring API and CLI (see window.h). */
#include "monitor/window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

int mon_time_parse(const char *text, const char *field, int64_t now_ms, int64_t *out, err_t *err)
{
    if (!text || !*text)
        return err_invalid(err, field, "%s must be epoch milliseconds or a duration like 24h",
                           field);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || v < 0)
        return err_invalid(err, field,
                           "%s must be epoch milliseconds or a duration like 1h, 24h, 7d", field);
    if (!*end) {
        *out = v;
        return 0;
    }
    int64_t unit;
    if (strcmp(end, "ms") == 0)
        unit = 1;
    else if (strcmp(end, "s") == 0)
        unit = 1000;
    else if (strcmp(end, "m") == 0)
        unit = 60000;
    else if (strcmp(end, "h") == 0)
        unit = 3600000;
    else if (strcmp(end, "d") == 0)
        unit = 86400000;
    else if (strcmp(end, "w") == 0)
        unit = 7 * 86400000LL;
    else
        return err_invalid(err, field, "%s: unknown unit '%s' (ms, s, m, h, d, w)", field, end);
    if (v > now_ms / unit)
        return err_invalid(err, field, "%s: %s reaches before 1970", field, text);
    *out = now_ms - v * unit;
    return 0;
}

int mon_range_parse(const char *text, const char *field, int64_t now_ms, int64_t *from, int64_t *to,
                    err_t *err)
{
    const char *dots = text ? strstr(text, "..") : NULL;
    if (!dots)
        return err_invalid(err, field, "%s must be FROM..TO, e.g. 7d..1d", field);
    char *left = xstrndup(text, (size_t)(dots - text));
    int rc = mon_time_parse(left, field, now_ms, from, err);
    free(left);
    if (rc == 0)
        rc = mon_time_parse(dots + 2, field, now_ms, to, err);
    if (rc == 0 && *from >= *to)
        rc = err_invalid(err, field, "%s: FROM must be before TO", field);
    return rc;
}
