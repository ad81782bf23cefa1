/* promotion.h - promotion with gates: move a model's or a prompt's alias ("production") to a
 * new version only when that version's evaluation meets the required gates, compared where
 * asked with the evaluation of the version the alias points at now. docs/eval-api.md
 * ("Promotion") is the binding contract; docs/promotion.md the user's guide.
 *
 * The candidate's evaluation is the one given, or one run now from an evaluation spec whose
 * target is set to the candidate version, or the newest finished evaluation whose target
 * resolved to that version (found through lineage: run -> model_version/prompt_version). The
 * baseline is the evaluation of the alias's current version: the one given, or the newest
 * finished one on the candidate's dataset version, or - when an evaluation spec is given and
 * none exists - one run now; none when the alias is unset (relative gates then fail with
 * "no baseline").
 *
 * Every attempt is recorded, promoted or rejected, in the `promotions` table and in lineage
 * (candidate evaluation -> version, relation "promoted_by" / "rejected_by"). The alias moves
 * with the registry's own alias functions, in the same transaction as the audit row, and only
 * if it still points where it pointed when the baseline was chosen: else 409 and nothing is
 * recorded (someone else moved it; the gates were checked against the wrong baseline). */
#ifndef LLMOPS_EVAL_PROMOTION_H
#define LLMOPS_EVAL_PROMOTION_H

#include <jansson.h>

#include "base/error.h"
#include "core/app.h"

#define PROMOTION_PAGE_DEFAULT 50
#define PROMOTION_PAGE_MAX     1000

/* POST /api/v1/promotions. body: {"kind": "model"|"prompt", "name", "version", "alias",
 * "require": "exact_match>=baseline,...", "evaluation"?, "baseline_evaluation"?, "eval"?,
 * "who"?}; default_who (may be NULL) is used when the body has no "who". Returns the
 * promotion {"id", "kind", "name", "version", "alias", "previous_version", "decision",
 * "require", "gates", "evaluation", "baseline_evaluation", "who", "created_ms"} for both
 * decisions. Errors: 400 naming the field (nothing recorded), 404 unknown model, prompt,
 * version or evaluation, 409 when the alias moved meanwhile. */
json_t *promotion_create(app_t *app, const json_t *body, const char *default_who, err_t *err);

/* GET /api/v1/promotions?kind=&name=&limit=&page_token=: newest first.
 * {"promotions": [...], "next_page_token"?}. kind and name filter when not NULL. */
json_t *promotion_list(app_t *app, const char *kind, const char *name, int limit,
                       const char *page_token, err_t *err);

#endif
