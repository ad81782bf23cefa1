/* page_token.c - base64 JSON offsets as page tokens (see page_token.h). */
#include "base/page_token.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define TOKEN_MAX 1024

char *page_token_make(int64_t offset)
{
    char json[64];
    int n = snprintf(json, sizeof json, "{\"offset\": %" PRId64 "}", offset);
    char *out = xmalloc(4 * (((size_t)n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)json, n);
    return out;
}

/* Base64 of the standard alphabet, with at most two '=' of padding at the end only. (OpenSSL's
 * decoder would also skip white space and stop at a bad character.) */
static int base64_shaped(const char *token, size_t len)
{
    if (len == 0 || len % 4 != 0 || len > TOKEN_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = token[i];
        int pad_ok = ch == '=' && i >= len - 2 && (i == len - 1 || token[len - 1] == '=');
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '/' || pad_ok))
            return 0;
    }
    return 1;
}

/* The JSON value a token encodes, or NULL when it is not base64 of JSON. */
static json_t *token_decode(const char *token, err_t *err)
{
    size_t len = strlen(token);
    if (!base64_shaped(token, len)) {
        err_invalid(err, "page_token", "Invalid page token, could not base64-decode");
        return NULL;
    }
    unsigned char *raw = xmalloc(len / 4 * 3 + 1);
    int n = EVP_DecodeBlock(raw, (const unsigned char *)token, (int)len);
    /* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
    if (n >= 0 && token[len - 1] == '=')
        n -= token[len - 2] == '=' ? 2 : 1;
    json_t *parsed = n > 0 ? json_loadb((const char *)raw, (size_t)n, 0, NULL) : NULL;
    free(raw);
    if (!json_is_object(parsed)) {
        json_decref(parsed);
        err_invalid(err, "page_token",
                    "Invalid page token, could not parse the decoded value as a JSON object");
        return NULL;
    }
    return parsed;
}

int page_token_parse(const char *token, int64_t *offset, err_t *err)
{
    *offset = 0;
    if (!token || !*token)
        return 0;
    json_t *parsed = token_decode(token, err);
    if (!parsed)
        return -1;
    json_t *value = json_object_get(parsed, "offset");
    int rc = 0;
    if (!json_is_integer(value) || json_integer_value(value) < 0)
        rc = err_invalid(err, "page_token",
                         "Invalid page token, expected a non-negative integer 'offset' key");
    else
        *offset = json_integer_value(value);
    json_decref(parsed);
    return rc;
}

char *page_token_make_json(const json_t *obj)
{
    char *json = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    size_t n = strlen(json);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)json, (int)n);
    free(json);
    return out;
}

int page_token_parse_json(const char *token, json_t **out, err_t *err)
{
    *out = NULL;
    if (!token || !*token)
        return 0;
    *out = token_decode(token, err);
    return *out ? 0 : -1;
}

void page_token_add_next(json_t *result, size_t fetched, int64_t max, int64_t offset)
{
    if ((int64_t)fetched <= max)
        return;
    char *token = page_token_make(offset + max);
    json_object_set_new(result, "next_page_token", json_string(token));
    free(token);
}
