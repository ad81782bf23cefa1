/* cmd_keys.c - `llmops keys create|list|show|revoke`: gateway API keys from the shell. The
 * secret is printed once, by create, with a warning: the server keeps only its hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct key_flags {
    const char *name, *endpoints, *rpm, *tpm, *budget;
} key_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    key_flags_t *f = ctx;
    const char **slot = opt == 'n'   ? &f->name
                        : opt == 'e' ? &f->endpoints
                        : opt == 'r' ? &f->rpm
                        : opt == 't' ? &f->tpm
                        : opt == 'b' ? &f->budget
                                     : NULL;
    if (!slot)
        return CLI_OPTION_UNKNOWN;
    *slot = arg;
    return CLI_OPTION_OK;
}

/* A whole non-negative integer / number from an option, or -1 after printing why. */
static int number_arg(const char *option, const char *text, int integer, json_t *body,
                      const char *key)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || v < 0 || (integer && v != (double)(long long)v)) {
        cli_usage_error("keys create", "%s must be a%s number >= 0", option,
                        integer ? " whole" : "");
        return -1;
    }
    json_object_set_new(body, key, integer ? json_integer((json_int_t)v) : json_real(v));
    return 0;
}

static int run_create(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"name", required_argument, NULL, 'n'},       {"endpoints", required_argument, NULL, 'e'},
        {"rpm", required_argument, NULL, 'r'},        {"tpm", required_argument, NULL, 't'},
        {"budget-usd", required_argument, NULL, 'b'}, {NULL, 0, NULL, 0}};
    key_flags_t f = {0};
    int n = cli_parse_options(argc, argv, "keys create", NULL, longopts, take_flag, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0 || !f.name)
        return cli_usage_error("keys create", "needs --name NAME (and no positional arguments)");
    json_t *body = json_pack("{s:s}", "name", f.name);
    if (f.endpoints) {
        json_t *list = json_array();
        char *copy = strdup(f.endpoints), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (*tok)
                json_array_append_new(list, json_string(tok));
        free(copy);
        json_object_set_new(body, "allowed_endpoints", list);
    }
    if ((f.rpm && number_arg("--rpm", f.rpm, 1, body, "rpm") != 0) ||
        (f.tpm && number_arg("--tpm", f.tpm, 1, body, "tpm") != 0) ||
        (f.budget && number_arg("--budget-usd", f.budget, 0, body, "budget_usd") != 0)) {
        json_decref(body);
        return CLI_USAGE;
    }
    json_t *out = cli_call_json(cli, "POST", "/api/v1/keys", body);
    json_decref(body);
    if (!out)
        return CLI_FAILED;
    cli_print_json(json_object_get(out, "key"));
    printf("secret: %s\n", json_string_value(json_object_get(out, "secret")));
    fprintf(stderr, "llmops: store this secret now: it will not be shown again (the server keeps "
                    "only its hash)\n");
    json_decref(out);
    return CLI_OK;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return cli_usage_error("keys list", "takes no arguments");
    return cli_call_and_print(cli, "GET", "/api/v1/keys", NULL);
}

static int run_id(cli_t *cli, int argc, char **argv, const char *command, const char *method,
                  const char *suffix)
{
    if (argc != 1)
        return cli_usage_error(command, "expects one key ID (key_...)");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/keys");
    cli_path_add(&target, argv[0]);
    if (suffix)
        buf_append_str(&target, suffix);
    int rc = cli_call_and_print(cli, method, buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    return run_id(cli, argc, argv, "keys show", "GET", NULL);
}

static int run_revoke(cli_t *cli, int argc, char **argv)
{
    return run_id(cli, argc, argv, "keys revoke", "POST", "/revoke");
}

const cli_command_t cmd_keys_commands[] = {
    {"keys", "create", "--name NAME [--endpoints a,b] [--rpm N] [--tpm N] [--budget-usd X]",
     "create a gateway API key; prints its secret once",
     "Example: llmops keys create --name ci --endpoints chat --rpm 60 --budget-usd 5", run_create},
    {"keys", "list", "", "list keys (never their secrets)", NULL, run_list},
    {"keys", "show", "ID", "show one key with its limits and spend", NULL, run_show},
    {"keys", "revoke", "ID", "revoke a key (revoking twice keeps the first time)", NULL,
     run_revoke},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
