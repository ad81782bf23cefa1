/* endpoints.h - gateway endpoints: named routes from an OpenAI `model` to one or more upstream
 * targets, stored as JSON specs and managed over the admin API.
 *
 * An endpoint spec (what POST /api/v1/endpoints takes and the config file's `endpoints:` list
 * holds):
 *   {"name", "description"?,
 *    "targets": [ {"name"?, "provider", "model", "base_url"?, "api_key_env"?, "api_version"?,
 *                  "params"?, "weight"?, "timeout_ms"?, "max_retries"?, "prompt"?}
 *               | {"model_ref", "name"?, "weight"?, "timeout_ms"?, "max_retries"?, "prompt"?} ],
 *    "cache"?: {"enabled", "ttl_s", "allow_nondeterministic"},
 *    "retry"?: {"backoff_ms", "backoff_max_ms"},
 *    "breaker"?: {"failures", "cooldown_ms"}}
 * Validation is strict: unknown keys are refused and errors name the field
 * ("targets[1].weight"). A model_ref ("bot@prod", "bot/3", "models:/bot@prod") and a prompt
 * ref ("greeter@production", "greeter/2") are checked for shape only: whether they resolve is
 * decided each time the gateway builds its configuration snapshot (gateway_config.h).
 *
 * Store functions run in one statement or transaction and change nothing on failure: 400
 * naming the field, 404 for an unknown name, 409 for a duplicate. Results are new JSON
 * (caller owns): {"name","description","spec":{...},"source":"api","created_at","updated_at"}. */
#ifndef LLMOPS_GATEWAY_ENDPOINTS_H
#define LLMOPS_GATEWAY_ENDPOINTS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "providers/provider.h"
#include "store/store.h"

#define GW_NAME_MAX        128 /* endpoint names */
#define GW_MAX_TARGETS     64
#define GW_DESCRIPTION_MAX 5000

/* Defaults of the optional spec fields. */
#define GW_DEFAULT_WEIGHT           1
#define GW_DEFAULT_TIMEOUT_MS       60000
#define GW_DEFAULT_MAX_RETRIES      2
#define GW_DEFAULT_CACHE_TTL_S      300
#define GW_DEFAULT_BREAKER_FAILURES 5
#define GW_DEFAULT_BREAKER_COOLDOWN 30000
#define GW_DEFAULT_BACKOFF_MS       100
#define GW_DEFAULT_BACKOFF_MAX_MS   5000

/* An endpoint name: 1-128 characters of letters, digits, '_', '-', '.' and ':' ('@' and '/'
 * are left to model references). 0 or -1 with err (400 naming field). */
int gateway_check_endpoint_name(const char *name, const char *field, err_t *err);

/* A registered-model reference: "name@alias", "name/3", "models:/name@alias", "models:/name/3".
 * On success *name (caller frees) and either *alias (caller frees) or *version (> 0) are set,
 * the other being NULL / 0. -1 (nothing allocated) when it is not such a reference. */
int gateway_parse_model_ref(const char *ref, char **name, char **alias, int64_t *version);
/* A prompt reference: "name@alias" or "name/3"; the same contract. */
int gateway_parse_prompt_ref(const char *ref, char **name, char **alias, int64_t *version);

/* Check a spec. Returns a copy to store (caller owns) or NULL with err naming the field. */
json_t *gateway_endpoint_validate(const json_t *spec, err_t *err);

json_t *gateway_endpoint_create(store_t *s, const json_t *spec, err_t *err);
json_t *gateway_endpoint_get(store_t *s, const char *name, err_t *err);
/* {"endpoints":[...]} ordered by name. */
json_t *gateway_endpoint_list(store_t *s, err_t *err);
/* Replace an endpoint's spec. The spec's name may be left out; when given it must be name
 * (renaming is delete + create). */
json_t *gateway_endpoint_update(store_t *s, const char *name, const json_t *spec, err_t *err);
int gateway_endpoint_delete(store_t *s, const char *name, err_t *err);

#endif
