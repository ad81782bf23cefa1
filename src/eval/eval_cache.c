/* eval_cache.c - the evaluation cache (eval_cache.h). */
#include "eval/eval_cache.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "datasets/canonical.h"

void eval_cache_key(const json_t *request, const json_t *resolved_target, char out[65])
{
    char *req = ds_canonical_row(request);
    char *target = ds_canonical_row(resolved_target);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    /* The NUL keeps (request, target) pairs apart: canonical JSON never contains one. */
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(ctx, req, strlen(req) + 1) ||
        !EVP_DigestUpdate(ctx, target, strlen(target)) || !EVP_DigestFinal_ex(ctx, md, &mdlen))
        abort(); /* SHA-256 does not fail short of running out of memory */
    EVP_MD_CTX_free(ctx);
    free(req);
    free(target);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

int eval_cache_get(store_t *s, const char *key, eval_cache_entry_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    store_value_t p[] = {sv_text(key)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c, "SELECT response, input_tokens, output_tokens, cost_usd FROM eval_cache WHERE key = ?",
        p, 1, err);
    store_release(s, c);
    if (!rows)
        return -1;
    int hit = 0;
    if (store_rows_count(rows) == 1) {
        const char *text = store_rows_text(rows, 0, 0);
        out->response = text ? json_loads(text, 0, NULL) : NULL;
        out->input_tokens = store_rows_int(rows, 0, 1);
        out->output_tokens = store_rows_int(rows, 0, 2);
        out->cost_usd = store_rows_real(rows, 0, 3);
        hit = out->response != NULL;
    }
    store_rows_free(rows);
    return hit;
}

int eval_cache_put(store_t *s, const char *key, const eval_cache_entry_t *entry, err_t *err)
{
    char *text = json_to_string(entry->response);
    store_value_t p[] = {sv_text(key),
                         sv_text(text),
                         sv_int(entry->input_tokens),
                         sv_int(entry->output_tokens),
                         sv_real(entry->cost_usd),
                         sv_int(clock_now_ms())};
    store_conn_t *c = store_acquire(s);
    int64_t rc = store_exec(c,
                            "INSERT INTO eval_cache (key, response, input_tokens, output_tokens, "
                            "cost_usd, created_ms) VALUES (?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (key) DO NOTHING",
                            p, 6, err);
    store_release(s, c);
    free(text);
    return rc < 0 ? -1 : 0;
}
