/* app.c - opening and closing the platform's shared resources (see app.h). */
#include "core/app.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/log.h"
#include "eval/evaluations.h"
#include "store/migrate.h"

/* mkdir -p for the data directory. */
static int make_dirs(const char *path, err_t *err)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return err_internal(err, "cannot create directory %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return err_internal(err, "cannot create data directory %s: %s", tmp, strerror(errno));
    return 0;
}

int app_open(app_t *app, const config_t *cfg, err_t *err)
{
    memset(app, 0, sizeof *app);
    app->cfg = *cfg;
    app->started_ms = clock_now_ms();
    if (make_dirs(cfg->data_dir, err) != 0)
        return -1;

    char url[1100];
    config_store_url(cfg, url, sizeof url);
    if (store_open(url, cfg->threads, &app->store, err) != 0)
        return -1;
    int applied = 0;
    if (migrate_schema(app->store, &applied, err) != 0)
        goto fail;
    if (applied > 0)
        log_json(LOG_INFO, "schema migrated",
                 json_pack("{s:i, s:i}", "applied", applied, "version", migrate_latest_version()));

    char blob_dir[1100];
    snprintf(blob_dir, sizeof blob_dir, "%s/blobs", cfg->data_dir);
    if (blobs_open_local(blob_dir, &app->blobs, err) != 0)
        goto fail;
    return 0;
fail:
    app_close(app);
    return -1;
}

void app_close(app_t *app)
{
    evals_shutdown(app); /* first: its runs write to the store */
    if (app->blobs)
        blobs_close(app->blobs);
    if (app->store)
        store_close(app->store);
    app->blobs = NULL;
    app->store = NULL;
}
