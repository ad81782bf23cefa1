/* test_base.c - unit tests for the base layer:
 *   buf.h   growable buffer: append, printf growth past the first 64-byte block, steal, reset,
 *           the empty buffer reading as "";
 *   error.h err_set fields, a NULL err being tolerated, truncation of over-long values;
 *   json.h  json_parse errors with line/column, empty bodies, invalid UTF-8, duplicate keys,
 *           json_parse_object, and the typed field readers (required / optional / wrong type /
 *           too long, with err.field naming the field);
 *   ids.h   UUIDv7 shape (length, dashes, version and variant nibbles), the hex form,
 *           uniqueness, and time ordering across milliseconds;
 *   clock.h plausible wall clock, monotonic clock that does not go back;
 *   page_token.h tokens round-tripping, MLflow's own token text, malformed tokens refused
 *           (field "page_token"), the next-page token set only when a page overflowed. */
#include "unit/testutil.h"

#include <ctype.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/page_token.h"

/* ---- buf ------------------------------------------------------------------------------------ */

static void buf_empty_reads_as_empty_string(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
    assert_null(b.data);
}

static void buf_append_concatenates(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_append(&b, "abc", 3);
    buf_append(&b, "xyz", 0); /* zero-length appends are fine */
    buf_append_str(&b, "def");
    buf_append_char(&b, '!');
    assert_string_equal(buf_str(&b), "abcdef!");
    assert_int_equal(b.len, 7);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    buf_free(&b);
}

static void buf_append_binary_keeps_nul_bytes(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4); /* plus the terminator */
    buf_free(&b);
}

static void buf_printf_grows_past_first_block(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "%s", "start:");
    char expect[1024];
    size_t n = (size_t)snprintf(expect, sizeof expect, "start:");
    for (int i = 0; i < 50; i++) {
        buf_printf(&b, "[%d:%s]", i, "0123456789");
        n += (size_t)snprintf(expect + n, sizeof expect - n, "[%d:%s]", i, "0123456789");
    }
    assert_true(n > 64);
    assert_int_equal(b.len, n);
    assert_true(b.cap > n);
    assert_string_equal(buf_str(&b), expect);

    /* One printf that alone is far larger than the buffer's capacity. */
    buf_t big;
    buf_init(&big);
    buf_printf(&big, "%0300d", 7);
    assert_int_equal(big.len, 300);
    assert_int_equal(strlen(buf_str(&big)), 300);
    assert_int_equal(big.data[299], '7');
    buf_free(&big);
    buf_free(&b);
}

static void buf_steal_takes_ownership(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "hello");
    char *s = buf_steal(&b);
    assert_string_equal(s, "hello");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_string_equal(buf_str(&b), "");
    free(s);

    /* Stealing from an empty buffer still gives a string the caller can free. */
    char *empty = buf_steal(&b);
    assert_non_null(empty);
    assert_string_equal(empty, "");
    free(empty);

    /* The buffer is reusable after a steal. */
    buf_append_str(&b, "again");
    assert_string_equal(buf_str(&b), "again");
    buf_free(&b);
}

static void buf_reset_keeps_memory(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_reset(&b); /* on a never-used buffer: a no-op */
    assert_string_equal(buf_str(&b), "");
    buf_append_str(&b, "some text that is there");
    char *data = b.data;
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    buf_append_str(&b, "new");
    assert_string_equal(buf_str(&b), "new");
    buf_free(&b);
}

static void xstrndup_copies_prefix(void **state)
{
    (void)state;
    char *s = xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
    char *t = xstrdup("");
    assert_string_equal(t, "");
    free(t);
}

/* ---- err ------------------------------------------------------------------------------------ */

static void err_set_fills_every_field(void **state)
{
    (void)state;
    err_t err;
    memset(&err, 0x55, sizeof err);
    assert_int_equal(err_set(&err, 404, "not_found", "name", "no %s named %d", "thing", 7), -1);
    assert_int_equal(err.status, 404);
    assert_string_equal(err.code, "not_found");
    assert_string_equal(err.field, "name");
    assert_string_equal(err.message, "no thing named 7");
}

static void err_set_null_field_and_code(void **state)
{
    (void)state;
    err_t err;
    err_set(&err, 409, "conflict", NULL, "taken");
    assert_string_equal(err.field, "");
    err_set(&err, 500, NULL, NULL, "x");
    assert_string_equal(err.code, "internal");
}

static void err_shorthands(void **state)
{
    (void)state;
    err_t err;
    assert_int_equal(err_invalid(&err, "limit", "bad %s", "limit"), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_argument");
    assert_string_equal(err.field, "limit");
    assert_string_equal(err.message, "bad limit");
    err_not_found(&err, "gone");
    assert_int_equal(err.status, 404);
    assert_string_equal(err.code, "not_found");
    assert_string_equal(err.field, "");
    err_conflict(&err, "dup");
    assert_int_equal(err.status, 409);
    err_internal(&err, "oops");
    assert_int_equal(err.status, 500);
    assert_string_equal(err.code, "internal");
    err_unavailable(&err, "down");
    assert_int_equal(err.status, 503);
    assert_string_equal(err.code, "unavailable");
    err_clear(&err);
    assert_int_equal(err.status, 0);
    assert_string_equal(err.code, "");
    assert_string_equal(err.message, "");
}

static void err_null_is_tolerated(void **state)
{
    (void)state;
    assert_int_equal(err_set(NULL, 400, "invalid_argument", "f", "ignored %d", 1), -1);
    assert_int_equal(err_invalid(NULL, "f", "ignored"), -1);
    err_clear(NULL);
}

static void err_truncates_long_values(void **state)
{
    (void)state;
    char long_text[2000];
    memset(long_text, 'm', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    err_t err;
    err_set(&err, 400, long_text, long_text, "%s", long_text);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
    assert_int_equal(strlen(err.code), sizeof err.code - 1);
    assert_int_equal(strlen(err.field), sizeof err.field - 1);
    assert_int_equal(err.message[0], 'm');
}

/* ---- json ----------------------------------------------------------------------------------- */

static void json_parse_accepts_any_value(void **state)
{
    (void)state;
    err_t err;
    json_t *v = json_parse("[1, 2]", 6, &err);
    assert_non_null(v);
    assert_true(json_is_array(v));
    json_decref(v);
    v = json_parse("42", 2, &err);
    assert_non_null(v);
    assert_int_equal(json_integer_value(v), 42);
    json_decref(v);
    /* len bounds the input: trailing bytes past it are not read. */
    v = json_parse("{\"a\":1}garbage", 7, &err);
    assert_non_null(v);
    json_decref(v);
}

static void json_parse_error_names_line_and_column(void **state)
{
    (void)state;
    const char *body = "{\n  \"a\": 1,\n  \"b\": ]\n}";
    err_t err;
    err_clear(&err);
    assert_null(json_parse(body, strlen(body), &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_json");
    assert_non_null(strstr(err.message, "line 3, column"));
}

static void json_parse_empty_body(void **state)
{
    (void)state;
    err_t err;
    err_clear(&err);
    assert_null(json_parse("", 0, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_json");
    err_clear(&err);
    assert_null(json_parse(NULL, 0, &err));
    assert_string_equal(err.code, "invalid_json");
    err_clear(&err);
    assert_null(json_parse("   ", 3, &err)); /* whitespace only */
    assert_string_equal(err.code, "invalid_json");
}

static void json_parse_rejects_invalid_utf8(void **state)
{
    (void)state;
    const char *bodies[] = {"{\"a\": \"\xff\"}", "{\"a\": \"\xc3\"}", "\"\xed\xa0\x80\""};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        err_t err;
        err_clear(&err);
        assert_null(json_parse(bodies[i], strlen(bodies[i]), &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "invalid_json");
    }
    /* Valid multi-byte UTF-8 is fine. */
    const char *ok = "\"h\xc3\xa9llo\"";
    err_t err;
    json_t *v = json_parse(ok, strlen(ok), &err);
    assert_non_null(v);
    json_decref(v);
}

static void json_parse_rejects_escaped_nul(void **state)
{
    (void)state;
    const char *body = "{\"a\": \"x\\u0000y\"}";
    err_t err;
    err_clear(&err);
    assert_null(json_parse(body, strlen(body), &err));
    assert_string_equal(err.code, "invalid_json");
}

static void json_parse_rejects_duplicate_keys(void **state)
{
    (void)state;
    const char *body = "{\"a\": 1, \"a\": 2}";
    err_t err;
    err_clear(&err);
    assert_null(json_parse(body, strlen(body), &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_json");
}

static void json_parse_object_rejects_non_objects(void **state)
{
    (void)state;
    const char *bodies[] = {"[1, 2, 3]", "\"text\"", "12", "null"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        err_t err;
        err_clear(&err);
        assert_null(json_parse_object(bodies[i], strlen(bodies[i]), &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.code, "invalid_json");
    }
    err_t err;
    json_t *obj = json_parse_object("{}", 2, &err);
    assert_non_null(obj);
    assert_true(json_is_object(obj));
    json_decref(obj);
}

static json_t *parse_ok(const char *text)
{
    err_t err;
    json_t *v = json_parse_object(text, strlen(text), &err);
    assert_non_null(v);
    return v;
}

static void json_field_string_cases(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"name\": \"abcd\", \"n\": 5, \"nil\": null, \"empty\": \"\"}");
    err_t err;
    const char *out = NULL;

    assert_int_equal(json_field_string(obj, "name", 1, 0, &out, &err), 0);
    assert_string_equal(out, "abcd");
    assert_int_equal(json_field_string(obj, "name", 1, 4, &out, &err), 0); /* exactly max */
    assert_int_equal(json_field_string(obj, "empty", 1, 4, &out, &err), 0);
    assert_string_equal(out, "");

    /* Optional and missing (or null): 0 and *out untouched. */
    out = "unchanged";
    assert_int_equal(json_field_string(obj, "missing", 0, 0, &out, &err), 0);
    assert_string_equal(out, "unchanged");
    assert_int_equal(json_field_string(obj, "nil", 0, 0, &out, &err), 0);
    assert_string_equal(out, "unchanged");

    /* Required and missing. */
    err_clear(&err);
    assert_int_equal(json_field_string(obj, "missing", 1, 0, &out, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_argument");
    assert_string_equal(err.field, "missing");
    assert_string_equal(out, "unchanged");

    /* Required and null counts as missing. */
    err_clear(&err);
    assert_int_equal(json_field_string(obj, "nil", 1, 0, &out, &err), -1);
    assert_string_equal(err.field, "nil");

    /* Wrong type, required or not. */
    err_clear(&err);
    assert_int_equal(json_field_string(obj, "n", 0, 0, &out, &err), -1);
    assert_string_equal(err.code, "invalid_argument");
    assert_string_equal(err.field, "n");

    /* Too long. */
    err_clear(&err);
    assert_int_equal(json_field_string(obj, "name", 1, 3, &out, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "name");
    assert_non_null(strstr(err.message, "3"));
    assert_string_equal(out, "unchanged");
    json_decref(obj);
}

static void json_field_int_cases(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"i\": -12, \"big\": 9007199254740993, \"f\": 1.5, \"s\": \"3\"}");
    err_t err;
    int64_t v = 99;
    assert_int_equal(json_field_int(obj, "i", 1, &v, &err), 0);
    assert_int_equal(v, -12);
    assert_int_equal(json_field_int(obj, "big", 1, &v, &err), 0);
    assert_true(v == INT64_C(9007199254740993));
    v = 99;
    assert_int_equal(json_field_int(obj, "missing", 0, &v, &err), 0);
    assert_int_equal(v, 99);
    err_clear(&err);
    assert_int_equal(json_field_int(obj, "missing", 1, &v, &err), -1);
    assert_string_equal(err.field, "missing");
    err_clear(&err);
    assert_int_equal(json_field_int(obj, "f", 1, &v, &err), -1);
    assert_string_equal(err.field, "f");
    err_clear(&err);
    assert_int_equal(json_field_int(obj, "s", 0, &v, &err), -1);
    assert_string_equal(err.field, "s");
    assert_int_equal(v, 99);
    json_decref(obj);
}

/* Reals come out in their shortest exact spelling; strings that look like numbers are left. */
static void json_to_string_shortens_reals(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:f, s:f, s:f, s:f, s:f, s:i, s:s, s:[f, f]}", "a", 0.7, "b", 1.0, "c",
                          0.1 + 0.2, "d", -2.5e-300, "e", 123456789.125, "f", 42, "g",
                          "0.69999999999999996 \"1.10000000000000009\"", "h", 1e21, 3.14);
    char *text = json_to_string(v);
    assert_string_equal(text, "{\"a\":0.7,\"b\":1.0,\"c\":0.30000000000000004,\"d\":-2.5e-300,"
                              "\"e\":123456789.125,\"f\":42,"
                              "\"g\":\"0.69999999999999996 \\\"1.10000000000000009\\\"\","
                              "\"h\":[1e21,3.14]}");
    json_t *back = json_loads(text, 0, NULL);
    assert_true(json_equal(back, v)); /* every real reads back exactly */
    json_decref(back);
    free(text);
    json_decref(v);
}

static void json_field_number_cases(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"f\": 1.5, \"i\": 3, \"b\": true}");
    err_t err;
    double d = 0;
    assert_int_equal(json_field_number(obj, "f", 1, &d, &err), 0);
    assert_true(d == 1.5);
    assert_int_equal(json_field_number(obj, "i", 1, &d, &err), 0); /* integers are numbers */
    assert_true(d == 3.0);
    d = -1;
    assert_int_equal(json_field_number(obj, "missing", 0, &d, &err), 0);
    assert_true(d == -1);
    err_clear(&err);
    assert_int_equal(json_field_number(obj, "missing", 1, &d, &err), -1);
    assert_string_equal(err.field, "missing");
    err_clear(&err);
    assert_int_equal(json_field_number(obj, "b", 1, &d, &err), -1);
    assert_string_equal(err.field, "b");
    assert_string_equal(err.code, "invalid_argument");
    json_decref(obj);
}

static void json_field_bool_cases(void **state)
{
    (void)state;
    json_t *obj = parse_ok("{\"t\": true, \"f\": false, \"one\": 1, \"s\": \"true\"}");
    err_t err;
    int b = 7;
    assert_int_equal(json_field_bool(obj, "t", 1, &b, &err), 0);
    assert_int_equal(b, 1);
    assert_int_equal(json_field_bool(obj, "f", 1, &b, &err), 0);
    assert_int_equal(b, 0);
    b = 7;
    assert_int_equal(json_field_bool(obj, "missing", 0, &b, &err), 0);
    assert_int_equal(b, 7);
    err_clear(&err);
    assert_int_equal(json_field_bool(obj, "missing", 1, &b, &err), -1);
    assert_string_equal(err.field, "missing");
    err_clear(&err);
    assert_int_equal(json_field_bool(obj, "one", 1, &b, &err), -1);
    assert_string_equal(err.field, "one");
    err_clear(&err);
    assert_int_equal(json_field_bool(obj, "s", 0, &b, &err), -1);
    assert_string_equal(err.field, "s");
    json_decref(obj);
}

static void json_to_string_is_compact(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:i, s:[s]}", "a", 1, "b", "x");
    char *text = json_to_string(v);
    assert_string_equal(text, "{\"a\":1,\"b\":[\"x\"]}");
    free(text);
    json_decref(v);
    json_t *s = json_string("plain");
    text = json_to_string(s); /* not only objects and arrays */
    assert_string_equal(text, "\"plain\"");
    free(text);
    json_decref(s);
}

/* ---- ids ------------------------------------------------------------------------------------ */

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void assert_uuid7_shape(const char *id)
{
    assert_int_equal(strlen(id), ID_UUID_LEN);
    for (int i = 0; i < ID_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(id[i], '-');
        else
            assert_true(is_lower_hex(id[i]));
    }
    assert_int_equal(id[14], '7');           /* version */
    assert_non_null(strchr("89ab", id[19])); /* RFC 4122 variant: 10xx */
}

static void ids_uuid7_format(void **state)
{
    (void)state;
    char id[ID_UUID_LEN + 1];
    for (int i = 0; i < 100; i++) {
        memset(id, 'X', sizeof id);
        ids_uuid7(id);
        assert_uuid7_shape(id);
    }
}

static void ids_uuid7_hex_format(void **state)
{
    (void)state;
    char id[ID_HEX_LEN + 1];
    for (int i = 0; i < 100; i++) {
        memset(id, 'X', sizeof id);
        ids_uuid7_hex(id);
        assert_int_equal(strlen(id), ID_HEX_LEN);
        for (int k = 0; k < ID_HEX_LEN; k++)
            assert_true(is_lower_hex(id[k]));
        assert_int_equal(id[12], '7');
        assert_non_null(strchr("89ab", id[16]));
    }
}

static void ids_random_hex_format(void **state)
{
    (void)state;
    char a[17], b[17];
    memset(a, 'X', sizeof a);
    ids_random_hex(a, 8);
    ids_random_hex(b, 8);
    assert_int_equal(strlen(a), 16);
    for (int k = 0; k < 16; k++)
        assert_true(is_lower_hex(a[k]));
    assert_string_not_equal(a, b); /* 64 random bits twice */
}

static void ids_uuid7_embeds_current_time(void **state)
{
    (void)state;
    int64_t before = clock_now_ms();
    char id[ID_UUID_LEN + 1];
    ids_uuid7(id);
    int64_t after = clock_now_ms();
    char hex[13];
    memcpy(hex, id, 8);
    memcpy(hex + 8, id + 9, 4);
    hex[12] = '\0';
    int64_t ms = (int64_t)strtoll(hex, NULL, 16);
    assert_true(ms >= before);
    assert_true(ms <= after);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void ids_uuid7_are_distinct(void **state)
{
    (void)state;
    enum { N = 1000 };
    char(*ids)[ID_UUID_LEN + 1] = calloc(N, ID_UUID_LEN + 1);
    assert_non_null(ids);
    for (int i = 0; i < N; i++)
        ids_uuid7(ids[i]);
    qsort(ids, N, ID_UUID_LEN + 1, cmp_str);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    free(ids);

    char(*hex)[ID_HEX_LEN + 1] = calloc(N, ID_HEX_LEN + 1);
    assert_non_null(hex);
    for (int i = 0; i < N; i++)
        ids_uuid7_hex(hex[i]);
    qsort(hex, N, ID_HEX_LEN + 1, cmp_str);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(hex[i - 1], hex[i]);
    free(hex);
}

/* Wait (a millisecond or two) until the wall clock has moved past ms. */
static void wait_past_ms(int64_t ms)
{
    while (clock_now_ms() <= ms)
        clock_sleep_ms(1);
}

static void ids_uuid7_sort_by_time(void **state)
{
    (void)state;
    char prev[ID_UUID_LEN + 1], prev_hex[ID_HEX_LEN + 1];
    ids_uuid7(prev);
    ids_uuid7_hex(prev_hex);
    for (int i = 0; i < 3; i++) {
        wait_past_ms(clock_now_ms());
        char next[ID_UUID_LEN + 1], next_hex[ID_HEX_LEN + 1];
        ids_uuid7(next);
        ids_uuid7_hex(next_hex);
        assert_true(strcmp(prev, next) < 0);
        assert_true(strcmp(prev_hex, next_hex) < 0);
        memcpy(prev, next, sizeof prev);
        memcpy(prev_hex, next_hex, sizeof prev_hex);
    }
}

static void ids_random_bytes_fill(void **state)
{
    (void)state;
    unsigned char a[32] = {0}, b[32] = {0};
    ids_random_bytes(a, sizeof a);
    ids_random_bytes(b, sizeof b);
    assert_memory_not_equal(a, b, sizeof a);
}

/* ---- clock ---------------------------------------------------------------------------------- */

static void clock_now_is_plausible(void **state)
{
    (void)state;
    const int64_t jan_2024_ms = INT64_C(1704067200000); /* 2024-01-01T00:00:00Z */
    const int64_t jan_2200_ms = INT64_C(7258118400000); /* 2200-01-01T00:00:00Z */
    int64_t now = clock_now_ms();
    assert_true(now > jan_2024_ms);
    assert_true(now < jan_2200_ms);
    assert_true(clock_now_ms() >= now - 1000);
}

static void clock_mono_increases(void **state)
{
    (void)state;
    int64_t a = clock_mono_us();
    assert_true(a >= 0);
    int64_t b = clock_mono_us();
    assert_true(b >= a);
    clock_sleep_ms(2);
    int64_t c = clock_mono_us();
    assert_true(c - a >= 2000);
    assert_true(c - a < 10 * 1000 * 1000);
}

/* ---- page_token ----------------------------------------------------------------------------- */

static void page_tokens_round_trip(void **state)
{
    (void)state;
    err_t err;
    int64_t offsets[] = {0, 1, 100, 1234, 199999, INT64_C(1) << 40};
    for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++) {
        char *token = page_token_make(offsets[i]);
        int64_t back = -1;
        assert_int_equal(page_token_parse(token, &back, &err), 0);
        assert_int_equal(back, offsets[i]);
        free(token);
    }
    /* MLflow's own tokens: base64 of {"offset": 100} and {"offset": 1234}. */
    char *token = page_token_make(100);
    assert_string_equal(token, "eyJvZmZzZXQiOiAxMDB9");
    free(token);
    token = page_token_make(1234);
    assert_string_equal(token, "eyJvZmZzZXQiOiAxMjM0fQ==");
    free(token);
    /* No token: the first page. */
    int64_t off = 7;
    assert_int_equal(page_token_parse(NULL, &off, &err), 0);
    assert_int_equal(off, 0);
    off = 7;
    assert_int_equal(page_token_parse("", &off, &err), 0);
    assert_int_equal(off, 0);
}

static void page_tokens_reject_malformed(void **state)
{
    (void)state;
    char too_long[1029];
    memset(too_long, 'A', 1028);
    too_long[1028] = '\0';
    const char *bad[] = {"!!!!",
                         "abc",
                         "ab=c",
                         " eyJvZmZzZXQiOiAxMDB9",
                         too_long,
                         "eyJvZmZzZXQiOiAtMX0=",  /* {"offset": -1} */
                         "eyJ4IjogMX0=",          /* {"x": 1} */
                         "eyJhIjogMX0=",          /* {"a": 1} */
                         "bm90IGpzb24=",          /* not json */
                         "WzFd",                  /* [1] */
                         "eyJvZmZzZXQiOiAiMSJ9"}; /* {"offset": "1"} */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err;
        err_clear(&err);
        int64_t off;
        if (page_token_parse(bad[i], &off, &err) == 0)
            fail_msg("token '%s' accepted", bad[i]);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, "page_token");
    }
}

static void page_token_next_only_after_a_full_page(void **state)
{
    (void)state;
    json_t *result = json_object();
    page_token_add_next(result, 10, 10, 0); /* exactly a page: nothing follows */
    assert_null(json_object_get(result, "next_page_token"));
    page_token_add_next(result, 11, 10, 20); /* the probe row came back */
    const char *token = json_string_value(json_object_get(result, "next_page_token"));
    assert_non_null(token);
    err_t err;
    int64_t off = 0;
    assert_int_equal(page_token_parse(token, &off, &err), 0);
    assert_int_equal(off, 30);
    json_decref(result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_empty_reads_as_empty_string),
        cmocka_unit_test(page_tokens_round_trip),
        cmocka_unit_test(page_tokens_reject_malformed),
        cmocka_unit_test(page_token_next_only_after_a_full_page),
        cmocka_unit_test(buf_append_concatenates),
        cmocka_unit_test(buf_append_binary_keeps_nul_bytes),
        cmocka_unit_test(buf_printf_grows_past_first_block),
        cmocka_unit_test(buf_steal_takes_ownership),
        cmocka_unit_test(buf_reset_keeps_memory),
        cmocka_unit_test(xstrndup_copies_prefix),
        cmocka_unit_test(err_set_fills_every_field),
        cmocka_unit_test(err_set_null_field_and_code),
        cmocka_unit_test(err_shorthands),
        cmocka_unit_test(err_null_is_tolerated),
        cmocka_unit_test(err_truncates_long_values),
        cmocka_unit_test(json_parse_accepts_any_value),
        cmocka_unit_test(json_parse_error_names_line_and_column),
        cmocka_unit_test(json_parse_empty_body),
        cmocka_unit_test(json_parse_rejects_invalid_utf8),
        cmocka_unit_test(json_parse_rejects_escaped_nul),
        cmocka_unit_test(json_parse_rejects_duplicate_keys),
        cmocka_unit_test(json_parse_object_rejects_non_objects),
        cmocka_unit_test(json_field_string_cases),
        cmocka_unit_test(json_field_int_cases),
        cmocka_unit_test(json_field_number_cases),
        cmocka_unit_test(json_to_string_shortens_reals),
        cmocka_unit_test(json_field_bool_cases),
        cmocka_unit_test(json_to_string_is_compact),
        cmocka_unit_test(ids_uuid7_format),
        cmocka_unit_test(ids_uuid7_hex_format),
        cmocka_unit_test(ids_random_hex_format),
        cmocka_unit_test(ids_uuid7_embeds_current_time),
        cmocka_unit_test(ids_uuid7_are_distinct),
        cmocka_unit_test(ids_uuid7_sort_by_time),
        cmocka_unit_test(ids_random_bytes_fill),
        cmocka_unit_test(clock_now_is_plausible),
        cmocka_unit_test(clock_mono_increases),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
