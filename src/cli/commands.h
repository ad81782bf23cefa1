/* commands.h - every command the CLI knows, gathered from the cmd_*.c files. */
#ifndef LLMOPS_CLI_COMMANDS_H
#define LLMOPS_CLI_COMMANDS_H

#include "cli/cli.h"

/* Each cmd_<area>.c exposes its table; commands.c lists the tables. */
extern const cli_command_t cmd_system_commands[];
extern const cli_command_t cmd_lineage_commands[];
extern const cli_command_t cmd_experiments_commands[];
extern const cli_command_t cmd_runs_commands[];
extern const cli_command_t cmd_models_commands[];
extern const cli_command_t cmd_prompts_commands[];
extern const cli_command_t cmd_traces_commands[];
extern const cli_command_t cmd_endpoints_commands[];
extern const cli_command_t cmd_keys_commands[];
extern const cli_command_t cmd_prices_commands[];
extern const cli_command_t cmd_feedback_commands[];
extern const cli_command_t cmd_alerts_commands[];
extern const cli_command_t cmd_monitor_commands[];
extern const cli_command_t cmd_datasets_commands[];
extern const cli_command_t cmd_vectors_commands[];
extern const cli_command_t cmd_eval_commands[];
extern const cli_command_t cmd_promote_commands[];

/* All commands, terminated by an entry with noun == NULL. */
const cli_command_t *const *cli_command_tables(void);

#endif
