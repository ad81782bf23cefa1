/* scrape.c - gauges sampled when /metrics is read (see scrape.h). */
#include "system/scrape.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/metrics.h"
#include "traces/trace_sink.h"

/* The spool's segment files: their count and total bytes. A missing directory is empty. */
static void spool_usage(const char *dir, int64_t *segments, int64_t *bytes)
{
    *segments = *bytes = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".seg") != 0)
            continue;
        char path[2400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0) {
            (*segments)++;
            *bytes += (int64_t)st.st_size;
        }
    }
    closedir(d);
}

static metric_t *queued, *seg_count, *seg_bytes;
static pthread_once_t gauges_once = PTHREAD_ONCE_INIT;

static void gauges_create(void)
{
    queued = metrics_gauge("llmops_traces_queue_depth", "",
                           "trace records waiting in the writer's memory queue");
    seg_count = metrics_gauge("llmops_traces_spool_segments", "",
                              "segment files in the trace spool directory");
    seg_bytes = metrics_gauge("llmops_traces_spool_bytes", "",
                              "bytes of the trace spool's segment files on disk");
}

void system_scrape_refresh(app_t *app)
{
    pthread_once(&gauges_once, gauges_create);
    trace_sink_stats_t st;
    trace_sink_stats(app->traces, &st);
    metrics_set(queued, st.queued);
    char dir[1200];
    if (app->cfg.trace_spool_dir[0])
        snprintf(dir, sizeof dir, "%s", app->cfg.trace_spool_dir);
    else
        snprintf(dir, sizeof dir, "%s/spool", app->cfg.data_dir);
    int64_t segments, bytes;
    spool_usage(dir, &segments, &bytes);
    metrics_set(seg_count, segments);
    metrics_set(seg_bytes, bytes);
}
