/* evaluations.c - the evaluation service: validating and creating evaluations, reading them,
 * resume, cancel and wait (evaluations.h). The work itself is runner.c's. */
#include "eval/evaluations.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/page_token.h"
#include "core/runtime.h"
#include "datasets/reader.h"
#include "eval/compare.h"
#include "eval/eval_store.h"
#include "eval/runner.h"
#include "eval/summary.h"
#include "lineage/lineage.h"
#include "tracking/experiments.h"
#include "tracking/run_data.h"
#include "tracking/runs.h"

#define PARAM_MAX 6000 /* MLflow's limit on a param value */

struct evals {
    app_t *app;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast when a run ends */
    eval_run_t *runs;  /* under way, or ended and not yet joined */
    int own_runtime;   /* the service started the runtime (the in-process CLI) */
};

/* Guards app->evals: made once per process. */
static pthread_mutex_t service_mu = PTHREAD_MUTEX_INITIALIZER;

evals_t *evals_get_service(app_t *app, err_t *err)
{
    pthread_mutex_lock(&service_mu);
    evals_t *e = app->evals;
    if (!e) {
        int own = 0;
        if (!app->gateway) {
            /* No gateway in this process (the in-process CLI): start the runtime so that the
             * calls take the same path as in the server. runtime_start blocks SIGINT/SIGTERM
             * for the threads it starts; this thread gets its mask back so Ctrl-C still
             * stops the command. */
            sigset_t old;
            pthread_sigmask(SIG_SETMASK, NULL, &old);
            int rc = runtime_start(app, err);
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            if (rc != 0) {
                pthread_mutex_unlock(&service_mu);
                return NULL;
            }
            own = 1;
        }
        e = xcalloc(1, sizeof *e);
        e->app = app;
        e->own_runtime = own;
        pthread_mutex_init(&e->mu, NULL);
        pthread_cond_init(&e->cv, NULL);
        app->evals = e;
    }
    pthread_mutex_unlock(&service_mu);
    return e;
}

void evals_shutdown(app_t *app)
{
    pthread_mutex_lock(&service_mu);
    evals_t *e = app->evals;
    app->evals = NULL;
    pthread_mutex_unlock(&service_mu);
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    for (eval_run_t *r = e->runs; r; r = r->next_run)
        eval_run_cancel(r);
    pthread_mutex_unlock(&e->mu);
    /* The runs end (interrupted) after their calls in flight; no lock held while joining. */
    for (eval_run_t *r = e->runs, *next; r; r = next) {
        next = r->next_run;
        eval_run_join(r);
        eval_run_free(r);
    }
    if (e->own_runtime)
        runtime_stop(app);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cv);
    free(e);
}

/* Called on the run's thread, last. */
static void on_run_end(void *arg, eval_run_t *r)
{
    evals_t *e = arg;
    pthread_mutex_lock(&e->mu);
    r->ended = 1;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* Join and free the runs that have ended. Called at the start of each service call. */
static void reap(evals_t *e)
{
    eval_run_t *done = NULL;
    pthread_mutex_lock(&e->mu);
    for (eval_run_t **p = &e->runs; *p;) {
        if ((*p)->ended) {
            eval_run_t *r = *p;
            *p = r->next_run;
            r->next_run = done;
            done = r;
        } else {
            p = &(*p)->next_run;
        }
    }
    pthread_mutex_unlock(&e->mu);
    while (done) {
        eval_run_t *next = done->next_run;
        eval_run_join(done);
        eval_run_free(done);
        done = next;
    }
}

/* The run of id under way in this process, or NULL; e->mu held. */
static eval_run_t *find_run(evals_t *e, const char *id)
{
    for (eval_run_t *r = e->runs; r; r = r->next_run)
        if (!r->ended && strcmp(r->id, id) == 0)
            return r;
    return NULL;
}

static int is_active(evals_t *e, const char *id)
{
    pthread_mutex_lock(&e->mu);
    int active = find_run(e, id) != NULL;
    pthread_mutex_unlock(&e->mu);
    return active;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* A stored "queued"/"running" evaluation no thread of this process runs, and whose owner is
 * this process or has not said it runs it for EVAL_HEARTBEAT_STALE_MS, was left by a process
 * that died: it is interrupted (stored so, so resume can take it). */
static void settle_stale(evals_t *e, json_t *rec)
{
    const char *status = json_string_value(json_object_get(rec, "status"));
    const char *id = json_string_value(json_object_get(rec, "id"));
    if (!status || !id || (strcmp(status, "running") && strcmp(status, "queued")))
        return;
    if (is_active(e, id))
        return;
    /* Another process's evaluation is abandoned only when its heartbeat stopped. */
    const char *owner = json_string_value(json_object_get(rec, "owner"));
    int64_t beat = json_integer_value(json_object_get(rec, "heartbeat_ms"));
    if (owner && strcmp(owner, eval_process_id()) != 0 && !eval_owner_dead(owner) &&
        clock_now_ms() - beat < EVAL_HEARTBEAT_STALE_MS)
        return;
    err_t err;
    int changed = 0;
    if (eval_store_set_status(e->app->store, id, "interrupted", status, 0, 0,
                              "the process running it stopped", &changed, &err) == 0 &&
        changed) {
        tracking_kv_t tag = {"llmops.eval.status", "interrupted"};
        run_batch_t batch = {.tags = &tag, .ntags = 1};
        run_data_log_batch(e->app->store, id, &batch, &err);
        json_decref(runs_update(e->app->store, id, "KILLED", 0, 0, NULL, &err));
        json_object_set_new(rec, "status", json_string("interrupted"));
        json_object_set_new(rec, "error", json_string("the process running it stopped"));
    }
}

/* EVAL (docs/eval-api.md) from a stored record. */
static json_t *eval_json(evals_t *e, json_t *rec, err_t *err)
{
    settle_stale(e, rec);
    const char *id = json_string_value(json_object_get(rec, "id"));
    const json_t *spec = json_object_get(rec, "spec");
    int64_t done = 0, errors = 0, cached = 0;
    if (eval_store_counts(e->app->store, id, &done, &errors, &cached, err) != 0)
        return NULL;
    json_t *scorers = json_object_get(spec, "scorer_info");
    json_t *metrics = json_object_get(rec, "metrics");
    json_t *live = NULL;
    if (!json_is_object(metrics)) {
        /* Not finished: the figures over the rows done so far. */
        json_t *rows = eval_store_rows(e->app->store, id, -1, 0, 0, err);
        if (!rows)
            return NULL;
        live = eval_summary(rows, scorers);
        json_decref(rows);
        metrics = live;
    }
    json_t *scorer_list = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(scorers, i, s)
    {
        json_array_append_new(scorer_list,
                              json_pack("{s:O, s:O, s:O}", "name", json_object_get(s, "name"),
                                        "type", json_object_get(s, "type"), "threshold",
                                        json_object_get(s, "threshold")));
    }
    json_t *gates = json_object_get(rec, "gates");
    gates = json_is_array(gates) ? json_incref(gates) : json_array();
    json_t *out = json_pack(
        /* id..target, scorers, total..cached, created_ms..metrics, baseline, gates,
         * gates_passed..resolved_target; values that may be absent are O? (null). */
        "{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o, s:I, s:I, s:I, s:I, s:O?, s:O?, s:O?, s:O?, "
        "s:O?, s:O?, s:o, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
        "id", json_object_get(rec, "id"), "name", json_object_get(rec, "name"), "status",
        json_object_get(rec, "status"), "dataset", json_object_get(rec, "dataset"), "split",
        json_object_get(rec, "split"), "target", json_object_get(spec, "target"), "scorers",
        scorer_list, "total", (json_int_t)json_integer_value(json_object_get(rec, "total")), "done",
        (json_int_t)done, "errors", (json_int_t)errors, "cached", (json_int_t)cached, "created_ms",
        json_object_get(rec, "created_ms"), "started_ms", json_object_get(rec, "started_ms"),
        "finished_ms", json_object_get(rec, "finished_ms"), "error", json_object_get(rec, "error"),
        "metrics", metrics, "baseline", json_object_get(rec, "baseline"), "gates", gates,
        "gates_passed", json_object_get(rec, "gates_passed"), "limit",
        json_object_get(spec, "limit"), "concurrency", json_object_get(spec, "concurrency"),
        "max_retries", json_object_get(spec, "max_retries"), "cache",
        json_object_get(spec, "cache"), "resolved_target", json_object_get(spec, "target_pinned"));
    json_object_set(out, "gates_text", json_object_get(spec, "gates"));
    json_decref(live);
    return out;
}

json_t *evals_get(evals_t *e, const char *id, err_t *err)
{
    reap(e);
    json_t *rec = eval_store_get(e->app->store, id ? id : "", err);
    if (!rec)
        return NULL;
    json_t *out = eval_json(e, rec, err);
    json_decref(rec);
    return out;
}

json_t *evals_list(evals_t *e, const char *dataset, const char *status, int limit,
                   const char *page_token, err_t *err)
{
    reap(e);
    if (limit < 0 || limit > EVAL_PAGE_MAX)
        return err_invalid(err, "limit", "limit must be from 1 to %d", EVAL_PAGE_MAX), NULL;
    if (limit == 0)
        limit = EVAL_PAGE_DEFAULT;
    static const char *const statuses[] = {"queued", "running", "finished", "failed",
                                           "interrupted"};
    if (status && *status) {
        size_t k = 0;
        while (k < 5 && strcmp(statuses[k], status))
            k++;
        if (k == 5)
            return err_invalid(err, "status",
                               "status must be queued, running, finished, failed or interrupted"),
                   NULL;
    }
    int64_t offset;
    if (page_token_parse(page_token, &offset, err) != 0)
        return NULL;
    json_t *recs = eval_store_list(e->app->store, dataset, status, limit, offset, err);
    if (!recs)
        return NULL;
    size_t fetched = json_array_size(recs);
    json_t *list = json_array();
    for (size_t i = 0; i < fetched && i < (size_t)limit; i++) {
        json_t *one = eval_json(e, json_array_get(recs, i), err);
        if (!one) {
            json_decref(list);
            json_decref(recs);
            return NULL;
        }
        json_array_append_new(list, one);
    }
    json_decref(recs);
    json_t *out = json_pack("{s:o}", "evaluations", list);
    page_token_add_next(out, fetched, limit, offset);
    return out;
}

json_t *evals_rows(evals_t *e, const char *id, int limit, const char *page_token, int failed_only,
                   err_t *err)
{
    if (limit < 0 || limit > EVAL_PAGE_MAX)
        return err_invalid(err, "limit", "limit must be from 1 to %d", EVAL_PAGE_MAX), NULL;
    if (limit == 0)
        limit = EVAL_PAGE_DEFAULT;
    json_t *rec = eval_store_get(e->app->store, id ? id : "", err);
    if (!rec)
        return NULL;
    json_decref(rec);
    /* Keyset paging: the token holds the last index served, so rows stored meanwhile (the
     * evaluation may be running) are neither skipped nor repeated. */
    json_t *token = NULL;
    if (page_token_parse_json(page_token, &token, err) != 0)
        return NULL;
    int64_t after = -1;
    if (token) {
        json_t *a = json_object_get(token, "after");
        if (!json_is_integer(a)) {
            json_decref(token);
            return err_invalid(err, "page_token", "page_token is not one this listing made"), NULL;
        }
        after = json_integer_value(a);
        json_decref(token);
    }
    json_t *rows = eval_store_rows(e->app->store, id, after, limit + 1, failed_only, err);
    if (!rows)
        return NULL;
    json_t *out = json_object();
    if (json_array_size(rows) > (size_t)limit) {
        json_array_remove(rows, (size_t)limit);
        json_t *last = json_array_get(rows, (size_t)limit - 1);
        json_t *next = json_pack("{s:O}", "after", json_object_get(last, "index"));
        char *text = page_token_make_json(next);
        json_object_set_new(out, "next_page_token", json_string(text));
        free(text);
        json_decref(next);
    }
    json_object_set_new(out, "rows", rows);
    return out;
}

/* ---- creating ----------------------------------------------------------------------------- */

static const char *const body_fields[] = {
    "dataset",     "split",       "limit", "target", "scorers",    "baseline", "gates",
    "concurrency", "max_retries", "cache", "name",   "experiment", "wait",     NULL};

static int int_field(const json_t *body, const char *field, int64_t min, int64_t max, int64_t dflt,
                     int64_t *out, err_t *err)
{
    json_t *v = json_object_get(body, field);
    *out = dflt;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return err_invalid(err, field, "%s must be an integer from %lld to %lld", field,
                           (long long)min, (long long)max);
    *out = json_integer_value(v);
    return 0;
}

/* Check the body's plain fields and build the normalized spec (target and scorers as given;
 * eval_run_build checks those). The dataset is opened to resolve the version ("qa@latest" ->
 * "qa/3"), check the split and count the rows. */
static json_t *normalize(evals_t *e, const json_t *body, int64_t *total, const char **name,
                         const char **experiment, int *wait, err_t *err)
{
    if (!json_is_object(body))
        return err_invalid(err, "body", "the body must be a JSON object"), NULL;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)body, key, value)
    {
        size_t k = 0;
        while (body_fields[k] && strcmp(body_fields[k], key))
            k++;
        if (!body_fields[k])
            return err_invalid(err, key, "unknown field '%s'", key), NULL;
    }
    const char *dataset, *split = NULL, *baseline = NULL, *gates = NULL;
    int64_t limit, concurrency, retries;
    int cache = 1;
    *wait = 0;
    *name = NULL;
    *experiment = NULL;
    if (json_field_string(body, "dataset", 1, 300, &dataset, err) != 0 ||
        json_field_string(body, "split", 0, 200, &split, err) != 0 ||
        int_field(body, "limit", 1, INT64_MAX, 0, &limit, err) != 0 ||
        int_field(body, "concurrency", 1, EVAL_CONCURRENCY_MAX, EVAL_CONCURRENCY_DEFAULT,
                  &concurrency, err) != 0 ||
        int_field(body, "max_retries", 0, EVAL_RETRIES_MAX, EVAL_RETRIES_DEFAULT, &retries, err) !=
            0 ||
        json_field_string(body, "baseline", 0, 64, &baseline, err) != 0 ||
        json_field_string(body, "gates", 0, 5000, &gates, err) != 0 ||
        json_field_string(body, "name", 0, 250, name, err) != 0 ||
        json_field_string(body, "experiment", 0, 500, experiment, err) != 0)
        return NULL;
    if (json_object_get(body, "cache") && !json_is_null(json_object_get(body, "cache")) &&
        json_field_bool(body, "cache", 0, &cache, err) != 0)
        return NULL;
    if (json_object_get(body, "wait") && !json_is_null(json_object_get(body, "wait")) &&
        json_field_bool(body, "wait", 0, wait, err) != 0)
        return NULL;
    if (!json_object_get(body, "target"))
        return err_invalid(err, "target", "target is required"), NULL;
    if (!json_object_get(body, "scorers"))
        return err_invalid(err, "scorers", "scorers is required"), NULL;
    if (baseline && *baseline) {
        json_t *b = eval_store_get(e->app->store, baseline, err);
        if (!b) {
            snprintf(err->field, sizeof err->field, "baseline");
            return NULL;
        }
        json_decref(b);
    } else {
        baseline = NULL;
    }
    dataset_reader_t *reader;
    if (dataset_open(e->app->store, e->app->blobs, dataset, split && *split ? split : NULL, &reader,
                     err) != 0) {
        if (!err->field[0])
            snprintf(err->field, sizeof err->field, "dataset");
        return NULL;
    }
    const json_t *version = dataset_reader_version(reader);
    buf_t ref;
    buf_init(&ref);
    buf_printf(&ref, "%s/%lld", json_string_value(json_object_get(version, "name")),
               (long long)json_integer_value(json_object_get(version, "version")));
    *total = (int64_t)dataset_reader_count(reader);
    if (limit > 0 && limit < *total)
        *total = limit;
    dataset_close(reader);
    json_t *spec =
        json_pack("{s:s, s:s?, s:I, s:O, s:O, s:s?, s:s?, s:I, s:I, s:b}", "dataset", buf_str(&ref),
                  "split", split && *split ? split : NULL, "limit", (json_int_t)limit, "target",
                  json_object_get(body, "target"), "scorers", json_object_get(body, "scorers"),
                  "baseline", baseline, "gates", gates && *gates ? gates : NULL, "concurrency",
                  (json_int_t)concurrency, "max_retries", (json_int_t)retries, "cache", cache);
    buf_free(&ref);
    return spec;
}

/* A param value within MLflow's limit (cut at a UTF-8 boundary). Caller frees. */
static char *param_text(const json_t *v)
{
    char *text = json_is_string(v) ? xstrdup(json_string_value(v)) : json_to_string(v);
    size_t len = strlen(text);
    if (len > PARAM_MAX) {
        size_t cut = PARAM_MAX - 3;
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(text + cut, "...", 4);
    }
    return text;
}

/* The experiment by name, created when it does not exist. */
static int experiment_id(store_t *s, const char *name, char id[EXPERIMENT_ID_SIZE], err_t *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        json_t *exp = experiments_get_by_name(s, name, err);
        if (exp) {
            snprintf(id, EXPERIMENT_ID_SIZE, "%s",
                     json_string_value(json_object_get(exp, "experiment_id")));
            json_decref(exp);
            return 0;
        }
        if (err->status != 404)
            return -1;
        if (experiments_create(s, name, NULL, NULL, 0, id, err) == 0)
            return 0;
        if (err->status != 409) /* 409: made meanwhile by another request; read it */
            return -1;
    }
    return -1;
}

/* The tracking run, its params and the lineage edges. */
static json_t *create_run(evals_t *e, eval_run_t *r, const json_t *spec, const char *name,
                          const char *experiment, err_t *err)
{
    store_t *s = e->app->store;
    char exp_id[EXPERIMENT_ID_SIZE];
    if (experiment_id(s, experiment ? experiment : EVAL_EXPERIMENT_DEFAULT, exp_id, err) != 0)
        return NULL;
    tracking_kv_t tags[] = {{"llmops.eval", "true"}, {"llmops.eval.status", "queued"}};
    run_create_t in = {.experiment_id = exp_id, .run_name = name, .tags = tags, .ntags = 2};
    json_t *run = runs_create(s, &in, err);
    if (!run)
        return NULL;
    json_t *info = json_object_get(run, "info");
    snprintf(r->id, sizeof r->id, "%s", json_string_value(json_object_get(info, "run_id")));

    char *target = param_text(json_object_get(spec, "target"));
    char *scorers = param_text(json_object_get(spec, "scorers"));
    char concurrency[24];
    snprintf(concurrency, sizeof concurrency, "%d", r->concurrency);
    tracking_kv_t params[5] = {{"eval.dataset", r->dataset},
                               {"eval.target", target},
                               {"eval.scorers", scorers},
                               {"eval.concurrency", concurrency},
                               {"eval.split", r->split}};
    run_batch_t batch = {.params = params, .nparams = r->split ? 5 : 4};
    int rc = run_data_log_batch(s, r->id, &batch, err);
    free(target);
    free(scorers);
    if (rc != 0) {
        json_decref(run);
        return NULL;
    }

    store_conn_t *c = store_acquire(s);
    lineage_edge_in_t edges[3];
    size_t nedges = 0;
    edges[nedges++] = (lineage_edge_in_t){"dataset", r->dataset, "run", r->id, "evaluated_by"};
    char prompt_node[LINEAGE_ID_MAX + 32], model_node[LINEAGE_ID_MAX + 32];
    if (r->target.prompt_name) {
        snprintf(prompt_node, sizeof prompt_node, "%s/%lld", r->target.prompt_name,
                 (long long)r->target.prompt_version);
        edges[nedges++] =
            (lineage_edge_in_t){"run", r->id, "prompt_version", prompt_node, "evaluated"};
    }
    if (r->target.model_name) {
        snprintf(model_node, sizeof model_node, "%s/%lld", r->target.model_name,
                 (long long)r->target.model_version);
        edges[nedges++] =
            (lineage_edge_in_t){"run", r->id, "model_version", model_node, "evaluated"};
    }
    for (size_t i = 0; i < nedges && rc == 0; i++) {
        json_t *edge = lineage_record(c, &edges[i], NULL, err);
        rc = edge ? 0 : -1;
        json_decref(edge);
    }
    store_release(s, c);
    if (rc != 0) {
        json_decref(run);
        return NULL;
    }
    return run;
}

/* Register r as under way and start its thread. */
static int launch(evals_t *e, eval_run_t *r, err_t *err)
{
    r->on_end = on_run_end;
    r->on_end_arg = e;
    pthread_mutex_lock(&e->mu);
    r->next_run = e->runs;
    e->runs = r;
    int rc = eval_run_start(r, err);
    if (rc != 0) {
        e->runs = r->next_run;
        r->next_run = NULL;
    }
    pthread_mutex_unlock(&e->mu);
    return rc;
}

json_t *evals_create(evals_t *e, const json_t *body, int *waited, err_t *err)
{
    reap(e);
    if (waited)
        *waited = 0;
    int64_t total = 0;
    const char *name, *experiment;
    int wait;
    json_t *spec = normalize(e, body, &total, &name, &experiment, &wait, err);
    if (!spec)
        return NULL;
    eval_run_t *r = eval_run_new(e->app);
    if (eval_run_build(r, spec, err) != 0) {
        eval_run_free(r);
        json_decref(spec);
        return NULL;
    }
    /* Everything is valid: from here on things are created. */
    json_object_set_new(spec, "target_pinned", eval_target_pinned_spec(&r->target));
    json_object_set(spec, "scorer_info", r->scorer_info);
    json_t *run = create_run(e, r, spec, name, experiment, err);
    if (!run) {
        eval_run_free(r);
        json_decref(spec);
        return NULL;
    }
    const char *run_name =
        json_string_value(json_object_get(json_object_get(run, "info"), "run_name"));
    eval_record_t rec = {.id = r->id,
                         .name = run_name,
                         .status = "queued",
                         .dataset = r->dataset,
                         .dataset_name = NULL,
                         .split = r->split,
                         .spec = spec,
                         .total = total,
                         .baseline = r->baseline,
                         .created_ms = clock_now_ms(),
                         .owner = eval_process_id()};
    char dataset_name[256];
    snprintf(dataset_name, sizeof dataset_name, "%s", r->dataset);
    char *slash = strrchr(dataset_name, '/');
    if (slash)
        *slash = '\0';
    rec.dataset_name = dataset_name;
    store_conn_t *c = store_acquire(e->app->store);
    int rc = eval_store_insert(c, &rec, err);
    store_release(e->app->store, c);
    json_decref(run);
    json_decref(spec);
    char id[33];
    memcpy(id, r->id, sizeof id);
    if (rc != 0 || launch(e, r, err) != 0) {
        eval_run_free(r);
        return NULL;
    }
    if (wait) {
        if (waited)
            *waited = 1;
        return evals_wait(e, id, err);
    }
    return evals_get(e, id, err);
}

json_t *evals_resume(evals_t *e, const char *id, err_t *err)
{
    reap(e);
    json_t *rec = eval_store_get(e->app->store, id ? id : "", err);
    if (!rec)
        return NULL;
    settle_stale(e, rec);
    const char *status = json_string_value(json_object_get(rec, "status"));
    if (is_active(e, id) || strcmp(status, "running") == 0 || strcmp(status, "queued") == 0) {
        json_decref(rec);
        return err_conflict(err, "evaluation '%s' is %s", id, status), NULL;
    }
    int64_t done = 0, errors = 0, cached = 0;
    if (eval_store_counts(e->app->store, id, &done, &errors, &cached, err) != 0) {
        json_decref(rec);
        return NULL;
    }
    if (strcmp(status, "finished") == 0 &&
        done >= json_integer_value(json_object_get(rec, "total"))) {
        json_decref(rec);
        return err_conflict(err, "evaluation '%s' is finished: every row has a result", id), NULL;
    }
    /* The same target as the first time: the pinned one. */
    json_t *spec = json_deep_copy(json_object_get(rec, "spec"));
    json_object_set(spec, "target", json_object_get(spec, "target_pinned"));
    eval_run_t *r = eval_run_new(e->app);
    snprintf(r->id, sizeof r->id, "%s", id);
    int rc = eval_run_build(r, spec, err);
    json_decref(spec);
    if (rc == 0) {
        /* Taken only from the status read above: two resumes at once start one run. */
        int changed = 0;
        rc = eval_store_set_status(e->app->store, id, "queued", status, 0, 0, NULL, &changed, err);
        if (rc == 0 && !changed)
            rc = err_conflict(err, "evaluation '%s' changed meanwhile (resumed elsewhere?)", id);
        /* The previous pass's end time, error and figures go (recomputed at the end). */
        if (rc == 0)
            rc = eval_store_set_status(e->app->store, id, "queued", NULL, 0, 0, NULL, NULL, err);
        if (rc == 0)
            rc = eval_store_set_results(e->app->store, id, NULL, NULL, -1, err);
        if (rc == 0)
            rc = eval_store_heartbeat(e->app->store, id, eval_process_id(), clock_now_ms(), err);
    }
    json_decref(rec);
    if (rc != 0 || launch(e, r, err) != 0) {
        eval_run_free(r);
        return NULL;
    }
    return evals_get(e, id, err);
}

json_t *evals_cancel(evals_t *e, const char *id, err_t *err)
{
    reap(e);
    json_t *rec = eval_store_get(e->app->store, id ? id : "", err);
    if (!rec)
        return NULL;
    json_decref(rec);
    pthread_mutex_lock(&e->mu);
    eval_run_t *r = find_run(e, id);
    if (r)
        eval_run_cancel(r);
    pthread_mutex_unlock(&e->mu);
    return evals_get(e, id, err);
}

json_t *evals_wait(evals_t *e, const char *id, err_t *err)
{
    json_t *rec = eval_store_get(e->app->store, id ? id : "", err);
    if (!rec)
        return NULL;
    json_decref(rec);
    pthread_mutex_lock(&e->mu);
    while (find_run(e, id))
        pthread_cond_wait(&e->cv, &e->mu);
    pthread_mutex_unlock(&e->mu);
    return evals_get(e, id, err);
}

/* ---- comparing ---------------------------------------------------------------------------- */

#define COMPARE_MAX_REGRESSIONS 100

json_t *evals_compare(evals_t *e, const char *a, const char *b, err_t *err)
{
    if (!a || !*a)
        return err_invalid(err, "a", "a (the baseline evaluation's id) is required"), NULL;
    if (!b || !*b)
        return err_invalid(err, "b", "b (the candidate evaluation's id) is required"), NULL;
    json_t *ra = eval_store_get(e->app->store, a, err);
    if (!ra)
        return NULL;
    json_t *rb = eval_store_get(e->app->store, b, err);
    if (!rb) {
        json_decref(ra);
        return NULL;
    }
    json_t *out = NULL, *rows_a = NULL, *rows_b = NULL, *hib = NULL;
    const char *da = json_string_value(json_object_get(ra, "dataset"));
    const char *db = json_string_value(json_object_get(rb, "dataset"));
    if (!da || !db || strcmp(da, db) != 0) {
        err_invalid(err, "b",
                    "the evaluations ran on different dataset versions (%s and %s): rows can "
                    "only be matched on the same version",
                    da ? da : "?", db ? db : "?");
        goto done;
    }
    /* The scorers both evaluations have, with the candidate's direction. */
    hib = json_object();
    json_t *info_a = json_object_get(json_object_get(ra, "spec"), "scorer_info");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(json_object_get(rb, "spec"), "scorer_info"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "name"));
        size_t j;
        json_t *t;
        json_array_foreach(info_a, j, t)
        {
            const char *other = json_string_value(json_object_get(t, "name"));
            if (name && other && strcmp(name, other) == 0)
                json_object_set(hib, name, json_object_get(s, "higher_is_better"));
        }
    }
    rows_a = eval_store_rows(e->app->store, a, -1, 0, 0, err);
    rows_b = rows_a ? eval_store_rows(e->app->store, b, -1, 0, 0, err) : NULL;
    if (!rows_b)
        goto done;
    out = eval_compare(rows_a, rows_b, hib, COMPARE_MAX_REGRESSIONS, err);
    if (out) {
        json_object_set_new(out, "a", json_string(a));
        json_object_set_new(out, "b", json_string(b));
    }
done:
    json_decref(rows_a);
    json_decref(rows_b);
    json_decref(hib);
    json_decref(ra);
    json_decref(rb);
    return out;
}
