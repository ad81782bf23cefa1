/* otlp_batch.c - the batch the OTLP decoders fill, the pieces both decoders share (hex ids,
 * kind and status names), the JSON response, and the ingestion step that maps, checks and
 * writes a decoded batch (see otlp.h). */
#include "traces/otlp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "traces/genai_map.h"

void otlp_batch_init(otlp_batch_t *b)
{
    memset(b, 0, sizeof *b);
    b->keep = json_array();
}

void otlp_batch_free(otlp_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->spans[i].attrs);
        json_decref(b->spans[i].events);
    }
    free(b->spans);
    for (size_t i = 0; i < b->nowned; i++)
        free(b->owned[i]);
    free(b->owned);
    json_decref(b->keep);
    free(b->first_error);
    free(b->frag);
    memset(b, 0, sizeof *b);
}

otlp_span_t *otlp_batch_add(otlp_batch_t *b)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->spans = xrealloc(b->spans, b->cap * sizeof *b->spans);
    }
    otlp_span_t *s = &b->spans[b->n++];
    memset(s, 0, sizeof *s);
    s->row = span_row_empty();
    s->row.source = "otlp";
    s->attrs = json_object();
    s->events = json_array();
    return s;
}

static void note_rejection(otlp_batch_t *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void note_rejection(otlp_batch_t *b, const char *fmt, va_list ap)
{
    b->rejected++;
    if (!b->first_error) {
        buf_t msg;
        buf_init(&msg);
        buf_vprintf(&msg, fmt, ap);
        b->first_error = buf_steal(&msg);
    }
}

void otlp_batch_reject_last(otlp_batch_t *b, const char *fmt, ...)
{
    if (b->n > 0) {
        b->n--;
        json_decref(b->spans[b->n].attrs);
        json_decref(b->spans[b->n].events);
    }
    va_list ap;
    va_start(ap, fmt);
    note_rejection(b, fmt, ap);
    va_end(ap);
}

static void reject_count(otlp_batch_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void reject_count(otlp_batch_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_rejection(b, fmt, ap);
    va_end(ap);
}

const char *otlp_batch_own(otlp_batch_t *b, char *s)
{
    if (!s)
        return NULL;
    if (b->nowned == b->owned_cap) {
        b->owned_cap = b->owned_cap ? b->owned_cap * 2 : 64;
        b->owned = xrealloc(b->owned, b->owned_cap * sizeof *b->owned);
    }
    b->owned[b->nowned++] = s;
    return s;
}

json_t *otlp_batch_keep(otlp_batch_t *b, json_t *v)
{
    json_array_append_new(b->keep, v);
    return v;
}

void otlp_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

const char *otlp_kind_name(int64_t kind)
{
    static const char *const names[] = {NULL,     "internal", "server",
                                        "client", "producer", "consumer"};
    return kind >= 0 && kind <= 5 ? names[kind] : NULL;
}

const char *otlp_status_name(int64_t code)
{
    static const char *const names[] = {"unset", "ok", "error"};
    return code >= 0 && code <= 2 ? names[code] : NULL;
}

char *otlp_json_response(size_t rejected, const char *message)
{
    json_t *out = json_object();
    if (rejected > 0) {
        char count[32];
        snprintf(count, sizeof count, "%zu", rejected); /* OTLP/JSON writes int64 as a string */
        json_object_set_new(out, "partialSuccess",
                            json_pack("{s:s, s:s}", "rejectedSpans", count, "errorMessage",
                                      message ? message : ""));
    }
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

int otlp_ingest(store_t *s, otlp_batch_t *b, const genai_prices_t *prices, span_write_result_t *out,
                err_t *err)
{
    span_row_t *rows = xcalloc(b->n ? b->n : 1, sizeof *rows);
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        otlp_span_t *sp = &b->spans[i];
        genai_map_span(sp, b, prices);
        err_t why;
        if (span_row_check(&sp->row, &why) != 0) {
            reject_count(b, "span %s: %s", sp->row.span_id, why.message);
            continue;
        }
        rows[n++] = sp->row;
    }
    span_write_result_t result = {0};
    int rc = n > 0 ? span_store_write(s, rows, n, NULL, 0, &result, err) : 0;
    free(rows);
    if (out)
        *out = result;
    return rc;
}
