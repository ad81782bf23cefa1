/* test_error.c - err_set: messages (and fields) that quote bad input come out as valid UTF-8,
 * so every error can be put in a JSON body: invalid bytes become '?', a character cut by the
 * message's size limit is dropped, valid characters are kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/error.h"

static void assert_json_string(const char *text)
{
    json_t *s = json_string(text);
    assert_non_null(s);
    json_decref(s);
}

static void invalid_bytes_become_question_marks(void **state)
{
    (void)state;
    err_t err;
    /* a stray continuation byte, a lone lead byte, an overlong form, a surrogate, > U+10FFFF */
    err_invalid(&err, "f\xff", "a\x80 b\xc3z c\xc0\xaf d\xed\xa0\x80 e\xf4\x90\x80\x80");
    assert_string_equal(err.message, "a? b?z c?? d??? e????");
    assert_string_equal(err.field, "f?");
    assert_json_string(err.message);
}

static void valid_characters_are_kept(void **state)
{
    (void)state;
    err_t err;
    err_invalid(&err, "", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    assert_string_equal(err.message, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void a_character_cut_at_the_end_is_dropped(void **state)
{
    (void)state;
    err_t err;
    char quote[sizeof err.message + 8];
    /* 510 ASCII bytes then a 3-byte character: the message limit (511 bytes) cuts it */
    memset(quote, 'x', 510);
    memcpy(quote + 510, "\xe2\x82\xac", 4);
    err_invalid(&err, "", "%s", quote);
    assert_int_equal(strlen(err.message), 510);
    assert_json_string(err.message);
    /* the same bytes in the middle of the text are invalid, not cut */
    err_invalid(&err, "", "\xe2\x82 x");
    assert_string_equal(err.message, "?? x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invalid_bytes_become_question_marks),
        cmocka_unit_test(valid_characters_are_kept),
        cmocka_unit_test(a_character_cut_at_the_end_is_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
