/* search_filter.h - MLflow's search grammar: the `filter` string of runs/search (and of the
 * registry's searches) and `order_by` clauses, parsed into plain structs that a service turns
 * into SQL. The parser knows the grammar, not the tables: it checks syntax and value types and
 * leaves "which attribute names are allowed here" to the caller.
 *
 *   filter   := clause ( AND clause )*          (AND is case-insensitive; there is no OR)
 *   clause   := identifier op value
 *   identifier := [entity '.'] key
 *       entity: metrics|metric, params|param|parameters|parameter, tags|tag,
 *               attributes|attribute|attr|run, datasets|dataset; none = attribute
 *       key: a name of letters, digits, '_', '-', '.', '/', ' ' is not allowed unquoted;
 *            "quoted", `backquoted` or 'single-quoted' keys may hold anything
 *   op       := = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN   (case-insensitive)
 *   value    := 'string' | "string" | number | ( 'a', 'b', ... ) for IN / NOT IN
 *
 * Type rules (as MLflow): metrics compare with numbers and the six comparison operators;
 * params and tags with strings (=, !=, LIKE, ILIKE; MLflow's VALID_PARAM/TAG_COMPARATORS have
 * no IN / NOT IN, so neither do we); attributes with strings (=, !=, LIKE, ILIKE, IN, NOT IN),
 * except numeric ones the caller names (the six comparison operators, numbers); datasets
 * (name, digest, context only) like string attributes. Errors are 400 invalid_argument with
 * field "filter" / "order_by", naming the position as a 0-based character offset:
 * "Invalid filter 'metrics.acc >> 1': unexpected token '>' at position 13". */
#ifndef LLMOPS_TRACKING_SEARCH_FILTER_H
#define LLMOPS_TRACKING_SEARCH_FILTER_H

#include <stddef.h>

#include "base/error.h"

#define SEARCH_FILTER_MAX_LEN     (64 * 1024)
#define SEARCH_FILTER_MAX_CLAUSES 100

typedef enum search_entity {
    SEARCH_METRIC,
    SEARCH_PARAM,
    SEARCH_TAG,
    SEARCH_ATTRIBUTE,
    SEARCH_DATASET,
} search_entity_t;

typedef enum search_op {
    SEARCH_EQ,
    SEARCH_NE,
    SEARCH_LT,
    SEARCH_LE,
    SEARCH_GT,
    SEARCH_GE,
    SEARCH_LIKE,
    SEARCH_ILIKE,
    SEARCH_IN,
    SEARCH_NOT_IN,
} search_op_t;

typedef struct search_clause {
    search_entity_t entity;
    char *key; /* metric/param/tag key, attribute or dataset field name; owned */
    search_op_t op;
    int is_number; /* value is a number (then `number` holds it), else a string */
    double number;
    char *text;  /* string value (owned), NULL for numbers and lists */
    char **list; /* IN / NOT IN values (owned) */
    size_t nlist;
    size_t position; /* where the clause starts in the filter, 0-based characters */
} search_clause_t;

/* A conjunction of clauses. An empty or all-blank filter parses to zero clauses. */
typedef struct search_filter {
    search_clause_t *clauses;
    size_t count;
} search_filter_t;

/* numeric_attributes: NULL-terminated attribute names compared as numbers ("start_time",
 * "end_time", ...); NULL for none. Returns 0 or -1 with err. *out is empty on failure. */
int search_filter_parse(const char *text, const char *const *numeric_attributes,
                        search_filter_t *out, err_t *err);
void search_filter_free(search_filter_t *f);

/* One order_by clause: "metrics.accuracy DESC", "attributes.start_time", "name ASC". */
typedef struct search_order {
    search_entity_t entity;
    char *key; /* owned */
    int descending;
} search_order_t;

int search_order_parse(const char *text, search_order_t *out, err_t *err);
void search_order_free(search_order_t *o);

const char *search_entity_name(search_entity_t e); /* "metrics", "params", ... */
const char *search_op_name(search_op_t op);        /* "=", "LIKE", "NOT IN", ... */

#endif
