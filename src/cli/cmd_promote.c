/* cmd_promote.c - `llmops models promote`, `llmops prompts promote` and `llmops promotions
 * list`: promotion with gates over /api/v1/promotions (eval/promotion.h, docs/promotion.md).
 *
 * The evidence is an evaluation given with --evaluation, one the server runs now from the eval
 * flags (-f eval.yaml, --dataset, --scorer, ... as in `eval run`; the target is set to the
 * candidate version), or else the newest finished evaluation of the candidate version. Exit
 * status: 0 promoted, 1 rejected (the failed gates and the evidence run ids are printed) or
 * failed, 2 bad command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/eval_spec.h"
#include "eval/gate.h"

typedef struct flags {
    eval_flags_t spec; /* the evaluation to run now, when any of its flags is given */
    const char *version, *alias, *require, *evaluation, *baseline, *who;
    const char *kind, *name, *limit, *page_token; /* promotions list */
    int json;
    const char *command;
} flags_t;

enum {
    O_FILE = 'f',
    O_VERSION = 256,
    O_ALIAS,
    O_REQUIRE,
    O_EVALUATION,
    O_BASELINE,
    O_WHO,
    O_DATASET,
    O_SPLIT,
    O_LIMIT,
    O_SCORER,
    O_MODEL,
    O_CONCURRENCY,
    O_NO_CACHE,
    O_JSON,
    O_KIND,
    O_NAME,
    O_PAGE_TOKEN,
};

static int take_flag(int opt, const char *arg, void *ctx)
{
    flags_t *f = ctx;
    int list = strcmp(f->command, "promotions list") == 0;
    int list_only = opt == O_KIND || opt == O_NAME || opt == O_PAGE_TOKEN;
    int shared = opt == O_JSON || opt == O_LIMIT;
    if (!shared && list != list_only)
        return CLI_OPTION_UNKNOWN;
    switch (opt) {
    case O_FILE:
        f->spec.file = arg;
        break;
    case O_VERSION:
        f->version = arg;
        break;
    case O_ALIAS:
        f->alias = arg;
        break;
    case O_REQUIRE:
        f->require = arg;
        break;
    case O_EVALUATION:
        f->evaluation = arg;
        break;
    case O_BASELINE:
        f->baseline = arg;
        break;
    case O_WHO:
        f->who = arg;
        break;
    case O_DATASET:
        f->spec.dataset = arg;
        break;
    case O_SPLIT:
        f->spec.split = arg;
        break;
    case O_LIMIT:
        if (list)
            f->limit = arg;
        else
            f->spec.limit = arg;
        break;
    case O_SCORER:
        if (f->spec.nscorers == EVAL_SPEC_MAX_SCORERS) {
            cli_usage_error(f->command, "at most %d --scorer", EVAL_SPEC_MAX_SCORERS);
            return CLI_OPTION_FAILED;
        }
        f->spec.scorers[f->spec.nscorers++] = arg;
        break;
    case O_MODEL:
        f->spec.model = arg;
        break;
    case O_CONCURRENCY:
        f->spec.concurrency = arg;
        break;
    case O_NO_CACHE:
        f->spec.no_cache = 1;
        break;
    case O_JSON:
        f->json = 1;
        break;
    case O_KIND:
        f->kind = arg;
        break;
    case O_NAME:
        f->name = arg;
        break;
    case O_PAGE_TOKEN:
        f->page_token = arg;
        break;
    default:
        return CLI_OPTION_UNKNOWN;
    }
    return CLI_OPTION_OK;
}

static int parse_flags(int argc, char **argv, const char *command, flags_t *f)
{
    static const struct option longopts[] = {
        {"file", required_argument, NULL, O_FILE},
        {"version", required_argument, NULL, O_VERSION},
        {"alias", required_argument, NULL, O_ALIAS},
        {"require", required_argument, NULL, O_REQUIRE},
        {"evaluation", required_argument, NULL, O_EVALUATION},
        {"baseline", required_argument, NULL, O_BASELINE},
        {"who", required_argument, NULL, O_WHO},
        {"dataset", required_argument, NULL, O_DATASET},
        {"split", required_argument, NULL, O_SPLIT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"scorer", required_argument, NULL, O_SCORER},
        {"model", required_argument, NULL, O_MODEL},
        {"concurrency", required_argument, NULL, O_CONCURRENCY},
        {"no-cache", no_argument, NULL, O_NO_CACHE},
        {"json", no_argument, NULL, O_JSON},
        {"kind", required_argument, NULL, O_KIND},
        {"name", required_argument, NULL, O_NAME},
        {"page-token", required_argument, NULL, O_PAGE_TOKEN},
        {NULL, 0, NULL, 0},
    };
    memset(f, 0, sizeof *f);
    f->command = command;
    return cli_parse_options(argc, argv, command, "f:", longopts, take_flag, f);
}

/* The evaluation spec to run now, when any eval flag was given: *out (NULL when none). */
static int eval_spec(const flags_t *f, int is_prompt, const char *name, long long version,
                     json_t **out)
{
    *out = NULL;
    const eval_flags_t *s = &f->spec;
    if (!s->file && !s->dataset && !s->nscorers && !s->model && !s->split && !s->limit)
        return 0;
    eval_flags_t spec = *s;
    char ref[600];
    if (is_prompt) {
        snprintf(ref, sizeof ref, "%s@%lld", name, version);
        if (spec.model)
            spec.prompt = ref; /* else the file's target names the model */
    } else {
        if (spec.model)
            return cli_usage_error(f->command, "--model is for prompts (the endpoint the prompt "
                                               "is sent to); a model's evaluation targets the "
                                               "candidate version itself");
        snprintf(ref, sizeof ref, "%s/%lld", name, version);
        spec.model = ref;
    }
    eval_plan_t plan;
    err_t err;
    if (eval_plan_build(&spec, &plan, &err) != 0)
        return cli_usage_error(f->command, "%s", err.message);
    if (json_array_size(plan.bodies) != 1) {
        eval_plan_free(&plan);
        return cli_usage_error(f->command, "the evaluation file must have one target");
    }
    *out = json_incref(json_array_get(plan.bodies, 0));
    eval_plan_free(&plan);
    return 0;
}

static void print_gates(const json_t *gates)
{
    size_t i;
    json_t *g;
    json_array_foreach(gates, i, g)
    {
        const json_t *a = json_object_get(g, "actual"), *r = json_object_get(g, "required");
        const char *reason = json_string_value(json_object_get(g, "reason"));
        char as[32] = "-", rs[32] = "-";
        if (json_is_number(a))
            snprintf(as, sizeof as, "%.4f", json_number_value(a));
        if (json_is_number(r))
            snprintf(rs, sizeof rs, "%.4f", json_number_value(r));
        printf("  %-4s %-34s actual %-10s required %s %s%s%s\n",
               json_is_true(json_object_get(g, "passed")) ? "PASS" : "FAIL",
               json_string_value(json_object_get(g, "gate")) ?: "?", as,
               json_string_value(json_object_get(g, "op")) ?: "", rs, reason ? " - " : "",
               reason ? reason : "");
    }
}

static int run_promote(cli_t *cli, int argc, char **argv, int is_prompt)
{
    const char *command = is_prompt ? "prompts promote" : "models promote";
    flags_t f;
    int n = parse_flags(argc, argv, command, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error(command, "expects one %s name", is_prompt ? "prompt" : "model");
    if (!f.version || !f.alias || !f.require)
        return cli_usage_error(command, "needs --version N --alias ALIAS --require GATES");
    char *end;
    long long version = strtoll(f.version, &end, 10);
    if (end == f.version || *end || version < 1)
        return cli_usage_error(command, "--version takes a version number (1, 2, ...)");
    err_t err;
    gate_list_t gates = {0};
    if (gate_parse(f.require, &gates, &err) != 0)
        return cli_usage_error(command, "bad --require: %s", err.message);
    gate_list_free(&gates);
    json_t *spec;
    if (eval_spec(&f, is_prompt, argv[0], version, &spec) != 0)
        return CLI_USAGE;
    if (spec && f.evaluation) {
        json_decref(spec);
        return cli_usage_error(command, "give --evaluation or the flags of an evaluation to run "
                                        "(-f, --dataset, --scorer...), not both");
    }
    json_t *body =
        json_pack("{s:s, s:s, s:I, s:s, s:s}", "kind", is_prompt ? "prompt" : "model", "name",
                  argv[0], "version", (json_int_t)version, "alias", f.alias, "require", f.require);
    if (f.evaluation)
        json_object_set_new(body, "evaluation", json_string(f.evaluation));
    if (f.baseline)
        json_object_set_new(body, "baseline_evaluation", json_string(f.baseline));
    if (f.who)
        json_object_set_new(body, "who", json_string(f.who));
    if (spec)
        json_object_set_new(body, "eval", spec);
    json_t *reply = cli_call_json(cli, "POST", "/api/v1/promotions", body);
    json_decref(body);
    if (!reply)
        return CLI_FAILED;
    json_t *p = json_object_get(reply, "promotion");
    const char *decision = json_string_value(json_object_get(p, "decision"));
    int promoted = decision && strcmp(decision, "promoted") == 0;
    if (f.json) {
        cli_print_json(reply);
    } else {
        const json_t *prev = json_object_get(p, "previous_version");
        char was[48] = "unset";
        if (json_is_integer(prev))
            snprintf(was, sizeof was, "version %lld", (long long)json_integer_value(prev));
        printf("%s: %s %s version %lld %s alias '%s' (was %s)\n",
               promoted ? "PROMOTED" : "REJECTED", is_prompt ? "prompt" : "model", argv[0], version,
               promoted ? "now holds" : "did not get", f.alias, was);
        print_gates(json_object_get(p, "gates"));
        printf("evidence: evaluation %s, baseline %s\n",
               json_string_value(json_object_get(p, "evaluation")) ?: "-",
               json_string_value(json_object_get(p, "baseline_evaluation")) ?: "none");
        printf("promotion %s\n", json_string_value(json_object_get(p, "id")) ?: "-");
    }
    if (!promoted) {
        buf_t failed;
        buf_init(&failed);
        size_t i;
        json_t *g;
        json_array_foreach(json_object_get(p, "gates"), i, g)
        {
            if (!json_is_true(json_object_get(g, "passed")))
                buf_printf(&failed, "%s%s", failed.len ? ", " : "",
                           json_string_value(json_object_get(g, "gate")) ?: "?");
        }
        fprintf(stderr, "llmops: promotion rejected: failed %s (evaluation %s, baseline %s)\n",
                buf_str(&failed), json_string_value(json_object_get(p, "evaluation")) ?: "-",
                json_string_value(json_object_get(p, "baseline_evaluation")) ?: "none");
        buf_free(&failed);
    }
    json_decref(reply);
    return promoted ? CLI_OK : CLI_FAILED;
}

static int run_models_promote(cli_t *cli, int argc, char **argv)
{
    return run_promote(cli, argc, argv, 0);
}

static int run_prompts_promote(cli_t *cli, int argc, char **argv)
{
    return run_promote(cli, argc, argv, 1);
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "promotions list", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("promotions list", "takes no arguments");
    buf_t t;
    buf_init(&t);
    buf_append_str(&t, "/api/v1/promotions");
    cli_query_add(&t, "kind", f.kind);
    cli_query_add(&t, "name", f.name);
    cli_query_add(&t, "limit", f.limit);
    cli_query_add(&t, "page_token", f.page_token);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&t), NULL);
    buf_free(&t);
    if (!reply)
        return CLI_FAILED;
    if (f.json) {
        cli_print_json(reply);
    } else {
        printf("%-16s %-6s %-20s %7s %-12s %-4s %-8s %-16s %s\n", "WHEN (UTC)", "KIND", "NAME",
               "VERSION", "ALIAS", "WAS", "DECISION", "WHO", "EVALUATION");
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(reply, "promotions"), i, p)
        {
            char when[32] = "-", was[24] = "-", name[24], who[20];
            time_t t0 = (time_t)(json_integer_value(json_object_get(p, "created_ms")) / 1000);
            struct tm tm;
            if (gmtime_r(&t0, &tm))
                strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
            if (json_is_integer(json_object_get(p, "previous_version")))
                snprintf(was, sizeof was, "%lld",
                         (long long)json_integer_value(json_object_get(p, "previous_version")));
            printf("%-16s %-6s %-20s %7lld %-12s %-4s %-8s %-16s %s\n", when,
                   json_string_value(json_object_get(p, "kind")) ?: "-",
                   cli_clip(json_string_value(json_object_get(p, "name")) ?: "-", 20, "~", name,
                            sizeof name),
                   (long long)json_integer_value(json_object_get(p, "version")),
                   json_string_value(json_object_get(p, "alias")) ?: "-", was,
                   json_string_value(json_object_get(p, "decision")) ?: "-",
                   cli_clip(json_string_value(json_object_get(p, "who")) ?: "-", 16, "~", who,
                            sizeof who),
                   json_string_value(json_object_get(p, "evaluation")) ?: "-");
        }
        const char *token = json_string_value(json_object_get(reply, "next_page_token"));
        if (token)
            printf("\nmore: --page-token %s\n", token);
    }
    json_decref(reply);
    return CLI_OK;
}

#define PROMOTE_USAGE                                                                              \
    "NAME --version N --alias ALIAS --require GATES [--evaluation RUN_ID] [--baseline RUN_ID] "    \
    "[-f eval.yaml | --dataset D --scorer S ...] [--who NAME] [--json]"

const cli_command_t cmd_promote_commands[] = {
    {"models", "promote", PROMOTE_USAGE,
     "move an alias to a version when its evaluation passes the gates",
     "Exit status 0 promoted, 1 rejected. Example:\n"
     "  llmops models promote support-bot --version 4 --alias production \\\n"
     "      --require 'exact_match>=baseline,cost<=0.02' -f eval.yaml",
     run_models_promote},
    {"prompts", "promote", PROMOTE_USAGE " [--model ENDPOINT]",
     "move an alias to a prompt version when its evaluation passes the gates",
     "--model names the endpoint or model the prompt is sent to when an evaluation is run now.\n"
     "Exit status 0 promoted, 1 rejected. Example:\n"
     "  llmops prompts promote greet --version 3 --alias production \\\n"
     "      --require 'exact_match>=baseline' --dataset qa@latest --scorer exact_match --model "
     "gpt",
     run_prompts_promote},
    {"promotions", "list",
     "[--kind model|prompt] [--name NAME] [--limit N] [--page-token T] "
     "[--json]",
     "the promotion audit log, newest first", NULL, run_list},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
