/* sql_builder.c - parameterised SQL assembly and MLflow's LIKE / ILIKE (see sql_builder.h). */
#include "store/sql_builder.h"

#include <stdarg.h>
#include <stdlib.h>
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

void sqlb_printf(sqlb_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b->sql, fmt, ap);
    va_end(ap);
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

void sqlb_text_owned(sqlb_t *b, char *text)
{
    if (b->nowned == b->owned_cap) {
        b->owned_cap = b->owned_cap ? b->owned_cap * 2 : 8;
        b->owned = xrealloc(b->owned, b->owned_cap * sizeof *b->owned);
    }
    b->owned[b->nowned++] = text;
    sqlb_param(b, sv_text(text));
}

void sqlb_text_copy(sqlb_t *b, const char *text)
{
    sqlb_text_owned(b, xstrdup(text));
}

void sqlb_splice(sqlb_t *b, const sqlb_t *src)
{
    buf_append_str(&b->sql, buf_str(&src->sql));
    if (src->nparams && b->nparams + src->nparams > b->cap) {
        b->cap = b->nparams + src->nparams + 16;
        b->params = xrealloc(b->params, b->cap * sizeof *b->params);
    }
    for (size_t i = 0; i < src->nparams; i++)
        b->params[b->nparams++] = src->params[i];
}

store_rows_t *sqlb_query(store_conn_t *c, const sqlb_t *b, err_t *err)
{
    return store_query(c, buf_str(&b->sql), b->params, b->nparams, err);
}

int64_t sqlb_exec(store_conn_t *c, const sqlb_t *b, err_t *err)
{
    return store_exec(c, buf_str(&b->sql), b->params, b->nparams, err);
}

/* Rows per statement, largest first; a statement never binds more than SQLB_MAX_PARAMS values
 * (SQLite's limit is 32766, PostgreSQL's 65535). */
static const size_t row_chunks[] = {1000, 500, 200, 100, 50, 20, 10, 5, 2, 1};
#define SQLB_MAX_PARAMS 30000

int64_t sqlb_exec_rows(store_conn_t *c, const char *head, size_t ncols, const char *tail,
                       const store_value_t *vals, size_t nrows, err_t *err)
{
    buf_t sql;
    buf_init(&sql);
    int64_t changed = 0;
    size_t built = 0; /* rows in the statement text now in sql */
    for (size_t done = 0; done < nrows;) {
        size_t k = 1;
        for (size_t i = 0; i < sizeof row_chunks / sizeof *row_chunks; i++)
            if (row_chunks[i] <= nrows - done && row_chunks[i] * ncols <= SQLB_MAX_PARAMS) {
                k = row_chunks[i];
                break;
            }
        if (k != built) { /* chunks of one size share their text */
            buf_reset(&sql);
            buf_append_str(&sql, head);
            for (size_t r = 0; r < k; r++) {
                buf_append_str(&sql, r ? ", (" : " (");
                for (size_t col = 0; col < ncols; col++)
                    buf_append_str(&sql, col ? ", ?" : "?");
                buf_append_char(&sql, ')');
            }
            buf_append_str(&sql, tail ? tail : "");
            built = k;
        }
        int64_t n = store_exec(c, buf_str(&sql), vals + done * ncols, k * ncols, err);
        if (n < 0) {
            changed = -1;
            break;
        }
        changed += n;
        done += k;
    }
    buf_free(&sql);
    return changed;
}

char *sqlb_like_to_glob(const char *like, sqlb_escape_t escape)
{
    buf_t out;
    buf_init(&out);
    for (const char *p = like; *p; p++) {
        char ch = *p;
        if (escape == SQLB_ESCAPE_BACKSLASH && ch == '\\' && p[1]) {
            ch = *++p; /* escaped: literal, whatever it is */
        } else if (ch == '%') {
            buf_append_char(&out, '*');
            continue;
        } else if (ch == '_') {
            buf_append_char(&out, '?');
            continue;
        }
        if (ch == '*' || ch == '?' || ch == '[')
            buf_printf(&out, "[%c]", ch);
        else
            buf_append_char(&out, ch);
    }
    return buf_steal(&out);
}

int sqlb_like_pattern_ok(const char *pattern, sqlb_escape_t escape)
{
    if (escape == SQLB_ESCAPE_NONE)
        return 1;
    size_t backslashes = 0;
    for (size_t i = strlen(pattern); i > 0 && pattern[i - 1] == '\\'; i--)
        backslashes++;
    return backslashes % 2 == 0;
}

char *sqlb_like_prefix(const char *prefix)
{
    buf_t b;
    buf_init(&b);
    for (const char *p = prefix; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            buf_append_char(&b, '\\');
        buf_append_char(&b, *p);
    }
    buf_append_char(&b, '%');
    return buf_steal(&b);
}

void sqlb_like(sqlb_t *b, const char *column, const char *pattern, int ignore_case,
               sqlb_escape_t escape)
{
    const char *escape_clause = escape == SQLB_ESCAPE_BACKSLASH ? " ESCAPE '\\'" : " ESCAPE ''";
    if (b->kind == STORE_SQLITE && !ignore_case) {
        sqlb_printf(b, "%s GLOB ", column);
        sqlb_text_owned(b, sqlb_like_to_glob(pattern, escape));
        return;
    }
    if (b->kind == STORE_SQLITE) {
        /* SQLite's LIKE: no default escape character, and ESCAPE '' is an error there. */
        sqlb_printf(b, "%s LIKE ", column);
        sqlb_text_copy(b, pattern);
        if (escape == SQLB_ESCAPE_BACKSLASH)
            sqlb_sql(b, escape_clause);
        return;
    }
    sqlb_printf(b, "%s %s ", column, ignore_case ? "ILIKE" : "LIKE");
    sqlb_text_copy(b, pattern);
    sqlb_sql(b, escape_clause);
}
