/* lookup.h - what the prompt registry's files share: finding a prompt by name (optionally
 * taking its row lock), reading versions and aliases and turning their rows into JSON,
 * resolving "3" / "production" references, and page tokens. Internal to src/prompts/. */
#ifndef LLMOPS_PROMPTS_LOOKUP_H
#define LLMOPS_PROMPTS_LOOKUP_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "prompts/content.h"
#include "prompts/prompts.h"
#include "store/store.h"

/* The prompt_versions columns prompt_version_json() reads, in its order. */
#define PROMPT_VERSION_COLUMNS                                                                     \
    "version, template, messages, variables, model_config, commit_message, author, created_at"

typedef struct prompt_ref {
    int64_t id;           /* prompts.id */
    int64_t last_version; /* 0 when the prompt has no version yet */
} prompt_ref_t;

/* Find a prompt by name (404 naming it when absent). */
int prompt_find(store_conn_t *c, const char *name, prompt_ref_t *out, err_t *err);

/* The same inside a write transaction: bumps updated_at to now and so takes the prompt's row
 * lock (PostgreSQL; on SQLite the transaction already holds the write lock), making concurrent
 * changes to one prompt take turns. */
int prompt_lock(store_conn_t *c, const char *name, int64_t now, prompt_ref_t *out, err_t *err);

/* {"production": 3, ...} for one prompt. NULL with err on a store error. */
json_t *prompt_alias_map(store_conn_t *c, int64_t prompt_id, err_t *err);

/* Row r of a query selecting PROMPT_VERSION_COLUMNS, as the version JSON of prompts.h.
 * aliases (may be NULL) is the prompt's alias map: the version lists the aliases on it. */
json_t *prompt_version_json(const store_rows_t *rows, size_t r, const char *name,
                            const json_t *aliases);

/* One version's JSON (404 when the prompt has no such version). */
json_t *prompt_version_fetch(store_conn_t *c, const prompt_ref_t *p, const char *name,
                             int64_t version, err_t *err);

/* "3" -> 3; "production" -> the version the alias points at. field names the request field
 * for errors ("from", "alias", ...). 400 for a reference that is neither, 404 for an unknown
 * alias or a version that does not exist. */
int prompt_ref_resolve(store_conn_t *c, const prompt_ref_t *p, const char *name, const char *ref,
                       const char *field, int64_t *version, err_t *err);

/* The name recorded for a change: who, or "anonymous" when NULL or "". -1 with err (400,
 * field "author") when longer than PROMPT_AUTHOR_MAX. */
int prompt_author(const char *who, const char **out, err_t *err);

/* Page size: 0 -> PROMPT_PAGE_DEFAULT; else 1..PROMPT_PAGE_MAX (400 "limit" otherwise). */
int prompt_page_limit(int limit, int *out, err_t *err);

/* A numeric page token (the last id or version of the previous page). NULL -> *out = 0. */
int prompt_page_token_int(const char *token, int64_t *out, err_t *err);

/* ---- shared by prompts.c (a first version inline) and versions.c ---------------------------- */

/* A new version's content, checked and compiled before any transaction starts. */
typedef struct prompt_version_new {
    prompt_content_t content;
    const char *commit_message; /* borrowed from the input, never NULL */
    const char *author;         /* borrowed, never NULL */
} prompt_version_new_t;

/* Check in (400 naming the field; nothing is stored). Free with prompt_version_new_free. */
int prompt_version_prepare(const prompt_version_in_t *in, prompt_version_new_t *out, err_t *err);
void prompt_version_new_free(prompt_version_new_t *v);

/* Insert the row of version `version` of prompt prompt_id (inside the caller's transaction). */
int prompt_version_insert(store_conn_t *c, int64_t prompt_id, int64_t version,
                          const prompt_version_new_t *v, int64_t now, err_t *err);

#endif
