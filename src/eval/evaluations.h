/* evaluations.h - the evaluation service: run a dataset version through a target (a gateway
 * endpoint, a registered model, or a prompt sent to a model), score every answer, and keep the
 * results; the C API behind /api/v1/evaluations (docs/eval-api.md is the binding contract for
 * the JSON shapes used here).
 *
 * An evaluation is a tracking run (its id is the run id) plus a row in table `evaluations`
 * (its spec, status and progress) and one row per dataset row in `eval_rows`. It runs on a
 * background thread with a pool of workers; each row's result is stored as soon as it is
 * scored, so a process that dies loses at most the rows in flight, and resuming scores only the
 * rows without a result.
 *
 * The service is per process and lives in app->evals: evals_get_service() makes it on first use.
 * Model calls go through the gateway in-process (app->gateway); where the process runs none
 * (the in-process CLI) the service starts the runtime itself (core/runtime.h) and stops it in
 * evals_shutdown().
 *
 * Status: "queued" -> "running" -> "finished" | "failed" | "interrupted". An evaluation stored as
 * running that no thread of this process runs (the process died, or another process runs it)
 * is reported - and stored - as "interrupted" when read.
 *
 * Every function returns new JSON (caller owns) or NULL / -1 with err: 400 naming the field for
 * bad input (nothing is created), 404 for an unknown evaluation, dataset, prompt, endpoint or
 * model, 409 for a state that does not allow the call (resume of a running evaluation). */
#ifndef LLMOPS_EVAL_EVALUATIONS_H
#define LLMOPS_EVAL_EVALUATIONS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "core/app.h"

#define EVAL_CONCURRENCY_DEFAULT 8
#define EVAL_CONCURRENCY_MAX     64
#define EVAL_RETRIES_DEFAULT     2
#define EVAL_RETRIES_MAX         10
#define EVAL_PAGE_DEFAULT        100
#define EVAL_PAGE_MAX            1000
#define EVAL_EXPERIMENT_DEFAULT  "evaluations"
#define EVAL_LINEAGE_TYPE        "run" /* an evaluation's lineage node: {"type":"run","id":RUN} */

typedef struct evals evals_t;

/* The process's evaluation service (made on first call; thread-safe). NULL with err only when
 * it cannot start (the runtime could not be started where it was needed). */
evals_t *evals_get_service(app_t *app, err_t *err);

/* Cancel the evaluations under way (they end "interrupted"), wait for their threads, stop the
 * runtime if the service started it, free the service. Safe when none was made. Called by
 * runtime_stop() (before the gateway stops) and by app_close(). */
void evals_shutdown(app_t *app);

/* POST /api/v1/evaluations: validate the whole body (dataset, split, limit, target, scorers,
 * baseline, gates, concurrency, max_retries, cache, name, experiment, wait), create the run
 * and the evaluation, and start it. Returns the evaluation (EVAL of the contract). With
 * "wait": true it returns when the evaluation has ended (*waited = 1). */
json_t *evals_create(evals_t *e, const json_t *body, int *waited, err_t *err);

/* GET /api/v1/evaluations/{id}: EVAL, with live progress and metrics while running. */
json_t *evals_get(evals_t *e, const char *id, err_t *err);

/* GET /api/v1/evaluations: newest first, filtered by dataset ("qa" or "qa/3") and status when
 * not NULL. limit 1..EVAL_PAGE_MAX (0: EVAL_PAGE_DEFAULT). {"evaluations":[EVAL...],
 * "next_page_token"?} (offset tokens, base/page_token.h). */
json_t *evals_list(evals_t *e, const char *dataset, const char *status, int limit,
                   const char *page_token, err_t *err);

/* GET /api/v1/evaluations/{id}/rows: rows with a result, by index; failed_only keeps rows with
 * an error or a failing score. Keyset paging on the index. {"rows":[ROW...],
 * "next_page_token"?} */
json_t *evals_rows(evals_t *e, const char *id, int limit, const char *page_token, int failed_only,
                   err_t *err);

/* POST .../resume: start again on the rows without a result (409 when running or finished
 * with every row done). Returns EVAL. */
json_t *evals_resume(evals_t *e, const char *id, err_t *err);

/* POST .../cancel: stop after the calls in flight; the evaluation ends "interrupted". Cancelling
 * one that is not running is a no-op. Returns EVAL (status as it is when the call returns). */
json_t *evals_cancel(evals_t *e, const char *id, err_t *err);

/* Block until the evaluation is no longer queued/running in this process. Returns EVAL. */
json_t *evals_wait(evals_t *e, const char *id, err_t *err);

/* GET /api/v1/evaluations/compare?a=&b=: b the candidate, a the baseline, rows matched by
 * index (both on the same dataset version, else 400 field "b"). The contract's shape. */
json_t *evals_compare(evals_t *e, const char *a, const char *b, err_t *err);

#endif
