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

#endif
