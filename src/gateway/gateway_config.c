/* gateway_config.c - building, holding and refreshing the gateway's configuration snapshot
 * (see gateway_config.h).
 *
 * A build reads everything the request path needs in a handful of queries and turns it into
 * sorted arrays searched with bsearch, so a lookup is O(log n) with no locking beyond the
 * reference count. What cannot be resolved (a model_ref whose alias was deleted, a prompt
 * version that is gone, a serving spec with a provider the gateway does not know) drops that
 * one target with a warning; an endpoint left with no target is dropped too, so the request
 * path never sees an endpoint it cannot route. Only a store failure fails a build, and then the
 * previous snapshot stays in place. Warnings are logged when they change, not on every
 * refresh. */
#include "gateway/gateway_config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "gateway/endpoints.h"
#include "gateway/keys.h"

typedef struct key_entry {
    char *hash;
    gw_key_t key;
} key_entry_t;

typedef struct price_entry {
    char *provider, *model;
    gw_price_t price;
} price_entry_t;

/* A registered model reference ("name/3" or "name@alias", canonical form) and the one-target
 * pseudo-endpoint it serves; ep.ntargets is 0 and why says why when it cannot serve. */
typedef struct ref_entry {
    char *ref;
    gw_endpoint_t ep;
    const char *why;
    int64_t created_ms;
} ref_entry_t;

struct gateway_config {
    int refs; /* guarded by the source's mutex */
    gw_endpoint_t *endpoints;
    size_t nendpoints;
    key_entry_t *keys;
    size_t nkeys;
    price_entry_t *prices;
    size_t nprices;
    ref_entry_t *model_refs;
    size_t nrefs;
    char **model_names;
    size_t nmodel_names;
    json_t *models;
};

struct gateway_config_src {
    store_t *store;
    json_t *file_endpoints; /* own copy; NULL when none */
    int refresh_ms;
    pthread_mutex_t mu;       /* guards cur and every snapshot's refs */
    pthread_mutex_t build_mu; /* one build at a time; also guards warnings */
    pthread_cond_t wake;
    gateway_config_t *cur;
    json_t *warnings; /* the last build's, to log only changes */
    int stopping;
    int has_thread;
    pthread_t thread;
};

static const char WHY_MALFORMED[] =
    "not a model reference (name@alias, name/N, models:/name@alias or models:/name/N)";
static const char WHY_NO_MODEL[] = "no registered model has that name";
static const char WHY_NO_VERSION[] = "the registered model has no such version";
static const char WHY_NO_ALIAS[] = "the registered model has no such alias";
static const char WHY_NO_SERVING[] = "the model version has no serving spec";
static const char WHY_BAD_PROVIDER[] =
    "the model version's serving provider is not one the gateway knows";

/* ---- freeing ----------------------------------------------------------------------------------
 */

static void target_free(gw_target_t *t)
{
    free(t->label);
    free(t->provider);
    free(t->base_url);
    free(t->api_key_env);
    free(t->api_version);
    free(t->model);
    json_decref(t->params);
    free(t->model_name);
    free(t->model_alias);
    free(t->prompt_name);
    json_decref(t->prompt_messages);
    free(t->prompt_template);
}

static void endpoint_free(gw_endpoint_t *e)
{
    for (size_t i = 0; i < e->ntargets; i++)
        target_free(&e->targets[i]);
    free(e->targets);
    free(e->name);
}

static void config_free(gateway_config_t *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nendpoints; i++)
        endpoint_free(&cfg->endpoints[i]);
    free(cfg->endpoints);
    for (size_t i = 0; i < cfg->nkeys; i++) {
        gw_key_t *k = &cfg->keys[i].key;
        free(cfg->keys[i].hash);
        free(k->id);
        free(k->name);
        for (char **a = k->allowed_endpoints; a && *a; a++)
            free(*a);
        free(k->allowed_endpoints);
    }
    free(cfg->keys);
    for (size_t i = 0; i < cfg->nprices; i++) {
        free(cfg->prices[i].provider);
        free(cfg->prices[i].model);
    }
    free(cfg->prices);
    for (size_t i = 0; i < cfg->nrefs; i++) {
        free(cfg->model_refs[i].ref);
        endpoint_free(&cfg->model_refs[i].ep);
    }
    free(cfg->model_refs);
    for (size_t i = 0; i < cfg->nmodel_names; i++)
        free(cfg->model_names[i]);
    free(cfg->model_names);
    json_decref(cfg->models);
    free(cfg);
}

/* ---- building ---------------------------------------------------------------------------------
 */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void target_copy(gw_target_t *dst, const gw_target_t *src)
{
    *dst = *src;
    dst->label = dup_or_null(src->label);
    dst->provider = dup_or_null(src->provider);
    dst->base_url = dup_or_null(src->base_url);
    dst->api_key_env = dup_or_null(src->api_key_env);
    dst->api_version = dup_or_null(src->api_version);
    dst->model = dup_or_null(src->model);
    dst->params = json_deep_copy(src->params);
    dst->model_name = dup_or_null(src->model_name);
    dst->model_alias = dup_or_null(src->model_alias);
    dst->prompt_name = dup_or_null(src->prompt_name);
    dst->prompt_messages = src->prompt_messages ? json_deep_copy(src->prompt_messages) : NULL;
    dst->prompt_template = dup_or_null(src->prompt_template);
}

static void endpoint_defaults(gw_endpoint_t *e)
{
    e->cache_ttl_s = GW_DEFAULT_CACHE_TTL_S;
    e->breaker_failures = GW_DEFAULT_BREAKER_FAILURES;
    e->breaker_cooldown_ms = GW_DEFAULT_BREAKER_COOLDOWN;
    e->backoff_ms = GW_DEFAULT_BACKOFF_MS;
    e->backoff_max_ms = GW_DEFAULT_BACKOFF_MAX_MS;
}

static int int_or(const json_t *obj, const char *key, int dflt)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

typedef struct build {
    store_conn_t *c;
    gateway_config_t *cfg;
    json_t *warnings;
} build_t;

static void warn(build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(build_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_t text;
    buf_init(&text);
    buf_vprintf(&text, fmt, ap);
    va_end(ap);
    json_array_append_new(b->warnings, json_string(buf_str(&text)));
    buf_free(&text);
}

/* A version's serving spec -> target (label "0", default weight and limits). */
static const char *serving_target(const json_t *serving, gw_target_t *t)
{
    memset(t, 0, sizeof *t);
    const char *provider = json_string_value(json_object_get(serving, "provider"));
    const char *model = json_string_value(json_object_get(serving, "model"));
    if (!provider || !model)
        return WHY_NO_SERVING;
    err_t err;
    if (provider_kind_parse(provider, "serving.provider", &t->kind, &err) != 0)
        return WHY_BAD_PROVIDER;
    t->label = xstrdup("0");
    t->provider = xstrdup(provider);
    t->model = xstrdup(model);
    t->base_url = dup_or_null(json_string_value(json_object_get(serving, "base_url")));
    json_t *params = json_object_get(serving, "params");
    t->params = json_is_object(params) ? json_deep_copy(params) : json_object();
    t->weight = GW_DEFAULT_WEIGHT;
    t->timeout_ms = GW_DEFAULT_TIMEOUT_MS;
    t->max_retries = GW_DEFAULT_MAX_RETRIES;
    return NULL;
}

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const ref_entry_t *)a)->ref, ((const ref_entry_t *)b)->ref);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static ref_entry_t *find_ref(ref_entry_t *refs, size_t n, const char *ref)
{
    ref_entry_t key = {.ref = (char *)ref};
    return bsearch(&key, refs, n, sizeof *refs, cmp_ref);
}

/* Every registered model name, every version as "name/N" and every alias as "name@alias". */
static int load_registry(build_t *b, err_t *err)
{
    gateway_config_t *cfg = b->cfg;
    store_rows_t *rows = store_query(b->c, "SELECT name FROM registry_models", NULL, 0, err);
    if (!rows)
        return -1;
    cfg->nmodel_names = store_rows_count(rows);
    cfg->model_names = xcalloc(cfg->nmodel_names + 1, sizeof *cfg->model_names);
    for (size_t r = 0; r < cfg->nmodel_names; r++)
        cfg->model_names[r] = xstrdup(store_rows_text(rows, r, 0));
    store_rows_free(rows);
    qsort(cfg->model_names, cfg->nmodel_names, sizeof *cfg->model_names, cmp_str);

    store_rows_t *versions = store_query(b->c,
                                         "SELECT m.name, v.version, v.serving, v.creation_time "
                                         "FROM registry_versions v JOIN registry_models m ON "
                                         "m.id = v.model_id",
                                         NULL, 0, err);
    if (!versions)
        return -1;
    store_rows_t *aliases = store_query(b->c,
                                        "SELECT m.name, a.alias, a.version FROM registry_aliases "
                                        "a JOIN registry_models m ON m.id = a.model_id",
                                        NULL, 0, err);
    if (!aliases) {
        store_rows_free(versions);
        return -1;
    }
    size_t nv = store_rows_count(versions), na = store_rows_count(aliases);
    cfg->model_refs = xcalloc(nv + na + 1, sizeof *cfg->model_refs);
    for (size_t r = 0; r < nv; r++) {
        ref_entry_t *e = &cfg->model_refs[cfg->nrefs++];
        const char *name = store_rows_text(versions, r, 0);
        int64_t version = store_rows_int(versions, r, 1);
        buf_t ref;
        buf_init(&ref);
        buf_printf(&ref, "%s/%lld", name, (long long)version);
        e->ref = buf_steal(&ref);
        e->created_ms = store_rows_int(versions, r, 3);
        endpoint_defaults(&e->ep);
        e->ep.name = xstrdup(e->ref);
        json_t *serving = store_rows_is_null(versions, r, 2)
                              ? NULL
                              : json_loads(store_rows_text(versions, r, 2), 0, NULL);
        gw_target_t t;
        e->why = serving ? serving_target(serving, &t) : WHY_NO_SERVING;
        json_decref(serving);
        if (!e->why) {
            t.model_name = xstrdup(name);
            t.model_version = version;
            e->ep.targets = xcalloc(1, sizeof t);
            e->ep.targets[0] = t;
            e->ep.ntargets = 1;
        } else if (e->why == WHY_BAD_PROVIDER) {
            target_free(&t);
        }
    }
    size_t nversions = cfg->nrefs;
    qsort(cfg->model_refs, nversions, sizeof *cfg->model_refs, cmp_ref);
    for (size_t r = 0; r < na; r++) {
        const char *name = store_rows_text(aliases, r, 0);
        buf_t ref;
        buf_init(&ref);
        buf_printf(&ref, "%s/%lld", name, (long long)store_rows_int(aliases, r, 2));
        const ref_entry_t *v = find_ref(cfg->model_refs, nversions, buf_str(&ref));
        buf_reset(&ref);
        buf_printf(&ref, "%s@%s", name, store_rows_text(aliases, r, 1));
        if (!v) { /* the foreign key makes this impossible; never index a dangling alias */
            buf_free(&ref);
            continue;
        }
        ref_entry_t *e = &cfg->model_refs[cfg->nrefs++];
        e->ref = buf_steal(&ref);
        e->why = v->why;
        e->created_ms = v->created_ms;
        endpoint_defaults(&e->ep);
        e->ep.name = xstrdup(e->ref);
        if (v->ep.ntargets) {
            e->ep.targets = xcalloc(1, sizeof *e->ep.targets);
            target_copy(&e->ep.targets[0], &v->ep.targets[0]);
            e->ep.targets[0].model_alias = xstrdup(store_rows_text(aliases, r, 1));
            e->ep.ntargets = 1;
        }
    }
    store_rows_free(versions);
    store_rows_free(aliases);
    qsort(cfg->model_refs, cfg->nrefs, sizeof *cfg->model_refs, cmp_ref);
    return 0;
}

/* Resolve a model reference against a snapshot's registry tables; NULL with *why. */
static const ref_entry_t *resolve_ref(const gateway_config_t *cfg, const char *ref,
                                      const char **why)
{
    char *name, *alias;
    int64_t version;
    if (gateway_parse_model_ref(ref, &name, &alias, &version) != 0) {
        *why = WHY_MALFORMED;
        return NULL;
    }
    buf_t key;
    buf_init(&key);
    if (alias)
        buf_printf(&key, "%s@%s", name, alias);
    else
        buf_printf(&key, "%s/%lld", name, (long long)version);
    const ref_entry_t *e = find_ref(cfg->model_refs, cfg->nrefs, buf_str(&key));
    if (!e)
        *why = !bsearch(&name, cfg->model_names, cfg->nmodel_names, sizeof(char *), cmp_str)
                   ? WHY_NO_MODEL
               : alias ? WHY_NO_ALIAS
                       : WHY_NO_VERSION;
    else if (!e->ep.ntargets) {
        *why = e->why;
        e = NULL;
    }
    buf_free(&key);
    free(name);
    free(alias);
    return e;
}

/* Fill a prompt-backed target from the prompt version ref names. 0 done, 1 not found (warned),
 * -1 store error. */
static int load_prompt(build_t *b, const char *endpoint, size_t i, const char *ref, gw_target_t *t,
                       err_t *err)
{
    char *name, *alias;
    int64_t version;
    if (gateway_parse_prompt_ref(ref, &name, &alias, &version) != 0) {
        warn(b, "endpoint '%s' targets[%zu]: '%s' is not a prompt reference", endpoint, i, ref);
        return 1;
    }
    store_value_t p[] = {sv_text(name), alias ? sv_text(alias) : sv_int(version)};
    store_rows_t *rows = store_query(
        b->c,
        alias ? "SELECT v.version, v.template, v.messages FROM prompts p JOIN prompt_aliases a "
                "ON a.prompt_id = p.id JOIN prompt_versions v ON v.prompt_id = p.id AND "
                "v.version = a.version WHERE p.name = ? AND a.alias = ?"
              : "SELECT v.version, v.template, v.messages FROM prompts p JOIN prompt_versions v "
                "ON v.prompt_id = p.id WHERE p.name = ? AND v.version = ?",
        p, 2, err);
    int rc = rows ? 0 : -1;
    if (rows && store_rows_count(rows) != 1) {
        warn(b, "endpoint '%s' targets[%zu]: prompt '%s' does not resolve (no such prompt, %s)",
             endpoint, i, ref, alias ? "alias" : "version");
        rc = 1;
    } else if (rows) {
        t->prompt_name = xstrdup(name);
        t->prompt_version = store_rows_int(rows, 0, 0);
        if (!store_rows_is_null(rows, 0, 1))
            t->prompt_template = xstrdup(store_rows_text(rows, 0, 1));
        else
            t->prompt_messages = json_loads(store_rows_text(rows, 0, 2), 0, NULL);
        if (!t->prompt_template && !json_is_array(t->prompt_messages)) {
            warn(b, "endpoint '%s' targets[%zu]: prompt '%s' has unreadable content", endpoint, i,
                 ref);
            rc = 1;
        }
    }
    store_rows_free(rows);
    free(name);
    free(alias);
    return rc;
}

/* One target of a validated spec. 0 built, 1 skipped (warned), -1 store error. */
static int build_target(build_t *b, const char *endpoint, size_t i, const json_t *spec,
                        gw_target_t *t, err_t *err)
{
    memset(t, 0, sizeof *t);
    const char *model_ref = json_string_value(json_object_get(spec, "model_ref"));
    if (model_ref) {
        const char *why = NULL;
        const ref_entry_t *e = resolve_ref(b->cfg, model_ref, &why);
        if (!e) {
            warn(b, "endpoint '%s' targets[%zu]: model_ref '%s' skipped: %s", endpoint, i,
                 model_ref, why);
            return 1;
        }
        target_copy(t, &e->ep.targets[0]);
        free(t->label);
    } else {
        const char *provider = json_string_value(json_object_get(spec, "provider"));
        err_t kind_err;
        if (provider_kind_parse(provider, "provider", &t->kind, &kind_err) != 0) {
            warn(b, "endpoint '%s' targets[%zu]: %s", endpoint, i, kind_err.message);
            return 1;
        }
        t->provider = xstrdup(provider);
        t->model = xstrdup(json_string_value(json_object_get(spec, "model")));
        t->base_url = dup_or_null(json_string_value(json_object_get(spec, "base_url")));
        t->api_key_env = dup_or_null(json_string_value(json_object_get(spec, "api_key_env")));
        t->api_version = dup_or_null(json_string_value(json_object_get(spec, "api_version")));
        json_t *params = json_object_get(spec, "params");
        t->params = json_is_object(params) ? json_deep_copy(params) : json_object();
    }
    const char *label = json_string_value(json_object_get(spec, "name"));
    if (label) {
        t->label = xstrdup(label);
    } else {
        char number[24];
        snprintf(number, sizeof number, "%zu", i);
        t->label = xstrdup(number);
    }
    t->weight = int_or(spec, "weight", GW_DEFAULT_WEIGHT);
    t->timeout_ms = int_or(spec, "timeout_ms", GW_DEFAULT_TIMEOUT_MS);
    t->max_retries = int_or(spec, "max_retries", GW_DEFAULT_MAX_RETRIES);
    const char *prompt = json_string_value(json_object_get(spec, "prompt"));
    int rc = prompt ? load_prompt(b, endpoint, i, prompt, t, err) : 0;
    if (rc != 0)
        target_free(t);
    return rc;
}

/* Add the endpoint of spec (from `source`, for warnings) unless it is invalid or has no usable
 * target. -1 only on a store error. */
static int add_endpoint(build_t *b, const json_t *raw, const char *source, err_t *err)
{
    err_t verr;
    json_t *spec = gateway_endpoint_validate(raw, &verr);
    if (!spec) {
        const char *name = json_string_value(json_object_get(raw, "name"));
        warn(b, "%s endpoint '%s' skipped: %s", source, name ? name : "?", verr.message);
        return 0;
    }
    gateway_config_t *cfg = b->cfg;
    gw_endpoint_t *e = &cfg->endpoints[cfg->nendpoints];
    memset(e, 0, sizeof *e);
    endpoint_defaults(e);
    e->name = xstrdup(json_string_value(json_object_get(spec, "name")));
    json_t *targets = json_object_get(spec, "targets");
    e->targets = xcalloc(json_array_size(targets) + 1, sizeof *e->targets);
    int rc = 0;
    for (size_t i = 0; i < json_array_size(targets) && rc >= 0; i++) {
        rc = build_target(b, e->name, i, json_array_get(targets, i), &e->targets[e->ntargets], err);
        if (rc == 0)
            e->ntargets++;
    }
    json_t *cache = json_object_get(spec, "cache"), *retry = json_object_get(spec, "retry"),
           *breaker = json_object_get(spec, "breaker");
    e->cache_enabled = json_is_true(json_object_get(cache, "enabled"));
    e->cache_ttl_s = int_or(cache, "ttl_s", GW_DEFAULT_CACHE_TTL_S);
    e->cache_nondeterministic = json_is_true(json_object_get(cache, "allow_nondeterministic"));
    e->backoff_ms = int_or(retry, "backoff_ms", GW_DEFAULT_BACKOFF_MS);
    e->backoff_max_ms = int_or(retry, "backoff_max_ms", GW_DEFAULT_BACKOFF_MAX_MS);
    if (e->backoff_max_ms < e->backoff_ms)
        e->backoff_max_ms = e->backoff_ms;
    e->breaker_failures = int_or(breaker, "failures", GW_DEFAULT_BREAKER_FAILURES);
    e->breaker_cooldown_ms = int_or(breaker, "cooldown_ms", GW_DEFAULT_BREAKER_COOLDOWN);
    json_decref(spec);
    if (rc < 0 || e->ntargets == 0) {
        if (rc >= 0)
            warn(b, "%s endpoint '%s' dropped: none of its targets resolves", source, e->name);
        endpoint_free(e);
        return rc < 0 ? -1 : 0;
    }
    cfg->nendpoints++;
    return 0;
}

static int cmp_endpoint(const void *a, const void *b)
{
    return strcmp(((const gw_endpoint_t *)a)->name, ((const gw_endpoint_t *)b)->name);
}

/* Endpoints of the config file first (they win over stored ones of the same name), then the
 * store's. created_ms of each goes to the models list, so collect it here too. */
static int load_endpoints(build_t *b, const json_t *file, json_t *created, err_t *err)
{
    store_rows_t *rows =
        store_query(b->c, "SELECT name, spec, created_ms FROM gateway_endpoints", NULL, 0, err);
    if (!rows)
        return -1;
    gateway_config_t *cfg = b->cfg;
    size_t nfile = json_array_size(file);
    cfg->endpoints = xcalloc(nfile + store_rows_count(rows) + 1, sizeof *cfg->endpoints);
    int rc = 0;
    for (size_t i = 0; i < nfile && rc == 0; i++)
        rc = add_endpoint(b, json_array_get(file, i), "config file", err);
    for (size_t r = 0; r < store_rows_count(rows) && rc == 0; r++) {
        const char *name = store_rows_text(rows, r, 0);
        int shadowed = 0;
        for (size_t i = 0; i < nfile && !shadowed; i++)
            shadowed =
                strcmp(json_string_value(json_object_get(json_array_get(file, i), "name"))
                           ? json_string_value(json_object_get(json_array_get(file, i), "name"))
                           : "",
                       name) == 0;
        json_t *spec = json_loads(store_rows_text(rows, r, 1), 0, NULL);
        if (shadowed)
            warn(b, "stored endpoint '%s' is ignored: the config file declares it", name);
        else if (!spec)
            warn(b, "stored endpoint '%s' skipped: its spec is not JSON", name);
        else {
            rc = add_endpoint(b, spec, "stored", err);
            json_object_set_new(created, name, json_integer(store_rows_int(rows, r, 2) / 1000));
        }
        json_decref(spec);
    }
    store_rows_free(rows);
    qsort(cfg->endpoints, cfg->nendpoints, sizeof *cfg->endpoints, cmp_endpoint);
    return rc;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const key_entry_t *)a)->hash, ((const key_entry_t *)b)->hash);
}

static int load_keys(build_t *b, err_t *err)
{
    int usage = gateway_usage_table_exists(b->c, err);
    if (usage < 0)
        return -1;
    store_rows_t *rows = store_query(
        b->c,
        usage ? "SELECT k.id, k.name, k.secret_sha256, k.spec, COALESCE(u.spent_usd, 0) FROM "
                "gateway_keys k LEFT JOIN gateway_key_usage u ON u.key_id = k.id WHERE "
                "k.revoked_ms IS NULL"
              : "SELECT id, name, secret_sha256, spec, 0.0 FROM gateway_keys WHERE revoked_ms IS "
                "NULL",
        NULL, 0, err);
    if (!rows)
        return -1;
    gateway_config_t *cfg = b->cfg;
    cfg->nkeys = store_rows_count(rows);
    cfg->keys = xcalloc(cfg->nkeys + 1, sizeof *cfg->keys);
    for (size_t r = 0; r < cfg->nkeys; r++) {
        key_entry_t *e = &cfg->keys[r];
        json_t *spec = json_loads(store_rows_text(rows, r, 3), 0, NULL);
        e->hash = xstrdup(store_rows_text(rows, r, 2));
        e->key.id = xstrdup(store_rows_text(rows, r, 0));
        e->key.name = xstrdup(store_rows_text(rows, r, 1));
        json_t *allowed = json_object_get(spec, "allowed_endpoints");
        if (json_is_array(allowed)) {
            e->key.allowed_endpoints =
                xcalloc(json_array_size(allowed) + 1, sizeof *e->key.allowed_endpoints);
            size_t n = 0;
            for (size_t i = 0; i < json_array_size(allowed); i++)
                if (json_is_string(json_array_get(allowed, i)))
                    e->key.allowed_endpoints[n++] =
                        xstrdup(json_string_value(json_array_get(allowed, i)));
        }
        e->key.rpm = json_integer_value(json_object_get(spec, "rpm"));
        e->key.tpm = json_integer_value(json_object_get(spec, "tpm"));
        json_t *budget = json_object_get(spec, "budget_usd");
        e->key.budget_usd = json_is_number(budget) ? json_number_value(budget) : -1;
        e->key.spent_usd = store_rows_real(rows, r, 4);
        json_decref(spec);
    }
    store_rows_free(rows);
    qsort(cfg->keys, cfg->nkeys, sizeof *cfg->keys, cmp_key);
    return 0;
}

static int cmp_price(const void *a, const void *b)
{
    const price_entry_t *x = a, *y = b;
    int c = strcmp(x->provider, y->provider);
    return c ? c : strcmp(x->model, y->model);
}

static int load_prices(build_t *b, err_t *err)
{
    store_rows_t *rows = store_query(
        b->c, "SELECT provider, model, input_per_mtok, output_per_mtok FROM gateway_prices", NULL,
        0, err);
    if (!rows)
        return -1;
    gateway_config_t *cfg = b->cfg;
    cfg->nprices = store_rows_count(rows);
    cfg->prices = xcalloc(cfg->nprices + 1, sizeof *cfg->prices);
    for (size_t r = 0; r < cfg->nprices; r++) {
        cfg->prices[r].provider = xstrdup(store_rows_text(rows, r, 0));
        cfg->prices[r].model = xstrdup(store_rows_text(rows, r, 1));
        cfg->prices[r].price.input_per_mtok = store_rows_real(rows, r, 2);
        cfg->prices[r].price.output_per_mtok = store_rows_real(rows, r, 3);
    }
    store_rows_free(rows);
    qsort(cfg->prices, cfg->nprices, sizeof *cfg->prices, cmp_price);
    return 0;
}

static json_t *model_object(const char *id, json_int_t created, const char *owned_by)
{
    return json_pack("{s:s, s:s, s:I, s:s}", "id", id, "object", "model", "created", created,
                     "owned_by", owned_by);
}

static void build_models(gateway_config_t *cfg, const json_t *created, int64_t now_ms)
{
    cfg->models = json_array();
    for (size_t i = 0; i < cfg->nendpoints; i++) {
        json_t *c = json_object_get(created, cfg->endpoints[i].name);
        json_array_append_new(cfg->models,
                              model_object(cfg->endpoints[i].name,
                                           c ? json_integer_value(c) : now_ms / 1000, "llmops"));
    }
    for (size_t i = 0; i < cfg->nrefs; i++)
        if (cfg->model_refs[i].ep.ntargets)
            json_array_append_new(cfg->models,
                                  model_object(cfg->model_refs[i].ref,
                                               cfg->model_refs[i].created_ms / 1000,
                                               cfg->model_refs[i].ep.targets[0].provider));
}

/* A complete snapshot from the store plus the file's endpoints; NULL with err on a store error.
 * *warnings receives what was skipped (caller decrefs). */
static gateway_config_t *build_config(store_t *store, const json_t *file, json_t **warnings,
                                      err_t *err)
{
    build_t b = {.c = store_acquire(store),
                 .cfg = xcalloc(1, sizeof(gateway_config_t)),
                 .warnings = json_array()};
    json_t *created = json_object();
    int ok = load_registry(&b, err) == 0 && load_endpoints(&b, file, created, err) == 0 &&
             load_keys(&b, err) == 0 && load_prices(&b, err) == 0;
    store_release(store, b.c);
    if (ok)
        build_models(b.cfg, created, clock_now_ms());
    json_decref(created);
    if (!ok) {
        config_free(b.cfg);
        json_decref(b.warnings);
        return NULL;
    }
    b.cfg->refs = 1;
    *warnings = b.warnings;
    return b.cfg;
}

/* ---- the refreshing source --------------------------------------------------------------------
 */

static void release_locked(gateway_config_src_t *src, gateway_config_t *cfg, int *free_it)
{
    (void)src;
    *free_it = --cfg->refs == 0;
}

int gateway_config_reload(gateway_config_src_t *src, err_t *err)
{
    pthread_mutex_lock(&src->build_mu);
    json_t *warnings = NULL;
    gateway_config_t *cfg = build_config(src->store, src->file_endpoints, &warnings, err);
    if (!cfg) {
        pthread_mutex_unlock(&src->build_mu);
        return -1;
    }
    if (!json_equal(warnings, src->warnings)) {
        for (size_t i = 0; i < json_array_size(warnings); i++)
            log_json(LOG_WARN, "gateway configuration",
                     json_pack("{s:O}", "problem", json_array_get(warnings, i)));
    }
    json_decref(src->warnings);
    src->warnings = warnings;
    pthread_mutex_lock(&src->mu);
    gateway_config_t *old = src->cur;
    src->cur = cfg;
    int free_old = 0;
    if (old)
        release_locked(src, old, &free_old);
    pthread_mutex_unlock(&src->mu);
    pthread_mutex_unlock(&src->build_mu);
    if (free_old)
        config_free(old);
    return 0;
}

static void *refresher(void *arg)
{
    gateway_config_src_t *src = arg;
    pthread_mutex_lock(&src->mu);
    while (!src->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += src->refresh_ms / 1000;
        until.tv_nsec += (long)(src->refresh_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!src->stopping && pthread_cond_timedwait(&src->wake, &src->mu, &until) == 0) {
        }
        if (src->stopping)
            break;
        pthread_mutex_unlock(&src->mu);
        err_t err;
        if (gateway_config_reload(src, &err) != 0)
            log_json(LOG_WARN, "gateway configuration refresh failed; keeping the last one",
                     json_pack("{s:s}", "error", err.message));
        pthread_mutex_lock(&src->mu);
    }
    pthread_mutex_unlock(&src->mu);
    return NULL;
}

gateway_config_src_t *gateway_config_start(store_t *store, const json_t *file_endpoints,
                                           int refresh_ms, err_t *err)
{
    gateway_config_src_t *src = xcalloc(1, sizeof *src);
    src->store = store;
    src->file_endpoints = file_endpoints ? json_deep_copy(file_endpoints) : NULL;
    src->refresh_ms = refresh_ms;
    pthread_mutex_init(&src->mu, NULL);
    pthread_mutex_init(&src->build_mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&src->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (gateway_config_reload(src, err) != 0) {
        gateway_config_stop(src);
        return NULL;
    }
    if (refresh_ms > 0) {
        /* The refresher is created with every signal blocked (it inherits the mask), so a
         * SIGTERM meant for the server's sigwait() is never delivered to it. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int created = pthread_create(&src->thread, NULL, refresher, src);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (created != 0) {
            err_internal(err, "cannot start the gateway configuration refresher");
            gateway_config_stop(src);
            return NULL;
        }
        src->has_thread = 1;
    }
    return src;
}

void gateway_config_stop(gateway_config_src_t *src)
{
    if (!src)
        return;
    pthread_mutex_lock(&src->mu);
    src->stopping = 1;
    pthread_cond_broadcast(&src->wake);
    pthread_mutex_unlock(&src->mu);
    if (src->has_thread)
        pthread_join(src->thread, NULL);
    if (src->cur && --src->cur->refs == 0)
        config_free(src->cur);
    pthread_cond_destroy(&src->wake);
    pthread_mutex_destroy(&src->mu);
    pthread_mutex_destroy(&src->build_mu);
    json_decref(src->file_endpoints);
    json_decref(src->warnings);
    free(src);
}

const json_t *gateway_config_file_endpoints(const gateway_config_src_t *src)
{
    return src->file_endpoints;
}

const gateway_config_t *gateway_config_acquire(gateway_config_src_t *src)
{
    pthread_mutex_lock(&src->mu);
    gateway_config_t *cfg = src->cur;
    cfg->refs++;
    pthread_mutex_unlock(&src->mu);
    return cfg;
}

void gateway_config_release(gateway_config_src_t *src, const gateway_config_t *cfg)
{
    if (!cfg)
        return;
    int free_it = 0;
    pthread_mutex_lock(&src->mu);
    release_locked(src, (gateway_config_t *)cfg, &free_it);
    pthread_mutex_unlock(&src->mu);
    if (free_it)
        config_free((gateway_config_t *)cfg);
}

/* ---- lookups ----------------------------------------------------------------------------------
 */

const gw_endpoint_t *gateway_config_endpoint(const gateway_config_t *cfg, const char *name)
{
    if (!name)
        return NULL;
    gw_endpoint_t key = {.name = (char *)name};
    return bsearch(&key, cfg->endpoints, cfg->nendpoints, sizeof key, cmp_endpoint);
}

const gw_endpoint_t *gateway_config_model_ref(const gateway_config_t *cfg, const char *ref,
                                              const char **why)
{
    const char *unused;
    const ref_entry_t *e = resolve_ref(cfg, ref ? ref : "", why ? why : &unused);
    return e ? &e->ep : NULL;
}

const gw_key_t *gateway_config_key(const gateway_config_t *cfg, const char *secret_sha256_hex)
{
    if (!secret_sha256_hex)
        return NULL;
    key_entry_t key = {.hash = (char *)secret_sha256_hex};
    const key_entry_t *e = bsearch(&key, cfg->keys, cfg->nkeys, sizeof key, cmp_key);
    return e ? &e->key : NULL;
}

const gw_price_t *gateway_config_price(const gateway_config_t *cfg, const char *provider,
                                       const char *model)
{
    if (!provider || !model)
        return NULL;
    price_entry_t key = {.provider = (char *)provider, .model = (char *)model};
    const price_entry_t *e = bsearch(&key, cfg->prices, cfg->nprices, sizeof key, cmp_price);
    if (!e) {
        key.provider = "*";
        e = bsearch(&key, cfg->prices, cfg->nprices, sizeof key, cmp_price);
    }
    return e ? &e->price : NULL;
}

json_t *gateway_config_models(const gateway_config_t *cfg)
{
    return json_deep_copy(cfg->models);
}
