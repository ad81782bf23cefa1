/* test_scorers_json.c - json_valid and json_schema: every supported keyword passing and
 * failing, the combinators, boolean schemas, and the schemas rejected at create. */
#include "scorer_testutil.h"

#include "base/buf.h"

static void test_json_valid(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"json_valid\"}");
    assert_near(value_of(s, "{\"a\": [1, 2]}", NULL), 1);
    assert_near(value_of(s, " 42 ", NULL), 1); /* any JSON value, not only objects */
    assert_near(value_of(s, "\"str\"", NULL), 1);
    assert_near(value_of(s, "{\"a\": }", NULL), 0);
    assert_near(value_of(s, "", NULL), 0);
    assert_near(value_of(s, "```json\n{}\n```", NULL), 0); /* fences are not JSON */
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, "{\"a\" 1}", NULL, &out, &err), 0);
    assert_int_equal(out.pass, 0);
    assert_non_null(strstr(out.reason, "line 1"));
    eval_score_clear(&out);
    scorer_free(s);
    expect_create_error("{\"type\": \"json_valid\", \"strict\": true}", "strict");
}

static const char *PERSON =
    "{\"type\": \"json_schema\", \"schema\": {\"$schema\": "
    "\"https://json-schema.org/draft/2020-12/schema\", \"title\": \"person\", \"type\": "
    "\"object\", \"properties\": {"
    "\"name\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 5},"
    "\"age\": {\"type\": \"integer\", \"minimum\": 0, \"exclusiveMaximum\": 150},"
    "\"score\": {\"type\": [\"number\", \"null\"], \"exclusiveMinimum\": 0, \"maximum\": 1},"
    "\"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\", \"pattern\": "
    "\"^[a-z]+$\"}, \"minItems\": 1, \"maxItems\": 3, \"uniqueItems\": true},"
    "\"kind\": {\"enum\": [\"a\", \"b\", 1]},"
    "\"v\": {\"const\": {\"x\": [1, true]}},"
    "\"meta\": {\"type\": \"object\", \"minProperties\": 1, \"maxProperties\": 2}},"
    "\"required\": [\"name\", \"age\"], \"additionalProperties\": false}}";

static void expect_fail(const eval_scorer_t *s, const char *output, const char *in_reason)
{
    eval_score_t out;
    err_t err = {0};
    assert_int_equal(score_with(s, output, NULL, &out, &err), 0);
    if (out.pass || out.value != 0 || !out.reason || !strstr(out.reason, in_reason))
        fail_msg("%s: pass %d, reason %s (expected one with \"%s\")", output, out.pass,
                 out.reason ? out.reason : "(none)", in_reason);
    eval_score_clear(&out);
}

static void test_schema_keywords(void **state)
{
    (void)state;
    eval_scorer_t *s = mk(PERSON);
    assert_near(value_of(s, "{\"name\": \"Ann\", \"age\": 30}", NULL), 1);
    /* 2020-12: 30.0 is an integer; enum/const compare numbers by value */
    assert_near(value_of(s, "{\"name\": \"Ann\", \"age\": 30.0, \"kind\": 1.0}", NULL), 1);
    /* maxLength counts code points: "héllo" is 5 characters, 6 bytes */
    assert_near(value_of(s, "{\"name\": \"h\\u00e9llo\", \"age\": 1}", NULL), 1);
    assert_near(value_of(s,
                         "{\"name\": \"A\", \"age\": 0, \"score\": null, \"tags\": [\"ab\", "
                         "\"cd\"], \"kind\": \"b\", \"v\": {\"x\": [1, true]}, \"meta\": "
                         "{\"k\": 1}}",
                         NULL),
                1);

    expect_fail(s, "{\"name\": \"Ann\", \"age\": 30.5}", "/age: expected integer, got number");
    expect_fail(s, "{\"name\": \"Ann\"}", "required property \"age\"");
    expect_fail(s, "{\"name\": \"\", \"age\": 1}", "/name: 0 characters, fewer than minLength");
    expect_fail(s, "{\"name\": \"Annabel\", \"age\": 1}", "more than maxLength 5");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": -1}", "less than minimum");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 150}", "exclusiveMaximum");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"score\": 0}", "exclusiveMinimum");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"score\": 1.5}", "greater than maximum");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"score\": \"x\"}",
                "expected null or number, got string");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"x\": 1}",
                "additional property \"x\" is not allowed");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"tags\": []}", "fewer than minItems");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"tags\": [\"a\", \"b\", \"c\", \"d\"]}",
                "more than maxItems");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"tags\": [\"ab\", \"ab\"]}", "uniqueItems");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"tags\": [\"ok\", \"Ab\"]}",
                "/tags/1: does not match pattern");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"kind\": \"c\"}", "enum");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"v\": {\"x\": [1, false]}}", "const");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"meta\": {}}", "minProperties");
    expect_fail(s, "{\"name\": \"Ann\", \"age\": 1, \"meta\": {\"a\":1,\"b\":2,\"c\":3}}",
                "maxProperties");
    expect_fail(s, "[1, 2]", "(root): expected object, got array");
    expect_fail(s, "not json", "not JSON");
    scorer_free(s);
}

static void test_schema_combinators(void **state)
{
    (void)state;
    eval_scorer_t *s = mk("{\"type\": \"json_schema\", \"schema\": {\"anyOf\": [{\"type\": "
                          "\"string\"}, {\"type\": \"number\", \"minimum\": 10}]}}");
    assert_near(value_of(s, "\"x\"", NULL), 1);
    assert_near(value_of(s, "12", NULL), 1);
    expect_fail(s, "5", "anyOf");
    expect_fail(s, "null", "anyOf");
    scorer_free(s);

    /* oneOf: exactly one; 1 is both an integer and a number */
    s = mk("{\"type\": \"json_schema\", \"schema\": {\"oneOf\": [{\"type\": \"integer\"}, "
           "{\"type\": \"number\"}]}}");
    assert_near(value_of(s, "1.5", NULL), 1);
    expect_fail(s, "1", "matches 2 of the oneOf");
    expect_fail(s, "\"x\"", "matches 0 of the oneOf");
    scorer_free(s);

    s = mk("{\"type\": \"json_schema\", \"schema\": {\"allOf\": [{\"minimum\": 0}, "
           "{\"maximum\": 10}], \"not\": {\"const\": 7}}}");
    assert_near(value_of(s, "5", NULL), 1);
    assert_near(value_of(s, "\"a string\"", NULL), 1); /* numeric keywords ignore strings */
    expect_fail(s, "11", "maximum");
    expect_fail(s, "7", "\"not\"");
    scorer_free(s);

    s = mk("{\"type\": \"json_schema\", \"schema\": {\"additionalProperties\": {\"type\": "
           "\"number\"}, \"properties\": {\"id\": {\"type\": \"string\"}}}}");
    assert_near(value_of(s, "{\"id\": \"x\", \"a\": 1}", NULL), 1);
    expect_fail(s, "{\"id\": \"x\", \"a\": \"y\"}", "/a: expected number");
    scorer_free(s);

    /* boolean schemas */
    s = mk("{\"type\": \"json_schema\", \"schema\": true}");
    assert_near(value_of(s, "[{}]", NULL), 1);
    expect_fail(s, "nope", "not JSON");
    scorer_free(s);
    s = mk("{\"type\": \"json_schema\", \"schema\": {\"properties\": {\"a\": false}}}");
    assert_near(value_of(s, "{\"b\": 1}", NULL), 1);
    expect_fail(s, "{\"a\": 1}", "/a: no value is allowed");
    scorer_free(s);
}

static void test_schema_rejected(void **state)
{
    (void)state;
    expect_create_error("{\"type\": \"json_schema\"}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": \"string\"}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"type\": \"strin\"}}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"minLength\": -1}}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"minimum\": \"0\"}}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"required\": [1]}}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"anyOf\": []}}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"items\": 3}}", "schema");
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"pattern\": \"(\"}}", "schema");

    /* an unsupported keyword is rejected (named, with where it is), never ignored */
    json_t *spec = json_loads("{\"type\": \"json_schema\", \"schema\": {\"properties\": {\"a\": "
                              "{\"format\": \"email\"}}}}",
                              0, NULL);
    err_t err = {0};
    assert_null(scorer_create(spec, NULL, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "schema");
    assert_non_null(strstr(err.message, "\"format\""));
    assert_non_null(strstr(err.message, "#/properties/a"));
    json_decref(spec);
    expect_create_error("{\"type\": \"json_schema\", \"schema\": {\"$ref\": \"#/$defs/a\"}}",
                        "schema");

    /* nesting deeper than the limit */
    buf_t deep;
    buf_init(&deep);
    buf_append_str(&deep, "{\"type\": \"json_schema\", \"schema\": ");
    for (int i = 0; i < 70; i++)
        buf_append_str(&deep, "{\"items\": ");
    buf_append_str(&deep, "true");
    for (int i = 0; i < 70; i++)
        buf_append_char(&deep, '}');
    buf_append_char(&deep, '}');
    expect_create_error(buf_str(&deep), "schema");
    buf_free(&deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_valid),
        cmocka_unit_test(test_schema_keywords),
        cmocka_unit_test(test_schema_combinators),
        cmocka_unit_test(test_schema_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
