/* blobs.c - the blob store's common half: dispatch to a backend through its table of
 * operations, id validation, and the SHA-256 a writer computes while the bytes stream through
 * it (OpenSSL EVP), so every backend names blobs the same way. */
#include "blobs/blobs.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "blobs/blobs_backend.h"

struct blob_writer {
    blobs_t *b;
    void *sink; /* the backend's state for this blob */
    EVP_MD_CTX *md;
};

blobs_t *blobs_new(const blobs_ops_t *ops, void *impl)
{
    blobs_t *b = xcalloc(1, sizeof *b);
    b->ops = ops;
    b->impl = impl;
    return b;
}

void blobs_close(blobs_t *b)
{
    if (!b)
        return;
    b->ops->close(b);
    free(b);
}

int blobs_id_valid(const char *id)
{
    if (!id)
        return 0;
    size_t i = 0;
    for (; id[i]; i++)
        if (i >= BLOB_ID_LEN || !((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return i == BLOB_ID_LEN;
}

static void blobs_writer_free(blob_writer_t *w)
{
    EVP_MD_CTX_free(w->md);
    free(w);
}

blob_writer_t *blobs_writer_open(blobs_t *b, err_t *err)
{
    blob_writer_t *w = xcalloc(1, sizeof *w);
    w->b = b;
    w->md = EVP_MD_CTX_new();
    if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
        err_internal(err, "cannot start a SHA-256 digest");
        blobs_writer_free(w);
        return NULL;
    }
    if (b->ops->sink_open(b, &w->sink, err) != 0) {
        blobs_writer_free(w);
        return NULL;
    }
    return w;
}

/* After a failed write the writer still owns its temporary data: the caller aborts it. */
int blobs_writer_write(blob_writer_t *w, const void *data, size_t len, err_t *err)
{
    if (len == 0)
        return 0;
    if (EVP_DigestUpdate(w->md, data, len) != 1)
        return err_internal(err, "SHA-256 digest update failed");
    return w->b->ops->sink_write(w->b, w->sink, data, len, err);
}

/* Frees the writer whether or not the commit succeeds. */
int blobs_writer_commit(blob_writer_t *w, char id[BLOB_ID_LEN + 1], err_t *err)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    int rc = -1;
    id[0] = '\0';
    if (EVP_DigestFinal_ex(w->md, digest, &dlen) != 1 || dlen * 2 != BLOB_ID_LEN) {
        err_internal(err, "SHA-256 digest failed");
        w->b->ops->sink_abort(w->b, w->sink);
        goto cleanup;
    }
    static const char hex[] = "0123456789abcdef";
    char name[BLOB_ID_LEN + 1];
    for (unsigned int i = 0; i < dlen; i++) {
        name[2 * i] = hex[digest[i] >> 4];
        name[2 * i + 1] = hex[digest[i] & 0xf];
    }
    name[BLOB_ID_LEN] = '\0';
    if (w->b->ops->sink_commit(w->b, w->sink, name, err) != 0)
        goto cleanup;
    memcpy(id, name, sizeof name);
    rc = 0;

cleanup:
    blobs_writer_free(w);
    return rc;
}

void blobs_writer_abort(blob_writer_t *w)
{
    if (!w)
        return;
    w->b->ops->sink_abort(w->b, w->sink);
    blobs_writer_free(w);
}

int blobs_put(blobs_t *b, const void *data, size_t len, char id[BLOB_ID_LEN + 1], err_t *err)
{
    blob_writer_t *w = blobs_writer_open(b, err);
    if (!w)
        return -1;
    if (blobs_writer_write(w, data, len, err) != 0) {
        blobs_writer_abort(w);
        return -1;
    }
    return blobs_writer_commit(w, id, err);
}

int blobs_get(blobs_t *b, const char *id, buf_t *out, err_t *err)
{
    if (!blobs_id_valid(id))
        return err_invalid(err, "id", "malformed blob id (want 64 lowercase hex characters)");
    return b->ops->get(b, id, out, err);
}

int blobs_exists(blobs_t *b, const char *id, int64_t *size, err_t *err)
{
    if (!blobs_id_valid(id))
        return err_invalid(err, "id", "malformed blob id (want 64 lowercase hex characters)");
    return b->ops->exists(b, id, size, err);
}
