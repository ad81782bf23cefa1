/* server.h - the HTTP server: libmicrohttpd with an epoll worker pool in front of
 * http_dispatch(), with the limits, access log and graceful shutdown a production server needs.
 *
 * Limits (from config_t): request bodies over max-body-bytes get 413 before they are read;
 * request lines and headers over max-header-bytes get 431 (from libmicrohttpd); at most
 * max-connections are open at once (further ones wait in the listen backlog); a connection
 * silent for idle-timeout seconds is closed; a request not fully received request-timeout
 * seconds after it began is cut off (its connection is closed), so slow senders cannot hold
 * workers. */
#ifndef LLMOPS_HTTP_SERVER_H
#define LLMOPS_HTTP_SERVER_H

#include "core/app.h"
#include "http/router.h"

typedef struct server server_t;

/* Start listening on app->cfg.host:port. Returns NULL with err when the address cannot be
 * bound. The router and app are borrowed and must outlive the server. */
server_t *server_start(app_t *app, const router_t *router, err_t *err);
/* The port actually bound (useful with --port 0). */
int server_port(const server_t *s);
/* Stop accepting, let in-flight requests finish for up to shutdown-timeout seconds, then stop
 * and free the server. Returns the number of requests still in flight when it gave up. */
int server_stop(server_t *s);

/* Run a server until SIGTERM or SIGINT, then stop it gracefully. Returns the process exit code. */
int server_run(app_t *app, const router_t *router);

#endif
