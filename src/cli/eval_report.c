/* eval_report.c - evaluations printed as a table, JSON or JUnit XML, and comparisons as a
 * table (see eval_report.h).
 *
 * JUnit follows the conventions Jenkins' junit plugin and GitLab's test reports read:
 * <testsuites tests failures errors time> around one <testsuite name tests failures errors
 * skipped time timestamp> per evaluation, <properties> for what it ran on, <testcase
 * classname name time> with at most one <failure message type> or <error message type> child
 * (Jenkins keeps only one, so a row failing several scorers lists them all in one). */
#include "cli/eval_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "cli/cli_util.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static const char *text_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "-";
}

/* A number with digits decimals, "-" for null / missing / not finite. */
static const char *num(const json_t *v, int digits, char *out, size_t size)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.*f", digits, json_number_value(v));
    return out;
}

static const char *percent(const json_t *v, char *out, size_t size)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.1f%%", json_number_value(v) * 100.0);
    return out;
}

/* Any JSON value as display text: strings as they are, the rest compact JSON. Caller frees. */
static char *value_text(const json_t *v)
{
    if (!v || json_is_null(v))
        return xstrdup("null");
    if (json_is_string(v))
        return xstrdup(json_string_value(v));
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return s ? s : xstrdup("?");
}

/* The scorer names of an evaluation, in its order. */
static const char *scorer_name_at(const json_t *eval, size_t i)
{
    const json_t *s = json_array_get(json_object_get(eval, "scorers"), i);
    const char *name = json_string_value(json_object_get(s, "name"));
    return name ? name : json_string_value(json_object_get(s, "type"));
}

/* ---- table ----------------------------------------------------------------------------------- */

static void table_gates(FILE *out, const json_t *gates, int passed)
{
    fprintf(out, "\n  %-34s %12s %12s  %s\n", "GATE", "ACTUAL", "REQUIRED", "RESULT");
    size_t i;
    json_t *g;
    char a[32], r[32], clip[64];
    json_array_foreach(gates, i, g)
    {
        int ok = json_is_true(json_object_get(g, "passed"));
        const char *reason = json_string_value(json_object_get(g, "reason"));
        fprintf(out, "  %-34s %12s %12s  %s%s%s\n",
                cli_clip(text_of(g, "gate"), 34, "...", clip, sizeof clip),
                num(json_object_get(g, "actual"), 4, a, sizeof a),
                num(json_object_get(g, "required"), 4, r, sizeof r), ok ? "PASS" : "FAIL",
                reason ? " - " : "", reason ? reason : "");
    }
    fprintf(out, "  gates: %s\n", passed ? "all passed" : "FAILED");
}

static void table_one(FILE *out, const eval_outcome_t *o)
{
    const json_t *e = o->evaluation, *m = json_object_get(e, "metrics");
    char *target = value_text(json_object_get(e, "target"));
    fprintf(out, "evaluation %s%s%s%s  %s%s\n", text_of(e, "id"),
            json_is_string(json_object_get(e, "name")) ? " (" : "",
            json_is_string(json_object_get(e, "name")) ? text_of(e, "name") : "",
            json_is_string(json_object_get(e, "name")) ? ")" : "", text_of(e, "status"),
            o->is_baseline ? "  [baseline]" : "");
    fprintf(out, "  dataset %s  split %s  target %s\n", text_of(e, "dataset"), text_of(e, "split"),
            target);
    free(target);
    if (json_is_string(json_object_get(e, "baseline")))
        fprintf(out, "  baseline %s\n", text_of(e, "baseline"));
    if (json_is_string(json_object_get(e, "error")))
        fprintf(out, "  error: %s\n", text_of(e, "error"));
    fprintf(out, "  rows %lld/%lld  errors %lld  cached %lld\n",
            (long long)json_integer_value(json_object_get(e, "done")),
            (long long)json_integer_value(json_object_get(e, "total")),
            (long long)json_integer_value(json_object_get(e, "errors")),
            (long long)json_integer_value(json_object_get(e, "cached")));
    char a[32], b[32], c[32], d[32], name[40];
    fprintf(out, "\n  %-24s %8s  %-20s %9s\n", "SCORER", "MEAN", "95% CI", "PASS RATE");
    size_t n = json_array_size(json_object_get(e, "scorers"));
    for (size_t i = 0; i < n; i++) {
        const char *scorer = scorer_name_at(e, i);
        const json_t *s = json_object_get(m, scorer ? scorer : "");
        char ci[48];
        snprintf(ci, sizeof ci, "[%s, %s]", num(json_object_get(s, "ci_low"), 3, b, sizeof b),
                 num(json_object_get(s, "ci_high"), 3, c, sizeof c));
        fprintf(out, "  %-24s %8s  %-20s %9s\n",
                cli_clip(scorer ? scorer : "?", 24, "...", name, sizeof name),
                num(json_object_get(s, "mean"), 3, a, sizeof a), ci,
                percent(json_object_get(s, "pass_rate"), d, sizeof d));
    }
    fprintf(out, "\n  pass rate %s  error rate %s\n",
            percent(json_object_get(m, "pass_rate"), a, sizeof a),
            percent(json_object_get(m, "error_rate"), b, sizeof b));
    fprintf(out, "  latency p50 %s ms  p95 %s ms\n",
            num(json_object_get(m, "latency_p50"), 1, a, sizeof a),
            num(json_object_get(m, "latency_p95"), 1, b, sizeof b));
    fprintf(out, "  cost $%s per row  $%s total\n", num(json_object_get(m, "cost"), 6, a, sizeof a),
            num(json_object_get(m, "cost_total"), 4, b, sizeof b));
    if (o->gates)
        table_gates(out, o->gates, o->gates_passed);
}

void eval_report_table(FILE *out, const eval_outcome_t *outcomes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fprintf(out, "\n");
        table_one(out, &outcomes[i]);
    }
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static json_t *outcome_json(const eval_outcome_t *o)
{
    return json_pack("{s:O, s:O, s:o}", "evaluation", o->evaluation, "gates",
                     o->gates ? o->gates : json_null(), "gates_passed",
                     o->gates ? json_boolean(o->gates_passed) : json_null());
}

json_t *eval_report_json(const eval_outcome_t *outcomes, size_t n)
{
    if (n == 1)
        return outcome_json(&outcomes[0]);
    json_t *list = json_array();
    int gated = 0, passed = 1;
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, outcome_json(&outcomes[i]));
        if (outcomes[i].gates) {
            gated = 1;
            passed = passed && outcomes[i].gates_passed;
        }
    }
    return json_pack("{s:o, s:o}", "evaluations", list, "gates_passed",
                     gated ? json_boolean(passed) : json_null());
}

/* ---- JUnit XML ------------------------------------------------------------------------------- */

void eval_xml_escape(buf_t *xml, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '&':
            buf_append_str(xml, "&amp;");
            break;
        case '<':
            buf_append_str(xml, "&lt;");
            break;
        case '>':
            buf_append_str(xml, "&gt;");
            break;
        case '"':
            buf_append_str(xml, "&quot;");
            break;
        case '\'':
            buf_append_str(xml, "&apos;");
            break;
        case '\t':
            buf_append_str(xml, "&#9;");
            break;
        case '\n':
            buf_append_str(xml, "&#10;");
            break;
        case '\r':
            buf_append_str(xml, "&#13;");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                buf_append_char(xml, '?'); /* not a character XML 1.0 allows */
            else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
                buf_append_char(xml, '?'); /* U+FFFE, U+FFFF: not XML characters either */
                p += 2;
            } else
                buf_append_char(xml, (char)*p);
        }
    }
}

/* A message cut to a size CI pages show whole; the element's text keeps everything. */
#define MESSAGE_MAX 300

static void attr(buf_t *xml, const char *name, const char *value)
{
    buf_printf(xml, " %s=\"", name);
    eval_xml_escape(xml, value);
    buf_append_char(xml, '"');
}

static void short_attr(buf_t *xml, const char *name, const char *value)
{
    char clip[MESSAGE_MAX * 4 + 8];
    attr(xml, name, cli_clip(value, MESSAGE_MAX, "...", clip, sizeof clip));
}

/* Why a row failed, or NULL when it passed: "exact_match=0 (reason)" per failing scorer.
 * *errored is 1 when the row's call or a scorer errored. Caller frees. */
static char *row_problem(const json_t *row, int *errored)
{
    buf_t why;
    buf_init(&why);
    *errored = 0;
    const char *error = json_string_value(json_object_get(row, "error"));
    if (error) {
        *errored = 1;
        buf_printf(&why, "error: %s", error);
    }
    const char *name;
    json_t *score;
    json_object_foreach(json_object_get(row, "scores"), name, score)
    {
        const char *reason = json_string_value(json_object_get(score, "reason"));
        const char *serr = json_string_value(json_object_get(score, "error"));
        if (serr) {
            *errored = 1;
            buf_printf(&why, "%s%s: error: %s", why.len ? "; " : "", name, serr);
        } else if (!json_is_true(json_object_get(score, "pass"))) {
            char v[32];
            buf_printf(&why, "%s%s=%s", why.len ? "; " : "", name,
                       num(json_object_get(score, "value"), 3, v, sizeof v));
            if (reason)
                buf_printf(&why, " (%s)", reason);
        }
    }
    if (!why.len) {
        buf_free(&why);
        return NULL;
    }
    return buf_steal(&why);
}

static void junit_row(buf_t *xml, const char *suite, const json_t *row, int *failures, int *errors)
{
    long long index = (long long)json_integer_value(json_object_get(row, "index"));
    double latency = json_number_value(json_object_get(row, "latency_ms"));
    char name[48];
    snprintf(name, sizeof name, "row %lld", index);
    buf_append_str(xml, "    <testcase");
    attr(xml, "classname", suite);
    attr(xml, "name", name);
    buf_printf(xml, " time=\"%.3f\"", latency > 0 ? latency / 1000.0 : 0.0);
    int errored;
    char *why = row_problem(row, &errored);
    if (!why) {
        buf_append_str(xml, "/>\n");
        return;
    }
    char *input = value_text(json_object_get(row, "input"));
    char *output = value_text(json_object_get(row, "output"));
    char *expected = value_text(json_object_get(row, "expected"));
    buf_t message;
    buf_init(&message);
    buf_printf(&message, "%s | output: %s | expected: %s", why, output, expected);
    buf_append_str(xml, errored ? ">\n      <error" : ">\n      <failure");
    short_attr(xml, "message", buf_str(&message));
    attr(xml, "type", errored ? "error" : "score");
    buf_append_str(xml, ">");
    buf_t body;
    buf_init(&body);
    buf_printf(&body, "%s\ninput: %s\noutput: %s\nexpected: %s\ntrace: %s", why, input, output,
               expected, text_of(row, "trace_id"));
    eval_xml_escape(xml, buf_str(&body));
    buf_append_str(xml, errored ? "</error>\n    </testcase>\n" : "</failure>\n    </testcase>\n");
    *(errored ? errors : failures) += 1;
    buf_free(&body);
    buf_free(&message);
    free(input);
    free(output);
    free(expected);
    free(why);
}

static void junit_gate(buf_t *xml, const char *suite, const json_t *gate, int *failures)
{
    buf_append_str(xml, "    <testcase");
    char classname[300];
    snprintf(classname, sizeof classname, "%s.gates", suite);
    attr(xml, "classname", classname);
    attr(xml, "name", text_of(gate, "gate"));
    buf_append_str(xml, " time=\"0\"");
    if (json_is_true(json_object_get(gate, "passed"))) {
        buf_append_str(xml, "/>\n");
        return;
    }
    char a[32], r[32];
    const char *reason = json_string_value(json_object_get(gate, "reason"));
    buf_t message;
    buf_init(&message);
    buf_printf(&message, "%s: actual %s, required %s %s%s%s", text_of(gate, "metric"),
               num(json_object_get(gate, "actual"), 4, a, sizeof a), text_of(gate, "op"),
               num(json_object_get(gate, "required"), 4, r, sizeof r), reason ? " - " : "",
               reason ? reason : "");
    buf_append_str(xml, ">\n      <failure");
    attr(xml, "message", buf_str(&message));
    attr(xml, "type", "gate");
    buf_append_str(xml, ">");
    eval_xml_escape(xml, buf_str(&message));
    buf_append_str(xml, "</failure>\n    </testcase>\n");
    *failures += 1;
    buf_free(&message);
}

static void timestamp(const json_t *ms, char *out, size_t size)
{
    time_t t = (time_t)(json_integer_value(ms) / 1000);
    struct tm tm;
    if (!json_is_integer(ms) || !gmtime_r(&t, &tm) ||
        !strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm))
        snprintf(out, size, "1970-01-01T00:00:00");
}

void eval_report_junit(FILE *out, const eval_outcome_t *outcomes, size_t n)
{
    buf_t suites;
    buf_init(&suites);
    int all_tests = 0, all_failures = 0, all_errors = 0;
    double all_time = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = outcomes[i].evaluation;
        char suite[256];
        const char *label = json_string_value(json_object_get(e, "name"));
        snprintf(suite, sizeof suite, "llmops.eval.%s", label ? label : text_of(e, "dataset"));
        buf_t cases;
        buf_init(&cases);
        int tests = 0, failures = 0, errors = 0;
        size_t k;
        json_t *item;
        json_array_foreach(outcomes[i].gates, k, item)
        {
            junit_gate(&cases, suite, item, &failures);
            tests++;
        }
        json_array_foreach(outcomes[i].rows, k, item)
        {
            junit_row(&cases, suite, item, &failures, &errors);
            tests++;
        }
        const json_t *started = json_object_get(e, "started_ms"),
                     *finished = json_object_get(e, "finished_ms");
        double seconds =
            json_is_integer(started) && json_is_integer(finished)
                ? (double)(json_integer_value(finished) - json_integer_value(started)) / 1000.0
                : 0.0;
        char when[32], *target = value_text(json_object_get(e, "target"));
        timestamp(json_object_get(e, "created_ms"), when, sizeof when);
        buf_append_str(&suites, "  <testsuite");
        buf_printf(&suites, " id=\"%zu\"", i);
        attr(&suites, "name", suite);
        buf_printf(&suites,
                   " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" "
                   "time=\"%.3f\"",
                   tests, failures, errors, seconds < 0 ? 0.0 : seconds);
        attr(&suites, "timestamp", when);
        buf_append_str(&suites, " hostname=\"localhost\">\n    <properties>\n");
        const char *props[][2] = {{"evaluation", text_of(e, "id")},
                                  {"status", text_of(e, "status")},
                                  {"dataset", text_of(e, "dataset")},
                                  {"split", text_of(e, "split")},
                                  {"target", target},
                                  {"baseline", text_of(e, "baseline")}};
        for (size_t p = 0; p < sizeof props / sizeof props[0]; p++) {
            buf_append_str(&suites, "      <property");
            attr(&suites, "name", props[p][0]);
            attr(&suites, "value", props[p][1]);
            buf_append_str(&suites, "/>\n");
        }
        buf_append_str(&suites, "    </properties>\n");
        buf_append_str(&suites, buf_str(&cases));
        buf_append_str(&suites, "  </testsuite>\n");
        buf_free(&cases);
        free(target);
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
        all_time += seconds < 0 ? 0.0 : seconds;
    }
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"llmops eval\" "
            "tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">\n%s</testsuites>\n",
            all_tests, all_failures, all_errors, all_time, buf_str(&suites));
    buf_free(&suites);
}

/* ---- compare --------------------------------------------------------------------------------- */

static const char *signed_num(const json_t *v, char *out, size_t size)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%+.3f", json_number_value(v));
    return out;
}

void eval_report_compare(FILE *out, const json_t *cmp, size_t max_regressions)
{
    fprintf(out, "compare %s (a, baseline) -> %s (b, candidate): %lld rows\n\n", text_of(cmp, "a"),
            text_of(cmp, "b"),
            (long long)json_integer_value(json_object_get(cmp, "rows_compared")));
    fprintf(out, "  %-24s %6s %7s %6s %8s %8s %8s  %s\n", "SCORER", "WINS", "LOSSES", "TIES",
            "MEAN A", "MEAN B", "DIFF", "95% CI");
    const char *name;
    json_t *s;
    char a[32], b[32], c[32], d[32], e[32], clip[40];
    json_object_foreach((json_t *)json_object_get(cmp, "scorers"), name, s)
    {
        fprintf(out, "  %-24s %6lld %7lld %6lld %8s %8s %8s  [%s, %s]\n",
                cli_clip(name, 24, "...", clip, sizeof clip),
                (long long)json_integer_value(json_object_get(s, "wins")),
                (long long)json_integer_value(json_object_get(s, "losses")),
                (long long)json_integer_value(json_object_get(s, "ties")),
                num(json_object_get(s, "mean_a"), 3, a, sizeof a),
                num(json_object_get(s, "mean_b"), 3, b, sizeof b),
                signed_num(json_object_get(s, "diff"), c, sizeof c),
                signed_num(json_object_get(s, "ci_low"), d, sizeof d),
                signed_num(json_object_get(s, "ci_high"), e, sizeof e));
    }
    const json_t *regressions = json_object_get(cmp, "regressions");
    size_t n = json_array_size(regressions);
    if (n == 0) {
        fprintf(out, "\nno row got worse\n");
        return;
    }
    fprintf(out, "\n%zu row%s got worse (worst first):\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < max_regressions; i++) {
        const json_t *r = json_array_get(regressions, i);
        fprintf(out, "\n  row %lld  drop %s\n",
                (long long)json_integer_value(json_object_get(r, "index")),
                num(json_object_get(r, "worst_drop"), 3, a, sizeof a));
        json_object_foreach((json_t *)json_object_get(r, "scores_b"), name, s)
        {
            const json_t *before = json_object_get(json_object_get(r, "scores_a"), name);
            fprintf(out, "    %s: %s -> %s\n", name,
                    num(json_object_get(before, "value"), 3, a, sizeof a),
                    num(json_object_get(s, "value"), 3, b, sizeof b));
        }
        static const char *const fields[][2] = {
            {"input", "input"}, {"expected", "expected"}, {"output_a", "a"}, {"output_b", "b"}};
        for (size_t f = 0; f < 4; f++) {
            char *text = value_text(json_object_get(r, fields[f][0]));
            char cut[400];
            fprintf(out, "    %-9s %s\n", fields[f][1],
                    cli_clip(text, 100, "...", cut, sizeof cut));
            free(text);
        }
    }
    if (n > max_regressions)
        fprintf(out, "\n  ... %zu more (--output json lists them all)\n", n - max_regressions);
}
