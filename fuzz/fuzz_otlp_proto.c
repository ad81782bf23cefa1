/* fuzz_otlp_proto.c - libFuzzer target for the OTLP/protobuf decoder and the GenAI / OpenInference
 * mapping (traces/otlp.h, traces/genai_map.h): the input is decoded as an
 * ExportTraceServiceRequest (binary protobuf), then every decoded span is mapped and checked the
 * way otlp_ingest does before it writes. Decoded spans must have ids of the stored shape, the
 * mapped attributes and events must be JSON text, and spans plus rejections must account for
 * everything. Any crash, sanitizer report or leak is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "traces/genai_map.h"
#include "traces/otlp.h"

static int always_priced(void *ctx, const char *provider, const char *model, double *in,
                         double *out)
{
    (void)ctx;
    (void)provider;
    *in = 1.0;
    *out = (double)strlen(model);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    otlp_batch_t b;
    otlp_batch_init(&b);
    err_t err;
    if (otlp_proto_decode(data, size, &b, &err) == 0) {
        genai_prices_t prices = {.lookup = always_priced};
        for (size_t i = 0; i < b.n; i++) {
            otlp_span_t *s = &b.spans[i];
            if (strlen(s->row.trace_id) != 32 || strlen(s->row.span_id) != 16)
                abort();
            genai_map_span(s, &b, &prices);
            json_t *attrs = json_loads(s->row.attributes_json, 0, NULL);
            if (!json_is_object(attrs))
                abort();
            json_decref(attrs);
            if (s->row.events_json) {
                json_t *events = json_loads(s->row.events_json, 0, NULL);
                if (!json_is_array(events))
                    abort();
                json_decref(events);
            }
            span_row_check(&s->row, &err);
        }
    } else if (err.status != 400) {
        abort();
    }
    otlp_batch_free(&b);
    return 0;
}
