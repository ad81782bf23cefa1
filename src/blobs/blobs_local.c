/* blobs_local.c - the local-directory backend of the blob store.
 *
 * Layout: <root>/ab/cdef... where "ab" is the first two hex characters of the id (so no
 * directory grows to millions of entries) and the file name is the other 62. A writer streams
 * into a private file under <root>/tmp/ (mkstemp); commit fsyncs it, renames it into place and
 * fsyncs the directory, so after a crash a blob is either complete under its name or absent.
 * When the blob already exists the temporary file is discarded: same name, same bytes.
 * Temporary files left by a crash are swept when the store is opened, once they are a day old
 * (younger ones may belong to another process sharing the directory). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "blobs/blobs_backend.h"

#define LOCAL_TMP_PREFIX    "blob-"
#define LOCAL_STALE_SECONDS (24 * 60 * 60)
#define LOCAL_READ_CHUNK    (64 * 1024)

typedef struct local {
    char *root;
    char *tmpdir;
} local_t;

typedef struct local_sink {
    int fd;
    char *path; /* the temporary file */
} local_sink_t;

/* ---- file helpers -------------------------------------------------------------------------- */

/* mkdir -p: create every missing directory of path (0755). 0 or -1 with errno set. */
static int local_mkdir_p(const char *path)
{
    char *tmp = xstrdup(path);
    int rc = 0;
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (rc == 0) {
        struct stat st;
        if (stat(tmp, &st) != 0)
            rc = -1;
        else if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
    }
    int saved_errno = errno;
    free(tmp);
    errno = saved_errno;
    return rc;
}

/* write(2) until everything is written, across short writes and signals. */
static int local_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A rename or a new entry is durable only once its directory is fsynced. */
static int local_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved_errno = errno;
    close(fd);
    errno = saved_errno;
    return rc;
}

static char *local_dir_of(const local_t *l, const char *id)
{
    buf_t p;
    buf_init(&p);
    buf_printf(&p, "%s/%.2s", l->root, id);
    return buf_steal(&p);
}

static char *local_path_of(const local_t *l, const char *id)
{
    buf_t p;
    buf_init(&p);
    buf_printf(&p, "%s/%.2s/%s", l->root, id, id + 2);
    return buf_steal(&p);
}

static void local_sweep_tmp(const local_t *l)
{
    DIR *d = opendir(l->tmpdir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, LOCAL_TMP_PREFIX, strlen(LOCAL_TMP_PREFIX)) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (now - st.st_mtime > LOCAL_STALE_SECONDS)
            unlinkat(dirfd(d), e->d_name, 0); /* best effort: a leftover only costs space */
    }
    closedir(d);
}

/* ---- writers ------------------------------------------------------------------------------- */

static void local_sink_free(local_sink_t *sink)
{
    if (sink->fd >= 0)
        close(sink->fd);
    free(sink->path);
    free(sink);
}

static int local_sink_open(blobs_t *b, void **out, err_t *err)
{
    const local_t *l = b->impl;
    local_sink_t *sink = xcalloc(1, sizeof *sink);
    buf_t p;
    buf_init(&p);
    buf_printf(&p, "%s/" LOCAL_TMP_PREFIX "XXXXXX", l->tmpdir);
    sink->path = buf_steal(&p);
    sink->fd = mkostemp(sink->path, O_CLOEXEC);
    if (sink->fd < 0) {
        err_internal(err, "cannot create a temporary file in %s: %s", l->tmpdir, strerror(errno));
        local_sink_free(sink);
        return -1;
    }
    *out = sink;
    return 0;
}

static int local_sink_write(blobs_t *b, void *s, const void *data, size_t len, err_t *err)
{
    (void)b;
    local_sink_t *sink = s;
    if (local_write_all(sink->fd, data, len) != 0)
        return err_internal(err, "cannot write %s: %s", sink->path, strerror(errno));
    return 0;
}

static void local_sink_abort(blobs_t *b, void *s)
{
    (void)b;
    local_sink_t *sink = s;
    if (!sink)
        return;
    unlink(sink->path);
    local_sink_free(sink);
}

static int local_sink_commit(blobs_t *b, void *s, const char *id, err_t *err)
{
    const local_t *l = b->impl;
    local_sink_t *sink = s;
    char *dir = local_dir_of(l, id);
    char *dest = local_path_of(l, id);
    int rc = -1, created_dir = 0;

    if (fsync(sink->fd) != 0) {
        err_internal(err, "cannot fsync %s: %s", sink->path, strerror(errno));
        goto cleanup;
    }
    int fd = sink->fd;
    sink->fd = -1;
    if (close(fd) != 0) {
        err_internal(err, "cannot close %s: %s", sink->path, strerror(errno));
        goto cleanup;
    }
    if (mkdir(dir, 0755) == 0)
        created_dir = 1;
    else if (errno != EEXIST) {
        err_internal(err, "cannot create %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    struct stat st;
    if (stat(dest, &st) == 0) {
        rc = 0; /* already stored: the bytes are the same by construction */
        goto cleanup;
    }
    if (rename(sink->path, dest) != 0) {
        err_internal(err, "cannot rename %s to %s: %s", sink->path, dest, strerror(errno));
        goto cleanup;
    }
    if (local_fsync_dir(dir) != 0 || (created_dir && local_fsync_dir(l->root) != 0)) {
        err_internal(err, "cannot fsync the directory of %s: %s", dest, strerror(errno));
        goto cleanup;
    }
    rc = 0;

cleanup:
    unlink(sink->path); /* gone already after a successful rename; harmless then */
    local_sink_free(sink);
    free(dir);
    free(dest);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------- */

static int local_get(blobs_t *b, const char *id, buf_t *out, err_t *err)
{
    char *path = local_path_of(b->impl, id);
    char *chunk = NULL;
    int rc = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            err_not_found(err, "blob %s not found", id);
        else
            err_internal(err, "cannot open %s: %s", path, strerror(errno));
        goto cleanup;
    }
    chunk = xmalloc(LOCAL_READ_CHUNK);
    for (;;) {
        ssize_t n = read(fd, chunk, LOCAL_READ_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err_internal(err, "cannot read %s: %s", path, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        buf_append(out, chunk, (size_t)n);
    }
    rc = 0;

cleanup:
    if (fd >= 0)
        close(fd);
    free(chunk);
    free(path);
    return rc;
}

static int local_exists(blobs_t *b, const char *id, int64_t *size, err_t *err)
{
    char *path = local_path_of(b->impl, id);
    struct stat st;
    int rc;
    if (stat(path, &st) == 0) {
        if (size)
            *size = (int64_t)st.st_size;
        rc = 1;
    } else if (errno == ENOENT) {
        rc = 0;
    } else {
        rc = err_internal(err, "cannot stat %s: %s", path, strerror(errno));
    }
    free(path);
    return rc;
}

static void local_close(blobs_t *b)
{
    local_t *l = b->impl;
    if (!l)
        return;
    free(l->root);
    free(l->tmpdir);
    free(l);
    b->impl = NULL;
}

static const blobs_ops_t local_ops = {
    .name = "local",
    .sink_open = local_sink_open,
    .sink_write = local_sink_write,
    .sink_commit = local_sink_commit,
    .sink_abort = local_sink_abort,
    .get = local_get,
    .exists = local_exists,
    .close = local_close,
};

int blobs_open_local(const char *dir, blobs_t **out, err_t *err)
{
    *out = NULL;
    if (!dir || !*dir)
        return err_invalid(err, "blobs", "empty blob directory");
    local_t *l = xcalloc(1, sizeof *l);
    l->root = xstrdup(dir);
    /* "dir/" would give "dir//ab/..." paths: harmless, but trim for tidy messages. */
    size_t n = strlen(l->root);
    while (n > 1 && l->root[n - 1] == '/')
        l->root[--n] = '\0';
    buf_t p;
    buf_init(&p);
    buf_printf(&p, "%s/tmp", l->root);
    l->tmpdir = buf_steal(&p);
    if (local_mkdir_p(l->tmpdir) != 0) {
        err_internal(err, "cannot create %s: %s", l->tmpdir, strerror(errno));
        free(l->root);
        free(l->tmpdir);
        free(l);
        return -1;
    }
    local_sweep_tmp(l);
    *out = blobs_new(&local_ops, l);
    return 0;
}
