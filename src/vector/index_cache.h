/* index_cache.h - one HNSW index per collection, in memory, shared by every request of the
 * process, with the chunk metadata the filter callback reads.
 *
 * The index is built from the stored vectors at first use (or loaded from
 * <data_dir>/vectors/<collection id>.hnsw when the file's recorded generation matches the
 * collection's and its vector count matches the chunk rows; rebuilt otherwise), then kept up to
 * date by the ingest and delete calls of this process and saved after each change. A change
 * made by another process (another server on the same PostgreSQL) bumps the collection's
 * generation, which this process notices at its next search and answers with a rebuild.
 *
 * Locking: a search holds the entry's read lock for the whole search (the index and metadata
 * cannot change under it); an ingest takes the write lock only to apply its committed change. */
#ifndef LLMOPS_VECTOR_INDEX_CACHE_H
#define LLMOPS_VECTOR_INDEX_CACHE_H

#include <jansson.h>
#include <stdint.h>

#include "vector/hnsw.h"
#include "vector/vectors.h"

typedef struct vs_index vs_index_t;

/* The collection's index, current for at least col->generation, read-locked. Release with
 * vs_index_release. */
int vs_index_acquire(vs_env_t *env, const vs_collection_t *col, vs_index_t **out, err_t *err);
void vs_index_release(vs_index_t *ix);

hnsw_t *vs_index_hnsw(vs_index_t *ix);
/* The metadata of a chunk in the index (borrowed; NULL if unknown). */
const json_t *vs_index_metadata(vs_index_t *ix, uint64_t chunk_id);

typedef struct vs_index_change {
    const int64_t *removed; /* chunk ids */
    size_t nremoved;
    const int64_t *added; /* chunk ids, with their prepared vectors and metadata */
    const float *vectors;
    json_t *const *metadata;
    size_t nadded;
} vs_index_change_t;

/* A change to a collection's chunks, bracketing its transaction: begin before the commit, end
 * after it (always, also when nothing was committed: to = 0). While a change is in flight, a
 * search that finds the index one commit behind uses it as it is (it raced with the change)
 * rather than rebuilding it. end applies the committed change (generation `from` -> `to`) to
 * the cached index when that index is at `from` and saves it; otherwise the index is left for a
 * rebuild at its next use. Never fails: a failure to apply drops the cached index. */
vs_index_t *vs_index_change_begin(const char *collection_id);
void vs_index_change_end(vs_env_t *env, vs_index_t *ix, const vs_collection_t *col, int64_t from,
                         int64_t to, const vs_index_change_t *change);

/* 1 when the index in memory was read from its file rather than built from the database. */
int vs_index_from_file(vs_index_t *ix);

/* Drop every cached index from memory, keeping the files: what a restart does. Must not race
 * with searches or ingests (tests and shutdown only). */
void vs_index_forget_all(void);

/* Forget a deleted collection: drop its cached index and its files. */
void vs_index_drop(vs_env_t *env, const char *collection_id);

#endif
