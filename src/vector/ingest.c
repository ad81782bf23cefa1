/* ingest.c - documents into a collection (vectors.h): validate every document, read it into
 * blocks (blocks.h), chunk it (chunker.h), embed the chunks of the documents whose content
 * changed, then in one transaction replace each changed document's chunks and bump the
 * collection's generation; the committed change is then applied to the in-memory index.
 *
 * A document's content hash is SHA-256 over its format, text and metadata (keys sorted), so
 * sending the same document again is reported "unchanged" and writes nothing, while a changed
 * text or metadata replaces all of its chunks at once: searches see the old chunks or the new
 * ones, never a mix (the index change is applied under the index's write lock). */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "vector/chunker.h"
#include "vector/distance.h"
#include "vector/embedder.h"
#include "vector/filter.h"
#include "vector/index_cache.h"
#include "vector/vectors.h"

/* One document of the request, as chunks ready to embed and store. */
typedef struct doc {
    const char *source;
    char hash[65];
    char *metadata; /* JSON text, keys sorted */
    vs_chunks_t chunks;
    json_t **chunk_meta; /* per chunk: the document's metadata plus "heading" */
    size_t first;        /* index of its first chunk in the request-wide arrays */
    int changed;         /* its hash differs from the stored one (or it is new) */
    const char *status;
} doc_t;

static void hash_doc(const char *format, const char *text, const char *metadata, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, format, strlen(format) + 1);
    EVP_DigestUpdate(ctx, text, strlen(text) + 1);
    EVP_DigestUpdate(ctx, metadata, strlen(metadata));
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void docs_free(doc_t *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < docs[i].chunks.n; j++)
            json_decref(docs[i].chunk_meta[j]);
        free(docs[i].chunk_meta);
        free(docs[i].metadata);
        vs_chunks_free(&docs[i].chunks);
    }
    free(docs);
}

/* Validate and chunk document i of the request. */
static int read_doc(const vs_collection_t *col, const json_t *in, size_t i, doc_t *d, err_t *err)
{
    char field[64];
    const char *text = NULL, *format = "text";
    if (!json_is_object(in)) {
        snprintf(field, sizeof field, "documents[%zu]", i);
        return err_invalid(err, field, "each document is an object {\"source\", \"text\"}");
    }
    json_t *meta = json_object_get(in, "metadata");
    const char *bad = NULL;
    if (json_field_string(in, "source", 1, VS_SOURCE_MAX, &d->source, err) != 0)
        bad = "source";
    else if (!*d->source)
        bad = "source";
    else if (json_field_string(in, "text", 1, 0, &text, err) != 0)
        bad = "text";
    else if (json_field_string(in, "format", 0, 16, &format, err) != 0)
        bad = "format";
    else if (meta && !json_is_null(meta) && !json_is_object(meta))
        bad = "metadata";
    if (bad) {
        snprintf(field, sizeof field, "documents[%zu].%s", i, bad);
        if (strcmp(bad, "source") == 0 && d->source && !*d->source)
            err_invalid(err, field, "source must not be empty");
        else if (strcmp(bad, "metadata") == 0)
            err_invalid(err, field, "metadata must be an object");
        else
            snprintf(err->field, sizeof err->field, "%s", field);
        return -1;
    }
    d->metadata = meta && json_is_object(meta) ? json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS)
                                               : xstrdup("{}");
    hash_doc(format, text, d->metadata, d->hash);
    vs_blocks_t blocks = {0};
    snprintf(field, sizeof field, "documents[%zu].format", i);
    if (vs_parse_format(format, text, strlen(text), &blocks, field, err) != 0) {
        vs_blocks_free(&blocks);
        return -1;
    }
    vs_chunk_blocks(&blocks, (size_t)col->chunk_size, (size_t)col->chunk_overlap, &d->chunks);
    vs_blocks_free(&blocks);
    d->chunk_meta = xcalloc(d->chunks.n ? d->chunks.n : 1, sizeof *d->chunk_meta);
    for (size_t j = 0; j < d->chunks.n; j++) {
        json_t *m = json_loads(d->metadata, 0, NULL);
        if (d->chunks.items[j].heading && !json_object_get(m, "heading"))
            json_object_set_new(m, "heading", json_string(d->chunks.items[j].heading));
        d->chunk_meta[j] = m;
    }
    return 0;
}

/* The stored hash of a source on c, or "" when it has no document. */
static int stored_hash(store_conn_t *c, const char *collection_id, const char *source, char out[65],
                       err_t *err)
{
    store_value_t p[] = {sv_text(collection_id), sv_text(source)};
    store_rows_t *rows = store_query(
        c, "SELECT content_hash FROM vector_documents WHERE collection_id = ? AND source = ?", p, 2,
        err);
    if (!rows)
        return -1;
    snprintf(out, 65, "%s", store_rows_count(rows) ? store_rows_text(rows, 0, 0) : "");
    store_rows_free(rows);
    return 0;
}

/* Append the ids of source's chunks to ids. */
static int chunk_ids(store_conn_t *c, const char *collection_id, const char *source, int64_t **ids,
                     size_t *n, size_t *cap, err_t *err)
{
    store_value_t p[] = {sv_text(collection_id), sv_text(source)};
    store_rows_t *rows = store_query(
        c, "SELECT id FROM vector_chunks WHERE collection_id = ? AND source = ?", p, 2, err);
    if (!rows)
        return -1;
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *ids = xrealloc(*ids, *cap * sizeof **ids);
        }
        (*ids)[(*n)++] = store_rows_int(rows, r, 0);
    }
    store_rows_free(rows);
    return 0;
}

/* Bump the collection's generation on c; *gen gets the new one. 404 when it is gone. */
static int bump_generation(store_conn_t *c, const vs_collection_t *col, int64_t *gen, err_t *err)
{
    store_value_t p[] = {sv_text(col->id)};
    store_rows_t *rows = store_query(c,
                                     "UPDATE vector_collections SET generation = generation + 1 "
                                     "WHERE id = ? RETURNING generation",
                                     p, 1, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    if (found)
        *gen = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    return found ? 0 : err_not_found(err, "collection '%s' was deleted", col->name);
}

typedef struct change {
    int64_t *removed;
    size_t nremoved, capremoved;
    int64_t *added;
    size_t nadded;
} change_t;

/* Write the changed documents in one transaction. */
static int write_docs(vs_env_t *env, const vs_collection_t *col, doc_t *docs, size_t n,
                      const float *vectors, change_t *ch, int64_t *from, int64_t *to, err_t *err)
{
    store_conn_t *c = store_acquire(env->store);
    int ok = store_begin(c, err) == 0;
    int64_t now = clock_now_ms();
    int any = 0;
    for (size_t i = 0; ok && i < n; i++) {
        doc_t *d = &docs[i];
        if (!d->changed)
            continue;
        char hash[65];
        ok = stored_hash(c, col->id, d->source, hash, err) == 0;
        if (!ok)
            break;
        if (strcmp(hash, d->hash) == 0) {
            d->changed = 0; /* someone stored this very content meanwhile */
            d->status = "unchanged";
            continue;
        }
        d->status = hash[0] ? "replaced" : "created";
        any = 1;
        store_value_t del[] = {sv_text(col->id), sv_text(d->source)};
        ok = chunk_ids(c, col->id, d->source, &ch->removed, &ch->nremoved, &ch->capremoved, err) ==
                 0 &&
             store_exec(c, "DELETE FROM vector_chunks WHERE collection_id = ? AND source = ?", del,
                        2, err) >= 0;
        for (size_t j = 0; ok && j < d->chunks.n; j++) {
            char *meta = json_dumps(d->chunk_meta[j], JSON_COMPACT | JSON_SORT_KEYS);
            const float *v = vectors + (d->first + j) * col->dim;
            store_value_t p[] = {sv_text(col->id),   sv_text(d->source),
                                 sv_int((int64_t)j), sv_text(d->chunks.items[j].text),
                                 sv_text(meta),      sv_blob(v, col->dim * sizeof(float))};
            store_rows_t *rows = store_query(c,
                                             "INSERT INTO vector_chunks (collection_id, source, "
                                             "position, text, metadata, vector) VALUES "
                                             "(?, ?, ?, ?, ?, ?) RETURNING id",
                                             p, 6, err);
            free(meta);
            ok = rows != NULL;
            if (ok)
                ch->added[d->first + j] = store_rows_int(rows, 0, 0);
            store_rows_free(rows);
        }
        store_value_t up[] = {sv_text(col->id),     sv_text(d->source),           sv_text(d->hash),
                              sv_text(d->metadata), sv_int((int64_t)d->chunks.n), sv_int(now)};
        ok = ok && store_exec(c,
                              "INSERT INTO vector_documents (collection_id, source, content_hash, "
                              "metadata, chunks, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                              "ON CONFLICT (collection_id, source) DO UPDATE SET "
                              "content_hash = excluded.content_hash, metadata = "
                              "excluded.metadata, chunks = excluded.chunks, updated_at = "
                              "excluded.updated_at",
                              up, 6, err) >= 0;
    }
    if (ok && any) {
        ok = bump_generation(c, col, to, err) == 0;
        *from = *to - 1;
    }
    int rc = store_finish(c, ok, err);
    store_release(env->store, c);
    return rc;
}

json_t *vs_ingest(vs_env_t *env, const char *name, const json_t *documents, err_t *err)
{
    if (!json_is_array(documents)) {
        err_invalid(err, "documents", "documents must be an array");
        return NULL;
    }
    size_t n = json_array_size(documents);
    if (n > VS_DOCS_MAX) {
        err_invalid(err, "documents", "at most %d documents per request", VS_DOCS_MAX);
        return NULL;
    }
    vs_collection_t col;
    store_conn_t *c = store_acquire(env->store);
    int rc = vs_collection_load(c, name, &col, err);
    store_release(env->store, c);
    if (rc != 0)
        return NULL;

    json_t *out = NULL;
    doc_t *docs = xcalloc(n ? n : 1, sizeof *docs);
    const char **texts = NULL;
    float *vectors = NULL;
    change_t ch = {0};
    char **embed_texts = NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (read_doc(&col, json_array_get(documents, i), i, &docs[i], err) != 0)
            goto done;
        for (size_t j = 0; j < i; j++)
            if (strcmp(docs[j].source, docs[i].source) == 0) {
                char field[64];
                snprintf(field, sizeof field, "documents[%zu].source", i);
                err_invalid(err, field, "source '%s' appears twice in one request", docs[i].source);
                goto done;
            }
    }
    /* Which documents changed: only those are embedded (an embedder may cost money). */
    c = store_acquire(env->store);
    for (size_t i = 0; i < n; i++) {
        char hash[65];
        if (stored_hash(c, col.id, docs[i].source, hash, err) != 0) {
            store_release(env->store, c);
            goto done;
        }
        docs[i].changed = strcmp(hash, docs[i].hash) != 0;
        docs[i].status = docs[i].changed ? (hash[0] ? "replaced" : "created") : "unchanged";
        if (docs[i].changed) {
            docs[i].first = total;
            total += docs[i].chunks.n;
        }
    }
    store_release(env->store, c);

    embed_texts = xcalloc(total ? total : 1, sizeof *embed_texts);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; docs[i].changed && j < docs[i].chunks.n; j++) {
            const vs_chunk_t *k = &docs[i].chunks.items[j];
            buf_t t;
            buf_init(&t);
            /* The heading is part of what a chunk is about, so it is embedded with it. */
            if (k->heading)
                buf_printf(&t, "%s\n\n", k->heading);
            buf_append_str(&t, k->text);
            embed_texts[docs[i].first + j] = buf_steal(&t);
        }
    }
    vectors = xmalloc((total ? total : 1) * col.dim * sizeof(float));
    if (total && vs_embed(env->gateway, col.embedder, col.dim, (const char *const *)embed_texts,
                          total, vectors, err) != 0)
        goto done;
    for (size_t i = 0; i < total; i++) {
        float *v = vectors + i * col.dim;
        if (vec_prepare(col.metric, v, v, col.dim, "embedder", err) != 0)
            goto done;
    }
    ch.added = xcalloc(total ? total : 1, sizeof *ch.added);
    int64_t from = 0, to = 0;
    vs_index_t *ix = vs_index_change_begin(col.id);
    if (write_docs(env, &col, docs, n, vectors, &ch, &from, &to, err) != 0) {
        vs_index_change_end(env, ix, &col, 0, 0, NULL);
        goto done;
    }

    /* The index change: the added chunks of the documents written (an "unchanged" found in
     * the transaction contributes nothing). */
    json_t *list = json_array();
    size_t added = 0, write = 0;
    json_t **metas = xcalloc(total ? total : 1, sizeof *metas);
    for (size_t i = 0; i < n; i++) {
        doc_t *d = &docs[i];
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:I}", "source", d->source, "status", d->status,
                                        "chunks", (json_int_t)(d->changed ? d->chunks.n : 0)));
        for (size_t j = 0; d->changed && j < d->chunks.n; j++) {
            ch.added[write] = ch.added[d->first + j];
            memmove(vectors + write * col.dim, vectors + (d->first + j) * col.dim,
                    col.dim * sizeof(float));
            metas[write] = d->chunk_meta[j];
            write++;
        }
        added += d->changed ? d->chunks.n : 0;
    }
    vs_index_change_t change = {.removed = ch.removed,
                                .nremoved = ch.nremoved,
                                .added = ch.added,
                                .vectors = vectors,
                                .metadata = metas,
                                .nadded = write};
    vs_index_change_end(env, ix, &col, from, to, &change);
    free(metas);
    out = json_pack("{s:o, s:I, s:I}", "documents", list, "chunks_added", (json_int_t)added,
                    "chunks_removed", (json_int_t)ch.nremoved);
done:
    for (size_t i = 0; embed_texts && i < total; i++)
        free(embed_texts[i]);
    free(embed_texts);
    free(texts);
    free(vectors);
    free(ch.removed);
    free(ch.added);
    docs_free(docs, n);
    vs_collection_clear(&col);
    return out;
}

/* Delete the documents named in sources (all in the collection) and their chunks. */
static json_t *delete_sources(vs_env_t *env, const vs_collection_t *col, store_conn_t *c,
                              const char *const *sources, size_t n, err_t *err)
{
    change_t ch = {0};
    int ok = 1;
    vs_index_t *ix = vs_index_change_begin(col->id);
    for (size_t i = 0; ok && i < n; i++) {
        store_value_t p[] = {sv_text(col->id), sv_text(sources[i])};
        ok = chunk_ids(c, col->id, sources[i], &ch.removed, &ch.nremoved, &ch.capremoved, err) ==
                 0 &&
             store_exec(c, "DELETE FROM vector_chunks WHERE collection_id = ? AND source = ?", p, 2,
                        err) >= 0 &&
             store_exec(c, "DELETE FROM vector_documents WHERE collection_id = ? AND source = ?", p,
                        2, err) >= 0;
    }
    int64_t to = 0;
    if (ok && n)
        ok = bump_generation(c, col, &to, err) == 0;
    if (store_finish(c, ok, err) != 0) {
        vs_index_change_end(env, ix, col, 0, 0, NULL);
        free(ch.removed);
        return NULL;
    }
    vs_index_change_t change = {.removed = ch.removed, .nremoved = ch.nremoved};
    vs_index_change_end(env, ix, col, to ? to - 1 : 0, to, &change);
    free(ch.removed);
    return json_pack("{s:{s:I, s:I}}", "deleted", "documents", (json_int_t)n, "chunks",
                     (json_int_t)ch.nremoved);
}

json_t *vs_delete_source(vs_env_t *env, const char *name, const char *source, err_t *err)
{
    vs_collection_t col = {0};
    store_conn_t *c = store_acquire(env->store);
    json_t *out = NULL;
    if (vs_collection_load(c, name, &col, err) == 0 && store_begin(c, err) == 0) {
        char hash[65];
        if (stored_hash(c, col.id, source, hash, err) != 0 ||
            (!hash[0] && err_not_found(err, "no document '%s' in collection '%s'", source, name)))
            store_rollback(c);
        else
            out = delete_sources(env, &col, c, &source, 1, err);
    }
    store_release(env->store, c);
    vs_collection_clear(&col);
    return out;
}

json_t *vs_delete_where(vs_env_t *env, const char *name, const json_t *filter, err_t *err)
{
    vs_filter_t f;
    if (vs_filter_parse(filter, &f, err) != 0)
        return NULL;
    if (f.n == 0) {
        err_invalid(err, "filter", "a delete needs a non-empty filter");
        return NULL;
    }
    vs_collection_t col = {0};
    store_conn_t *c = store_acquire(env->store);
    json_t *out = NULL;
    if (vs_collection_load(c, name, &col, err) == 0 && store_begin(c, err) == 0) {
        buf_t sql;
        buf_init(&sql);
        buf_append_str(&sql, "SELECT source FROM vector_documents WHERE collection_id = ?");
        store_value_t *p = xcalloc(1 + vs_filter_sql_params(&f), sizeof *p);
        size_t np = 0;
        p[np++] = sv_text(col.id);
        vs_filter_sql(&f, store_conn_kind(c), "metadata", &sql, p, &np);
        store_rows_t *rows = store_query(c, buf_str(&sql), p, np, err);
        if (!rows) {
            store_rollback(c);
        } else {
            size_t n = store_rows_count(rows);
            const char **sources = xcalloc(n ? n : 1, sizeof *sources);
            for (size_t r = 0; r < n; r++)
                sources[r] = store_rows_text(rows, r, 0);
            out = delete_sources(env, &col, c, sources, n, err);
            free(sources);
            store_rows_free(rows);
        }
        free(p);
        buf_free(&sql);
    }
    store_release(env->store, c);
    vs_collection_clear(&col);
    vs_filter_free(&f);
    return out;
}
