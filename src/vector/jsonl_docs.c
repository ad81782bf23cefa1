/* jsonl_docs.c - a JSONL upload as documents (vectors.h vs_jsonl_documents). One JSON object
 * per line:
 *   "text"       required, the document's text
 *   "source"     optional (also accepted as "id"); default "<upload source>#<line number>"
 *   "format"     optional: text (default), markdown or html
 *   "metadata"   optional object
 *   any other field whose value is a string, number or boolean joins the metadata (an explicit
 *   metadata key wins), so rows exported from elsewhere need no reshaping.
 * Blank lines are skipped. A line that is not such an object fails the whole upload with a 400
 * naming "line N" (1-based), before anything is stored. */
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"
#include "vector/vectors.h"

static json_t *line_doc(json_t *row, const char *prefix, size_t line, err_t *err)
{
    char field[32];
    snprintf(field, sizeof field, "line %zu", line);
    json_t *text = json_object_get(row, "text");
    if (!json_is_string(text)) {
        err_invalid(err, field, "line %zu: \"text\" must be a string", line);
        return NULL;
    }
    json_t *source = json_object_get(row, "source");
    if (!source)
        source = json_object_get(row, "id");
    json_t *format = json_object_get(row, "format");
    json_t *meta = json_object_get(row, "metadata");
    if ((source && !json_is_string(source) && !json_is_integer(source)) ||
        (format && !json_is_string(format)) || (meta && !json_is_object(meta))) {
        err_invalid(err, field,
                    "line %zu: source must be a string, format a string, metadata an object", line);
        return NULL;
    }
    json_t *metadata = json_object();
    const char *key;
    json_t *value;
    json_object_foreach(row, key, value)
    {
        if (strcmp(key, "text") == 0 || strcmp(key, "source") == 0 || strcmp(key, "id") == 0 ||
            strcmp(key, "format") == 0 || strcmp(key, "metadata") == 0)
            continue;
        if (json_is_string(value) || json_is_number(value) || json_is_boolean(value))
            json_object_set(metadata, key, value);
    }
    if (meta)
        json_object_update(metadata, meta);
    json_t *doc = json_pack("{s:O, s:o}", "text", text, "metadata", metadata);
    if (source && json_is_string(source))
        json_object_set(doc, "source", source);
    else if (source)
        json_object_set_new(doc, "source",
                            json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(source)));
    else
        json_object_set_new(doc, "source", json_sprintf("%s#%zu", prefix, line));
    if (format)
        json_object_set(doc, "format", format);
    return doc;
}

json_t *vs_jsonl_documents(const char *data, size_t len, const char *source_prefix, err_t *err)
{
    json_t *docs = json_array();
    size_t pos = 0, line = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        line++;
        size_t n = end - pos;
        const char *s = data + pos;
        pos = nl ? end + 1 : len;
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
            k++;
        if (k == n)
            continue;
        json_error_t jerr;
        json_t *row = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
        json_t *doc = NULL;
        if (!row || !json_is_object(row)) {
            char field[32];
            snprintf(field, sizeof field, "line %zu", line);
            err_invalid(err, field, "line %zu: %s", line,
                        row ? "each line must be a JSON object" : jerr.text);
        } else {
            doc = line_doc(row, source_prefix, line, err);
        }
        json_decref(row);
        if (!doc) {
            json_decref(docs);
            return NULL;
        }
        json_array_append_new(docs, doc);
        if (json_array_size(docs) > VS_DOCS_MAX) {
            err_invalid(err, "body", "at most %d documents per upload", VS_DOCS_MAX);
            json_decref(docs);
            return NULL;
        }
    }
    return docs;
}

/* The format a Content-Type names (parameters such as "; charset=utf-8" ignored). */
static const char *format_of(const char *content_type)
{
    static const struct {
        const char *type, *format;
    } map[] = {{"text/plain", "text"},
               {"text/markdown", "markdown"},
               {"text/x-markdown", "markdown"},
               {"text/html", "html"},
               {"application/x-ndjson", "jsonl"},
               {"application/jsonl", "jsonl"},
               {"application/jsonlines", "jsonl"}};
    if (!content_type)
        return NULL;
    size_t len = strcspn(content_type, ";");
    while (len && content_type[len - 1] == ' ')
        len--;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].type) == len && strncasecmp(map[i].type, content_type, len) == 0)
            return map[i].format;
    return NULL;
}

json_t *vs_ingest_raw(vs_env_t *env, const char *name, const char *content_type, const char *source,
                      const char *data, size_t len, err_t *err)
{
    const char *format = format_of(content_type);
    if (!format) {
        err_invalid(err, "Content-Type",
                    "upload as text/plain, text/markdown, text/html or application/x-ndjson");
        return NULL;
    }
    if (strcmp(format, "jsonl") != 0 && (!source || !*source)) {
        err_invalid(err, "source", "a file upload needs ?source= (the document's id)");
        return NULL;
    }
    if (memchr(data, '\0', len)) {
        err_invalid(err, "body", "the upload contains a NUL byte");
        return NULL;
    }
    json_t *docs;
    if (strcmp(format, "jsonl") == 0) {
        docs = vs_jsonl_documents(data, len, source && *source ? source : "upload", err);
    } else {
        json_t *doc =
            json_pack("{s:s, s:s%, s:s}", "source", source, "text", data, len, "format", format);
        if (!doc) {
            err_invalid(err, "body", "the upload is not valid UTF-8 (or the source is not)");
            return NULL;
        }
        docs = json_array();
        json_array_append_new(docs, doc);
    }
    if (!docs)
        return NULL;
    json_t *out = vs_ingest(env, name, docs, err);
    json_decref(docs);
    return out;
}
