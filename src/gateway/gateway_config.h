/* gateway_config.h - the gateway's configuration as the request path sees it: an immutable
 * in-memory snapshot, rebuilt off the request path.
 *
 * A snapshot holds every endpoint (from the store and from the server's config file), every
 * active API key (by the SHA-256 of its secret), the price table, each key's spend so far, and
 * the serving specs of registered model versions with their aliases - so resolving a request's
 * `model`, checking its key and pricing its answer never touch the database. A background
 * thread rebuilds it every refresh_ms (default 1000), and admin changes made through this
 * server rebuild it at once (gateway_config_reload), so a change made on another server that
 * shares the PostgreSQL store is seen within refresh_ms.
 *
 * Readers take a reference (gateway_config_acquire) for the length of one request and release
 * it; a rebuild swaps the pointer and the old snapshot is freed when its last reader is done. */
#ifndef LLMOPS_GATEWAY_GATEWAY_CONFIG_H
#define LLMOPS_GATEWAY_GATEWAY_CONFIG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "providers/provider.h"
#include "store/store.h"

/* Where one target sends a request, fully resolved (model refs replaced by their serving
 * spec, prompt refs by the prompt version). All strings owned by the snapshot. */
typedef struct gw_target {
    char *label;            /* "0", "1"... or the target's "name" when given: trace + metrics */
    provider_kind_t kind;
    char *provider;         /* the provider name as written ("openai", "vllm", ...) */
    char *base_url;         /* NULL: the kind's default */
    char *api_key_env;      /* NULL: the kind's default */
    char *api_version;      /* azure */
    char *model;            /* upstream model */
    json_t *params;         /* object merged into the request (target wins), never NULL */
    int weight;             /* >= 0; 0 = only as a fallback */
    int timeout_ms;         /* whole upstream call (default 60000) */
    int max_retries;        /* retries of this target before falling back (default 2) */
    /* Set when the target came from a registered model version. */
    char *model_name;
    int64_t model_version;  /* 0 when none */
    char *model_alias;      /* the alias it was reached through, NULL when by number */
    /* Set when the target is prompt-backed: the version's chat messages (array of
     * {role, content} templates) or text template, rendered with the request's variables. */
    char *prompt_name;
    int64_t prompt_version;
    json_t *prompt_messages; /* array or NULL */
    char *prompt_template;   /* text prompt or NULL */
} gw_target_t;

typedef struct gw_endpoint {
    char *name;
    gw_target_t *targets;
    size_t ntargets;
    int cache_enabled;        /* response cache opt-in */
    int cache_ttl_s;          /* default 300 */
    int cache_nondeterministic; /* also cache requests with temperature > 0 */
    int breaker_failures;     /* consecutive failures that open the circuit (default 5) */
    int breaker_cooldown_ms;  /* open for this long, then one probe (default 30000) */
    int backoff_ms;           /* first retry delay (default 100; doubles, with jitter) */
    int backoff_max_ms;       /* cap (default 5000) */
} gw_endpoint_t;

typedef struct gw_key {
    char *id;                /* "key_..." public id */
    char *name;
    char **allowed_endpoints; /* NULL-terminated; NULL = every endpoint and model */
    int64_t rpm;             /* requests per minute, 0 = unlimited */
    int64_t tpm;             /* tokens per minute, 0 = unlimited */
    double budget_usd;       /* < 0: none */
    double spent_usd;        /* from gateway_key_usage when the snapshot was built */
} gw_key_t;

typedef struct gw_price {
    double input_per_mtok;  /* USD per million input tokens */
    double output_per_mtok; /* USD per million output tokens */
} gw_price_t;

typedef struct gateway_config gateway_config_t; /* one snapshot */
typedef struct gateway_config_src gateway_config_src_t; /* the refreshing holder */

/* Load the first snapshot and start the refresher. file_endpoints: the `endpoints` list of
 * the server's config file (JSON array, borrowed; NULL when none) - declared endpoints that
 * the store's endpoints of the same name do not override. */
gateway_config_src_t *gateway_config_start(store_t *store, const json_t *file_endpoints,
                                           int refresh_ms, err_t *err);
void gateway_config_stop(gateway_config_src_t *src);
/* Rebuild now (after an admin change made through this process). */
int gateway_config_reload(gateway_config_src_t *src, err_t *err);

const gateway_config_t *gateway_config_acquire(gateway_config_src_t *src);
void gateway_config_release(gateway_config_src_t *src, const gateway_config_t *cfg);

/* Lookups on a snapshot (results owned by the snapshot). */
const gw_endpoint_t *gateway_config_endpoint(const gateway_config_t *cfg, const char *name);
/* A registered model reference - "name@alias", "name/3", "models:/name@alias",
 * "models:/name/3" - resolved to a single-target pseudo-endpoint built from the version's
 * serving spec (NULL when the model, version or alias is unknown or has no serving spec;
 * *why says which, for the 404 message). */
const gw_endpoint_t *gateway_config_model_ref(const gateway_config_t *cfg, const char *ref,
                                              const char **why);
/* An active key by the SHA-256 (lowercase hex) of its secret; NULL when unknown or revoked. */
const gw_key_t *gateway_config_key(const gateway_config_t *cfg, const char *secret_sha256_hex);
/* The price of (provider, model): the exact pair, else the model under provider "*"; NULL
 * when unknown (the cost is then reported as unknown, never as zero). */
const gw_price_t *gateway_config_price(const gateway_config_t *cfg, const char *provider,
                                       const char *model);
/* What GET /v1/models lists: endpoints, then "name@alias" / "name/N" of servable versions,
 * as OpenAI model objects ({"id","object":"model","created","owned_by"}). New reference. */
json_t *gateway_config_models(const gateway_config_t *cfg);

#endif
