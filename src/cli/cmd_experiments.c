/* cmd_experiments.c - `llmops experiments list|create|show`: MLflow-style experiments from the
 * shell, through llmops' own API (/api/v1/experiments). */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "cli/commands.h"

static int run_list(cli_t *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 0) {
        fprintf(stderr, "llmops experiments list: takes no arguments; see `llmops experiments "
                        "list --help`\n");
        return CLI_USAGE;
    }
    return cli_call_and_print(cli, "GET", "/api/v1/experiments?max_results=1000", NULL);
}

static int run_create(cli_t *cli, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-') {
        fprintf(stderr, "llmops experiments create: expects one NAME; see `llmops experiments "
                        "create --help`\n");
        return CLI_USAGE;
    }
    json_t *body = json_pack("{s:s}", "name", argv[0]);
    if (!body) {
        fprintf(stderr, "llmops experiments create: the name is not valid UTF-8\n");
        return CLI_USAGE;
    }
    int rc = cli_call_and_print(cli, "POST", "/api/v1/experiments", body);
    json_decref(body);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "llmops experiments show: expects one ID or NAME; see `llmops "
                        "experiments show --help`\n");
        return CLI_USAGE;
    }
    char *escaped = curl_easy_escape(NULL, argv[0], 0);
    buf_t target;
    buf_init(&target);
    buf_printf(&target, "/api/v1/experiments/%s", escaped ? escaped : "");
    curl_free(escaped);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

const cli_command_t cmd_experiments_commands[] = {
    {"experiments", "list", "", "list active experiments (JSON)", NULL, run_list},
    {"experiments", "create", "NAME", "create an experiment",
     "Example: llmops experiments create churn-model", run_create},
    {"experiments", "show", "ID_OR_NAME", "show one experiment, by id (digits) or else by name",
     "Example: llmops experiments show 0", run_show},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
