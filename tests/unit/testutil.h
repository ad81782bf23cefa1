/* testutil.h - small helpers shared by the cmocka unit tests: temporary directories and the
 * PostgreSQL URL that tests/run.sh exports when it has started a server. */
#ifndef LLMOPS_TESTS_TESTUTIL_H
#define LLMOPS_TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Make a fresh temporary directory; returns a malloc'd path. */
static inline char *test_tmpdir(void)
{
    char tmpl[] = "/tmp/llmops-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    return strdup(dir);
}

/* Remove a directory tree made by test_tmpdir(). */
static inline void test_rmtree(char *dir)
{
    if (!dir)
        return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    free(dir);
}

/* The PostgreSQL URL of the test server, or NULL when tests run without one. */
static inline const char *test_pg_url(void)
{
    const char *url = getenv("LLMOPS_TEST_PG_URL");
    return url && *url ? url : NULL;
}

#endif
