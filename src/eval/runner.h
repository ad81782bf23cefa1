/* runner.h - one evaluation under way: a background thread that reads the dataset rows still
 * without a result, hands them to a pool of `concurrency` workers (each row: build the
 * target's request, answer from the eval cache or call the model through the gateway with
 * retries, score, store the result at once), and at the end writes the metrics, gates, tags
 * and status (to the evaluation and to its tracking run).
 *
 * The evaluation service (evaluations.c) owns the runs: it builds one from a spec
 * (eval_run_build: the same code validates a new evaluation and rebuilds one to resume),
 * starts it, cancels it, joins it. */
#ifndef LLMOPS_EVAL_RUNNER_H
#define LLMOPS_EVAL_RUNNER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/error.h"
#include "core/app.h"
#include "eval/gate.h"
#include "eval/llm_gateway.h"
#include "eval/scorer.h"
#include "eval/target.h"

typedef struct eval_run {
    app_t *app;
    char id[33]; /* the run id; "" until the evaluation is created */
    eval_llm_ctx_t llm_ctx;
    eval_llm_t llm;
    eval_target_t target;
    eval_scorer_t **scorers;
    size_t nscorers;
    json_t *scorer_info; /* [{"name","type","threshold","higher_is_better","field"}] */
    char *dataset;       /* the pinned version, "qa/3" */
    char *split;         /* NULL: every row */
    int64_t limit;       /* 0: every row */
    int concurrency;
    int max_retries;
    int use_cache;
    char *baseline; /* run id or NULL */
    gate_list_t gates;
    char *gates_text; /* as given; NULL when none */

    atomic_int cancel;
    int ended; /* set (under the service's lock) when the thread is done */
    pthread_t thread;
    int thread_started;
    void (*on_end)(void *arg, struct eval_run *run); /* called last on the run's thread */
    void *on_end_arg;

    /* The work: rows still without a result, taken by the workers in order. */
    pthread_mutex_t mu;
    json_t **rows;
    int64_t *indexes;
    size_t nrows, next;
    json_t *baseline_outputs; /* {"<index>": "output"} for pairwise scorers, or NULL */
    int workers_left;         /* under mu: workers still working */
    pthread_cond_t workers_cv;
    struct eval_run *next_run; /* the service's list */
} eval_run_t;

/* How often a running evaluation's heartbeat is written, and after how long without one an
 * evaluation another process owns counts as abandoned (eval_store.h's owner/heartbeat_ms). */
#define EVAL_HEARTBEAT_MS       5000
#define EVAL_HEARTBEAT_STALE_MS 60000

/* This process's id as an evaluation owner ("HOST/PID/RANDOM", made once). */
const char *eval_process_id(void);
/* 1 when owner is a process on this host that no longer exists (or an earlier process that
 * had this pid); 0 when it may be alive, runs elsewhere, or is this process. */
int eval_owner_dead(const char *owner);

eval_run_t *eval_run_new(app_t *app);

/* Build the target, the scorers, the gates and the options from a normalized spec
 * ({"dataset": "qa/3", "split", "limit", "target", "scorers", "baseline", "gates",
 * "concurrency", "max_retries", "cache"}): 400 naming the field ("scorers[1].pattern",
 * "gates", "target.model"...), 404 for unknown references. */
int eval_run_build(eval_run_t *r, const json_t *spec, err_t *err);

/* Start the thread (the run's id must be set). */
int eval_run_start(eval_run_t *r, err_t *err);
/* Ask the run to stop after the calls in flight. */
void eval_run_cancel(eval_run_t *r);
void eval_run_join(eval_run_t *r);
void eval_run_free(eval_run_t *r);

#endif
