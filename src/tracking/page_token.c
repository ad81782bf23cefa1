/* page_token.c - base64 JSON offsets as page tokens (see page_token.h). */
#include "tracking/page_token.h"

#include <stdlib.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"

char *tracking_page_token_make(int64_t offset)
{
    char json[64];
    int n = snprintf(json, sizeof json, "{\"offset\": %lld}", (long long)offset);
    char *out = xmalloc(4 * ((size_t)n + 2) / 3 + 4);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)json, n);
    return out;
}

int tracking_page_token_parse(const char *token, int64_t *offset, err_t *err)
{
    *offset = 0;
    if (!token || !*token)
        return 0;
    size_t len = strlen(token);
    if (len > 200 || len % 4 != 0)
        return err_invalid(err, "page_token", "Invalid page token, could not base64-decode");
    unsigned char decoded[160];
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)token, (int)len);
    if (n < 0)
        return err_invalid(err, "page_token", "Invalid page token, could not base64-decode");
    /* EVP_DecodeBlock counts the padding as zero bytes; drop them. */
    for (size_t i = len; i > 0 && token[i - 1] == '=' && n > 0; i--)
        n--;
    json_t *obj = json_loadb((const char *)decoded, (size_t)n, 0, NULL);
    json_t *value = json_object_get(obj, "offset");
    int ok = json_is_integer(value) && json_integer_value(value) >= 0;
    if (ok)
        *offset = json_integer_value(value);
    json_decref(obj);
    if (!ok)
        return err_invalid(err, "page_token", "Invalid page token, could not parse an offset");
    return 0;
}
