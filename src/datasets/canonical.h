/* canonical.h - the canonical text of dataset rows, which is what a version's digest hashes.
 *
 * A row's canonical text is compact JSON with the keys of every object sorted (byte order of
 * their UTF-8), reals in their shortest exact form (0.7, not 0.69999999999999996), integers
 * and reals kept apart as parsed (1 and 1.0 differ), strings as UTF-8 (only '"', '\\' and
 * control characters escaped). A version's rows are stored as one blob: each row's canonical
 * text followed by "\n", in input order. So two imports with the same rows in the same order
 * give the same bytes, and the same digest, whatever their format or key order. */
#ifndef LLMOPS_DATASETS_CANONICAL_H
#define LLMOPS_DATASETS_CANONICAL_H

#include <jansson.h>

#include "base/buf.h"

/* The canonical text of one row (no newline). Caller frees. */
char *ds_canonical_row(const json_t *row);

/* Every row's canonical text (texts[i], caller frees each and the array, see
 * ds_canonical_free) and the whole blob content appended to out. */
char **ds_canonical_rows(const json_t *rows, buf_t *out);
void ds_canonical_free(char **texts, size_t n);

#endif
