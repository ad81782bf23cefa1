/* json.h - JSON helpers over jansson: parsing a request body with a position in the error, and
 * reading typed fields with the checks every API handler needs (required, type, length). */
#ifndef LLMOPS_BASE_JSON_H
#define LLMOPS_BASE_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Parse len bytes as one JSON value. On failure: NULL and err = 400 "invalid_json" with a
 * message naming line and column, e.g. "malformed JSON at line 3, column 7: ...". An empty body
 * is also invalid_json. Strings must be valid UTF-8 (jansson checks). Caller owns the result. */
json_t *json_parse(const char *data, size_t len, err_t *err);
/* The same, but the value must be an object (else 400 "invalid_json"). */
json_t *json_parse_object(const char *data, size_t len, err_t *err);

/* Typed field access on an object. `required` fields that are missing or null give 400
 * "invalid_argument" naming the field; optional missing ones leave *out unchanged and return 0.
 * A present field of the wrong type is always an error. max_len 0 means no limit. */
int json_field_string(const json_t *obj, const char *field, int required, size_t max_len,
                      const char **out, err_t *err);
int json_field_int(const json_t *obj, const char *field, int required, int64_t *out, err_t *err);
int json_field_number(const json_t *obj, const char *field, int required, double *out, err_t *err);
int json_field_bool(const json_t *obj, const char *field, int required, int *out, err_t *err);

/* json_dumps(value, flags) that never returns NULL for a valid value and spells reals the
 * shortest way that reads back exactly (0.7, not jansson's 0.69999999999999996); caller frees. */
char *json_dump_text(const json_t *value, size_t flags);
/* json_dump_text(value, JSON_COMPACT | JSON_PRESERVE_ORDER). */
char *json_to_string(const json_t *value);

#endif
