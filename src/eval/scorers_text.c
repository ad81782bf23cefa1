/* scorers_text.c - the text-similarity scorers: levenshtein, token_f1, bleu, rouge1, rouge2,
 * rougeL. Each compares the answer with the expected value (one reference, or an array of
 * strings as several: the best score over them, or multi-reference BLEU) and scores 0..1.
 *
 * Each follows the reference implementation users compare against (docs/scorers.md states
 * the exact definitions and where this differs): token_f1 = the SQuAD v2.0 evaluation
 * script's F1, bleu = sacrebleu's sentence_bleu defaults (13a tokenisation, "exp" smoothing,
 * effective order) divided by 100, rouge* = Google's rouge-score package without stemming.
 *
 * Tokens are interned to integer ids, so n-grams are short integer tuples, counted by sorting
 * (qsort_r) and binary search instead of a hash of strings. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "eval/scorer_internal.h"

/* ---- tokens and interning ---- */

/* A tokenised text: n tokens, each NUL-terminated, packed one after the other in text. */
typedef struct {
    buf_t text;
    size_t n;
} tokens_t;

static void tokens_add(tokens_t *t, const char *s, size_t len)
{
    buf_append(&t->text, s, len);
    buf_append_char(&t->text, '\0');
    t->n++;
}

/* Token strings -> small integer ids, shared by the answer and its references so equal
 * tokens get equal ids. Open addressing over a power-of-two table. */
typedef struct {
    const char **keys;
    uint32_t *ids;
    size_t cap;
    uint32_t next;
} interner_t;

static void interner_init(interner_t *in, size_t tokens)
{
    in->cap = 16;
    while (in->cap < tokens * 2)
        in->cap *= 2;
    in->keys = xcalloc(in->cap, sizeof *in->keys);
    in->ids = xcalloc(in->cap, sizeof *in->ids);
    in->next = 0;
}

static void interner_free(interner_t *in)
{
    free(in->keys);
    free(in->ids);
}

static uint32_t intern(interner_t *in, const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    size_t i = (size_t)h & (in->cap - 1);
    while (in->keys[i]) {
        if (strcmp(in->keys[i], s) == 0)
            return in->ids[i];
        i = (i + 1) & (in->cap - 1);
    }
    in->keys[i] = s;
    in->ids[i] = in->next++;
    return in->ids[i];
}

/* A text as token ids. */
typedef struct {
    uint32_t *ids;
    size_t n;
} seq_t;

static seq_t to_seq(interner_t *in, const tokens_t *t)
{
    seq_t s = {xcalloc(t->n + 1, sizeof *s.ids), t->n};
    const char *p = buf_str(&t->text);
    for (size_t i = 0; i < t->n; i++) {
        s.ids[i] = intern(in, p);
        p += strlen(p) + 1;
    }
    return s;
}

/* ---- n-gram counting ---- */

typedef struct {
    const uint32_t *ids;
    size_t order;
} gram_ctx_t;

static int gram_cmp(const void *a, const void *b, void *ctx)
{
    const gram_ctx_t *c = ctx;
    const uint32_t *x = c->ids + *(const size_t *)a, *y = c->ids + *(const size_t *)b;
    for (size_t k = 0; k < c->order; k++)
        if (x[k] != y[k])
            return x[k] < y[k] ? -1 : 1;
    return 0;
}

/* The n-grams of one sequence, sorted: their start positions. */
typedef struct {
    const seq_t *seq;
    size_t order;
    size_t *starts;
    size_t n;
} grams_t;

static grams_t grams_of(const seq_t *s, size_t order)
{
    grams_t g = {s, order, NULL, s->n >= order ? s->n - order + 1 : 0};
    g.starts = xcalloc(g.n + 1, sizeof *g.starts);
    for (size_t i = 0; i < g.n; i++)
        g.starts[i] = i;
    gram_ctx_t ctx = {s->ids, order};
    qsort_r(g.starts, g.n, sizeof *g.starts, gram_cmp, &ctx);
    return g;
}

static int gram_vs(const grams_t *g, size_t i, const uint32_t *key)
{
    const uint32_t *x = g->seq->ids + g->starts[i];
    for (size_t k = 0; k < g->order; k++)
        if (x[k] != key[k])
            return x[k] < key[k] ? -1 : 1;
    return 0;
}

/* How often the n-gram key occurs in g. */
static size_t gram_count(const grams_t *g, const uint32_t *key)
{
    size_t lo = 0, hi = g->n; /* first position not less than key */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gram_vs(g, mid, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < g->n && gram_vs(g, end, key) == 0)
        end++;
    return end - lo;
}

/* Sum over the distinct n-grams of hyp of min(count in hyp, max count over refs): the
 * clipped matches of BLEU, and with one reference the n-gram overlap of ROUGE-N. */
static size_t clipped_matches(const grams_t *hyp, const grams_t *refs, size_t nrefs)
{
    size_t total = 0;
    for (size_t i = 0; i < hyp->n;) {
        const uint32_t *key = hyp->seq->ids + hyp->starts[i];
        size_t run = 1;
        while (i + run < hyp->n && gram_vs(hyp, i + run, key) == 0)
            run++;
        size_t best = 0;
        for (size_t r = 0; r < nrefs; r++) {
            size_t c = gram_count(&refs[r], key);
            if (c > best)
                best = c;
        }
        total += run < best ? run : best;
        i += run;
    }
    return total;
}

static double fmeasure(double p, double r)
{
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

/* ---- tokenisers ---- */

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void split_whitespace(const char *s, tokens_t *out)
{
    size_t i = 0, n = strlen(s);
    while (i < n) {
        while (i < n && is_ascii_space((unsigned char)s[i]))
            i++;
        size_t start = i;
        while (i < n && !is_ascii_space((unsigned char)s[i]))
            i++;
        if (i > start)
            tokens_add(out, s + start, i - start);
    }
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* rouge-score's tokenizer without stemming: lowercase, every character outside [a-z0-9]
 * separates tokens. */
static void tokenize_rouge(const char *s, tokens_t *out)
{
    size_t n = strlen(s), i = 0;
    char *low = xmalloc(n + 1);
    for (size_t k = 0; k <= n; k++)
        low[k] = ascii_lower(s[k]);
    while (i < n) {
        while (i < n && !is_alnum_lower(low[i]))
            i++;
        size_t start = i;
        while (i < n && is_alnum_lower(low[i]))
            i++;
        if (i > start)
            tokens_add(out, low + start, i - start);
    }
    free(low);
}

/* SQuAD's normalize_answer then split: lowercase, delete ASCII punctuation (Python's
 * string.punctuation), drop the articles a/an/the, split on whitespace. */
static void tokenize_squad(const char *s, tokens_t *out)
{
    buf_t clean;
    buf_init(&clean);
    for (const char *p = s; *p; p++) {
        char c = ascii_lower(*p);
        if (!strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c))
            buf_append_char(&clean, c);
    }
    tokens_t words = {0};
    buf_init(&words.text);
    split_whitespace(buf_str(&clean), &words);
    const char *w = buf_str(&words.text);
    for (size_t i = 0; i < words.n; i++) {
        size_t len = strlen(w);
        if (strcmp(w, "a") != 0 && strcmp(w, "an") != 0 && strcmp(w, "the") != 0)
            tokens_add(out, w, len);
        w += len + 1;
    }
    buf_free(&words.text);
    buf_free(&clean);
}

/* Replace every occurrence of from in b's contents by to. */
static void replace_all(buf_t *b, const char *from, const char *to)
{
    const char *hit = strstr(buf_str(b), from);
    if (!hit)
        return;
    buf_t out;
    buf_init(&out);
    const char *p = buf_str(b);
    size_t flen = strlen(from);
    while ((hit = strstr(p, from))) {
        buf_append(&out, p, (size_t)(hit - p));
        buf_append_str(&out, to);
        p = hit + flen;
    }
    buf_append_str(&out, p);
    buf_free(b);
    *b = out;
}

static int in_13a_class(char c)
{
    /* sacrebleu's [\{-\~\[-\` -\&\(-\+\:-\@\/]: ASCII punctuation except ' , - . */
    return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
           (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* sacrebleu's "13a" tokeniser (mteval-v13a): unescape a few entities, then four
 * left-to-right regex substitutions, then split on whitespace. Each pass here is the same
 * non-overlapping left-to-right scan as Python's re.sub. */
static void tokenize_13a(const char *s, tokens_t *out)
{
    buf_t a;
    buf_init(&a);
    buf_append_str(&a, s);
    replace_all(&a, "<skipped>", "");
    replace_all(&a, "-\n", "");
    replace_all(&a, "\n", " ");
    replace_all(&a, "&quot;", "\"");
    replace_all(&a, "&amp;", "&");
    replace_all(&a, "&lt;", "<");
    replace_all(&a, "&gt;", ">");

    buf_t b;
    buf_init(&b);
    buf_append_char(&b, ' ');
    for (size_t i = 0; i < a.len; i++) { /* punctuation -> " p " */
        if (in_13a_class(a.data[i])) {
            char sp[3] = {' ', a.data[i], ' '};
            buf_append(&b, sp, 3);
        } else {
            buf_append_char(&b, a.data[i]);
        }
    }
    buf_append_char(&b, ' ');

    buf_reset(&a); /* period/comma unless preceded by a digit: "x." -> "x . " */
    for (size_t i = 0; i < b.len;) {
        if (i + 1 < b.len && !is_digit(b.data[i]) &&
            (b.data[i + 1] == '.' || b.data[i + 1] == ',')) {
            char sp[4] = {b.data[i], ' ', b.data[i + 1], ' '};
            buf_append(&a, sp, 4);
            i += 2;
        } else {
            buf_append_char(&a, b.data[i++]);
        }
    }
    buf_reset(&b); /* period/comma unless followed by a digit: ".x" -> " . x" */
    for (size_t i = 0; i < a.len;) {
        if (i + 1 < a.len && (a.data[i] == '.' || a.data[i] == ',') && !is_digit(a.data[i + 1])) {
            char sp[4] = {' ', a.data[i], ' ', a.data[i + 1]};
            buf_append(&b, sp, 4);
            i += 2;
        } else {
            buf_append_char(&b, a.data[i++]);
        }
    }
    buf_reset(&a); /* dash preceded by a digit: "3-" -> "3 - " */
    for (size_t i = 0; i < b.len;) {
        if (i + 1 < b.len && is_digit(b.data[i]) && b.data[i + 1] == '-') {
            char sp[4] = {b.data[i], ' ', '-', ' '};
            buf_append(&a, sp, 4);
            i += 2;
        } else {
            buf_append_char(&a, b.data[i++]);
        }
    }
    split_whitespace(buf_str(&a), out);
    buf_free(&a);
    buf_free(&b);
}

/* ---- UTF-8 code points (levenshtein) ---- */

/* Decode s into code points; a byte that does not start a valid sequence counts as one
 * code point of its own, so any input has a length. */
static uint32_t *code_points(const char *s, size_t *n)
{
    size_t len = strlen(s), count = 0;
    uint32_t *cp = xcalloc(len + 1, sizeof *cp);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t need = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : 0;
        if (c >= 0xF5)
            need = 0;
        uint32_t v = need == 3 ? c & 0x07u : need == 2 ? c & 0x0Fu : need == 1 ? c & 0x1Fu : c;
        size_t k = 1;
        for (; k <= need && i + k < len && (p[i + k] & 0xC0) == 0x80; k++)
            v = (v << 6) | (p[i + k] & 0x3Fu);
        if (need && k <= need) { /* truncated sequence: the lead byte alone */
            v = c;
            k = 1;
        } else {
            k = need + 1;
        }
        cp[count++] = v;
        i += k;
    }
    *n = count;
    return cp;
}

static size_t edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t *row = xcalloc(nb + 1, sizeof *row);
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}

/* ---- the scorers ---- */

typedef enum { M_LEVENSHTEIN, M_TOKEN_F1, M_BLEU, M_ROUGE1, M_ROUGE2, M_ROUGEL } metric_t;

typedef struct {
    metric_t metric;
} text_state_t;

static double levenshtein_one(const char *hyp, const char *ref)
{
    size_t na, nb;
    uint32_t *a = code_points(hyp, &na), *b = code_points(ref, &nb);
    size_t longest = na > nb ? na : nb;
    double v = longest ? 1.0 - (double)edit_distance(a, na, b, nb) / (double)longest : 1.0;
    free(a);
    free(b);
    return v;
}

static size_t lcs_length(const seq_t *a, const seq_t *b)
{
    size_t *row = xcalloc(b->n + 1, sizeof *row);
    for (size_t i = 1; i <= a->n; i++) {
        size_t diag = 0;
        for (size_t j = 1; j <= b->n; j++) {
            size_t up = row[j];
            if (a->ids[i - 1] == b->ids[j - 1])
                row[j] = diag + 1;
            else if (row[j - 1] > row[j])
                row[j] = row[j - 1];
            diag = up;
        }
    }
    size_t l = row[b->n];
    free(row);
    return l;
}

/* token_f1 / rouge of one answer-reference pair, on interned sequences. */
static double pair_score(metric_t m, const seq_t *hyp, const seq_t *ref)
{
    if (m == M_TOKEN_F1) {
        /* SQuAD v2.0: if either is empty, 1 when both are, else 0 */
        if (hyp->n == 0 || ref->n == 0)
            return hyp->n == ref->n;
        grams_t gh = grams_of(hyp, 1), gr = grams_of(ref, 1);
        size_t same = clipped_matches(&gh, &gr, 1);
        free(gh.starts);
        free(gr.starts);
        if (same == 0)
            return 0.0;
        return fmeasure((double)same / (double)hyp->n, (double)same / (double)ref->n);
    }
    if (m == M_ROUGEL) {
        if (hyp->n == 0 || ref->n == 0)
            return 0.0;
        double lcs = (double)lcs_length(ref, hyp);
        return fmeasure(lcs / (double)hyp->n, lcs / (double)ref->n);
    }
    size_t order = m == M_ROUGE1 ? 1 : 2;
    grams_t gh = grams_of(hyp, order), gr = grams_of(ref, order);
    size_t overlap = clipped_matches(&gh, &gr, 1);
    double p = (double)overlap / (double)(gh.n ? gh.n : 1);
    double r = (double)overlap / (double)(gr.n ? gr.n : 1);
    free(gh.starts);
    free(gr.starts);
    return fmeasure(p, r);
}

/* sacrebleu's sentence BLEU (defaults) / 100 over the interned answer and references. */
static double bleu_score(const seq_t *hyp, const seq_t *refs, size_t nrefs)
{
    size_t sys_len = hyp->n, ref_len = 0, closest_diff = SIZE_MAX;
    for (size_t r = 0; r < nrefs; r++) { /* the closest reference length, ties: the shorter */
        size_t len = refs[r].n;
        size_t diff = len > sys_len ? len - sys_len : sys_len - len;
        if (diff < closest_diff || (diff == closest_diff && len < ref_len)) {
            closest_diff = diff;
            ref_len = len;
        }
    }
    size_t correct[4], total[4];
    grams_t *rg = xcalloc(nrefs, sizeof *rg);
    int any_correct = 0;
    for (size_t n = 1; n <= 4; n++) {
        grams_t hg = grams_of(hyp, n);
        for (size_t r = 0; r < nrefs; r++)
            rg[r] = grams_of(&refs[r], n);
        correct[n - 1] = clipped_matches(&hg, rg, nrefs);
        total[n - 1] = hg.n;
        any_correct |= correct[n - 1] > 0;
        free(hg.starts);
        for (size_t r = 0; r < nrefs; r++)
            free(rg[r].starts);
    }
    free(rg);
    if (sys_len == 0 || !any_correct)
        return 0.0;
    double bp = sys_len < ref_len ? exp(1.0 - (double)ref_len / (double)sys_len) : 1.0;
    double log_sum = 0, smooth = 1.0;
    size_t eff_order = 0;
    for (size_t n = 0; n < 4 && total[n] > 0; n++) {
        eff_order = n + 1;
        double p;
        if (correct[n] == 0) { /* "exp" smoothing: 1/(2^k * total) for the k-th zero */
            smooth *= 2;
            p = 1.0 / (smooth * (double)total[n]);
        } else {
            p = (double)correct[n] / (double)total[n];
        }
        log_sum += log(p);
    }
    return bp * exp(log_sum / (double)eff_order);
}

static void tokenize_for(metric_t m, const char *s, tokens_t *out)
{
    buf_init(&out->text);
    out->n = 0;
    if (m == M_TOKEN_F1)
        tokenize_squad(s, out);
    else if (m == M_BLEU)
        tokenize_13a(s, out);
    else
        tokenize_rouge(s, out);
}

static int text_score(const eval_scorer_t *s, const eval_sample_t *sample, eval_score_t *out,
                      err_t *err)
{
    const text_state_t *st = s->state;
    char **refs;
    int nrefs = scorer_expected_refs(s, sample, &refs, err);
    if (nrefs < 0)
        return -1;
    double best = 0;
    if (st->metric == M_LEVENSHTEIN) {
        for (int r = 0; r < nrefs; r++) {
            double v = levenshtein_one(sample->output, refs[r]);
            if (r == 0 || v > best)
                best = v;
        }
    } else {
        tokens_t hyp_t;
        tokens_t *ref_t = xcalloc((size_t)nrefs, sizeof *ref_t);
        tokenize_for(st->metric, sample->output, &hyp_t);
        size_t all = hyp_t.n;
        for (int r = 0; r < nrefs; r++) {
            tokenize_for(st->metric, refs[r], &ref_t[r]);
            all += ref_t[r].n;
        }
        interner_t in;
        interner_init(&in, all);
        seq_t hyp = to_seq(&in, &hyp_t);
        seq_t *ref = xcalloc((size_t)nrefs, sizeof *ref);
        for (int r = 0; r < nrefs; r++)
            ref[r] = to_seq(&in, &ref_t[r]);
        if (st->metric == M_BLEU) {
            best = bleu_score(&hyp, ref, (size_t)nrefs);
        } else {
            for (int r = 0; r < nrefs; r++) {
                double v = pair_score(st->metric, &hyp, &ref[r]);
                if (r == 0 || v > best)
                    best = v;
            }
        }
        for (int r = 0; r < nrefs; r++) {
            free(ref[r].ids);
            buf_free(&ref_t[r].text);
        }
        free(ref);
        free(ref_t);
        free(hyp.ids);
        buf_free(&hyp_t.text);
        interner_free(&in);
    }
    scorer_free_refs(refs, nrefs);
    out->value = best;
    return 0;
}

static const scorer_vtable_t text_vt = {.score = text_score, .free_state = free};

static int new_text(eval_scorer_t *s, const json_t *spec, metric_t m, double threshold, err_t *err)
{
    if (scorer_check_keys(s, spec, NULL, err) < 0)
        return -1;
    text_state_t *st = xcalloc(1, sizeof *st);
    st->metric = m;
    s->state = st;
    s->vt = &text_vt;
    s->threshold = threshold;
    return 0;
}

int scorer_new_levenshtein(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_text(s, spec, M_LEVENSHTEIN, 0.8, err);
}

int scorer_new_token_f1(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_text(s, spec, M_TOKEN_F1, 0.5, err);
}

int scorer_new_bleu(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_text(s, spec, M_BLEU, 0.3, err);
}

int scorer_new_rouge1(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_text(s, spec, M_ROUGE1, 0.5, err);
}

int scorer_new_rouge2(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_text(s, spec, M_ROUGE2, 0.5, err);
}

int scorer_new_rougeL(eval_scorer_t *s, const json_t *spec, err_t *err)
{
    return new_text(s, spec, M_ROUGEL, 0.5, err);
}
