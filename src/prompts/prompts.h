/* prompts.h - the prompt registry: named prompts with immutable, numbered versions (a text
 * template or chat messages, plus a model configuration), movable aliases with a recorded
 * history, rendering with variables, and diffs between versions.
 *
 * A prompt's name is 1-250 characters of letters, digits, '-', '_' and '.' (not only dots).
 * Versions are numbered 1, 2, 3 ... per prompt and never reused; they cannot be changed. An
 * alias ("production", "staging", ...) is [a-z0-9][a-z0-9_-]{0,62} and not only digits, so a
 * reference that is all digits always means a version. Every alias change (set, move, delete,
 * rollback) is appended to the alias's history; rollback moves the alias back to the version
 * it pointed at before its last change.
 *
 * Functions return new JSON (caller owns) or NULL with err: 400 for bad input (the field
 * named, nothing changed), 404 for an unknown prompt, version or alias, 409 for a duplicate
 * name. The lineage node of a version is {"type": "prompt_version", "id": "<name>/<version>"},
 * included in version and render results as "lineage_node" so other services can record
 * edges to it (lineage/lineage.h). */
#ifndef LLMOPS_PROMPTS_PROMPTS_H
#define LLMOPS_PROMPTS_PROMPTS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define PROMPT_NAME_MAX        250
#define PROMPT_ALIAS_MAX       63
#define PROMPT_DESCRIPTION_MAX 10000
#define PROMPT_COMMIT_MAX      10000
#define PROMPT_AUTHOR_MAX      200
#define PROMPT_TAGS_MAX        100
#define PROMPT_TAG_KEY_MAX     250
#define PROMPT_TAG_VALUE_MAX   5000
#define PROMPT_PAGE_DEFAULT    100
#define PROMPT_PAGE_MAX        1000
#define PROMPT_LINEAGE_TYPE    "prompt_version"

/* Validation, for callers that take names from elsewhere (CLI, other services). 0 or -1 with
 * err (400, field "name" / "alias"). */
int prompts_check_name(const char *name, err_t *err);
int prompts_check_alias(const char *alias, err_t *err);
/* Parse a decimal version number (1 .. 2^53); -1 with err (400 naming field) otherwise. */
int prompts_parse_version(const char *text, const char *field, int64_t *out, err_t *err);

/* The content of a new version. */
typedef struct prompt_version_in {
    const json_t *template;     /* a JSON string (text prompt), or NULL */
    const json_t *messages;     /* a JSON list of {"role","content"} (chat prompt), or NULL */
    const json_t *model_config; /* a JSON object; NULL or JSON null for none */
    const char *commit_message; /* NULL for "" */
    const char *author;         /* NULL or "" for "anonymous" */
} prompt_version_in_t;

typedef struct prompt_create_in {
    const char *name;
    const char *description;                  /* NULL for "" */
    const json_t *tags;                       /* an object of string values, or NULL */
    const prompt_version_in_t *first_version; /* NULL: the prompt starts with no version */
} prompt_create_in_t;

/* Create a prompt, with its version 1 in the same transaction when first_version is given.
 * Returns the prompt as prompts_get() does, plus "version" (the first version) when one was
 * made. */
json_t *prompts_create(store_t *s, const prompt_create_in_t *in, err_t *err);

/* {"name","description","tags","latest_version" (null when none),"aliases":{"alias": N},
 *  "created_at","updated_at"} */
json_t *prompts_get(store_t *s, const char *name, err_t *err);

/* Prompts ordered by name: {"prompts":[...as prompts_get...], "next_page_token"?}. query:
 * case-insensitive substring of the name, or NULL. limit: 1..PROMPT_PAGE_MAX (0 = default).
 * page_token: from a previous page, or NULL. */
json_t *prompts_list(store_t *s, const char *query, int limit, const char *page_token, err_t *err);

/* Change the description (when not NULL) and merge tags (when not NULL: a string value sets
 * a tag, null removes it). Returns the prompt. */
json_t *prompts_update(store_t *s, const char *name, const char *description, const json_t *tags,
                       err_t *err);

/* Delete a prompt with its versions, aliases and alias history. */
int prompts_delete(store_t *s, const char *name, err_t *err);

/* Add a version; its number is the prompt's next. Templates are compiled first: a syntax error
 * is 400 "template_syntax" naming the field, and nothing is stored. Returns the version:
 * {"name","version","type":"text"|"chat","template"|"messages","variables","model_config",
 *  "commit_message","author","created_at","aliases":[...],"lineage_node":{"type","id"}} */
json_t *prompts_create_version(store_t *s, const char *name, const prompt_version_in_t *in,
                               err_t *err);

json_t *prompts_get_version(store_t *s, const char *name, int64_t version, err_t *err);

/* Versions, newest first: {"name","versions":[...], "next_page_token"?}. */
json_t *prompts_list_versions(store_t *s, const char *name, int limit, const char *page_token,
                              err_t *err);

/* A version by reference: "3" (a version number) or an alias name. */
json_t *prompts_resolve(store_t *s, const char *name, const char *ref, err_t *err);

/* {"name","alias","version","updated_by","updated_at","prompt_version":{...}} */
json_t *prompts_get_alias(store_t *s, const char *name, const char *alias, err_t *err);

/* Point alias at version (creating or moving it) and record the change unless the alias
 * already pointed there. who: NULL or "" for "anonymous".
 * {"name","alias","version","previous_version" (null when new),"updated_by","updated_at"} */
json_t *prompts_set_alias(store_t *s, const char *name, const char *alias, int64_t version,
                          const char *who, err_t *err);

/* The same inside the caller's transaction on c, for changes that move an alias as part of a
 * larger one (a promotion): it moves only when the alias points at expected now (0: only when
 * it does not exist yet), else 409 and nothing changes. */
json_t *prompts_move_alias(store_conn_t *c, const char *name, const char *alias, int64_t version,
                           int64_t expected, const char *who, err_t *err);
/* The version alias points at now (0 when it is not set), read on c. 404 unknown prompt. */
int prompts_alias_version(store_conn_t *c, const char *name, const char *alias, int64_t *version,
                          err_t *err);

/* Remove an alias and record it. {"name","alias","previous_version"} */
json_t *prompts_delete_alias(store_t *s, const char *name, const char *alias, const char *who,
                             err_t *err);

/* Move the alias back to where it pointed before its last change (re-creating it if that
 * change deleted it), recorded as a "rollback". Rolling back twice returns to the start,
 * like `cd -`. 404 when the alias has no history, 409 when its last change created it (there
 * is nothing before). Returns what prompts_set_alias() returns. */
json_t *prompts_rollback_alias(store_t *s, const char *name, const char *alias, const char *who,
                               err_t *err);

/* The alias's changes, newest first: {"name","alias","history":[{"id","action":"set"|
 * "delete"|"rollback","from_version","to_version","changed_by","changed_at"}],
 * "next_page_token"?}. An alias that never existed has an empty history. */
json_t *prompts_alias_history(store_t *s, const char *name, const char *alias, int limit,
                              const char *page_token, err_t *err);

typedef struct prompt_render_in {
    int64_t version;         /* 0 when not given */
    const char *alias;       /* NULL when not given; neither given = the latest version */
    const json_t *variables; /* an object, or NULL for none */
    int lenient;             /* undefined variables render as "" instead of failing */
} prompt_render_in_t;

/* Render a version: {"name","version","alias"?,"type","text" | "messages":[{"role",
 * "content"}],"model_config","lineage_node"}. A variable the template needs but variables
 * lacks is 400 "template_undefined" naming it with line:column (and the message index for
 * chat prompts) unless lenient. */
json_t *prompts_render(store_t *s, const char *name, const prompt_render_in_t *in, err_t *err);

/* Unified diff between two versions given as references ("3" or an alias): of the templates
 * (chat prompts as "### role" blocks) and of the model configurations (sorted, indented JSON).
 * {"name","from":{"ref","version"},"to":{...},"template_diff","model_config_diff","diff"}
 * where "diff" is both together; "" when the versions are the same. */
json_t *prompts_diff(store_t *s, const char *name, const char *from_ref, const char *to_ref,
                     err_t *err);

#endif
