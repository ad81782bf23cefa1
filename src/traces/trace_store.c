/* trace_store.c - batches of trace records into the store (see trace_store.h; the queries are
 * in trace_query.c).
 *
 * A batch is one transaction of three steps: a multi-row INSERT into traces with ON CONFLICT
 * DO NOTHING RETURNING trace_id (SQLite >= 3.35 and PostgreSQL both return only the rows
 * really inserted), the spans the same way, then one upsert per key into gateway_key_usage
 * adding up only the traces the first step returned. Multi-row statements keep a 500-record
 * batch at a handful of round trips on PostgreSQL instead of a thousand. */
#include "traces/trace_store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "store/sql_builder.h"

#define TRACE_COLS 30
#define SPAN_COLS  24
/* Rows per INSERT statement: 26 columns x 100 rows stays far below both backends' limits on
 * bound parameters (SQLite 32766, PostgreSQL 65535). */
#define ROWS_PER_STATEMENT 100

static const char trace_insert_head[] =
    "INSERT INTO traces (trace_id, start_ms, end_ms, name, status, session_id, user_id, "
    "endpoint, model, provider, model_name, model_version, model_alias, prompt_name, "
    "prompt_version, key_id, input_tokens, output_tokens, cost_usd, latency_ms, ttft_ms, "
    "cache_hit, input, output, error, data, source, span_count, version, guardrail_hits) VALUES ";
static const char span_insert_head[] =
    "INSERT INTO spans (span_id, trace_id, parent_span_id, name, kind, start_ms, end_ms, status, "
    "model, input_tokens, output_tokens, cost_usd, attributes, events, session_id, user_id, "
    "endpoint, provider, type, input, output, latency_ms, ttft_ms, source) VALUES ";

/* ---- reading a record ------------------------------------------------------------------------ */

static int is_hex(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static const char *rec_str(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static store_value_t rec_int(const json_t *rec, const char *key)
{
    const json_t *v = json_object_get(rec, key);
    if (json_is_integer(v))
        return sv_int(json_integer_value(v));
    if (json_is_real(v))
        return sv_int((int64_t)json_real_value(v));
    /* Versions may come as "3". */
    const char *s = json_string_value(v);
    if (s && *s) {
        char *end;
        long long n = strtoll(s, &end, 10);
        if (!*end)
            return sv_int(n);
    }
    return sv_null();
}

static store_value_t rec_real(const json_t *rec, const char *key)
{
    const json_t *v = json_object_get(rec, key);
    return json_is_number(v) ? sv_real(json_number_value(v)) : sv_null();
}

/* Typed fields must have their type when present (null is always allowed). */
static int check_type(const json_t *rec, const char *key, int (*is)(const json_t *),
                      const char *what, err_t *err)
{
    const json_t *v = json_object_get(rec, key);
    if (v && !json_is_null(v) && !is(v))
        return err_invalid(err, key, "'%s' must be %s", key, what);
    return 0;
}

static int is_string(const json_t *v)
{
    return json_is_string(v);
}
static int is_number(const json_t *v)
{
    return json_is_number(v);
}
static int is_bool(const json_t *v)
{
    return json_is_boolean(v);
}
static int is_version(const json_t *v)
{
    return json_is_integer(v) || json_is_string(v);
}

int trace_record_check(const json_t *rec, err_t *err)
{
    static const char *const strings[] = {
        "name",     "status",         "error",      "error_code",    "endpoint",
        "provider", "upstream_model", "model_name", "model_alias",   "prompt_name",
        "key_id",   "user",           "session_id", "finish_reason", NULL};
    static const char *const numbers[] = {"end_ms",       "latency_ms",    "ttft_ms",
                                          "input_tokens", "output_tokens", "cost_usd",
                                          "http_status",  "retries",       NULL};
    if (!json_is_object(rec))
        return err_invalid(err, "record", "a trace record must be a JSON object");
    if (!is_hex(rec_str(rec, "trace_id"), TRACE_ID_HEX))
        return err_invalid(err, "trace_id", "'trace_id' must be %d hex digits", TRACE_ID_HEX);
    const json_t *span = json_object_get(rec, "span_id");
    if (span && !json_is_null(span) && !is_hex(json_string_value(span), SPAN_ID_HEX))
        return err_invalid(err, "span_id", "'span_id' must be %d hex digits", SPAN_ID_HEX);
    if (!json_is_integer(json_object_get(rec, "start_ms")))
        return err_invalid(err, "start_ms", "'start_ms' must be an integer (epoch ms)");
    for (size_t i = 0; strings[i]; i++)
        if (check_type(rec, strings[i], is_string, "a string", err) != 0)
            return -1;
    for (size_t i = 0; numbers[i]; i++)
        if (check_type(rec, numbers[i], is_number, "a number", err) != 0)
            return -1;
    if (check_type(rec, "cache_hit", is_bool, "true or false", err) != 0 ||
        check_type(rec, "stream", is_bool, "true or false", err) != 0 ||
        check_type(rec, "model_version", is_version, "an integer", err) != 0 ||
        check_type(rec, "prompt_version", is_version, "an integer", err) != 0)
        return -1;
    return 0;
}

/* Strings a batch allocates for its parameters (JSON texts, lowercased ids), freed after it. */
typedef struct owned {
    char **items;
    size_t n, cap;
} owned_t;

static const char *own(owned_t *o, char *s)
{
    if (!s)
        return NULL;
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->items = xrealloc(o->items, o->cap * sizeof *o->items);
    }
    o->items[o->n++] = s;
    return s;
}

static void owned_free(owned_t *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->items[i]);
    free(o->items);
}

static const char *lower_copy(owned_t *o, const char *s)
{
    char *c = xstrdup(s);
    for (char *p = c; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return own(o, c);
}

static const char *json_text(owned_t *o, const json_t *v)
{
    return v && !json_is_null(v) ? own(o, json_to_string(v)) : NULL;
}

/* What the caller sent: the messages (chat), the prompt (completions) or the input
 * (embeddings). */
static const json_t *record_input(const json_t *rec)
{
    const json_t *req = json_object_get(rec, "request");
    const json_t *v = json_object_get(req, "messages");
    if (!v)
        v = json_object_get(req, "prompt");
    if (!v)
        v = json_object_get(req, "input");
    return v;
}

/* The answer's text; a tool-call answer without text is stored as its tool_calls JSON. */
static const char *record_output(owned_t *o, const json_t *rec)
{
    const json_t *resp = json_object_get(rec, "response");
    const char *text = json_string_value(json_object_get(resp, "text"));
    if (text)
        return text;
    return json_text(o, json_object_get(resp, "tool_calls"));
}

static int64_t record_end_ms(const json_t *rec)
{
    const json_t *end = json_object_get(rec, "end_ms");
    if (json_is_number(end))
        return (int64_t)json_number_value(end);
    const json_t *latency = json_object_get(rec, "latency_ms");
    return json_integer_value(json_object_get(rec, "start_ms")) +
           (json_is_number(latency) ? (int64_t)json_number_value(latency) : 0);
}

static const char *record_status(const json_t *rec)
{
    const char *status = rec_str(rec, "status");
    return status ? status : rec_str(rec, "error") ? "error" : "ok";
}

/* The gateway's records say where the call came from when it was not a client ("eval": the
 * evaluation runner's calls); the rest are "gateway". */
static const char *record_source(const json_t *rec)
{
    const char *source = rec_str(rec, "source");
    return source ? source : "gateway";
}

static const char *record_name(const json_t *rec)
{
    const char *name = rec_str(rec, "name");
    return name ? name : "gateway";
}

/* The trace's version (traces.version, text): the registered model's version when the call went
 * through one, else the prompt's. */
static const char *record_version(owned_t *o, const json_t *rec)
{
    store_value_t v = rec_int(rec, "model_version");
    if (v.type == SV_NULL)
        v = rec_int(rec, "prompt_version");
    if (v.type == SV_NULL)
        return NULL;
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "%lld", (long long)v.i);
    return own(o, buf_steal(&b));
}

static void trace_row(owned_t *o, const json_t *rec, store_value_t *v)
{
    const json_t *cache_hit = json_object_get(rec, "cache_hit");
    store_value_t row[TRACE_COLS] = {
        sv_text(lower_copy(o, rec_str(rec, "trace_id"))),
        sv_int(json_integer_value(json_object_get(rec, "start_ms"))),
        sv_int(record_end_ms(rec)),
        sv_text(record_name(rec)),
        sv_text(record_status(rec)),
        sv_text(rec_str(rec, "session_id")),
        sv_text(rec_str(rec, "user")),
        sv_text(rec_str(rec, "endpoint")),
        sv_text(rec_str(rec, "upstream_model")),
        sv_text(rec_str(rec, "provider")),
        sv_text(rec_str(rec, "model_name")),
        rec_int(rec, "model_version"),
        sv_text(rec_str(rec, "model_alias")),
        sv_text(rec_str(rec, "prompt_name")),
        rec_int(rec, "prompt_version"),
        sv_text(rec_str(rec, "key_id")),
        rec_int(rec, "input_tokens"),
        rec_int(rec, "output_tokens"),
        rec_real(rec, "cost_usd"),
        rec_real(rec, "latency_ms"),
        rec_real(rec, "ttft_ms"),
        json_is_boolean(cache_hit) ? sv_int(json_is_true(cache_hit)) : sv_null(),
        sv_text(json_text(o, record_input(rec))),
        sv_text(record_output(o, rec)),
        sv_text(rec_str(rec, "error")),
        sv_text(own(o, json_to_string(rec))),
        sv_text(record_source(rec)),
        sv_int(1),
        sv_text(record_version(o, rec)),
        sv_int(0),
    };
    memcpy(v, row, sizeof row);
}

/* The gateway's span: OpenTelemetry kind "server" (the gateway serves the call), the GenAI
 * semantic-convention attributes, and each upstream attempt (and the error) as an event. */
static void span_row(owned_t *o, const json_t *rec, store_value_t *v)
{
    const char *name = record_name(rec);
    const char *op = strcmp(name, "embeddings") == 0    ? "embeddings"
                     : strcmp(name, "completions") == 0 ? "text_completion"
                                                        : "chat";
    json_t *attrs = json_pack("{s:s}", "gen_ai.operation.name", op);
    static const char *const copied[][2] = {
        {"provider", "gen_ai.system"},
        {"upstream_model", "gen_ai.request.model"},
        {"input_tokens", "gen_ai.usage.input_tokens"},
        {"output_tokens", "gen_ai.usage.output_tokens"},
        {"http_status", "http.response.status_code"},
        {"endpoint", "llmops.endpoint"},
        {"target", "llmops.target"},
        {"model_name", "llmops.model.name"},
        {"model_version", "llmops.model.version"},
        {"model_alias", "llmops.model.alias"},
        {"prompt_name", "llmops.prompt.name"},
        {"prompt_version", "llmops.prompt.version"},
        {"key_id", "llmops.key_id"},
        {"user", "user.id"},
        {"session_id", "session.id"},
        {"cost_usd", "llmops.cost_usd"},
        {"cache_hit", "llmops.cache_hit"},
        {"stream", "llmops.stream"},
        {"retries", "llmops.retries"},
        {"ttft_ms", "llmops.ttft_ms"},
        {"error_code", "error.type"},
    };
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        json_t *value = json_object_get(rec, copied[i][0]);
        if (value && !json_is_null(value))
            json_object_set(attrs, copied[i][1], value);
    }
    const char *finish = rec_str(rec, "finish_reason");
    if (finish)
        json_object_set_new(attrs, "gen_ai.response.finish_reasons", json_pack("[s]", finish));

    json_t *events = json_array();
    size_t i;
    json_t *attempt;
    json_array_foreach(json_object_get(rec, "attempts"), i, attempt)
    {
        if (json_is_object(attempt))
            json_array_append_new(
                events, json_pack("{s:s, s:O}", "name", "gateway.attempt", "attributes", attempt));
    }
    const char *error = rec_str(rec, "error");
    if (error)
        json_array_append_new(events, json_pack("{s:s, s:{s:s}}", "name", "exception", "attributes",
                                                "exception.message", error));

    const char *span_id = rec_str(rec, "span_id");
    /* A record without a span id gets one derived from its trace id, so that a replay derives
     * the same one and stays idempotent. */
    const char *trace_id = rec_str(rec, "trace_id");
    const char *sid =
        span_id ? lower_copy(o, span_id) : lower_copy(o, trace_id + (TRACE_ID_HEX - SPAN_ID_HEX));
    store_value_t row[SPAN_COLS] = {
        sv_text(sid),
        sv_text(lower_copy(o, trace_id)),
        sv_null(),
        sv_text(name),
        sv_text("server"),
        sv_int(json_integer_value(json_object_get(rec, "start_ms"))),
        sv_int(record_end_ms(rec)),
        sv_text(record_status(rec)),
        sv_text(rec_str(rec, "upstream_model")),
        rec_int(rec, "input_tokens"),
        rec_int(rec, "output_tokens"),
        rec_real(rec, "cost_usd"),
        sv_text(own(o, json_to_string(attrs))),
        sv_text(own(o, json_to_string(events))),
        sv_text(rec_str(rec, "session_id")),
        sv_text(rec_str(rec, "user")),
        sv_text(rec_str(rec, "endpoint")),
        sv_text(rec_str(rec, "provider")),
        sv_text(strcmp(op, "embeddings") == 0 ? "embedding" : "llm"),
        sv_text(json_text(o, record_input(rec))),
        sv_text(record_output(o, rec)),
        rec_real(rec, "latency_ms"),
        rec_real(rec, "ttft_ms"),
        sv_text(record_source(rec)),
    };
    json_decref(attrs);
    json_decref(events);
    memcpy(v, row, sizeof row);
}

/* ---- writing a batch ------------------------------------------------------------------------- */

/* Run "head (?,..),(?,..) ON CONFLICT DO NOTHING [RETURNING col]" over rows in chunks. With
 * returning, each returned text is added to *inserted (an object used as a set). */
static int insert_rows(store_conn_t *c, const char *head, size_t ncols, const store_value_t *vals,
                       size_t nrows, json_t *inserted, err_t *err)
{
    for (size_t start = 0; start < nrows; start += ROWS_PER_STATEMENT) {
        size_t n = nrows - start < ROWS_PER_STATEMENT ? nrows - start : ROWS_PER_STATEMENT;
        sqlb_t b;
        sqlb_init(&b, store_conn_kind(c));
        sqlb_sql(&b, head);
        for (size_t r = 0; r < n; r++) {
            sqlb_sql(&b, r ? ", (" : "(");
            for (size_t col = 0; col < ncols; col++) {
                if (col)
                    sqlb_sql(&b, ", ");
                sqlb_param(&b, vals[(start + r) * ncols + col]);
            }
            sqlb_sql(&b, ")");
        }
        sqlb_sql(&b, " ON CONFLICT DO NOTHING");
        int rc = 0;
        if (inserted) {
            sqlb_sql(&b, " RETURNING trace_id");
            store_rows_t *rows = sqlb_query(c, &b, err);
            if (!rows)
                rc = -1;
            for (size_t r = 0; rows && r < store_rows_count(rows); r++)
                json_object_set_new(inserted, store_rows_text(rows, r, 0), json_true());
            store_rows_free(rows);
        } else if (sqlb_exec(c, &b, err) < 0) {
            rc = -1;
        }
        sqlb_free(&b);
        if (rc != 0)
            return -1;
    }
    return 0;
}

typedef struct key_total {
    double spent;
    int64_t requests, input_tokens, output_tokens;
} key_total_t;

/* Add the inserted traces to their keys' totals (one upsert per key). */
static int add_key_usage(store_conn_t *c, json_t *const *records, const int *valid, size_t n,
                         json_t *inserted, err_t *err)
{
    json_t *keys = json_object(); /* key_id -> index into totals */
    key_total_t *totals = xcalloc(n ? n : 1, sizeof *totals);
    const char **names = xcalloc(n ? n : 1, sizeof *names);
    size_t nkeys = 0;
    owned_t o = {0};
    for (size_t i = 0; i < n; i++) {
        const char *key = rec_str(records[i], "key_id");
        if (!valid[i] || !key)
            continue;
        const char *trace_id = lower_copy(&o, rec_str(records[i], "trace_id"));
        if (!json_object_get(inserted, trace_id))
            continue; /* stored before (counted then), or a repeat within this batch */
        json_object_del(inserted, trace_id);
        json_t *slot = json_object_get(keys, key);
        size_t k = slot ? (size_t)json_integer_value(slot) : nkeys;
        if (!slot) {
            json_object_set_new(keys, key, json_integer((json_int_t)nkeys));
            names[nkeys++] = key;
        }
        const json_t *cost = json_object_get(records[i], "cost_usd");
        totals[k].spent += json_is_number(cost) ? json_number_value(cost) : 0.0;
        totals[k].requests++;
        totals[k].input_tokens += rec_int(records[i], "input_tokens").i;
        totals[k].output_tokens += rec_int(records[i], "output_tokens").i;
    }
    int rc = 0;
    int64_t now = clock_now_ms();
    for (size_t k = 0; k < nkeys && rc == 0; k++) {
        store_value_t p[] = {sv_text(names[k]),
                             sv_real(totals[k].spent),
                             sv_int(totals[k].requests),
                             sv_int(totals[k].input_tokens),
                             sv_int(totals[k].output_tokens),
                             sv_int(now)};
        if (store_exec(c,
                       "INSERT INTO gateway_key_usage (key_id, spent_usd, requests, input_tokens, "
                       "output_tokens, updated_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) "
                       "DO UPDATE SET spent_usd = gateway_key_usage.spent_usd + "
                       "excluded.spent_usd, requests = gateway_key_usage.requests + "
                       "excluded.requests, input_tokens = gateway_key_usage.input_tokens + "
                       "excluded.input_tokens, output_tokens = gateway_key_usage.output_tokens + "
                       "excluded.output_tokens, updated_ms = excluded.updated_ms",
                       p, 6, err) < 0)
            rc = -1;
    }
    owned_free(&o);
    free(names);
    free(totals);
    json_decref(keys);
    return rc;
}

int trace_store_insert(store_t *s, json_t *const *records, size_t n, trace_insert_result_t *out,
                       err_t *err)
{
    trace_insert_result_t result = {0};
    int *valid = xcalloc(n ? n : 1, sizeof *valid);
    store_value_t *traces = xcalloc(n ? n * TRACE_COLS : 1, sizeof *traces);
    store_value_t *spans = xcalloc(n ? n * SPAN_COLS : 1, sizeof *spans);
    owned_t o = {0};
    size_t nvalid = 0;
    for (size_t i = 0; i < n; i++) {
        err_t why;
        if (trace_record_check(records[i], &why) != 0) {
            result.invalid++;
            continue;
        }
        valid[i] = 1;
        trace_row(&o, records[i], traces + nvalid * TRACE_COLS);
        span_row(&o, records[i], spans + nvalid * SPAN_COLS);
        nvalid++;
    }
    int rc = 0;
    if (nvalid > 0) {
        json_t *inserted = json_object();
        store_conn_t *c = store_acquire(s);
        size_t added = 0;
        int ok = store_begin(c, err) == 0 &&
                 insert_rows(c, trace_insert_head, TRACE_COLS, traces, nvalid, inserted, err) == 0;
        if (ok) {
            added = json_object_size(inserted);
            ok = insert_rows(c, span_insert_head, SPAN_COLS, spans, nvalid, NULL, err) == 0 &&
                 add_key_usage(c, records, valid, n, inserted, err) == 0;
        }
        rc = store_finish(c, ok, err);
        store_release(s, c);
        json_decref(inserted);
        if (rc == 0) {
            result.inserted = added;
            result.duplicates = nvalid - added;
        }
    }
    owned_free(&o);
    free(spans);
    free(traces);
    free(valid);
    if (out)
        *out = result;
    return rc;
}
