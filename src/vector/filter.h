/* filter.h - metadata filters for searches and deletes.
 *
 * Grammar (JSON): an object whose keys are metadata keys (letters, digits, '_', '-', '.'; a '.'
 * is part of the key, not a path), all of which must hold:
 *
 *   {"lang": "en"}                          equality (string, number or boolean)
 *   {"year": {"$gte": 2020, "$lt": 2024}}   ranges: $gt $gte $lt $lte (numbers or strings;
 *                                            strings compare bytewise)
 *   {"tag": {"$in": ["a", "b"]}}            one of (1-100 scalars)
 *   {"lang": {"$ne": "en"}}                 not equal (a missing key is not equal)
 *   {"lang": {"$eq": "en"}}                 the same as the plain form
 *
 * Types are strict: 1 does not equal "1", true does not equal 1, and a range on numbers never
 * takes a string. A missing key fails every condition but $ne. At most VS_FILTER_MAX conditions.
 *
 * The same filter is evaluated in C (vs_filter_match: the dense search's accept callback, run
 * during the HNSW walk) and turned into SQL (vs_filter_sql: the keyword search's WHERE clause,
 * SQLite json_extract/json_type, PostgreSQL jsonb), and the two agree. */
#ifndef LLMOPS_VECTOR_FILTER_H
#define LLMOPS_VECTOR_FILTER_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "store/store.h"

#define VS_FILTER_MAX     32
#define VS_FILTER_IN_MAX  100
#define VS_FILTER_KEY_MAX 64

typedef enum vs_op { VS_EQ, VS_NE, VS_GT, VS_GTE, VS_LT, VS_LTE, VS_IN } vs_op_t;

typedef struct vs_cond {
    char key[VS_FILTER_KEY_MAX + 1];
    char path[VS_FILTER_KEY_MAX + 8]; /* SQLite JSON path: $."key" */
    vs_op_t op;
    json_t *values; /* array: one value, or the $in list */
    char **texts;   /* each value as JSON text (PostgreSQL binds these as jsonb) */
} vs_cond_t;

typedef struct vs_filter {
    vs_cond_t conds[VS_FILTER_MAX];
    size_t n;
} vs_filter_t;

/* Parse spec (NULL or {} : no conditions). 400 naming "filter.<key>" on bad input. */
int vs_filter_parse(const json_t *spec, vs_filter_t *out, err_t *err);
void vs_filter_free(vs_filter_t *f);

/* 1 when metadata (an object, or NULL: no keys) satisfies every condition. */
int vs_filter_match(const vs_filter_t *f, const json_t *metadata);

/* Append " AND (...)" per condition to sql, for the metadata JSON text in column `column`;
 * parameters go to params from *nparams on (room for vs_filter_sql_params(f)). Parameters
 * borrow from f. */
void vs_filter_sql(const vs_filter_t *f, store_kind_t kind, const char *column, buf_t *sql,
                   store_value_t *params, size_t *nparams);
size_t vs_filter_sql_params(const vs_filter_t *f);

#endif
