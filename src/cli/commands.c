/* commands.c - the list of command tables (see commands.h). A new area adds its table here. */
#include "cli/commands.h"

#include <stddef.h>

const cli_command_t *const *cli_command_tables(void)
{
    static const cli_command_t *const tables[] = {
        cmd_system_commands,    cmd_lineage_commands,  cmd_experiments_commands,
        cmd_runs_commands,      cmd_models_commands,   cmd_prompts_commands,
        cmd_endpoints_commands, cmd_keys_commands,     cmd_prices_commands,
        cmd_traces_commands,    cmd_feedback_commands, cmd_alerts_commands,
        cmd_monitor_commands,   cmd_datasets_commands, cmd_vectors_commands,
        cmd_eval_commands,      cmd_promote_commands,  NULL,
    };
    return tables;
}
