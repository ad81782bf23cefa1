/* test_search_filter.c - unit tests for tracking/search_filter.h, MLflow's search grammar:
 * every entity alias, every operator, each way of quoting keys and values, dotted keys,
 * IN / NOT IN lists, number forms, whitespace and case variants, empty filters, the limits,
 * order_by clauses, and every error with its exact message (positions included). */
#include "unit/testutil.h"

#include <jansson.h>

#include "base/buf.h"
#include "tracking/search_filter.h"

static const char *const numeric_attrs[] = {"start_time", "end_time", "created_time", NULL};

/* ---- helpers -------------------------------------------------------------------------------- */

/* Parse text that must be valid; fails the test with the parser's message otherwise. */
static search_filter_t parse_ok(const char *text, const char *const *numeric)
{
    search_filter_t f;
    err_t err;
    err_clear(&err);
    if (search_filter_parse(text, numeric, &f, &err) != 0)
        fail_msg("'%s' should parse: %s", text, err.message);
    return f;
}

/* Parse a filter of exactly one clause. */
static search_clause_t *one(search_filter_t *f, const char *text, const char *const *numeric)
{
    *f = parse_ok(text, numeric);
    assert_int_equal(f->count, 1);
    return &f->clauses[0];
}

/* Parse text that must fail with exactly `message`; checks the error's other fields and that
 * the output is left empty. */
static void expect_error(const char *text, const char *const *numeric, const char *message)
{
    search_filter_t f = {.clauses = (search_clause_t *)&f, .count = 42}; /* garbage in */
    err_t err;
    err_clear(&err);
    if (search_filter_parse(text, numeric, &f, &err) == 0) {
        search_filter_free(&f);
        fail_msg("'%s' should fail with: %s", text, message);
    }
    assert_null(f.clauses);
    assert_int_equal(f.count, 0);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_argument");
    assert_string_equal(err.field, "filter");
    assert_string_equal(err.message, message);
}

static void expect_order(const char *text, search_entity_t entity, const char *key, int desc)
{
    search_order_t o;
    err_t err;
    err_clear(&err);
    if (search_order_parse(text, &o, &err) != 0)
        fail_msg("order_by '%s' should parse: %s", text, err.message);
    assert_int_equal(o.entity, entity);
    assert_string_equal(o.key, key);
    assert_int_equal(o.descending, desc);
    search_order_free(&o);
    assert_null(o.key);
}

static void expect_order_error(const char *text, const char *message)
{
    search_order_t o;
    err_t err;
    err_clear(&err);
    if (search_order_parse(text, &o, &err) == 0) {
        search_order_free(&o);
        fail_msg("order_by '%s' should fail with: %s", text, message);
    }
    assert_null(o.key);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.code, "invalid_argument");
    assert_string_equal(err.field, "order_by");
    assert_string_equal(err.message, message);
}

/* ---- entities ------------------------------------------------------------------------------- */

static void entity_aliases(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        search_entity_t entity;
    } cases[] = {
        {"metrics.k > 1", SEARCH_METRIC},
        {"metric.k > 1", SEARCH_METRIC},
        {"params.k = 'v'", SEARCH_PARAM},
        {"param.k = 'v'", SEARCH_PARAM},
        {"parameters.k = 'v'", SEARCH_PARAM},
        {"parameter.k = 'v'", SEARCH_PARAM},
        {"tags.k = 'v'", SEARCH_TAG},
        {"tag.k = 'v'", SEARCH_TAG},
        {"attributes.k = 'v'", SEARCH_ATTRIBUTE},
        {"attribute.k = 'v'", SEARCH_ATTRIBUTE},
        {"attr.k = 'v'", SEARCH_ATTRIBUTE},
        {"run.k = 'v'", SEARCH_ATTRIBUTE},
        {"k = 'v'", SEARCH_ATTRIBUTE},
        {"METRICS.k > 1", SEARCH_METRIC},
        {"Tags.k = 'v'", SEARCH_TAG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, cases[i].text, NULL);
        assert_int_equal(c->entity, cases[i].entity);
        assert_string_equal(c->key, "k");
        assert_int_equal(c->position, 0);
        search_filter_free(&f);
    }
    static const char *const datasets[] = {"datasets.name = 'd'", "dataset.name = 'd'"};
    for (size_t i = 0; i < 2; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, datasets[i], NULL);
        assert_int_equal(c->entity, SEARCH_DATASET);
        assert_string_equal(c->key, "name");
        search_filter_free(&f);
    }
}

static void dataset_fields(void **state)
{
    (void)state;
    search_filter_t f = parse_ok("datasets.name = 'a' AND datasets.digest != 'b' AND "
                                 "datasets.context LIKE 'train%' AND datasets.name ILIKE 'x' AND "
                                 "datasets.digest IN ('1', '2') AND datasets.context NOT IN ('t')",
                                 NULL);
    assert_int_equal(f.count, 6);
    static const char *const keys[] = {"name", "digest", "context", "name", "digest", "context"};
    static const search_op_t ops[] = {SEARCH_EQ,    SEARCH_NE, SEARCH_LIKE,
                                      SEARCH_ILIKE, SEARCH_IN, SEARCH_NOT_IN};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(f.clauses[i].entity, SEARCH_DATASET);
        assert_string_equal(f.clauses[i].key, keys[i]);
        assert_int_equal(f.clauses[i].op, ops[i]);
    }
    assert_int_equal(f.clauses[4].nlist, 2);
    assert_string_equal(f.clauses[4].list[1], "2");
    search_filter_free(&f);
}

/* The registry's searches: bare attribute names. */
static void bare_attributes(void **state)
{
    (void)state;
    search_filter_t f;
    search_clause_t *c = one(&f, "name LIKE 'x%'", NULL);
    assert_int_equal(c->entity, SEARCH_ATTRIBUTE);
    assert_string_equal(c->key, "name");
    assert_int_equal(c->op, SEARCH_LIKE);
    assert_string_equal(c->text, "x%");
    assert_false(c->is_number);
    search_filter_free(&f);

    c = one(&f, "run_id = '0123abcd'", NULL);
    assert_int_equal(c->entity, SEARCH_ATTRIBUTE);
    assert_string_equal(c->key, "run_id");
    assert_string_equal(c->text, "0123abcd");
    search_filter_free(&f);

    /* An entity word alone is just an attribute name. */
    c = one(&f, "run = 'x'", NULL);
    assert_int_equal(c->entity, SEARCH_ATTRIBUTE);
    assert_string_equal(c->key, "run");
    search_filter_free(&f);
}

/* ---- operators ------------------------------------------------------------------------------ */

static void metric_operators(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        search_op_t op;
    } cases[] = {
        {"metrics.m = 1", SEARCH_EQ},  {"metrics.m != 1", SEARCH_NE}, {"metrics.m < 1", SEARCH_LT},
        {"metrics.m <= 1", SEARCH_LE}, {"metrics.m > 1", SEARCH_GT},  {"metrics.m >= 1", SEARCH_GE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, cases[i].text, NULL);
        assert_int_equal(c->op, cases[i].op);
        assert_true(c->is_number);
        assert_true(c->number == 1.0);
        assert_null(c->text);
        assert_null(c->list);
        search_filter_free(&f);
    }
}

static void string_operators(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        search_entity_t entity;
        search_op_t op;
    } cases[] = {
        {"params.p = 'v'", SEARCH_PARAM, SEARCH_EQ},
        {"params.p != 'v'", SEARCH_PARAM, SEARCH_NE},
        {"params.p LIKE 'v'", SEARCH_PARAM, SEARCH_LIKE},
        {"params.p ILIKE 'v'", SEARCH_PARAM, SEARCH_ILIKE},
        {"tags.p = 'v'", SEARCH_TAG, SEARCH_EQ},
        {"tags.p != 'v'", SEARCH_TAG, SEARCH_NE},
        {"tags.p LIKE 'v'", SEARCH_TAG, SEARCH_LIKE},
        {"tags.p ILIKE 'v'", SEARCH_TAG, SEARCH_ILIKE},
        {"attributes.p = 'v'", SEARCH_ATTRIBUTE, SEARCH_EQ},
        {"attributes.p != 'v'", SEARCH_ATTRIBUTE, SEARCH_NE},
        {"attributes.p LIKE 'v'", SEARCH_ATTRIBUTE, SEARCH_LIKE},
        {"attributes.p ILIKE 'v'", SEARCH_ATTRIBUTE, SEARCH_ILIKE},
        {"params.p like 'v'", SEARCH_PARAM, SEARCH_LIKE},
        {"params.p iLike 'v'", SEARCH_PARAM, SEARCH_ILIKE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, cases[i].text, NULL);
        assert_int_equal(c->entity, cases[i].entity);
        assert_int_equal(c->op, cases[i].op);
        assert_false(c->is_number);
        assert_string_equal(c->text, "v");
        search_filter_free(&f);
    }
}

static void numeric_attributes(void **state)
{
    (void)state;
    search_filter_t f = parse_ok("attributes.start_time >= 1700000000000 AND end_time < 5 AND "
                                 "created_time != -1 AND start_time = 0 AND end_time > 1 AND "
                                 "run.end_time <= 2.5",
                                 numeric_attrs);
    assert_int_equal(f.count, 6);
    static const search_op_t ops[] = {SEARCH_GE, SEARCH_LT, SEARCH_NE,
                                      SEARCH_EQ, SEARCH_GT, SEARCH_LE};
    static const double values[] = {1700000000000.0, 5, -1, 0, 1, 2.5};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(f.clauses[i].entity, SEARCH_ATTRIBUTE);
        assert_int_equal(f.clauses[i].op, ops[i]);
        assert_true(f.clauses[i].is_number);
        assert_true(f.clauses[i].number == values[i]);
    }
    assert_string_equal(f.clauses[0].key, "start_time");
    assert_string_equal(f.clauses[2].key, "created_time");
    search_filter_free(&f);

    /* Without the caller naming it, start_time is a string attribute. */
    f = parse_ok("start_time = '5'", NULL);
    assert_false(f.clauses[0].is_number);
    assert_string_equal(f.clauses[0].text, "5");
    search_filter_free(&f);
}

static void in_lists(void **state)
{
    (void)state;
    search_filter_t f;
    search_clause_t *c = one(&f, "attributes.run_id IN ('a', 'b', \"c\")", NULL);
    assert_int_equal(c->op, SEARCH_IN);
    assert_int_equal(c->nlist, 3);
    assert_string_equal(c->list[0], "a");
    assert_string_equal(c->list[1], "b");
    assert_string_equal(c->list[2], "c");
    assert_null(c->text);
    assert_false(c->is_number);
    search_filter_free(&f);

    c = one(&f, "run_id NOT IN ('x')", NULL);
    assert_int_equal(c->op, SEARCH_NOT_IN);
    assert_int_equal(c->nlist, 1);
    assert_string_equal(c->list[0], "x");
    search_filter_free(&f);

    /* Spacing and case variants. */
    static const char *const variants[] = {
        "run_id IN('a','b')",      "run_id in ( 'a' , 'b' )",   "run_id In\n(\t'a',\n'b'\n)",
        "run_id not in ('a','b')", "run_id NoT   In ('a','b')", "run_id NOT\tIN('a','b')",
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        c = one(&f, variants[i], NULL);
        assert_int_equal(c->op, i < 3 ? SEARCH_IN : SEARCH_NOT_IN);
        assert_int_equal(c->nlist, 2);
        assert_string_equal(c->list[0], "a");
        assert_string_equal(c->list[1], "b");
        search_filter_free(&f);
    }

    /* Values with commas, parentheses and quotes inside. */
    c = one(&f, "name IN ('a,b', '(c)', 'it''s', '')", NULL);
    assert_int_equal(c->nlist, 4);
    assert_string_equal(c->list[0], "a,b");
    assert_string_equal(c->list[1], "(c)");
    assert_string_equal(c->list[2], "it's");
    assert_string_equal(c->list[3], "");
    search_filter_free(&f);
}

static void in_list_limit(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "run_id IN (");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%s'v%d'", i ? "," : "", i);
    buf_append_str(&b, ")");
    search_filter_t f;
    search_clause_t *c = one(&f, buf_str(&b), NULL);
    assert_int_equal(c->nlist, 1000);
    assert_string_equal(c->list[999], "v999");
    search_filter_free(&f);

    /* One more is refused, at the 1001st value. */
    size_t at = b.len - 1; /* the ')' */
    b.data[at] = '\0';
    b.len = at;
    buf_append_str(&b, ",'v1000')");
    assert_int_equal(search_filter_parse(buf_str(&b), NULL, &f, NULL), -1); /* err may be NULL */
    err_t err;
    assert_int_equal(search_filter_parse(buf_str(&b), NULL, &f, &err), -1);
    char want[64];
    snprintf(want, sizeof want, "more than 1000 values in the list at position %zu", at + 1);
    assert_non_null(strstr(err.message, want));
    assert_string_equal(err.field, "filter");
    buf_free(&b);
}

/* ---- keys ----------------------------------------------------------------------------------- */

static void quoted_keys(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        search_entity_t entity;
        const char *key;
    } cases[] = {
        {"tags.\"my key\" = 'v'", SEARCH_TAG, "my key"},
        {"metrics.`f1 score` > 0.5", SEARCH_METRIC, "f1 score"},
        {"params.'learning rate' = 'v'", SEARCH_PARAM, "learning rate"},
        {"tags.\"a.b\" = 'v'", SEARCH_TAG, "a.b"},
        {"tags.\"a\"\"b\" = 'v'", SEARCH_TAG, "a\"b"},
        {"tags.`a``b` = 'v'", SEARCH_TAG, "a`b"},
        {"tags.\"x = 'y' AND\" = 'v'", SEARCH_TAG, "x = 'y' AND"},
        {"\"Run name\" = 'v'", SEARCH_ATTRIBUTE, "Run name"},
        {"`status` = 'v'", SEARCH_ATTRIBUTE, "status"},
        {"`metrics`.acc > 0.5", SEARCH_METRIC, "acc"},
        {"\"tags\".x = 'v'", SEARCH_TAG, "x"},
        {"\"and\" = 'v'", SEARCH_ATTRIBUTE, "and"},
        {"tags.like = 'v'", SEARCH_TAG, "like"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, cases[i].text, NULL);
        assert_int_equal(c->entity, cases[i].entity);
        assert_string_equal(c->key, cases[i].key);
        search_filter_free(&f);
    }
}

static void dotted_and_special_keys(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        search_entity_t entity;
        const char *key;
    } cases[] = {
        {"tags.mlflow.runName = 'v'", SEARCH_TAG, "mlflow.runName"},
        {"tags.mlflow.source.git.commit = 'v'", SEARCH_TAG, "mlflow.source.git.commit"},
        {"metrics.train/loss-2 < 1", SEARCH_METRIC, "train/loss-2"},
        {"metrics.1st_epoch > 0", SEARCH_METRIC, "1st_epoch"},
        {"params._private = 'v'", SEARCH_PARAM, "_private"},
        {"tags.ключ = 'v'", SEARCH_TAG, "ключ"},
        {"params.INDEX = 'v'", SEARCH_PARAM, "INDEX"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, cases[i].text, NULL);
        assert_int_equal(c->entity, cases[i].entity);
        assert_string_equal(c->key, cases[i].key);
        search_filter_free(&f);
    }
}

/* ---- values --------------------------------------------------------------------------------- */

static void string_values(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *value;
    } cases[] = {
        {"tags.t = 'abc'", "abc"},
        {"tags.t = \"abc\"", "abc"},
        {"tags.t = ''", ""},
        {"tags.t = \"\"", ""},
        {"tags.t = 'it''s'", "it's"},
        {"tags.t = 'it\\'s'", "it's"},
        {"tags.t = \"say \"\"hi\"\"\"", "say \"hi\""},
        {"tags.t = \"it's\"", "it's"},
        {"tags.t = 'say \"hi\"'", "say \"hi\""},
        {"tags.t = 'a\\\\b'", "a\\b"},
        {"tags.t = '100\\%'", "100\\%"},
        {"tags.t = 'C:\\path'", "C:\\path"},
        {"tags.t = ' spaced  out '", " spaced  out "},
        {"tags.t = 'x AND y OR z'", "x AND y OR z"},
        {"tags.t = 'значение'", "значение"},
        {"tags.t = 'line\nbreak'", "line\nbreak"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, cases[i].text, NULL);
        assert_false(c->is_number);
        assert_string_equal(c->text, cases[i].value);
        search_filter_free(&f);
    }
}

static void number_values(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double value;
    } cases[] = {
        {"metrics.m = 1", 1},          {"metrics.m = -1", -1},
        {"metrics.m = +1", 1},         {"metrics.m = 0", 0},
        {"metrics.m = 0.5", 0.5},      {"metrics.m = .5", 0.5},
        {"metrics.m = 1.", 1},         {"metrics.m = -0.25", -0.25},
        {"metrics.m = 1e3", 1000},     {"metrics.m = 1E-3", 0.001},
        {"metrics.m = -2.5e+2", -250}, {"metrics.m = 007", 7},
        {"metrics.m = 1e-400", 0},     {"metrics.m = 12345678901234567890", 12345678901234567890.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_filter_t f;
        search_clause_t *c = one(&f, cases[i].text, NULL);
        assert_true(c->is_number);
        if (c->number != cases[i].value)
            fail_msg("'%s' gave %g", cases[i].text, c->number);
        assert_null(c->text);
        search_filter_free(&f);
    }
}

/* ---- structure ------------------------------------------------------------------------------ */

static void empty_filters(void **state)
{
    (void)state;
    static const char *const empties[] = {"", " ", "  \t\n\r  "};
    for (size_t i = 0; i < 3; i++) {
        search_filter_t f = parse_ok(empties[i], NULL);
        assert_int_equal(f.count, 0);
        assert_null(f.clauses);
        search_filter_free(&f);
    }
    search_filter_t f = parse_ok(NULL, NULL);
    assert_int_equal(f.count, 0);
    search_filter_free(&f);
    search_filter_free(NULL);
}

static void several_clauses(void **state)
{
    (void)state;
    search_filter_t f = parse_ok("metrics.acc > 0.9 AND  params.lr = '0.1' and tags.x LIKE 'a%' "
                                 "AnD attributes.status != 'FAILED'",
                                 NULL);
    assert_int_equal(f.count, 4);
    assert_int_equal(f.clauses[0].entity, SEARCH_METRIC);
    assert_int_equal(f.clauses[0].position, 0);
    assert_int_equal(f.clauses[1].entity, SEARCH_PARAM);
    assert_int_equal(f.clauses[1].position, 23);
    assert_string_equal(f.clauses[1].text, "0.1");
    assert_int_equal(f.clauses[2].entity, SEARCH_TAG);
    assert_int_equal(f.clauses[2].position, 45);
    assert_int_equal(f.clauses[3].entity, SEARCH_ATTRIBUTE);
    assert_int_equal(f.clauses[3].position, 66);
    assert_string_equal(f.clauses[3].key, "status");
    search_filter_free(&f);
    assert_null(f.clauses);
    assert_int_equal(f.count, 0);
}

static void whitespace_variants(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "metrics.a>1 AND params.b='x'",
        "  metrics.a > 1   AND   params.b = 'x'  ",
        "\tmetrics.a\t>\t1\nAND\nparams.b\r\n=\r\n'x'\n",
        "metrics.a >1 AND params.b= 'x'",
        "metrics.a>1 AND params.b='x'",
        "metrics.a > 1 AND(params.b = 'x')" /* invalid, checked below */,
    };
    for (size_t i = 0; i < 5; i++) {
        search_filter_t f = parse_ok(cases[i], NULL);
        assert_int_equal(f.count, 2);
        assert_string_equal(f.clauses[0].key, "a");
        assert_true(f.clauses[0].number == 1);
        assert_string_equal(f.clauses[1].key, "b");
        assert_string_equal(f.clauses[1].text, "x");
        search_filter_free(&f);
    }
    expect_error(cases[5], NULL,
                 "Invalid filter 'metrics.a > 1 AND(params.b = 'x')': unexpected token '(' at "
                 "position 17");
    /* A string or list ends a clause without needing a space before AND. */
    search_filter_t f = parse_ok("params.a='x'AND run_id IN ('y')and params.c='z'", NULL);
    assert_int_equal(f.count, 3);
    search_filter_free(&f);
}

static void positions_count_characters(void **state)
{
    (void)state;
    search_filter_t f = parse_ok("tags.ключ = 'я' AND tags.b = 'c'", NULL);
    assert_int_equal(f.count, 2);
    assert_int_equal(f.clauses[1].position, 20);
    search_filter_free(&f);
    expect_error("tags.ключ = 1", NULL,
                 "Invalid filter 'tags.ключ = 1': tags.ключ needs a quoted string value, got a "
                 "number at position 12");
}

static void clause_limit(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < SEARCH_FILTER_MAX_CLAUSES; i++)
        buf_printf(&b, "%smetrics.m%d > %d", i ? " AND " : "", i, i);
    search_filter_t f = parse_ok(buf_str(&b), NULL);
    assert_int_equal(f.count, SEARCH_FILTER_MAX_CLAUSES);
    assert_string_equal(f.clauses[99].key, "m99");
    assert_true(f.clauses[99].number == 99);
    search_filter_free(&f);

    size_t at = b.len + 5;
    buf_append_str(&b, " AND metrics.extra > 1");
    err_t err;
    assert_int_equal(search_filter_parse(buf_str(&b), NULL, &f, &err), -1);
    char want[64];
    snprintf(want, sizeof want, ": more than 100 clauses at position %zu", at);
    assert_non_null(strstr(err.message, want));
    assert_true(strlen(err.message) < 400);
    buf_free(&b);
}

static void length_limit(void **state)
{
    (void)state;
    /* Exactly the limit is fine (a long quoted value). */
    size_t n = SEARCH_FILTER_MAX_LEN;
    char *text = malloc(n + 2);
    assert_non_null(text);
    memcpy(text, "tags.t = '", 10);
    memset(text + 10, 'x', n - 11);
    text[n - 1] = '\'';
    text[n] = '\0';
    search_filter_t f = parse_ok(text, NULL);
    assert_int_equal(strlen(f.clauses[0].text), n - 11);
    search_filter_free(&f);

    text[n - 1] = 'x';
    text[n] = '\'';
    text[n + 1] = '\0';
    expect_error(text, NULL, "Invalid filter: 65537 bytes is longer than the limit of 65536 bytes");
    free(text);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void syntax_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *detail;
    } cases[] = {
        {"metrics.acc >> 1", "unexpected token '>' at position 13"},
        {"metrics.acc = = 1", "unexpected token '=' at position 14"},
        {"metrics.acc", "expected a comparison operator after 'metrics.acc' at position 11"},
        {"metrics.acc 0.5", "expected a comparison operator after 'metrics.acc' at position 12"},
        {"metrics.acc ! 1", "expected a comparison operator after 'metrics.acc' at position 12"},
        {"metrics.acc <> 1", "unexpected token '>' at position 13"},
        {"metrics.acc == 1", "unexpected token '=' at position 13"},
        {"tags.x IS 'a'", "expected a comparison operator after 'tags.x' at position 7"},
        {"tags.x IN_LIST ('a')", "expected a comparison operator after 'tags.x' at position 7"},
        {"params.x NOT LIKE 'a'", "expected 'IN' after 'NOT' at position 13"},
        {"params.x NOT", "expected 'IN' after 'NOT' at position 12"},
        {"tags.x = 'abc", "unterminated string starting at position 9"},
        {"tags.x = \"abc'", "unterminated string starting at position 9"},
        {"tags.x = 'it''", "unterminated string starting at position 9"},
        {"tags.x = 'a\\'", "unterminated string starting at position 9"},
        {"metrics.a >", "expected a value after '>' at position 11"},
        {"metrics.a >   ", "expected a value after '>' at position 14"},
        {"params.x = abc", "unexpected token 'abc' (string values need quotes) at position 11"},
        {"metrics.a = NaN", "unexpected token 'NaN' (string values need quotes) at position 12"},
        {"metrics.a > -", "unexpected token '-' at position 12"},
        {"metrics.a > - 1", "unexpected token '-' at position 12"},
        {"metrics.a > 1abc", "invalid number '1abc' at position 12"},
        {"metrics.a > 1e", "invalid number '1e' at position 12"},
        {"metrics.a > 1e+", "invalid number '1e+' at position 12"},
        {"metrics.a > 0x10", "invalid number '0x10' at position 12"},
        {"metrics.a > 1.2.3", "invalid number '1.2.3' at position 12"},
        {"metrics.a > -.", "invalid number '-.' at position 12"},
        {"metrics.a > 1e999", "number '1e999' is out of range at position 12"},
        {"metrics.a > -1e999", "number '-1e999' is out of range at position 12"},
        {"metrics.a > 1 metrics.b > 2", "expected 'AND' between clauses at position 14"},
        {"metrics.a > 1 ANDmetrics.b > 2", "expected 'AND' between clauses at position 14"},
        {"metrics.a > 1 ;", "expected 'AND' between clauses at position 14"},
        {"metrics.a > 1 OR metrics.b > 2",
         "OR is not supported (MLflow filters combine clauses with AND only) at position 14"},
        {"metrics.a > 1 or metrics.b > 2",
         "OR is not supported (MLflow filters combine clauses with AND only) at position 14"},
        {"metrics.a > 1 AND", "expected a clause after 'AND' at position 17"},
        {"metrics.a > 1 AND  ", "expected a clause after 'AND' at position 19"},
        {"AND metrics.a > 1", "unexpected token 'AND' at position 0"},
        {"metrics.a > 1 AND AND metrics.b > 1", "unexpected token 'AND' at position 18"},
        {"like = 'x'", "unexpected token 'like' at position 0"},
        {"= 1", "unexpected token '=' at position 0"},
        {">= 1", "unexpected token '>=' at position 0"},
        {"(metrics.a > 1)", "unexpected token '(' at position 0"},
        {"'name' = 'x'", "unexpected token ''name'' at position 0"},
        {"1 = 1", "unexpected token '1' at position 0"},
        {"foo.bar = 'x'",
         "unknown entity 'foo' (expected metrics, params, tags, attributes or datasets) at "
         "position 0"},
        {"mlflow.runName = 'x'",
         "unknown entity 'mlflow' (expected metrics, params, tags, attributes or datasets) at "
         "position 0"},
        {"`foo`.x = 'a'",
         "unknown entity `foo` (expected metrics, params, tags, attributes or datasets) at "
         "position 0"},
        {"metrics. > 1", "expected a key after 'metrics.' at position 8"},
        {"metrics.", "expected a key after 'metrics.' at position 8"},
        {"tags.\"\" = 'x'", "empty key at position 5"},
        {"\"\" = 'x'", "empty key at position 0"},
        {"tags.\"abc = 'x'", "unterminated quoted key starting at position 5"},
        {"`abc = 'x'", "unterminated quoted key starting at position 0"},
        {"datasets.foo = 'x'",
         "unknown dataset field 'foo' (expected name, digest or context) at position 0"},
        {"metrics.a = 1 AND datasets.Name = 'x'",
         "unknown dataset field 'Name' (expected name, digest or context) at position 18"},
        {"run_id IN 'a'", "'IN' needs a parenthesised list of quoted strings at position 10"},
        {"run_id NOT IN 'a'",
         "'NOT IN' needs a parenthesised list of quoted strings at position 14"},
        {"run_id IN", "expected a value after 'IN' at position 9"},
        {"run_id IN ()", "'IN' needs at least one value at position 11"},
        {"run_id IN ( )", "'IN' needs at least one value at position 12"},
        {"run_id IN ('a', 1)", "list values must be quoted strings at position 16"},
        {"run_id IN (1)", "list values must be quoted strings at position 11"},
        {"run_id IN ('a', b)", "unexpected token 'b' at position 16"},
        {"run_id IN ('a',)", "unexpected token ')' at position 15"},
        {"run_id IN ('a' 'b')", "unexpected token ''b'' (expected ',' or ')') at position 15"},
        {"run_id IN ('a'", "unterminated list starting at position 10"},
        {"run_id IN ('a',", "unterminated list starting at position 10"},
        {"run_id IN ('a", "unterminated string starting at position 11"},
        {"run_id = ('a')", "'=' compares with one value, not a list at position 9"},
        {"tags.x = 'a'\x01", "expected 'AND' between clauses at position 12"},
        {"tags.x = \x01", "unexpected token '?' at position 9"},
        {"tags.x = \x7f'a'", "unexpected token '?' at position 9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char quoted[256], want[512];
        snprintf(quoted, sizeof quoted, "%s", cases[i].text);
        for (char *c = quoted; *c; c++) /* the message masks control characters */
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
        snprintf(want, sizeof want, "Invalid filter '%s': %s", quoted, cases[i].detail);
        expect_error(cases[i].text, NULL, want);
    }
}

static void type_and_operator_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *detail;
    } cases[] = {
        {"metrics.acc = 'x'", "metrics.acc needs a numeric value, got a string at position 14"},
        {"metrics.acc > \"0.5\"", "metrics.acc needs a numeric value, got a string at position 14"},
        {"metrics.acc = (1)", "'=' compares with one value, not a list at position 14"},
        {"metrics.acc LIKE 1", "'LIKE' is not allowed for metrics at position 12"},
        {"metrics.acc ILIKE 1", "'ILIKE' is not allowed for metrics at position 12"},
        {"metrics.acc IN (1)", "'IN' is not allowed for metrics at position 12"},
        {"metrics.acc NOT IN (1)", "'NOT IN' is not allowed for metrics at position 12"},
        {"params.lr = 0.1", "params.lr needs a quoted string value, got a number at position 12"},
        {"params.p > 'a'", "'>' is not allowed for params at position 9"},
        {"params.p <= 'a'", "'<=' is not allowed for params at position 9"},
        {"params.p IN ('a')", "'IN' is not allowed for params at position 9"},
        {"params.p NOT IN ('a')", "'NOT IN' is not allowed for params at position 9"},
        {"tags.t IN ('a')", "'IN' is not allowed for tags at position 7"},
        {"tags.t < 'a'", "'<' is not allowed for tags at position 7"},
        {"tags.t = 1", "tags.t needs a quoted string value, got a number at position 9"},
        {"status = 1", "status needs a quoted string value, got a number at position 9"},
        {"attributes.status > 'a'",
         "'>' is not allowed for string attribute 'status' at position 18"},
        {"start_time LIKE '1'",
         "'LIKE' is not allowed for numeric attribute 'start_time' at position 11"},
        {"start_time IN ('1')",
         "'IN' is not allowed for numeric attribute 'start_time' at position 11"},
        {"start_time = '1'", "start_time needs a numeric value, got a string at position 13"},
        {"attr.end_time > 'x'", "attr.end_time needs a numeric value, got a string at position 16"},
        {"datasets.name > 'a'", "'>' is not allowed for datasets at position 14"},
        {"datasets.digest = 1",
         "datasets.digest needs a quoted string value, got a number at position 18"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[512];
        snprintf(want, sizeof want, "Invalid filter '%s': %s", cases[i].text, cases[i].detail);
        expect_error(cases[i].text, numeric_attrs, want);
    }
}

/* Errors in a later clause free the earlier ones (checked by the sanitizer run) and still
 * leave the output empty. */
static void error_after_good_clauses(void **state)
{
    (void)state;
    expect_error("params.a = 'x' AND run_id IN ('a', 'b') AND tags.c = 'y' AND metrics.d = 'z'",
                 NULL,
                 "Invalid filter 'params.a = 'x' AND run_id IN ('a', 'b') AND tags.c = 'y' AND "
                 "metrics.d = 'z'': metrics.d needs a numeric value, got a string at position 73");
}

static void long_inputs_are_truncated_in_messages(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < 20; i++)
        buf_append_str(&b, "tags.x = 'a' AND ");
    buf_append_str(&b, "bogus");
    err_t err;
    search_filter_t f;
    assert_int_equal(search_filter_parse(buf_str(&b), NULL, &f, &err), -1);
    /* The first 120 bytes of the filter, then "...". */
    char want[512];
    snprintf(want, sizeof want,
             "Invalid filter '%.120s...': expected a comparison operator after 'bogus' at "
             "position 345",
             buf_str(&b));
    assert_string_equal(err.message, want);
    buf_free(&b);

    /* A long key is cut at 60 bytes, a multi-byte character is never split. */
    buf_init(&b);
    buf_append_str(&b, "metrics.");
    for (int i = 0; i < 100; i++)
        buf_append_str(&b, "é");
    assert_int_equal(search_filter_parse(buf_str(&b), NULL, &f, &err), -1);
    assert_true(strlen(err.message) < 400);
    assert_non_null(strstr(err.message, "...' at position 108"));
    json_t *s = json_string(err.message); /* valid UTF-8 */
    assert_non_null(s);
    json_decref(s);
    buf_free(&b);

    /* The longest message stays below 400 bytes even with 4-byte characters everywhere. */
    buf_init(&b);
    buf_append_str(&b, "tags.");
    for (int i = 0; i < 200; i++)
        buf_append_str(&b, "😀");
    buf_append_str(&b, " = 1");
    assert_int_equal(search_filter_parse(buf_str(&b), NULL, &f, &err), -1);
    assert_true(strlen(err.message) < 400);
    assert_non_null(strstr(err.message, "needs a quoted string value, got a number at position "
                                        "208"));
    s = json_string(err.message);
    assert_non_null(s);
    json_decref(s);
    buf_free(&b);
}

static void invalid_utf8(void **state)
{
    (void)state;
    expect_error("tags.\xff = 'a'", NULL, "Invalid filter: not valid UTF-8 at byte 5");
    expect_error("tags.x = '\xc3'", NULL, "Invalid filter: not valid UTF-8 at byte 10");
    expect_error("tags.x = '\xc0\xaf'", NULL, "Invalid filter: not valid UTF-8 at byte 10");
    expect_error("tags.x = '\xed\xa0\x80'", NULL, "Invalid filter: not valid UTF-8 at byte 10");
    expect_order_error("name \xfe", "Invalid order_by: not valid UTF-8 at byte 5");
}

/* ---- order_by ------------------------------------------------------------------------------- */

static void order_by_forms(void **state)
{
    (void)state;
    expect_order("metrics.accuracy DESC", SEARCH_METRIC, "accuracy", 1);
    expect_order("metrics.accuracy", SEARCH_METRIC, "accuracy", 0);
    expect_order("params.lr", SEARCH_PARAM, "lr", 0);
    expect_order("attributes.start_time ASC", SEARCH_ATTRIBUTE, "start_time", 0);
    expect_order("name DESC", SEARCH_ATTRIBUTE, "name", 1);
    expect_order("name desc", SEARCH_ATTRIBUTE, "name", 1);
    expect_order("name Asc", SEARCH_ATTRIBUTE, "name", 0);
    expect_order("  name \t DESC  ", SEARCH_ATTRIBUTE, "name", 1);
    expect_order("tags.\"my key\" ASC", SEARCH_TAG, "my key", 0);
    expect_order("metrics.`f1 score` desc", SEARCH_METRIC, "f1 score", 1);
    expect_order("tags.mlflow.runName", SEARCH_TAG, "mlflow.runName", 0);
    expect_order("`Run name` DESC", SEARCH_ATTRIBUTE, "Run name", 1);
    expect_order("run.end_time", SEARCH_ATTRIBUTE, "end_time", 0);
    expect_order("param.alpha DESC", SEARCH_PARAM, "alpha", 1);
    search_order_free(NULL);
}

static void order_by_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *detail;
    } cases[] = {
        {"", "expected a column to order by at position 0"},
        {"   ", "expected a column to order by at position 3"},
        {"name DOWN", "invalid direction 'DOWN' (expected ASC or DESC) at position 5"},
        {"name DESC x", "unexpected token 'x' at position 10"},
        {"name DESC, x", "unexpected token ',' at position 9"},
        {"name ASC DESC", "unexpected token 'DESC' at position 9"},
        {"name, start_time", "unexpected token ',' at position 4"},
        {"name >", "unexpected token '>' at position 5"},
        {"= 1", "unexpected token '=' at position 0"},
        {"datasets.name", "datasets cannot be used in order_by at position 0"},
        {"foo.bar DESC",
         "unknown entity 'foo' (expected metrics, params, tags, attributes or datasets) at "
         "position 0"},
        {"metrics.", "expected a key after 'metrics.' at position 8"},
        {"tags.\"x DESC", "unterminated quoted key starting at position 5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[512];
        snprintf(want, sizeof want, "Invalid order_by '%s': %s", cases[i].text, cases[i].detail);
        expect_order_error(cases[i].text, want);
    }
}

/* ---- names ---------------------------------------------------------------------------------- */

static void entity_and_op_names(void **state)
{
    (void)state;
    assert_string_equal(search_entity_name(SEARCH_METRIC), "metrics");
    assert_string_equal(search_entity_name(SEARCH_PARAM), "params");
    assert_string_equal(search_entity_name(SEARCH_TAG), "tags");
    assert_string_equal(search_entity_name(SEARCH_ATTRIBUTE), "attributes");
    assert_string_equal(search_entity_name(SEARCH_DATASET), "datasets");
    static const char *const ops[] = {"=",  "!=",   "<",     "<=", ">",
                                      ">=", "LIKE", "ILIKE", "IN", "NOT IN"};
    for (int op = SEARCH_EQ; op <= SEARCH_NOT_IN; op++)
        assert_string_equal(search_op_name((search_op_t)op), ops[op]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entity_aliases),
        cmocka_unit_test(dataset_fields),
        cmocka_unit_test(bare_attributes),
        cmocka_unit_test(metric_operators),
        cmocka_unit_test(string_operators),
        cmocka_unit_test(numeric_attributes),
        cmocka_unit_test(in_lists),
        cmocka_unit_test(in_list_limit),
        cmocka_unit_test(quoted_keys),
        cmocka_unit_test(dotted_and_special_keys),
        cmocka_unit_test(string_values),
        cmocka_unit_test(number_values),
        cmocka_unit_test(empty_filters),
        cmocka_unit_test(several_clauses),
        cmocka_unit_test(whitespace_variants),
        cmocka_unit_test(positions_count_characters),
        cmocka_unit_test(clause_limit),
        cmocka_unit_test(length_limit),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(type_and_operator_errors),
        cmocka_unit_test(error_after_good_clauses),
        cmocka_unit_test(long_inputs_are_truncated_in_messages),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(order_by_forms),
        cmocka_unit_test(order_by_errors),
        cmocka_unit_test(entity_and_op_names),
    };
    return cmocka_run_group_tests_name("search_filter", tests, NULL, NULL);
}
