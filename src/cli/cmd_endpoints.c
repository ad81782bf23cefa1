/* cmd_endpoints.c - `llmops endpoints list|show|create|update|delete`: gateway endpoints from
 * the shell. Specs are JSON given with --file PATH (or - for standard input) or -d '{...}'. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct spec_flags {
    const char *file, *data;
} spec_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    spec_flags_t *f = ctx;
    if (opt == 'f')
        f->file = arg;
    else if (opt == 'd')
        f->data = arg;
    else
        return CLI_OPTION_UNKNOWN;
    return CLI_OPTION_OK;
}

/* The spec of create/update: --file PATH|- or -d JSON|@FILE. NULL after printing why. */
static json_t *read_spec(const char *command, const spec_flags_t *f)
{
    if (!!f->file == !!f->data) {
        cli_usage_error(command, "give the spec with --file PATH (- for stdin) or -d '{...}'");
        return NULL;
    }
    if (f->data)
        return cli_json_arg(command, "-d", f->data);
    buf_t arg;
    buf_init(&arg);
    buf_printf(&arg, "@%s", f->file);
    json_t *spec = cli_json_arg(command, "--file", buf_str(&arg));
    buf_free(&arg);
    return spec;
}

static int parse(int argc, char **argv, const char *command, spec_flags_t *f)
{
    static const struct option longopts[] = {{"file", required_argument, NULL, 'f'},
                                             {"data", required_argument, NULL, 'd'},
                                             {NULL, 0, NULL, 0}};
    return cli_parse_options(argc, argv, command, "f:d:", longopts, take_flag, f);
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return cli_usage_error("endpoints list", "takes no arguments");
    return cli_call_and_print(cli, "GET", "/api/v1/endpoints", NULL);
}

/* show / delete NAME */
static int run_named(cli_t *cli, int argc, char **argv, const char *command, const char *method)
{
    if (argc != 1)
        return cli_usage_error(command, "expects one endpoint NAME");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/endpoints");
    cli_path_add(&target, argv[0]);
    int rc = cli_call_and_print(cli, method, buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    return run_named(cli, argc, argv, "endpoints show", "GET");
}

static int run_delete(cli_t *cli, int argc, char **argv)
{
    return run_named(cli, argc, argv, "endpoints delete", "DELETE");
}

static int run_create(cli_t *cli, int argc, char **argv)
{
    spec_flags_t f = {0};
    int n = parse(argc, argv, "endpoints create", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("endpoints create", "takes no positional arguments");
    json_t *spec = read_spec("endpoints create", &f);
    if (!spec)
        return CLI_USAGE;
    int rc = cli_call_and_print(cli, "POST", "/api/v1/endpoints", spec);
    json_decref(spec);
    return rc;
}

static int run_update(cli_t *cli, int argc, char **argv)
{
    spec_flags_t f = {0};
    int n = parse(argc, argv, "endpoints update", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("endpoints update", "expects one endpoint NAME");
    json_t *spec = read_spec("endpoints update", &f);
    if (!spec)
        return CLI_USAGE;
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/endpoints");
    cli_path_add(&target, argv[0]);
    int rc = cli_call_and_print(cli, "PUT", buf_str(&target), spec);
    buf_free(&target);
    json_decref(spec);
    return rc;
}

const cli_command_t cmd_endpoints_commands[] = {
    {"endpoints", "list", "", "list gateway endpoints (stored and from the config file)", NULL,
     run_list},
    {"endpoints", "show", "NAME", "show one endpoint", NULL, run_show},
    {"endpoints", "create", "--file SPEC.json | -d '{...}'", "create an endpoint",
     "Example: llmops endpoints create -d '{\"name\":\"chat\",\"targets\":[{\"provider\":"
     "\"openai\",\"model\":\"gpt-4o-mini\"}]}'",
     run_create},
    {"endpoints", "update", "NAME --file SPEC.json | -d '{...}'", "replace an endpoint's spec",
     NULL, run_update},
    {"endpoints", "delete", "NAME", "delete an endpoint", NULL, run_delete},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
