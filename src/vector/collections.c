/* collections.c - vector collections: create, list, get, delete (vectors.h). A collection fixes
 * its dimension, distance, embedder and chunking at creation; they cannot change later, since
 * every stored vector depends on them. */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "vector/chunker.h"
#include "vector/embedder.h"
#include "vector/index_cache.h"
#include "vector/vectors.h"

#define COLLECTION_COLUMNS                                                                         \
    "name, id, dim, distance, embedder, chunk_size, chunk_overlap, generation, created_at"

static int valid_name(const char *name)
{
    size_t len = strlen(name);
    if (!len || len > VS_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return 0;
    return 1;
}

static void from_row(const store_rows_t *rows, size_t r, vs_collection_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", store_rows_text(rows, r, 0));
    snprintf(out->id, sizeof out->id, "%s", store_rows_text(rows, r, 1));
    out->dim = (uint32_t)store_rows_int(rows, r, 2);
    vec_metric_parse(store_rows_text(rows, r, 3), &out->metric, "distance", NULL);
    const char *emb = store_rows_text(rows, r, 4);
    out->embedder = json_loads(emb ? emb : "{}", 0, NULL);
    if (!out->embedder)
        out->embedder = json_pack("{s:s}", "type", "local");
    out->chunk_size = store_rows_int(rows, r, 5);
    out->chunk_overlap = store_rows_int(rows, r, 6);
    out->generation = store_rows_int(rows, r, 7);
    out->created_at = store_rows_int(rows, r, 8);
}

void vs_collection_clear(vs_collection_t *col)
{
    json_decref(col->embedder);
    col->embedder = NULL;
}

json_t *vs_collection_json(const vs_collection_t *col)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:O, s:I, s:I, s:I}", "name", col->name, "id", col->id,
                     "dimension", (int)col->dim, "distance", vec_metric_name(col->metric),
                     "embedder", col->embedder, "chunk_size", (json_int_t)col->chunk_size,
                     "chunk_overlap", (json_int_t)col->chunk_overlap, "created_at",
                     (json_int_t)col->created_at);
}

int vs_collection_load(store_conn_t *c, const char *name, vs_collection_t *out, err_t *err)
{
    if (!name || !valid_name(name))
        return err_not_found(err, "collection '%s' not found", name ? name : "");
    store_value_t p[] = {sv_text(name)};
    store_rows_t *rows = store_query(
        c, "SELECT " COLLECTION_COLUMNS " FROM vector_collections WHERE name = ?", p, 1, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) == 1;
    if (found)
        from_row(rows, 0, out);
    store_rows_free(rows);
    return found ? 0 : err_not_found(err, "collection '%s' not found", name);
}

static int int_field(const json_t *body, const char *field, int64_t def, int64_t min, int64_t max,
                     int64_t *out, err_t *err)
{
    *out = def;
    if (json_field_int(body, field, 0, out, err) != 0)
        return -1;
    if (*out < min || *out > max)
        return err_invalid(err, field, "%s must be between %lld and %lld", field, (long long)min,
                           (long long)max);
    return 0;
}

json_t *vs_collection_create(vs_env_t *env, const json_t *body, err_t *err)
{
    const char *name = NULL, *distance = "cosine";
    int64_t dim, size, overlap;
    vec_metric_t metric;
    json_t *embedder = json_object_get(body, "embedder");
    if (json_field_string(body, "name", 1, 0, &name, err) != 0)
        return NULL;
    if (!valid_name(name)) {
        err_invalid(err, "name", "name must be 1-%d letters, digits, '_', '-' or '.'", VS_NAME_MAX);
        return NULL;
    }
    if (json_field_string(body, "distance", 0, 16, &distance, err) != 0 ||
        vec_metric_parse(distance, &metric, "distance", err) != 0 ||
        vs_embedder_validate(embedder && !json_is_null(embedder) ? embedder : NULL, err) != 0)
        return NULL;
    int openai = embedder && json_is_object(embedder) &&
                 strcmp(json_string_value(json_object_get(embedder, "type")), "openai") == 0;
    if (openai && !json_object_get(body, "dimension")) {
        err_invalid(err, "dimension", "an openai embedder needs the model's dimension");
        return NULL;
    }
    if (int_field(body, "dimension", VS_DIM_DEFAULT, VEC_DIM_MIN, VEC_DIM_MAX, &dim, err) != 0 ||
        int_field(body, "chunk_size", VS_CHUNK_SIZE_DEFAULT, VS_CHUNK_SIZE_MIN, VS_CHUNK_SIZE_MAX,
                  &size, err) != 0 ||
        int_field(body, "chunk_overlap",
                  size / 8 < VS_OVERLAP_DEFAULT ? size / 8 : VS_OVERLAP_DEFAULT, 0, size / 2 - 1,
                  &overlap, err) != 0)
        return NULL;
    vs_collection_t col = {0};
    snprintf(col.name, sizeof col.name, "%s", name);
    ids_uuid7(col.id);
    col.dim = (uint32_t)dim;
    col.metric = metric;
    col.embedder = embedder && !json_is_null(embedder) ? json_deep_copy(embedder)
                                                       : json_pack("{s:s}", "type", "local");
    col.chunk_size = size;
    col.chunk_overlap = overlap;
    col.created_at = clock_now_ms();
    char *emb = json_dumps(col.embedder, JSON_COMPACT | JSON_SORT_KEYS);
    store_value_t p[] = {sv_text(col.name), sv_text(col.id),       sv_int(col.dim),
                         sv_text(distance), sv_text(emb),          sv_int(size),
                         sv_int(overlap),   sv_int(col.created_at)};
    store_conn_t *c = store_acquire(env->store);
    int64_t rc = store_exec(c,
                            "INSERT INTO vector_collections (name, id, dim, distance, embedder, "
                            "chunk_size, chunk_overlap, generation, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
                            p, 8, err);
    store_release(env->store, c);
    free(emb);
    json_t *out = NULL;
    if (rc >= 0)
        out = json_pack("{s:o}", "collection", vs_collection_json(&col));
    else if (err->status == 409)
        err_conflict(err, "collection '%s' already exists", name);
    vs_collection_clear(&col);
    return out;
}

json_t *vs_collection_list(vs_env_t *env, err_t *err)
{
    store_conn_t *c = store_acquire(env->store);
    store_rows_t *rows = store_query(
        c, "SELECT " COLLECTION_COLUMNS " FROM vector_collections ORDER BY name", NULL, 0, err);
    store_release(env->store, c);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        vs_collection_t col;
        from_row(rows, r, &col);
        json_array_append_new(list, vs_collection_json(&col));
        vs_collection_clear(&col);
    }
    store_rows_free(rows);
    return json_pack("{s:o}", "collections", list);
}

json_t *vs_collection_get(vs_env_t *env, const char *name, err_t *err)
{
    store_conn_t *c = store_acquire(env->store);
    vs_collection_t col;
    json_t *out = NULL;
    if (vs_collection_load(c, name, &col, err) == 0) {
        store_value_t p[] = {sv_text(col.id), sv_text(col.id)};
        store_rows_t *rows =
            store_query(c,
                        "SELECT (SELECT COUNT(*) FROM vector_documents WHERE collection_id = ?), "
                        "(SELECT COUNT(*) FROM vector_chunks WHERE collection_id = ?)",
                        p, 2, err);
        if (rows) {
            json_t *j = vs_collection_json(&col);
            json_object_set_new(j, "documents", json_integer(store_rows_int(rows, 0, 0)));
            json_object_set_new(j, "chunks", json_integer(store_rows_int(rows, 0, 1)));
            out = json_pack("{s:o}", "collection", j);
            store_rows_free(rows);
        }
        vs_collection_clear(&col);
    }
    store_release(env->store, c);
    return out;
}

int vs_collection_delete(vs_env_t *env, const char *name, err_t *err)
{
    store_conn_t *c = store_acquire(env->store);
    vs_collection_t col = {0};
    int ok = store_begin(c, err) == 0;
    int loaded = ok && vs_collection_load(c, name, &col, err) == 0;
    ok = loaded;
    store_value_t p[] = {sv_text(col.id)};
    ok = ok && store_exec(c, "DELETE FROM vector_chunks WHERE collection_id = ?", p, 1, err) >= 0;
    ok =
        ok && store_exec(c, "DELETE FROM vector_documents WHERE collection_id = ?", p, 1, err) >= 0;
    ok = ok && store_exec(c, "DELETE FROM vector_collections WHERE id = ?", p, 1, err) >= 0;
    int rc = store_finish(c, ok, err);
    store_release(env->store, c);
    if (rc == 0)
        vs_index_drop(env, col.id);
    if (loaded)
        vs_collection_clear(&col);
    return rc;
}
