/* cmd_prices.c - `llmops prices list|set|delete`: the gateway's price table (USD per million
 * tokens) from the shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct price_flags {
    const char *input, *output;
} price_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    price_flags_t *f = ctx;
    if (opt == 'i')
        f->input = arg;
    else if (opt == 'o')
        f->output = arg;
    else
        return CLI_OPTION_UNKNOWN;
    return CLI_OPTION_OK;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return cli_usage_error("prices list", "takes no arguments");
    return cli_call_and_print(cli, "GET", "/api/v1/prices", NULL);
}

static int run_set(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {{"input", required_argument, NULL, 'i'},
                                             {"output", required_argument, NULL, 'o'},
                                             {NULL, 0, NULL, 0}};
    price_flags_t f = {0};
    int n = cli_parse_options(argc, argv, "prices set", NULL, longopts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 2 || !f.input || !f.output)
        return cli_usage_error("prices set", "needs PROVIDER MODEL --input X --output Y");
    char *end_in, *end_out;
    double in = strtod(f.input, &end_in), out = strtod(f.output, &end_out);
    if (end_in == f.input || *end_in || end_out == f.output || *end_out)
        return cli_usage_error("prices set", "--input and --output must be numbers");
    json_t *body = json_pack("{s:s, s:s, s:f, s:f}", "provider", argv[0], "model", argv[1],
                             "input_per_mtok", in, "output_per_mtok", out);
    int rc = cli_call_and_print(cli, "PUT", "/api/v1/prices", body);
    json_decref(body);
    return rc;
}

static int run_delete(cli_t *cli, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error("prices delete", "expects PROVIDER MODEL");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/prices");
    cli_path_add(&target, argv[0]);
    cli_path_add(&target, argv[1]);
    int rc = cli_call_and_print(cli, "DELETE", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

const cli_command_t cmd_prices_commands[] = {
    {"prices", "list", "", "list the gateway's prices (USD per million tokens)", NULL, run_list},
    {"prices", "set", "PROVIDER MODEL --input X --output Y",
     "set a price; PROVIDER \"*\" prices MODEL under any provider",
     "Example: llmops prices set openai gpt-4o-mini --input 0.15 --output 0.6", run_set},
    {"prices", "delete", "PROVIDER MODEL", "delete a price", NULL, run_delete},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
