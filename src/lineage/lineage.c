/* lineage.c - recording edges and walking the lineage graph (see lineage.h).
 *
 * The walk is a recursive CTE, which SQLite and PostgreSQL both run, so a whole upstream or
 * downstream closure is one round trip. UNION (not UNION ALL) drops repeated (node, depth)
 * rows, and the depth bound stops cycles. */
#include "lineage/lineage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/sql_builder.h"

#define EDGE_COLUMNS "id, src_type, src_id, dst_type, dst_id, relation, created_at"

static int valid_type(const char *type)
{
    size_t n = strlen(type);
    if (n == 0 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((type[i] >= 'a' && type[i] <= 'z') || (type[i] >= '0' && type[i] <= '9') ||
              type[i] == '_'))
            return 0;
    return 1;
}

static int check_node(const char *type, const char *id, const char *type_field,
                      const char *id_field, err_t *err)
{
    if (!type || !valid_type(type))
        return err_invalid(err, type_field,
                           "%s must be 1-40 characters of a-z, 0-9 and '_' (e.g. \"dataset\")",
                           type_field);
    if (!id || !id[0] || strlen(id) > LINEAGE_ID_MAX)
        return err_invalid(err, id_field, "%s must be 1-%d characters", id_field, LINEAGE_ID_MAX);
    return 0;
}

static json_t *edge_json(const store_rows_t *rows, size_t r)
{
    return json_pack(
        "{s:I, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:I}", "id", (json_int_t)store_rows_int(rows, r, 0),
        "from", "type", store_rows_text(rows, r, 1), "id", store_rows_text(rows, r, 2), "to",
        "type", store_rows_text(rows, r, 3), "id", store_rows_text(rows, r, 4), "relation",
        store_rows_text(rows, r, 5), "created_at", (json_int_t)store_rows_int(rows, r, 6));
}

json_t *lineage_record(store_conn_t *c, const lineage_edge_in_t *e, int *created, err_t *err)
{
    if (check_node(e->src_type, e->src_id, "from.type", "from.id", err) != 0 ||
        check_node(e->dst_type, e->dst_id, "to.type", "to.id", err) != 0)
        return NULL;
    if (!e->relation || !valid_type(e->relation)) {
        err_invalid(err, "relation",
                    "relation must be 1-40 characters of a-z, 0-9 and '_' (e.g. \"input\")");
        return NULL;
    }
    store_value_t key[] = {sv_text(e->src_type), sv_text(e->src_id), sv_text(e->dst_type),
                           sv_text(e->dst_id), sv_text(e->relation)};
    store_value_t insert[] = {key[0], key[1], key[2], key[3], key[4], sv_int(clock_now_ms())};
    int64_t n = store_exec(c,
                           "INSERT INTO lineage_edges (src_type, src_id, dst_type, dst_id, "
                           "relation, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           insert, 6, err);
    if (n < 0)
        return NULL;
    store_rows_t *rows =
        store_query(c,
                    "SELECT " EDGE_COLUMNS " FROM lineage_edges WHERE src_type = ? "
                    "AND src_id = ? AND dst_type = ? AND dst_id = ? AND relation = ?",
                    key, 5, err);
    if (!rows)
        return NULL;
    json_t *edge = NULL;
    if (store_rows_count(rows) == 1)
        edge = edge_json(rows, 0);
    else
        err_internal(err, "lineage edge vanished after insert");
    store_rows_free(rows);
    if (created)
        *created = n > 0;
    return edge;
}

/* ---- renaming nodes ------------------------------------------------------------------------- */

/* The renamed id of one side of an edge, or NULL when that side is not renamed. Caller frees. */
static char *renamed_id(const char *side_type, const char *side_id, const char *type,
                        const char *old_prefix, const char *new_prefix,
                        int (*match)(const char *suffix))
{
    size_t n = strlen(old_prefix);
    if (strcmp(side_type, type) != 0 || strncmp(side_id, old_prefix, n) != 0 ||
        (match && !match(side_id + n)))
        return NULL;
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "%s%s", new_prefix, side_id + n);
    return buf_steal(&b);
}

/* Move one edge to its renamed ends: delete it and insert it again under its own id (the
 * inserts run after every delete, so that the rename is simultaneous). */
typedef struct moved_edge {
    int64_t id, created_at;
    char *src_type, *src_id, *dst_type, *dst_id, *relation;
} moved_edge_t;

static void moved_free(moved_edge_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].src_type);
        free(m[i].src_id);
        free(m[i].dst_type);
        free(m[i].dst_id);
        free(m[i].relation);
    }
    free(m);
}

int lineage_rename_prefix(store_conn_t *c, const char *type, const char *old_prefix,
                          const char *new_prefix, int (*match)(const char *suffix), size_t *renamed,
                          err_t *err)
{
    if (renamed)
        *renamed = 0;
    if (!type || !valid_type(type))
        return err_invalid(err, "type",
                           "type must be 1-40 characters of a-z, 0-9 and '_' (e.g. \"dataset\")");
    if (!old_prefix || !*old_prefix || !new_prefix)
        return err_invalid(err, !old_prefix || !*old_prefix ? "old_id" : "new_id",
                           "a rename needs the old and the new id");
    /* The LIKE only narrows the rows down (SQLite's LIKE ignores ASCII case); the exact test
     * is renamed_id(). */
    char *pattern = sqlb_like_prefix(old_prefix);
    store_value_t p[] = {sv_text(type), sv_text(pattern), sv_text(type), sv_text(pattern)};
    store_rows_t *rows = store_query(c,
                                     "SELECT " EDGE_COLUMNS " FROM lineage_edges WHERE "
                                     "(src_type = ? AND src_id LIKE ? ESCAPE '\\') OR "
                                     "(dst_type = ? AND dst_id LIKE ? ESCAPE '\\') ORDER BY id",
                                     p, 4, err);
    free(pattern);
    if (!rows)
        return -1;
    size_t nrows = store_rows_count(rows), n = 0;
    moved_edge_t *moved = xcalloc(nrows ? nrows : 1, sizeof *moved);
    int rc = 0;
    for (size_t r = 0; r < nrows && rc == 0; r++) {
        const char *src_type = store_rows_text(rows, r, 1), *dst_type = store_rows_text(rows, r, 3);
        char *src =
            renamed_id(src_type, store_rows_text(rows, r, 2), type, old_prefix, new_prefix, match);
        char *dst =
            renamed_id(dst_type, store_rows_text(rows, r, 4), type, old_prefix, new_prefix, match);
        if (!src && !dst)
            continue;
        const char *too_long = src && strlen(src) > LINEAGE_ID_MAX   ? src
                               : dst && strlen(dst) > LINEAGE_ID_MAX ? dst
                                                                     : NULL;
        if (too_long || (src && !*src) || (dst && !*dst))
            rc = err_invalid(err, "new_id", "the renamed node id '%.60s%s' must be 1-%d bytes long",
                             too_long ? too_long : "", too_long ? "..." : "", LINEAGE_ID_MAX);
        moved[n++] = (moved_edge_t){
            .id = store_rows_int(rows, r, 0),
            .created_at = store_rows_int(rows, r, 6),
            .src_type = xstrdup(src_type),
            .src_id = src ? src : xstrdup(store_rows_text(rows, r, 2)),
            .dst_type = xstrdup(dst_type),
            .dst_id = dst ? dst : xstrdup(store_rows_text(rows, r, 4)),
            .relation = xstrdup(store_rows_text(rows, r, 5)),
        };
    }
    store_rows_free(rows);
    for (size_t i = 0; i < n && rc == 0; i++) {
        store_value_t id = sv_int(moved[i].id);
        if (store_exec(c, "DELETE FROM lineage_edges WHERE id = ?", &id, 1, err) < 0)
            rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const moved_edge_t *m = &moved[i];
        store_value_t q[] = {sv_int(m->id),        sv_text(m->src_type), sv_text(m->src_id),
                             sv_text(m->dst_type), sv_text(m->dst_id),   sv_text(m->relation),
                             sv_int(m->created_at)};
        /* DO NOTHING: an equal edge is already there, and this one merges into it. */
        if (store_exec(c,
                       "INSERT INTO lineage_edges (" EDGE_COLUMNS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       q, 7, err) < 0)
            rc = -1;
    }
    moved_free(moved, n);
    if (rc == 0 && renamed)
        *renamed = n;
    return rc;
}

static int suffix_is_empty(const char *suffix)
{
    return *suffix == '\0';
}

int lineage_rename_node(store_conn_t *c, const char *type, const char *old_id, const char *new_id,
                        size_t *renamed, err_t *err)
{
    if (renamed)
        *renamed = 0;
    if (check_node(type, old_id, "type", "old_id", err) != 0 ||
        check_node(type, new_id, "type", "new_id", err) != 0)
        return -1;
    return lineage_rename_prefix(c, type, old_id, new_id, suffix_is_empty, renamed, err);
}

int lineage_direction_parse(const char *text, lineage_direction_t *out, err_t *err)
{
    if (!text || strcmp(text, "both") == 0)
        *out = LINEAGE_BOTH;
    else if (strcmp(text, "upstream") == 0)
        *out = LINEAGE_UPSTREAM;
    else if (strcmp(text, "downstream") == 0)
        *out = LINEAGE_DOWNSTREAM;
    else
        return err_invalid(err, "direction", "direction must be upstream, downstream or both");
    return 0;
}

static json_t *rows_to_edges(const store_rows_t *rows)
{
    json_t *edges = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(edges, edge_json(rows, r));
    return edges;
}

json_t *lineage_edges(store_t *s, const char *type, const char *id, lineage_direction_t dir,
                      err_t *err)
{
    if (check_node(type, id, "type", "id", err) != 0)
        return NULL;
    const char *where = dir == LINEAGE_UPSTREAM     ? "dst_type = ? AND dst_id = ?"
                        : dir == LINEAGE_DOWNSTREAM ? "src_type = ? AND src_id = ?"
                                                    : "(dst_type = ? AND dst_id = ?) OR "
                                                      "(src_type = ? AND src_id = ?)";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " EDGE_COLUMNS " FROM lineage_edges WHERE %s ORDER BY id",
             where);
    store_value_t params[] = {sv_text(type), sv_text(id), sv_text(type), sv_text(id)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, sql, params, dir == LINEAGE_BOTH ? 4 : 2, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *result = json_pack("{s:o}", "edges", rows_to_edges(rows));
    store_rows_free(rows);
    return result;
}

json_t *lineage_graph(store_t *s, const char *type, const char *id, lineage_direction_t dir,
                      int max_depth, err_t *err)
{
    if (check_node(type, id, "type", "id", err) != 0)
        return NULL;
    if (dir == LINEAGE_BOTH) {
        err_invalid(err, "direction", "a graph walk goes upstream or downstream, not both");
        return NULL;
    }
    if (max_depth < 1 || max_depth > LINEAGE_MAX_DEPTH) {
        err_invalid(err, "max_depth", "max_depth must be from 1 to %d", LINEAGE_MAX_DEPTH);
        return NULL;
    }
    /* Upstream: step from a node to the sources of edges pointing at it; downstream: the
     * reverse. "near" is the side of the edge we arrive from, "far" the side we step to. */
    const char *near_t = dir == LINEAGE_UPSTREAM ? "dst_type" : "src_type";
    const char *near_i = dir == LINEAGE_UPSTREAM ? "dst_id" : "src_id";
    const char *far_t = dir == LINEAGE_UPSTREAM ? "src_type" : "dst_type";
    const char *far_i = dir == LINEAGE_UPSTREAM ? "src_id" : "dst_id";
    char walk[800], nodes_sql[1100], edges_sql[1200];
    snprintf(walk, sizeof walk,
             "WITH RECURSIVE walk(node_type, node_id, depth) AS (SELECT ?, ?, 0 UNION "
             "SELECT e.%s, e.%s, w.depth + 1 FROM lineage_edges e JOIN walk w ON e.%s = "
             "w.node_type AND e.%s = w.node_id WHERE w.depth < ?) ",
             far_t, far_i, near_t, near_i);
    snprintf(nodes_sql, sizeof nodes_sql,
             "%sSELECT node_type, node_id, MIN(depth) AS d FROM walk GROUP BY node_type, node_id "
             "ORDER BY d, node_type, node_id",
             walk);
    snprintf(edges_sql, sizeof edges_sql,
             "%sSELECT DISTINCT e.id, e.src_type, e.src_id, e.dst_type, e.dst_id, e.relation, "
             "e.created_at FROM lineage_edges e JOIN walk w ON e.%s = w.node_type AND e.%s = "
             "w.node_id WHERE w.depth < ? ORDER BY e.id",
             walk, near_t, near_i);
    store_value_t params[] = {sv_text(type), sv_text(id), sv_int(max_depth), sv_int(max_depth)};

    json_t *result = NULL;
    store_conn_t *c = store_acquire(s);
    store_rows_t *nodes = store_query(c, nodes_sql, params, 3, err);
    store_rows_t *edges = nodes ? store_query(c, edges_sql, params, 4, err) : NULL;
    store_release(s, c);
    if (nodes && edges) {
        json_t *node_list = json_array();
        for (size_t r = 0; r < store_rows_count(nodes); r++)
            json_array_append_new(node_list,
                                  json_pack("{s:s, s:s, s:I}", "type", store_rows_text(nodes, r, 0),
                                            "id", store_rows_text(nodes, r, 1), "depth",
                                            (json_int_t)store_rows_int(nodes, r, 2)));
        result = json_pack("{s:{s:s, s:s}, s:s, s:o, s:o}", "root", "type", type, "id", id,
                           "direction", dir == LINEAGE_UPSTREAM ? "upstream" : "downstream",
                           "nodes", node_list, "edges", rows_to_edges(edges));
    }
    store_rows_free(nodes);
    store_rows_free(edges);
    return result;
}
