/* bench_scorers.c - time per row of each deterministic scorer (`make bench-scorers`), on a
 * typical answer (~300 characters against a similar reference) and at the sizes that bound the
 * quadratic metrics (levenshtein and rougeL at their 10^8-cell limit) and stress the regex
 * scorers (100 KB answers with no match: PII detection must not backtrack quadratically).
 *
 * Prints one line per figure: the mean time per scorer_score() call over enough repetitions to
 * take about half a second. Not a test: nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval/scorer.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *repeat(const char *unit, size_t n)
{
    size_t ul = strlen(unit);
    char *s = malloc(n * ul + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * ul, unit, ul);
    s[n * ul] = '\0';
    return s;
}

static void bench(const char *spec_text, const char *label, const char *output,
                  const char *expected)
{
    json_t *spec = json_loads(spec_text, 0, NULL);
    err_t err;
    eval_scorer_t *s = scorer_create(spec, NULL, &err);
    json_decref(spec);
    if (!s) {
        fprintf(stderr, "%s: %s\n", spec_text, err.message);
        exit(1);
    }
    json_t *exp = json_string(expected);
    eval_sample_t sample = {.input = "", .output = output, .expected = exp, .latency_ms = 12};
    long reps = 0;
    double start = now_s(), elapsed;
    do {
        eval_score_t out;
        if (scorer_score(s, &sample, &out, &err) < 0) {
            fprintf(stderr, "%s: %s\n", label, err.message);
            exit(1);
        }
        eval_score_clear(&out);
        reps++;
        elapsed = now_s() - start;
    } while (elapsed < 0.5);
    double per = elapsed / (double)reps;
    if (per >= 1e-3)
        printf("%-44s %10.2f ms/row\n", label, per * 1e3);
    else
        printf("%-44s %10.2f us/row\n", label, per * 1e6);
    json_decref(exp);
    scorer_free(s);
}

int main(void)
{
    const char *answer =
        "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. "
        "It is named after the engineer Gustave Eiffel, whose company designed and built the "
        "tower from 1887 to 1889. It is 330 metres tall and was the tallest man-made structure "
        "in the world until 1930.";
    const char *reference =
        "The Eiffel Tower is a lattice tower made of wrought iron on the Champ de Mars in Paris. "
        "It was named after Gustave Eiffel, whose company designed and built it between 1887 "
        "and 1889. The tower is 330 m tall; it was the world's tallest man-made structure "
        "until 1930.";
    printf("typical row: %zu-character answer, %zu-character reference\n", strlen(answer),
           strlen(reference));
    const char *specs[][2] = {
        {"{\"type\": \"exact_match\", \"ignore_case\": true}", "exact_match (ignore_case)"},
        {"{\"type\": \"icontains\", \"values\": [\"eiffel\", \"paris\"]}", "icontains (2 values)"},
        {"{\"type\": \"regex\", \"pattern\": \"\\\\b1[89]\\\\d\\\\d\\\\b\"}", "regex"},
        {"{\"type\": \"levenshtein\"}", "levenshtein"},
        {"{\"type\": \"token_f1\"}", "token_f1"},
        {"{\"type\": \"bleu\"}", "bleu"},
        {"{\"type\": \"rouge1\"}", "rouge1"},
        {"{\"type\": \"rouge2\"}", "rouge2"},
        {"{\"type\": \"rougeL\"}", "rougeL"},
        {"{\"type\": \"pii\"}", "pii (all kinds)"},
        {"{\"type\": \"blocklist\", \"words\": [\"guarantee\", \"risk-free\", \"cure\"]}",
         "blocklist (3 words)"},
        {"{\"type\": \"length\", \"unit\": \"words\", \"max\": 100}", "length (words)"},
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        bench(specs[i][0], specs[i][1], answer, reference);

    const char *json_answer = "{\"answer\": \"Paris\", \"confidence\": 0.93, \"sources\": "
                              "[\"wiki\", \"britannica\"]}";
    bench("{\"type\": \"json_schema\", \"schema\": {\"type\": \"object\", \"required\": "
          "[\"answer\"], \"properties\": {\"answer\": {\"type\": \"string\", \"minLength\": 1}, "
          "\"confidence\": {\"type\": \"number\", \"minimum\": 0, \"maximum\": 1}, \"sources\": "
          "{\"type\": \"array\", \"items\": {\"type\": \"string\", \"pattern\": \"^[a-z]+$\"}, "
          "\"uniqueItems\": true}}, \"additionalProperties\": false}}",
          "json_schema (object, 3 properties)", json_answer, "");

    printf("bounds:\n");
    char *chars = repeat("ab", 5000); /* 10,000 x 10,000 code points = the cell limit */
    bench("{\"type\": \"levenshtein\"}", "levenshtein 10k x 10k characters", chars, chars);
    free(chars);
    char *words = repeat("w ", 10000);
    bench("{\"type\": \"rougeL\"}", "rougeL 10k x 10k tokens", words, words);
    bench("{\"type\": \"bleu\"}", "bleu 10k x 10k tokens", words, words);
    free(words);
    const char *units[] = {"a", "1 ", "AB12 ", "a@b"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        char *big = repeat(units[i], 100000 / strlen(units[i]));
        char label[64];
        snprintf(label, sizeof label, "pii 100 KB of \"%s\"", units[i]);
        bench("{\"type\": \"pii\"}", label, big, "");
        free(big);
    }
    return 0;
}
