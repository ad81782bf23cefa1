/* test_langfuse_ingest.c - unit tests for traces/langfuse_ingest.h: the id rules (UUID, 32/16
 * hex, SHA-256 of anything else), ISO 8601 dates, the mapping of observation bodies to span rows
 * (types, usage and cost precedence, level, ttft, attributes), trace and score bodies, and whole
 * batches against a migrated store: the 207 result per event, partial batches, updates merged
 * into their create (also across batches and before the create), deduplication by envelope id,
 * and a body that is not a batch.
 *
 * Every test runs on SQLite and, when LLMOPS_TEST_PG_URL is set, on PostgreSQL. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>
#include <math.h>

#include "base/json.h"
#include "feedback/scores.h"
#include "traces/langfuse_ingest.h"

static int setup(void **state)
{
    test_store_t *f = *state;
    static const char *const tables[] = {
        "spans", "traces", "scores", "langfuse_events", "langfuse_traces", "langfuse_observations"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
        test_store_exec(f->store, sql);
    }
    return 0;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

/* Ingest a batch given as JSON text; returns the 207 body (caller frees). */
static json_t *ingest(test_store_t *f, const char *text)
{
    json_t *body = parse(text);
    err_t err;
    json_t *out = langfuse_ingest(f->store, body, &err);
    json_decref(body);
    if (!out)
        fail_msg("langfuse_ingest: %s", err.message);
    return out;
}

/* One text column of the first row of a query (copied into buf; "" for NULL). */
static const char *query_text(test_store_t *f, const char *sql, char *buf, size_t size)
{
    err_t err;
    store_conn_t *c = store_acquire(f->store);
    store_rows_t *rows = store_query(c, sql, NULL, 0, &err);
    store_release(f->store, c);
    if (!rows)
        fail_msg("%s: %s", sql, err.message);
    const char *t = store_rows_count(rows) ? store_rows_text(rows, 0, 0) : NULL;
    snprintf(buf, size, "%s", t ? t : "");
    store_rows_free(rows);
    return buf;
}

/* ---- ids and dates -------------------------------------------------------------------------- */

static void id_rules(void **state)
{
    (void)state;
    char t[TRACE_ID_HEX + 1], s[SPAN_ID_HEX + 1];
    langfuse_trace_id("3F6C1B3E-3B1A-4C55-9D4E-8C0F3E2B1A77", t);
    assert_string_equal(t, "3f6c1b3e3b1a4c559d4e8c0f3e2b1a77");
    langfuse_trace_id("0123456789ABCDEF0123456789abcdef", t);
    assert_string_equal(t, "0123456789abcdef0123456789abcdef");
    langfuse_trace_id("trace-1", t); /* sha256("trace-1") = 17fe6f30... */
    assert_string_equal(t, "17fe6f303311c0b164b937e419518c1f");
    langfuse_trace_id("3f6c1b3e3b1a4c559d4e8c0f3e2b1a7", t); /* 31 hex: hashed */
    assert_int_equal(strlen(t), 32);
    assert_string_not_equal(t, "3f6c1b3e3b1a4c559d4e8c0f3e2b1a70");

    langfuse_observation_id("00F067AA0BA902B7", s);
    assert_string_equal(s, "00f067aa0ba902b7");
    langfuse_observation_id("obs-1", s); /* sha256("obs-1") = c44a2668... */
    assert_string_equal(s, "c44a2668b044fa0d");
    langfuse_observation_id("3f6c1b3e-3b1a-4c55-9d4e-8c0f3e2b1a77", s);
    assert_string_equal(s, "3ba003164052604a");
}

static void dates(void **state)
{
    (void)state;
    int64_t ns = 0;
    assert_int_equal(langfuse_parse_time("2024-05-01T10:00:00Z", &ns), 0);
    assert_int_equal(ns, 1714557600LL * 1000000000LL);
    assert_int_equal(langfuse_parse_time("2024-05-01T10:00:00.123456Z", &ns), 0);
    assert_int_equal(ns, 1714557600LL * 1000000000LL + 123456000);
    assert_int_equal(langfuse_parse_time("2024-05-01T12:00:00.5+02:00", &ns), 0);
    assert_int_equal(ns, 1714557600LL * 1000000000LL + 500000000);
    assert_int_equal(langfuse_parse_time("2024-05-01T10:00:00", &ns), 0); /* UTC */
    assert_int_equal(ns, 1714557600LL * 1000000000LL);
    assert_int_equal(langfuse_parse_time("2024-05-01T10:00:00.123456789123Z", &ns), 0);
    assert_int_equal(ns, 1714557600LL * 1000000000LL + 123456789);
    static const char *const bad[] = {"",
                                      "2024-05-01",
                                      "2024-13-01T00:00:00Z",
                                      "2024-05-01T10:00:00.Z",
                                      "2024-05-01T10:00:00Zx",
                                      "yesterday",
                                      "2024-05-01T25:00:00Z",
                                      NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(langfuse_parse_time(bad[i], &ns), -1);
}

/* ---- mapping -------------------------------------------------------------------------------- */

static void generation_maps_to_llm_span(void **state)
{
    (void)state;
    json_t *body = parse(
        "{\"id\":\"gen-1\",\"traceId\":\"trace-1\",\"type\":\"GENERATION\",\"name\":\"chat\","
        "\"parentObservationId\":\"obs-1\",\"startTime\":\"2024-05-01T10:00:00Z\","
        "\"completionStartTime\":\"2024-05-01T10:00:00.250Z\",\"endTime\":\"2024-05-01T10:00:01Z\","
        "\"model\":\"gpt-4o\",\"modelParameters\":{\"temperature\":0.2},"
        "\"usage\":{\"input\":1,\"output\":2,\"totalCost\":9},"
        "\"usageDetails\":{\"input\":10,\"output\":20,\"total\":30},"
        "\"costDetails\":{\"input\":0.001,\"output\":0.002},"
        "\"input\":[{\"role\":\"user\",\"content\":\"hi\"}],\"output\":\"hello\","
        "\"metadata\":{\"k\":\"v\"},\"level\":\"ERROR\",\"statusMessage\":\"boom\","
        "\"version\":\"v2\",\"promptName\":\"p\",\"promptVersion\":3}");
    langfuse_span_t sp;
    err_t err;
    assert_int_equal(langfuse_span_from_body(body, &sp, &err), 0);
    const span_row_t *r = &sp.row;
    assert_string_equal(r->trace_id, "17fe6f303311c0b164b937e419518c1f");
    assert_string_equal(r->parent_span_id, "c44a2668b044fa0d");
    assert_string_equal(r->type, SPAN_TYPE_LLM);
    assert_string_equal(r->name, "chat");
    assert_int_equal(r->start_ns, 1714557600LL * 1000000000LL);
    assert_int_equal(r->end_ns, 1714557601LL * 1000000000LL);
    assert_true(fabs(r->ttft_ms - 250.0) < 1e-9);
    assert_string_equal(r->status, "error");
    assert_string_equal(r->status_message, "boom");
    assert_string_equal(r->model, "gpt-4o");
    assert_string_equal(r->version, "v2");
    assert_string_equal(r->source, "langfuse");
    /* usageDetails wins over the deprecated usage; costDetails without total is summed. */
    assert_int_equal(r->input_tokens, 10);
    assert_int_equal(r->output_tokens, 20);
    assert_true(fabs(r->cost_usd - 0.003) < 1e-12);
    assert_string_equal(r->input, "[{\"role\":\"user\",\"content\":\"hi\"}]");
    assert_string_equal(r->output, "\"hello\"");
    json_t *attrs = parse(r->attributes_json);
    assert_string_equal(json_string_value(json_object_get(attrs, "langfuse.trace_id")), "trace-1");
    assert_string_equal(json_string_value(json_object_get(attrs, "langfuse.observation_id")),
                        "gen-1");
    assert_string_equal(json_string_value(json_object_get(attrs, "langfuse.parent_observation_id")),
                        "obs-1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(attrs, "langfuse.metadata"), "k")), "v");
    assert_true(json_real_value(json_object_get(json_object_get(attrs, "langfuse.model_parameters"),
                                                "temperature")) == 0.2);
    assert_int_equal(json_integer_value(json_object_get(attrs, "langfuse.prompt.version")), 3);
    json_decref(attrs);
    assert_int_equal(span_row_check(r, &err), 0);
    langfuse_span_free(&sp);
    json_decref(body);
}

static void usage_fallbacks_and_defaults(void **state)
{
    (void)state;
    langfuse_span_t sp;
    err_t err;
    /* OpenAI-style legacy usage; costs from usage; no traceId: the observation is its trace. */
    json_t *b =
        parse("{\"id\":\"o\",\"type\":\"GENERATION\",\"startTime\":\"2024-05-01T10:00:00Z\","
              "\"usage\":{\"promptTokens\":5,\"completionTokens\":7,\"inputCost\":0.5,"
              "\"outputCost\":0.25}}");
    assert_int_equal(langfuse_span_from_body(b, &sp, &err), 0);
    assert_int_equal(sp.row.input_tokens, 5);
    assert_int_equal(sp.row.output_tokens, 7);
    assert_true(fabs(sp.row.cost_usd - 0.75) < 1e-12);
    char t[TRACE_ID_HEX + 1];
    langfuse_trace_id("o", t);
    assert_string_equal(sp.row.trace_id, t);
    assert_string_equal(sp.row.name, "generation");
    assert_string_equal(sp.row.parent_span_id, "");
    assert_null(sp.row.status);
    assert_null(sp.row.input);
    langfuse_span_free(&sp);
    json_decref(b);

    /* OpenAI completion usageDetails, costDetails.total; an event ends where it starts. */
    b = parse(
        "{\"id\":\"e\",\"traceId\":\"t\",\"type\":\"EVENT\",\"startTime\":"
        "\"2024-05-01T10:00:00Z\",\"level\":\"WARNING\",\"usageDetails\":{\"prompt_tokens\":3,"
        "\"completion_tokens\":4,\"prompt_tokens_details\":{\"cached_tokens\":1}},"
        "\"costDetails\":{\"input\":1,\"total\":5}}");
    assert_int_equal(langfuse_span_from_body(b, &sp, &err), 0);
    assert_string_equal(sp.row.type, SPAN_TYPE_EVENT);
    assert_int_equal(sp.row.end_ns, sp.row.start_ns);
    assert_string_equal(sp.row.status, "unset");
    assert_int_equal(sp.row.input_tokens, 3);
    assert_int_equal(sp.row.output_tokens, 4);
    assert_true(sp.row.cost_usd == 5);
    assert_true(isnan(sp.row.ttft_ms));
    langfuse_span_free(&sp);
    json_decref(b);
}

static void observation_check_names_field(void **state)
{
    (void)state;
    static const struct {
        const char *body, *field;
        int create;
    } cases[] = {
        {"{\"name\":1}", "body.name", 1},
        {"{\"startTime\":\"noon\"}", "body.startTime", 1},
        {"{\"endTime\":5}", "body.endTime", 1},
        {"{\"level\":\"FATAL\"}", "body.level", 1},
        {"{\"usage\":{\"input\":\"ten\"}}", "body.usage.input", 1},
        {"{\"costDetails\":[]}", "body.costDetails", 1},
        {"{\"modelParameters\":\"x\"}", "body.modelParameters", 1},
        {"{\"type\":\"AGENT\"}", "body.type", 1},
        {"{\"id\":\"\"}", "body.id", 1},
        {"{\"name\":\"x\"}", "body.id", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *b = parse(cases[i].body);
        err_t err;
        assert_int_equal(langfuse_observation_check(b, cases[i].create, &err), -1);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, cases[i].field);
        json_decref(b);
    }
    json_t *ok = parse("{\"id\":\"x\",\"name\":null,\"usage\":{\"unit\":\"TOKENS\",\"input\":1}}");
    err_t err;
    assert_int_equal(langfuse_observation_check(ok, 0, &err), 0);
    json_decref(ok);
}

static void trace_and_score_bodies(void **state)
{
    (void)state;
    json_t *b =
        parse("{\"id\":\"trace-1\",\"name\":\"chat\",\"userId\":\"u\",\"sessionId\":\"s\","
              "\"version\":\"1.0\",\"release\":\"r\",\"timestamp\":\"2024-05-01T10:00:00Z\","
              "\"input\":{\"q\":1},\"tags\":[\"a\"],\"public\":false}");
    err_t err;
    assert_int_equal(langfuse_trace_check(b, &err), 0);
    langfuse_trace_t tr;
    langfuse_trace_from_body(b, &tr);
    assert_string_equal(tr.fields.trace_id, "17fe6f303311c0b164b937e419518c1f");
    assert_string_equal(tr.fields.name, "chat");
    assert_string_equal(tr.fields.user_id, "u");
    assert_string_equal(tr.fields.session_id, "s");
    assert_string_equal(tr.fields.version, "1.0");
    assert_string_equal(tr.fields.input, "{\"q\":1}");
    assert_null(tr.fields.output);
    assert_int_equal(tr.fields.start_ns, 1714557600LL * 1000000000LL);
    langfuse_trace_free(&tr);
    json_decref(b);
    b = parse("{\"tags\":[\"a\",1]}");
    assert_int_equal(langfuse_trace_check(b, &err), -1);
    assert_string_equal(err.field, "body.tags");
    json_decref(b);

    b = parse("{\"id\":\"sc-1\",\"traceId\":\"trace-1\",\"observationId\":\"obs-1\",\"name\":"
              "\"helpful\",\"value\":1,\"dataType\":\"BOOLEAN\",\"comment\":\"good\"}");
    json_t *score = langfuse_score_from_body(b, 1714557600000, &err);
    assert_non_null(score);
    assert_string_equal(json_string_value(json_object_get(score, "id")), "sc-1");
    assert_string_equal(json_string_value(json_object_get(score, "trace_id")),
                        "17fe6f303311c0b164b937e419518c1f");
    assert_string_equal(json_string_value(json_object_get(score, "span_id")), "c44a2668b044fa0d");
    assert_string_equal(json_string_value(json_object_get(score, "data_type")), "boolean");
    assert_string_equal(json_string_value(json_object_get(score, "source")), "api");
    assert_string_equal(json_string_value(json_object_get(score, "comment")), "good");
    assert_int_equal(json_integer_value(json_object_get(score, "created_ms")), 1714557600000);
    json_decref(score);
    json_decref(b);

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"name\":\"n\",\"value\":1}", "body.traceId"},
        {"{\"traceId\":\"t\",\"value\":1}", "body.name"},
        {"{\"traceId\":\"t\",\"name\":\"n\"}", "body.value"},
        {"{\"traceId\":\"t\",\"name\":\"n\",\"value\":{}}", "body.value"},
        {"{\"traceId\":\"t\",\"name\":\"n\",\"value\":1,\"dataType\":\"NUMBER\"}", "body.dataType"},
        {"{\"traceId\":\"t\",\"name\":\"n\",\"value\":1,\"source\":\"robot\"}", "body.source"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = parse(bad[i].body);
        assert_null(langfuse_score_from_body(b, 0, &err));
        assert_string_equal(err.field, bad[i].field);
        json_decref(b);
    }
    b = parse("{\"traceId\":\"t\",\"name\":\"n\",\"value\":\"good\",\"source\":\"ANNOTATION\"}");
    score = langfuse_score_from_body(b, 0, &err);
    assert_string_equal(json_string_value(json_object_get(score, "source")), "human");
    assert_null(json_object_get(score, "created_ms"));
    json_decref(score);
    json_decref(b);
}

/* ---- batches -------------------------------------------------------------------------------- */

#define TRACE_HEX "17fe6f303311c0b164b937e419518c1f" /* trace-1 */

static const char full_batch[] =
    "{\"batch\":["
    "{\"id\":\"e1\",\"type\":\"trace-create\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"body\":"
    "{\"id\":\"trace-1\",\"name\":\"qa\",\"userId\":\"alice\",\"sessionId\":\"s1\","
    "\"input\":{\"q\":\"why\"},\"tags\":[\"x\"],\"release\":\"r1\"}},"
    "{\"id\":\"e2\",\"type\":\"span-create\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"body\":"
    "{\"id\":\"obs-1\",\"traceId\":\"trace-1\",\"name\":\"retrieve\","
    "\"startTime\":\"2024-05-01T10:00:00Z\",\"endTime\":\"2024-05-01T10:00:00.100Z\"}},"
    "{\"id\":\"e3\",\"type\":\"generation-create\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"body\":"
    "{\"id\":\"gen-1\",\"traceId\":\"trace-1\",\"parentObservationId\":\"obs-1\",\"name\":\"llm\","
    "\"startTime\":\"2024-05-01T10:00:00.010Z\",\"model\":\"gpt-4o\",\"input\":\"hi\"}},"
    "{\"id\":\"e4\",\"type\":\"generation-update\",\"timestamp\":\"2024-05-01T10:00:01Z\",\"body\":"
    "{\"id\":\"gen-1\",\"traceId\":\"trace-1\",\"endTime\":\"2024-05-01T10:00:00.090Z\","
    "\"output\":\"hello\",\"usage\":{\"input\":10,\"output\":20,\"total\":30}}},"
    "{\"id\":\"e5\",\"type\":\"event-create\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"body\":"
    "{\"id\":\"ev-1\",\"traceId\":\"trace-1\",\"name\":\"cache-miss\","
    "\"startTime\":\"2024-05-01T10:00:00.005Z\"}},"
    "{\"id\":\"e6\",\"type\":\"score-create\",\"timestamp\":\"2024-05-01T10:00:02Z\",\"body\":"
    "{\"id\":\"sc-1\",\"traceId\":\"trace-1\",\"observationId\":\"gen-1\",\"name\":\"quality\","
    "\"value\":0.9}},"
    "{\"id\":\"e7\",\"type\":\"sdk-log\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"body\":"
    "{\"log\":\"hello\"}},"
    "{\"id\":\"e8\",\"type\":\"span-create\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"body\":"
    "{\"id\":\"obs-2\",\"traceId\":\"trace-1\",\"startTime\":\"yesterday\"}},"
    "{\"id\":\"e9\",\"type\":\"dataset-create\",\"timestamp\":\"2024-05-01T10:00:00Z\",\"body\":{}}"
    "],\"metadata\":{\"sdk_name\":\"test\"}}";

static void assert_results(json_t *res, size_t nok, size_t nbad)
{
    json_t *ok = json_object_get(res, "successes"), *bad = json_object_get(res, "errors");
    if (json_array_size(ok) != nok || json_array_size(bad) != nbad) {
        char *t = json_dumps(res, 0);
        fail_msg("expected %zu successes and %zu errors: %s", nok, nbad, t);
    }
    size_t i;
    json_t *v;
    json_array_foreach(ok, i, v)
        assert_int_equal(json_integer_value(json_object_get(v, "status")), 201);
}

static void full_batch_is_stored(void **state)
{
    test_store_t *f = *state;
    json_t *res = ingest(f, full_batch);
    assert_results(res, 7, 2);
    json_t *errors = json_object_get(res, "errors");
    json_t *e8 = json_array_get(errors, 0), *e9 = json_array_get(errors, 1);
    assert_string_equal(json_string_value(json_object_get(e8, "id")), "e8");
    assert_int_equal(json_integer_value(json_object_get(e8, "status")), 400);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e8, "error"), "field")),
                        "batch[7].body.startTime");
    assert_string_equal(json_string_value(json_object_get(e9, "id")), "e9");
    assert_non_null(strstr(json_string_value(json_object_get(e9, "message")), "dataset-create"));
    json_decref(res);

    char buf[512];
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 3);
    assert_string_equal(
        query_text(f, "SELECT type FROM spans WHERE span_id = 'c44a2668b044fa0d'", buf, sizeof buf),
        "span");
    /* The generation: the create's fields and the update's merged. */
    char gen[SPAN_ID_HEX + 1];
    langfuse_observation_id("gen-1", gen);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT type || '|' || name || '|' || model || '|' || input || '|' || output || '|' "
             "|| input_tokens || '|' || output_tokens || '|' || parent_span_id || '|' || end_ms "
             "|| '|' || source FROM spans WHERE span_id = '%s'",
             gen);
    assert_string_equal(query_text(f, sql, buf, sizeof buf),
                        "llm|llm|gpt-4o|\"hi\"|\"hello\"|10|20|c44a2668b044fa0d|1714557600090|"
                        "langfuse");
    snprintf(sql, sizeof sql, "SELECT attributes FROM spans WHERE span_id = '%s'", gen);
    json_t *attrs = parse(query_text(f, sql, buf, sizeof buf));
    assert_string_equal(json_string_value(json_object_get(attrs, "langfuse.observation_id")),
                        "gen-1");
    assert_string_equal(json_string_value(json_object_get(attrs, "langfuse.trace_id")), "trace-1");
    json_decref(attrs);
    /* Spans carry the trace's user. */
    snprintf(sql, sizeof sql, "SELECT user_id FROM spans WHERE span_id = '%s'", gen);
    assert_string_equal(query_text(f, sql, buf, sizeof buf), "alice");

    /* The trace: its own fields, no span invented for it. */
    assert_string_equal(
        query_text(f,
                   "SELECT name || '|' || user_id || '|' || session_id || '|' || input || '|' || "
                   "span_count FROM traces WHERE trace_id = '" TRACE_HEX "'",
                   buf, sizeof buf),
        "qa|alice|s1|{\"q\":\"why\"}|3");
    /* What traces have no column for stays in langfuse_traces. */
    json_t *kept = parse(query_text(
        f, "SELECT body FROM langfuse_traces WHERE trace_id = '" TRACE_HEX "'", buf, sizeof buf));
    assert_string_equal(json_string_value(json_object_get(kept, "release")), "r1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(kept, "tags"), 0)), "x");
    json_decref(kept);

    err_t err;
    json_t *scores = scores_for_trace(f->store, TRACE_HEX, &err);
    json_t *sc = json_array_get(json_object_get(scores, "scores"), 0);
    assert_non_null(sc);
    assert_string_equal(json_string_value(json_object_get(sc, "id")), "sc-1");
    assert_string_equal(json_string_value(json_object_get(sc, "span_id")), gen);
    assert_string_equal(json_string_value(json_object_get(sc, "source")), "api");
    assert_true(json_number_value(json_object_get(sc, "value")) == 0.9);
    json_decref(scores);
}

static void duplicates_change_nothing(void **state)
{
    test_store_t *f = *state;
    json_decref(ingest(f, full_batch));
    /* The whole batch again: the same answer, nothing new. */
    json_t *res = ingest(f, full_batch);
    assert_results(res, 7, 2);
    json_decref(res);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 3);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM langfuse_events"), 7);
    /* An applied envelope id with another body: a success that changes nothing. */
    res =
        ingest(f, "{\"batch\":[{\"id\":\"e2\",\"type\":\"span-create\",\"timestamp\":"
                  "\"2024-05-01T10:00:00Z\",\"body\":{\"id\":\"obs-1\",\"traceId\":\"trace-1\","
                  "\"name\":\"renamed\"}},"
                  "{\"id\":\"n1\",\"type\":\"span-update\",\"timestamp\":\"2024-05-01T10:00:00Z\","
                  "\"body\":{\"id\":\"obs-9\",\"traceId\":\"trace-1\",\"name\":\"a\"}},"
                  "{\"id\":\"n1\",\"type\":\"span-update\",\"timestamp\":\"2024-05-01T10:00:00Z\","
                  "\"body\":{\"id\":\"obs-9\",\"traceId\":\"trace-1\",\"name\":\"b\"}}]}");
    assert_results(res, 3, 0);
    json_decref(res);
    char buf[64];
    assert_string_equal(
        query_text(f, "SELECT name FROM spans WHERE span_id = 'c44a2668b044fa0d'", buf, sizeof buf),
        "retrieve");
    /* n1 twice in one batch: only the first applied. */
    char sid[SPAN_ID_HEX + 1], sql[128];
    langfuse_observation_id("obs-9", sid);
    snprintf(sql, sizeof sql, "SELECT name FROM spans WHERE span_id = '%s'", sid);
    assert_string_equal(query_text(f, sql, buf, sizeof buf), "a");
}

static void updates_across_batches(void **state)
{
    test_store_t *f = *state;
    /* An update before its create: a span from what is known, completed by the create. */
    json_t *res =
        ingest(f, "{\"batch\":[{\"id\":\"u1\",\"type\":\"generation-update\",\"timestamp\":"
                  "\"2024-05-01T10:00:05Z\",\"body\":{\"id\":\"g\",\"traceId\":\"t\","
                  "\"endTime\":\"2024-05-01T10:00:06Z\",\"output\":\"done\"}}]}");
    assert_results(res, 1, 0);
    json_decref(res);
    res = ingest(f, "{\"batch\":[{\"id\":\"c1\",\"type\":\"generation-create\",\"timestamp\":"
                    "\"2024-05-01T10:00:00Z\",\"body\":{\"id\":\"g\",\"traceId\":\"t\",\"name\":"
                    "\"chat\",\"startTime\":\"2024-05-01T10:00:00Z\",\"input\":\"q\"}}]}");
    assert_results(res, 1, 0);
    json_decref(res);
    /* A later update naming only the id (no traceId): found by its observation id. */
    res = ingest(f, "{\"batch\":[{\"id\":\"u2\",\"type\":\"span-update\",\"timestamp\":"
                    "\"2024-05-01T10:00:07Z\",\"body\":{\"id\":\"g\",\"completionStartTime\":"
                    "\"2024-05-01T10:00:00.400Z\",\"metadata\":{\"m\":1}}}]}");
    assert_results(res, 1, 0);
    json_decref(res);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 1);
    char buf[256], sql[256], sid[SPAN_ID_HEX + 1];
    langfuse_observation_id("g", sid);
    snprintf(sql, sizeof sql,
             "SELECT type || '|' || name || '|' || start_ms || '|' || end_ms || '|' || input || "
             "'|' || output || '|' || CAST(ttft_ms AS INTEGER) FROM spans WHERE span_id = '%s'",
             sid);
    assert_string_equal(query_text(f, sql, buf, sizeof buf),
                        "llm|chat|1714557600000|1714557606000|\"q\"|\"done\"|400");
    snprintf(sql, sizeof sql, "SELECT attributes FROM spans WHERE span_id = '%s'", sid);
    json_t *attrs = parse(query_text(f, sql, buf, sizeof buf));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(attrs, "langfuse.metadata"), "m")), 1);
    assert_string_equal(json_string_value(json_object_get(attrs, "langfuse.observation_id")), "g");
    json_decref(attrs);
}

static void trace_update_keeps_earlier_fields(void **state)
{
    test_store_t *f = *state;
    json_decref(ingest(f, "{\"batch\":[{\"id\":\"a\",\"type\":\"trace-create\",\"timestamp\":"
                          "\"2024-05-01T10:00:00Z\",\"body\":{\"id\":\"trace-1\",\"name\":\"qa\","
                          "\"userId\":\"alice\",\"timestamp\":\"2024-05-01T10:00:00Z\"}}]}"));
    json_decref(ingest(f, "{\"batch\":[{\"id\":\"b\",\"type\":\"trace-create\",\"timestamp\":"
                          "\"2024-05-01T10:00:09Z\",\"body\":{\"id\":\"trace-1\",\"output\":"
                          "\"42\"}},{\"id\":\"c\",\"type\":\"span-create\",\"timestamp\":"
                          "\"2024-05-01T10:00:01Z\",\"body\":{\"id\":\"s\",\"traceId\":\"trace-1\","
                          "\"name\":\"root-ish\",\"startTime\":\"2024-05-01T10:00:01Z\"}}]}"));
    char buf[256];
    assert_string_equal(query_text(f,
                                   "SELECT name || '|' || user_id || '|' || output FROM traces "
                                   "WHERE trace_id = '" TRACE_HEX "'",
                                   buf, sizeof buf),
                        "qa|alice|\"42\"");
}

static void invalid_merge_fails_its_events(void **state)
{
    test_store_t *f = *state;
    /* The update ends the span before it starts: both events that made it fail, the rest is
     * stored. */
    json_t *res =
        ingest(f, "{\"batch\":[{\"id\":\"a\",\"type\":\"span-create\",\"timestamp\":"
                  "\"2024-05-01T10:00:00Z\",\"body\":{\"id\":\"s\",\"traceId\":\"t\",\"startTime\":"
                  "\"2024-05-01T10:00:05Z\"}},{\"id\":\"b\",\"type\":\"span-update\",\"timestamp\":"
                  "\"2024-05-01T10:00:00Z\",\"body\":{\"id\":\"s\",\"traceId\":\"t\",\"endTime\":"
                  "\"2024-05-01T10:00:01Z\"}},{\"id\":\"c\",\"type\":\"span-create\",\"timestamp\":"
                  "\"2024-05-01T10:00:00Z\",\"body\":{\"id\":\"ok\",\"traceId\":\"t\"}},"
                  "{\"id\":\"d\",\"type\":\"observation-create\",\"body\":{\"id\":\"x\"}},"
                  "{\"type\":\"span-create\",\"body\":{}},\"junk\","
                  "{\"id\":\"f\",\"type\":\"span-create\",\"timestamp\":\"soon\",\"body\":{}}]}");
    assert_results(res, 1, 6);
    json_t *errs = json_object_get(res, "errors");
    assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "id")), "a");
    assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 1), "id")), "b");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(errs, 1), "error"), "field")),
                        "batch[1].body.endTime");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(errs, 2), "error"), "field")),
                        "batch[3].body.type");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(errs, 3), "error"), "field")),
                        "batch[4].id");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(errs, 5), "error"), "field")),
                        "batch[6].timestamp");
    json_decref(res);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM spans"), 1);
    /* Failed events are not recorded as seen: a corrected retry with the same ids applies. */
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM langfuse_events"), 1);
    assert_int_equal(test_store_count(f->store, "SELECT COUNT(*) FROM langfuse_observations"), 1);
}

static void trace_defaults_and_zero_ids(void **state)
{
    test_store_t *f = *state;
    /* No body.timestamp: the trace starts at the event's time. An id that maps to all zeros is
     * OpenTelemetry's invalid id: refused, naming the body's field. */
    json_t *res = ingest(
        f, "{\"batch\":[{\"id\":\"a\",\"type\":\"trace-create\",\"timestamp\":"
           "\"2024-05-01T10:00:00Z\",\"body\":{\"id\":\"trace-1\",\"name\":\"alone\"}},"
           "{\"id\":\"b\",\"type\":\"span-create\",\"timestamp\":\"2024-05-01T10:00:00Z\","
           "\"body\":{\"id\":\"s\",\"traceId\":\"00000000-0000-0000-0000-000000000000\"}}]}");
    assert_results(res, 1, 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(res, "errors"), 0), "error"), "field")),
        "batch[1].body.traceId");
    json_decref(res);
    char buf[64];
    assert_string_equal(
        query_text(f, "SELECT start_ms || '|' || name FROM traces WHERE trace_id = '" TRACE_HEX "'",
                   buf, sizeof buf),
        "1714557600000|alone");
}

static void not_a_batch(void **state)
{
    test_store_t *f = *state;
    static const char *const bodies[] = {"{}", "{\"batch\":{}}", "[]", "{\"batch\":\"x\"}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_t *b = parse(bodies[i]);
        err_t err;
        assert_null(langfuse_ingest(f->store, b, &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, "batch");
        json_decref(b);
    }
    json_t *res = ingest(f, "{\"batch\":[]}");
    assert_results(res, 0, 0);
    json_decref(res);
}

#define T(fn)                                                                                      \
    {                                                                                              \
        .name = #fn, .test_func = fn, .setup_func = setup                                          \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(id_rules),
        T(dates),
        T(generation_maps_to_llm_span),
        T(usage_fallbacks_and_defaults),
        T(observation_check_names_field),
        T(trace_and_score_bodies),
        T(full_batch_is_stored),
        T(duplicates_change_nothing),
        T(updates_across_batches),
        T(trace_update_keeps_earlier_fields),
        T(invalid_merge_fails_its_events),
        T(trace_defaults_and_zero_ids),
        T(not_a_batch),
    };
    return test_store_run_groups(tests, sizeof tests / sizeof tests[0], "langfuse_ingest");
}
