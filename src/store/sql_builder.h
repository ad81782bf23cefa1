/* sql_builder.h - a parameterised SQL statement assembled piece by piece, and the one place
 * that decides how MLflow's LIKE and ILIKE become SQL on each backend.
 *
 * Services build SQL whose shape depends on the request (search filters, IN lists of the rows
 * to decorate). Values never enter the text: each goes in as a '?' with a store_value_t beside
 * it, in the same order, so the statement stays parameterised whatever the input. Text the
 * builder is handed or derives from a value (a copy, a translated pattern) is owned by the
 * builder and lives until sqlb_free(), so the parameters stay valid until the statement ran.
 *
 * LIKE and ILIKE: MLflow means LIKE to be case-sensitive and ILIKE case-insensitive, with '%'
 * and '_' as wildcards. Whether a backslash escapes the next character is the caller's choice
 * (sqlb_escape_t): the tracking searches have no escape character, the registry's searches
 * use backslash.
 *   PostgreSQL: `col LIKE ? ESCAPE ''` / `col ILIKE ? ESCAPE ''` (or ESCAPE '\').
 *   SQLite: its LIKE ignores ASCII case (PRAGMA case_sensitive_like is per connection and
 *   deprecated), so LIKE becomes GLOB, which is case-sensitive, with the pattern translated
 *   ('%' -> '*', '_' -> '?', GLOB's own '*', '?', '[' bracketed to stay literal, escaped
 *   characters made literal). ILIKE is SQLite's own LIKE, which folds ASCII letters only, so on
 *   SQLite ILIKE is case-insensitive for ASCII letters only. */
#ifndef LLMOPS_STORE_SQL_BUILDER_H
#define LLMOPS_STORE_SQL_BUILDER_H

#include <stddef.h>

#include "base/buf.h"
#include "store/store.h"

typedef struct sqlb {
    store_kind_t kind; /* the backend the statement is for (LIKE differs) */
    buf_t sql;
    store_value_t *params;
    size_t nparams, cap;
    char **owned; /* strings the parameters point into */
    size_t nowned, owned_cap;
} sqlb_t;

void sqlb_init(sqlb_t *b, store_kind_t kind);
void sqlb_free(sqlb_t *b);
/* Append SQL text (never a value). */
void sqlb_sql(sqlb_t *b, const char *text);
void sqlb_printf(sqlb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append "?" bound to v (strings are borrowed: they must outlive the statement). */
void sqlb_param(sqlb_t *b, store_value_t v);
/* Append "?" bound to a copy of text owned by the builder. */
void sqlb_text_copy(sqlb_t *b, const char *text);
/* Append "?" bound to text, which the builder owns (and frees) from now on. */
void sqlb_text_owned(sqlb_t *b, char *text);

/* Append src's text and bind its parameters after b's own. They are borrowed from src, which
 * must outlive the statement (for parts of a statement that are built separately because
 * their text comes first but is only known later). */
void sqlb_splice(sqlb_t *b, const sqlb_t *src);

/* Run the statement (store_query / store_exec with the builder's text and parameters). */
store_rows_t *sqlb_query(store_conn_t *c, const sqlb_t *b, err_t *err);
int64_t sqlb_exec(store_conn_t *c, const sqlb_t *b, err_t *err);

/* Insert many rows: run head + " (?, ...), (?, ...)" + tail for successive chunks of vals (nrows
 * rows of ncols values each, row-major). Chunks take their sizes from a short fixed list (1000,
 * 500, 200, 100, ..., as many as 30000 bound values allow) so that the statement texts, and
 * with them SQLite's cached prepared statements, stay few. Returns the rows changed, or -1 with err
 * (the caller's transaction makes a failure all or nothing). */
int64_t sqlb_exec_rows(store_conn_t *c, const char *head, size_t ncols, const char *tail,
                       const store_value_t *vals, size_t nrows, err_t *err);

typedef enum sqlb_escape {
    SQLB_ESCAPE_NONE,      /* '\' is an ordinary character */
    SQLB_ESCAPE_BACKSLASH, /* '\' makes the next character literal ('100\%') */
} sqlb_escape_t;

/* Append "<column> matches <pattern>": MLflow's LIKE (ignore_case 0) or ILIKE (1), as above.
 * The pattern is copied. With SQLB_ESCAPE_BACKSLASH the pattern must pass
 * sqlb_like_pattern_ok() (PostgreSQL rejects a pattern ending in the escape character). */
void sqlb_like(sqlb_t *b, const char *column, const char *pattern, int ignore_case,
               sqlb_escape_t escape);
/* 0 when pattern ends with an unpaired escape character, else 1. */
int sqlb_like_pattern_ok(const char *pattern, sqlb_escape_t escape);
/* The GLOB pattern equivalent to a LIKE pattern. Caller frees. */
char *sqlb_like_to_glob(const char *like, sqlb_escape_t escape);
/* A SQLB_ESCAPE_BACKSLASH LIKE pattern matching every text that starts with prefix ('%', '_'
 * and '\' in it escaped). Caller frees. */
char *sqlb_like_prefix(const char *prefix);

#endif
