/* test_provider_sse.c - unit tests for providers/sse.h: events with and without names,
 * multi-line data, comments and unknown fields, "\n" / "\r\n" / "\r" line ends, the same
 * events whatever the split of the input (every byte boundary, and byte by byte), pending
 * bytes of a cut event, the line bound and a callback stopping the feed. */
#include "unit/testutil.h"

#include "base/buf.h"
#include "providers/sse.h"

/* Events are collected as "<event>|<data>\n". */
static int collect(void *ctx, const char *event, const char *data, size_t len)
{
    buf_t *b = ctx;
    buf_printf(b, "%s|", event);
    buf_append(b, data, len);
    buf_append_char(b, '\n');
    assert_int_equal(data[len], '\0');
    return 0;
}

static char *parse_split(const char *in, size_t split)
{
    sse_parser_t p;
    sse_init(&p);
    buf_t out;
    buf_init(&out);
    err_t err;
    size_t len = strlen(in);
    if (split > len)
        split = len;
    assert_int_equal(sse_feed(&p, in, split, collect, &out, &err), 0);
    assert_int_equal(sse_feed(&p, in + split, len - split, collect, &out, &err), 0);
    sse_free(&p);
    buf_append(&out, "", 0);
    return buf_steal(&out);
}

static const char *STREAM = ": keep-alive comment\n"
                            "data: {\"a\":1}\n\n"
                            "event: message_start\r\n"
                            "data: one\r\n"
                            "data:two\r\n"
                            "id: 7\r\n"
                            "retry: 100\r\n"
                            "\r\n"
                            "data\n\n"
                            "event: only-name\n\n"
                            "data: cr\r\r"
                            "data: last\n\n";

static const char *EXPECTED = "|{\"a\":1}\n"
                              "message_start|one\ntwo\n"
                              "|\n"
                              "|cr\n"
                              "|last\n";

static void test_events_and_fields(void **state)
{
    (void)state;
    char *got = parse_split(STREAM, strlen(STREAM));
    assert_string_equal(got, EXPECTED);
    free(got);
}

static void test_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i <= strlen(STREAM); i++) {
        char *got = parse_split(STREAM, i);
        if (strcmp(got, EXPECTED) != 0)
            fail_msg("split at %zu gave:\n%s", i, got);
        free(got);
    }
    /* Byte by byte. */
    sse_parser_t p;
    sse_init(&p);
    buf_t out;
    buf_init(&out);
    err_t err;
    for (const char *c = STREAM; *c; c++)
        assert_int_equal(sse_feed(&p, c, 1, collect, &out, &err), 0);
    assert_string_equal(buf_str(&out), EXPECTED);
    assert_int_equal(sse_pending(&p), 0);
    buf_free(&out);
    sse_free(&p);
}

static void test_pending_when_cut(void **state)
{
    (void)state;
    sse_parser_t p;
    sse_init(&p);
    buf_t out;
    buf_init(&out);
    err_t err;
    assert_int_equal(sse_feed(&p, "data: x\n\ndata: {\"cut", 20, collect, &out, &err), 0);
    assert_string_equal(buf_str(&out), "|x\n");
    assert_int_equal(sse_pending(&p), 1);
    assert_int_equal(sse_feed(&p, "\"}\n", 3, collect, &out, &err), 0);
    assert_int_equal(sse_pending(&p), 1); /* a whole line but no blank line yet */
    assert_int_equal(sse_feed(&p, "\n", 1, collect, &out, &err), 0);
    assert_int_equal(sse_pending(&p), 0);
    assert_string_equal(buf_str(&out), "|x\n|{\"cut\"}\n");
    buf_free(&out);
    sse_free(&p);
}

static void test_line_bound(void **state)
{
    (void)state;
    sse_parser_t p;
    sse_init(&p);
    buf_t out;
    buf_init(&out);
    err_t err;
    size_t n = SSE_MAX_LINE / 4;
    char *chunk = malloc(n);
    memset(chunk, 'x', n);
    int rc = 0;
    for (int i = 0; i < 5 && rc == 0; i++)
        rc = sse_feed(&p, chunk, n, collect, &out, &err);
    assert_int_equal(rc, -1);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.code, "bad_upstream_response");
    assert_non_null(strstr(err.message, "line is longer"));
    free(chunk);
    buf_free(&out);
    sse_free(&p);
}

static int stop_at_second(void *ctx, const char *event, const char *data, size_t len)
{
    (void)event;
    (void)data;
    (void)len;
    int *count = ctx;
    return ++*count == 2 ? -1 : 0;
}

static void test_callback_stops(void **state)
{
    (void)state;
    sse_parser_t p;
    sse_init(&p);
    int count = 0;
    err_t err;
    const char *in = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
    assert_int_equal(sse_feed(&p, in, strlen(in), stop_at_second, &count, &err), -1);
    assert_int_equal(count, 2);
    sse_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_and_fields), cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_pending_when_cut),  cmocka_unit_test(test_line_bound),
        cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
