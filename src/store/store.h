/* store.h - the one storage interface every service writes SQL against.
 *
 * Two backends sit behind it: SQLite (the embedded default, one file in the data directory) and
 * PostgreSQL via libpq (what users move to when several servers share one database). Services
 * write each statement once, with '?' placeholders; the PostgreSQL backend rewrites them to $1,
 * $2, ... ('?' inside string literals, quoted identifiers, comments and dollar-quoted strings is
 * left alone; PostgreSQL's jsonb operators ?, ?| and ?& cannot be written, use jsonb_exists(),
 * jsonb_exists_any() and jsonb_exists_all() instead). Stick to the common dialect
 * (INTEGER/BIGINT, DOUBLE PRECISION, TEXT, INSERT ... RETURNING, ON CONFLICT ... DO ...); where
 * the two must differ (DDL mostly), branch on store_kind().
 *
 * A store_t is a pool of connections, safe to share between threads. A connection is used by one
 * thread at a time: take it with store_acquire(), give it back with store_release(). Results are
 * fully read into a store_rows_t, so no cursor outlives the call that made it.
 *
 * Errors: a unique/primary-key violation fills err with status 409, code "conflict"; a lost or
 * refused database connection gives 503 "unavailable" (the connection is re-established on its
 * next use); anything else is 500 "internal". */
#ifndef LLMOPS_STORE_STORE_H
#define LLMOPS_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef enum store_kind { STORE_SQLITE, STORE_POSTGRES } store_kind_t;

typedef enum store_type { SV_NULL, SV_INT, SV_REAL, SV_TEXT, SV_BLOB } store_type_t;

/* A statement parameter. Strings and blobs are borrowed for the duration of the call. */
typedef struct store_value {
    store_type_t type;
    int64_t i;
    double r;
    const char *s; /* SV_TEXT (NUL-terminated) or SV_BLOB (len bytes) */
    size_t len;
} store_value_t;

static inline store_value_t sv_null(void)
{
    return (store_value_t){.type = SV_NULL};
}
static inline store_value_t sv_int(int64_t v)
{
    return (store_value_t){.type = SV_INT, .i = v};
}
static inline store_value_t sv_real(double v)
{
    return (store_value_t){.type = SV_REAL, .r = v};
}
/* NULL text becomes SQL NULL. */
static inline store_value_t sv_text(const char *s)
{
    return s ? (store_value_t){.type = SV_TEXT, .s = s} : sv_null();
}
static inline store_value_t sv_blob(const void *p, size_t len)
{
    return (store_value_t){.type = SV_BLOB, .s = (const char *)p, .len = len};
}

typedef struct store store_t;
typedef struct store_conn store_conn_t;
typedef struct store_rows store_rows_t;

/* Open a store. url is "postgresql://..." / "postgres://..." (libpq URI, may carry
 * ?sslmode=... etc.), "sqlite:PATH", "sqlite://PATH" or a bare file path (SQLite). pool_size
 * connections are made on demand (at least 1). SQLite opens in WAL mode with a busy timeout.
 * Returns 0, or -1 with err filled (a PostgreSQL server that cannot be reached is 503). */
int store_open(const char *url, int pool_size, store_t **out, err_t *err);
void store_close(store_t *s);
store_kind_t store_kind(const store_t *s);
/* The kind of the store a connection belongs to. */
store_kind_t store_conn_kind(const store_conn_t *c);
/* "sqlite:/path/llmops.db" or the PostgreSQL URL without its password. Borrowed. */
const char *store_describe(const store_t *s);

/* Block until a connection is free (connecting it if needed; a connection whose server went
 * away is reset here). Never NULL: a connection that cannot connect reports that on first use. */
store_conn_t *store_acquire(store_t *s);
void store_release(store_t *s, store_conn_t *c);

/* Run one statement. Returns the number of rows changed (>= 0), or -1 with err filled. */
int64_t store_exec(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                   err_t *err);
/* Run one statement that returns rows. Caller frees the result with store_rows_free().
 * NULL with err filled on failure. */
store_rows_t *store_query(store_conn_t *c, const char *sql, const store_value_t *params,
                          size_t nparams, err_t *err);
/* Called for each result row of store_query_each: rows holds it at index row (and possibly
 * other rows of the same batch; only row is meant for this call). Borrowed for the call only.
 * Return 0 to go on, -1 (with err filled) to stop the query with that error. */
typedef int (*store_row_fn)(void *ctx, const store_rows_t *rows, size_t row, err_t *err);
/* Run one statement that returns rows and hand them to fn as they come, in batches, so a
 * scan of millions of rows never holds them all in memory (SQLite steps the statement;
 * PostgreSQL reads through a cursor, inside a transaction it opens when none is open).
 * 0, or -1 with err filled (by the store or by fn). */
int store_query_each(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                     store_row_fn fn, void *ctx, err_t *err);
/* Run several ';'-separated statements without parameters (schema migrations). */
int store_exec_script(store_conn_t *c, const char *sql, err_t *err);

/* Transactions. store_begin takes the write lock up front (SQLite BEGIN IMMEDIATE) so two
 * writers never deadlock upgrading a read lock. store_rollback is safe to call after a failed
 * statement or a lost connection. */
int store_begin(store_conn_t *c, err_t *err);
int store_commit(store_conn_t *c, err_t *err);
void store_rollback(store_conn_t *c);
/* End a transaction: commit when ok, else roll back (also when the commit fails). 0 when it
 * committed; -1 otherwise, err filled by a failed commit or left as the caller set it. */
int store_finish(store_conn_t *c, int ok, err_t *err);

/* Check that the database answers (SELECT 1 on a pooled connection). 0 or -1 with err. */
int store_ping(store_t *s, err_t *err);

/* Result access. Row and column indexes start at 0; out-of-range access returns the NULL
 * value of the accessor (0, 0.0, NULL). Text and blob pointers are borrowed from rows. */
size_t store_rows_count(const store_rows_t *rows);
size_t store_rows_columns(const store_rows_t *rows);
const char *store_rows_column_name(const store_rows_t *rows, size_t col);
int store_rows_is_null(const store_rows_t *rows, size_t row, size_t col);
int64_t store_rows_int(const store_rows_t *rows, size_t row, size_t col);
double store_rows_real(const store_rows_t *rows, size_t row, size_t col);
const char *store_rows_text(const store_rows_t *rows, size_t row, size_t col);
const void *store_rows_blob(const store_rows_t *rows, size_t row, size_t col, size_t *len);
void store_rows_free(store_rows_t *rows);

#endif
