/* ids.c - UUIDv7 generation over OpenSSL's random generator (see ids.h). */
#include "base/ids.h"

#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"

void ids_random_bytes(void *buf, int n)
{
    if (RAND_bytes(buf, n) != 1) {
        fputs("llmops: random generator failed\n", stderr);
        abort();
    }
}

static void uuid7_bytes(unsigned char b[16])
{
    uint64_t ms = (uint64_t)clock_now_ms();
    ids_random_bytes(b + 6, 10);
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (b[6] & 0x0f)); /* version 7 */
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f)); /* RFC 4122 variant */
}

void ids_uuid7(char out[ID_UUID_LEN + 1])
{
    unsigned char b[16];
    uuid7_bytes(b);
    snprintf(out, ID_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

static void hex_of(const unsigned char *b, int n, char *out)
{
    for (int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

void ids_uuid7_hex(char out[ID_HEX_LEN + 1])
{
    unsigned char b[16];
    uuid7_bytes(b);
    hex_of(b, 16, out);
}

void ids_random_hex(char *out, int n)
{
    unsigned char b[64];
    if (n > (int)sizeof b)
        n = (int)sizeof b;
    ids_random_bytes(b, n);
    hex_of(b, n, out);
    out[2 * n] = '\0';
}
