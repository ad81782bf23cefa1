/* lineage.h - the lineage graph: typed edges between things the platform knows about
 * (dataset version -> eval run -> model version -> trace ...), so that "where did this answer
 * come from" and "what did this dataset feed" are one query each.
 *
 * A node is a (type, id) pair: type is a short lowercase name ("dataset", "run",
 * "model_version", "prompt_version", "trace", ...), id the thing's own identifier as text
 * ("my-data:3", a run id). An edge says src --relation--> dst ("input", "produced",
 * "registered_from", "served_by", ...). Recording an edge twice is a no-op. */
#ifndef LLMOPS_LINEAGE_LINEAGE_H
#define LLMOPS_LINEAGE_LINEAGE_H

#include <jansson.h>

#include "store/store.h"

#define LINEAGE_MAX_DEPTH 50
#define LINEAGE_ID_MAX    256 /* bytes in a node id */

typedef enum lineage_direction {
    LINEAGE_UPSTREAM,   /* what this node came from: follow edges backwards */
    LINEAGE_DOWNSTREAM, /* what came from this node: follow edges forwards */
    LINEAGE_BOTH,
} lineage_direction_t;

typedef struct lineage_edge_in {
    const char *src_type, *src_id;
    const char *dst_type, *dst_id;
    const char *relation;
} lineage_edge_in_t;

/* Validate and record an edge on an open connection (so a service can record lineage inside
 * its own transaction). *created is 1 for a new edge, 0 if it already existed. Returns the
 * edge as JSON ({"id","from":{"type","id"},"to":{...},"relation","created_at"}), caller owns;
 * NULL with err (400 naming the field for bad input). */
json_t *lineage_record(store_conn_t *c, const lineage_edge_in_t *edge, int *created, err_t *err);

/* Renaming nodes, for services whose node ids carry a name that can change (a registered
 * model's versions are "model_version:<model name>/<N>"). Both run on the caller's connection,
 * inside its transaction, and rewrite the id wherever the node appears, as source or
 * destination. The rename is simultaneous: an edge that, renamed, equals one already recorded
 * merges into it (recording an edge twice is a no-op, so equal edges are one), and keeps its
 * id and created_at otherwise. Errors: 400 naming "type", "old_id" or "new_id" (a new id must
 * be 1-LINEAGE_ID_MAX bytes); store errors. *renamed (may be NULL) counts the edges changed. */

/* Exactly (type, old_id) -> (type, new_id). */
int lineage_rename_node(store_conn_t *c, const char *type, const char *old_id, const char *new_id,
                        size_t *renamed, err_t *err);

/* Every node (type, <old_prefix><suffix>) for which match(suffix) is true (match NULL: every
 * suffix, the empty one included) -> (type, <new_prefix><suffix>). */
int lineage_rename_prefix(store_conn_t *c, const char *type, const char *old_prefix,
                          const char *new_prefix, int (*match)(const char *suffix), size_t *renamed,
                          err_t *err);

/* "upstream" | "downstream" | "both" -> direction; -1 with err for anything else. */
int lineage_direction_parse(const char *text, lineage_direction_t *out, err_t *err);

/* Edges touching one node. {"edges":[...]} */
json_t *lineage_edges(store_t *s, const char *type, const char *id, lineage_direction_t dir,
                      err_t *err);

/* Everything reachable from a node within max_depth hops (1..LINEAGE_MAX_DEPTH) in one
 * direction (not BOTH): {"root":{...}, "direction", "nodes":[{"type","id","depth"}],
 * "edges":[...]}. Cycles are safe. */
json_t *lineage_graph(store_t *s, const char *type, const char *id, lineage_direction_t dir,
                      int max_depth, err_t *err);

#endif
