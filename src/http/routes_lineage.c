/* routes_lineage.c - the lineage graph over HTTP.
 *
 *   POST /api/v1/lineage/edges   {"from":{"type","id"}, "to":{"type","id"}, "relation"}
 *                                201 with {"edge"} when new, 200 when it already existed
 *   GET  /api/v1/lineage/edges?type=&id=&direction=upstream|downstream|both
 *   GET  /api/v1/lineage/graph?type=&id=&direction=upstream|downstream&max_depth=10 */
#include <stdio.h>
#include <stdlib.h>

#include "base/json.h"
#include "http/routes.h"
#include "lineage/lineage.h"

/* Read {"type","id"} under key into *type, *id (borrowed from body). */
static int node_field(json_t *body, const char *key, const char **type, const char **id, err_t *err)
{
    json_t *node = json_object_get(body, key);
    if (!node || !json_is_object(node))
        return err_invalid(err, key, "field '%s' must be an object {\"type\", \"id\"}", key);
    char type_field[16], id_field[16];
    snprintf(type_field, sizeof type_field, "%s.type", key);
    snprintf(id_field, sizeof id_field, "%s.id", key);
    if (json_field_string(node, "type", 1, 0, type, err) != 0) {
        snprintf(err->field, sizeof err->field, "%s", type_field);
        return -1;
    }
    if (json_field_string(node, "id", 1, 0, id, err) != 0) {
        snprintf(err->field, sizeof err->field, "%s", id_field);
        return -1;
    }
    return 0;
}

static void handle_record(http_request_t *req, http_response_t *res)
{
    json_t *body = http_body_object(req, res);
    if (!body)
        return;
    err_t err;
    lineage_edge_in_t edge = {0};
    json_t *out = NULL;
    int created = 0;
    if (node_field(body, "from", &edge.src_type, &edge.src_id, &err) == 0 &&
        node_field(body, "to", &edge.dst_type, &edge.dst_id, &err) == 0 &&
        json_field_string(body, "relation", 1, 0, &edge.relation, &err) == 0) {
        store_conn_t *c = store_acquire(req->app->store);
        out = lineage_record(c, &edge, &created, &err);
        store_release(req->app->store, c);
    }
    if (out)
        http_respond_json(res, created ? 201 : 200, json_pack("{s:o}", "edge", out));
    else
        http_respond_error(res, &err);
    json_decref(body);
}

static void handle_edges(http_request_t *req, http_response_t *res)
{
    err_t err;
    lineage_direction_t dir;
    json_t *out = NULL;
    if (lineage_direction_parse(http_query(req, "direction"), &dir, &err) == 0)
        out = lineage_edges(req->app->store, http_query(req, "type"), http_query(req, "id"), dir,
                            &err);
    http_respond_result(res, 200, out, &err);
}

static void handle_graph(http_request_t *req, http_response_t *res)
{
    err_t err;
    lineage_direction_t dir = LINEAGE_UPSTREAM;
    const char *depth_text = http_query(req, "max_depth");
    char *end = NULL;
    long depth = depth_text ? strtol(depth_text, &end, 10) : 10;
    json_t *out = NULL;
    if (depth_text && (end == depth_text || *end))
        err_invalid(&err, "max_depth", "max_depth must be an integer");
    else if (!http_query(req, "direction") ||
             lineage_direction_parse(http_query(req, "direction"), &dir, &err) == 0)
        out = lineage_graph(req->app->store, http_query(req, "type"), http_query(req, "id"), dir,
                            (int)(depth > 1000 ? 1000
                                  : depth < -1 ? -1
                                               : depth),
                            &err);
    http_respond_result(res, 200, out, &err);
}

void routes_lineage_register(router_t *r)
{
    router_add(r, "POST", "/api/v1/lineage/edges", handle_record);
    router_add(r, "GET", "/api/v1/lineage/edges", handle_edges);
    router_add(r, "GET", "/api/v1/lineage/graph", handle_graph);
}
