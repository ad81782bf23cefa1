/* cli.h - `llmops <noun> <verb> [flags]`: the command table and what commands share.
 *
 * A command turns its arguments into one API call (method, target, JSON body) and hands it to
 * cli_call(), which either sends it to a server (--server URL / LLMOPS_SERVER) with libcurl or,
 * when no server is given, opens the local data directory and runs the very same route handler
 * in-process through http_dispatch(). So every operation has one code path: its handler. */
#ifndef LLMOPS_CLI_CLI_H
#define LLMOPS_CLI_CLI_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/config.h"
#include "core/app.h"

typedef struct cli {
    config_t cfg;
    app_t app; /* opened on first in-process call */
    int app_open;
} cli_t;

typedef struct cli_command {
    const char *noun;
    const char *verb;  /* NULL for one-word commands ("status") */
    const char *usage; /* arguments after the command words */
    const char *summary;
    const char *details; /* printed by --help after the usage line; may be NULL */
    int (*run)(cli_t *cli, int argc, char **argv); /* argv[0] is the first argument after */
} cli_command_t;

/* Exit codes. */
#define CLI_OK     0
#define CLI_FAILED 1 /* the operation failed (an error response, an unreachable server) */
#define CLI_USAGE  2 /* the command line is wrong */

/* Entry point after configuration flags have been taken out of argv. */
int cli_main(cli_t *cli, int argc, char **argv);

/* Perform one API call. body may be NULL. On return *status is the HTTP status (0 when the
 * call could not be made: then *response holds an error object too) and *response the parsed
 * JSON (caller decrefs; a non-JSON body becomes {"body": "..."}). Returns 0 when a response
 * was obtained, -1 otherwise. */
int cli_call(cli_t *cli, const char *method, const char *target, const json_t *body, int *status,
             json_t **response);

/* The same call with a raw body (may be NULL) of content_type, answered as raw bytes appended to
 * out (a call that could not be made: *status 0 and an {"error"} object in out). For bodies and
 * answers that are not JSON (dataset files). Returns 0 when a response was obtained. */
int cli_call_raw(cli_t *cli, const char *method, const char *target, const char *content_type,
                 const char *body, size_t body_len, int *status, buf_t *out);

/* Call, print the response (pretty JSON on stdout; errors on stderr) and return an exit code. */
int cli_call_and_print(cli_t *cli, const char *method, const char *target, const json_t *body);

/* Print usage of one command (to stdout for --help). */
void cli_print_command_help(const cli_command_t *cmd);
/* 1 if argv contains -h or --help. */
int cli_wants_help(int argc, char **argv);

void cli_close(cli_t *cli);

#endif
