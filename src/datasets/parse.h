/* parse.h - the dataset import parsers: JSONL and CSV text into rows (JSON objects).
 *
 * Both parsers read the whole input and collect every malformed line instead of stopping at
 * the first, so an import can report them all at once: the first DS_PARSE_MAX_REPORTED with
 * their line numbers, and the total count. The caller imports nothing when any is found.
 *
 * JSONL: one JSON object per line (UTF-8; a leading byte-order mark is skipped; "\r\n" line ends
 * are accepted). Lines that are empty or only whitespace are skipped. A line that is not JSON,
 * is JSON but not an object, or repeats a key is malformed.
 *
 * CSV (RFC 4180, parsed by libcsv in strict mode): the first record is the header (column names:
 * non-empty, distinct); every following record becomes an object of header -> value, and every
 * value stays a string (no type guessing: "007" stays "007"; an empty field is ""). Quoted fields
 * may span lines; a record's line number is the line it starts on. A record whose field count
 * differs from the header's, or with a field that is not UTF-8, is malformed. A quoting error
 * (a stray quote) makes the rest of the file unreadable: it is reported and parsing stops.
 * Blank lines are skipped. */
#ifndef LLMOPS_DATASETS_PARSE_H
#define LLMOPS_DATASETS_PARSE_H

#include <jansson.h>
#include <stddef.h>

#define DS_PARSE_MAX_REPORTED 100 /* malformed lines listed one by one; the rest only counted */

typedef struct ds_parsed {
    json_t *rows;       /* array of objects, in input order */
    size_t *lines;      /* lines[i]: the line row i starts on (1-based) */
    json_t *errors;     /* [{"line": N, "message": "..."}], at most DS_PARSE_MAX_REPORTED */
    size_t error_count; /* every malformed line, reported or not */
} ds_parsed_t;

/* Parse len bytes (need not be NUL-terminated). Always fills out (free with ds_parsed_free);
 * the input is valid when out->error_count is 0. An input with no row at all is not an error
 * here: the importer decides (see datasets.h). */
void ds_parse_jsonl(const char *data, size_t len, ds_parsed_t *out);
void ds_parse_csv(const char *data, size_t len, ds_parsed_t *out);

/* Record one malformed line (counted always; listed while under the limit). */
void ds_parsed_error(ds_parsed_t *p, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append a row that starts on line (the reference to row is stolen). */
void ds_parsed_add(ds_parsed_t *p, json_t *row, size_t line);
void ds_parsed_init(ds_parsed_t *p);
void ds_parsed_free(ds_parsed_t *p);

#endif
