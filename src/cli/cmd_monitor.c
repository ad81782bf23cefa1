/* cmd_monitor.c - `llmops monitor summary|drift`: the monitoring aggregates and the drift
 * report from the shell, over /api/v1/monitor/summary and /api/v1/monitor/drift, as tables (or
 * the JSON reply with --json). Times are passed through as given (epoch ms or "24h", "7d"...):
 * the server resolves them against its clock. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct mon_flags {
    const char *since, *until, *bucket, *group, *endpoint, *model, *baseline, *window;
    int json;
} mon_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    mon_flags_t *f = ctx;
    const char **slot = opt == 'a'   ? &f->since
                        : opt == 'b' ? &f->until
                        : opt == 'B' ? &f->bucket
                        : opt == 'g' ? &f->group
                        : opt == 'e' ? &f->endpoint
                        : opt == 'm' ? &f->model
                        : opt == 'L' ? &f->baseline
                        : opt == 'w' ? &f->window
                                     : NULL;
    if (opt == 'j') {
        f->json = 1;
        return CLI_OPTION_OK;
    }
    if (!slot)
        return CLI_OPTION_UNKNOWN;
    *slot = arg;
    return CLI_OPTION_OK;
}

/* A number with decimals and suffix, or "-" for null; pct multiplies by 100. */
static const char *fmt_num(const json_t *v, int decimals, const char *suffix, int pct, char *out,
                           size_t size)
{
    if (!json_is_number(v))
        return "-";
    snprintf(out, size, "%.*f%s", decimals, json_number_value(v) * (pct ? 100.0 : 1.0), suffix);
    return out;
}

/* A relative change in %, with its sign, or "-". */
static const char *fmt_signed(const json_t *v, char *out, size_t size)
{
    if (!json_is_number(v))
        return "-";
    snprintf(out, size, "%+.1f%%", 100.0 * json_number_value(v));
    return out;
}

/* A p-value: 3 significant digits, or "-". */
static const char *fmt_p(const json_t *v, char *out, size_t size)
{
    if (!json_is_number(v))
        return "-";
    snprintf(out, size, "%.3g", json_number_value(v));
    return out;
}

static void print_summary(const json_t *reply)
{
    int bucketed = strcmp(json_string_value(json_object_get(reply, "bucket")), "none") != 0;
    printf("%-16s %-20s %8s %6s %8s %8s %8s %8s %10s %10s %10s %6s %9s %5s\n",
           bucketed ? "BUCKET (UTC)" : "SINCE (UTC)", "GROUP", "REQS", "ERR%", "P50 MS", "P95 MS",
           "P99 MS", "TTFT P50", "TOK IN", "TOK OUT", "COST $", "CACHE%", "FB (+%)", "GUARD");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(reply, "rows"), i, r)
    {
        char when[32], grp[64], b[12][32], fb[48];
        time_t t = (time_t)(json_integer_value(json_object_get(r, "bucket_ms")) / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
        const char *g = json_string_value(json_object_get(r, "group"));
        json_t *pos = json_object_get(r, "positive_feedback_rate");
        snprintf(fb, sizeof fb, "%" JSON_INTEGER_FORMAT " (%s)",
                 json_integer_value(json_object_get(r, "feedback")),
                 fmt_num(pos, 0, "%", 1, b[11], sizeof b[11]));
        printf("%-16s %-20s %8" JSON_INTEGER_FORMAT " %6s %8s %8s %8s %8s %10" JSON_INTEGER_FORMAT
               " %10" JSON_INTEGER_FORMAT " %10s %6s %9s %5" JSON_INTEGER_FORMAT "\n",
               when, cli_clip(g ? g : "-", 20, "~", grp, sizeof grp),
               json_integer_value(json_object_get(r, "requests")),
               fmt_num(json_object_get(r, "error_rate"), 1, "", 1, b[0], sizeof b[0]),
               fmt_num(json_object_get(r, "latency_p50"), 0, "", 0, b[1], sizeof b[1]),
               fmt_num(json_object_get(r, "latency_p95"), 0, "", 0, b[2], sizeof b[2]),
               fmt_num(json_object_get(r, "latency_p99"), 0, "", 0, b[3], sizeof b[3]),
               fmt_num(json_object_get(r, "ttft_p50"), 0, "", 0, b[4], sizeof b[4]),
               json_integer_value(json_object_get(r, "input_tokens")),
               json_integer_value(json_object_get(r, "output_tokens")),
               fmt_num(json_object_get(r, "cost_usd"), 4, "", 0, b[5], sizeof b[5]),
               fmt_num(json_object_get(r, "cache_hit_rate"), 1, "", 1, b[6], sizeof b[6]), fb,
               json_integer_value(json_object_get(r, "guardrail_hits")));
    }
    if (i == 0)
        printf("(no traces in the window)\n");
}

static int run_summary(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"since", required_argument, NULL, 'a'},    {"until", required_argument, NULL, 'b'},
        {"bucket", required_argument, NULL, 'B'},   {"group", required_argument, NULL, 'g'},
        {"endpoint", required_argument, NULL, 'e'}, {"model", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},           {NULL, 0, NULL, 0}};
    mon_flags_t f = {.since = "24h"};
    int n = cli_parse_options(argc, argv, "monitor summary", NULL, longopts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("monitor summary", "takes no arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/monitor/summary");
    cli_query_add(&target, "since", f.since);
    cli_query_add(&target, "until", f.until);
    cli_query_add(&target, "bucket", f.bucket);
    cli_query_add(&target, "group", f.group);
    cli_query_add(&target, "endpoint", f.endpoint);
    cli_query_add(&target, "model", f.model);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    if (f.json)
        cli_print_json(reply);
    else
        print_summary(reply);
    json_decref(reply);
    return CLI_OK;
}

/* The headline value of one side of a metric: the mean, the rate (in %) or the term count. */
static const char *side_value(const json_t *side, char *out, size_t size)
{
    json_t *v;
    if ((v = json_object_get(side, "mean")))
        return fmt_num(v, 1, "", 0, out, size);
    if ((v = json_object_get(side, "rate")))
        return fmt_num(v, 2, "%", 1, out, size);
    if ((v = json_object_get(side, "terms")))
        return fmt_num(v, 0, " terms", 0, out, size);
    return "-";
}

static void print_terms(const char *label, const json_t *terms)
{
    if (!json_array_size(terms))
        return;
    printf("  %s:", label);
    size_t i;
    json_t *t;
    json_array_foreach(terms, i, t)
    {
        printf(" %s (%.2f%% -> %.2f%%)", json_string_value(json_object_get(t, "term")),
               100 * json_number_value(json_object_get(t, "baseline_share")),
               100 * json_number_value(json_object_get(t, "current_share")));
    }
    printf("\n");
}

static void print_drift(const json_t *reply)
{
    printf("baseline: %" JSON_INTEGER_FORMAT " traces, current: %" JSON_INTEGER_FORMAT " traces\n",
           json_integer_value(json_object_get(json_object_get(reply, "baseline"), "traces")),
           json_integer_value(json_object_get(json_object_get(reply, "current"), "traces")));
    printf("%-24s %-20s %14s %14s %9s %10s %10s %s\n", "METRIC", "TEST", "BASELINE", "CURRENT",
           "CHANGE", "STATISTIC", "P-VALUE", "MOVED");
    size_t i;
    json_t *m;
    json_t *topic = NULL;
    json_array_foreach(json_object_get(reply, "metrics"), i, m)
    {
        char b[5][40];
        json_t *change = json_object_get(m, "change");
        printf("%-24s %-20s %14s %14s %9s %10s %10s %s\n",
               json_string_value(json_object_get(m, "metric")),
               json_string_value(json_object_get(m, "test")),
               side_value(json_object_get(m, "baseline"), b[0], sizeof b[0]),
               side_value(json_object_get(m, "current"), b[1], sizeof b[1]),
               fmt_signed(change, b[2], sizeof b[2]),
               fmt_num(json_object_get(m, "statistic"), 4, "", 0, b[3], sizeof b[3]),
               fmt_p(json_object_get(m, "p_value"), b[4], sizeof b[4]),
               json_is_true(json_object_get(m, "moved")) ? "YES" : "no");
        if (json_object_get(m, "rising"))
            topic = m;
    }
    if (topic) {
        print_terms("rising", json_object_get(topic, "rising"));
        print_terms("falling", json_object_get(topic, "falling"));
    }
}

static int run_drift(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"baseline", required_argument, NULL, 'L'}, {"window", required_argument, NULL, 'w'},
        {"since", required_argument, NULL, 'a'},    {"until", required_argument, NULL, 'b'},
        {"endpoint", required_argument, NULL, 'e'}, {"model", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},           {NULL, 0, NULL, 0}};
    mon_flags_t f = {0};
    int n = cli_parse_options(argc, argv, "monitor drift", NULL, longopts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("monitor drift", "takes no arguments");
    if (f.window && f.since)
        return cli_usage_error("monitor drift", "--window and --since are the same thing");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/monitor/drift");
    if (f.baseline) {
        const char *dots = strstr(f.baseline, "..");
        if (!dots || dots == f.baseline || !dots[2]) {
            buf_free(&target);
            return cli_usage_error("monitor drift", "--baseline must be FROM..TO, e.g. 7d..1d");
        }
        char from[64];
        snprintf(from, sizeof from, "%.*s", (int)(dots - f.baseline), f.baseline);
        cli_query_add(&target, "baseline_since", from);
        cli_query_add(&target, "baseline_until", dots + 2);
    }
    cli_query_add(&target, "since", f.window ? f.window : f.since);
    cli_query_add(&target, "until", f.until);
    cli_query_add(&target, "endpoint", f.endpoint);
    cli_query_add(&target, "model", f.model);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    if (f.json)
        cli_print_json(reply);
    else
        print_drift(reply);
    json_decref(reply);
    return CLI_OK;
}

const cli_command_t cmd_monitor_commands[] = {
    {"monitor", "summary",
     "[--since 24h] [--until T] [--bucket hour|day|minute|none]\n"
     "       [--group endpoint|model|version|user|key|none] [--endpoint E] [--model M] [--json]",
     "requests, errors, latency, tokens, cost, cache, feedback per time bucket and group",
     "Times are epoch milliseconds or durations before now (90s, 15m, 1h, 24h, 7d, 2w).\n"
     "Defaults: --since 24h, --until now, --bucket hour, --group none.\n"
     "Columns: requests, error %, latency p50/p95/p99 (ms), time to first token p50, tokens\n"
     "in/out, cost, cache hit %, human feedback count (positive %), guardrail hits.\n"
     "Example: llmops monitor summary --since 7d --bucket day --group model",
     run_summary},
    {"monitor", "drift",
     "[--baseline FROM..TO] [--window D | --since T] [--until T] [--endpoint E] [--model M]\n"
     "       [--json]",
     "compare recent traffic with a baseline window (lengths, tokens, refusals, feedback, "
     "topics)",
     "--window 1d: the current window is the last day (default). --baseline 7d..1d: from seven\n"
     "days ago to one day ago (default: the 7 days before the current window).\n"
     "MOVED is YES when p < 0.01 and the change is over 10% (topics: JS divergence > 0.1).\n"
     "Example: llmops monitor drift --baseline 7d..1d --window 1d --endpoint chat",
     run_drift},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
