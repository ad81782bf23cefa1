/* scorers_model.h - the scorer types that call a model (a judge or an embeddings model), for
 * the dispatch table in scorer.c: SCORER_MODEL_KINDS lists them the way SCORER_KINDS lists the
 * deterministic ones, and their create functions are declared here. Each needs the eval_llm_t
 * given to scorer_create (400 field "scorers" without one). See docs/scorers-judge.md. */
#ifndef LLMOPS_EVAL_SCORERS_MODEL_H
#define LLMOPS_EVAL_SCORERS_MODEL_H

#include "eval/scorer_internal.h"

#define SCORER_MODEL_KINDS(X)                                                                      \
    X("llm_judge", scorer_new_llm_judge)                                                           \
    X("pairwise", scorer_new_pairwise)                                                             \
    X("faithfulness", scorer_new_faithfulness)                                                     \
    X("answer_relevance", scorer_new_answer_relevance)                                             \
    X("context_relevance", scorer_new_context_relevance)                                           \
    X("embedding_similarity", scorer_new_embedding_similarity)

int scorer_new_llm_judge(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_pairwise(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_faithfulness(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_answer_relevance(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_context_relevance(eval_scorer_t *s, const json_t *spec, err_t *err);
int scorer_new_embedding_similarity(eval_scorer_t *s, const json_t *spec, err_t *err);

#endif
