/* fuzz_vector_filter.c - libFuzzer target for metadata filters (filter.h): the input is JSON
 * parsed as a filter; when it parses, it is evaluated against a few metadata objects and
 * turned into SQL for both dialects. Contract: a failure is a 400 whose field is "filter" or
 * starts with "filter."; a success has at most VS_FILTER_MAX conditions and fills exactly the
 * parameters its SQL has placeholders for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vector/filter.h"

static size_t placeholders(const char *sql)
{
    size_t n = 0;
    for (; *sql; sql++)
        n += *sql == '?';
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *spec = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!spec)
        return 0;
    vs_filter_t f;
    err_t err = {0};
    if (vs_filter_parse(spec, &f, &err) != 0) {
        if (err.status != 400 || strncmp(err.field, "filter", 6) != 0)
            abort();
        json_decref(spec);
        return 0;
    }
    if (f.n > VS_FILTER_MAX)
        abort();
    const char *metas[] = {"{}", "{\"a\":1,\"b\":\"x\",\"c\":true}", "{\"a\":\"1\",\"b\":2.5}"};
    for (size_t i = 0; i < 3; i++) {
        json_t *m = json_loads(metas[i], 0, NULL);
        (void)vs_filter_match(&f, m);
        json_decref(m);
    }
    store_kind_t kinds[] = {STORE_SQLITE, STORE_POSTGRES};
    for (size_t k = 0; k < 2; k++) {
        buf_t sql;
        buf_init(&sql);
        store_value_t *p = calloc(vs_filter_sql_params(&f) + 1, sizeof *p);
        size_t np = 0;
        vs_filter_sql(&f, kinds[k], "metadata", &sql, p, &np);
        if (np > vs_filter_sql_params(&f) || np != placeholders(buf_str(&sql)))
            abort();
        free(p);
        buf_free(&sql);
    }
    vs_filter_free(&f);
    json_decref(spec);
    return 0;
}
