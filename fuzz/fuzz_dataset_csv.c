/* fuzz_dataset_csv.c - libFuzzer target for the dataset CSV import parser (datasets/parse.h).
 * Any crash, sanitizer report or leak is a finding; so is a result that breaks the contract:
 * every row must be a JSON object whose canonical text parses back to an equal object, line
 * numbers must never go back and within the input, at most DS_PARSE_MAX_REPORTED errors may be
 * listed (each with a line inside the input) and never more than were counted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "datasets/canonical.h"
#include "datasets/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t newlines = 1;
    for (size_t i = 0; i < size; i++)
        newlines += data[i] == '\n';
    ds_parsed_t p;
    ds_parse_csv((const char *)data, size, &p);
    size_t listed = json_array_size(p.errors);
    if (listed > DS_PARSE_MAX_REPORTED || listed > p.error_count ||
        (p.error_count > 0 && listed == 0))
        abort();
    for (size_t i = 0; i < listed; i++) {
        json_int_t line = json_integer_value(json_object_get(json_array_get(p.errors, i), "line"));
        if (line < 1 || (size_t)line > newlines)
            abort();
    }
    for (size_t i = 0; i < json_array_size(p.rows); i++) {
        json_t *row = json_array_get(p.rows, i);
        if (!json_is_object(row) || p.lines[i] < 1 || p.lines[i] > newlines ||
            (i > 0 && p.lines[i] < p.lines[i - 1]))
            abort();
        char *text = ds_canonical_row(row);
        json_t *back = json_loads(text, JSON_ALLOW_NUL, NULL);
        if (!back || !json_equal(back, row))
            abort();
        json_decref(back);
        free(text);
    }
    ds_parsed_free(&p);
    return 0;
}
