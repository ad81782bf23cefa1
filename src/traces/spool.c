/* spool.c - segment files of the trace spool: naming, writing with fsync, and a reader that
 * survives torn and damaged lines (see spool.h).
 *
 * The checksum is CRC-32 (IEEE, the zlib/PNG polynomial), computed here with a small table:
 * it is a dozen lines, and pulling zlib in as a direct dependency for it is not worth it. */
#include "traces/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/buf.h"

#define SEGMENT_SUFFIX ".seg"

/* The line checksum: zlib's CRC-32 (IEEE), enough to tell a torn or damaged line. */
static uint32_t crc32_of(const char *data, size_t len)
{
    return (uint32_t)crc32(0L, (const Bytef *)data, (uInt)len);
}

/* ---- the directory ------------------------------------------------------------------------------
 */

int spool_dir_create(const char *dir, err_t *err)
{
    char tmp[1024];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp || !tmp[0])
        return err_invalid(err, "trace-spool-dir", "the spool directory path is empty or too long");
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return err_internal(err, "cannot create directory %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return err_internal(err, "cannot create spool directory %s: %s", tmp, strerror(errno));
    return 0;
}

void spool_segment_path(const char *dir, uint64_t seq, char *out, size_t size)
{
    snprintf(out, size, "%s/%018" PRIu64 SEGMENT_SUFFIX, dir, seq);
}

/* "000000000000000042.seg" -> 42; 0 for anything else. */
static int segment_seq(const char *name, uint64_t *seq)
{
    size_t len = strlen(name);
    if (len != 18 + strlen(SEGMENT_SUFFIX) || strcmp(name + 18, SEGMENT_SUFFIX) != 0)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < 18; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    *seq = v;
    return 1;
}

static int cmp_seq(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int spool_list(const char *dir, uint64_t **seqs, size_t *n, err_t *err)
{
    *seqs = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return err_internal(err, "cannot read spool directory %s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t seq;
        if (!segment_seq(e->d_name, &seq))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *seqs = xrealloc(*seqs, cap * sizeof **seqs);
        }
        (*seqs)[(*n)++] = seq;
    }
    closedir(d);
    if (*n > 1)
        qsort(*seqs, *n, sizeof **seqs, cmp_seq);
    return 0;
}

/* fsync a directory, so that a file created or removed in it stays so after a crash. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int spool_remove(const char *dir, uint64_t seq, err_t *err)
{
    char path[1100];
    spool_segment_path(dir, seq, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return err_internal(err, "cannot remove spool segment %s: %s", path, strerror(errno));
    sync_dir(dir);
    return 0;
}

/* ---- writing ------------------------------------------------------------------------------------
 */

struct spool_writer {
    int fd;
    uint64_t seq;
    size_t synced_bytes, records;
    buf_t pending; /* appended, not yet written */
};

/* write() all of it, across short writes and signals. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

spool_writer_t *spool_writer_open(const char *dir, uint64_t seq, err_t *err)
{
    char path[1100];
    spool_segment_path(dir, seq, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        err_internal(err, "cannot create spool segment %s: %s", path, strerror(errno));
        return NULL;
    }
    if (write_all(fd, SPOOL_MAGIC, strlen(SPOOL_MAGIC)) != 0 || fdatasync(fd) != 0) {
        err_internal(err, "cannot write spool segment %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return NULL;
    }
    sync_dir(dir);
    spool_writer_t *w = xcalloc(1, sizeof *w);
    w->fd = fd;
    w->seq = seq;
    w->synced_bytes = strlen(SPOOL_MAGIC);
    buf_init(&w->pending);
    return w;
}

void spool_format_record(const char *json, size_t len, char **out, size_t *out_len)
{
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "%08" PRIx32 " %zu ", crc32_of(json, len), len);
    buf_append(&b, json, len);
    buf_append_char(&b, '\n');
    *out_len = b.len;
    *out = buf_steal(&b);
}

void spool_writer_append(spool_writer_t *w, const char *json, size_t len)
{
    buf_printf(&w->pending, "%08" PRIx32 " %zu ", crc32_of(json, len), len);
    buf_append(&w->pending, json, len);
    buf_append_char(&w->pending, '\n');
    w->records++;
}

int spool_writer_sync(spool_writer_t *w, err_t *err)
{
    if (w->pending.len == 0)
        return 0;
    if (write_all(w->fd, w->pending.data, w->pending.len) != 0 || fdatasync(w->fd) != 0) {
        /* A partial write leaves a torn line that the reader skips; a retry appends the whole
         * buffer again after it. */
        return err_unavailable(err, "cannot write the trace spool (segment %" PRIu64 "): %s",
                               w->seq, strerror(errno));
    }
    w->synced_bytes += w->pending.len;
    buf_reset(&w->pending);
    return 0;
}

int spool_writer_reset(spool_writer_t *w, err_t *err)
{
    size_t magic = strlen(SPOOL_MAGIC);
    if (ftruncate(w->fd, (off_t)magic) != 0 || fdatasync(w->fd) != 0)
        return err_unavailable(err, "cannot truncate the trace spool (segment %" PRIu64 "): %s",
                               w->seq, strerror(errno));
    w->synced_bytes = magic;
    w->records = 0;
    buf_reset(&w->pending);
    return 0;
}

uint64_t spool_writer_seq(const spool_writer_t *w)
{
    return w->seq;
}

size_t spool_writer_bytes(const spool_writer_t *w)
{
    return w->synced_bytes + w->pending.len;
}

size_t spool_writer_records(const spool_writer_t *w)
{
    return w->records;
}

void spool_writer_close(spool_writer_t *w)
{
    if (!w)
        return;
    close(w->fd);
    buf_free(&w->pending);
    free(w);
}

/* ---- reading ------------------------------------------------------------------------------------
 */

/* Parse "<8 hex> <decimal> " at the start of a line; returns the header length, or 0. */
static size_t parse_line_header(const char *p, size_t n, uint32_t *crc, size_t *len)
{
    if (n < 11)
        return 0;
    uint32_t c = 0;
    for (size_t i = 0; i < 8; i++) {
        char ch = p[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0)
            return 0;
        c = c << 4 | (uint32_t)v;
    }
    if (p[8] != ' ')
        return 0;
    size_t i = 9, l = 0;
    for (; i < n && i < 9 + 12 && p[i] >= '0' && p[i] <= '9'; i++)
        l = l * 10 + (size_t)(p[i] - '0');
    if (i == 9 || i >= n || p[i] != ' ')
        return 0;
    *crc = c;
    *len = l;
    return i + 1;
}

int spool_parse(const char *data, size_t len, spool_record_fn fn, void *ctx, spool_scan_t *scan)
{
    memset(scan, 0, sizeof *scan);
    size_t magic = strlen(SPOOL_MAGIC);
    if (len < magic || memcmp(data, SPOOL_MAGIC, magic) != 0) {
        /* A header cut short is a crash while the segment was created: nothing lost. */
        if (len > 0 && len < magic && memcmp(data, SPOOL_MAGIC, len) == 0)
            scan->torn_tail = 1;
        else if (len > 0)
            scan->bad_header = 1, scan->skipped = 1;
        return 0;
    }
    size_t pos = magic;
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        if (!nl) {
            scan->torn_tail = 1;
            scan->skipped++;
            break;
        }
        size_t n = (size_t)(nl - line);
        pos += n + 1;
        uint32_t crc;
        size_t json_len;
        size_t h = parse_line_header(line, n, &crc, &json_len);
        if (h == 0 || n - h != json_len || crc32_of(line + h, json_len) != crc) {
            scan->skipped++;
            continue;
        }
        json_t *rec = json_loadb(line + h, json_len, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(rec)) {
            json_decref(rec);
            scan->skipped++;
            continue;
        }
        scan->records++;
        int stop = fn ? fn(rec, ctx) : 0;
        json_decref(rec);
        if (stop)
            return stop;
    }
    return 0;
}

int spool_read(const char *dir, uint64_t seq, spool_record_fn fn, void *ctx, spool_scan_t *scan,
               err_t *err)
{
    char path[1100];
    spool_segment_path(dir, seq, path, sizeof path);
    memset(scan, 0, sizeof *scan);
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_internal(err, "cannot open spool segment %s: %s", path, strerror(errno));
    buf_t b;
    buf_init(&b);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, got);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        buf_free(&b);
        return err_internal(err, "cannot read spool segment %s", path);
    }
    int rc = spool_parse(b.data ? b.data : "", b.len, fn, ctx, scan);
    buf_free(&b);
    return rc;
}
