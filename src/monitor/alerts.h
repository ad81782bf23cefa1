/* alerts.h - alert rules over the monitoring aggregates, their evaluation and their events.
 *
 * A rule watches one metric of monitor_aggregate (any name mon_row_metric accepts: latency_p95,
 * error_rate, cost_usd ...) over the trailing window [now - window_s, now), per group (none,
 * endpoint, model, version, user, key), optionally only for one endpoint and/or model. A group
 * whose window holds at least min_requests requests is compared with the threshold; a group with
 * fewer (or whose metric has no data) leaves its state as it is, so tiny samples neither fire
 * nor resolve.
 *
 * The state of each (rule, group) - ok or firing - is stored (alert_states), so a restart
 * neither fires again nor forgets a pending resolve. Only changes make events: ok -> firing
 * records a "firing" event, firing -> ok a "resolved" one, in the same transaction as the state
 * change; the state update is conditional on the previous state, so two evaluators (a thread
 * and POST /evaluate, or two servers on one PostgreSQL) never record one change twice. Each
 * event is then POSTed to the rule's webhook (alert_webhook.h), and its delivery status,
 * attempts and last error are recorded on the event; events still pending (a crash between
 * the commit and the delivery) are delivered by the next evaluation. */
#ifndef LLMOPS_MONITOR_ALERTS_H
#define LLMOPS_MONITOR_ALERTS_H

#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

/* Create a rule from its JSON:
 *   {"name" (required, unique), "metric" (required), "group" ("none"), "endpoint", "model",
 *    "window_s" (required, 1 .. 2678400), "comparison" (">", ">=", "<", "<=", required),
 *    "threshold" (number, required), "min_requests" (>= 0, default 10),
 *    "webhook_url" (http:// or https://), "enabled" (true)}
 * Returns the stored rule (caller owns) with "id" and "created_ms"; NULL with err: 400 naming
 * the field (unknown fields too), 409 for a name in use. */
json_t *alerts_rule_create(store_t *s, const json_t *in, err_t *err);
/* {"rules": [...]} ordered by name. */
json_t *alerts_rule_list(store_t *s, err_t *err);
/* One rule with its current states: {"rule": {..., "states": [{"group", "state", "value",
 * "since_ms", "updated_ms"}]}}; 404 when unknown. */
json_t *alerts_rule_get(store_t *s, const char *id, err_t *err);
/* Delete a rule and its states (its events stay, as history). 0 or -1 (404 when unknown). */
int alerts_rule_delete(store_t *s, const char *id, err_t *err);

/* {"events": [...]} newest first: {"id", "rule_id", "rule", "group", "state", "metric",
 * "value", "threshold", "comparison", "at_ms", "delivery" ("pending" | "delivered" | "failed" |
 * "none"), "attempts", "last_error"}. rule_id NULL: every rule; limit 1 .. 1000 (default 100). */
json_t *alerts_events(store_t *s, const char *rule_id, int64_t limit, err_t *err);

typedef struct alerts_eval_opts {
    int webhook_attempts;   /* tries per event (default 3) */
    int webhook_timeout_ms; /* per try (default 5000) */
    int webhook_backoff_ms; /* before the 2nd try, doubling after (default 500) */
} alerts_eval_opts_t;

/* Evaluate every enabled rule at now_ms (0: the clock), record state changes, deliver their
 * events (and any left pending). Rules are evaluated one after another; one rule's failure is
 * logged and counted and does not stop the others. Returns {"evaluated": rules, "events":
 * [the events recorded by this run, as delivered]} (caller owns), or NULL with err when the
 * rules cannot be read. opts NULL: the defaults. Serialised within the process. */
json_t *alerts_evaluate(store_t *s, int64_t now_ms, const alerts_eval_opts_t *opts, err_t *err);

/* "firing" when value <cmp> threshold holds. cmp is one of > >= < <=; -1 for anything else. */
int alerts_compare(const char *cmp, double value, double threshold);

#endif
