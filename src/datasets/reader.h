/* reader.h - reading a dataset version's rows: the C API the evaluator (and the HTTP preview and
 * export) iterate with.
 *
 *     dataset_reader_t *r;
 *     if (dataset_open(store, blobs, "qa@latest", "test", &r, &err) != 0) ...
 *     json_t *row;
 *     while ((rc = dataset_reader_next(r, &row, &err)) == 1) { ...; json_decref(row); }
 *     dataset_close(r);
 *
 * The version's rows are read from its blob when it is opened (a version is bounded by the
 * upload limit, so it fits in memory) and parsed one at a time as they are asked for. Rows come
 * in the version's order; with a split, only that split's rows, still in order. A reader is
 * used by one thread at a time. */
#ifndef LLMOPS_DATASETS_READER_H
#define LLMOPS_DATASETS_READER_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "blobs/blobs.h"
#include "datasets/datasets.h"
#include "store/store.h"

typedef struct dataset_reader dataset_reader_t;

/* Open a version by reference ("NAME", "NAME@latest", "NAME/N"; datasets.h), optionally
 * restricted to one split (NULL: every row). 404 for an unknown dataset or version; 400 field
 * "split" for a split the version does not have (or a version without splits). */
int dataset_open(store_t *s, blobs_t *b, const char *ref, const char *split, dataset_reader_t **out,
                 err_t *err);
/* The same with the name and version apart (version 0: the latest). */
int dataset_open_version(store_t *s, blobs_t *b, const char *name, int64_t version,
                         const char *split, dataset_reader_t **out, err_t *err);
void dataset_close(dataset_reader_t *r);

/* The version's metadata (datasets_get_version's JSON). Borrowed. */
const json_t *dataset_reader_version(const dataset_reader_t *r);
/* The rows this reader yields (the split's count, or the version's row count). */
size_t dataset_reader_count(const dataset_reader_t *r);

/* The next row: 1 and *row (caller decrefs), 0 at the end, -1 with err when the stored rows
 * are damaged. index (may be NULL) gets the row's position in the whole version, and split
 * (may be NULL) its split's name (NULL when the version has no splits; borrowed). */
int dataset_reader_next_ex(dataset_reader_t *r, json_t **row, size_t *index, const char **split,
                           err_t *err);
int dataset_reader_next(dataset_reader_t *r, json_t **row, err_t *err);
/* Skip n rows of the selection (for offset paging); returns how many were skipped. */
size_t dataset_reader_skip(dataset_reader_t *r, size_t n);
/* Back to the first row. */
void dataset_reader_rewind(dataset_reader_t *r);

/* Append the selected rows, from where the reader stands to the end, to out: as canonical
 * JSONL, or as CSV with a header of the version's columns (sorted by name; strings as they
 * are, null and missing as empty fields, other values as compact JSON). 0 or -1 with err. */
int dataset_export_jsonl(dataset_reader_t *r, buf_t *out, err_t *err);
int dataset_export_csv(dataset_reader_t *r, buf_t *out, err_t *err);

#endif
