/* csv_parse.c - the CSV import parser (parse.h), on libcsv.
 *
 * libcsv reports fields and record ends through callbacks but not line numbers, so the input is
 * fed to it one physical line at a time: the line being fed when a record's first byte arrives
 * is the line the record starts on. The header (first record) names the columns; each later
 * record becomes an object of column -> string value. */
#include <csv.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "datasets/parse.h"

typedef struct csv_state {
    ds_parsed_t *out;
    json_t *header; /* array of column names, NULL until the first record ends */
    json_t *fields; /* the record being read: array of strings (JSON null: not UTF-8) */
    size_t line;    /* the line being fed */
    size_t start;   /* the line the current record started on */
    int in_record;  /* bytes of a record have been fed since the last record end */
    int bad_utf8;   /* a field of the current record is not UTF-8 */
} csv_state_t;

static void on_field(void *data, size_t len, void *ctx)
{
    csv_state_t *st = ctx;
    json_t *value = json_stringn(data ? data : "", data ? len : 0);
    if (!value) {
        st->bad_utf8 = 1;
        value = json_null();
    }
    json_array_append_new(st->fields, value);
}

static void header_done(csv_state_t *st)
{
    size_t n = json_array_size(st->fields);
    for (size_t i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(st->fields, i));
        if (!name) {
            ds_parsed_error(st->out, st->start, "header: column %zu is not valid UTF-8", i + 1);
            continue;
        }
        if (!name[0])
            ds_parsed_error(st->out, st->start, "header: column %zu has no name", i + 1);
        for (size_t j = 0; j < i && name[0]; j++) {
            const char *earlier = json_string_value(json_array_get(st->fields, j));
            if (earlier && strcmp(name, earlier) == 0) {
                ds_parsed_error(st->out, st->start, "header: column name '%.100s' repeats", name);
                break;
            }
        }
    }
    st->header = st->fields;
    st->fields = json_array();
}

static void on_record(int terminator, void *ctx)
{
    (void)terminator;
    csv_state_t *st = ctx;
    st->in_record = 0;
    if (!st->header) {
        header_done(st);
        st->bad_utf8 = 0;
        return;
    }
    size_t want = json_array_size(st->header), got = json_array_size(st->fields);
    if (got != want) {
        ds_parsed_error(st->out, st->start, "expected %zu fields (as in the header), found %zu",
                        want, got);
    } else if (st->bad_utf8) {
        ds_parsed_error(st->out, st->start, "a field is not valid UTF-8");
    } else {
        json_t *row = json_object();
        for (size_t i = 0; i < want; i++) {
            const char *name = json_string_value(json_array_get(st->header, i));
            /* A header already reported as bad: the row is never imported anyway. */
            if (name)
                json_object_set(row, name, json_array_get(st->fields, i));
        }
        ds_parsed_add(st->out, row, st->start);
    }
    json_array_clear(st->fields);
    st->bad_utf8 = 0;
}

static int blank_line(const char *s, size_t n)
{
    return n == 0 || (n == 1 && (s[0] == '\r' || s[0] == '\n')) ||
           (n == 2 && s[0] == '\r' && s[1] == '\n');
}

void ds_parse_csv(const char *data, size_t len, ds_parsed_t *out)
{
    ds_parsed_init(out);
    csv_state_t st = {.out = out, .fields = json_array()};
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        ds_parsed_error(out, 1, "cannot start the CSV parser");
        json_decref(st.fields);
        return;
    }
    size_t pos = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    int failed = 0;
    while (pos < len && !failed) {
        st.line++;
        const char *start = data + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) + 1 : len - pos;
        pos += n;
        /* libcsv skips blank lines outside quotes; inside a quoted field they are content. */
        if (!st.in_record && !blank_line(start, n)) {
            st.in_record = 1;
            st.start = st.line;
        }
        if (csv_parse(&p, start, n, on_field, on_record, &st) != n) {
            ds_parsed_error(out, st.line, "malformed CSV (%s); the rest of the file is not read",
                            csv_strerror(csv_error(&p)));
            failed = 1;
        }
    }
    if (!failed && csv_fini(&p, on_field, on_record, &st) != 0)
        ds_parsed_error(out, st.start, "malformed CSV: a quoted field is never closed");
    csv_free(&p);
    json_decref(st.header);
    json_decref(st.fields);
}
