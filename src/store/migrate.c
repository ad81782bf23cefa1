/* migrate.c - applying versioned schema migrations (see migrate.h).
 *
 * The applied versions live in schema_migrations. Each pending migration runs in its own
 * transaction together with the INSERT that records it, so a migration is either applied and
 * recorded or neither, and a failure leaves every earlier migration in place.
 *
 * Concurrency: two servers may start at the same moment against one database.
 *  - PostgreSQL: the whole run holds a session advisory lock, taken before schema_migrations is
 *    created, because CREATE TABLE IF NOT EXISTS itself races in PostgreSQL (both sessions can
 *    pass the existence check and one then fails on the catalog's unique index).
 *  - SQLite: BEGIN IMMEDIATE takes the database's write lock; inside it the version is checked
 *    again, so the second process finds the migration recorded and skips it. */
#include "store/migrate.h"

#include <stdio.h>

#include "base/buf.h"
#include "base/clock.h"

/* The advisory lock key: "llmops" in ASCII. Any fixed number works as long as it is the same
 * for every llmops process and unlikely to collide with another application's lock. */
#define MIGRATE_PG_LOCK_KEY INT64_C(0x6c6c6d6f7073)

static const char *migrate_table_sql = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version INTEGER PRIMARY KEY,"
                                       " name TEXT NOT NULL,"
                                       " applied_at BIGINT NOT NULL)"; /* ms since the epoch, UTC */

static const char *migrate_sql_for(const store_t *s, const migration_t *m)
{
    const char *specific = store_kind(s) == STORE_SQLITE ? m->sqlite_sql : m->postgres_sql;
    return specific ? specific : m->sql;
}

static int migrate_check_list(const store_t *s, const migration_t *list, size_t n, err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const migration_t *m = &list[i];
        if (m->version <= 0 || (i > 0 && m->version <= list[i - 1].version))
            return err_internal(err, "migration list is not strictly increasing at version %d",
                                m->version);
        if (!m->name || !migrate_sql_for(s, m))
            return err_internal(err, "migration %d has no name or no SQL for this database",
                                m->version);
    }
    return 0;
}

/* 1 when version is recorded, 0 when not, -1 on error. */
static int migrate_is_applied(store_conn_t *c, int version, err_t *err)
{
    store_value_t p[] = {sv_int(version)};
    store_rows_t *rows =
        store_query(c, "SELECT 1 FROM schema_migrations WHERE version = ?", p, 1, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) > 0;
    store_rows_free(rows);
    return found;
}

/* Apply one migration in its own transaction. 1 when it ran, 0 when another process had
 * already applied it, -1 on error (rolled back). */
static int migrate_one(store_t *s, store_conn_t *c, const migration_t *m, err_t *err)
{
    if (store_begin(c, err) != 0)
        return -1;
    int applied = migrate_is_applied(c, m->version, err);
    if (applied < 0)
        goto fail;
    if (applied) {
        store_rollback(c);
        return 0;
    }
    if (store_exec_script(c, migrate_sql_for(s, m), err) != 0)
        goto fail;
    store_value_t p[] = {sv_int(m->version), sv_text(m->name), sv_int(clock_now_ms())};
    if (store_exec(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                   p, 3, err) < 0)
        goto fail;
    if (store_commit(c, err) != 0)
        goto fail;
    return 1;

fail:
    store_rollback(c);
    /* Say which migration failed; keep the status and code of the underlying error. */
    if (err) {
        buf_t msg;
        buf_init(&msg);
        buf_printf(&msg, "migration %d (%s) failed: %s", m->version, m->name, err->message);
        snprintf(err->message, sizeof err->message, "%s", buf_str(&msg));
        buf_free(&msg);
    }
    return -1;
}

int migrate_apply(store_t *s, const migration_t *list, size_t n, int *applied, err_t *err)
{
    int count = 0, rc = -1, locked = 0;
    if (applied)
        *applied = 0;
    if (migrate_check_list(s, list, n, err) != 0)
        return -1;

    store_conn_t *c = store_acquire(s);
    if (store_kind(s) == STORE_POSTGRES) {
        store_value_t key[] = {sv_int(MIGRATE_PG_LOCK_KEY)};
        if (store_exec(c, "SELECT pg_advisory_lock(?)", key, 1, err) < 0)
            goto cleanup;
        locked = 1;
    }
    if (store_exec_script(c, migrate_table_sql, err) != 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        /* A cheap check outside a transaction first, so that an up-to-date database is not
         * write-locked once per migration at every start. */
        int done = migrate_is_applied(c, list[i].version, err);
        if (done < 0)
            goto cleanup;
        if (done)
            continue;
        int ran = migrate_one(s, c, &list[i], err);
        if (ran < 0)
            goto cleanup;
        count += ran;
    }
    rc = 0;

cleanup:
    if (locked) {
        /* Errors are ignored: when the connection is gone the server has released the lock. */
        err_t ignored;
        store_value_t key[] = {sv_int(MIGRATE_PG_LOCK_KEY)};
        store_exec(c, "SELECT pg_advisory_unlock(?)", key, 1, &ignored);
    }
    store_release(s, c);
    if (applied)
        *applied = count;
    return rc;
}

int migrate_current_version(store_t *s, int *version, err_t *err)
{
    *version = 0;
    const char *exists_sql =
        store_kind(s) == STORE_SQLITE
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
              "'schema_migrations'"
            : "SELECT to_regclass('schema_migrations') IS NOT NULL";
    int rc = -1;
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, exists_sql, NULL, 0, err);
    if (!rows)
        goto cleanup;
    int exists = store_rows_int(rows, 0, 0) != 0;
    store_rows_free(rows);
    rows = NULL;
    if (exists) {
        rows =
            store_query(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0, err);
        if (!rows)
            goto cleanup;
        *version = (int)store_rows_int(rows, 0, 0);
    }
    rc = 0;

cleanup:
    store_rows_free(rows);
    store_release(s, c);
    return rc;
}
