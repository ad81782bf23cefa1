/* judge.c - the judge call shared by the model-based scorers (judge.h): the request with a
 * pinned model, temperature 0 and a JSON-schema response format; the answer parsed robustly
 * (JSON in the content, else the first JSON object in the text); one retry that shows the judge
 * what was wrong with its answer. A malformed answer is an error for the row, never a score of
 * 0: a judge that cannot answer says nothing about the output it was asked to grade. */
#include "eval/judge.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

#define QUOTE_MAX         200 /* bytes of a bad answer quoted in the row error */
#define JUDGE_PARSE_TRIES 64  /* '{' positions tried when the answer is not pure JSON */

json_t *judge_request_body(const judge_request_t *req)
{
    json_t *messages = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "system", "content", req->system,
                                 "role", "user", "content", req->user);
    json_t *format = json_pack("{s:s,s:{s:s,s:b,s:O}}", "type", "json_schema", "json_schema",
                               "name", req->schema_name, "strict", 1, "schema", req->schema);
    return json_pack("{s:s,s:i,s:o,s:o}", "model", req->model, "temperature", 0, "messages",
                     messages, "response_format", format);
}

char *judge_response_text(const json_t *response)
{
    const json_t *msg =
        json_object_get(json_array_get(json_object_get(response, "choices"), 0), "message");
    const json_t *content = json_object_get(msg, "content");
    if (json_is_string(content))
        return xstrdup(json_string_value(content));
    if (!json_is_array(content))
        return NULL;
    /* content parts: [{"type": "text", "text": "..."}] */
    buf_t b;
    buf_init(&b);
    size_t i;
    const json_t *part;
    int any = 0;
    json_array_foreach(content, i, part)
    {
        const char *t = json_string_value(json_object_get(part, "text"));
        if (t) {
            buf_append_str(&b, t);
            any = 1;
        }
    }
    if (!any) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

static json_t *parse_object(const char *text, size_t len, size_t flags)
{
    json_t *v = json_loadb(text, len, flags, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

json_t *judge_parse_answer(const char *text)
{
    if (!text)
        return NULL;
    size_t len = strlen(text);
    json_t *v = parse_object(text, len, 0);
    if (v)
        return v;
    /* JSON inside prose or a ```json fence: the first '{' from which an object parses (text
     * after it is ignored). Bounded, as each try parses to the end of an object at most. */
    int tries = 0;
    for (size_t off = 0; off < len && tries < JUDGE_PARSE_TRIES; off++) {
        if (text[off] != '{')
            continue;
        tries++;
        v = parse_object(text + off, len - off, JSON_DISABLE_EOF_CHECK);
        if (v)
            return v;
    }
    return NULL;
}

int judge_number(const json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out);
    }
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    char *end;
    double d = strtod(s, &end);
    if (end == s)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(d))
        return 0;
    *out = d;
    return 1;
}

/* Append at most QUOTE_MAX bytes of text, cut at a UTF-8 character boundary. */
static void quote_answer(buf_t *b, const char *text)
{
    size_t n = strlen(text);
    if (n <= QUOTE_MAX) {
        buf_append_str(b, text);
        return;
    }
    n = QUOTE_MAX;
    while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    buf_append(b, text, n);
    buf_append_str(b, "...");
}

/* One call: the parsed, checked answer, or NULL. On a malformed answer *text gets the answer
 * text (malloc'd, "" when it had none) and why the reason; on a failed call err is set and
 * *call_failed is 1. */
static json_t *ask_once(const eval_llm_t *llm, const json_t *body, judge_check_fn check,
                        const void *ctx, char **text, char *why, size_t why_len, int *call_failed,
                        err_t *err)
{
    json_t *response = NULL;
    *text = NULL;
    *call_failed = 0;
    if (llm->chat(llm->ctx, body, &response, err) != 0) {
        *call_failed = 1;
        json_decref(response);
        return NULL;
    }
    *text = judge_response_text(response);
    json_decref(response);
    if (!*text) {
        *text = xstrdup("");
        snprintf(why, why_len, "the answer had no text content");
        return NULL;
    }
    json_t *answer = judge_parse_answer(*text);
    if (!answer) {
        snprintf(why, why_len, "the answer holds no JSON object");
        return NULL;
    }
    if (check(answer, ctx, why, why_len) != 0) {
        json_decref(answer);
        return NULL;
    }
    free(*text);
    *text = NULL;
    return answer;
}

void judge_prefix_error(err_t *err, const char *prefix)
{
    if (!err)
        return;
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, prefix);
    buf_append_str(&b, err->message);
    size_t n = b.len;
    if (n >= sizeof err->message) {
        n = sizeof err->message - 1;
        while (n && ((unsigned char)b.data[n] & 0xC0) == 0x80) /* not inside a character */
            n--;
    }
    memcpy(err->message, b.data, n);
    err->message[n] = '\0';
    buf_free(&b);
}

json_t *judge_ask(const eval_llm_t *llm, const judge_request_t *req, judge_check_fn check,
                  const void *ctx, err_t *err)
{
    json_t *body = judge_request_body(req);
    char why[200] = "";
    char *text = NULL;
    int failed = 0;
    json_t *answer = ask_once(llm, body, check, ctx, &text, why, sizeof why, &failed, err);
    if (answer || failed) {
        if (failed)
            judge_prefix_error(err, "judge call failed: ");
        json_decref(body);
        free(text);
        return answer;
    }
    /* The retry repeats the question with the bad answer as the assistant's turn and a user
     * turn saying what was wrong, so the judge can correct itself rather than repeat it
     * (at temperature 0 the same question would likely get the same answer). */
    json_t *messages = json_object_get(body, "messages");
    json_array_append_new(messages, json_pack("{s:s,s:s}", "role", "assistant", "content", text));
    buf_t fix;
    buf_init(&fix);
    buf_printf(&fix,
               "Your answer could not be used: %s. Answer again with only the JSON object "
               "described above, nothing else.",
               why);
    json_array_append_new(messages,
                          json_pack("{s:s,s:s}", "role", "user", "content", buf_str(&fix)));
    buf_free(&fix);
    free(text);
    answer = ask_once(llm, body, check, ctx, &text, why, sizeof why, &failed, err);
    json_decref(body);
    if (failed) {
        judge_prefix_error(err, "judge call failed: ");
        return NULL;
    }
    if (!answer) {
        buf_t q;
        buf_init(&q);
        quote_answer(&q, text);
        err_set(err, 502, "judge_malformed", NULL,
                "the judge's answer was not usable after a retry: %s (answer: \"%s\")", why,
                buf_str(&q));
        buf_free(&q);
    }
    free(text);
    return answer;
}

int judge_spec_model(const eval_scorer_t *s, const json_t *spec, int need_embed, const char **model,
                     err_t *err)
{
    if (json_field_string(spec, "model", 1, JUDGE_MODEL_MAX_LEN, model, err) < 0)
        return -1;
    if (!(*model)[0])
        return err_invalid(err, "model", "model must name the judge (an endpoint or a model)");
    if (!s->llm || (need_embed ? !s->llm->embed : !s->llm->chat))
        return err_invalid(err, "scorers",
                           "scorer type %s needs a model, and none is reachable here", s->type);
    return 0;
}

int judge_spec_text(const json_t *spec, const char *field, int required, size_t max_len, char **out,
                    err_t *err)
{
    const char *v = NULL;
    *out = NULL;
    if (json_field_string(spec, field, required, max_len, &v, err) < 0)
        return -1;
    if (v && !v[0])
        return err_invalid(err, field, "%s must not be empty", field);
    if (v)
        *out = xstrdup(v);
    return 0;
}

void judge_section(buf_t *b, const char *title, const char *text)
{
    buf_printf(b, "## %s\n%s\n\n", title, text);
}

char *judge_expected_text(const eval_sample_t *sample)
{
    const json_t *e = sample->expected;
    if (!e || json_is_null(e))
        return NULL;
    if (json_is_string(e))
        return xstrdup(json_string_value(e));
    return json_to_string(e);
}

static const char *passage_text(const json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    const char *t = json_string_value(json_object_get(v, "text"));
    return t ? t : json_string_value(json_object_get(v, "content"));
}

int judge_passages(const eval_sample_t *sample, const char ***passages, err_t *err)
{
    const json_t *c = sample->context;
    *passages = NULL;
    if (!c || json_is_null(c) || (json_is_string(c) && json_string_length(c) == 0) ||
        (json_is_array(c) && json_array_size(c) == 0))
        return err_invalid(err, "context",
                           "the row has no retrieved context (column \"context\": a string or "
                           "an array of strings)");
    if (json_is_string(c)) {
        *passages = xmalloc(sizeof **passages);
        (*passages)[0] = json_string_value(c);
        return 1;
    }
    if (!json_is_array(c))
        return err_invalid(err, "context",
                           "context must be a string or an array of strings (or of objects "
                           "with a \"text\")");
    size_t n = json_array_size(c);
    const char **list = xcalloc(n, sizeof *list);
    for (size_t i = 0; i < n; i++) {
        list[i] = passage_text(json_array_get(c, i));
        if (!list[i]) {
            free(list);
            return err_invalid(err, "context",
                               "context[%zu] is neither a string nor an object with a \"text\"", i);
        }
    }
    *passages = list;
    return (int)n;
}
