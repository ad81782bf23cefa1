/* cmd_models.c - `llmops models ...`: the model registry from the shell, over /api/v1/models.
 *
 * list, show and versions print a table (or the JSON reply with --json); the commands that
 * change something print the JSON reply. Names are percent-encoded into the path, so any
 * model name works ("team/bot" becomes /api/v1/models/team%2Fbot). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/json.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

/* ---- arguments ------------------------------------------------------------------------------ */

/* The flags any models verb may take; each verb says which it accepts. */
typedef struct flags {
    const char *description, *source, *run_id, *provider, *model, *base_url;
    const char *filter, *max_results, *page_token;
    const char *order_by[8];
    int norder;
    json_t *tags; /* --tag K=V, repeatable; object, NULL until one is given */
    int json;
} flags_t;

enum {
    F_DESCRIPTION = 1 << 0,
    F_SOURCE = 1 << 1,
    F_RUN_ID = 1 << 2,
    F_SERVING = 1 << 3,
    F_LIST = 1 << 4, /* --filter --order-by --max-results --page-token */
    F_TAG = 1 << 5,
    F_JSON = 1 << 6,
};

/* One option into the flags, when the verb's mask allows it. */
typedef struct parse_ctx {
    flags_t *f;
    int mask;
    const char *command;
} parse_ctx_t;

static int take_flag(int opt, const char *arg, void *ctx_)
{
    parse_ctx_t *ctx = ctx_;
    flags_t *f = ctx->f;
    int need = opt == 'd'                                             ? F_DESCRIPTION
               : opt == 's'                                           ? F_SOURCE
               : opt == 'r'                                           ? F_RUN_ID
               : opt == 'p' || opt == 'm' || opt == 'u'               ? F_SERVING
               : opt == 'f' || opt == 'o' || opt == 'n' || opt == 't' ? F_LIST
               : opt == 'g'                                           ? F_TAG
               : opt == 'j'                                           ? F_JSON
                                                                      : 0;
    if (!(ctx->mask & need))
        return CLI_OPTION_UNKNOWN;
    const char **text = opt == 'd'   ? &f->description
                        : opt == 's' ? &f->source
                        : opt == 'r' ? &f->run_id
                        : opt == 'p' ? &f->provider
                        : opt == 'm' ? &f->model
                        : opt == 'u' ? &f->base_url
                        : opt == 'f' ? &f->filter
                        : opt == 'n' ? &f->max_results
                        : opt == 't' ? &f->page_token
                                     : NULL;
    if (text) {
        *text = arg;
        return CLI_OPTION_OK;
    }
    switch (opt) {
    case 'j':
        f->json = 1;
        break;
    case 'o':
        if (f->norder == 8) {
            cli_usage_error(ctx->command, "at most 8 --order-by");
            return CLI_OPTION_FAILED;
        }
        f->order_by[f->norder++] = arg;
        break;
    case 'g': {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            cli_usage_error(ctx->command, "--tag takes KEY=VALUE");
            return CLI_OPTION_FAILED;
        }
        if (!f->tags)
            f->tags = json_object();
        char *key = xstrndup(arg, (size_t)(eq - arg));
        json_object_set_new(f->tags, key, json_string(eq + 1));
        free(key);
        break;
    }
    }
    return CLI_OPTION_OK;
}

/* Parse argv (the arguments after the verb) into f, allowing the flags in mask. Positionals
 * are moved to the front of argv; returns how many there are, or -1 after printing why. */
static int parse_flags(int argc, char **argv, const char *verb, int mask, flags_t *f)
{
    static const struct option longopts[] = {
        {"description", required_argument, NULL, 'd'},
        {"source", required_argument, NULL, 's'},
        {"run-id", required_argument, NULL, 'r'},
        {"serving-provider", required_argument, NULL, 'p'},
        {"serving-model", required_argument, NULL, 'm'},
        {"serving-base-url", required_argument, NULL, 'u'},
        {"filter", required_argument, NULL, 'f'},
        {"order-by", required_argument, NULL, 'o'},
        {"max-results", required_argument, NULL, 'n'},
        {"page-token", required_argument, NULL, 't'},
        {"tag", required_argument, NULL, 'g'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    memset(f, 0, sizeof *f);
    char command[48];
    snprintf(command, sizeof command, "models %s", verb);
    parse_ctx_t ctx = {f, mask, command};
    int n = cli_parse_options(argc, argv, command, NULL, longopts, take_flag, &ctx);
    if (n < 0) {
        json_decref(f->tags);
        f->tags = NULL;
    }
    return n;
}

static int usage(const char *verb, const char *message)
{
    char command[48];
    snprintf(command, sizeof command, "models %s", verb);
    return cli_usage_error(command, "%s", message);
}

/* Target "/api/v1/models/<name>[<rest>]" with name percent-encoded. */
static void model_target(buf_t *target, const char *name, const char *rest)
{
    buf_init(target);
    buf_append_str(target, "/api/v1/models");
    cli_path_add(target, name);
    if (rest)
        buf_append_str(target, rest);
}

static void list_query_add(buf_t *target, const flags_t *f)
{
    cli_query_add(target, "filter", f->filter);
    for (int i = 0; i < f->norder; i++)
        cli_query_add(target, "order_by", f->order_by[i]);
    cli_query_add(target, "max_results", f->max_results);
    cli_query_add(target, "page_token", f->page_token);
}

/* ---- output --------------------------------------------------------------------------------- */

/* "2026-11-23 12:39" (UTC) from ms since the epoch. */
static const char *when(const json_t *ms, char *out, size_t size)
{
    time_t t = (time_t)(json_integer_value(ms) / 1000);
    struct tm tm;
    if (!json_is_integer(ms) || !gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, size, "-");
    return out;
}

/* Text of a string-or-null field, "-" for null. */
static const char *text_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? s : "-";
}

/* "champion=3, prod=2" from {"champion": 3, ...}, or "champion, prod" from ["champion", ...]. */
static void aliases_text(const json_t *aliases, buf_t *out)
{
    buf_reset(out);
    if (json_is_object(aliases)) {
        const char *alias;
        json_t *v;
        json_object_foreach((json_t *)aliases, alias, v)
        {
            buf_printf(out, "%s%s=%" JSON_INTEGER_FORMAT, out->len ? ", " : "", alias,
                       json_integer_value(v));
        }
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(aliases, i, v)
        {
            buf_printf(out, "%s%s", out->len ? ", " : "", json_string_value(v));
        }
    }
    if (!out->len)
        buf_append_str(out, "-");
}

/* A table cell: text cut to width characters, with "..." when cut. */
static const char *cell(const char *text, size_t width, char *out, size_t size)
{
    return cli_clip(text, width, "...", out, size);
}

static void print_next_page(const json_t *reply)
{
    const char *token = json_string_value(json_object_get(reply, "next_page_token"));
    if (token)
        printf("\nmore: --page-token %s\n", token);
}

/* ---- verbs ---------------------------------------------------------------------------------- */

static int run_list(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "list", F_LIST | F_JSON, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return usage("list", "takes no arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/models");
    list_query_add(&target, &f);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    if (f.json) {
        cli_print_json(reply);
    } else {
        buf_t aliases;
        buf_init(&aliases);
        char c1[64], c2[64], c3[64], c4[32];
        printf("%-32s %-7s %-24s %-16s %s\n", "NAME", "LATEST", "ALIASES", "UPDATED (UTC)",
               "DESCRIPTION");
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(reply, "models"), i, m)
        {
            json_t *latest = json_object_get(m, "latest_version");
            char version[24] = "-";
            if (json_is_object(latest))
                snprintf(version, sizeof version, "%" JSON_INTEGER_FORMAT,
                         json_integer_value(json_object_get(latest, "version")));
            aliases_text(json_object_get(m, "aliases"), &aliases);
            printf("%-32s %-7s %-24s %-16s %s\n", cell(text_of(m, "name"), 32, c1, sizeof c1),
                   version, cell(buf_str(&aliases), 24, c2, sizeof c2),
                   when(json_object_get(m, "last_updated_timestamp"), c4, sizeof c4),
                   cell(text_of(m, "description"), 60, c3, sizeof c3));
        }
        if (i == 0)
            printf("(no models)\n");
        print_next_page(reply);
        buf_free(&aliases);
    }
    json_decref(reply);
    return CLI_OK;
}

static void print_tags(const json_t *tags, const char *indent)
{
    if (!json_object_size(tags)) {
        printf("%s-\n", indent);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)tags, key, v)
    {
        printf("%s%s = %s\n", indent, key, json_string_value(v));
    }
}

static void print_serving(const json_t *serving)
{
    if (!json_is_object(serving)) {
        printf("serving:      -\n");
        return;
    }
    printf("serving:      %s / %s", text_of(serving, "provider"), text_of(serving, "model"));
    if (json_object_get(serving, "base_url"))
        printf(" at %s", text_of(serving, "base_url"));
    printf("\n");
    json_t *params = json_object_get(serving, "params");
    if (params) {
        char *text = json_to_string(params);
        printf("  params:     %s\n", text ? text : "{}");
        free(text);
    }
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "show", F_JSON, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return usage("show", "expects one model NAME");
    buf_t target;
    model_target(&target, argv[0], NULL);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    json_t *m = json_object_get(reply, "model");
    if (f.json) {
        cli_print_json(reply);
    } else {
        char t1[32], t2[32];
        buf_t aliases;
        buf_init(&aliases);
        aliases_text(json_object_get(m, "aliases"), &aliases);
        printf("name:         %s\n", text_of(m, "name"));
        printf("description:  %s\n", text_of(m, "description"));
        printf("created:      %s UTC\n", when(json_object_get(m, "creation_timestamp"), t1, 32));
        printf("updated:      %s UTC\n",
               when(json_object_get(m, "last_updated_timestamp"), t2, 32));
        printf("aliases:      %s\n", buf_str(&aliases));
        printf("tags:\n");
        print_tags(json_object_get(m, "tags"), "  ");
        json_t *latest = json_object_get(m, "latest_version");
        if (json_is_object(latest)) {
            printf("latest:       version %" JSON_INTEGER_FORMAT " from %s\n",
                   json_integer_value(json_object_get(latest, "version")),
                   text_of(latest, "source"));
            print_serving(json_object_get(latest, "serving"));
        } else {
            printf("latest:       no versions yet\n");
        }
        buf_free(&aliases);
    }
    json_decref(reply);
    return CLI_OK;
}

static int run_versions(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "versions", F_LIST | F_JSON, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return usage("versions", "expects one model NAME");
    buf_t target;
    model_target(&target, argv[0], "/versions");
    list_query_add(&target, &f);
    json_t *reply = cli_call_json(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    if (!reply)
        return CLI_FAILED;
    if (f.json) {
        cli_print_json(reply);
    } else {
        buf_t aliases;
        buf_init(&aliases);
        char c1[64], c2[64], c3[48], c4[64], t[32];
        printf("%-7s %-20s %-40s %-14s %-30s %s\n", "VERSION", "ALIASES", "SOURCE", "RUN",
               "SERVING", "CREATED (UTC)");
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(reply, "versions"), i, v)
        {
            aliases_text(json_object_get(v, "aliases"), &aliases);
            json_t *serving = json_object_get(v, "serving");
            char spec[160] = "-";
            if (json_is_object(serving))
                snprintf(spec, sizeof spec, "%s/%s", text_of(serving, "provider"),
                         text_of(serving, "model"));
            printf("%-7" JSON_INTEGER_FORMAT " %-20s %-40s %-14s %-30s %s\n",
                   json_integer_value(json_object_get(v, "version")),
                   cell(buf_str(&aliases), 20, c1, sizeof c1),
                   cell(text_of(v, "source"), 40, c2, sizeof c2),
                   cell(text_of(v, "run_id"), 14, c3, sizeof c3), cell(spec, 30, c4, sizeof c4),
                   when(json_object_get(v, "creation_timestamp"), t, sizeof t));
        }
        if (i == 0)
            printf("(no versions)\n");
        print_next_page(reply);
        buf_free(&aliases);
    }
    json_decref(reply);
    return CLI_OK;
}

static int run_create(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "create", F_DESCRIPTION | F_TAG, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1) {
        json_decref(f.tags);
        return usage("create", "expects one model NAME");
    }
    json_t *body = json_pack("{s:s}", "name", argv[0]);
    if (f.description)
        json_object_set_new(body, "description", json_string(f.description));
    if (f.tags)
        json_object_set_new(body, "tags", f.tags);
    int rc = cli_call_and_print(cli, "POST", "/api/v1/models", body);
    json_decref(body);
    return rc;
}

static int run_delete(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "delete", 0, &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return usage("delete", "expects one model NAME");
    buf_t target;
    model_target(&target, argv[0], NULL);
    int rc = cli_call_and_print(cli, "DELETE", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

/* The run id of a "runs:/<run_id>/<path>" source, as MLflow's register_model takes it (the
 * server stores run_id as sent and never derives it). Caller frees; NULL when source is not
 * such a URI. */
static char *run_id_of_source(const char *source)
{
    static const char prefix[] = "runs:/";
    if (strncmp(source, prefix, sizeof prefix - 1) != 0)
        return NULL;
    const char *id = source + sizeof prefix - 1;
    size_t len = strcspn(id, "/");
    return len ? xstrndup(id, len) : NULL;
}

static int run_version_create(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "version-create",
                        F_SOURCE | F_RUN_ID | F_SERVING | F_DESCRIPTION | F_TAG, &f);
    if (n < 0)
        return CLI_USAGE;
    const char *problem = n != 1      ? "expects one model NAME"
                          : !f.source ? "needs --source URI"
                          : (f.provider || f.model || f.base_url) && (!f.provider || !f.model)
                              ? "--serving-provider and --serving-model go together"
                              : NULL;
    if (problem) {
        json_decref(f.tags);
        return usage("version-create", problem);
    }
    json_t *body = json_pack("{s:s}", "source", f.source);
    char *derived = f.run_id ? NULL : run_id_of_source(f.source);
    if (f.run_id || derived)
        json_object_set_new(body, "run_id", json_string(f.run_id ? f.run_id : derived));
    free(derived);
    if (f.description)
        json_object_set_new(body, "description", json_string(f.description));
    if (f.tags)
        json_object_set_new(body, "tags", f.tags);
    if (f.provider) {
        json_t *serving = json_pack("{s:s, s:s}", "provider", f.provider, "model", f.model);
        if (f.base_url)
            json_object_set_new(serving, "base_url", json_string(f.base_url));
        json_object_set_new(body, "serving", serving);
    }
    buf_t target;
    model_target(&target, argv[0], "/versions");
    int rc = cli_call_and_print(cli, "POST", buf_str(&target), body);
    buf_free(&target);
    json_decref(body);
    return rc;
}

/* `models alias set|delete|get NAME ALIAS [VERSION]` */
static int run_alias(cli_t *cli, int argc, char **argv)
{
    flags_t f;
    int n = parse_flags(argc, argv, "alias", 0, &f);
    if (n < 0)
        return CLI_USAGE;
    const char *sub = n > 0 ? argv[0] : "";
    int is_set = strcmp(sub, "set") == 0;
    if (!is_set && strcmp(sub, "delete") != 0 && strcmp(sub, "get") != 0)
        return usage("alias", "expects set, delete or get");
    if (n != (is_set ? 4 : 3))
        return usage("alias",
                     is_set ? "set takes NAME ALIAS VERSION" : "delete and get take NAME ALIAS");
    buf_t target;
    model_target(&target, argv[1], "/aliases");
    cli_path_add(&target, argv[2]);
    json_t *body = NULL;
    if (is_set) {
        char *end = NULL;
        long long version = strtoll(argv[3], &end, 10);
        if (!*argv[3] || *end) {
            buf_free(&target);
            return usage("alias", "VERSION must be a number");
        }
        body = json_pack("{s:I}", "version", (json_int_t)version);
    }
    int rc = cli_call_and_print(cli,
                                is_set                    ? "PUT"
                                : strcmp(sub, "get") == 0 ? "GET"
                                                          : "DELETE",
                                buf_str(&target), body);
    json_decref(body);
    buf_free(&target);
    return rc;
}

const cli_command_t cmd_models_commands[] = {
    {"models", "list", "[--filter F] [--order-by O]... [--max-results N] [--page-token T] [--json]",
     "list registered models (a table; --json for the API reply)",
     "--filter uses MLflow's search grammar: name LIKE 'fraud-%', tags.team = 'search'.\n"
     "--order-by: name, timestamp or last_updated_timestamp, with ASC or DESC.\n"
     "Example: llmops models list --filter \"name LIKE 'support-%'\" --order-by 'name DESC'",
     run_list},
    {"models", "show", "NAME [--json]", "show a model: description, tags, aliases, latest version",
     "Example: llmops models show support-bot", run_show},
    {"models", "versions", "NAME [--filter F] [--order-by O]... [--max-results N] [--json]",
     "list a model's versions, newest first",
     "--filter takes run_id, source_path, version_number and tags.<key> clauses.\n"
     "Example: llmops models versions support-bot --filter 'version_number >= 3'",
     run_versions},
    {"models", "create", "NAME [--description D] [--tag KEY=VALUE]...", "register a new model name",
     "Example: llmops models create support-bot --description 'answers tickets' --tag team=cx",
     run_create},
    {"models", "delete", "NAME", "delete a model with all its versions and aliases", NULL,
     run_delete},
    {"models", "version-create",
     "NAME --source URI [--run-id ID] [--description D] [--tag KEY=VALUE]...\n"
     "       [--serving-provider P --serving-model M [--serving-base-url URL]]",
     "register a new version of a model (numbered 1, 2, 3...)",
     "--serving-* describe how the gateway calls this version: the provider (openai, anthropic,\n"
     "vllm, ...), the upstream model name and, optionally, the provider's base URL.\n"
     "With --run-id, lineage records run:ID --registered_as--> model_version:NAME/VERSION; the\n"
     "run must exist. A --source runs:/RUN_ID/PATH without --run-id gives the run id.\n"
     "Example: llmops models version-create support-bot --source s3://models/bot/7 \\\n"
     "           --run-id 0190ab --serving-provider openai --serving-model gpt-4o-mini",
     run_version_create},
    {"models", "alias", "set NAME ALIAS VERSION | delete NAME ALIAS | get NAME ALIAS",
     "point an alias (champion, production...) at a version, remove it, or read it",
     "Aliases are letters, digits, '_' and '-'; \"latest\" and version-like names (v3) are\n"
     "reserved. Setting an alias that exists moves it.\n"
     "Example: llmops models alias set support-bot champion 7",
     run_alias},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
