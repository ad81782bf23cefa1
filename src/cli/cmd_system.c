/* cmd_system.c - commands about the platform itself: run the server, show status, apply
 * migrations, and a raw API call for anything the CLI has no command for yet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/log.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/runtime.h"
#include "http/routes.h"
#include "http/server.h"
#include "store/migrate.h"

static int run_server(cli_t *cli, int argc, char **argv)
{
    if (argc > 0) {
        fprintf(stderr, "llmops server: unexpected argument '%s'; see `llmops --help`\n", argv[0]);
        return CLI_USAGE;
    }
    err_t err;
    if (app_open(&cli->app, &cli->cfg, &err) != 0) {
        log_json(LOG_ERROR, "cannot open the platform",
                 json_pack("{s:s, s:s}", "code", err.code, "error", err.message));
        return CLI_FAILED;
    }
    cli->app_open = 1;
    if (runtime_start(&cli->app, &err) != 0) {
        log_json(LOG_ERROR, "cannot start the gateway and trace writer",
                 json_pack("{s:s, s:s}", "code", err.code, "error", err.message));
        return CLI_FAILED;
    }
    router_t *router = routes_build();
    int rc = server_run(&cli->app, router);
    runtime_stop(&cli->app); /* after the server: the last requests' traces are written */
    router_free(router);
    return rc;
}

static int run_status(cli_t *cli, int argc, char **argv)
{
    if (argc > 0)
        return cli_usage_error("status", "takes no arguments");
    (void)argv;
    return cli_call_and_print(cli, "GET", "/api/v1/status", NULL);
}

static int run_migrate(cli_t *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return cli_usage_error("migrate", "takes no arguments");
    if (cli->cfg.server_url[0])
        return cli_usage_error("migrate", "works on a store directly; use --store or --data, "
                                          "not --server");
    err_t err;
    if (app_open(&cli->app, &cli->cfg, &err) != 0) { /* app_open applies the migrations */
        fprintf(stderr, "llmops migrate: %s\n", err.message);
        return CLI_FAILED;
    }
    cli->app_open = 1;
    int version = 0;
    if (migrate_current_version(cli->app.store, &version, &err) != 0) {
        fprintf(stderr, "llmops migrate: %s\n", err.message);
        return CLI_FAILED;
    }
    printf("schema at version %d (%s)\n", version, store_describe(cli->app.store));
    return CLI_OK;
}

static int take_body(int opt, const char *arg, void *body)
{
    if (opt != 'd')
        return CLI_OPTION_UNKNOWN;
    *(const char **)body = arg;
    return CLI_OPTION_OK;
}

static int run_api(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {{"body", required_argument, NULL, 'd'},
                                             {NULL, 0, NULL, 0}};
    const char *data = NULL;
    int n = cli_parse_options(argc, argv, "api", "d:", longopts, take_body, &data);
    if (n < 0)
        return CLI_USAGE;
    if (n != 2)
        return cli_usage_error("api", "expects METHOD and PATH");
    const char *method = argv[0], *path = argv[1];
    char upper[16];
    size_t i = 0;
    for (; method[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(method[i] >= 'a' && method[i] <= 'z' ? method[i] - 32 : method[i]);
    upper[i] = '\0';
    if (path[0] != '/')
        return cli_usage_error("api", "PATH must start with '/'");
    json_t *body = NULL;
    if (data && !(body = cli_json_arg("llmops api", "--body", data)))
        return CLI_USAGE;
    int rc = cli_call_and_print(cli, upper, path, body);
    json_decref(body);
    return rc;
}

const cli_command_t cmd_system_commands[] = {
    {"server", NULL, "[options]", "run the HTTP server (API, gateway, UI)",
     "Listens on --host:--port (default 127.0.0.1:5050) with data in --data (default\n"
     "./llmops-data, SQLite) or the PostgreSQL given by --store. SIGTERM or SIGINT stops\n"
     "accepting, lets in-flight requests finish (--shutdown-timeout) and exits 0.",
     run_server},
    {"status", NULL, "", "show version, store backend and schema version", NULL, run_status},
    {"migrate", NULL, "", "apply pending schema migrations to the store and exit",
     "Migrations also run when the server starts; this runs them ahead of a roll-out.",
     run_migrate},
    {"api", NULL, "METHOD PATH [--body JSON|@file|@-]", "call any API route and print the reply",
     "Example: llmops api GET /api/v1/status\n"
     "Without --server the route runs in-process on the local data directory.",
     run_api},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
