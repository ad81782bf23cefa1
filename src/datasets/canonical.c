/* canonical.c - canonical row text and the version blob's bytes (canonical.h). jansson sorts
 * keys recursively with JSON_SORT_KEYS; json_dump_text spells reals the shortest exact way. */
#include "datasets/canonical.h"

#include <stdlib.h>

#include "base/json.h"

char *ds_canonical_row(const json_t *row)
{
    return json_dump_text(row, JSON_COMPACT | JSON_SORT_KEYS);
}

char **ds_canonical_rows(const json_t *rows, buf_t *out)
{
    size_t n = json_array_size(rows);
    char **texts = xcalloc(n ? n : 1, sizeof *texts);
    for (size_t i = 0; i < n; i++) {
        texts[i] = ds_canonical_row(json_array_get(rows, i));
        buf_append_str(out, texts[i]);
        buf_append_char(out, '\n');
    }
    return texts;
}

void ds_canonical_free(char **texts, size_t n)
{
    if (!texts)
        return;
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
}
