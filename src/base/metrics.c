/* metrics.c - the metrics registry (see metrics.h).
 *
 * Series live in a linked list that only grows, so lookups walk it without a lock (series of
 * one name are kept together for the renderer, so a new series may be linked in mid-list: its
 * next pointer is set before it is published); creation is serialised by a mutex. Integer values
 * are int64 atomics; float values (seconds, dollars, histogram sums) are doubles kept as their
 * 64-bit pattern in an atomic and updated with compare-and-swap, because C11 has no atomic add on
 * doubles. Histogram buckets are stored per bucket (not cumulative) so an observation is one atomic
 * increment; the renderer sums them into Prometheus' cumulative buckets. */
#include "base/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef enum metric_kind { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } metric_kind_t;

struct metric {
    metric_t *_Atomic next;
    metric_kind_t kind;
    char *name;
    char *labels;
    const char *help;
    _Atomic int is_float; /* the value lives in fbits */
    _Atomic int64_t value;
    _Atomic uint64_t fbits; /* a double: float value, or a histogram's sum */
    /* histograms */
    double *bounds;
    size_t nbounds;
    _Atomic uint64_t *counts; /* nbounds + 1, the last one for +Inf */
};

const double metrics_seconds_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                         1,     2.5,  5,     10,   30,  60,   120};
const size_t metrics_seconds_nbounds = sizeof metrics_seconds_bounds / sizeof(double);

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static metric_t *_Atomic registry_head;
static metric_t *registry_tail;

static double bits_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t double_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

static void float_add(_Atomic uint64_t *bits, double delta)
{
    uint64_t old = atomic_load(bits);
    while (!atomic_compare_exchange_weak(bits, &old, double_bits(bits_double(old) + delta)))
        ;
}

/* The series of name and labels, or NULL. Safe without the lock: a series is fully built
 * before it is linked in, and links are published atomically. */
static metric_t *metrics_find(const char *name, const char *labels)
{
    for (metric_t *m = atomic_load(&registry_head); m; m = atomic_load(&m->next))
        if (strcmp(m->name, name) == 0 && strcmp(m->labels, labels) == 0)
            return m;
    return NULL;
}

static metric_t *metrics_get(metric_kind_t kind, const char *name, const char *labels,
                             const char *help, const double *bounds, size_t nbounds)
{
    labels = labels ? labels : "";
    metric_t *m = metrics_find(name, labels); /* the common case: no lock */
    if (m)
        return m;
    pthread_mutex_lock(&registry_lock);
    m = metrics_find(name, labels); /* created meanwhile? */
    if (!m) {
        m = xcalloc(1, sizeof *m);
        m->kind = kind;
        m->name = xstrdup(name);
        m->labels = xstrdup(labels);
        m->help = help;
        atomic_init(&m->fbits, double_bits(0.0));
        if (kind == METRIC_HISTOGRAM) {
            m->nbounds = nbounds;
            m->bounds = xmalloc((nbounds ? nbounds : 1) * sizeof(double));
            if (nbounds)
                memcpy(m->bounds, bounds, nbounds * sizeof(double));
            m->counts = xcalloc(nbounds + 1, sizeof *m->counts);
        }
        /* Keep series of one name together so the renderer writes HELP/TYPE once: insert
         * after the last series with the same name, else at the end. */
        metric_t *after = NULL;
        for (metric_t *p = atomic_load(&registry_head); p; p = atomic_load(&p->next))
            if (strcmp(p->name, name) == 0)
                after = p;
        if (!after)
            after = registry_tail;
        if (after) {
            atomic_store(&m->next, atomic_load(&after->next));
            atomic_store(&after->next, m);
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
    return metrics_get(METRIC_COUNTER, name, labels, help, NULL, 0);
}

metric_t *metrics_gauge(const char *name, const char *labels, const char *help)
{
    return metrics_get(METRIC_GAUGE, name, labels, help, NULL, 0);
}

metric_t *metrics_histogram(const char *name, const char *labels, const char *help,
                            const double *bounds, size_t nbounds)
{
    return metrics_get(METRIC_HISTOGRAM, name, labels, help, bounds, nbounds);
}

void metrics_add(metric_t *m, int64_t delta)
{
    atomic_fetch_add(&m->value, delta);
}

void metrics_set(metric_t *m, int64_t value)
{
    atomic_store(&m->value, value);
}

void metrics_add_float(metric_t *m, double delta)
{
    if (!atomic_load(&m->is_float))
        atomic_store(&m->is_float, 1);
    float_add(&m->fbits, delta);
}

void metrics_add_seconds(metric_t *m, double seconds)
{
    metrics_add_float(m, seconds);
}

void metrics_observe(metric_t *m, double value)
{
    if (m->kind != METRIC_HISTOGRAM || isnan(value))
        return;
    size_t i = 0;
    while (i < m->nbounds && value > m->bounds[i]) /* le: a bucket holds values <= its bound */
        i++;
    atomic_fetch_add(&m->counts[i], 1);
    float_add(&m->fbits, value);
}

double metrics_value_float(const metric_t *m)
{
    metric_t *mm = (metric_t *)m;
    if (m->kind == METRIC_HISTOGRAM || atomic_load(&mm->is_float))
        return bits_double(atomic_load(&mm->fbits)) + (double)atomic_load(&mm->value);
    return (double)atomic_load(&mm->value);
}

int64_t metrics_value(const metric_t *m)
{
    metric_t *mm = (metric_t *)m;
    if (atomic_load(&mm->is_float))
        return (int64_t)metrics_value_float(m);
    return atomic_load(&mm->value);
}

uint64_t metrics_hist_count(const metric_t *m)
{
    uint64_t total = 0;
    for (size_t i = 0; m->kind == METRIC_HISTOGRAM && i <= m->nbounds; i++)
        total += atomic_load(&((metric_t *)m)->counts[i]);
    return total;
}

void metrics_label(char *out, size_t size, const char *key, const char *value)
{
    size_t len = strlen(out);
    size_t klen = strlen(key);
    /* room for [,]key="" and the NUL */
    if (len + klen + 5 > size)
        return;
    char *p = out + len;
    if (len)
        *p++ = ',';
    memcpy(p, key, klen);
    p += klen;
    *p++ = '=';
    *p++ = '"';
    char *end = out + size - 2; /* keep room for the closing quote and the NUL */
    for (const char *v = value ? value : ""; *v; v++) {
        const char *esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
        size_t n = esc ? 2 : 1;
        if (p + n > end)
            break;
        if (esc) {
            memcpy(p, esc, 2);
        } else {
            *p = *v;
        }
        p += n;
    }
    *p++ = '"';
    *p = '\0';
}

static void render_float(buf_t *out, double v)
{
    if (isinf(v))
        buf_append_str(out, v > 0 ? "+Inf" : "-Inf");
    else if (isnan(v))
        buf_append_str(out, "NaN");
    else
        buf_printf(out, "%.15g", v);
}

static void render_histogram(buf_t *out, metric_t *m)
{
    const char *sep = m->labels[0] ? "," : "";
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= m->nbounds; i++) {
        cumulative += atomic_load(&m->counts[i]);
        buf_printf(out, "%s_bucket{%s%sle=\"", m->name, m->labels, sep);
        if (i < m->nbounds)
            render_float(out, m->bounds[i]);
        else
            buf_append_str(out, "+Inf");
        buf_printf(out, "\"} %llu\n", (unsigned long long)cumulative);
    }
    const char *open = m->labels[0] ? "{" : "", *close = m->labels[0] ? "}" : "";
    buf_printf(out, "%s_sum%s%s%s ", m->name, open, m->labels, close);
    render_float(out, bits_double(atomic_load(&m->fbits)));
    /* the count is the +Inf bucket, so the two agree even while observations race the scrape */
    buf_printf(out, "\n%s_count%s%s%s %llu\n", m->name, open, m->labels, close,
               (unsigned long long)cumulative);
}

void metrics_render(buf_t *out)
{
    static const char *const type_names[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&registry_lock); /* a consistent list; values are read atomically */
    const char *last_name = "";
    for (metric_t *m = atomic_load(&registry_head); m; m = atomic_load(&m->next)) {
        if (strcmp(m->name, last_name) != 0) {
            buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
                       type_names[m->kind]);
            last_name = m->name;
        }
        if (m->kind == METRIC_HISTOGRAM) {
            render_histogram(out, m);
            continue;
        }
        buf_append_str(out, m->name);
        if (m->labels[0])
            buf_printf(out, "{%s}", m->labels);
        buf_append_str(out, " ");
        if (atomic_load(&m->is_float))
            render_float(out, metrics_value_float(m));
        else
            buf_printf(out, "%lld", (long long)atomic_load(&m->value));
        buf_append_str(out, "\n");
    }
    pthread_mutex_unlock(&registry_lock);
}
