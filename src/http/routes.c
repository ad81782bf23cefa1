/* routes.c - assembles the route table from every service's routes file (see routes.h). */
#include "http/routes.h"

router_t *routes_build(void)
{
    router_t *r = router_new();
    routes_system_register(r);
    routes_lineage_register(r);
    routes_mlflow_tracking_register(r);
    routes_mlflow_artifacts_register(r);
    routes_tracking_register(r);
    routes_mlflow_registry_register(r);
    routes_registry_register(r);
    routes_prompts_register(r);
    routes_openai_register(r);
    routes_traces_register(r);
    routes_gateway_admin_register(r);
    routes_langfuse_register(r);
    routes_otlp_register(r);
    routes_feedback_register(r);
    routes_alerts_register(r);
    routes_retention_register(r);
    routes_monitor_register(r);
    routes_datasets_register(r);
    routes_web_register(r);
    routes_eval_register(r);
    return r;
}
