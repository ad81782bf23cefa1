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
