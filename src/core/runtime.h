/* runtime.h - what `llmops server` runs besides the HTTP server: the trace writer, the
 * gateway's configuration snapshot and the gateway itself.
 *
 * They start after the store is open and before the server listens, and stop after the
 * server has stopped taking requests, in reverse order, so that the traces of the last
 * requests are written. The CLI working in-process starts none of them. */
#ifndef LLMOPS_CORE_RUNTIME_H
#define LLMOPS_CORE_RUNTIME_H

#include "base/error.h"
#include "core/app.h"

int runtime_start(app_t *app, err_t *err);
void runtime_stop(app_t *app);

/* The gateway, for a service that calls it in-process (evaluations, the judge scorers, the
 * vector store's OpenAI-compatible embedder): app->gateway when this process runs one; in the
 * in-process CLI, the runtime's gateway half (trace writer, configuration, gateway; not the
 * alerts and retention scheduler) is started here once (this thread keeps its signal mask, so
 * Ctrl-C still stops the command) and app_close stops it. NULL with err when it cannot start. */
struct gateway *runtime_gateway(app_t *app, err_t *err);

#endif
