/* gate.c - parsing gate lists ("exact_match>=0.8,cost<=baseline*1.1"), checking them against an
 * evaluation's summary and an optional baseline summary, and writing them back as text
 * (gate.h; the grammar is in docs/eval-stats.md).
 *
 * Comparisons allow a tiny tolerance (GATE_EPS relative) so that a gate such as
 * "exact_match>=baseline-0.02" is not failed by the last bit of a floating-point subtraction:
 * 0.78 >= 0.8 - 0.02 must hold although 0.8 - 0.02 is 0.78000000000000003 in binary. */
#include "eval/gate.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define GATE_MAX_ITEMS      100
#define GATE_MAX_METRIC_LEN 200
#define GATE_QUOTE_MAX      80
#define GATE_EPS            1e-9

static const char *const op_text[] = {">=", ">", "<=", "<", "==", "!="};

/* Append s[0..len) to b for an error message: at most GATE_QUOTE_MAX bytes, control bytes and
 * bytes that are not valid UTF-8 replaced by '?', so the message stays short, printable and
 * valid UTF-8 whatever the input was. */
static void quote_into(buf_t *b, const char *s, size_t len)
{
    size_t i = 0, shown = 0;
    while (i < len && shown < GATE_QUOTE_MAX) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        int ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok && n == 2 && c < 0xC2)
            ok = 0; /* overlong */
        if (ok && n == 3) {
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0); /* overlong, surrogate */
        }
        if (ok && n == 4) {
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (!ok || (n == 1 && (c < 0x20 || c == 0x7F))) {
            buf_append_char(b, '?');
            i++;
        } else {
            buf_append(b, s + i, n);
            i += n;
        }
        shown++;
    }
    if (i < len)
        buf_append_str(b, "...");
}

static int parse_error(err_t *err, const char *cond, size_t len, const char *why)
{
    buf_t q;
    buf_init(&q);
    quote_into(&q, cond, len);
    err_invalid(err, "gate", "invalid gate \"%s\": %s", buf_str(&q), why);
    buf_free(&q);
    return -1;
}

static int metric_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':';
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* A decimal number: [sign] digits [. digits] [e [sign] digits], at least one digit before or
 * after the point. No hex, inf or nan (strtod would take them). Returns the end or NULL. */
static const char *scan_number(const char *p, const char *end, int allow_sign, double *out)
{
    const char *start = p;
    if (allow_sign && p < end && (*p == '+' || *p == '-'))
        p++;
    size_t digits = 0;
    while (p < end && isdigit((unsigned char)*p))
        p++, digits++;
    if (p < end && *p == '.') {
        p++;
        while (p < end && isdigit((unsigned char)*p))
            p++, digits++;
    }
    if (digits == 0)
        return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *e = p + 1;
        if (e < end && (*e == '+' || *e == '-'))
            e++;
        if (e >= end || !isdigit((unsigned char)*e))
            return NULL;
        while (e < end && isdigit((unsigned char)*e))
            e++;
        p = e;
    }
    char tmp[128];
    size_t n = (size_t)(p - start);
    if (n >= sizeof tmp)
        return NULL;
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return NULL;
    *out = v;
    return p;
}

/* One condition, cond[0..len): METRIC OP (NUMBER | baseline [(+|-|*) NUMBER]). */
static int parse_one(const char *cond, size_t len, gate_t *g, err_t *err)
{
    const char *p = cond, *end = cond + len;
    p = skip_ws(p, end);
    if (p == end)
        return parse_error(err, cond, len, "empty condition");
    const char *m = p;
    while (p < end && metric_char(*p))
        p++;
    size_t mlen = (size_t)(p - m);
    if (mlen == 0 || !(isalpha((unsigned char)*m) || *m == '_'))
        return parse_error(err, cond, len, "expected a metric name (letters, digits, _ . - / :)");
    if (mlen > GATE_MAX_METRIC_LEN)
        return parse_error(err, cond, len, "metric name too long");
    if (m[mlen - 1] == '.')
        return parse_error(err, cond, len, "metric name ends with '.'");

    p = skip_ws(p, end);
    size_t oplen = 0;
    if (p + 1 < end && p[1] == '=' && (*p == '>' || *p == '<' || *p == '=' || *p == '!')) {
        g->op = *p == '>' ? GATE_GE : *p == '<' ? GATE_LE : *p == '=' ? GATE_EQ : GATE_NE;
        oplen = 2;
    } else if (p < end && (*p == '>' || *p == '<')) {
        g->op = *p == '>' ? GATE_GT : GATE_LT;
        oplen = 1;
    } else {
        return parse_error(err, cond, len, "expected an operator (>= > <= < == !=)");
    }
    p = skip_ws(p + oplen, end);

    static const char kw[] = "baseline";
    size_t kwlen = sizeof kw - 1;
    if ((size_t)(end - p) >= kwlen && strncmp(p, kw, kwlen) == 0 &&
        (p + kwlen == end || !(isalnum((unsigned char)p[kwlen]) || p[kwlen] == '_'))) {
        p = skip_ws(p + kwlen, end);
        g->kind = GATE_BASELINE_PLUS;
        g->number = 0;
        if (p < end && (*p == '+' || *p == '-' || *p == '*')) {
            char sign = *p;
            p = skip_ws(p + 1, end);
            double v;
            const char *q = scan_number(p, end, 0, &v);
            if (!q)
                return parse_error(err, cond, len,
                                   "expected a number after 'baseline' and +, - or *");
            p = q;
            g->kind = sign == '*' ? GATE_BASELINE_TIMES : GATE_BASELINE_PLUS;
            g->number = sign == '-' ? -v : v;
        }
    } else {
        double v;
        const char *q = scan_number(p, end, 1, &v);
        if (!q)
            return parse_error(err, cond, len,
                               "expected a number or 'baseline' after the operator");
        p = q;
        g->kind = GATE_ABSOLUTE;
        g->number = v;
    }
    p = skip_ws(p, end);
    if (p != end)
        return parse_error(err, cond, len, "unexpected text after the condition");
    g->metric = xstrndup(m, mlen);
    return 0;
}

int gate_parse(const char *text, gate_list_t *out, err_t *err)
{
    out->items = NULL;
    out->n = 0;
    if (!text)
        return 0;
    const char *end = text + strlen(text);
    if (skip_ws(text, end) == end)
        return 0;
    size_t cap = 0;
    const char *p = text;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (out->n == GATE_MAX_ITEMS) {
            gate_list_free(out);
            return err_invalid(err, "gate", "too many gates (at most %d)", GATE_MAX_ITEMS);
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            out->items = xrealloc(out->items, cap * sizeof *out->items);
        }
        gate_t g = {0};
        if (parse_one(p, (size_t)(stop - p), &g, err) != 0) {
            gate_list_free(out);
            return -1;
        }
        out->items[out->n++] = g;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

void gate_list_free(gate_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i].metric);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

/* The shortest spelling of v that reads back as v: plain decimals ("1500", "0.02") for the
 * magnitudes gates use, an exponent only for very large or very small numbers. */
static void append_number(buf_t *b, double v)
{
    char tmp[64];
    if (v == 0 || (fabs(v) >= 1e-6 && fabs(v) < 1e15)) {
        for (int decimals = 0; decimals <= 20; decimals++) {
            snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
            if (strtod(tmp, NULL) == v) {
                buf_append_str(b, tmp);
                return;
            }
        }
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    buf_append_str(b, tmp);
}

static void append_gate(buf_t *b, const gate_t *g)
{
    buf_append_str(b, g->metric);
    buf_append_str(b, op_text[g->op]);
    switch (g->kind) {
    case GATE_ABSOLUTE:
        append_number(b, g->number);
        break;
    case GATE_BASELINE_PLUS:
        buf_append_str(b, "baseline");
        if (g->number != 0) {
            buf_append_char(b, g->number < 0 ? '-' : '+');
            append_number(b, fabs(g->number));
        }
        break;
    case GATE_BASELINE_TIMES:
        buf_append_str(b, "baseline*");
        append_number(b, g->number);
        break;
    }
}

char *gate_list_text(const gate_list_t *gates)
{
    buf_t b;
    buf_init(&b);
    for (size_t i = 0; gates && i < gates->n; i++) {
        if (i)
            buf_append_char(&b, ',');
        append_gate(&b, &gates->items[i]);
    }
    return buf_steal(&b);
}

/* The value a summary holds for metric (as written, with its suffix). Lookup order: a number
 * stored under the full name ("pass_rate", "cost"); an object under the full name (a scorer:
 * its "mean"); else the part before the last '.' as a scorer object and the suffix (mean,
 * ci_low, ci_high, pass_rate) as its field. Returns 1 found with a number, 0 found without a
 * value (null: e.g. no rows yet), -1 unknown. */
static int lookup(const json_t *summary, const char *metric, double *out)
{
    if (!json_is_object(summary))
        return -1;
    const json_t *v = json_object_get(summary, metric);
    if (v && json_is_object(v))
        v = json_object_get(v, "mean");
    else if (!v) {
        const char *dot = strrchr(metric, '.');
        if (!dot)
            return -1;
        const char *suffix = dot + 1;
        if (strcmp(suffix, "mean") != 0 && strcmp(suffix, "ci_low") != 0 &&
            strcmp(suffix, "ci_high") != 0 && strcmp(suffix, "pass_rate") != 0)
            return -1;
        char *base = xstrndup(metric, (size_t)(dot - metric));
        const json_t *obj = json_object_get(summary, base);
        free(base);
        if (!json_is_object(obj))
            return -1;
        v = json_object_get(obj, suffix);
        if (!v)
            return -1;
    }
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return isfinite(*out) ? 1 : 0;
}

static int compare(double actual, gate_op_t op, double required)
{
    double tol = GATE_EPS * fmax(1.0, fmax(fabs(actual), fabs(required)));
    int eq = fabs(actual - required) <= tol;
    switch (op) {
    case GATE_GE:
        return actual > required || eq;
    case GATE_GT:
        return actual > required && !eq;
    case GATE_LE:
        return actual < required || eq;
    case GATE_LT:
        return actual < required && !eq;
    case GATE_EQ:
        return eq;
    case GATE_NE:
        return !eq;
    }
    return 0;
}

static json_t *check_one(const gate_t *g, const json_t *summary, const json_t *baseline)
{
    buf_t text;
    buf_init(&text);
    append_gate(&text, g);
    json_t *r = json_object();
    json_object_set_new(r, "gate", json_string(buf_str(&text)));
    buf_free(&text);
    json_object_set_new(r, "metric", json_string(g->metric));
    json_object_set_new(r, "op", json_string(op_text[g->op]));

    double actual = 0, required = 0;
    const char *reason = NULL;
    int have_actual = lookup(summary, g->metric, &actual);
    int have_required = 0;
    if (g->kind == GATE_ABSOLUTE) {
        required = g->number;
        have_required = 1;
    } else if (!baseline) {
        reason = "no baseline";
    } else {
        double base;
        int found = lookup(baseline, g->metric, &base);
        if (found < 0)
            reason = "unknown metric in the baseline";
        else if (found == 0)
            reason = "the baseline has no value for the metric";
        else {
            required = g->kind == GATE_BASELINE_TIMES ? base * g->number : base + g->number;
            have_required = 1;
        }
    }
    if (have_actual < 0)
        reason = "unknown metric";
    else if (have_actual == 0 && !reason)
        reason = "the metric has no value";

    json_object_set_new(r, "actual", have_actual > 0 ? json_real(actual) : json_null());
    json_object_set_new(r, "required", have_required ? json_real(required) : json_null());
    int passed = !reason && compare(actual, g->op, required);
    json_object_set_new(r, "passed", json_boolean(passed));
    if (reason)
        json_object_set_new(r, "reason", json_string(reason));
    return r;
}

json_t *gate_check(const gate_list_t *gates, const json_t *summary, const json_t *baseline,
                   int *all_passed)
{
    json_t *out = json_array();
    int all = 1;
    for (size_t i = 0; gates && i < gates->n; i++) {
        json_t *r = check_one(&gates->items[i], summary, baseline);
        if (!json_is_true(json_object_get(r, "passed")))
            all = 0;
        json_array_append_new(out, r);
    }
    if (all_passed)
        *all_passed = all;
    return out;
}
