/* hnsw_io.c - saving and loading HNSW indexes: the versioned, checksummed file format described
 * in hnsw.h, written through a temporary file + fsync + rename, and a loader that trusts
 * nothing it reads.
 *
 * Layout, all integers little-endian:
 *
 *   header (96 bytes)
 *     0  magic "LLMHNSW1"        8  u32 version (1)       12 u32 header bytes (96)
 *     16 u32 dim                 20 u32 metric            24 u32 m       28 u32 m0 (2m)
 *     32 u32 ef_construction     36 u32 ef_search         40 u64 seed    48 u64 rng state
 *     56 u64 nodes               64 u64 live nodes        72 u32 entry node (~0: none)
 *     76 u32 top layer (~0: none)                         80 u64 payload bytes  88 u64 zero
 *   payload: for each node in id order
 *     u64 label, u8 top layer, u8 flags (1: tombstone), u16 zero, f32 vector[dim],
 *     then for each layer 0..top: u32 count, u32 ids[count]
 *   trailer: SHA-256 of the header and the payload (32 bytes)
 *
 * The loader checks the file length against the header before it allocates anything (so a
 * corrupt count cannot make it allocate more than a small multiple of the file's size), then
 * every field of every node as it streams (layers, flags, finite components, link counts,
 * link targets, unique live labels), then that every link on layer l points at a node that
 * has layer l, and last the checksum. Any failure frees what was built and says what was
 * wrong; the fuzz target fuzz/fuzz_vector_load.c holds it to that. */
#include "vector/hnsw_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define HEADER_BYTES  96
#define TRAILER_BYTES 32
#define NODE_FIXED    16 /* label, layer, flags, padding */
#define NO_VALUE32    UINT32_MAX
static const char MAGIC[8] = {'L', 'L', 'M', 'H', 'N', 'S', 'W', '1'};

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- writing -------------------------------------------------------------------------------- */

/* A staging buffer in front of the caller's write function, hashing what passes through. */
typedef struct writer {
    hnsw_write_fn write;
    void *ctx;
    EVP_MD_CTX *md;
    uint8_t buf[1 << 16];
    size_t len;
} writer_t;

static int wr_flush(writer_t *w, err_t *err)
{
    if (w->len == 0)
        return 0;
    if (EVP_DigestUpdate(w->md, w->buf, w->len) != 1)
        return err_internal(err, "SHA-256 digest update failed");
    if (w->write(w->ctx, w->buf, w->len, err) != 0)
        return -1;
    w->len = 0;
    return 0;
}

static int wr(writer_t *w, const void *data, size_t len, err_t *err)
{
    const uint8_t *p = data;
    while (len > 0) {
        if (w->len == sizeof w->buf && wr_flush(w, err) != 0)
            return -1;
        size_t n = sizeof w->buf - w->len;
        if (n > len)
            n = len;
        memcpy(w->buf + w->len, p, n);
        w->len += n;
        p += n;
        len -= n;
    }
    return 0;
}

static int wr_u32(writer_t *w, uint32_t v, err_t *err)
{
    uint8_t b[4];
    put_u32(b, v);
    return wr(w, b, sizeof b, err);
}

/* Bytes node id takes in the payload. */
static size_t node_bytes(const hnsw_t *h, uint32_t id)
{
    size_t n = NODE_FIXED + (size_t)h->dim * 4;
    for (int lc = 0; lc <= h->levels[id]; lc++)
        n += 4 + 4 * (size_t)atomic_load_explicit(&hnsw_links(h, id, lc)[0], memory_order_relaxed);
    return n;
}

static int write_node(writer_t *w, const hnsw_t *h, uint32_t id, err_t *err)
{
    uint8_t fixed[NODE_FIXED] = {0};
    put_u64(fixed, hnsw_label(h, id));
    fixed[8] = h->levels[id];
    fixed[9] = hnsw_is_deleted(h, id) ? 1 : 0;
    if (wr(w, fixed, sizeof fixed, err) != 0)
        return -1;
    const float *v = hnsw_vec(h, id);
    for (uint32_t i = 0; i < h->dim; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        if (wr_u32(w, bits, err) != 0)
            return -1;
    }
    for (int lc = 0; lc <= h->levels[id]; lc++) {
        const hnsw_link_t *links = hnsw_links(h, id, lc);
        uint32_t n = atomic_load_explicit(&links[0], memory_order_relaxed);
        if (wr_u32(w, n, err) != 0)
            return -1;
        for (uint32_t j = 0; j < n; j++)
            if (wr_u32(w, atomic_load_explicit(&links[1 + j], memory_order_relaxed), err) != 0)
                return -1;
    }
    return 0;
}

int hnsw_write(hnsw_t *h, hnsw_write_fn write_fn, void *ctx, err_t *err)
{
    writer_t *w = calloc(1, sizeof *w);
    if (!w)
        return err_internal(err, "out of memory saving an index");
    w->write = write_fn;
    w->ctx = ctx;
    w->md = EVP_MD_CTX_new();
    int rc = -1;
    if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
        err_internal(err, "cannot start a SHA-256 digest");
        goto out;
    }
    /* Changes wait; searches go on (they do not change what is written). */
    pthread_mutex_lock(&h->write_mu);
    uint32_t count = atomic_load(&h->count);
    uint64_t entry = atomic_load(&h->entry);
    uint64_t payload = 0;
    for (uint32_t id = 0; id < count; id++)
        payload += node_bytes(h, id);

    uint8_t hd[HEADER_BYTES] = {0};
    memcpy(hd, MAGIC, sizeof MAGIC);
    put_u32(hd + 8, HNSW_FORMAT_VERSION);
    put_u32(hd + 12, HEADER_BYTES);
    put_u32(hd + 16, h->dim);
    put_u32(hd + 20, (uint32_t)h->metric);
    put_u32(hd + 24, h->m);
    put_u32(hd + 28, h->m0);
    put_u32(hd + 32, h->ef_construction);
    put_u32(hd + 36, atomic_load(&h->ef_search));
    put_u64(hd + 40, h->seed);
    put_u64(hd + 48, h->rng);
    put_u64(hd + 56, count);
    put_u64(hd + 64, atomic_load(&h->live));
    put_u32(hd + 72, entry == HNSW_NO_ENTRY ? NO_VALUE32 : (uint32_t)entry);
    put_u32(hd + 76, entry == HNSW_NO_ENTRY ? NO_VALUE32 : (uint32_t)(entry >> 32));
    put_u64(hd + 80, payload);
    rc = wr(w, hd, sizeof hd, err);
    for (uint32_t id = 0; rc == 0 && id < count; id++)
        rc = write_node(w, h, id, err);
    pthread_mutex_unlock(&h->write_mu);
    if (rc == 0)
        rc = wr_flush(w, err);
    if (rc == 0) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int dlen = 0;
        if (EVP_DigestFinal_ex(w->md, digest, &dlen) != 1 || dlen != TRAILER_BYTES)
            rc = err_internal(err, "SHA-256 digest failed");
        else
            rc = write_fn(ctx, digest, dlen, err);
    }
out:
    EVP_MD_CTX_free(w->md);
    free(w);
    return rc;
}

typedef struct file_sink {
    int fd;
    const char *path;
} file_sink_t;

static int fd_write(void *ctx, const void *data, size_t len, err_t *err)
{
    file_sink_t *f = ctx;
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return err_internal(err, "cannot write %s: %s", f->path,
                                n < 0 ? strerror(errno) : "short write");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int hnsw_save(hnsw_t *h, const char *path, err_t *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    char *dir = strdup(path);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        return err_internal(err, "out of memory saving an index");
    }
    /* Beside the target, so that rename() stays within one file system. */
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int rc = -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        err_internal(err, "cannot create a temporary file for %s: %s", path, strerror(errno));
        goto out;
    }
    file_sink_t sink = {fd, tmp};
    if (hnsw_write(h, fd_write, &sink, err) != 0)
        goto fail;
    if (fsync(fd) != 0) {
        err_internal(err, "cannot fsync %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        err_internal(err, "cannot close %s: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        err_internal(err, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    /* The rename is durable only once the directory is. */
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (dfd < 0 || fsync(dfd) != 0) {
        err_internal(err, "cannot fsync the directory of %s: %s", path, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        goto out;
    }
    close(dfd);
    rc = 0;
    goto out;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
out:
    free(tmp);
    free(dir);
    return rc;
}

/* ---- reading -------------------------------------------------------------------------------- */

/* Bytes come from memory or a FILE; everything before the trailer is hashed on the way. */
typedef struct reader {
    const uint8_t *mem;
    size_t mem_len, pos;
    FILE *file;
    EVP_MD_CTX *md;
    int hashing;
} reader_t;

static int corrupt(err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int corrupt(err_t *err, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_invalid(err, "index", "invalid index file: %s", msg);
}

static int rd(reader_t *r, void *out, size_t n, err_t *err)
{
    if (r->file) {
        if (fread(out, 1, n, r->file) != n)
            return ferror(r->file)
                       ? err_internal(err, "cannot read index file: %s", strerror(errno))
                       : corrupt(err, "truncated");
    } else {
        if (n > r->mem_len - r->pos)
            return corrupt(err, "truncated");
        memcpy(out, r->mem + r->pos, n);
        r->pos += n;
    }
    if (r->hashing && EVP_DigestUpdate(r->md, out, n) != 1)
        return err_internal(err, "SHA-256 digest update failed");
    return 0;
}

static int rd_u32(reader_t *r, uint32_t *v, err_t *err)
{
    uint8_t b[4];
    if (rd(r, b, sizeof b, err) != 0)
        return -1;
    *v = get_u32(b);
    return 0;
}

typedef struct header {
    hnsw_params_t params;
    uint32_t m0;
    uint64_t rng, nodes, live, payload;
    uint32_t entry, top;
} header_t;

static int parse_header(const uint8_t *hd, uint64_t total_len, header_t *out, err_t *err)
{
    if (memcmp(hd, MAGIC, sizeof MAGIC) != 0)
        return corrupt(err, "not an llmops HNSW index (bad magic)");
    uint32_t version = get_u32(hd + 8);
    if (version != HNSW_FORMAT_VERSION)
        return corrupt(err, "format version %u is not supported (this build reads %d)", version,
                       HNSW_FORMAT_VERSION);
    if (get_u32(hd + 12) != HEADER_BYTES || get_u64(hd + 88) != 0)
        return corrupt(err, "bad header");
    hnsw_params_t *p = &out->params;
    p->dim = get_u32(hd + 16);
    uint32_t metric = get_u32(hd + 20);
    p->m = get_u32(hd + 24);
    out->m0 = get_u32(hd + 28);
    p->ef_construction = get_u32(hd + 32);
    p->ef_search = get_u32(hd + 36);
    p->seed = get_u64(hd + 40);
    out->rng = get_u64(hd + 48);
    out->nodes = get_u64(hd + 56);
    out->live = get_u64(hd + 64);
    out->entry = get_u32(hd + 72);
    out->top = get_u32(hd + 76);
    out->payload = get_u64(hd + 80);
    if (metric > VEC_COSINE)
        return corrupt(err, "unknown metric %u", metric);
    p->metric = (vec_metric_t)metric;
    err_t perr;
    if (hnsw_params_check(p, &perr) != 0)
        return corrupt(err, "bad parameter: %s", perr.message);
    if (out->m0 != 2 * p->m)
        return corrupt(err, "m0 %u is not 2 * m", out->m0);
    if (out->nodes > HNSW_MAX_NODES || out->live > out->nodes)
        return corrupt(err, "bad node counts (%llu nodes, %llu live)",
                       (unsigned long long)out->nodes, (unsigned long long)out->live);
    if (out->nodes == 0 ? (out->entry != NO_VALUE32 || out->top != NO_VALUE32)
                        : (out->entry >= out->nodes || out->top > HNSW_LEVEL_MAX))
        return corrupt(err, "bad entry point");
    /* The length must be exactly what the header announces: this catches truncation before
     * anything is allocated, and bounds every allocation below by the file's size. */
    if (out->payload > total_len || total_len - out->payload != HEADER_BYTES + TRAILER_BYTES)
        return corrupt(err, "%llu bytes where the header announces %llu (truncated or padded)",
                       (unsigned long long)total_len,
                       (unsigned long long)out->payload + HEADER_BYTES + TRAILER_BYTES);
    uint64_t min_node = NODE_FIXED + (uint64_t)p->dim * 4 + 4;
    if (out->payload / min_node < out->nodes)
        return corrupt(err, "%llu nodes cannot fit in %llu bytes", (unsigned long long)out->nodes,
                       (unsigned long long)out->payload);
    return 0;
}

/* Read node id into place (its slot in h) and check it. *consumed counts payload bytes. */
static int read_node(reader_t *r, hnsw_t *h, const header_t *hdr, uint32_t id, uint64_t *consumed,
                     err_t *err)
{
    uint8_t fixed[NODE_FIXED];
    if (rd(r, fixed, sizeof fixed, err) != 0)
        return -1;
    uint64_t label = get_u64(fixed);
    uint32_t level = fixed[8], flags = fixed[9];
    if (level > hdr->top || flags > HNSW_FLAG_DELETED || fixed[10] || fixed[11] || fixed[12] ||
        fixed[13] || fixed[14] || fixed[15])
        return corrupt(err, "node %u: bad layer or flags", id);
    char *node = hnsw_node(h, id);
    float *v = (float *)node;
    for (uint32_t i = 0; i < h->dim; i++) {
        uint32_t bits;
        if (rd_u32(r, &bits, err) != 0)
            return -1;
        memcpy(&v[i], &bits, sizeof bits);
    }
    if (!vec_all_finite(v, h->dim))
        return corrupt(err, "node %u: vector has a non-finite component", id);
    memcpy(node + h->off_label, &label, sizeof label);
    atomic_init(hnsw_flags(h, id), flags);
    h->levels[id] = (uint8_t)level;
    h->upper[id] = NULL;
    *consumed += NODE_FIXED + (uint64_t)h->dim * 4;
    if (level > 0) {
        h->upper[id] = calloc((size_t)level * h->upper_words, sizeof(hnsw_link_t));
        if (!h->upper[id])
            return err_internal(err, "out of memory loading an index");
        h->upper_bytes += (size_t)level * h->upper_words * sizeof(hnsw_link_t);
    }
    /* Counted as loaded now, so that hnsw_free releases the upper links on any error below. */
    atomic_store_explicit(&h->count, id + 1, memory_order_relaxed);
    for (uint32_t lc = 0; lc <= level; lc++) {
        hnsw_link_t *links = hnsw_links(h, id, (int)lc);
        uint32_t n;
        if (rd_u32(r, &n, err) != 0)
            return -1;
        if (n > hnsw_max_links(h, (int)lc))
            return corrupt(err, "node %u: %u links on layer %u", id, n, lc);
        for (uint32_t j = 0; j < n; j++) {
            uint32_t to;
            if (rd_u32(r, &to, err) != 0)
                return -1;
            if (to >= hdr->nodes || to == id)
                return corrupt(err, "node %u: bad link to %u on layer %u", id, to, lc);
            atomic_init(&links[1 + j], to);
        }
        for (uint32_t j = n; j < hnsw_max_links(h, (int)lc); j++)
            atomic_init(&links[1 + j], 0);
        atomic_init(&links[0], n);
        *consumed += 4 + 4 * (uint64_t)n;
    }
    if (*consumed > hdr->payload)
        return corrupt(err, "node %u runs past the announced payload", id);
    if (!flags) {
        uint32_t other;
        /* The table has room for the live count the header announced, and no more. */
        if (h->labels.len >= hdr->live)
            return corrupt(err, "more live nodes than the header announces");
        if (labelmap_get(&h->labels, label, &other))
            return corrupt(err, "label %llu is live on nodes %u and %u", (unsigned long long)label,
                           other, id);
        labelmap_put(&h->labels, label, id); /* room reserved by the caller */
    }
    return 0;
}

/* Links on layer l must point at nodes that have layer l: a search follows them there. */
static int check_link_layers(const hnsw_t *h, uint32_t count, err_t *err)
{
    for (uint32_t id = 0; id < count; id++)
        for (int lc = 1; lc <= h->levels[id]; lc++) {
            const hnsw_link_t *links = hnsw_links(h, id, lc);
            uint32_t n = atomic_load_explicit(&links[0], memory_order_relaxed);
            for (uint32_t j = 0; j < n; j++) {
                uint32_t to = atomic_load_explicit(&links[1 + j], memory_order_relaxed);
                if (h->levels[to] < lc)
                    return corrupt(err,
                                   "node %u links on layer %d to node %u, which has no "
                                   "such layer",
                                   id, lc, to);
            }
        }
    return 0;
}

static int load(reader_t *r, uint64_t total_len, hnsw_t **out, err_t *err)
{
    *out = NULL;
    if (total_len < HEADER_BYTES + TRAILER_BYTES)
        return corrupt(err, "truncated (%llu bytes)", (unsigned long long)total_len);
    r->md = EVP_MD_CTX_new();
    if (!r->md || EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(r->md);
        return err_internal(err, "cannot start a SHA-256 digest");
    }
    r->hashing = 1;
    hnsw_t *h = NULL;
    uint8_t hd[HEADER_BYTES];
    header_t hdr = {0};
    if (rd(r, hd, sizeof hd, err) != 0 || parse_header(hd, total_len, &hdr, err) != 0)
        goto fail;
    hdr.params.capacity = hdr.nodes > 0 ? (uint32_t)hdr.nodes : HNSW_DEFAULT_CAPACITY;
    if (hnsw_init_struct(&h, &hdr.params, err) != 0)
        goto fail;
    if (labelmap_reserve(&h->labels, hdr.live) != 0) {
        err_internal(err, "out of memory loading an index");
        goto fail;
    }
    uint64_t consumed = 0, live = 0;
    for (uint32_t id = 0; id < hdr.nodes; id++) {
        if (read_node(r, h, &hdr, id, &consumed, err) != 0)
            goto fail;
        live += !hnsw_is_deleted(h, id);
    }
    if (consumed != hdr.payload || live != hdr.live) {
        corrupt(err, "payload does not match the header");
        goto fail;
    }
    if (hdr.nodes > 0 && h->levels[hdr.entry] != hdr.top) {
        corrupt(err, "the entry point is not on the top layer");
        goto fail;
    }
    if (check_link_layers(h, (uint32_t)hdr.nodes, err) != 0)
        goto fail;
    uint8_t want[TRAILER_BYTES], got[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    r->hashing = 0;
    if (rd(r, want, sizeof want, err) != 0)
        goto fail;
    if (EVP_DigestFinal_ex(r->md, got, &dlen) != 1 || dlen != TRAILER_BYTES) {
        err_internal(err, "SHA-256 digest failed");
        goto fail;
    }
    if (memcmp(want, got, TRAILER_BYTES) != 0) {
        corrupt(err, "checksum mismatch (the file is corrupt)");
        goto fail;
    }
    h->rng = hdr.rng;
    atomic_store(&h->live, (size_t)live);
    atomic_store(&h->entry, hdr.nodes > 0 ? ((uint64_t)hdr.top << 32) | hdr.entry : HNSW_NO_ENTRY);
    EVP_MD_CTX_free(r->md);
    *out = h;
    return 0;
fail:
    EVP_MD_CTX_free(r->md);
    hnsw_free(h);
    return -1;
}

int hnsw_load_mem(const void *data, size_t len, hnsw_t **out, err_t *err)
{
    reader_t r = {.mem = data, .mem_len = len};
    return load(&r, len, out, err);
}

int hnsw_load(const char *path, hnsw_t **out, err_t *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return err_not_found(err, "no index file at %s", path);
        return err_internal(err, "cannot open %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return err_invalid(err, "index", "%s is not a regular file", path);
    }
    reader_t r = {.file = f};
    int rc = load(&r, (uint64_t)st.st_size, out, err);
    fclose(f);
    return rc;
}
