/* scorer.c - building scorers from their specs and dispatching to the type's implementation
 * (see scorer.h for the contract, scorer_internal.h for what a type implements).
 *
 * The types are one table, SCORER_KINDS: each line names a type and its create function, and
 * both the dispatch table and the public scorer_types[] list are generated from it, so they
 * cannot disagree. */
#include "eval/scorer_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "eval/scorers_model.h"

#define SCORER_KINDS(X)                                                                            \
    X("exact_match", scorer_new_exact_match)                                                       \
    X("contains", scorer_new_contains)                                                             \
    X("icontains", scorer_new_icontains)                                                           \
    X("regex", scorer_new_regex)                                                                   \
    X("json_valid", scorer_new_json_valid)                                                         \
    X("json_schema", scorer_new_json_schema)                                                       \
    X("levenshtein", scorer_new_levenshtein)                                                       \
    X("token_f1", scorer_new_token_f1)                                                             \
    X("bleu", scorer_new_bleu)                                                                     \
    X("rouge1", scorer_new_rouge1)                                                                 \
    X("rouge2", scorer_new_rouge2)                                                                 \
    X("rougeL", scorer_new_rougeL)                                                                 \
    X("pii", scorer_new_pii)                                                                       \
    X("blocklist", scorer_new_blocklist)                                                           \
    X("latency", scorer_new_latency)                                                               \
    X("cost", scorer_new_cost)                                                                     \
    X("length", scorer_new_length)

typedef struct scorer_kind {
    const char *type;
    scorer_create_fn create;
} scorer_kind_t;

#define KIND_ENTRY(type, fn) {type, fn},
#define KIND_NAME(type, fn)  type,
static const scorer_kind_t kinds[] = {SCORER_KINDS(KIND_ENTRY) SCORER_MODEL_KINDS(KIND_ENTRY)};
const char *const scorer_types[] = {SCORER_KINDS(KIND_NAME) SCORER_MODEL_KINDS(KIND_NAME) NULL};
#define NKINDS (sizeof kinds / sizeof kinds[0])

#define NAME_MAX_LEN  128
#define FIELD_MAX_LEN 128

static const char *const common_keys[] = {"type", "name", "threshold", "field", NULL};

static int in_list(const char *key, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(key, list[i]) == 0)
            return 1;
    return 0;
}

int scorer_check_keys(const eval_scorer_t *s, const json_t *spec, const char *const *allowed,
                      err_t *err)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)spec, key, value)
    {
        (void)value;
        if (!in_list(key, common_keys) && !in_list(key, allowed))
            return err_invalid(err, key, "unknown field \"%s\" for scorer type %s", key, s->type);
    }
    return 0;
}

static int unknown_type(const char *type, err_t *err)
{
    buf_t known;
    buf_init(&known);
    for (size_t i = 0; scorer_types[i]; i++)
        buf_printf(&known, "%s%s", i ? ", " : "", scorer_types[i]);
    err_invalid(err, "type", "unknown scorer type \"%s\" (known: %s)", type, buf_str(&known));
    buf_free(&known);
    return -1;
}

eval_scorer_t *scorer_create(const json_t *spec, const eval_llm_t *llm, err_t *err)
{
    if (!json_is_object(spec)) {
        err_invalid(err, "scorers", "a scorer spec must be a JSON object with a \"type\"");
        return NULL;
    }
    const char *type = NULL, *name = NULL, *field = "expected";
    double threshold = 0;
    if (json_field_string(spec, "type", 1, 64, &type, err) < 0 ||
        json_field_string(spec, "name", 0, NAME_MAX_LEN, &name, err) < 0 ||
        json_field_string(spec, "field", 0, FIELD_MAX_LEN, &field, err) < 0 ||
        json_field_number(spec, "threshold", 0, &threshold, err) < 0)
        return NULL;
    const scorer_kind_t *kind = NULL;
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i].type, type) == 0)
            kind = &kinds[i];
    if (!kind) {
        unknown_type(type, err);
        return NULL;
    }
    if (name && !name[0]) {
        err_invalid(err, "name", "name must not be empty");
        return NULL;
    }
    if (!field[0]) {
        err_invalid(err, "field", "field must not be empty");
        return NULL;
    }
    if (!isfinite(threshold)) {
        err_invalid(err, "threshold", "threshold must be a finite number");
        return NULL;
    }
    eval_scorer_t *s = xcalloc(1, sizeof *s);
    s->type = kind->type;
    s->name = xstrdup(name ? name : kind->type);
    s->field = xstrdup(field);
    s->threshold_given = json_object_get(spec, "threshold") != NULL &&
                         !json_is_null(json_object_get(spec, "threshold"));
    s->threshold = threshold;
    s->higher_is_better = 1;
    s->llm = llm;
    if (kind->create(s, spec, err) < 0) {
        scorer_free(s);
        return NULL;
    }
    if (s->threshold_given)
        s->threshold = threshold;
    return s;
}

int scorer_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (s->vt->score(s, sample, out, err) < 0) {
        eval_score_clear(out);
        return -1;
    }
    if (s->vt->pass)
        out->pass = s->vt->pass(s, out->value);
    else if (s->higher_is_better)
        out->pass = out->value >= s->threshold;
    else
        out->pass = out->value <= s->threshold;
    return 0;
}

const char *scorer_name(const eval_scorer_t *s)
{
    return s->name;
}

const char *scorer_type(const eval_scorer_t *s)
{
    return s->type;
}

double scorer_threshold(const eval_scorer_t *s)
{
    return s->threshold;
}

int scorer_higher_is_better(const eval_scorer_t *s)
{
    return s->higher_is_better;
}

int scorer_needs_baseline(const eval_scorer_t *s)
{
    return s->needs_baseline;
}

void scorer_free(eval_scorer_t *s)
{
    if (!s)
        return;
    if (s->vt && s->vt->free_state && s->state)
        s->vt->free_state(s->state);
    free(s->name);
    free(s->field);
    free(s);
}

void eval_score_clear(eval_score_t *score)
{
    if (!score)
        return;
    free(score->reason);
    score->reason = NULL;
}

/* ---- helpers shared by the types (scorer_internal.h) ---- */

char *scorer_expected_text(const eval_scorer_t *s, const eval_sample_t *sample, err_t *err)
{
    const json_t *e = sample->expected;
    if (!e || json_is_null(e)) {
        err_invalid(err, s->field, "the row has no expected value (column \"%s\")", s->field);
        return NULL;
    }
    if (json_is_string(e))
        return xstrdup(json_string_value(e));
    return json_to_string(e);
}

int scorer_expected_refs(const eval_scorer_t *s, const eval_sample_t *sample, char ***refs,
                         err_t *err)
{
    const json_t *e = sample->expected;
    int all_strings = json_is_array(e) && json_array_size(e) > 0;
    for (size_t i = 0; all_strings && i < json_array_size(e); i++)
        all_strings = json_is_string(json_array_get(e, i));
    if (all_strings) {
        int n = (int)json_array_size(e);
        *refs = xcalloc((size_t)n, sizeof **refs);
        for (int i = 0; i < n; i++)
            (*refs)[i] = xstrdup(json_string_value(json_array_get(e, (size_t)i)));
        return n;
    }
    char *one = scorer_expected_text(s, sample, err);
    if (!one)
        return -1;
    *refs = xcalloc(1, sizeof **refs);
    (*refs)[0] = one;
    return 1;
}

void scorer_free_refs(char **refs, int n)
{
    for (int i = 0; refs && i < n; i++)
        free(refs[i]);
    free(refs);
}

/* Backtracking bound per match: a pathological pattern on a long answer fails that row
 * instead of spinning for minutes. */
#define REGEX_MATCH_LIMIT 1000000

pcre2_code *scorer_regex_compile(const char *pattern, uint32_t options, const char *field,
                                 err_t *err)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                      options | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            strcpy((char *)msg, "invalid pattern");
        err_invalid(err, field, "invalid regular expression at offset %zu: %s", (size_t)offset,
                    (const char *)msg);
    }
    return re;
}

int scorer_regex_find(const pcre2_code *re, const char *subject, size_t len, size_t offset,
                      size_t *start, size_t *end, err_t *err)
{
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!mctx || !md) {
        pcre2_match_context_free(mctx);
        pcre2_match_data_free(md);
        return err_internal(err, "out of memory matching a regular expression");
    }
    pcre2_set_match_limit(mctx, REGEX_MATCH_LIMIT);
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, len, offset, 0, md, mctx);
    int result;
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (start)
            *start = ov[0];
        if (end)
            *end = ov[1];
        result = 1;
    } else if (rc == PCRE2_ERROR_NOMATCH) {
        result = 0;
    } else {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(rc, msg, sizeof msg) < 0)
            strcpy((char *)msg, "match failed");
        result = err_set(err, 422, "regex_failed", NULL, "regular expression match failed: %s",
                         (const char *)msg);
    }
    pcre2_match_data_free(md);
    pcre2_match_context_free(mctx);
    return result;
}
