/* trace_filter.c - reading, checking and turning into SQL the trace filter of trace_filter.h. */
#include "feedback/trace_filter.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"

/* Filter keys and the traces column each one compares with. */
typedef struct filter_field {
    const char *key, *column;
    size_t offset;
} filter_field_t;

static const filter_field_t string_fields[] = {
    {"endpoint", "endpoint", offsetof(fb_trace_filter_t, endpoint)},
    {"model", "model", offsetof(fb_trace_filter_t, model)},
    {"status", "status", offsetof(fb_trace_filter_t, status)},
    {"user", "user_id", offsetof(fb_trace_filter_t, user)},
    {"session_id", "session_id", offsetof(fb_trace_filter_t, session_id)},
    {"name", "name", offsetof(fb_trace_filter_t, name)},
    {"source", "source", offsetof(fb_trace_filter_t, source)},
};
#define NSTRING (sizeof string_fields / sizeof string_fields[0])

static const char **field_ptr(const fb_trace_filter_t *f, size_t i)
{
    return (const char **)((const char *)f + string_fields[i].offset);
}

static int prefixed(err_t *err, const char *prefix, const char *field)
{
    if (err && prefix) {
        char full[96];
        snprintf(full, sizeof full, "%s%s", prefix, field);
        snprintf(err->field, sizeof err->field, "%s", full);
    }
    return -1;
}

int fb_trace_filter_check(const fb_trace_filter_t *f, const char *prefix, err_t *err)
{
    if (f->status && strcmp(f->status, "ok") != 0 && strcmp(f->status, "error") != 0) {
        err_invalid(err, "status", "status must be ok or error");
        return prefixed(err, prefix, "status");
    }
    if (f->since_ms < 0 || f->until_ms < 0) {
        const char *field = f->since_ms < 0 ? "since" : "until";
        err_invalid(err, field, "'since' and 'until' are epoch milliseconds (>= 0)");
        return prefixed(err, prefix, field);
    }
    return 0;
}

int fb_trace_filter_from_json(const json_t *obj, const char *prefix, fb_trace_filter_t *out,
                              err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!obj || json_is_null(obj))
        return 0;
    if (!json_is_object(obj)) {
        err_invalid(err, "", "the trace filter must be an object");
        if (err && prefix) {
            size_t n = strlen(prefix);
            snprintf(err->field, sizeof err->field, "%.*s",
                     (int)(n && prefix[n - 1] == '.' ? n - 1 : n), prefix);
        }
        return -1;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        int known = strcmp(key, "since") == 0 || strcmp(key, "until") == 0;
        for (size_t i = 0; i < NSTRING && !known; i++)
            known = strcmp(key, string_fields[i].key) == 0;
        if (!known) {
            err_invalid(err, key,
                        "unknown trace filter field '%s' (endpoint, model, status, user, "
                        "session_id, name, source, since, until)",
                        key);
            return prefixed(err, prefix, key);
        }
    }
    for (size_t i = 0; i < NSTRING; i++)
        if (json_field_string(obj, string_fields[i].key, 0, 1000, field_ptr(out, i), err) != 0)
            return prefixed(err, prefix, string_fields[i].key);
    if (json_field_int(obj, "since", 0, &out->since_ms, err) != 0)
        return prefixed(err, prefix, "since");
    if (json_field_int(obj, "until", 0, &out->until_ms, err) != 0)
        return prefixed(err, prefix, "until");
    return fb_trace_filter_check(out, prefix, err);
}

json_t *fb_trace_filter_to_json(const fb_trace_filter_t *f)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NSTRING; i++)
        if (*field_ptr(f, i))
            json_object_set_new(o, string_fields[i].key, json_string(*field_ptr(f, i)));
    if (f->since_ms > 0)
        json_object_set_new(o, "since", json_integer(f->since_ms));
    if (f->until_ms > 0)
        json_object_set_new(o, "until", json_integer(f->until_ms));
    return o;
}

void fb_trace_filter_sql(const fb_trace_filter_t *f, const char *alias, sqlb_t *b)
{
    const char *a = alias ? alias : "", *dot = alias ? "." : "";
    for (size_t i = 0; i < NSTRING; i++) {
        if (!*field_ptr(f, i))
            continue;
        sqlb_printf(b, " AND %s%s%s = ", a, dot, string_fields[i].column);
        sqlb_param(b, sv_text(*field_ptr(f, i)));
    }
    if (f->since_ms > 0) {
        sqlb_printf(b, " AND %s%sstart_ms >= ", a, dot);
        sqlb_param(b, sv_int(f->since_ms));
    }
    if (f->until_ms > 0) {
        sqlb_printf(b, " AND %s%sstart_ms < ", a, dot);
        sqlb_param(b, sv_int(f->until_ms));
    }
}
