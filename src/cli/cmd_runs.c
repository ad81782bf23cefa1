/* cmd_runs.c - `llmops runs list|show|compare`: runs from the shell, through llmops' own API
 * (/api/v1/runs). compare prints a text table, params then final metrics, one column per run,
 * with '*' in front of every row whose values differ. */
#include <curl/curl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/commands.h"

static void query_add(buf_t *target, const char *name, const char *value)
{
    if (!value)
        return;
    char *escaped = curl_easy_escape(NULL, value, 0);
    buf_printf(target, "%c%s=%s", strchr(buf_str(target), '?') ? '&' : '?', name,
               escaped ? escaped : "");
    curl_free(escaped);
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {{"experiment", required_argument, NULL, 'e'},
                                             {"filter", required_argument, NULL, 'f'},
                                             {"order-by", required_argument, NULL, 'o'},
                                             {"max", required_argument, NULL, 'm'},
                                             {NULL, 0, NULL, 0}};
    char *args[argc + 2];
    args[0] = (char *)"list";
    memcpy(args + 1, argv, sizeof(char *) * (size_t)argc);
    args[argc + 1] = NULL;
    optind = 0;
    opterr = 0;
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/runs");
    int opt;
    while ((opt = getopt_long(argc + 1, args, "", longopts, NULL)) != -1) {
        const char *name = opt == 'e'   ? "experiment_id"
                           : opt == 'f' ? "filter"
                           : opt == 'o' ? "order_by"
                           : opt == 'm' ? "max_results"
                                        : NULL;
        if (!name) {
            fprintf(stderr, "llmops runs list: unknown option %s; see `llmops runs list --help`\n",
                    args[optind - 1]);
            buf_free(&target);
            return CLI_USAGE;
        }
        query_add(&target, name, optarg);
    }
    if (optind != argc + 1) {
        fprintf(stderr, "llmops runs list: unexpected argument '%s'\n", args[optind]);
        buf_free(&target);
        return CLI_USAGE;
    }
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-') {
        fprintf(stderr, "llmops runs show: expects one RUN_ID; see `llmops runs show --help`\n");
        return CLI_USAGE;
    }
    char *escaped = curl_easy_escape(NULL, argv[0], 0);
    buf_t target;
    buf_init(&target);
    buf_printf(&target, "/api/v1/runs/%s", escaped ? escaped : "");
    curl_free(escaped);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

/* A cell's text: strings as they are, numbers in their shortest exact form, "-" when absent. */
static void cell_text(const json_t *v, char *out, size_t size)
{
    if (json_is_string(v)) {
        snprintf(out, size, "%s", json_string_value(v));
    } else if (json_is_number(v)) {
        double d = json_number_value(v);
        for (int prec = 6; prec <= 17; prec++) { /* short unless that would round */
            snprintf(out, size, "%.*g", prec, d);
            if (strtod(out, NULL) == d)
                break;
        }
    } else {
        snprintf(out, size, "-");
    }
}

#define CELL_MAX 40

static size_t width_of(const char *s)
{
    size_t n = 0; /* count UTF-8 characters, not bytes, so columns line up */
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void print_cell(const char *text, size_t width)
{
    char clipped[CELL_MAX * 4 + 4];
    snprintf(clipped, sizeof clipped, "%s", text);
    if (width_of(clipped) > CELL_MAX) { /* cut at a character boundary, mark with "~" */
        size_t chars = 0, i = 0;
        for (; clipped[i] && chars < CELL_MAX - 1; i++)
            chars += ((unsigned char)clipped[i + 1] & 0xc0) != 0x80;
        clipped[i] = '~';
        clipped[i + 1] = '\0';
    }
    printf("  %s%*s", clipped, (int)(width - width_of(clipped)), "");
}

static void print_rows(const json_t *rows, const char *title, size_t key_width,
                       const size_t *widths, size_t n)
{
    printf("  %s\n", title);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *key = json_string_value(json_object_get(row, "key"));
        printf("%c %s%*s", json_is_true(json_object_get(row, "differs")) ? '*' : ' ', key,
               (int)(key_width - width_of(key)), "");
        for (size_t r = 0; r < n; r++) {
            char text[CELL_MAX * 4 + 4];
            cell_text(json_array_get(json_object_get(row, "values"), r), text, sizeof text);
            print_cell(text, widths[r]);
        }
        printf("\n");
    }
}

static void print_table(const json_t *cmp)
{
    const json_t *runs = json_object_get(cmp, "runs");
    const json_t *sections[] = {json_object_get(cmp, "params"), json_object_get(cmp, "metrics")};
    size_t n = json_array_size(runs);
    size_t key_width = strlen("metrics");
    size_t *widths = calloc(n + 1, sizeof *widths);
    for (size_t s = 0; s < 2; s++) {
        size_t i;
        json_t *row;
        json_array_foreach(sections[s], i, row)
        {
            size_t w = width_of(json_string_value(json_object_get(row, "key")));
            key_width = w > key_width ? w : key_width;
            for (size_t r = 0; r < n; r++) {
                char text[CELL_MAX * 4 + 4];
                cell_text(json_array_get(json_object_get(row, "values"), r), text, sizeof text);
                size_t cw = width_of(text);
                widths[r] = cw > widths[r] ? cw : widths[r];
            }
        }
    }
    for (size_t r = 0; r < n; r++) {
        const json_t *run = json_array_get(runs, r);
        size_t w = width_of(json_string_value(json_object_get(run, "run_name")));
        widths[r] = w > widths[r] ? w : widths[r];
        widths[r] = widths[r] < 10 ? 10 : widths[r] > CELL_MAX ? CELL_MAX : widths[r];
    }
    printf("  %-*s", (int)key_width, "run");
    for (size_t r = 0; r < n; r++)
        print_cell(json_string_value(json_object_get(json_array_get(runs, r), "run_name")),
                   widths[r]);
    /* Run ids start with their creation time, so runs made together share a prefix: show
     * the random tail instead. */
    printf("\n  %-*s", (int)key_width, "id");
    for (size_t r = 0; r < n; r++) {
        const char *id = json_string_value(json_object_get(json_array_get(runs, r), "run_id"));
        char tail[16];
        size_t len = strlen(id);
        snprintf(tail, sizeof tail, "..%s", len > 8 ? id + len - 8 : id);
        print_cell(tail, widths[r]);
    }
    printf("\n");
    print_rows(sections[0], "params", key_width, widths, n);
    print_rows(sections[1], "metrics", key_width, widths, n);
    printf("(* = values differ; - = not logged; metrics are each run's latest value)\n");
    free(widths);
}

static int run_compare(cli_t *cli, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "llmops runs compare: expects two or more RUN_IDs; see `llmops runs "
                        "compare --help`\n");
        return CLI_USAGE;
    }
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/runs/compare");
    for (int i = 0; i < argc; i++)
        query_add(&target, "run_id", argv[i]);
    int status = 0;
    json_t *response = NULL;
    cli_call(cli, "GET", buf_str(&target), NULL, &status, &response);
    buf_free(&target);
    int rc = CLI_OK;
    if (status == 200) {
        print_table(response);
    } else {
        const char *msg =
            json_string_value(json_object_get(json_object_get(response, "error"), "message"));
        fprintf(stderr, "llmops runs compare: %s\n", msg ? msg : "the call failed");
        rc = CLI_FAILED;
    }
    json_decref(response);
    return rc;
}

const cli_command_t cmd_runs_commands[] = {
    {"runs", "list", "[--experiment ID] [--filter F] [--order-by X] [--max N]",
     "search runs (JSON); no --experiment searches every experiment",
     "Filters and orders use MLflow's grammar. Example:\n"
     "  llmops runs list --experiment 1 --filter \"metrics.acc > 0.9 and params.lr = '0.01'\" "
     "--order-by 'metrics.acc DESC' --max 10",
     run_list},
    {"runs", "show", "RUN_ID", "show one run: info, params, latest metrics, tags, inputs", NULL,
     run_show},
    {"runs", "compare", "RUN_ID RUN_ID...",
     "params and final metrics side by side as a text table; '*' marks differing rows",
     "Example: llmops runs compare 0192f1c3... 0192f1c4...", run_compare},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
