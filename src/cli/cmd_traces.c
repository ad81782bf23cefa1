/* cmd_traces.c - `llmops traces list|show` and `llmops sessions list|show`: traces and
 * sessions from the shell, over /api/v1/traces and /api/v1/sessions. The lists print compact
 * tables (or the JSON reply with --json); traces show prints the trace's span tree with start
 * offsets and durations, its input/output and scores; sessions show prints the conversation. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

#define MAX_SCORES 8

/* Options that become a query parameter of the same meaning: long option -> parameter. */
static const struct {
    const char *option, *param;
} list_params[] = {
    {"endpoint", "endpoint"},     {"model", "model"},   {"version", "version"},
    {"status", "status"},         {"key-id", "key_id"}, {"user", "user"},
    {"session-id", "session_id"}, {"name", "name"},     {"source", "source"},
    {"since", "since"},           {"until", "until"},   {"min-latency", "min_latency_ms"},
    {"min-cost", "min_cost_usd"}, {"q", "q"},           {"sort", "sort"},
    {"order", "order"},           {"limit", "limit"},   {"page-token", "page_token"},
};
#define NPARAMS   (sizeof list_params / sizeof list_params[0])
#define OPT_BASE  256 /* getopt values of list_params: OPT_BASE + index */
#define OPT_JSON  'j'
#define OPT_FB    'F'
#define OPT_NOFB  'N'
#define OPT_SCORE 's'

typedef struct list_flags {
    const char *values[NPARAMS];
    const char *scores[MAX_SCORES];
    size_t nscores;
    const char *has_feedback;
    int json;
} list_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    list_flags_t *f = ctx;
    if (opt >= OPT_BASE && opt < OPT_BASE + (int)NPARAMS) {
        f->values[opt - OPT_BASE] = arg;
        return CLI_OPTION_OK;
    }
    switch (opt) {
    case OPT_JSON:
        f->json = 1;
        return CLI_OPTION_OK;
    case OPT_FB:
        f->has_feedback = "true";
        return CLI_OPTION_OK;
    case OPT_NOFB:
        f->has_feedback = "false";
        return CLI_OPTION_OK;
    case OPT_SCORE:
        if (f->nscores == MAX_SCORES) {
            fprintf(stderr, "llmops traces list: at most %d --score\n", MAX_SCORES);
            return CLI_OPTION_FAILED;
        }
        f->scores[f->nscores++] = arg;
        return CLI_OPTION_OK;
    default:
        return CLI_OPTION_UNKNOWN;
    }
}

/* "2024-05-01 12:00:03" (UTC) from epoch ms. */
static const char *when(const json_t *ms, char *out, size_t size)
{
    if (!json_is_integer(ms))
        return "-";
    time_t t = (time_t)(json_integer_value(ms) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
    return out;
}

static const char *text_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : "-";
}

static void tokens_text(const json_t *t, char *out, size_t size)
{
    json_t *in = json_object_get(t, "input_tokens"), *o = json_object_get(t, "output_tokens");
    if (json_is_integer(in) || json_is_integer(o))
        snprintf(out, size, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
                 json_integer_value(in), json_integer_value(o));
    else
        snprintf(out, size, "-");
}

/* A number with the given decimals and unit ("" or " ms"), or "-" when unknown. */
static void number_text(const json_t *v, int decimals, const char *prefix, const char *unit,
                        char *out, size_t size)
{
    if (json_is_number(v))
        snprintf(out, size, "%s%.*f%s", prefix, decimals, json_number_value(v), unit);
    else
        snprintf(out, size, "-");
}

static void print_more(const json_t *reply)
{
    const char *token = json_string_value(json_object_get(reply, "next_page_token"));
    if (token)
        printf("\nmore: --page-token %s\n", token);
}

static void print_table(const json_t *reply)
{
    printf("%-19s %-32s %-16s %-24s %-6s %-13s %-10s %s\n", "TIME (UTC)", "TRACE", "ENDPOINT",
           "MODEL", "STATUS", "TOKENS IN/OUT", "COST $", "LATENCY");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(reply, "traces"), i, t)
    {
        char c0[32], c1[64], c2[64], tokens[48], cost[32], latency[32];
        tokens_text(t, tokens, sizeof tokens);
        number_text(json_object_get(t, "cost_usd"), 6, "", "", cost, sizeof cost);
        number_text(json_object_get(t, "latency_ms"), 0, "", " ms", latency, sizeof latency);
        const char *endpoint = text_of(t, "endpoint");
        printf(
            "%-19s %-32s %-16s %-24s %-6s %-13s %-10s %s\n",
            when(json_object_get(t, "start_ms"), c0, sizeof c0), text_of(t, "trace_id"),
            cli_clip(strcmp(endpoint, "-") ? endpoint : text_of(t, "name"), 16, "~", c1, sizeof c1),
            cli_clip(text_of(t, "model"), 24, "~", c2, sizeof c2), text_of(t, "status"), tokens,
            cost, latency);
    }
    if (i == 0)
        printf("(no traces)\n");
    print_more(reply);
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    struct option longopts[NPARAMS + 6];
    for (size_t i = 0; i < NPARAMS; i++)
        longopts[i] =
            (struct option){list_params[i].option, required_argument, NULL, OPT_BASE + (int)i};
    longopts[NPARAMS] = (struct option){"has-feedback", no_argument, NULL, OPT_FB};
    longopts[NPARAMS + 1] = (struct option){"no-feedback", no_argument, NULL, OPT_NOFB};
    longopts[NPARAMS + 2] = (struct option){"score", required_argument, NULL, OPT_SCORE};
    longopts[NPARAMS + 3] = (struct option){"json", no_argument, NULL, OPT_JSON};
    longopts[NPARAMS + 4] = (struct option){NULL, 0, NULL, 0};
    list_flags_t f = {0};
    int n = cli_parse_options(argc, argv, "traces list", NULL, longopts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("traces list", "takes no arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/traces");
    for (size_t i = 0; i < NPARAMS; i++)
        cli_query_add(&target, list_params[i].param, f.values[i]);
    cli_query_add(&target, "has_feedback", f.has_feedback);
    for (size_t i = 0; i < f.nscores; i++)
        cli_query_add(&target, "score", f.scores[i]);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    if (f.json)
        cli_print_json(reply);
    else
        print_table(reply);
    json_decref(reply);
    return CLI_OK;
}

/* A text or JSON value on one line, clipped. */
static void print_payload(const char *label, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT);
    const char *shown = text ? text : json_string_value(v);
    char clip[256];
    printf("%-8s %s\n", label, cli_clip(shown, 200, "...", clip, sizeof clip));
    free(text);
}

/* One span and, indented below it, its children: name, type, start offset from the trace's
 * start, duration, status. */
static void print_span(const json_t *sp, int depth, json_int_t trace_start)
{
    char duration[32] = "-";
    json_t *latency = json_object_get(sp, "latency_ms");
    json_t *start = json_object_get(sp, "start_ms"), *end = json_object_get(sp, "end_ms");
    if (json_is_number(latency))
        snprintf(duration, sizeof duration, "%.1f ms", json_number_value(latency));
    else if (json_is_integer(start) && json_is_integer(end))
        snprintf(duration, sizeof duration, "%" JSON_INTEGER_FORMAT " ms",
                 json_integer_value(end) - json_integer_value(start));
    char name[160];
    snprintf(name, sizeof name, "%*s%s", depth * 2, "", text_of(sp, "name"));
    printf("%-48s %-10s +%-9" JSON_INTEGER_FORMAT " %-12s %s%s\n", name, text_of(sp, "type"),
           json_integer_value(start) - trace_start, duration, text_of(sp, "status"),
           json_is_true(json_object_get(sp, "orphan")) ? "  (parent missing)" : "");
    size_t i;
    json_t *child;
    json_array_foreach(json_object_get(sp, "children"), i, child)
    {
        print_span(child, depth + 1, trace_start);
    }
}

static void print_trace(const json_t *t)
{
    char started[32], tokens[48], cost[32], latency[32];
    tokens_text(t, tokens, sizeof tokens);
    number_text(json_object_get(t, "cost_usd"), 6, "$", "", cost, sizeof cost);
    number_text(json_object_get(t, "latency_ms"), 1, "", " ms", latency, sizeof latency);
    printf("trace    %s  %s\n", text_of(t, "trace_id"), text_of(t, "name"));
    printf("started  %s UTC  latency %s  status %s  tokens %s  cost %s\n",
           when(json_object_get(t, "start_ms"), started, sizeof started), latency,
           text_of(t, "status"), tokens, cost);
    printf("session  %s  user %s  endpoint %s  model %s\n", text_of(t, "session_id"),
           text_of(t, "user"), text_of(t, "endpoint"), text_of(t, "model"));
    print_payload("input", json_object_get(t, "input"));
    print_payload("output", json_object_get(t, "output"));
    printf("\n%-48s %-10s %-10s %-12s %s\n", "SPAN", "TYPE", "START", "DURATION", "STATUS");
    json_int_t start = json_integer_value(json_object_get(t, "start_ms"));
    size_t i;
    json_t *sp;
    json_array_foreach(json_object_get(t, "tree"), i, sp)
    {
        print_span(sp, 0, start);
    }
    json_t *scores = json_object_get(t, "scores");
    if (json_array_size(scores) > 0)
        printf("\nSCORES\n");
    json_array_foreach(scores, i, sp)
    {
        char *value = json_dumps(json_object_get(sp, "value"), JSON_ENCODE_ANY);
        printf("  %-24s %-12s %s%s%s\n", text_of(sp, "name"), value ? value : "-",
               text_of(sp, "source"), json_is_string(json_object_get(sp, "comment")) ? "  " : "",
               json_is_string(json_object_get(sp, "comment")) ? text_of(sp, "comment") : "");
        free(value);
    }
}

static int take_json(int opt, const char *arg, void *ctx)
{
    (void)arg;
    if (opt != OPT_JSON)
        return CLI_OPTION_UNKNOWN;
    *(int *)ctx = 1;
    return CLI_OPTION_OK;
}

/* GET base/ID and print it with print, or as JSON with --json. */
static int show(cli_t *cli, int argc, char **argv, const char *command, const char *base,
                void (*print)(const json_t *))
{
    static const struct option longopts[] = {{"json", no_argument, NULL, OPT_JSON},
                                             {NULL, 0, NULL, 0}};
    int json = 0;
    int n = cli_parse_options(argc, argv, command, NULL, longopts, take_json, &json);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error(command, "expects one ID");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, base);
    cli_path_add(&target, argv[0]);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    if (json)
        cli_print_json(reply);
    else
        print(reply);
    json_decref(reply);
    return CLI_OK;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    return show(cli, argc, argv, "traces show", "/api/v1/traces", print_trace);
}

/* ---- sessions -------------------------------------------------------------------------------- */

typedef struct session_flags {
    const char *user, *since, *until, *limit, *page_token;
    int json;
} session_flags_t;

static int take_session_flag(int opt, const char *arg, void *ctx)
{
    session_flags_t *f = ctx;
    const char **slot = opt == 'u'   ? &f->user
                        : opt == 'a' ? &f->since
                        : opt == 'b' ? &f->until
                        : opt == 'n' ? &f->limit
                        : opt == 't' ? &f->page_token
                                     : NULL;
    if (opt == OPT_JSON) {
        f->json = 1;
        return CLI_OPTION_OK;
    }
    if (!slot)
        return CLI_OPTION_UNKNOWN;
    *slot = arg;
    return CLI_OPTION_OK;
}

static void print_sessions(const json_t *reply)
{
    printf("%-19s %-36s %-16s %6s %6s %-15s %s\n", "LAST (UTC)", "SESSION", "USER", "TRACES",
           "ERRORS", "TOKENS IN/OUT", "COST $");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(reply, "sessions"), i, s)
    {
        char last[32], id[80], user[64], tokens[48], cost[32];
        tokens_text(s, tokens, sizeof tokens);
        number_text(json_object_get(s, "cost_usd"), 6, "", "", cost, sizeof cost);
        printf("%-19s %-36s %-16s %6" JSON_INTEGER_FORMAT " %6" JSON_INTEGER_FORMAT " %-15s %s\n",
               when(json_object_get(s, "last_start_ms"), last, sizeof last),
               cli_clip(text_of(s, "session_id"), 36, "~", id, sizeof id),
               cli_clip(text_of(s, "user"), 16, "~", user, sizeof user),
               json_integer_value(json_object_get(s, "trace_count")),
               json_integer_value(json_object_get(s, "errors")), tokens, cost);
    }
    if (i == 0)
        printf("(no sessions)\n");
    print_more(reply);
}

static int run_sessions_list(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {{"user", required_argument, NULL, 'u'},
                                             {"since", required_argument, NULL, 'a'},
                                             {"until", required_argument, NULL, 'b'},
                                             {"limit", required_argument, NULL, 'n'},
                                             {"page-token", required_argument, NULL, 't'},
                                             {"json", no_argument, NULL, OPT_JSON},
                                             {NULL, 0, NULL, 0}};
    session_flags_t f = {0};
    int n = cli_parse_options(argc, argv, "sessions list", NULL, longopts, take_session_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("sessions list", "takes no arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/sessions");
    cli_query_add(&target, "user", f.user);
    cli_query_add(&target, "since", f.since);
    cli_query_add(&target, "until", f.until);
    cli_query_add(&target, "limit", f.limit);
    cli_query_add(&target, "page_token", f.page_token);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    if (f.json)
        cli_print_json(reply);
    else
        print_sessions(reply);
    json_decref(reply);
    return CLI_OK;
}

/* The conversation: each trace's time, id, input and output. */
static void print_session(const json_t *s)
{
    char tokens[48], cost[32];
    tokens_text(s, tokens, sizeof tokens);
    number_text(json_object_get(s, "cost_usd"), 6, "$", "", cost, sizeof cost);
    printf("session  %s  user %s  traces %" JSON_INTEGER_FORMAT "  errors %" JSON_INTEGER_FORMAT
           "  tokens %s  cost %s\n",
           text_of(s, "session_id"), text_of(s, "user"),
           json_integer_value(json_object_get(s, "trace_count")),
           json_integer_value(json_object_get(s, "errors")), tokens, cost);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(s, "traces"), i, t)
    {
        char at[32];
        printf("\n[%s] %s %s (%s)\n", when(json_object_get(t, "start_ms"), at, sizeof at),
               text_of(t, "trace_id"), text_of(t, "name"), text_of(t, "status"));
        print_payload("input", json_object_get(t, "input"));
        print_payload("output", json_object_get(t, "output"));
    }
    if (json_is_true(json_object_get(s, "truncated")))
        printf("\n(only the first traces are shown)\n");
}

static int run_sessions_show(cli_t *cli, int argc, char **argv)
{
    return show(cli, argc, argv, "sessions show", "/api/v1/sessions", print_session);
}

const cli_command_t cmd_traces_commands[] = {
    {"traces", "list",
     "[--endpoint E] [--model M] [--version V] [--status ok|error|unset] [--key-id K]\n"
     "       [--user U] [--session-id S] [--name N] [--source gateway|otlp|langfuse]\n"
     "       [--since MS] [--until MS] [--min-latency MS] [--min-cost USD]\n"
     "       [--has-feedback | --no-feedback] [--score 'NAME>=0.5']... [--q TEXT]\n"
     "       [--sort start_ms|latency_ms|cost_usd|tokens] [--order desc|asc]\n"
     "       [--limit N] [--page-token T] [--json]",
     "list traces (newest first unless --sort/--order say otherwise)",
     "Prints time, trace id, endpoint (or name), model, status, tokens, cost and latency.\n"
     "--since/--until are epoch milliseconds; --q searches input and output for all its words;\n"
     "--score NAME OP VALUE (OP >= <= > < = !=) may be repeated, all must hold.\n"
     "Example: llmops traces list --status error --min-latency 2000 --sort latency_ms",
     run_list},
    {"traces", "show", "TRACE_ID [--json]",
     "show one trace: its span tree with durations, input, output and scores",
     "Example: llmops traces show 0190f1c2a4b84e6f9d0c1a2b3c4d5e6f", run_show},
    {"sessions", "list",
     "[--user U] [--since MS] [--until MS] [--limit N] [--page-token T] [--json]",
     "list sessions, most recent activity first",
     "Prints last activity, session id, user, traces, errors, tokens and cost.\n"
     "Example: llmops sessions list --user alice",
     run_sessions_list},
    {"sessions", "show", "SESSION_ID [--json]", "show a session's conversation, oldest first",
     "Example: llmops sessions show chat-42", run_sessions_show},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
