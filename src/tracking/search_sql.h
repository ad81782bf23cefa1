/* search_sql.h - building a parameterised SQL statement piece by piece, for the tracking
 * searches (runs and experiments), and the one place that decides how MLflow's string
 * operators become SQL on each backend.
 *
 * Values never enter the SQL text: each goes in as a '?' with a store_value_t beside it. Text
 * the builder derives from a value (a translated pattern) is owned by the builder and lives
 * until sqlb_free(), so the parameters stay valid until the statement has run.
 *
 * LIKE and ILIKE: MLflow means LIKE to be case-sensitive and ILIKE case-insensitive, with '%'
 * and '_' as the only wildcards and no escape character.
 *   PostgreSQL: `col LIKE ? ESCAPE ''` and `col ILIKE ? ESCAPE ''` (PostgreSQL's LIKE would
 *   otherwise treat '\' as an escape).
 *   SQLite: its LIKE ignores ASCII case (and PRAGMA case_sensitive_like is per connection and
 *   deprecated), so LIKE becomes GLOB, which is case-sensitive: the pattern is translated
 *   ('%' -> '*', '_' -> '?', and GLOB's own '*', '?', '[' are bracketed to stay literal).
 *   ILIKE becomes `lower(col) LIKE lower(?)`; SQLite's lower() folds ASCII only, so on SQLite
 *   ILIKE is case-insensitive for ASCII letters only. */
#ifndef LLMOPS_TRACKING_SEARCH_SQL_H
#define LLMOPS_TRACKING_SEARCH_SQL_H

#include <stddef.h>

#include "base/buf.h"
#include "store/store.h"
#include "tracking/search_filter.h"

typedef struct sqlb {
    store_kind_t kind;
    buf_t sql;
    store_value_t *params;
    size_t nparams, cap;
    char **owned; /* strings the parameters point into */
    size_t nowned;
} sqlb_t;

void sqlb_init(sqlb_t *b, store_kind_t kind);
void sqlb_free(sqlb_t *b);
/* Append SQL text (never a value). */
void sqlb_sql(sqlb_t *b, const char *text);
/* Append "?" bound to v (strings are borrowed: they must outlive the statement). */
void sqlb_param(sqlb_t *b, store_value_t v);
/* Append "?" bound to a copy of text owned by the builder. */
void sqlb_text_copy(sqlb_t *b, const char *text);

/* Append "<column> <op> <value>" for a string comparison: =, !=, LIKE, ILIKE (as above), IN
 * and NOT IN (clause->list). Other operators are the caller's error to report. */
void sqlb_string_compare(sqlb_t *b, const char *column, const search_clause_t *clause);
/* Append "<column> <op> ?" for a numeric comparison (=, !=, <, <=, >, >=); integers bind as
 * integers so that BIGINT columns compare exactly. */
void sqlb_number_compare(sqlb_t *b, const char *column, const search_clause_t *clause);

/* 1 when op is one of the six comparison operators / one of the string operators. */
int sqlb_op_is_numeric(search_op_t op);
int sqlb_op_is_string(search_op_t op);

/* The GLOB pattern equivalent to a LIKE pattern without escape character. Caller frees. */
char *sqlb_like_to_glob(const char *like);

#endif
