/* error.c - filling err_t values (see error.h). */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

int err_vset(err_t *err, int status, const char *code, const char *field, const char *fmt,
             va_list ap)
{
    if (!err)
        return -1;
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code ? code : "internal");
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return -1;
}

int err_set(err_t *err, int status, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, status, code, field, fmt, ap);
    va_end(ap);
    return -1;
}

void err_clear(err_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}
