/* index_cache.c - the per-collection HNSW indexes of this process (index_cache.h).
 *
 * Entries live in a list under one mutex, keyed by collection id (a uuid, so a collection that
 * is deleted and created again under the same name never meets its predecessor's index). Each
 * entry has a rwlock: searches read, (re)builds and applied changes write. The chunk metadata
 * the filter callback needs is kept beside the index, in a label map from chunk id to a slot of
 * a json_t* array.
 *
 * On disk: <data_dir>/vectors/<id>.hnsw (hnsw_save's checksummed format) and <id>.gen, one line
 * "<generation> <vectors>" written after the index file, so a crash between the two leaves a
 * generation that no longer matches, and the index is rebuilt from the database. */
#include "vector/index_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "vector/labelmap.h"

struct vs_index {
    char id[40];
    pthread_rwlock_t lock;
    hnsw_t *hnsw;       /* NULL until built */
    int64_t generation; /* of the database state hnsw reflects */
    labelmap_t slots;   /* chunk id -> index into meta */
    json_t **meta;
    size_t nmeta, capmeta;
    int from_file;           /* the last build read the index file */
    int pending;             /* changes between vs_index_change_begin and _end (under cache_mu) */
    pthread_mutex_t save_mu; /* one save at a time (saves run under the read lock) */
    int refs;
    int dropped; /* the collection is gone: free at the last release */
    struct vs_index *next;
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static vs_index_t *cache_head;

static void meta_clear(vs_index_t *ix)
{
    for (size_t i = 0; i < ix->nmeta; i++)
        json_decref(ix->meta[i]);
    free(ix->meta);
    ix->meta = NULL;
    ix->nmeta = ix->capmeta = 0;
    labelmap_free(&ix->slots);
    memset(&ix->slots, 0, sizeof ix->slots);
}

/* Record chunk id's metadata (a new reference is taken). */
static void meta_put(vs_index_t *ix, uint64_t id, json_t *metadata)
{
    uint32_t slot;
    if (labelmap_get(&ix->slots, id, &slot)) {
        json_decref(ix->meta[slot]);
        ix->meta[slot] = json_incref(metadata);
        return;
    }
    if (ix->nmeta == ix->capmeta) {
        ix->capmeta = ix->capmeta ? ix->capmeta * 2 : 256;
        ix->meta = xrealloc(ix->meta, ix->capmeta * sizeof *ix->meta);
    }
    if (labelmap_reserve(&ix->slots, ix->slots.len + 1) != 0)
        abort(); /* as xmalloc does: out of memory is not survivable here */
    ix->meta[ix->nmeta] = json_incref(metadata);
    labelmap_put(&ix->slots, id, (uint32_t)ix->nmeta);
    ix->nmeta++;
}

/* Deleted chunks keep their slot (with NULL metadata) until the next rebuild. */
static void meta_remove(vs_index_t *ix, uint64_t id)
{
    uint32_t slot;
    if (labelmap_get(&ix->slots, id, &slot)) {
        json_decref(ix->meta[slot]);
        ix->meta[slot] = NULL;
        labelmap_remove(&ix->slots, id);
    }
}

const json_t *vs_index_metadata(vs_index_t *ix, uint64_t chunk_id)
{
    uint32_t slot;
    return labelmap_get(&ix->slots, chunk_id, &slot) ? ix->meta[slot] : NULL;
}

hnsw_t *vs_index_hnsw(vs_index_t *ix)
{
    return ix->hnsw;
}

static void paths(const vs_env_t *env, const char *id, char *index, char *gen, size_t size)
{
    snprintf(index, size, "%s/vectors/%s.hnsw", env->data_dir, id);
    snprintf(gen, size, "%s/vectors/%s.gen", env->data_dir, id);
}

/* Save the index and then its generation line (temporary file + rename). Failures are logged:
 * the index in memory is right, and a missing file only costs a rebuild. */
static void save(const vs_env_t *env, vs_index_t *ix)
{
    if (!env->data_dir || !*env->data_dir)
        return;
    char index[1200], gen[1200], tmp[1300], dir[1100];
    paths(env, ix->id, index, gen, sizeof index);
    snprintf(dir, sizeof dir, "%s/vectors", env->data_dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        log_msg(LOG_WARN, "vectors: cannot create %s: %s", dir, strerror(errno));
        return;
    }
    unlink(gen); /* while the index file changes, no generation vouches for it */
    err_t err;
    if (hnsw_save(ix->hnsw, index, &err) != 0) {
        log_msg(LOG_WARN, "vectors: saving %s: %s", index, err.message);
        return;
    }
    hnsw_info_t info;
    hnsw_info(ix->hnsw, &info);
    snprintf(tmp, sizeof tmp, "%s.tmp", gen);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%" PRId64 " %zu\n", ix->generation, info.live);
    if (fclose(f) != 0 || rename(tmp, gen) != 0)
        unlink(tmp);
}

typedef struct build_ctx {
    vs_index_t *ix;
    hnsw_t *h;
    int with_vectors;
    uint32_t dim;
    size_t rows;
} build_ctx_t;

static int build_row(void *ctx, const store_rows_t *rows, size_t r, err_t *err)
{
    build_ctx_t *b = ctx;
    uint64_t id = (uint64_t)store_rows_int(rows, r, 0);
    json_t *meta = json_loads(store_rows_text(rows, r, 1), 0, NULL);
    meta_put(b->ix, id, meta ? meta : json_object());
    json_decref(meta);
    b->rows++;
    if (!b->with_vectors)
        return 0;
    size_t len = 0;
    const void *blob = store_rows_blob(rows, r, 2, &len);
    if (len != (size_t)b->dim * sizeof(float))
        return err_internal(err, "chunk %" PRIu64 " has a vector of %zu bytes", id, len);
    float *v = xmalloc(len);
    memcpy(v, blob, len);
    int rc = hnsw_add(b->h, id, v, err);
    free(v);
    return rc;
}

/* (Re)build ix for col under its write lock: from the files when they match the database,
 * else from the stored vectors. */
static int build(vs_env_t *env, const vs_collection_t *col, vs_index_t *ix, err_t *err)
{
    store_conn_t *c = store_acquire(env->store);
    /* One transaction, so the generation and the rows are the same snapshot. */
    if (store_begin(c, err) != 0) {
        store_release(env->store, c);
        return -1;
    }
    store_value_t p[] = {sv_text(col->id)};
    store_rows_t *rows =
        store_query(c,
                    "SELECT generation, (SELECT COUNT(*) FROM vector_chunks WHERE collection_id = "
                    "vector_collections.id) FROM vector_collections WHERE id = ?",
                    p, 1, err);
    if (!rows || store_rows_count(rows) != 1) {
        if (rows)
            err_not_found(err, "collection '%s' not found", col->name);
        store_rows_free(rows);
        store_rollback(c);
        store_release(env->store, c);
        return -1;
    }
    int64_t generation = store_rows_int(rows, 0, 0);
    size_t count = (size_t)store_rows_int(rows, 0, 1);
    store_rows_free(rows);

    hnsw_t *loaded = NULL;
    if (env->data_dir && *env->data_dir) {
        char index[1200], gen[1200];
        paths(env, col->id, index, gen, sizeof index);
        FILE *f = fopen(gen, "r");
        int64_t saved_gen = -1;
        size_t saved_count = 0;
        if (f) {
            if (fscanf(f, "%" SCNd64 " %zu", &saved_gen, &saved_count) != 2)
                saved_gen = -1;
            fclose(f);
        }
        err_t lerr;
        if (saved_gen == generation && saved_count == count &&
            hnsw_load(index, &loaded, &lerr) == 0) {
            hnsw_info_t info;
            hnsw_info(loaded, &info);
            if (info.live != count || info.params.dim != col->dim ||
                info.params.metric != col->metric) {
                hnsw_free(loaded);
                loaded = NULL;
            }
        }
    }
    hnsw_t *h = loaded;
    if (!h) {
        hnsw_params_t params;
        hnsw_params_default(&params, col->metric, col->dim);
        params.capacity =
            count > HNSW_DEFAULT_CAPACITY ? (uint32_t)count + 16 : HNSW_DEFAULT_CAPACITY;
        if (hnsw_create(&params, &h, err) != 0) {
            store_rollback(c);
            store_release(env->store, c);
            return -1;
        }
    }
    meta_clear(ix);
    build_ctx_t b = {.ix = ix, .h = h, .with_vectors = loaded == NULL, .dim = col->dim};
    int rc = store_query_each(c,
                              loaded ? "SELECT id, metadata FROM vector_chunks WHERE "
                                       "collection_id = ? ORDER BY id"
                                     : "SELECT id, metadata, vector FROM vector_chunks WHERE "
                                       "collection_id = ? ORDER BY id",
                              p, 1, build_row, &b, err);
    store_rollback(c); /* read only */
    store_release(env->store, c);
    if (rc != 0) {
        hnsw_free(h);
        meta_clear(ix);
        return -1;
    }
    hnsw_free(ix->hnsw);
    ix->hnsw = h;
    ix->generation = generation;
    ix->from_file = loaded != NULL;
    if (!loaded)
        save(env, ix);
    log_msg(LOG_INFO, "vectors: index of '%s' %s (%zu vectors, generation %" PRId64 ")", col->name,
            loaded ? "loaded" : "built", b.rows, generation);
    return 0;
}

/* The cache entry of id, created when create is set; a reference is taken. */
static vs_index_t *entry(const char *id, int create)
{
    pthread_mutex_lock(&cache_mu);
    vs_index_t *ix = cache_head;
    while (ix && strcmp(ix->id, id) != 0)
        ix = ix->next;
    if (!ix && create) {
        ix = xcalloc(1, sizeof *ix);
        snprintf(ix->id, sizeof ix->id, "%s", id);
        pthread_rwlock_init(&ix->lock, NULL);
        pthread_mutex_init(&ix->save_mu, NULL);
        ix->generation = -1;
        ix->next = cache_head;
        cache_head = ix;
    }
    if (ix)
        ix->refs++;
    pthread_mutex_unlock(&cache_mu);
    return ix;
}

static void entry_free(vs_index_t *ix)
{
    hnsw_free(ix->hnsw);
    meta_clear(ix);
    pthread_rwlock_destroy(&ix->lock);
    pthread_mutex_destroy(&ix->save_mu);
    free(ix);
}

static void unref(vs_index_t *ix)
{
    pthread_mutex_lock(&cache_mu);
    int last = --ix->refs == 0 && ix->dropped;
    pthread_mutex_unlock(&cache_mu);
    if (last)
        entry_free(ix);
}

int vs_index_acquire(vs_env_t *env, const vs_collection_t *col, vs_index_t **out, err_t *err)
{
    vs_index_t *ix = entry(col->id, 1);
    pthread_rwlock_rdlock(&ix->lock);
    pthread_mutex_lock(&cache_mu);
    int in_flight = ix->pending > 0;
    pthread_mutex_unlock(&cache_mu);
    /* One commit behind while this process applies a change: that change is the difference. */
    if (ix->hnsw && (ix->generation >= col->generation ||
                     (in_flight && ix->generation + 1 == col->generation))) {
        *out = ix;
        return 0;
    }
    pthread_rwlock_unlock(&ix->lock);
    pthread_rwlock_wrlock(&ix->lock);
    int rc = 0;
    if (!ix->hnsw || ix->generation < col->generation)
        rc = build(env, col, ix, err);
    pthread_rwlock_unlock(&ix->lock);
    if (rc != 0) {
        unref(ix);
        return -1;
    }
    /* Between the two locks another change may have been applied; the index is then only
     * newer, which is what a search wants. */
    pthread_rwlock_rdlock(&ix->lock);
    *out = ix;
    return 0;
}

void vs_index_release(vs_index_t *ix)
{
    pthread_rwlock_unlock(&ix->lock);
    unref(ix);
}

vs_index_t *vs_index_change_begin(const char *collection_id)
{
    vs_index_t *ix = entry(collection_id, 1);
    pthread_mutex_lock(&cache_mu);
    ix->pending++;
    pthread_mutex_unlock(&cache_mu);
    return ix;
}

void vs_index_change_end(vs_env_t *env, vs_index_t *ix, const vs_collection_t *col, int64_t from,
                         int64_t to, const vs_index_change_t *change)
{
    int applied = 0;
    pthread_rwlock_wrlock(&ix->lock);
    if (to && ix->hnsw && ix->generation == from) {
        err_t err;
        int ok = 1;
        for (size_t i = 0; ok && i < change->nremoved; i++) {
            meta_remove(ix, (uint64_t)change->removed[i]);
            ok =
                hnsw_delete(ix->hnsw, (uint64_t)change->removed[i], &err) == 0 || err.status == 404;
        }
        for (size_t i = 0; ok && i < change->nadded; i++) {
            meta_put(ix, (uint64_t)change->added[i], change->metadata[i]);
            ok = hnsw_add(ix->hnsw, (uint64_t)change->added[i], change->vectors + i * col->dim,
                          &err) == 0;
        }
        if (ok) {
            ix->generation = to;
            applied = 1;
        } else {
            log_msg(LOG_WARN,
                    "vectors: applying a change to '%s' failed (%s); rebuilding at next use",
                    col->name, err.message);
            hnsw_free(ix->hnsw);
            ix->hnsw = NULL;
            meta_clear(ix);
        }
    }
    /* else: nothing committed, or the index is behind (or ahead of) this change; the
     * generation check at the next acquire rebuilds it. */
    pthread_rwlock_unlock(&ix->lock);
    pthread_mutex_lock(&cache_mu);
    ix->pending--;
    pthread_mutex_unlock(&cache_mu);
    if (applied) {
        /* Saved under the read lock, so searches go on while the file is written. */
        pthread_rwlock_rdlock(&ix->lock);
        pthread_mutex_lock(&ix->save_mu);
        if (ix->hnsw)
            save(env, ix);
        pthread_mutex_unlock(&ix->save_mu);
        pthread_rwlock_unlock(&ix->lock);
    }
    unref(ix);
}

void vs_index_drop(vs_env_t *env, const char *collection_id)
{
    pthread_mutex_lock(&cache_mu);
    vs_index_t **pp = &cache_head;
    vs_index_t *ix = NULL;
    while (*pp && strcmp((*pp)->id, collection_id) != 0)
        pp = &(*pp)->next;
    if (*pp) {
        ix = *pp;
        *pp = ix->next;
        ix->dropped = 1;
    }
    int free_now = ix && ix->refs == 0;
    pthread_mutex_unlock(&cache_mu);
    if (free_now)
        entry_free(ix);
    if (env->data_dir && *env->data_dir) {
        char index[1200], gen[1200];
        paths(env, collection_id, index, gen, sizeof index);
        unlink(gen);
        unlink(index);
    }
}

int vs_index_from_file(vs_index_t *ix)
{
    return ix->from_file;
}

void vs_index_forget_all(void)
{
    pthread_mutex_lock(&cache_mu);
    vs_index_t *ix = cache_head;
    cache_head = NULL;
    pthread_mutex_unlock(&cache_mu);
    while (ix) {
        vs_index_t *next = ix->next;
        entry_free(ix);
        ix = next;
    }
}
