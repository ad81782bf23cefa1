/* cmd_alerts.c - `llmops alerts create|list|get|delete|events|evaluate` and `llmops retention
 * purge`: alert rules, their events and the trace purge from the shell. Numbers that do not
 * parse are sent as they were typed, so the server's 400 names the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct alert_flags {
    json_t *rule; /* create: the rule being built */
    const char *rule_id, *limit, *days;
} alert_flags_t;

/* "300" -> 300, "1.5" -> 1.5, anything else stays a string. */
static json_t *number_or_text(const char *text, int integer)
{
    char *end;
    if (integer) {
        long long v = strtoll(text, &end, 10);
        if (end != text && !*end)
            return json_integer(v);
    } else {
        double v = strtod(text, &end);
        if (end != text && !*end)
            return json_real(v);
    }
    return json_string(text);
}

static int take_flag(int opt, const char *arg, void *ctx)
{
    alert_flags_t *f = ctx;
    static const char *const keys[] = {
        ['n'] = "name",  ['m'] = "metric",     ['g'] = "group",      ['e'] = "endpoint",
        ['M'] = "model", ['c'] = "comparison", ['u'] = "webhook_url"};
    switch (opt) {
    case 'n':
    case 'm':
    case 'g':
    case 'e':
    case 'M':
    case 'c':
    case 'u':
        if (!f->rule)
            return CLI_OPTION_UNKNOWN;
        json_object_set_new(f->rule, keys[opt], json_string(arg));
        return CLI_OPTION_OK;
    case 'w':
    case 'r':
        if (!f->rule)
            return CLI_OPTION_UNKNOWN;
        json_object_set_new(f->rule, opt == 'w' ? "window_s" : "min_requests",
                            number_or_text(arg, 1));
        return CLI_OPTION_OK;
    case 't':
        if (!f->rule)
            return CLI_OPTION_UNKNOWN;
        json_object_set_new(f->rule, "threshold", number_or_text(arg, 0));
        return CLI_OPTION_OK;
    case 'd':
        if (!f->rule)
            return CLI_OPTION_UNKNOWN;
        json_object_set_new(f->rule, "enabled", json_false());
        return CLI_OPTION_OK;
    case 'R':
        f->rule_id = arg;
        return CLI_OPTION_OK;
    case 'l':
        f->limit = arg;
        return CLI_OPTION_OK;
    case 'D':
        f->days = arg;
        return CLI_OPTION_OK;
    }
    return CLI_OPTION_UNKNOWN;
}

static const struct option create_opts[] = {
    {"name", required_argument, NULL, 'n'},         {"metric", required_argument, NULL, 'm'},
    {"group", required_argument, NULL, 'g'},        {"endpoint", required_argument, NULL, 'e'},
    {"model", required_argument, NULL, 'M'},        {"comparison", required_argument, NULL, 'c'},
    {"threshold", required_argument, NULL, 't'},    {"window-s", required_argument, NULL, 'w'},
    {"min-requests", required_argument, NULL, 'r'}, {"webhook", required_argument, NULL, 'u'},
    {"disabled", no_argument, NULL, 'd'},           {NULL, 0, NULL, 0}};

static int run_create(cli_t *cli, int argc, char **argv)
{
    alert_flags_t f = {.rule = json_object()};
    int n = cli_parse_options(argc, argv, "alerts create", NULL, create_opts, take_flag, &f);
    int rc;
    if (n < 0)
        rc = CLI_USAGE;
    else if (n != 0)
        rc = cli_usage_error("alerts create", "takes no positional arguments");
    else
        rc = cli_call_and_print(cli, "POST", "/api/v1/alerts/rules", f.rule);
    json_decref(f.rule);
    return rc;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    alert_flags_t f = {0};
    static const struct option none[] = {{NULL, 0, NULL, 0}};
    int n = cli_parse_options(argc, argv, "alerts list", NULL, none, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("alerts list", "takes no positional arguments");
    return cli_call_and_print(cli, "GET", "/api/v1/alerts/rules", NULL);
}

/* get and delete: one rule id. */
static int run_one(cli_t *cli, int argc, char **argv, const char *verb, const char *method)
{
    alert_flags_t f = {0};
    static const struct option none[] = {{NULL, 0, NULL, 0}};
    char command[32];
    snprintf(command, sizeof command, "alerts %s", verb);
    int n = cli_parse_options(argc, argv, command, NULL, none, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error(command, "expects one rule id");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/alerts/rules");
    cli_path_add(&target, argv[0]);
    int rc = cli_call_and_print(cli, method, buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_get(cli_t *cli, int argc, char **argv)
{
    return run_one(cli, argc, argv, "get", "GET");
}

static int run_delete(cli_t *cli, int argc, char **argv)
{
    return run_one(cli, argc, argv, "delete", "DELETE");
}

static int run_events(cli_t *cli, int argc, char **argv)
{
    alert_flags_t f = {0};
    static const struct option opts[] = {{"rule", required_argument, NULL, 'R'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {NULL, 0, NULL, 0}};
    int n = cli_parse_options(argc, argv, "alerts events", NULL, opts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("alerts events", "takes no positional arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/alerts/events");
    cli_query_add(&target, "rule_id", f.rule_id);
    cli_query_add(&target, "limit", f.limit);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_evaluate(cli_t *cli, int argc, char **argv)
{
    alert_flags_t f = {0};
    static const struct option none[] = {{NULL, 0, NULL, 0}};
    int n = cli_parse_options(argc, argv, "alerts evaluate", NULL, none, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("alerts evaluate", "takes no positional arguments");
    return cli_call_and_print(cli, "POST", "/api/v1/alerts/evaluate", NULL);
}

static int run_purge(cli_t *cli, int argc, char **argv)
{
    alert_flags_t f = {0};
    static const struct option opts[] = {{"older-than-days", required_argument, NULL, 'D'},
                                         {NULL, 0, NULL, 0}};
    int n = cli_parse_options(argc, argv, "retention purge", NULL, opts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0 || !f.days)
        return cli_usage_error("retention purge", "needs --older-than-days N");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/traces/purge");
    cli_query_add(&target, "older_than_days", f.days);
    int rc = cli_call_and_print(cli, "POST", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

const cli_command_t cmd_alerts_commands[] = {
    {"alerts", "create",
     "--name N --metric M --window-s S --comparison OP --threshold X [--group G] [--endpoint E] "
     "[--model M] [--min-requests N] [--webhook URL] [--disabled]",
     "create an alert rule",
     "Example: llmops alerts create --name slow --metric latency_p95 --window-s 300 "
     "--comparison '>' --threshold 2000 --group endpoint --webhook http://hooks.local/alert",
     run_create},
    {"alerts", "list", "", "list the alert rules", NULL, run_list},
    {"alerts", "get", "ID", "one alert rule and the current state of its groups", NULL, run_get},
    {"alerts", "delete", "ID", "delete an alert rule (its events stay)", NULL, run_delete},
    {"alerts", "events", "[--rule ID] [--limit N]", "alert events, newest first", NULL, run_events},
    {"alerts", "evaluate", "", "evaluate every enabled rule now and deliver the webhooks", NULL,
     run_evaluate},
    {"retention", "purge", "--older-than-days N",
     "delete traces (with spans and scores) that started more than N days ago",
     "Example: llmops retention purge --older-than-days 30", run_purge},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
