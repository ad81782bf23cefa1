/* import.c - importing a file as a new dataset version (datasets.h).
 *
 * Everything that can be wrong with the input is found before anything is written: the file is
 * parsed whole (every malformed line collected), required columns are checked per row, and only
 * a clean input is canonicalised and written to the blob store (blobs are content-addressed,
 * so writing one is harmless even if the transaction then fails: nothing references it). The
 * version row, the dataset's version counter, the auto-created dataset and the lineage edge
 * are one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "datasets/canonical.h"
#include "datasets/internal.h"
#include "datasets/parse.h"
#include "datasets/schema_infer.h"
#include "datasets/splits.h"
#include "lineage/lineage.h"

/* What the import checks before the transaction, and what it writes. */
typedef struct import_plan {
    char parent_name[DATASET_NAME_MAX + 1];
    int64_t parent_version; /* 0: no parent */
    char parent_digest[BLOB_ID_LEN + 1];
    json_t *required; /* array of column names */
    ds_split_rule_t rule;
    int has_rule;
    char *rule_text;
    char digest[BLOB_ID_LEN + 1];
    char split_blob[BLOB_ID_LEN + 1];
    json_t *split_counts;
    json_t *schema;
    size_t row_count;
} import_plan_t;

static void plan_free(import_plan_t *p)
{
    json_decref(p->required);
    json_decref(p->split_counts);
    json_decref(p->schema);
    free(p->rule_text);
}

/* "a,b" -> ["a","b"]; 400 "required" for an empty name or too many. */
static int parse_required(const char *text, json_t **out, err_t *err)
{
    *out = json_array();
    if (!text || !*text)
        return 0;
    for (const char *p = text;;) {
        size_t n = strcspn(p, ",");
        if (n == 0)
            return err_invalid(err, "required",
                               "required is a comma-separated list of columns, "
                               "with no empty name");
        json_t *name = json_stringn(p, n);
        if (!name)
            return err_invalid(err, "required", "required column names must be UTF-8");
        json_array_append_new(*out, name);
        if (json_array_size(*out) > DATASET_REQUIRED_MAX)
            return err_invalid(err, "required", "at most %d required columns",
                               DATASET_REQUIRED_MAX);
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

/* The parent: "N" (this dataset) or a reference; its number and digest into the plan. */
static int resolve_parent(store_t *s, const dataset_import_in_t *in, import_plan_t *plan,
                          err_t *err)
{
    if (!in->parent || !*in->parent)
        return 0;
    int64_t version = 0;
    if (strspn(in->parent, "0123456789") == strlen(in->parent)) {
        snprintf(plan->parent_name, sizeof plan->parent_name, "%s", in->name);
        version = strtoll(in->parent, NULL, 10);
        if (version < 1 || strlen(in->parent) > 16)
            return err_invalid(err, "parent", "parent must be a version number or NAME/N");
    } else if (datasets_parse_ref(in->parent, plan->parent_name, &version, err) != 0) {
        snprintf(err->field, sizeof err->field, "parent");
        return -1;
    }
    json_t *v = datasets_get_version(s, plan->parent_name, version, err);
    if (!v) {
        if (err->status == 404)
            snprintf(err->field, sizeof err->field, "parent");
        return -1;
    }
    plan->parent_version = json_integer_value(json_object_get(v, "version"));
    snprintf(plan->parent_digest, sizeof plan->parent_digest, "%s",
             json_string_value(json_object_get(v, "digest")));
    json_decref(v);
    return 0;
}

static int check_input(const dataset_import_in_t *in, err_t *err)
{
    if (datasets_check_name(in->name, err) != 0)
        return -1;
    if (!in->format || (strcmp(in->format, "jsonl") != 0 && strcmp(in->format, "csv") != 0))
        return err_invalid(err, "format", "format must be jsonl or csv");
    if (in->source && strlen(in->source) > DATASET_SOURCE_MAX)
        return err_invalid(err, "source", "source is longer than %d bytes", DATASET_SOURCE_MAX);
    if (in->description && strlen(in->description) > DATASET_DESCRIPTION_MAX)
        return err_invalid(err, "description", "description is longer than %d bytes",
                           DATASET_DESCRIPTION_MAX);
    return ds_check_tags(in->tags, err);
}

/* Rows lacking a required column (absent or null) are reported like malformed lines. */
static void check_required(ds_parsed_t *parsed, const json_t *required)
{
    size_t nreq = json_array_size(required);
    for (size_t i = 0; nreq && i < json_array_size(parsed->rows); i++) {
        json_t *row = json_array_get(parsed->rows, i);
        for (size_t k = 0; k < nreq; k++) {
            const char *col = json_string_value(json_array_get(required, k));
            json_t *v = json_object_get(row, col);
            if (!v || json_is_null(v)) {
                ds_parsed_error(parsed, parsed->lines[i], "required column '%.100s' is %s", col,
                                v ? "null" : "missing");
                break;
            }
        }
    }
}

/* Canonicalise, infer, split and write the blobs. */
static int write_rows(blobs_t *b, const json_t *rows, import_plan_t *plan, int64_t seed, err_t *err)
{
    size_t n = json_array_size(rows);
    buf_t content;
    buf_init(&content);
    char **canon = ds_canonical_rows(rows, &content);
    int rc = blobs_put(b, content.data, content.len, plan->digest, err);
    buf_free(&content);
    plan->row_count = n;
    plan->schema = ds_schema_infer(rows);
    if (rc == 0 && plan->has_rule) {
        unsigned char *assigned = xmalloc(n ? n : 1);
        ds_split_assign(&plan->rule, seed, canon, n, assigned);
        size_t counts[DS_SPLITS_MAX] = {0};
        for (size_t i = 0; i < n; i++)
            counts[assigned[i]]++;
        plan->split_counts = json_object();
        for (size_t k = 0; k < plan->rule.n; k++)
            json_object_set_new(plan->split_counts, plan->rule.names[k],
                                json_integer((json_int_t)counts[k]));
        rc = blobs_put(b, assigned, n, plan->split_blob, err);
        free(assigned);
    }
    ds_canonical_free(canon, n);
    return rc;
}

/* An existing version with the same content and split rule: its number, or 0. */
static int64_t find_same(store_conn_t *c, const char *name, const import_plan_t *plan, int64_t seed,
                         err_t *err)
{
    store_value_t p[] = {sv_text(name), sv_text(plan->digest)};
    store_rows_t *rows = store_query(c,
                                     "SELECT version, split_rule, split_seed FROM "
                                     "dataset_versions WHERE dataset = ? AND digest = ? "
                                     "ORDER BY version",
                                     p, 2, err);
    if (!rows)
        return -1;
    int64_t found = 0;
    for (size_t r = 0; r < store_rows_count(rows) && !found; r++) {
        int had_rule = !store_rows_is_null(rows, r, 1);
        if (had_rule != plan->has_rule)
            continue;
        if (!had_rule || (strcmp(store_rows_text(rows, r, 1), plan->rule_text) == 0 &&
                          store_rows_int(rows, r, 2) == seed))
            found = store_rows_int(rows, r, 0);
    }
    store_rows_free(rows);
    return found;
}

static json_t *insert_version(store_conn_t *c, const dataset_import_in_t *in,
                              const import_plan_t *plan, int *created, err_t *err)
{
    int64_t now = clock_now_ms();
    store_value_t ds[] = {sv_text(in->name), sv_int(now), sv_int(now)};
    if (store_exec(c,
                   "INSERT INTO versioned_datasets (name, created_ms, updated_ms) VALUES (?, ?, ?) "
                   "ON CONFLICT DO NOTHING",
                   ds, 3, err) < 0)
        return NULL;
    int64_t same = find_same(c, in->name, plan, in->seed, err);
    if (same < 0)
        return NULL;
    if (same > 0) {
        *created = 0;
        return ds_version_fetch(c, in->name, same, err);
    }
    store_value_t bump[] = {sv_int(now), sv_text(in->name)};
    store_rows_t *rows =
        store_query(c,
                    "UPDATE versioned_datasets SET last_version = last_version + 1, "
                    "updated_ms = ? WHERE name = ? RETURNING last_version",
                    bump, 2, err);
    if (!rows)
        return NULL;
    int64_t version = store_rows_int(rows, 0, 0);
    store_rows_free(rows);

    char parent[DATASET_NAME_MAX + 32] = "";
    if (plan->parent_version)
        snprintf(parent, sizeof parent, "%s/%lld", plan->parent_name,
                 (long long)plan->parent_version);
    char *schema = ds_json_text(plan->schema);
    char *tags = ds_tags_text(in->tags);
    char *counts = plan->split_counts ? ds_json_text(plan->split_counts) : NULL;
    store_value_t v[] = {
        sv_text(in->name),
        sv_int(version),
        sv_text(plan->digest),
        sv_int((int64_t)plan->row_count),
        sv_text(schema),
        sv_text(in->source && *in->source ? in->source : "upload"),
        sv_text(parent[0] ? parent : NULL),
        sv_text(in->description ? in->description : ""),
        sv_text(tags),
        sv_text(plan->has_rule ? plan->rule_text : NULL),
        plan->has_rule ? sv_int(in->seed) : sv_null(),
        sv_text(plan->has_rule ? plan->split_blob : NULL),
        sv_text(counts),
        sv_int(now),
    };
    int64_t n = store_exec(c,
                           "INSERT INTO dataset_versions (" DS_VERSION_COLUMNS
                           ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           v, 14, err);
    free(schema);
    free(tags);
    free(counts);
    if (n < 0)
        return NULL;
    if (parent[0]) {
        char child[DATASET_NAME_MAX + 32];
        snprintf(child, sizeof child, "%s/%lld", in->name, (long long)version);
        lineage_edge_in_t edge = {DATASET_LINEAGE_TYPE, parent, DATASET_LINEAGE_TYPE, child,
                                  "derived"};
        json_t *e = lineage_record(c, &edge, NULL, err);
        if (!e)
            return NULL;
        json_decref(e);
    }
    *created = 1;
    return ds_version_fetch(c, in->name, version, err);
}

/* The rows to import: parsed from the data, or the parent's when the data is empty. */
static int load_rows(blobs_t *b, const dataset_import_in_t *in, const import_plan_t *plan,
                     ds_parsed_t *parsed, err_t *err)
{
    if (in->len == 0 && plan->parent_version) {
        buf_t content;
        buf_init(&content);
        if (blobs_get(b, plan->parent_digest, &content, err) != 0) {
            buf_free(&content);
            return -1;
        }
        ds_parse_jsonl(content.data, content.len, parsed);
        buf_free(&content);
        if (parsed->error_count)
            return err_internal(err, "the rows of %s/%lld are damaged", plan->parent_name,
                                (long long)plan->parent_version);
        return 0;
    }
    if (in->len == 0)
        return err_set(err, 400, "empty", "body", "the file is empty");
    if (strcmp(in->format, "csv") == 0)
        ds_parse_csv(in->data, in->len, parsed);
    else
        ds_parse_jsonl(in->data, in->len, parsed);
    return 0;
}

json_t *datasets_import(store_t *s, blobs_t *b, const dataset_import_in_t *in, int *created,
                        json_t **report, err_t *err)
{
    *report = NULL;
    *created = 0;
    import_plan_t plan = {0};
    ds_parsed_t parsed = {0};
    json_t *out = NULL;
    if (check_input(in, err) != 0 || parse_required(in->required, &plan.required, err) != 0)
        goto done;
    if (in->split && *in->split) {
        if (ds_split_rule_parse(in->split, &plan.rule, err) != 0)
            goto done;
        plan.has_rule = 1;
        plan.rule_text = ds_split_rule_text(&plan.rule);
    }
    if (resolve_parent(s, in, &plan, err) != 0 || load_rows(b, in, &plan, &parsed, err) != 0)
        goto done;
    check_required(&parsed, plan.required);
    if (parsed.error_count) {
        *report = json_pack("{s:O, s:I}", "errors", parsed.errors, "error_count",
                            (json_int_t)parsed.error_count);
        const json_t *first = json_array_get(parsed.errors, 0);
        err_set(err, 400, "invalid_rows", "body",
                "%zu malformed line%s; nothing was imported (first: line %lld: %s)",
                parsed.error_count, parsed.error_count == 1 ? "" : "s",
                (long long)json_integer_value(json_object_get(first, "line")),
                json_string_value(json_object_get(first, "message")));
        goto done;
    }
    if (json_array_size(parsed.rows) == 0) {
        err_set(err, 400, "empty", "body", "the file has no rows");
        goto done;
    }
    if (write_rows(b, parsed.rows, &plan, in->seed, err) != 0)
        goto done;

    store_conn_t *c = store_acquire(s);
    if (store_begin(c, err) == 0) {
        out = insert_version(c, in, &plan, created, err);
        if (store_finish(c, out != NULL, err) != 0) {
            json_decref(out);
            out = NULL;
            *created = 0;
        }
    }
    store_release(s, c);
done:
    ds_parsed_free(&parsed);
    plan_free(&plan);
    return out;
}
