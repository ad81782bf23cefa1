/* scorer_internal.h - what a scorer type implements, for the scorer files (eval/scorers_*.c)
 * and the dispatch in scorer.c; not for the runner, which sees only scorer.h.
 *
 * Adding a type = one file with its create function + one line in SCORER_KINDS (scorer.c) +
 * its declaration below. scorer_create() has already checked the common fields (type, name,
 * threshold, field) and filled them in when the type's create function runs; that function
 * checks its own spec fields, sets threshold (unless the spec gave one), direction, vtable
 * and state, and returns 0, or -1 with a 400 naming the field. */
#ifndef LLMOPS_EVAL_SCORER_INTERNAL_H
#define LLMOPS_EVAL_SCORER_INTERNAL_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8 /* UTF-8 subjects and patterns */
#endif
#include <pcre2.h>

#include "eval/scorer.h"

typedef struct scorer_vtable {
    /* Fill out->value (and out->reason when there is something to explain). pass is set by
     * scorer_score() from the threshold unless the vtable has its own pass function. Must be
     * safe to call from several threads at once on the same scorer. */
    int (*score)(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                 err_t *err);
    /* Optional: whether value passes, when that is not just the threshold comparison (length
     * with both a min and a max). */
    int (*pass)(const eval_scorer_t *s, double value);
    /* Optional: free state. */
    void (*free_state)(void *state);
} scorer_vtable_t;

struct eval_scorer {
    char *name;          /* spec "name", default the type */
    const char *type;    /* the kind's static type string */
    char *field;         /* the row column holding the expected value (spec "field") */
    double threshold;    /* spec "threshold", else the type's default */
    int threshold_given; /* the spec had "threshold" (types whose "max" is the threshold check) */
    int higher_is_better;
    int needs_baseline;
    const eval_llm_t *llm; /* as given to scorer_create; may be NULL */
    const scorer_vtable_t *vt;
    void *state;
};

/* A type's constructor; see the top of this file. */
typedef int (*scorer_create_fn)(eval_scorer_t *s, const json_t *spec, err_t *err);

/* Spec keys: 400 naming the first key of spec that is neither a common field (type, name,
 * threshold, field) nor in allowed (NULL-terminated), so a misspelt option is not silently
 * ignored. */
int scorer_check_keys(const eval_scorer_t *s, const json_t *spec, const char *const *allowed,
                      err_t *err);

/* The expected value as text: a string as is, anything else as compact JSON. NULL with a 400
 * naming s->field when the row has none. Caller frees. */
char *scorer_expected_text(const eval_scorer_t *s, const eval_sample_t *sample, err_t *err);
/* The references of the text-similarity scorers: an expected string is one reference, an
 * array of strings several (the score is the best over them, or multi-reference BLEU); any
 * other value is one reference in compact JSON. Returns the count (>= 1) and a malloc'd array
 * of malloc'd strings in *refs (scorer_free_refs), or -1 with err. */
int scorer_expected_refs(const eval_scorer_t *s, const eval_sample_t *sample, char ***refs,
                         err_t *err);
void scorer_free_refs(char **refs, int n);

/* PCRE2 helpers. Compile with UTF and invalid-UTF-tolerant matching; a bad pattern is a 400
 * naming field with PCRE2's message and the offset. */
pcre2_code *scorer_regex_compile(const char *pattern, uint32_t options, const char *field,
                                 err_t *err);
/* 1 when re matches somewhere in subject (start/end offsets of the first match in *start,
 * *end when not NULL), 0 when not, -1 with err when matching failed (match limit hit). */
int scorer_regex_find(const pcre2_code *re, const char *subject, size_t len, size_t offset,
                      size_t *start, size_t *end, err_t *err);

/* JSON equality as JSON Schema defines it: numbers by mathematical value (1 == 1.0), objects
 * regardless of key order, arrays element by element. */
int scorer_json_equal(const json_t *a, const json_t *b);

/* The deterministic types (scorers_*.c). */
int scorer_new_exact_match(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_contains(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_icontains(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_regex(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_json_valid(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_json_schema(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_levenshtein(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_token_f1(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_bleu(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_rouge1(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_rouge2(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_rougeL(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_pii(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_blocklist(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_latency(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_cost(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_length(eval_scorer_t *s, const json_t *spec, err_t *err);

#endif
