/* bench_template.c - how fast the template engine renders a typical chat prompt.
 *
 * Compiles bench/template/chat_prompt.jinja once (a system prompt with a few variables and
 * filters, a loop over six messages with if/elif on the role) and renders it with
 * bench/template/vars.json N times on one thread, printing renders per second. nunjucks.js
 * renders the same template with the same variables with the nunjucks npm package; run.sh
 * runs both, checks that their outputs are identical and prints the ratio.
 *
 * usage: bench_template [renders] [template] [vars.json] [output-file] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "template/template.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    buf_t b;
    buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    const char *tpath = argc > 2 ? argv[2] : "bench/template/chat_prompt.jinja";
    const char *vpath = argc > 3 ? argv[3] : "bench/template/vars.json";
    const char *opath = argc > 4 ? argv[4] : NULL;
    size_t slen, vlen;
    char *src = read_file(tpath, &slen);
    char *vsrc = read_file(vpath, &vlen);
    json_error_t je;
    json_t *vars = json_loadb(vsrc, vlen, 0, &je);
    if (!vars) {
        fprintf(stderr, "%s: %s\n", vpath, je.text);
        return 1;
    }
    err_t err;
    template_t *t = template_compile(src, slen, &err);
    if (!t) {
        fprintf(stderr, "%s: %s\n", tpath, err.message);
        return 1;
    }
    size_t out_len = 0, total = 0;
    char *out = template_render(t, vars, NULL, &out_len, &err);
    if (!out) {
        fprintf(stderr, "render: %s\n", err.message);
        return 1;
    }
    if (opath) {
        FILE *f = fopen(opath, "wb");
        if (!f || fwrite(out, 1, out_len, f) != out_len) {
            perror(opath);
            return 1;
        }
        fclose(f);
    }
    free(out);
    for (long i = 0; i < n / 10; i++) /* warm up caches and the allocator */
        free(template_render(t, vars, NULL, NULL, &err));
    double start = now();
    for (long i = 0; i < n; i++) {
        out = template_render(t, vars, NULL, &out_len, &err);
        total += out_len;
        free(out);
    }
    double secs = now() - start;
    printf("llmops: %ld renders of %zu bytes in %.3f s: %.0f renders/s\n", n, total / (size_t)n,
           secs, (double)n / secs);
    printf("RATE %.0f\n", (double)n / secs);
    template_free(t);
    json_decref(vars);
    free(src);
    free(vsrc);
    return 0;
}
