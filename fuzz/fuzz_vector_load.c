/* fuzz_vector_load.c - libFuzzer target for the HNSW index loader (vector/hnsw.h): arbitrary
 * bytes are loaded as an index file, twice: as given, and with the trailing SHA-256 rewritten
 * to match (so that mutations get past the checksum and reach every structural check, and
 * structurally valid but odd graphs get loaded). A refusal must be a 400 naming "index" (or a
 * 500 for memory) with a message and no index; an index that loads must answer searches
 * (plain, filtered, exact), take an insert and a delete, and save to bytes that load back with
 * the same counts. Any crash, sanitizer report or leak is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "vector/hnsw.h"

typedef struct sink {
    uint8_t *data;
    size_t len, cap;
} sink_t;

static int sink_write(void *ctx, const void *data, size_t len, err_t *err)
{
    (void)err;
    sink_t *s = ctx;
    if (s->len + len > s->cap) {
        s->cap = (s->len + len) * 2;
        s->data = realloc(s->data, s->cap);
        if (!s->data)
            abort();
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    return 0;
}

static int accept_odd(uint64_t label, void *ctx)
{
    (void)ctx;
    return (int)(label & 1);
}

static void exercise(hnsw_t *h)
{
    hnsw_info_t info;
    hnsw_info(h, &info);
    if (info.live > info.nodes || info.params.dim < 1 || info.params.dim > VEC_DIM_MAX)
        abort();
    float *q = calloc(info.params.dim, sizeof *q);
    if (!q)
        abort();
    q[0] = 1.0f; /* nonzero, so cosine indexes take it too */
    vec_hit_t hits[8];
    size_t n;
    err_t err;
    hnsw_search_opts_t plain = {0}, filtered = {.accept = accept_odd},
                       exact = {.strategy = HNSW_EXACT};
    const hnsw_search_opts_t *opts[] = {&plain, &filtered, &exact};
    for (int i = 0; i < 3; i++) {
        if (hnsw_search(h, q, 8, opts[i], hits, &n, NULL, &err) != 0 || n > 8 || n > info.live)
            abort();
        for (size_t j = 1; j < n; j++)
            if (hits[j - 1].distance > hits[j].distance)
                abort();
    }
    if (hnsw_add(h, 12345, q, &err) != 0)
        abort();
    if (hnsw_delete(h, 12345, &err) != 0)
        abort();
    sink_t s = {0};
    if (hnsw_write(h, sink_write, &s, &err) != 0)
        abort();
    hnsw_t *again = NULL;
    if (hnsw_load_mem(s.data, s.len, &again, &err) != 0)
        abort();
    hnsw_info_t a, b;
    hnsw_info(h, &a);
    hnsw_info(again, &b);
    if (a.nodes != b.nodes || a.live != b.live || a.top_level != b.top_level)
        abort();
    hnsw_free(again);
    free(s.data);
    free(q);
}

static void try_load(const uint8_t *data, size_t size)
{
    hnsw_t *h = NULL;
    err_t err;
    if (hnsw_load_mem(data, size, &h, &err) != 0) {
        if (h || !err.message[0])
            abort();
        if (!(err.status == 400 && strcmp(err.field, "index") == 0) && err.status != 500)
            abort();
        return;
    }
    exercise(h);
    hnsw_free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_load(data, size);
    if (size < 32)
        return 0;
    uint8_t *copy = malloc(size);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    unsigned int dlen = 0;
    if (EVP_Digest(copy, size - 32, copy + size - 32, &dlen, EVP_sha256(), NULL) != 1)
        abort();
    try_load(copy, size);
    free(copy);
    return 0;
}
