/* template.h - a Jinja2-compatible template engine (a well-defined subset), used by prompts,
 * pipelines and the gateway.
 *
 * A template is compiled once into an immutable tree and rendered many times; rendering never
 * writes to the compiled template, so one template_t may be rendered from many threads at once.
 * Variables are a JSON object (jansson). Everything is bounded: nesting depth, loop iterations
 * and output size stop with an error instead of exhausting stack or memory.
 *
 * Errors (err_t, status 400) carry a stable code and a message that names line:column:
 *   "template_syntax"    "line 3:14: expected '%}' after 'endif', found 'x'"
 *   "template_undefined" "line 1:4: 'user' is undefined"  (not raised in lenient mode)
 *   "template_error"     type errors at render time ("line 2:9: cannot iterate over a number")
 *   "template_limit"     a bound was hit ("line 5:1: output exceeds 1048576 bytes") */
#ifndef LLMOPS_TEMPLATE_TEMPLATE_H
#define LLMOPS_TEMPLATE_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "base/error.h"

typedef struct template template_t;

typedef struct template_options {
    int lenient;           /* undefined variables render as "" (and are falsy) instead of failing */
    size_t max_output;     /* bytes of output; 0 = TEMPLATE_DEFAULT_MAX_OUTPUT */
    size_t max_iterations; /* loop iterations in one render, all loops together; 0 = default */
} template_options_t;

#define TEMPLATE_DEFAULT_MAX_OUTPUT     (1u << 20)
#define TEMPLATE_DEFAULT_MAX_ITERATIONS 100000u
#define TEMPLATE_MAX_DEPTH              64 /* nesting of blocks and of expressions */
#define TEMPLATE_MAX_SOURCE             (1u << 20)

/* Compile source (len bytes, need not be NUL-terminated). NULL with err on a syntax error. */
template_t *template_compile(const char *source, size_t len, err_t *err);

/* Whitespace options of Jinja's Environment, for template_compile_ex. Hugging Face transformers
 * renders chat templates with both on; template_compile uses neither (Jinja's defaults). */
typedef struct template_compile_options {
    int trim_blocks;   /* drop the first newline after a block tag or comment */
    int lstrip_blocks; /* drop spaces and tabs from the start of a line up to a block tag */
} template_compile_options_t;

/* template_compile with options (opt may be NULL: the defaults). */
template_t *template_compile_ex(const char *source, size_t len,
                                const template_compile_options_t *opt, err_t *err);
void template_free(template_t *t);

/* Render with vars (a JSON object, or NULL for none); opt may be NULL for the defaults.
 * Returns the output, malloc'd and NUL-terminated (its length in *out_len when out_len is not
 * NULL); NULL with err on failure. */
char *template_render(const template_t *t, const json_t *vars, const template_options_t *opt,
                      size_t *out_len, err_t *err);

/* The top-level variables the template reads from vars, in order of first use, without those
 * it defines itself ({% set %}, loop variables): ["user", "question"]. New reference. */
json_t *template_variables(const template_t *t);

#endif
