/* store_backend.h - what store.c shares with its two backends (store_sqlite.c, store_pg.c).
 *
 * Not for services: they see only store.h. store.c owns the pool, the result rows and the
 * dispatch; a backend fills in a table of operations that open, use and close its connections.
 * Result rows are materialised into one representation (store_rows_t below) by both backends so
 * that every accessor behaves the same whichever database produced the row. */
#ifndef LLMOPS_STORE_STORE_BACKEND_H
#define LLMOPS_STORE_STORE_BACKEND_H

#include <pthread.h>
#include <time.h>

#include "store/store.h"

/* One result cell. Text and blob bytes are owned and always followed by a NUL, so a blob can
 * also be read as text. fmt caches the text form of an SV_INT / SV_REAL cell, made the first
 * time store_rows_text() asks for it. */
typedef struct store_cell {
    store_type_t type;
    int64_t i;
    double r;
    char *s;
    size_t len;
    char *fmt;
} store_cell_t;

struct store_rows {
    size_t nrows;
    size_t ncols;
    size_t cap; /* rows allocated in cells */
    char **names;
    store_cell_t *cells; /* nrows * ncols, row-major */
    int borrowed;        /* text/blob bytes belong to the backend (store_query_each, SQLite) */
};

/* Building rows (store.c). store_rows_add_row returns the ncols zeroed (SV_NULL) cells of a new
 * row; the backend fills them, handing over ownership of any s it sets. */
store_rows_t *store_rows_new(size_t ncols);
void store_rows_set_name(store_rows_t *rows, size_t col, const char *name);
store_cell_t *store_rows_add_row(store_rows_t *rows);
/* Empty rows (keeping their columns and allocation) for the next batch of store_query_each. */
void store_rows_clear(store_rows_t *rows);
/* Call fn on each row of a batch. 0, or -1 when fn failed. */
int store_rows_each_batch(const store_rows_t *rows, store_row_fn fn, void *ctx, err_t *err);
/* Rows per batch of store_query_each. */
#define STORE_EACH_BATCH 4096

/* Copy len bytes into a fresh NUL-terminated cell of type t (SV_TEXT or SV_BLOB). */
void store_cell_set_bytes(store_cell_t *cell, store_type_t t, const void *p, size_t len);

struct store_conn {
    store_t *store;
    void *impl;       /* backend state (sqlite3 handle and statement cache / PGconn) */
    int in_use;       /* guarded by store->mu */
    int broken;       /* the last connect/reset failed: connect_err says why */
    int holds_writer; /* this connection holds store->writer (a SQLite write transaction) */
    err_t connect_err;
};

typedef struct store_backend {
    const char *name;
    /* Parse the target (a file path / a libpq URL) into s->backend and set s->describe. */
    int (*open)(store_t *s, const char *target, err_t *err);
    void (*close)(store_t *s);
    /* Make c usable: connect when c->impl is NULL, reset it when its server went away. */
    int (*prepare)(store_conn_t *c, err_t *err);
    void (*disconnect)(store_conn_t *c);
    /* Run one statement with params; when rows is non-NULL, materialise its result there.
     * Returns the rows changed or -1. */
    int64_t (*run)(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                   store_rows_t **rows, err_t *err);
    /* store_query_each: hand the result to fn in batches (store.c's store_rows_each_batch). */
    int (*run_each)(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                    store_row_fn fn, void *ctx, err_t *err);
    int (*exec_script)(store_conn_t *c, const char *sql, err_t *err);
    /* 1 while a transaction is open on c (so release can roll back a forgotten one). */
    int (*in_transaction)(store_conn_t *c);
    const char *begin_sql;
} store_backend_t;

struct store {
    store_kind_t kind;
    const store_backend_t *ops;
    void *backend; /* backend-private settings, made by ops->open */
    char *describe;
    int pool_size;
    store_conn_t *conns;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* SQLite has one writer at a time. A thread that finds the write lock taken would wait in
     * SQLite's busy handler, which polls by sleeping (1, 2, 5, 10... ms) and so leaves the lock
     * idle after it is freed; the connections of one process queue on this mutex instead and
     * are woken the moment the writer commits. Other processes on the same file still meet
     * SQLite's own lock and busy timeout. Unused for PostgreSQL. */
    pthread_mutex_t writer;
};

/* How long a SQLite writer waits for the write lock: SQLite's busy timeout, and the longest
 * store_begin waits for store->writer. */
#define STORE_BUSY_TIMEOUT_MS 5000

extern const store_backend_t store_sqlite_backend;
extern const store_backend_t store_pg_backend;

/* Rewrite '?' placeholders to $1, $2, ... (PostgreSQL), leaving string literals, quoted
 * identifiers, dollar-quoted strings and comments alone. Caller frees; *count gets how many
 * placeholders were found. */
char *store_rewrite_placeholders(const char *sql, size_t *count);

#endif
