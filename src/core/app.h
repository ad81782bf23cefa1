/* app.h - the running platform: configuration plus the resources every service needs (store,
 * blobs). The server and the in-process CLI both open one with app_open(), so a command gets
 * the same services whether it runs inside `llmops server` or on a local data directory. */
#ifndef LLMOPS_CORE_APP_H
#define LLMOPS_CORE_APP_H

#include "base/config.h"
#include "base/error.h"
#include "blobs/blobs.h"
#include "store/store.h"

struct trace_sink;

typedef struct app {
    config_t cfg;
    store_t *store;
    blobs_t *blobs;
    int64_t started_ms;
    /* Set only in `llmops server` (core/runtime.h); NULL when the CLI works in-process. */
    struct gateway *gateway;
    /* Where the gateway submits traces: started by `llmops server` after app_open and stopped
     * after the HTTP server, so in-flight requests' traces are kept. NULL in the in-process
     * CLI, which serves no gateway calls. */
    struct trace_sink *traces;
    /* The gateway's configuration snapshot (gateway/gateway_config.h) when this process runs
     * the gateway (the server); NULL in the CLI's in-process mode. Admin routes reload it after
     * a change. */
    struct gateway_config_src *gateway_config;
    /* The evaluation service (eval/evaluations.h), made on first use; stopped (its runs
     * interrupted) by runtime_stop() before the gateway goes, or by app_close(). */
    struct evals *evals;
} app_t;

/* Create the data directory, open the store (migrating its schema) and the blob store.
 * On failure everything opened so far is closed and err says why. */
int app_open(app_t *app, const config_t *cfg, err_t *err);
void app_close(app_t *app);

#endif
