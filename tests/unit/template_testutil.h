/* template_testutil.h - helpers for the template engine's unit tests: compile + render a
 * template with JSON variables and compare the output, or the error code and message, exactly.
 * Failures name the test file's line and show the template, so a table of cases stays
 * readable. */
#ifndef LLMOPS_TESTS_TEMPLATE_TESTUTIL_H
#define LLMOPS_TESTS_TEMPLATE_TESTUTIL_H

#include "unit/testutil.h"

#include <jansson.h>

#include "template/template.h"

/* Compile with options co (NULL: defaults) and render with opt; returns the output (malloc'd)
 * or NULL with err filled. vars_json may be NULL. */
static inline char *tt_render_ex(const char *src, const template_compile_options_t *co,
                                 const char *vars_json, const template_options_t *opt, err_t *err)
{
    err_clear(err);
    template_t *t = template_compile_ex(src, strlen(src), co, err);
    if (!t)
        return NULL;
    json_t *vars = NULL;
    if (vars_json) {
        json_error_t je;
        vars = json_loads(vars_json, 0, &je);
        if (!vars)
            fail_msg("bad test JSON %s: %s", vars_json, je.text);
    }
    char *out = template_render(t, vars, opt, NULL, err);
    json_decref(vars);
    template_free(t);
    return out;
}

static inline void tt_check(const char *file, int line, const char *src,
                            const template_compile_options_t *co, const char *vars, int lenient,
                            const char *want)
{
    err_t err;
    template_options_t opt = {.lenient = lenient};
    char *got = tt_render_ex(src, co, vars, &opt, &err);
    if (!got) {
        print_error("%s:%d: template [%s]\n  failed: %s %s\n  want [%s]\n", file, line, src,
                    err.code, err.message, want);
        _fail(file, line);
    }
    if (strcmp(got, want) != 0) {
        print_error("%s:%d: template [%s]\n  got  [%s]\n  want [%s]\n", file, line, src, got, want);
        free(got);
        _fail(file, line);
    }
    free(got);
}

static inline void tt_check_error(const char *file, int line, const char *src,
                                  const template_compile_options_t *co, const char *vars,
                                  const template_options_t *opt, const char *code,
                                  const char *message)
{
    err_t err;
    char *got = tt_render_ex(src, co, vars, opt, &err);
    if (got) {
        print_error("%s:%d: template [%s]\n  rendered [%s], want error %s %s\n", file, line, src,
                    got, code, message);
        free(got);
        _fail(file, line);
    }
    if (strcmp(err.code, code) != 0 || strcmp(err.message, message) != 0) {
        print_error("%s:%d: template [%s]\n  got error  %s [%s]\n  want error %s [%s]\n", file,
                    line, src, err.code, err.message, code, message);
        _fail(file, line);
    }
    assert_int_equal(err.status, 400);
}

/* RENDER(src, vars_json_or_NULL, want): strict mode, Jinja's default whitespace handling. */
#define RENDER(src, vars, want)         tt_check(__FILE__, __LINE__, (src), NULL, (vars), 0, (want))
#define RENDER_LENIENT(src, vars, want) tt_check(__FILE__, __LINE__, (src), NULL, (vars), 1, (want))
#define RENDER_CO(src, co, vars, want)  tt_check(__FILE__, __LINE__, (src), (co), (vars), 0, (want))
/* FAILS(src, vars, code, message): compile or render (strict) fails exactly so. */
#define FAILS(src, vars, code, message)                                                            \
    tt_check_error(__FILE__, __LINE__, (src), NULL, (vars), NULL, (code), (message))
#define FAILS_OPT(src, vars, opt, code, message)                                                   \
    tt_check_error(__FILE__, __LINE__, (src), NULL, (vars), (opt), (code), (message))

#endif
