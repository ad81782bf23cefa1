/* fuzz_vector_jsonl.c - libFuzzer target for the vector store's JSONL upload reader
 * (vectors.h vs_jsonl_documents). Contract: a failure is a 400 invalid_argument whose field is
 * "line N" (N >= 1) or "body", with a valid UTF-8 message; a success is an array of objects,
 * each with a string text, a non-empty string source and an object metadata. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vector/vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t err = {0};
    json_t *docs = vs_jsonl_documents((const char *)data, size, "fuzz", &err);
    if (!docs) {
        if (err.status != 400 || strcmp(err.code, "invalid_argument") != 0)
            abort();
        if (strncmp(err.field, "line ", 5) != 0 && strcmp(err.field, "body") != 0)
            abort();
        if (strncmp(err.field, "line ", 5) == 0 && atol(err.field + 5) < 1)
            abort();
        json_t *s = json_string(err.message);
        if (!s)
            abort();
        json_decref(s);
        return 0;
    }
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        json_t *source = json_object_get(d, "source");
        if (!json_is_string(json_object_get(d, "text")) || !json_is_string(source) ||
            !json_is_object(json_object_get(d, "metadata")))
            abort();
    }
    json_decref(docs);
    return 0;
}
