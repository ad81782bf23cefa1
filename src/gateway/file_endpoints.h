/* file_endpoints.h - endpoints declared in the server's YAML config file.
 *
 * The file given by --config may hold, next to its options, a list of endpoint specs in the
 * same shape the admin API takes (endpoints.h):
 *
 *   endpoints:
 *     - name: chat
 *       targets:
 *         - {provider: openai, model: gpt-4o-mini, weight: 90}
 *         - {model_ref: support-bot@candidate, weight: 10}
 *
 * Such endpoints are part of the deployment: the API lists them with "source": "config" and
 * refuses to change them (409). */
#ifndef LLMOPS_GATEWAY_FILE_ENDPOINTS_H
#define LLMOPS_GATEWAY_FILE_ENDPOINTS_H

#include <jansson.h>

#include "base/error.h"

/* Read the `endpoints` list of the YAML file at path into *out, a JSON array of validated
 * specs (empty when the file has no `endpoints`; caller decrefs). Plain scalars become
 * numbers, true/false and null as YAML spells them; quoted ones stay strings. Returns 0, or
 * -1 with err (400) naming the file, the endpoint and the field, e.g.
 * "llmops.yaml: endpoints[1] (chat): targets[0].weight: ...", err->field being the field. */
int gateway_file_endpoints(const char *path, json_t **out, err_t *err);

#endif
