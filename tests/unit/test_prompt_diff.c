/* test_prompt_diff.c - unit tests for prompts/diff.h (unified line diffs):
 * identical inputs (no output), insert-only and delete-only changes (including to and from an
 * empty text), a mixed replacement, hunks merging when at most 2*context unchanged lines
 * separate two changes and splitting when more do, context 0, a last line without '\n' (the
 * "\ No newline at end of file" marker), the DIFF_MAX_LINES bound, and a randomised check that
 * the output applied as a patch rebuilds the new text and changes exactly n + m - 2*LCS lines
 * (i.e. the edit script is a shortest one). Expected outputs are what GNU `diff -u` prints. */
#include "unit/testutil.h"

#include "base/buf.h"
#include "prompts/diff.h"

/* The diff of two NUL-terminated texts; caller frees. Fails the test on error. */
static char *diff_ctx(const char *a, const char *b, int context)
{
    buf_t out;
    buf_init(&out);
    err_t err;
    if (diff_unified(a, strlen(a), b, strlen(b), "p@1", "p@2", context, &out, &err) != 0)
        fail_msg("diff_unified: %s", err.message);
    return buf_steal(&out);
}

static void check(const char *a, const char *b, int context, const char *expected)
{
    char *got = diff_ctx(a, b, context);
    assert_string_equal(got, expected);
    free(got);
}

static void identical_texts_give_nothing(void **state)
{
    (void)state;
    check("", "", 3, "");
    check("a\nb\n", "a\nb\n", 3, "");
    check("no newline", "no newline", 3, "");
}

static void insert_only(void **state)
{
    (void)state;
    check("a\nb\nc\n", "a\nb\nX\nc\n", 3, "--- p@1\n+++ p@2\n@@ -1,3 +1,4 @@\n a\n b\n+X\n c\n");
    /* into an empty text: the old range is "0,0" */
    check("", "a\nb\n", 3, "--- p@1\n+++ p@2\n@@ -0,0 +1,2 @@\n+a\n+b\n");
    /* at the start, with one context line after */
    check("b\n", "a\nb\n", 3, "--- p@1\n+++ p@2\n@@ -1 +1,2 @@\n+a\n b\n");
    /* at the end, far from the start: context limited to 3 lines, empty old range named by
     * the line before it when there is no context */
    check("1\n2\n3\n4\n5\n", "1\n2\n3\n4\n5\n6\n", 3,
          "--- p@1\n+++ p@2\n@@ -3,3 +3,4 @@\n 3\n 4\n 5\n+6\n");
    check("1\n2\n3\n4\n5\n", "1\n2\n3\n4\n5\n6\n", 0, "--- p@1\n+++ p@2\n@@ -5,0 +6 @@\n+6\n");
}

static void delete_only(void **state)
{
    (void)state;
    check("a\nb\nc\n", "a\nc\n", 3, "--- p@1\n+++ p@2\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
    check("a\n", "", 3, "--- p@1\n+++ p@2\n@@ -1 +0,0 @@\n-a\n");
    check("a\nb\n", "", 3, "--- p@1\n+++ p@2\n@@ -1,2 +0,0 @@\n-a\n-b\n");
    check("1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\n5\n6\n7\n", 0,
          "--- p@1\n+++ p@2\n@@ -4 +3,0 @@\n-4\n");
}

static void mixed_replacement(void **state)
{
    (void)state;
    check("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", 3,
          "--- p@1\n+++ p@2\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    /* A prompt rewritten around a common line: deletions come before insertions. */
    check("You are helpful.\nAnswer: {{ q }}\nBe brief.\n",
          "You are a pirate.\nAnswer: {{ q }}\nBe brief, matey.\n", 3,
          "--- p@1\n+++ p@2\n@@ -1,3 +1,3 @@\n-You are helpful.\n+You are a pirate.\n"
          " Answer: {{ q }}\n-Be brief.\n+Be brief, matey.\n");
    /* Whole text replaced. */
    check("a\nb\n", "c\nd\n", 3, "--- p@1\n+++ p@2\n@@ -1,2 +1,2 @@\n-a\n-b\n+c\n+d\n");
}

/* 20 numbered lines, with the given 1-based lines replaced by "X". */
static char *numbered(const int *changed, size_t nchanged)
{
    buf_t b;
    buf_init(&b);
    for (int i = 1; i <= 20; i++) {
        int hit = 0;
        for (size_t k = 0; k < nchanged; k++)
            hit |= changed[k] == i;
        if (hit)
            buf_append_str(&b, "X\n");
        else
            buf_printf(&b, "%d\n", i);
    }
    return buf_steal(&b);
}

static void hunks_merge_within_twice_context(void **state)
{
    (void)state;
    char *base = numbered(NULL, 0);
    /* Lines 3 and 10 changed: 6 unchanged lines between = 2 * 3, so one hunk. */
    int close_pair[] = {3, 10};
    char *close = numbered(close_pair, 2);
    check(base, close, 3,
          "--- p@1\n+++ p@2\n@@ -1,13 +1,13 @@\n 1\n 2\n-3\n+X\n 4\n 5\n 6\n 7\n 8\n 9\n-10\n"
          "+X\n 11\n 12\n 13\n");
    /* Lines 3 and 11: 7 unchanged lines between, so two hunks. */
    int far_pair[] = {3, 11};
    char *far = numbered(far_pair, 2);
    check(base, far, 3,
          "--- p@1\n+++ p@2\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+X\n 4\n 5\n 6\n"
          "@@ -8,7 +8,7 @@\n 8\n 9\n 10\n-11\n+X\n 12\n 13\n 14\n");
    /* Context 0: each change its own hunk, even adjacent-but-separate ones. */
    int near_pair[] = {5, 7};
    char *near = numbered(near_pair, 2);
    check(base, near, 0, "--- p@1\n+++ p@2\n@@ -5 +5 @@\n-5\n+X\n@@ -7 +7 @@\n-7\n+X\n");
    /* Context 1 merges them (1 unchanged line between <= 2). */
    check(base, near, 1, "--- p@1\n+++ p@2\n@@ -4,5 +4,5 @@\n 4\n-5\n+X\n 6\n-7\n+X\n 8\n");
    free(base);
    free(close);
    free(far);
    free(near);
}

static void missing_trailing_newline(void **state)
{
    (void)state;
    check("a\nb", "a\nc", 3,
          "--- p@1\n+++ p@2\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
          "\\ No newline at end of file\n");
    /* Adding the newline is a change of the last line. */
    check("a\nb", "a\nb\n", 3,
          "--- p@1\n+++ p@2\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
    /* An unchanged last line without newline, shown as context. */
    check("a\nb", "A\nb", 3,
          "--- p@1\n+++ p@2\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n\\ No newline at end of file\n");
}

static void labels_are_used_verbatim(void **state)
{
    (void)state;
    buf_t out;
    buf_init(&out);
    err_t err;
    assert_int_equal(
        diff_unified("x\n", 2, "y\n", 2, "greet@1 (model_config)", "greet@prod", 3, &out, &err), 0);
    assert_string_equal(buf_str(&out),
                        "--- greet@1 (model_config)\n+++ greet@prod\n@@ -1 +1 @@\n-x\n+y\n");
    /* Output is appended to what the buffer already holds. */
    assert_int_equal(diff_unified("", 0, "z", 1, "a", "b", 3, &out, &err), 0);
    assert_non_null(strstr(buf_str(&out), "+y\n--- a\n+++ b\n@@ -0,0 +1 @@\n+z\n"));
    buf_free(&out);
}

/* n lines "<prefix> <i>\n". */
static char *many_lines(int n, const char *prefix)
{
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s %d\n", prefix, i);
    return buf_steal(&b);
}

static void large_input_is_bounded(void **state)
{
    (void)state;
    char *at_limit = many_lines(DIFF_MAX_LINES, "line");
    char *over = many_lines(DIFF_MAX_LINES + 1, "line");
    buf_t out;
    buf_init(&out);
    err_t err;
    err_clear(&err);
    assert_int_equal(diff_unified(over, strlen(over), "x\n", 2, "big@1", "big@2", 3, &out, &err),
                     -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "diff_too_large");
    assert_non_null(strstr(err.message, "big@1"));
    err_clear(&err);
    assert_int_equal(diff_unified("x\n", 2, over, strlen(over), "big@1", "big@2", 3, &out, &err),
                     -1);
    assert_non_null(strstr(err.message, "big@2"));
    assert_int_equal(out.len, 0);

    /* At the limit it works, also in the worst case of nothing in common. */
    char *other = many_lines(DIFF_MAX_LINES, "other");
    assert_int_equal(diff_unified(at_limit, strlen(at_limit), other, strlen(other), "big@1",
                                  "big@2", 3, &out, &err),
                     0);
    size_t minus = 0, plus = 0;
    for (const char *p = buf_str(&out); *p; p = strchr(p, '\n') + 1) {
        minus += p[0] == '-' && p[1] != '-';
        plus += p[0] == '+' && p[1] != '+';
    }
    assert_int_equal(minus, DIFF_MAX_LINES);
    assert_int_equal(plus, DIFF_MAX_LINES);
    /* And one line changed in the middle of a large text gives one small hunk. */
    char *one_changed = xstrdup(at_limit);
    char *hit = strstr(one_changed, "line 5000\n");
    hit[0] = 'L';
    buf_reset(&out);
    assert_int_equal(diff_unified(at_limit, strlen(at_limit), one_changed, strlen(one_changed),
                                  "big@1", "big@2", 3, &out, &err),
                     0);
    assert_string_equal(buf_str(&out),
                        "--- big@1\n+++ big@2\n@@ -4998,7 +4998,7 @@\n line 4997\n line 4998\n"
                        " line 4999\n-line 5000\n+Line 5000\n line 5001\n line 5002\n"
                        " line 5003\n");
    buf_free(&out);
    free(at_limit);
    free(over);
    free(other);
    free(one_changed);
}

/* ---- randomised: the diff is a correct patch and a shortest one ------------------------------ */

typedef struct lines {
    char **v;
    int n;
} lines_t;

/* Split keeping '\n' on each line. */
static lines_t split(const char *text)
{
    lines_t l = {calloc(strlen(text) + 1, sizeof(char *)), 0};
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        l.v[l.n++] = strndup(p, len);
        p += len;
    }
    return l;
}

static void lines_free(lines_t *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Apply a unified diff to old; returns the new text (caller frees). */
static char *apply_patch(const char *old, const char *patch)
{
    lines_t a = split(old), p = split(patch);
    buf_t out;
    buf_init(&out);
    int ai = 0; /* next old line to copy */
    int i = 2;  /* skip the --- and +++ headers */
    if (p.n == 0)
        i = 0;
    while (i < p.n) {
        int astart, acount = 1, bstart, bcount = 1;
        const char *h = p.v[i];
        assert_true(strncmp(h, "@@ -", 4) == 0);
        astart = atoi(h + 4);
        const char *comma = strchr(h + 4, ',');
        const char *space = strchr(h + 4, ' ');
        if (comma && comma < space)
            acount = atoi(comma + 1);
        const char *plus = strchr(h, '+');
        bstart = atoi(plus + 1);
        (void)bstart;
        comma = strchr(plus, ',');
        space = strchr(plus, ' ');
        if (comma && comma < space)
            bcount = atoi(comma + 1);
        int first_old = acount == 0 ? astart : astart - 1; /* 0-based */
        while (ai < first_old)
            buf_append_str(&out, a.v[ai++]);
        i++;
        int seen_a = 0, seen_b = 0;
        while (i < p.n && strncmp(p.v[i], "@@ ", 3) != 0) {
            const char *line = p.v[i];
            if (line[0] == '\\') { /* the previous line had no newline */
                assert_true(out.len > 0 || seen_a > 0);
                if (i > 0 && p.v[i - 1][0] != '-' && out.len > 0 && out.data[out.len - 1] == '\n') {
                    out.data[--out.len] = '\0';
                }
            } else if (line[0] == ' ') {
                assert_true(ai < a.n);
                assert_true(strncmp(a.v[ai], line + 1, strlen(a.v[ai])) == 0);
                buf_append_str(&out, a.v[ai++]);
                seen_a++;
                seen_b++;
            } else if (line[0] == '-') {
                assert_true(ai < a.n);
                assert_true(strncmp(a.v[ai], line + 1, strlen(a.v[ai])) == 0);
                ai++;
                seen_a++;
            } else {
                assert_int_equal(line[0], '+');
                buf_append_str(&out, line + 1);
                seen_b++;
            }
            i++;
        }
        assert_int_equal(seen_a, acount);
        assert_int_equal(seen_b, bcount);
    }
    while (ai < a.n)
        buf_append_str(&out, a.v[ai++]);
    lines_free(&a);
    lines_free(&p);
    return buf_steal(&out);
}

static int lcs_length(const lines_t *a, const lines_t *b)
{
    int *prev = calloc((size_t)b->n + 1, sizeof(int)), *cur = calloc((size_t)b->n + 1, sizeof(int));
    for (int i = 1; i <= a->n; i++) {
        for (int j = 1; j <= b->n; j++)
            cur[j] = strcmp(a->v[i - 1], b->v[j - 1]) == 0 ? prev[j - 1] + 1
                     : prev[j] > cur[j - 1]                ? prev[j]
                                                           : cur[j - 1];
        int *t = prev;
        prev = cur;
        cur = t;
    }
    int result = prev[b->n];
    free(prev);
    free(cur);
    return result;
}

static char *random_text(unsigned *seed, int max_lines)
{
    static const char *const words[] = {"a", "b", "c", "d", "{{ x }}", ""};
    int n = (int)(rand_r(seed) % (unsigned)(max_lines + 1));
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s\n", words[rand_r(seed) % 6]);
    if (n > 0 && rand_r(seed) % 5 == 0) /* sometimes no final newline */
        b.data[--b.len] = '\0';
    return buf_steal(&b);
}

static void random_diffs_are_shortest_correct_patches(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int round = 0; round < 3000; round++) {
        char *a = random_text(&seed, round < 2000 ? 12 : 60);
        char *b = random_text(&seed, round < 2000 ? 12 : 60);
        int context = (int)(rand_r(&seed) % 4);
        char *d = diff_ctx(a, b, context);
        char *rebuilt = apply_patch(a, d);
        if (strcmp(rebuilt, b) != 0)
            fail_msg("round %d: patch does not rebuild the new text\nold:\n%s\nnew:\n%s\ndiff:\n%s",
                     round, a, b, d);
        lines_t la = split(a), lb = split(b), ld = split(d);
        int changed = 0;
        for (int i = 2; i < ld.n; i++)
            changed += ld.v[i][0] == '-' || ld.v[i][0] == '+';
        int expected = la.n + lb.n - 2 * lcs_length(&la, &lb);
        if (changed != expected)
            fail_msg("round %d: %d changed lines, shortest is %d\nold:\n%s\nnew:\n%s\ndiff:\n%s",
                     round, changed, expected, a, b, d);
        if (strcmp(a, b) == 0)
            assert_string_equal(d, "");
        lines_free(&la);
        lines_free(&lb);
        lines_free(&ld);
        free(a);
        free(b);
        free(d);
        free(rebuilt);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identical_texts_give_nothing),
        cmocka_unit_test(insert_only),
        cmocka_unit_test(delete_only),
        cmocka_unit_test(mixed_replacement),
        cmocka_unit_test(hunks_merge_within_twice_context),
        cmocka_unit_test(missing_trailing_newline),
        cmocka_unit_test(labels_are_used_verbatim),
        cmocka_unit_test(large_input_is_bounded),
        cmocka_unit_test(random_diffs_are_shortest_correct_patches),
    };
    return cmocka_run_group_tests_name("prompt diff", tests, NULL, NULL);
}
