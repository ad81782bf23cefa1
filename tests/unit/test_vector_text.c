/* test_vector_text.c - unit tests for the vector store's pure parts: the format readers (plain
 * text paragraphs, Markdown headings and fences, HTML through libxml2 with scripts skipped and
 * entities decoded), the chunker (size bound, overlap at word starts, no chunk across headings,
 * long paragraphs cut at sentences), the lexical embedder (deterministic, unit length, lexical
 * similarity ordering), the filter grammar (parse errors naming the field, strict typing, ranges,
 * $in, $ne on missing keys), reciprocal rank fusion, and JSONL documents (line numbers in
 * errors, extra fields as metadata). */
#include "unit/testutil.h"

#include <jansson.h>
#include <math.h>

#include "vector/blocks.h"
#include "vector/chunker.h"
#include "vector/distance.h"
#include "vector/embedder.h"
#include "vector/filter.h"
#include "vector/vectors.h"

static void text_paragraphs(void **state)
{
    (void)state;
    const char *doc = "First para\nstill first.\n\n\n  Second para.  \n \nThird";
    vs_blocks_t b = {0};
    vs_parse_text(doc, strlen(doc), &b);
    assert_int_equal(b.n, 3);
    assert_string_equal(b.items[0].text, "First para\nstill first.");
    assert_string_equal(b.items[1].text, "Second para.");
    assert_string_equal(b.items[2].text, "Third");
    assert_null(b.items[0].heading);
    vs_blocks_free(&b);
}

static void markdown_headings_and_fences(void **state)
{
    (void)state;
    const char *doc = "Intro text.\n\n# Install\n\nRun it.\n\n## Linux ##\nUse apt.\n\n```sh\n"
                      "apt-get install x\n\n# not a heading\n```\n\nSetext Title\n===\n\nBody.\n";
    vs_blocks_t b = {0};
    vs_parse_markdown(doc, strlen(doc), &b);
    assert_int_equal(b.n, 5);
    assert_string_equal(b.items[0].text, "Intro text.");
    assert_null(b.items[0].heading);
    assert_string_equal(b.items[1].text, "Run it.");
    assert_string_equal(b.items[1].heading, "Install");
    assert_string_equal(b.items[2].text, "Use apt.");
    assert_string_equal(b.items[2].heading, "Install > Linux");
    /* The fence stays one block, its blank line and '#' line included. */
    assert_string_equal(b.items[3].text, "```sh\napt-get install x\n\n# not a heading\n```");
    assert_string_equal(b.items[3].heading, "Install > Linux");
    assert_string_equal(b.items[4].text, "Body.");
    assert_string_equal(b.items[4].heading, "Setext Title");
    vs_blocks_free(&b);
}

static void html_extraction(void **state)
{
    (void)state;
    const char *doc = "<html><head><title>T</title><style>p{}</style></head><body>"
                      "<script>var secret = 1;</script><!-- hidden -->"
                      "<h1>Billing</h1><p>Invoices &amp; <b>cards</b>\n   accepted.</p>"
                      "<h2>Refunds</h2><ul><li>Five days</li><li>By card</li></ul>"
                      "<pre>a  b\n c</pre><p>unclosed <i>tags";
    vs_blocks_t b = {0};
    err_t err;
    assert_int_equal(vs_parse_html(doc, strlen(doc), &b, &err), 0);
    assert_int_equal(b.n, 5);
    assert_string_equal(b.items[0].text, "Invoices & cards accepted.");
    assert_string_equal(b.items[0].heading, "Billing");
    assert_string_equal(b.items[1].text, "Five days");
    assert_string_equal(b.items[1].heading, "Billing > Refunds");
    assert_string_equal(b.items[2].text, "By card");
    assert_string_equal(b.items[3].text, "a  b\n c");
    assert_string_equal(b.items[4].text, "unclosed tags");
    for (size_t i = 0; i < b.n; i++) {
        assert_null(strstr(b.items[i].text, "secret"));
        assert_null(strstr(b.items[i].text, "hidden"));
        assert_null(strstr(b.items[i].text, "<"));
    }
    vs_blocks_free(&b);
}

/* A paragraph of n numbered words "w0 w1 ...". */
static char *words(size_t n, size_t per_sentence)
{
    char *s = calloc(n * 8 + 1, 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(s + len, "%sw%zu%s", i ? " " : "", i,
                               per_sentence && (i + 1) % per_sentence == 0 ? "." : "");
    return s;
}

static void chunker_bounds_and_overlap(void **state)
{
    (void)state;
    char *para = words(400, 10);
    vs_blocks_t b = {0};
    vs_blocks_add(&b, para, strlen(para), "H");
    vs_chunks_t c = {0};
    vs_chunk_blocks(&b, 200, 40, &c);
    assert_true(c.n > 10);
    for (size_t i = 0; i < c.n; i++) {
        assert_true(strlen(c.items[i].text) <= 200);
        assert_string_equal(c.items[i].heading, "H");
        /* Chunks start at a word, never inside one. */
        assert_int_equal(c.items[i].text[0], 'w');
        if (i + 1 < c.n) {
            /* The next chunk starts with a tail of this one (the overlap)... */
            const char *next = c.items[i + 1].text;
            size_t end = strcspn(next, " ");
            char first[16];
            snprintf(first, sizeof first, "%.*s", (int)end, next);
            const char *found = strstr(c.items[i].text, first);
            assert_non_null(found);
            /* ... of at most 40 bytes. */
            assert_true(strlen(found) <= 40 + 2);
        }
    }
    /* Every word is in some chunk, in order. */
    size_t at = 0;
    for (size_t i = 0; i < c.n; i++) {
        char want[16];
        snprintf(want, sizeof want, "w%zu", at);
        const char *p = c.items[i].text;
        while ((p = strstr(p, want)) != NULL) {
            at++;
            snprintf(want, sizeof want, "w%zu", at);
        }
    }
    assert_int_equal(at, 400);
    vs_chunks_free(&c);
    vs_blocks_free(&b);
    free(para);
}

static void chunker_respects_headings_and_paragraphs(void **state)
{
    (void)state;
    vs_blocks_t b = {0};
    vs_blocks_add(&b, "alpha one", 9, "A");
    vs_blocks_add(&b, "alpha two", 9, "A");
    vs_blocks_add(&b, "beta one", 8, "B");
    vs_chunks_t c = {0};
    vs_chunk_blocks(&b, 100, 20, &c);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.items[0].text, "alpha one\n\nalpha two");
    assert_string_equal(c.items[0].heading, "A");
    /* No overlap carried across a heading. */
    assert_string_equal(c.items[1].text, "beta one");
    vs_chunks_free(&c);
    vs_blocks_free(&b);
}

static void chunker_cuts_at_sentences(void **state)
{
    (void)state;
    char *para = words(60, 5); /* sentences of 5 words: "w0 w1 w2 w3 w4." */
    vs_blocks_t b = {0};
    vs_blocks_add(&b, para, strlen(para), NULL);
    vs_chunks_t c = {0};
    vs_chunk_blocks(&b, 100, 0, &c);
    for (size_t i = 0; i + 1 < c.n; i++) {
        size_t len = strlen(c.items[i].text);
        assert_int_equal(c.items[i].text[len - 1], '.');
    }
    vs_chunks_free(&c);
    vs_blocks_free(&b);
    free(para);
}

static float cosine(const float *a, const float *b, size_t dim)
{
    return vec_dot(a, b, dim);
}

static void lexical_embedder(void **state)
{
    (void)state;
    enum { DIM = 256 };
    float a[DIM], a2[DIM], b[DIM], c[DIM], p[DIM];
    vs_lexical_embed("The invoice is paid by card", DIM, a);
    vs_lexical_embed("The invoice is paid by card", DIM, a2);
    assert_memory_equal(a, a2, sizeof a); /* deterministic */
    double norm = 0;
    for (int i = 0; i < DIM; i++)
        norm += (double)a[i] * a[i];
    assert_true(fabs(norm - 1.0) < 1e-5);
    vs_lexical_embed("invoices are paid with cards", DIM, b);
    vs_lexical_embed("the weather in Lisbon is mild", DIM, c);
    assert_true(cosine(a, b, DIM) > cosine(a, c, DIM));
    /* Case does not matter; punctuation-only text still has a direction. */
    vs_lexical_embed("THE INVOICE IS PAID BY CARD", DIM, a2);
    assert_memory_equal(a, a2, sizeof a);
    vs_lexical_embed("!!!", DIM, p);
    norm = 0;
    for (int i = 0; i < DIM; i++)
        norm += (double)p[i] * p[i];
    assert_true(fabs(norm - 1.0) < 1e-5);
}

static json_t *J(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    return v;
}

static int matches(const char *filter, const char *metadata)
{
    vs_filter_t f;
    err_t err;
    json_t *spec = J(filter), *meta = J(metadata);
    if (vs_filter_parse(spec, &f, &err) != 0)
        fail_msg("filter %s: %s", filter, err.message);
    int m = vs_filter_match(&f, meta);
    vs_filter_free(&f);
    json_decref(spec);
    json_decref(meta);
    return m;
}

static void filter_grammar(void **state)
{
    (void)state;
    assert_true(matches("{}", "{}"));
    assert_true(matches("{\"lang\":\"en\"}", "{\"lang\":\"en\"}"));
    assert_false(matches("{\"lang\":\"en\"}", "{\"lang\":\"fr\"}"));
    assert_false(matches("{\"lang\":\"en\"}", "{}"));
    assert_false(matches("{\"n\":1}", "{\"n\":\"1\"}")); /* strict types */
    assert_false(matches("{\"b\":true}", "{\"b\":1}"));
    assert_true(matches("{\"n\":1}", "{\"n\":1.0}"));
    assert_true(matches("{\"y\":{\"$gte\":2020,\"$lt\":2024}}", "{\"y\":2020}"));
    assert_false(matches("{\"y\":{\"$gte\":2020,\"$lt\":2024}}", "{\"y\":2024}"));
    assert_false(matches("{\"y\":{\"$gt\":1}}", "{\"y\":\"5\"}"));
    assert_true(matches("{\"s\":{\"$lt\":\"b\"}}", "{\"s\":\"abc\"}"));
    assert_true(matches("{\"t\":{\"$in\":[\"a\",\"b\"]}}", "{\"t\":\"b\"}"));
    assert_false(matches("{\"t\":{\"$in\":[\"a\",\"b\"]}}", "{\"t\":\"c\"}"));
    assert_true(matches("{\"t\":{\"$ne\":\"a\"}}", "{}"));
    assert_false(matches("{\"t\":{\"$ne\":\"a\"}}", "{\"t\":\"a\"}"));

    const char *bad[][2] = {{"[1]", "filter"},
                            {"{\"a b\":1}", "filter"},
                            {"{\"x\":{\"$regex\":\"a\"}}", "filter.x"},
                            {"{\"x\":{\"$in\":[]}}", "filter.x"},
                            {"{\"x\":{\"$in\":[[1]]}}", "filter.x"},
                            {"{\"x\":{\"$gt\":true}}", "filter.x"},
                            {"{\"x\":{}}", "filter.x"},
                            {"{\"x\":[1]}", "filter.x"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vs_filter_t f;
        err_t err;
        json_t *spec = J(bad[i][0]);
        assert_int_equal(vs_filter_parse(spec, &f, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, bad[i][1]);
        json_decref(spec);
    }
}

static void rrf_fusion(void **state)
{
    (void)state;
    int64_t a[] = {1, 2, 3}, b[] = {3, 4, 1};
    const int64_t *lists[] = {a, b};
    size_t lens[] = {3, 3};
    int64_t ids[4];
    double scores[4];
    size_t n = vs_rrf(lists, lens, 2, 60, 4, ids, scores);
    assert_int_equal(n, 4);
    /* 1: 1/61 + 1/63; 3: 1/63 + 1/61 -> tie broken by id; then 2 (1/62) and 4 (1/62). */
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 3);
    assert_int_equal(ids[2], 2);
    assert_int_equal(ids[3], 4);
    assert_true(fabs(scores[0] - (1.0 / 61 + 1.0 / 63)) < 1e-12);
    assert_true(fabs(scores[2] - 1.0 / 62) < 1e-12);
    assert_int_equal(vs_rrf(lists, lens, 2, 60, 2, ids, scores), 2);
}

static void jsonl_documents(void **state)
{
    (void)state;
    const char *ok = "{\"text\":\"a\",\"lang\":\"en\",\"metadata\":{\"y\":1}}\n\n"
                     "{\"text\":\"b\",\"source\":\"s2\",\"format\":\"markdown\"}\n";
    err_t err;
    json_t *docs = vs_jsonl_documents(ok, strlen(ok), "up", &err);
    assert_non_null(docs);
    assert_int_equal(json_array_size(docs), 2);
    json_t *d0 = json_array_get(docs, 0);
    assert_string_equal(json_string_value(json_object_get(d0, "source")), "up#1");
    json_t *m = json_object_get(d0, "metadata");
    assert_string_equal(json_string_value(json_object_get(m, "lang")), "en");
    assert_int_equal(json_integer_value(json_object_get(m, "y")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "source")),
                        "s2");
    json_decref(docs);

    const char *bad[] = {"{\"text\":\"a\"}\n{\"text\":\"b\"\n", "{\"text\":\"a\"}\n\n[1]\n",
                         "{\"text\":\"a\"}\n{\"txt\":\"b\"}\n"};
    const char *field[] = {"line 2", "line 3", "line 2"};
    for (size_t i = 0; i < 3; i++) {
        assert_null(vs_jsonl_documents(bad[i], strlen(bad[i]), "up", &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, field[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_paragraphs),
        cmocka_unit_test(markdown_headings_and_fences),
        cmocka_unit_test(html_extraction),
        cmocka_unit_test(chunker_bounds_and_overlap),
        cmocka_unit_test(chunker_respects_headings_and_paragraphs),
        cmocka_unit_test(chunker_cuts_at_sentences),
        cmocka_unit_test(lexical_embedder),
        cmocka_unit_test(filter_grammar),
        cmocka_unit_test(rrf_fusion),
        cmocka_unit_test(jsonl_documents),
    };
    return cmocka_run_group_tests_name("vector text", tests, NULL, NULL);
}
