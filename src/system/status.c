/* status.c - readiness and status of the running platform (see status.h). */
#include "system/status.h"

#include "base/clock.h"
#include "store/migrate.h"

int system_ready(app_t *app, err_t *err)
{
    return store_ping(app->store, err);
}

json_t *system_status(app_t *app, err_t *err)
{
    int version;
    if (migrate_current_version(app->store, &version, err) != 0)
        return NULL;
    const char *backend = store_kind(app->store) == STORE_SQLITE ? "sqlite" : "postgresql";
    return json_pack("{s:s, s:I, s:s, s:{s:s, s:s, s:i, s:i}}", "version", LLMOPS_VERSION,
                     "uptime_ms", (json_int_t)(clock_now_ms() - app->started_ms), "data_dir",
                     app->cfg.data_dir, "store", "backend", backend, "url",
                     store_describe(app->store), "schema_version", version, "latest_schema_version",
                     migrate_latest_version());
}
