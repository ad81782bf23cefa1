/* registry_sql.h - a statement assembled piece by piece together with its parameters.
 *
 * The registry builds SQL whose shape depends on the request (search filters, IN lists of the
 * rows to decorate with tags). Values never go into the text: each one is a '?' placeholder and
 * a store_value_t appended in the same order, so the statement stays parameterised whatever
 * the input. Strings made for a statement (a translated LIKE pattern, say) can be handed to the
 * builder, which frees them with itself. */
#ifndef LLMOPS_REGISTRY_REGISTRY_SQL_H
#define LLMOPS_REGISTRY_REGISTRY_SQL_H

#include <stddef.h>

#include "base/buf.h"
#include "store/store.h"

typedef struct registry_sql {
    buf_t text;
    store_value_t *params;
    size_t nparams, cap;
    char **owned; /* strings that params point into, freed by registry_sql_free */
    size_t nowned, owned_cap;
} registry_sql_t;

void registry_sql_init(registry_sql_t *q);
void registry_sql_free(registry_sql_t *q);
void registry_sql_append(registry_sql_t *q, const char *text);
void registry_sql_printf(registry_sql_t *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add a parameter (its '?' is the caller's to write). Text is borrowed and must outlive q. */
void registry_sql_param(registry_sql_t *q, store_value_t v);
/* Add a text parameter that q owns from now on (freed with q). */
void registry_sql_param_owned(registry_sql_t *q, char *text);
/* Write "?" and add the parameter in one go. */
void registry_sql_value(registry_sql_t *q, store_value_t v);

#endif
