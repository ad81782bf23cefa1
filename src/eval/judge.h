/* judge.h - what the model-based scorers (llm_judge, pairwise, faithfulness, answer_relevance,
 * context_relevance, embedding_similarity) share: one judge call with structured output and
 * robust parsing of its answer, the spec fields every judge has, and the texts they show the
 * judge. Internal to src/eval/ (the runner sees scorer.h only). docs/scorers-judge.md has the
 * exact prompts and parsing rules. */
#ifndef LLMOPS_EVAL_JUDGE_H
#define LLMOPS_EVAL_JUDGE_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "eval/scorer_internal.h"

#define JUDGE_MODEL_MAX_LEN  256
#define JUDGE_RUBRIC_MAX_LEN 20000

/* Checks a parsed judge answer (an object) for the fields its scorer asked for: 0 when usable,
 * else -1 with a short reason in why (it goes into the retry message and the row error). */
typedef int (*judge_check_fn)(const json_t *answer, const void *ctx, char *why, size_t why_len);

/* One judge question: system + user messages, the JSON schema the answer must follow (named
 * schema_name in response_format). */
typedef struct judge_request {
    const char *model;
    const char *system;
    const char *user;
    const char *schema_name;
    const json_t *schema;
} judge_request_t;

/* The chat-completions body of a judge call: {"model", "temperature": 0, "messages": [system,
 * user], "response_format": {"type": "json_schema", "json_schema": {"name", "strict": true,
 * "schema"}}}. New reference. */
json_t *judge_request_body(const judge_request_t *req);

/* Ask the judge; on an answer that is not a usable JSON object (check fails, no JSON, no
 * content) ask once more, showing it its answer and what was wrong. Returns the parsed answer
 * (caller decrefs), or NULL with err: a failed call (the chat function's error, prefixed
 * "judge call failed: "), or 502 "judge_malformed" quoting the second answer. */
json_t *judge_ask(const eval_llm_t *llm, const judge_request_t *req, judge_check_fn check,
                  const void *ctx, err_t *err);

/* Put prefix in front of err's message (cut at a character boundary to fit). */
void judge_prefix_error(err_t *err, const char *prefix);

/* The JSON object in a judge's answer text: the whole text when it is an object, else the
 * first '{' from which a JSON object parses (text around it, e.g. a ```json fence, is
 * ignored; the first 64 '{' are tried). NULL when there is none. New reference. */
json_t *judge_parse_answer(const char *text);

/* The assistant text of an OpenAI chat response (choices[0].message.content as a string, or
 * its text parts joined); NULL when there is none. Malloc'd. */
char *judge_response_text(const json_t *response);

/* A number in an answer field: a JSON number, or a string that is exactly a number ("4",
 * " 0.5 "). 1 with *out, 0 when not. */
int judge_number(const json_t *v, double *out);

/* The spec's "model" (required, non-empty) into *model (borrowed from spec); and a check that
 * s->llm can make the calls (chat, or embed when need_embed): 400 field "scorers" otherwise. */
int judge_spec_model(const eval_scorer_t *s, const json_t *spec, int need_embed, const char **model,
                     err_t *err);

/* A spec string field: optional or required, non-empty when present, at most max_len bytes;
 * *out malloc'd (NULL when absent and optional). */
int judge_spec_text(const json_t *spec, const char *field, int required, size_t max_len, char **out,
                    err_t *err);

/* Sections of a judge prompt: "## title\n" + the text + "\n\n". */
void judge_section(buf_t *b, const char *title, const char *text);

/* The sample's expected value as text (a string as is, else compact JSON); NULL when none. */
char *judge_expected_text(const eval_sample_t *sample);

/* The retrieved contexts of sample->context: a string is one passage; an array holds strings
 * or objects with a "text" (or "content") string. Returns the count (>= 1) with a malloc'd
 * array of borrowed strings in *passages, or -1 with 400 field "context" when there is none or
 * it has another shape. */
int judge_passages(const eval_sample_t *sample, const char ***passages, err_t *err);

#endif
