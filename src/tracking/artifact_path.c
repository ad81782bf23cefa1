/* artifact_path.c - artifact path rules (see artifact_path.h). The path is split on '/', each
 * segment checked, and the accepted segments joined again: the output never holds "." or
 * ".." and always reads as the same file it names. */
#include "tracking/artifact_path.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

int artifact_path_normalize(const char *path, size_t len, int allow_root, const char *field,
                            char **out, err_t *err)
{
    *out = NULL;
    if (!path)
        len = 0;
    if (len > ARTIFACT_PATH_MAX)
        return err_invalid(err, field, "artifact path is longer than %d bytes", ARTIFACT_PATH_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)path[i];
        if (ch == '\0')
            return err_invalid(err, field, "artifact path contains a NUL byte");
        if (ch == '\\')
            return err_invalid(err, field, "artifact path contains a backslash");
        if (ch < 0x20 || ch == 0x7f)
            return err_invalid(err, field, "artifact path contains a control character");
    }
    if (len > 0 && path[0] == '/')
        return err_invalid(err, field, "artifact path must be relative, not absolute");
    if (allow_root && len > 0 && path[len - 1] == '/')
        len--; /* "dir/" names the directory "dir" */

    buf_t norm;
    buf_init(&norm);
    size_t start = 0;
    while (len > 0 && start <= len) {
        const char *seg = path + start;
        const char *slash = memchr(seg, '/', len - start);
        size_t n = slash ? (size_t)(slash - seg) : len - start;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            buf_free(&norm);
            return err_invalid(err, field, "artifact path must not contain '..'");
        }
        if (n == 0) {
            buf_free(&norm);
            return err_invalid(err, field, "artifact path has an empty segment");
        }
        if (n > ARTIFACT_SEGMENT_MAX) {
            buf_free(&norm);
            return err_invalid(err, field, "artifact path has a segment longer than %d bytes",
                               ARTIFACT_SEGMENT_MAX);
        }
        if (!(n == 1 && seg[0] == '.')) {
            if (norm.len)
                buf_append_char(&norm, '/');
            buf_append(&norm, seg, n);
        }
        start += n + 1;
    }
    if (!allow_root && norm.len == 0) {
        buf_free(&norm);
        return err_invalid(err, field, "artifact path must name a file");
    }
    *out = buf_steal(&norm);
    return 0;
}
