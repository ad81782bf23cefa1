/* sse.h - an incremental parser for server-sent events (the text/event-stream format).
 *
 * Bytes are fed as they arrive from the network, split anywhere (even inside a "\r\n"); each
 * complete event (ended by a blank line) is handed to a callback with its "event" name and its
 * data lines joined by "\n". Comment lines (":...") and "id"/"retry" fields are skipped. Lines
 * and events are bounded so a misbehaving upstream cannot grow memory without limit. */
#ifndef LLMOPS_PROVIDERS_SSE_H
#define LLMOPS_PROVIDERS_SSE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

/* Bound on one line and on one event's data (bytes). */
#define SSE_MAX_LINE  (1u << 20)
#define SSE_MAX_EVENT (4u << 20)

typedef struct sse_parser {
    buf_t line;     /* the line being read */
    buf_t event;    /* the "event:" name of the event being read */
    buf_t data;     /* its data lines joined by "\n" */
    int has_data;   /* at least one data line was read */
    int skip_lf;    /* the last byte was "\r": a "\n" right after it ends nothing more */
    int any_fields; /* the event being read has at least one field (data, event, ...) */
} sse_parser_t;

/* Called once per complete event; data is NUL-terminated (len excludes the NUL). event is ""
 * when the event had no "event:" field. Return 0 to go on, -1 to stop feeding (the feed then
 * returns -1 and the callback is expected to have filled err). */
typedef int (*sse_event_fn)(void *ctx, const char *event, const char *data, size_t len);

void sse_init(sse_parser_t *p);
void sse_free(sse_parser_t *p);
/* Feed bytes. -1 with err (502 "bad_upstream_response") when a line or event is over its bound,
 * or when fn returned -1 (err is then left to fn). */
int sse_feed(sse_parser_t *p, const char *data, size_t len, sse_event_fn fn, void *ctx, err_t *err);
/* 1 when bytes of an unfinished event (or line) are pending: the stream was cut mid-event. */
int sse_pending(const sse_parser_t *p);

#endif
