/* bench_prompts.c - figures behind two decisions of the prompt registry (`make bench-prompts`):
 *
 *   1. Render compiles per request instead of caching compiled templates: measures compiling a
 *      typical prompt template against rendering it, and a whole prompts_render() call (store
 *      read + compile + render) on SQLite.
 *   2. Diffs are bounded at DIFF_MAX_LINES lines per side: measures the worst case at the bound
 *      (nothing in common) and a typical large diff (a few scattered edits).
 *
 * Prints one line per figure: the mean time per operation over enough repetitions to take
 * about a second. Not a test: nothing is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "prompts/diff.h"
#include "prompts/prompts.h"
#include "store/migrate.h"
#include "template/template.h"

static const char typical[] =
    "You are a support assistant for {{ product }}.\n"
    "{% if customer.tier == 'gold' %}The customer is a gold member; be extra helpful.{% endif %}\n"
    "Answer in {{ language | default('English') }}, in at most {{ max_words }} words.\n"
    "\n"
    "Relevant documents:\n"
    "{% for doc in documents %}[{{ loop.index }}] {{ doc.title }}: {{ doc.text | trim }}\n"
    "{% endfor %}\n"
    "Conversation so far:\n"
    "{% for turn in history %}{{ turn.role | upper }}: {{ turn.content }}\n{% endfor %}\n"
    "Question: {{ question }}\n";

static const char vars_json[] =
    "{\"product\": \"Acme Cloud\", \"customer\": {\"tier\": \"gold\"}, \"max_words\": 120,"
    " \"documents\": [{\"title\": \"Billing\", \"text\": \" Invoices are sent monthly. \"},"
    " {\"title\": \"Refunds\", \"text\": \"Refunds take 5 days.\"},"
    " {\"title\": \"Limits\", \"text\": \"The free tier allows 3 projects.\"}],"
    " \"history\": [{\"role\": \"user\", \"content\": \"Hi\"},"
    " {\"role\": \"assistant\", \"content\": \"Hello! How can I help?\"}],"
    " \"question\": \"Why was I charged twice?\"}";

static double per_op_us(int64_t start_us, long n)
{
    return (double)(clock_mono_us() - start_us) / (double)n;
}

static void bench_template(void)
{
    err_t err;
    json_t *vars = json_loads(vars_json, 0, NULL);
    long n = 0;
    int64_t t0 = clock_mono_us();
    while (clock_mono_us() - t0 < 1000000) {
        template_free(template_compile(typical, strlen(typical), &err));
        n++;
    }
    printf("template compile (typical 11-line prompt)   %8.2f us\n", per_op_us(t0, n));
    template_t *t = template_compile(typical, strlen(typical), &err);
    n = 0;
    t0 = clock_mono_us();
    while (clock_mono_us() - t0 < 1000000) {
        free(template_render(t, vars, NULL, NULL, &err));
        n++;
    }
    printf("template render  (same, 3 docs, 2 turns)    %8.2f us\n", per_op_us(t0, n));
    template_free(t);
    json_decref(vars);
}

static void bench_render_call(void)
{
    char dir[] = "/tmp/llmops-bench-XXXXXX";
    if (!mkdtemp(dir))
        return;
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/bench.db", dir);
    err_t err;
    store_t *s = NULL;
    if (store_open(url, 1, &s, &err) != 0 || migrate_schema(s, NULL, &err) != 0) {
        fprintf(stderr, "store: %s\n", err.message);
        return;
    }
    json_t *tmpl = json_string(typical);
    prompt_version_in_t v = {.template = tmpl};
    prompt_create_in_t in = {.name = "bench", .first_version = &v};
    json_decref(prompts_create(s, &in, &err));
    json_decref(prompts_set_alias(s, "bench", "production", 1, NULL, &err));
    json_t *vars = json_loads(vars_json, 0, NULL);
    prompt_render_in_t r = {.alias = "production", .variables = vars};
    long n = 0;
    int64_t t0 = clock_mono_us();
    while (clock_mono_us() - t0 < 1000000) {
        json_t *out = prompts_render(s, "bench", &r, &err);
        if (!out) {
            fprintf(stderr, "render: %s\n", err.message);
            break;
        }
        json_decref(out);
        n++;
    }
    printf("prompts_render by alias, SQLite, in-process %8.2f us\n", per_op_us(t0, n));
    json_decref(vars);
    json_decref(tmpl);
    store_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static char *lines(int n, const char *prefix, int edit_every)
{
    buf_t b;
    buf_init(&b);
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s %d%s\n", prefix, i,
                   edit_every && i % edit_every == 0 ? " (edited)" : "");
    return buf_steal(&b);
}

static void bench_diff(const char *label, const char *a, const char *b)
{
    long n = 0;
    int64_t t0 = clock_mono_us();
    size_t out_len = 0;
    while (n == 0 || clock_mono_us() - t0 < 1000000) {
        buf_t out;
        buf_init(&out);
        err_t err;
        if (diff_unified(a, strlen(a), b, strlen(b), "a", "b", 3, &out, &err) != 0)
            fprintf(stderr, "diff: %s\n", err.message);
        out_len = out.len;
        buf_free(&out);
        n++;
    }
    printf("%-44s %8.2f ms (%zu bytes of diff)\n", label, per_op_us(t0, n) / 1000.0, out_len);
}

int main(void)
{
    bench_template();
    bench_render_call();
    char *base = lines(DIFF_MAX_LINES, "line", 0);
    char *disjoint = lines(DIFF_MAX_LINES, "other", 0);
    char *edited = lines(DIFF_MAX_LINES, "line", 100);
    bench_diff("diff 10000 vs 10000 lines, all different", base, disjoint);
    bench_diff("diff 10000 lines, every 100th line edited", base, edited);
    /* The search's hard case: both sides drawn from two distinct lines, so nearly every line
     * could match nearly any other and the edit distance is large. */
    buf_t x, y;
    buf_init(&x);
    buf_init(&y);
    unsigned seed = 1;
    for (int i = 0; i < DIFF_MAX_LINES; i++) {
        buf_append_str(&x, rand_r(&seed) % 2 ? "a\n" : "b\n");
        buf_append_str(&y, rand_r(&seed) % 2 ? "a\n" : "b\n");
    }
    bench_diff("diff 10000 random a/b lines vs 10000 more", buf_str(&x), buf_str(&y));
    buf_free(&x);
    buf_free(&y);
    free(base);
    free(disjoint);
    free(edited);
    return 0;
}
