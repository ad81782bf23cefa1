/* content.h - what one prompt version holds, checked: either a text template or a list of chat
 * messages whose contents are templates, the variables those templates read, and an optional
 * model configuration. Also the canonical text forms that diffs compare.
 *
 * Every template is compiled when a version is created, so a version with a syntax error is
 * never stored; the error keeps the template engine's code ("template_syntax") and line:column
 * message and names the field at fault ("template", "messages[2].content"). */
#ifndef LLMOPS_PROMPTS_CONTENT_H
#define LLMOPS_PROMPTS_CONTENT_H

#include <jansson.h>

#include "base/error.h"
#include "template/template.h"

#define PROMPT_MAX_MESSAGES 256
#define PROMPT_MAX_STOP     16

/* The chat roles a message may have. A closed list catches typos ("asistant") at creation
 * rather than at the provider: system, developer (OpenAI's newer name for system), user,
 * assistant, tool. */
int prompt_role_valid(const char *role);

typedef struct prompt_content {
    char *template;       /* the text template, or NULL for a chat prompt; owned */
    json_t *messages;     /* [{"role","content"}...] for a chat prompt, or NULL; owned */
    json_t *variables;    /* ["name", ...]: every template's variables, in order of first use */
    json_t *model_config; /* an object, or NULL when there is none; owned */
} prompt_content_t;

/* Check and compile the parts of a version given as JSON values (each may be NULL when absent;
 * model_config may also be JSON null). Exactly one of template and messages must be given.
 * On success fills out (free with prompt_content_free) and returns 0; on failure returns -1
 * with err (400) and out left empty. */
int prompt_content_parse(const json_t *template_json, const json_t *messages,
                         const json_t *model_config, prompt_content_t *out, err_t *err);
void prompt_content_free(prompt_content_t *c);

/* Check the known keys of a model configuration (provider, model: non-empty strings;
 * temperature: 0-2; max_tokens: integer > 0; top_p: 0-1; stop: a string or a list of at most
 * PROMPT_MAX_STOP strings; response_format: an object with a string "type"). Other keys are
 * kept verbatim. Errors name the field as "model_config.temperature". */
int prompt_model_config_check(const json_t *config, err_t *err);

/* Compile one template; a syntax error names `field` (and, for a message, starts its message
 * with it). NULL with err on failure. */
template_t *prompt_template_compile(const char *source, const char *field, err_t *err);

/* Put "prefix: " in front of err's message (cutting its end if it no longer fits). */
void prompt_err_prefix(err_t *err, const char *prefix);

/* The text a diff compares for a version: the template itself, or for chat prompts one block
 * per message, "### role\n" then the content (with a '\n' added when it lacks one). Caller
 * frees. */
char *prompt_content_text(const char *template_text, const json_t *messages);

/* The model configuration as a diff compares it: JSON with sorted keys and a 2-space indent,
 * numbers in their shortest exact form, and a final newline; "" when config is NULL or null.
 * Caller frees. */
char *prompt_model_config_text(const json_t *config);

#endif
