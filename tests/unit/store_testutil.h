/* store_testutil.h - a throwaway database per test, for the store and migration unit tests,
 * and (below) the migrated store every service test group runs on.
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

/* ---- a migrated store per test group ---------------------------------------------------------
 * The fixture of the service tests: each cmocka group gets a throwaway database, opened with a
 * small pool (several connections, so concurrency tests really run side by side) and migrated
 * to the latest schema; test_store_run_groups() runs a test table on SQLite and then, when a
 * PostgreSQL server is configured, again on PostgreSQL. Each test file empties the tables it
 * uses in its per-test setup. */

#include "store/migrate.h"

#define TEST_STORE_POOL 6

typedef struct test_store {
    test_db_t db;
    store_t *store;
} test_store_t;

static inline int test_store_setup(void **state, store_kind_t kind)
{
    test_store_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_db_create(&f->db, kind);
    err_t err;
    if (store_open(f->db.url, TEST_STORE_POOL, &f->store, &err) != 0)
        fail_msg("store_open %s: %s", f->db.url, err.message);
    assert_int_equal(store_kind(f->store), kind);
    if (migrate_schema(f->store, NULL, &err) != 0)
        fail_msg("migrate_schema: %s", err.message);
    *state = f;
    return 0;
}

static inline int test_store_setup_sqlite(void **state)
{
    return test_store_setup(state, STORE_SQLITE);
}

static inline int test_store_setup_pg(void **state)
{
    return test_store_setup(state, STORE_POSTGRES);
}

static inline int test_store_teardown(void **state)
{
    test_store_t *f = *state;
    if (!f)
        return 0;
    store_close(f->store);
    test_db_drop(&f->db);
    free(f);
    return 0;
}

/* Run one statement without parameters; fails the test on error. */
static inline void test_store_exec(store_t *s, const char *sql)
{
    err_t err;
    store_conn_t *c = store_acquire(s);
    int64_t rc = store_exec(c, sql, NULL, 0, &err);
    store_release(s, c);
    if (rc < 0)
        fail_msg("%s: %s", sql, err.message);
}

/* The integer in the first column of the first row of a query (a COUNT(*)). */
static inline int64_t test_store_count(store_t *s, const char *sql)
{
    err_t err;
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, sql, NULL, 0, &err);
    store_release(s, c);
    if (!rows)
        fail_msg("%s: %s", sql, err.message);
    int64_t n = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    return n;
}

/* Run a test table on SQLite, then on PostgreSQL when a server is configured. */
static inline int test_store_run_groups(const struct CMUnitTest *tests, size_t n, const char *name)
{
    int failed =
        _cmocka_run_group_tests(name, tests, n, test_store_setup_sqlite, test_store_teardown);
    if (test_pg_url())
        failed += _cmocka_run_group_tests(name, tests, n, test_store_setup_pg, test_store_teardown);
    return failed;
}

#endif
