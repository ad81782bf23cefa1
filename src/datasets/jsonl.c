/* jsonl.c - the JSONL import parser (parse.h): one JSON object per line, jansson for each line.
 *
 * Every line is parsed on its own, so one bad line never hides the ones after it. Keys repeated
 * within an object are refused (JSON_REJECT_DUPLICATES): which value should win is a guess, and
 * the canonical form must not depend on it. */
#include <string.h>

#include "datasets/parse.h"

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static const char *json_type_word(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    default:
        return "an object";
    }
}

void ds_parse_jsonl(const char *data, size_t len, ds_parsed_t *out)
{
    ds_parsed_init(out);
    size_t pos = 0, line = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        line++;
        const char *start = data + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (blank(start, n))
            continue;
        json_error_t jerr;
        json_t *row = json_loadb(start, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (!row) {
            ds_parsed_error(out, line, "not valid JSON (column %d): %s", jerr.column, jerr.text);
            continue;
        }
        if (!json_is_object(row)) {
            ds_parsed_error(out, line, "a row must be a JSON object, not %s", json_type_word(row));
            json_decref(row);
            continue;
        }
        ds_parsed_add(out, row, line);
    }
}
