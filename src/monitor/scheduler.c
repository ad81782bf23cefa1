/* scheduler.c - the alerts and retention thread (see scheduler.h). It sleeps on a condition
 * variable until the earlier of its two deadlines, so stop() ends the wait immediately. */
#include "monitor/scheduler.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "monitor/alerts.h"
#include "traces/retention.h"

struct scheduler {
    store_t *store;
    scheduler_opts_t opts;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int stopping;
};

static void *scheduler_main(void *arg)
{
    scheduler_t *s = arg;
    int64_t now = clock_mono_us() / 1000;
    int64_t next_alert = now + s->opts.alert_interval_ms;
    int64_t next_purge = now + s->opts.retention_interval_ms;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        int64_t next = INT64_MAX;
        if (s->opts.alert_interval_ms > 0)
            next = next_alert;
        if (s->opts.retention_days > 0 && next_purge < next)
            next = next_purge;
        if (next == INT64_MAX) {
            pthread_cond_wait(&s->wake, &s->mu);
            continue;
        }
        int64_t wait_ms = next - clock_mono_us() / 1000;
        if (wait_ms > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += wait_ms / 1000;
            ts.tv_nsec += (wait_ms % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&s->wake, &s->mu, &ts);
            continue; /* re-check stopping and the clock */
        }
        pthread_mutex_unlock(&s->mu);
        now = clock_mono_us() / 1000;
        err_t err;
        if (s->opts.alert_interval_ms > 0 && now >= next_alert) {
            json_t *out = alerts_evaluate(s->store, 0, NULL, &err);
            if (!out)
                log_msg(LOG_WARN, "alerts: evaluation failed: %s", err.message);
            json_decref(out);
            next_alert = clock_mono_us() / 1000 + s->opts.alert_interval_ms;
        }
        if (s->opts.retention_days > 0 && now >= next_purge) {
            retention_result_t r;
            if (traces_purge(s->store, retention_cutoff_ms(clock_now_ms(), s->opts.retention_days),
                             0, &r, &err) != 0)
                log_msg(LOG_WARN, "retention: purge failed: %s", err.message);
            next_purge = clock_mono_us() / 1000 + s->opts.retention_interval_ms;
        }
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

scheduler_t *scheduler_start(store_t *store, const scheduler_opts_t *opts, err_t *err)
{
    scheduler_t *s = xcalloc(1, sizeof *s);
    s->store = store;
    s->opts = *opts;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&s->thread, NULL, scheduler_main, s) != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->mu);
        free(s);
        err_internal(err, "cannot start the alerts and retention thread");
        return NULL;
    }
    return s;
}

void scheduler_stop(scheduler_t *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
