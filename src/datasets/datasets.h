/* datasets.h - versioned datasets: named datasets with immutable, numbered, content-addressed
 * versions of rows (JSON objects), imported from JSONL or CSV.
 *
 * A dataset's name is 1-200 characters of letters, digits, '.', '_' and '-', starting with a
 * letter or digit. Versions are numbered 1, 2, 3 ... per dataset and never change. A version's
 * rows are stored canonically (canonical.h) as one blob in the blob store; its "digest" is that
 * blob's SHA-256, so equal rows give an equal digest whatever the input format or key order.
 *
 * A version is referred to as "NAME" or "NAME@latest" (the newest version) or "NAME/N"
 * (version N); its lineage node is {"type": "dataset", "id": "NAME/N"}.
 *
 * Functions return new JSON (caller owns) or NULL with err: 400 for bad input (the field named,
 * nothing changed), 404 for an unknown dataset or version, 409 for a duplicate name. */
#ifndef LLMOPS_DATASETS_DATASETS_H
#define LLMOPS_DATASETS_DATASETS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "blobs/blobs.h"
#include "store/store.h"

#define DATASET_NAME_MAX        200
#define DATASET_DESCRIPTION_MAX 10000
#define DATASET_SOURCE_MAX      500
#define DATASET_TAGS_MAX        100
#define DATASET_TAG_KEY_MAX     250
#define DATASET_TAG_VALUE_MAX   5000
#define DATASET_REQUIRED_MAX    100 /* declared required columns */
#define DATASET_PAGE_DEFAULT    100
#define DATASET_PAGE_MAX        1000
#define DATASET_LINEAGE_TYPE    "dataset"

/* 0, or -1 with err (400, field "name"). */
int datasets_check_name(const char *name, err_t *err);

/* Split a reference "NAME", "NAME@latest" or "NAME/N" into the name (copied into name, of size
 * DATASET_NAME_MAX + 1) and *version (0 for latest). 400 naming field "dataset" if malformed. */
int datasets_parse_ref(const char *ref, char name[DATASET_NAME_MAX + 1], int64_t *version,
                       err_t *err);

/* Create an empty dataset. tags: an object of string values, or NULL.
 * {"name","description","tags","latest_version" (null when none),"created_at","updated_at"} */
json_t *datasets_create(store_t *s, const char *name, const char *description, const json_t *tags,
                        err_t *err);
json_t *datasets_get(store_t *s, const char *name, err_t *err);
/* Datasets ordered by name, limit 1..DATASET_PAGE_MAX (0 = default), starting after the name
 * `cursor` (NULL: from the start): {"datasets":[...], "next_cursor"?: "..."} */
json_t *datasets_list(store_t *s, int limit, const char *cursor, err_t *err);

typedef struct dataset_import_in {
    const char *name;   /* the dataset; created (with no description) when it does not exist */
    const char *format; /* "jsonl" or "csv" */
    const char *data;   /* the file's bytes; may be empty only when parent is given (derive) */
    size_t len;
    const char *required;    /* "a,b": columns every row must have, non-null; NULL for none */
    const char *split;       /* split rule (splits.h) or NULL */
    int64_t seed;            /* the split seed */
    const char *source;      /* NULL or "" for "upload"; e.g. a file name or "traces-export" */
    const char *parent;      /* the version this derives from: "N" (same dataset) or "NAME/N" */
    const char *description; /* of the version; NULL for "" */
    const json_t *tags;      /* of the version: an object of string values, or NULL */
} dataset_import_in_t;

/* Import a file as a new version, in one transaction (nothing is stored when anything fails).
 * Malformed input is 400 code "invalid_rows", field "body", and *report gets
 * {"errors":[{"line","message"}...] (at most 100), "error_count": N}: every malformed line and
 * every row lacking a required column. An input without rows is 400 "empty". Empty data with a
 * parent derives a version with the parent's rows (e.g. to add a split rule).
 *
 * When the dataset already has a version with the same digest and the same split rule and seed,
 * that version is returned with *created = 0 and nothing is stored (the new source, parent,
 * description and tags are not recorded). Otherwise *created = 1 and the new version is
 * returned (see datasets_get_version), with a "derived" lineage edge from the parent. */
json_t *datasets_import(store_t *s, blobs_t *b, const dataset_import_in_t *in, int *created,
                        json_t **report, err_t *err);

/* A version (version 0: the latest): {"name","version","digest","row_count","schema",
 * "source","parent" (reference or null),"description","tags","splits" (null or {"rule",
 * "seed","counts":{split: rows}}),"created_at","lineage_node":{"type","id"}} */
json_t *datasets_get_version(store_t *s, const char *name, int64_t version, err_t *err);
/* Versions, newest first, limit as datasets_list, before version `cursor` (0: from the newest):
 * {"name","versions":[...], "next_cursor"?: N} */
json_t *datasets_list_versions(store_t *s, const char *name, int limit, int64_t cursor, err_t *err);

#endif
