/* gateway.c - admission, the upstream call with retries and fallbacks, and the trace of each
 * request (see gateway.h).
 *
 * A request becomes a gw_call_t. Admission (parse, key, resolve, limits, budget, cache) runs on
 * the HTTP worker thread that received it; everything after the first upstream submit runs on
 * the upstream engine's thread, in its callbacks, one at a time - so the call's fields need no
 * lock. The call is reference-counted because three parties may hold it: the in-flight
 * upstream call, the client-gone hook, and the submitting thread for the instant it stores
 * the upstream call id.
 *
 * Attempts: the targets in route order; on a retryable failure (connection error, timeout,
 * 429, 5xx, a stream that broke before anything reached the client) the same target is retried
 * up to its max_retries with backoff, then the next target is tried. Targets whose circuit is
 * open are skipped. A 4xx other than 408/409/429 is the client's fault and is returned at once.
 * Once any byte of a stream has reached the client, a failure can no longer be hidden: the
 * client gets an error event, never a silent truncated 200. */
#include "gateway/gateway.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "base/metrics.h"
#include "gateway/budget.h"
#include "gateway/cache.h"
#include "gateway/circuit.h"
#include "gateway/keys.h"
#include "gateway/ratelimit.h"
#include "gateway/request_build.h"
#include "gateway/routing.h"
#include "providers/upstream.h"

#define GW_MAX_TARGETS     16
#define GW_MAX_BODY        (64u << 20) /* upstream answer bytes kept for one call */
#define GW_DEFAULT_OUT_TOK 4096        /* worst case when a request sets no max_tokens */

struct gateway {
    gateway_config_src_t *cfg;
    trace_sink_t *sink;
    upstream_t *up;
    ratelimit_t *rl;
    budget_t *budget;
    circuit_t *circuit;
    gw_cache_t *cache;
    int require_key;
    metric_t *m_in_flight, *m_retries, *m_fallbacks, *m_cache_hits, *m_ttft;
};

typedef struct gw_call {
    gateway_t *g;
    _Atomic int refs;
    gw_reply_t reply;
    const gateway_config_t *cfg; /* the snapshot, held for the whole call */
    const gw_endpoint_t *ep;
    provider_op_t op;
    char *model_requested;
    json_t *body; /* the client's request without the llmops extension */
    json_t *vars; /* llmops.variables */
    json_t *sent; /* the body sent to the current target */
    int stream, client_usage;
    char *user, *session_id, *source;
    const gw_key_t *key;
    double reservation;

    size_t order[GW_MAX_TARGETS], norder, pos; /* route order, and where we are in it */
    const gw_target_t *target;
    char breaker_key[300];
    int target_tries;
    int retries;
    json_t *attempts;

    /* the current attempt */
    _Atomic upstream_call_id_t upstream_id;
    int64_t attempt_us;
    int status;
    int64_t retry_after_ms;
    buf_t in;               /* non-stream or error body */
    provider_stream_t *ps;  /* 2xx stream translator */
    int began;              /* the client stream has begun */
    buf_t out;              /* scratch for translated events */
    int64_t first_token_us; /* 0 until the first byte reaches the client */

    /* the outcome */
    provider_summary_t summary;
    char cache_key[65];
    int cache_state; /* 0: not cached, 1: miss */
    int http_status;
    err_t err;
    int failed;
    char trace_id[ID_HEX_LEN + 1];
    char span_id[17];
    int64_t start_ms, t0_us;
} gw_call_t;

/* ---- small helpers ------------------------------------------------------------------------- */

/* OpenAI's error body: {"error":{"message","type","param","code"}}. */
static char *openai_error_body(int status, const char *code, const char *param, const char *message,
                               size_t *len)
{
    const char *type = status == 429   ? "rate_limit_error"
                       : status == 401 ? "authentication_error"
                       : status == 403 ? "permission_error"
                       : status >= 500 ? "api_error"
                                       : "invalid_request_error";
    json_t *body = json_pack("{s:{s:s, s:s, s:s?, s:s?}}", "error", "message", message, "type",
                             type, "param", param && *param ? param : NULL, "code", code);
    char *text = json_to_string(body);
    json_decref(body);
    *len = strlen(text);
    return text;
}

static void reply_error(const gw_reply_t *reply, gw_meta_t *meta, int status, const char *code,
                        const char *param, const char *message)
{
    size_t len;
    char *body = openai_error_body(status, code, param, message, &len);
    reply->answer(reply->ctx, status, body, len, meta);
}

static double cost_of(const gateway_config_t *cfg, const gw_target_t *t, const provider_usage_t *u,
                      int *known)
{
    const gw_price_t *p = gateway_config_price(cfg, t->provider, t->model);
    *known = p && u->known;
    if (!*known)
        return 0;
    return ((double)u->input_tokens * p->input_per_mtok +
            (double)u->output_tokens * p->output_per_mtok) /
           1e6;
}

/* The most a request can cost at the first target's price: its body as input tokens (about
 * four bytes a token, rounded up generously) plus max_tokens of output. 0 when unpriced. */
static double cost_ceiling(const gateway_config_t *cfg, const gw_target_t *t, const json_t *body,
                           size_t body_len)
{
    const gw_price_t *p = gateway_config_price(cfg, t->provider, t->model);
    if (!p)
        return 0;
    json_int_t out_tokens = json_integer_value(json_object_get(body, "max_tokens"));
    if (out_tokens <= 0)
        out_tokens = json_integer_value(json_object_get(body, "max_completion_tokens"));
    if (out_tokens <= 0)
        out_tokens = GW_DEFAULT_OUT_TOK;
    double in_tokens = (double)body_len / 3.0 + 16;
    return (in_tokens * p->input_per_mtok + (double)out_tokens * p->output_per_mtok) / 1e6;
}

static int key_may_use(const gw_key_t *k, const char *model)
{
    if (!k->allowed_endpoints)
        return 1;
    for (char **e = k->allowed_endpoints; *e; e++)
        if (strcmp(*e, model) == 0)
            return 1;
    return 0;
}

static const char *op_name(provider_op_t op)
{
    return op == PROVIDER_OP_CHAT          ? "chat.completions"
           : op == PROVIDER_OP_COMPLETIONS ? "completions"
                                           : "embeddings";
}

/* ---- the call's life ---------------------------------------------------------------------- */

static void call_ref(gw_call_t *c)
{
    atomic_fetch_add(&c->refs, 1);
}

static void call_free(gw_call_t *c)
{
    if (c->reply.release)
        c->reply.release(c->reply.ctx);
    if (c->cfg)
        gateway_config_release(c->g->cfg, c->cfg);
    free(c->model_requested);
    free(c->user);
    free(c->session_id);
    free(c->source);
    json_decref(c->body);
    json_decref(c->vars);
    json_decref(c->sent);
    json_decref(c->attempts);
    buf_free(&c->in);
    buf_free(&c->out);
    provider_stream_free(c->ps);
    provider_summary_free(&c->summary);
    free(c);
}

static void call_unref(gw_call_t *c)
{
    if (atomic_fetch_sub(&c->refs, 1) == 1)
        call_free(c);
}

static gw_meta_t call_meta(const gw_call_t *c)
{
    gw_meta_t m = {.cache = NULL, .retry_after_s = 0};
    memcpy(m.trace_id, c->trace_id, sizeof m.trace_id);
    if (c->cache_state == 1)
        m.cache = "miss";
    return m;
}

/* The finished call in /metrics, per endpoint (the endpoint's name is user input: escaped by
 * metrics_label; a request naming no known endpoint counts under endpoint=""). Series are
 * looked up per call: the registry's lookup is a short locked scan, and the set of series is
 * bounded by the configured endpoints and the platform's own error codes. */
static void call_count(const gw_call_t *c, double latency_ms, const provider_summary_t *s,
                       double cost)
{
    const char *endpoint = c->ep ? c->ep->name : "";
    char ep[400] = "", labels[512];
    metrics_label(ep, sizeof ep, "endpoint", endpoint);
    char status[16];
    snprintf(status, sizeof status, "%d", c->http_status);
    snprintf(labels, sizeof labels, "%s", ep);
    metrics_label(labels, sizeof labels, "status", status);
    metrics_add(metrics_counter("llmops_gateway_requests_total", labels,
                                "gateway requests answered, by endpoint and HTTP status"),
                1);
    if (c->failed) {
        snprintf(labels, sizeof labels, "%s", ep);
        metrics_label(labels, sizeof labels, "code", c->err.code);
        metrics_add(metrics_counter("llmops_gateway_errors_total", labels,
                                    "gateway requests answered with an error, by endpoint and "
                                    "error code"),
                    1);
    }
    metrics_observe(metrics_histogram("llmops_gateway_request_duration_seconds", ep,
                                      "gateway request duration from receipt to the last byte",
                                      metrics_seconds_bounds, metrics_seconds_nbounds),
                    latency_ms / 1000.0);
    if (c->stream && c->first_token_us) /* a whole answer's first byte is its last */
        metrics_observe(c->g->m_ttft, (double)(c->first_token_us - c->t0_us) / 1e6);
    if (s->usage.known) {
        snprintf(labels, sizeof labels, "%s", ep);
        metrics_label(labels, sizeof labels, "direction", "input");
        metrics_add(metrics_counter("llmops_gateway_tokens_total", labels,
                                    "tokens reported by providers, by endpoint and direction"),
                    s->usage.input_tokens);
        snprintf(labels, sizeof labels, "%s", ep);
        metrics_label(labels, sizeof labels, "direction", "output");
        metrics_add(metrics_counter("llmops_gateway_tokens_total", labels,
                                    "tokens reported by providers, by endpoint and direction"),
                    s->usage.output_tokens);
    }
    metric_t *m_cost = metrics_counter("llmops_gateway_cost_usd_total", ep,
                                       "cost of gateway calls in USD at the price table (calls "
                                       "with an unknown price add nothing)");
    metrics_add_float(m_cost, cost);
    metrics_add(c->g->m_in_flight, -1);
}

/* The trace record of the finished call (see traces/trace_sink.h for the fields). */
static void call_trace(gw_call_t *c, int cache_hit)
{
    gateway_t *g = c->g;
    const gw_target_t *t = c->target;
    int64_t end_ms = clock_now_ms();
    double latency_ms = (double)(clock_mono_us() - c->t0_us) / 1000.0;
    const provider_summary_t *s = c->ps ? provider_stream_summary(c->ps) : &c->summary;
    int cost_known = 0;
    double cost = t && !cache_hit ? cost_of(c->cfg, t, &s->usage, &cost_known) : 0;
    if (cache_hit)
        cost_known = 1; /* a cached answer costs nothing */

    json_t *r = json_object();
    json_object_set_new(r, "trace_id", json_string(c->trace_id));
    json_object_set_new(r, "span_id", json_string(c->span_id));
    json_object_set_new(r, "name", json_string(op_name(c->op)));
    json_object_set_new(r, "start_ms", json_integer(c->start_ms));
    json_object_set_new(r, "end_ms", json_integer(end_ms));
    json_object_set_new(r, "latency_ms", json_real(latency_ms));
    if (c->first_token_us)
        json_object_set_new(r, "ttft_ms", json_real((double)(c->first_token_us - c->t0_us) / 1e3));
    json_object_set_new(r, "status", json_string(c->failed ? "error" : "ok"));
    json_object_set_new(r, "http_status", json_integer(c->http_status));
    if (c->failed) {
        json_object_set_new(r, "error", json_string(c->err.message));
        json_object_set_new(r, "error_code", json_string(c->err.code));
    }
    if (c->ep)
        json_object_set_new(r, "endpoint", json_string(c->ep->name));
    json_object_set_new(r, "model_requested", json_string(c->model_requested));
    if (t) {
        json_object_set_new(r, "target", json_string(t->label));
        json_object_set_new(r, "provider", json_string(t->provider));
        json_object_set_new(r, "upstream_model", json_string(t->model));
        if (t->model_name) {
            json_object_set_new(r, "model_name", json_string(t->model_name));
            json_object_set_new(r, "model_version", json_integer(t->model_version));
            if (t->model_alias)
                json_object_set_new(r, "model_alias", json_string(t->model_alias));
        }
        if (t->prompt_name) {
            json_object_set_new(r, "prompt_name", json_string(t->prompt_name));
            json_object_set_new(r, "prompt_version", json_integer(t->prompt_version));
        }
    }
    if (c->key)
        json_object_set_new(r, "key_id", json_string(c->key->id));
    if (c->user)
        json_object_set_new(r, "user", json_string(c->user));
    if (c->session_id)
        json_object_set_new(r, "session_id", json_string(c->session_id));
    if (c->source)
        json_object_set_new(r, "source", json_string(c->source));
    json_object_set(r, "request", c->sent ? c->sent : c->body);
    json_t *response = json_object();
    json_object_set_new(response, "text", json_string(s->text.data ? s->text.data : ""));
    if (s->tool_calls)
        json_object_set(response, "tool_calls", s->tool_calls);
    json_object_set_new(r, "response", response);
    if (s->finish_reason[0])
        json_object_set_new(r, "finish_reason", json_string(s->finish_reason));
    if (s->usage.known) {
        json_object_set_new(r, "input_tokens", json_integer(s->usage.input_tokens));
        json_object_set_new(r, "output_tokens", json_integer(s->usage.output_tokens));
    }
    json_object_set_new(r, "cost_usd", cost_known ? json_real(cost) : json_null());
    json_object_set_new(r, "retries", json_integer(c->retries));
    json_object_set(r, "attempts", c->attempts);
    json_object_set_new(r, "cache_hit", json_boolean(cache_hit));
    json_object_set_new(r, "stream", json_boolean(c->stream));

    /* Settle the money and tokens before the record goes. */
    if (c->key) {
        budget_settle(g->budget, c->key->id, c->reservation, cost_known ? cost : 0);
        c->reservation = 0;
        if (s->usage.known)
            ratelimit_add_tokens(g->rl, c->key->id, s->usage.input_tokens + s->usage.output_tokens,
                                 end_ms);
    }
    call_count(c, latency_ms, s, cost_known ? cost : 0);
    if (g->sink)
        trace_sink_submit(g->sink, r); /* a full queue drops it and counts it there */
    else
        json_decref(r);
}

/* The call is over: trace it, detach from the client, drop the engine's reference. */
static void call_finish(gw_call_t *c)
{
    call_trace(c, 0);
    if (c->reply.on_cancel(c->reply.ctx, NULL, NULL) == 1)
        call_unref(c); /* the client-gone hook will never run: its reference goes */
    call_unref(c);
}

static void call_fail(gw_call_t *c, const err_t *err)
{
    c->failed = 1;
    c->err = *err;
    c->http_status = err->status;
    gw_meta_t meta = call_meta(c);
    if (c->began) { /* a stream is under way: tell the client in-band, then end it */
        buf_reset(&c->out);
        provider_stream_error_event(err, &c->out);
        c->reply.stream_write(c->reply.ctx, c->out.data, c->out.len);
        c->reply.stream_end(c->reply.ctx);
    } else {
        if (c->retry_after_ms > 0 && err->status == 429)
            meta.retry_after_s = (long)((c->retry_after_ms + 999) / 1000);
        reply_error(&c->reply, &meta, err->status, err->code, err->field, err->message);
    }
    call_finish(c);
}

static void on_client_gone(void *arg)
{
    gw_call_t *c = arg;
    upstream_call_id_t id = atomic_load(&c->upstream_id);
    if (id)
        upstream_cancel(c->g->up, id);
    call_unref(c);
}

/* ---- attempts ----------------------------------------------------------------------------- */

static int on_head(void *ctx, int status, const char *const *headers, int64_t retry_after_ms);
static int on_body(void *ctx, const char *data, size_t len);
static void on_done(void *ctx, const upstream_result_t *result);

/* Move to the next target whose circuit lets a request through. 0, or -1 when none is left. */
static int next_target(gw_call_t *c, int64_t now_ms)
{
    const gw_endpoint_t *ep = c->ep;
    while (c->pos < c->norder) {
        const gw_target_t *t = &ep->targets[c->order[c->pos++]];
        snprintf(c->breaker_key, sizeof c->breaker_key, "%s/%s", ep->name, t->label);
        if (circuit_allow(c->g->circuit, c->breaker_key, ep->breaker_failures,
                          ep->breaker_cooldown_ms, now_ms)) {
            if (c->target)
                metrics_add(c->g->m_fallbacks, 1);
            c->target = t;
            c->target_tries = 0;
            return 0;
        }
    }
    return -1;
}

/* Submit an attempt at the current target after delay_ms. 0, or -1 with err. */
static int attempt_start(gw_call_t *c, int delay_ms, err_t *err)
{
    const gw_target_t *t = c->target;
    json_decref(c->sent);
    c->sent = gw_request_build(t, c->op, c->body, c->vars, err);
    if (!c->sent)
        return -1;
    provider_conn_t conn = {.kind = t->kind,
                            .base_url = t->base_url,
                            .api_key_env = t->api_key_env,
                            .api_version = t->api_version};
    provider_http_t http;
    if (provider_build_request(&conn, c->op, c->sent, c->stream, &http, err) != 0)
        return -1;
    upstream_req_t req = {.method = "POST",
                          .url = http.url,
                          .headers = (const char *const *)http.headers,
                          .body = http.body,
                          .body_len = http.body_len,
                          .timeout_ms = t->timeout_ms,
                          .delay_ms = delay_ms};
    upstream_callbacks_t cb = {.on_head = on_head, .on_body = on_body, .on_done = on_done};
    c->status = 0;
    c->retry_after_ms = -1;
    buf_reset(&c->in);
    provider_stream_free(c->ps);
    c->ps = NULL;
    c->attempt_us = clock_mono_us() + (int64_t)delay_ms * 1000;
    c->target_tries++;
    call_ref(c); /* held while we store the id: the engine may finish the call at once */
    upstream_call_id_t id = upstream_submit(c->g->up, &req, &cb, c, err);
    provider_http_free(&http);
    if (id)
        atomic_store(&c->upstream_id, id);
    call_unref(c);
    return id ? 0 : -1;
}

static void attempt_record(gw_call_t *c, int status, const char *error)
{
    json_array_append_new(c->attempts,
                          json_pack("{s:s, s:i, s:s?, s:f}", "target", c->target->label, "status",
                                    status, "error", error && *error ? error : NULL, "latency_ms",
                                    (double)(clock_mono_us() - c->attempt_us) / 1000.0));
}

/* The attempt failed with err. Retry, fall back, or give up. */
static void attempt_failed(gw_call_t *c, const err_t *err, int retryable)
{
    int64_t now_ms = clock_now_ms();
    if (retryable)
        circuit_failure(c->g->circuit, c->breaker_key, c->ep->breaker_failures, now_ms);
    if (c->began || !retryable) {
        call_fail(c, err);
        return;
    }
    err_t serr;
    for (;;) {
        int delay = 0;
        if (c->target_tries <= c->target->max_retries) {
            delay = (int)gw_backoff_ms(c->target_tries, c->ep->backoff_ms, c->ep->backoff_max_ms,
                                       c->retry_after_ms);
        } else if (next_target(c, now_ms) != 0) {
            call_fail(c, err); /* nothing left: the last failure is the answer */
            return;
        }
        c->retries++;
        metrics_add(c->g->m_retries, 1);
        if (attempt_start(c, delay, &serr) == 0)
            return;
        if (serr.status != 503) { /* this target cannot take the request at all */
            call_fail(c, &serr);
            return;
        }
    }
}

static int on_head(void *ctx, int status, const char *const *headers, int64_t retry_after_ms)
{
    (void)headers;
    gw_call_t *c = ctx;
    c->status = status;
    c->retry_after_ms = retry_after_ms;
    if (status >= 200 && status < 300 && c->stream)
        c->ps = provider_stream_new(c->target->kind, c->op, c->client_usage);
    return 0;
}

static int on_body(void *ctx, const char *data, size_t len)
{
    gw_call_t *c = ctx;
    if (!c->ps) { /* a whole answer, or an error body */
        if (c->in.len + len > GW_MAX_BODY) {
            err_set(&c->err, 502, "upstream_answer_too_large", NULL,
                    "the upstream answer is larger than %u bytes", GW_MAX_BODY);
            return -1;
        }
        buf_append(&c->in, data, len);
        return 0;
    }
    buf_reset(&c->out);
    err_t err;
    if (provider_stream_feed(c->ps, data, len, &c->out, &err) != 0) {
        c->err = err;
        return -1;
    }
    if (c->out.len == 0)
        return 0;
    if (!c->began) {
        gw_meta_t meta = call_meta(c);
        if (c->reply.stream_begin(c->reply.ctx, &meta) != 0)
            return -1;
        c->began = 1;
        c->first_token_us = clock_mono_us();
        c->http_status = 200;
    }
    return c->reply.stream_write(c->reply.ctx, c->out.data, c->out.len);
}

/* A 2xx non-stream answer arrived whole: parse, answer, cache. */
static void answer_whole(gw_call_t *c)
{
    err_t err;
    json_t *answer = provider_parse_response(c->target->kind, c->op, c->in.data ? c->in.data : "",
                                             c->in.len, &c->summary.usage, &err);
    if (!answer) {
        attempt_record(c, c->status, err.message);
        attempt_failed(c, &err, 1);
        return;
    }
    provider_usage_t usage = c->summary.usage;
    provider_summarize(c->op, answer, &c->summary);
    if (!c->summary.usage.known)
        c->summary.usage = usage;
    /* An OpenAI-shaped upstream's bytes go to the client as they came (no second
     * serialisation); a translated answer is serialised once. */
    size_t len;
    char *text;
    if (c->target->kind == PROVIDER_ANTHROPIC) {
        text = json_to_string(answer);
        len = strlen(text);
    } else {
        len = c->in.len;
        text = buf_steal(&c->in);
    }
    json_decref(answer);
    if (c->cache_state == 1)
        gw_cache_put(c->g->cache, c->cache_key, text, len, c->ep->cache_ttl_s, clock_now_ms());
    attempt_record(c, c->status, NULL);
    circuit_success(c->g->circuit, c->breaker_key);
    c->http_status = 200;
    c->first_token_us = clock_mono_us();
    gw_meta_t meta = call_meta(c);
    meta.cost_usd = cost_of(c->cfg, c->target, &c->summary.usage, &meta.cost_known);
    c->reply.answer(c->reply.ctx, 200, text, len, &meta);
    call_finish(c);
}

static void on_done(void *ctx, const upstream_result_t *r)
{
    gw_call_t *c = ctx;
    atomic_store(&c->upstream_id, 0);
    err_t err;
    if (r->cancelled && c->err.message[0] == '\0') {
        /* the client went away (or a write to it failed) */
        attempt_record(c, r->status, "client closed the connection");
        err_set(&err, 499, "client_closed", NULL, "the client closed the connection");
        c->failed = 1;
        c->err = err;
        c->http_status = 499;
        if (c->began)
            c->reply.stream_end(c->reply.ctx);
        else
            reply_error(&c->reply, &(gw_meta_t){0}, 499, err.code, NULL, err.message);
        call_finish(c);
        return;
    }
    if (c->err.message[0]) { /* we stopped it: a bad upstream stream, or an answer too large */
        err = c->err;
        memset(&c->err, 0, sizeof c->err);
        attempt_record(c, c->status, err.message);
        attempt_failed(c, &err, 1);
        return;
    }
    if (c->ps && c->status >= 200 && c->status < 300) {
        buf_reset(&c->out);
        int complete = r->transport_ok && provider_stream_finish(c->ps, &c->out);
        if (complete && c->began) {
            c->reply.stream_write(c->reply.ctx, c->out.data, c->out.len);
            c->reply.stream_end(c->reply.ctx);
            attempt_record(c, c->status, NULL);
            circuit_success(c->g->circuit, c->breaker_key);
            call_finish(c);
            return;
        }
        if (r->timed_out)
            err_set(&err, 504, "upstream_timeout", NULL,
                    "the upstream stream stopped before it was complete: timed out after %d ms",
                    c->target->timeout_ms);
        else
            err_set(&err, 502, "upstream_stream_broken", NULL,
                    "the upstream stream ended before it was complete%s%s", r->error[0] ? ": " : "",
                    r->error);
        attempt_record(c, c->status, err.message);
        attempt_failed(c, &err, 1);
        return;
    }
    if (r->transport_ok && c->status >= 200 && c->status < 300) {
        answer_whole(c);
        return;
    }
    if (!r->transport_ok && c->status == 0) {
        if (r->timed_out)
            err_set(&err, 504, "upstream_timeout", NULL, "the upstream did not answer within %d ms",
                    c->target->timeout_ms);
        else
            err_set(&err, 502, "upstream_unavailable", NULL, "cannot reach the upstream: %s",
                    r->error);
        attempt_record(c, 0, err.message);
        attempt_failed(c, &err, 1);
        return;
    }
    int ok_status = c->status >= 200 && c->status < 300;
    if (ok_status) /* a 2xx answer whose body was cut short */
        err_set(&err, 502, "upstream_error", NULL, "the upstream answer was cut short: %s",
                r->error);
    else
        provider_parse_error(c->target->kind, c->status, c->in.data ? c->in.data : "", c->in.len,
                             &err);
    attempt_record(c, c->status, err.message);
    int retryable =
        ok_status || c->status == 408 || c->status == 409 || c->status == 429 || c->status >= 500;
    attempt_failed(c, &err, retryable);
}

/* ---- admission ---------------------------------------------------------------------------- */

/* Parse and check the request; fill c. 0, or -1 with err (then the caller answers it). */
static int admit(gateway_t *g, gw_call_t *c, const gw_request_t *req, gw_meta_t *meta, err_t *err)
{
    c->body = json_parse_object(req->body ? req->body : "", req->body_len, err);
    if (!c->body) {
        err->status = 400;
        snprintf(err->code, sizeof err->code, "invalid_json");
        return -1;
    }
    const char *model = json_string_value(json_object_get(c->body, "model"));
    if (!model || !*model)
        return err_set(err, 400, "missing_model", "model",
                       "you must provide a model parameter (an endpoint name or a registered "
                       "model reference such as name@alias)");
    c->model_requested = xstrdup(model);
    json_t *stream = json_object_get(c->body, "stream");
    if (stream && !json_is_boolean(stream) && !json_is_null(stream))
        return err_set(err, 400, "invalid_type", "stream", "stream must be a boolean");
    c->stream = json_is_true(stream) && c->op != PROVIDER_OP_EMBEDDINGS;
    c->client_usage =
        json_is_true(json_object_get(json_object_get(c->body, "stream_options"), "include_usage"));
    const char *user = json_string_value(json_object_get(c->body, "user"));
    if (user)
        c->user = xstrdup(user);
    if (req->session_id)
        c->session_id = xstrdup(req->session_id);
    if (req->source)
        c->source = xstrdup(req->source);
    json_t *ext = json_object_get(c->body, "llmops");
    if (ext) {
        json_t *vars = json_object_get(ext, "variables");
        if (!json_is_object(ext) || (vars && !json_is_object(vars)))
            return err_set(err, 400, "invalid_type", "llmops.variables",
                           "llmops must be an object and llmops.variables an object");
        c->vars = json_incref(vars);
        json_object_del(c->body, "llmops");
    }

    /* The key. */
    /* Without --gateway-require-key, a token that is not an llmops key (SDKs insist on
     * sending one: "none", "sk-...") is anonymous; an llmops key must be a valid one. */
    const char *auth = req->authorization;
    const char *token = auth && strncasecmp(auth, "Bearer ", 7) == 0 && auth[7] ? auth + 7 : NULL;
    if (token && (g->require_key || strncmp(token, GW_KEY_PREFIX, strlen(GW_KEY_PREFIX)) == 0)) {
        char hash[65];
        gateway_key_hash(token, hash);
        c->key = gateway_config_key(c->cfg, hash);
        if (!c->key)
            return err_set(err, 401, "invalid_api_key", NULL,
                           "Incorrect API key provided (unknown or revoked)");
    } else if (g->require_key && !req->internal) {
        return err_set(err, 401, "missing_api_key", NULL,
                       "You didn't provide an API key: send it as 'Authorization: Bearer KEY'");
    }

    /* The endpoint. */
    const char *why = NULL;
    c->ep = gateway_config_endpoint(c->cfg, model);
    if (!c->ep)
        c->ep = gateway_config_model_ref(c->cfg, model, &why);
    if (!c->ep)
        return err_set(err, 404, "model_not_found", "model",
                       "The model `%s` does not exist: it is neither a gateway endpoint nor a "
                       "servable registered model%s%s",
                       model, why ? ": " : "", why ? why : "");
    if (c->key && !key_may_use(c->key, model))
        return err_set(err, 403, "model_not_allowed", "model", "this API key may not use `%s`",
                       model);

    /* Limits. */
    int64_t now_ms = clock_now_ms();
    if (c->key) {
        int64_t retry_ms = 0;
        if (!ratelimit_admit(g->rl, c->key->id, c->key->rpm, c->key->tpm, now_ms, &retry_ms)) {
            meta->retry_after_s = (long)((retry_ms + 999) / 1000);
            if (meta->retry_after_s < 1)
                meta->retry_after_s = 1;
            return err_set(err, 429, "rate_limit_exceeded", NULL,
                           "Rate limit reached for key %s (rpm %lld, tpm %lld); retry after %ld s",
                           c->key->id, (long long)c->key->rpm, (long long)c->key->tpm,
                           meta->retry_after_s);
        }
    }

    /* Route order. */
    int weights[GW_MAX_TARGETS];
    size_t n = c->ep->ntargets < GW_MAX_TARGETS ? c->ep->ntargets : GW_MAX_TARGETS;
    for (size_t i = 0; i < n; i++)
        weights[i] = c->ep->targets[i].weight;
    gw_route_order(c->ep->name, weights, n, c->user, c->order);
    c->norder = n;
    if (next_target(c, now_ms) != 0)
        return err_set(err, 503, "no_healthy_target", NULL,
                       "every target of `%s` is failing (circuit open); try again later", model);

    /* Budget. */
    if (c->key && c->key->budget_usd >= 0) {
        budget_sync_spent(g->budget, c->key->id, c->key->spent_usd);
        double ceiling = cost_ceiling(c->cfg, c->target, c->body, req->body_len);
        if (!budget_reserve(g->budget, c->key->id, c->key->budget_usd, ceiling, &c->reservation))
            return err_set(err, 429, "insufficient_quota", NULL,
                           "budget of key %s exhausted: %.6f of %.6f USD spent or reserved",
                           c->key->id, budget_spent(g->budget, c->key->id), c->key->budget_usd);
    }
    return 0;
}

void gateway_handle(gateway_t *g, const gw_request_t *req, const gw_reply_t *reply)
{
    gw_call_t *c = xcalloc(1, sizeof *c);
    atomic_init(&c->refs, 1);
    c->g = g;
    c->reply = *reply;
    c->op = req->op;
    c->t0_us = clock_mono_us();
    c->start_ms = clock_now_ms();
    c->attempts = json_array();
    buf_init(&c->in);
    buf_init(&c->out);
    provider_summary_init(&c->summary);
    ids_uuid7_hex(c->trace_id);
    ids_random_hex(c->span_id, 8);
    c->cfg = gateway_config_acquire(g->cfg);
    metrics_add(g->m_in_flight, 1);

    gw_meta_t meta = call_meta(c);
    err_t err;
    if (admit(g, c, req, &meta, &err) != 0) {
        c->failed = 1;
        c->err = err;
        c->http_status = err.status;
        reply_error(&c->reply, &meta, err.status, err.code, err.field, err.message);
        call_trace(c, 0);
        call_unref(c);
        return;
    }

    /* The cache, for whole answers of endpoints that opted in. */
    if (c->ep->cache_enabled && !c->stream &&
        gw_cache_cacheable(c->body, c->ep->cache_nondeterministic)) {
        gw_cache_key(c->ep->name, op_name(c->op), c->body, c->cache_key);
        char *hit = NULL;
        size_t len = 0;
        if (gw_cache_get(g->cache, c->cache_key, clock_now_ms(), &hit, &len)) {
            metrics_add(g->m_cache_hits, 1);
            json_t *answer = json_loadb(hit, len, 0, NULL);
            if (answer)
                provider_summarize(c->op, answer, &c->summary);
            json_decref(answer);
            c->http_status = 200;
            c->first_token_us = clock_mono_us();
            meta.cache = "hit";
            meta.cost_known = 1; /* a cached answer costs nothing */
            c->reply.answer(c->reply.ctx, 200, hit, len, &meta);
            call_trace(c, 1);
            call_unref(c);
            return;
        }
        c->cache_state = 1;
    }

    /* Upstream. Two references from here: the engine's (this one) and the client-gone hook's. */
    call_ref(c);
    if (c->reply.on_cancel(c->reply.ctx, on_client_gone, c) != 1)
        call_unref(c);
    if (attempt_start(c, 0, &err) != 0) {
        attempt_record(c, 0, err.message);
        if (err.status == 503) /* the engine is stopping */
            call_fail(c, &err);
        else
            attempt_failed(c, &err, err.status >= 500);
    }
}

json_t *gateway_models(gateway_t *g)
{
    const gateway_config_t *cfg = gateway_config_acquire(g->cfg);
    json_t *data = gateway_config_models(cfg);
    gateway_config_release(g->cfg, cfg);
    return json_pack("{s:s, s:o}", "object", "list", "data", data);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

gateway_t *gateway_start(gateway_config_src_t *cfg, trace_sink_t *sink, const gateway_opts_t *opts,
                         err_t *err)
{
    gateway_t *g = xcalloc(1, sizeof *g);
    g->cfg = cfg;
    g->sink = sink;
    g->require_key = opts->require_key;
    const char *redis = opts->redis_url && *opts->redis_url ? opts->redis_url : NULL;
    g->up = upstream_start(0, err);
    g->rl = g->up ? ratelimit_new(redis, err) : NULL;
    g->cache =
        g->rl ? gw_cache_new(opts->cache_max_bytes ? opts->cache_max_bytes : 64u << 20, redis, err)
              : NULL;
    if (!g->cache) {
        gateway_stop(g);
        return NULL;
    }
    g->budget = budget_new();
    g->circuit = circuit_new();
    g->m_in_flight = metrics_gauge("llmops_gateway_requests_in_flight", "",
                                   "gateway requests received and not yet answered");
    g->m_ttft =
        metrics_histogram("llmops_gateway_ttft_seconds", "",
                          "streamed gateway requests: time from receipt to the first byte sent",
                          metrics_seconds_bounds, metrics_seconds_nbounds);
    g->m_retries = metrics_counter("llmops_gateway_retries_total", "",
                                   "upstream attempts after the first (retries and fallbacks)");
    g->m_fallbacks = metrics_counter("llmops_gateway_fallbacks_total", "",
                                     "requests that moved on to another target");
    g->m_cache_hits = metrics_counter("llmops_gateway_cache_hits_total", "",
                                      "requests answered from the response cache");
    return g;
}

void gateway_stop(gateway_t *g)
{
    if (!g)
        return;
    if (g->up)
        upstream_stop(g->up); /* calls still running end (and are traced) here */
    if (g->rl)
        ratelimit_free(g->rl);
    if (g->cache)
        gw_cache_free(g->cache);
    if (g->budget)
        budget_free(g->budget);
    if (g->circuit)
        circuit_free(g->circuit);
    free(g);
}
