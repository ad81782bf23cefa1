/* runner.c - an evaluation's thread and its workers (runner.h). */
#include "eval/runner.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "datasets/reader.h"
#include "eval/eval_cache.h"
#include "eval/eval_store.h"
#include "eval/evaluations.h"
#include "eval/summary.h"
#include "tracking/run_data.h"
#include "tracking/runs.h"

#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS   8000
#define RETRY_AFTER_MAX  30 /* s: a longer Retry-After is capped, not obeyed */

static char process_id[400];
static pthread_once_t process_id_once = PTHREAD_ONCE_INIT;

/* "HOST/PID/RANDOM": the host and pid let a process on the same host tell that the owner died
 * (eval_owner_dead), the random part keeps a reused pid from passing for its predecessor. */
static void process_id_make(void)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    char rnd[33];
    ids_uuid7_hex(rnd);
    snprintf(process_id, sizeof process_id, "%s/%ld/%s", host, (long)getpid(), rnd);
}

int eval_owner_dead(const char *owner)
{
    eval_process_id();
    const char *slash = strchr(owner, '/');
    const char *mine = strchr(process_id, '/');
    if (!slash || !mine || slash - owner != mine - process_id ||
        strncmp(owner, process_id, (size_t)(slash - owner)) != 0)
        return 0; /* another host: only its heartbeat tells */
    if (strcmp(owner, process_id) == 0)
        return 0; /* this process: the caller knows what it runs */
    char *end;
    long pid = strtol(slash + 1, &end, 10);
    if (*end != '/' || pid <= 0)
        return 0;
    if ((pid_t)pid == getpid())
        return 1; /* our pid, another random part: a predecessor with the same pid */
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

const char *eval_process_id(void)
{
    pthread_once(&process_id_once, process_id_make);
    return process_id;
}

eval_run_t *eval_run_new(app_t *app)
{
    eval_run_t *r = xcalloc(1, sizeof *r);
    r->app = app;
    r->llm_ctx.gateway = app->gateway;
    r->llm_ctx.session_id = r->id;
    r->llm = eval_llm_gateway(&r->llm_ctx);
    r->concurrency = EVAL_CONCURRENCY_DEFAULT;
    r->max_retries = EVAL_RETRIES_DEFAULT;
    r->use_cache = 1;
    atomic_init(&r->cancel, 0);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->workers_cv, NULL);
    return r;
}

void eval_run_free(eval_run_t *r)
{
    if (!r)
        return;
    eval_target_free(&r->target);
    for (size_t i = 0; i < r->nscorers; i++)
        scorer_free(r->scorers[i]);
    free(r->scorers);
    json_decref(r->scorer_info);
    free(r->dataset);
    free(r->split);
    free(r->baseline);
    gate_list_free(&r->gates);
    free(r->gates_text);
    for (size_t i = 0; i < r->nrows; i++)
        json_decref(r->rows[i]);
    free(r->rows);
    free(r->indexes);
    json_decref(r->baseline_outputs);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->workers_cv);
    free(r);
}

/* err's field prefixed: "pattern" -> "scorers[2].pattern". */
static void prefix_field(err_t *err, const char *prefix)
{
    buf_t b;
    buf_init(&b);
    if (err->field[0])
        buf_printf(&b, "%s.%s", prefix, err->field);
    else
        buf_append_str(&b, prefix);
    snprintf(err->field, sizeof err->field, "%.*s", (int)sizeof err->field - 1, buf_str(&b));
    buf_free(&b);
}

static int build_scorers(eval_run_t *r, const json_t *specs, err_t *err)
{
    if (!json_is_array(specs) || json_array_size(specs) == 0)
        return err_invalid(err, "scorers",
                           "scorers must be a non-empty array of scorer specs ({\"type\": ...})");
    size_t n = json_array_size(specs);
    r->scorers = xcalloc(n, sizeof *r->scorers);
    r->scorer_info = json_array();
    for (size_t i = 0; i < n; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "scorers[%zu]", i);
        const json_t *spec = json_array_get(specs, i);
        if (!json_is_object(spec))
            return err_invalid(err, prefix, "%s must be an object with a \"type\"", prefix);
        eval_scorer_t *s = scorer_create(spec, &r->llm, err);
        if (!s) {
            prefix_field(err, prefix);
            return -1;
        }
        r->scorers[r->nscorers++] = s;
        /* The evaluation's own figures share the metrics object (and the run's metric keys). */
        static const char *const reserved[] = {"pass_rate",   "error_rate", "latency_p50",
                                               "latency_p95", "cost",       "cost_total",
                                               "rows",        NULL};
        for (size_t j = 0; reserved[j]; j++)
            if (strcmp(scorer_name(s), reserved[j]) == 0)
                return err_invalid(err, prefix,
                                   "scorer name '%s' is one of the evaluation's own figures: give "
                                   "it another \"name\" (e.g. \"%s_check\")",
                                   reserved[j], reserved[j]);
        for (size_t j = 0; j + 1 < r->nscorers; j++)
            if (strcmp(scorer_name(r->scorers[j]), scorer_name(s)) == 0)
                return err_invalid(err, prefix,
                                   "two scorers are named '%s': give one a different \"name\"",
                                   scorer_name(s));
        if (scorer_needs_baseline(s) && !r->baseline)
            return err_invalid(err, prefix,
                               "scorer '%s' compares with a baseline: give \"baseline\" (the run "
                               "id of an evaluation on the same dataset)",
                               scorer_name(s));
        const char *field = json_string_value(json_object_get(spec, "field"));
        json_array_append_new(r->scorer_info,
                              json_pack("{s:s, s:s, s:f, s:b, s:s}", "name", scorer_name(s), "type",
                                        scorer_type(s), "threshold", scorer_threshold(s),
                                        "higher_is_better", scorer_higher_is_better(s), "field",
                                        field ? field : "expected"));
    }
    return 0;
}

int eval_run_build(eval_run_t *r, const json_t *spec, err_t *err)
{
    r->dataset = xstrdup(json_string_value(json_object_get(spec, "dataset")));
    const char *split = json_string_value(json_object_get(spec, "split"));
    r->split = split ? xstrdup(split) : NULL;
    r->limit = json_integer_value(json_object_get(spec, "limit"));
    json_t *v;
    if ((v = json_object_get(spec, "concurrency")) && json_is_integer(v))
        r->concurrency = (int)json_integer_value(v);
    if ((v = json_object_get(spec, "max_retries")) && json_is_integer(v))
        r->max_retries = (int)json_integer_value(v);
    if ((v = json_object_get(spec, "cache")) && json_is_boolean(v))
        r->use_cache = json_is_true(v);
    const char *baseline = json_string_value(json_object_get(spec, "baseline"));
    r->baseline = baseline ? xstrdup(baseline) : NULL;
    const char *gates = json_string_value(json_object_get(spec, "gates"));
    if (gate_parse(gates ? gates : "", &r->gates, err) != 0) {
        snprintf(err->field, sizeof err->field, "gates");
        return -1;
    }
    r->gates_text = gates && *gates ? xstrdup(gates) : NULL;
    if (eval_target_resolve(r->app->store, r->app->gateway_config, json_object_get(spec, "target"),
                            &r->target, err) != 0)
        return -1;
    return build_scorers(r, json_object_get(spec, "scorers"), err);
}

/* ---- one row ------------------------------------------------------------------------------ */

static int retryable(int status)
{
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

/* Sleep ms in short slices, giving up early when the run is cancelled. */
static void pause_ms(eval_run_t *r, int64_t ms)
{
    while (ms > 0 && !atomic_load(&r->cancel)) {
        int64_t step = ms < 50 ? ms : 50;
        clock_sleep_ms(step);
        ms -= step;
    }
}

typedef struct answer {
    json_t *response;
    char trace_id[33];
    double cost_usd;
    int cached;
} answer_t;

/* The model's answer to body: from the eval cache, or a call with retries. -1 with err when
 * the call failed for good, -2 when the evaluation was cancelled before a retry. */
static int get_answer(eval_run_t *r, const json_t *body, answer_t *a, err_t *err)
{
    memset(a, 0, sizeof *a);
    char key[65];
    eval_cache_key(body, r->target.resolved, key);
    if (r->use_cache) {
        eval_cache_entry_t hit;
        int rc = eval_cache_get(r->app->store, key, &hit, err);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            a->response = hit.response;
            a->cached = 1; /* costs nothing this time */
            return 0;
        }
    }
    for (int attempt = 0;; attempt++) {
        eval_call_t call;
        if (eval_gateway_call(r->app->gateway, PROVIDER_OP_CHAT, body, r->id, &call, err) == 0) {
            a->response = call.response;
            call.response = NULL;
            memcpy(a->trace_id, call.trace_id, sizeof a->trace_id);
            a->cost_usd = call.cost_known ? call.cost_usd : 0;
            eval_call_clear(&call);
            break;
        }
        memcpy(a->trace_id, call.trace_id, sizeof a->trace_id);
        int status = call.status;
        long retry_after = call.retry_after_s;
        eval_call_clear(&call);
        if (attempt >= r->max_retries || !retryable(status))
            return -1;
        if (atomic_load(&r->cancel))
            return -2; /* would have retried: leave the row to a resume */
        int64_t wait = (int64_t)BACKOFF_FIRST_MS << (attempt < 5 ? attempt : 5);
        if (wait > BACKOFF_MAX_MS)
            wait = BACKOFF_MAX_MS;
        if (retry_after > 0)
            wait = (retry_after < RETRY_AFTER_MAX ? retry_after : RETRY_AFTER_MAX) * 1000;
        pause_ms(r, wait);
    }
    const json_t *usage = json_object_get(a->response, "usage");
    eval_cache_entry_t entry = {
        .response = a->response,
        .input_tokens = json_integer_value(json_object_get(usage, "prompt_tokens")),
        .output_tokens = json_integer_value(json_object_get(usage, "completion_tokens")),
        .cost_usd = a->cost_usd};
    err_t cerr;
    if (eval_cache_put(r->app->store, key, &entry, &cerr) != 0)
        log_msg(LOG_WARN, "eval %s: could not store a cache entry: %s", r->id, cerr.message);
    return 0;
}

static void do_row(eval_run_t *r, const json_t *row, int64_t index)
{
    err_t err;
    err_clear(&err);
    json_t *body = NULL;
    char *input = NULL;
    answer_t a;
    memset(&a, 0, sizeof a);
    json_t *scores = json_object();
    char *error = NULL;
    const char *output = NULL;
    int passed = 0;
    int64_t t0 = clock_mono_us();
    double latency_ms = 0;
    int64_t in_tokens = 0, out_tokens = 0;

    int got = eval_target_request(r->app->store, &r->target, row, &body, &input, &err);
    if (got == 0)
        got = get_answer(r, body, &a, &err);
    if (got == -2) { /* cancelled mid-retry: no result, so resume calls it again */
        json_decref(scores);
        json_decref(body);
        free(input);
        return;
    }
    if (got != 0) {
        error = xstrdup(err.message);
    } else {
        latency_ms = (double)(clock_mono_us() - t0) / 1e3;
        output = eval_chat_text(a.response);
        const json_t *usage = json_object_get(a.response, "usage");
        in_tokens = json_integer_value(json_object_get(usage, "prompt_tokens"));
        out_tokens = json_integer_value(json_object_get(usage, "completion_tokens"));
        char ikey[32];
        snprintf(ikey, sizeof ikey, "%lld", (long long)index);
        const char *baseline_output = json_string_value(json_object_get(r->baseline_outputs, ikey));
        passed = 1;
        for (size_t i = 0; i < r->nscorers; i++) {
            const json_t *info = json_array_get(r->scorer_info, i);
            const char *field = json_string_value(json_object_get(info, "field"));
            eval_sample_t sample = {.row = row,
                                    .input = input ? input : "",
                                    .output = output,
                                    .expected = json_object_get(row, field),
                                    .context = json_object_get(row, "context"),
                                    .baseline_output = baseline_output,
                                    .latency_ms = latency_ms,
                                    .cost_usd = a.cost_usd,
                                    .input_tokens = in_tokens,
                                    .output_tokens = out_tokens};
            if (sample.expected && json_is_null(sample.expected))
                sample.expected = NULL;
            eval_score_t score = {0};
            err_t serr;
            err_clear(&serr);
            const char *name = scorer_name(r->scorers[i]);
            if (scorer_score(r->scorers[i], &sample, &score, &serr) == 0) {
                json_object_set_new(
                    scores, name,
                    json_pack("{s:o, s:b, s:s?}", "value",
                              isfinite(score.value) ? json_real(score.value) : json_null(), "pass",
                              score.pass, "reason", score.reason));
                passed = passed && score.pass;
            } else {
                /* The row is scored by the others; it counts as an error and not passed. */
                json_object_set_new(
                    scores, name,
                    json_pack("{s:n, s:b, s:s}", "value", "pass", 0, "reason", serr.message));
                passed = 0;
                if (!error) {
                    buf_t b;
                    buf_init(&b);
                    buf_printf(&b, "scorer %s: %s", name, serr.message);
                    error = buf_steal(&b);
                }
            }
            eval_score_clear(&score);
        }
    }
    if (error)
        passed = 0;
    eval_row_result_t res = {.index = index,
                             .input = input,
                             .expected = json_object_get(row, "expected"),
                             .output = output,
                             .error = error,
                             .scores = scores,
                             .passed = passed,
                             .latency_ms = latency_ms,
                             .cost_usd = a.cost_usd,
                             .input_tokens = in_tokens,
                             .output_tokens = out_tokens,
                             .trace_id = a.trace_id,
                             .cached = a.cached};
    err_t werr;
    if (eval_store_put_row(r->app->store, r->id, &res, &werr) != 0)
        log_msg(LOG_ERROR, "eval %s: row %lld not stored: %s", r->id, (long long)index,
                werr.message);
    json_decref(scores);
    json_decref(a.response);
    json_decref(body);
    free(input);
    free(error);
}

static void *worker_main(void *arg)
{
    eval_run_t *r = arg;
    for (;;) {
        if (atomic_load(&r->cancel))
            break;
        pthread_mutex_lock(&r->mu);
        size_t i = r->next < r->nrows ? r->next++ : r->nrows;
        pthread_mutex_unlock(&r->mu);
        if (i >= r->nrows)
            break;
        do_row(r, r->rows[i], r->indexes[i]);
        json_decref(r->rows[i]);
        r->rows[i] = NULL;
    }
    pthread_mutex_lock(&r->mu);
    r->workers_left--;
    pthread_cond_broadcast(&r->workers_cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- the run ------------------------------------------------------------------------------ */

static int contains(const int64_t *sorted, size_t n, int64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] == v)
            return 1;
        if (sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The selection's rows (the first `limit`) that have no result yet. */
static int load_rows(eval_run_t *r, err_t *err)
{
    int64_t *done = NULL;
    size_t ndone = 0;
    if (eval_store_done_indexes(r->app->store, r->id, &done, &ndone, err) != 0)
        return -1;
    dataset_reader_t *reader;
    if (dataset_open(r->app->store, r->app->blobs, r->dataset, r->split, &reader, err) != 0) {
        free(done);
        return -1;
    }
    size_t total = dataset_reader_count(reader);
    if (r->limit > 0 && (size_t)r->limit < total)
        total = (size_t)r->limit;
    r->rows = xcalloc(total ? total : 1, sizeof *r->rows);
    r->indexes = xcalloc(total ? total : 1, sizeof *r->indexes);
    int rc = 0;
    for (size_t k = 0; k < total; k++) {
        json_t *row;
        size_t index;
        int got = dataset_reader_next_ex(reader, &row, &index, NULL, err);
        if (got < 0)
            rc = -1;
        if (got <= 0)
            break;
        if (contains(done, ndone, (int64_t)index)) {
            json_decref(row);
            continue;
        }
        r->rows[r->nrows] = row;
        r->indexes[r->nrows++] = (int64_t)index;
    }
    dataset_close(reader);
    free(done);
    return rc;
}

/* The baseline's answers by row index, for the pairwise scorers. */
static int load_baseline(eval_run_t *r, err_t *err)
{
    int needed = 0;
    for (size_t i = 0; i < r->nscorers; i++)
        needed |= scorer_needs_baseline(r->scorers[i]);
    if (!needed || !r->baseline)
        return 0;
    json_t *rows = eval_store_rows(r->app->store, r->baseline, -1, 0, 0, err);
    if (!rows)
        return -1;
    r->baseline_outputs = json_object();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *out = json_string_value(json_object_get(row, "output"));
        if (!out)
            continue;
        char key[32];
        snprintf(key, sizeof key, "%lld",
                 (long long)json_integer_value(json_object_get(row, "index")));
        json_object_set_new(r->baseline_outputs, key, json_string(out));
    }
    json_decref(rows);
    return 0;
}

static void set_status_tag(eval_run_t *r, const char *status)
{
    tracking_kv_t tag = {"llmops.eval.status", status};
    run_batch_t batch = {.tags = &tag, .ntags = 1};
    err_t err;
    if (run_data_log_batch(r->app->store, r->id, &batch, &err) != 0)
        log_msg(LOG_WARN, "eval %s: status tag not written: %s", r->id, err.message);
}

static void end_run(eval_run_t *r, const char *status, const char *run_status, const char *error)
{
    err_t err;
    int64_t now = clock_now_ms();
    if (eval_store_set_status(r->app->store, r->id, status, NULL, 0, now, error, NULL, &err) != 0)
        log_msg(LOG_ERROR, "eval %s: status not stored: %s", r->id, err.message);
    set_status_tag(r, status);
    json_t *info = runs_update(r->app->store, r->id, run_status, 1, now, NULL, &err);
    if (!info)
        log_msg(LOG_WARN, "eval %s: run not updated: %s", r->id, err.message);
    json_decref(info);
}

/* The final figures: summary, gates, metrics and tags on the run. */
static int finish(eval_run_t *r, err_t *err)
{
    json_t *rows = eval_store_rows(r->app->store, r->id, -1, 0, 0, err);
    if (!rows)
        return -1;
    json_t *summary = eval_summary(rows, r->scorer_info);
    json_decref(rows);
    json_t *gates = NULL;
    int all_passed = -1;
    if (r->gates.n) {
        json_t *base = NULL;
        json_t *baseline = r->baseline ? eval_store_get(r->app->store, r->baseline, err) : NULL;
        if (baseline && json_is_object(json_object_get(baseline, "metrics")))
            base = json_object_get(baseline, "metrics");
        int ok = 0;
        gates = gate_check(&r->gates, summary, base, &ok);
        all_passed = ok;
        json_decref(baseline);
    }
    int rc = eval_store_set_results(r->app->store, r->id, summary, gates, all_passed, err);

    json_t *list = eval_summary_metrics(summary);
    size_t n = json_array_size(list);
    tracking_metric_t *metrics = xcalloc(n ? n : 1, sizeof *metrics);
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(list, i);
        metrics[i] = (tracking_metric_t){.key = json_string_value(json_object_get(m, "key")),
                                         .value = json_number_value(json_object_get(m, "value")),
                                         .timestamp = now};
    }
    tracking_kv_t tags[2];
    size_t ntags = 0;
    if (r->baseline)
        tags[ntags++] = (tracking_kv_t){"llmops.eval.baseline", r->baseline};
    if (all_passed >= 0)
        tags[ntags++] = (tracking_kv_t){"llmops.eval.gates", all_passed ? "passed" : "failed"};
    run_batch_t batch = {.metrics = metrics, .nmetrics = n, .tags = tags, .ntags = ntags};
    if (rc == 0 && run_data_log_batch(r->app->store, r->id, &batch, err) != 0)
        rc = -1;
    free(metrics);
    json_decref(list);
    json_decref(gates);
    json_decref(summary);
    return rc;
}

static void *run_main(void *arg)
{
    eval_run_t *r = arg;
    err_t err;
    err_clear(&err);
    int64_t now = clock_now_ms();
    int ok = eval_store_set_status(r->app->store, r->id, "running", NULL, now, 0, NULL, NULL,
                                   &err) == 0 &&
             eval_store_heartbeat(r->app->store, r->id, eval_process_id(), now, &err) == 0;
    if (ok) {
        set_status_tag(r, "running");
        json_t *info = runs_update(r->app->store, r->id, "RUNNING", 0, 0, NULL, &err);
        json_decref(info);
        ok = load_rows(r, &err) == 0 && load_baseline(r, &err) == 0;
    }
    if (ok) {
        int n = r->concurrency;
        if ((size_t)n > r->nrows)
            n = (int)r->nrows;
        pthread_t *workers = xcalloc(n ? (size_t)n : 1, sizeof *workers);
        int started = 0;
        pthread_mutex_lock(&r->mu);
        r->workers_left = n;
        pthread_mutex_unlock(&r->mu);
        for (int i = 0; i < n; i++) {
            if (pthread_create(&workers[i], NULL, worker_main, r) != 0)
                break;
            started++;
        }
        pthread_mutex_lock(&r->mu);
        r->workers_left -= n - started; /* those that could not start */
        pthread_mutex_unlock(&r->mu);
        if (n > 0 && started == 0) {
            pthread_mutex_lock(&r->mu);
            r->workers_left++;
            pthread_mutex_unlock(&r->mu);
            worker_main(r); /* no thread to be had: do the work here */
        }
        /* Wait for the workers, saying every few seconds that this process still runs the
         * evaluation (so other servers sharing the store do not take it for abandoned). */
        pthread_mutex_lock(&r->mu);
        while (r->workers_left > 0) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += EVAL_HEARTBEAT_MS / 1000;
            if (pthread_cond_timedwait(&r->workers_cv, &r->mu, &until) != 0) {
                pthread_mutex_unlock(&r->mu);
                eval_store_heartbeat(r->app->store, r->id, eval_process_id(), clock_now_ms(), &err);
                pthread_mutex_lock(&r->mu);
            }
        }
        pthread_mutex_unlock(&r->mu);
        for (int i = 0; i < started; i++)
            pthread_join(workers[i], NULL);
        free(workers);
    }
    if (!ok)
        end_run(r, "failed", "FAILED", err.message);
    else if (atomic_load(&r->cancel))
        end_run(r, "interrupted", "KILLED", NULL);
    else if (finish(r, &err) != 0)
        end_run(r, "failed", "FAILED", err.message);
    else
        end_run(r, "finished", "FINISHED", NULL);
    if (r->on_end)
        r->on_end(r->on_end_arg, r);
    return NULL;
}

int eval_run_start(eval_run_t *r, err_t *err)
{
    if (pthread_create(&r->thread, NULL, run_main, r) != 0)
        return err_internal(err, "could not start the evaluation's thread");
    r->thread_started = 1;
    return 0;
}

void eval_run_cancel(eval_run_t *r)
{
    atomic_store(&r->cancel, 1);
}

void eval_run_join(eval_run_t *r)
{
    if (r->thread_started)
        pthread_join(r->thread, NULL);
    r->thread_started = 0;
}
