/* splits.c - parsing split rules and assigning rows to splits (splits.h).
 *
 * The duplicate counter k of each row is found by sorting the rows by canonical text (ties by
 * index): within a run of equal texts, k is the position in the run. */
#include "datasets/splits.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > DS_SPLIT_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

int ds_split_rule_parse(const char *text, ds_split_rule_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return err_invalid(err, "split", "split rule is empty; write e.g. train=0.8,test=0.2");
    double sum = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return err_invalid(err, "split", "split '%.*s' needs '=FRACTION' (e.g. train=0.8)",
                               (int)(len > 60 ? 60 : len), p);
        size_t name_len = (size_t)(eq - p);
        if (!valid_name(p, name_len))
            return err_invalid(err, "split",
                               "split names are 1-%d characters of letters, digits, '_' and '-'",
                               DS_SPLIT_NAME_MAX);
        if (out->n == DS_SPLITS_MAX)
            return err_invalid(err, "split", "at most %d splits", DS_SPLITS_MAX);
        memcpy(out->names[out->n], p, name_len);
        out->names[out->n][name_len] = '\0';
        if (ds_split_rule_find(out, out->names[out->n]) >= 0)
            return err_invalid(err, "split", "split '%s' is named twice", out->names[out->n]);
        char number[64];
        size_t num_len = len - name_len - 1;
        if (num_len == 0 || num_len >= sizeof number)
            return err_invalid(err, "split", "split '%s' needs a fraction", out->names[out->n]);
        memcpy(number, eq + 1, num_len);
        number[num_len] = '\0';
        char *end = NULL;
        errno = 0;
        double f = strtod(number, &end);
        if (*end || errno || !isfinite(f) || f <= 0 || f > 1)
            return err_invalid(err, "split", "split '%s': fraction '%s' must be a number in (0, 1]",
                               out->names[out->n], number);
        out->fractions[out->n++] = f;
        sum += f;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (fabs(sum - 1.0) > 1e-9)
        return err_invalid(err, "split", "split fractions sum to %g, not 1", sum);
    return 0;
}

char *ds_split_rule_text(const ds_split_rule_t *rule)
{
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; i < rule->n; i++) {
        json_t *f = json_real(rule->fractions[i]);
        char *number = json_dump_text(f, 0);
        buf_printf(&b, "%s%s=%s", i ? "," : "", rule->names[i], number);
        free(number);
        json_decref(f);
    }
    return buf_steal(&b);
}

int ds_split_rule_find(const ds_split_rule_t *rule, const char *name)
{
    for (size_t i = 0; i < rule->n; i++)
        if (strcmp(rule->names[i], name) == 0)
            return (int)i;
    return -1;
}

typedef struct ranked {
    const char *text;
    size_t index;
} ranked_t;

static int by_text_then_index(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static unsigned char pick(const ds_split_rule_t *rule, int64_t seed, size_t k, const char *text,
                          buf_t *scratch)
{
    buf_reset(scratch);
    buf_printf(scratch, "%lld\n%zu\n", (long long)seed, k);
    buf_append_str(scratch, text);
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    EVP_Digest(scratch->data, scratch->len, h, &hlen, EVP_sha256(), NULL);
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | h[i];
    double u = (double)x / 18446744073709551616.0; /* 2^64 */
    double running = 0;
    for (size_t i = 0; i + 1 < rule->n; i++) {
        running += rule->fractions[i];
        if (u < running)
            return (unsigned char)i;
    }
    return (unsigned char)(rule->n - 1);
}

void ds_split_assign(const ds_split_rule_t *rule, int64_t seed, char *const *canon, size_t n,
                     unsigned char *out)
{
    ranked_t *order = xmalloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = (ranked_t){canon[i], i};
    qsort(order, n, sizeof *order, by_text_then_index);
    buf_t scratch;
    buf_init(&scratch);
    size_t k = 0;
    for (size_t r = 0; r < n; r++) {
        k = r > 0 && strcmp(order[r].text, order[r - 1].text) == 0 ? k + 1 : 0;
        out[order[r].index] = pick(rule, seed, k, order[r].text, &scratch);
    }
    buf_free(&scratch);
    free(order);
}
