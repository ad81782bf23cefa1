/* store.c - the storage interface's common half: URL parsing, the connection pool, statement
 * dispatch to a backend, and the materialised result rows with their accessors.
 *
 * The pool is a fixed array of pool_size connections guarded by one mutex and a condition
 * variable. Connections are made lazily by store_acquire (outside the lock, since connecting to
 * PostgreSQL can take seconds); a connection that fails to connect is still handed out and
 * reports the failure on first use, so callers have a single error path. Result cells are typed
 * (see store_backend.h); the accessors convert between types so that code written against one
 * backend reads the other's rows the same way. */
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/store_backend.h"

/* ---- opening and the pool ---------------------------------------------------------------- */

static int store_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int store_open(const char *url, int pool_size, store_t **out, err_t *err)
{
    *out = NULL;
    if (!url || !*url)
        return err_invalid(err, "store", "empty store URL");

    const store_backend_t *ops;
    store_kind_t kind;
    const char *target = url;
    if (store_has_prefix(url, "postgresql://") || store_has_prefix(url, "postgres://")) {
        ops = &store_pg_backend;
        kind = STORE_POSTGRES;
    } else {
        ops = &store_sqlite_backend;
        kind = STORE_SQLITE;
        if (store_has_prefix(url, "sqlite://"))
            target = url + strlen("sqlite://");
        else if (store_has_prefix(url, "sqlite:"))
            target = url + strlen("sqlite:");
        if (!*target)
            return err_invalid(err, "store", "store URL %s names no database file", url);
    }

    store_t *s = xcalloc(1, sizeof *s);
    s->kind = kind;
    s->ops = ops;
    s->pool_size = pool_size < 1 ? 1 : pool_size;
    /* Every connection to ":memory:" is a database of its own: a pool of them would be a set of
     * unrelated databases, so keep one. */
    if (kind == STORE_SQLITE && strcmp(target, ":memory:") == 0)
        s->pool_size = 1;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return err_internal(err, "cannot create the store's mutex");
    }
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return err_internal(err, "cannot create the store's condition variable");
    }
    if (pthread_mutex_init(&s->writer, NULL) != 0) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return err_internal(err, "cannot create the store's writer mutex");
    }
    s->conns = xcalloc((size_t)s->pool_size, sizeof *s->conns);
    for (int i = 0; i < s->pool_size; i++)
        s->conns[i].store = s;

    if (ops->open(s, target, err) != 0)
        goto fail;
    /* Connect the first connection now so that a wrong path or an unreachable server is
     * reported when the store is opened, not on the first request. */
    if (ops->prepare(&s->conns[0], err) != 0)
        goto fail;
    *out = s;
    return 0;

fail:
    store_close(s);
    return -1;
}

void store_close(store_t *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->pool_size; i++)
        if (s->conns[i].impl)
            s->ops->disconnect(&s->conns[i]);
    if (s->backend)
        s->ops->close(s);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->writer);
    free(s->conns);
    free(s->describe);
    free(s);
}

store_kind_t store_kind(const store_t *s)
{
    return s->kind;
}

store_kind_t store_conn_kind(const store_conn_t *c)
{
    return c->store->kind;
}

const char *store_describe(const store_t *s)
{
    return s->describe ? s->describe : "";
}

store_conn_t *store_acquire(store_t *s)
{
    store_conn_t *c = NULL;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        /* Prefer a connection that is already open, so a lightly loaded server keeps few. */
        for (int i = 0; i < s->pool_size; i++) {
            store_conn_t *cand = &s->conns[i];
            if (cand->in_use)
                continue;
            if (!c || (!c->impl && cand->impl))
                c = cand;
            if (c->impl)
                break;
        }
        if (c)
            break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    c->in_use = 1;
    pthread_mutex_unlock(&s->mu);

    err_t err;
    err_clear(&err);
    if (s->ops->prepare(c, &err) != 0) {
        c->broken = 1;
        c->connect_err = err;
    } else {
        c->broken = 0;
    }
    return c;
}

void store_release(store_t *s, store_conn_t *c)
{
    if (!c)
        return;
    /* A transaction left open by a caller's error path would hold locks and leak its writes
     * into the next user's work: end it here. */
    if ((!c->broken && c->impl && s->ops->in_transaction(c)) || c->holds_writer)
        store_rollback(c);
    pthread_mutex_lock(&s->mu);
    c->in_use = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- statements ---------------------------------------------------------------------------- */

/* A connection that could not connect answers every statement with the reason. */
static int store_conn_usable(store_conn_t *c, err_t *err)
{
    if (!c)
        return err_internal(err, "no database connection");
    if (c->broken || !c->impl) {
        if (err)
            *err = c->connect_err;
        if (!c->connect_err.status)
            err_unavailable(err, "database connection is not available");
        return -1;
    }
    return 0;
}

int64_t store_exec(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                   err_t *err)
{
    if (store_conn_usable(c, err) != 0)
        return -1;
    return c->store->ops->run(c, sql, params, nparams, NULL, err);
}

store_rows_t *store_query(store_conn_t *c, const char *sql, const store_value_t *params,
                          size_t nparams, err_t *err)
{
    if (store_conn_usable(c, err) != 0)
        return NULL;
    store_rows_t *rows = NULL;
    if (c->store->ops->run(c, sql, params, nparams, &rows, err) < 0) {
        store_rows_free(rows);
        return NULL;
    }
    return rows;
}

int store_query_each(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                     store_row_fn fn, void *ctx, err_t *err)
{
    if (store_conn_usable(c, err) != 0)
        return -1;
    return c->store->ops->run_each(c, sql, params, nparams, fn, ctx, err);
}

int store_exec_script(store_conn_t *c, const char *sql, err_t *err)
{
    if (store_conn_usable(c, err) != 0)
        return -1;
    return c->store->ops->exec_script(c, sql, err);
}

/* SQLite: take the process's writer mutex for c, waiting at most the busy timeout (after
 * that, BEGIN IMMEDIATE meets SQLite's own lock and answers "busy" as it always did, so a
 * stuck holder cannot hang everyone). */
static void writer_take(store_conn_t *c)
{
    store_t *s = c->store;
    if (s->kind != STORE_SQLITE || c->holds_writer)
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STORE_BUSY_TIMEOUT_MS / 1000;
    until.tv_nsec += (long)(STORE_BUSY_TIMEOUT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    c->holds_writer = pthread_mutex_timedlock(&s->writer, &until) == 0;
}

static void writer_give(store_conn_t *c)
{
    if (c && c->holds_writer) {
        c->holds_writer = 0;
        pthread_mutex_unlock(&c->store->writer);
    }
}

int store_begin(store_conn_t *c, err_t *err)
{
    if (store_conn_usable(c, err) != 0)
        return -1;
    writer_take(c);
    int rc = c->store->ops->exec_script(c, c->store->ops->begin_sql, err);
    if (rc != 0)
        writer_give(c);
    return rc;
}

int store_commit(store_conn_t *c, err_t *err)
{
    if (store_conn_usable(c, err) != 0)
        return -1;
    int rc = c->store->ops->exec_script(c, "COMMIT", err);
    /* A failed COMMIT leaves the transaction open: the caller's rollback ends it and gives the
     * writer back. */
    if (rc == 0)
        writer_give(c);
    return rc;
}

void store_rollback(store_conn_t *c)
{
    /* Nothing to roll back on a connection that is gone: the server already did. And a
     * statement error may already have ended the transaction (SQLite does on some errors), so
     * ask first rather than provoke a "no transaction" error. */
    if (c && !c->broken && c->impl && c->store->ops->in_transaction(c)) {
        err_t ignored;
        c->store->ops->exec_script(c, "ROLLBACK", &ignored);
    }
    writer_give(c);
}

int store_finish(store_conn_t *c, int ok, err_t *err)
{
    if (ok && store_commit(c, err) == 0)
        return 0;
    store_rollback(c);
    return -1;
}

int store_ping(store_t *s, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, "SELECT 1", NULL, 0, err);
    int rc = -1;
    if (rows) {
        rc = store_rows_int(rows, 0, 0) == 1 ? 0 : err_internal(err, "SELECT 1 did not answer 1");
        store_rows_free(rows);
    }
    store_release(s, c);
    return rc;
}

/* ---- '?' -> $n for PostgreSQL ------------------------------------------------------------ */

static int store_is_ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || (unsigned char)ch >= 0x80;
}

/* Length of a dollar-quote tag ("$$" or "$tag$") starting at p, or 0 when p starts none. */
static size_t store_dollar_tag(const char *p)
{
    size_t n = 1;
    if (p[n] >= '0' && p[n] <= '9')
        return 0; /* $1 is a positional parameter, not a tag */
    while (store_is_ident_char(p[n]) && p[n] != '$')
        n++;
    return p[n] == '$' ? n + 1 : 0;
}

char *store_rewrite_placeholders(const char *sql, size_t *count)
{
    buf_t out;
    buf_init(&out);
    size_t n = 0;
    const char *p = sql;
    while (*p) {
        char ch = *p;
        if (ch == '\'' || ch == '"') {
            /* A literal or quoted identifier runs to the matching quote; a doubled quote is an
             * escaped one and simply re-enters. E'...' strings also escape with backslashes. */
            int backslash = ch == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
                            (p - 1 == sql || !store_is_ident_char(p[-2]));
            const char *q = p + 1;
            while (*q && *q != ch) {
                if (backslash && *q == '\\' && q[1])
                    q++;
                q++;
            }
            if (*q)
                q++;
            buf_append(&out, p, (size_t)(q - p));
            p = q;
        } else if (ch == '-' && p[1] == '-') {
            const char *q = strchr(p, '\n');
            q = q ? q + 1 : p + strlen(p);
            buf_append(&out, p, (size_t)(q - p));
            p = q;
        } else if (ch == '/' && p[1] == '*') {
            const char *q = strstr(p + 2, "*/");
            q = q ? q + 2 : p + strlen(p);
            buf_append(&out, p, (size_t)(q - p));
            p = q;
        } else if (ch == '$' && (p == sql || !store_is_ident_char(p[-1])) && store_dollar_tag(p)) {
            size_t tlen = store_dollar_tag(p);
            const char *end = NULL;
            for (const char *q = p + tlen; *q; q++)
                if (strncmp(q, p, tlen) == 0) {
                    end = q + tlen;
                    break;
                }
            if (!end)
                end = p + strlen(p);
            buf_append(&out, p, (size_t)(end - p));
            p = end;
        } else if (ch == '?') {
            buf_printf(&out, "$%zu", ++n);
            p++;
        } else {
            buf_append_char(&out, ch);
            p++;
        }
    }
    *count = n;
    return buf_steal(&out);
}

/* ---- rows ---------------------------------------------------------------------------------- */

store_rows_t *store_rows_new(size_t ncols)
{
    store_rows_t *rows = xcalloc(1, sizeof *rows);
    rows->ncols = ncols;
    rows->names = xcalloc(ncols ? ncols : 1, sizeof *rows->names);
    return rows;
}

void store_rows_set_name(store_rows_t *rows, size_t col, const char *name)
{
    if (col >= rows->ncols)
        return;
    free(rows->names[col]);
    rows->names[col] = xstrdup(name ? name : "");
}

store_cell_t *store_rows_add_row(store_rows_t *rows)
{
    if (rows->nrows == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 8;
        size_t ncols = rows->ncols ? rows->ncols : 1;
        rows->cells = xrealloc(rows->cells, cap * ncols * sizeof *rows->cells);
        rows->cap = cap;
    }
    store_cell_t *row = &rows->cells[rows->nrows * rows->ncols];
    memset(row, 0, rows->ncols * sizeof *row);
    rows->nrows++;
    return row;
}

void store_cell_set_bytes(store_cell_t *cell, store_type_t t, const void *p, size_t len)
{
    cell->type = t;
    cell->s = xmalloc(len + 1);
    if (len)
        memcpy(cell->s, p, len);
    cell->s[len] = '\0';
    cell->len = len;
}

void store_rows_clear(store_rows_t *rows)
{
    for (size_t i = 0; i < rows->nrows * rows->ncols; i++) {
        if (!rows->borrowed)
            free(rows->cells[i].s);
        free(rows->cells[i].fmt);
    }
    rows->nrows = 0;
}

int store_rows_each_batch(const store_rows_t *rows, store_row_fn fn, void *ctx, err_t *err)
{
    for (size_t r = 0; r < rows->nrows; r++)
        if (fn(ctx, rows, r, err) != 0)
            return -1;
    return 0;
}

void store_rows_free(store_rows_t *rows)
{
    if (!rows)
        return;
    store_rows_clear(rows);
    for (size_t c = 0; c < rows->ncols; c++)
        free(rows->names[c]);
    free(rows->names);
    free(rows->cells);
    free(rows);
}

size_t store_rows_count(const store_rows_t *rows)
{
    return rows ? rows->nrows : 0;
}

size_t store_rows_columns(const store_rows_t *rows)
{
    return rows ? rows->ncols : 0;
}

const char *store_rows_column_name(const store_rows_t *rows, size_t col)
{
    return rows && col < rows->ncols ? rows->names[col] : NULL;
}

static store_cell_t *store_rows_cell(const store_rows_t *rows, size_t row, size_t col)
{
    if (!rows || row >= rows->nrows || col >= rows->ncols)
        return NULL;
    return &rows->cells[row * rows->ncols + col];
}

/* Out of range counts as NULL: there is no value there. */
int store_rows_is_null(const store_rows_t *rows, size_t row, size_t col)
{
    const store_cell_t *cell = store_rows_cell(rows, row, col);
    return !cell || cell->type == SV_NULL;
}

/* Doubles outside int64's range would make the conversion undefined: saturate instead. */
static int64_t store_real_to_int(double r)
{
    if (isnan(r))
        return 0;
    if (r >= 9223372036854775807.0)
        return INT64_MAX;
    if (r <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)r;
}

int64_t store_rows_int(const store_rows_t *rows, size_t row, size_t col)
{
    const store_cell_t *cell = store_rows_cell(rows, row, col);
    if (!cell)
        return 0;
    switch (cell->type) {
    case SV_INT:
        return cell->i;
    case SV_REAL:
        return store_real_to_int(cell->r);
    case SV_TEXT:
    case SV_BLOB: {
        /* Whole numbers parse exactly; "2.5" or "1e3" (PostgreSQL numeric) go through double. */
        char *end;
        errno = 0;
        long long v = strtoll(cell->s, &end, 10);
        if (end != cell->s && *end == '\0' && errno == 0)
            return (int64_t)v;
        return store_real_to_int(strtod(cell->s, NULL));
    }
    case SV_NULL:
        break;
    }
    return 0;
}

double store_rows_real(const store_rows_t *rows, size_t row, size_t col)
{
    const store_cell_t *cell = store_rows_cell(rows, row, col);
    if (!cell)
        return 0.0;
    switch (cell->type) {
    case SV_INT:
        return (double)cell->i;
    case SV_REAL:
        return cell->r;
    case SV_TEXT:
    case SV_BLOB:
        return strtod(cell->s, NULL);
    case SV_NULL:
        break;
    }
    return 0.0;
}

/* The text form of a number, made once per cell. Reals use the shortest form that reads back
 * to the same double, so SQLite and PostgreSQL ("0.1", not "0.10000000000000001") agree. */
static const char *store_cell_format(store_cell_t *cell)
{
    if (cell->fmt)
        return cell->fmt;
    char tmp[64];
    if (cell->type == SV_INT) {
        snprintf(tmp, sizeof tmp, "%" PRId64, cell->i);
    } else if (isnan(cell->r)) {
        snprintf(tmp, sizeof tmp, "NaN");
    } else if (isinf(cell->r)) {
        snprintf(tmp, sizeof tmp, "%s", cell->r > 0 ? "Infinity" : "-Infinity");
    } else {
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, cell->r);
            if (strtod(tmp, NULL) == cell->r)
                break;
        }
    }
    cell->fmt = xstrdup(tmp);
    return cell->fmt;
}

const char *store_rows_text(const store_rows_t *rows, size_t row, size_t col)
{
    store_cell_t *cell = store_rows_cell(rows, row, col);
    if (!cell)
        return NULL;
    switch (cell->type) {
    case SV_INT:
    case SV_REAL:
        return store_cell_format(cell);
    case SV_TEXT:
    case SV_BLOB:
        return cell->s;
    case SV_NULL:
        break;
    }
    return NULL;
}

const void *store_rows_blob(const store_rows_t *rows, size_t row, size_t col, size_t *len)
{
    store_cell_t *cell = store_rows_cell(rows, row, col);
    const char *p = NULL;
    size_t n = 0;
    if (cell) {
        switch (cell->type) {
        case SV_INT:
        case SV_REAL:
            p = store_cell_format(cell);
            n = strlen(p);
            break;
        case SV_TEXT:
        case SV_BLOB:
            p = cell->s;
            n = cell->len;
            break;
        case SV_NULL:
            break;
        }
    }
    if (len)
        *len = n;
    return p;
}
