/* cache_key.c - which requests the gateway's response cache may answer, and under what key
 * (the first half of cache.h; the store is cache.c).
 *
 * Cacheable: a request whose answer is a function of the request. Without the endpoint's
 * allow-nondeterministic switch that means temperature present and equal to 0 - an absent
 * temperature is NOT deterministic, since providers default it to 1 - and n absent, null or
 * at most 1. With the switch every JSON object request is cacheable.
 *
 * Key: SHA-256 over "endpoint\0op\0" and the body serialised with its keys sorted at every
 * level and no whitespace, after removing the top-level fields that do not change the answer:
 * user, stream, stream_options and the llmops extension. So key order and those fields do not
 * matter, while any other difference (temperature, messages, max_tokens...) gives another key.
 * Numbers are compared as written: 0 and 0.0 are different keys. */
#include "gateway/cache.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Top-level request fields that do not change what the model answers. */
static const char *const IGNORED_FIELDS[] = {"user", "stream", "stream_options", "llmops"};

int gw_cache_cacheable(const json_t *body, int allow_nondeterministic)
{
    if (!json_is_object(body))
        return 0;
    if (allow_nondeterministic)
        return 1;
    const json_t *t = json_object_get(body, "temperature");
    if (!json_is_number(t) || json_number_value(t) != 0.0)
        return 0;
    const json_t *n = json_object_get(body, "n");
    if (n && !json_is_null(n) && !(json_is_integer(n) && json_integer_value(n) <= 1))
        return 0;
    return 1;
}

/* OpenSSL 3 looks the algorithm up on every EVP_sha256() use; fetching it once makes a key
 * several times cheaper. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void gw_cache_key(const char *endpoint, const char *op, const json_t *body, char out[65])
{
    char *text = NULL;
    if (json_is_object(body)) {
        /* A shallow copy: deleting its fields leaves the caller's body untouched. */
        json_t *copy = json_copy((json_t *)body);
        for (size_t i = 0; i < sizeof IGNORED_FIELDS / sizeof *IGNORED_FIELDS; i++)
            json_object_del(copy, IGNORED_FIELDS[i]);
        text = json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT);
        json_decref(copy);
    } else if (body) {
        text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    }
    endpoint = endpoint ? endpoint : "";
    op = op ? op : "";
    unsigned char md[32];
    unsigned int mdlen = 0;
    pthread_once(&sha256_once, sha256_fetch);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    /* The NULs keep ("ab","c") and ("a","bc") apart: neither name can contain one. */
    if (!ctx || !EVP_DigestInit_ex(ctx, sha256_md ? sha256_md : EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(ctx, endpoint, strlen(endpoint) + 1) ||
        !EVP_DigestUpdate(ctx, op, strlen(op) + 1) ||
        !EVP_DigestUpdate(ctx, text ? text : "", text ? strlen(text) : 0) ||
        !EVP_DigestFinal_ex(ctx, md, &mdlen))
        abort(); /* SHA-256 in libcrypto does not fail short of running out of memory */
    EVP_MD_CTX_free(ctx);
    free(text);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}
