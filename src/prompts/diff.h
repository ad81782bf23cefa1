/* diff.h - a line diff in unified format (what `diff -u` prints), for comparing prompt versions.
 *
 * The edit script is a shortest one (Myers' O(ND) algorithm in its linear-space, divide-and-
 * conquer form), so the output matches what people expect from diff(1) and git. Inputs are
 * bounded in lines: beyond DIFF_MAX_LINES on either side the call fails with a 400 instead of
 * spending seconds of CPU on one request. */
#ifndef LLMOPS_PROMPTS_DIFF_H
#define LLMOPS_PROMPTS_DIFF_H

#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"

#define DIFF_MAX_LINES       10000
#define DIFF_DEFAULT_CONTEXT 3

/* Append to out the unified diff turning old_text into new_text (lengths in bytes; neither
 * need be NUL-terminated), with "--- old_label" / "+++ new_label" headers and @@ hunks carrying
 * `context` unchanged lines around each change (hunks closer than 2 * context merge). Nothing
 * is appended when the texts are equal. A last line without '\n' is followed by
 * "\ No newline at end of file", as diff(1) does. Returns 0, or -1 with err (400
 * "diff_too_large") when either side has more than DIFF_MAX_LINES lines. */
int diff_unified(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                 const char *old_label, const char *new_label, int context, buf_t *out, err_t *err);

#endif
