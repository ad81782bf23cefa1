/* cmd_feedback.c - `llmops feedback add|list|delete|export` and `llmops queues
 * create|list|show|next|complete|skip`: scores and annotation queues from the shell. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

/* Every option of these verbs; each verb accepts a subset (its letters). */
enum {
    O_TRACE = 't',
    O_NAME = 'n',
    O_VALUE = 'v',
    O_COMMENT = 'c',
    O_CORRECTION = 'C',
    O_SOURCE = 's',
    O_AUTHOR = 'a',
    O_SPAN = 'S',
    O_TYPE = 'T',
    O_LIMIT = 'l',
    O_ENDPOINT = 'e',
    O_MODEL = 'm',
    O_STATUS = 'x',
    O_USER = 'u',
    O_SESSION = 'j',
    O_SINCE = 'f',
    O_UNTIL = 'g',
    O_ALL = 'A',
    O_OUT = 'o',
    O_DESCRIPTION = 'd',
    O_FILTER = 'F',
    O_RUBRIC = 'R',
    O_LEASE = 'L',
    O_NO_FILL = 'N',
    O_REVIEWER = 'r',
    O_SCORE = 'k',
    O_SCORES = 'K',
};

#define MAX_SCORE_ARGS 50

typedef struct fb_flags {
    const char *accepted;
    const char *val[128];
    const char *scores[MAX_SCORE_ARGS]; /* --score name=value, repeatable */
    int nscores;
} fb_flags_t;

static const struct option longopts[] = {
    {"trace", required_argument, NULL, O_TRACE},
    {"name", required_argument, NULL, O_NAME},
    {"value", required_argument, NULL, O_VALUE},
    {"comment", required_argument, NULL, O_COMMENT},
    {"correction", required_argument, NULL, O_CORRECTION},
    {"source", required_argument, NULL, O_SOURCE},
    {"author", required_argument, NULL, O_AUTHOR},
    {"span", required_argument, NULL, O_SPAN},
    {"data-type", required_argument, NULL, O_TYPE},
    {"limit", required_argument, NULL, O_LIMIT},
    {"endpoint", required_argument, NULL, O_ENDPOINT},
    {"model", required_argument, NULL, O_MODEL},
    {"status", required_argument, NULL, O_STATUS},
    {"user", required_argument, NULL, O_USER},
    {"session", required_argument, NULL, O_SESSION},
    {"since", required_argument, NULL, O_SINCE},
    {"until", required_argument, NULL, O_UNTIL},
    {"all", no_argument, NULL, O_ALL},
    {"out", required_argument, NULL, O_OUT},
    {"description", required_argument, NULL, O_DESCRIPTION},
    {"filter", required_argument, NULL, O_FILTER},
    {"rubric", required_argument, NULL, O_RUBRIC},
    {"lease-minutes", required_argument, NULL, O_LEASE},
    {"no-fill", no_argument, NULL, O_NO_FILL},
    {"reviewer", required_argument, NULL, O_REVIEWER},
    {"score", required_argument, NULL, O_SCORE},
    {"scores", required_argument, NULL, O_SCORES},
    {NULL, 0, NULL, 0},
};

static int take_flag(int opt, const char *arg, void *ctx)
{
    fb_flags_t *f = ctx;
    if (opt <= 0 || opt >= 128 || !strchr(f->accepted, opt))
        return CLI_OPTION_UNKNOWN;
    if (opt == O_SCORE) {
        if (f->nscores >= MAX_SCORE_ARGS) {
            fprintf(stderr, "llmops: at most %d --score options\n", MAX_SCORE_ARGS);
            return CLI_OPTION_FAILED;
        }
        f->scores[f->nscores++] = arg;
        return CLI_OPTION_OK;
    }
    f->val[opt] = arg ? arg : "true";
    return CLI_OPTION_OK;
}

static int parse(int argc, char **argv, const char *command, fb_flags_t *f)
{
    return cli_parse_options(argc, argv, command, NULL, longopts, take_flag, f);
}

/* A value typed on the command line: true/false, a number, else text. */
static json_t *value_arg(const char *text)
{
    if (strcmp(text, "true") == 0)
        return json_true();
    if (strcmp(text, "false") == 0)
        return json_false();
    char *end = NULL;
    errno = 0;
    double d = strtod(text, &end);
    if (text[0] && !*end && !errno)
        return d == (double)(json_int_t)d && !strpbrk(text, ".eE") ? json_integer((json_int_t)d)
                                                                   : json_real(d);
    return json_string(text);
}

static void set_opt(json_t *o, const char *key, const char *value)
{
    if (value)
        json_object_set_new(o, key, json_string(value));
}

/* ---- feedback -------------------------------------------------------------------------------- */

static int run_add(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = "tnvcCsaST"};
    int n = parse(argc, argv, "feedback add", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0 || !f.val[O_TRACE] || !f.val[O_NAME] || !f.val[O_VALUE])
        return cli_usage_error("feedback add", "needs --trace ID --name NAME --value VALUE");
    json_t *body = json_object();
    set_opt(body, "trace_id", f.val[O_TRACE]);
    set_opt(body, "name", f.val[O_NAME]);
    /* A category that looks like a number stays text when the type says so. */
    if (f.val[O_TYPE] && strcmp(f.val[O_TYPE], "categorical") == 0)
        json_object_set_new(body, "value", json_string(f.val[O_VALUE]));
    else
        json_object_set_new(body, "value", value_arg(f.val[O_VALUE]));
    set_opt(body, "data_type", f.val[O_TYPE]);
    set_opt(body, "comment", f.val[O_COMMENT]);
    set_opt(body, "correction", f.val[O_CORRECTION]);
    set_opt(body, "source", f.val[O_SOURCE]);
    set_opt(body, "author", f.val[O_AUTHOR]);
    set_opt(body, "span_id", f.val[O_SPAN]);
    int rc = cli_call_and_print(cli, "POST", "/api/v1/feedback", body);
    json_decref(body);
    return rc;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = "tnsfgl"};
    int n = parse(argc, argv, "feedback list", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("feedback list", "takes no positional arguments");
    buf_t t;
    buf_init(&t);
    buf_append_str(&t, "/api/v1/feedback");
    cli_query_add(&t, "trace_id", f.val[O_TRACE]);
    cli_query_add(&t, "name", f.val[O_NAME]);
    cli_query_add(&t, "source", f.val[O_SOURCE]);
    cli_query_add(&t, "since", f.val[O_SINCE]);
    cli_query_add(&t, "until", f.val[O_UNTIL]);
    cli_query_add(&t, "limit", f.val[O_LIMIT]);
    int rc = cli_call_and_print(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    return rc;
}

static int run_delete(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = ""};
    int n = parse(argc, argv, "feedback delete", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("feedback delete", "expects one score id");
    buf_t t;
    buf_init(&t);
    buf_append_str(&t, "/api/v1/feedback");
    cli_path_add(&t, argv[0]);
    int rc = cli_call_and_print(cli, "DELETE", buf_str(&t), NULL);
    buf_free(&t);
    return rc;
}

static int run_export(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = "emxujfgnAo"};
    int n = parse(argc, argv, "feedback export", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("feedback export", "takes no positional arguments");
    buf_t t;
    buf_init(&t);
    buf_append_str(&t, "/api/v1/feedback/export");
    cli_query_add(&t, "format", "jsonl");
    cli_query_add(&t, "endpoint", f.val[O_ENDPOINT]);
    cli_query_add(&t, "model", f.val[O_MODEL]);
    cli_query_add(&t, "status", f.val[O_STATUS]);
    cli_query_add(&t, "user", f.val[O_USER]);
    cli_query_add(&t, "session_id", f.val[O_SESSION]);
    cli_query_add(&t, "since", f.val[O_SINCE]);
    cli_query_add(&t, "until", f.val[O_UNTIL]);
    cli_query_add(&t, "name", f.val[O_NAME]);
    cli_query_add(&t, "only_with_feedback", f.val[O_ALL] ? "false" : "true");
    int status = 0;
    json_t *response = NULL;
    cli_call(cli, "GET", buf_str(&t), NULL, &status, &response);
    buf_free(&t);
    if (status < 200 || status >= 300) {
        cli_print_error(status, response);
        json_decref(response);
        return CLI_FAILED;
    }
    /* The reply is JSON Lines; cli_call hands several lines back as {"body": text} and a single
     * line parsed, which is written back as the one compact line it was. */
    const json_t *text = json_object_get(response, "body");
    char *line = NULL;
    const char *data;
    if (json_object_size(response) == 1 && json_is_string(text)) {
        data = json_string_value(text);
    } else {
        char *one = json_dumps(response, JSON_COMPACT | JSON_PRESERVE_ORDER);
        buf_t b;
        buf_init(&b);
        buf_printf(&b, "%s\n", one);
        free(one);
        line = buf_steal(&b);
        data = line;
    }
    int rc = CLI_OK;
    FILE *out = f.val[O_OUT] ? fopen(f.val[O_OUT], "w") : stdout;
    if (!out) {
        fprintf(stderr, "llmops feedback export: cannot open %s: %s\n", f.val[O_OUT],
                strerror(errno));
        rc = CLI_FAILED;
    } else {
        size_t len = strlen(data);
        if (fwrite(data, 1, len, out) != len)
            rc = CLI_FAILED;
        if (out != stdout && fclose(out) != 0)
            rc = CLI_FAILED;
        if (rc != CLI_OK)
            fprintf(stderr, "llmops feedback export: writing failed\n");
    }
    free(line);
    json_decref(response);
    return rc;
}

/* ---- queues ---------------------------------------------------------------------------------- */

/* "/api/v1/annotation-queues[/QUEUE[/rest]]" */
static void queue_target(buf_t *t, const char *queue, const char *rest)
{
    buf_init(t);
    buf_append_str(t, "/api/v1/annotation-queues");
    if (queue)
        cli_path_add(t, queue);
    if (rest)
        buf_append_str(t, rest);
}

static int run_q_create(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = "dFRLlN"};
    int n = parse(argc, argv, "queues create", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("queues create", "expects the queue's NAME");
    json_t *body = json_pack("{s:s}", "name", argv[0]);
    set_opt(body, "description", f.val[O_DESCRIPTION]);
    int rc = CLI_OK;
    if (f.val[O_FILTER]) {
        json_t *filter = cli_json_arg("queues create", "--filter", f.val[O_FILTER]);
        if (!filter)
            rc = CLI_USAGE;
        else
            json_object_set_new(body, "filter", filter);
    }
    if (rc == CLI_OK && f.val[O_RUBRIC]) {
        json_t *rubric = cli_json_arg("queues create", "--rubric", f.val[O_RUBRIC]);
        if (!rubric)
            rc = CLI_USAGE;
        else
            json_object_set_new(body, "rubric", rubric);
    }
    if (rc == CLI_OK && f.val[O_LEASE])
        json_object_set_new(body, "lease_minutes", value_arg(f.val[O_LEASE]));
    if (rc == CLI_OK && f.val[O_LIMIT])
        json_object_set_new(body, "limit", value_arg(f.val[O_LIMIT]));
    if (f.val[O_NO_FILL])
        json_object_set_new(body, "fill", json_false());
    if (rc == CLI_OK)
        rc = cli_call_and_print(cli, "POST", "/api/v1/annotation-queues", body);
    json_decref(body);
    return rc;
}

static int run_q_list(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = ""};
    int n = parse(argc, argv, "queues list", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("queues list", "takes no arguments");
    return cli_call_and_print(cli, "GET", "/api/v1/annotation-queues", NULL);
}

static int run_q_show(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = ""};
    int n = parse(argc, argv, "queues show", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("queues show", "expects one queue id or name");
    buf_t t;
    queue_target(&t, argv[0], NULL);
    int rc = cli_call_and_print(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    return rc;
}

static int run_q_next(cli_t *cli, int argc, char **argv)
{
    fb_flags_t f = {.accepted = "r"};
    int n = parse(argc, argv, "queues next", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1 || !f.val[O_REVIEWER])
        return cli_usage_error("queues next", "expects QUEUE --reviewer NAME");
    buf_t t;
    queue_target(&t, argv[0], "/next");
    cli_query_add(&t, "reviewer", f.val[O_REVIEWER]);
    int rc = cli_call_and_print(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    return rc;
}

/* complete and skip: POST QUEUE/items/TRACE/<verb> {"reviewer", "scores"?} */
static int run_verdict(cli_t *cli, int argc, char **argv, const char *verb)
{
    char command[32];
    snprintf(command, sizeof command, "queues %s", verb);
    int complete = strcmp(verb, "complete") == 0;
    fb_flags_t f = {.accepted = complete ? "rkK" : "r"};
    int n = parse(argc, argv, command, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 2 || !f.val[O_REVIEWER])
        return cli_usage_error(command, "expects QUEUE TRACE_ID --reviewer NAME");
    json_t *body = json_pack("{s:s}", "reviewer", f.val[O_REVIEWER]);
    int rc = CLI_OK;
    if (complete && f.val[O_SCORES]) {
        json_t *scores = cli_json_arg(command, "--scores", f.val[O_SCORES]);
        if (!scores)
            rc = CLI_USAGE;
        else
            json_object_set_new(body, "scores", scores);
    } else if (complete) {
        json_t *scores = json_object();
        for (int i = 0; i < f.nscores && rc == CLI_OK; i++) {
            const char *eq = strchr(f.scores[i], '=');
            if (!eq || eq == f.scores[i]) {
                rc = cli_usage_error(command, "--score is NAME=VALUE, not '%s'", f.scores[i]);
                break;
            }
            char *name = strndup(f.scores[i], (size_t)(eq - f.scores[i]));
            json_object_set_new(scores, name, value_arg(eq + 1));
            free(name);
        }
        json_object_set_new(body, "scores", scores);
    }
    if (rc == CLI_OK) {
        buf_t t;
        queue_target(&t, argv[0], "/items");
        cli_path_add(&t, argv[1]);
        buf_printf(&t, "/%s", verb);
        rc = cli_call_and_print(cli, "POST", buf_str(&t), body);
        buf_free(&t);
    }
    json_decref(body);
    return rc;
}

static int run_q_complete(cli_t *cli, int argc, char **argv)
{
    return run_verdict(cli, argc, argv, "complete");
}

static int run_q_skip(cli_t *cli, int argc, char **argv)
{
    return run_verdict(cli, argc, argv, "skip");
}

const cli_command_t cmd_feedback_commands[] = {
    {"feedback", "add",
     "--trace ID --name NAME --value VALUE [--comment TEXT] [--correction TEXT] "
     "[--source human|api|eval] [--author WHO] [--span SPAN_ID] [--data-type TYPE]",
     "attach a score to a trace (or one of its spans)",
     "VALUE true/false is boolean, a number numeric, anything else categorical.\n"
     "Example: llmops feedback add --trace 0af7651916cd43dd8448eb211c80319c --name helpful "
     "--value false --correction 'Paris' --source human --author ann",
     run_add},
    {"feedback", "list",
     "[--trace ID] [--name NAME] [--source S] [--since MS] [--until MS] "
     "[--limit N]",
     "list scores, oldest first",
     "Example: llmops feedback list --trace 0af7651916cd43dd8448eb211c80319c", run_list},
    {"feedback", "delete", "SCORE_ID", "delete one score", NULL, run_delete},
    {"feedback", "export",
     "[--endpoint E] [--model M] [--status ok|error] [--user U] [--session S] [--since MS] "
     "[--until MS] [--name SCORE] [--all] [--out FILE]",
     "traces with their feedback as JSON Lines (see docs/feedback.md)",
     "Without --all only traces that have feedback (a score named --name, when given) are "
     "written.\nExample: llmops feedback export --endpoint support --name helpful --out "
     "helpful.jsonl",
     run_export},
    {"queues", "create",
     "NAME [--description TEXT] [--filter JSON] [--rubric JSON|@FILE] [--lease-minutes N] "
     "[--limit N] [--no-fill]",
     "create an annotation queue and fill it with the traces the filter matches",
     "Example: llmops queues create errors --filter '{\"status\":\"error\"}' --rubric "
     "'[{\"name\":\"helpful\",\"data_type\":\"boolean\",\"required\":true}]'",
     run_q_create},
    {"queues", "list", "", "annotation queues with their progress", NULL, run_q_list},
    {"queues", "show", "QUEUE", "one queue (id or name) with its progress", NULL, run_q_show},
    {"queues", "next", "QUEUE --reviewer NAME",
     "claim the next item to review (or get back the one you hold)", NULL, run_q_next},
    {"queues", "complete",
     "QUEUE TRACE_ID --reviewer NAME [--score NAME=VALUE ...] "
     "[--scores JSON]",
     "record your scores for an item and mark it done",
     "Example: llmops queues complete errors 0af7651916cd43dd8448eb211c80319c --reviewer ann "
     "--score helpful=false --score stars=2",
     run_q_complete},
    {"queues", "skip", "QUEUE TRACE_ID --reviewer NAME", "skip an item", NULL, run_q_skip},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
