/* span_store.c - spans of any origin into the store, and each touched trace's roll-up row
 * recomputed from all of its spans (see span_store.h).
 *
 * One write is one transaction of four statements per chunk, whatever the batch size, so that
 * PostgreSQL sees a handful of round trips per request rather than one per span:
 *   1. a multi-row upsert of the spans (duplicates within the batch merged first in C, because
 *      PostgreSQL refuses to update one row twice in one statement);
 *   2. the caller-given fields and start of the touched traces already stored;
 *   3. the roll-up columns of every span of the touched traces that were stored before (not
 *      input/output: the roll-up takes those of one span, which statement 4 reads with a
 *      scalar subquery); a trace without a row yet has all its spans in the batch (a trace's
 *      row is written with its first span), so its roll-up is computed from the batch alone;
 *   4. a multi-row upsert of the traces' roll-ups.
 *
 * Merging: a NULL parameter keeps the stored value (COALESCE). The defaults a new row needs
 * (type "span", status "unset", attributes "{}", events "[]") never overwrite what is stored,
 * so a Langfuse update that says nothing about them keeps what its create said. */
#include "traces/span_store.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/sql_builder.h"

#define NS_PER_MS 1000000LL
/* Trace ids per IN (...) list and trace rows per roll-up upsert: far below both backends'
 * limits on bound parameters. */
#define IDS_PER_QUERY     500
#define TRACES_PER_UPSERT 200

span_row_t span_row_empty(void)
{
    span_row_t r;
    memset(&r, 0, sizeof r);
    r.input_tokens = -1;
    r.output_tokens = -1;
    r.cost_usd = NAN;
    r.ttft_ms = NAN;
    return r;
}

/* ---- checking -------------------------------------------------------------------------------- */

/* n lowercase hex digits, not all zero (OpenTelemetry's invalid id). */
static int is_id(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return 0;
        nonzero |= ch != '0';
    }
    return nonzero;
}

static int in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

int span_row_check(const span_row_t *r, err_t *err)
{
    static const char *const statuses[] = {"ok", "error", "unset", NULL};
    static const char *const kinds[] = {"internal", "server",   "client",
                                        "producer", "consumer", NULL};
    static const char *const types[] = {
        SPAN_TYPE_LLM,   SPAN_TYPE_EMBEDDING, SPAN_TYPE_RETRIEVAL, SPAN_TYPE_TOOL, SPAN_TYPE_CHAIN,
        SPAN_TYPE_AGENT, SPAN_TYPE_GUARDRAIL, SPAN_TYPE_EVENT,     SPAN_TYPE_SPAN, NULL};
    if (!is_id(r->trace_id, TRACE_ID_HEX))
        return err_invalid(err, "trace_id", "'trace_id' must be %d lowercase hex digits, not all 0",
                           TRACE_ID_HEX);
    if (!is_id(r->span_id, SPAN_ID_HEX))
        return err_invalid(err, "span_id", "'span_id' must be %d lowercase hex digits, not all 0",
                           SPAN_ID_HEX);
    if (r->parent_span_id[0] && !is_id(r->parent_span_id, SPAN_ID_HEX))
        return err_invalid(err, "parent_span_id",
                           "'parent_span_id' must be empty or %d lowercase hex digits",
                           SPAN_ID_HEX);
    if (!r->name || !r->name[0])
        return err_invalid(err, "name", "'name' must be a non-empty string");
    if (r->start_ns <= 0)
        return err_invalid(err, "start_time", "'start_time' must be a positive epoch time");
    if (r->end_ns != 0 && r->end_ns < r->start_ns)
        return err_invalid(err, "end_time", "'end_time' must not be before 'start_time'");
    if (r->status && !in_list(r->status, statuses))
        return err_invalid(err, "status", "'status' must be ok, error or unset");
    if (r->kind && !in_list(r->kind, kinds))
        return err_invalid(err, "kind",
                           "'kind' must be internal, server, client, producer or consumer");
    if (r->type && !in_list(r->type, types))
        return err_invalid(err, "type", "'type' '%s' is not a known span type", r->type);
    if (r->input_tokens < -1)
        return err_invalid(err, "input_tokens", "'input_tokens' must not be negative");
    if (r->output_tokens < -1)
        return err_invalid(err, "output_tokens", "'output_tokens' must not be negative");
    if (!isnan(r->cost_usd) && (r->cost_usd < 0 || isinf(r->cost_usd)))
        return err_invalid(err, "cost_usd", "'cost_usd' must be a finite number >= 0");
    if (!isnan(r->ttft_ms) && (r->ttft_ms < 0 || isinf(r->ttft_ms)))
        return err_invalid(err, "ttft_ms", "'ttft_ms' must be a finite number >= 0");
    return 0;
}

/* ---- 1. the spans ---------------------------------------------------------------------------- */

/* Order spans by (trace, span) and, for the same span, by their place in the batch, so that
 * merging a run of duplicates lets the later one win. */
typedef struct span_ref {
    const span_row_t *row;
    size_t index;
} span_ref_t;

static int span_ref_cmp(const void *a, const void *b)
{
    const span_ref_t *x = a, *y = b;
    int c = strcmp(x->row->trace_id, y->row->trace_id);
    if (c == 0)
        c = strcmp(x->row->span_id, y->row->span_id);
    if (c == 0)
        c = x->index < y->index ? -1 : x->index > y->index;
    return c;
}

#define TAKE(field)                                                                                \
    do {                                                                                           \
        if (src->field)                                                                            \
            dst->field = src->field;                                                               \
    } while (0)

/* Fold src (later in the batch) into dst. */
static void span_merge(span_row_t *dst, const span_row_t *src)
{
    if (src->parent_span_id[0])
        memcpy(dst->parent_span_id, src->parent_span_id, sizeof dst->parent_span_id);
    TAKE(name);
    TAKE(kind);
    TAKE(status_message);
    TAKE(session_id);
    TAKE(user_id);
    TAKE(endpoint);
    TAKE(model);
    TAKE(provider);
    TAKE(version);
    TAKE(input);
    TAKE(output);
    TAKE(source);
    TAKE(start_ns);
    TAKE(end_ns);
    if (src->type && strcmp(src->type, SPAN_TYPE_SPAN) != 0)
        dst->type = src->type;
    if (src->status && strcmp(src->status, "unset") != 0)
        dst->status = src->status;
    if (src->attributes_json && strcmp(src->attributes_json, "{}") != 0)
        dst->attributes_json = src->attributes_json;
    if (src->events_json && strcmp(src->events_json, "[]") != 0)
        dst->events_json = src->events_json;
    if (src->input_tokens >= 0)
        dst->input_tokens = src->input_tokens;
    if (src->output_tokens >= 0)
        dst->output_tokens = src->output_tokens;
    if (!isnan(src->cost_usd))
        dst->cost_usd = src->cost_usd;
    if (!isnan(src->ttft_ms))
        dst->ttft_ms = src->ttft_ms;
}

/* The batch's spans, one per (trace, span), sorted. Caller frees. */
static span_row_t *spans_dedup(const span_row_t *rows, size_t n, size_t *out_n)
{
    span_ref_t *refs = xcalloc(n ? n : 1, sizeof *refs);
    for (size_t i = 0; i < n; i++)
        refs[i] = (span_ref_t){.row = rows + i, .index = i};
    qsort(refs, n, sizeof *refs, span_ref_cmp);
    span_row_t *merged = xcalloc(n ? n : 1, sizeof *merged);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && strcmp(merged[m - 1].trace_id, refs[i].row->trace_id) == 0 &&
            strcmp(merged[m - 1].span_id, refs[i].row->span_id) == 0)
            span_merge(&merged[m - 1], refs[i].row);
        else
            merged[m++] = *refs[i].row;
    }
    free(refs);
    *out_n = m;
    return merged;
}

#define SPAN_COLS 26
static const char span_head[] =
    "INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, type, start_ms, end_ms, "
    "latency_ms, status, status_message, session_id, user_id, endpoint, model, provider, "
    "version, input_tokens, output_tokens, cost_usd, ttft_ms, input, output, attributes, events, "
    "source) VALUES";
/* Columns after the key: NULL keeps the stored value; the defaults never overwrite. */
static const char span_tail[] =
    " ON CONFLICT (trace_id, span_id) DO UPDATE SET "
    "parent_span_id = COALESCE(excluded.parent_span_id, spans.parent_span_id), "
    "name = excluded.name, "
    "kind = COALESCE(excluded.kind, spans.kind), "
    "type = CASE WHEN excluded.type = 'span' AND spans.type IS NOT NULL THEN spans.type "
    "ELSE excluded.type END, "
    "start_ms = excluded.start_ms, "
    "end_ms = COALESCE(excluded.end_ms, spans.end_ms), "
    "latency_ms = CASE WHEN excluded.end_ms IS NULL THEN spans.latency_ms "
    "ELSE excluded.latency_ms END, "
    "status = CASE WHEN excluded.status = 'unset' AND spans.status IS NOT NULL THEN spans.status "
    "ELSE excluded.status END, "
    "status_message = COALESCE(excluded.status_message, spans.status_message), "
    "session_id = COALESCE(excluded.session_id, spans.session_id), "
    "user_id = COALESCE(excluded.user_id, spans.user_id), "
    "endpoint = COALESCE(excluded.endpoint, spans.endpoint), "
    "model = COALESCE(excluded.model, spans.model), "
    "provider = COALESCE(excluded.provider, spans.provider), "
    "version = COALESCE(excluded.version, spans.version), "
    "input_tokens = COALESCE(excluded.input_tokens, spans.input_tokens), "
    "output_tokens = COALESCE(excluded.output_tokens, spans.output_tokens), "
    "cost_usd = COALESCE(excluded.cost_usd, spans.cost_usd), "
    "ttft_ms = COALESCE(excluded.ttft_ms, spans.ttft_ms), "
    "input = COALESCE(excluded.input, spans.input), "
    "output = COALESCE(excluded.output, spans.output), "
    "attributes = CASE WHEN excluded.attributes = '{}' THEN spans.attributes "
    "ELSE excluded.attributes END, "
    "events = CASE WHEN excluded.events = '[]' THEN spans.events ELSE excluded.events END, "
    "source = COALESCE(excluded.source, spans.source)";

static void span_values(const span_row_t *r, store_value_t *v)
{
    int ended = r->end_ns > 0;
    store_value_t row[SPAN_COLS] = {
        sv_text(r->trace_id),
        sv_text(r->span_id),
        r->parent_span_id[0] ? sv_text(r->parent_span_id) : sv_null(),
        sv_text(r->name),
        sv_text(r->kind),
        sv_text(r->type ? r->type : SPAN_TYPE_SPAN),
        sv_int(r->start_ns / NS_PER_MS),
        ended ? sv_int(r->end_ns / NS_PER_MS) : sv_null(),
        ended ? sv_real((double)(r->end_ns - r->start_ns) / (double)NS_PER_MS) : sv_null(),
        sv_text(r->status ? r->status : "unset"),
        sv_text(r->status_message),
        sv_text(r->session_id),
        sv_text(r->user_id),
        sv_text(r->endpoint),
        sv_text(r->model),
        sv_text(r->provider),
        sv_text(r->version),
        r->input_tokens >= 0 ? sv_int(r->input_tokens) : sv_null(),
        r->output_tokens >= 0 ? sv_int(r->output_tokens) : sv_null(),
        isnan(r->cost_usd) ? sv_null() : sv_real(r->cost_usd),
        isnan(r->ttft_ms) ? sv_null() : sv_real(r->ttft_ms),
        sv_text(r->input),
        sv_text(r->output),
        sv_text(r->attributes_json ? r->attributes_json : "{}"),
        sv_text(r->events_json ? r->events_json : "[]"),
        sv_text(r->source),
    };
    memcpy(v, row, sizeof row);
}

static int write_spans(store_conn_t *c, const span_row_t *rows, size_t n, err_t *err)
{
    if (n == 0)
        return 0;
    store_value_t *vals = xcalloc(n * SPAN_COLS, sizeof *vals);
    for (size_t i = 0; i < n; i++)
        span_values(&rows[i], vals + i * SPAN_COLS);
    int64_t rc = sqlb_exec_rows(c, span_head, SPAN_COLS, span_tail, vals, n, err);
    free(vals);
    return rc < 0 ? -1 : 0;
}

/* ---- 2, 3. what the roll-up is computed from ------------------------------------------------- */

/* Text columns of the roll-up that take the root's value, else the first non-NULL one. */
enum { RT_SESSION, RT_USER, RT_ENDPOINT, RT_MODEL, RT_PROVIDER, RT_VERSION, RT_COUNT };

typedef struct rollup {
    char trace_id[TRACE_ID_HEX + 1];
    json_t *fields;       /* caller-given fields, stored merged with this call's (or NULL) */
    int64_t stored_start; /* the stored row's start_ms, -1: no row yet */
    size_t spans;
    int64_t start_ms, end_ms; /* end_ms -1: no span ended */
    const char *root_span_id, *root_name, *first_name, *first_span_id, *source;
    int has_root;
    const char *root_text[RT_COUNT], *first_text[RT_COUNT];
    int64_t input_tokens, output_tokens; /* -1: no span has them */
    double cost, ttft;                   /* NAN: none */
    int error;
    int64_t guardrail_hits;
} rollup_t;

static int rollup_cmp(const void *a, const void *b)
{
    return strcmp(((const rollup_t *)a)->trace_id, ((const rollup_t *)b)->trace_id);
}

static rollup_t *rollup_find(rollup_t *r, size_t n, const char *trace_id)
{
    rollup_t key;
    snprintf(key.trace_id, sizeof key.trace_id, "%s", trace_id);
    return bsearch(&key, r, n, sizeof *r, rollup_cmp);
}

/* "trace_id IN (?, ...)" over ids[from, from + n). */
static void where_in(sqlb_t *b, const rollup_t *r, size_t from, size_t n)
{
    sqlb_sql(b, "trace_id IN (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sqlb_sql(b, ", ");
        sqlb_param(b, sv_text(r[from + i].trace_id));
    }
    sqlb_sql(b, ")");
}

/* The caller-given fields as a JSON object (only the ones given). */
static json_t *fields_json(const span_trace_fields_t *t)
{
    json_t *o = json_object();
    const char *const keys[] = {"name", "session_id", "user_id", "version", "input", "output"};
    const char *const vals[] = {t->name,    t->session_id, t->user_id,
                                t->version, t->input,      t->output};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (vals[i])
            json_object_set_new(o, keys[i], json_string(vals[i]));
    if (t->start_ns > 0)
        json_object_set_new(o, "start_ns", json_integer(t->start_ns));
    return o;
}

/* Statement 2: the stored fields (this call's given ones win key by key) and start. */
static int read_traces(store_conn_t *c, rollup_t *r, size_t n, err_t *err)
{
    for (size_t from = 0; from < n; from += IDS_PER_QUERY) {
        size_t k = n - from < IDS_PER_QUERY ? n - from : IDS_PER_QUERY;
        sqlb_t b;
        sqlb_init(&b, store_conn_kind(c));
        sqlb_sql(&b, "SELECT trace_id, fields, start_ms FROM traces WHERE ");
        where_in(&b, r, from, k);
        store_rows_t *rows = sqlb_query(c, &b, err);
        sqlb_free(&b);
        if (!rows)
            return -1;
        for (size_t i = 0; i < store_rows_count(rows); i++) {
            rollup_t *t = rollup_find(r, n, store_rows_text(rows, i, 0));
            if (!t)
                continue;
            t->stored_start = store_rows_int(rows, i, 2);
            const char *text = store_rows_text(rows, i, 1);
            json_t *stored = text ? json_loads(text, 0, NULL) : NULL;
            if (json_is_object(stored)) {
                if (t->fields)
                    json_object_update(stored, t->fields);
                json_decref(t->fields);
                t->fields = stored;
            } else {
                json_decref(stored);
            }
        }
        store_rows_free(rows);
    }
    return 0;
}

#define SPAN_READ_COLUMNS                                                                          \
    "trace_id, span_id, parent_span_id, name, start_ms, end_ms, status, type, source, "            \
    "input_tokens, output_tokens, cost_usd, ttft_ms, session_id, user_id, endpoint, model, "       \
    "provider, version"
enum {
    C_TRACE,
    C_SPAN,
    C_PARENT,
    C_NAME,
    C_START,
    C_END,
    C_STATUS,
    C_TYPE,
    C_SOURCE,
    C_IN,
    C_OUT,
    C_COST,
    C_TTFT,
    C_TEXT0
};

/* What the roll-up reads of one span, from a stored row or from a span of the batch. */
typedef struct span_view {
    const char *span_id, *parent, *name, *status, *type, *source;
    int64_t start_ms, end_ms;            /* end_ms -1: not ended */
    int64_t input_tokens, output_tokens; /* -1: unknown */
    double cost, ttft;                   /* NAN: unknown */
    const char *text[RT_COUNT];
} span_view_t;

/* Spans must come by start time (then span id), as both callers give them. */
static void rollup_add(rollup_t *t, const span_view_t *v)
{
    if (t->spans == 0) {
        t->start_ms = v->start_ms;
        t->first_name = v->name;
        t->first_span_id = v->span_id;
        t->source = v->source;
    }
    t->spans++;
    if (v->end_ms > t->end_ms)
        t->end_ms = v->end_ms;
    int becomes_root = (!v->parent || !v->parent[0]) && !t->has_root;
    if (becomes_root) {
        t->has_root = 1;
        t->root_span_id = v->span_id;
        t->root_name = v->name;
    }
    for (int k = 0; k < RT_COUNT; k++) {
        if (v->text[k] && !t->first_text[k])
            t->first_text[k] = v->text[k];
        if (becomes_root)
            t->root_text[k] = v->text[k];
    }
    int failed = v->status && strcmp(v->status, "error") == 0;
    t->error |= failed;
    if (failed && v->type && strcmp(v->type, SPAN_TYPE_GUARDRAIL) == 0)
        t->guardrail_hits++;
    if (v->input_tokens >= 0)
        t->input_tokens = (t->input_tokens < 0 ? 0 : t->input_tokens) + v->input_tokens;
    if (v->output_tokens >= 0)
        t->output_tokens = (t->output_tokens < 0 ? 0 : t->output_tokens) + v->output_tokens;
    if (!isnan(v->cost))
        t->cost = (isnan(t->cost) ? 0 : t->cost) + v->cost;
    if (isnan(t->ttft) && v->type && strcmp(v->type, SPAN_TYPE_LLM) == 0 && !isnan(v->ttft))
        t->ttft = v->ttft;
}

static span_view_t view_of_stored(const store_rows_t *rows, size_t i)
{
    span_view_t v = {
        .span_id = store_rows_text(rows, i, C_SPAN),
        .parent = store_rows_text(rows, i, C_PARENT),
        .name = store_rows_text(rows, i, C_NAME),
        .status = store_rows_text(rows, i, C_STATUS),
        .type = store_rows_text(rows, i, C_TYPE),
        .source = store_rows_text(rows, i, C_SOURCE),
        .start_ms = store_rows_int(rows, i, C_START),
        .end_ms = store_rows_is_null(rows, i, C_END) ? -1 : store_rows_int(rows, i, C_END),
        .input_tokens = store_rows_is_null(rows, i, C_IN) ? -1 : store_rows_int(rows, i, C_IN),
        .output_tokens = store_rows_is_null(rows, i, C_OUT) ? -1 : store_rows_int(rows, i, C_OUT),
        .cost = store_rows_is_null(rows, i, C_COST) ? NAN : store_rows_real(rows, i, C_COST),
        .ttft = store_rows_is_null(rows, i, C_TTFT) ? NAN : store_rows_real(rows, i, C_TTFT),
    };
    for (int k = 0; k < RT_COUNT; k++)
        v.text[k] = store_rows_text(rows, i, (size_t)(C_TEXT0 + k));
    return v;
}

/* A span of the batch as it was just stored (with the defaults a new row gets). */
static span_view_t view_of_row(const span_row_t *r)
{
    span_view_t v = {
        .span_id = r->span_id,
        .parent = r->parent_span_id,
        .name = r->name,
        .status = r->status ? r->status : "unset",
        .type = r->type ? r->type : SPAN_TYPE_SPAN,
        .source = r->source,
        .start_ms = r->start_ns / NS_PER_MS,
        .end_ms = r->end_ns > 0 ? r->end_ns / NS_PER_MS : -1,
        .input_tokens = r->input_tokens,
        .output_tokens = r->output_tokens,
        .cost = r->cost_usd,
        .ttft = r->ttft_ms,
        .text = {r->session_id, r->user_id, r->endpoint, r->model, r->provider, r->version},
    };
    return v;
}

/* Statement 3: every span of the touched traces that were stored before (the others have all
 * their spans in this batch), by start time. The results are kept in *kept (the roll-ups
 * borrow their texts) until the upsert ran. */
static int read_spans(store_conn_t *c, rollup_t *r, size_t n, store_rows_t **kept, err_t *err)
{
    rollup_t **stored = xcalloc(n ? n : 1, sizeof *stored);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].stored_start >= 0)
            stored[ns++] = &r[i];
    int rc = 0;
    for (size_t from = 0, q = 0; from < ns && rc == 0; from += IDS_PER_QUERY, q++) {
        size_t k = ns - from < IDS_PER_QUERY ? ns - from : IDS_PER_QUERY;
        sqlb_t b;
        sqlb_init(&b, store_conn_kind(c));
        sqlb_sql(&b, "SELECT " SPAN_READ_COLUMNS " FROM spans WHERE trace_id IN (");
        for (size_t i = 0; i < k; i++) {
            if (i)
                sqlb_sql(&b, ", ");
            sqlb_param(&b, sv_text(stored[from + i]->trace_id));
        }
        sqlb_sql(&b, ") ORDER BY trace_id, start_ms, span_id");
        store_rows_t *rows = sqlb_query(c, &b, err);
        sqlb_free(&b);
        if (!rows) {
            rc = -1;
            break;
        }
        kept[q] = rows;
        for (size_t i = 0; i < store_rows_count(rows); i++) {
            rollup_t *t = rollup_find(r, n, store_rows_text(rows, i, C_TRACE));
            if (t) {
                span_view_t v = view_of_stored(rows, i);
                rollup_add(t, &v);
            }
        }
    }
    free(stored);
    return rc;
}

/* Batch spans by trace, then start time and span id: the order the store reads them in. */
static int by_start(const void *a, const void *b)
{
    const span_row_t *x = *(const span_row_t *const *)a, *y = *(const span_row_t *const *)b;
    int c = strcmp(x->trace_id, y->trace_id);
    if (c)
        return c;
    int64_t sx = x->start_ns / NS_PER_MS, sy = y->start_ns / NS_PER_MS;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    return strcmp(x->span_id, y->span_id);
}

/* The roll-ups of traces new in this call, from the batch's spans alone. */
static void rollup_new(rollup_t *r, size_t n, const span_row_t *spans, size_t nspans)
{
    const span_row_t **order = xcalloc(nspans ? nspans : 1, sizeof *order);
    for (size_t i = 0; i < nspans; i++)
        order[i] = &spans[i];
    qsort(order, nspans, sizeof *order, by_start);
    for (size_t i = 0; i < nspans; i++) {
        rollup_t *t = rollup_find(r, n, order[i]->trace_id);
        if (t && t->stored_start < 0) {
            span_view_t v = view_of_row(order[i]);
            rollup_add(t, &v);
        }
    }
    free(order);
}

/* ---- 4. the traces --------------------------------------------------------------------------- */

static const char trace_head[] =
    "INSERT INTO traces (trace_id, start_ms, end_ms, latency_ms, name, status, session_id, "
    "user_id, endpoint, model, provider, version, input_tokens, output_tokens, cost_usd, ttft_ms, "
    "source, span_count, guardrail_hits, fields, data, input, output) VALUES ";
static const char trace_tail[] =
    " ON CONFLICT (trace_id) DO UPDATE SET start_ms = excluded.start_ms, "
    "end_ms = excluded.end_ms, latency_ms = excluded.latency_ms, name = excluded.name, "
    "status = excluded.status, session_id = excluded.session_id, user_id = excluded.user_id, "
    "endpoint = excluded.endpoint, model = excluded.model, provider = excluded.provider, "
    "version = excluded.version, input_tokens = excluded.input_tokens, "
    "output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd, "
    "ttft_ms = excluded.ttft_ms, source = excluded.source, span_count = excluded.span_count, "
    "guardrail_hits = excluded.guardrail_hits, fields = excluded.fields, "
    "input = excluded.input, output = excluded.output";

static const char *field_str(const rollup_t *t, const char *key)
{
    return json_string_value(json_object_get(t->fields, key));
}

static const char *pick(const rollup_t *t, const char *field_key, int k)
{
    const char *given = field_key ? field_str(t, field_key) : NULL;
    if (given)
        return given;
    return t->root_text[k] ? t->root_text[k] : t->first_text[k];
}

/* input or output: the caller's, else the root's (the earliest span's until the root came). */
static void trace_payload(sqlb_t *b, const rollup_t *t, const char *key)
{
    const char *given = field_str(t, key);
    const char *span_id = t->has_root ? t->root_span_id : t->first_span_id;
    if (given) {
        sqlb_param(b, sv_text(given));
    } else if (span_id) {
        sqlb_printf(b, "(SELECT %s FROM spans WHERE trace_id = ", key);
        sqlb_param(b, sv_text(t->trace_id));
        sqlb_sql(b, " AND span_id = ");
        sqlb_param(b, sv_text(span_id));
        sqlb_sql(b, ")");
    } else {
        sqlb_sql(b, "NULL");
    }
}

static void trace_values(sqlb_t *b, const rollup_t *t, char **fields_text, int64_t now_ms)
{
    json_t *given_start = json_object_get(t->fields, "start_ns");
    int64_t start = json_is_integer(given_start) ? json_integer_value(given_start) / NS_PER_MS
                    : t->spans > 0               ? t->start_ms
                    : t->stored_start >= 0       ? t->stored_start
                                                 : now_ms;
    const char *name = field_str(t, "name");
    if (!name)
        name = t->has_root ? t->root_name : t->first_name;
    *fields_text = t->fields ? json_dumps(t->fields, JSON_COMPACT) : NULL;
    int ended = t->end_ms >= 0;
    store_value_t v[] = {
        sv_text(t->trace_id),
        sv_int(start),
        ended ? sv_int(t->end_ms) : sv_null(),
        ended ? sv_real((double)(t->end_ms - start)) : sv_null(),
        sv_text(name ? name : ""),
        sv_text(t->error ? "error" : "ok"),
        sv_text(pick(t, "session_id", RT_SESSION)),
        sv_text(pick(t, "user_id", RT_USER)),
        sv_text(pick(t, NULL, RT_ENDPOINT)),
        sv_text(pick(t, NULL, RT_MODEL)),
        sv_text(pick(t, NULL, RT_PROVIDER)),
        sv_text(pick(t, "version", RT_VERSION)),
        t->input_tokens >= 0 ? sv_int(t->input_tokens) : sv_null(),
        t->output_tokens >= 0 ? sv_int(t->output_tokens) : sv_null(),
        isnan(t->cost) ? sv_null() : sv_real(t->cost),
        isnan(t->ttft) ? sv_null() : sv_real(t->ttft),
        sv_text(t->source),
        sv_int((int64_t)t->spans),
        sv_int(t->guardrail_hits),
        sv_text(*fields_text),
        sv_text("{}"),
    };
    sqlb_sql(b, "(");
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        sqlb_param(b, v[i]);
        sqlb_sql(b, ", ");
    }
    trace_payload(b, t, "input");
    sqlb_sql(b, ", ");
    trace_payload(b, t, "output");
    sqlb_sql(b, ")");
}

static int write_traces(store_conn_t *c, const rollup_t *r, size_t n, err_t *err)
{
    int64_t now = clock_now_ms();
    char **texts = xcalloc(n ? n : 1, sizeof *texts);
    int rc = 0;
    for (size_t from = 0; from < n && rc == 0; from += TRACES_PER_UPSERT) {
        size_t k = n - from < TRACES_PER_UPSERT ? n - from : TRACES_PER_UPSERT;
        sqlb_t b;
        sqlb_init(&b, store_conn_kind(c));
        sqlb_sql(&b, trace_head);
        for (size_t i = 0; i < k; i++) {
            if (i)
                sqlb_sql(&b, ", ");
            trace_values(&b, &r[from + i], &texts[from + i], now);
        }
        sqlb_sql(&b, trace_tail);
        if (sqlb_exec(c, &b, err) < 0)
            rc = -1;
        sqlb_free(&b);
    }
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    return rc;
}

/* ---- PostgreSQL: one writer per trace ----------------------------------------------------------
 * Two requests carrying spans of the same trace (services of one distributed trace exporting at
 * once) would each compute the roll-up from what their own snapshot shows, and the later upsert
 * would drop the other's spans from it. So each transaction first takes a transaction-scoped
 * advisory lock per touched trace, in ascending key order (no deadlock between two requests),
 * and reads after the other committed. Keys: (class, first 32 bits of the trace id); a shared
 * key only serialises two traces needlessly. The two-key form never meets the migration lock's
 * single bigint key. SQLite needs nothing: BEGIN IMMEDIATE already makes writers take turns. */

#define TRACE_LOCK_CLASS 0x6c6f7470 /* "lotp" */

static int key_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int lock_traces(store_conn_t *c, const rollup_t *r, size_t n, err_t *err)
{
    if (store_conn_kind(c) != STORE_POSTGRES || n == 0)
        return 0;
    int64_t *keys = xcalloc(n, sizeof *keys);
    for (size_t i = 0; i < n; i++) {
        char head[9];
        memcpy(head, r[i].trace_id, 8);
        head[8] = '\0';
        keys[i] = (int64_t)(int32_t)(uint32_t)strtoul(head, NULL, 16);
    }
    qsort(keys, n, sizeof *keys, key_cmp);
    int rc = 0;
    for (size_t from = 0; from < n && rc == 0; from += IDS_PER_QUERY) {
        size_t k = n - from < IDS_PER_QUERY ? n - from : IDS_PER_QUERY;
        sqlb_t b;
        sqlb_init(&b, STORE_POSTGRES);
        sqlb_sql(&b, "SELECT pg_advisory_xact_lock(");
        sqlb_printf(&b, "%d", TRACE_LOCK_CLASS);
        sqlb_sql(&b, ", k) FROM (SELECT DISTINCT k FROM (VALUES ");
        for (size_t i = 0; i < k; i++) {
            sqlb_sql(&b, i ? ", (CAST(" : "(CAST(");
            sqlb_param(&b, sv_int(keys[from + i]));
            sqlb_sql(&b, " AS INTEGER))");
        }
        sqlb_sql(&b, ") AS v(k) ORDER BY k) AS s");
        store_rows_t *rows = sqlb_query(c, &b, err);
        sqlb_free(&b);
        if (!rows)
            rc = -1;
        store_rows_free(rows);
    }
    free(keys);
    return rc;
}

/* ---- the write ------------------------------------------------------------------------------- */

/* One roll-up per distinct trace of the spans and the fields, sorted by trace id. */
static rollup_t *rollups_make(const span_row_t *spans, size_t nspans,
                              const span_trace_fields_t *traces, size_t ntraces, size_t *out_n)
{
    rollup_t *r = xcalloc(nspans + ntraces ? nspans + ntraces : 1, sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < nspans; i++) /* sorted by trace already */
        if (n == 0 || strcmp(r[n - 1].trace_id, spans[i].trace_id) != 0)
            memcpy(r[n++].trace_id, spans[i].trace_id, sizeof r[0].trace_id);
    for (size_t i = 0; i < ntraces; i++)
        memcpy(r[n++].trace_id, traces[i].trace_id, sizeof r[0].trace_id);
    qsort(r, n, sizeof *r, rollup_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(r[m - 1].trace_id, r[i].trace_id) != 0)
            r[m++] = r[i];
    for (size_t i = 0; i < m; i++) {
        r[i].stored_start = -1;
        r[i].end_ms = -1;
        r[i].input_tokens = -1;
        r[i].output_tokens = -1;
        r[i].cost = NAN;
        r[i].ttft = NAN;
    }
    /* This call's fields, in order (a later entry for the same trace wins key by key). */
    for (size_t i = 0; i < ntraces; i++) {
        rollup_t *t = rollup_find(r, m, traces[i].trace_id);
        json_t *given = fields_json(&traces[i]);
        if (!t->fields)
            t->fields = json_object();
        json_object_update(t->fields, given);
        json_decref(given);
    }
    *out_n = m;
    return r;
}

int span_store_write(store_t *s, const span_row_t *rows, size_t n,
                     const span_trace_fields_t *traces, size_t ntraces, span_write_result_t *out,
                     err_t *err)
{
    for (size_t i = 0; i < ntraces; i++)
        if (!is_id(traces[i].trace_id, TRACE_ID_HEX))
            return err_invalid(err, "trace_id", "'trace_id' must be %d lowercase hex digits",
                               TRACE_ID_HEX);
    size_t nspans = 0, ntr = 0;
    span_row_t *spans = spans_dedup(rows, n, &nspans);
    rollup_t *r = rollups_make(spans, nspans, traces ? traces : NULL, traces ? ntraces : 0, &ntr);
    size_t nq = (ntr + IDS_PER_QUERY - 1) / IDS_PER_QUERY;
    store_rows_t **kept = xcalloc(nq ? nq : 1, sizeof *kept);
    int rc = 0;
    if (ntr > 0) {
        store_conn_t *c = store_acquire(s);
        int ok = store_begin(c, err) == 0 && lock_traces(c, r, ntr, err) == 0 &&
                 write_spans(c, spans, nspans, err) == 0 && read_traces(c, r, ntr, err) == 0 &&
                 read_spans(c, r, ntr, kept, err) == 0;
        if (ok) {
            rollup_new(r, ntr, spans, nspans);
            ok = write_traces(c, r, ntr, err) == 0;
        }
        rc = store_finish(c, ok, err);
        store_release(s, c);
    }
    for (size_t q = 0; q < nq; q++)
        store_rows_free(kept[q]);
    free(kept);
    for (size_t i = 0; i < ntr; i++)
        json_decref(r[i].fields);
    free(r);
    free(spans);
    if (out)
        *out = rc == 0 ? (span_write_result_t){.spans = nspans, .traces = ntr}
                       : (span_write_result_t){0};
    return rc;
}
