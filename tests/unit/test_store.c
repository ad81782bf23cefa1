/* test_store.c - unit tests of the storage interface (store.h).
 *
 * Every test in BACKEND_TESTS runs against SQLite, and again against PostgreSQL when
 * LLMOPS_TEST_PG_URL names a server (each test on a fresh database). Tests that need no
 * database (placeholder rewriting, URL handling, a refused server) run once. */
#include "unit/store_testutil.h"

#include <pthread.h>

#include "base/buf.h"
#include "store/store.h"
#include "store/store_backend.h"

typedef struct fixture {
    test_db_t db;
    store_t *s;
} fixture_t;

static int setup_backend(void **state, store_kind_t kind)
{
    fixture_t *f = calloc(1, sizeof *f);
    test_db_create(&f->db, kind);
    err_t err;
    if (store_open(f->db.url, 4, &f->s, &err) != 0) {
        fprintf(stderr, "store_open(%s): %d %s\n", f->db.url, err.status, err.message);
        test_db_drop(&f->db);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_backend(state, STORE_SQLITE);
}

static int setup_pg(void **state)
{
    return setup_backend(state, STORE_POSTGRES);
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    store_close(f->s);
    test_db_drop(&f->db);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static void script_ok(store_conn_t *c, const char *sql)
{
    err_t err;
    err_clear(&err);
    int rc = store_exec_script(c, sql, &err);
    if (rc != 0)
        fprintf(stderr, "script failed: %s: %s\n", sql, err.message);
    assert_int_equal(rc, 0);
}

static int64_t count_rows(store_conn_t *c, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    err_t err;
    store_rows_t *rows = store_query(c, sql, NULL, 0, &err);
    assert_non_null(rows);
    int64_t n = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    return n;
}

static const char *blob_type(const store_t *s)
{
    return store_kind(s) == STORE_SQLITE ? "BLOB" : "BYTEA";
}

/* ---- tests on both backends ---------------------------------------------------------------- */

static void test_params_roundtrip(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    char ddl[256];
    snprintf(ddl, sizeof ddl,
             "CREATE TABLE t (id INTEGER PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT, "
             "b %s, n TEXT)",
             blob_type(f->s));
    script_ok(c, ddl);

    const char quoted[] = "it's \"quoted\" ? and ; -- not a comment /* nor this */ \\ $1 $$";
    const char unicode[] = "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x9a\x80";
    const unsigned char bytes[] = {0, 1, '\'', '\\', 0xff, '?', 0, 0x80};
    const char *ins = "INSERT INTO t (id, i, r, s, b, n) VALUES (?, ?, ?, ?, ?, ?)";

    store_value_t p1[] = {sv_int(1),
                          sv_int(INT64_MAX),
                          sv_real(-1.0 / 3.0),
                          sv_text(quoted),
                          sv_blob(bytes, sizeof bytes),
                          sv_null()};
    assert_int_equal(store_exec(c, ins, p1, 6, &err), 1);
    store_value_t p2[] = {sv_int(2),   sv_int(INT64_MIN), sv_real(1e300),
                          sv_text(""), sv_blob(NULL, 0),  sv_text(NULL)};
    assert_int_equal(store_exec(c, ins, p2, 6, &err), 1);
    store_value_t p3[] = {sv_int(3),        sv_int(-7), sv_real(0.1),
                          sv_text(unicode), sv_null(),  sv_text("not null")};
    assert_int_equal(store_exec(c, ins, p3, 6, &err), 1);

    store_rows_t *rows = store_query(c, "SELECT i, r, s, b, n FROM t ORDER BY id", NULL, 0, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 3);

    assert_true(store_rows_int(rows, 0, 0) == INT64_MAX);
    assert_true(store_rows_real(rows, 0, 1) == -1.0 / 3.0);
    assert_string_equal(store_rows_text(rows, 0, 2), quoted);
    size_t len = 0;
    const void *b = store_rows_blob(rows, 0, 3, &len);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(b, bytes, sizeof bytes);
    assert_true(store_rows_is_null(rows, 0, 4));
    assert_null(store_rows_text(rows, 0, 4));

    assert_true(store_rows_int(rows, 1, 0) == INT64_MIN);
    assert_true(store_rows_real(rows, 1, 1) == 1e300);
    assert_false(store_rows_is_null(rows, 1, 2)); /* "" is not NULL */
    assert_string_equal(store_rows_text(rows, 1, 2), "");
    assert_false(store_rows_is_null(rows, 1, 3)); /* nor is an empty blob */
    b = store_rows_blob(rows, 1, 3, &len);
    assert_non_null(b);
    assert_int_equal(len, 0);
    assert_true(store_rows_is_null(rows, 1, 4)); /* sv_text(NULL) is SQL NULL */

    assert_int_equal(store_rows_int(rows, 2, 0), -7);
    assert_string_equal(store_rows_text(rows, 2, 1), "0.1");
    assert_string_equal(store_rows_text(rows, 2, 2), unicode);
    assert_true(store_rows_is_null(rows, 2, 3));
    assert_string_equal(store_rows_text(rows, 2, 4), "not null");
    store_rows_free(rows);

    /* Parameters in a WHERE clause, including the one full of quotes. */
    store_value_t w[] = {sv_text(quoted)};
    rows = store_query(c, "SELECT id FROM t WHERE s = ?", w, 1, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 1);
    assert_int_equal(store_rows_int(rows, 0, 0), 1);
    store_rows_free(rows);

    /* Bare parameters come back with their own types. */
    store_value_t sel[] = {sv_int(5), sv_real(2.5), sv_text("x'y"), sv_blob("a\0b", 3)};
    rows = store_query(c, "SELECT ?, ?, ?, ?", sel, 4, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_int(rows, 0, 0), 5);
    assert_true(store_rows_real(rows, 0, 1) == 2.5);
    assert_string_equal(store_rows_text(rows, 0, 2), "x'y");
    b = store_rows_blob(rows, 0, 3, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(b, "a\0b", 3);
    store_rows_free(rows);

    store_release(f->s, c);
}

static void test_large_blob(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    char ddl[128];
    snprintf(ddl, sizeof ddl, "CREATE TABLE big (b %s)", blob_type(f->s));
    script_ok(c, ddl);
    size_t n = 1 << 20;
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 2654435761u >> 13);
    store_value_t p[] = {sv_blob(data, n)};
    assert_int_equal(store_exec(c, "INSERT INTO big (b) VALUES (?)", p, 1, &err), 1);
    store_rows_t *rows = store_query(c, "SELECT b FROM big", NULL, 0, &err);
    assert_non_null(rows);
    size_t len = 0;
    const void *b = store_rows_blob(rows, 0, 0, &len);
    assert_int_equal(len, n);
    assert_memory_equal(b, data, n);
    store_rows_free(rows);
    free(data);
    store_release(f->s, c);
}

static void test_placeholders_in_literals(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    script_ok(c, "CREATE TABLE q (\"we?ird\" TEXT, v TEXT)");
    store_value_t p[] = {sv_text("p1")};
    assert_int_equal(store_exec(c,
                                "INSERT INTO q (\"we?ird\", v) /* ? */ "
                                "VALUES (?, 'lit?eral ''?'' /* ? */')",
                                p, 1, &err),
                     1);
    store_value_t p2[] = {sv_text("second"), sv_text("p1")};
    store_rows_t *rows = store_query(c,
                                     "SELECT \"we?ird\", v, '?' AS mark, ? AS p -- a ? here\n"
                                     "FROM q WHERE v LIKE 'lit?%' AND \"we?ird\" = ?",
                                     p2, 2, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 1);
    assert_string_equal(store_rows_text(rows, 0, 0), "p1");
    assert_string_equal(store_rows_text(rows, 0, 1), "lit?eral '?' /* ? */");
    assert_string_equal(store_rows_text(rows, 0, 2), "?");
    assert_string_equal(store_rows_text(rows, 0, 3), "second");
    assert_string_equal(store_rows_column_name(rows, 0), "we?ird");
    assert_string_equal(store_rows_column_name(rows, 2), "mark");
    store_rows_free(rows);
    store_release(f->s, c);
}

static void test_conflict(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    script_ok(c, "CREATE TABLE u (k TEXT PRIMARY KEY, v TEXT UNIQUE, w TEXT NOT NULL)");
    const char *ins = "INSERT INTO u (k, v, w) VALUES (?, ?, ?)";
    store_value_t a[] = {sv_text("a"), sv_text("x"), sv_text("w")};
    assert_int_equal(store_exec(c, ins, a, 3, &err), 1);

    store_value_t dup_key[] = {sv_text("a"), sv_text("y"), sv_text("w")};
    err_clear(&err);
    assert_int_equal(store_exec(c, ins, dup_key, 3, &err), -1);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.code, "conflict");

    store_value_t dup_unique[] = {sv_text("b"), sv_text("x"), sv_text("w")};
    err_clear(&err);
    assert_int_equal(store_exec(c, ins, dup_unique, 3, &err), -1);
    assert_int_equal(err.status, 409);

    /* Other constraint violations are not conflicts. */
    store_value_t not_null[] = {sv_text("c"), sv_text("z"), sv_null()};
    err_clear(&err);
    assert_int_equal(store_exec(c, ins, not_null, 3, &err), -1);
    assert_int_equal(err.status, 500);
    assert_string_equal(err.code, "internal");

    /* ... and the conflict through store_query (INSERT ... RETURNING) too. */
    err_clear(&err);
    assert_null(
        store_query(c, "INSERT INTO u (k, v, w) VALUES (?, ?, ?) RETURNING k", dup_key, 3, &err));
    assert_int_equal(err.status, 409);

    assert_int_equal(count_rows(c, "u"), 1);
    store_release(f->s, c);
}

static void test_transactions(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    script_ok(c, "CREATE TABLE tx (k INTEGER)");
    const char *ins = "INSERT INTO tx (k) VALUES (?)";

    /* Commit makes the row visible to other connections; before it, they do not see it. */
    assert_int_equal(store_begin(c, &err), 0);
    store_value_t one[] = {sv_int(1)};
    assert_int_equal(store_exec(c, ins, one, 1, &err), 1);
    store_conn_t *other = store_acquire(f->s);
    assert_ptr_not_equal(other, c);
    assert_int_equal(count_rows(other, "tx"), 0);
    assert_int_equal(count_rows(c, "tx"), 1);
    assert_int_equal(store_commit(c, &err), 0);
    assert_int_equal(count_rows(other, "tx"), 1);
    store_release(f->s, other);

    /* Rollback discards. */
    assert_int_equal(store_begin(c, &err), 0);
    store_value_t two[] = {sv_int(2)};
    assert_int_equal(store_exec(c, ins, two, 1, &err), 1);
    store_rollback(c);
    assert_int_equal(count_rows(c, "tx"), 1);

    /* A failed statement inside a transaction, then rollback: the connection is usable. */
    assert_int_equal(store_begin(c, &err), 0);
    store_value_t three[] = {sv_int(3)};
    assert_int_equal(store_exec(c, ins, three, 1, &err), 1);
    assert_int_equal(store_exec(c, "SELECT * FROM no_such_table", NULL, 0, &err), -1);
    store_rollback(c);
    store_rollback(c); /* twice, and outside a transaction: harmless */
    assert_int_equal(count_rows(c, "tx"), 1);

    /* A transaction left open is rolled back when the connection goes back to the pool. */
    assert_int_equal(store_begin(c, &err), 0);
    store_value_t four[] = {sv_int(4)};
    assert_int_equal(store_exec(c, ins, four, 1, &err), 1);
    store_release(f->s, c);
    c = store_acquire(f->s);
    assert_int_equal(count_rows(c, "tx"), 1);
    assert_int_equal(store_begin(c, &err), 0);
    assert_int_equal(store_commit(c, &err), 0);
    store_release(f->s, c);
}

static void test_rows_accessors(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    store_rows_t *rows = store_query(c,
                                     "SELECT 42 AS i, 2.5 AS r, 'text' AS t, NULL AS n, "
                                     "'17' AS st, '-3.75' AS sr",
                                     NULL, 0, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 1);
    assert_int_equal(store_rows_columns(rows), 6);
    assert_string_equal(store_rows_column_name(rows, 0), "i");
    assert_string_equal(store_rows_column_name(rows, 5), "sr");

    /* int cell */
    assert_int_equal(store_rows_int(rows, 0, 0), 42);
    assert_true(store_rows_real(rows, 0, 0) == 42.0);
    const char *t = store_rows_text(rows, 0, 0);
    assert_string_equal(t, "42");
    assert_ptr_equal(store_rows_text(rows, 0, 0), t); /* formatted once, cached */
    size_t len = 0;
    assert_memory_equal(store_rows_blob(rows, 0, 0, &len), "42", 2);
    assert_int_equal(len, 2);
    /* real cell (numeric text on PostgreSQL) */
    assert_true(store_rows_real(rows, 0, 1) == 2.5);
    assert_string_equal(store_rows_text(rows, 0, 1), "2.5");
    assert_int_equal(store_rows_int(rows, 0, 1), 2);
    /* text cells */
    assert_string_equal(store_rows_text(rows, 0, 2), "text");
    assert_int_equal(store_rows_int(rows, 0, 2), 0);
    assert_int_equal(store_rows_int(rows, 0, 4), 17);
    assert_true(store_rows_real(rows, 0, 4) == 17.0);
    assert_true(store_rows_real(rows, 0, 5) == -3.75);
    assert_int_equal(store_rows_int(rows, 0, 5), -3);
    /* NULL cell */
    assert_true(store_rows_is_null(rows, 0, 3));
    assert_int_equal(store_rows_int(rows, 0, 3), 0);
    assert_true(store_rows_real(rows, 0, 3) == 0.0);
    assert_null(store_rows_text(rows, 0, 3));
    assert_null(store_rows_blob(rows, 0, 3, &len));
    assert_int_equal(len, 0);
    assert_false(store_rows_is_null(rows, 0, 0));

    /* Out of range gives each accessor's NULL value. */
    size_t bad[][2] = {{1, 0}, {0, 6}, {99, 99}};
    for (size_t k = 0; k < 3; k++) {
        size_t r = bad[k][0], col = bad[k][1];
        assert_true(store_rows_is_null(rows, r, col));
        assert_int_equal(store_rows_int(rows, r, col), 0);
        assert_true(store_rows_real(rows, r, col) == 0.0);
        assert_null(store_rows_text(rows, r, col));
        len = 7;
        assert_null(store_rows_blob(rows, r, col, &len));
        assert_int_equal(len, 0);
    }
    assert_null(store_rows_column_name(rows, 6));
    store_rows_free(rows);

    /* No rows: still the columns. */
    rows = store_query(c, "SELECT 1 AS a, 2 AS b WHERE 1 = 0", NULL, 0, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 0);
    assert_int_equal(store_rows_columns(rows), 2);
    assert_string_equal(store_rows_column_name(rows, 1), "b");
    assert_null(store_rows_text(rows, 0, 0));
    store_rows_free(rows);

    /* A NULL result is empty. */
    assert_int_equal(store_rows_count(NULL), 0);
    assert_int_equal(store_rows_columns(NULL), 0);
    assert_int_equal(store_rows_int(NULL, 0, 0), 0);
    store_rows_free(NULL);
    store_release(f->s, c);
}

static void test_changes_and_returning(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    assert_int_equal(store_exec(c, "CREATE TABLE ch (k INTEGER)", NULL, 0, &err), 0);
    assert_int_equal(store_exec(c, "INSERT INTO ch (k) VALUES (1), (2), (3)", NULL, 0, &err), 3);
    store_value_t p[] = {sv_int(2)};
    assert_int_equal(store_exec(c, "UPDATE ch SET k = k + 10 WHERE k >= ?", p, 1, &err), 2);
    /* DDL after DML changes nothing (SQLite's changes() would still say 2). */
    assert_int_equal(store_exec(c, "CREATE TABLE ch2 (x INTEGER)", NULL, 0, &err), 0);
    assert_int_equal(store_exec(c, "UPDATE ch SET k = 0 WHERE k < 0", NULL, 0, &err), 0);

    store_value_t r[] = {sv_int(99)};
    store_rows_t *rows = store_query(c, "INSERT INTO ch (k) VALUES (?) RETURNING k", r, 1, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 1);
    assert_int_equal(store_rows_int(rows, 0, 0), 99);
    store_rows_free(rows);
    assert_int_equal(store_exec(c, "DELETE FROM ch", NULL, 0, &err), 4);
    store_release(f->s, c);
}

static void test_errors_and_scripts(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    script_ok(c, "CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER);\n"
                 "INSERT INTO a (x) VALUES (1); INSERT INTO b (y) VALUES (2);");
    assert_int_equal(count_rows(c, "a"), 1);
    assert_int_equal(count_rows(c, "b"), 1);

    err_clear(&err);
    assert_int_equal(store_exec(c, "SELEC 1", NULL, 0, &err), -1);
    assert_int_equal(err.status, 500);
    assert_true(strlen(err.message) > 0);

    err_clear(&err);
    assert_int_equal(store_exec(c, "SELECT ?", NULL, 0, &err), -1); /* too few */
    assert_int_equal(err.status, 500);
    store_value_t two[] = {sv_int(1), sv_int(2)};
    err_clear(&err);
    assert_null(store_query(c, "SELECT ?", two, 2, &err)); /* too many */
    assert_int_equal(err.status, 500);

    err_clear(&err);
    assert_int_equal(store_exec(c, "SELECT 1; SELECT 2", NULL, 0, &err), -1);
    assert_int_equal(err.status, 500);

    err_clear(&err);
    assert_int_equal(store_exec_script(c, "CREATE TABLE c (z INTEGER); SELEC 1;", &err), -1);
    assert_int_equal(err.status, 500);

    /* The connection still works after all of that. */
    assert_int_equal(count_rows(c, "a"), 1);
    store_release(f->s, c);
    assert_int_equal(store_ping(f->s, &err), 0);
}

#define THREADS      4
#define INSERTS_EACH 100

typedef struct worker {
    store_t *s;
    int id;
    int failures;
    err_t err;
} worker_t;

static void *insert_worker(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < INSERTS_EACH; i++) {
        store_conn_t *c = store_acquire(w->s);
        store_value_t p[] = {sv_int(w->id), sv_int(i)};
        if (store_exec(c, "INSERT INTO conc (worker, n) VALUES (?, ?)", p, 2, &w->err) != 1)
            w->failures++;
        store_release(w->s, c);
    }
    return NULL;
}

/* Open a second store of pool_size connections on the fixture's database, run THREADS workers
 * on it and check none of them failed. Returns the store (caller closes). */
static store_t *run_workers(fixture_t *f, int pool_size, void *(*fn)(void *))
{
    err_t err;
    store_t *s = NULL;
    assert_int_equal(store_open(f->db.url, pool_size, &s, &err), 0);
    pthread_t th[THREADS];
    worker_t w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker_t){.s = s, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, fn, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL); /* all of them before an assertion can leave this frame */
    for (int i = 0; i < THREADS; i++) {
        if (w[i].failures)
            fprintf(stderr, "worker %d: %d failures, last: %s\n", i, w[i].failures,
                    w[i].err.message);
        assert_int_equal(w[i].failures, 0);
    }
    return s;
}

static void test_pool_threads(void **state)
{
    fixture_t *f = *state;
    store_conn_t *c = store_acquire(f->s);
    script_ok(c, "CREATE TABLE conc (worker INTEGER NOT NULL, n INTEGER NOT NULL, "
                 "PRIMARY KEY (worker, n))");
    store_release(f->s, c);

    /* Fewer connections than threads, so threads also wait for each other in the pool. */
    store_t *s = run_workers(f, 2, insert_worker);
    c = store_acquire(s);
    assert_int_equal(count_rows(c, "conc"), THREADS * INSERTS_EACH);
    store_release(s, c);
    store_close(s);
}

/* Write transactions from several threads at once: each takes the writer (SQLite: the
 * process's writer mutex, then BEGIN IMMEDIATE), reads, writes twice and commits, or rolls back
 * every fifth time; all of them get through and exactly the committed rows remain. */
static void *transaction_worker(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < INSERTS_EACH; i++) {
        store_conn_t *c = store_acquire(w->s);
        store_value_t p[] = {sv_int(w->id), sv_int(i)};
        store_value_t q[] = {sv_int(w->id), sv_int(i + 1000)};
        store_rows_t *rows = NULL;
        int ok =
            store_begin(c, &w->err) == 0 &&
            (rows = store_query(c, "SELECT COUNT(*) FROM txconc", NULL, 0, &w->err)) &&
            store_exec(c, "INSERT INTO txconc (worker, n) VALUES (?, ?)", p, 2, &w->err) == 1 &&
            store_exec(c, "INSERT INTO txconc (worker, n) VALUES (?, ?)", q, 2, &w->err) == 1;
        store_rows_free(rows);
        if (i % 5 == 4) {
            store_rollback(c);
        } else if (store_finish(c, ok, &w->err) != 0) {
            w->failures++;
        }
        store_release(w->s, c);
    }
    return NULL;
}

static void test_transaction_threads(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_conn_t *c = store_acquire(f->s);
    script_ok(c, "CREATE TABLE txconc (worker INTEGER NOT NULL, n INTEGER NOT NULL, "
                 "PRIMARY KEY (worker, n))");
    store_release(f->s, c);
    store_t *s = run_workers(f, 3, transaction_worker);
    c = store_acquire(s);
    assert_int_equal(count_rows(c, "txconc"), THREADS * INSERTS_EACH / 5 * 4 * 2);
    /* Every path gave the writer back: one more transaction gets it. */
    assert_int_equal(store_begin(c, &err), 0);
    assert_int_equal(store_commit(c, &err), 0);
    store_release(s, c);
    store_close(s);
}

/* ---- SQLite only --------------------------------------------------------------------------- */

static void test_sqlite_urls(void **state)
{
    fixture_t *f = *state;
    err_t err;
    /* The fixture's database sits in a directory store_open had to create. */
    char want[1100];
    snprintf(want, sizeof want, "sqlite:%s/data/llmops.db", f->db.dir);
    assert_string_equal(store_describe(f->s), want);
    assert_int_equal(store_kind(f->s), STORE_SQLITE);

    char url[1100];
    const char *prefixes[] = {"sqlite://", "", "sqlite:"};
    const char *files[] = {"a/x.db", "b/y.db", "c/d/e/z.db"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(url, sizeof url, "%s%s/%s", prefixes[i], f->db.dir, files[i]);
        store_t *s = NULL;
        assert_int_equal(store_open(url, 2, &s, &err), 0);
        assert_int_equal(store_ping(s, &err), 0);
        assert_int_equal(strncmp(store_describe(s), "sqlite:/", 8), 0);
        store_close(s);
    }

    store_t *mem = NULL;
    assert_int_equal(store_open("sqlite::memory:", 8, &mem, &err), 0);
    store_conn_t *c = store_acquire(mem);
    script_ok(c, "CREATE TABLE m (x INTEGER); INSERT INTO m (x) VALUES (1)");
    store_release(mem, c);
    c = store_acquire(mem); /* the one connection: the table is still there */
    assert_int_equal(count_rows(c, "m"), 1);
    store_release(mem, c);
    store_close(mem);

    err_clear(&err);
    assert_int_equal(store_open("", 1, &mem, &err), -1);
    assert_int_equal(err.status, 400);
    assert_null(mem);

    /* A parent that is a file cannot become a directory. */
    snprintf(url, sizeof url, "sqlite:%s/data/llmops.db/sub/x.db", f->db.dir);
    err_clear(&err);
    assert_int_equal(store_open(url, 1, &mem, &err), -1);
    assert_int_equal(err.status, 500);
}

/* ---- PostgreSQL only ----------------------------------------------------------------------- */

static int64_t backend_pid(store_t *s, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, "SELECT pg_backend_pid()", NULL, 0, err);
    int64_t pid = rows ? store_rows_int(rows, 0, 0) : -1;
    store_rows_free(rows);
    store_release(s, c);
    return pid;
}

static void test_pg_reconnect(void **state)
{
    fixture_t *f = *state;
    err_t err;
    store_t *s = NULL;
    assert_int_equal(store_open(f->db.url, 1, &s, &err), 0);
    assert_int_equal(store_kind(s), STORE_POSTGRES);

    /* Terminated while idle: noticed and reset when acquired; no request fails. */
    int64_t pid = backend_pid(s, &err);
    assert_true(pid > 0);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld, 5000)", (long long)pid);
    assert_int_equal(test_pg_admin(sql), 0);
    int64_t pid2 = backend_pid(s, &err);
    assert_true(pid2 > 0);
    assert_true(pid2 != pid);

    /* Lost during a statement: 503 for that statement, reset on the next acquire. */
    store_conn_t *c = store_acquire(s);
    err_clear(&err);
    assert_int_equal(store_exec(c, "SELECT pg_terminate_backend(pg_backend_pid())", NULL, 0, &err),
                     -1);
    assert_int_equal(err.status, 503);
    assert_string_equal(err.code, "unavailable");
    store_rollback(c); /* safe on a lost connection */
    store_release(s, c);
    assert_int_equal(store_ping(s, &err), 0);

    /* The database goes away: reconnecting fails, which is 503 on use, until it is back. */
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", f->db.dbname);
    assert_int_equal(test_pg_admin(sql), 0);
    c = store_acquire(s);
    assert_non_null(c);
    err_clear(&err);
    assert_null(store_query(c, "SELECT 1", NULL, 0, &err));
    assert_int_equal(err.status, 503);
    err_clear(&err);
    assert_int_equal(store_begin(c, &err), -1);
    assert_int_equal(err.status, 503);
    store_release(s, c);
    err_clear(&err);
    assert_int_equal(store_ping(s, &err), -1);
    assert_int_equal(err.status, 503);

    snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->db.dbname);
    assert_int_equal(test_pg_admin(sql), 0);
    assert_int_equal(store_ping(s, &err), 0);
    store_close(s);
}

/* The live server's URL with a password added, if it has none (a trust server ignores it). */
static void test_pg_describe(void **state)
{
    fixture_t *f = *state;
    const char *url = f->db.url;
    const char *auth = strstr(url, "://") + 3;
    const char *end = auth + strcspn(auth, "/?");
    const char *at = memchr(auth, '@', (size_t)(end - auth));
    char with_pw[1200];
    const char *secret = "s3cr3tPW";
    if (at && memchr(auth, ':', (size_t)(at - auth))) {
        snprintf(with_pw, sizeof with_pw, "%s", url); /* it has one already: check that */
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        static char existing[256];
        snprintf(existing, sizeof existing, "%.*s", (int)(at - colon - 1), colon + 1);
        secret = existing;
    } else if (at) {
        snprintf(with_pw, sizeof with_pw, "%.*s:%s%s", (int)(at - url), url, secret, at);
    } else {
        snprintf(with_pw, sizeof with_pw, "%.*s:%s@%s", (int)(auth - url), url, secret, auth);
    }
    store_t *s = NULL;
    err_t err;
    err_clear(&err);
    if (store_open(with_pw, 1, &s, &err) == 0) {
        assert_null(strstr(store_describe(s), secret));
        assert_int_equal(strncmp(store_describe(s), "postgres", 8), 0);
        assert_non_null(strstr(store_describe(s), f->db.dbname));
        store_close(s);
    } else {
        assert_null(strstr(err.message, secret)); /* a server that checks passwords */
    }
    assert_null(strstr(store_describe(f->s), "s3cr3tPW"));
}

/* ---- without a database -------------------------------------------------------------------- */

static void test_pg_refused(void **state)
{
    (void)state;
    const char *urls[] = {
        "postgresql://llm:hunter2@127.0.0.1:1/nodb",
        "postgres://llm@127.0.0.1:1/nodb?password=hunter2&sslmode=disable",
        "postgresql://llm:hunter2@127.0.0.1:1/nodb?connect_timeout=2",
    };
    for (size_t i = 0; i < 3; i++) {
        store_t *s = NULL;
        err_t err;
        err_clear(&err);
        assert_int_equal(store_open(urls[i], 2, &s, &err), -1);
        assert_null(s);
        assert_int_equal(err.status, 503);
        assert_string_equal(err.code, "unavailable");
        assert_null(strstr(err.message, "hunter2"));
        assert_non_null(strstr(err.message, "postgres"));
        assert_non_null(strstr(err.message, "llm@127.0.0.1:1/nodb"));
    }
    /* libpq quotes a malformed URL part back; the password must not come with it. */
    store_t *s = NULL;
    err_t err;
    err_clear(&err);
    assert_int_equal(store_open("postgresql://llm:hun%zzter2@127.0.0.1:1/nodb", 1, &s, &err), -1);
    assert_int_equal(err.status, 400);
    assert_null(strstr(err.message, "hun%zzter2"));
    assert_null(strstr(err.message, "zzter"));
}

static void expect_rewrite(const char *in, const char *want, size_t want_count)
{
    size_t count = 99;
    char *out = store_rewrite_placeholders(in, &count);
    assert_string_equal(out, want);
    assert_int_equal(count, want_count);
    free(out);
}

static void test_rewrite_placeholders(void **state)
{
    (void)state;
    expect_rewrite("SELECT 1", "SELECT 1", 0);
    expect_rewrite("", "", 0);
    expect_rewrite("SELECT ?, '?', \"?\", ? -- ?\n, /* ? */ ?",
                   "SELECT $1, '?', \"?\", $2 -- ?\n, /* ? */ $3", 3);
    expect_rewrite("SELECT 'it''s ?', \"a\"\"?\", ?", "SELECT 'it''s ?', \"a\"\"?\", $1", 1);
    expect_rewrite("SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1);
    expect_rewrite("SELECT '\\', ?", "SELECT '\\', $1", 1); /* standard strings: \ is plain */
    expect_rewrite("SELECT $$ ? $$, $tag$ ?'$ $tag$, ?", "SELECT $$ ? $$, $tag$ ?'$ $tag$, $1", 1);
    expect_rewrite("INSERT INTO t VALUES (?,?,?)", "INSERT INTO t VALUES ($1,$2,$3)", 3);
    expect_rewrite("SELECT '?", "SELECT '?", 0); /* unterminated: left alone */
    expect_rewrite("SELECT 1 /* ?", "SELECT 1 /* ?", 0);
    expect_rewrite("SELECT x$1 FROM t WHERE y = ?", "SELECT x$1 FROM t WHERE y = $1", 1);
}

/* Each test named "<backend>/<test>", so TAP output tells the two runs apart. */
#define BACKEND_TEST(f, setup, label)                                                              \
    {                                                                                              \
        label "/" #f, f, setup, teardown, NULL                                                     \
    }
#define BACKEND_TESTS(setup, label)                                                                \
    BACKEND_TEST(test_params_roundtrip, setup, label),                                             \
        BACKEND_TEST(test_large_blob, setup, label),                                               \
        BACKEND_TEST(test_placeholders_in_literals, setup, label),                                 \
        BACKEND_TEST(test_conflict, setup, label), BACKEND_TEST(test_transactions, setup, label),  \
        BACKEND_TEST(test_rows_accessors, setup, label),                                           \
        BACKEND_TEST(test_changes_and_returning, setup, label),                                    \
        BACKEND_TEST(test_errors_and_scripts, setup, label),                                       \
        BACKEND_TEST(test_pool_threads, setup, label),                                             \
        BACKEND_TEST(test_transaction_threads, setup, label)

int main(void)
{
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_rewrite_placeholders),
        cmocka_unit_test(test_pg_refused),
    };
    const struct CMUnitTest sqlite_tests[] = {
        BACKEND_TESTS(setup_sqlite, "sqlite"),
        BACKEND_TEST(test_sqlite_urls, setup_sqlite, "sqlite"),
    };
    const struct CMUnitTest pg_tests[] = {
        BACKEND_TESTS(setup_pg, "postgresql"),
        BACKEND_TEST(test_pg_reconnect, setup_pg, "postgresql"),
        BACKEND_TEST(test_pg_describe, setup_pg, "postgresql"),
    };
    int failed = cmocka_run_group_tests_name("store", common, NULL, NULL);
    failed += cmocka_run_group_tests_name("store/sqlite", sqlite_tests, NULL, NULL);
    if (test_pg_url())
        failed += cmocka_run_group_tests_name("store/postgresql", pg_tests, NULL, NULL);
    else
        fprintf(stderr, "store/postgresql: skipped (LLMOPS_TEST_PG_URL is not set)\n");
    return failed ? 1 : 0;
}
