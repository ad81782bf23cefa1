/* fuzz_provider_stream.c - libFuzzer target for the provider stream translators: the first byte
 * picks the kind (openai or anthropic) and whether the client asked for usage, the next bytes
 * seed the split points, and the rest is fed to provider_stream_feed in pieces of those sizes
 * (so events and "\r\n" pairs are split anywhere). Any crash, sanitizer report or leak is a
 * finding; every failure must be a 502 or a mapped upstream error with a NUL-terminated message,
 * the client output must consist of "data: " events, and provider_stream_finish must return 0
 * or 1. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    provider_kind_t kind = (data[0] & 1) ? PROVIDER_ANTHROPIC : PROVIDER_OPENAI;
    int wants_usage = (data[0] >> 1) & 1;
    unsigned seed = data[1];
    data += 2;
    size -= 2;
    provider_stream_t *ps = provider_stream_new(kind, PROVIDER_OP_CHAT, wants_usage);
    buf_t out;
    buf_init(&out);
    size_t pos = 0;
    int failed = 0;
    while (pos < size && !failed) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 64;
        if (n > size - pos)
            n = size - pos;
        err_t err;
        if (provider_stream_feed(ps, (const char *)data + pos, n, &out, &err) != 0) {
            if (memchr(err.message, '\0', sizeof err.message) == NULL || err.status < 400 ||
                err.status > 599)
                abort();
            failed = 1;
        }
        pos += n;
    }
    if (!failed) {
        int done = provider_stream_finish(ps, &out);
        if (done != 0 && done != 1)
            abort();
    }
    if (out.len && strncmp(out.data, "data: ", 6) != 0)
        abort();
    if (out.len && (out.len < 2 || memcmp(out.data + out.len - 2, "\n\n", 2) != 0))
        abort();
    const provider_summary_t *s = provider_stream_summary(ps);
    if (strlen(buf_str(&s->text)) > s->text.len)
        abort();
    buf_free(&out);
    provider_stream_free(ps);
    return 0;
}
