/* search_sql.c - MLflow search clauses as SQL conditions (see search_sql.h). */
#include "tracking/search_sql.h"

#include <math.h>

int sqlb_op_is_numeric(search_op_t op)
{
    return op == SEARCH_EQ || op == SEARCH_NE || op == SEARCH_LT || op == SEARCH_LE ||
           op == SEARCH_GT || op == SEARCH_GE;
}

int sqlb_op_is_string(search_op_t op)
{
    return op == SEARCH_EQ || op == SEARCH_NE || op == SEARCH_LIKE || op == SEARCH_ILIKE ||
           op == SEARCH_IN || op == SEARCH_NOT_IN;
}

void sqlb_string_compare(sqlb_t *b, const char *column, const search_clause_t *clause,
                         sqlb_escape_t escape)
{
    const char *text = clause->text ? clause->text : "";
    switch (clause->op) {
    case SEARCH_LIKE:
    case SEARCH_ILIKE:
        sqlb_like(b, column, text, clause->op == SEARCH_ILIKE, escape);
        return;
    case SEARCH_IN:
    case SEARCH_NOT_IN:
        if (clause->nlist == 0) { /* "x IN ()" matches nothing; "NOT IN ()" everything */
            sqlb_sql(b, clause->op == SEARCH_IN ? "1 = 0" : "1 = 1");
            return;
        }
        sqlb_sql(b, column);
        sqlb_sql(b, clause->op == SEARCH_IN ? " IN (" : " NOT IN (");
        for (size_t i = 0; i < clause->nlist; i++) {
            if (i)
                sqlb_sql(b, ", ");
            sqlb_text_copy(b, clause->list[i]);
        }
        sqlb_sql(b, ")");
        return;
    default:
        sqlb_sql(b, column);
        sqlb_sql(b, clause->op == SEARCH_NE ? " <> " : " = ");
        sqlb_text_copy(b, text);
        return;
    }
}

void sqlb_number_compare(sqlb_t *b, const char *column, const search_clause_t *clause)
{
    static const char *const ops[] = {
        [SEARCH_EQ] = " = ",  [SEARCH_NE] = " <> ", [SEARCH_LT] = " < ",
        [SEARCH_LE] = " <= ", [SEARCH_GT] = " > ",  [SEARCH_GE] = " >= "};
    sqlb_sql(b, column);
    sqlb_sql(b, sqlb_op_is_numeric(clause->op) ? ops[clause->op] : " = ");
    double v = clause->number;
    if (isfinite(v) && v == floor(v) && fabs(v) < 9.0e18)
        sqlb_param(b, sv_int((int64_t)v));
    else
        sqlb_param(b, sv_real(v));
}
