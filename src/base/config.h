/* config.h - the platform's configuration: defaults, a YAML file, LLMOPS_* environment
 * variables and command-line flags, in rising order of precedence.
 *
 * Every option has one name used three ways: `--max-body-bytes 1m` on the command line,
 * `LLMOPS_MAX_BODY_BYTES=1m` in the environment and `max-body-bytes: 1m` in the file given by
 * --config. The option table in config.c is the single list; `llmops --help` prints it. */
#ifndef LLMOPS_BASE_CONFIG_H
#define LLMOPS_BASE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"

typedef struct config {
    char host[256];
    int port;
    char data_dir[1024];
    char store_url[1024]; /* "" means SQLite at <data_dir>/llmops.db */
    char config_file[1024];
    char server_url[1024]; /* CLI: talk to this server instead of working in-process */
    char log_level[16];
    int threads;             /* HTTP worker threads (and store connections) */
    size_t max_body_bytes;   /* larger request bodies get 413 */
    size_t max_header_bytes; /* request line + headers; larger get 431 */
    int max_connections;     /* concurrent connections; more are refused */
    int request_timeout_s;   /* time to receive one whole request (headers + body) */
    int idle_timeout_s;      /* a connection with no traffic for this long is closed */
    int shutdown_timeout_s;  /* on SIGTERM, how long in-flight requests may take to finish */
    char redis_url[1024];    /* "" = gateway limits and cache in memory */
    size_t gateway_cache_max_bytes;
    char trace_spool_dir[1024]; /* "" means <data_dir>/spool */
    int trace_flush_ms;         /* how often the trace writer syncs the spool and writes */
    int trace_queue_max;        /* trace records held in memory at most; more are dropped */
    int gateway_refresh_ms;     /* how often the gateway rebuilds its configuration snapshot */
    int gateway_require_key;    /* 1: gateway requests without an API key are refused */
    int alert_interval_ms;      /* how often alert rules are evaluated; 0: never */
    int trace_retention_days;   /* traces older than this are purged; 0: kept forever */
    int retention_interval_ms;  /* how often the retention purge runs */
} config_t;

/* Fill with built-in defaults. */
void config_defaults(config_t *cfg);

/* Load configuration: defaults, then the --config / LLMOPS_CONFIG file, then the environment,
 * then flags from argv. Flags that are configuration options are consumed; every other
 * argument is copied, in order, to rest (which must hold argc entries) and counted in *nrest.
 * Both `--name value` and `--name=value` are accepted. Returns 0 or -1 with err (400) naming
 * the option at fault. */
int config_load(config_t *cfg, int argc, char **argv, char **rest, int *nrest, err_t *err);

/* The store URL to open: store_url, or "sqlite:<data_dir>/llmops.db". out has size bytes. */
void config_store_url(const config_t *cfg, char *out, size_t size);

/* Print the option table (name, environment variable, default, meaning). */
void config_print_help(FILE *out);

/* Parse "1024", "64k", "10m", "1g" (binary multiples). -1 on malformed or overflowing input. */
int config_parse_size(const char *text, size_t *out);

#endif
