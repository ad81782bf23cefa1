/* fuzz_gate.c - libFuzzer target for eval/gate.h: the input is parsed as a gate list; a failure
 * must be a 400 invalid_argument naming the field "gate", with a message that is valid UTF-8 (it
 * goes into JSON) and shorter than 400 bytes, and must leave the list empty. A success must hold
 * well-formed gates whose text, written back, parses again to the same gates; each list is then
 * checked against a small summary and baseline, which must give one result object per gate. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "eval/gate.h"

static void check_error(const err_t *err)
{
    if (err->status != 400 || strcmp(err->code, "invalid_argument") != 0 ||
        strcmp(err->field, "gate") != 0 || strlen(err->message) >= 400)
        abort();
    json_t *s = json_string(err->message); /* NULL when not valid UTF-8 */
    if (!s)
        abort();
    json_decref(s);
}

static void check_same(const gate_list_t *a, const gate_list_t *b)
{
    if (a->n != b->n)
        abort();
    for (size_t i = 0; i < a->n; i++) {
        const gate_t *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->metric, y->metric) != 0 || x->op != y->op || x->kind != y->kind ||
            x->number != y->number)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0'; /* an embedded NUL just ends the list early, as in a C string */

    gate_list_t l = {0};
    err_t err;
    if (gate_parse(text, &l, &err) != 0) {
        check_error(&err);
        if (l.items || l.n)
            abort();
        free(text);
        return 0;
    }
    for (size_t i = 0; i < l.n; i++) {
        const gate_t *g = &l.items[i];
        if (!g->metric || !g->metric[0] || !isfinite(g->number) || g->op > GATE_NE ||
            g->kind > GATE_BASELINE_TIMES)
            abort();
    }
    char *back = gate_list_text(&l);
    gate_list_t again = {0};
    if (gate_parse(back, &again, &err) != 0)
        abort();
    check_same(&l, &again);
    gate_list_free(&again);
    free(back);

    json_t *summary =
        json_pack("{s:{s:f,s:f,s:f,s:f},s:f,s:n}", "exact_match", "mean", 0.8, "ci_low", 0.7,
                  "ci_high", 0.9, "pass_rate", 0.8, "cost", 0.01, "latency_p50");
    int all = -1;
    json_t *r = gate_check(&l, summary, summary, &all);
    if (!json_is_array(r) || json_array_size(r) != l.n || (all != 0 && all != 1))
        abort();
    json_decref(r);
    r = gate_check(&l, summary, NULL, &all);
    json_decref(r);
    json_decref(summary);
    gate_list_free(&l);
    free(text);
    return 0;
}
