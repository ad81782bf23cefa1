/* schema_infer.h - the column schema of a version, inferred from its rows.
 *
 * A column is any top-level key seen in any row. For each: "types", the JSON types its
 * non-null values had, sorted ("array", "boolean", "integer", "number" (a real), "object",
 * "string"); "null_count", rows where it is JSON null; "missing_count", rows without the key;
 * "required", true when no row lacks the key (a null value still counts as present). */
#ifndef LLMOPS_DATASETS_SCHEMA_INFER_H
#define LLMOPS_DATASETS_SCHEMA_INFER_H

#include <jansson.h>

/* {"<column>": {"types": [...], "null_count": N, "missing_count": M, "required": bool}, ...}
 * from an array of row objects. Caller owns. */
json_t *ds_schema_infer(const json_t *rows);

/* The JSON type word of a value as used in the schema ("null" for null). */
const char *ds_schema_type_name(const json_t *value);

#endif
