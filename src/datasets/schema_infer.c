/* schema_infer.c - column schema inference (schema_infer.h). One pass over the rows keeps, per
 * column, how many rows had it, how many of those were null, and a count per type seen; the
 * missing count is the row count minus the rows that had it. */
#include "datasets/schema_infer.h"

#include <string.h>

const char *ds_schema_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

/* Bump an integer field of an object (created at 0). */
static void bump(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    json_object_set_new(obj, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

json_t *ds_schema_infer(const json_t *rows)
{
    /* column -> {"present": n, "null_count": n, "seen": {type: n}} while counting */
    json_t *acc = json_object();
    size_t nrows = json_array_size(rows);
    for (size_t i = 0; i < nrows; i++) {
        const char *key;
        json_t *value;
        json_object_foreach(json_array_get(rows, i), key, value)
        {
            json_t *col = json_object_get(acc, key);
            if (!col) {
                col = json_pack("{s:i, s:i, s:{}}", "present", 0, "null_count", 0, "seen");
                json_object_set_new(acc, key, col);
            }
            bump(col, "present");
            if (json_is_null(value))
                bump(col, "null_count");
            else
                bump(json_object_get(col, "seen"), ds_schema_type_name(value));
        }
    }
    json_t *schema = json_object();
    const char *key;
    json_t *col;
    json_object_foreach(acc, key, col)
    {
        json_int_t present = json_integer_value(json_object_get(col, "present"));
        json_t *types = json_array();
        /* the type words in sorted order, so the schema reads the same for the same rows */
        static const char *const order[] = {"array",  "boolean", "integer",
                                            "number", "object",  "string"};
        for (size_t t = 0; t < sizeof order / sizeof order[0]; t++)
            if (json_object_get(json_object_get(col, "seen"), order[t]))
                json_array_append_new(types, json_string(order[t]));
        json_object_set_new(schema, key,
                            json_pack("{s:o, s:O, s:I, s:b}", "types", types, "null_count",
                                      json_object_get(col, "null_count"), "missing_count",
                                      (json_int_t)nrows - present, "required",
                                      present == (json_int_t)nrows));
    }
    json_decref(acc);
    return schema;
}
