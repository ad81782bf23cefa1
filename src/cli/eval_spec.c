/* eval_spec.c - `llmops eval run`'s flags and YAML file as evaluation request bodies (see
 * eval_spec.h). The file is read into JSON first (base/yaml_json.h), then the flags are laid
 * over it, then one body is made per target. Nothing is sent from here: a bad flag or key is
 * reported before any evaluation starts. */
#include "cli/eval_spec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/yaml_json.h"
#include "cli/cli_util.h"

/* ---- scorers --------------------------------------------------------------------------------- */

/* Keys whose values are always text, even when they read as numbers ("value=42"). */
static int text_key(const char *key, size_t len)
{
    static const char *const keys[] = {"name",  "field",  "value", "pattern", "rubric",
                                       "model", "prompt", "text",  "flags",   NULL};
    for (const char *const *k = keys; *k; k++)
        if (strlen(*k) == len && strncmp(*k, key, len) == 0)
            return 1;
    return 0;
}

/* Length of a KEY= at s ([A-Za-z_][A-Za-z0-9_.]* then '='), without the '='; 0 when none. */
static size_t key_at(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_')
        return 0;
    size_t n = 1;
    while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.')
        n++;
    return s[n] == '=' ? n : 0;
}

static json_t *typed_value(const char *key, size_t key_len, const char *v, size_t len)
{
    char *text = xstrndup(v, len);
    json_t *out = NULL;
    if (!text_key(key, key_len)) {
        if (strcmp(text, "true") == 0)
            out = json_true();
        else if (strcmp(text, "false") == 0)
            out = json_false();
        else if (len && (text[0] == '[' || text[0] == '{'))
            out = json_loads(text, 0, NULL);
        else if (len) {
            char *end;
            double d = strtod(text, &end);
            if (!*end && !isspace((unsigned char)text[0]))
                out = d == (double)(json_int_t)d && !strpbrk(text, ".eE")
                          ? json_integer((json_int_t)d)
                          : json_real(d);
        }
    }
    if (!out)
        out = json_string(text);
    free(text);
    return out;
}

json_t *eval_scorer_parse(const char *arg, err_t *err)
{
    while (isspace((unsigned char)*arg))
        arg++;
    if (*arg == '{') {
        json_error_t jerr;
        json_t *spec = json_loads(arg, JSON_REJECT_DUPLICATES, &jerr);
        if (!spec) {
            err_invalid(err, "scorer", "scorer '%s' is not valid JSON (column %d: %s)", arg,
                        jerr.column, jerr.text);
            return NULL;
        }
        if (!json_is_string(json_object_get(spec, "type"))) {
            json_decref(spec);
            err_invalid(err, "scorer", "scorer '%s' needs a \"type\"", arg);
            return NULL;
        }
        return spec;
    }
    size_t type_len = strcspn(arg, ":");
    if (type_len == 0) {
        err_invalid(err, "scorer", "scorer '%s' must start with its type (e.g. exact_match)", arg);
        return NULL;
    }
    for (size_t i = 0; i < type_len; i++)
        if (!isalnum((unsigned char)arg[i]) && arg[i] != '_') {
            err_invalid(err, "scorer",
                        "scorer '%s': the type is letters, digits and '_'; write "
                        "TYPE:KEY=VALUE,... or a JSON object",
                        arg);
            return NULL;
        }
    json_t *spec = json_pack("{s:s%}", "type", arg, type_len);
    const char *p = arg + type_len;
    if (*p == ':')
        p++;
    while (*p) {
        size_t klen = key_at(p);
        if (!klen) {
            json_decref(spec);
            err_invalid(err, "scorer", "scorer '%s': expected KEY=VALUE at '%s'", arg, p);
            return NULL;
        }
        const char *value = p + klen + 1;
        /* The value runs to the next comma that starts another KEY=, or to the end. */
        const char *end = value;
        while (*end && !(*end == ',' && key_at(end + 1)))
            end++;
        char *key = xstrndup(p, klen);
        json_object_set_new(spec, key, typed_value(p, klen, value, (size_t)(end - value)));
        free(key);
        p = *end ? end + 1 : end;
    }
    return spec;
}

/* ---- the file -------------------------------------------------------------------------------- */

static const char *const file_keys[] = {"dataset",    "split",       "limit",       "target",
                                        "targets",    "baseline",    "scorers",     "gates",
                                        "thresholds", "concurrency", "max_retries", "cache",
                                        "name",       "experiment",  "params",      NULL};

static json_t *load_file(const char *path, err_t *err)
{
    char *text = cli_read_input("eval run", path);
    if (!text) {
        err_invalid(err, "file", "cannot read %s", path);
        return NULL;
    }
    json_t *doc = yaml_to_json(path, text, strlen(text), err);
    free(text);
    if (!doc)
        return NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        err_invalid(err, "file", "%s: the file must be a mapping (dataset:, target:, ...)", path);
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        int known = 0;
        for (const char *const *k = file_keys; *k && !known; k++)
            known = strcmp(*k, key) == 0;
        if (!known) {
            err_invalid(err, key,
                        "%s: unknown key '%s' (known: dataset, split, limit, target, "
                        "targets, baseline, scorers, gates, thresholds, concurrency, "
                        "max_retries, cache, name, experiment, params)",
                        path, key);
            json_decref(doc);
            return NULL;
        }
    }
    return doc;
}

/* ---- building -------------------------------------------------------------------------------- */

/* A number flag ("--limit 10") as an integer >= min. */
static int int_flag(const char *text, const char *field, long long min, json_t **out, err_t *err)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || v < min)
        return err_invalid(err, field, "--%s must be an integer >= %lld, not '%s'", field, min,
                           text);
    *out = json_integer(v);
    return 0;
}

/* Set key from a flag when given (the flag wins over the file). */
static void set_text(json_t *spec, const char *key, const char *value)
{
    if (value)
        json_object_set_new(spec, key, json_string(value));
}

/* The targets: --target JSON, or --endpoint / --model / --prompt (with --model), else the
 * file's target / targets. A new array, or NULL with err. */
static json_t *targets_of(const eval_flags_t *f, const json_t *spec, err_t *err)
{
    if (f->target && (f->endpoint || f->model || f->prompt)) {
        err_invalid(err, "target",
                    "--target cannot be combined with --endpoint, --model or "
                    "--prompt");
        return NULL;
    }
    if (f->target) {
        json_t *t = json_loads(f->target, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(t)) {
            json_decref(t);
            err_invalid(err, "target",
                        "--target must be a JSON object, e.g. "
                        "'{\"endpoint\": \"support\"}'");
            return NULL;
        }
        return json_pack("[o]", t);
    }
    if (f->endpoint && (f->model || f->prompt)) {
        err_invalid(err, "target", "--endpoint cannot be combined with --model or --prompt");
        return NULL;
    }
    if (f->prompt && !f->model) {
        err_invalid(err, "target", "--prompt needs --model (the endpoint or model to send to)");
        return NULL;
    }
    if (f->endpoint)
        return json_pack("[{s:s}]", "endpoint", f->endpoint);
    if (f->prompt)
        return json_pack("[{s:s, s:s}]", "prompt", f->prompt, "model", f->model);
    if (f->model)
        return json_pack("[{s:s}]", "model", f->model);
    json_t *one = json_object_get(spec, "target"), *many = json_object_get(spec, "targets");
    if (one && many) {
        err_invalid(err, "targets", "give either target or targets, not both");
        return NULL;
    }
    if (one && !json_is_object(one)) {
        err_invalid(err, "target", "target must be a mapping (endpoint: ..., or model: ...)");
        return NULL;
    }
    if (one)
        return json_pack("[O]", one);
    if (!json_is_array(many) || json_array_size(many) == 0) {
        err_invalid(err, "target",
                    "no target: give --endpoint E, --model M, --prompt P --model M, or "
                    "target:/targets: in the file");
        return NULL;
    }
    size_t i;
    json_t *t;
    json_array_foreach(many, i, t) if (!json_is_object(t))
    {
        err_invalid(err, "targets", "targets[%zu] must be a mapping", i);
        return NULL;
    }
    return json_copy(many);
}

static json_t *scorers_of(const eval_flags_t *f, const json_t *spec, err_t *err)
{
    json_t *out = json_array();
    for (int i = 0; i < f->nscorers; i++) {
        json_t *s = eval_scorer_parse(f->scorers[i], err);
        if (!s)
            goto fail;
        json_array_append_new(out, s);
    }
    if (f->nscorers)
        return out;
    json_t *listed = json_object_get(spec, "scorers");
    if (listed && !json_is_array(listed)) {
        err_invalid(err, "scorers", "scorers must be a list");
        goto fail;
    }
    size_t i;
    json_t *s;
    json_array_foreach(listed, i, s)
    {
        json_t *one = json_is_string(s)   ? eval_scorer_parse(json_string_value(s), err)
                      : json_is_object(s) ? json_incref(s)
                                          : NULL;
        if (!one) {
            if (!json_is_string(s))
                err_invalid(err, "scorers", "scorers[%zu] must be a string or a mapping", i);
            goto fail;
        }
        if (!json_is_string(json_object_get(one, "type"))) {
            json_decref(one);
            err_invalid(err, "scorers", "scorers[%zu] needs a type", i);
            goto fail;
        }
        json_array_append_new(out, one);
    }
    if (json_array_size(out) == 0) {
        err_invalid(err, "scorers",
                    "no scorer: give --scorer TYPE (e.g. exact_match) or scorers: "
                    "in the file");
        goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

/* "a>=1" + "," + ... from the file's gates (text or list) and thresholds. */
static int file_gates(const json_t *spec, buf_t *out, err_t *err)
{
    json_t *gates = json_object_get(spec, "gates");
    if (json_is_string(gates))
        buf_append_str(out, json_string_value(gates));
    else if (json_is_array(gates)) {
        size_t i;
        json_t *g;
        json_array_foreach(gates, i, g)
        {
            if (!json_is_string(g))
                return err_invalid(err, "gates",
                                   "gates[%zu] must be a condition such as "
                                   "\"exact_match>=0.8\"",
                                   i);
            buf_printf(out, "%s%s", out->len ? "," : "", json_string_value(g));
        }
    } else if (gates && !json_is_null(gates))
        return err_invalid(err, "gates", "gates must be a text or a list of conditions");
    json_t *thresholds = json_object_get(spec, "thresholds");
    if (thresholds && !json_is_object(thresholds))
        return err_invalid(err, "thresholds", "thresholds must map metrics to numbers");
    const char *metric;
    json_t *v;
    json_object_foreach(thresholds, metric, v)
    {
        if (json_is_number(v)) {
            buf_printf(out, "%s%s>=%.17g", out->len ? "," : "", metric, json_number_value(v));
            continue;
        }
        json_t *min = json_object_get(v, "min"), *max = json_object_get(v, "max");
        if (!json_is_object(v) || (!json_is_number(min) && !json_is_number(max)))
            return err_invalid(err, "thresholds",
                               "thresholds.%s must be a number (the minimum) or {min, max}",
                               metric);
        if (json_is_number(min))
            buf_printf(out, "%s%s>=%.17g", out->len ? "," : "", metric, json_number_value(min));
        if (json_is_number(max))
            buf_printf(out, "%s%s<=%.17g", out->len ? "," : "", metric, json_number_value(max));
    }
    return 0;
}

int eval_plan_build(const eval_flags_t *f, eval_plan_t *plan, err_t *err)
{
    memset(plan, 0, sizeof *plan);
    plan->baseline_index = -1;
    json_t *spec = f->file ? load_file(f->file, err) : json_object();
    json_t *targets = NULL, *scorers = NULL, *v = NULL;
    if (!spec)
        return -1;
    /* The shared fields of every body, flags over the file. */
    json_t *common = json_object();
    static const char *const copied[] = {"dataset",     "split", "limit", "concurrency",
                                         "max_retries", "cache", "name",  "experiment",
                                         "params",      NULL};
    for (const char *const *k = copied; *k; k++)
        if (json_object_get(spec, *k) && !json_is_null(json_object_get(spec, *k)))
            json_object_set(common, *k, json_object_get(spec, *k));
    set_text(common, "dataset", f->dataset);
    set_text(common, "split", f->split);
    set_text(common, "name", f->name);
    set_text(common, "experiment", f->experiment);
    if (f->limit && int_flag(f->limit, "limit", 1, &v, err) == 0)
        json_object_set_new(common, "limit", v);
    else if (f->limit)
        goto fail;
    if (f->concurrency && int_flag(f->concurrency, "concurrency", 1, &v, err) == 0)
        json_object_set_new(common, "concurrency", v);
    else if (f->concurrency)
        goto fail;
    if (f->max_retries && int_flag(f->max_retries, "max_retries", 0, &v, err) == 0)
        json_object_set_new(common, "max_retries", v);
    else if (f->max_retries)
        goto fail;
    if (f->no_cache)
        json_object_set_new(common, "cache", json_false());
    if (!json_is_string(json_object_get(common, "dataset"))) {
        err_invalid(err, "dataset",
                    "no dataset: give --dataset NAME@VERSION or dataset: in the "
                    "file");
        goto fail;
    }
    if ((targets = targets_of(f, spec, err)) == NULL ||
        (scorers = scorers_of(f, spec, err)) == NULL)
        goto fail;
    json_object_set(common, "scorers", scorers);

    /* Gates: --gate replaces the file's gates and thresholds. */
    buf_t gates;
    buf_init(&gates);
    if (f->gates)
        buf_append_str(&gates, f->gates);
    else if (file_gates(spec, &gates, err) != 0) {
        buf_free(&gates);
        goto fail;
    }
    plan->gates = buf_steal(&gates);
    if (plan->gates[0])
        json_object_set_new(common, "gates", json_string(plan->gates));

    /* The baseline: --baseline RUN_ID, else the file's (an index or a run id), else the first
     * target when there are several. */
    json_t *baseline = json_object_get(spec, "baseline");
    size_t ntargets = json_array_size(targets);
    if (f->baseline) {
        plan->baseline_run = xstrdup(f->baseline);
    } else if (json_is_string(baseline)) {
        plan->baseline_run = xstrdup(json_string_value(baseline));
    } else if (json_is_integer(baseline)) {
        json_int_t i = json_integer_value(baseline);
        if (i < 0 || (size_t)i >= ntargets) {
            err_invalid(err, "baseline", "baseline %lld is not a target index (0..%zu)",
                        (long long)i, ntargets - 1);
            goto fail;
        }
        plan->baseline_index = ntargets > 1 ? (int)i : -1;
    } else if (baseline && !json_is_false(baseline) && !json_is_null(baseline)) {
        err_invalid(err, "baseline", "baseline must be a target index, a RUN_ID or false");
        goto fail;
    } else if (!json_is_false(baseline) && ntargets > 1) {
        plan->baseline_index = 0;
    }

    plan->bodies = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        json_t *body = json_copy(common);
        json_object_set(body, "target", t);
        if (plan->baseline_run)
            json_object_set_new(body, "baseline", json_string(plan->baseline_run));
        json_array_append_new(plan->bodies, body);
    }
    json_decref(common);
    json_decref(targets);
    json_decref(scorers);
    json_decref(spec);
    return 0;
fail:
    json_decref(common);
    json_decref(targets);
    json_decref(scorers);
    json_decref(spec);
    eval_plan_free(plan);
    return -1;
}

void eval_plan_free(eval_plan_t *plan)
{
    json_decref(plan->bodies);
    free(plan->baseline_run);
    free(plan->gates);
    memset(plan, 0, sizeof *plan);
    plan->baseline_index = -1;
}
