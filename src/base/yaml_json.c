/* yaml_json.c - a YAML document as JSON (see yaml_json.h). */
#include "base/yaml_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_JSON_MAX_DEPTH 64

/* A plain scalar's JSON value: null, a boolean, an integer, a real, or a string. */
static json_t *scalar_json(const yaml_node_t *node)
{
    const char *text = (const char *)node->data.scalar.value;
    size_t len = node->data.scalar.length;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(text, len);
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
    return json_stringn(text, len);
}

static json_t *node_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
    if (!node || depth > YAML_JSON_MAX_DEPTH)
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

/* Load the document the parser is set up for and convert it; the parser is deleted. */
static json_t *load(yaml_parser_t *parser, const char *name, const char *field, err_t *err)
{
    yaml_document_t doc;
    if (!yaml_parser_load(parser, &doc)) {
        err_invalid(err, field, "%s: YAML error at line %zu, column %zu: %s", name,
                    parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                    parser->problem ? parser->problem : "malformed");
        yaml_parser_delete(parser);
        return NULL;
    }
    yaml_parser_delete(parser);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    json_t *out = root ? node_json(&doc, root, 0) : json_null();
    yaml_document_delete(&doc);
    if (!out)
        err_invalid(err, field, "%s: mapping keys must be plain values and nesting at most %d deep",
                    name, YAML_JSON_MAX_DEPTH);
    return out;
}

json_t *yaml_to_json(const char *name, const char *text, size_t len, err_t *err)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    return load(&parser, name, "file", err);
}

json_t *yaml_file_to_json(const char *path, const char *field, err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        err_invalid(err, field, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    json_t *out = load(&parser, path, field, err);
    fclose(f);
    return out;
}
