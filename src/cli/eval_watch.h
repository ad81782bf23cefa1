/* eval_watch.h - following a running evaluation from the CLI: poll GET
 * /api/v1/evaluations/{id} until it ends, showing progress on stderr as it goes - a redrawn
 * bar on a terminal (done/total, errors, cached, rate, ETA), a plain line every few seconds
 * otherwise (CI logs), or nothing. Works the same in-process and against a server: the
 * evaluation runs in its own threads either way and the CLI only reads its state. */
#ifndef LLMOPS_CLI_EVAL_WATCH_H
#define LLMOPS_CLI_EVAL_WATCH_H

#include <jansson.h>

#include "cli/cli.h"

typedef enum eval_watch_mode {
    EVAL_WATCH_BAR,   /* stderr is a terminal */
    EVAL_WATCH_LINES, /* a line every few seconds */
    EVAL_WATCH_QUIET, /* nothing */
} eval_watch_mode_t;

/* The mode for this process: quiet, or a bar when stderr is a terminal, else lines. */
eval_watch_mode_t eval_watch_mode(int quiet);

/* 1 when status is one an evaluation ends in (finished, failed, interrupted). */
int eval_status_final(const char *status);

/* Wait for evaluation id to end; returns its final EVAL object (caller decrefs), or NULL after
 * printing why (the evaluation vanished, the server went away). When the user presses Ctrl-C
 * the evaluation is cancelled (POST .../cancel) and followed until it stops. */
json_t *eval_watch(cli_t *cli, const char *id, eval_watch_mode_t mode);

#endif
