/* fuzz_template.c - libFuzzer target for the template engine: the input is compiled as a
 * template (with trim_blocks / lstrip_blocks when its first byte is odd, so both lexer modes
 * are covered); when it compiles it is rendered against a fixed set of variables in strict and
 * in lenient mode, with small limits so runaway loops and outputs end quickly. Any crash,
 * sanitizer report or leak is a finding; every failure must be a proper err_t with one of the
 * engine's codes, and every output must be NUL-terminated with the length reported. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template/template.h"

static json_t *vars;

static const char *VARS_JSON =
    "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
    " {\"role\": \"user\", \"content\": \"  Hi <there> \\u00e9 \"},"
    " {\"role\": \"assistant\", \"content\": \"Hello!\", \"tool_calls\": [{\"function\":"
    " {\"name\": \"f\", \"arguments\": {\"a\": 1}}}]}],"
    " \"user\": {\"name\": \"Ada\", \"tags\": [\"a\", \"b\"], \"age\": 36, \"score\": 2.5},"
    " \"n\": 7, \"xs\": [3, 1, 2], \"flag\": true, \"nothing\": null, \"s\": \"hello world\","
    " \"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_generation_prompt\": true}";

static void check_error(const err_t *err)
{
    if (err->status != 400)
        abort();
    if (strcmp(err->code, "template_syntax") != 0 && strcmp(err->code, "template_undefined") != 0 &&
        strcmp(err->code, "template_error") != 0 && strcmp(err->code, "template_limit") != 0)
        abort();
    if (memchr(err->message, '\0', sizeof err->message) == NULL)
        abort();
}

static void render(const template_t *t, int lenient)
{
    template_options_t opt = {.lenient = lenient, .max_output = 1 << 16, .max_iterations = 5000};
    err_t err;
    size_t len = 0;
    char *out = template_render(t, vars, &opt, &len, &err);
    if (!out) {
        check_error(&err);
        if (lenient && strcmp(err.code, "template_undefined") == 0)
            abort(); /* lenient mode never reports undefined values */
        return;
    }
    if (out[len] != '\0' || len > opt.max_output)
        abort();
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vars) {
        vars = json_loads(VARS_JSON, 0, NULL);
        if (!vars)
            abort();
    }
    template_compile_options_t co = {0};
    if (size && (data[0] & 1))
        co.trim_blocks = co.lstrip_blocks = 1;
    err_t err;
    template_t *t = template_compile_ex((const char *)data, size, &co, &err);
    if (!t) {
        check_error(&err);
        return 0;
    }
    json_t *names = template_variables(t);
    if (!json_is_array(names))
        abort();
    json_decref(names);
    render(t, 0);
    render(t, 1);
    template_free(t);
    return 0;
}
