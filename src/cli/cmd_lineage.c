/* cmd_lineage.c - `llmops lineage record|edges|graph`: the lineage graph from the shell. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/commands.h"

/* Append "&name=value" (or "?name=value" for the first) with value percent-encoded. */
static void query_add(buf_t *target, const char *name, const char *value)
{
    if (!value)
        return;
    char *escaped = curl_easy_escape(NULL, value, 0);
    buf_printf(target, "%c%s=%s", strchr(buf_str(target), '?') ? '&' : '?', name,
               escaped ? escaped : "");
    curl_free(escaped);
}

/* "dataset:qa-set:3" -> {"type":"dataset","id":"qa-set:3"} */
static json_t *node_arg(const char *text)
{
    const char *colon = strchr(text, ':');
    if (!colon || colon == text || !colon[1])
        return NULL;
    return json_pack("{s:s%, s:s}", "type", text, (size_t)(colon - text), "id", colon + 1);
}

/* Parse the flags of a lineage verb; NULL-valued entries stay NULL. Returns the index of the
 * first positional argument or -1. */
static int parse_flags(int argc, char **argv, const char *verb, const char **from, const char **to,
                       const char **relation, const char **direction, const char **depth)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'},      {"to", required_argument, NULL, 't'},
        {"relation", required_argument, NULL, 'r'},  {"direction", required_argument, NULL, 'd'},
        {"max-depth", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
    char *args[argc + 2];
    args[0] = (char *)verb;
    memcpy(args + 1, argv, sizeof(char *) * (size_t)argc);
    args[argc + 1] = NULL;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc + 1, args, "", longopts, NULL)) != -1) {
        const char **slot = opt == 'f'   ? from
                            : opt == 't' ? to
                            : opt == 'r' ? relation
                            : opt == 'd' ? direction
                            : opt == 'm' ? depth
                                         : NULL;
        if (!slot) {
            fprintf(stderr, "llmops lineage %s: unknown option %s\n", verb, args[optind - 1]);
            return -1;
        }
        *slot = optarg;
    }
    /* getopt_long permutes args so positionals end up after optind; copy them back. */
    memcpy(argv, args + 1, sizeof(char *) * (size_t)argc);
    return optind - 1;
}

static int run_record(cli_t *cli, int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *relation = NULL, *unused = NULL;
    int first = parse_flags(argc, argv, "record", &from, &to, &relation, &unused, &unused);
    if (first < 0 || first != argc || !from || !to || !relation) {
        fprintf(stderr, "llmops lineage record: needs --from TYPE:ID --to TYPE:ID --relation "
                        "NAME; see `llmops lineage record --help`\n");
        return CLI_USAGE;
    }
    json_t *src = node_arg(from), *dst = node_arg(to);
    if (!src || !dst) {
        json_decref(src);
        json_decref(dst);
        fprintf(stderr, "llmops lineage record: nodes are written TYPE:ID, e.g. dataset:qa:3\n");
        return CLI_USAGE;
    }
    json_t *body = json_pack("{s:o, s:o, s:s}", "from", src, "to", dst, "relation", relation);
    int rc = cli_call_and_print(cli, "POST", "/api/v1/lineage/edges", body);
    json_decref(body);
    return rc;
}

static int run_query(cli_t *cli, int argc, char **argv, const char *verb, const char *path)
{
    const char *direction = NULL, *depth = NULL, *unused = NULL;
    int first = parse_flags(argc, argv, verb, &unused, &unused, &unused, &direction, &depth);
    if (first < 0 || argc - first != 1) {
        fprintf(stderr,
                "llmops lineage %s: expects one node TYPE:ID; see `llmops lineage %s "
                "--help`\n",
                verb, verb);
        return CLI_USAGE;
    }
    json_t *node = node_arg(argv[first]);
    if (!node) {
        fprintf(stderr, "llmops lineage %s: nodes are written TYPE:ID, e.g. trace:0190...\n", verb);
        return CLI_USAGE;
    }
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, path);
    query_add(&target, "type", json_string_value(json_object_get(node, "type")));
    query_add(&target, "id", json_string_value(json_object_get(node, "id")));
    query_add(&target, "direction", direction);
    query_add(&target, "max_depth", depth);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    json_decref(node);
    return rc;
}

static int run_edges(cli_t *cli, int argc, char **argv)
{
    return run_query(cli, argc, argv, "edges", "/api/v1/lineage/edges");
}

static int run_graph(cli_t *cli, int argc, char **argv)
{
    return run_query(cli, argc, argv, "graph", "/api/v1/lineage/graph");
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
