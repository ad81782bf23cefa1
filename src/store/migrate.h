/* migrate.h - versioned schema migrations, applied at start.
 *
 * Each migration has a number, a name, and SQL for each dialect (one text when they agree).
 * Applied versions are recorded in the table schema_migrations(version, name, applied_at), so
 * running the migrator again is a no-op. Two servers starting at once against one PostgreSQL
 * are serialised by an advisory lock; on SQLite a write transaction does the same. Each
 * migration runs in its own transaction: a failing one leaves the schema at the version before. */
#ifndef LLMOPS_STORE_MIGRATE_H
#define LLMOPS_STORE_MIGRATE_H

#include "store/store.h"

typedef struct migration {
    int version; /* 1, 2, 3, ... strictly increasing */
    const char *name;
    const char *sql;          /* used for both backends unless overridden below */
    const char *sqlite_sql;   /* optional: SQLite-only text */
    const char *postgres_sql; /* optional: PostgreSQL-only text */
} migration_t;

/* Apply the pending migrations of a list. *applied (may be NULL) gets how many ran. */
int migrate_apply(store_t *s, const migration_t *list, size_t n, int *applied, err_t *err);
/* Apply llmops' own schema (the list in schema.c). */
int migrate_schema(store_t *s, int *applied, err_t *err);
/* The highest applied version (0 when none). */
int migrate_current_version(store_t *s, int *version, err_t *err);
/* The version llmops' own schema reaches when fully applied. */
int migrate_latest_version(void);

#endif
