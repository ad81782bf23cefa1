/* search_sql.c - parameterised SQL assembly and string operators (see search_sql.h). */
#include "tracking/search_sql.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>

void sqlb_init(sqlb_t *b, store_kind_t kind)
{
    memset(b, 0, sizeof *b);
    b->kind = kind;
    buf_init(&b->sql);
}

void sqlb_free(sqlb_t *b)
{
    buf_free(&b->sql);
    free(b->params);
    for (size_t i = 0; i < b->nowned; i++)
        free(b->owned[i]);
    free(b->owned);
    memset(b, 0, sizeof *b);
}

void sqlb_sql(sqlb_t *b, const char *text)
{
    buf_append_str(&b->sql, text);
}

void sqlb_param(sqlb_t *b, store_value_t v)
{
    if (b->nparams == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->params = xrealloc(b->params, b->cap * sizeof *b->params);
    }
    b->params[b->nparams++] = v;
    buf_append_char(&b->sql, '?');
}

static const char *sqlb_own(sqlb_t *b, char *text)
{
    b->owned = xrealloc(b->owned, (b->nowned + 1) * sizeof *b->owned);
    b->owned[b->nowned++] = text;
    return text;
}

void sqlb_text_copy(sqlb_t *b, const char *text)
{
    sqlb_param(b, sv_text(sqlb_own(b, xstrdup(text))));
}

char *sqlb_like_to_glob(const char *like)
{
    buf_t out;
    buf_init(&out);
    for (const char *p = like; *p; p++) {
        switch (*p) {
        case '%':
            buf_append_char(&out, '*');
            break;
        case '_':
            buf_append_char(&out, '?');
            break;
        case '*':
            buf_append_str(&out, "[*]");
            break;
        case '?':
            buf_append_str(&out, "[?]");
            break;
        case '[':
            buf_append_str(&out, "[[]");
            break;
        default:
            buf_append_char(&out, *p);
        }
    }
    return buf_steal(&out);
}

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

void sqlb_string_compare(sqlb_t *b, const char *column, const search_clause_t *clause)
{
    const char *text = clause->text ? clause->text : "";
    switch (clause->op) {
    case SEARCH_LIKE:
        if (b->kind == STORE_SQLITE) {
            sqlb_sql(b, column);
            sqlb_sql(b, " GLOB ");
            sqlb_param(b, sv_text(sqlb_own(b, sqlb_like_to_glob(text))));
        } else {
            sqlb_sql(b, column);
            sqlb_sql(b, " LIKE ");
            sqlb_param(b, sv_text(text));
            sqlb_sql(b, " ESCAPE ''");
        }
        return;
    case SEARCH_ILIKE:
        if (b->kind == STORE_SQLITE) {
            sqlb_sql(b, "lower(");
            sqlb_sql(b, column);
            sqlb_sql(b, ") LIKE lower(");
            sqlb_param(b, sv_text(text));
            sqlb_sql(b, ")");
        } else {
            sqlb_sql(b, column);
            sqlb_sql(b, " ILIKE ");
            sqlb_param(b, sv_text(text));
            sqlb_sql(b, " ESCAPE ''");
        }
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
            sqlb_param(b, sv_text(clause->list[i]));
        }
        sqlb_sql(b, ")");
        return;
    default:
        sqlb_sql(b, column);
        sqlb_sql(b, clause->op == SEARCH_NE ? " <> " : " = ");
        sqlb_param(b, sv_text(text));
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
