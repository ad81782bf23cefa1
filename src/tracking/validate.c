/* validate.c - tracking's name rules and limits (see validate.h). */
#include "tracking/validate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int key_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ' ' || c == '/' || c >= 0x80;
}

int tracking_check_key(const char *kind, const char *key, const char *field, err_t *err)
{
    if (!key || !*key)
        return err_invalid(err, field, "Invalid %s name: ''. A key name must be provided.", kind);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (!key_char_ok(*p))
            return err_invalid(err, field,
                               "Invalid %s name: '%.250s'. Names may only contain alphanumerics, "
                               "underscores (_), dashes (-), periods (.), spaces ( ), and slashes "
                               "(/).",
                               kind, key);
    /* Treated as a relative path, the name must already be normalised. */
    for (const char *seg = key;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return err_invalid(err, field,
                               "Invalid %s name: '%.250s'. Names may be treated as files in "
                               "certain cases, and must not resolve to other names when treated "
                               "as such.",
                               kind, key);
        if (!slash)
            break;
        seg = slash + 1;
    }
    size_t len = strlen(key);
    if (len > TRACKING_MAX_KEY_LEN)
        return err_invalid(err, field,
                           "%c%s name '%.250s' had length %zu, which exceeded length limit of %d",
                           kind[0] - 32, kind + 1, key, len, TRACKING_MAX_KEY_LEN);
    return 0;
}

int tracking_check_length(const char *what, const char *value, size_t limit, const char *field,
                          err_t *err)
{
    size_t len = value ? strlen(value) : 0;
    if (len > limit)
        return err_invalid(err, field,
                           "%s '%.250s' had length %zu, which exceeded length limit of %zu", what,
                           value, len, limit);
    return 0;
}

int tracking_parse_experiment_id(const char *text, int64_t *out, err_t *err)
{
    int ok = text && *text && strlen(text) <= 19;
    for (const char *p = text; ok && *p; p++)
        ok = *p >= '0' && *p <= '9';
    if (ok) {
        errno = 0;
        long long v = strtoll(text, NULL, 10);
        ok = errno == 0;
        *out = v;
    }
    if (!ok)
        return err_not_found(err, "No Experiment with id=%.100s exists", text ? text : "");
    return 0;
}

int tracking_view_type_parse(const char *text, const char *field, tracking_view_type_t *out,
                             err_t *err)
{
    if (!text)
        return 0;
    if (strcmp(text, "ACTIVE_ONLY") == 0 || strcmp(text, "1") == 0)
        *out = TRACKING_ACTIVE_ONLY;
    else if (strcmp(text, "DELETED_ONLY") == 0 || strcmp(text, "2") == 0)
        *out = TRACKING_DELETED_ONLY;
    else if (strcmp(text, "ALL") == 0 || strcmp(text, "3") == 0)
        *out = TRACKING_ALL;
    else
        return err_invalid(err, field,
                           "Invalid value for parameter '%s': '%.100s' is not one of "
                           "ACTIVE_ONLY, DELETED_ONLY, ALL",
                           field, text);
    return 0;
}

const char *tracking_view_type_sql(tracking_view_type_t v)
{
    switch (v) {
    case TRACKING_DELETED_ONLY:
        return "IN ('deleted')";
    case TRACKING_ALL:
        return "IN ('active', 'deleted')";
    case TRACKING_ACTIVE_ONLY:
        break;
    }
    return "IN ('active')";
}

const char *tracking_run_status_parse(const char *text, const char *field, err_t *err)
{
    static const char *const names[] = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};
    for (size_t i = 0; text && i < 5; i++) {
        char number[2] = {(char)('1' + i), '\0'};
        if (strcmp(text, names[i]) == 0 || strcmp(text, number) == 0)
            return names[i];
    }
    err_invalid(err, field,
                "Invalid value for parameter '%s': '%.100s' is not one of RUNNING, SCHEDULED, "
                "FINISHED, FAILED, KILLED",
                field, text ? text : "");
    return NULL;
}
