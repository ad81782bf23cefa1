/* cli.c - finding the command for `llmops <noun> [verb]` and printing help at every level. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "cli/commands.h"

int cli_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

void cli_print_command_help(const cli_command_t *cmd)
{
    printf("Usage: llmops %s%s%s %s\n\n%s\n", cmd->noun, cmd->verb ? " " : "",
           cmd->verb ? cmd->verb : "", cmd->usage, cmd->summary);
    if (cmd->details)
        printf("\n%s\n", cmd->details);
    printf("\nGlobal options such as --server, --data and --store apply; see `llmops --help`.\n");
}

static void print_main_help(void)
{
    printf("llmops %s - a self-hosted LLMOps platform in one binary\n\n", LLMOPS_VERSION);
    printf("Usage: llmops [options] <command> [arguments]\n\nCommands:\n");
    for (const cli_command_t *const *t = cli_command_tables(); *t; t++)
        for (const cli_command_t *c = *t; c->noun; c++) {
            char words[64];
            snprintf(words, sizeof words, "%s%s%s", c->noun, c->verb ? " " : "",
                     c->verb ? c->verb : "");
            printf("  %-24s %s\n", words, c->summary);
        }
    printf("\nWithout --server, commands work in-process on the local data directory.\n"
           "`llmops <command> --help` describes a command.\n\n");
    config_print_help(stdout);
}

static void print_noun_help(const char *noun)
{
    printf("Usage: llmops %s <verb> [arguments]\n\nVerbs:\n", noun);
    for (const cli_command_t *const *t = cli_command_tables(); *t; t++)
        for (const cli_command_t *c = *t; c->noun; c++)
            if (strcmp(c->noun, noun) == 0 && c->verb)
                printf("  %-16s %s\n", c->verb, c->summary);
}

int cli_main(cli_t *cli, int argc, char **argv)
{
    if (argc == 0 || strcmp(argv[0], "help") == 0 ||
        ((strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0))) {
        print_main_help();
        return argc == 0 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[0], "--version") == 0 || strcmp(argv[0], "-V") == 0) {
        printf("llmops %s\n", LLMOPS_VERSION);
        return CLI_OK;
    }

    const char *noun = argv[0];
    const char *verb = argc > 1 ? argv[1] : NULL;
    int noun_known = 0;
    for (const cli_command_t *const *t = cli_command_tables(); *t; t++) {
        for (const cli_command_t *c = *t; c->noun; c++) {
            if (strcmp(c->noun, noun) != 0)
                continue;
            noun_known = 1;
            if (!c->verb) { /* one-word command: the rest are its arguments */
                if (cli_wants_help(argc - 1, argv + 1)) {
                    cli_print_command_help(c);
                    return CLI_OK;
                }
                return c->run(cli, argc - 1, argv + 1);
            }
            if (verb && strcmp(c->verb, verb) == 0) {
                if (cli_wants_help(argc - 2, argv + 2)) {
                    cli_print_command_help(c);
                    return CLI_OK;
                }
                return c->run(cli, argc - 2, argv + 2);
            }
        }
    }
    if (!noun_known) {
        fprintf(stderr, "llmops: unknown command '%s'; see `llmops --help`\n", noun);
        return CLI_USAGE;
    }
    if (!verb || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        print_noun_help(noun);
        return verb ? CLI_OK : CLI_USAGE;
    }
    fprintf(stderr, "llmops: unknown verb '%s' for '%s'; see `llmops %s --help`\n", verb, noun,
            noun);
    return CLI_USAGE;
}
