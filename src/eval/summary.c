/* summary.c - an evaluation's metrics from its rows (summary.h). */
#include "eval/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "eval/stats.h"

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *eval_summary(const json_t *rows, const json_t *scorers)
{
    size_t n = json_array_size(rows);
    double *values = xmalloc((n ? n : 1) * sizeof *values);
    json_t *out = json_object();
    size_t si;
    json_t *scorer;
    json_array_foreach(scorers, si, scorer)
    {
        const char *name = json_string_value(json_object_get(scorer, "name"));
        if (!name)
            continue;
        size_t k = 0, passes = 0;
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            json_t *score = json_object_get(json_object_get(row, "scores"), name);
            json_t *value = json_object_get(score, "value");
            if (!json_is_number(value))
                continue;
            values[k++] = json_number_value(value);
            passes += json_is_true(json_object_get(score, "pass"));
        }
        stats_interval_t ci =
            stats_bootstrap_mean(values, k, STATS_DEFAULT_RESAMPLES, STATS_DEFAULT_SEED);
        json_object_set_new(out, name,
                            json_pack("{s:o, s:o, s:o, s:o, s:I}", "mean", num(ci.mean), "ci_low",
                                      num(ci.ci_low), "ci_high", num(ci.ci_high), "pass_rate",
                                      k ? json_real((double)passes / (double)k) : json_null(), "n",
                                      (json_int_t)k));
    }
    size_t passed = 0, errors = 0, nlat = 0;
    double cost = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        passed += json_is_true(json_object_get(row, "passed"));
        int failed = !json_is_null(json_object_get(row, "error"));
        errors += failed;
        cost += json_number_value(json_object_get(row, "cost_usd"));
        json_t *lat = json_object_get(row, "latency_ms");
        /* Latency is the model call's: rows whose call failed or was a cache hit say nothing
         * about it. */
        if (!failed && json_is_number(lat) && !json_is_true(json_object_get(row, "cached")))
            values[nlat++] = json_number_value(lat);
    }
    double p50 = stats_percentile(values, nlat, 50);
    double p95 = stats_percentile(values, nlat, 95);
    json_object_set_new(out, "pass_rate", n ? json_real((double)passed / (double)n) : json_null());
    json_object_set_new(out, "error_rate", n ? json_real((double)errors / (double)n) : json_null());
    json_object_set_new(out, "latency_p50", num(p50));
    json_object_set_new(out, "latency_p95", num(p95));
    json_object_set_new(out, "cost", n ? json_real(cost / (double)n) : json_null());
    json_object_set_new(out, "cost_total", json_real(cost));
    json_object_set_new(out, "rows", json_integer((json_int_t)n));
    free(values);
    return out;
}

static void add(json_t *list, const char *key, const json_t *value)
{
    if (json_is_number(value))
        json_array_append_new(
            list, json_pack("{s:s, s:f}", "key", key, "value", json_number_value(value)));
}

json_t *eval_summary_metrics(const json_t *summary)
{
    json_t *list = json_array();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)summary, key, value)
    {
        if (!json_is_object(value)) {
            add(list, key, value);
            continue;
        }
        static const char *const parts[] = {"ci_low", "ci_high", "pass_rate"};
        add(list, key, json_object_get(value, "mean"));
        for (size_t p = 0; p < 3; p++) {
            buf_t b;
            buf_init(&b);
            buf_printf(&b, "%s.%s", key, parts[p]);
            add(list, buf_str(&b), json_object_get(value, parts[p]));
            buf_free(&b);
        }
    }
    return list;
}
