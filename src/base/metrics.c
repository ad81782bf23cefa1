/* metrics.c - the metrics registry (see metrics.h).
 *
 * Series live in a linked list that only grows, so readers can walk it without a lock once
 * they have the head; creation is serialised by a mutex. Values are int64 atomics: counters of
 * seconds are kept in microseconds and rendered back as seconds. */
#include "base/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef enum metric_kind { METRIC_COUNTER, METRIC_GAUGE } metric_kind_t;

struct metric {
    struct metric *next;
    metric_kind_t kind;
    char *name;
    char *labels;
    const char *help;
    int is_seconds; /* value is in microseconds, rendered as seconds */
    _Atomic int64_t value;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static metric_t *_Atomic registry_head;
static metric_t *registry_tail;

static metric_t *metrics_get(metric_kind_t kind, const char *name, const char *labels,
                             const char *help)
{
    labels = labels ? labels : "";
    pthread_mutex_lock(&registry_lock);
    metric_t *m = atomic_load(&registry_head);
    for (; m; m = m->next)
        if (strcmp(m->name, name) == 0 && strcmp(m->labels, labels) == 0)
            break;
    if (!m) {
        m = xcalloc(1, sizeof *m);
        m->kind = kind;
        m->name = xstrdup(name);
        m->labels = xstrdup(labels);
        m->help = help;
        /* Keep series of one name together so the renderer writes HELP/TYPE once: insert
         * after the last series with the same name, else at the end. */
        metric_t *after = NULL;
        for (metric_t *p = atomic_load(&registry_head); p; p = p->next)
            if (strcmp(p->name, name) == 0)
                after = p;
        if (!after)
            after = registry_tail;
        if (after) {
            m->next = after->next;
            after->next = m;
            if (after == registry_tail)
                registry_tail = m;
        } else {
            atomic_store(&registry_head, m);
            registry_tail = m;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return m;
}

metric_t *metrics_counter(const char *name, const char *labels, const char *help)
{
    return metrics_get(METRIC_COUNTER, name, labels, help);
}

metric_t *metrics_gauge(const char *name, const char *labels, const char *help)
{
    return metrics_get(METRIC_GAUGE, name, labels, help);
}

void metrics_add(metric_t *m, int64_t delta)
{
    atomic_fetch_add(&m->value, delta);
}

void metrics_add_seconds(metric_t *m, double seconds)
{
    m->is_seconds = 1;
    atomic_fetch_add(&m->value, (int64_t)(seconds * 1e6));
}

int64_t metrics_value(const metric_t *m)
{
    return atomic_load(&((metric_t *)m)->value);
}

void metrics_render(buf_t *out)
{
    pthread_mutex_lock(&registry_lock); /* a consistent list; values are read atomically */
    const char *last_name = "";
    for (metric_t *m = atomic_load(&registry_head); m; m = m->next) {
        if (strcmp(m->name, last_name) != 0) {
            buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
                       m->kind == METRIC_COUNTER ? "counter" : "gauge");
            last_name = m->name;
        }
        int64_t v = atomic_load(&m->value);
        buf_append_str(out, m->name);
        if (m->labels[0])
            buf_printf(out, "{%s}", m->labels);
        if (m->is_seconds)
            buf_printf(out, " %.6f\n", (double)v / 1e6);
        else
            buf_printf(out, " %lld\n", (long long)v);
    }
    pthread_mutex_unlock(&registry_lock);
}
