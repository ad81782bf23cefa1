/* search.c - searching a collection (vectors.h vs_search).
 *
 *   dense    the query is embedded with the collection's embedder and looked up in the
 *            collection's HNSW index (index_cache.h), or scanned exactly with "exact": true.
 *            A filter is the index's accept callback, evaluated on each candidate during the
 *            walk (hnsw.h, Filters), so k filtered results come back whenever k exist.
 *            score: the similarity (cosine: 1 - distance; dot: the inner product; l2: minus the
 *            squared distance).
 *   keyword  BM25 over the chunk texts: SQLite FTS5's bm25() (score: -bm25, higher is better),
 *            PostgreSQL ts_rank_cd over the chunks' tsvector (GIN index). The query's words are
 *            ORed; the filter is part of the SQL WHERE clause.
 *   hybrid   both, each to depth max(k, VS_HYBRID_DEPTH), fused by reciprocal rank fusion with
 *            k = VS_RRF_K (rrf.c); score: the fused score.
 * Every result names the retrievers that found it and its rank in each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "vector/distance.h"
#include "vector/embedder.h"
#include "vector/filter.h"
#include "vector/index_cache.h"
#include "vector/vectors.h"

typedef struct ranked {
    int64_t *ids;
    double *scores;
    size_t n;
} ranked_t;

typedef struct accept_ctx {
    vs_index_t *ix;
    const vs_filter_t *filter;
} accept_ctx_t;

static int accept_chunk(uint64_t label, void *ctx)
{
    accept_ctx_t *a = ctx;
    return vs_filter_match(a->filter, vs_index_metadata(a->ix, label));
}

static int dense(vs_env_t *env, const vs_collection_t *col, const char *query, size_t depth,
                 int exact, uint32_t ef, const vs_filter_t *filter, ranked_t *out, err_t *err)
{
    float *q = xmalloc(col->dim * sizeof *q);
    if (vs_embed(env->gateway, col->embedder, col->dim, &query, 1, q, err) != 0 ||
        vec_prepare(col->metric, q, q, col->dim, "query", err) != 0) {
        free(q);
        return -1;
    }
    vs_index_t *ix;
    if (vs_index_acquire(env, col, &ix, err) != 0) {
        free(q);
        return -1;
    }
    accept_ctx_t actx = {.ix = ix, .filter = filter};
    hnsw_search_opts_t opts = {.ef_search = ef,
                               .accept = filter->n ? accept_chunk : NULL,
                               .accept_ctx = &actx,
                               .strategy = exact ? HNSW_EXACT : HNSW_AUTO};
    vec_hit_t *hits = xmalloc(depth * sizeof *hits);
    size_t nhits = 0;
    int rc = hnsw_search(vs_index_hnsw(ix), q, depth, &opts, hits, &nhits, NULL, err);
    vs_index_release(ix);
    free(q);
    if (rc == 0) {
        out->ids = xmalloc((nhits ? nhits : 1) * sizeof *out->ids);
        out->scores = xmalloc((nhits ? nhits : 1) * sizeof *out->scores);
        for (size_t i = 0; i < nhits; i++) {
            out->ids[i] = (int64_t)hits[i].label;
            double d = hits[i].distance;
            out->scores[i] = col->metric == VEC_COSINE ? 1.0 - d : -d;
        }
        out->n = nhits;
    }
    free(hits);
    return rc;
}

/* The query's words for the full-text engines: runs of letters and digits (UTF-8 bytes count as
 * letters), ORed. SQLite gets each as a quoted FTS5 string, PostgreSQL as a to_tsquery term:
 * neither can then be read as query syntax. Returns the number of words. */
static size_t fts_query(const char *query, store_kind_t kind, buf_t *out)
{
    size_t words = 0;
    const unsigned char *p = (const unsigned char *)query;
    while (*p) {
        while (*p && !(*p >= 0x80 || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                       (*p >= 'A' && *p <= 'Z')))
            p++;
        if (!*p)
            break;
        const unsigned char *start = p;
        while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= 'A' && *p <= 'Z')))
            p++;
        if (words++)
            buf_append_str(out, kind == STORE_POSTGRES ? " | " : " OR ");
        if (kind == STORE_SQLITE)
            buf_append_char(out, '"');
        buf_append(out, start, (size_t)(p - start));
        if (kind == STORE_SQLITE)
            buf_append_char(out, '"');
    }
    return words;
}

static int keyword(vs_env_t *env, const vs_collection_t *col, const char *query, size_t depth,
                   const vs_filter_t *filter, ranked_t *out, err_t *err)
{
    store_conn_t *c = store_acquire(env->store);
    store_kind_t kind = store_conn_kind(c);
    buf_t q, sql;
    buf_init(&q);
    buf_init(&sql);
    int rc = 0;
    if (fts_query(query, kind, &q) == 0)
        goto done; /* no words: nothing to match */
    store_value_t *p = xcalloc(3 + vs_filter_sql_params(filter), sizeof *p);
    size_t np = 0;
    if (kind == STORE_SQLITE) {
        buf_append_str(&sql, "SELECT c.id, -bm25(vector_chunks_fts) AS s FROM vector_chunks_fts "
                             "JOIN vector_chunks c ON c.id = vector_chunks_fts.rowid "
                             "WHERE vector_chunks_fts MATCH ? AND c.collection_id = ?");
    } else {
        buf_append_str(&sql, "SELECT c.id, ts_rank_cd(c.tsv, q) AS s FROM vector_chunks c, "
                             "to_tsquery('english', ?) q WHERE c.tsv @@ q AND c.collection_id = ?");
    }
    p[np++] = sv_text(buf_str(&q));
    p[np++] = sv_text(col->id);
    vs_filter_sql(filter, kind, "c.metadata", &sql, p, &np);
    buf_append_str(&sql, " ORDER BY s DESC, c.id LIMIT ?");
    p[np++] = sv_int((int64_t)depth);
    store_rows_t *rows = store_query(c, buf_str(&sql), p, np, err);
    free(p);
    if (!rows) {
        rc = -1;
        goto done;
    }
    size_t n = store_rows_count(rows);
    out->ids = xmalloc((n ? n : 1) * sizeof *out->ids);
    out->scores = xmalloc((n ? n : 1) * sizeof *out->scores);
    for (size_t r = 0; r < n; r++) {
        out->ids[r] = store_rows_int(rows, r, 0);
        out->scores[r] = store_rows_real(rows, r, 1);
    }
    out->n = n;
    store_rows_free(rows);
done:
    store_release(env->store, c);
    buf_free(&q);
    buf_free(&sql);
    return rc;
}

/* 1-based rank of id in r, or 0. */
static size_t rank_of(const ranked_t *r, int64_t id, double *score)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->ids[i] == id) {
            *score = r->scores[i];
            return i + 1;
        }
    return 0;
}

/* The stored chunks of ids, as results in the order of ids. */
static json_t *results(vs_env_t *env, const vs_collection_t *col, const int64_t *ids,
                       const double *scores, size_t n, const ranked_t *dense_r,
                       const ranked_t *keyword_r, err_t *err)
{
    json_t *list = json_array();
    if (!n)
        return list;
    buf_t sql;
    buf_init(&sql);
    buf_append_str(&sql, "SELECT id, source, position, text, metadata FROM vector_chunks WHERE "
                         "collection_id = ? AND id IN (");
    store_value_t *p = xcalloc(n + 1, sizeof *p);
    p[0] = sv_text(col->id);
    for (size_t i = 0; i < n; i++) {
        buf_append_str(&sql, i ? ", ?" : "?");
        p[i + 1] = sv_int(ids[i]);
    }
    buf_append_str(&sql, ")");
    store_conn_t *c = store_acquire(env->store);
    store_rows_t *rows = store_query(c, buf_str(&sql), p, n + 1, err);
    store_release(env->store, c);
    free(p);
    buf_free(&sql);
    if (!rows) {
        json_decref(list);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t r = 0, count = store_rows_count(rows);
        while (r < count && store_rows_int(rows, r, 0) != ids[i])
            r++;
        if (r == count)
            continue; /* deleted since the index answered */
        json_t *meta = json_loads(store_rows_text(rows, r, 4), 0, NULL);
        json_t *retrievers = json_array(), *ranks = json_object(), *by = json_object();
        double s;
        size_t rk;
        if (dense_r && (rk = rank_of(dense_r, ids[i], &s))) {
            json_array_append_new(retrievers, json_string("dense"));
            json_object_set_new(ranks, "dense", json_integer((json_int_t)rk));
            json_object_set_new(by, "dense", json_real(s));
        }
        if (keyword_r && (rk = rank_of(keyword_r, ids[i], &s))) {
            json_array_append_new(retrievers, json_string("keyword"));
            json_object_set_new(ranks, "keyword", json_integer((json_int_t)rk));
            json_object_set_new(by, "keyword", json_real(s));
        }
        json_array_append_new(list,
                              json_pack("{s:I, s:s, s:I, s:s, s:o, s:f, s:o, s:o, s:o}", "id",
                                        (json_int_t)ids[i], "source", store_rows_text(rows, r, 1),
                                        "position", (json_int_t)store_rows_int(rows, r, 2), "text",
                                        store_rows_text(rows, r, 3), "metadata",
                                        meta ? meta : json_object(), "score", scores[i],
                                        "retrievers", retrievers, "ranks", ranks, "scores", by));
    }
    store_rows_free(rows);
    return list;
}

json_t *vs_search(vs_env_t *env, const char *name, const json_t *body, err_t *err)
{
    const char *query = NULL, *mode = "hybrid";
    int64_t k = 10, ef = 0;
    int exact = 0;
    if (json_field_string(body, "query", 1, VS_QUERY_MAX, &query, err) != 0 ||
        json_field_string(body, "mode", 0, 16, &mode, err) != 0 ||
        json_field_int(body, "k", 0, &k, err) != 0 ||
        json_field_int(body, "ef", 0, &ef, err) != 0 ||
        json_field_bool(body, "exact", 0, &exact, err) != 0)
        return NULL;
    int want_dense = strcmp(mode, "dense") == 0 || strcmp(mode, "hybrid") == 0;
    int want_keyword = strcmp(mode, "keyword") == 0 || strcmp(mode, "hybrid") == 0;
    if (!want_dense && !want_keyword) {
        err_invalid(err, "mode", "mode must be dense, keyword or hybrid");
        return NULL;
    }
    if (!*query) {
        err_invalid(err, "query", "query must not be empty");
        return NULL;
    }
    if (k < 1 || k > 1000) {
        err_invalid(err, "k", "k must be between 1 and 1000");
        return NULL;
    }
    if (ef < 0 || ef > HNSW_EF_MAX) {
        err_invalid(err, "ef", "ef must be between 1 and %d", HNSW_EF_MAX);
        return NULL;
    }
    vs_filter_t filter;
    if (vs_filter_parse(json_object_get(body, "filter"), &filter, err) != 0)
        return NULL;
    vs_collection_t col = {0};
    store_conn_t *c = store_acquire(env->store);
    int rc = vs_collection_load(c, name, &col, err);
    store_release(env->store, c);
    json_t *out = NULL;
    ranked_t dr = {0}, kr = {0};
    int64_t *ids = NULL;
    double *scores = NULL;
    if (rc != 0)
        goto done;
    size_t depth = want_dense && want_keyword
                       ? ((size_t)k > VS_HYBRID_DEPTH ? (size_t)k : VS_HYBRID_DEPTH)
                       : (size_t)k;
    if (want_dense && dense(env, &col, query, depth, exact, (uint32_t)ef, &filter, &dr, err) != 0)
        goto done;
    if (want_keyword && keyword(env, &col, query, depth, &filter, &kr, err) != 0)
        goto done;
    size_t n;
    if (want_dense && want_keyword) {
        const int64_t *lists[] = {dr.ids, kr.ids};
        size_t lens[] = {dr.n, kr.n};
        ids = xmalloc((dr.n + kr.n + 1) * sizeof *ids);
        scores = xmalloc((dr.n + kr.n + 1) * sizeof *scores);
        n = vs_rrf(lists, lens, 2, VS_RRF_K, (size_t)k, ids, scores);
    } else {
        ranked_t *r = want_dense ? &dr : &kr;
        n = r->n;
        ids = xmalloc((n + 1) * sizeof *ids);
        scores = xmalloc((n + 1) * sizeof *scores);
        if (n) {
            memcpy(ids, r->ids, n * sizeof *ids);
            memcpy(scores, r->scores, n * sizeof *scores);
        }
    }
    json_t *list =
        results(env, &col, ids, scores, n, want_dense ? &dr : NULL, want_keyword ? &kr : NULL, err);
    if (list)
        out = json_pack("{s:o, s:s, s:b, s:I}", "results", list, "mode", mode, "exact", exact, "k",
                        (json_int_t)k);
done:
    free(ids);
    free(scores);
    free(dr.ids);
    free(dr.scores);
    free(kr.ids);
    free(kr.scores);
    vs_filter_free(&filter);
    vs_collection_clear(&col);
    return out;
}
