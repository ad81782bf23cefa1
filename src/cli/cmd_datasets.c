/* cmd_datasets.c - `llmops datasets import|list|show|head|export`: datasets from the shell.
 *
 * A version is named NAME (the latest), NAME@latest or NAME/N. import sends the file as it is
 * (Content-Type application/x-ndjson or text/csv) and export writes the server's bytes as they
 * are, so neither goes through JSON on the way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "datasets/datasets.h"

typedef struct ds_flags {
    const char *format, *required, *split, *seed, *source, *parent, *description, *out, *limit,
        *cursor;
    const char *accepted; /* the option letters this verb takes */
} ds_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    ds_flags_t *f = ctx;
    const char **slot = opt == 'f'   ? &f->format
                        : opt == 'r' ? &f->required
                        : opt == 's' ? &f->split
                        : opt == 'S' ? &f->seed
                        : opt == 'o' ? &f->source
                        : opt == 'p' ? &f->parent
                        : opt == 'd' ? &f->description
                        : opt == 'O' ? &f->out
                        : opt == 'n' ? &f->limit
                        : opt == 'c' ? &f->cursor
                                     : NULL;
    if (!slot || !strchr(f->accepted, opt))
        return CLI_OPTION_UNKNOWN;
    *slot = arg;
    return CLI_OPTION_OK;
}

static int parse_flags(int argc, char **argv, const char *verb, ds_flags_t *f)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"required", required_argument, NULL, 'r'},
                                             {"split", required_argument, NULL, 's'},
                                             {"seed", required_argument, NULL, 'S'},
                                             {"source", required_argument, NULL, 'o'},
                                             {"parent", required_argument, NULL, 'p'},
                                             {"description", required_argument, NULL, 'd'},
                                             {"out", required_argument, NULL, 'O'},
                                             {"limit", required_argument, NULL, 'n'},
                                             {"cursor", required_argument, NULL, 'c'},
                                             {NULL, 0, NULL, 0}};
    char command[32];
    snprintf(command, sizeof command, "datasets %s", verb);
    return cli_parse_options(argc, argv, command, "n:", longopts, take_flag, f);
}

/* "NAME[/V]" -> "/api/v1/datasets/NAME/versions/V" (V "latest" when not given) + suffix. */
static int version_target(const char *verb, const char *ref, const char *suffix, buf_t *target)
{
    char name[DATASET_NAME_MAX + 1];
    int64_t version;
    err_t err;
    if (datasets_parse_ref(ref, name, &version, &err) != 0)
        return cli_usage_error(verb, "%s", err.message);
    char number[32];
    snprintf(number, sizeof number, "%lld", (long long)version);
    buf_append_str(target, "/api/v1/datasets");
    cli_path_add(target, name);
    buf_append_str(target, "/versions");
    cli_path_add(target, version ? number : "latest");
    buf_append_str(target, suffix);
    return 0;
}

/* Print a failed call; an import's malformed lines one per line after the message. */
static int report_failure(int status, const buf_t *answer)
{
    json_t *reply = json_loadb(buf_str(answer), answer->len, 0, NULL);
    cli_print_error(status, reply ? reply : json_pack("{s:s}", "body", buf_str(answer)));
    const json_t *error = json_object_get(reply, "error");
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(error, "errors"), i, line)
    {
        fprintf(stderr, "  line %lld: %s\n",
                (long long)json_integer_value(json_object_get(line, "line")),
                json_string_value(json_object_get(line, "message")));
    }
    json_int_t total = json_integer_value(json_object_get(error, "error_count"));
    if (total > (json_int_t)json_array_size(json_object_get(error, "errors")))
        fprintf(stderr, "  ... %lld in all\n", (long long)total);
    json_decref(reply);
    return CLI_FAILED;
}

static int run_import(cli_t *cli, int argc, char **argv)
{
    ds_flags_t f = {.accepted = "frsSopd"};
    int n = parse_flags(argc, argv, "import", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 2)
        return cli_usage_error("datasets import", "expects NAME FILE");
    const char *path = argv[1];
    const char *format = f.format;
    if (!format) {
        size_t len = strlen(path);
        format = len > 4 && strcmp(path + len - 4, ".csv") == 0 ? "csv" : "jsonl";
    }
    if (strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0)
        return cli_usage_error("datasets import", "--format is jsonl or csv");
    if (f.seed && !f.split)
        return cli_usage_error("datasets import", "--seed goes with --split");
    char *data = cli_read_input("datasets import", path);
    if (!data)
        return CLI_FAILED;
    const char *base = strrchr(path, '/');
    buf_t target, answer;
    buf_init(&target);
    buf_init(&answer);
    buf_append_str(&target, "/api/v1/datasets");
    cli_path_add(&target, argv[0]);
    buf_append_str(&target, "/versions");
    cli_query_add(&target, "format", format);
    cli_query_add(&target, "required", f.required);
    cli_query_add(&target, "split", f.split);
    cli_query_add(&target, "seed", f.seed);
    cli_query_add(&target, "source",
                  f.source            ? f.source
                  : strcmp(path, "-") ? (base ? base + 1 : path)
                                      : "upload");
    cli_query_add(&target, "parent", f.parent);
    cli_query_add(&target, "description", f.description);
    int status = 0;
    cli_call_raw(cli, "POST", buf_str(&target),
                 strcmp(format, "csv") == 0 ? "text/csv" : "application/x-ndjson", data,
                 strlen(data), &status, &answer);
    int rc = CLI_OK;
    json_t *reply =
        status >= 200 && status < 300 ? json_loadb(answer.data, answer.len, 0, NULL) : NULL;
    if (reply)
        cli_print_json(reply);
    else
        rc = report_failure(status, &answer);
    json_decref(reply);
    buf_free(&target);
    buf_free(&answer);
    free(data);
    return rc;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    ds_flags_t f = {.accepted = "nc"};
    int n = parse_flags(argc, argv, "list", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("datasets list", "takes no arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/datasets");
    cli_query_add(&target, "limit", f.limit);
    cli_query_add(&target, "cursor", f.cursor);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    ds_flags_t f = {.accepted = ""};
    int n = parse_flags(argc, argv, "show", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("datasets show", "expects NAME (the dataset) or NAME/V");
    buf_t target;
    buf_init(&target);
    int rc;
    if (!strchr(argv[0], '/') && !strchr(argv[0], '@')) {
        buf_append_str(&target, "/api/v1/datasets");
        cli_path_add(&target, argv[0]);
        rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    } else {
        rc = version_target("datasets show", argv[0], "", &target);
        if (rc == 0)
            rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    }
    buf_free(&target);
    return rc;
}

static int run_head(cli_t *cli, int argc, char **argv)
{
    ds_flags_t f = {.accepted = "ns"};
    int n = parse_flags(argc, argv, "head", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("datasets head", "expects NAME[/V]");
    buf_t target;
    buf_init(&target);
    int rc = version_target("datasets head", argv[0], "/rows", &target);
    if (rc == 0) {
        cli_query_add(&target, "limit", f.limit ? f.limit : "10");
        cli_query_add(&target, "split", f.split);
        json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
        rc = reply ? CLI_OK : CLI_FAILED;
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(reply, "rows"), i, item)
        {
            char *text =
                json_dump_text(json_object_get(item, "row"), JSON_COMPACT | JSON_SORT_KEYS);
            printf("%s\n", text);
            free(text);
        }
        json_decref(reply);
    }
    buf_free(&target);
    return rc;
}

static int run_export(cli_t *cli, int argc, char **argv)
{
    ds_flags_t f = {.accepted = "fOs"};
    int n = parse_flags(argc, argv, "export", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("datasets export", "expects NAME[/V]");
    buf_t target, answer;
    buf_init(&target);
    buf_init(&answer);
    int rc = version_target("datasets export", argv[0], "/export", &target);
    if (rc == 0) {
        cli_query_add(&target, "format", f.format ? f.format : "jsonl");
        cli_query_add(&target, "split", f.split);
        int status = 0;
        cli_call_raw(cli, "GET", buf_str(&target), "application/json", NULL, 0, &status, &answer);
        if (status != 200) {
            rc = report_failure(status, &answer);
        } else {
            FILE *out = f.out ? fopen(f.out, "wb") : stdout;
            if (!out || fwrite(answer.data, 1, answer.len, out) != answer.len) {
                fprintf(stderr, "llmops datasets export: cannot write %s\n", f.out);
                rc = CLI_FAILED;
            }
            if (out && out != stdout && fclose(out) != 0 && rc == CLI_OK) {
                fprintf(stderr, "llmops datasets export: cannot write %s\n", f.out);
                rc = CLI_FAILED;
            }
        }
    }
    buf_free(&target);
    buf_free(&answer);
    return rc;
}

const cli_command_t cmd_datasets_commands[] = {
    {"datasets", "import",
     "NAME FILE [--format jsonl|csv] [--required a,b] [--split train=0.8,test=0.2 --seed N] "
     "[--source S] [--parent N|NAME/N] [--description TEXT]",
     "import a JSONL or CSV file (- for stdin) as a new version",
     "The format follows the file name (.csv, else jsonl) unless --format says. Importing rows "
     "equal to an existing version's returns it (\"created\": false).\n"
     "Example: llmops datasets import qa qa.csv --required question,answer "
     "--split train=0.8,test=0.2 --seed 7",
     run_import},
    {"datasets", "list", "[--limit N] [--cursor NAME]", "list datasets by name", NULL, run_list},
    {"datasets", "show", "NAME | NAME/V | NAME@latest",
     "a dataset, or one version's metadata and schema", NULL, run_show},
    {"datasets", "head", "NAME[/V] [-n 10] [--split NAME]", "the first rows, as JSONL", NULL,
     run_head},
    {"datasets", "export", "NAME[/V] [--format jsonl|csv] [--out FILE] [--split NAME]",
     "write a version's rows (stdout unless --out)",
     "Example: llmops datasets export qa/2 --format csv --split test --out test.csv", run_export},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
