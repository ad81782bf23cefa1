/* cli_util.c - helpers the command files share (see cli_util.h). */
#include "cli/cli_util.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

void cli_path_add(buf_t *target, const char *segment)
{
    char *escaped = curl_easy_escape(NULL, segment, 0);
    buf_printf(target, "/%s", escaped ? escaped : "");
    curl_free(escaped);
}

void cli_query_add(buf_t *target, const char *name, const char *value)
{
    if (!value)
        return;
    char *escaped = curl_easy_escape(NULL, value, 0);
    buf_printf(target, "%c%s=%s", strchr(buf_str(target), '?') ? '&' : '?', name,
               escaped ? escaped : "");
    curl_free(escaped);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "llmops %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; see `llmops %s --help`\n", command);
    va_end(ap);
    return CLI_USAGE;
}

int cli_parse_options(int argc, char **argv, const char *command, const char *shortopts,
                      const struct option *longopts, cli_option_fn on_option, void *ctx)
{
    /* getopt_long wants the program name in front; it then permutes the copy so that the
     * positionals end up after optind. A leading ':' tells a missing value from an unknown
     * option. */
    char *args[argc + 2];
    args[0] = (char *)command;
    memcpy(args + 1, argv, sizeof(char *) * (size_t)argc);
    args[argc + 1] = NULL;
    char opts[64];
    snprintf(opts, sizeof opts, ":%s", shortopts ? shortopts : "");
    optind = 0; /* 0, not 1: also resets getopt's internal state between calls */
    opterr = 0;
    int opt, index = -1;
    while ((opt = getopt_long(argc + 1, args, opts, longopts, &index)) != -1) {
        if (opt == ':') {
            cli_usage_error(command, "option %s needs a value", args[optind - 1]);
            return -1;
        }
        if (opt == '?') { /* not an option at all: it consumed nothing, so it is at optind - 1 */
            cli_usage_error(command, "unknown option %s", args[optind - 1]);
            return -1;
        }
        int rc = on_option(opt, optarg, ctx);
        if (rc == CLI_OPTION_UNKNOWN) { /* an option, but not this verb's: name it */
            if (index >= 0)
                cli_usage_error(command, "unknown option --%s", longopts[index].name);
            else
                cli_usage_error(command, "unknown option -%c", opt);
            return -1;
        }
        if (rc != CLI_OPTION_OK)
            return -1;
        index = -1;
    }
    int n = argc + 1 - optind;
    for (int i = 0; i < n; i++)
        argv[i] = args[optind + i];
    return n;
}

void cli_print_error(int status, const json_t *response)
{
    const json_t *error = json_object_get(response, "error");
    const char *code = json_string_value(json_object_get(error, "code"));
    const char *message = json_string_value(json_object_get(error, "message"));
    if (message) {
        fprintf(stderr, "llmops: %s%s%s%s\n", message, code ? " (" : "", code ? code : "",
                code ? ")" : "");
        return;
    }
    char *text = json_dumps(response, JSON_COMPACT | JSON_ENCODE_ANY);
    fprintf(stderr, "llmops: HTTP %d: %s\n", status, text ? text : "");
    free(text);
}

json_t *cli_call_json(cli_t *cli, const char *method, const char *target, const json_t *body)
{
    int status = 0;
    json_t *response = NULL;
    cli_call(cli, method, target, body, &status, &response);
    if (status >= 200 && status < 300)
        return response;
    cli_print_error(status, response);
    json_decref(response);
    return NULL;
}

void cli_print_json(const json_t *value)
{
    char *text = json_dump_text(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text ? text : "null");
    free(text);
}

size_t cli_text_width(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += ((unsigned char)*text & 0xc0) != 0x80; /* count lead bytes only */
    return n;
}

const char *cli_clip(const char *text, size_t width, const char *mark, char *out, size_t size)
{
    size_t mark_width = cli_text_width(mark);
    if (cli_text_width(text) <= width || width <= mark_width) {
        snprintf(out, size, "%s", text);
        return out;
    }
    /* Keep width - mark_width characters, cutting before a lead byte. */
    size_t keep = width - mark_width, chars = 0, i = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xc0) != 0x80 && chars++ == keep)
            break;
    }
    snprintf(out, size, "%.*s%s", (int)i, text, mark);
    return out;
}

/* Inputs given on the command line are read whole; this bounds them. */
#define CLI_MAX_INPUT_BYTES (16u << 20)

char *cli_read_input(const char *who, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s\n", who, path);
        return NULL;
    }
    buf_t b;
    buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= CLI_MAX_INPUT_BYTES)
        buf_append(&b, chunk, n);
    int failed = ferror(f) || b.len > CLI_MAX_INPUT_BYTES;
    if (f != stdin)
        fclose(f);
    if (failed) {
        fprintf(stderr, "%s: cannot read %s%s\n", who, path,
                b.len > CLI_MAX_INPUT_BYTES ? " (larger than 16 MiB)" : "");
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

json_t *cli_json_arg(const char *who, const char *option, const char *arg)
{
    char *text = arg[0] == '@' ? cli_read_input(who, arg + 1) : xstrdup(arg);
    if (!text)
        return NULL;
    json_error_t jerr;
    json_t *value = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!value)
        fprintf(stderr, "%s: %s is not valid JSON (line %d, column %d: %s)\n", who, option,
                jerr.line, jerr.column, jerr.text);
    free(text);
    return value;
}
