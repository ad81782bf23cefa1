/* test_artifact_paths.c - unit tests for tracking/artifact_path.h: accepted paths and their
 * normal form, and every refused kind (NUL, backslash, control characters, absolute, "..",
 * empty segments, over-long paths and segments), with and without allow_root. */
#include "unit/testutil.h"

#include "tracking/artifact_path.h"

static void expect_ok(const char *in, int allow_root, const char *want)
{
    char *out = NULL;
    err_t err;
    if (artifact_path_normalize(in, strlen(in), allow_root, "path", &out, &err) != 0)
        fail_msg("'%s' refused: %s", in, err.message);
    assert_string_equal(out, want);
    free(out);
}

static void expect_bad(const char *in, size_t len, int allow_root)
{
    char *out = (char *)"untouched";
    err_t err;
    if (artifact_path_normalize(in, len, allow_root, "path", &out, &err) == 0)
        fail_msg("'%.*s' accepted as '%s'", (int)len, in, out);
    assert_null(out);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "path");
}

static void accepted(void **state)
{
    (void)state;
    expect_ok("a.txt", 0, "a.txt");
    expect_ok("model/data/w.bin", 0, "model/data/w.bin");
    expect_ok("./a/./b", 0, "a/b");
    expect_ok("...", 0, "...");
    expect_ok("a..b/c", 0, "a..b/c");
    expect_ok("sp ace/\xc3\xa9t\xc3\xa9", 0, "sp ace/\xc3\xa9t\xc3\xa9");
    expect_ok("", 1, "");
    expect_ok(".", 1, "");
    expect_ok("dir/", 1, "dir");
    expect_ok("dir/sub", 1, "dir/sub");
}

static void refused(void **state)
{
    (void)state;
    const char *bad[] = {"../a", "a/../b", "a/..",   "..",     "/abs",
                         "a//b", "a\\b",   "a/\x01", "a/\x7f", "a/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_bad(bad[i], strlen(bad[i]), 0);
    expect_bad("", 0, 0);
    expect_bad(".", 1, 0);
    expect_bad("a\0b", 3, 0);
    expect_bad("a\0b", 3, 1);
    expect_bad("../x", 4, 1);
    expect_bad("/", 1, 1);
    expect_bad("a//", 3, 1);

    char longpath[ARTIFACT_PATH_MAX + 2];
    memset(longpath, 'a', sizeof longpath);
    for (size_t i = 100; i < sizeof longpath; i += 100)
        longpath[i] = '/';
    expect_bad(longpath, ARTIFACT_PATH_MAX + 1, 0);
    char seg[ARTIFACT_SEGMENT_MAX + 2];
    memset(seg, 's', sizeof seg);
    expect_bad(seg, ARTIFACT_SEGMENT_MAX + 1, 0);
    seg[ARTIFACT_SEGMENT_MAX] = '\0';
    expect_ok(seg, 0, seg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
