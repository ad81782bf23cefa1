/* error.c - filling err_t values (see error.h). */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not one: the rules
 * jansson applies (no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xC2 && s[0] <= 0xDF   ? 2
                 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                                : 0;
    if (!len || len > n)
        return 0;
    unsigned cp = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* 1 when s[0..n) is the start of a character cut by the end of the text: a lead byte that
 * needs more bytes than are left, followed only by continuation bytes. */
static int cut_at_end(const unsigned char *s, size_t n)
{
    size_t need = s[0] >= 0xC2 && s[0] <= 0xDF   ? 2
                  : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                  : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                                 : 0;
    if (!need || need <= n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return 1;
}

/* Messages often quote the input (a parser's complaint, a bad value) and are cut to fit: they
 * may hold invalid bytes or end inside a character. Every error ends up in a JSON body, and
 * jansson refuses such strings, so each invalid byte becomes '?' and a cut character is
 * dropped. */
static void make_utf8(char *text)
{
    unsigned char *s = (unsigned char *)text;
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_sequence(s + i, n - i);
        if (len) {
            i += len;
        } else if (cut_at_end(s + i, n - i)) {
            s[i] = '\0';
            break;
        } else {
            s[i++] = '?';
        }
    }
}

int err_vset(err_t *err, int status, const char *code, const char *field, const char *fmt,
             va_list ap)
{
    if (!err)
        return -1;
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code ? code : "internal");
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    make_utf8(err->message);
    make_utf8(err->field);
    return -1;
}

int err_set(err_t *err, int status, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, status, code, field, fmt, ap);
    va_end(ap);
    return -1;
}

void err_clear(err_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}
