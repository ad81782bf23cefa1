/* yaml_json.h - a YAML document as JSON, for files people write by hand (eval specs, the
 * server's config file's endpoints, ...).
 *
 * libyaml loads the document as a node tree, converted node by node: mappings become objects
 * (keys must be scalars), sequences arrays, plain scalars null / true / false / integers /
 * reals when YAML spells them so, quoted scalars always strings. Anchors and aliases resolve to
 * the node they name. Nesting deeper than 64 levels is refused. */
#ifndef LLMOPS_BASE_YAML_JSON_H
#define LLMOPS_BASE_YAML_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

/* Parse text[0..len) (the whole file's contents; `name` is used in messages, e.g. the path).
 * Returns the document's root as JSON (an empty document is null), caller decrefs; NULL with
 * err (400, field "file") naming the line and column of a syntax error. */
json_t *yaml_to_json(const char *name, const char *text, size_t len, err_t *err);

/* The same for the file at path; errors name path and carry field (e.g. "config"). */
json_t *yaml_file_to_json(const char *path, const char *field, err_t *err);

#endif
