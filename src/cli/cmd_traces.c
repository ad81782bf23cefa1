/* cmd_traces.c - `llmops traces list|show`: the gateway's traces from the shell, over
 * /api/v1/traces. list prints a compact table (or the JSON reply with --json); show prints one
 * trace, spans included, as JSON. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct list_flags {
    const char *endpoint, *model, *status, *key_id, *user, *session_id, *since, *until, *limit,
        *page_token;
    int json;
} list_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    list_flags_t *f = ctx;
    const char **slot = opt == 'e'   ? &f->endpoint
                        : opt == 'm' ? &f->model
                        : opt == 's' ? &f->status
                        : opt == 'k' ? &f->key_id
                        : opt == 'u' ? &f->user
                        : opt == 'S' ? &f->session_id
                        : opt == 'a' ? &f->since
                        : opt == 'b' ? &f->until
                        : opt == 'n' ? &f->limit
                        : opt == 't' ? &f->page_token
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

static void print_table(const json_t *reply)
{
    printf("%-19s %-32s %-16s %-24s %-6s %-13s %-10s %s\n", "TIME (UTC)", "TRACE", "ENDPOINT",
           "MODEL", "STATUS", "TOKENS IN/OUT", "COST $", "LATENCY");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(reply, "traces"), i, t)
    {
        char c0[32], c1[64], c2[64], tokens[48], cost[32] = "-", latency[32] = "-";
        json_t *in = json_object_get(t, "input_tokens"), *out = json_object_get(t, "output_tokens");
        if (json_is_integer(in) || json_is_integer(out))
            snprintf(tokens, sizeof tokens, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
                     json_integer_value(in), json_integer_value(out));
        else
            snprintf(tokens, sizeof tokens, "-");
        json_t *c = json_object_get(t, "cost_usd"), *l = json_object_get(t, "latency_ms");
        if (json_is_number(c))
            snprintf(cost, sizeof cost, "%.6f", json_number_value(c));
        if (json_is_number(l))
            snprintf(latency, sizeof latency, "%.0f ms", json_number_value(l));
        printf("%-19s %-32s %-16s %-24s %-6s %-13s %-10s %s\n",
               when(json_object_get(t, "start_ms"), c0, sizeof c0), text_of(t, "trace_id"),
               cli_clip(text_of(t, "endpoint"), 16, "~", c1, sizeof c1),
               cli_clip(text_of(t, "model"), 24, "~", c2, sizeof c2), text_of(t, "status"), tokens,
               cost, latency);
    }
    if (i == 0)
        printf("(no traces)\n");
    const char *token = json_string_value(json_object_get(reply, "next_page_token"));
    if (token)
        printf("\nmore: --page-token %s\n", token);
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"model", required_argument, NULL, 'm'},
        {"status", required_argument, NULL, 's'},   {"key-id", required_argument, NULL, 'k'},
        {"user", required_argument, NULL, 'u'},     {"session-id", required_argument, NULL, 'S'},
        {"since", required_argument, NULL, 'a'},    {"until", required_argument, NULL, 'b'},
        {"limit", required_argument, NULL, 'n'},    {"page-token", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},           {NULL, 0, NULL, 0}};
    list_flags_t f = {0};
    int n = cli_parse_options(argc, argv, "traces list", NULL, longopts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("traces list", "takes no arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/traces");
    cli_query_add(&target, "endpoint", f.endpoint);
    cli_query_add(&target, "model", f.model);
    cli_query_add(&target, "status", f.status);
    cli_query_add(&target, "key_id", f.key_id);
    cli_query_add(&target, "user", f.user);
    cli_query_add(&target, "session_id", f.session_id);
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
        print_table(reply);
    json_decref(reply);
    return CLI_OK;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return cli_usage_error("traces show", "expects one TRACE_ID");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/traces");
    cli_path_add(&target, argv[0]);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

const cli_command_t cmd_traces_commands[] = {
    {"traces", "list",
     "[--endpoint E] [--model M] [--status ok|error] [--key-id K] [--user U] [--session-id S]\n"
     "       [--since MS] [--until MS] [--limit N] [--page-token T] [--json]",
     "list the gateway's traces, newest first",
     "Prints time, trace id, endpoint, upstream model, status, tokens, cost and latency.\n"
     "--since/--until are epoch milliseconds. Example: llmops traces list --status error",
     run_list},
    {"traces", "show", "TRACE_ID", "show one trace with its spans (JSON)",
     "Example: llmops traces show 0190f1c2a4b84e6f9d0c1a2b3c4d5e6f", run_show},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
