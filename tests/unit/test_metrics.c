/* test_metrics.c - unit tests for the metrics registry (base/metrics.h): counters and gauges,
 * float counters, histograms (bucket placement at and between bounds, cumulative rendering,
 * _sum/_count, +Inf), HELP/TYPE written once per name with many label sets, label escaping,
 * and observations from several threads adding up exactly. */
#include "unit/testutil.h"

#include <pthread.h>

#include "base/metrics.h"

static char *render(void)
{
    buf_t b;
    buf_init(&b);
    metrics_render(&b);
    return buf_steal(&b);
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void counter_gauge_and_float(void **state)
{
    (void)state;
    metric_t *c = metrics_counter("t_plain_total", "", "a counter");
    metric_t *g = metrics_gauge("t_gauge", "", "a gauge");
    metric_t *f = metrics_counter("t_float_total", "", "a float counter");
    metrics_add(c, 3);
    metrics_add(g, 5);
    metrics_add(g, -2);
    metrics_add_float(f, 0.25);
    metrics_add_float(f, 0.0000003); /* below a micro-unit: must not be lost */
    assert_int_equal(metrics_value(c), 3);
    assert_int_equal(metrics_value(g), 3);
    assert_float_equal(metrics_value_float(f), 0.2500003, 1e-12);
    assert_ptr_equal(metrics_counter("t_plain_total", "", "a counter"), c);
    char *text = render();
    assert_non_null(strstr(text, "# TYPE t_plain_total counter\nt_plain_total 3\n"));
    assert_non_null(strstr(text, "# TYPE t_gauge gauge\nt_gauge 3\n"));
    assert_non_null(strstr(text, "\nt_float_total 0.2500003\n"));
    free(text);
}

static void histogram_buckets_sum_count(void **state)
{
    (void)state;
    const double bounds[] = {0.1, 1, 10};
    metric_t *h = metrics_histogram("t_latency_seconds", "endpoint=\"a\"", "latency", bounds, 3);
    metrics_observe(h, 0.05); /* first bucket */
    metrics_observe(h, 0.1);  /* exactly a bound: le, so still the first */
    metrics_observe(h, 0.5);
    metrics_observe(h, 20); /* only +Inf */
    assert_int_equal(metrics_hist_count(h), 4);
    assert_float_equal(metrics_value_float(h), 20.65, 1e-9);
    char *text = render();
    assert_non_null(strstr(text, "# TYPE t_latency_seconds histogram\n"
                                 "t_latency_seconds_bucket{endpoint=\"a\",le=\"0.1\"} 2\n"
                                 "t_latency_seconds_bucket{endpoint=\"a\",le=\"1\"} 3\n"
                                 "t_latency_seconds_bucket{endpoint=\"a\",le=\"10\"} 3\n"
                                 "t_latency_seconds_bucket{endpoint=\"a\",le=\"+Inf\"} 4\n"
                                 "t_latency_seconds_sum{endpoint=\"a\"} 20.65\n"
                                 "t_latency_seconds_count{endpoint=\"a\"} 4\n"));
    free(text);

    metric_t *bare = metrics_histogram("t_bare_seconds", "", "no labels", bounds, 3);
    metrics_observe(bare, 2);
    text = render();
    assert_non_null(strstr(text, "t_bare_seconds_bucket{le=\"1\"} 0\n"
                                 "t_bare_seconds_bucket{le=\"10\"} 1\n"));
    assert_non_null(strstr(text, "\nt_bare_seconds_sum 2\nt_bare_seconds_count 1\n"));
    free(text);
}

static void help_and_type_once_per_name(void **state)
{
    (void)state;
    const double bounds[] = {1};
    /* interleave the creation of two names' series: each name must still render as a block */
    metrics_counter("t_multi_total", "k=\"1\"", "multi");
    metrics_histogram("t_multi_seconds", "k=\"1\"", "multi h", bounds, 1);
    metrics_counter("t_multi_total", "k=\"2\"", "multi");
    metrics_histogram("t_multi_seconds", "k=\"2\"", "multi h", bounds, 1);
    metrics_counter("t_multi_total", "k=\"3\"", "multi");
    char *text = render();
    assert_int_equal(count_of(text, "# TYPE t_multi_total counter\n"), 1);
    assert_int_equal(count_of(text, "# HELP t_multi_total multi\n"), 1);
    assert_int_equal(count_of(text, "# TYPE t_multi_seconds histogram\n"), 1);
    assert_non_null(strstr(text, "t_multi_total{k=\"1\"} 0\nt_multi_total{k=\"2\"} 0\n"
                                 "t_multi_total{k=\"3\"} 0\n"));
    free(text);
}

static void labels_are_escaped(void **state)
{
    (void)state;
    char labels[128] = "";
    metrics_label(labels, sizeof labels, "endpoint", "a\"b\\c\nd");
    metrics_label(labels, sizeof labels, "code", "200");
    assert_string_equal(labels, "endpoint=\"a\\\"b\\\\c\\nd\",code=\"200\"");

    /* too long: cut at a whole character, never mid-escape, and the quote is closed */
    char small[16] = "";
    metrics_label(small, sizeof small, "k", "\"\"\"\"\"\"\"\"\"\"");
    assert_string_equal(small, "k=\"\\\"\\\"\\\"\\\"\\\"\"");
    assert_true(strlen(small) < sizeof small);
    char tiny[4] = "";
    metrics_label(tiny, sizeof tiny, "key", "v"); /* no room at all: left empty */
    assert_string_equal(tiny, "");
}

static metric_t *shared_hist, *shared_float;

static void *observer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        metrics_observe(shared_hist, 0.5);
        metrics_add_float(shared_float, 0.5);
    }
    return NULL;
}

static void concurrent_observations_add_up(void **state)
{
    (void)state;
    const double bounds[] = {1};
    shared_hist = metrics_histogram("t_conc_seconds", "", "conc", bounds, 1);
    shared_float = metrics_counter("t_conc_float_total", "", "conc");
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, observer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(metrics_hist_count(shared_hist), 80000);
    assert_float_equal(metrics_value_float(shared_hist), 40000.0, 1e-9);
    assert_float_equal(metrics_value_float(shared_float), 40000.0, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counter_gauge_and_float),
        cmocka_unit_test(histogram_buckets_sum_count),
        cmocka_unit_test(help_and_type_once_per_name),
        cmocka_unit_test(labels_are_escaped),
        cmocka_unit_test(concurrent_observations_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
