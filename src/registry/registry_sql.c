/* registry_sql.c - building parameterised statements (see registry_sql.h). */
#include "registry/registry_sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void registry_sql_init(registry_sql_t *q)
{
    buf_init(&q->text);
    q->params = NULL;
    q->nparams = q->cap = 0;
    q->owned = NULL;
    q->nowned = q->owned_cap = 0;
}

void registry_sql_free(registry_sql_t *q)
{
    buf_free(&q->text);
    free(q->params);
    for (size_t i = 0; i < q->nowned; i++)
        free(q->owned[i]);
    free(q->owned);
    registry_sql_init(q);
}

void registry_sql_append(registry_sql_t *q, const char *text)
{
    buf_append_str(&q->text, text);
}

void registry_sql_printf(registry_sql_t *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n >= 0 && (size_t)n < sizeof small) {
        buf_append(&q->text, small, (size_t)n);
    } else if (n >= 0) {
        char *big = xmalloc((size_t)n + 1);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        buf_append(&q->text, big, (size_t)n);
        free(big);
    }
    va_end(ap);
}

void registry_sql_param(registry_sql_t *q, store_value_t v)
{
    if (q->nparams == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->params = xrealloc(q->params, q->cap * sizeof *q->params);
    }
    q->params[q->nparams++] = v;
}

void registry_sql_param_owned(registry_sql_t *q, char *text)
{
    if (q->nowned == q->owned_cap) {
        q->owned_cap = q->owned_cap ? q->owned_cap * 2 : 8;
        q->owned = xrealloc(q->owned, q->owned_cap * sizeof *q->owned);
    }
    q->owned[q->nowned++] = text;
    registry_sql_param(q, sv_text(text));
}

void registry_sql_value(registry_sql_t *q, store_value_t v)
{
    buf_append_char(&q->text, '?');
    registry_sql_param(q, v);
}
