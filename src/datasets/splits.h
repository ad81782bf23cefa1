/* splits.h - seeded splits (train / validation / test ...) of a version's rows.
 *
 * A rule is written "train=0.8,validation=0.1,test=0.1": 1 to DS_SPLITS_MAX names
 * ([A-Za-z0-9_-], 1-40 characters, distinct), each with a fraction in (0, 1]; the fractions
 * must sum to 1 (within 1e-9). The rule's normal text spells each fraction the shortest exact
 * way ("0.8").
 *
 * A row's split: h = SHA-256 of the text "<seed>\n<k>\n<canonical row>", where k counts the
 * earlier rows with the same canonical text (0 for the first), so duplicates can land in
 * different splits. u = the first 8 bytes of h read as a big-endian integer / 2^64, in [0, 1);
 * the row goes to the first split (in the rule's order) whose running sum of fractions exceeds
 * u (the last split when rounding leaves none). The split of a row therefore depends only on
 * the seed, its content and which duplicate it is: the same rows in another order, or in
 * another version, fall in the same splits, and the split sizes follow the fractions up to
 * sampling noise (binomial: about +/-1% of the rows for 10,000 rows). */
#ifndef LLMOPS_DATASETS_SPLITS_H
#define LLMOPS_DATASETS_SPLITS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define DS_SPLITS_MAX     16
#define DS_SPLIT_NAME_MAX 40

typedef struct ds_split_rule {
    size_t n;
    char names[DS_SPLITS_MAX][DS_SPLIT_NAME_MAX + 1];
    double fractions[DS_SPLITS_MAX];
} ds_split_rule_t;

/* Parse a rule; 400 naming field "split" when it is malformed. */
int ds_split_rule_parse(const char *text, ds_split_rule_t *out, err_t *err);
/* The rule's normal text ("train=0.8,test=0.2"). Caller frees. */
char *ds_split_rule_text(const ds_split_rule_t *rule);
/* The index of a split name in the rule, or -1. */
int ds_split_rule_find(const ds_split_rule_t *rule, const char *name);

/* The split of every row: out[i] = index into rule->names for the row whose canonical text is
 * canon[i]. */
void ds_split_assign(const ds_split_rule_t *rule, int64_t seed, char *const *canon, size_t n,
                     unsigned char *out);

#endif
