/* error.h - the error value every fallible call fills in.
 *
 * A function that can fail returns -1 (or NULL) and fills an err_t owned by the caller. The
 * error carries what a client needs to see: an HTTP-ish status, a stable machine code such as
 * "not_found", the offending field when there is one, and a human message. Services set these;
 * the HTTP layer turns them into {"error":{...}} bodies and the CLI prints the message. */
#ifndef LLMOPS_BASE_ERROR_H
#define LLMOPS_BASE_ERROR_H

#include <stdarg.h>

typedef struct err {
    int status;        /* HTTP status the condition maps to: 400, 404, 409, 500, 503... */
    char code[40];     /* stable identifier: "invalid_argument", "not_found", ... */
    char field[96];    /* the request field at fault, or "" */
    char message[512]; /* for people */
} err_t;

/* Fill err (which may be NULL: then nothing happens). Always returns -1 so callers can write
 * `return err_set(err, ...);`. */
int err_set(err_t *err, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int err_vset(err_t *err, int status, const char *code, const char *field, const char *fmt,
             va_list ap) __attribute__((format(printf, 5, 0)));

/* Shorthands for the common kinds. */
#define err_invalid(e, field, ...) err_set((e), 400, "invalid_argument", (field), __VA_ARGS__)
#define err_not_found(e, ...)      err_set((e), 404, "not_found", NULL, __VA_ARGS__)
#define err_conflict(e, ...)       err_set((e), 409, "conflict", NULL, __VA_ARGS__)
#define err_internal(e, ...)       err_set((e), 500, "internal", NULL, __VA_ARGS__)
#define err_unavailable(e, ...)    err_set((e), 503, "unavailable", NULL, __VA_ARGS__)

void err_clear(err_t *err);

#endif
