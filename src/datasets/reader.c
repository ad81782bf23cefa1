/* reader.c - iterating a version's rows (reader.h). The rows blob is canonical JSONL, so a row
 * is one line; the split assignments blob holds one byte per row (its split's index in the
 * rule). */
#include "datasets/reader.h"

#include <stdlib.h>
#include <string.h>

#include "datasets/splits.h"

struct dataset_reader {
    json_t *version;
    buf_t rows;     /* canonical JSONL */
    buf_t assigned; /* one byte per row, empty when the version has no splits */
    ds_split_rule_t rule;
    int has_rule;
    int split;    /* the selected split's index, or -1 for all rows */
    size_t count; /* rows in the selection */
    size_t pos;   /* byte offset of the next line in rows */
    size_t index; /* the version-wide index of the row at pos */
};

void dataset_close(dataset_reader_t *r)
{
    if (!r)
        return;
    json_decref(r->version);
    buf_free(&r->rows);
    buf_free(&r->assigned);
    free(r);
}

static int load(dataset_reader_t *r, blobs_t *b, const char *split, err_t *err)
{
    const json_t *v = r->version;
    size_t row_count = (size_t)json_integer_value(json_object_get(v, "row_count"));
    if (blobs_get(b, json_string_value(json_object_get(v, "digest")), &r->rows, err) != 0)
        return -1;
    const json_t *splits = json_object_get(v, "splits");
    r->split = -1;
    r->count = row_count;
    if (json_is_object(splits)) {
        if (ds_split_rule_parse(json_string_value(json_object_get(splits, "rule")), &r->rule,
                                err) != 0 ||
            blobs_get(b, json_string_value(json_object_get(splits, "assignments_blob")),
                      &r->assigned, err) != 0)
            return -1;
        if (r->assigned.len != row_count)
            return err_internal(err, "the split assignments of this version are damaged");
        r->has_rule = 1;
    }
    if (!split || !*split)
        return 0;
    if (!r->has_rule)
        return err_invalid(err, "split", "this version has no splits");
    r->split = ds_split_rule_find(&r->rule, split);
    if (r->split < 0)
        return err_invalid(err, "split", "this version has no split '%.60s' (its rule: %s)", split,
                           json_string_value(json_object_get(splits, "rule")));
    r->count = 0;
    for (size_t i = 0; i < row_count; i++)
        r->count += (unsigned char)r->assigned.data[i] == r->split;
    return 0;
}

int dataset_open_version(store_t *s, blobs_t *b, const char *name, int64_t version,
                         const char *split, dataset_reader_t **out, err_t *err)
{
    *out = NULL;
    json_t *v = datasets_get_version(s, name, version, err);
    if (!v)
        return -1;
    dataset_reader_t *r = xcalloc(1, sizeof *r);
    r->version = v;
    buf_init(&r->rows);
    buf_init(&r->assigned);
    if (load(r, b, split, err) != 0) {
        dataset_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

int dataset_open(store_t *s, blobs_t *b, const char *ref, const char *split, dataset_reader_t **out,
                 err_t *err)
{
    char name[DATASET_NAME_MAX + 1];
    int64_t version;
    *out = NULL;
    if (datasets_parse_ref(ref, name, &version, err) != 0)
        return -1;
    return dataset_open_version(s, b, name, version, split, out, err);
}

const json_t *dataset_reader_version(const dataset_reader_t *r)
{
    return r->version;
}

size_t dataset_reader_count(const dataset_reader_t *r)
{
    return r->count;
}

void dataset_reader_rewind(dataset_reader_t *r)
{
    r->pos = 0;
    r->index = 0;
}

/* Step to the next line of the selection without parsing it; its text and length, or NULL. */
static const char *next_line(dataset_reader_t *r, size_t *len, size_t *index)
{
    while (r->pos < r->rows.len) {
        const char *start = r->rows.data + r->pos;
        const char *nl = memchr(start, '\n', r->rows.len - r->pos);
        size_t n = nl ? (size_t)(nl - start) : r->rows.len - r->pos;
        size_t i = r->index++;
        r->pos += n + 1;
        if (r->split < 0 ||
            (i < r->assigned.len && (unsigned char)r->assigned.data[i] == r->split)) {
            *len = n;
            *index = i;
            return start;
        }
    }
    return NULL;
}

int dataset_reader_next_ex(dataset_reader_t *r, json_t **row, size_t *index, const char **split,
                           err_t *err)
{
    *row = NULL;
    size_t len, i;
    const char *line = next_line(r, &len, &i);
    if (!line)
        return 0;
    json_t *value = json_loadb(line, len, 0, NULL);
    if (!json_is_object(value)) {
        json_decref(value);
        return err_internal(err, "row %zu of this version is damaged", i + 1);
    }
    *row = value;
    if (index)
        *index = i;
    if (split)
        *split = r->has_rule ? r->rule.names[(unsigned char)r->assigned.data[i]] : NULL;
    return 1;
}

int dataset_reader_next(dataset_reader_t *r, json_t **row, err_t *err)
{
    return dataset_reader_next_ex(r, row, NULL, NULL, err);
}

size_t dataset_reader_skip(dataset_reader_t *r, size_t n)
{
    size_t skipped = 0, len, i;
    while (skipped < n && next_line(r, &len, &i))
        skipped++;
    return skipped;
}
