/* cli_util.h - what the command files (cmd_*.c) share: building request targets (percent-encoded
 * path segments and query parameters), parsing a verb's options, reporting usage errors and
 * failed calls the same way everywhere, and fitting text into table columns. */
#ifndef LLMOPS_CLI_CLI_UTIL_H
#define LLMOPS_CLI_CLI_UTIL_H

#include <getopt.h>
#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "cli/cli.h"

/* Append "/<segment>", percent-encoded (so "team/bot" stays one segment). */
void cli_path_add(buf_t *target, const char *segment);
/* Append "?name=value" (or "&name=value" after the first) with value percent-encoded; nothing
 * when value is NULL. */
void cli_query_add(buf_t *target, const char *name, const char *value);

/* Print "llmops <command>: <message>; see `llmops <command> --help`" to stderr and return
 * CLI_USAGE. command is the command words ("models list"). */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What an option callback answers. */
#define CLI_OPTION_OK      0
#define CLI_OPTION_UNKNOWN 1  /* not an option of this verb: reported as unknown */
#define CLI_OPTION_FAILED  -1 /* refused; the callback printed why */

typedef int (*cli_option_fn)(int opt, const char *arg, void *ctx);

/* getopt_long over a verb's arguments (argv[0] is the first one after the command words),
 * options and positionals in any order: on_option(opt, optarg, ctx) for each option. An unknown
 * option or one missing its value is a usage error printed here. The positionals are moved to
 * the front of argv in their order; returns how many there are, or -1 (after printing why). */
int cli_parse_options(int argc, char **argv, const char *command, const char *shortopts,
                      const struct option *longopts, cli_option_fn on_option, void *ctx);

/* Print a failed call's error to stderr: "llmops: <message> (<code>)", or the raw reply when it
 * carries no error message. */
void cli_print_error(int status, const json_t *response);
/* Call; the JSON reply of a 2xx (caller decrefs), else the error printed and NULL. */
json_t *cli_call_json(cli_t *cli, const char *method, const char *target, const json_t *body);
/* Pretty JSON on stdout. */
void cli_print_json(const json_t *value);

/* Characters (not bytes) in a UTF-8 string: what a terminal column takes. */
size_t cli_text_width(const char *text);
/* text cut to at most width characters, ending with mark when cut ("..." or "~"), into out. */
const char *cli_clip(const char *text, size_t width, const char *mark, char *out, size_t size);

/* A whole file, or standard input for "-", as a NUL-terminated string (at most 16 MiB); NULL
 * after printing "<who>: cannot open|read PATH" on stderr. Caller frees. */
char *cli_read_input(const char *who, const char *path);
/* JSON given inline, as @FILE or as @- (standard input); NULL after printing
 * "<who>: <option> is not valid JSON (line L, column C: ...)". Caller decrefs. */
json_t *cli_json_arg(const char *who, const char *option, const char *arg);

#endif
