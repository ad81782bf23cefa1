/* runtime.c - start and stop the server's long-running parts (see runtime.h). */
#include "core/runtime.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "eval/evaluations.h"
#include "gateway/file_endpoints.h"
#include "gateway/gateway.h"
#include "gateway/gateway_config.h"
#include "monitor/scheduler.h"
#include "traces/trace_sink.h"

/* The alerts and retention thread; one server per process, so one scheduler. */
static scheduler_t *scheduler;

/* The trace writer, the configuration snapshot and the gateway: what in-process callers of the
 * gateway need (runtime_gateway), and the server's first half. */
static int start_gateway(app_t *app, err_t *err)
{
    /* The threads started here inherit this mask: SIGTERM and SIGINT must reach only the
     * server's sigwait(), which shuts down in order, never kill a worker thread's process. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    const config_t *cfg = &app->cfg;
    char spool[1200];
    if (cfg->trace_spool_dir[0])
        snprintf(spool, sizeof spool, "%s", cfg->trace_spool_dir);
    else
        snprintf(spool, sizeof spool, "%s/spool", cfg->data_dir);
    trace_sink_opts_t topts = {
        .spool_dir = spool, .queue_max = cfg->trace_queue_max, .flush_ms = cfg->trace_flush_ms};
    app->traces = trace_sink_start(app->store, &topts, err);
    if (!app->traces)
        return -1;

    json_t *file_endpoints = NULL;
    if (cfg->config_file[0] &&
        gateway_file_endpoints(cfg->config_file, &file_endpoints, err) != 0) {
        runtime_stop(app);
        return -1;
    }
    app->gateway_config =
        gateway_config_start(app->store, file_endpoints, cfg->gateway_refresh_ms, err);
    json_decref(file_endpoints);
    if (!app->gateway_config) {
        runtime_stop(app);
        return -1;
    }
    gateway_opts_t gopts = {.require_key = cfg->gateway_require_key,
                            .cache_max_bytes = cfg->gateway_cache_max_bytes,
                            .redis_url = cfg->redis_url};
    app->gateway = gateway_start(app->gateway_config, app->traces, &gopts, err);
    if (!app->gateway) {
        runtime_stop(app);
        return -1;
    }
    return 0;
}

int runtime_start(app_t *app, err_t *err)
{
    if (start_gateway(app, err) != 0)
        return -1;
    const config_t *cfg = &app->cfg;
    scheduler_opts_t sopts = {.alert_interval_ms = cfg->alert_interval_ms,
                              .retention_days = cfg->trace_retention_days,
                              .retention_interval_ms = cfg->retention_interval_ms};
    scheduler = scheduler_start(app->store, &sopts, err);
    if (!scheduler) {
        runtime_stop(app);
        return -1;
    }
    return 0;
}

void runtime_stop(app_t *app)
{
    evals_shutdown(app);       /* evaluations under way call the gateway: they end first */
    scheduler_stop(scheduler); /* first: an evaluation under way ends before the store goes */
    scheduler = NULL;
    gateway_stop(app->gateway); /* calls still running end, and are traced, here */
    app->gateway = NULL;
    if (app->gateway_config)
        gateway_config_stop(app->gateway_config);
    app->gateway_config = NULL;
    trace_sink_stop(app->traces); /* last: everything queued reaches the spool and store */
    app->traces = NULL;
}

struct gateway *runtime_gateway(app_t *app, err_t *err)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (!app->gateway) {
        /* Only the gateway's half: a CLI command does not evaluate alerts or prune traces.
         * start_gateway blocks SIGINT/SIGTERM for the threads it starts, meant for the
         * server's sigwait(); a CLI command keeps its own mask. */
        sigset_t old;
        pthread_sigmask(SIG_SETMASK, NULL, &old);
        if (start_gateway(app, err) == 0)
            app->own_runtime = 1;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    struct gateway *g = app->gateway;
    pthread_mutex_unlock(&mu);
    return g;
}
