/* embedder_lexical.c - the built-in local embedder: a lexical one, honestly. Texts become
 * vectors by the "hashing trick": every feature is hashed (FNV-1a, 64 bits) to one of dim
 * buckets and to a sign (the sign keeps collisions from only ever adding up, so they cancel on
 * average). Features:
 *   - each word (lower-cased runs of letters and digits; bytes >= 0x80 count as letters, so
 *     UTF-8 words stay whole), weight 1.0, except a short list of English function words
 *     ("the", "is", "of"...), which carry no topic and would otherwise dominate short texts
 *   - each pair of adjacent words, weight 0.5 (phrases)
 *   - each character 3-gram and 4-gram of " word " (with boundary marks), weight 0.5 in total
 *     per word, so shared stems and misspellings still overlap
 * A feature's weight is multiplied by 1 + ln(tf) (sublinear term frequency: the tenth "the"
 * counts far less than the first). No IDF: it would need collection statistics, and a stored
 * vector must not change when other documents arrive. The result is L2-normalised, so cosine,
 * dot and L2 rank alike. Deterministic: same text, same dim, same vector, everywhere. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "vector/distance.h"
#include "vector/embedder.h"

#define WORD_MAX 64 /* longer words are cut: they are rarely words */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

/* Features are accumulated as (hash, weight) and counted per distinct hash before weighting. */
typedef struct feat {
    uint64_t hash;
    float weight;
} feat_t;

typedef struct feats {
    feat_t *items;
    size_t n, cap;
} feats_t;

static void feat_add(feats_t *f, uint64_t hash, float weight)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 256;
        f->items = xrealloc(f->items, f->cap * sizeof *f->items);
    }
    f->items[f->n].hash = hash;
    f->items[f->n].weight = weight;
    f->n++;
}

static int cmp_feat(const void *a, const void *b)
{
    uint64_t x = ((const feat_t *)a)->hash, y = ((const feat_t *)b)->hash;
    return x < y ? -1 : x > y;
}

/* English function words: no features of their own (IDF would give them ~0 weight, and there
 * is no IDF here). They still separate bigrams. */
static const char *const stopwords[] = {
    "a",    "an",   "and",  "are",   "as",  "at",   "be",  "by",   "for",  "from", "has", "have",
    "in",   "is",   "it",   "its",   "of",  "on",   "or",  "that", "the",  "this", "to",  "was",
    "were", "will", "with", "which", "who", "what", "how", "do",   "does", NULL};

static int stopword(const char *w, size_t len)
{
    for (size_t i = 0; stopwords[i]; i++)
        if (strlen(stopwords[i]) == len && memcmp(stopwords[i], w, len) == 0)
            return 1;
    return 0;
}

static int word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Character n-grams of " word " for n = 3 and 4, sharing 0.5 of weight per word. */
static void add_char_grams(feats_t *f, const char *w, size_t len)
{
    char padded[WORD_MAX + 2];
    padded[0] = ' ';
    memcpy(padded + 1, w, len);
    padded[len + 1] = ' ';
    size_t plen = len + 2;
    size_t grams = 0;
    for (size_t n = 3; n <= 4; n++)
        if (plen >= n)
            grams += plen - n + 1;
    if (!grams)
        return;
    float each = 0.5f / (float)grams;
    for (size_t n = 3; n <= 4; n++)
        for (size_t i = 0; i + n <= plen; i++)
            feat_add(f, fnv1a(fnv1a(FNV_BASIS, "c", 1), padded + i, n), each);
}

void vs_lexical_embed(const char *text, uint32_t dim, float *out)
{
    memset(out, 0, dim * sizeof *out);
    feats_t f = {0};
    char prev[WORD_MAX], word[WORD_MAX];
    size_t prev_len = 0;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        while (*p && !word_byte(*p))
            p++;
        if (!*p)
            break;
        size_t len = 0;
        while (*p && word_byte(*p)) {
            if (len < WORD_MAX)
                word[len++] = (char)(*p < 0x80 ? tolower(*p) : *p);
            p++;
        }
        if (stopword(word, len)) {
            prev_len = 0;
            continue;
        }
        feat_add(&f, fnv1a(fnv1a(FNV_BASIS, "w", 1), word, len), 1.0f);
        if (prev_len) {
            uint64_t h = fnv1a(fnv1a(FNV_BASIS, "b", 1), prev, prev_len);
            h = fnv1a(h, " ", 1);
            feat_add(&f, fnv1a(h, word, len), 0.5f);
        }
        add_char_grams(&f, word, len);
        memcpy(prev, word, len);
        prev_len = len;
    }
    /* Punctuation only: the text as a whole is its one feature, so it still has a direction
     * (a zero vector has none, and cosine refuses it). */
    if (!f.n && *text)
        feat_add(&f, fnv1a(fnv1a(FNV_BASIS, "t", 1), text, strlen(text)), 1.0f);
    /* Sum each distinct feature's occurrences, then apply 1 + ln(tf) to its summed weight
     * per occurrence. Sorting makes the order of accumulation, and so the floats, fixed. */
    qsort(f.items, f.n, sizeof *f.items, cmp_feat);
    for (size_t i = 0; i < f.n;) {
        size_t j = i;
        double weight = 0;
        while (j < f.n && f.items[j].hash == f.items[i].hash)
            weight += f.items[j++].weight;
        double tf = (double)(j - i);
        double w = weight / tf * (1.0 + log(tf));
        uint64_t h = f.items[i].hash;
        /* Bucket from the low bits, sign from the top bit (independent enough for FNV). */
        size_t bucket = (size_t)(h % dim);
        out[bucket] += (float)((h >> 63) ? -w : w);
        i = j;
    }
    free(f.items);
    vec_normalize(out, dim); /* leaves an all-zero vector as it is */
}
