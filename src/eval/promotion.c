/* promotion.c - promotion with gates (see promotion.h): find the evidence, check the gates,
 * then record the decision and move the alias in one transaction.
 *
 * Evaluations are found through lineage rather than by parsing targets: the runner records
 * run -> model_version / prompt_version when a target resolves to a version, which is exactly
 * "the evaluation of that version" however the target was written (an alias, a number, a
 * models:/ URI). */
#include "eval/promotion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/page_token.h"
#include "eval/evaluations.h"
#include "eval/gate.h"
#include "lineage/lineage.h"
#include "prompts/prompts.h"
#include "registry/aliases.h"
#include "registry/registry_load.h"
#include "registry/registry_validate.h"

#define WHO_MAX 255
/* How many of a version's evaluations are looked at to find the newest finished one. */
#define CANDIDATES_MAX 200

typedef struct promo_in {
    int is_prompt;
    const char *name, *alias, *require, *evaluation, *baseline, *who;
    int64_t version;
    const json_t *eval; /* an evaluation spec, or NULL */
} promo_in_t;

static int parse_in(const json_t *body, const char *default_who, promo_in_t *in, err_t *err)
{
    memset(in, 0, sizeof *in);
    const char *kind = NULL;
    if (json_field_string(body, "kind", 1, 16, &kind, err) != 0)
        return -1;
    if (strcmp(kind, "model") != 0 && strcmp(kind, "prompt") != 0)
        return err_invalid(err, "kind", "kind must be \"model\" or \"prompt\", not \"%s\"", kind);
    in->is_prompt = kind[0] == 'p';
    if (json_field_string(body, "name", 1, 0, &in->name, err) != 0 ||
        json_field_int(body, "version", 1, &in->version, err) != 0 ||
        json_field_string(body, "alias", 1, 0, &in->alias, err) != 0 ||
        json_field_string(body, "require", 1, 0, &in->require, err) != 0 ||
        json_field_string(body, "evaluation", 0, 0, &in->evaluation, err) != 0 ||
        json_field_string(body, "baseline_evaluation", 0, 0, &in->baseline, err) != 0 ||
        json_field_string(body, "who", 0, WHO_MAX, &in->who, err) != 0)
        return -1;
    if (in->version < 1)
        return err_invalid(err, "version", "version must be a version number (1, 2, ...)");
    if (in->is_prompt ? prompts_check_alias(in->alias, err) != 0
                      : registry_check_alias(in->alias, err) != 0) {
        snprintf(err->field, sizeof err->field, "alias");
        return -1;
    }
    in->eval = json_object_get(body, "eval");
    if (json_is_null(in->eval))
        in->eval = NULL;
    if (in->eval && !json_is_object(in->eval))
        return err_invalid(err, "eval", "eval must be an evaluation spec (an object) or null");
    if (in->eval && in->evaluation)
        return err_invalid(err, "eval", "give either evaluation or eval, not both");
    if (!in->who || !*in->who)
        in->who = default_who && *default_who ? default_who : "anonymous";
    return 0;
}

/* The lineage node id of a version: "<name>/<N>". */
static void node_id(const promo_in_t *in, int64_t version, char *out, size_t size)
{
    snprintf(out, size, "%s/%lld", in->name, (long long)version);
}

static const char *node_type(const promo_in_t *in)
{
    return in->is_prompt ? "prompt_version" : "model_version";
}

/* Check the version exists and read where the alias points now (0: unset). */
static int current_state(app_t *app, const promo_in_t *in, int64_t *previous, err_t *err)
{
    store_conn_t *c = store_acquire(app->store);
    int rc;
    if (in->is_prompt) {
        json_t *v = prompts_get_version(app->store, in->name, in->version, err);
        rc = v ? prompts_alias_version(c, in->name, in->alias, previous, err) : -1;
        json_decref(v);
    } else {
        int64_t id;
        rc = registry_model_id(c, in->name, &id, err) == 0 &&
                     registry_version_exists(c, id, in->name, in->version, err) == 0
                 ? registry_alias_version(c, in->name, in->alias, previous, err)
                 : -1;
    }
    store_release(app->store, c);
    return rc;
}

/* An evaluation that must have finished (field names the request field for errors). */
static json_t *finished_eval(evals_t *e, const char *id, const char *field, err_t *err)
{
    json_t *ev = evals_get(e, id, err);
    if (!ev)
        return NULL;
    const char *status = json_string_value(json_object_get(ev, "status"));
    if (!status || strcmp(status, "finished") != 0) {
        err_invalid(err, field, "evaluation %s is %s, not finished", id, status ? status : "?");
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* 1 when run id evaluated the version (a lineage edge run -> version that is not a promotion
 * record), 0 when not, -1 on error. */
static int evaluated(app_t *app, const promo_in_t *in, int64_t version, const char *run, err_t *err)
{
    char id[600];
    node_id(in, version, id, sizeof id);
    json_t *edges = lineage_edges(app->store, node_type(in), id, LINEAGE_UPSTREAM, err);
    if (!edges)
        return -1;
    int found = 0;
    size_t i;
    json_t *edge;
    json_array_foreach(json_object_get(edges, "edges"), i, edge)
    {
        const json_t *from = json_object_get(edge, "from");
        const char *relation = json_string_value(json_object_get(edge, "relation"));
        if (relation && strcmp(relation, "promoted_by") != 0 &&
            strcmp(relation, "rejected_by") != 0 &&
            strcmp(json_string_value(json_object_get(from, "type")) ?: "", EVAL_LINEAGE_TYPE) ==
                0 &&
            strcmp(json_string_value(json_object_get(from, "id")) ?: "", run) == 0)
            found = 1;
    }
    json_decref(edges);
    return found;
}

/* The newest finished evaluation of a version (on dataset when not NULL): a new EVAL, or NULL
 * with *failed 0 when there is none, 1 with err on an error. */
static json_t *newest_eval(app_t *app, evals_t *e, const promo_in_t *in, int64_t version,
                           const char *dataset, int *failed, err_t *err)
{
    *failed = 0;
    char id[600];
    node_id(in, version, id, sizeof id);
    json_t *edges = lineage_edges(app->store, node_type(in), id, LINEAGE_UPSTREAM, err);
    if (!edges) {
        *failed = 1;
        return NULL;
    }
    json_t *best = NULL;
    size_t i, looked = 0;
    json_t *edge;
    json_array_foreach(json_object_get(edges, "edges"), i, edge)
    {
        const json_t *from = json_object_get(edge, "from");
        const char *relation = json_string_value(json_object_get(edge, "relation"));
        const char *run = json_string_value(json_object_get(from, "id"));
        if (!relation || !run || strcmp(relation, "promoted_by") == 0 ||
            strcmp(relation, "rejected_by") == 0 ||
            strcmp(json_string_value(json_object_get(from, "type")) ?: "", EVAL_LINEAGE_TYPE) != 0)
            continue;
        if (++looked > CANDIDATES_MAX)
            break;
        err_t ignored; /* a run that is not an evaluation (registered_as...) is not evidence */
        json_t *ev = evals_get(e, run, &ignored);
        const char *status = json_string_value(json_object_get(ev, "status"));
        const char *ds = json_string_value(json_object_get(ev, "dataset"));
        if (!ev || !status || strcmp(status, "finished") != 0 ||
            (dataset && (!ds || strcmp(ds, dataset) != 0))) {
            json_decref(ev);
            continue;
        }
        json_int_t when = json_integer_value(json_object_get(ev, "finished_ms"));
        if (!best || when > json_integer_value(json_object_get(best, "finished_ms"))) {
            json_decref(best);
            best = ev;
        } else
            json_decref(ev);
    }
    json_decref(edges);
    return best;
}

/* Run the spec now on one version (wait for it): EVAL or NULL with err. */
static json_t *run_eval(evals_t *e, const promo_in_t *in, int64_t version, err_t *err)
{
    json_t *body = json_deep_copy(in->eval);
    json_t *target = json_object_get(body, "target");
    target = json_is_object(target) ? json_deep_copy(target) : json_object();
    char ref[600];
    if (in->is_prompt) {
        if (!json_is_string(json_object_get(target, "model"))) {
            json_decref(target);
            json_decref(body);
            err_invalid(err, "eval.target.model",
                        "a prompt's evaluation needs eval.target.model (the endpoint or model "
                        "the rendered prompt is sent to)");
            return NULL;
        }
        snprintf(ref, sizeof ref, "%s@%lld", in->name, (long long)version);
        json_object_set_new(target, "prompt", json_string(ref));
        json_object_del(target, "endpoint");
    } else {
        snprintf(ref, sizeof ref, "%s/%lld", in->name, (long long)version);
        json_object_set_new(target, "model", json_string(ref));
        json_object_del(target, "endpoint");
        json_object_del(target, "prompt");
    }
    json_object_set_new(body, "target", target);
    json_object_set_new(body, "wait", json_true());
    json_object_del(body, "gates"); /* the promotion checks its own */
    json_object_del(body, "baseline");
    int waited = 0;
    json_t *ev = evals_create(e, body, &waited, err);
    json_decref(body);
    if (ev && !waited) { /* the service may answer before the end: wait here */
        json_t *done = evals_wait(e, json_string_value(json_object_get(ev, "id")), err);
        json_decref(ev);
        ev = done;
    }
    if (err && !ev && err->field[0]) { /* name the field inside eval */
        char field[sizeof err->field + 8];
        snprintf(field, sizeof field, "eval.%s", err->field);
        snprintf(err->field, sizeof err->field, "%.*s", (int)sizeof err->field - 1, field);
    }
    const char *status = json_string_value(json_object_get(ev, "status"));
    if (ev && (!status || strcmp(status, "finished") != 0)) {
        err_invalid(err, "eval", "the evaluation of version %lld ended %s%s%s", (long long)version,
                    status ? status : "?", json_is_string(json_object_get(ev, "error")) ? ": " : "",
                    json_string_value(json_object_get(ev, "error")) ?: "");
        json_decref(ev);
        return NULL;
    }
    return ev;
}

static json_t *promotion_json(const char *id, const promo_in_t *in, int64_t previous,
                              const char *decision, const json_t *gates, const char *evaluation,
                              const char *baseline, int64_t now)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:s, s:s, s:O, s:s, s:o, s:s, s:I}", "id", id,
                     "kind", in->is_prompt ? "prompt" : "model", "name", in->name, "version",
                     (json_int_t)in->version, "alias", in->alias, "previous_version",
                     previous > 0 ? json_integer(previous) : json_null(), "decision", decision,
                     "require", in->require, "gates", gates, "evaluation", evaluation,
                     "baseline_evaluation", baseline ? json_string(baseline) : json_null(), "who",
                     in->who, "created_ms", (json_int_t)now);
}

/* Record the decision (and move the alias when promoted) in one transaction. */
static int record(app_t *app, const promo_in_t *in, const json_t *promotion, int promoted,
                  int64_t previous, err_t *err)
{
    store_conn_t *c = store_acquire(app->store);
    int ok = store_begin(c, err) == 0;
    if (!ok) {
        store_release(app->store, c);
        return -1;
    }
    if (promoted) {
        json_t *moved =
            in->is_prompt
                ? prompts_move_alias(c, in->name, in->alias, in->version, previous, in->who, err)
                : registry_alias_move(c, in->name, in->alias, in->version, previous, err);
        ok = moved != NULL;
        json_decref(moved);
    }
    char *gates = ok ? json_dumps(json_object_get(promotion, "gates"), JSON_COMPACT) : NULL;
    const char *evaluation = json_string_value(json_object_get(promotion, "evaluation"));
    if (ok) {
        store_value_t p[] = {
            sv_text(json_string_value(json_object_get(promotion, "id"))),
            sv_text(in->is_prompt ? "prompt" : "model"),
            sv_text(in->name),
            sv_int(in->version),
            sv_text(in->alias),
            previous > 0 ? sv_int(previous) : sv_null(),
            sv_text(promoted ? "promoted" : "rejected"),
            sv_text(in->require),
            sv_text(gates),
            sv_text(evaluation),
            sv_text(json_string_value(json_object_get(promotion, "baseline_evaluation"))),
            sv_text(in->who),
            sv_int(json_integer_value(json_object_get(promotion, "created_ms")))};
        ok = store_exec(c,
                        "INSERT INTO promotions (id, kind, name, version, alias, previous_version, "
                        "decision, require_text, gates, evaluation, baseline_evaluation, who, "
                        "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        p, 13, err) >= 0;
    }
    if (ok) {
        char dst[600];
        node_id(in, in->version, dst, sizeof dst);
        lineage_edge_in_t edge = {EVAL_LINEAGE_TYPE, evaluation, node_type(in), dst,
                                  promoted ? "promoted_by" : "rejected_by"};
        json_t *e = lineage_record(c, &edge, NULL, err);
        ok = e != NULL;
        json_decref(e);
    }
    free(gates);
    int rc = store_finish(c, ok, err);
    store_release(app->store, c);
    return rc;
}

json_t *promotion_create(app_t *app, const json_t *body, const char *default_who, err_t *err)
{
    promo_in_t in;
    gate_list_t gates = {0};
    json_t *cand = NULL, *base = NULL, *out = NULL, *checked = NULL;
    if (parse_in(body, default_who, &in, err) != 0)
        return NULL;
    if (gate_parse(in.require, &gates, err) != 0) {
        snprintf(err->field, sizeof err->field, "require");
        return NULL;
    }
    if (gates.n == 0) {
        err_invalid(err, "require",
                    "require must name at least one gate, e.g. "
                    "\"exact_match>=baseline\"");
        goto done;
    }
    int64_t previous = 0;
    if (current_state(app, &in, &previous, err) != 0)
        goto done;
    evals_t *e = evals_get_service(app, err);
    if (!e)
        goto done;

    /* The candidate's evaluation. */
    int failed = 0;
    if (in.evaluation) {
        if ((cand = finished_eval(e, in.evaluation, "evaluation", err)) == NULL)
            goto done;
        int ok = evaluated(app, &in, in.version, in.evaluation, err);
        if (ok < 0)
            goto done;
        if (!ok) {
            err_invalid(err, "evaluation", "evaluation %s did not evaluate %s %s version %lld",
                        in.evaluation, in.is_prompt ? "prompt" : "model", in.name,
                        (long long)in.version);
            goto done;
        }
    } else if (in.eval) {
        if ((cand = run_eval(e, &in, in.version, err)) == NULL)
            goto done;
    } else if ((cand = newest_eval(app, e, &in, in.version, NULL, &failed, err)) == NULL) {
        if (!failed)
            err_invalid(err, "evaluation",
                        "%s %s version %lld has no finished evaluation: give evaluation (a run "
                        "id) or eval (a spec to run now)",
                        in.is_prompt ? "prompt" : "model", in.name, (long long)in.version);
        goto done;
    }
    const char *dataset = json_string_value(json_object_get(cand, "dataset"));

    /* The baseline: the evaluation of the version the alias points at now. */
    if (in.baseline) {
        if ((base = finished_eval(e, in.baseline, "baseline_evaluation", err)) == NULL)
            goto done;
    } else if (previous > 0) {
        base = newest_eval(app, e, &in, previous, dataset, &failed, err);
        if (failed)
            goto done;
        if (!base && in.eval && (base = run_eval(e, &in, previous, err)) == NULL)
            goto done;
    }

    int all = 0;
    checked = gate_check(&gates, json_object_get(cand, "metrics"),
                         base ? json_object_get(base, "metrics") : NULL, &all);
    char id[ID_HEX_LEN + 1];
    ids_uuid7_hex(id);
    json_t *promotion = promotion_json(id, &in, previous, all ? "promoted" : "rejected", checked,
                                       json_string_value(json_object_get(cand, "id")),
                                       base ? json_string_value(json_object_get(base, "id")) : NULL,
                                       clock_now_ms());
    if (record(app, &in, promotion, all, previous, err) == 0)
        out = promotion;
    else
        json_decref(promotion);
done:
    json_decref(checked);
    json_decref(cand);
    json_decref(base);
    gate_list_free(&gates);
    return out;
}

/* ---- listing ----------------------------------------------------------------------------------
 */

static json_t *row_json(const store_rows_t *rows, size_t r)
{
    json_t *gates = json_loads(store_rows_text(rows, r, 8), 0, NULL);
    const char *baseline = store_rows_is_null(rows, r, 10) ? NULL : store_rows_text(rows, r, 10);
    const char *evaluation = store_rows_is_null(rows, r, 9) ? NULL : store_rows_text(rows, r, 9);
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:s, s:I}", "id",
        store_rows_text(rows, r, 0), "kind", store_rows_text(rows, r, 1), "name",
        store_rows_text(rows, r, 2), "version", (json_int_t)store_rows_int(rows, r, 3), "alias",
        store_rows_text(rows, r, 4), "previous_version",
        store_rows_is_null(rows, r, 5) ? json_null() : json_integer(store_rows_int(rows, r, 5)),
        "decision", store_rows_text(rows, r, 6), "require", store_rows_text(rows, r, 7), "gates",
        gates ? gates : json_array(), "evaluation",
        evaluation ? json_string(evaluation) : json_null(), "baseline_evaluation",
        baseline ? json_string(baseline) : json_null(), "who", store_rows_text(rows, r, 11),
        "created_ms", (json_int_t)store_rows_int(rows, r, 12));
}

json_t *promotion_list(app_t *app, const char *kind, const char *name, int limit,
                       const char *page_token, err_t *err)
{
    if (limit == 0)
        limit = PROMOTION_PAGE_DEFAULT;
    if (limit < 1 || limit > PROMOTION_PAGE_MAX) {
        err_invalid(err, "limit", "'limit' must be an integer from 1 to %d", PROMOTION_PAGE_MAX);
        return NULL;
    }
    if (kind && strcmp(kind, "model") != 0 && strcmp(kind, "prompt") != 0) {
        err_invalid(err, "kind", "kind must be \"model\" or \"prompt\"");
        return NULL;
    }
    int64_t offset;
    if (page_token_parse(page_token, &offset, err) != 0)
        return NULL;
    /* Filters are added only when given (PostgreSQL cannot type a bare "? IS NULL"). */
    buf_t sql;
    buf_init(&sql);
    buf_append_str(&sql, "SELECT id, kind, name, version, alias, previous_version, decision, "
                         "require_text, gates, evaluation, baseline_evaluation, who, created_ms "
                         "FROM promotions WHERE 1 = 1");
    store_value_t p[4];
    size_t np = 0;
    if (kind) {
        buf_append_str(&sql, " AND kind = ?");
        p[np++] = sv_text(kind);
    }
    if (name) {
        buf_append_str(&sql, " AND name = ?");
        p[np++] = sv_text(name);
    }
    buf_append_str(&sql, " ORDER BY created_ms DESC, id DESC LIMIT ? OFFSET ?");
    p[np++] = sv_int(limit + 1);
    p[np++] = sv_int(offset);
    store_conn_t *c = store_acquire(app->store);
    store_rows_t *rows = store_query(c, buf_str(&sql), p, np, err);
    buf_free(&sql);
    store_release(app->store, c);
    if (!rows)
        return NULL;
    json_t *list = json_array();
    size_t n = store_rows_count(rows);
    for (size_t r = 0; r < n && r < (size_t)limit; r++)
        json_array_append_new(list, row_json(rows, r));
    store_rows_free(rows);
    json_t *out = json_pack("{s:o}", "promotions", list);
    page_token_add_next(out, n, limit, offset);
    return out;
}
