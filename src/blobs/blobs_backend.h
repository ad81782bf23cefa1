/* blobs_backend.h - what blobs.c shares with its backends (blobs_local.c; S3 later).
 *
 * Not for services: they see only blobs.h. blobs.c owns what every backend needs alike: id
 * validation and the SHA-256 computed while bytes stream through a writer. A backend supplies a
 * byte sink for writers (open / write / commit under a known id / abort) and reads by id. */
#ifndef LLMOPS_BLOBS_BLOBS_BACKEND_H
#define LLMOPS_BLOBS_BLOBS_BACKEND_H

#include "blobs/blobs.h"

typedef struct blobs_ops {
    const char *name;
    /* Start a sink for one blob: *sink gets the backend's state. */
    int (*sink_open)(blobs_t *b, void **sink, err_t *err);
    int (*sink_write)(blobs_t *b, void *sink, const void *data, size_t len, err_t *err);
    /* Make the written bytes durable under id and free the sink (also on failure). */
    int (*sink_commit)(blobs_t *b, void *sink, const char *id, err_t *err);
    /* Discard the written bytes and free the sink. */
    void (*sink_abort)(blobs_t *b, void *sink);
    /* id has been validated. get appends to out; exists returns 1 / 0 / -1. */
    int (*get)(blobs_t *b, const char *id, buf_t *out, err_t *err);
    int (*exists)(blobs_t *b, const char *id, int64_t *size, err_t *err);
    void (*close)(blobs_t *b);
} blobs_ops_t;

struct blobs {
    const blobs_ops_t *ops;
    void *impl; /* backend state */
};

/* A blobs_t around a backend's state (blobs.c). Never NULL. */
blobs_t *blobs_new(const blobs_ops_t *ops, void *impl);

#endif
