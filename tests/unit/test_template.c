/* test_template.c - unit tests for the template engine's language (template/template.h):
 * output of every value type, variable access (dotted, indexed, negative, slices), literals,
 * operators with Python semantics, tests, inline if, filters with positional and keyword
 * arguments, methods, if / for / set / macro / filter / raw / comments, loop variables, set
 * scoping, namespaces, whitespace control (including trim_blocks / lstrip_blocks),
 * template_variables. Expected strings were checked against Jinja2 3.1 where Jinja defines
 * the result. Errors, limits, threads and chat templates are in test_template_errors.c and
 * test_template_chat.c. */
#include "unit/template_testutil.h"

static const char *MSGS = "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                          "{\"role\":\"user\",\"content\":\"  Hi there  \"},"
                          "{\"role\":\"assistant\",\"content\":\"Hello!\"}],"
                          "\"user\":{\"name\":\"Ada\",\"tags\":[\"a\",\"b\",\"c\"],\"age\":36},"
                          "\"n\":7,\"pi\":3.25,\"yes\":true,\"nothing\":null,\"empty\":\"\"}";

static void test_output_values(void **state)
{
    (void)state;
    RENDER("plain text", NULL, "plain text");
    RENDER("", NULL, "");
    RENDER("Hello {{ user.name }}!", MSGS, "Hello Ada!");
    RENDER("{{ n }} {{ pi }} {{ yes }} {{ nothing }}", MSGS, "7 3.25 True None");
    RENDER("{{ 1.0 }} {{ 1e16 }} {{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1e15 }} {{ 123456789012345678.0 }}",
           NULL, "1.0 1e+16 1e-05 0.30000000000000004 1000000000000000.0 1.2345678901234568e+17");
    RENDER("{{ -0.0 }} {{ 2.5e-3 }} {{ 100.0 }}", NULL, "-0.0 0.0025 100.0");
    RENDER("{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}", NULL,
           "True True False None None");
    RENDER("{{ user.tags }}", MSGS, "['a', 'b', 'c']");
    RENDER("{{ [1, 'a', none, true, 1.5, {'k': 'it\\'s'}] }}", NULL,
           "[1, 'a', None, True, 1.5, {'k': \"it's\"}]");
    RENDER("{{ {'a': 1, 'b': [1, {'c': none}]} }}", NULL, "{'a': 1, 'b': [1, {'c': None}]}");
    RENDER("{{ (1, 2) }} {{ (1,) }} {{ () }}", NULL, "(1, 2) (1,) ()");
    RENDER("{{ ['tab\\there', 'nl\\n'] }}", NULL, "['tab\\there', 'nl\\n']");
    RENDER("{{ user }}", MSGS, "{'name': 'Ada', 'tags': ['a', 'b', 'c'], 'age': 36}");
    /* one trailing newline is dropped, as Jinja does; \r\n becomes \n */
    RENDER("line\n", NULL, "line");
    RENDER("a\r\nb\r\n\r\n", NULL, "a\nb\n");
}

static void test_access(void **state)
{
    (void)state;
    RENDER("{{ messages[0].role }} {{ messages[1]['content'] }} {{ messages[-1].content }}", MSGS,
           "system   Hi there   Hello!");
    RENDER("{{ user['tags'][1] }} {{ user.tags.0 }} {{ user.tags[-1] }}", MSGS, "b a c");
    RENDER("{{ messages[1:] | length }} {{ messages[:-1] | length }} {{ user.tags[::-1] }}", MSGS,
           "2 2 ['c', 'b', 'a']");
    RENDER("{{ user.tags[1:] }} {{ user.tags[:1] }} {{ user.tags[5:] }} {{ user.tags[-2:] }}", MSGS,
           "['b', 'c'] ['a'] [] ['b', 'c']");
    RENDER("{{ 'héllo'[1] }} {{ 'héllo'[1:3] }} {{ 'héllo'[::2] }} {{ 'abc'[-1] }}", NULL,
           "é él hlo c");
    RENDER("{{ user.missing is defined }} {{ user.tags[9] is defined }} {{ nope.x.y is defined }}",
           MSGS, "False False False");
    RENDER("{% set k = 'name' %}{{ user[k] }}", MSGS, "Ada");
}

static void test_literals(void **state)
{
    (void)state;
    RENDER("{{ 'single' }} {{ \"double\" }} {{ 'a' \"b\" }}", NULL, "single double ab");
    RENDER("{{ 'esc: \\n\\t\\\\ \\' \\\" \\x41 \\u00e9 \\q' }}", NULL,
           "esc: \n\t\\ ' \" A \xc3\xa9 \\q");
    RENDER("{{ 42 }} {{ 1_000 }} {{ 0x1f }} {{ 0b101 }} {{ 0o17 }} {{ 2.5 }} {{ 1e3 }}", NULL,
           "42 1000 31 5 15 2.5 1000.0");
    RENDER("{{ [] }} {{ [1, [2, 3],] }} {{ {} }} {{ {'a': [1]} }}", NULL,
           "[] [1, [2, 3]] {} {'a': [1]}");
}

static void test_operators(void **state)
{
    (void)state;
    RENDER("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 / 4 }} {{ 7 // 2 }} {{ -7 // 2 }}", NULL,
           "7 9 2.5 3 -4");
    RENDER("{{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 3 ** 2 }}",
           NULL, "1 2 -2 1024 0.5 64");
    RENDER("{{ 2.5 // 1 }} {{ -2.5 % 1 }} {{ 1 + True }} {{ 3 - 0.5 }} {{ -n }} {{ +n }}", MSGS,
           "2.0 0.5 2 2.5 -7 7");
    RENDER("{{ 'a' + 'b' }} {{ [1] + [2, 3] }} {{ 'ab' * 3 }} {{ 2 * [0] }} {{ 'x' * 0 }}|", NULL,
           "ab [1, 2, 3] ababab [0, 0] |");
    RENDER("{{ 'a' ~ 1 ~ none ~ [1] ~ true }}", NULL, "a1None[1]True");
    RENDER("{{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'b' >= 'a' }}", NULL,
           "True True True False True");
    RENDER("{{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }} {{ none == none }} {{ 1 == '1' }}",
           NULL, "True True True False");
    RENDER("{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'name' in user }} {{ 3 not in [1] }}", MSGS,
           "True True True True");
    RENDER("{{ 'x' not in 'abc' }} {{ 'b' in user.tags }} {{ 'zz' in user }}", MSGS,
           "True True False");
    RENDER("{{ not true }} {{ not 0 }} {{ true and 'x' }} {{ false or 'y' }} {{ 0 and 1 }}", NULL,
           "False True x y 0");
    RENDER("{{ not n is odd }} {{ not (n > 5 and n < 10) }}", MSGS, "False False");
    RENDER("{{ 'yes' if n > 5 else 'no' }} {{ 'yes' if n > 50 else 'no' }} [{{ 'x' if false }}]",
           MSGS, "yes no []");
    RENDER("{{ 'a' if false else 'b' if false else 'c' }}", NULL, "c");
}

static void test_tests(void **state)
{
    (void)state;
    RENDER("{{ user is defined }} {{ ghost is defined }} {{ ghost is not defined }} "
           "{{ ghost is undefined }}",
           MSGS, "True False True True");
    RENDER("{{ nothing is none }} {{ n is none }} {{ 'x' is string }} {{ n is string }}", MSGS,
           "True False True False");
    RENDER("{{ n is number }} {{ pi is number }} {{ 'x' is number }} {{ n is integer }} "
           "{{ pi is float }}",
           MSGS, "True True False True True");
    RENDER("{{ user is mapping }} {{ user.tags is mapping }} {{ user.tags is iterable }} "
           "{{ n is iterable }} {{ 'ab' is iterable }}",
           MSGS, "True False True False True");
    RENDER("{{ user.tags is sequence }} {{ 'ab' is sequence }} {{ n is sequence }}", MSGS,
           "True True False");
    RENDER("{{ n is odd }} {{ n is even }} {{ 4 is even }} {{ 9 is divisibleby 3 }} "
           "{{ 9 is divisibleby(2) }}",
           MSGS, "True False True True False");
    RENDER("{{ n is eq 7 }} {{ n is equalto(8) }} {{ n is gt 3 }} {{ n is lt(3) }} "
           "{{ 'b' is in 'abc' }}",
           MSGS, "True False True False True");
    RENDER("{{ yes is true }} {{ yes is false }} {{ yes is boolean }} {{ nothing is sameas none }}",
           MSGS, "True False True True");
    RENDER("{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ range is callable }}", NULL,
           "True True True");
}

static void test_filters(void **state)
{
    (void)state;
    RENDER("{{ ghost | default('d') }} {{ ghost | d('x') }} {{ empty | default('e') }}|"
           "{{ empty | default('e', true) }} {{ 0 | d(5, boolean=true) }} {{ n | default(1) }}",
           MSGS, "d x |e 5 7");
    RENDER("{{ ghost | default }}|{{ ghost.deeper | default('ok') }}", MSGS, "|ok");
    RENDER("{{ 'Hello' | upper }} {{ 'Hello' | lower }} {{ '  x  ' | trim }}| "
           "{{ 'xxaxx' | trim('x') }}",
           NULL, "HELLO hello x| a");
    RENDER("{{ 'hello wORLD-foo(bar' | title }} {{ 'hELLO world' | capitalize }}", NULL,
           "Hello World-Foo(Bar Hello world");
    RENDER("{{ user.tags | join }} {{ user.tags | join(', ') }} {{ [1, 2] | join(d='-') }} "
           "{{ messages | join('/', attribute='role') }}",
           MSGS, "abc a, b, c 1-2 system/user/assistant");
    RENDER("{{ user.tags | length }} {{ 'héllo' | length }} {{ user | count }} {{ '' | length }}",
           MSGS, "3 5 3 0");
    RENDER("{{ user.tags | first }} {{ user.tags | last }} {{ 'abc' | first }} {{ 'abc' | last }}",
           MSGS, "a c a c");
    RENDER("{{ 'abcb' | replace('b', 'X') }} {{ 'aaa' | replace('a', 'b', 2) }} "
           "{{ 'ab' | replace('', '-') }} {{ 'aXa' | replace(old='X', new='y') }}",
           NULL, "aXcX bba -a-b- aya");
    RENDER("{{ 'hello world foo bar' | truncate(9) }}|"
           "{{ 'hello world foo bar' | truncate(length=11, killwords=true) }}|"
           "{{ 'hello world foo bar' | truncate(11, end='~') }}|{{ 'short' | truncate(20) }}|"
           "{{ 'abcdefgh' | truncate(5, leeway=0) }}",
           NULL, "hello...|hello wo...|hello~|short|ab...");
    RENDER("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(width=2, first=true) }}|"
           "{{ 'a\\n\\nb\\n' | indent(2, blank=true) }}|{{ 'a\\nb' | indent('> ') }}",
           NULL, "a\n  b\n\n  c|  a\n  b|a\n  \n  b\n  |a\n> b");
    RENDER("{{ user | tojson }}", MSGS,
           "{\"name\": \"Ada\", \"tags\": [\"a\", \"b\", \"c\"], \"age\": 36}");
    RENDER("{{ {'b': 1, 'a': [1.0, '\\u00e9\"', none, true]} | tojson }}", NULL,
           "{\"b\": 1, \"a\": [1.0, \"\xc3\xa9\\\"\", null, true]}");
    RENDER("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}", NULL, "{\"a\": 2, \"b\": 1}");
    RENDER("{{ {'a': [1, 2], 'b': {}} | tojson(indent=2) }}", NULL,
           "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
    RENDER("{{ 'x<y\\n' | tojson }} {{ 5 | tojson }} {{ none | tojson }}", NULL,
           "\"x<y\\n\" 5 null");
    RENDER("{{ 42 | string }}{{ [1] | string }} {{ '42' | int + 1 }} {{ 3.9 | int }} "
           "{{ 'x' | int }} {{ 'x' | int(7) }} {{ ' 12 ' | int }} {{ '0x1f' | int(base=16) }}",
           NULL, "42[1] 43 3 0 7 12 31");
    RENDER("{{ '3.5' | float }} {{ 3 | float }} {{ 'x' | float }} {{ '1e2' | float }} "
           "{{ -3 | abs }}",
           NULL, "3.5 3.0 0.0 100.0 3");
    RENDER("{{ 'abc' | list }} {{ user | list }} {{ user | items | list }}", MSGS,
           "['a', 'b', 'c'] ['name', 'tags', 'age'] "
           "[('name', 'Ada'), ('tags', ['a', 'b', 'c']), ('age', 36)]");
    RENDER(
        "{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'A', 'a'] | sort }} "
        "{{ ['b', 'A', 'a'] | sort(case_sensitive=true) }}",
        NULL, "[1, 2, 3] [3, 2, 1] ['A', 'a', 'b'] ['A', 'a', 'b']");
    RENDER("{{ messages | sort(attribute='role') | map(attribute='role') | join(',') }}", MSGS,
           "assistant,system,user");
    RENDER("{{ [3, 1, 2] | reverse | list }} {{ 'abc' | reverse }} {{ 'héé' | reverse }}", NULL,
           "[2, 1, 3] cba ééh");
    RENDER("{{ [1, 2, 1, 3] | unique | list }} {{ [3, 1, 2] | max }} {{ [3, 1, 2] | min }} "
           "{{ [1, 2, 3] | sum }} {{ [1.5, 2] | sum(start=1) }}",
           NULL, "[1, 2, 3] 3 1 6 4.5");
    RENDER("{{ messages | selectattr('role', 'equalto', 'system') | list | length }} "
           "{{ messages | rejectattr('role', 'eq', 'system') | map(attribute='role') | list }} "
           "{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3] | reject('eq', 2) | list }} "
           "{{ ['a', 'B'] | map('upper') | list }} {{ [0, 1, ''] | select | list }}",
           MSGS, "1 ['user', 'assistant'] [1, 3] [1, 3] ['A', 'B'] [1]");
    RENDER("{{ '<a href=\"x\">&</a>' | e }} {{ 'ok' | safe }} {{ user | attr('name') }}", MSGS,
           "&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt; ok Ada");
    RENDER("{{ messages[1].content | trim | upper | replace('HI', 'Oh') }}", MSGS, "Oh THERE");
}

static void test_methods(void **state)
{
    (void)state;
    RENDER(
        "{{ 'Hello'.upper() }} {{ 'Hello'.lower() }} {{ ' x '.strip() }}|{{ '--x--'.strip('-') }}"
        " {{ 'xxa'.lstrip('x') }} {{ 'axx'.rstrip('x') }} {{ '\\nab'.lstrip() }}",
        NULL, "HELLO hello x|x a a ab");
    RENDER("{{ 'a,b,,c'.split(',') }} {{ ' a b  c '.split() }} {{ 'a b c'.split(' ', 1) }} "
           "{{ 'x</think>y'.split('</think>')[-1] }}",
           NULL, "['a', 'b', '', 'c'] ['a', 'b', 'c'] ['a', 'b c'] y");
    RENDER("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('x') }} {{ 'abc'.endswith(('x', 'c')) }}"
           " {{ 'abc'.replace('b', '') }} {{ 'abcb'.find('b') }} {{ 'abcb'.count('b') }}",
           NULL, "True False True ac 1 2");
    RENDER("{{ ', '.join(['a', 'b']) }} {{ 'ab cd'.title() }} {{ 'aB'.capitalize() }}", NULL,
           "a, b Ab Cd Ab");
    RENDER("{{ user.get('name') }} {{ user.get('zz') }} {{ user.get('zz', 9) }} "
           "{{ user.keys() | list }} {{ user.values() | length }}",
           MSGS, "Ada None 9 ['name', 'tags', 'age'] 3");
    RENDER("{% for k, v in user.items() %}{{ k }}={{ v }};{% endfor %}", MSGS,
           "name=Ada;tags=['a', 'b', 'c'];age=36;");
}

static void test_if(void **state)
{
    (void)state;
    const char *t = "{% if n > 10 %}big{% elif n > 5 %}mid{% elif n > 0 %}small{% else %}neg"
                    "{% endif %}";
    RENDER(t, "{\"n\": 20}", "big");
    RENDER(t, "{\"n\": 7}", "mid");
    RENDER(t, "{\"n\": 1}", "small");
    RENDER(t, "{\"n\": -1}", "neg");
    RENDER("{% if user %}{% if user.name == 'Ada' %}A{% endif %}{% endif %}", MSGS, "A");
    RENDER("{% if empty %}x{% else %}y{% endif %}{% if ghost is defined and ghost %}z{% endif %}",
           MSGS, "y");
    RENDER("{% if [] %}a{% elif {} %}b{% elif '0' %}c{% endif %}", NULL, "c");
}

static void test_for(void **state)
{
    (void)state;
    RENDER("{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
           "{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }} {% endfor %}",
           MSGS, "10TrueFalse332 21FalseFalse321 32FalseTrue310 ");
    RENDER("{% for x in [] %}a{% else %}empty{% endfor %}", NULL, "empty");
    RENDER("{% for x in ghost %}a{% else %}b{% endfor %}", "{\"ghost\": []}", "b");
    RENDER("{% for k in user %}{{ k }};{% endfor %}", MSGS, "name;tags;age;");
    RENDER("{% for c in 'hé' %}[{{ c }}]{% endfor %}", NULL, "[h][é]");
    RENDER("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}", NULL, "3 7 ");
    RENDER("{% for x in [1, 2, 3, 4] if x is even %}{{ loop.index }}/{{ loop.length }}:{{ x }} "
           "{% endfor %}",
           NULL, "1/2:2 2/2:4 ");
    RENDER("{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}",
           NULL, "13");
    RENDER("{% for x in [1, 2, 3] %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}", NULL,
           "1");
    RENDER("{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}"
           "{{ loop.index }}|{% endfor %}",
           NULL, "11x 21y 1|12x 22y 2|");
    RENDER("{% for i in range(3) %}{{ loop.cycle('a', 'b') }}{{ i }}{% endfor %} "
           "{{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }}",
           NULL, "a0b1a2 [1, 4, 7] [5, 3, 1]");
    RENDER("{% for x in [1, 2, 3] %}{{ loop.previtem is defined }}{{ loop.nextitem | default(0) }}"
           "{% endfor %}",
           NULL, "False2True3True0");
    RENDER("{{ loop is defined }}", NULL, "False");
}

static void test_set_and_scope(void **state)
{
    (void)state;
    RENDER(
        "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}",
        NULL, "12121");
    RENDER("{% for i in [1, 2] %}{% set y = i %}{% endfor %}{{ y is defined }}", NULL, "False");
    RENDER("{% if true %}{% set y = 3 %}{% endif %}{{ y }}", NULL, "3");
    RENDER("{% set a, b = 1, 2 %}{{ a }}{{ b }} {% set t = (3, 4) %}{{ t[1] }}", NULL, "12 4");
    RENDER("{% set user = 'shadowed' %}{{ user }}", MSGS, "shadowed");
    RENDER("{% set ns = namespace(found=false, n=0) %}{% for x in [1, 2, 3] %}"
           "{% if x == 2 %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + x %}"
           "{% endfor %}{{ ns.found }} {{ ns.n }} {{ ns }}",
           NULL, "True 6 <Namespace {'found': True, 'n': 6}>");
    RENDER("{% set x %}block {{ 1 + 1 }}{% endset %}[{{ x }}]", NULL, "[block 2]");
    RENDER("{% set x | upper %}shout{% endset %}{{ x }}", NULL, "SHOUT");
    RENDER("{% filter upper %}hello {{ 'x' }}{% endfilter %}|{% filter trim | title %}  a b "
           "{% endfilter %}|",
           NULL, "HELLO X|A B|");
    RENDER("{% set d = dict(a=1, b='x') %}{{ d.a }}{{ d['b'] }} {{ d }}", NULL,
           "1x {'a': 1, 'b': 'x'}");
}

static void test_macros(void **state)
{
    (void)state;
    RENDER("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
           "{{ greet('bob') }} {{ greet('al', punct='?') }} {{ greet(name='cy') }}",
           NULL, "Hi bob! Hi al? Hi cy!");
    RENDER("{% set g = 'G' %}{% macro m(x) %}{{ g }}{{ x }}{% set g = 'local' %}{{ g }}"
           "{% endmacro %}{% for i in [1] %}{{ m(i) }}{% endfor %}{{ g }}",
           NULL, "G1localG");
    RENDER("{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}"
           "{% endmacro %}{{ fact(5) }}",
           NULL, "120");
    FAILS("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", NULL, "template_error",
          "line 1:34: macro 'm' takes 1 arguments, 2 given");
}

static void test_whitespace(void **state)
{
    (void)state;
    RENDER("a  {%- if true -%}  b  {%- endif -%}  c", NULL, "abc");
    RENDER("x\n  {{- ' y ' -}}\n  z", NULL, "x y z");
    RENDER("{%- if true -%}\n  yes  \n{%- endif -%}\n|", NULL, "yes|");
    RENDER("{# comment #}x{#- c -#}  y", NULL, "xy");
    RENDER("{% raw %}{{ x }}{% if %}{% endraw %}", NULL, "{{ x }}{% if %}");
    RENDER("a {%- raw -%} {{ b }} {%- endraw -%} c", NULL, "a{{ b }}c");
    /* Jinja defaults: block tags keep their newline */
    RENDER("a\n  {% if true %}\n  b\n  {% endif %}\nc", NULL, "a\n  \n  b\n  \nc");
    template_compile_options_t ws = {.trim_blocks = 1, .lstrip_blocks = 1};
    RENDER_CO("a\n  {% if true %}\n  b\n  {% endif %}\nc", &ws, NULL, "a\n  b\nc");
    RENDER_CO("{% for x in [1, 2] %}\n{{ x }}\n{% endfor %}\n", &ws, NULL, "1\n2\n");
    RENDER_CO("  {%+ if true %}x{% endif +%}\ny", &ws, NULL, "  x\ny");
    RENDER_CO("a {% if true %}b{% endif %}\n", &ws, NULL, "a b");
    RENDER_CO("  {# c #}\nx", &ws, NULL, "x");
    template_compile_options_t trim_only = {.trim_blocks = 1};
    RENDER_CO("{% if true %}\nx\n  {% endif %}\ny", &trim_only, NULL, "x\n  y");
}

static void test_lenient(void **state)
{
    (void)state;
    RENDER_LENIENT("[{{ ghost }}][{{ ghost.a.b }}][{{ user.zz }}]", MSGS, "[][][]");
    RENDER_LENIENT("{% if ghost %}x{% else %}y{% endif %}{% for i in ghost %}z{% endfor %}", NULL,
                   "y");
    RENDER_LENIENT("{{ ghost | upper }}|{{ ghost | length }}|{{ ghost ~ 'a' }}|{{ ghost() }}|"
                   "{{ ghost | default('d') }}",
                   NULL, "|0|a||d");
    RENDER_LENIENT("{{ ghost is defined }} {{ ghost == ghost }}", NULL, "False True");
}

static void test_variables(void **state)
{
    (void)state;
    err_t err;
    const char *src =
        "{% set greeting = 'Hi' %}{{ greeting }} {{ user.name }}{{ question }}"
        "{% for m in messages %}{{ m.content }}{{ loop.index }}{% set x = m %}"
        "{{ x }}{% endfor %}{{ m }}{{ user }}{% set ns = namespace(a=1) %}"
        "{% set ns.a = extra %}{{ range(3) | length }}{{ raise_exception is defined }}"
        "{% macro f(p, q=dflt) %}{{ p }}{{ q }}{{ glob }}{% endmacro %}";
    template_t *t = template_compile(src, strlen(src), &err);
    assert_non_null(t);
    json_t *vars = template_variables(t);
    char *dump = json_dumps(vars, JSON_COMPACT);
    assert_string_equal(dump,
                        "[\"user\",\"question\",\"messages\",\"m\",\"extra\",\"dflt\",\"glob\"]");
    free(dump);
    json_decref(vars);
    template_free(t);
    /* variables of a template with none */
    t = template_compile("text", 4, &err);
    vars = template_variables(t);
    assert_int_equal(json_array_size(vars), 0);
    json_decref(vars);
    template_free(t);
}

static void test_source_not_nul_terminated(void **state)
{
    (void)state;
    const char src[] = {'{', '{', ' ', 'x', ' ', '}', '}', 'X', 'Y'};
    err_t err;
    template_t *t = template_compile(src, 7, &err);
    assert_non_null(t);
    json_t *vars = json_pack("{s:s}", "x", "ok");
    size_t len = 99;
    char *out = template_render(t, vars, NULL, &len, &err);
    assert_non_null(out);
    assert_string_equal(out, "ok");
    assert_int_equal(len, 2);
    free(out);
    /* vars NULL: no variables at all */
    out = template_render(t, NULL, NULL, NULL, &err);
    assert_null(out);
    assert_string_equal(err.code, "template_undefined");
    json_decref(vars);
    template_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_values),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_tests),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_if),
        cmocka_unit_test(test_for),
        cmocka_unit_test(test_set_and_scope),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_lenient),
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_source_not_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
