/* test_monitor_drift.c - unit tests for monitor/drift.h and monitor/window.h.
 *
 * The statistics against values computed by hand from their definitions: the KS statistic of
 * small samples (ties included) and its asymptotic p-value, the two-proportion z-test, the
 * Jensen-Shannon divergence; refusal phrases and character counts. Then, on a real store
 * (SQLite, and PostgreSQL when configured), a drift that must be detected (longer inputs on
 * another topic, more refusals, less feedback) and one that must not (both windows drawn from
 * the same distribution), and bad windows. Also the time and range parsers. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <math.h>

#include "monitor/drift.h"
#include "monitor/window.h"
#include "store/migrate.h"

typedef test_store_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = *state;
    test_store_exec(f->store, "DELETE FROM traces");
    test_store_exec(f->store, "DELETE FROM scores");
    return 0;
}

/* ---- statistics ----------------------------------------------------------------------------- */

static void ks_known_values(void **state)
{
    (void)state;
    /* F_a - F_b at 1..5: .2, .4, .6-1/6, .8-2/6, 1-3/6 -> D = 0.5 */
    double a[] = {5, 3, 1, 4, 2}, b[] = {8, 3, 4, 5, 6, 7};
    double d = mon_ks_statistic(a, 5, b, 6);
    assert_true(fabs(d - 0.5) < 1e-12);
    assert_true(a[0] == 1 && a[4] == 5); /* sorted in place */
    /* ne = 30/11, lambda = (sqrt(ne) + 0.12 + 0.11/sqrt(ne)) * 0.5 = 0.919027,
     * Q = 2 (e^-2l^2 - e^-8l^2 + e^-18l^2) = 0.367001 */
    assert_true(fabs(mon_ks_pvalue(d, 5, 6) - 0.3670014) < 1e-6);

    /* 0..99 against 30..129: D = 0.30, ne = 50, lambda = 2.1544, p = 1.7421e-4 */
    double x[100], y[100];
    for (int i = 0; i < 100; i++) {
        x[i] = i;
        y[i] = i + 30;
    }
    d = mon_ks_statistic(x, 100, y, 100);
    assert_true(fabs(d - 0.3) < 1e-12);
    assert_true(fabs(mon_ks_pvalue(d, 100, 100) - 1.7421323e-4) < 1e-9);

    /* ties across samples move both CDFs together: identical samples give D = 0, p = 1 */
    double t1[] = {1, 1, 2, 2}, t2[] = {2, 1, 2, 1};
    assert_true(mon_ks_statistic(t1, 4, t2, 4) == 0);
    assert_true(mon_ks_pvalue(0, 4, 4) == 1);
    /* disjoint samples: D = 1 */
    double u1[] = {1, 2}, u2[] = {3, 4, 5};
    assert_true(mon_ks_statistic(u1, 2, u2, 3) == 1);
    /* empty */
    assert_true(isnan(mon_ks_statistic(u1, 2, u2, 0)));
    assert_true(isnan(mon_ks_pvalue(NAN, 2, 0)));
}

static void two_proportion_known_values(void **state)
{
    (void)state;
    double z, p;
    /* 10/100 vs 30/100: pooled 0.2, se = sqrt(0.2*0.8*0.02) = 0.056569, z = 3.535534,
     * p = erfc(2.5) = 4.06952e-4 */
    mon_two_proportion_z(10, 100, 30, 100, &z, &p);
    assert_true(fabs(z - 3.5355339) < 1e-6);
    assert_true(fabs(p - 4.0695202e-4) < 1e-10);
    mon_two_proportion_z(30, 100, 10, 100, &z, &p);
    assert_true(fabs(z + 3.5355339) < 1e-6);
    /* same rate: z 0, p 1 */
    mon_two_proportion_z(5, 50, 10, 100, &z, &p);
    assert_true(fabs(z) < 1e-12 && fabs(p - 1) < 1e-12);
    /* all zero: nothing to test */
    mon_two_proportion_z(0, 50, 0, 100, &z, &p);
    assert_true(z == 0 && p == 1);
    mon_two_proportion_z(0, 0, 1, 10, &z, &p);
    assert_true(isnan(z) && isnan(p));
}

static void js_known_values(void **state)
{
    (void)state;
    double p1[] = {1, 0}, q1[] = {0, 1};
    assert_true(fabs(mon_js_divergence(p1, q1, 2) - 1) < 1e-12);
    /* (.5,.5) vs (1,0): m = (.75,.25); 0.5 * (0.5 log2(2/3) + 0.5 log2 2) + 0.5 log2(4/3)
     * = 0.311278 */
    double p2[] = {5, 5}, q2[] = {3, 0};
    assert_true(fabs(mon_js_divergence(p2, q2, 2) - 0.3112781) < 1e-6);
    double p3[] = {2, 4, 6}, q3[] = {1, 2, 3};
    assert_true(fabs(mon_js_divergence(p3, q3, 3)) < 1e-12);
    double z[] = {0, 0};
    assert_true(isnan(mon_js_divergence(z, p2, 2)));
}

static void refusals_and_chars(void **state)
{
    (void)state;
    assert_true(mon_is_refusal("I'm SORRY, but I can't help with that."));
    assert_true(mon_is_refusal("As an AI language model, ..."));
    assert_true(mon_is_refusal("Well. I cannot do this."));
    assert_true(mon_is_refusal("I can\xe2\x80\x99t share that")); /* typographic apostrophe */
    assert_true(mon_is_refusal("i am unable to comply"));
    assert_false(mon_is_refusal("Sure, here is the summary you asked for."));
    assert_false(mon_is_refusal("The cannot-fail test"));
    assert_false(mon_is_refusal(NULL));
    assert_int_equal(mon_utf8_chars("h\xc3\xa9llo"), 5);
    assert_int_equal(mon_utf8_chars("\xe2\x82\xac 1"), 3);
    assert_int_equal(mon_utf8_chars(""), 0);
}

static void time_parsing(void **state)
{
    (void)state;
    int64_t now = 1700000000000LL, v, from, to;
    err_t err;
    assert_int_equal(mon_time_parse("1699999999999", "since", now, &v, &err), 0);
    assert_true(v == 1699999999999LL);
    assert_int_equal(mon_time_parse("24h", "since", now, &v, &err), 0);
    assert_true(v == now - 86400000LL);
    assert_int_equal(mon_time_parse("7d", "since", now, &v, &err), 0);
    assert_true(v == now - 7 * 86400000LL);
    assert_int_equal(mon_time_parse("90s", "since", now, &v, &err), 0);
    assert_true(v == now - 90000);
    assert_int_equal(mon_time_parse("15m", "since", now, &v, &err), 0);
    assert_true(v == now - 900000);
    assert_int_equal(mon_time_parse("2w", "since", now, &v, &err), 0);
    assert_true(v == now - 14 * 86400000LL);
    assert_int_equal(mon_time_parse("3y", "since", now, &v, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "since");
    assert_int_equal(mon_time_parse("-5", "until", now, &v, &err), -1);
    assert_string_equal(err.field, "until");
    assert_int_equal(mon_time_parse("", "until", now, &v, &err), -1);
    assert_int_equal(mon_time_parse("100000d", "since", now, &v, &err), -1);
    assert_int_equal(mon_range_parse("7d..1d", "baseline", now, &from, &to, &err), 0);
    assert_true(from == now - 7 * 86400000LL && to == now - 86400000LL);
    assert_int_equal(mon_range_parse("1d..7d", "baseline", now, &from, &to, &err), -1);
    assert_string_equal(err.field, "baseline");
    assert_int_equal(mon_range_parse("7d", "baseline", now, &from, &to, &err), -1);
    assert_int_equal(mon_range_parse("7d..x", "baseline", now, &from, &to, &err), -1);
}

/* ---- scenarios on a store ------------------------------------------------------------------- */

#define BASE_MS (19675LL * 86400000LL)
#define DAY_MS  86400000LL

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}

static const char *const WEATHER[] = {"weather", "forecast",    "rain",
                                      "sunny",   "temperature", "wind"};
static const char *const BILLING[] = {"refund", "invoice", "billing",
                                      "charge", "payment", "subscription"};

/* n traces in [start, start + 1 day): inputs of words_min..+5 words from topic, a refusal with
 * probability refusal_pct, a human score with probability fb_pct (positive 70%). */
static void add_traces(fixture_t *f, const char *prefix, int n, int64_t start,
                       const char *const *topic, int words_min, int refusal_pct, int fb_pct)
{
    store_conn_t *c = store_acquire(f->store);
    err_t err;
    assert_int_equal(store_begin(c, &err), 0);
    for (int i = 0; i < n; i++) {
        char id[48], input[1024] = "Please tell me about", output[256];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        int words = words_min + (int)rnd(6);
        for (int w = 0; w < words; w++) {
            size_t len = strlen(input);
            snprintf(input + len, sizeof input - len, " %s", topic[rnd(6)]);
        }
        if ((int)rnd(100) < refusal_pct)
            snprintf(output, sizeof output, "I'm sorry, but I cannot help with that.");
        else
            snprintf(output, sizeof output, "Here is what I found: %u results.", rnd(1000));
        store_value_t p[] = {sv_text(id),
                             sv_int(start + (int64_t)rnd(86400) * 1000),
                             sv_text(input),
                             sv_text(output),
                             sv_int(words * 2 + (int)rnd(4)),
                             sv_int(10 + (int)rnd(20))};
        assert_true(store_exec(c,
                               "INSERT INTO traces (trace_id, start_ms, name, status, input, "
                               "output, input_tokens, output_tokens, endpoint, model, data) "
                               "VALUES (?, ?, 'chat', 'ok', ?, ?, ?, ?, 'chat', 'm', '{}')",
                               p, 6, &err) >= 0);
        if ((int)rnd(100) < fb_pct) {
            char sid[64];
            snprintf(sid, sizeof sid, "s-%s", id);
            store_value_t s[] = {sv_text(sid), sv_text(id), sv_int(rnd(10) < 7)};
            assert_true(store_exec(c,
                                   "INSERT INTO scores (id, trace_id, name, data_type, value, "
                                   "source, created_ms) VALUES (?, ?, 'thumbs', 'boolean', ?, "
                                   "'human', 0)",
                                   s, 3, &err) >= 0);
        }
    }
    assert_int_equal(store_commit(c, &err), 0);
    store_release(f->store, c);
}

static json_t *drift(fixture_t *f, const char *endpoint)
{
    mon_drift_query_t q = {.baseline_since_ms = BASE_MS - DAY_MS,
                           .baseline_until_ms = BASE_MS,
                           .since_ms = BASE_MS,
                           .until_ms = BASE_MS + DAY_MS,
                           .endpoint = endpoint};
    err_t err;
    json_t *out = monitor_drift(f->store, &q, &err);
    if (!out)
        fail_msg("monitor_drift: %s", err.message);
    return out;
}

static json_t *metric(json_t *report, const char *name)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(report, "metrics"), i, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "metric")), name) == 0)
            return m;
    }
    fail_msg("no metric %s", name);
    return NULL;
}

static int moved(json_t *report, const char *name)
{
    return json_is_true(json_object_get(metric(report, name), "moved"));
}

static void drift_detected(void **state)
{
    fixture_t *f = *state;
    rng_state = 7;
    add_traces(f, "b", 300, BASE_MS - DAY_MS, WEATHER, 3, 2, 50);
    add_traces(f, "c", 300, BASE_MS, BILLING, 12, 30, 10);
    json_t *r = drift(f, NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "baseline"), "traces")),
                     300);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "current"), "traces")),
                     300);
    assert_true(moved(r, "input_chars"));
    assert_true(moved(r, "input_tokens"));
    assert_true(moved(r, "refusal_rate"));
    assert_true(moved(r, "feedback_rate"));
    assert_true(moved(r, "topic_mix"));
    assert_false(moved(r, "output_tokens")); /* same distribution on both sides */
    json_t *ic = metric(r, "input_chars");
    assert_true(json_real_value(json_object_get(ic, "change")) > 0.5);
    assert_true(json_real_value(json_object_get(ic, "statistic")) > 0.9);
    assert_true(json_real_value(json_object_get(ic, "p_value")) < 1e-6);
    json_t *refusal = metric(r, "refusal_rate");
    assert_true(json_real_value(json_object_get(json_object_get(refusal, "current"), "rate")) >
                0.2);
    json_t *topic = metric(r, "topic_mix");
    assert_true(json_real_value(json_object_get(topic, "statistic")) > 0.9);
    /* the billing words rose, the weather words fell */
    json_t *rising = json_object_get(topic, "rising"), *falling = json_object_get(topic, "falling");
    assert_int_equal(json_array_size(rising), 6);
    assert_int_equal(json_array_size(falling), 6);
    const char *top = json_string_value(json_object_get(json_array_get(rising, 0), "term"));
    int billing = 0;
    for (int k = 0; k < 6; k++)
        billing |= strcmp(top, BILLING[k]) == 0;
    assert_true(billing);
    json_decref(r);

    /* an endpoint with no traffic: nothing to compare, nothing moved */
    r = drift(f, "nowhere");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(r, "metrics"), i, m)
    {
        assert_false(json_is_true(json_object_get(m, "moved")));
        assert_true(json_is_null(json_object_get(m, "p_value")));
    }
    json_decref(r);
}

static void no_drift_between_like_windows(void **state)
{
    fixture_t *f = *state;
    rng_state = 11;
    add_traces(f, "b", 300, BASE_MS - DAY_MS, WEATHER, 3, 5, 30);
    add_traces(f, "c", 300, BASE_MS, WEATHER, 3, 5, 30);
    json_t *r = drift(f, "chat");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(r, "metrics"), i, m)
    {
        if (json_is_true(json_object_get(m, "moved")))
            fail_msg("%s moved", json_string_value(json_object_get(m, "metric")));
    }
    assert_true(json_real_value(json_object_get(metric(r, "topic_mix"), "statistic")) < 0.05);
    json_decref(r);
}

static void bad_windows(void **state)
{
    fixture_t *f = *state;
    mon_drift_query_t q = {
        .baseline_since_ms = 10, .baseline_until_ms = 10, .since_ms = 0, .until_ms = 5};
    err_t err;
    assert_null(monitor_drift(f->store, &q, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "baseline_since");
    q.baseline_until_ms = 20;
    q.since_ms = 6;
    assert_null(monitor_drift(f->store, &q, &err));
    assert_string_equal(err.field, "since");
}

#define T(fn)                                                                                      \
    {                                                                                              \
        .name = #fn, .test_func = fn, .setup_func = setup                                          \
    }

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(ks_known_values), cmocka_unit_test(two_proportion_known_values),
        cmocka_unit_test(js_known_values), cmocka_unit_test(refusals_and_chars),
        cmocka_unit_test(time_parsing),
    };
    int failed = cmocka_run_group_tests_name("monitor drift statistics", pure, NULL, NULL);
    const struct CMUnitTest tests[] = {
        T(drift_detected),
        T(no_drift_between_like_windows),
        T(bad_windows),
    };
    return failed + test_store_run_groups(tests, sizeof tests / sizeof tests[0], "monitor drift");
}
