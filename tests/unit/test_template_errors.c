/* test_template_errors.c - unit tests for how the template engine fails and what bounds it:
 * every error kind (template_syntax, template_undefined, template_error, template_limit) with
 * its exact message and line:column; strict vs lenient undefined handling; the limits (nesting
 * of parentheses and blocks, 10k nested ifs, long elif chains, loop iterations across nested
 * loops, output size, working memory, source size, macro recursion); and thread safety: one
 * compiled template rendered from 8 threads at once gives the same output everywhere. */
#include "unit/template_testutil.h"

#include <pthread.h>

#include "base/buf.h"

#define SYNTAX(src, msg)      FAILS((src), NULL, "template_syntax", (msg))
#define UNDEF(src, vars, msg) FAILS((src), (vars), "template_undefined", (msg))
#define TYPEERR(src, msg)     FAILS((src), "{\"n\": 7, \"x\": {}}", "template_error", (msg))

static void test_syntax_errors(void **state)
{
    (void)state;
    SYNTAX("{% if x %}\nabcd", "line 2:5: expected 'endif', found end of template");
    SYNTAX("{% for x in y %}{% endif %}", "line 1:20: expected 'endfor', found 'endif'");
    SYNTAX("{% if x %}{% endfor %}", "line 1:14: expected 'endif', found 'endfor'");
    SYNTAX("{% if x %}{% else %}{% else %}{% endif %}",
           "line 1:24: expected 'endif', found 'else'");
    SYNTAX("{% endfor %}", "line 1:4: unexpected 'endfor'");
    SYNTAX("{% foo %}", "line 1:4: unknown tag 'foo'");
    SYNTAX("{% include 'x' %}", "line 1:4: unsupported tag 'include'");
    SYNTAX("Hi {{ a | nope }}", "line 1:11: unknown filter 'nope'");
    SYNTAX("{{ x is nope }}", "line 1:9: unknown test 'nope'");
    SYNTAX("{{ a | truncate(foo=1) }}", "line 1:8: filter 'truncate' got an unexpected keyword "
                                        "argument 'foo'");
    SYNTAX("{{ a | replace('x') }}", "line 1:8: filter 'replace' is missing required argument "
                                     "'new'");
    SYNTAX("{{ a | truncate(1, 2, 3, 4, 5) }}",
           "line 1:8: filter 'truncate' takes at most 4 arguments (5 given)");
    SYNTAX("{{ a | default('x', boolean=1, boolean=2) }}",
           "line 1:32: keyword argument 'boolean' repeated");
    SYNTAX("{{ f(a=1, 2) }}", "line 1:11: positional argument follows keyword argument");
    SYNTAX("ab\n  {{ x", "line 2:3: unclosed '{{', expected '}}'");
    SYNTAX("{% if x", "line 1:1: unclosed '{%', expected '%}'");
    SYNTAX("{# abc", "line 1:1: unclosed comment, expected '#}'");
    SYNTAX("{% raw %}abc", "line 1:1: unclosed '{% raw %}', expected '{% endraw %}'");
    SYNTAX("{{ 'abc }}", "line 1:4: unterminated string");
    SYNTAX("{{ (1 }}", "line 1:7: unexpected '}', expected ')'");
    SYNTAX("{{ 1 + }}", "line 1:8: expected an expression, found '}}'");
    SYNTAX("ab {% if %}", "line 1:10: expected an expression, found '%}'");
    SYNTAX("{{ a @ b }}", "line 1:6: unexpected character '@'");
    SYNTAX("{% for x y %}{% endfor %}", "line 1:10: expected 'in', found 'y'");
    SYNTAX("{% set %}", "line 1:8: expected a variable name, found '%}'");
    SYNTAX("{% break %}", "line 1:4: 'break' outside of a loop");
    SYNTAX("{% for x in xs recursive %}{% endfor %}", "line 1:16: recursive loops are not "
                                                      "supported");
    SYNTAX("{{ 99999999999999999999 }}", "line 1:4: integer literal too large");
    SYNTAX("{{ '\\x4' }}", "line 1:4: invalid \\x escape in string");
    SYNTAX("é {{ x.. }}", "line 1:8: expected an attribute name after '.', found '.'");
}

static void test_undefined_errors(void **state)
{
    (void)state;
    UNDEF("{{ user }}", NULL, "line 1:4: 'user' is undefined");
    UNDEF("{{ user.name }}", "{\"user\": {}}", "line 1:4: 'user.name' is undefined");
    UNDEF("{{ user.name.first }}", "{\"user\": {}}", "line 1:4: 'user.name' is undefined");
    UNDEF("{{ ghost.name }}", NULL, "line 1:4: 'ghost' is undefined");
    UNDEF("x\n  {{ messages[0]['role'] }}", "{\"messages\": [{}]}",
          "line 2:6: 'messages[0]['role']' is undefined");
    UNDEF("{{ xs[3] }}", "{\"xs\": [1]}", "line 1:4: 'xs[3]' is undefined");
    UNDEF("{% if ghost %}{% endif %}", NULL, "line 1:7: 'ghost' is undefined");
    UNDEF("{% for x in ghost %}{% endfor %}", NULL, "line 1:13: 'ghost' is undefined");
    UNDEF("{{ ghost | upper }}", NULL, "line 1:4: 'ghost' is undefined");
    UNDEF("{{ 'a' ~ ghost }}", NULL, "line 1:10: 'ghost' is undefined");
    UNDEF("{{ ghost + 1 }}", NULL, "line 1:4: 'ghost' is undefined");
    UNDEF("{{ user.get() }}", "{\"user\": 1}", "line 1:4: 'user.get' is undefined");
    UNDEF("{% set ns = namespace() %}{{ ns.missing }}", NULL,
          "line 1:30: 'ns.missing' is "
          "undefined");
    UNDEF("a\n{% for m in messages %}\n  {{ m.content }}\n{% endfor %}",
          "{\"messages\": [{\"content\": \"x\"}, {}]}", "line 3:6: 'm.content' is undefined");
    /* default and is defined see undefined values without failing */
    RENDER("{{ ghost | default('d') }} {{ ghost.a.b is defined }} {{ user.name | d('-') }}",
           "{\"user\": {}}", "d False -");
}

static void test_render_errors(void **state)
{
    (void)state;
    TYPEERR("{{ 'a' + 1 }}", "line 1:4: unsupported operand types for +: a string and a number");
    TYPEERR("{{ 1 < 'a' }}", "line 1:4: '<' is not supported between a number and a string");
    TYPEERR("{% for x in 5 %}{% endfor %}", "line 1:13: cannot iterate over a number");
    TYPEERR("{{ 1 / 0 }} ", "line 1:4: division by zero");
    TYPEERR("{{ n // 0 }}", "line 1:4: division by zero");
    TYPEERR("{{ n % 0 }}", "line 1:4: division by zero");
    TYPEERR("{{ n() }}", "line 1:4: a number is not callable");
    TYPEERR("{{ 1 in 5 }}", "line 1:4: cannot test membership in a number");
    TYPEERR("{{ 1 in 'a' }}",
            "line 1:4: 'in <string>' requires a string on the left, not a number");
    TYPEERR("{{ -'a' }}", "line 1:4: bad operand type for unary -: a string");
    TYPEERR("{{ n | length }}", "line 1:8: a number has no length");
    TYPEERR("{% set n.x = 1 %}", "line 1:4: cannot set attribute 'x' on a number (only on a "
                                 "namespace)");
    TYPEERR("{% for a, b in [[1, 2, 3]] %}{% endfor %}", "line 1:4: cannot unpack 3 values into 2 "
                                                         "names");
    TYPEERR("{{ [1, 'a'] | sort }}", "line 1:15: cannot sort: a string and a number cannot be "
                                     "compared");
    TYPEERR("{% set ns = namespace() %}{{ ns | tojson }}",
            "line 1:35: tojson: namespace is not JSON serializable");
    TYPEERR("{{ 9223372036854775807 + 1 }}", "line 1:4: integer overflow");
    TYPEERR("{{ 'abc' | truncate(1) }}", "line 1:12: truncate: length must be at least 3, got 1");
    TYPEERR("{{ range(1, 2, 0) }}", "line 1:4: range() step must not be zero");
    TYPEERR("{{ x.items(1) }}", "line 1:4: items() takes at most 0 arguments (1 given)");
    TYPEERR("{{ [1, 2, 3][::0] }}", "line 1:4: slice step cannot be zero");
    TYPEERR("\n\n   {{ raise_exception('Only user and assistant roles are supported!') }}",
            "line 3:7: Only user and assistant roles are supported!");
}

static void test_lenient_never_undefined_error(void **state)
{
    (void)state;
    template_options_t lenient = {.lenient = 1};
    RENDER_LENIENT("[{{ ghost }}|{{ ghost.x[0].y }}|{{ ghost | length }}]", NULL, "[||0]");
    /* lenient still reports real type errors */
    FAILS_OPT("{{ 'a' + 1 }}", NULL, &lenient, "template_error",
              "line 1:4: unsupported operand types for +: a string and a number");
    /* an undefined in arithmetic is an empty string, so adding a number to it is a type error */
    FAILS_OPT("{{ ghost + 1 }}", NULL, &lenient, "template_error",
              "line 1:4: unsupported operand types for +: a string and a number");
}

/* Repeat s n times. */
static char *repeat(const char *s, int n)
{
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
        buf_append_str(&b, s);
    return buf_steal(&b);
}

static char *nested(const char *open, const char *mid, const char *close, int n)
{
    buf_t b;
    buf_init(&b);
    char *o = repeat(open, n), *c = repeat(close, n);
    buf_printf(&b, "%s%s%s", o, mid, c);
    free(o);
    free(c);
    return buf_steal(&b);
}

static void test_nesting_limits(void **state)
{
    (void)state;
    /* 63 parentheses inside the outer expression: 64 levels, fine */
    char *o = repeat("(", 63), *c = repeat(")", 63);
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "{{ %s1%s }}", o, c);
    RENDER(buf_str(&b), NULL, "1");
    buf_reset(&b);
    free(o);
    free(c);
    o = repeat("(", 64);
    c = repeat(")", 64);
    buf_printf(&b, "{{ %s1%s }}", o, c);
    SYNTAX(buf_str(&b), "line 1:68: expression nested deeper than 64");
    free(o);
    free(c);
    /* 10000 parentheses: stopped in the lexer, no deep recursion anywhere */
    buf_reset(&b);
    o = repeat("(", 10000);
    c = repeat(")", 10000);
    buf_printf(&b, "{{ %s1%s }}", o, c);
    SYNTAX(buf_str(&b), "line 1:68: brackets nested deeper than 64");
    free(o);
    free(c);
    buf_reset(&b);
    o = repeat("-", 10000);
    buf_printf(&b, "{{ %s1 }}", o);
    SYNTAX(buf_str(&b), "line 1:67: expression nested deeper than 64");
    free(o);
    /* a chain of 300 additions is a tree 300 high: bounded too */
    buf_reset(&b);
    o = repeat(" + 1", 300);
    buf_printf(&b, "{{ 1%s }}", o);
    SYNTAX(buf_str(&b), "line 1:4: expression nested deeper than 256");
    free(o);
    buf_free(&b);

    /* blocks: 64 nested ifs render, 65 and 10000 fail at the 65th */
    char *ifs = nested("{% if true %}", "x", "{% endif %}", 64);
    RENDER(ifs, NULL, "x");
    free(ifs);
    ifs = nested("{% if true %}", "x", "{% endif %}", 65);
    SYNTAX(ifs, "line 1:836: blocks nested deeper than 64");
    free(ifs);
    ifs = nested("{% if true %}", "x", "{% endif %}", 10000);
    SYNTAX(ifs, "line 1:836: blocks nested deeper than 64");
    free(ifs);
    char *fors = nested("{% for i in [1] %}", "y", "{% endfor %}", 10000);
    SYNTAX(fors, "line 1:1156: blocks nested deeper than 64");
    free(fors);

    /* a long elif chain is flat: no recursion, renders the last branch */
    buf_init(&b);
    buf_append_str(&b, "{% if n == 0 %}zero");
    for (int i = 1; i < 10000; i++)
        buf_printf(&b, "{%% elif n == %d %%}n%d", i, i);
    buf_append_str(&b, "{% endif %}");
    RENDER(buf_str(&b), "{\"n\": 9999}", "n9999");
    buf_free(&b);

    /* macro recursion is bounded */
    FAILS("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", NULL, "template_limit",
          "line 1:20: macro calls nested deeper than 64");
    /* so is everything together: 63 macro levels, each under a chain of 200 filters */
    buf_init(&b);
    char *filters = repeat("|trim", 200);
    buf_printf(&b,
               "{%% macro f(n) %%}{%% if n > 0 %%}{{ f(n - 1)%s }}{%% endif %%}{%% endmacro %%}"
               "{{ f(63) }}",
               filters);
    FAILS(buf_str(&b), NULL, "template_limit", "line 1:88: recursion deeper than 1000");
    free(filters);
    buf_free(&b);
}

static void test_iteration_limit(void **state)
{
    (void)state;
    /* 300 x 300 = 90300 iterations with the outer loop: under the default 100000 */
    const char *nested_loops = "{% for i in xs %}{% for j in xs %}{% endfor %}{% endfor %}done";
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "{\"xs\": [0");
    for (int i = 1; i < 300; i++)
        buf_printf(&b, ",%d", i);
    buf_append_str(&b, "]}");
    RENDER(nested_loops, buf_str(&b), "done");
    /* 400 x 400 is over it */
    buf_reset(&b);
    buf_append_str(&b, "{\"xs\": [0");
    for (int i = 1; i < 400; i++)
        buf_printf(&b, ",%d", i);
    buf_append_str(&b, "]}");
    FAILS(nested_loops, buf_str(&b), "template_limit",
          "line 1:21: more than 100000 loop iterations");
    /* a smaller max_iterations, counted over all loops together */
    template_options_t opt = {.max_iterations = 10};
    FAILS_OPT("{% for i in range(6) %}{% endfor %}{% for i in range(6) %}{% endfor %}", NULL, &opt,
              "template_limit", "line 1:39: more than 10 loop iterations");
    FAILS_OPT("{{ range(11) | list }}", NULL, &opt, "template_limit",
              "line 1:4: range of 11 items exceeds 10 iterations");
    buf_free(&b);
}

static void test_output_and_memory_limits(void **state)
{
    (void)state;
    template_options_t opt = {.max_output = 100};
    err_t err;
    char *out = tt_render_ex("{{ 'x' * 100 }}", NULL, NULL, &opt, &err);
    assert_non_null(out);
    assert_int_equal(strlen(out), 100);
    free(out);
    FAILS_OPT("{{ 'x' * 101 }}", NULL, &opt, "template_limit",
              "line 1:4: output exceeds 100 bytes");
    FAILS_OPT("{% for i in range(60) %}ab{% endfor %}", NULL, &opt, "template_limit",
              "line 1:25: output exceeds 100 bytes");
    FAILS_OPT("{% set x %}{% for i in range(60) %}ab{% endfor %}{% endset %}", NULL, &opt,
              "template_limit", "line 1:36: output exceeds 100 bytes");
    /* the default: 1 MiB */
    FAILS("{% for i in range(50000) %}xxxxxxxxxxxxxxxxxxxxxxx{% endfor %}", NULL, "template_limit",
          "line 1:28: output exceeds 1048576 bytes");
    /* doubling a string 40 times would need a terabyte: stopped by the memory bound */
    FAILS("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
          "{% endfor %}{{ ns.s | length }}",
          NULL, "template_limit", "line 1:70: render needs more than 67108864 bytes of memory");
    FAILS("{{ 'x' * 100000000 }}", NULL, "template_limit",
          "line 1:4: render needs more than 67108864 bytes of memory");
    /* found by fuzzing: work that produces nothing must not take time either */
    RENDER("[{{ 'x'[1:] * 20000000000 }}][{{ [] * 20000000000 }}]", NULL, "[][[]]");
    /* strip with a huge character set: a lookup per character, not a scan of the set */
    RENDER("{{ ('a' * 1000000 ~ 'z') | trim('b' * 1000000 ~ 'a') }} "
           "{{ ('\u00e9' * 100000 ~ 'z').lstrip('\u00fc' * 100000 ~ '\u00e9') }}",
           NULL, "z z");
    /* list walks count as loop work: 200 x 1000-item membership tests */
    FAILS("{% for i in range(200) %}{{ i in range(1000) }}{% endfor %}", NULL, "template_limit",
          "line 1:29: more than 100000 loop iterations");
}

static void test_source_limit(void **state)
{
    (void)state;
    size_t len = TEMPLATE_MAX_SOURCE + 1;
    char *src = malloc(len);
    memset(src, 'a', len);
    err_t err;
    assert_null(template_compile(src, len, &err));
    assert_string_equal(err.code, "template_limit");
    assert_string_equal(err.message, "template is 1048577 bytes, more than 1048576");
    /* exactly the limit compiles */
    template_t *t = template_compile(src, len - 1, &err);
    assert_non_null(t);
    template_free(t);
    free(src);
    assert_null(template_render(NULL, NULL, NULL, NULL, &err));
    /* variables that are not an object */
    t = template_compile("x", 1, &err);
    json_t *arr = json_array();
    assert_null(template_render(t, arr, NULL, NULL, &err));
    assert_string_equal(err.message, "template variables must be a JSON object");
    json_decref(arr);
    template_free(t);
}

/* ---- thread safety -------------------------------------------------------------------------- */

typedef struct job {
    const template_t *t;
    const json_t *vars;
    const char *want;
    int mismatches;
} job_t;

static void *render_many(void *arg)
{
    job_t *j = arg;
    for (int i = 0; i < 300; i++) {
        err_t err;
        char *out = template_render(j->t, j->vars, NULL, NULL, &err);
        if (!out || strcmp(out, j->want) != 0)
            j->mismatches++;
        free(out);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    const char *src = "{% set ns = namespace(n=0) %}{% for m in messages %}"
                      "{% set ns.n = ns.n + 1 %}{% set r = m.role | upper %}"
                      "<{{ r }}>{{ m.content | trim | truncate(12) }}{{ loop.index }}/"
                      "{{ loop.length }}{% if loop.last %}:{{ ns.n }}{% endif %}{% endfor %}"
                      "{{ messages | map(attribute='role') | join(',') }}{{ meta | tojson }}";
    err_t err;
    template_t *t = template_compile(src, strlen(src), &err);
    assert_non_null(t);
    json_error_t je;
    json_t *vars = json_loads("{\"messages\":[{\"role\":\"system\",\"content\":\" be brief \"},"
                              "{\"role\":\"user\",\"content\":\"what is the capital of France\"},"
                              "{\"role\":\"assistant\",\"content\":\"Paris\"}],"
                              "\"meta\":{\"k\":[1,2.5,null]}}",
                              0, &je);
    assert_non_null(vars);
    char *want = template_render(t, vars, NULL, NULL, &err);
    assert_non_null(want);
    assert_string_equal(want, "<SYSTEM>be brief1/3<USER>what is...2/3<ASSISTANT>Paris3/3:3"
                              "system,user,assistant{\"k\": [1, 2.5, null]}");
    pthread_t th[8];
    job_t jobs[8];
    for (int i = 0; i < 8; i++) {
        jobs[i] = (job_t){.t = t, .vars = vars, .want = want, .mismatches = 0};
        assert_int_equal(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    free(want);
    json_decref(vars);
    template_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_undefined_errors),
        cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_lenient_never_undefined_error),
        cmocka_unit_test(test_nesting_limits),
        cmocka_unit_test(test_iteration_limit),
        cmocka_unit_test(test_output_and_memory_limits),
        cmocka_unit_test(test_source_limit),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
