/* vectors.h - the vector store service: collections of chunked, embedded documents, searched
 * densely (exact or HNSW), by keyword (BM25) or both (hybrid), with metadata filters.
 *
 * Every call takes a vs_env_t: the store, the data directory (HNSW index files live in
 * <data_dir>/vectors/) and the gateway (NULL outside `llmops server`; only the OpenAI embedder
 * needs it). Calls return new JSON on success or NULL with err: 400 naming the field for bad
 * input, 404 for an unknown collection or source, 409 for a duplicate collection. Writes run in
 * one transaction each: a request that fails changes nothing.
 *
 * Files: collections.c (create/list/get/delete), ingest.c (documents in, chunks out),
 * jsonl_docs.c (JSONL uploads), search.c (dense, keyword, hybrid), index_cache.c (the
 * per-collection HNSW index in memory and on disk), filter.c, chunker.c, blocks.c, markdown.c,
 * html_text.c, embedder*.c. */
#ifndef LLMOPS_VECTOR_VECTORS_H
#define LLMOPS_VECTOR_VECTORS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"
#include "vector/vec.h"

struct gateway;

typedef struct vs_env {
    store_t *store;
    const char *data_dir;
    struct gateway *gateway;
} vs_env_t;

#define VS_NAME_MAX     128
#define VS_DIM_DEFAULT  512 /* the local embedder's default dimension */
#define VS_SOURCE_MAX   1024
#define VS_DOCS_MAX     10000 /* documents in one ingest request */
#define VS_QUERY_MAX    4096  /* bytes of query text */
#define VS_RRF_K        60    /* reciprocal rank fusion constant (Cormack et al. 2009) */
#define VS_HYBRID_DEPTH 50    /* each retriever's list length fused by hybrid search */

/* A collection row. embedder is owned (vs_collection_clear frees it). */
typedef struct vs_collection {
    char name[VS_NAME_MAX + 1];
    char id[40];
    uint32_t dim;
    vec_metric_t metric;
    json_t *embedder;
    int64_t chunk_size, chunk_overlap;
    int64_t generation;
    int64_t created_at;
} vs_collection_t;

/* {"name", "dimension"?, "distance"? ("cosine"), "embedder"? ({"type":"local"}),
 *  "chunk_size"? (800), "chunk_overlap"? (100)} -> {"collection": {...}} */
json_t *vs_collection_create(vs_env_t *env, const json_t *body, err_t *err);
/* {"collections": [...]} */
json_t *vs_collection_list(vs_env_t *env, err_t *err);
/* {"collection": {..., "documents", "chunks"}} */
json_t *vs_collection_get(vs_env_t *env, const char *name, err_t *err);
/* Deletes the collection, its documents, chunks and index file. */
int vs_collection_delete(vs_env_t *env, const char *name, err_t *err);

/* Read a collection row on c (404 when absent). */
int vs_collection_load(store_conn_t *c, const char *name, vs_collection_t *out, err_t *err);
void vs_collection_clear(vs_collection_t *col);
json_t *vs_collection_json(const vs_collection_t *col);

/* Ingest documents: [{"source", "text", "format"?: "text|markdown|html", "metadata"?: {}}].
 * Per document: "created", "replaced" (its old chunks removed in the same transaction) or
 * "unchanged" (same content hash: nothing written). {"documents": [{"source", "status",
 * "chunks"}], "chunks_added", "chunks_removed"} */
json_t *vs_ingest(vs_env_t *env, const char *name, const json_t *documents, err_t *err);
/* A raw upload: content_type text/plain, text/markdown, text/html (one document named source)
 * or application/x-ndjson (one document per line, see jsonl_docs.c). */
json_t *vs_ingest_raw(vs_env_t *env, const char *name, const char *content_type, const char *source,
                      const char *data, size_t len, err_t *err);
/* Parse JSONL into the document array vs_ingest takes. A bad line is a 400 naming "line N";
 * source_prefix names lines without a source ("<prefix>#<line>"). */
json_t *vs_jsonl_documents(const char *data, size_t len, const char *source_prefix, err_t *err);

/* Delete one source's document and chunks (404 when absent): {"deleted": {"documents": 1,
 * "chunks": n}}. */
json_t *vs_delete_source(vs_env_t *env, const char *name, const char *source, err_t *err);
/* Delete every document whose metadata matches the filter (a non-empty filter.h object). */
json_t *vs_delete_where(vs_env_t *env, const char *name, const json_t *filter, err_t *err);

/* {"query", "k"? (10), "mode"? ("dense"|"keyword"|"hybrid", default hybrid), "exact"? (false),
 *  "filter"? {...}, "ef"? } -> {"results": [{"id", "source", "position", "text", "metadata",
 *  "score", "retrievers": [...], "ranks": {...}}], "mode", "exact"} */
json_t *vs_search(vs_env_t *env, const char *name, const json_t *body, err_t *err);

/* Reciprocal rank fusion of ranked id lists: score(d) = sum over lists of 1 / (k + rank),
 * rank from 1. ids[l] has lens[l] entries. Writes up to max fused ids, best first (ties: the
 * smaller id first), and their scores; returns how many. */
size_t vs_rrf(const int64_t *const *ids, const size_t *lens, size_t lists, double k, size_t max,
              int64_t *out_ids, double *out_scores);

#endif
