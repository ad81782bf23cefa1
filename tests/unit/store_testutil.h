/* store_testutil.h - a throwaway database per test, for the store and migration unit tests.
 *
 * SQLite: a file in a fresh temporary directory (nested a level down, so opening it also
 * exercises the creation of the parent directory). PostgreSQL (only when test_pg_url() is set):
 * a database with a random name made with CREATE DATABASE over the admin URL and dropped (WITH
 * FORCE, so a leaked connection cannot keep it alive) afterwards, so tests never see each
 * other's tables. */
#ifndef LLMOPS_TESTS_STORE_TESTUTIL_H
#define LLMOPS_TESTS_STORE_TESTUTIL_H

#include "unit/testutil.h"

#include <fcntl.h>
#include <libpq-fe.h>

#include "store/store.h"

typedef struct test_db {
    store_kind_t kind;
    char *dir;       /* SQLite: the temporary directory */
    char url[1024];  /* what store_open takes */
    char dbname[64]; /* PostgreSQL: the database's name */
} test_db_t;

/* Run one statement over the admin URL; returns 0 on success. */
static inline int test_pg_admin(const char *sql)
{
    PGconn *conn = PQconnectdb(test_pg_url());
    int ok = PQstatus(conn) == CONNECTION_OK;
    if (ok) {
        PGresult *res = PQexec(conn, sql);
        ExecStatusType st = PQresultStatus(res);
        ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "admin SQL failed: %s: %s", sql, PQerrorMessage(conn));
        PQclear(res);
    } else {
        fprintf(stderr, "cannot connect to %s: %s", test_pg_url(), PQerrorMessage(conn));
    }
    PQfinish(conn);
    return ok ? 0 : -1;
}

/* The admin URL with its database replaced by dbname. */
static inline void test_pg_url_for(const char *dbname, char *out, size_t size)
{
    const char *admin = test_pg_url();
    const char *auth = strstr(admin, "://");
    auth = auth ? auth + 3 : admin;
    const char *end = auth + strcspn(auth, "/?");
    const char *query = strchr(end, '?');
    snprintf(out, size, "%.*s/%s%s", (int)(end - admin), admin, dbname, query ? query : "");
}

static inline void test_db_create(test_db_t *db, store_kind_t kind)
{
    memset(db, 0, sizeof *db);
    db->kind = kind;
    if (kind == STORE_SQLITE) {
        db->dir = test_tmpdir();
        snprintf(db->url, sizeof db->url, "sqlite:%s/data/llmops.db", db->dir);
        return;
    }
    unsigned char rnd[8] = {0};
    int fd = open("/dev/urandom", O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, rnd, sizeof rnd), (ssize_t)sizeof rnd);
    close(fd);
    snprintf(db->dbname, sizeof db->dbname, "llmops_test_%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0],
             rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db->dbname);
    assert_int_equal(test_pg_admin(sql), 0);
    test_pg_url_for(db->dbname, db->url, sizeof db->url);
}

static inline void test_db_drop(test_db_t *db)
{
    if (db->kind == STORE_SQLITE) {
        test_rmtree(db->dir);
        db->dir = NULL;
        return;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->dbname);
    test_pg_admin(sql);
}

#endif
