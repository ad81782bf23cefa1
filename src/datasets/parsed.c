/* parsed.c - the result both import parsers fill (parse.h): rows with their line numbers, and
 * malformed lines counted and listed up to a limit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "datasets/parse.h"

void ds_parsed_init(ds_parsed_t *p)
{
    p->rows = json_array();
    p->lines = NULL;
    p->errors = json_array();
    p->error_count = 0;
}

void ds_parsed_free(ds_parsed_t *p)
{
    json_decref(p->rows);
    json_decref(p->errors);
    free(p->lines);
    p->rows = p->errors = NULL;
    p->lines = NULL;
    p->error_count = 0;
}

void ds_parsed_error(ds_parsed_t *p, size_t line, const char *fmt, ...)
{
    p->error_count++;
    if (json_array_size(p->errors) >= DS_PARSE_MAX_REPORTED)
        return;
    char message[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* A message quoting the input may be cut inside a UTF-8 sequence or quote invalid bytes:
     * json_string refuses those, and the line number alone still says where to look. */
    json_t *text = json_string(message);
    json_array_append_new(p->errors, json_pack("{s:I, s:o}", "line", (json_int_t)line, "message",
                                               text ? text : json_string("malformed line")));
}

void ds_parsed_add(ds_parsed_t *p, json_t *row, size_t line)
{
    size_t n = json_array_size(p->rows);
    /* Grow by doubling: lines[] follows rows one to one. */
    if ((n & (n - 1)) == 0)
        p->lines = xrealloc(p->lines, (n ? 2 * n : 1) * sizeof *p->lines);
    p->lines[n] = line;
    json_array_append_new(p->rows, row);
}
