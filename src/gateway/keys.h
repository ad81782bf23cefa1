/* keys.h - gateway API keys: secrets clients send as `Authorization: Bearer llmops-...`, each
 * with optional limits (which endpoints, requests and tokens per minute, a USD budget).
 *
 * A secret is "llmops-" followed by 43 base64url characters (32 random bytes from OpenSSL's
 * RAND_bytes). It is returned once, by create; the store keeps only its SHA-256 (lowercase
 * hex) and its first 8 characters ("prefix", to recognise a key in a list). The public id is
 * "key_" + a UUIDv7 in hex.
 *
 * Key spec (what create takes): {"name", "allowed_endpoints"?: [endpoint names or model refs]
 * (absent or null: all), "rpm"?: int >= 0, "tpm"?: int >= 0 (0: unlimited), "budget_usd"?:
 * number >= 0 or null (none)}. Unknown fields are refused.
 *
 * Revoking is idempotent: revoking a revoked key answers the key with its first revoked_at.
 * A key is JSON {"id","name","prefix","allowed_endpoints","rpm","tpm","budget_usd",
 * "created_at","revoked_at","usage"} where usage is {"spent_usd","requests","input_tokens",
 * "output_tokens"} from the gateway_key_usage table (zeros when the key has no row yet), or
 * null when this database has no usage table. Neither the secret nor its hash is ever shown. */
#ifndef LLMOPS_GATEWAY_KEYS_H
#define LLMOPS_GATEWAY_KEYS_H

#include <jansson.h>

#include "base/error.h"
#include "store/store.h"

#define GW_KEY_PREFIX     "llmops-"
#define GW_KEY_SECRET_LEN 50 /* "llmops-" + 43 */
#define GW_KEY_NAME_MAX   128
#define GW_KEY_SHOWN      8 /* characters of the secret kept as its prefix */

/* SHA-256 of a secret as 64 lowercase hex characters (+ NUL). */
void gateway_key_hash(const char *secret, char out[65]);

/* Check a key spec; returns the normalised limits to store ({"allowed_endpoints","rpm","tpm",
 * "budget_usd"}, caller owns) and *name (borrowed from spec), or NULL with err naming the
 * field. */
json_t *gateway_key_validate(const json_t *spec, const char **name, err_t *err);

/* Create a key: {"key": {...}, "secret": "llmops-..."} - the only time the secret is shown. */
json_t *gateway_key_create(store_t *s, const json_t *spec, err_t *err);
json_t *gateway_key_get(store_t *s, const char *id, err_t *err);
/* {"keys":[...]} newest first, revoked ones included. */
json_t *gateway_key_list(store_t *s, err_t *err);
json_t *gateway_key_revoke(store_t *s, const char *id, err_t *err);

/* 1 when this database has the gateway_key_usage table (written by the traces module), 0 when
 * not, -1 with err on a store error. */
int gateway_usage_table_exists(store_conn_t *c, err_t *err);

#endif
