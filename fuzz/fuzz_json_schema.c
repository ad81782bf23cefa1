/* fuzz_json_schema.c - libFuzzer target for the json_schema scorer: the input is split at its
 * first newline into a schema (JSON) and an answer (any bytes). The schema goes through
 * scorer_create; when it is accepted the answer is scored against it. Any crash, sanitizer
 * report or leak is a finding; a rejected schema must be a 400 naming "schema", and a score
 * must be 0 or 1 with a reason exactly when it is 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/scorer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t schema_len = nl ? (size_t)(nl - data) : size;
    json_t *schema = json_loadb((const char *)data, schema_len, JSON_DECODE_ANY, NULL);
    if (!schema)
        return 0;
    json_t *spec = json_pack("{s:s, s:o}", "type", "json_schema", "schema", schema);
    if (!spec)
        abort();
    err_t err;
    eval_scorer_t *s = scorer_create(spec, NULL, &err);
    json_decref(spec);
    if (!s) {
        if (err.status != 400 || strcmp(err.field, "schema") != 0 ||
            memchr(err.message, '\0', sizeof err.message) == NULL)
            abort();
        return 0;
    }
    size_t answer_len = nl ? size - schema_len - 1 : 0;
    char *answer = malloc(answer_len + 1);
    if (!answer)
        abort();
    if (answer_len)
        memcpy(answer, nl + 1, answer_len);
    answer[answer_len] = '\0';
    eval_sample_t sample = {.input = "", .output = answer};
    eval_score_t out;
    if (scorer_score(s, &sample, &out, &err) == 0) {
        if (!(out.value == 0 || out.value == 1) || out.pass != (out.value == 1) ||
            (out.value == 0) != (out.reason != NULL))
            abort();
        eval_score_clear(&out);
    } else if (err.status != 422) { /* only a pattern hitting the match limit fails a row */
        abort();
    }
    free(answer);
    scorer_free(s);
    return 0;
}
