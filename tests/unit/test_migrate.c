/* test_migrate.c - unit tests of the schema migrator (migrate.h) and llmops' own schema.
 *
 * Every test runs against SQLite, and again against PostgreSQL when LLMOPS_TEST_PG_URL names a
 * server, each on a fresh database. */
#include "unit/store_testutil.h"

#include <pthread.h>
#include <time.h>

#include "store/migrate.h"

typedef struct fixture {
    test_db_t db;
    store_t *s;
    test_db_t extra; /* a second database a test makes; dropped by teardown even on failure */
    int has_extra;
} fixture_t;

static int setup_backend(void **state, store_kind_t kind)
{
    fixture_t *f = calloc(1, sizeof *f);
    test_db_create(&f->db, kind);
    err_t err;
    if (store_open(f->db.url, 2, &f->s, &err) != 0) {
        fprintf(stderr, "store_open(%s): %s\n", f->db.url, err.message);
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
    if (f->has_extra)
        test_db_drop(&f->extra);
    free(f);
    return 0;
}

static int64_t query_int(store_t *s, const char *sql)
{
    err_t err;
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, sql, NULL, 0, &err);
    if (!rows)
        fprintf(stderr, "%s: %s\n", sql, err.message);
    assert_non_null(rows);
    int64_t v = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    store_release(s, c);
    return v;
}

/* 1 when a query on table succeeds (the table exists). */
static int table_exists(store_t *s, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    err_t err;
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, sql, NULL, 0, &err);
    store_rows_free(rows);
    store_release(s, c);
    return rows != NULL;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_schema_apply_twice(void **state)
{
    fixture_t *f = *state;
    err_t err;
    int version = -1, applied = -1;
    assert_int_equal(migrate_current_version(f->s, &version, &err), 0);
    assert_int_equal(version, 0); /* no schema_migrations table yet */

    int64_t before = now_ms();
    assert_int_equal(migrate_schema(f->s, &applied, &err), 0);
    /* Version numbers may have gaps (areas reserve numbers), so count what was recorded. */
    assert_true(applied >= 1 && applied <= migrate_latest_version());
    assert_true(migrate_latest_version() >= 1);
    assert_int_equal(migrate_current_version(f->s, &version, &err), 0);
    assert_int_equal(version, migrate_latest_version());

    /* Again: nothing to do, nothing changes. */
    int applied_first = applied;
    assert_int_equal(migrate_schema(f->s, &applied, &err), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(migrate_schema(f->s, NULL, &err), 0);
    assert_int_equal(migrate_current_version(f->s, &version, &err), 0);
    assert_int_equal(version, migrate_latest_version());
    assert_int_equal(query_int(f->s, "SELECT COUNT(*) FROM schema_migrations"), applied_first);

    /* The version is recorded with its name and time. */
    store_conn_t *c = store_acquire(f->s);
    store_rows_t *rows =
        store_query(c, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version",
                    NULL, 0, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_int(rows, 0, 0), 1);
    assert_string_equal(store_rows_text(rows, 0, 1), "lineage");
    int64_t at = store_rows_int(rows, 0, 2);
    assert_true(at >= before - 1000 && at <= now_ms() + 1000);
    store_rows_free(rows);

    /* Migration 1 made a working lineage_edges table. */
    const char *ins = "INSERT INTO lineage_edges (src_type, src_id, dst_type, dst_id, relation, "
                      "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
    store_value_t e1[] = {sv_text("dataset"), sv_text("d1"),      sv_text("model"),
                          sv_text("m1"),      sv_text("trained"), sv_int(now_ms())};
    rows = store_query(c, ins, e1, 6, &err);
    assert_non_null(rows);
    int64_t id1 = store_rows_int(rows, 0, 0);
    assert_true(id1 > 0);
    store_rows_free(rows);
    store_value_t e2[] = {sv_text("model"), sv_text("m1"),     sv_text("trace"),
                          sv_text("t1"),    sv_text("served"), sv_int(now_ms())};
    rows = store_query(c, ins, e2, 6, &err);
    assert_non_null(rows);
    assert_true(store_rows_int(rows, 0, 0) > id1);
    store_rows_free(rows);
    err_clear(&err);
    assert_null(store_query(c, ins, e1, 6, &err)); /* the same edge twice */
    assert_int_equal(err.status, 409);
    store_value_t dst[] = {sv_text("trace"), sv_text("t1")};
    rows = store_query(c, "SELECT src_id FROM lineage_edges WHERE dst_type = ? AND dst_id = ?", dst,
                       2, &err);
    assert_non_null(rows);
    assert_int_equal(store_rows_count(rows), 1);
    assert_string_equal(store_rows_text(rows, 0, 0), "m1");
    store_rows_free(rows);
    store_release(f->s, c);
}

static void test_failing_migration(void **state)
{
    fixture_t *f = *state;
    err_t err;
    const migration_t list[] = {
        {.version = 1, .name = "one", .sql = "CREATE TABLE m1 (x INTEGER)"},
        {.version = 2, .name = "two", .sql = "CREATE TABLE m2 (x INTEGER)"},
        {.version = 3,
         .name = "three",
         .sql = "CREATE TABLE m3 (x INTEGER); INSERT INTO m1 (x) VALUES (1); "
                "SELECT * FROM no_such_table"},
    };
    int applied = -1, version = -1;
    err_clear(&err);
    assert_int_equal(migrate_apply(f->s, list, 3, &applied, &err), -1);
    assert_int_equal(applied, 2);
    assert_int_equal(err.status, 500);
    assert_non_null(strstr(err.message, "migration 3 (three)"));
    assert_int_equal(migrate_current_version(f->s, &version, &err), 0);
    assert_int_equal(version, 2);
    assert_true(table_exists(f->s, "m1"));
    assert_true(table_exists(f->s, "m2"));
    assert_false(table_exists(f->s, "m3"));                          /* rolled back */
    assert_int_equal(query_int(f->s, "SELECT COUNT(*) FROM m1"), 0); /* so was its insert */

    /* Fixed, it applies on the next run, and only it. */
    const migration_t fixed[] = {
        list[0],
        list[1],
        {.version = 3, .name = "three", .sql = "CREATE TABLE m3 (x INTEGER)"},
    };
    assert_int_equal(migrate_apply(f->s, fixed, 3, &applied, &err), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(migrate_current_version(f->s, &version, &err), 0);
    assert_int_equal(version, 3);
    assert_true(table_exists(f->s, "m3"));
}

static void test_dialects_and_bad_lists(void **state)
{
    fixture_t *f = *state;
    err_t err;
    const migration_t list[] = {
        {.version = 1,
         .name = "dialects",
         .sql = "SELECT no_such_function()",
         .sqlite_sql = "CREATE TABLE d (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT);"
                       "INSERT INTO d (kind) VALUES ('sqlite')",
         .postgres_sql = "CREATE TABLE d (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY "
                         "KEY, kind TEXT); INSERT INTO d (kind) VALUES ('postgresql')"},
        {.version = 5, .name = "shared", .sql = "CREATE TABLE shared (x INTEGER)"},
    };
    int applied = 0;
    assert_int_equal(migrate_apply(f->s, list, 2, &applied, &err), 0);
    assert_int_equal(applied, 2);
    store_conn_t *c = store_acquire(f->s);
    store_rows_t *rows = store_query(c, "SELECT kind FROM d", NULL, 0, &err);
    assert_non_null(rows);
    assert_string_equal(store_rows_text(rows, 0, 0),
                        store_kind(f->s) == STORE_SQLITE ? "sqlite" : "postgresql");
    store_rows_free(rows);
    store_release(f->s, c);

    const migration_t unordered[] = {
        {.version = 2, .name = "b", .sql = "SELECT 1"},
        {.version = 1, .name = "a", .sql = "SELECT 1"},
    };
    err_clear(&err);
    assert_int_equal(migrate_apply(f->s, unordered, 2, &applied, &err), -1);
    assert_int_equal(applied, 0);
    const migration_t no_sql[] = {{.version = 9, .name = "empty"}};
    assert_int_equal(migrate_apply(f->s, no_sql, 1, NULL, &err), -1);
    int version = 0;
    assert_int_equal(migrate_current_version(f->s, &version, &err), 0);
    assert_int_equal(version, 5);
}

/* ---- two migrators at once ----------------------------------------------------------------- */

#define MIGRATORS 4
#define ROUNDS    3

/* Each migration would fail if it ran twice (CREATE TABLE without IF NOT EXISTS), and each
 * logs itself, so "exactly once" is visible. */
static const migration_t race_list[] = {
    {.version = 1,
     .name = "log",
     .sql = "CREATE TABLE log (v INTEGER); INSERT INTO log VALUES (1)"},
    {.version = 2, .name = "t2", .sql = "CREATE TABLE t2 (x INTEGER); INSERT INTO log VALUES (2)"},
    {.version = 3, .name = "t3", .sql = "CREATE TABLE t3 (x INTEGER); INSERT INTO log VALUES (3)"},
};

typedef struct migrator {
    const char *url;
    pthread_barrier_t *start;
    int rc;
    int applied;
    err_t err;
} migrator_t;

static void *migrator_run(void *arg)
{
    migrator_t *m = arg;
    store_t *s = NULL;
    m->rc = store_open(m->url, 1, &s, &m->err);
    pthread_barrier_wait(m->start);
    if (m->rc == 0)
        m->rc = migrate_apply(s, race_list, 3, &m->applied, &m->err);
    store_close(s);
    return NULL;
}

static void race_once(fixture_t *f)
{
    test_db_t *db = &f->extra;
    test_db_create(db, f->db.kind);
    f->has_extra = 1;
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, MIGRATORS);
    pthread_t th[MIGRATORS];
    migrator_t m[MIGRATORS];
    for (int i = 0; i < MIGRATORS; i++) {
        m[i] = (migrator_t){.url = db->url, .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, migrator_run, &m[i]), 0);
    }
    /* Join them all before any assertion can jump out of this frame, which they point into. */
    for (int i = 0; i < MIGRATORS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
    int total = 0;
    for (int i = 0; i < MIGRATORS; i++) {
        if (m[i].rc != 0)
            fprintf(stderr, "migrator %d: %s\n", i, m[i].err.message);
        assert_int_equal(m[i].rc, 0);
        total += m[i].applied;
    }
    assert_int_equal(total, 3);

    store_t *s = NULL;
    err_t err;
    assert_int_equal(store_open(db->url, 1, &s, &err), 0);
    assert_int_equal(query_int(s, "SELECT COUNT(*) FROM log"), 3);
    assert_int_equal(query_int(s, "SELECT COUNT(DISTINCT v) FROM log"), 3);
    assert_int_equal(query_int(s, "SELECT COUNT(*) FROM schema_migrations"), 3);
    int version = 0;
    assert_int_equal(migrate_current_version(s, &version, &err), 0);
    assert_int_equal(version, 3);
    store_close(s);
    test_db_drop(db);
    f->has_extra = 0;
}

static void test_concurrent_migrators(void **state)
{
    fixture_t *f = *state;
    for (int r = 0; r < ROUNDS; r++)
        race_once(f);
}

/* Each test named "<backend>/<test>", so TAP output tells the two runs apart. */
#define BACKEND_TEST(f, setup, label)                                                              \
    {                                                                                              \
        label "/" #f, f, setup, teardown, NULL                                                     \
    }
#define BACKEND_TESTS(setup, label)                                                                \
    BACKEND_TEST(test_schema_apply_twice, setup, label),                                           \
        BACKEND_TEST(test_failing_migration, setup, label),                                        \
        BACKEND_TEST(test_dialects_and_bad_lists, setup, label),                                   \
        BACKEND_TEST(test_concurrent_migrators, setup, label)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {BACKEND_TESTS(setup_sqlite, "sqlite")};
    const struct CMUnitTest pg_tests[] = {BACKEND_TESTS(setup_pg, "postgresql")};
    int failed = cmocka_run_group_tests_name("migrate/sqlite", sqlite_tests, NULL, NULL);
    if (test_pg_url())
        failed += cmocka_run_group_tests_name("migrate/postgresql", pg_tests, NULL, NULL);
    else
        fprintf(stderr, "migrate/postgresql: skipped (LLMOPS_TEST_PG_URL is not set)\n");
    return failed ? 1 : 0;
}
