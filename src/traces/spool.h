/* spool.h - the trace spool's segment files: an append-only, checksummed log of JSON records
 * that survives kill -9.
 *
 * A spool is a directory of segments named by a rising sequence number
 * ("000000000000000042.seg"). A segment starts with the line "llmops-spool 1\n"; each record
 * is one line
 *
 *     <crc32 of the JSON, 8 lowercase hex> <JSON length, decimal> <compact JSON object>\n
 *
 * Compact JSON never contains a raw newline, so a damaged line ends at the next '\n': the
 * reader checks length, checksum and JSON of every line, skips (and counts) the lines that
 * fail, and reports a last line cut short by a crash as a torn tail. A writer appends into a
 * memory buffer and spool_writer_sync() writes it and fsyncs, so the cost of durability is one
 * fsync per flush, not per record. */
#ifndef LLMOPS_TRACES_SPOOL_H
#define LLMOPS_TRACES_SPOOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define SPOOL_MAGIC "llmops-spool 1\n"

/* mkdir -p dir. 0 or -1 with err. */
int spool_dir_create(const char *dir, err_t *err);
/* "<dir>/<seq, 18 digits>.seg" into out. */
void spool_segment_path(const char *dir, uint64_t seq, char *out, size_t size);
/* The sequence numbers of the segments in dir, ascending (other files are ignored). *seqs is
 * malloc'd (caller frees; may be NULL when *n is 0). 0 or -1 with err. */
int spool_list(const char *dir, uint64_t **seqs, size_t *n, err_t *err);
/* Delete one segment (and fsync the directory so the deletion sticks). */
int spool_remove(const char *dir, uint64_t seq, err_t *err);

/* ---- writing ----------------------------------------------------------------------------------
 */

typedef struct spool_writer spool_writer_t;

/* Create segment seq in dir (it must not exist yet), write its header and fsync the file and
 * the directory. NULL with err. */
spool_writer_t *spool_writer_open(const char *dir, uint64_t seq, err_t *err);
/* Add one record (its compact JSON text) to the buffer; nothing reaches the disk yet. */
void spool_writer_append(spool_writer_t *w, const char *json, size_t len);
/* Write the buffer and fsync. 0 or -1 with err (the buffer is kept for a retry). */
int spool_writer_sync(spool_writer_t *w, err_t *err);
/* Empty the segment back to its header (everything in it reached the store), so that a
 * writer keeps one file while the store keeps up instead of creating one per flush. */
int spool_writer_reset(spool_writer_t *w, err_t *err);
uint64_t spool_writer_seq(const spool_writer_t *w);
size_t spool_writer_bytes(const spool_writer_t *w); /* on disk after the last sync + buffered */
size_t spool_writer_records(const spool_writer_t *w);
/* Close the file (unsynced buffer is lost: sync first). Safe with NULL. */
void spool_writer_close(spool_writer_t *w);

/* One record line, as the writer writes it, appended to out (tests and the fuzz seed). */
void spool_format_record(const char *json, size_t len, char **out, size_t *out_len);

/* ---- reading ----------------------------------------------------------------------------------
 */

typedef struct spool_scan {
    size_t records; /* good records handed to the callback */
    size_t skipped; /* damaged lines skipped (bad length, checksum or JSON), torn tail included */
    int torn_tail;  /* the last line had no newline: a write cut short */
    int bad_header; /* no "llmops-spool 1" header: nothing in the data was read */
} spool_scan_t;

/* Called for each good record (borrowed; incref to keep). Returning non-zero stops the read. */
typedef int (*spool_record_fn)(json_t *record, void *ctx);

/* Read a segment's bytes. Never fails: damage is counted in scan. Returns what the callback
 * stopped with (0 when it read to the end). */
int spool_parse(const char *data, size_t len, spool_record_fn fn, void *ctx, spool_scan_t *scan);
/* Read segment seq of dir. -1 with err when the file cannot be read; else spool_parse's
 * result. */
int spool_read(const char *dir, uint64_t seq, spool_record_fn fn, void *ctx, spool_scan_t *scan,
               err_t *err);

#endif
