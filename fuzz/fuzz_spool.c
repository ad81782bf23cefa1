/* fuzz_spool.c - libFuzzer target for the trace spool's segment reader (traces/spool.h): the
 * input is parsed as a segment file, and again with the spool header put in front (so that
 * mutations reach the record lines). The reader must never fail: every record it hands over
 * must be a JSON object that, written out again with spool_format_record, parses back as one
 * good record; counts must add up (no more records than lines). Any crash, sanitizer report or
 * leak is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "traces/spool.h"

static int check_record(json_t *record, void *ctx)
{
    (void)ctx;
    if (!json_is_object(record))
        abort();
    char *text = json_dumps(record, JSON_COMPACT);
    if (!text)
        abort();
    char *line;
    size_t len;
    spool_format_record(text, strlen(text), &line, &len);
    size_t magic = strlen(SPOOL_MAGIC);
    char *seg = malloc(magic + len);
    if (!seg)
        abort();
    memcpy(seg, SPOOL_MAGIC, magic);
    memcpy(seg + magic, line, len);
    spool_scan_t scan;
    spool_parse(seg, magic + len, NULL, NULL, &scan);
    if (scan.records != 1 || scan.skipped != 0 || scan.torn_tail || scan.bad_header)
        abort();
    free(seg);
    free(line);
    free(text);
    return 0;
}

static size_t lines_in(const uint8_t *data, size_t size)
{
    size_t n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spool_scan_t scan;
    spool_parse((const char *)data, size, check_record, NULL, &scan);
    if (scan.records + scan.skipped > lines_in(data, size))
        abort();

    size_t magic = strlen(SPOOL_MAGIC);
    char *seg = malloc(magic + size + 1);
    if (!seg)
        abort();
    memcpy(seg, SPOOL_MAGIC, magic);
    if (size)
        memcpy(seg + magic, data, size);
    spool_parse(seg, magic + size, check_record, NULL, &scan);
    if (scan.bad_header || scan.records + scan.skipped > lines_in(data, size))
        abort();
    free(seg);
    return 0;
}
