/* buf.h - a growable byte buffer, always NUL-terminated so it can be used as a C string.
 *
 * Used for request bodies, SQL rewriting and anything assembled piece by piece. Allocation
 * failure aborts: this is a server whose memory is bounded by explicit limits, and every caller
 * checking for malloc failure of a few bytes would bury the logic. */
#ifndef LLMOPS_BASE_BUF_H
#define LLMOPS_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* NUL-terminated; NULL until first append */
    size_t len;
    size_t cap;
} buf_t;

void buf_init(buf_t *b);
void buf_free(buf_t *b);
void buf_reset(buf_t *b); /* len = 0, keep memory */
/* Make room for extra more bytes, so that appends up to that size do not reallocate. */
void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *data, size_t len);
void buf_append_str(buf_t *b, const char *s);
void buf_append_char(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Take ownership of the bytes (caller frees); the buffer is left empty. Never NULL. */
char *buf_steal(buf_t *b);
/* The contents as a string: "" when nothing was appended. Borrowed. */
const char *buf_str(const buf_t *b);

/* Allocation helpers that abort on exhaustion (see above). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
