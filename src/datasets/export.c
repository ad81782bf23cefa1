/* export.c - a version's rows out as JSONL or CSV (reader.h). CSV fields are quoted by libcsv
 * only when they need it (a separator, quote, line break, or space at either end); an empty
 * string is written "" so that it differs from null (and a one-column row is never a blank line,
 * which CSV readers skip). */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "datasets/canonical.h"
#include "datasets/reader.h"

int dataset_export_jsonl(dataset_reader_t *r, buf_t *out, err_t *err)
{
    json_t *row;
    int rc;
    while ((rc = dataset_reader_next(r, &row, err)) == 1) {
        char *text = ds_canonical_row(row);
        buf_append_str(out, text);
        buf_append_char(out, '\n');
        free(text);
        json_decref(row);
    }
    return rc;
}

static void csv_field(buf_t *out, const char *text, size_t len)
{
    int quote = len > 0 && (text[0] == ' ' || text[len - 1] == ' ');
    for (size_t i = 0; i < len && !quote; i++)
        quote = text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n';
    if (!quote) {
        buf_append(out, text, len);
        return;
    }
    size_t need = csv_write(NULL, 0, text, len);
    buf_reserve(out, need + 1);
    csv_write(out->data + out->len, need, text, len);
    out->len += need;
    out->data[out->len] = '\0';
}

static void csv_value(buf_t *out, const json_t *value)
{
    if (!value || json_is_null(value))
        return;
    if (json_is_string(value) && json_string_length(value) == 0) {
        buf_append_str(out, "\"\""); /* "" is an empty string; nothing at all is null */
        return;
    }
    if (json_is_string(value)) {
        csv_field(out, json_string_value(value), json_string_length(value));
        return;
    }
    char *text = ds_canonical_row(value);
    csv_field(out, text, strlen(text));
    free(text);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int dataset_export_csv(dataset_reader_t *r, buf_t *out, err_t *err)
{
    /* The schema object's keys, sorted: the header. */
    const json_t *schema = json_object_get(dataset_reader_version(r), "schema");
    size_t ncols = json_object_size(schema);
    const char **cols = xcalloc(ncols ? ncols : 1, sizeof *cols);
    size_t k = 0;
    const char *key;
    json_t *unused;
    json_object_foreach((json_t *)schema, key, unused)
    {
        cols[k++] = key;
    }
    qsort(cols, ncols, sizeof *cols, by_name);
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            buf_append_char(out, ',');
        csv_field(out, cols[i], strlen(cols[i]));
    }
    buf_append_str(out, "\r\n");
    json_t *row;
    int rc;
    while ((rc = dataset_reader_next(r, &row, err)) == 1) {
        for (size_t i = 0; i < ncols; i++) {
            if (i)
                buf_append_char(out, ',');
            csv_value(out, json_object_get(row, cols[i]));
        }
        buf_append_str(out, "\r\n");
        json_decref(row);
    }
    free(cols);
    return rc;
}
