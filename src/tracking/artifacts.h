/* artifacts.h - run artifacts: files under a run's artifact root, their bytes kept in the
 * content-addressed blob store and their names in the table artifacts(run_id, path, blob_id,
 * size, created_at).
 *
 * Paths follow artifact_path.h. A path cannot be both a file and a directory: uploading "a/b"
 * when "a" is a file, or "a" when "a/..." exist, is 400. Uploading a path again replaces it.
 *
 * MLflow's artifact proxy addresses files as "<experiment_id>/<run_id>/artifacts/<path>" below
 * the root "mlflow-artifacts:/"; artifacts_proxy_* resolve those names (the run must exist
 * and belong to that experiment) and list every level of that tree. */
#ifndef LLMOPS_TRACKING_ARTIFACTS_H
#define LLMOPS_TRACKING_ARTIFACTS_H

#include <jansson.h>
#include <stddef.h>

#include "base/buf.h"
#include "blobs/blobs.h"
#include "store/store.h"

/* Store len bytes as the run's artifact at path (raw, normalised here). 404 unknown run. */
int artifacts_put(store_t *s, blobs_t *blobs, const char *run_id, const char *path,
                  const void *data, size_t len, err_t *err);
/* Append the artifact's bytes to out. 404 when the run or the file does not exist. */
int artifacts_get(store_t *s, blobs_t *blobs, const char *run_id, const char *path, buf_t *out,
                  err_t *err);
/* The entries directly under dir ("" or NULL for the root), as MLflow's FileInfo:
 * [{"path": "<dir>/<name>", "is_dir": bool, "file_size": n (files only)}], sorted by path.
 * A path that is a file or does not exist lists as []. 404 for an unknown run. */
json_t *artifacts_list(store_t *s, const char *run_id, const char *dir, err_t *err);

/* "<experiment_id>/<run_id>/artifacts/<path>" (raw) -> run id (caller frees) and the path
 * inside the run (caller frees). 404 when no such run exists in that experiment; 400 when the
 * name does not have that shape or the path breaks the rules. */
int artifacts_proxy_resolve(store_t *s, const char *full, size_t len, char **run_id, char **path,
                            err_t *err);
/* The entries directly under a proxy directory, with basenames as MLflow's proxy answers:
 * {"files":[{"path": "<name>", "is_dir", "file_size"?}]}. Levels above a run list the
 * experiments and runs that have artifacts. */
json_t *artifacts_proxy_list(store_t *s, const char *dir, err_t *err);

#endif
