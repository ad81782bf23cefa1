/* config.c - option table, YAML file loading (libyaml), environment and flag parsing.
 *
 * The table below is the only place an option is declared: its flag name, environment
 * variable, YAML key, type, bounds and help text all come from one row. */
#include "base/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef enum opt_type { OPT_STRING, OPT_INT, OPT_SIZE, OPT_LOG_LEVEL, OPT_BOOL } opt_type_t;

typedef struct option_def {
    const char *name; /* flag without "--", and YAML key */
    opt_type_t type;
    size_t offset;
    size_t size; /* for strings: capacity of the field */
    long long min, max;
    const char *default_text;
    const char *help;
} option_def_t;

#define STR(field)          OPT_STRING, offsetof(config_t, field), sizeof(((config_t *)0)->field), 0, 0
#define INT(field, lo, hi)  OPT_INT, offsetof(config_t, field), sizeof(int), lo, hi
#define SIZE(field, lo, hi) OPT_SIZE, offsetof(config_t, field), sizeof(size_t), lo, hi
#define BOOL(field)         OPT_BOOL, offsetof(config_t, field), sizeof(int), 0, 1

static const option_def_t options[] = {
    {"host", STR(host), "127.0.0.1", "address the server listens on"},
    {"port", INT(port, 0, 65535), "5050", "TCP port the server listens on"},
    {"data", STR(data_dir), "./llmops-data", "data directory (SQLite database, blobs)"},
    {"store", STR(store_url), "", "postgresql://user:pass@host:port/db; default SQLite in --data"},
    {"config", STR(config_file), "", "YAML file of these options (key: value)"},
    {"server", STR(server_url), "", "CLI: send commands to this server instead of in-process"},
    {"log-level", OPT_LOG_LEVEL, offsetof(config_t, log_level), sizeof(((config_t *)0)->log_level),
     0, 0, "info", "debug, info, warn or error"},
    {"threads", INT(threads, 1, 256), "4", "HTTP worker threads (and store connections)"},
    {"max-body-bytes", SIZE(max_body_bytes, 1024, 1LL << 34), "10m", "largest request body (413)"},
    {"max-header-bytes", SIZE(max_header_bytes, 1024, 1 << 24), "32k",
     "largest request line + headers (431)"},
    {"max-connections", INT(max_connections, 1, 1000000), "1024", "concurrent connections"},
    {"request-timeout", INT(request_timeout_s, 1, 86400), "30",
     "seconds to receive a whole request (slow senders are cut off)"},
    {"idle-timeout", INT(idle_timeout_s, 1, 86400), "15",
     "seconds a connection may stay silent before it is closed"},
    {"shutdown-timeout", INT(shutdown_timeout_s, 0, 3600), "10",
     "seconds in-flight requests get to finish after SIGTERM/SIGINT"},
    {"redis-url", STR(redis_url), "",
     "redis://host:port: gateway rate limits and cache shared by replicas (default in memory)"},
    {"gateway-cache-max-bytes", SIZE(gateway_cache_max_bytes, 0, 1LL << 40), "64m",
     "memory bound of the gateway's response cache"},
    {"trace-spool-dir", STR(trace_spool_dir), "",
     "directory of the trace spool; default <data>/spool"},
    {"trace-flush-ms", INT(trace_flush_ms, 1, 60000), "100",
     "ms between trace spool syncs and store writes (what kill -9 can lose)"},
    {"trace-queue-max", INT(trace_queue_max, 1, 16777216), "65536",
     "trace records queued in memory at most; more are dropped and counted"},
    {"gateway-refresh-ms", INT(gateway_refresh_ms, 100, 3600000), "1000",
     "how often the gateway re-reads its configuration (endpoints, keys, prices)"},
    {"gateway-require-key", BOOL(gateway_require_key), "false",
     "gateway requests must carry an API key (an unknown or revoked key is always refused)"},
    {"alert-interval-ms", INT(alert_interval_ms, 0, 86400000), "30000",
     "ms between evaluations of the alert rules (0: only POST /api/v1/alerts/evaluate)"},
    {"trace-retention-days", INT(trace_retention_days, 0, 36500), "0",
     "traces (spans, scores) older than this many days are purged; 0 keeps them forever"},
    {"retention-interval-ms", INT(retention_interval_ms, 1000, 86400000), "300000",
     "ms between runs of the trace retention purge"},
};

/* Keys of the config file that are not options but sections other modules read themselves
 * (src/gateway/file_endpoints.c reads `endpoints`). */
static const char *const file_sections[] = {"endpoints", NULL};

static int is_file_section(const char *key)
{
    for (const char *const *s = file_sections; *s; s++)
        if (strcmp(key, *s) == 0)
            return 1;
    return 0;
}
#define NOPTIONS (sizeof options / sizeof options[0])

int config_parse_size(const char *text, size_t *out)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)text[0]))
        return -1;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno)
        return -1;
    unsigned long long mult = 1;
    switch (tolower((unsigned char)*end)) {
    case '\0':
        break;
    case 'k':
        mult = 1ULL << 10;
        end++;
        break;
    case 'm':
        mult = 1ULL << 20;
        end++;
        break;
    case 'g':
        mult = 1ULL << 30;
        end++;
        break;
    default:
        return -1;
    }
    if (*end == 'b' || *end == 'B') /* "10mb", "64KB" */
        end++;
    if (*end || v > SIZE_MAX / mult)
        return -1;
    *out = (size_t)(v * mult);
    return 0;
}

/* Set one option from text; `source` says where it came from, for the error message. */
static int option_set(config_t *cfg, const option_def_t *opt, const char *value, const char *source,
                      err_t *err)
{
    char *field = (char *)cfg + opt->offset;
    switch (opt->type) {
    case OPT_LOG_LEVEL:
        if (strcmp(value, "debug") && strcmp(value, "info") && strcmp(value, "warn") &&
            strcmp(value, "error"))
            return err_invalid(err, opt->name, "%s: %s must be debug, info, warn or error", source,
                               opt->name);
        /* fall through */
    case OPT_STRING:
        if (strlen(value) >= opt->size)
            return err_invalid(err, opt->name, "%s: %s is longer than %zu bytes", source, opt->name,
                               opt->size - 1);
        strcpy(field, value);
        return 0;
    case OPT_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end || v < opt->min || v > opt->max)
            return err_invalid(err, opt->name, "%s: %s must be an integer from %lld to %lld",
                               source, opt->name, opt->min, opt->max);
        *(int *)field = (int)v;
        return 0;
    }
    case OPT_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on") ||
            !strcmp(value, "1"))
            *(int *)field = 1;
        else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off") ||
                 !strcmp(value, "0"))
            *(int *)field = 0;
        else
            return err_invalid(err, opt->name, "%s: %s must be true or false", source, opt->name);
        return 0;
    case OPT_SIZE: {
        size_t v;
        if (config_parse_size(value, &v) != 0 || (long long)v < opt->min || (long long)v > opt->max)
            return err_invalid(err, opt->name,
                               "%s: %s must be a size such as 4096, 64k or 10m, from %lld to "
                               "%lld bytes",
                               source, opt->name, opt->min, opt->max);
        *(size_t *)field = v;
        return 0;
    }
    }
    return err_internal(err, "unknown option type");
}

static const option_def_t *option_find(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

/* "max-body-bytes" -> "LLMOPS_MAX_BODY_BYTES" */
static void option_env_name(const option_def_t *opt, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "LLMOPS_%s", opt->name);
    for (size_t i = 7; i < n && i < size; i++)
        out[i] = out[i] == '-' ? '_' : (char)toupper((unsigned char)out[i]);
}

void config_defaults(config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NOPTIONS; i++) {
        err_t err;
        if (option_set(cfg, &options[i], options[i].default_text, "default", &err) != 0) {
            fprintf(stderr, "llmops: bad built-in default: %s\n", err.message);
            abort();
        }
    }
}

/* Read a YAML file whose top level is a mapping of option names to scalars. */
static int config_load_file(config_t *cfg, const char *path, err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_invalid(err, "config", "cannot open config file %s: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_event_t event;
    int rc = -1, depth = 0, done = 0;
    int skipping = 0, skip_depth = 0; /* inside a section's value (see file_sections) */
    char key[128] = "";
    char source[1200];
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            err_invalid(err, "config", "%s: YAML error at line %zu, column %zu: %s", path,
                        parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                        parser.problem ? parser.problem : "malformed");
            goto cleanup;
        }
        size_t line = event.start_mark.line + 1;
        snprintf(source, sizeof source, "%s line %zu", path, line);
        if (skipping) { /* pass over the section's value, however deeply nested */
            if (event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT)
                skip_depth++;
            else if (event.type == YAML_SEQUENCE_END_EVENT || event.type == YAML_MAPPING_END_EVENT)
                skip_depth--;
            if (skip_depth == 0)
                skipping = 0;
            yaml_event_delete(&event);
            continue;
        }
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_MAPPING_START_EVENT:
            if (++depth > 1) {
                err_invalid(err, key, "%s: option '%s' must be a plain value", source, key);
                goto fail_event;
            }
            break;
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SEQUENCE_START_EVENT:
            err_invalid(err, key, "%s: lists are not accepted here", source);
            goto fail_event;
        case YAML_ALIAS_EVENT:
            err_invalid(err, key, "%s: aliases are not accepted here", source);
            goto fail_event;
        case YAML_SCALAR_EVENT: {
            const char *text = (const char *)event.data.scalar.value;
            if (depth != 1) {
                err_invalid(err, "config", "%s: the file must be a mapping of options", source);
                goto fail_event;
            }
            if (!key[0]) {
                if (is_file_section(text)) {
                    skipping = 1;
                    break;
                }
                if (!option_find(text, strlen(text))) {
                    err_invalid(err, text, "%s: unknown option '%s'", source, text);
                    goto fail_event;
                }
                snprintf(key, sizeof key, "%s", text);
            } else {
                /* A plain null (`store:`, `store: ~`, `store: null`) leaves the option at its
                 * default rather than setting it to the text "null". */
                int is_null = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                              (!text[0] || !strcmp(text, "~") || !strcmp(text, "null") ||
                               !strcmp(text, "Null") || !strcmp(text, "NULL"));
                if (!is_null &&
                    option_set(cfg, option_find(key, strlen(key)), text, source, err) != 0)
                    goto fail_event;
                key[0] = '\0';
            }
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&event);
    }
    rc = 0;
    goto cleanup;
fail_event:
    yaml_event_delete(&event);
cleanup:
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

/* If arg is "--name" or "--name=value" for a known option, return it and set *inline_value. */
static const option_def_t *flag_match(const char *arg, const char **inline_value)
{
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    *inline_value = eq ? eq + 1 : NULL;
    return option_find(name, eq ? (size_t)(eq - name) : strlen(name));
}

int config_load(config_t *cfg, int argc, char **argv, char **rest, int *nrest, err_t *err)
{
    config_defaults(cfg);
    const option_def_t *config_opt = option_find("config", 6);

    /* The file comes first, so find where it is before anything else is applied. */
    const char *file = getenv("LLMOPS_CONFIG");
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *inline_value;
        const option_def_t *opt = flag_match(argv[i], &inline_value);
        if (opt == config_opt)
            file = inline_value ? inline_value : (i + 1 < argc ? argv[i + 1] : NULL);
        if (opt && !inline_value)
            i++; /* skip the option's value: "--host --config" names a host */
    }
    if (file && *file) {
        if (option_set(cfg, config_opt, file, "--config", err) != 0)
            return -1;
        if (config_load_file(cfg, file, err) != 0)
            return -1;
    }

    for (size_t i = 0; i < NOPTIONS; i++) {
        char env_name[64];
        option_env_name(&options[i], env_name, sizeof env_name);
        const char *value = getenv(env_name);
        if (value && option_set(cfg, &options[i], value, env_name, err) != 0)
            return -1;
    }

    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *inline_value;
        const option_def_t *opt = flag_match(argv[i], &inline_value);
        if (!opt) {
            if (strcmp(argv[i], "--") == 0) { /* everything after is positional */
                while (++i < argc)
                    rest[(*nrest)++] = argv[i];
                break;
            }
            rest[(*nrest)++] = argv[i];
            continue;
        }
        const char *value = inline_value;
        if (!value) {
            if (i + 1 >= argc)
                return err_invalid(err, opt->name, "--%s needs a value", opt->name);
            value = argv[++i];
        }
        char source[80];
        snprintf(source, sizeof source, "--%s", opt->name);
        if (option_set(cfg, opt, value, source, err) != 0)
            return -1;
    }
    return 0;
}

void config_store_url(const config_t *cfg, char *out, size_t size)
{
    if (cfg->store_url[0])
        snprintf(out, size, "%s", cfg->store_url);
    else
        snprintf(out, size, "sqlite:%s/llmops.db", cfg->data_dir);
}

void config_print_help(FILE *out)
{
    fprintf(out, "Options (flag / environment variable / YAML key in --config), default:\n");
    for (size_t i = 0; i < NOPTIONS; i++) {
        char env_name[64], flag[64];
        option_env_name(&options[i], env_name, sizeof env_name);
        snprintf(flag, sizeof flag, "--%s", options[i].name);
        fprintf(out, "  %-20s %-25s %s (default: %s)\n", flag, env_name, options[i].help,
                options[i].default_text[0] ? options[i].default_text : "none");
    }
}
