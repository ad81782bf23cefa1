/* request_build.h - the body one target receives: the client's request with the target's
 * upstream model, the target's params laid over it, and a prompt-backed target's rendered
 * prompt put in front of the client's messages. */
#ifndef LLMOPS_GATEWAY_REQUEST_BUILD_H
#define LLMOPS_GATEWAY_REQUEST_BUILD_H

#include <jansson.h>

#include "base/error.h"
#include "gateway/gateway_config.h"
#include "providers/provider.h"

/* body: the client's request without the llmops extension (not modified). vars: the request's
 * llmops.variables (object or NULL). Returns a new object, or NULL with err (400: a template
 * failed to render, e.g. a variable is missing; the message names it). */
json_t *gw_request_build(const gw_target_t *t, provider_op_t op, const json_t *body,
                         const json_t *vars, err_t *err);

#endif
