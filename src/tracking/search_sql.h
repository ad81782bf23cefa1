/* search_sql.h - MLflow search clauses (search_filter.h) as SQL conditions, appended to a
 * statement being built (store/sql_builder.h). Shared by every MLflow-style search: runs and
 * experiments here, registered models and model versions in registry/.
 *
 * String operators: =, !=, LIKE, ILIKE (sqlb_like: LIKE case-sensitive, ILIKE not), IN and
 * NOT IN. Numeric operators: =, !=, <, <=, >, >=, integers bound as integers so that BIGINT
 * columns compare exactly. Each search decides which operators a key allows and reports the
 * others itself. */
#ifndef LLMOPS_TRACKING_SEARCH_SQL_H
#define LLMOPS_TRACKING_SEARCH_SQL_H

#include "store/sql_builder.h"
#include "tracking/search_filter.h"

/* Append "<column> <op> <value>" for a string comparison. The value and list items are copied.
 * escape says what a backslash means in LIKE / ILIKE patterns (the caller has checked the
 * pattern with sqlb_like_pattern_ok when it escapes). */
void sqlb_string_compare(sqlb_t *b, const char *column, const search_clause_t *clause,
                         sqlb_escape_t escape);
/* Append "<column> <op> ?" for a numeric comparison. */
void sqlb_number_compare(sqlb_t *b, const char *column, const search_clause_t *clause);

/* 1 when op is one of the six comparison operators / one of the string operators. */
int sqlb_op_is_numeric(search_op_t op);
int sqlb_op_is_string(search_op_t op);

#endif
