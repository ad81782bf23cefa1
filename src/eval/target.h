/* target.h - what an evaluation calls for each row: a gateway endpoint, a registered model
 * version, or a prompt version rendered with the row and sent to an endpoint or model
 * (docs/eval-api.md, "Targets").
 *
 * A target is resolved once, when the evaluation is created: unknown endpoints, models and
 * prompts are 404 then, and references that move (aliases, "@latest") are pinned - a prompt to
 * its version number, a registered model reference to "name/N" - so that every row, and a
 * later resume, calls the same thing. */
#ifndef LLMOPS_EVAL_TARGET_H
#define LLMOPS_EVAL_TARGET_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "gateway/gateway_config.h"
#include "store/store.h"

typedef struct eval_target {
    char *model;       /* the request's "model": an endpoint name or a pinned model ref */
    char *prompt_name; /* NULL when the target has no prompt */
    int64_t prompt_version;
    json_t *prompt_config; /* the prompt version's model_config (object) or NULL */
    json_t *params;        /* merged into every request; an object, never NULL */
    char *model_name;      /* the registered model the calls go to, or NULL */
    int64_t model_version;
    /* What the calls go to, fully resolved (the endpoint's targets: provider, upstream model,
     * base URL, params; the pinned prompt version): part of the eval cache key, so a changed
     * endpoint never serves a stale answer. */
    json_t *resolved;
} eval_target_t;

/* Validate spec (400 field "target" / "target.params"...) and resolve it against the store
 * (prompts) and the gateway configuration (endpoints, registered models): 404 for unknown
 * ones. cfg may be NULL only for specs that were pinned before (never for a new evaluation). */
int eval_target_resolve(store_t *s, gateway_config_src_t *cfg, const json_t *spec,
                        eval_target_t *out, err_t *err);

/* The spec with its references pinned (what resume resolves again). New reference. */
json_t *eval_target_pinned_spec(const eval_target_t *t);

/* The chat-completions request for one row, and the row's input as text (caller frees both).
 * A row without "messages" (an array) or "input", or a prompt that cannot be rendered with the
 * row (a missing variable) is -1 with err: that row's error. */
int eval_target_request(store_t *s, const eval_target_t *t, const json_t *row, json_t **body,
                        char **input, err_t *err);

void eval_target_free(eval_target_t *t);

#endif
