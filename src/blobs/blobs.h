/* blobs.h - the content-addressed blob store: artifacts, dataset files, indexes.
 *
 * A blob is named by the lowercase hex SHA-256 of its bytes. Writing goes through a writer that
 * hashes while it writes to a temporary file; commit fsyncs it and renames it under its real
 * name, so a crash never leaves a half-written blob where a reader could find it. Writing the
 * same bytes twice is harmless and yields the same id.
 *
 * The interface is a table of operations so that an S3 backend can be added beside the local
 * one (blobs_local.c: <data>/blobs/ab/cdef...). */
#ifndef LLMOPS_BLOBS_BLOBS_H
#define LLMOPS_BLOBS_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"

#define BLOB_ID_LEN 64 /* hex characters of a SHA-256 */

typedef struct blobs blobs_t;
typedef struct blob_writer blob_writer_t;

/* Open the local backend rooted at dir (created if missing). */
int blobs_open_local(const char *dir, blobs_t **out, err_t *err);
void blobs_close(blobs_t *b);

/* Streaming write. open -> write* -> commit (or abort). commit fills id (BLOB_ID_LEN + 1
 * bytes) and frees the writer; abort discards the temporary file and frees the writer. */
blob_writer_t *blobs_writer_open(blobs_t *b, err_t *err);
int blobs_writer_write(blob_writer_t *w, const void *data, size_t len, err_t *err);
int blobs_writer_commit(blob_writer_t *w, char id[BLOB_ID_LEN + 1], err_t *err);
void blobs_writer_abort(blob_writer_t *w);

/* One-shot write of a buffer. */
int blobs_put(blobs_t *b, const void *data, size_t len, char id[BLOB_ID_LEN + 1], err_t *err);
/* Read a whole blob into out (appended). 404 "not_found" when absent; 400 for a malformed id. */
int blobs_get(blobs_t *b, const char *id, buf_t *out, err_t *err);
/* 1 if present, 0 if not, -1 on error (malformed id). *size (may be NULL) gets its length. */
int blobs_exists(blobs_t *b, const char *id, int64_t *size, err_t *err);
/* 1 when id is 64 lowercase hex characters. */
int blobs_id_valid(const char *id);

#endif
