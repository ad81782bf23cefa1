/* store_sqlite.c - the SQLite backend of store.h: one database file, one sqlite3 handle per
 * pooled connection.
 *
 * Each connection runs in WAL mode (readers never block the writer), with a 5 s busy timeout
 * (writers queue instead of failing at once), foreign keys on, and the pragmas of SQ_PRAGMAS
 * below (synchronous=NORMAL, temporary storage in memory, a larger autocheckpoint). Writers of
 * one process also queue on the store's writer mutex (store.c). Statements are
 * prepared once per connection with SQLITE_PREPARE_PERSISTENT and kept in a small hash table
 * keyed by their SQL text; after each use a statement is reset and its bindings cleared, so no
 * borrowed parameter pointer outlives the call. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "store/store_backend.h"

#define SQ_BUCKETS 128
/* Services use a bounded set of statements, but some build SQL (IN lists, optional filters):
 * the cache is emptied when it reaches this size rather than growing without end. */
#define SQ_CACHE_MAX 256

typedef struct sq_stmt {
    char *sql;
    uint32_t hash;
    sqlite3_stmt *st;
    struct sq_stmt *next;
} sq_stmt_t;

typedef struct sq_conn {
    sqlite3 *db;
    sq_stmt_t *buckets[SQ_BUCKETS];
    size_t cached;
} sq_conn_t;

/* ---- opening ------------------------------------------------------------------------------- */

/* mkdir -p: create every missing directory of path (0755). 0 or -1 with errno set. */
static int sq_mkdir_p(const char *path)
{
    char *tmp = xstrdup(path);
    int rc = 0;
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (rc == 0) {
        struct stat st;
        if (stat(tmp, &st) != 0)
            rc = -1;
        else if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
    }
    int saved_errno = errno;
    free(tmp);
    errno = saved_errno;
    return rc;
}

static int sq_open(store_t *s, const char *path, err_t *err)
{
    if (strcmp(path, ":memory:") != 0) {
        /* The data directory may not exist yet on a first start. */
        const char *slash = strrchr(path, '/');
        if (slash && slash != path) {
            char *dir = xstrndup(path, (size_t)(slash - path));
            int rc = sq_mkdir_p(dir);
            if (rc != 0)
                err_internal(err, "cannot create directory %s: %s", dir, strerror(errno));
            free(dir);
            if (rc != 0)
                return -1;
        }
    }
    s->backend = xstrdup(path);
    buf_t d;
    buf_init(&d);
    buf_printf(&d, "sqlite:%s", path);
    s->describe = buf_steal(&d);
    return 0;
}

static void sq_close(store_t *s)
{
    free(s->backend);
    s->backend = NULL;
}

/* ---- errors -------------------------------------------------------------------------------- */

/* Map an (extended) result code to the store's error kinds. */
static int sq_error(sqlite3 *db, int rc, const char *msg, err_t *err)
{
    if (!msg)
        msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return err_conflict(err, "%s", msg);
    default:
        break;
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        return err_unavailable(err, "database is busy: %s", msg);
    return err_internal(err, "SQLite: %s", msg);
}

/* ---- connections --------------------------------------------------------------------------- */

/* Per connection, after WAL mode:
 * - synchronous=NORMAL: in WAL mode a commit is written to the WAL but not fsynced; the WAL is
 *   fsynced at checkpoints. A process crash (kill -9) loses nothing: the WAL is in the OS page
 *   cache. A power loss or OS crash can lose the last transactions before the last checkpoint,
 *   never corrupt the file (SQLite's documented guarantee for WAL + NORMAL).
 * - temp_store=MEMORY: temporary b-trees and statement journals stay in memory. A multi-row
 *   INSERT inside a transaction keeps a statement journal (to undo just that statement on a
 *   constraint error); on disk it was a temporary file created, written and deleted for every
 *   request, the largest single cost of log-batch.
 * - wal_autocheckpoint=10000 pages (about 40 MB of WAL instead of 4 MB): a checkpoint copies
 *   each page once however often it changed since the last one, so checkpointing ten times
 *   less often copies far fewer pages and fsyncs ten times less; the committing thread does
 *   the checkpoint, holding the write lock while it does.
 * - mmap_size=1 GiB: reads map the database file instead of copying each page through read()
 *   into SQLite's small page cache; a scan of a million traces (monitor/aggregate.c) re-reads
 *   tens of MB of index per call and spent a tenth of its time in those copies. It is address
 *   space, not memory: the pages are the OS page cache's. */
#define SQ_PRAGMAS                                                                                 \
    "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "                \
    "PRAGMA wal_autocheckpoint=10000; PRAGMA mmap_size=1073741824;"

static int sq_pragmas(sqlite3 *db, err_t *err)
{
    int rc = sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK)
        return sq_error(db, rc, NULL, err);
    /* Switching a new database to WAL needs an exclusive lock, and SQLite reports SQLITE_BUSY
     * for it without consulting the busy handler: when several connections open a fresh file
     * at once, retry for as long as the busy timeout would have waited. */
    char *msg = NULL;
    for (int waited = 0;; waited += 10) {
        sqlite3_free(msg);
        msg = NULL;
        rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, &msg);
        if ((rc & 0xff) != SQLITE_BUSY || waited >= STORE_BUSY_TIMEOUT_MS)
            break;
        sqlite3_sleep(10);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, SQ_PRAGMAS, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        sq_error(db, rc, msg, err);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int sq_prepare_conn(store_conn_t *c, err_t *err)
{
    if (c->impl)
        return 0; /* a file does not go away the way a server does */
    const char *path = c->store->backend;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_internal(err, "cannot open SQLite database %s: %s", path,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_extended_result_codes(db, 1);
    if (sq_pragmas(db, err) != 0) {
        sqlite3_close(db);
        return -1;
    }
    sq_conn_t *sc = xcalloc(1, sizeof *sc);
    sc->db = db;
    c->impl = sc;
    return 0;
}

static void sq_cache_flush(sq_conn_t *sc)
{
    for (size_t b = 0; b < SQ_BUCKETS; b++) {
        sq_stmt_t *e = sc->buckets[b];
        while (e) {
            sq_stmt_t *next = e->next;
            sqlite3_finalize(e->st);
            free(e->sql);
            free(e);
            e = next;
        }
        sc->buckets[b] = NULL;
    }
    sc->cached = 0;
}

static void sq_disconnect(store_conn_t *c)
{
    sq_conn_t *sc = c->impl;
    if (!sc)
        return;
    sq_cache_flush(sc);
    sqlite3_close(sc->db);
    free(sc);
    c->impl = NULL;
}

/* ---- statements ---------------------------------------------------------------------------- */

static uint32_t sq_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int sq_only_space(const char *p)
{
    for (; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';')
            return 0;
    return 1;
}

/* The cached prepared statement for sql, preparing it on first use. Borrowed. */
static sqlite3_stmt *sq_stmt_get(sq_conn_t *sc, const char *sql, err_t *err)
{
    uint32_t h = sq_hash(sql);
    for (sq_stmt_t *e = sc->buckets[h % SQ_BUCKETS]; e; e = e->next)
        if (e->hash == h && strcmp(e->sql, sql) == 0)
            return e->st;

    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(sc->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK) {
        sq_error(sc->db, rc, NULL, err);
        return NULL;
    }
    if (!st) {
        err_internal(err, "empty SQL statement");
        return NULL;
    }
    if (tail && !sq_only_space(tail)) {
        sqlite3_finalize(st);
        err_internal(err, "store_exec/store_query run one statement; use store_exec_script");
        return NULL;
    }
    if (sc->cached >= SQ_CACHE_MAX)
        sq_cache_flush(sc);
    sq_stmt_t *e = xcalloc(1, sizeof *e);
    e->sql = xstrdup(sql);
    e->hash = h;
    e->st = st;
    e->next = sc->buckets[h % SQ_BUCKETS];
    sc->buckets[h % SQ_BUCKETS] = e;
    sc->cached++;
    return st;
}

/* Parameters are bound SQLITE_STATIC: they are borrowed for the call and the bindings are
 * cleared before it returns. */
static int sq_bind(sq_conn_t *sc, sqlite3_stmt *st, const store_value_t *params, size_t n,
                   err_t *err)
{
    int want = sqlite3_bind_parameter_count(st);
    if ((size_t)want != n)
        return err_internal(err, "statement has %d parameters but %zu were given", want, n);
    for (size_t k = 0; k < n; k++) {
        const store_value_t *v = &params[k];
        int idx = (int)k + 1, rc = SQLITE_OK;
        switch (v->type) {
        case SV_NULL:
            rc = sqlite3_bind_null(st, idx);
            break;
        case SV_INT:
            rc = sqlite3_bind_int64(st, idx, v->i);
            break;
        case SV_REAL:
            rc = sqlite3_bind_double(st, idx, v->r);
            break;
        case SV_TEXT:
            rc = v->s ? sqlite3_bind_text(st, idx, v->s, -1, SQLITE_STATIC)
                      : sqlite3_bind_null(st, idx);
            break;
        case SV_BLOB:
            /* A NULL pointer would bind SQL NULL; an empty blob is still a blob. */
            rc = v->len ? sqlite3_bind_blob64(st, idx, v->s, v->len, SQLITE_STATIC)
                        : sqlite3_bind_zeroblob(st, idx, 0);
            break;
        default:
            return err_internal(err, "parameter %d has an unknown type %d", idx, (int)v->type);
        }
        if (rc != SQLITE_OK)
            return sq_error(sc->db, rc, NULL, err);
    }
    return 0;
}

static void sq_cell_bytes(store_cell_t *cell, store_type_t t, const void *p, size_t len, int borrow)
{
    if (!borrow) {
        store_cell_set_bytes(cell, t, p, len);
        return;
    }
    cell->type = t;
    cell->s = (char *)(p ? p : ""); /* a zero-length blob has no pointer */
    cell->len = len;
}

/* borrow: point text and blob cells at SQLite's bytes (valid until the next step) instead of
 * copying them. */
static void sq_fill_row(sqlite3_stmt *st, store_cell_t *cells, size_t ncols, int borrow)
{
    for (size_t i = 0; i < ncols; i++) {
        int col = (int)i;
        store_cell_t *cell = &cells[i];
        switch (sqlite3_column_type(st, col)) {
        case SQLITE_INTEGER:
            cell->type = SV_INT;
            cell->i = sqlite3_column_int64(st, col);
            break;
        case SQLITE_FLOAT:
            cell->type = SV_REAL;
            cell->r = sqlite3_column_double(st, col);
            break;
        case SQLITE_TEXT: {
            const unsigned char *p = sqlite3_column_text(st, col);
            sq_cell_bytes(cell, SV_TEXT, p, (size_t)sqlite3_column_bytes(st, col), borrow);
            break;
        }
        case SQLITE_BLOB: {
            const void *p = sqlite3_column_blob(st, col);
            sq_cell_bytes(cell, SV_BLOB, p, (size_t)sqlite3_column_bytes(st, col), borrow);
            break;
        }
        default:
            cell->type = SV_NULL;
            break;
        }
    }
}

static int64_t sq_run(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                      store_rows_t **rows, err_t *err)
{
    sq_conn_t *sc = c->impl;
    sqlite3_stmt *st = sq_stmt_get(sc, sql, err);
    if (!st)
        return -1;
    int64_t result = -1;
    if (sq_bind(sc, st, params, nparams, err) != 0)
        goto cleanup;

    size_t ncols = (size_t)sqlite3_column_count(st);
    if (rows) {
        *rows = store_rows_new(ncols);
        for (size_t i = 0; i < ncols; i++)
            store_rows_set_name(*rows, i, sqlite3_column_name(st, (int)i));
    }
    /* changes() keeps the count of the last INSERT/UPDATE/DELETE, whatever ran since: only
     * trust it when this statement moved the total. */
    sqlite3_int64 before = sqlite3_total_changes64(sc->db);
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            if (rows)
                sq_fill_row(st, store_rows_add_row(*rows), ncols, 0);
            continue;
        }
        if (rc == SQLITE_DONE)
            break;
        sq_error(sc->db, rc, NULL, err);
        goto cleanup;
    }
    result = sqlite3_total_changes64(sc->db) != before ? sqlite3_changes64(sc->db) : 0;

cleanup:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

static int sq_run_each(store_conn_t *c, const char *sql, const store_value_t *params,
                       size_t nparams, store_row_fn fn, void *ctx, err_t *err)
{
    sq_conn_t *sc = c->impl;
    sqlite3_stmt *st = sq_stmt_get(sc, sql, err);
    if (!st)
        return -1;
    int result = -1;
    store_rows_t *rows = NULL;
    if (sq_bind(sc, st, params, nparams, err) != 0)
        goto cleanup;
    size_t ncols = (size_t)sqlite3_column_count(st);
    /* One row at a time, its text borrowed from the statement: nothing is copied. */
    rows = store_rows_new(ncols);
    rows->borrowed = 1;
    for (size_t i = 0; i < ncols; i++)
        store_rows_set_name(rows, i, sqlite3_column_name(st, (int)i));
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            store_rows_clear(rows);
            sq_fill_row(st, store_rows_add_row(rows), ncols, 1);
            if (fn(ctx, rows, 0, err) != 0)
                goto cleanup;
            continue;
        }
        if (rc != SQLITE_DONE) {
            sq_error(sc->db, rc, NULL, err);
            goto cleanup;
        }
        break;
    }
    result = 0;

cleanup:
    store_rows_free(rows);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

static int sq_exec_script(store_conn_t *c, const char *sql, err_t *err)
{
    sq_conn_t *sc = c->impl;
    char *msg = NULL;
    int rc = sqlite3_exec(sc->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return 0;
    sq_error(sc->db, rc, msg, err);
    sqlite3_free(msg);
    return -1;
}

static int sq_in_transaction(store_conn_t *c)
{
    sq_conn_t *sc = c->impl;
    return sc && !sqlite3_get_autocommit(sc->db);
}

const store_backend_t store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare_conn,
    .disconnect = sq_disconnect,
    .run = sq_run,
    .run_each = sq_run_each,
    .exec_script = sq_exec_script,
    .in_transaction = sq_in_transaction,
    /* Take the write lock now: a deferred transaction that reads first and writes later can
     * fail with SQLITE_BUSY at once, without waiting, when another writer got in between. */
    .begin_sql = "BEGIN IMMEDIATE",
};
