/* routes.h - the full route table: each service's HTTP mapping registers itself here.
 *
 * One file per service (routes_<service>.c) maps its URLs to service calls; routes_build()
 * puts them all into one router used by both the server and the in-process CLI. */
#ifndef LLMOPS_HTTP_ROUTES_H
#define LLMOPS_HTTP_ROUTES_H

#include "http/router.h"

router_t *routes_build(void);

void routes_system_register(router_t *r);
void routes_lineage_register(router_t *r);
void routes_mlflow_tracking_register(router_t *r);
void routes_mlflow_artifacts_register(router_t *r);
void routes_tracking_register(router_t *r);
void routes_mlflow_registry_register(router_t *r);
void routes_registry_register(router_t *r);
void routes_prompts_register(router_t *r);
void routes_openai_register(router_t *r);
void routes_traces_register(router_t *r);
void routes_gateway_admin_register(router_t *r);
void routes_langfuse_register(router_t *r);
void routes_otlp_register(router_t *r);
void routes_feedback_register(router_t *r);
void routes_alerts_register(router_t *r);
void routes_retention_register(router_t *r);
void routes_monitor_register(router_t *r);
void routes_datasets_register(router_t *r);
void routes_web_register(router_t *r);
void routes_eval_register(router_t *r);

#endif
