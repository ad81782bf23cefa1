/* artifacts.c - run artifacts in the blob store (see artifacts.h).
 *
 * A directory is implied by the files below it, as in object stores: listing a directory
 * selects the paths with its prefix (a range scan on the primary key: "dir/" <= path < "dir0",
 * since '0' follows '/') and folds deeper paths into their first segment. */
#include "tracking/artifacts.h"

#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "tracking/artifact_path.h"
#include "tracking/experiments.h"
#include "tracking/validate.h"

static int run_exists(store_conn_t *c, const char *run_id, int64_t *experiment_id, err_t *err)
{
    store_value_t p = sv_text(run_id ? run_id : "");
    store_rows_t *rows =
        store_query(c, "SELECT experiment_id FROM runs WHERE run_id = ?", &p, 1, err);
    if (!rows)
        return -1;
    int found = store_rows_count(rows) > 0;
    if (found && experiment_id)
        *experiment_id = store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    if (!found)
        return err_not_found(err, "Run with id=%.100s not found", run_id ? run_id : "");
    return 0;
}

/* A file may not sit where a directory is, nor below a file. */
static int check_file_dir_clash(store_conn_t *c, const char *run_id, const char *path, err_t *err)
{
    /* Any ancestor stored as a file? */
    for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
        char *prefix = xstrndup(path, (size_t)(slash - path));
        store_value_t p[] = {sv_text(run_id), sv_text(prefix)};
        store_rows_t *rows =
            store_query(c, "SELECT 1 FROM artifacts WHERE run_id = ? AND path = ?", p, 2, err);
        int clash = rows && store_rows_count(rows) > 0;
        store_rows_free(rows);
        if (!rows) {
            free(prefix);
            return -1;
        }
        if (clash) {
            err_invalid(err, "path", "'%s' is a file, so '%s' cannot be created below it", prefix,
                        path);
            free(prefix);
            return -1;
        }
        free(prefix);
    }
    /* Is path itself a directory? */
    buf_t lo, hi;
    buf_init(&lo);
    buf_init(&hi);
    buf_printf(&lo, "%s/", path);
    buf_printf(&hi, "%s0", path);
    store_value_t p[] = {sv_text(run_id), sv_text(buf_str(&lo)), sv_text(buf_str(&hi))};
    store_rows_t *rows = store_query(
        c, "SELECT 1 FROM artifacts WHERE run_id = ? AND path >= ? AND path < ? LIMIT 1", p, 3,
        err);
    buf_free(&lo);
    buf_free(&hi);
    if (!rows)
        return -1;
    int clash = store_rows_count(rows) > 0;
    store_rows_free(rows);
    if (clash)
        return err_invalid(err, "path", "'%s' is a directory of artifacts, not a file", path);
    return 0;
}

static int put_normalised(store_t *s, blobs_t *blobs, const char *run_id, const char *path,
                          const void *data, size_t len, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    int rc = -1;
    char blob_id[BLOB_ID_LEN + 1];
    if (store_begin(c, err) != 0 || run_exists(c, run_id, NULL, err) != 0 ||
        check_file_dir_clash(c, run_id, path, err) != 0)
        goto done;
    /* The blob first: if the row then fails, an unreferenced blob is harmless. */
    if (blobs_put(blobs, data, len, blob_id, err) != 0)
        goto done;
    store_value_t p[] = {sv_text(run_id), sv_text(path), sv_text(blob_id), sv_int((int64_t)len),
                         sv_int(clock_now_ms())};
    if (store_exec(c,
                   "INSERT INTO artifacts (run_id, path, blob_id, size, created_at) VALUES (?, ?, "
                   "?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET blob_id = excluded.blob_id, "
                   "size = excluded.size, created_at = excluded.created_at",
                   p, 5, err) < 0)
        goto done;
    rc = 0;
done:
    rc = store_finish(c, rc == 0, err);
    store_release(s, c);
    return rc;
}

int artifacts_put(store_t *s, blobs_t *blobs, const char *run_id, const char *path,
                  const void *data, size_t len, err_t *err)
{
    char *norm;
    if (artifact_path_normalize(path, path ? strlen(path) : 0, 0, "path", &norm, err) != 0)
        return -1;
    int rc = put_normalised(s, blobs, run_id, norm, data, len, err);
    free(norm);
    return rc;
}

static int get_normalised(store_t *s, blobs_t *blobs, const char *run_id, const char *path,
                          buf_t *out, err_t *err)
{
    store_conn_t *c = store_acquire(s);
    char *blob_id = NULL;
    int rc = -1;
    if (run_exists(c, run_id, NULL, err) == 0) {
        store_value_t p[] = {sv_text(run_id), sv_text(path)};
        store_rows_t *rows = store_query(
            c, "SELECT blob_id FROM artifacts WHERE run_id = ? AND path = ?", p, 2, err);
        if (rows && store_rows_count(rows) == 0)
            err_not_found(err, "No artifact '%s' in run %s", path, run_id);
        else if (rows)
            blob_id = xstrdup(store_rows_text(rows, 0, 0));
        store_rows_free(rows);
    }
    store_release(s, c);
    if (blob_id)
        rc = blobs_get(blobs, blob_id, out, err);
    free(blob_id);
    return rc;
}

int artifacts_get(store_t *s, blobs_t *blobs, const char *run_id, const char *path, buf_t *out,
                  err_t *err)
{
    char *norm;
    if (artifact_path_normalize(path, path ? strlen(path) : 0, 0, "path", &norm, err) != 0)
        return -1;
    int rc = get_normalised(s, blobs, run_id, norm, out, err);
    free(norm);
    return rc;
}

/* Entries directly under a normalised dir of a run; basenames when `base`, else full paths. */
static json_t *list_normalised(store_conn_t *c, const char *run_id, const char *dir, int base,
                               err_t *err)
{
    buf_t lo, hi;
    buf_init(&lo);
    buf_init(&hi);
    buf_printf(&lo, "%s%s", dir, *dir ? "/" : "");
    store_rows_t *rows;
    if (*dir) {
        buf_printf(&hi, "%s0", dir);
        store_value_t p[] = {sv_text(run_id), sv_text(buf_str(&lo)), sv_text(buf_str(&hi))};
        rows = store_query(c,
                           "SELECT path, size FROM artifacts WHERE run_id = ? AND path >= ? AND "
                           "path < ? ORDER BY path",
                           p, 3, err);
    } else {
        store_value_t p = sv_text(run_id);
        rows = store_query(c, "SELECT path, size FROM artifacts WHERE run_id = ? ORDER BY path", &p,
                           1, err);
    }
    json_t *files = NULL;
    if (rows) {
        files = json_array();
        size_t skip = lo.len;
        char *last_dir = NULL;
        for (size_t r = 0; r < store_rows_count(rows); r++) {
            const char *rest = store_rows_text(rows, r, 0) + skip;
            const char *slash = strchr(rest, '/');
            buf_t name;
            buf_init(&name);
            if (!base)
                buf_append_str(&name, buf_str(&lo));
            buf_append(&name, rest, slash ? (size_t)(slash - rest) : strlen(rest));
            if (slash) {
                if (last_dir && strcmp(last_dir, buf_str(&name)) == 0) {
                    buf_free(&name);
                    continue;
                }
                free(last_dir);
                last_dir = xstrdup(buf_str(&name));
                json_array_append_new(files,
                                      json_pack("{s:s, s:b}", "path", buf_str(&name), "is_dir", 1));
            } else {
                json_array_append_new(files, json_pack("{s:s, s:b, s:I}", "path", buf_str(&name),
                                                       "is_dir", 0, "file_size",
                                                       (json_int_t)store_rows_int(rows, r, 1)));
            }
            buf_free(&name);
        }
        free(last_dir);
        store_rows_free(rows);
    }
    buf_free(&lo);
    buf_free(&hi);
    return files;
}

json_t *artifacts_list(store_t *s, const char *run_id, const char *dir, err_t *err)
{
    char *norm;
    if (artifact_path_normalize(dir, dir ? strlen(dir) : 0, 1, "path", &norm, err) != 0)
        return NULL;
    store_conn_t *c = store_acquire(s);
    json_t *files = NULL;
    if (run_exists(c, run_id, NULL, err) == 0)
        files = list_normalised(c, run_id, norm, 0, err);
    store_release(s, c);
    free(norm);
    return files;
}

/* ---- the proxy's tree: <experiment_id>/<run_id>/artifacts/<path> ------------------------- */

/* Split a normalised proxy path into up to 3 leading segments and the rest. */
static size_t split_segments(const char *norm, char *seg[3], const char **rest)
{
    size_t n = 0;
    const char *p = norm;
    *rest = NULL;
    while (*p && n < 3) {
        const char *slash = strchr(p, '/');
        seg[n++] = xstrndup(p, slash ? (size_t)(slash - p) : strlen(p));
        p = slash ? slash + 1 : p + strlen(p);
        if (!slash)
            break;
    }
    if (*p)
        *rest = p;
    return n;
}

/* The run named by experiment and run segments, checking it belongs to the experiment. */
static int proxy_run(store_conn_t *c, const char *exp, const char *run_id, err_t *err)
{
    int64_t want, got;
    if (tracking_parse_experiment_id(exp, &want, err) != 0)
        return -1;
    if (run_exists(c, run_id, &got, err) != 0)
        return -1;
    if (got != want)
        return err_not_found(err, "Run with id=%.100s not found in experiment %s", run_id, exp);
    return 0;
}

int artifacts_proxy_resolve(store_t *s, const char *full, size_t len, char **run_id, char **path,
                            err_t *err)
{
    *run_id = *path = NULL;
    char *norm;
    if (artifact_path_normalize(full, len, 0, "path", &norm, err) != 0)
        return -1;
    char *seg[3] = {0};
    const char *rest;
    size_t n = split_segments(norm, seg, &rest);
    int rc = -1;
    if (n < 3 || strcmp(seg[2], "artifacts") != 0 || !rest) {
        err_invalid(err, "path",
                    "artifact paths have the form <experiment_id>/<run_id>/artifacts/<path>");
    } else {
        store_conn_t *c = store_acquire(s);
        rc = proxy_run(c, seg[0], seg[1], err);
        store_release(s, c);
        if (rc == 0) {
            *run_id = xstrdup(seg[1]);
            *path = xstrdup(rest);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(seg[i]);
    free(norm);
    return rc;
}

/* Directory entries from a one-column query result. */
static json_t *dirs_from_rows(const store_rows_t *rows)
{
    json_t *files = json_array();
    for (size_t r = 0; r < store_rows_count(rows); r++)
        json_array_append_new(
            files, json_pack("{s:s, s:b}", "path", store_rows_text(rows, r, 0), "is_dir", 1));
    return files;
}

json_t *artifacts_proxy_list(store_t *s, const char *dir, err_t *err)
{
    char *norm;
    if (artifact_path_normalize(dir, dir ? strlen(dir) : 0, 1, "path", &norm, err) != 0)
        return NULL;
    char *seg[3] = {0};
    const char *rest;
    size_t n = split_segments(norm, seg, &rest);
    store_conn_t *c = store_acquire(s);
    json_t *files = NULL;
    store_rows_t *rows = NULL;
    if (n == 0) {
        rows = store_query(c,
                           "SELECT DISTINCT r.experiment_id FROM artifacts a JOIN runs r ON "
                           "r.run_id = a.run_id ORDER BY r.experiment_id",
                           NULL, 0, err);
        if (rows)
            files = dirs_from_rows(rows);
    } else if (n == 1) {
        int64_t exp;
        if (tracking_parse_experiment_id(seg[0], &exp, err) == 0) {
            store_value_t p = sv_int(exp);
            rows = store_query(c,
                               "SELECT DISTINCT r.run_id FROM artifacts a JOIN runs r ON "
                               "r.run_id = a.run_id WHERE r.experiment_id = ? ORDER BY r.run_id",
                               &p, 1, err);
            if (rows)
                files = dirs_from_rows(rows);
        }
    } else if (proxy_run(c, seg[0], seg[1], err) == 0) {
        if (n == 2) {
            store_value_t p = sv_text(seg[1]);
            rows = store_query(c, "SELECT 1 FROM artifacts WHERE run_id = ? LIMIT 1", &p, 1, err);
            if (rows) {
                files = json_array();
                if (store_rows_count(rows))
                    json_array_append_new(
                        files, json_pack("{s:s, s:b}", "path", "artifacts", "is_dir", 1));
            }
        } else if (strcmp(seg[2], "artifacts") == 0) {
            files = list_normalised(c, seg[1], rest ? rest : "", 1, err);
        } else {
            files = json_array(); /* nothing lives beside "artifacts" */
        }
    }
    store_rows_free(rows);
    store_release(s, c);
    for (size_t i = 0; i < n; i++)
        free(seg[i]);
    free(norm);
    return files ? json_pack("{s:o}", "files", files) : NULL;
}
