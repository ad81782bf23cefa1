/* registry_validate.h - the model registry's input rules, in one place so that the MLflow
 * routes, llmops' own API and the CLI all refuse the same things with the same words.
 *
 * Limits follow MLflow's (mlflow/utils/validation.py and its SQL schema): names and tag keys
 * up to 250 characters, tag values and descriptions up to 5000, aliases up to 255, sources and
 * run links up to 500. Lengths are counted in characters (Unicode code points), as MLflow's
 * Python len() counts them. Every check returns 0, or -1 with err = 400 invalid_argument naming
 * the field. */
#ifndef LLMOPS_REGISTRY_REGISTRY_VALIDATE_H
#define LLMOPS_REGISTRY_REGISTRY_VALIDATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define REGISTRY_MAX_NAME          250
#define REGISTRY_MAX_TAG_KEY       250
#define REGISTRY_MAX_TAG_VALUE     5000
#define REGISTRY_MAX_DESCRIPTION   5000
#define REGISTRY_MAX_ALIAS         255
#define REGISTRY_MAX_SOURCE        500
#define REGISTRY_MAX_RUN_ID        256
#define REGISTRY_MAX_RUN_LINK      500
#define REGISTRY_MAX_PROVIDER      64
#define REGISTRY_MAX_BASE_URL      2000
#define REGISTRY_MAX_SERVING_PARAM 16384 /* bytes of serving.params as compact JSON */

/* A tag as the services take it (both strings borrowed). */
typedef struct registry_tag {
    const char *key;
    const char *value;
} registry_tag_t;

/* Characters (code points) in a UTF-8 string. */
size_t registry_utf8_length(const char *s);

/* A registered model name: 1-250 characters. field names the request field ("name",
 * "new_name"). */
int registry_check_name(const char *name, const char *field, err_t *err);
/* A name used to look a model up: only non-empty (an over-long name simply names nothing). */
int registry_check_lookup_name(const char *name, err_t *err);
/* A tag key as MLflow allows it: 1-250 characters of letters, digits, '_', '-', '.', ' ', ':'
 * and '/', not a path that normalises to something else ("a//b", "../x", "/x", "x/"). */
int registry_check_tag_key(const char *key, const char *field, err_t *err);
/* A tag value: up to 5000 characters. */
int registry_check_tag_value(const char *value, const char *field, err_t *err);
/* Every tag of a list; fields are reported as "tags[i].key" / "tags[i].value". */
int registry_check_tags(const registry_tag_t *tags, size_t n, err_t *err);
/* An alias: 1-255 characters of letters, digits, '_' and '-'; not "latest" (any case), not
 * version-like ("v1", "V12"), which MLflow reserves. */
int registry_check_alias(const char *alias, err_t *err);
/* A description: NULL or up to 5000 characters. */
int registry_check_description(const char *description, err_t *err);
/* A version source URI: 1-500 characters with no "." or ".." path segment once
 * percent-decoded (MLflow refuses relative references that could reach the server's files). */
int registry_check_source(const char *source, err_t *err);
/* A run id: 1-256 characters, a letter or digit then letters, digits, '_' or '-'. */
int registry_check_run_id(const char *run_id, err_t *err);
/* A run link: up to 500 characters. */
int registry_check_run_link(const char *run_link, err_t *err);

/* A version number as MLflow sends it (a string, "3"; surrounding blanks and a sign allowed,
 * as Python's int() takes them) or as llmops does. -1 with "Parameter 'version' must be an
 * integer, got 'x'." otherwise. */
int registry_parse_version(const char *text, int64_t *out, err_t *err);

/* The llmops serving spec of a version: {"provider", "model", "base_url"?, "params"?}.
 * provider: 1-64 characters of letters, digits, '_', '-', '.'; model: 1-250 characters;
 * base_url: an http:// or https:// URL up to 2000 characters; params: an object (at most
 * 16 KiB as JSON). Unknown keys are refused, so a misspelt field is not silently dropped.
 * Returns a new normalised object (caller owns), or NULL with err naming "serving.<field>". */
json_t *registry_serving_normalize(const json_t *serving, err_t *err);

#endif
