/* drift.h - has the traffic of a recent window moved away from a baseline window?
 *
 * Compared, over the traces of each window (start_ms in [since, until), optionally one endpoint
 * and/or model):
 *   input_chars, output_chars      length of the stored input/output text in characters (UTF-8
 *                                  code points), traces with that text only
 *   input_tokens, output_tokens    traces with a token count only
 *       -> mean, p50, p95 of both windows; change = relative change of the mean; test: the
 *          two-sample Kolmogorov-Smirnov statistic D and its asymptotic p-value.
 *   refusal_rate                   share of traces with output whose output contains one of
 *                                  MON_REFUSAL_PHRASES (case-insensitive)
 *   feedback_rate                  share of traces with a human score
 *   positive_feedback_rate         positive share of those (feedback_rule.h)
 *       -> change = relative change; test: two-proportion z-test (pooled), two-sided p-value.
 *   topic_mix                      distribution of the terms of the inputs (lowercased words of
 *                                  letters and digits, 3+ characters, stopwords removed)
 *       -> statistic: Jensen-Shannon divergence (log base 2, in [0, 1]); no p-value; the terms
 *          whose share rose and fell most.
 * moved: p < MON_DRIFT_MAX_P and |change| > MON_DRIFT_MIN_CHANGE for the tests with a p-value
 * (an infinite change, from a zero baseline, counts as above); JS divergence >
 * MON_DRIFT_MIN_JSD for topic_mix. A metric without data on either side is not moved, with
 * null statistics. */
#ifndef LLMOPS_MONITOR_DRIFT_H
#define LLMOPS_MONITOR_DRIFT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define MON_DRIFT_MAX_P      0.01
#define MON_DRIFT_MIN_CHANGE 0.10
#define MON_DRIFT_MIN_JSD    0.10
/* Terms listed as rising and as falling in topic_mix. */
#define MON_DRIFT_TOP_TERMS 10

/* The refusal phrases, NULL-terminated, lowercase (matched case-insensitively). */
extern const char *const MON_REFUSAL_PHRASES[];

typedef struct mon_drift_query {
    int64_t baseline_since_ms, baseline_until_ms;
    int64_t since_ms, until_ms;
    const char *endpoint, *model; /* NULL: any */
} mon_drift_query_t;

/* {"baseline": {"since_ms", "until_ms", "traces"}, "current": {...},
 *  "thresholds": {"max_p", "min_change", "min_jsd"},
 *  "metrics": [{"metric", "test", "baseline", "current", "change", "statistic", "p_value",
 *               "moved"}, ...]}
 * where baseline/current are {"mean", "p50", "p95", "n"} for distributions, {"rate", "count",
 * "n"} for rates and {"terms"} for topic_mix (which adds "rising" and "falling": [{"term",
 * "baseline_share", "current_share"}]). Caller owns; NULL with err (400 for bad windows). */
json_t *monitor_drift(store_t *s, const mon_drift_query_t *q, err_t *err);

/* ---- the statistics (exposed for tests) ---------------------------------------------------- */

/* Two-sample Kolmogorov-Smirnov statistic: the largest distance between the empirical CDFs.
 * Sorts a and b in place (also when the other is empty). NAN when either is empty. */
double mon_ks_statistic(double *a, size_t na, double *b, size_t nb);
/* Its p-value from the asymptotic Kolmogorov distribution with Stephens' small-sample
 * correction: Q_KS((sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) * d), ne = na * nb / (na + nb),
 * Q_KS(x) = 2 * sum_{j>=1} (-1)^(j-1) exp(-2 j^2 x^2). */
double mon_ks_pvalue(double d, size_t na, size_t nb);
/* Two-proportion z-test of k1/n1 against k2/n2 with the pooled proportion; two-sided p-value
 * (erfc(|z| / sqrt 2)). z and p are NAN when n1 or n2 is 0; z 0, p 1 when the pooled
 * proportion is 0 or 1. */
void mon_two_proportion_z(int64_t k1, int64_t n1, int64_t k2, int64_t n2, double *z, double *p);
/* Jensen-Shannon divergence, log base 2, of two distributions given as counts over the same n
 * categories (normalised here). NAN when either total is 0. */
double mon_js_divergence(const double *p, const double *q, size_t n);
/* 1 when text contains a refusal phrase (case-insensitive). */
int mon_is_refusal(const char *text);
/* Length in characters (UTF-8 code points). */
size_t mon_utf8_chars(const char *text);

#endif
