/* routes_otlp.c - OpenTelemetry trace ingestion over OTLP/HTTP.
 *
 *   POST /v1/traces                    the OTLP/HTTP default path (exporters' endpoint +
 * /v1/traces) POST /otlp/v1/traces               the same, for exporters pointed at <server>/otlp
 *   POST /api/public/otel/v1/traces    Langfuse's OTel path, so Langfuse-configured OTel
 *                                      exporters work unchanged
 *
 * Content-Type application/json (OTLP/JSON) or application/x-protobuf; Content-Encoding gzip or
 * identity. 200 with an ExportTraceServiceResponse in the request's encoding, carrying
 * partial_success {rejected_spans, error_message} when some spans could not be stored (the
 * others are); 400 when the body cannot be decoded; 413 when it (or its gzip-decompressed form)
 * is larger than max-body-bytes; 415 for any other content type or encoding. Errors answer a
 * protobuf request with a protobuf google.rpc.Status (OTLP/HTTP's rule), any other request with
 * llmops' JSON error (a body over the limit as sent is refused by the server before this
 * handler runs, in JSON). Cost of spans
 * that give tokens but no cost comes from the gateway's price table when this server runs the
 * gateway. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "base/buf.h"
#include "gateway/gateway_config.h"
#include "http/routes.h"
#include "traces/genai_map.h"
#include "traces/otlp.h"

/* Whether a Content-Type header names media type `type` (parameters such as charset ignored). */
static int media_is(const char *header, const char *type)
{
    size_t n = strlen(type);
    if (!header || strncasecmp(header, type, n) != 0)
        return 0;
    char next = header[n];
    return next == '\0' || next == ';' || next == ' ';
}

/* Inflate a gzip (or zlib) body into out, at most limit bytes. 0, or -1 with err: 400 when it
 * is not gzip, 413 when it inflates past the limit. */
static int gunzip(const char *in, size_t len, size_t limit, buf_t *out, err_t *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) /* 32: gzip or zlib header, detected */
        return err_set(err, 500, "internal", NULL, "zlib: inflateInit failed");
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (out->len >= limit) {
            inflateEnd(&z);
            return err_set(err, 413, "payload_too_large", NULL,
                           "the decompressed body is larger than the limit of %zu bytes", limit);
        }
        size_t room = limit - out->len < 65536 ? limit - out->len : 65536;
        buf_reserve(out, room + 1);
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = (uInt)room;
        rc = inflate(&z, Z_NO_FLUSH);
        out->len += room - z.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&z);
            return err_invalid(err, "body", "the body is not valid gzip (Content-Encoding: gzip)");
        }
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            inflateEnd(&z);
            return err_invalid(err, "body", "the gzip body is truncated");
        }
    }
    inflateEnd(&z);
    return 0;
}

/* The gateway's price table, when this process runs the gateway. */
static int price_lookup(void *ctx, const char *provider, const char *model, double *in_price,
                        double *out_price)
{
    const gw_price_t *p = gateway_config_price(ctx, provider ? provider : "", model);
    if (!p)
        return -1;
    *in_price = p->input_per_mtok;
    *out_price = p->output_per_mtok;
    return 0;
}

/* An error answer: google.rpc.Status for a protobuf request, llmops' JSON error otherwise. */
static void fail(http_response_t *res, int proto, const err_t *err)
{
    if (!proto) {
        http_respond_error(res, err);
        return;
    }
    void *out;
    size_t len;
    otlp_proto_status(err->message, &out, &len);
    http_respond_bytes(res, err->status ? err->status : 500, "application/x-protobuf", out, len);
    free(out);
}

static void handle_export(http_request_t *req, http_response_t *res)
{
    const char *type = http_header(req, "Content-Type");
    int proto = media_is(type, "application/x-protobuf") || media_is(type, "application/protobuf");
    if (!proto && !media_is(type, "application/json")) {
        http_respond_errorf(res, 415, "unsupported_media_type", "Content-Type",
                            "Content-Type must be application/json or application/x-protobuf, "
                            "not '%s'",
                            type ? type : "");
        return;
    }
    err_t err;
    const char *body = req->body;
    size_t len = req->body_len;
    buf_t inflated;
    buf_init(&inflated);
    const char *encoding = http_header(req, "Content-Encoding");
    if (encoding && strcasecmp(encoding, "gzip") == 0) {
        if (gunzip(body ? body : "", len, req->app->cfg.max_body_bytes, &inflated, &err) != 0) {
            buf_free(&inflated);
            fail(res, proto, &err);
            return;
        }
        body = inflated.data;
        len = inflated.len;
    } else if (encoding && *encoding && strcasecmp(encoding, "identity") != 0) {
        buf_free(&inflated);
        err_set(&err, 415, "unsupported_media_type", "Content-Encoding",
                "Content-Encoding must be gzip or identity, not '%s'", encoding);
        fail(res, proto, &err);
        return;
    }

    otlp_batch_t batch;
    otlp_batch_init(&batch);
    int rc = proto ? otlp_proto_decode(body, len, &batch, &err)
                   : otlp_json_decode(body, len, &batch, &err);
    if (rc == 0) {
        gateway_config_src_t *src = req->app->gateway_config;
        const gateway_config_t *cfg = src ? gateway_config_acquire(src) : NULL;
        genai_prices_t prices = {.lookup = price_lookup, .ctx = (void *)cfg};
        rc = otlp_ingest(req->app->store, &batch, cfg ? &prices : NULL, NULL, &err);
        if (cfg)
            gateway_config_release(src, cfg);
    }
    if (rc != 0) {
        fail(res, proto, &err);
    } else if (proto) {
        void *out;
        size_t out_len;
        otlp_proto_response(batch.rejected, batch.first_error, &out, &out_len);
        http_respond_bytes(res, 200, "application/x-protobuf", out, out_len);
        free(out);
    } else {
        char *out = otlp_json_response(batch.rejected, batch.first_error);
        http_respond_bytes(res, 200, "application/json", out, strlen(out));
        free(out);
    }
    otlp_batch_free(&batch);
    buf_free(&inflated);
}

void routes_otlp_register(router_t *r)
{
    router_add(r, "POST", "/v1/traces", handle_export);
    router_add(r, "POST", "/otlp/v1/traces", handle_export);
    router_add(r, "POST", "/api/public/otel/v1/traces", handle_export);
}
