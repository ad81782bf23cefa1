/* scores.c - validating, storing and reading back feedback scores (see scores.h and
 * score_query.h).
 *
 * A score's value lands in one of two columns: numbers and booleans in `value` (booleans as
 * 1/0, with "true"/"false" in string_value too so text searches and exports read the same),
 * categories in `string_value`. Reading back turns the pair into the JSON value the writer
 * gave (a number, true/false or a string) according to data_type. */
#include "feedback/scores.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/page_token.h"
#include "feedback/score_query.h"
#include "store/sql_builder.h"

#define SCORE_COLUMNS                                                                              \
    "id, trace_id, span_id, name, data_type, value, string_value, comment, correction, source, "   \
    "author, queue_id, created_ms"

#define SCORE_ID_MAX         256
#define SCORE_NAME_MAX       200
#define SCORE_STRING_MAX     1000
#define SCORE_COMMENT_MAX    10000
#define SCORE_CORRECTION_MAX 1000000 /* a whole wanted answer */
#define SCORE_AUTHOR_MAX     200

int scores_is_hex(const char *text, size_t n)
{
    if (!text || strlen(text) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)text[i]))
            return 0;
    return 1;
}

static char *lower_copy(const char *text)
{
    char *out = xstrdup(text);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static int valid_source(const char *source)
{
    return strcmp(source, SCORE_SOURCE_HUMAN) == 0 || strcmp(source, SCORE_SOURCE_API) == 0 ||
           strcmp(source, SCORE_SOURCE_EVAL) == 0;
}

/* The value columns of a score: its data type, number (has_number) and text. */
typedef struct score_value {
    const char *data_type;
    int has_number;
    double number;
    const char *text;
} score_value_t;

/* Infer or check the data type against the value's JSON type. */
static int read_value(const json_t *score, score_value_t *out, err_t *err)
{
    const char *type = NULL;
    if (json_field_string(score, "data_type", 0, 0, &type, err) != 0)
        return -1;
    if (type && strcmp(type, SCORE_TYPE_NUMERIC) != 0 && strcmp(type, SCORE_TYPE_BOOLEAN) != 0 &&
        strcmp(type, SCORE_TYPE_CATEGORICAL) != 0)
        return err_invalid(err, "data_type", "data_type must be numeric, boolean or categorical");
    const json_t *v = json_object_get(score, "value");
    if (!v || json_is_null(v))
        return err_invalid(err, "value",
                           "field 'value' is required (true/false, a number or "
                           "a category string)");
    memset(out, 0, sizeof *out);
    if (json_is_boolean(v)) {
        if (type && strcmp(type, SCORE_TYPE_BOOLEAN) != 0)
            return err_invalid(err, "value", "a true/false value needs data_type boolean, not %s",
                               type);
        out->data_type = SCORE_TYPE_BOOLEAN;
        out->has_number = 1;
        out->number = json_is_true(v) ? 1 : 0;
    } else if (json_is_number(v)) {
        double d = json_number_value(v);
        if (!isfinite(d))
            return err_invalid(err, "value", "value must be a finite number");
        if (type && strcmp(type, SCORE_TYPE_CATEGORICAL) == 0)
            return err_invalid(err, "value", "a categorical score's value must be a string");
        if (type && strcmp(type, SCORE_TYPE_BOOLEAN) == 0 && d != 0 && d != 1)
            return err_invalid(err, "value", "a boolean score given as a number must be 0 or 1");
        out->data_type = type ? type : SCORE_TYPE_NUMERIC;
        out->has_number = 1;
        out->number = d;
    } else if (json_is_string(v)) {
        const char *text = json_string_value(v);
        size_t len = json_string_length(v);
        if (type && strcmp(type, SCORE_TYPE_NUMERIC) == 0)
            return err_invalid(err, "value", "a numeric score's value must be a number");
        if (type && strcmp(type, SCORE_TYPE_BOOLEAN) == 0) {
            if (strcasecmp(text, "true") != 0 && strcasecmp(text, "false") != 0)
                return err_invalid(err, "value",
                                   "a boolean score given as a string must be \"true\" or "
                                   "\"false\"");
            out->data_type = SCORE_TYPE_BOOLEAN;
            out->has_number = 1;
            out->number = strcasecmp(text, "true") == 0;
        } else {
            if (len == 0 || len > SCORE_STRING_MAX || memchr(text, '\0', len))
                return err_invalid(err, "value", "a category must be 1-%d characters",
                                   SCORE_STRING_MAX);
            out->data_type = SCORE_TYPE_CATEGORICAL;
            out->text = text;
        }
    } else {
        return err_invalid(err, "value", "value must be true/false, a number or a string");
    }
    if (strcmp(out->data_type, SCORE_TYPE_BOOLEAN) == 0)
        out->text = out->number != 0 ? "true" : "false";
    return 0;
}

/* A score row as JSON. */
static json_t *score_json(const store_rows_t *rows, size_t r)
{
    const char *type = store_rows_text(rows, r, 4);
    json_t *value;
    if (strcmp(type, SCORE_TYPE_BOOLEAN) == 0) {
        value = json_boolean(store_rows_real(rows, r, 5) != 0);
    } else if (strcmp(type, SCORE_TYPE_CATEGORICAL) == 0) {
        value = json_string(store_rows_text(rows, r, 6));
    } else {
        double d = store_rows_real(rows, r, 5);
        /* Whole numbers read back as integers, as they are usually written (4, not 4.0). */
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            value = json_integer((json_int_t)d);
        else
            value = json_real(d);
    }
#define TEXT_OR_NULL(col)                                                                          \
    (store_rows_is_null(rows, r, col) ? json_null() : json_string(store_rows_text(rows, r, col)))
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(store_rows_text(rows, r, 0)));
    json_object_set_new(o, "trace_id", json_string(store_rows_text(rows, r, 1)));
    json_object_set_new(o, "span_id", TEXT_OR_NULL(2));
    json_object_set_new(o, "name", json_string(store_rows_text(rows, r, 3)));
    json_object_set_new(o, "data_type", json_string(type));
    json_object_set_new(o, "value", value);
    json_object_set_new(o, "comment", TEXT_OR_NULL(7));
    json_object_set_new(o, "correction", TEXT_OR_NULL(8));
    json_object_set_new(o, "source", json_string(store_rows_text(rows, r, 9)));
    json_object_set_new(o, "author", TEXT_OR_NULL(10));
    json_object_set_new(o, "queue_id", TEXT_OR_NULL(11));
    json_object_set_new(o, "created_ms", json_integer(store_rows_int(rows, r, 12)));
#undef TEXT_OR_NULL
    return o;
}

/* The plain text fields of a score, checked. */
typedef struct score_in {
    const char *id, *trace_id, *span_id, *name, *comment, *correction, *source, *author, *queue_id;
    int64_t created_ms;
    int has_created;
} score_in_t;

static int read_score(const json_t *score, score_in_t *in, err_t *err)
{
    memset(in, 0, sizeof *in);
    in->source = SCORE_SOURCE_API;
    if (!json_is_object(score))
        return err_invalid(err, NULL, "a score must be a JSON object");
    if (json_field_string(score, "id", 0, SCORE_ID_MAX, &in->id, err) != 0 ||
        json_field_string(score, "trace_id", 1, 0, &in->trace_id, err) != 0 ||
        json_field_string(score, "span_id", 0, 0, &in->span_id, err) != 0 ||
        json_field_string(score, "name", 1, SCORE_NAME_MAX, &in->name, err) != 0 ||
        json_field_string(score, "comment", 0, SCORE_COMMENT_MAX, &in->comment, err) != 0 ||
        json_field_string(score, "correction", 0, SCORE_CORRECTION_MAX, &in->correction, err) !=
            0 ||
        json_field_string(score, "source", 0, 0, &in->source, err) != 0 ||
        json_field_string(score, "author", 0, SCORE_AUTHOR_MAX, &in->author, err) != 0 ||
        json_field_string(score, "queue_id", 0, SCORE_ID_MAX, &in->queue_id, err) != 0)
        return -1;
    if (in->id && !in->id[0])
        return err_invalid(err, "id", "id must not be empty");
    if (!scores_is_hex(in->trace_id, 32))
        return err_invalid(err, "trace_id", "trace_id must be 32 hex digits");
    if (in->span_id && !scores_is_hex(in->span_id, 16))
        return err_invalid(err, "span_id", "span_id must be 16 hex digits");
    if (!in->name[0])
        return err_invalid(err, "name", "name must not be empty");
    if (!valid_source(in->source))
        return err_invalid(err, "source", "source must be human, api or eval");
    if (json_object_get(score, "created_ms") &&
        !json_is_null(json_object_get(score, "created_ms"))) {
        if (json_field_int(score, "created_ms", 1, &in->created_ms, err) != 0)
            return -1;
        if (in->created_ms < 0)
            return err_invalid(err, "created_ms", "created_ms must be epoch milliseconds (>= 0)");
        in->has_created = 1;
    }
    return 0;
}

static json_t *score_by_id(store_conn_t *c, const char *id, err_t *err)
{
    store_value_t p = sv_text(id);
    store_rows_t *rows =
        store_query(c, "SELECT " SCORE_COLUMNS " FROM scores WHERE id = ?", &p, 1, err);
    if (!rows)
        return NULL;
    json_t *out = NULL;
    if (store_rows_count(rows) == 1)
        out = score_json(rows, 0);
    else
        err_not_found(err, "score '%s' not found", id);
    store_rows_free(rows);
    return out;
}

json_t *scores_add_conn(store_conn_t *c, const json_t *score, err_t *err)
{
    score_in_t in;
    score_value_t v;
    if (read_score(score, &in, err) != 0 || read_value(score, &v, err) != 0)
        return NULL;
    char id[ID_UUID_LEN + 1];
    if (!in.id)
        ids_uuid7(id);
    char *trace_id = lower_copy(in.trace_id);
    char *span_id = in.span_id ? lower_copy(in.span_id) : NULL;
    store_value_t p[] = {
        sv_text(in.id ? in.id : id),
        sv_text(trace_id),
        sv_text(span_id),
        sv_text(in.name),
        sv_text(v.data_type),
        v.has_number ? sv_real(v.number) : sv_null(),
        sv_text(v.text),
        sv_text(in.comment),
        sv_text(in.correction),
        sv_text(in.source),
        sv_text(in.author),
        sv_text(in.queue_id),
        sv_int(in.has_created ? in.created_ms : clock_now_ms()),
        sv_int(in.has_created),
    };
    /* The same id again replaces the score (Langfuse's upsert); it keeps its creation time
     * unless the writer gives one. */
    int64_t n = store_exec(
        c,
        "INSERT INTO scores (" SCORE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET trace_id = excluded.trace_id, span_id = "
        "excluded.span_id, name = excluded.name, data_type = excluded.data_type, value = "
        "excluded.value, string_value = excluded.string_value, comment = excluded.comment, "
        "correction = excluded.correction, source = excluded.source, author = excluded.author, "
        "queue_id = excluded.queue_id, created_ms = CASE WHEN ? = 1 THEN excluded.created_ms "
        "ELSE scores.created_ms END",
        p, sizeof p / sizeof p[0], err);
    json_t *out = n < 0 ? NULL : score_by_id(c, in.id ? in.id : id, err);
    free(trace_id);
    free(span_id);
    return out;
}

json_t *scores_add(store_t *s, const json_t *score, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    json_t *out = NULL;
    if (store_begin(c, err) == 0) {
        out = scores_add_conn(c, score, err);
        if (store_finish(c, out != NULL, err) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    store_release(s, c);
    return out;
}

json_t *scores_list(store_t *s, const score_filter_t *f, int limit, const char *page_token,
                    err_t *err)
{
    int64_t offset = 0;
    if (limit < 0 || limit > SCORES_LIST_MAX) {
        err_invalid(err, "limit", "limit must be 1-%d", SCORES_LIST_MAX);
        return NULL;
    }
    if (limit == 0)
        limit = SCORES_LIST_DEFAULT;
    if (page_token_parse(page_token, &offset, err) != 0)
        return NULL;
    if (f->trace_id && !scores_is_hex(f->trace_id, 32)) {
        err_invalid(err, "trace_id", "trace_id must be 32 hex digits");
        return NULL;
    }
    if (f->source && !valid_source(f->source)) {
        err_invalid(err, "source", "source must be human, api or eval");
        return NULL;
    }
    if (f->since_ms < 0 || f->until_ms < 0) {
        err_invalid(err, f->since_ms < 0 ? "since" : "until",
                    "'since' and 'until' are epoch milliseconds (>= 0)");
        return NULL;
    }
    store_conn_t *c = store_acquire(s);
    sqlb_t b;
    sqlb_init(&b, store_conn_kind(c));
    sqlb_sql(&b, "SELECT " SCORE_COLUMNS " FROM scores WHERE 1 = 1");
    if (f->trace_id) {
        sqlb_sql(&b, " AND trace_id = ");
        sqlb_text_owned(&b, lower_copy(f->trace_id));
    }
    if (f->name) {
        sqlb_sql(&b, " AND name = ");
        sqlb_param(&b, sv_text(f->name));
    }
    if (f->source) {
        sqlb_sql(&b, " AND source = ");
        sqlb_param(&b, sv_text(f->source));
    }
    if (f->queue_id) {
        sqlb_sql(&b, " AND queue_id = ");
        sqlb_param(&b, sv_text(f->queue_id));
    }
    if (f->since_ms > 0) {
        sqlb_sql(&b, " AND created_ms >= ");
        sqlb_param(&b, sv_int(f->since_ms));
    }
    if (f->until_ms > 0) {
        sqlb_sql(&b, " AND created_ms < ");
        sqlb_param(&b, sv_int(f->until_ms));
    }
    sqlb_sql(&b, " ORDER BY created_ms, id LIMIT ");
    sqlb_param(&b, sv_int(limit + 1));
    sqlb_sql(&b, " OFFSET ");
    sqlb_param(&b, sv_int(offset));
    store_rows_t *rows = sqlb_query(c, &b, err);
    sqlb_free(&b);
    store_release(s, c);
    if (!rows)
        return NULL;
    size_t n = store_rows_count(rows);
    json_t *list = json_array();
    for (size_t r = 0; r < n && r < (size_t)limit; r++)
        json_array_append_new(list, score_json(rows, r));
    store_rows_free(rows);
    json_t *out = json_pack("{s:o}", "scores", list);
    page_token_add_next(out, n, limit, offset);
    return out;
}

json_t *scores_for_trace(store_t *s, const char *trace_id, err_t *err)
{
    if (!scores_is_hex(trace_id, 32)) {
        err_invalid(err, "trace_id", "trace_id must be 32 hex digits");
        return NULL;
    }
    char *id = lower_copy(trace_id);
    store_value_t p = sv_text(id);
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c, "SELECT " SCORE_COLUMNS " FROM scores WHERE trace_id = ? ORDER BY created_ms, id", &p, 1,
        err);
    store_release(s, c);
    free(id);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(list, score_json(rows, r));
    store_rows_free(rows);
    return json_pack("{s:o}", "scores", list);
}

json_t *scores_for_traces(store_conn_t *c, const char *const *trace_ids, size_t n, const char *name,
                          err_t *err)
{
    json_t *by_trace = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(by_trace, trace_ids[i], json_array());
    if (n == 0)
        return by_trace;
    sqlb_t b;
    sqlb_init(&b, store_conn_kind(c));
    sqlb_sql(&b, "SELECT " SCORE_COLUMNS " FROM scores WHERE trace_id IN (");
    for (size_t i = 0; i < n; i++) {
        sqlb_sql(&b, i ? ", " : "");
        sqlb_param(&b, sv_text(trace_ids[i]));
    }
    sqlb_sql(&b, ")");
    if (name) {
        sqlb_sql(&b, " AND name = ");
        sqlb_param(&b, sv_text(name));
    }
    sqlb_sql(&b, " ORDER BY created_ms, id");
    store_rows_t *rows = sqlb_query(c, &b, err);
    sqlb_free(&b);
    if (!rows) {
        json_decref(by_trace);
        return NULL;
    }
    for (size_t r = 0; r < store_rows_count(rows); r++) {
        json_t *list = json_object_get(by_trace, store_rows_text(rows, r, 1));
        if (list)
            json_array_append_new(list, score_json(rows, r));
    }
    store_rows_free(rows);
    return by_trace;
}

int scores_delete(store_t *s, const char *id, err_t *err)
{
    store_value_t p = sv_text(id);
    store_conn_t *c = store_acquire(s);
    int64_t n = store_exec(c, "DELETE FROM scores WHERE id = ?", &p, 1, err);
    store_release(s, c);
    if (n < 0)
        return -1;
    if (n == 0)
        return err_not_found(err, "score '%s' not found", id);
    return 0;
}
