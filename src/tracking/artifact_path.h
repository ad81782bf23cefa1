/* artifact_path.h - normalising and confining artifact paths.
 *
 * An artifact path is relative to a run's artifact root and must stay inside it. The rules:
 * no NUL byte, no backslash, no control character, not absolute, no ".." segment; "." segments
 * are dropped; what remains must not have an empty segment ("a//b", "a/"); at most 1024 bytes
 * and 255 per segment. Anything else is 400 invalid_argument naming the field, and nothing is
 * stored. */
#ifndef LLMOPS_TRACKING_ARTIFACT_PATH_H
#define LLMOPS_TRACKING_ARTIFACT_PATH_H

#include <stddef.h>

#include "base/error.h"

#define ARTIFACT_PATH_MAX    1024
#define ARTIFACT_SEGMENT_MAX 255

/* Normalise len bytes of path into *out (caller frees). With allow_root, an empty path, "."
 * or a single trailing '/' name a directory ("" for the root); without it the result must name
 * a file (non-empty). field names the request field in errors. */
int artifact_path_normalize(const char *path, size_t len, int allow_root, const char *field,
                            char **out, err_t *err);

#endif
