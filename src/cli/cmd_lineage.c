/* cmd_lineage.c - `llmops lineage record|edges|graph`: the lineage graph from the shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

/* "dataset:qa-set:3" -> {"type":"dataset","id":"qa-set:3"} */
static json_t *node_arg(const char *text)
{
    const char *colon = strchr(text, ':');
    if (!colon || colon == text || !colon[1])
        return NULL;
    return json_pack("{s:s%, s:s}", "type", text, (size_t)(colon - text), "id", colon + 1);
}

/* The flags of the lineage verbs; each verb reads the ones it takes. */
typedef struct lineage_flags {
    const char *from, *to, *relation, *direction, *depth;
    const char *accepted; /* the option letters this verb takes */
} lineage_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    lineage_flags_t *f = ctx;
    const char **slot = opt == 'f'   ? &f->from
                        : opt == 't' ? &f->to
                        : opt == 'r' ? &f->relation
                        : opt == 'd' ? &f->direction
                        : opt == 'm' ? &f->depth
                                     : NULL;
    if (!slot || !strchr(f->accepted, opt))
        return CLI_OPTION_UNKNOWN;
    *slot = arg;
    return CLI_OPTION_OK;
}

/* Parse a lineage verb's flags into f; returns the number of positionals (now first in argv),
 * or -1 after printing why. */
static int parse_flags(int argc, char **argv, const char *verb, lineage_flags_t *f)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},      {"to", required_argument, NULL, 't'},
        {"relation", required_argument, NULL, 'r'},  {"direction", required_argument, NULL, 'd'},
        {"max-depth", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
    char command[32];
    snprintf(command, sizeof command, "lineage %s", verb);
    return cli_parse_options(argc, argv, command, NULL, longopts, take_flag, f);
}

static int run_record(cli_t *cli, int argc, char **argv)
{
    lineage_flags_t f = {.accepted = "ftr"};
    int n = parse_flags(argc, argv, "record", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0 || !f.from || !f.to || !f.relation)
        return cli_usage_error("lineage record",
                               "needs --from TYPE:ID --to TYPE:ID --relation NAME");
    json_t *src = node_arg(f.from), *dst = node_arg(f.to);
    if (!src || !dst) {
        json_decref(src);
        json_decref(dst);
        return cli_usage_error("lineage record", "nodes are written TYPE:ID, e.g. dataset:qa:3");
    }
    json_t *body = json_pack("{s:o, s:o, s:s}", "from", src, "to", dst, "relation", f.relation);
    int rc = cli_call_and_print(cli, "POST", "/api/v1/lineage/edges", body);
    json_decref(body);
    return rc;
}

/* edges (direction) and graph (direction, max depth): GET path?type=&id=&... */
static int run_query(cli_t *cli, int argc, char **argv, const char *verb, const char *path,
                     const char *accepted)
{
    lineage_flags_t f = {.accepted = accepted};
    int n = parse_flags(argc, argv, verb, &f);
    char command[32];
    snprintf(command, sizeof command, "lineage %s", verb);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error(command, "expects one node TYPE:ID");
    json_t *node = node_arg(argv[0]);
    if (!node)
        return cli_usage_error(command, "nodes are written TYPE:ID, e.g. trace:0190...");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, path);
    cli_query_add(&target, "type", json_string_value(json_object_get(node, "type")));
    cli_query_add(&target, "id", json_string_value(json_object_get(node, "id")));
    cli_query_add(&target, "direction", f.direction);
    cli_query_add(&target, "max_depth", f.depth);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    json_decref(node);
    return rc;
}

static int run_edges(cli_t *cli, int argc, char **argv)
{
    return run_query(cli, argc, argv, "edges", "/api/v1/lineage/edges", "d");
}

static int run_graph(cli_t *cli, int argc, char **argv)
{
    return run_query(cli, argc, argv, "graph", "/api/v1/lineage/graph", "dm");
}

const cli_command_t cmd_lineage_commands[] = {
    {"lineage", "record", "--from TYPE:ID --to TYPE:ID --relation NAME",
     "record that FROM fed TO (idempotent)",
     "Example: llmops lineage record --from dataset:qa:3 --to run:0190ab --relation input",
     run_record},
    {"lineage", "edges", "TYPE:ID [--direction upstream|downstream|both]",
     "list the edges touching one node", NULL, run_edges},
    {"lineage", "graph", "TYPE:ID [--direction upstream|downstream] [--max-depth N]",
     "everything a node came from (upstream, default) or fed (downstream)",
     "Example: llmops lineage graph trace:0190ff --direction upstream", run_graph},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
