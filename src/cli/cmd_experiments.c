/* cmd_experiments.c - `llmops experiments list|create|show`: MLflow-style experiments from the
 * shell, through llmops' own API (/api/v1/experiments). */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

static int run_list(cli_t *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return cli_usage_error("experiments list", "takes no arguments");
    return cli_call_and_print(cli, "GET", "/api/v1/experiments?max_results=1000", NULL);
}

static int run_create(cli_t *cli, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return cli_usage_error("experiments create", "expects one NAME");
    json_t *body = json_pack("{s:s}", "name", argv[0]);
    if (!body)
        return cli_usage_error("experiments create", "the name is not valid UTF-8");
    int rc = cli_call_and_print(cli, "POST", "/api/v1/experiments", body);
    json_decref(body);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    if (argc != 1)
        return cli_usage_error("experiments show", "expects one ID or NAME");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/experiments");
    cli_path_add(&target, argv[0]);
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
