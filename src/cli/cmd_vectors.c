/* cmd_vectors.c - `llmops vectors create|list|get|ingest|search|delete`: the vector store from
 * the shell (routes_vectors.c over HTTP or in-process). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct vec_flags {
    const char *dimension, *distance, *embedder, *model, *chunk_size, *chunk_overlap;
    const char *source, *k, *mode, *filter, *ef;
    int exact;
    const char *accepted;
} vec_flags_t;

static int take_flag(int opt, const char *arg, void *ctx)
{
    vec_flags_t *f = ctx;
    if (!strchr(f->accepted, opt))
        return CLI_OPTION_UNKNOWN;
    if (opt == 'x') {
        f->exact = 1;
        return CLI_OPTION_OK;
    }
    const char **slot = opt == 'D'   ? &f->dimension
                        : opt == 'd' ? &f->distance
                        : opt == 'e' ? &f->embedder
                        : opt == 'm' ? &f->model
                        : opt == 'c' ? &f->chunk_size
                        : opt == 'o' ? &f->chunk_overlap
                        : opt == 's' ? &f->source
                        : opt == 'k' ? &f->k
                        : opt == 'M' ? &f->mode
                        : opt == 'f' ? &f->filter
                        : opt == 'E' ? &f->ef
                                     : NULL;
    if (!slot)
        return CLI_OPTION_UNKNOWN;
    *slot = arg;
    return CLI_OPTION_OK;
}

static int parse_flags(int argc, char **argv, const char *verb, vec_flags_t *f)
{
    static const struct option longopts[] = {{"dimension", required_argument, NULL, 'D'},
                                             {"distance", required_argument, NULL, 'd'},
                                             {"embedder", required_argument, NULL, 'e'},
                                             {"model", required_argument, NULL, 'm'},
                                             {"chunk-size", required_argument, NULL, 'c'},
                                             {"chunk-overlap", required_argument, NULL, 'o'},
                                             {"source", required_argument, NULL, 's'},
                                             {"k", required_argument, NULL, 'k'},
                                             {"mode", required_argument, NULL, 'M'},
                                             {"filter", required_argument, NULL, 'f'},
                                             {"ef", required_argument, NULL, 'E'},
                                             {"exact", no_argument, NULL, 'x'},
                                             {NULL, 0, NULL, 0}};
    char command[32];
    snprintf(command, sizeof command, "vectors %s", verb);
    return cli_parse_options(argc, argv, command, NULL, longopts, take_flag, f);
}

/* Set key to the integer in text; 0, or -1 after printing a usage error. */
static int int_member(json_t *obj, const char *key, const char *text, const char *command)
{
    if (!text)
        return 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end) {
        cli_usage_error(command, "--%s takes an integer", key);
        return -1;
    }
    json_object_set_new(obj, key, json_integer(v));
    return 0;
}

static int run_create(cli_t *cli, int argc, char **argv)
{
    vec_flags_t f = {.accepted = "Ddemco"};
    int n = parse_flags(argc, argv, "create", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("vectors create", "expects one NAME");
    json_t *body = json_pack("{s:s}", "name", argv[0]);
    if (f.distance)
        json_object_set_new(body, "distance", json_string(f.distance));
    if (f.embedder || f.model)
        json_object_set_new(body, "embedder",
                            f.model
                                ? json_pack("{s:s, s:s}", "type",
                                            f.embedder ? f.embedder : "openai", "model", f.model)
                                : json_pack("{s:s}", "type", f.embedder));
    if (int_member(body, "dimension", f.dimension, "vectors create") != 0 ||
        int_member(body, "chunk_size", f.chunk_size, "vectors create") != 0 ||
        int_member(body, "chunk_overlap", f.chunk_overlap, "vectors create") != 0) {
        json_decref(body);
        return CLI_USAGE;
    }
    int rc = cli_call_and_print(cli, "POST", "/api/v1/collections", body);
    json_decref(body);
    return rc;
}

static int run_list(cli_t *cli, int argc, char **argv)
{
    vec_flags_t f = {.accepted = ""};
    int n = parse_flags(argc, argv, "list", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 0)
        return cli_usage_error("vectors list", "takes no arguments");
    return cli_call_and_print(cli, "GET", "/api/v1/collections", NULL);
}

static int run_get(cli_t *cli, int argc, char **argv)
{
    vec_flags_t f = {.accepted = ""};
    int n = parse_flags(argc, argv, "get", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("vectors get", "expects one NAME");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/collections");
    cli_path_add(&target, argv[0]);
    int rc = cli_call_and_print(cli, "GET", buf_str(&target), NULL);
    buf_free(&target);
    return rc;
}

/* The upload's content type from the file name. */
static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return "text/plain";
    if (strcmp(dot, ".md") == 0 || strcmp(dot, ".markdown") == 0)
        return "text/markdown";
    if (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0)
        return "text/html";
    if (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0)
        return "application/x-ndjson";
    return "text/plain";
}

static int run_ingest(cli_t *cli, int argc, char **argv)
{
    vec_flags_t f = {.accepted = "s"};
    int n = parse_flags(argc, argv, "ingest", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n < 2)
        return cli_usage_error("vectors ingest", "expects NAME FILE...");
    if (f.source && n != 2)
        return cli_usage_error("vectors ingest", "--source names one file only");
    int rc = CLI_OK;
    for (int i = 1; i < n && rc == CLI_OK; i++) {
        const char *path = argv[i];
        char *data = cli_read_input("vectors ingest", path);
        if (!data)
            return CLI_FAILED;
        const char *base = strrchr(path, '/');
        buf_t target, answer;
        buf_init(&target);
        buf_init(&answer);
        buf_append_str(&target, "/api/v1/collections");
        cli_path_add(&target, argv[0]);
        buf_append_str(&target, "/documents");
        cli_query_add(&target, "source",
                      f.source            ? f.source
                      : strcmp(path, "-") ? (base ? base + 1 : path)
                                          : "stdin");
        int status = 0;
        cli_call_raw(cli, "POST", buf_str(&target), content_type(path), data, strlen(data), &status,
                     &answer);
        json_t *reply = json_loadb(answer.data ? answer.data : "", answer.len, 0, NULL);
        if (status >= 200 && status < 300 && reply) {
            cli_print_json(reply);
        } else {
            fprintf(stderr, "%s: ", path);
            cli_print_error(status, reply);
            rc = CLI_FAILED;
        }
        json_decref(reply);
        buf_free(&target);
        buf_free(&answer);
        free(data);
    }
    return rc;
}

static int run_search(cli_t *cli, int argc, char **argv)
{
    vec_flags_t f = {.accepted = "kMfEx"};
    int n = parse_flags(argc, argv, "search", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 2)
        return cli_usage_error("vectors search", "expects NAME QUERY");
    json_t *body = json_pack("{s:s}", "query", argv[1]);
    if (f.mode)
        json_object_set_new(body, "mode", json_string(f.mode));
    if (f.exact)
        json_object_set_new(body, "exact", json_true());
    if (f.filter) {
        json_t *filter = cli_json_arg("vectors search", "--filter", f.filter);
        if (!filter) {
            json_decref(body);
            return CLI_USAGE;
        }
        json_object_set_new(body, "filter", filter);
    }
    if (int_member(body, "k", f.k, "vectors search") != 0 ||
        int_member(body, "ef", f.ef, "vectors search") != 0) {
        json_decref(body);
        return CLI_USAGE;
    }
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/collections");
    cli_path_add(&target, argv[0]);
    buf_append_str(&target, "/search");
    int rc = cli_call_and_print(cli, "POST", buf_str(&target), body);
    buf_free(&target);
    json_decref(body);
    return rc;
}

static int run_delete(cli_t *cli, int argc, char **argv)
{
    vec_flags_t f = {.accepted = "sf"};
    int n = parse_flags(argc, argv, "delete", &f);
    if (n < 0)
        return CLI_USAGE;
    if (n != 1)
        return cli_usage_error("vectors delete", "expects one NAME");
    if (f.source && f.filter)
        return cli_usage_error("vectors delete", "--source or --filter, not both");
    buf_t target;
    buf_init(&target);
    buf_append_str(&target, "/api/v1/collections");
    cli_path_add(&target, argv[0]);
    int rc;
    if (f.filter) {
        json_t *filter = cli_json_arg("vectors delete", "--filter", f.filter);
        if (!filter) {
            buf_free(&target);
            return CLI_USAGE;
        }
        json_t *body = json_pack("{s:o}", "filter", filter);
        buf_append_str(&target, "/documents/delete");
        rc = cli_call_and_print(cli, "POST", buf_str(&target), body);
        json_decref(body);
    } else {
        if (f.source) {
            buf_append_str(&target, "/documents");
            cli_path_add(&target, f.source);
        }
        rc = cli_call_and_print(cli, "DELETE", buf_str(&target), NULL);
    }
    buf_free(&target);
    return rc;
}

const cli_command_t cmd_vectors_commands[] = {
    {"vectors", "create",
     "NAME [--dimension N] [--distance cosine|dot|l2] [--embedder local|openai] [--model M] "
     "[--chunk-size BYTES] [--chunk-overlap BYTES]",
     "create a vector collection",
     "Example: llmops vectors create docs --dimension 512\n"
     "         llmops vectors create docs-oa --embedder openai --model text-embedding-3-small "
     "--dimension 1536",
     run_create},
    {"vectors", "list", "", "list the collections", NULL, run_list},
    {"vectors", "get", "NAME", "one collection with its document and chunk counts", NULL, run_get},
    {"vectors", "ingest", "NAME FILE... [--source ID]",
     "ingest files (.md, .html, .jsonl, anything else as text); the source id is the file name",
     "Example: llmops vectors ingest docs README.md guide.html faq.jsonl", run_ingest},
    {"vectors", "search",
     "NAME QUERY [--k N] [--mode dense|keyword|hybrid] [--exact] "
     "[--filter JSON] [--ef N]",
     "search a collection",
     "Example: llmops vectors search docs 'how do I install' --k 5 --filter '{\"lang\":\"en\"}'",
     run_search},
    {"vectors", "delete", "NAME [--source ID | --filter JSON]",
     "delete a collection, or one document of it, or the documents a filter matches", NULL,
     run_delete},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
