/* langfuse_map.c - the pure half of Langfuse ingestion (langfuse_ingest.h): id rules, ISO 8601
 * dates, and mapping trace, observation and score bodies to llmops' span rows, trace fields and
 * score JSON. Nothing here touches the store, so the fuzz target and unit tests drive it
 * directly. */
#include <ctype.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"
#include "feedback/scores.h"
#include "traces/langfuse_ingest.h"

/* ---- ids ------------------------------------------------------------------------------------ */

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return s[n] == '\0';
}

/* 8-4-4-4-12 hex digits. */
static int is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

/* The first `digits` hex digits of SHA-256(id). */
static void sha256_prefix(const char *id, char *out, size_t digits)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(id, strlen(id), md, &len, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < digits; i++)
        out[i] = hex[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
    out[digits] = '\0';
}

static void lower_copy(char *out, const char *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[n] = '\0';
}

void langfuse_trace_id(const char *id, char out[TRACE_ID_HEX + 1])
{
    if (is_uuid(id)) {
        size_t k = 0;
        for (const char *p = id; *p; p++)
            if (*p != '-')
                out[k++] = (char)tolower((unsigned char)*p);
        out[k] = '\0';
    } else if (all_hex(id, TRACE_ID_HEX)) {
        lower_copy(out, id, TRACE_ID_HEX);
    } else {
        sha256_prefix(id, out, TRACE_ID_HEX);
    }
}

void langfuse_observation_id(const char *id, char out[SPAN_ID_HEX + 1])
{
    if (all_hex(id, SPAN_ID_HEX))
        lower_copy(out, id, SPAN_ID_HEX);
    else
        sha256_prefix(id, out, SPAN_ID_HEX);
}

/* ---- dates ---------------------------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Exactly n digits at *p, advancing it. */
static int digits(const char **p, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int langfuse_parse_time(const char *text, int64_t *ns)
{
    if (!text)
        return -1;
    const char *p = text;
    int64_t y, mo, d, h, mi, s;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &s))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970)
        return -1;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        int64_t scale = 100000000;
        while (isdigit((unsigned char)*p)) {
            if (n < 9) {
                frac += (*p - '0') * scale;
                scale /= 10;
            }
            n++;
            p++;
        }
        if (n == 0)
            return -1;
    }
    int64_t offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int64_t oh, om = 0;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (*p && digits(&p, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        offset_s = sign * (oh * 3600 + om * 60);
    }
    if (*p)
        return -1;
    /* Years up to 2262 fit in int64 nanoseconds. */
    if (y > 2261)
        return -1;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
    if (secs < 0)
        return -1;
    *ns = secs * 1000000000LL + frac;
    return 0;
}

/* ---- field checks --------------------------------------------------------------------------- */

/* The field's value; NULL when absent or JSON null (Langfuse's "optional"). */
static const json_t *field(const json_t *body, const char *name)
{
    const json_t *v = json_object_get(body, name);
    return v && !json_is_null(v) ? v : NULL;
}

static const char *field_str(const json_t *body, const char *name)
{
    return json_string_value(field(body, name));
}

static int check_type(const json_t *body, const char *name, json_type type, const char *what,
                      err_t *err)
{
    const json_t *v = field(body, name);
    if (!v || json_typeof(v) == type)
        return 0;
    char f[64];
    snprintf(f, sizeof f, "body.%s", name);
    return err_invalid(err, f, "'%s' must be %s", f, what);
}

/* A number (integer or real) or a boolean, when present. */
static int check_kind(const json_t *body, const char *name, int boolean, err_t *err)
{
    const json_t *v = field(body, name);
    if (!v || (boolean ? json_is_boolean(v) : json_is_number(v)))
        return 0;
    char f[64];
    snprintf(f, sizeof f, "body.%s", name);
    return err_invalid(err, f, "'%s' must be %s", f, boolean ? "a boolean" : "a number");
}

static int check_strings(const json_t *body, const char *const *names, err_t *err)
{
    for (; *names; names++)
        if (check_type(body, *names, JSON_STRING, "a string", err))
            return -1;
    return 0;
}

static int check_time(const json_t *body, const char *name, err_t *err)
{
    const json_t *v = field(body, name);
    int64_t ns;
    if (!v || (json_is_string(v) && langfuse_parse_time(json_string_value(v), &ns) == 0))
        return 0;
    char f[64];
    snprintf(f, sizeof f, "body.%s", name);
    return err_invalid(err, f, "'%s' must be an ISO 8601 date-time such as 2024-05-01T10:00:00Z",
                       f);
}

/* An object whose values are all numbers (or null): usage, usageDetails, costDetails. */
static int check_numbers(const json_t *body, const char *name, err_t *err)
{
    if (check_type(body, name, JSON_OBJECT, "an object", err))
        return -1;
    const json_t *obj = field(body, name);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (json_is_number(v) || json_is_null(v) || (!strcmp(name, "usage") && !strcmp(k, "unit")))
            continue;
        /* OpenAI's usage schemas nest *_details objects inside usageDetails. */
        if (json_is_object(v) && strstr(k, "_details"))
            continue;
        char f[96];
        snprintf(f, sizeof f, "body.%s.%.40s", name, k);
        return err_invalid(err, f, "'%s' must be a number", f);
    }
    return 0;
}

int langfuse_observation_check(const json_t *body, int create, err_t *err)
{
    if (!json_is_object(body))
        return err_invalid(err, "body", "'body' must be an object");
    if (!create && !field_str(body, "id"))
        return err_invalid(err, "body.id", "'body.id' is required in an update");
    static const char *const strings[] = {
        "id",      "traceId",     "name",  "level",      "statusMessage", "parentObservationId",
        "version", "environment", "model", "promptName", "type",          NULL};
    if (check_strings(body, strings, err) || check_time(body, "startTime", err) ||
        check_time(body, "endTime", err) || check_time(body, "completionStartTime", err) ||
        check_type(body, "modelParameters", JSON_OBJECT, "an object", err) ||
        check_type(body, "promptVersion", JSON_INTEGER, "an integer", err) ||
        check_numbers(body, "usage", err) || check_numbers(body, "usageDetails", err) ||
        check_numbers(body, "costDetails", err) || check_kind(body, "calculatedTotalCost", 0, err))
        return -1;
    const char *id = field_str(body, "id");
    if (id && !id[0])
        return err_invalid(err, "body.id", "'body.id' must not be empty");
    const char *level = field_str(body, "level");
    if (level && strcmp(level, "DEBUG") && strcmp(level, "DEFAULT") && strcmp(level, "WARNING") &&
        strcmp(level, "ERROR"))
        return err_invalid(err, "body.level",
                           "'body.level' must be DEBUG, DEFAULT, WARNING or ERROR");
    const char *type = field_str(body, "type");
    if (type && strcmp(type, LANGFUSE_SPAN) && strcmp(type, LANGFUSE_GENERATION) &&
        strcmp(type, LANGFUSE_EVENT))
        return err_invalid(err, "body.type", "'body.type' must be SPAN, GENERATION or EVENT");
    return 0;
}

/* ---- observations --------------------------------------------------------------------------- */

/* The first of keys in obj that is a non-negative number, else -1. */
static int64_t first_count(const json_t *obj, const char *const *keys)
{
    for (; obj && *keys; keys++) {
        const json_t *v = field(obj, *keys);
        if (json_is_number(v) && json_number_value(v) >= 0)
            return (int64_t)json_number_value(v);
    }
    return -1;
}

static double number_or_nan(const json_t *obj, const char *key)
{
    const json_t *v = field(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The observation's cost in USD: costDetails.total, else the sum of costDetails, else the
 * legacy usage.totalCost / usage.inputCost + outputCost / calculatedTotalCost. NAN: unknown. */
static double observation_cost(const json_t *body)
{
    const json_t *details = field(body, "costDetails");
    double total = number_or_nan(details, "total");
    if (!isnan(total))
        return total;
    if (details && json_object_size(details) > 0) {
        double sum = 0;
        int any = 0;
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)details, k, v)
        {
            if (json_is_number(v)) {
                sum += json_number_value(v);
                any = 1;
            }
        }
        if (any)
            return sum;
    }
    const json_t *usage = field(body, "usage");
    total = number_or_nan(usage, "totalCost");
    if (!isnan(total))
        return total;
    double in = number_or_nan(usage, "inputCost"), out = number_or_nan(usage, "outputCost");
    if (!isnan(in) || !isnan(out))
        return (isnan(in) ? 0 : in) + (isnan(out) ? 0 : out);
    return number_or_nan(body, "calculatedTotalCost");
}

/* Copy body[key] into attrs[name] when present. */
static void keep_attr(json_t *attrs, const char *name, const json_t *body, const char *key)
{
    const json_t *v = field(body, key);
    if (v)
        json_object_set(attrs, name, (json_t *)v);
}

static char *json_text_or_null(const json_t *v)
{
    return v ? json_to_string(v) : NULL;
}

int langfuse_span_from_body(const json_t *body, langfuse_span_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    out->row = span_row_empty();
    if (langfuse_observation_check(body, 1, err))
        return -1;
    const char *id = field_str(body, "id");
    if (!id)
        return err_invalid(err, "body.id", "'body.id' is required");
    const char *trace = field_str(body, "traceId");
    const char *type = field_str(body, "type");
    if (!type)
        type = LANGFUSE_SPAN;
    span_row_t *r = &out->row;
    langfuse_trace_id(trace ? trace : id, r->trace_id);
    langfuse_observation_id(id, r->span_id);
    const char *parent = field_str(body, "parentObservationId");
    if (parent)
        langfuse_observation_id(parent, r->parent_span_id);
    int is_gen = !strcmp(type, LANGFUSE_GENERATION), is_event = !strcmp(type, LANGFUSE_EVENT);
    r->type = is_gen ? SPAN_TYPE_LLM : is_event ? SPAN_TYPE_EVENT : SPAN_TYPE_SPAN;
    r->name = field_str(body, "name");
    if (!r->name)
        r->name = is_gen ? "generation" : is_event ? "event" : "span";
    r->kind = "internal";
    langfuse_parse_time(field_str(body, "startTime"), &r->start_ns);
    langfuse_parse_time(field_str(body, "endTime"), &r->end_ns);
    /* An event is a point in time: it ends where it starts. */
    if (is_event && r->end_ns == 0)
        r->end_ns = r->start_ns;
    int64_t first_token = 0;
    if (langfuse_parse_time(field_str(body, "completionStartTime"), &first_token) == 0 &&
        r->start_ns > 0 && first_token >= r->start_ns)
        r->ttft_ms = (double)(first_token - r->start_ns) / 1e6;
    const char *level = field_str(body, "level");
    if (level)
        r->status = !strcmp(level, "ERROR") ? "error" : "unset";
    r->status_message = field_str(body, "statusMessage");
    r->model = field_str(body, "model");
    r->version = field_str(body, "version");
    r->source = "langfuse";

    static const char *const in_keys[] = {"input", "prompt_tokens", "input_tokens", NULL};
    static const char *const out_keys[] = {"output", "completion_tokens", "output_tokens", NULL};
    static const char *const legacy_in[] = {"input", "promptTokens", NULL};
    static const char *const legacy_out[] = {"output", "completionTokens", NULL};
    const json_t *details = field(body, "usageDetails"), *usage = field(body, "usage");
    r->input_tokens = first_count(details, in_keys);
    if (r->input_tokens < 0)
        r->input_tokens = first_count(usage, legacy_in);
    r->output_tokens = first_count(details, out_keys);
    if (r->output_tokens < 0)
        r->output_tokens = first_count(usage, legacy_out);
    r->cost_usd = observation_cost(body);

    out->input = json_text_or_null(field(body, "input"));
    out->output = json_text_or_null(field(body, "output"));
    r->input = out->input;
    r->output = out->output;

    json_t *attrs = json_object();
    json_object_set_new(attrs, "langfuse.observation_id", json_string(id));
    json_object_set_new(attrs, "langfuse.trace_id", json_string(trace ? trace : id));
    json_object_set_new(attrs, "langfuse.observation.type", json_string(type));
    keep_attr(attrs, "langfuse.parent_observation_id", body, "parentObservationId");
    keep_attr(attrs, "langfuse.level", body, "level");
    keep_attr(attrs, "langfuse.version", body, "version");
    keep_attr(attrs, "langfuse.environment", body, "environment");
    keep_attr(attrs, "langfuse.metadata", body, "metadata");
    keep_attr(attrs, "langfuse.model_parameters", body, "modelParameters");
    keep_attr(attrs, "langfuse.usage", body, "usage");
    keep_attr(attrs, "langfuse.usage_details", body, "usageDetails");
    keep_attr(attrs, "langfuse.cost_details", body, "costDetails");
    keep_attr(attrs, "langfuse.completion_start_time", body, "completionStartTime");
    keep_attr(attrs, "langfuse.prompt.name", body, "promptName");
    keep_attr(attrs, "langfuse.prompt.version", body, "promptVersion");
    out->attributes = json_to_string(attrs);
    json_decref(attrs);
    r->attributes_json = out->attributes;
    return 0;
}

void langfuse_span_free(langfuse_span_t *span)
{
    if (!span)
        return;
    free(span->input);
    free(span->output);
    free(span->attributes);
    memset(span, 0, sizeof *span);
}

/* ---- traces --------------------------------------------------------------------------------- */

int langfuse_trace_check(const json_t *body, err_t *err)
{
    if (!json_is_object(body))
        return err_invalid(err, "body", "'body' must be an object");
    static const char *const strings[] = {"id",      "name",    "userId",      "sessionId",
                                          "release", "version", "environment", NULL};
    if (check_strings(body, strings, err) || check_time(body, "timestamp", err) ||
        check_type(body, "tags", JSON_ARRAY, "an array of strings", err) ||
        check_kind(body, "public", 1, err))
        return -1;
    const char *id = field_str(body, "id");
    if (id && !id[0])
        return err_invalid(err, "body.id", "'body.id' must not be empty");
    size_t i;
    const json_t *tag;
    json_array_foreach(field(body, "tags"), i, tag) if (!json_is_string(tag)) return err_invalid(
        err, "body.tags", "'body.tags' must be an array of strings");
    return 0;
}

void langfuse_trace_from_body(const json_t *body, langfuse_trace_t *out)
{
    memset(out, 0, sizeof *out);
    langfuse_trace_id(field_str(body, "id") ? field_str(body, "id") : "", out->fields.trace_id);
    out->fields.name = field_str(body, "name");
    out->fields.user_id = field_str(body, "userId");
    out->fields.session_id = field_str(body, "sessionId");
    out->fields.version = field_str(body, "version");
    langfuse_parse_time(field_str(body, "timestamp"), &out->fields.start_ns);
    out->input = json_text_or_null(field(body, "input"));
    out->output = json_text_or_null(field(body, "output"));
    out->fields.input = out->input;
    out->fields.output = out->output;
}

void langfuse_trace_free(langfuse_trace_t *trace)
{
    if (!trace)
        return;
    free(trace->input);
    free(trace->output);
    memset(trace, 0, sizeof *trace);
}

/* ---- scores --------------------------------------------------------------------------------- */

/* Langfuse's upper-case enum value as llmops' lower-case one; NULL when not one of them. */
static const char *score_data_type(const char *t)
{
    if (!strcmp(t, "NUMERIC"))
        return SCORE_TYPE_NUMERIC;
    if (!strcmp(t, "BOOLEAN"))
        return SCORE_TYPE_BOOLEAN;
    if (!strcmp(t, "CATEGORICAL"))
        return SCORE_TYPE_CATEGORICAL;
    return NULL;
}

static const char *score_source(const char *s)
{
    if (!strcasecmp(s, "API"))
        return SCORE_SOURCE_API;
    if (!strcasecmp(s, "EVAL"))
        return SCORE_SOURCE_EVAL;
    if (!strcasecmp(s, "ANNOTATION") || !strcasecmp(s, "HUMAN"))
        return SCORE_SOURCE_HUMAN;
    return NULL;
}

json_t *langfuse_score_from_body(const json_t *body, int64_t event_ms, err_t *err)
{
    if (!json_is_object(body)) {
        err_invalid(err, "body", "'body' must be an object");
        return NULL;
    }
    static const char *const strings[] = {"id",       "traceId",  "observationId", "name",
                                          "comment",  "dataType", "source",        "sessionId",
                                          "configId", NULL};
    if (check_strings(body, strings, err))
        return NULL;
    const char *trace = field_str(body, "traceId"), *name = field_str(body, "name");
    if (!trace || !trace[0]) {
        err_invalid(err, "body.traceId",
                    "'body.traceId' is required (scores on sessions or dataset runs alone are "
                    "not supported)");
        return NULL;
    }
    if (!name || !name[0]) {
        err_invalid(err, "body.name", "'body.name' is required");
        return NULL;
    }
    const json_t *value = field(body, "value");
    if (!value || !(json_is_number(value) || json_is_string(value) || json_is_boolean(value))) {
        err_invalid(err, "body.value", "'body.value' must be a number, a string or a boolean");
        return NULL;
    }
    const char *data_type = NULL, *source = SCORE_SOURCE_API;
    if (field_str(body, "dataType") &&
        !(data_type = score_data_type(field_str(body, "dataType")))) {
        err_invalid(err, "body.dataType",
                    "'body.dataType' must be NUMERIC, BOOLEAN or CATEGORICAL");
        return NULL;
    }
    if (field_str(body, "source") && !(source = score_source(field_str(body, "source")))) {
        err_invalid(err, "body.source", "'body.source' must be API, EVAL or ANNOTATION");
        return NULL;
    }
    char trace_hex[TRACE_ID_HEX + 1], span_hex[SPAN_ID_HEX + 1];
    langfuse_trace_id(trace, trace_hex);
    json_t *score = json_object();
    if (field_str(body, "id"))
        json_object_set_new(score, "id", json_string(field_str(body, "id")));
    json_object_set_new(score, "trace_id", json_string(trace_hex));
    if (field_str(body, "observationId")) {
        langfuse_observation_id(field_str(body, "observationId"), span_hex);
        json_object_set_new(score, "span_id", json_string(span_hex));
    }
    json_object_set_new(score, "name", json_string(name));
    json_object_set(score, "value", (json_t *)value);
    if (data_type)
        json_object_set_new(score, "data_type", json_string(data_type));
    if (field_str(body, "comment"))
        json_object_set_new(score, "comment", json_string(field_str(body, "comment")));
    json_object_set_new(score, "source", json_string(source));
    if (event_ms > 0)
        json_object_set_new(score, "created_ms", json_integer(event_ms));
    return score;
}
