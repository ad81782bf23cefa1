/* ids.h - opaque, time-ordered identifiers (UUIDv7) for runs, traces, spans and requests.
 *
 * A UUIDv7 starts with the 48-bit millisecond timestamp, so ids sort by creation time as
 * strings and as bytes, and index well. The rest is random (OpenSSL's CSPRNG). */
#ifndef LLMOPS_BASE_IDS_H
#define LLMOPS_BASE_IDS_H

#define ID_UUID_LEN 36 /* 8-4-4-4-12 hex with dashes */
#define ID_HEX_LEN  32 /* the same 128 bits without dashes */

/* "0190b0c2-7d6e-7a3f-9c1e-2b4f6a8d0e1f"; out has ID_UUID_LEN + 1 bytes. */
void ids_uuid7(char out[ID_UUID_LEN + 1]);
/* The same kind of id as 32 lowercase hex characters; out has ID_HEX_LEN + 1 bytes. */
void ids_uuid7_hex(char out[ID_HEX_LEN + 1]);
/* Fill buf with n cryptographically secure random bytes (aborts if the CSPRNG fails). */
void ids_random_bytes(void *buf, int n);
/* n random bytes as 2n lowercase hex characters (an OpenTelemetry span id is 8 bytes); out has
 * 2n + 1 bytes; n is at most 64. */
void ids_random_hex(char *out, int n);

#endif
