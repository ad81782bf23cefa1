/* cmd_prompts.c - `llmops prompts ...`: the prompt registry from the shell.
 *
 * Each verb builds one API call (see src/http/routes_prompts.c) and runs it through cli_call(),
 * in-process or against --server. Most verbs print the JSON answer; `render` prints the
 * rendered text itself (or chat messages as "role: content" blocks) and `diff` the unified
 * diff, so their output can be piped. Files given to --template-file, --messages-file,
 * --model-config @FILE and --vars @FILE may be "-" for standard input. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

#define MAX_REPEATED 64

/* Options, as bits, so each verb says which it takes. */
enum {
    O_DESCRIPTION = 1 << 0,
    O_TEMPLATE = 1 << 1,
    O_TEMPLATE_FILE = 1 << 2,
    O_MESSAGES_FILE = 1 << 3,
    O_MODEL_CONFIG = 1 << 4,
    O_MESSAGE = 1 << 5,
    O_AUTHOR = 1 << 6,
    O_VAR = 1 << 7,
    O_VARS = 1 << 8,
    O_LENIENT = 1 << 9,
    O_TAG = 1 << 10,
    O_QUERY = 1 << 11,
    O_LIMIT = 1 << 12,
    O_PAGE_TOKEN = 1 << 13,
};
#define O_CONTENT (O_TEMPLATE | O_TEMPLATE_FILE | O_MESSAGES_FILE | O_MODEL_CONFIG | O_MESSAGE)

typedef struct opts {
    const char *description, *template_text, *template_file, *messages_file, *model_config;
    const char *message, *author, *vars, *query, *limit, *page_token;
    const char *var[MAX_REPEATED], *tag[MAX_REPEATED];
    int nvar, ntag, lenient;
    char **pos; /* positional arguments */
    int npos;
} opts_t;

static int usage(const char *verb, const char *message)
{
    fprintf(stderr, "llmops prompts %s: %s; see `llmops prompts %s --help`\n", verb, message, verb);
    return CLI_USAGE;
}

/* Parse argv for `verb`, accepting only the options in `allowed`. 0 or CLI_USAGE. */
static int parse_opts(int argc, char **argv, const char *verb, unsigned allowed, opts_t *o)
{
    static const struct option longopts[] = {
        {"description", required_argument, NULL, O_DESCRIPTION},
        {"template", required_argument, NULL, O_TEMPLATE},
        {"template-file", required_argument, NULL, O_TEMPLATE_FILE},
        {"messages-file", required_argument, NULL, O_MESSAGES_FILE},
        {"model-config", required_argument, NULL, O_MODEL_CONFIG},
        {"message", required_argument, NULL, O_MESSAGE},
        {"author", required_argument, NULL, O_AUTHOR},
        {"var", required_argument, NULL, O_VAR},
        {"vars", required_argument, NULL, O_VARS},
        {"lenient", no_argument, NULL, O_LENIENT},
        {"tag", required_argument, NULL, O_TAG},
        {"query", required_argument, NULL, O_QUERY},
        {"limit", required_argument, NULL, O_LIMIT},
        {"page-token", required_argument, NULL, O_PAGE_TOKEN},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    char *args[argc + 2];
    args[0] = (char *)verb;
    memcpy(args + 1, argv, sizeof(char *) * (size_t)argc);
    args[argc + 1] = NULL;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc + 1, args, "", longopts, NULL)) != -1) {
        if (opt == '?' || opt == ':' || !((unsigned)opt & allowed)) {
            fprintf(stderr,
                    "llmops prompts %s: unknown option %s; see `llmops prompts %s --help`\n", verb,
                    args[optind - 1], verb);
            return CLI_USAGE;
        }
        switch (opt) {
        case O_DESCRIPTION:
            o->description = optarg;
            break;
        case O_TEMPLATE:
            o->template_text = optarg;
            break;
        case O_TEMPLATE_FILE:
            o->template_file = optarg;
            break;
        case O_MESSAGES_FILE:
            o->messages_file = optarg;
            break;
        case O_MODEL_CONFIG:
            o->model_config = optarg;
            break;
        case O_MESSAGE:
            o->message = optarg;
            break;
        case O_AUTHOR:
            o->author = optarg;
            break;
        case O_VARS:
            o->vars = optarg;
            break;
        case O_LENIENT:
            o->lenient = 1;
            break;
        case O_QUERY:
            o->query = optarg;
            break;
        case O_LIMIT:
            o->limit = optarg;
            break;
        case O_PAGE_TOKEN:
            o->page_token = optarg;
            break;
        case O_VAR:
        case O_TAG: {
            const char **list = opt == O_VAR ? o->var : o->tag;
            int *n = opt == O_VAR ? &o->nvar : &o->ntag;
            if (*n == MAX_REPEATED)
                return usage(verb, "too many --var / --tag options");
            list[(*n)++] = optarg;
            break;
        }
        }
    }
    /* getopt_long moved the positionals after optind. */
    memcpy(argv, args + 1, sizeof(char *) * (size_t)argc);
    o->pos = argv + (optind - 1);
    o->npos = argc - (optind - 1);
    if (!o->author)
        o->author = getenv("LLMOPS_USER");
    return 0;
}

/* The shared readers, with "llmops prompts VERB" naming who failed. */
static char *read_input(const char *verb, const char *path)
{
    char who[64];
    snprintf(who, sizeof who, "llmops prompts %s", verb);
    return cli_read_input(who, path);
}

static json_t *json_arg(const char *verb, const char *option, const char *arg)
{
    char who[64];
    snprintf(who, sizeof who, "llmops prompts %s", verb);
    return cli_json_arg(who, option, arg);
}

/* Add the version fields of o to body. required: a template source must be given. */
static int version_fields(const char *verb, const opts_t *o, json_t *body, int required)
{
    int sources = !!o->template_text + !!o->template_file + !!o->messages_file;
    if (sources > 1)
        return usage(verb, "give one of --template, --template-file, --messages-file");
    if (required && sources == 0)
        return usage(verb, "needs --template TEXT, --template-file FILE or --messages-file FILE");
    if (o->template_text)
        json_object_set_new(body, "template", json_string(o->template_text));
    if (o->template_file) {
        char *text = read_input(verb, o->template_file);
        if (!text)
            return CLI_FAILED;
        json_t *s = json_string(text);
        free(text);
        if (!s) {
            fprintf(stderr, "llmops prompts %s: %s is not UTF-8 text\n", verb, o->template_file);
            return CLI_FAILED;
        }
        json_object_set_new(body, "template", s);
    }
    if (o->messages_file) {
        char at[1100];
        snprintf(at, sizeof at, "@%s", o->messages_file);
        json_t *messages = json_arg(verb, "--messages-file", at);
        if (!messages)
            return CLI_FAILED;
        /* Accept the list itself or an object holding it under "messages". */
        if (json_is_object(messages) && json_object_get(messages, "messages")) {
            json_t *inner = json_incref(json_object_get(messages, "messages"));
            json_decref(messages);
            messages = inner;
        }
        json_object_set_new(body, "messages", messages);
    }
    if (o->model_config) {
        json_t *config = json_arg(verb, "--model-config", o->model_config);
        if (!config)
            return CLI_FAILED;
        json_object_set_new(body, "model_config", config);
    }
    if (o->message)
        json_object_set_new(body, "commit_message", json_string(o->message));
    if (o->author)
        json_object_set_new(body, "author", json_string(o->author));
    return 0;
}

/* "/api/v1/prompts/<name>" followed by more literal path. */
static void prompt_target(buf_t *target, const char *name, const char *rest)
{
    buf_init(target);
    buf_append_str(target, "/api/v1/prompts");
    cli_path_add(target, name);
    if (rest)
        buf_append_str(target, rest);
}

/* Split "name@ref" (ref NULL when there is no '@'); the copy is the caller's. */
static char *split_ref(const char *arg, const char **ref)
{
    char *name = xstrdup(arg);
    char *at = strchr(name, '@');
    *ref = NULL;
    if (at) {
        *at = '\0';
        *ref = at + 1;
    }
    return name;
}

static int is_number(const char *s)
{
    return s && *s && strspn(s, "0123456789") == strlen(s);
}

/* ---- verbs ------------------------------------------------------------------------------------
 */

static int run_create(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "create", O_DESCRIPTION | O_CONTENT | O_AUTHOR | O_TAG, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 1)
        return usage("create", "expects one NAME");
    json_t *body = json_pack("{s:s}", "name", o.pos[0]);
    if (o.description)
        json_object_set_new(body, "description", json_string(o.description));
    if (o.ntag) {
        json_t *tags = json_object();
        for (int i = 0; i < o.ntag; i++) {
            const char *eq = strchr(o.tag[i], '=');
            if (!eq || eq == o.tag[i]) {
                json_decref(tags);
                json_decref(body);
                return usage("create", "tags are written --tag KEY=VALUE");
            }
            char *key = xstrndup(o.tag[i], (size_t)(eq - o.tag[i]));
            json_object_set_new(tags, key, json_string(eq + 1));
            free(key);
        }
        json_object_set_new(body, "tags", tags);
    }
    int rc = version_fields("create", &o, body, 0);
    if (rc == 0)
        rc = cli_call_and_print(cli, "POST", "/api/v1/prompts", body);
    json_decref(body);
    return rc;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "list", O_QUERY | O_LIMIT | O_PAGE_TOKEN, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 0)
        return usage("list", "takes no positional arguments");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/prompts");
    cli_query_add(&target, "q", o.query);
    cli_query_add(&target, "limit", o.limit);
    cli_query_add(&target, "page_token", o.page_token);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_show(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "show", 0, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 1)
        return usage("show", "expects NAME, NAME@VERSION or NAME@ALIAS");
    const char *ref;
    char *name = split_ref(o.pos[0], &ref);
    buf_t target;
    prompt_target(&target, name, NULL);
    if (ref) {
        buf_append_str(&target, is_number(ref) ? "/versions" : "/aliases");
        cli_path_add(&target, ref);
    }
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    free(name);
    return rc;
}

static int run_versions(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "versions", O_LIMIT | O_PAGE_TOKEN, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 1)
        return usage("versions", "expects one NAME");
    buf_t target;
    prompt_target(&target, o.pos[0], "/versions");
    cli_query_add(&target, "limit", o.limit);
    cli_query_add(&target, "page_token", o.page_token);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

static int run_version(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "version", O_CONTENT | O_AUTHOR, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 1)
        return usage("version", "expects one NAME");
    json_t *body = json_object();
    int rc = version_fields("version", &o, body, 1);
    if (rc == 0) {
        buf_t target;
        prompt_target(&target, o.pos[0], "/versions");
        rc = cli_call_and_print(cli, "POST", buf_str(&target), body);
        buf_free(&target);
    }
    json_decref(body);
    return rc;
}

static int run_delete(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "delete", 0, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 1)
        return usage("delete", "expects one NAME");
    buf_t target;
    prompt_target(&target, o.pos[0], NULL);
    int rc = cli_call_and_print(cli, "DELETE", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

/* `alias set NAME ALIAS VERSION | delete NAME ALIAS | history NAME ALIAS | rollback NAME ALIAS` */
static int run_alias(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "alias", O_AUTHOR | O_LIMIT | O_PAGE_TOKEN, &o) != 0)
        return CLI_USAGE;
    if (o.npos < 1)
        return usage("alias", "expects set, delete, history or rollback");
    const char *action = o.pos[0];
    int is_set = strcmp(action, "set") == 0;
    if (!is_set && strcmp(action, "delete") != 0 && strcmp(action, "history") != 0 &&
        strcmp(action, "rollback") != 0)
        return usage("alias", "expects set, delete, history or rollback");
    if (o.npos != (is_set ? 4 : 3))
        return usage("alias", is_set ? "set expects NAME ALIAS VERSION"
                                     : "expects NAME ALIAS after the action");
    buf_t target;
    prompt_target(&target, o.pos[1], "/aliases");
    cli_path_add(&target, o.pos[2]);
    json_t *body = o.author ? json_pack("{s:s}", "author", o.author) : NULL;
    int rc;
    if (is_set) {
        char *end = NULL;
        long long version = strtoll(o.pos[3], &end, 10);
        if (!is_number(o.pos[3]) || version < 1) {
            buf_free(&target);
            json_decref(body);
            return usage("alias", "VERSION must be a version number (1, 2, ...)");
        }
        if (!body)
            body = json_object();
        json_object_set_new(body, "version", json_integer(version));
        rc = cli_call_and_print(cli, "PUT", buf_str(&target), body);
    } else if (strcmp(action, "delete") == 0) {
        rc = cli_call_and_print(cli, "DELETE", buf_str(&target), body);
    } else if (strcmp(action, "rollback") == 0) {
        buf_append_str(&target, "/rollback");
        rc = cli_call_and_print(cli, "POST", buf_str(&target), body);
    } else {
        buf_append_str(&target, "/history");
        cli_query_add(&target, "limit", o.limit);
        cli_query_add(&target, "page_token", o.page_token);
        rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    }
    buf_free(&target);
    json_decref(body);
    return rc;
}

static int run_render(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "render", O_VAR | O_VARS | O_LENIENT, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 1)
        return usage("render", "expects NAME, NAME@VERSION or NAME@ALIAS");
    json_t *vars = o.vars ? json_arg("render", "--vars", o.vars) : json_object();
    if (!vars)
        return CLI_FAILED;
    if (!json_is_object(vars)) {
        json_decref(vars);
        return usage("render", "--vars must be a JSON object");
    }
    for (int i = 0; i < o.nvar; i++) { /* --var wins over --vars */
        const char *eq = strchr(o.var[i], '=');
        if (!eq || eq == o.var[i]) {
            json_decref(vars);
            return usage("render", "variables are written --var NAME=VALUE");
        }
        char *key = xstrndup(o.var[i], (size_t)(eq - o.var[i]));
        json_object_set_new(vars, key, json_string(eq + 1));
        free(key);
    }
    const char *ref;
    char *name = split_ref(o.pos[0], &ref);
    json_t *body = json_pack("{s:o, s:b}", "variables", vars, "strict", !o.lenient);
    if (ref && is_number(ref))
        json_object_set_new(body, "version", json_integer(strtoll(ref, NULL, 10)));
    else if (ref)
        json_object_set_new(body, "alias", json_string(ref));
    buf_t target;
    prompt_target(&target, name, "/render");
    int status;
    json_t *response = NULL;
    cli_call(cli, "POST", buf_str(&target), body, &status, &response);
    int rc = CLI_OK;
    if (status < 200 || status >= 300) {
        cli_print_error(status, response);
        rc = CLI_FAILED;
    } else if (json_is_string(json_object_get(response, "text"))) {
        const char *text = json_string_value(json_object_get(response, "text"));
        size_t len = json_string_length(json_object_get(response, "text"));
        fwrite(text, 1, len, stdout);
        if (len == 0 || text[len - 1] != '\n')
            fputc('\n', stdout);
    } else {
        size_t i;
        const json_t *m;
        json_array_foreach(json_object_get(response, "messages"), i, m)
        {
            const char *content = json_string_value(json_object_get(m, "content"));
            const char *role = json_string_value(json_object_get(m, "role"));
            content = content ? content : "";
            size_t len = strlen(content);
            printf("%s%s: %s", i ? "\n" : "", role ? role : "?", content);
            if (len == 0 || content[len - 1] != '\n')
                fputc('\n', stdout);
        }
    }
    json_decref(response);
    json_decref(body);
    buf_free(&target);
    free(name);
    return rc;
}

static int run_diff(cli_t *cli, int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, "diff", 0, &o) != 0)
        return CLI_USAGE;
    if (o.npos != 3)
        return usage("diff", "expects NAME FROM TO (version numbers or aliases)");
    buf_t target;
    prompt_target(&target, o.pos[0], "/diff");
    cli_query_add(&target, "from", o.pos[1]);
    cli_query_add(&target, "to", o.pos[2]);
    int status;
    json_t *response = NULL;
    cli_call(cli, "GET", buf_str(&target), NULL, &status, &response);
    int rc = CLI_OK;
    const char *diff = json_string_value(json_object_get(response, "diff"));
    if (status < 200 || status >= 300) {
        cli_print_error(status, response);
        rc = CLI_FAILED;
    } else {
        fputs(diff ? diff : "", stdout);
    }
    json_decref(response);
    buf_free(&target);
    return rc;
}

const cli_command_t cmd_prompts_commands[] = {
    {"prompts", "create",
     "NAME [--description D] [--tag K=V ...] [--template TEXT | --template-file FILE | "
     "--messages-file FILE.json] [--model-config JSON|@FILE] [--message M] [--author WHO]",
     "create a prompt, optionally with its version 1",
     "Example: llmops prompts create greet --template 'Hello {{ name }}!' \\\n"
     "           --model-config '{\"model\": \"gpt-4o-mini\", \"temperature\": 0.2}'\n"
     "--messages-file holds a JSON list of {\"role\", \"content\"}; FILE may be - for stdin.",
     run_create},
    {"prompts", "list", "[--query SUBSTRING] [--limit N] [--page-token T]",
     "list prompts by name, with their latest version and aliases", NULL, run_list},
    {"prompts", "show", "NAME[@VERSION|@ALIAS]", "show a prompt, a version, or an alias's version",
     "Example: llmops prompts show greet@production", run_show},
    {"prompts", "versions", "NAME [--limit N] [--page-token T]", "list versions, newest first",
     NULL, run_versions},
    {"prompts", "version",
     "NAME (--template TEXT | --template-file FILE | --messages-file FILE) [--message M] "
     "[--model-config JSON|@FILE] [--author WHO]",
     "add a version (its templates are checked first)",
     "Example: llmops prompts version greet --template-file greet.j2 --message 'shorter'\n"
     "The author defaults to $LLMOPS_USER.",
     run_version},
    {"prompts", "alias",
     "set NAME ALIAS VERSION | delete NAME ALIAS | history NAME ALIAS | rollback NAME ALIAS",
     "move, remove, inspect or roll back an alias (production, staging, ...)",
     "  set       point ALIAS at VERSION (creating or moving it)\n"
     "  delete    remove ALIAS\n"
     "  history   every change of ALIAS, newest first [--limit N] [--page-token T]\n"
     "  rollback  move ALIAS back to where it pointed before its last change\n"
     "set, delete and rollback take [--author WHO] (default $LLMOPS_USER).\n"
     "Example: llmops prompts alias set greet production 3",
     run_alias},
    {"prompts", "render", "NAME[@VERSION|@ALIAS] [--var K=V ...] [--vars JSON|@FILE] [--lenient]",
     "render a version (the latest by default) and print the text",
     "Chat prompts print as \"role: content\" blocks. --lenient renders missing variables as\n"
     "empty instead of failing. --var values are strings; use --vars for other JSON types.\n"
     "Example: llmops prompts render greet@production --var name=Ada",
     run_render},
    {"prompts", "diff", "NAME FROM TO", "unified diff of two versions (numbers or aliases)",
     "Example: llmops prompts diff greet 1 production", run_diff},
    {"prompts", "delete", "NAME", "delete a prompt with all its versions and aliases", NULL,
     run_delete},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
