/* test_scorers_text.c - levenshtein, token_f1, bleu, rouge1/2/L against reference values.
 *
 * Every expected number below is written out from the reference implementation's definition
 * or taken from its own documentation/tests (provenance in the comment next to it); none is
 * computed by this code base. */
#include "scorer_testutil.h"

static void test_levenshtein(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"levenshtein\"}");
    assert_near(scorer_threshold(s), 0.8);
    /* kitten -> sitting: the textbook distance 3 (k->s, e->i, +g); 1 - 3/max(6,7) */
    assert_near(value_of(s, "kitten", "\"sitting\""), 1.0 - 3.0 / 7.0);
    assert_near(value_of(s, "sitting", "\"kitten\""), 1.0 - 3.0 / 7.0);
    /* flaw -> lawn: distance 2 (-f, +n); 1 - 2/4 */
    assert_near(value_of(s, "flaw", "\"lawn\""), 0.5);
    assert_near(value_of(s, "same", "\"same\""), 1.0);
    assert_near(value_of(s, "", "\"\""), 1.0);    /* both empty: identical */
    assert_near(value_of(s, "abc", "\"\""), 0.0); /* 3 insertions over length 3 */
    /* code points, not bytes: café/cafe is 1 substitution over 4 characters (bytes: 5) */
    assert_near(value_of(s, "caf\xC3\xA9", "\"cafe\""), 0.75);
    /* several references: the best */
    assert_near(value_of(s, "sitting", "[\"kitten\", \"sitting\"]"), 1.0);
    /* invalid UTF-8 in the answer still scores (each stray byte is one character) */
    assert_near(value_of(s, "ab\xff", "\"abc\""), 1.0 - 1.0 / 3.0);
    assert_int_equal(pass_of(s, "kitten", "\"sitting\""), 0);
    scorer_free(s);
    expect_create_error("{\"type\": \"levenshtein\", \"ignore_case\": true}", "ignore_case");
}

static void test_token_f1(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"token_f1\"}");
    /* SQuAD normalize_answer: lowercase, punctuation deleted, articles dropped.
     * "the cat sat" -> [cat, sat]; "A cat sat down." -> [cat, sat, down]; common 2:
     * P = 2/2, R = 2/3, F1 = 2PR/(P+R) = 0.8 */
    assert_near(value_of(s, "the cat sat", "\"A cat sat down.\""), 0.8);
    /* "The Denver Broncos!" normalises to "denver broncos": exact */
    assert_near(value_of(s, "Denver Broncos", "\"The Denver Broncos!\""), 1.0);
    /* punctuation is deleted, not replaced by a space: "don't" == "dont" */
    assert_near(value_of(s, "don't", "\"dont\""), 1.0);
    /* multiset overlap: [x x y] vs [x y y] share min(2,1)+min(1,2) = 2; P = R = 2/3 */
    assert_near(value_of(s, "x x y", "\"x y y\""), 2.0 / 3.0);
    assert_near(value_of(s, "red", "\"blue\""), 0.0);
    /* SQuAD v2.0 script: when either side normalises to nothing, 1 if both do, else 0 */
    assert_near(value_of(s, "the", "\"an\""), 1.0);
    assert_near(value_of(s, "", "\"answer\""), 0.0);
    /* several references: the maximum, as the SQuAD script's metric_max_over_ground_truths */
    assert_near(value_of(s, "cat", "[\"dog\", \"the cat\"]"), 1.0);
    scorer_free(s);
}

static void test_bleu(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"bleu\"}");

    /* NLTK's sentence_bleu documentation example (hypothesis1 against three references),
     * documented result 0.5045666840058485. Counted by hand: clipped 1-grams 17/18 and
     * 2-grams 10/17 (NLTK's modified_precision doc values), 3-grams 7/16, 4-grams 4/15;
     * closest reference length 18 = hypothesis length, so BP = 1;
     * (17/18 * 10/17 * 7/16 * 4/15)^(1/4) = 0.5045666840058485. No punctuation, so the
     * 13a tokeniser splits on spaces only, and no precision is 0, so smoothing is unused. */
    const char *hyp = "It is a guide to action which ensures that the military always obeys the "
                      "commands of the party";
    const char *refs = "[\"It is a guide to action that ensures that the military will forever "
                       "heed Party commands\", \"It is the guiding principle which guarantees "
                       "the military forces always being under the command of the Party\", "
                       "\"It is the practical guide for the army always to heed the directions "
                       "of the party\"]";
    assert_near(value_of(s, hyp, refs), 0.5045666840058485);

    /* sacrebleu "exp" smoothing (by hand): hyp "the cat sat on the mat", ref "the cat is on
     * the mat": 1-grams 5/6, 2-grams 3/5 (the cat, on the, the mat), 3-grams 1/4 (on the mat),
     * 4-grams 0/3 -> first zero smoothed to 1/(2*3); BP 1; (5/6*3/5*1/4*1/6)^(1/4) =
     * (1/48)^(1/4) = 0.37991784282579627 */
    assert_near(value_of(s, "the cat sat on the mat", "\"the cat is on the mat\""),
                0.37991784282579627);

    /* effective order (sacrebleu sentence_bleu's default): a 2-token hypothesis uses 1- and
     * 2-grams only. "hello there"/"hello world": 1/2, then 0/1 smoothed to 1/(2*1);
     * sqrt(1/2 * 1/2) = 0.5 */
    assert_near(value_of(s, "hello there", "\"hello world\""), 0.5);
    assert_near(value_of(s, "Hello world", "\"Hello world\""), 1.0);

    /* brevity penalty: 2 tokens against 6: exp(1 - 6/2) = e^-2, precisions 1 */
    assert_near(value_of(s, "the cat", "\"the cat sat on the mat\""), 0.1353352832366127);

    /* 13a tokenisation: punctuation split off, so these are the same tokens */
    assert_near(value_of(s, "Hello, world.", "\"Hello , world .\""), 1.0);
    /* ... but a period between digits is kept: "3.5" is one token, "3 . 5" three; no
     * n-gram matches -> 0 (sacrebleu returns 0 when nothing matches) */
    assert_near(value_of(s, "3.5", "\"3 . 5\""), 0.0);
    /* &quot; is unescaped before tokenising */
    assert_near(value_of(s, "say &quot;hi&quot;", "\"say \\\"hi\\\"\""), 1.0);
    /* case-sensitive, like sacrebleu's default */
    assert_near(value_of(s, "Party", "\"party\""), 0.0);
    assert_near(value_of(s, "", "\"something\""), 0.0);
    scorer_free(s);
}

static void test_rouge(void **state)
{
    (void)state;
    /* rouge-score's own tests (google-research rouge/rouge_scorer_test.py), score(target,
     * prediction): our expected value is the target, the answer the prediction. */
    eval_scorer_t *r1 = mk("{\"type\": \"rouge1\"}");
    eval_scorer_t *r2 = mk("{\"type\": \"rouge2\"}");
    eval_scorer_t *rl = mk("{\"type\": \"rougeL\"}");
    /* testRouge1: P 1, R 1/3, F 1/2 */
    assert_near(value_of(r1, "testing", "\"testing one two\""), 0.5);
    /* testRouge2: P 1, R 1/2, F 2/3 */
    assert_near(value_of(r2, "testing one", "\"testing one two\""), 2.0 / 3.0);
    /* testRougeLConsecutive / NonConsecutive: P 1, R 2/3, F 4/5 */
    assert_near(value_of(rl, "testing one", "\"testing one two\""), 0.8);
    assert_near(value_of(rl, "testing two", "\"testing one two\""), 0.8);
    /* testMultipleRougeTypes: rouge1 of "testing one" F 4/5 */
    assert_near(value_of(r1, "testing one", "\"testing one two\""), 0.8);
    /* testRougeEmpty: an empty prediction scores 0 for every type */
    assert_near(value_of(r1, "", "\"testing one two\""), 0.0);
    assert_near(value_of(r2, "", "\"testing one two\""), 0.0);
    assert_near(value_of(rl, "", "\"testing one two\""), 0.0);
    /* the tokenizer: lowercase, non-[a-z0-9] separate, so punctuation and case vanish */
    assert_near(value_of(r1, "Testing, ONE-two!", "\"testing one two\""), 1.0);
    /* a prediction of only non-word characters has no tokens (rougeLsum test's "/") */
    assert_near(value_of(rl, "/", "\"w1 w2 w3 w4 w5\""), 0.0);
    /* rougeL by hand: target [a b c d e], prediction [a c e x]: LCS a c e = 3;
     * P 3/4, R 3/5, F = 2*(3/4)(3/5)/(3/4+3/5) = 2/3 */
    assert_near(value_of(rl, "a c e x", "\"a b c d e\""), 2.0 / 3.0);
    /* rouge2 by hand: target "the cat sat", prediction "the cat ran": bigrams share
     * "the cat": P 1/2, R 1/2, F 1/2 */
    assert_near(value_of(r2, "the cat ran", "\"the cat sat\""), 0.5);
    /* several references: the best (rouge-score's score_multi takes the max F) */
    assert_near(value_of(r1, "testing", "[\"other\", \"testing\"]"), 1.0);
    scorer_free(r1);
    scorer_free(r2);
    scorer_free(rl);
}

static void test_expected_required(void **state)
{
    (void)state;
    const char *types[] = {"levenshtein", "token_f1", "bleu", "rouge1", "rouge2", "rougeL"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char spec[96];
        snprintf(spec, sizeof spec, "{\"type\": \"%s\"}", types[i]);
        eval_scorer_t *s = mk(spec);
        eval_score_t out;
        err_t err = {0};
        assert_int_equal(score_with(s, "x", NULL, &out, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, "expected");
        /* a non-string expected value is compared as its compact JSON */
        assert_true(value_of(s, "[1,2]", "[1, 2]") > 0.99);
        scorer_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levenshtein),
        cmocka_unit_test(test_token_f1),
        cmocka_unit_test(test_bleu),
        cmocka_unit_test(test_rouge),
        cmocka_unit_test(test_expected_required),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
