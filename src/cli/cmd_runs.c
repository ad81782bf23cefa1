/* cmd_runs.c - `llmops runs list|show|compare`: runs from the shell, through llmops' own API
 * (/api/v1/runs). compare prints a text table, params then final metrics, one column per run,
 * with '*' in front of every row whose values differ. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

/* --experiment, --filter, --order-by and --max become query parameters of /api/v1/runs. */
static int take_list_option(int opt, const char *arg, void *target)
{
    const char *name = opt == 'e'   ? "experiment_id"
                       : opt == 'f' ? "filter"
                       : opt == 'o' ? "order_by"
                       : opt == 'm' ? "max_results"
                                    : NULL;
    if (!name)
        return CLI_OPTION_UNKNOWN;
    cli_query_add(target, name, arg);
    return CLI_OPTION_OK;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    static const struct option longopts[] = {{"experiment", required_argument, NULL, 'e'},
                                             {"filter", required_argument, NULL, 'f'},
                                             {"order-by", required_argument, NULL, 'o'},
                                             {"max", required_argument, NULL, 'm'},
                                             {NULL, 0, NULL, 0}};
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/runs");
    int n = cli_parse_options(argc, argv, "runs list", NULL, longopts, take_list_option, &target);
    int rc = n < 0    ? CLI_USAGE
             : n != 0 ? cli_usage_error("runs list", "unexpected argument '%s'", argv[0])
                      : cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return cli_usage_error("runs show", "expects one RUN_ID");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/runs");
    cli_path_add(&target, argv[0]);
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

static void print_cell(const char *text, size_t width)
{
    char clipped[CELL_MAX * 4 + 4];
    cli_clip(text, CELL_MAX, "~", clipped, sizeof clipped); /* "~" marks a cut */
    printf("  %s%*s", clipped, (int)(width - cli_text_width(clipped)), "");
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
               (int)(key_width - cli_text_width(key)), "");
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
            size_t w = cli_text_width(json_string_value(json_object_get(row, "key")));
            key_width = w > key_width ? w : key_width;
            for (size_t r = 0; r < n; r++) {
                char text[CELL_MAX * 4 + 4];
                cell_text(json_array_get(json_object_get(row, "values"), r), text, sizeof text);
                size_t cw = cli_text_width(text);
                widths[r] = cw > widths[r] ? cw : widths[r];
            }
        }
    }
    for (size_t r = 0; r < n; r++) {
        const json_t *run = json_array_get(runs, r);
        size_t w = cli_text_width(json_string_value(json_object_get(run, "run_name")));
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
    if (argc < 2)
        return cli_usage_error("runs compare", "expects two or more RUN_IDs");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/runs/compare");
    for (int i = 0; i < argc; i++)
        cli_query_add(&target, "run_id", argv[i]);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    print_table(reply);
    json_decref(reply);
    return CLI_OK;
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
