/* main.c - the llmops executable: load configuration, then run the command. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "cli/cli.h"

int main(int argc, char **argv)
{
    static cli_t cli;
    char *rest[argc > 0 ? argc : 1];
    int nrest = 0;
    err_t err;
    if (config_load(&cli.cfg, argc - 1, argv + 1, rest, &nrest, &err) != 0) {
        fprintf(stderr, "llmops: %s\n", err.message);
        return CLI_USAGE;
    }
    log_level_t level = (log_level_t)log_level_parse(cli.cfg.log_level);
    /* A one-shot command's output is its answer; info lines such as "schema migrated" are for
     * the server's log, so other commands show warnings and errors unless asked for debug. */
    if (level == LOG_INFO && (nrest == 0 || strcmp(rest[0], "server") != 0))
        level = LOG_WARN;
    log_set_level(level);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cli_main(&cli, nrest, rest);
    cli_close(&cli);
    curl_global_cleanup();
    return rc;
}
