/* sse.c - incremental server-sent-events parser (see sse.h). Follows the WHATWG event-stream
 * rules: lines end in "\n", "\r\n" or "\r"; "field: value" strips one space after the colon;
 * data lines accumulate; a blank line dispatches an event that has data. */
#include "providers/sse.h"

#include <string.h>

void sse_init(sse_parser_t *p)
{
    memset(p, 0, sizeof *p);
    buf_init(&p->line);
    buf_init(&p->event);
    buf_init(&p->data);
}

void sse_free(sse_parser_t *p)
{
    buf_free(&p->line);
    buf_free(&p->event);
    buf_free(&p->data);
}

int sse_pending(const sse_parser_t *p)
{
    return p->line.len > 0 || p->any_fields;
}

/* One complete line (without its terminator). Returns 0, or -1 to stop. */
static int process_line(sse_parser_t *p, const char *line, size_t len, sse_event_fn fn, void *ctx,
                        err_t *err)
{
    if (len == 0) {
        int rc = 0;
        if (p->has_data)
            rc = fn(ctx, buf_str(&p->event), buf_str(&p->data), p->data.len);
        buf_reset(&p->event);
        buf_reset(&p->data);
        if (p->event.data)
            p->event.data[0] = '\0';
        if (p->data.data)
            p->data.data[0] = '\0';
        p->has_data = 0;
        p->any_fields = 0;
        return rc;
    }
    if (line[0] == ':')
        return 0; /* comment (keep-alives) */
    const char *colon = memchr(line, ':', len);
    size_t name_len = colon ? (size_t)(colon - line) : len;
    const char *value = colon ? colon + 1 : line + len;
    size_t value_len = (size_t)(line + len - value);
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }
    p->any_fields = 1;
    if (name_len == 4 && memcmp(line, "data", 4) == 0) {
        if (p->data.len + value_len + 1 > SSE_MAX_EVENT)
            return err_set(err, 502, "bad_upstream_response", NULL,
                           "upstream event stream: an event is longer than %u bytes",
                           SSE_MAX_EVENT);
        if (p->has_data)
            buf_append_char(&p->data, '\n');
        buf_append(&p->data, value, value_len);
        p->has_data = 1;
    } else if (name_len == 5 && memcmp(line, "event", 5) == 0) {
        buf_reset(&p->event);
        buf_append(&p->event, value, value_len);
    }
    /* "id", "retry" and unknown fields mean nothing to a relay. */
    return 0;
}

int sse_feed(sse_parser_t *p, const char *data, size_t len, sse_event_fn fn, void *ctx, err_t *err)
{
    size_t i = 0;
    if (len > 0 && p->skip_lf) {
        p->skip_lf = 0;
        if (data[0] == '\n')
            i = 1;
    }
    while (i < len) {
        /* Find the end of the line in this piece. */
        size_t j = i;
        while (j < len && data[j] != '\n' && data[j] != '\r')
            j++;
        if (p->line.len + (j - i) > SSE_MAX_LINE)
            return err_set(err, 502, "bad_upstream_response", NULL,
                           "upstream event stream: a line is longer than %u bytes", SSE_MAX_LINE);
        if (j == len) { /* no terminator yet: keep the partial line */
            buf_append(&p->line, data + i, j - i);
            break;
        }
        int rc;
        if (p->line.len > 0) {
            buf_append(&p->line, data + i, j - i);
            rc = process_line(p, p->line.data, p->line.len, fn, ctx, err);
            buf_reset(&p->line);
        } else {
            /* The whole line is in this piece: no copy. */
            rc = process_line(p, data + i, j - i, fn, ctx, err);
        }
        if (rc != 0)
            return -1;
        if (data[j] == '\r') {
            if (j + 1 < len) {
                if (data[j + 1] == '\n')
                    j++;
            } else {
                p->skip_lf = 1;
            }
        }
        i = j + 1;
    }
    return 0;
}
