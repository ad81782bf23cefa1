/* trace_query.c - trace lists, one trace with its span tree, sessions and key totals (see
 * trace_query.h).
 *
 * Lists are built with sql_builder: each filter adds a condition with its value bound, the sort
 * picks one of the expressions migration 8 indexes (together with trace_id), and the page token
 * adds "(key, trace_id) < (last key, last id)" (> when ascending), which both backends answer
 * with a range read of that index. One row more than the page is fetched to know whether a next
 * page exists. */
#include "traces/trace_query.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/page_token.h"
#include "feedback/scores.h"
#include "store/sql_builder.h"
#include "traces/trace_store.h"

/* The summary columns, in the order summary_json() reads them. */
#define SUMMARY_COLUMNS                                                                            \
    "trace_id, start_ms, end_ms, name, status, session_id, user_id, endpoint, model, provider, "   \
    "model_name, model_version, model_alias, prompt_name, prompt_version, key_id, input_tokens, "  \
    "output_tokens, cost_usd, latency_ms, ttft_ms, cache_hit, error, version, source, "            \
    "span_count, guardrail_hits"
#define SUMMARY_NCOLS 27

/* The longest q accepted, and how many words of it are searched for. */
#define Q_MAX_LEN   1000
#define Q_MAX_WORDS 32

/* ---- rows to JSON ---------------------------------------------------------------------------- */

static void set_text(json_t *obj, const char *key, const store_rows_t *rows, size_t r, size_t col)
{
    json_object_set_new(obj, key,
                        store_rows_is_null(rows, r, col)
                            ? json_null()
                            : json_string(store_rows_text(rows, r, col)));
}

static void set_int(json_t *obj, const char *key, const store_rows_t *rows, size_t r, size_t col)
{
    json_object_set_new(obj, key,
                        store_rows_is_null(rows, r, col)
                            ? json_null()
                            : json_integer((json_int_t)store_rows_int(rows, r, col)));
}

static void set_real(json_t *obj, const char *key, const store_rows_t *rows, size_t r, size_t col)
{
    json_object_set_new(
        obj, key,
        store_rows_is_null(rows, r, col) ? json_null() : json_real(store_rows_real(rows, r, col)));
}

static json_t *summary_json(const store_rows_t *rows, size_t r)
{
    static const struct {
        const char *key;
        char type; /* t text, i integer, r real, b boolean */
    } cols[SUMMARY_NCOLS] = {
        {"trace_id", 't'},    {"start_ms", 'i'},     {"end_ms", 'i'},
        {"name", 't'},        {"status", 't'},       {"session_id", 't'},
        {"user", 't'},        {"endpoint", 't'},     {"model", 't'},
        {"provider", 't'},    {"model_name", 't'},   {"model_version", 'i'},
        {"model_alias", 't'}, {"prompt_name", 't'},  {"prompt_version", 'i'},
        {"key_id", 't'},      {"input_tokens", 'i'}, {"output_tokens", 'i'},
        {"cost_usd", 'r'},    {"latency_ms", 'r'},   {"ttft_ms", 'r'},
        {"cache_hit", 'b'},   {"error", 't'},        {"version", 't'},
        {"source", 't'},      {"span_count", 'i'},   {"guardrail_hits", 'i'},
    };
    json_t *t = json_object();
    for (size_t c = 0; c < SUMMARY_NCOLS; c++) {
        if (cols[c].type == 't')
            set_text(t, cols[c].key, rows, r, c);
        else if (cols[c].type == 'i')
            set_int(t, cols[c].key, rows, r, c);
        else if (cols[c].type == 'r')
            set_real(t, cols[c].key, rows, r, c);
        else
            json_object_set_new(t, cols[c].key,
                                store_rows_is_null(rows, r, c)
                                    ? json_null()
                                    : json_boolean(store_rows_int(rows, r, c) != 0));
    }
    return t;
}

/* A column holding JSON text as JSON (text that is not JSON stays a string). */
static json_t *json_column(const store_rows_t *rows, size_t r, size_t col)
{
    if (store_rows_is_null(rows, r, col))
        return json_null();
    const char *text = store_rows_text(rows, r, col);
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(text);
}

/* ---- parsing --------------------------------------------------------------------------------- */

trace_filter_t trace_filter_any(void)
{
    return (trace_filter_t){.min_latency_ms = -1, .min_cost_usd = -1, .has_feedback = -1};
}

static const char *const sort_names[] = {"start_ms", "latency_ms", "cost_usd", "tokens"};
/* The expressions migration 8 indexes (with trace_id); they must match it character for
 * character, or SQLite will not use the index. */
static const char *const sort_exprs[] = {
    "start_ms", "COALESCE(latency_ms, -1)", "COALESCE(cost_usd, -1)",
    "(COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0))"};

int trace_sort_parse(const char *text, trace_sort_t *out, err_t *err)
{
    *out = TRACE_SORT_START;
    if (!text)
        return 0;
    for (size_t i = 0; i < sizeof sort_names / sizeof sort_names[0]; i++)
        if (strcmp(text, sort_names[i]) == 0) {
            *out = (trace_sort_t)i;
            return 0;
        }
    return err_invalid(err, "sort", "'sort' must be start_ms, latency_ms, cost_usd or tokens");
}

int trace_order_parse(const char *text, int *ascending, err_t *err)
{
    *ascending = 0;
    if (!text || strcmp(text, "desc") == 0)
        return 0;
    if (strcmp(text, "asc") == 0) {
        *ascending = 1;
        return 0;
    }
    return err_invalid(err, "order", "'order' must be desc or asc");
}

int trace_score_cond_parse(const char *text, trace_score_cond_t *out, err_t *err)
{
    static const char *const ops[] = {">=", "<=", "!=", ">", "<", "="};
    memset(out, 0, sizeof *out);
    out->text = text;
    const char *at = text ? strpbrk(text, "<>=!") : NULL;
    if (!at || at == text || (size_t)(at - text) >= sizeof out->name)
        return err_invalid(err, "score",
                           "'score' must be NAME OP VALUE with OP one of >= <= > < = != "
                           "(e.g. helpfulness>=0.5, thumbs=true, label=good)");
    memcpy(out->name, text, (size_t)(at - text));
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(at, ops[i], strlen(ops[i])) == 0) {
            strcpy(out->op, ops[i]);
            break;
        }
    if (!out->op[0])
        return err_invalid(err, "score", "'score' %s: unknown operator", text);
    const char *value = at + strlen(out->op);
    if (!*value || strlen(value) >= sizeof out->string)
        return err_invalid(err, "score", "'score' %s: the value is missing or too long", text);
    char *end = NULL;
    double number = strtod(value, &end);
    if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
        out->is_number = 1;
        out->number = value[0] == 't' ? 1 : 0;
    } else if (end && !*end && isfinite(number)) {
        out->is_number = 1;
        out->number = number;
    } else {
        strcpy(out->string, value);
        if (strcmp(out->op, "=") != 0 && strcmp(out->op, "!=") != 0)
            return err_invalid(err, "score",
                               "'score' %s: a category can only be compared with = or !=", text);
    }
    return 0;
}

/* The words of q as an FTS5 query: each word double-quoted (so FTS5 operators and punctuation
 * in user text are literal), separated by spaces (FTS5's implicit AND). Words are runs of
 * letters, digits and non-ASCII bytes, the way FTS5's unicode61 tokenizer and PostgreSQL's
 * parser both split text. NULL when q has no word. Caller frees. */
static char *fts_words(const char *q, int quoted)
{
    buf_t out;
    buf_init(&out);
    size_t words = 0;
    for (const char *p = q; *p && words < Q_MAX_WORDS;) {
        while (*p && !(isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80))
            p++;
        const char *start = p;
        while (*p && (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80))
            p++;
        if (p == start)
            continue;
        if (words++)
            buf_append_str(&out, " ");
        if (quoted)
            buf_append_str(&out, "\"");
        buf_append(&out, start, (size_t)(p - start));
        if (quoted)
            buf_append_str(&out, "\"");
    }
    if (words == 0) {
        buf_free(&out);
        return NULL;
    }
    return buf_steal(&out);
}

/* ---- the trace list -------------------------------------------------------------------------- */

static void where(sqlb_t *b, int *first)
{
    sqlb_sql(b, *first ? " WHERE " : " AND ");
    *first = 0;
}

static void where_eq(sqlb_t *b, int *first, const char *column, const char *value)
{
    if (!value)
        return;
    where(b, first);
    sqlb_printf(b, "%s = ", column);
    sqlb_param(b, sv_text(value));
}

static int is_hex32(const char *s)
{
    if (!s || strlen(s) != 32)
        return 0;
    for (size_t i = 0; i < 32; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A keyset position: the last row's sort value and id. */
typedef struct keyset {
    int set;
    store_value_t value;
    char id[257];
} keyset_t;

/* Read a list token made for this sort and order ("v" must be an integer when is_int). */
static int keyset_parse(const char *token, const char *sort, const char *order, int is_int,
                        keyset_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *tok;
    if (page_token_parse_json(token, &tok, err) != 0)
        return -1;
    if (!tok)
        return 0;
    const char *s = json_string_value(json_object_get(tok, "s"));
    const char *o = json_string_value(json_object_get(tok, "o"));
    const char *id = json_string_value(json_object_get(tok, "id"));
    json_t *v = json_object_get(tok, "v");
    int rc = 0;
    if (!s || strcmp(s, sort) != 0 || !o || strcmp(o, order) != 0)
        rc = err_invalid(err, "page_token",
                         "Invalid page token: it continues another sort or order (sort=%s, "
                         "order=%s)",
                         s ? s : "?", o ? o : "?");
    else if (!id || strlen(id) >= sizeof out->id ||
             (is_int ? !json_is_integer(v) : !json_is_number(v)))
        rc = err_invalid(err, "page_token", "Invalid page token: no position in it");
    else {
        out->set = 1;
        out->value = is_int ? sv_int(json_integer_value(v)) : sv_real(json_number_value(v));
        strcpy(out->id, id);
    }
    json_decref(tok);
    return rc;
}

static void keyset_add_next(json_t *result, const char *sort, const char *order, json_t *value,
                            const char *id)
{
    json_t *tok = json_pack("{s:s, s:s, s:o, s:s}", "s", sort, "o", order, "v", value, "id", id);
    char *text = page_token_make_json(tok);
    json_object_set_new(result, "next_page_token", json_string(text));
    free(text);
    json_decref(tok);
}

static int check_filter(const trace_filter_t *f, int limit, err_t *err)
{
    if (limit < 1 || limit > TRACES_LIST_MAX)
        return err_invalid(err, "limit", "'limit' must be from 1 to %d", TRACES_LIST_MAX);
    if (f->status && strcmp(f->status, "ok") != 0 && strcmp(f->status, "error") != 0 &&
        strcmp(f->status, "unset") != 0)
        return err_invalid(err, "status", "'status' must be ok, error or unset");
    if (f->since_ms < 0 || f->until_ms < 0)
        return err_invalid(err, f->since_ms < 0 ? "since" : "until",
                           "'since' and 'until' are epoch milliseconds (>= 0)");
    if (isnan(f->min_latency_ms))
        return err_invalid(err, "min_latency_ms", "'min_latency_ms' must be a number");
    if (isnan(f->min_cost_usd))
        return err_invalid(err, "min_cost_usd", "'min_cost_usd' must be a number");
    if (f->nscores > TRACE_SCORE_FILTERS)
        return err_invalid(err, "score", "at most %d 'score' conditions", TRACE_SCORE_FILTERS);
    if (f->q && strlen(f->q) > Q_MAX_LEN)
        return err_invalid(err, "q", "'q' is longer than %d characters", Q_MAX_LEN);
    return 0;
}

/* Score conditions select from scores first (trace_id IN (...)): feedback is rare, so the set is
 * small, and the planners then read the list's sort index and test membership, instead of
 * probing scores once per trace in sort order (which SQLite did through scores_name, reading
 * every score of that name per trace). */
static void where_score(sqlb_t *b, int *first, const trace_score_cond_t *c)
{
    where(b, first);
    sqlb_sql(b, "trace_id IN (SELECT trace_id FROM scores WHERE name = ");
    sqlb_param(b, sv_text(c->name));
    if (c->is_number) {
        sqlb_printf(b, " AND value %s ", strcmp(c->op, "!=") == 0 ? "<>" : c->op);
        sqlb_param(b, sv_real(c->number));
    } else {
        sqlb_printf(b, " AND string_value %s ", strcmp(c->op, "!=") == 0 ? "<>" : "=");
        sqlb_param(b, sv_text(c->string));
    }
    sqlb_sql(b, ")");
}

/* The WHERE clause of a filter (everything but the page position). */
static int add_filters(sqlb_t *b, int *first, const trace_filter_t *f, err_t *err)
{
    where_eq(b, first, "endpoint", f->endpoint);
    where_eq(b, first, "model", f->model);
    where_eq(b, first, "version", f->version);
    where_eq(b, first, "status", f->status);
    where_eq(b, first, "key_id", f->key_id);
    where_eq(b, first, "user_id", f->user);
    where_eq(b, first, "session_id", f->session_id);
    where_eq(b, first, "name", f->name);
    where_eq(b, first, "source", f->source);
    if (f->since_ms > 0) {
        where(b, first);
        sqlb_sql(b, "start_ms >= ");
        sqlb_param(b, sv_int(f->since_ms));
    }
    if (f->until_ms > 0) {
        where(b, first);
        sqlb_sql(b, "start_ms < ");
        sqlb_param(b, sv_int(f->until_ms));
    }
    if (f->min_latency_ms >= 0) {
        where(b, first);
        sqlb_sql(b, "latency_ms >= ");
        sqlb_param(b, sv_real(f->min_latency_ms));
    }
    if (f->min_cost_usd >= 0) {
        where(b, first);
        sqlb_sql(b, "cost_usd >= ");
        sqlb_param(b, sv_real(f->min_cost_usd));
    }
    if (f->has_feedback >= 0) {
        where(b, first);
        /* A probe of scores_trace per trace read in sort order: with feedback on a few percent
         * of traces a page is found after a few thousand probes (measured much faster than
         * collecting and sorting every scored trace). */
        sqlb_printf(b, "%sEXISTS (SELECT 1 FROM scores WHERE scores.trace_id = traces.trace_id)",
                    f->has_feedback ? "" : "NOT ");
    }
    for (size_t i = 0; i < f->nscores; i++)
        where_score(b, first, &f->scores[i]);
    if (f->q) {
        int sqlite = b->kind == STORE_SQLITE;
        char *words = fts_words(f->q, sqlite);
        if (!words)
            return err_invalid(err, "q", "'q' has no word to search for");
        where(b, first);
        if (sqlite)
            sqlb_sql(b, "traces.rowid IN (SELECT rowid FROM traces_fts WHERE traces_fts MATCH ");
        else
            sqlb_sql(b, "to_tsvector('simple', left(COALESCE(input, '') || ' ' || "
                        "COALESCE(output, ''), 100000)) @@ plainto_tsquery('simple', ");
        sqlb_text_owned(b, words);
        sqlb_sql(b, ")");
    }
    return 0;
}

json_t *traces_list(store_t *s, const trace_filter_t *filter, int limit, const char *page_token,
                    err_t *err)
{
    trace_filter_t any = trace_filter_any();
    const trace_filter_t *f = filter ? filter : &any;
    if (limit == 0)
        limit = TRACES_LIST_DEFAULT;
    if (check_filter(f, limit, err) != 0)
        return NULL;
    const char *sort = sort_names[f->sort], *expr = sort_exprs[f->sort];
    const char *order = f->ascending ? "asc" : "desc";
    int int_key = f->sort == TRACE_SORT_START || f->sort == TRACE_SORT_TOKENS;
    keyset_t after;
    if (keyset_parse(page_token, sort, order, int_key, &after, err) != 0)
        return NULL;

    sqlb_t b;
    sqlb_init(&b, store_kind(s));
    sqlb_printf(&b, "SELECT " SUMMARY_COLUMNS ", %s FROM traces", expr);
    int first = 1;
    if (add_filters(&b, &first, f, err) != 0) {
        sqlb_free(&b);
        return NULL;
    }
    if (after.set) {
        where(&b, &first);
        sqlb_printf(&b, "(%s, trace_id) %s (", expr, f->ascending ? ">" : "<");
        sqlb_param(&b, after.value);
        sqlb_sql(&b, ", ");
        sqlb_param(&b, sv_text(after.id));
        sqlb_sql(&b, ")");
    }
    const char *dir = f->ascending ? "ASC" : "DESC";
    /* PostgreSQL with q: "+ 0" hides the sort index, so the matches come from the GIN index and
     * are sorted (as SQLite does). Otherwise, for a word in a few thousand of a million traces,
     * the planner walked the sort index and computed to_tsvector row after row until a page
     * was found (measured 550 ms against 13 ms). */
    int hide_index = f->q && store_kind(s) == STORE_POSTGRES;
    sqlb_printf(&b, " ORDER BY %s%s %s, trace_id %s LIMIT ", expr, hide_index ? " + 0" : "", dir,
                dir);
    sqlb_param(&b, sv_int(limit + 1));
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = sqlb_query(c, &b, err);
    store_release(s, c);
    sqlb_free(&b);
    if (!rows)
        return NULL;
    size_t count = store_rows_count(rows);
    size_t shown = count > (size_t)limit ? (size_t)limit : count;
    json_t *list = json_array();
    for (size_t r = 0; r < shown; r++)
        json_array_append_new(list, summary_json(rows, r));
    json_t *result = json_pack("{s:o}", "traces", list);
    if (count > shown) {
        size_t last = shown - 1;
        json_t *v = int_key ? json_integer((json_int_t)store_rows_int(rows, last, SUMMARY_NCOLS))
                            : json_real(store_rows_real(rows, last, SUMMARY_NCOLS));
        keyset_add_next(result, sort, order, v, store_rows_text(rows, last, 0));
    }
    store_rows_free(rows);
    return result;
}

/* ---- one trace ------------------------------------------------------------------------------- */

static json_t *span_json(const store_rows_t *rows, size_t r)
{
    json_t *sp = json_object();
    set_text(sp, "span_id", rows, r, 0);
    set_text(sp, "trace_id", rows, r, 1);
    set_text(sp, "parent_span_id", rows, r, 2);
    set_text(sp, "name", rows, r, 3);
    set_text(sp, "kind", rows, r, 4);
    set_int(sp, "start_ms", rows, r, 5);
    set_int(sp, "end_ms", rows, r, 6);
    set_text(sp, "status", rows, r, 7);
    set_text(sp, "model", rows, r, 8);
    set_int(sp, "input_tokens", rows, r, 9);
    set_int(sp, "output_tokens", rows, r, 10);
    set_real(sp, "cost_usd", rows, r, 11);
    json_object_set_new(sp, "attributes", json_column(rows, r, 12));
    json_object_set_new(sp, "events", json_column(rows, r, 13));
    set_text(sp, "type", rows, r, 14);
    set_text(sp, "status_message", rows, r, 15);
    set_real(sp, "latency_ms", rows, r, 16);
    set_real(sp, "ttft_ms", rows, r, 17);
    json_object_set_new(sp, "input", json_column(rows, r, 18));
    json_object_set_new(sp, "output", json_column(rows, r, 19));
    set_text(sp, "source", rows, r, 20);
    return sp;
}

static const char *parent_of(const json_t *span)
{
    const char *p = json_string_value(json_object_get(span, "parent_span_id"));
    return p && *p ? p : NULL;
}

/* Whether attaching span to parent_id would close a loop (a parent chain that comes back to
 * span): such spans are shown as roots instead, or the tree would never end. */
static int makes_cycle(const json_t *by_id, const char *span_id, const char *parent_id, size_t n)
{
    const char *at = parent_id;
    for (size_t steps = 0; at && steps <= n; steps++) {
        if (strcmp(at, span_id) == 0)
            return 1;
        at = parent_of(json_object_get(by_id, at));
    }
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t sx = json_integer_value(json_object_get(x, "start_ms"));
    json_int_t sy = json_integer_value(json_object_get(y, "start_ms"));
    if (sx != sy)
        return sx < sy ? -1 : 1;
    const char *ix = json_string_value(json_object_get(x, "span_id"));
    const char *iy = json_string_value(json_object_get(y, "span_id"));
    return strcmp(ix ? ix : "", iy ? iy : "");
}

json_t *trace_span_tree(const json_t *spans)
{
    size_t n = json_array_size(spans);
    json_t **order = xcalloc(n ? n : 1, sizeof *order);
    json_t *by_id = json_object(); /* span_id -> the span's copy, which gets "children" */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *sp = json_array_get(spans, i);
        const char *id = json_string_value(json_object_get(sp, "span_id"));
        if (!id || json_object_get(by_id, id))
            continue; /* no id, or a repeat: nothing can hang below it */
        json_t *copy = json_deep_copy(sp);
        json_object_set_new(copy, "children", json_array());
        json_object_set_new(by_id, id, copy);
        order[m++] = copy;
    }
    qsort(order, m, sizeof *order, by_start); /* children end up ordered by start */
    json_t *roots = json_array();
    for (size_t i = 0; i < m; i++) {
        json_t *sp = order[i];
        const char *id = json_string_value(json_object_get(sp, "span_id"));
        const char *parent = parent_of(sp);
        json_t *up = parent ? json_object_get(by_id, parent) : NULL;
        if (up && !makes_cycle(by_id, id, parent, m)) {
            json_array_append(json_object_get(up, "children"), sp);
            continue;
        }
        if (parent)
            json_object_set_new(sp, "orphan", json_true());
        json_array_append(roots, sp);
    }
    free(order);
    json_decref(by_id);
    return roots;
}

json_t *traces_get(store_t *s, const char *trace_id, err_t *err)
{
    if (!is_hex32(trace_id)) {
        err_invalid(err, "trace_id", "'trace_id' must be %d hex digits", TRACE_ID_HEX);
        return NULL;
    }
    char id[TRACE_ID_HEX + 1];
    for (size_t i = 0; i <= TRACE_ID_HEX; i++)
        id[i] = (char)tolower((unsigned char)trace_id[i]);
    store_value_t p = sv_text(id);
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(
        c, "SELECT " SUMMARY_COLUMNS ", input, output, data FROM traces WHERE trace_id = ?", &p, 1,
        err);
    store_rows_t *spans =
        rows ? store_query(c,
                           "SELECT span_id, trace_id, parent_span_id, name, kind, start_ms, "
                           "end_ms, status, model, input_tokens, output_tokens, cost_usd, "
                           "attributes, events, type, status_message, latency_ms, ttft_ms, "
                           "input, output, source FROM spans WHERE trace_id = ? "
                           "ORDER BY start_ms, span_id",
                           &p, 1, err)
             : NULL;
    store_release(s, c);
    json_t *result = NULL;
    if (rows && spans) {
        if (store_rows_count(rows) == 0) {
            err_not_found(err, "trace '%s' not found", id);
        } else {
            result = summary_json(rows, 0);
            json_object_set_new(result, "input", json_column(rows, 0, SUMMARY_NCOLS));
            json_object_set_new(result, "output", json_column(rows, 0, SUMMARY_NCOLS + 1));
            json_object_set_new(result, "record", json_column(rows, 0, SUMMARY_NCOLS + 2));
            json_t *list = json_array();
            for (size_t r = 0; r < store_rows_count(spans); r++)
                json_array_append_new(list, span_json(spans, r));
            json_object_set_new(result, "tree", trace_span_tree(list));
            json_object_set_new(result, "spans", list);
            json_t *scores = scores_for_trace(s, id, err);
            if (!scores) {
                json_decref(result);
                result = NULL;
            } else {
                json_object_set(result, "scores", json_object_get(scores, "scores"));
                json_decref(scores);
            }
        }
    }
    store_rows_free(rows);
    store_rows_free(spans);
    return result;
}

/* ---- sessions -------------------------------------------------------------------------------- */

#define SESSION_COLUMNS                                                                            \
    "session_id, user_id, traces, first_start_ms, last_start_ms, input_tokens, output_tokens, "    \
    "cost_usd, errors"

static json_t *session_json(const store_rows_t *rows, size_t r)
{
    json_t *o = json_object();
    set_text(o, "session_id", rows, r, 0);
    set_text(o, "user", rows, r, 1);
    set_int(o, "trace_count", rows, r, 2);
    set_int(o, "first_start_ms", rows, r, 3);
    set_int(o, "last_start_ms", rows, r, 4);
    set_int(o, "input_tokens", rows, r, 5);
    set_int(o, "output_tokens", rows, r, 6);
    set_real(o, "cost_usd", rows, r, 7);
    set_int(o, "errors", rows, r, 8);
    return o;
}

json_t *sessions_list(store_t *s, const session_filter_t *filter, int limit, const char *page_token,
                      err_t *err)
{
    static const session_filter_t none = {0};
    const session_filter_t *f = filter ? filter : &none;
    if (limit == 0)
        limit = TRACES_LIST_DEFAULT;
    if (limit < 1 || limit > TRACES_LIST_MAX) {
        err_invalid(err, "limit", "'limit' must be from 1 to %d", TRACES_LIST_MAX);
        return NULL;
    }
    if (f->since_ms < 0 || f->until_ms < 0) {
        err_invalid(err, f->since_ms < 0 ? "since" : "until",
                    "'since' and 'until' are epoch milliseconds (>= 0)");
        return NULL;
    }
    keyset_t after;
    if (keyset_parse(page_token, "last_start_ms", "desc", 1, &after, err) != 0)
        return NULL;
    sqlb_t b;
    sqlb_init(&b, store_kind(s));
    sqlb_sql(&b, "SELECT " SESSION_COLUMNS " FROM trace_sessions");
    int first = 1;
    where_eq(&b, &first, "user_id", f->user);
    if (f->since_ms > 0) {
        where(&b, &first);
        sqlb_sql(&b, "last_start_ms >= ");
        sqlb_param(&b, sv_int(f->since_ms));
    }
    if (f->until_ms > 0) {
        where(&b, &first);
        sqlb_sql(&b, "last_start_ms < ");
        sqlb_param(&b, sv_int(f->until_ms));
    }
    if (after.set) {
        where(&b, &first);
        sqlb_sql(&b, "(last_start_ms, session_id) < (");
        sqlb_param(&b, after.value);
        sqlb_sql(&b, ", ");
        sqlb_param(&b, sv_text(after.id));
        sqlb_sql(&b, ")");
    }
    sqlb_sql(&b, " ORDER BY last_start_ms DESC, session_id DESC LIMIT ");
    sqlb_param(&b, sv_int(limit + 1));
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = sqlb_query(c, &b, err);
    store_release(s, c);
    sqlb_free(&b);
    if (!rows)
        return NULL;
    size_t count = store_rows_count(rows);
    size_t shown = count > (size_t)limit ? (size_t)limit : count;
    json_t *list = json_array();
    for (size_t r = 0; r < shown; r++)
        json_array_append_new(list, session_json(rows, r));
    json_t *result = json_pack("{s:o}", "sessions", list);
    if (count > shown)
        keyset_add_next(result, "last_start_ms", "desc",
                        json_integer((json_int_t)store_rows_int(rows, shown - 1, 4)),
                        store_rows_text(rows, shown - 1, 0));
    store_rows_free(rows);
    return result;
}

json_t *sessions_get(store_t *s, const char *session_id, err_t *err)
{
    if (!session_id || !*session_id) {
        err_invalid(err, "session_id", "'session_id' must not be empty");
        return NULL;
    }
    store_value_t p[] = {sv_text(session_id), sv_int(TRACES_LIST_MAX + 1)};
    store_conn_t *c = store_acquire(s);
    store_rows_t *head = store_query(
        c, "SELECT " SESSION_COLUMNS " FROM trace_sessions WHERE session_id = ?", p, 1, err);
    store_rows_t *rows =
        head ? store_query(c,
                           "SELECT " SUMMARY_COLUMNS ", input, output FROM traces "
                           "WHERE session_id = ? ORDER BY start_ms, trace_id LIMIT ?",
                           p, 2, err)
             : NULL;
    store_release(s, c);
    json_t *result = NULL;
    if (head && rows) {
        if (store_rows_count(head) == 0) {
            err_not_found(err, "session '%s' not found", session_id);
        } else {
            result = session_json(head, 0);
            size_t count = store_rows_count(rows);
            size_t shown = count > TRACES_LIST_MAX ? TRACES_LIST_MAX : count;
            json_t *list = json_array();
            for (size_t r = 0; r < shown; r++) {
                json_t *t = summary_json(rows, r);
                json_object_set_new(t, "input", json_column(rows, r, SUMMARY_NCOLS));
                json_object_set_new(t, "output", json_column(rows, r, SUMMARY_NCOLS + 1));
                json_array_append_new(list, t);
            }
            json_object_set_new(result, "traces", list);
            if (count > shown)
                json_object_set_new(result, "truncated", json_true());
        }
    }
    store_rows_free(head);
    store_rows_free(rows);
    return result;
}

/* ---- key totals ------------------------------------------------------------------------------ */

json_t *traces_key_usage(store_t *s, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c,
                                     "SELECT key_id, spent_usd, requests, input_tokens, "
                                     "output_tokens, updated_ms FROM gateway_key_usage",
                                     NULL, 0, err);
    store_release(s, c);
    if (!rows)
        return NULL;
    json_t *out = json_object();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_object_set_new(out, store_rows_text(rows, r, 0),
                            json_pack("{s:f, s:I, s:I, s:I, s:I}", "spent_usd",
                                      store_rows_real(rows, r, 1), "requests",
                                      (json_int_t)store_rows_int(rows, r, 2), "input_tokens",
                                      (json_int_t)store_rows_int(rows, r, 3), "output_tokens",
                                      (json_int_t)store_rows_int(rows, r, 4), "updated_ms",
                                      (json_int_t)store_rows_int(rows, r, 5)));
    store_rows_free(rows);
    return out;
}
