/* fuzz_search_filter.c - libFuzzer target for tracking/search_filter.h: the input is parsed as a
 * filter (with a list of numeric attributes, so both attribute paths run) and as an order_by
 * clause, then freed. Any crash, sanitizer report or leak is a finding; so is a result that
 * breaks the contract: a failure must be a 400 invalid_argument naming the field, with a
 * message that is valid UTF-8 (it goes into JSON) and shorter than 400 bytes, and must leave
 * the output empty; a success must hold well-formed clauses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tracking/search_filter.h"

static const char *const numeric[] = {"start_time", "end_time", "created_time", NULL};

static void check_error(const err_t *err, const char *field)
{
    if (err->status != 400 || strcmp(err->code, "invalid_argument") != 0 ||
        strcmp(err->field, field) != 0 || strlen(err->message) >= 400)
        abort();
    json_t *s = json_string(err->message); /* NULL when not valid UTF-8 */
    if (!s)
        abort();
    json_decref(s);
}

static void check_filter(const search_filter_t *f)
{
    if (f->count > SEARCH_FILTER_MAX_CLAUSES)
        abort();
    for (size_t i = 0; i < f->count; i++) {
        const search_clause_t *c = &f->clauses[i];
        if (!c->key || !c->key[0])
            abort();
        int list = c->op == SEARCH_IN || c->op == SEARCH_NOT_IN;
        if (list != (c->nlist > 0) || (c->nlist > 0) != (c->list != NULL) || c->nlist > 1000)
            abort();
        /* exactly one of: a number, a string, a list */
        if ((c->is_number != 0) + (c->text != NULL) + (c->list != NULL) != 1)
            abort();
        if (c->entity == SEARCH_METRIC && !c->is_number)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0'; /* an embedded NUL just ends the filter early, as in a C string */

    search_filter_t f;
    err_t err;
    if (search_filter_parse(text, numeric, &f, &err) == 0) {
        check_filter(&f);
        search_filter_free(&f);
    } else {
        check_error(&err, "filter");
        if (f.clauses || f.count)
            abort();
    }

    search_order_t o;
    if (search_order_parse(text, &o, &err) == 0) {
        if (!o.key || !o.key[0] || o.entity == SEARCH_DATASET)
            abort();
        search_order_free(&o);
    } else {
        check_error(&err, "order_by");
        if (o.key)
            abort();
    }
    free(text);
    return 0;
}
