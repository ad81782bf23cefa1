/* cmd_eval.c - `llmops eval run|list|show|rows|compare|resume|cancel`: evaluations from the
 * shell and from CI, over /api/v1/evaluations (docs/eval-api.md; user guide docs/eval-cli.md).
 *
 * `eval run` builds the evaluation bodies from flags and a YAML file (eval_spec.h), checks the
 * gates before anything starts, starts the evaluations one after the other (the baseline
 * first), follows each to its end (eval_watch.h), checks the gates with gate.h against the
 * finished metrics (relative gates against the baseline's), and prints the outcome as a table,
 * JSON or JUnit XML (eval_report.h). Exit status: 0 when every evaluation finished and every
 * gate passed, 1 when a gate failed or an evaluation did not finish, 2 for a bad command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/eval_report.h"
#include "cli/eval_spec.h"
#include "cli/eval_watch.h"
#include "eval/gate.h"

#define ROWS_PAGE 1000

/* ---- flags ----------------------------------------------------------------------------------- */

typedef enum { OUT_TABLE, OUT_JSON, OUT_JUNIT } out_format_t;

typedef struct flags {
    eval_flags_t spec;
    const char *output, *output_file;
    const char *dataset_filter, *status, *limit, *page_token; /* list / rows */
    const char *max_rows;                                     /* compare */
    int quiet, failed, json;
    const char *verb;
} flags_t;

enum {
    O_FILE = 'f',
    O_QUIET = 'q',
    O_DATASET = 256,
    O_SPLIT,
    O_LIMIT,
    O_ENDPOINT,
    O_MODEL,
    O_PROMPT,
    O_TARGET,
    O_SCORER,
    O_CONCURRENCY,
    O_RETRIES,
    O_BASELINE,
    O_NAME,
    O_EXPERIMENT,
    O_NO_CACHE,
    O_GATE,
    O_OUTPUT,
    O_OUTPUT_FILE,
    O_STATUS,
    O_PAGE_TOKEN,
    O_FAILED,
    O_JSON,
    O_MAX_ROWS,
};

static int take_flag(int opt, const char *arg, void *ctx)
{
    flags_t *f = ctx;
    eval_flags_t *s = &f->spec;
    int run = strcmp(f->verb, "run") == 0;
    switch (opt) {
    case O_FILE:
        if (!run)
            return CLI_OPTION_UNKNOWN;
        s->file = arg;
        break;
    case O_DATASET:
        if (run)
            s->dataset = arg;
        else
            f->dataset_filter = arg;
        break;
    case O_LIMIT:
        if (run)
            s->limit = arg;
        else
            f->limit = arg;
        break;
    case O_NO_CACHE:
        if (!run)
            return CLI_OPTION_UNKNOWN;
        s->no_cache = 1;
        break;
    case O_SPLIT:
    case O_ENDPOINT:
    case O_MODEL:
    case O_PROMPT:
    case O_TARGET:
    case O_CONCURRENCY:
    case O_RETRIES:
    case O_BASELINE:
    case O_NAME:
    case O_EXPERIMENT: {
        if (!run)
            return CLI_OPTION_UNKNOWN;
        const char **slot = opt == O_SPLIT         ? &s->split
                            : opt == O_ENDPOINT    ? &s->endpoint
                            : opt == O_MODEL       ? &s->model
                            : opt == O_PROMPT      ? &s->prompt
                            : opt == O_TARGET      ? &s->target
                            : opt == O_CONCURRENCY ? &s->concurrency
                            : opt == O_RETRIES     ? &s->max_retries
                            : opt == O_BASELINE    ? &s->baseline
                            : opt == O_NAME        ? &s->name
                                                   : &s->experiment;
        *slot = arg;
        break;
    }
    case O_SCORER:
        if (!run)
            return CLI_OPTION_UNKNOWN;
        if (s->nscorers == EVAL_SPEC_MAX_SCORERS) {
            cli_usage_error("eval run", "at most %d --scorer", EVAL_SPEC_MAX_SCORERS);
            return CLI_OPTION_FAILED;
        }
        s->scorers[s->nscorers++] = arg;
        break;
    case O_GATE:
        if (!run && strcmp(f->verb, "resume") != 0)
            return CLI_OPTION_UNKNOWN;
        s->gates = arg;
        break;
    case O_OUTPUT:
        f->output = arg;
        break;
    case O_OUTPUT_FILE:
        f->output_file = arg;
        break;
    case O_QUIET:
        f->quiet = 1;
        break;
    case O_STATUS:
        f->status = arg;
        break;
    case O_PAGE_TOKEN:
        f->page_token = arg;
        break;
    case O_FAILED:
        f->failed = 1;
        break;
    case O_JSON:
        f->json = 1;
        break;
    case O_MAX_ROWS:
        f->max_rows = arg;
        break;
    default:
        return CLI_OPTION_UNKNOWN;
    }
    return CLI_OPTION_OK;
}

static int parse_flags(int argc, char **argv, const char *verb, flags_t *f)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, O_FILE},
        {"dataset", required_argument, NULL, O_DATASET},
        {"split", required_argument, NULL, O_SPLIT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"endpoint", required_argument, NULL, O_ENDPOINT},
        {"model", required_argument, NULL, O_MODEL},
        {"prompt", required_argument, NULL, O_PROMPT},
        {"target", required_argument, NULL, O_TARGET},
        {"scorer", required_argument, NULL, O_SCORER},
        {"concurrency", required_argument, NULL, O_CONCURRENCY},
        {"max-retries", required_argument, NULL, O_RETRIES},
        {"baseline", required_argument, NULL, O_BASELINE},
        {"name", required_argument, NULL, O_NAME},
        {"experiment", required_argument, NULL, O_EXPERIMENT},
        {"no-cache", no_argument, NULL, O_NO_CACHE},
        {"gate", required_argument, NULL, O_GATE},
        {"output", required_argument, NULL, O_OUTPUT},
        {"output-file", required_argument, NULL, O_OUTPUT_FILE},
        {"quiet", no_argument, NULL, O_QUIET},
        {"status", required_argument, NULL, O_STATUS},
        {"page-token", required_argument, NULL, O_PAGE_TOKEN},
        {"failed", no_argument, NULL, O_FAILED},
        {"json", no_argument, NULL, O_JSON},
        {"max-rows", required_argument, NULL, O_MAX_ROWS},
        {NULL, 0, NULL, 0},
    };
    memset(f, 0, sizeof *f);
    f->verb = verb;
    char command[32];
    snprintf(command, sizeof command, "eval %s", verb);
    return cli_parse_options(argc, argv, command, "f:q", longopts, take_flag, f);
}

/* --output as a format (--json means json); -1 after printing a usage error. */
static int output_format(const flags_t *f, const char *command, int junit_ok)
{
    const char *o = f->output ? f->output : f->json ? "json" : "table";
    if (strcmp(o, "table") == 0)
        return OUT_TABLE;
    if (strcmp(o, "json") == 0)
        return OUT_JSON;
    if (junit_ok && strcmp(o, "junit") == 0)
        return OUT_JUNIT;
    cli_usage_error(command, "--output is %s, not '%s'",
                    junit_ok ? "table, json or junit" : "table or json", o);
    return -1;
}

/* The start every verb but `run` shares: its flags, its count of ids (what_ids says which, for
 * the usage error), and the output format. The format, or -1 after printing why. */
static int verb_start(int argc, char **argv, const char *verb, int ids, const char *what_ids,
                      int junit_ok, flags_t *f)
{
    char command[32];
    snprintf(command, sizeof command, "eval %s", verb);
    int n = parse_flags(argc, argv, verb, f);
    if (n < 0)
        return -1;
    if (n != ids) {
        cli_usage_error(command, "%s", what_ids);
        return -1;
    }
    return output_format(f, command, junit_ok);
}

/* Where the report goes: --output-file, else stdout. NULL after printing why. */
static FILE *report_stream(const flags_t *f)
{
    if (!f->output_file)
        return stdout;
    FILE *out = fopen(f->output_file, "w");
    if (!out)
        fprintf(stderr, "llmops: cannot write %s\n", f->output_file);
    return out;
}

static int report_close(const flags_t *f, FILE *out)
{
    if (out == stdout)
        return fflush(out) == 0 ? 0 : -1;
    int failed = ferror(out);
    if (fclose(out) != 0 || failed) {
        fprintf(stderr, "llmops: cannot write %s\n", f->output_file);
        return -1;
    }
    return 0;
}

/* "/api/v1/evaluations/<id>[rest]" */
static void eval_target(buf_t *t, const char *id, const char *rest)
{
    buf_init(t);
    buf_append_str(t, "/api/v1/evaluations");
    if (id)
        cli_path_add(t, id);
    if (rest)
        buf_append_str(t, rest);
}

/* GET one evaluation's EVAL (caller decrefs), NULL after printing the error. */
static json_t *get_eval(cli_t *cli, const char *id)
{
    buf_t t;
    eval_target(&t, id, NULL);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    json_t *e = json_incref(json_object_get(reply, "evaluation"));
    json_decref(reply);
    return e;
}

/* Every row of an evaluation (all pages), NULL after printing the error. */
static json_t *all_rows(cli_t *cli, const char *id)
{
    json_t *rows = json_array();
    char *token = NULL;
    do {
        buf_t t;
        eval_target(&t, id, "/rows");
        cli_query_add(&t, "limit", "1000");
        cli_query_add(&t, "page_token", token);
        json_t *reply = cli_call_json(cli, "GET", buf_str(&t), NULL);
        buf_free(&t);
        free(token);
        token = NULL;
        if (!reply) {
            json_decref(rows);
            return NULL;
        }
        json_array_extend(rows, json_object_get(reply, "rows"));
        const char *next = json_string_value(json_object_get(reply, "next_page_token"));
        token = next && *next ? xstrdup(next) : NULL;
        json_decref(reply);
    } while (token);
    return rows;
}

/* ---- run ------------------------------------------------------------------------------------- */

/* What one run of `eval run` / `eval resume` collected. */
typedef struct session {
    size_t n;
    json_t *evals[64];
    json_t *gates[64];
    int passed[64];
    json_t *rows[64];
    int is_baseline[64];
} session_t;

static void session_free(session_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        json_decref(s->evals[i]);
        json_decref(s->gates[i]);
        json_decref(s->rows[i]);
    }
}

/* Check gates, print the report; the exit status. */
static int finish(cli_t *cli, const flags_t *f, out_format_t format, const gate_list_t *gates,
                  session_t *s, const json_t *external_baseline)
{
    int ok = 1;
    for (size_t i = 0; i < s->n; i++) {
        const char *status = json_string_value(json_object_get(s->evals[i], "status"));
        if (!status || strcmp(status, "finished") != 0) {
            ok = 0;
            fprintf(stderr, "llmops: evaluation %s ended %s%s%s\n",
                    json_string_value(json_object_get(s->evals[i], "id")) ?: "?",
                    status ? status : "?",
                    json_is_string(json_object_get(s->evals[i], "error")) ? ": " : "",
                    json_string_value(json_object_get(s->evals[i], "error")) ?: "");
        }
    }
    /* The baseline of this session (when one of its evaluations is). */
    const json_t *baseline = external_baseline;
    for (size_t i = 0; i < s->n; i++)
        if (s->is_baseline[i])
            baseline = s->evals[i];
    if (gates->n) {
        for (size_t i = 0; i < s->n; i++) {
            if (s->is_baseline[i])
                continue;
            s->gates[i] =
                gate_check(gates, json_object_get(s->evals[i], "metrics"),
                           baseline ? json_object_get(baseline, "metrics") : NULL, &s->passed[i]);
            ok = ok && s->passed[i];
        }
    }
    if (format == OUT_JUNIT)
        for (size_t i = 0; i < s->n; i++) {
            s->rows[i] = all_rows(cli, json_string_value(json_object_get(s->evals[i], "id")));
            if (!s->rows[i])
                return CLI_FAILED;
        }
    eval_outcome_t outcomes[64];
    for (size_t i = 0; i < s->n; i++)
        outcomes[i] =
            (eval_outcome_t){s->evals[i], s->gates[i], s->passed[i], s->rows[i], s->is_baseline[i]};
    FILE *out = report_stream(f);
    if (!out)
        return CLI_FAILED;
    if (format == OUT_TABLE)
        eval_report_table(out, outcomes, s->n);
    else if (format == OUT_JUNIT)
        eval_report_junit(out, outcomes, s->n);
    else {
        json_t *j = eval_report_json(outcomes, s->n);
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fprintf(out, "%s\n", text ? text : "null");
        free(text);
        json_decref(j);
    }
    if (report_close(f, out) != 0)
        return CLI_FAILED;
    if (f->output_file && !f->quiet)
        fprintf(stderr, "llmops: wrote %s\n", f->output_file);
    if (gates->n && !f->quiet)
        fprintf(stderr, "llmops: gates %s\n", ok ? "passed" : "FAILED");
    return ok ? CLI_OK : CLI_FAILED;
}

static int run_run(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "run", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("eval run", "takes no arguments (did you mean -f %s?)", argv[0]);
    int format = output_format(&f, "eval run", 1);
    if (format < 0)
        return CLI_USAGE;
    eval_plan_t plan;
    err_t err;
    if (eval_plan_build(&f.spec, &plan, &err) != 0)
        return cli_usage_error("eval run", "%s", err.message);
    /* The gates are checked before anything starts: a typo fails fast, not after an hour. */
    gate_list_t gates = {0};
    if (gate_parse(plan.gates, &gates, &err) != 0) {
        eval_plan_free(&plan);
        return cli_usage_error("eval run", "bad gate: %s", err.message);
    }
    size_t count = json_array_size(plan.bodies);
    if (count > 64) {
        gate_list_free(&gates);
        eval_plan_free(&plan);
        return cli_usage_error("eval run", "at most 64 targets");
    }
    eval_watch_mode_t mode = eval_watch_mode(f.quiet);
    session_t s = {0};
    json_t *external = NULL;
    int rc = CLI_OK;
    if (plan.baseline_run && (external = get_eval(cli, plan.baseline_run)) == NULL) {
        rc = CLI_FAILED;
        goto done;
    }
    /* The baseline target runs first, so the others can name it. */
    const char *baseline_id = NULL;
    for (size_t k = 0; k < count; k++) {
        size_t i = plan.baseline_index < 0            ? k
                   : k == 0                           ? (size_t)plan.baseline_index
                   : k <= (size_t)plan.baseline_index ? k - 1
                                                      : k;
        json_t *body = json_deep_copy(json_array_get(plan.bodies, i));
        if (baseline_id && (int)i != plan.baseline_index)
            json_object_set_new(body, "baseline", json_string(baseline_id));
        json_t *reply = cli_call_json(cli, "POST", "/api/v1/evaluations", body);
        json_decref(body);
        const char *id =
            json_string_value(json_object_get(json_object_get(reply, "evaluation"), "id"));
        if (!id) {
            json_decref(reply);
            rc = CLI_FAILED;
            goto done;
        }
        if (mode != EVAL_WATCH_QUIET)
            fprintf(stderr, "llmops: evaluation %s started (%zu/%zu)\n", id, k + 1, count);
        json_t *final = eval_watch(cli, id, mode);
        json_decref(reply);
        if (!final) {
            rc = CLI_FAILED;
            goto done;
        }
        s.evals[s.n] = final;
        s.is_baseline[s.n] = (int)i == plan.baseline_index;
        if (s.is_baseline[s.n])
            baseline_id = json_string_value(json_object_get(final, "id"));
        s.n++;
    }
    rc = finish(cli, &f, (out_format_t)format, &gates, &s, external);
done:
    session_free(&s);
    json_decref(external);
    gate_list_free(&gates);
    eval_plan_free(&plan);
    return rc;
}

/* ---- resume / show --------------------------------------------------------------------------- */

static int run_resume(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int format = verb_start(argc, argv, "resume", 1, "expects one evaluation id", 1, &f);
    if (format < 0)
        return CLI_USAGE;
    err_t err;
    gate_list_t gates = {0};
    if (gate_parse(f.spec.gates, &gates, &err) != 0)
        return cli_usage_error("eval resume", "bad gate: %s", err.message);
    buf_t t;
    eval_target(&t, argv[0], "/resume");
    json_t *reply = cli_call_json(cli, "POST", buf_str(&t), NULL);
    buf_free(&t);
    if (!reply) {
        gate_list_free(&gates);
        return CLI_FAILED;
    }
    json_decref(reply);
    session_t s = {0};
    json_t *external = NULL;
    int rc = CLI_FAILED;
    s.evals[0] = eval_watch(cli, argv[0], eval_watch_mode(f.quiet));
    if (s.evals[0]) {
        s.n = 1;
        /* Relative gates compare with the baseline the evaluation was started with. */
        const char *base = json_string_value(json_object_get(s.evals[0], "baseline"));
        if (gates.n && base)
            external = get_eval(cli, base);
        if (!gates.n || !base || external)
            rc = finish(cli, &f, (out_format_t)format, &gates, &s, external);
    }
    session_free(&s);
    json_decref(external);
    gate_list_free(&gates);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int format = verb_start(argc, argv, "show", 1, "expects one evaluation id", 1, &f);
    if (format < 0)
        return CLI_USAGE;
    json_t *e = get_eval(cli, argv[0]);
    if (!e)
        return CLI_FAILED;
    /* The gates as the evaluation recorded them (its "gates" were checked by the runner). */
    json_t *gates = json_object_get(e, "gates");
    int gated = json_is_array(gates) && json_array_size(gates) > 0;
    json_t *rows = format == OUT_JUNIT ? all_rows(cli, argv[0]) : NULL;
    eval_outcome_t o = {e, gated ? gates : NULL, json_is_true(json_object_get(e, "gates_passed")),
                        rows, 0};
    int rc = CLI_OK;
    FILE *out = report_stream(&f);
    if (!out || (format == OUT_JUNIT && !rows)) {
        rc = CLI_FAILED;
    } else {
        if (format == OUT_TABLE)
            eval_report_table(out, &o, 1);
        else if (format == OUT_JUNIT)
            eval_report_junit(out, &o, 1);
        else {
            char *text = json_dumps(e, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            fprintf(out, "%s\n", text ? text : "null");
            free(text);
        }
        if (report_close(&f, out) != 0)
            rc = CLI_FAILED;
    }
    json_decref(rows);
    json_decref(e);
    return rc;
}

/* ---- list / rows ----------------------------------------------------------------------------- */

static const char *when(const json_t *ms, char *out, size_t size)
{
    time_t t = (time_t)(json_integer_value(ms) / 1000);
    struct tm tm;
    if (!json_is_integer(ms) || !gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, size, "-");
    return out;
}

static void print_next_page(const json_t *reply)
{
    const char *token = json_string_value(json_object_get(reply, "next_page_token"));
    if (token)
        printf("\nmore: --page-token %s\n", token);
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int format = verb_start(argc, argv, "list", 0, "takes no arguments", 0, &f);
    if (format < 0)
        return CLI_USAGE;
    buf_t t;
    eval_target(&t, NULL, NULL);
    cli_query_add(&t, "dataset", f.dataset_filter);
    cli_query_add(&t, "status", f.status);
    cli_query_add(&t, "limit", f.limit);
    cli_query_add(&t, "page_token", f.page_token);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    if (!reply)
        return CLI_FAILED;
    if (format == OUT_JSON) {
        cli_print_json(reply);
    } else {
        printf("%-32s %-16s %-11s %-16s %-11s %9s  %s\n", "ID", "NAME", "STATUS", "DATASET", "DONE",
               "PASS RATE", "CREATED (UTC)");
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(reply, "evaluations"), i, e)
        {
            char name[32], ds[32], done[32], rate[16], created[32];
            const json_t *pr = json_object_get(json_object_get(e, "metrics"), "pass_rate");
            snprintf(done, sizeof done, "%lld/%lld",
                     (long long)json_integer_value(json_object_get(e, "done")),
                     (long long)json_integer_value(json_object_get(e, "total")));
            if (json_is_number(pr))
                snprintf(rate, sizeof rate, "%.1f%%", json_number_value(pr) * 100);
            else
                snprintf(rate, sizeof rate, "-");
            printf("%-32s %-16s %-11s %-16s %-11s %9s  %s\n",
                   json_string_value(json_object_get(e, "id")) ?: "-",
                   cli_clip(json_string_value(json_object_get(e, "name")) ?: "-", 16, "~", name,
                            sizeof name),
                   json_string_value(json_object_get(e, "status")) ?: "-",
                   cli_clip(json_string_value(json_object_get(e, "dataset")) ?: "-", 16, "~", ds,
                            sizeof ds),
                   done, rate, when(json_object_get(e, "created_ms"), created, sizeof created));
        }
        print_next_page(reply);
    }
    json_decref(reply);
    return CLI_OK;
}

/* A value as one line of text (strings as they are), clipped to width. */
static const char *line_of(const json_t *v, size_t width, char *out, size_t size)
{
    char *text = json_is_string(v)       ? xstrdup(json_string_value(v))
                 : v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)
                                         : xstrdup("-");
    for (char *p = text; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    cli_clip(text, width, "...", out, size);
    free(text);
    return out;
}

static int run_rows(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int format = verb_start(argc, argv, "rows", 1, "expects one evaluation id", 0, &f);
    if (format < 0)
        return CLI_USAGE;
    buf_t t;
    eval_target(&t, argv[0], "/rows");
    cli_query_add(&t, "limit", f.limit);
    cli_query_add(&t, "page_token", f.page_token);
    cli_query_add(&t, "failed", f.failed ? "true" : NULL);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    if (!reply)
        return CLI_FAILED;
    if (format == OUT_JSON) {
        cli_print_json(reply);
    } else {
        printf("%6s  %-4s  %-30s %9s  %-30s %-24s\n", "INDEX", "PASS", "SCORES", "LATENCY",
               "OUTPUT", "EXPECTED");
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(reply, "rows"), i, r)
        {
            buf_t scores;
            buf_init(&scores);
            int pass = !json_is_string(json_object_get(r, "error"));
            const char *name;
            json_t *sc;
            json_object_foreach(json_object_get(r, "scores"), name, sc)
            {
                buf_printf(&scores, "%s%s=%.2f", scores.len ? " " : "", name,
                           json_number_value(json_object_get(sc, "value")));
                pass = pass && json_is_true(json_object_get(sc, "pass"));
            }
            char sc_text[128], out_text[128], exp_text[128];
            const json_t *err = json_object_get(r, "error");
            printf("%6lld  %-4s  %-30s %7.1fms  %-30s %-24s\n",
                   (long long)json_integer_value(json_object_get(r, "index")), pass ? "yes" : "NO",
                   cli_clip(buf_str(&scores), 30, "...", sc_text, sizeof sc_text),
                   json_number_value(json_object_get(r, "latency_ms")),
                   json_is_string(err)
                       ? line_of(err, 30, out_text, sizeof out_text)
                       : line_of(json_object_get(r, "output"), 30, out_text, sizeof out_text),
                   line_of(json_object_get(r, "expected"), 24, exp_text, sizeof exp_text));
            buf_free(&scores);
        }
        print_next_page(reply);
    }
    json_decref(reply);
    return CLI_OK;
}

/* ---- compare / cancel ------------------------------------------------------------------------ */

static int run_compare(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int format = verb_start(argc, argv, "compare", 2,
                            "expects two evaluation ids: BASELINE CANDIDATE", 0, &f);
    if (format < 0)
        return CLI_USAGE;
    long max_rows = 10;
    if (f.max_rows) {
        char *end;
        max_rows = strtol(f.max_rows, &end, 10);
        if (end == f.max_rows || *end || max_rows < 0)
            return cli_usage_error("eval compare", "--max-rows takes a number >= 0");
    }
    buf_t t;
    eval_target(&t, NULL, "/compare");
    cli_query_add(&t, "a", argv[0]);
    cli_query_add(&t, "b", argv[1]);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    if (!reply)
        return CLI_FAILED;
    FILE *out = report_stream(&f);
    int rc = CLI_OK;
    if (!out)
        rc = CLI_FAILED;
    else {
        if (format == OUT_JSON) {
            char *text = json_dumps(reply, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            fprintf(out, "%s\n", text ? text : "null");
            free(text);
        } else
            eval_report_compare(out, reply, (size_t)max_rows);
        if (report_close(&f, out) != 0)
            rc = CLI_FAILED;
    }
    json_decref(reply);
    return rc;
}

static int run_cancel(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    if (verb_start(argc, argv, "cancel", 1, "expects one evaluation id", 0, &f) < 0)
        return CLI_USAGE;
    buf_t t;
    eval_target(&t, argv[0], "/cancel");
    int rc = cli_call_and_print(cli, "POST", buf_str(&t), NULL);
    buf_free(&t);
    return rc;
}

static const char run_details[] =
    "Runs a dataset through a target, scores every answer, checks the gates and reports.\n"
    "\n"
    "Target (one of):\n"
    "  --endpoint E                 a gateway endpoint\n"
    "  --model M                    a registered model (support-bot@production, bot/3)\n"
    "  --prompt P@ALIAS --model M   a prompt version rendered per row, sent to M\n"
    "  --target JSON                the target object of the API\n"
    "Scorers (repeatable): --scorer TYPE[:KEY=VALUE[,KEY=VALUE...]] or --scorer JSON, e.g.\n"
    "  --scorer exact_match --scorer 'regex:pattern=^\\d+$' --scorer "
    "'icontains:value=paris,name=has_paris'\n"
    "Gates: --gate 'exact_match>=0.8,cost<=0.02' or 'exact_match>=baseline-0.02' (with a\n"
    "  baseline); checked before anything starts. Several targets (in the file): the first is\n"
    "  the baseline of the others and the gates apply to the others.\n"
    "Output: --output table|json|junit [--output-file F]; progress on stderr (--quiet: none).\n"
    "Exit status: 0 every gate passed, 1 a gate failed or an evaluation did not finish, 2 bad\n"
    "  command line. The YAML file (-f) is described in docs/eval-cli.md; flags override it.\n"
    "\n"
    "Example: llmops eval run --dataset qa@latest --split test --endpoint support \\\n"
    "           --scorer exact_match --gate 'exact_match>=0.8' --output junit --output-file "
    "eval.xml";

const cli_command_t cmd_eval_commands[] = {
    {"eval", "run",
     "[-f eval.yaml] [--dataset NAME@VERSION] [--split S] [--limit N] "
     "(--endpoint E | --model M | --prompt P --model M | --target JSON) [--scorer SPEC ...] "
     "[--gate GATES] [--baseline RUN_ID] [--concurrency N] [--max-retries N] [--name NAME] "
     "[--experiment NAME] [--no-cache] [--output table|json|junit] [--output-file F] [--quiet]",
     "run an evaluation (or several) and check its gates", run_details, run_run},
    {"eval", "list",
     "[--dataset NAME[/VERSION]] [--status S] [--limit N] [--page-token T] [--output json]",
     "list evaluations, newest first", NULL, run_list},
    {"eval", "show", "ID [--output table|json|junit] [--output-file F]",
     "show one evaluation: metrics, intervals, gates", NULL, run_show},
    {"eval", "rows", "ID [--failed] [--limit N] [--page-token T] [--output json]",
     "the per-row results of an evaluation", NULL, run_rows},
    {"eval", "compare", "BASELINE CANDIDATE [--max-rows N] [--output table|json]",
     "per-scorer wins/losses/ties, mean difference with CI, rows that got worse", NULL,
     run_compare},
    {"eval", "resume", "ID [--gate GATES] [--output table|json|junit] [--quiet]",
     "score the rows an interrupted evaluation has not done yet", NULL, run_resume},
    {"eval", "cancel", "ID", "stop an evaluation after the calls in flight", NULL, run_cancel},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
