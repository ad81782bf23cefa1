/* langfuse_ingest.c - one Langfuse ingestion batch applied to the store (langfuse_ingest.h).
 *
 * A batch is handled in four steps:
 *   1. read: every event is checked on its own; envelope ids applied before (langfuse_events)
 *      or repeated inside the batch are successes that change nothing; trace and observation
 *      bodies are merged, in batch order, over what earlier batches left in langfuse_traces /
 *      langfuse_observations (later non-null fields win), so an update naming only an id still
 *      maps to a complete span;
 *   2. map every touched observation to a span row and every touched trace to its trace-level
 *      fields, and write them with span_store_write() (one transaction of its own);
 *   3. add the scores with scores_add();
 *   4. one transaction records the applied envelope ids and the merged bodies.
 * span_store_write() and scores_add() take the store, not a connection, so steps 2-4 cannot share
 * one transaction. Every write is idempotent instead (spans merge non-null columns, scores upsert
 * by id, merged bodies are re-merged to the same values), so a batch that failed between the
 * steps is answered with an error, the SDK retries it, and the retry converges on the same
 * state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "feedback/scores.h"
#include "traces/langfuse_ingest.h"

enum { EV_PENDING, EV_OK, EV_FAILED };

typedef struct ingest {
    store_t *store;
    store_conn_t *conn; /* held for the reads of step 1 only */
    const json_t *batch;
    size_t n;
    int *state;   /* EV_* per event */
    err_t *errs;  /* per event, when EV_FAILED */
    json_t *seen; /* envelope ids of this batch: {id: true} */
    /* trace_id -> {"body": merged trace body, "events": [event index...]} */
    json_t *traces;
    /* span_id -> {"body": merged observation body, "events": [...]} */
    json_t *obs;
    json_t *scores; /* [{"event": index, "score": scores_add JSON}] */
} ingest_t;

static void fail_event(ingest_t *in, size_t i, const err_t *err)
{
    in->state[i] = EV_FAILED;
    in->errs[i] = *err;
    /* Name the field within the batch: "batch[3].body.startTime". */
    char f[sizeof err->field + 32];
    snprintf(f, sizeof f, "batch[%zu]%s%.60s", i, err->field[0] ? "." : "", err->field);
    snprintf(in->errs[i].field, sizeof in->errs[i].field, "%.90s", f);
}

/* Merge src's non-null fields into dst (src borrowed; values shared by reference). */
static void merge_body(json_t *dst, const json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)src, k, v) if (!json_is_null(v)) json_object_set(dst, k, v);
}

/* A merged body stored by an earlier batch (NULL when none or unreadable). */
static json_t *load_body(ingest_t *in, const char *sql, const char *key, err_t *err)
{
    store_value_t p[] = {sv_text(key)};
    store_rows_t *rows = store_query(in->conn, sql, p, 1, err);
    if (!rows)
        return NULL;
    json_t *body = NULL;
    if (store_rows_count(rows) == 1) {
        const char *text = store_rows_text(rows, 0, 0);
        body = json_loads(text ? text : "", 0, NULL);
        if (!json_is_object(body)) {
            json_decref(body);
            body = NULL;
        }
    }
    store_rows_free(rows);
    if (!body)
        err_clear(err);
    return body;
}

/* The state of a trace: loaded from langfuse_traces the first time the batch touches it.
 * Returns NULL with err when the store failed. */
static json_t *trace_state(ingest_t *in, const char *trace_id, err_t *err)
{
    json_t *st = json_object_get(in->traces, trace_id);
    if (st)
        return st;
    err_clear(err);
    json_t *body =
        load_body(in, "SELECT body FROM langfuse_traces WHERE trace_id = ?", trace_id, err);
    if (!body && err->status)
        return NULL;
    st = json_pack("{s:o, s:[]}", "body", body ? body : json_object(), "events");
    json_object_set_new(in->traces, trace_id, st);
    return st;
}

static json_t *obs_state(ingest_t *in, const char *span_id, err_t *err)
{
    json_t *st = json_object_get(in->obs, span_id);
    if (st)
        return st;
    err_clear(err);
    json_t *body =
        load_body(in, "SELECT body FROM langfuse_observations WHERE span_id = ?", span_id, err);
    if (!body && err->status)
        return NULL;
    st = json_pack("{s:o, s:[]}", "body", body ? body : json_object(), "events");
    json_object_set_new(in->obs, span_id, st);
    return st;
}

/* 1 when the envelope id was applied by an earlier batch, 0 if not, -1 when the store failed. */
static int seen_before(ingest_t *in, const char *id, err_t *err)
{
    store_value_t p[] = {sv_text(id)};
    store_rows_t *rows =
        store_query(in->conn, "SELECT 1 FROM langfuse_events WHERE event_id = ?", p, 1, err);
    if (!rows)
        return -1;
    int seen = store_rows_count(rows) > 0;
    store_rows_free(rows);
    return seen;
}

/* The observation type an event type implies ("" for observation-* which carry their own). */
static int observation_event(const char *type, const char **obs_type, int *create)
{
    static const struct {
        const char *event, *obs;
        int create;
    } map[] = {
        {"span-create", LANGFUSE_SPAN, 1},
        {"span-update", LANGFUSE_SPAN, 0},
        {"generation-create", LANGFUSE_GENERATION, 1},
        {"generation-update", LANGFUSE_GENERATION, 0},
        {"event-create", LANGFUSE_EVENT, 1},
        {"observation-create", "", 1},
        {"observation-update", "", 0},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(type, map[i].event)) {
            *obs_type = map[i].obs;
            *create = map[i].create;
            return 1;
        }
    return 0;
}

static int read_trace(ingest_t *in, size_t i, json_t *body, const char *timestamp, err_t *err)
{
    if (langfuse_trace_check(body, err)) {
        fail_event(in, i, err);
        return 0;
    }
    /* Without an id the trace can never be referred to again, but it is still a trace. */
    if (!json_is_string(json_object_get(body, "id"))) {
        char id[ID_UUID_LEN + 1];
        ids_uuid7(id);
        json_object_set_new(body, "id", json_string(id));
    }
    char tid[TRACE_ID_HEX + 1];
    langfuse_trace_id(json_string_value(json_object_get(body, "id")), tid);
    json_t *st = trace_state(in, tid, err);
    if (!st)
        return -1;
    json_t *merged = json_object_get(st, "body");
    merge_body(merged, body);
    /* As for observations, the trace starts at the event's time unless it says otherwise. */
    if (!json_is_string(json_object_get(merged, "timestamp")) && timestamp)
        json_object_set_new(merged, "timestamp", json_string(timestamp));
    json_array_append_new(json_object_get(st, "events"), json_integer((json_int_t)i));
    return 0;
}

static int read_observation(ingest_t *in, size_t i, json_t *body, const char *obs_type, int create,
                            const char *timestamp, err_t *err)
{
    if (langfuse_observation_check(body, create, err)) {
        fail_event(in, i, err);
        return 0;
    }
    if (!obs_type[0] && create && !json_is_string(json_object_get(body, "type"))) {
        err_invalid(err, "body.type", "'body.type' (SPAN, GENERATION or EVENT) is required");
        fail_event(in, i, err);
        return 0;
    }
    if (!json_is_string(json_object_get(body, "id"))) {
        char id[ID_UUID_LEN + 1];
        ids_uuid7(id);
        json_object_set_new(body, "id", json_string(id));
    }
    char sid[SPAN_ID_HEX + 1];
    langfuse_observation_id(json_string_value(json_object_get(body, "id")), sid);
    json_t *st = obs_state(in, sid, err);
    if (!st)
        return -1;
    json_t *merged = json_object_get(st, "body");
    merge_body(merged, body);
    /* The type is the create's: a span-update never turns a generation into a span. */
    if (obs_type[0] && (create || !json_is_string(json_object_get(merged, "type"))))
        json_object_set_new(merged, "type", json_string(obs_type));
    /* Langfuse defaults the start to the event's time; an update that comes before its create
     * takes it too, and the create's own startTime replaces it later. */
    if (!json_is_string(json_object_get(merged, "startTime")) && timestamp)
        json_object_set_new(merged, "startTime", json_string(timestamp));
    json_array_append_new(json_object_get(st, "events"), json_integer((json_int_t)i));
    return 0;
}

/* Step 1 for one event. 0 (the event is read, or failed on its own), -1: the store failed. */
static int read_event(ingest_t *in, size_t i, err_t *err)
{
    json_t *ev = json_array_get(in->batch, i);
    err_clear(err);
    if (!json_is_object(ev)) {
        err_invalid(err, "", "an event must be an object");
        fail_event(in, i, err);
        return 0;
    }
    const char *id = json_string_value(json_object_get(ev, "id"));
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *body = json_object_get(ev, "body");
    const char *timestamp = json_string_value(json_object_get(ev, "timestamp"));
    int64_t ts_ns = 0;
    if (!id || !id[0]) {
        err_invalid(err, "id", "'id' (the event's id) is required");
    } else if (!type) {
        err_invalid(err, "type", "'type' is required");
    } else if (!json_is_object(body)) {
        err_invalid(err, "body", "'body' must be an object");
    } else if (json_object_get(ev, "timestamp") &&
               !json_is_null(json_object_get(ev, "timestamp")) &&
               langfuse_parse_time(timestamp, &ts_ns)) {
        err_invalid(err, "timestamp", "'timestamp' must be an ISO 8601 date-time");
    }
    if (err->status) {
        fail_event(in, i, err);
        return 0;
    }
    if (json_object_get(in->seen, id)) {
        in->state[i] = EV_OK; /* repeated within the batch */
        return 0;
    }
    int seen = seen_before(in, id, err);
    if (seen < 0)
        return -1;
    json_object_set_new(in->seen, id, json_true());
    if (seen) {
        in->state[i] = EV_OK;
        return 0;
    }
    /* The body is shared by the merged states; a copy keeps the request's JSON untouched. */
    json_t *own = json_deep_copy(body);
    int rc = 0;
    const char *obs_type;
    int create;
    if (!strcmp(type, "trace-create")) {
        rc = read_trace(in, i, own, timestamp, err);
    } else if (observation_event(type, &obs_type, &create)) {
        rc = read_observation(in, i, own, obs_type, create, timestamp, err);
    } else if (!strcmp(type, "score-create")) {
        json_t *score = langfuse_score_from_body(own, ts_ns / 1000000, err);
        if (score)
            json_array_append_new(in->scores,
                                  json_pack("{s:I, s:o}", "event", (json_int_t)i, "score", score));
        else
            fail_event(in, i, err);
    } else if (!strcmp(type, "sdk-log")) {
        in->state[i] = EV_OK; /* the SDK's own diagnostics: nothing to keep */
    } else {
        err_invalid(err, "type", "unsupported event type '%s'", type);
        fail_event(in, i, err);
    }
    json_decref(own);
    return rc;
}

/* span_row_check names span_row_t's fields; name the Langfuse body field instead. */
static void rename_row_field(err_t *err)
{
    static const char *const map[][2] = {
        {"trace_id", "body.traceId"},
        {"span_id", "body.id"},
        {"parent_span_id", "body.parentObservationId"},
        {"start_time", "body.startTime"},
        {"end_time", "body.endTime"},
        {"name", "body.name"},
        {"ttft_ms", "body.completionStartTime"},
        {"input_tokens", "body.usageDetails"},
        {"output_tokens", "body.usageDetails"},
        {"cost_usd", "body.costDetails"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(err->field, map[i][0])) {
            snprintf(err->field, sizeof err->field, "%s", map[i][1]);
            return;
        }
}

/* Fail every event that contributed to a state that cannot be written. */
static void fail_state(ingest_t *in, json_t *st, const err_t *err)
{
    size_t k;
    json_t *ev;
    json_array_foreach(json_object_get(st, "events"), k,
                       ev) if (in->state[json_integer_value(ev)] != EV_FAILED)
        fail_event(in, (size_t)json_integer_value(ev), err);
    json_object_set_new(st, "failed", json_true());
}

static int state_failed(const json_t *st)
{
    return json_is_true(json_object_get(st, "failed"));
}

/* Step 2: the rows and trace fields of every touched observation and trace, written. */
static int write_spans(ingest_t *in, err_t *err)
{
    size_t nobs = json_object_size(in->obs), k = 0;
    langfuse_span_t *spans = calloc(nobs ? nobs : 1, sizeof *spans);
    span_row_t *rows = calloc(nobs ? nobs : 1, sizeof *rows);
    size_t nrows = 0;
    const char *sid;
    json_t *st;
    int rc = 0;
    json_object_foreach(in->obs, sid, st)
    {
        err_t e = {0};
        json_t *body = json_object_get(st, "body");
        if (langfuse_span_from_body(body, &spans[k], &e) == 0) {
            span_row_t *r = &spans[k].row;
            if (r->start_ns == 0)
                r->start_ns = clock_now_ms() * 1000000LL;
            /* Spans carry the trace's user and session, so span queries can filter on them. */
            json_t *tst = trace_state(in, r->trace_id, err);
            if (!tst) {
                rc = -1;
                k++;
                break;
            }
            json_t *tbody = json_object_get(tst, "body");
            r->user_id = json_string_value(json_object_get(tbody, "userId"));
            r->session_id = json_string_value(json_object_get(tbody, "sessionId"));
        }
        if (e.status == 0 && span_row_check(&spans[k].row, &e) == 0) {
            rows[nrows++] = spans[k].row;
        } else {
            rename_row_field(&e);
            fail_state(in, st, &e);
        }
        k++;
    }
    /* The reads are over: span_store_write takes a connection of its own. */
    store_release(in->store, in->conn);
    in->conn = NULL;

    size_t ntr = json_object_size(in->traces), t = 0;
    langfuse_trace_t *traces = calloc(ntr ? ntr : 1, sizeof *traces);
    span_trace_fields_t *fields = calloc(ntr ? ntr : 1, sizeof *fields);
    size_t nfields = 0;
    const char *tid;
    json_object_foreach(in->traces, tid, st)
    {
        json_t *body = json_object_get(st, "body");
        /* Only traces with a trace-create (now or before) have fields of their own. */
        if (rc == 0 && json_object_size(body) > 0) {
            langfuse_trace_from_body(body, &traces[t]);
            fields[nfields++] = traces[t].fields;
        }
        t++;
    }
    span_write_result_t res;
    if (rc == 0 && (nrows || nfields))
        rc = span_store_write(in->store, rows, nrows, fields, nfields, &res, err);
    for (size_t i = 0; i < k; i++)
        langfuse_span_free(&spans[i]);
    for (size_t i = 0; i < t; i++)
        langfuse_trace_free(&traces[i]);
    free(spans);
    free(rows);
    free(traces);
    free(fields);
    return rc;
}

/* Step 3. */
static void write_scores(ingest_t *in)
{
    size_t k;
    json_t *item;
    json_array_foreach(in->scores, k, item)
    {
        err_t e;
        json_t *stored = scores_add(in->store, json_object_get(item, "score"), &e);
        if (stored)
            json_decref(stored);
        else
            fail_event(in, (size_t)json_integer_value(json_object_get(item, "event")), &e);
    }
}

/* An upsert of a merged body (input and output left out of observations: spans hold them). */
static int save_state(store_conn_t *c, const char *table, const char *key, const json_t *st,
                      int64_t now, err_t *err)
{
    json_t *body = json_deep_copy(json_object_get(st, "body"));
    int obs = !strcmp(table, "langfuse_observations");
    char trace_id[TRACE_ID_HEX + 1] = "";
    if (obs) {
        json_object_del(body, "input");
        json_object_del(body, "output");
        const char *t = json_string_value(json_object_get(body, "traceId"));
        langfuse_trace_id(t ? t : json_string_value(json_object_get(body, "id")), trace_id);
    }
    char *text = json_to_string(body);
    json_decref(body);
    int64_t rc;
    if (obs) {
        store_value_t p[] = {sv_text(key), sv_text(trace_id), sv_text(text), sv_int(now)};
        rc = store_exec(c,
                        "INSERT INTO langfuse_observations (span_id, trace_id, body, updated_ms) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (span_id) DO UPDATE SET "
                        "trace_id = excluded.trace_id, body = excluded.body, "
                        "updated_ms = excluded.updated_ms",
                        p, 4, err);
    } else {
        store_value_t p[] = {sv_text(key), sv_text(text), sv_int(now)};
        rc = store_exec(c,
                        "INSERT INTO langfuse_traces (trace_id, body, updated_ms) VALUES (?, ?, ?) "
                        "ON CONFLICT (trace_id) DO UPDATE SET body = excluded.body, "
                        "updated_ms = excluded.updated_ms",
                        p, 3, err);
    }
    free(text);
    return rc < 0 ? -1 : 0;
}

/* A state changed by this batch whose events all succeeded. */
static int state_to_save(const ingest_t *in, const json_t *st)
{
    const json_t *events = json_object_get(st, "events");
    if (state_failed(st) || json_array_size(events) == 0)
        return 0;
    size_t k;
    const json_t *ev;
    json_array_foreach(events, k, ev) if (in->state[json_integer_value(ev)] == EV_FAILED) return 0;
    return 1;
}

/* Step 4: the applied envelope ids and the merged bodies, in one transaction. */
static int record_applied(ingest_t *in, err_t *err)
{
    store_conn_t *c = store_acquire(in->store);
    int64_t now = clock_now_ms();
    int ok = store_begin(c, err) == 0;
    for (size_t i = 0; ok && i < in->n; i++) {
        if (in->state[i] == EV_FAILED)
            continue;
        const char *id = json_string_value(json_object_get(json_array_get(in->batch, i), "id"));
        store_value_t p[] = {sv_text(id), sv_int(now)};
        ok = store_exec(c,
                        "INSERT INTO langfuse_events (event_id, seen_ms) VALUES (?, ?) "
                        "ON CONFLICT (event_id) DO NOTHING",
                        p, 2, err) >= 0;
    }
    const char *key;
    json_t *st;
    json_object_foreach(in->traces, key, st) if (ok && state_to_save(in, st)) ok =
        save_state(c, "langfuse_traces", key, st, now, err) == 0;
    json_object_foreach(in->obs, key, st) if (ok && state_to_save(in, st)) ok =
        save_state(c, "langfuse_observations", key, st, now, err) == 0;
    int rc = store_finish(c, ok, err);
    store_release(in->store, c);
    return rc;
}

/* The 207 body. */
static json_t *results(const ingest_t *in)
{
    json_t *ok = json_array(), *bad = json_array();
    for (size_t i = 0; i < in->n; i++) {
        const char *id = json_string_value(json_object_get(json_array_get(in->batch, i), "id"));
        json_t *jid = json_string(id ? id : "");
        if (in->state[i] != EV_FAILED) {
            json_array_append_new(ok, json_pack("{s:o, s:i}", "id", jid, "status", 201));
            continue;
        }
        const err_t *e = &in->errs[i];
        json_array_append_new(bad, json_pack("{s:o, s:i, s:s, s:{s:s, s:s}}", "id", jid, "status",
                                             e->status ? e->status : 400, "message", e->message,
                                             "error", "code", e->code, "field", e->field));
    }
    return json_pack("{s:o, s:o}", "successes", ok, "errors", bad);
}

json_t *langfuse_ingest(store_t *s, const json_t *body, err_t *err)
{
    const json_t *batch = json_object_get(body, "batch");
    if (!json_is_object(body) || !json_is_array(batch)) {
        err_invalid(err, "batch", "'batch' must be an array of events");
        return NULL;
    }
    ingest_t in = {
        .store = s,
        .batch = batch,
        .n = json_array_size(batch),
        .seen = json_object(),
        .traces = json_object(),
        .obs = json_object(),
        .scores = json_array(),
    };
    in.state = calloc(in.n ? in.n : 1, sizeof *in.state);
    in.errs = calloc(in.n ? in.n : 1, sizeof *in.errs);
    in.conn = store_acquire(s);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < in.n; i++)
        rc = read_event(&in, i, err);
    if (rc == 0)
        rc = write_spans(&in, err);
    if (in.conn)
        store_release(s, in.conn);
    if (rc == 0) {
        write_scores(&in);
        rc = record_applied(&in, err);
    }
    json_t *out = rc == 0 ? results(&in) : NULL;
    json_decref(in.seen);
    json_decref(in.traces);
    json_decref(in.obs);
    json_decref(in.scores);
    free(in.state);
    free(in.errs);
    return out;
}
