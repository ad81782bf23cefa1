/* store_pg.c - the PostgreSQL backend of store.h, over libpq.
 *
 * The URL is parsed once with PQconninfoParse into keyword/value arrays (adding a connect
 * timeout, an application name and UTF-8 client encoding when the URL does not choose), and each
 * pooled connection is made from them with PQconnectdbParams. Statements go through
 * PQexecParams after '?' -> $n rewriting, with explicit parameter types (int8, float8, text,
 * bytea) so the server never has to guess; blobs travel in binary, everything else as text, and
 * results come back as text, which is materialised into typed cells by column type.
 *
 * A connection found dead when it is acquired (a server restart, an administrator's terminate)
 * is reset there; one that dies during a statement reports 503 and is reset on its next
 * acquire. The password is kept out of store_describe() and scrubbed from every error message:
 * libpq echoes parts of a malformed URL back in its errors. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "base/buf.h"
#include "store/store_backend.h"

/* Type OIDs from PostgreSQL's pg_type.dat; stable across versions. */
#define PG_OID_BOOL   16
#define PG_OID_BYTEA  17
#define PG_OID_INT8   20
#define PG_OID_INT2   21
#define PG_OID_INT4   23
#define PG_OID_TEXT   25
#define PG_OID_OID    26
#define PG_OID_FLOAT4 700
#define PG_OID_FLOAT8 701

#define PG_DEFAULT_CONNECT_TIMEOUT "5"

typedef struct pg_store {
    char **kw; /* NULL-terminated, for PQconnectdbParams */
    char **vals;
    char *password;     /* as libpq decoded it, to scrub from messages; may be NULL */
    char *raw_password; /* as written in the URL; may be NULL */
} pg_store_t;

/* ---- messages without secrets ---------------------------------------------------------------- */

static void pg_scrub(buf_t *out, const char *msg, const char *secret)
{
    size_t slen = secret ? strlen(secret) : 0;
    buf_reset(out);
    if (!slen) {
        buf_append_str(out, msg);
        return;
    }
    for (const char *p = msg; *p;) {
        if (strncmp(p, secret, slen) == 0) {
            buf_append_str(out, "***");
            p += slen;
        } else {
            buf_append_char(out, *p++);
        }
    }
}

/* Fill err with a message on one line that contains neither form of the password. */
static int pg_error(const store_t *s, err_t *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int pg_error(const store_t *s, err_t *err, int status, const char *fmt, ...)
{
    const pg_store_t *ps = s->backend;
    buf_t raw, a, b;
    buf_init(&raw);
    buf_init(&a);
    buf_init(&b);
    /* Formatted in full before scrubbing: a message cut short inside the password would keep
     * the part that no longer matches. */
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *tmp = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    tmp[0] = '\0';
    if (n > 0)
        vsnprintf(tmp, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    /* One line: libpq's multi-line messages ("...failed\n\tIs the server running...") would
     * read badly in a JSON error or a log line. */
    for (const char *p = tmp; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            while (p[1] && isspace((unsigned char)p[1]))
                p++;
            if (p[1])
                buf_append_char(&raw, ' ');
        } else {
            buf_append_char(&raw, *p);
        }
    }
    pg_scrub(&a, buf_str(&raw), ps ? ps->password : NULL);
    pg_scrub(&b, buf_str(&a), ps ? ps->raw_password : NULL);
    const char *code = status == 400   ? "invalid_argument"
                       : status == 409 ? "conflict"
                       : status == 503 ? "unavailable"
                                       : "internal";
    err_set(err, status, code, NULL, "%s", buf_str(&b));
    free(tmp);
    buf_free(&raw);
    buf_free(&a);
    buf_free(&b);
    return -1;
}

/* The URL without its password, whether written as user:password@ or ?password=. */
static char *pg_describe_url(const char *url, char **raw_password)
{
    buf_t out;
    buf_init(&out);
    *raw_password = NULL;
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    const char *auth_end = auth + strcspn(auth, "/?");
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++)
        if (*p == '@')
            at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {
        buf_append(&out, url, (size_t)(colon - url));
        *raw_password = xstrndup(colon + 1, (size_t)(at - colon - 1));
        buf_append(&out, at, (size_t)(auth_end - at));
    } else {
        buf_append(&out, url, (size_t)(auth_end - url));
    }
    const char *query = strchr(auth_end, '?');
    buf_append(&out, auth_end, query ? (size_t)(query - auth_end) : strlen(auth_end));
    if (query) {
        int first = 1;
        for (const char *p = query + 1; *p;) {
            size_t len = strcspn(p, "&");
            if (len >= 9 && strncmp(p, "password=", 9) == 0) {
                if (!*raw_password)
                    *raw_password = xstrndup(p + 9, len - 9);
            } else if (len) {
                buf_append_char(&out, first ? '?' : '&');
                buf_append(&out, p, len);
                first = 0;
            }
            p += len;
            if (*p == '&')
                p++;
        }
    }
    return buf_steal(&out);
}

/* ---- opening ------------------------------------------------------------------------------- */

static void pg_close(store_t *s)
{
    pg_store_t *ps = s->backend;
    if (!ps)
        return;
    for (size_t i = 0; ps->kw && ps->kw[i]; i++) {
        free(ps->kw[i]);
        free(ps->vals[i]);
    }
    free(ps->kw);
    free(ps->vals);
    free(ps->password);
    free(ps->raw_password);
    free(ps);
    s->backend = NULL;
}

static void pg_add_option(pg_store_t *ps, size_t *n, const char *kw, const char *val)
{
    ps->kw = xrealloc(ps->kw, (*n + 2) * sizeof *ps->kw);
    ps->vals = xrealloc(ps->vals, (*n + 2) * sizeof *ps->vals);
    ps->kw[*n] = xstrdup(kw);
    ps->vals[*n] = xstrdup(val);
    (*n)++;
    ps->kw[*n] = NULL;
    ps->vals[*n] = NULL;
}

static int pg_open(store_t *s, const char *url, err_t *err)
{
    pg_store_t *ps = xcalloc(1, sizeof *ps);
    s->backend = ps;
    s->describe = pg_describe_url(url, &ps->raw_password);

    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        pg_error(s, err, 400, "invalid PostgreSQL URL %s: %s", s->describe,
                 perr ? perr : "out of memory");
        PQfreemem(perr);
        return -1;
    }
    size_t n = 0;
    int has_timeout = 0, has_encoding = 0;
    pg_add_option(ps, &n, "fallback_application_name", "llmops");
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        pg_add_option(ps, &n, o->keyword, o->val);
        if (strcmp(o->keyword, "connect_timeout") == 0)
            has_timeout = 1;
        else if (strcmp(o->keyword, "client_encoding") == 0)
            has_encoding = 1;
        else if (strcmp(o->keyword, "password") == 0 && *o->val)
            ps->password = xstrdup(o->val);
    }
    PQconninfoFree(opts);
    /* libpq waits forever for an unresponsive host by default; a server should fail its start
     * (or a request) in seconds instead. The environment's choice, if any, still wins. */
    if (!has_timeout && !getenv("PGCONNECT_TIMEOUT"))
        pg_add_option(ps, &n, "connect_timeout", PG_DEFAULT_CONNECT_TIMEOUT);
    /* Everything llmops stores and serves is UTF-8. */
    if (!has_encoding && !getenv("PGCLIENTENCODING"))
        pg_add_option(ps, &n, "client_encoding", "UTF8");
    return 0;
}

/* ---- connections --------------------------------------------------------------------------- */

/* NOTICEs ("relation already exists, skipping") and WARNINGs would otherwise go to stderr. */
static void pg_notice_ignore(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* An idle connection has nothing to read unless the server sent a termination notice or closed
 * the socket. Reading it then lets libpq notice that the connection is gone before a statement
 * is sent on it, so a server restart costs no failed request. */
static int pg_idle_conn_dead(PGconn *conn)
{
    for (int round = 0; round < 4; round++) {
        int fd = PQsocket(conn);
        if (fd < 0)
            return 1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0)
            return 0;
        if (!PQconsumeInput(conn))
            return 1;
        if (PQstatus(conn) == CONNECTION_BAD)
            return 1;
    }
    return 0;
}

static int pg_prepare_conn(store_conn_t *c, err_t *err)
{
    store_t *s = c->store;
    pg_store_t *ps = s->backend;
    PGconn *conn = c->impl;
    if (!conn) {
        conn = PQconnectdbParams((const char *const *)ps->kw, (const char *const *)ps->vals, 0);
        if (!conn)
            return err_unavailable(err, "cannot allocate a PostgreSQL connection");
        PQsetNoticeProcessor(conn, pg_notice_ignore, NULL);
        /* Kept even when it failed: PQreset retries with the same settings. */
        c->impl = conn;
    } else if (PQstatus(conn) == CONNECTION_BAD || pg_idle_conn_dead(conn)) {
        PQreset(conn);
    } else {
        return 0;
    }
    if (PQstatus(conn) != CONNECTION_OK)
        return pg_error(s, err, 503, "cannot connect to PostgreSQL at %s: %s", s->describe,
                        PQerrorMessage(conn));
    return 0;
}

static void pg_disconnect(store_conn_t *c)
{
    if (c->impl)
        PQfinish(c->impl);
    c->impl = NULL;
}

/* ---- statements ---------------------------------------------------------------------------- */

/* Map a failed result (or a missing one) to the store's error kinds. */
static int pg_result_error(store_conn_t *c, PGresult *res, err_t *err)
{
    store_t *s = c->store;
    PGconn *conn = c->impl;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(conn);
    if (PQstatus(conn) == CONNECTION_BAD)
        return pg_error(s, err, 503, "lost the connection to PostgreSQL at %s: %s", s->describe,
                        msg);
    if (state && strcmp(state, "23505") == 0)
        return pg_error(s, err, 409, "%s", msg);
    /* Class 08 is a connection exception (08P01, a protocol violation, is a bug instead);
     * 57P01-03 are the server shutting down or starting up. */
    if (state &&
        ((strncmp(state, "08", 2) == 0 && strcmp(state, "08P01") != 0) ||
         strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0))
        return pg_error(s, err, 503, "PostgreSQL at %s is unavailable: %s", s->describe, msg);
    return pg_error(s, err, 500, "PostgreSQL: %s%s%s%s", msg, state ? " (SQLSTATE " : "",
                    state ? state : "", state ? ")" : "");
}

static int pg_fill_rows(PGresult *res, store_rows_t **out, err_t *err)
{
    int nf = PQnfields(res), nt = PQntuples(res);
    store_rows_t *rows = store_rows_new((size_t)nf);
    *out = rows;
    for (int f = 0; f < nf; f++)
        store_rows_set_name(rows, (size_t)f, PQfname(res, f));
    for (int r = 0; r < nt; r++) {
        store_cell_t *cells = store_rows_add_row(rows);
        for (int f = 0; f < nf; f++) {
            store_cell_t *cell = &cells[f];
            if (PQgetisnull(res, r, f))
                continue; /* cells start as SV_NULL */
            const char *val = PQgetvalue(res, r, f);
            size_t len = (size_t)PQgetlength(res, r, f);
            switch (PQftype(res, f)) {
            case PG_OID_INT8:
            case PG_OID_INT4:
            case PG_OID_INT2:
            case PG_OID_OID:
                cell->type = SV_INT;
                cell->i = strtoll(val, NULL, 10);
                break;
            case PG_OID_BOOL:
                cell->type = SV_INT;
                cell->i = val[0] == 't';
                break;
            case PG_OID_FLOAT4:
            case PG_OID_FLOAT8:
                cell->type = SV_REAL;
                cell->r = strtod(val, NULL); /* also reads NaN, Infinity, -Infinity */
                break;
            case PG_OID_BYTEA: {
                size_t blen = 0;
                unsigned char *bytes = PQunescapeBytea((const unsigned char *)val, &blen);
                if (!bytes)
                    return err_internal(err, "cannot decode a bytea value (out of memory)");
                store_cell_set_bytes(cell, SV_BLOB, bytes, blen);
                PQfreemem(bytes);
                break;
            }
            default:
                /* text, varchar, numeric (kept exact), timestamps, json...: as text. */
                store_cell_set_bytes(cell, SV_TEXT, val, len);
                break;
            }
        }
    }
    return 0;
}

static int64_t pg_run(store_conn_t *c, const char *sql, const store_value_t *params, size_t nparams,
                      store_rows_t **rows, err_t *err)
{
    store_t *s = c->store;
    PGconn *conn = c->impl;
    if (PQstatus(conn) != CONNECTION_OK)
        return pg_error(s, err, 503, "lost the connection to PostgreSQL at %s: %s", s->describe,
                        PQerrorMessage(conn));

    int64_t result = -1;
    PGresult *res = NULL;
    size_t count = 0;
    char *query = store_rewrite_placeholders(sql, &count);
    size_t alloc = nparams ? nparams : 1;
    Oid *types = xcalloc(alloc, sizeof *types);
    const char **values = xcalloc(alloc, sizeof *values);
    int *lengths = xcalloc(alloc, sizeof *lengths);
    int *formats = xcalloc(alloc, sizeof *formats);
    char(*num)[32] = xcalloc(alloc, sizeof *num);

    if (count != nparams) {
        err_internal(err, "statement has %zu placeholders but %zu parameters were given", count,
                     nparams);
        goto cleanup;
    }
    if (nparams > 65535) {
        err_internal(err, "too many parameters (%zu)", nparams);
        goto cleanup;
    }
    for (size_t k = 0; k < nparams; k++) {
        const store_value_t *v = &params[k];
        switch (v->type) {
        case SV_NULL:
            types[k] = 0; /* let the server infer the type of a NULL from its context */
            values[k] = NULL;
            break;
        case SV_INT:
            types[k] = PG_OID_INT8;
            snprintf(num[k], sizeof num[k], "%" PRId64, v->i);
            values[k] = num[k];
            break;
        case SV_REAL:
            types[k] = PG_OID_FLOAT8;
            if (isnan(v->r))
                snprintf(num[k], sizeof num[k], "NaN");
            else if (isinf(v->r))
                snprintf(num[k], sizeof num[k], "%s", v->r > 0 ? "Infinity" : "-Infinity");
            else
                snprintf(num[k], sizeof num[k], "%.17g", v->r);
            values[k] = num[k];
            break;
        case SV_TEXT:
            types[k] = v->s ? PG_OID_TEXT : 0;
            values[k] = v->s;
            break;
        case SV_BLOB:
            types[k] = PG_OID_BYTEA;
            values[k] = v->s ? v->s : ""; /* NULL would mean SQL NULL */
            if (v->len > INT32_MAX) {
                err_internal(err, "parameter %zu is too large (%zu bytes)", k + 1, v->len);
                goto cleanup;
            }
            lengths[k] = (int)v->len;
            formats[k] = 1;
            break;
        default:
            err_internal(err, "parameter %zu has an unknown type %d", k + 1, (int)v->type);
            goto cleanup;
        }
    }

    res = PQexecParams(conn, query, (int)nparams, types, values, lengths, formats, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (st == PGRES_EMPTY_QUERY)
            err_internal(err, "empty SQL statement");
        else
            pg_result_error(c, res, err);
        goto cleanup;
    }
    if (rows && pg_fill_rows(res, rows, err) != 0)
        goto cleanup;
    const char *tuples = PQcmdTuples(res);
    result = *tuples ? strtoll(tuples, NULL, 10) : 0;

cleanup:
    PQclear(res);
    free(query);
    free(types);
    free(values);
    free(lengths);
    free(formats);
    free(num);
    return result;
}

static int pg_in_transaction(store_conn_t *c);

#define PG_OID_VARCHAR 1043

/* The types whose binary form pg_fill_binary reads. */
static int pg_binary_type(Oid t)
{
    return t == PG_OID_BOOL || t == PG_OID_BYTEA || t == PG_OID_INT8 || t == PG_OID_INT2 ||
           t == PG_OID_INT4 || t == PG_OID_TEXT || t == PG_OID_OID || t == PG_OID_FLOAT4 ||
           t == PG_OID_FLOAT8 || t == PG_OID_VARCHAR;
}

/* n bytes of network (big-endian) order. */
static uint64_t pg_be(const char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | (unsigned char)p[i];
    return v;
}

/* Rows of a binary-format result: integers and floats are their big-endian bytes, text and
 * bytea their raw bytes. Only for results whose every column passes pg_binary_type. */
static store_rows_t *pg_fill_binary(PGresult *res)
{
    int nf = PQnfields(res), nt = PQntuples(res);
    store_rows_t *rows = store_rows_new((size_t)nf);
    for (int f = 0; f < nf; f++)
        store_rows_set_name(rows, (size_t)f, PQfname(res, f));
    for (int r = 0; r < nt; r++) {
        store_cell_t *cells = store_rows_add_row(rows);
        for (int f = 0; f < nf; f++) {
            store_cell_t *cell = &cells[f];
            if (PQgetisnull(res, r, f))
                continue;
            const char *val = PQgetvalue(res, r, f);
            int len = PQgetlength(res, r, f);
            Oid type = PQftype(res, f);
            if (type == PG_OID_INT8 && len == 8) {
                cell->type = SV_INT;
                cell->i = (int64_t)pg_be(val, 8);
            } else if (type == PG_OID_INT4 && len == 4) {
                cell->type = SV_INT;
                cell->i = (int32_t)(uint32_t)pg_be(val, 4);
            } else if (type == PG_OID_INT2 && len == 2) {
                cell->type = SV_INT;
                cell->i = (int16_t)(uint16_t)pg_be(val, 2);
            } else if (type == PG_OID_OID && len == 4) {
                cell->type = SV_INT;
                cell->i = (int64_t)pg_be(val, 4);
            } else if (type == PG_OID_BOOL && len == 1) {
                cell->type = SV_INT;
                cell->i = val[0] != 0;
            } else if (type == PG_OID_FLOAT8 && len == 8) {
                uint64_t bits = pg_be(val, 8);
                cell->type = SV_REAL;
                memcpy(&cell->r, &bits, sizeof cell->r);
            } else if (type == PG_OID_FLOAT4 && len == 4) {
                uint32_t bits = (uint32_t)pg_be(val, 4);
                float v;
                memcpy(&v, &bits, sizeof v);
                cell->type = SV_REAL;
                cell->r = v;
            } else {
                store_cell_set_bytes(cell, type == PG_OID_BYTEA ? SV_BLOB : SV_TEXT, val,
                                     (size_t)len);
            }
        }
    }
    return rows;
}

/* Whether every column of the open cursor has a type pg_fill_binary reads. */
static int pg_cursor_binary(PGconn *conn)
{
    PGresult *d = PQdescribePortal(conn, "llmops_each");
    int ok = d && PQresultStatus(d) == PGRES_COMMAND_OK;
    for (int f = 0; ok && f < PQnfields(d); f++)
        ok = pg_binary_type(PQftype(d, f));
    PQclear(d);
    return ok;
}

/* One FETCH in binary format into *rows. 0, or -1 with err. */
static int pg_fetch_binary(store_conn_t *c, const char *fetch, store_rows_t **rows, err_t *err)
{
    PGresult *res = PQexecParams(c->impl, fetch, 0, NULL, NULL, NULL, NULL, 1);
    int rc = 0;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = pg_result_error(c, res, err);
    else
        *rows = pg_fill_binary(res);
    PQclear(res);
    return rc;
}

/* A cursor, read STORE_EACH_BATCH rows per FETCH: libpq would otherwise hold the whole result
 * in memory before handing over the first row. A cursor lives in a transaction: open one
 * when the caller has none (and end it here), or use the caller's. */
static int pg_run_each(store_conn_t *c, const char *sql, const store_value_t *params,
                       size_t nparams, store_row_fn fn, void *ctx, err_t *err)
{
    int own_tx = !pg_in_transaction(c);
    if (own_tx && pg_run(c, "BEGIN", NULL, 0, NULL, err) < 0)
        return -1;
    buf_t declare = {0};
    buf_printf(&declare, "DECLARE llmops_each NO SCROLL CURSOR FOR %s", sql);
    int rc = pg_run(c, buf_str(&declare), params, nparams, NULL, err) < 0 ? -1 : 0;
    buf_free(&declare);
    char fetch[64];
    snprintf(fetch, sizeof fetch, "FETCH %d FROM llmops_each", STORE_EACH_BATCH);
    /* Binary results when every column allows: no number is printed by the server and parsed
     * back here, which was most of the client's time on a scan of a million rows. */
    int binary = rc == 0 && pg_cursor_binary(c->impl);
    while (rc == 0) {
        store_rows_t *rows = NULL;
        if (binary ? pg_fetch_binary(c, fetch, &rows, err) != 0
                   : pg_run(c, fetch, NULL, 0, &rows, err) < 0)
            rc = -1;
        else if (store_rows_count(rows) == 0) {
            store_rows_free(rows);
            break;
        } else if (store_rows_each_batch(rows, fn, ctx, err) != 0)
            rc = -1;
        store_rows_free(rows);
    }
    err_t ignored = {0};
    if (!own_tx && pg_run(c, "CLOSE llmops_each", NULL, 0, NULL, rc == 0 ? err : &ignored) < 0)
        rc = -1;
    if (own_tx) {
        if (rc == 0 && pg_run(c, "COMMIT", NULL, 0, NULL, err) < 0)
            rc = -1;
        else if (rc != 0)
            pg_run(c, "ROLLBACK", NULL, 0, NULL, &ignored);
    }
    return rc;
}

static int pg_exec_script(store_conn_t *c, const char *sql, err_t *err)
{
    PGconn *conn = c->impl;
    if (PQstatus(conn) != CONNECTION_OK)
        return pg_error(c->store, err, 503, "lost the connection to PostgreSQL at %s: %s",
                        c->store->describe, PQerrorMessage(conn));
    /* The simple query protocol runs several ';'-separated statements in one round trip. */
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = pg_result_error(c, res, err);
    PQclear(res);
    return rc;
}

static int pg_in_transaction(store_conn_t *c)
{
    PGTransactionStatusType ts = c->impl ? PQtransactionStatus(c->impl) : PQTRANS_UNKNOWN;
    return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
}

const store_backend_t store_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare_conn,
    .disconnect = pg_disconnect,
    .run = pg_run,
    .run_each = pg_run_each,
    .exec_script = pg_exec_script,
    .in_transaction = pg_in_transaction,
    .begin_sql = "BEGIN",
};
