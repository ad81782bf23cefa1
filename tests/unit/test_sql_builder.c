/* test_sql_builder.c - unit tests for store/sql_builder.h: the statement text and parameters a
 * builder assembles (printf, copies it owns, splicing a part built separately), the LIKE ->
 * GLOB translation with and without backslash escapes, the pattern check and the prefix
 * pattern, the SQL sqlb_like writes for each backend; and, on a real store (SQLite, and
 * PostgreSQL when LLMOPS_TEST_PG_URL is set), that LIKE / ILIKE match the same rows on both:
 * LIKE case-sensitive, ILIKE not, '%' and '_' the only wildcards, GLOB's and LIKE's other
 * special characters literal, a backslash literal or escaping as asked. */
#include "unit/store_testutil.h"

#include "store/sql_builder.h"

/* ---- building ------------------------------------------------------------------------------- */

static void builder_text_and_params(void **state)
{
    (void)state;
    sqlb_t b;
    sqlb_init(&b, STORE_POSTGRES);
    char *value = strdup("transient");
    sqlb_printf(&b, "SELECT %s FROM t WHERE a = ", "x");
    sqlb_param(&b, sv_int(7));
    sqlb_sql(&b, " AND b = ");
    sqlb_text_copy(&b, value);
    free(value); /* the copy stays */
    sqlb_sql(&b, " AND c = ");
    sqlb_text_owned(&b, strdup("mine"));
    assert_string_equal(buf_str(&b.sql), "SELECT x FROM t WHERE a = ? AND b = ? AND c = ?");
    assert_int_equal(b.nparams, 3);
    assert_int_equal(b.params[0].i, 7);
    assert_string_equal(b.params[1].s, "transient");
    assert_string_equal(b.params[2].s, "mine");

    sqlb_t part;
    sqlb_init(&part, STORE_POSTGRES);
    sqlb_sql(&part, " JOIN u ON u.k = ");
    sqlb_text_copy(&part, "key");
    sqlb_t whole;
    sqlb_init(&whole, STORE_POSTGRES);
    sqlb_sql(&whole, "SELECT 1 FROM t");
    sqlb_splice(&whole, &part);
    sqlb_sql(&whole, " WHERE t.v = ");
    sqlb_param(&whole, sv_int(1));
    assert_string_equal(buf_str(&whole.sql), "SELECT 1 FROM t JOIN u ON u.k = ? WHERE t.v = ?");
    assert_int_equal(whole.nparams, 2);
    assert_string_equal(whole.params[0].s, "key");
    assert_int_equal(whole.params[1].i, 1);
    sqlb_free(&whole);
    sqlb_free(&part);
    sqlb_free(&b);

    /* Splicing a part without parameters into a builder without any (the run search's usual
     * case: no ordering joins). */
    sqlb_t empty, none;
    sqlb_init(&empty, STORE_SQLITE);
    sqlb_init(&none, STORE_SQLITE);
    sqlb_sql(&none, "SELECT 1");
    sqlb_splice(&none, &empty);
    assert_string_equal(buf_str(&none.sql), "SELECT 1");
    assert_int_equal(none.nparams, 0);
    sqlb_free(&none);
    sqlb_free(&empty);
}

static void like_to_glob(void **state)
{
    (void)state;
    static const struct {
        const char *like, *none, *backslash;
    } cases[] = {
        {"a%b_c*d?e[f]", "a*b?c[*]d[?]e[[]f]", "a*b?c[*]d[?]e[[]f]"},
        {"100\\%", "100\\*", "100%"},
        {"a\\_b", "a\\?b", "a_b"},
        {"\\*", "\\[*]", "[*]"},
        {"\\\\", "\\\\", "\\"},
        {"end\\", "end\\", "end\\"},
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *none = sqlb_like_to_glob(cases[i].like, SQLB_ESCAPE_NONE);
        char *bs = sqlb_like_to_glob(cases[i].like, SQLB_ESCAPE_BACKSLASH);
        assert_string_equal(none, cases[i].none);
        assert_string_equal(bs, cases[i].backslash);
        free(none);
        free(bs);
    }
    assert_true(sqlb_like_pattern_ok("abc\\", SQLB_ESCAPE_NONE));
    assert_false(sqlb_like_pattern_ok("abc\\", SQLB_ESCAPE_BACKSLASH));
    assert_true(sqlb_like_pattern_ok("abc\\\\", SQLB_ESCAPE_BACKSLASH));
    assert_false(sqlb_like_pattern_ok("abc\\\\\\", SQLB_ESCAPE_BACKSLASH));
    assert_true(sqlb_like_pattern_ok("", SQLB_ESCAPE_BACKSLASH));
    char *prefix = sqlb_like_prefix("a%b_c\\d");
    assert_string_equal(prefix, "a\\%b\\_c\\\\d%");
    free(prefix);
}

/* The text sqlb_like writes for each backend, case and escape. */
static void like_sql_per_backend(void **state)
{
    (void)state;
    static const struct {
        store_kind_t kind;
        int ignore_case;
        sqlb_escape_t escape;
        const char *sql, *param;
    } cases[] = {
        {STORE_SQLITE, 0, SQLB_ESCAPE_NONE, "c GLOB ?", "a*b?"},
        {STORE_SQLITE, 0, SQLB_ESCAPE_BACKSLASH, "c GLOB ?", "a*b?"},
        {STORE_SQLITE, 1, SQLB_ESCAPE_NONE, "c LIKE ?", "a%b_"},
        {STORE_SQLITE, 1, SQLB_ESCAPE_BACKSLASH, "c LIKE ? ESCAPE '\\'", "a%b_"},
        {STORE_POSTGRES, 0, SQLB_ESCAPE_NONE, "c LIKE ? ESCAPE ''", "a%b_"},
        {STORE_POSTGRES, 0, SQLB_ESCAPE_BACKSLASH, "c LIKE ? ESCAPE '\\'", "a%b_"},
        {STORE_POSTGRES, 1, SQLB_ESCAPE_NONE, "c ILIKE ? ESCAPE ''", "a%b_"},
        {STORE_POSTGRES, 1, SQLB_ESCAPE_BACKSLASH, "c ILIKE ? ESCAPE '\\'", "a%b_"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sqlb_t b;
        sqlb_init(&b, cases[i].kind);
        sqlb_like(&b, "c", "a%b_", cases[i].ignore_case, cases[i].escape);
        assert_string_equal(buf_str(&b.sql), cases[i].sql);
        assert_int_equal(b.nparams, 1);
        assert_string_equal(b.params[0].s, cases[i].param);
        sqlb_free(&b);
    }
}

/* ---- matching on a real store --------------------------------------------------------------- */

static const char *const words[] = {"Alpha*", "alpha?", "a[b]c", "a\\b", "ALPHA_x", "100%", "100x"};
#define NWORDS (sizeof words / sizeof *words)

static int setup_words(void **state)
{
    test_store_t *f = *state;
    test_store_exec(f->store, "CREATE TABLE IF NOT EXISTS sqlb_words (w TEXT NOT NULL)");
    test_store_exec(f->store, "DELETE FROM sqlb_words");
    store_conn_t *c = store_acquire(f->store);
    for (size_t i = 0; i < NWORDS; i++) {
        err_t err;
        store_value_t p = sv_text(words[i]);
        if (store_exec(c, "INSERT INTO sqlb_words (w) VALUES (?)", &p, 1, &err) < 0)
            fail_msg("insert: %s", err.message);
    }
    store_release(f->store, c);
    return 0;
}

/* The words matching a pattern, in the order of words[], joined with '|'. */
static void matches(test_store_t *f, const char *pattern, int ignore_case, sqlb_escape_t escape,
                    char *out, size_t size)
{
    sqlb_t b;
    sqlb_init(&b, store_kind(f->store));
    sqlb_sql(&b, "SELECT w FROM sqlb_words WHERE ");
    sqlb_like(&b, "w", pattern, ignore_case, escape);
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    store_rows_t *rows = sqlb_query(c, &b, &err);
    store_release(f->store, c);
    sqlb_free(&b);
    if (!rows)
        fail_msg("'%s': %s", pattern, err.message);
    out[0] = '\0';
    for (size_t i = 0; i < NWORDS; i++)
        for (size_t r = 0; r < store_rows_count(rows); r++)
            if (strcmp(store_rows_text(rows, r, 0), words[i]) == 0) {
                size_t len = strlen(out);
                snprintf(out + len, size - len, "%s%s", len ? "|" : "", words[i]);
            }
    store_rows_free(rows);
}

static void like_matches_alike_on_every_backend(void **state)
{
    test_store_t *f = *state;
    static const struct {
        const char *pattern;
        int ignore_case;
        sqlb_escape_t escape;
        const char *expected;
    } cases[] = {
        {"alpha%", 0, SQLB_ESCAPE_NONE, "alpha?"},
        {"alpha%", 1, SQLB_ESCAPE_NONE, "Alpha*|alpha?|ALPHA_x"},
        {"Alpha*", 0, SQLB_ESCAPE_NONE, "Alpha*"},
        {"a[b]c", 0, SQLB_ESCAPE_NONE, "a[b]c"},
        {"a\\b", 0, SQLB_ESCAPE_NONE, "a\\b"},
        {"a\\b", 1, SQLB_ESCAPE_NONE, "a\\b"},
        {"ALPHA__", 0, SQLB_ESCAPE_NONE, "ALPHA_x"},
        {"100%", 0, SQLB_ESCAPE_NONE, "100%|100x"},
        {"100\\%", 0, SQLB_ESCAPE_BACKSLASH, "100%"},
        {"100\\%", 1, SQLB_ESCAPE_BACKSLASH, "100%"},
        {"a\\\\b", 0, SQLB_ESCAPE_BACKSLASH, "a\\b"},
        {"%\\_%", 1, SQLB_ESCAPE_BACKSLASH, "ALPHA_x"},
        {"%", 0, SQLB_ESCAPE_BACKSLASH, "Alpha*|alpha?|a[b]c|a\\b|ALPHA_x|100%|100x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char got[256];
        matches(f, cases[i].pattern, cases[i].ignore_case, cases[i].escape, got, sizeof got);
        if (strcmp(got, cases[i].expected) != 0)
            fail_msg("%s '%s' (escape %d) matched '%s', expected '%s'",
                     cases[i].ignore_case ? "ILIKE" : "LIKE", cases[i].pattern,
                     (int)cases[i].escape, got, cases[i].expected);
    }
}

/* Many rows in chunks of the fixed sizes: 1437 = 1000 + 200 + 200 + 20 + 10 + 5 + 2, all there,
 * and the count of rows changed is the total. */
static void exec_rows_inserts_every_row(void **state)
{
    test_store_t *f = *state;
    test_store_exec(f->store, "CREATE TABLE IF NOT EXISTS sqlb_rows (n BIGINT, t TEXT)");
    test_store_exec(f->store, "DELETE FROM sqlb_rows");
    enum { N = 1437 };
    store_value_t *vals = calloc(N * 2, sizeof *vals);
    char(*texts)[16] = calloc(N, sizeof *texts);
    for (int i = 0; i < N; i++) {
        snprintf(texts[i], sizeof texts[i], "r%d", i);
        vals[i * 2] = sv_int(i);
        vals[i * 2 + 1] = sv_text(texts[i]);
    }
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    int64_t n = sqlb_exec_rows(c, "INSERT INTO sqlb_rows (n, t) VALUES", 2, NULL, vals, N, &err);
    /* The tail follows each chunk's VALUES (here a RETURNING): three more rows. */
    int64_t m =
        sqlb_exec_rows(c, "INSERT INTO sqlb_rows (n, t) VALUES", 2, " RETURNING n", vals, 3, &err);
    store_release(f->store, c);
    free(vals);
    free(texts);
    assert_int_equal(n, N);
    assert_int_equal(m, 3);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM sqlb_rows"), N + 3);
    assert_int_equal(test_store_count(f->store, "SELECT SUM(n) FROM sqlb_rows"),
                     N * (N - 1) / 2 + 0 + 1 + 2);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM sqlb_rows WHERE t = 'r1436' "
                                                "AND n = 1436"),
                     1);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(builder_text_and_params),
        cmocka_unit_test(like_to_glob),
        cmocka_unit_test(like_sql_per_backend),
    };
    int failed = cmocka_run_group_tests_name("sql_builder", pure, NULL, NULL);
    const struct CMUnitTest stored[] = {
        cmocka_unit_test_setup(like_matches_alike_on_every_backend, setup_words),
        cmocka_unit_test(exec_rows_inserts_every_row),
    };
    return failed +
           test_store_run_groups(stored, sizeof stored / sizeof *stored, "sql_builder store");
}
