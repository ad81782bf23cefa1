/* file_endpoints.c - the `endpoints:` list of the YAML config file as JSON (see
 * file_endpoints.h). libyaml loads the whole document as a node tree, which is then converted
 * node by node; anchors and aliases resolve to the node they name. */
#include "gateway/file_endpoints.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gateway/endpoints.h"

/* A plain scalar's JSON value: null, a boolean, an integer, a real, or a string. */
static json_t *scalar_json(const yaml_node_t *node)
{
    const char *text = (const char *)node->data.scalar.value;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(text, node->data.scalar.length);
    if (!*text || !strcmp(text, "~") || !strcmp(text, "null") || !strcmp(text, "Null") ||
        !strcmp(text, "NULL"))
        return json_null();
    if (!strcmp(text, "true") || !strcmp(text, "True") || !strcmp(text, "TRUE"))
        return json_true();
    if (!strcmp(text, "false") || !strcmp(text, "False") || !strcmp(text, "FALSE"))
        return json_false();
    char *end;
    errno = 0;
    long long i = strtoll(text, &end, 10);
    if (!*end && !errno && end != text)
        return json_integer(i);
    double d = strtod(text, &end);
    if (!*end && end != text && strspn(text, "+-0123456789.eE") == strlen(text))
        return json_real(d);
    return json_stringn(text, node->data.scalar.length);
}

static json_t *node_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
    if (!node || depth > 64)
        return NULL;
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return scalar_json(node);
    case YAML_SEQUENCE_NODE: {
        json_t *arr = json_array();
        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++) {
            json_t *v = node_json(doc, yaml_document_get_node(doc, *it), depth + 1);
            if (!v) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, v);
        }
        return arr;
    }
    case YAML_MAPPING_NODE: {
        json_t *obj = json_object();
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            json_t *v = node_json(doc, yaml_document_get_node(doc, p->value), depth + 1);
            if (!k || k->type != YAML_SCALAR_NODE || !v) {
                json_decref(v);
                json_decref(obj);
                return NULL;
            }
            json_object_set_new(obj, (const char *)k->data.scalar.value, v);
        }
        return obj;
    }
    default:
        return NULL;
    }
}

int gateway_file_endpoints(const char *path, json_t **out, err_t *err)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return err_invalid(err, "config", "cannot open config file %s: %s", path, strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int loaded = yaml_parser_load(&parser, &doc);
    if (!loaded) {
        err_invalid(err, "config", "%s: YAML error at line %zu, column %zu: %s", path,
                    parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                    parser.problem ? parser.problem : "malformed");
        yaml_parser_delete(&parser);
        fclose(f);
        return -1;
    }
    yaml_parser_delete(&parser);
    fclose(f);

    json_t *list = NULL;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int rc = 0;
    if (root && root->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top && !list && rc == 0; p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            if (!k || k->type != YAML_SCALAR_NODE ||
                strcmp((const char *)k->data.scalar.value, "endpoints") != 0)
                continue;
            yaml_node_t *v = yaml_document_get_node(&doc, p->value);
            list = node_json(&doc, v, 0);
            if (json_is_null(list)) {
                json_decref(list);
                list = json_array();
            } else if (!json_is_array(list)) {
                rc = err_invalid(err, "endpoints",
                                 "%s line %zu: 'endpoints' must be a list of "
                                 "endpoint specs",
                                 path, v ? v->start_mark.line + 1 : 0);
            }
        }
    }
    yaml_document_delete(&doc);
    if (!list)
        list = json_array();
    for (size_t i = 0; i < json_array_size(list) && rc == 0; i++) {
        json_t *spec = json_array_get(list, i);
        const char *name = json_string_value(json_object_get(spec, "name"));
        err_t verr;
        json_t *clean = gateway_endpoint_validate(spec, &verr);
        if (!clean) {
            rc = err_invalid(err, verr.field, "%s: endpoints[%zu] (%s): %s", path, i,
                             name ? name : "no name", verr.message);
            break;
        }
        json_decref(clean);
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(json_array_get(list, j), "name"),
                           json_object_get(spec, "name")))
                rc = err_invalid(err, "name",
                                 "%s: endpoints[%zu] (%s): endpoints[%zu] has the "
                                 "same name",
                                 path, i, name, j);
    }
    if (rc != 0) {
        json_decref(list);
        return -1;
    }
    *out = list;
    return 0;
}
