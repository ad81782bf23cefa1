/* embedder_openai.c - embeddings from any OpenAI-compatible endpoint, through the gateway
 * running in this process (so keys, routing, retries, budgets and traces all apply): one
 * POST /v1/embeddings per batch of VS_EMBED_BATCH texts, {"model", "input": [...]}, and the
 * answer's data[i].embedding put back in input order (by data[i].index). */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "gateway/gateway_call.h"
#include "vector/embedder.h"

static int read_answer(const char *body, size_t len, uint32_t dim, size_t n, float *out, err_t *err)
{
    json_t *doc = json_loadb(body, len, 0, NULL);
    json_t *data = json_object_get(doc, "data");
    int rc = -1;
    if (!json_is_array(data) || json_array_size(data) != n) {
        err_set(err, 502, "bad_gateway", "embedder",
                "the embeddings answer has %zu vectors for %zu inputs",
                json_is_array(data) ? json_array_size(data) : 0, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(data, i);
        json_t *index = json_object_get(item, "index");
        json_t *vec = json_object_get(item, "embedding");
        size_t at = json_is_integer(index) ? (size_t)json_integer_value(index) : i;
        if (at >= n || !json_is_array(vec) || json_array_size(vec) != dim) {
            err_set(err, 502, "bad_gateway", "embedder",
                    "embedding %zu has %zu dimensions, the collection has %u", i,
                    json_is_array(vec) ? json_array_size(vec) : 0, dim);
            goto done;
        }
        for (uint32_t d = 0; d < dim; d++) {
            json_t *v = json_array_get(vec, d);
            if (!json_is_number(v)) {
                err_set(err, 502, "bad_gateway", "embedder", "embedding %zu is not numbers", i);
                goto done;
            }
            out[at * dim + d] = (float)json_number_value(v);
        }
    }
    rc = 0;
done:
    json_decref(doc);
    return rc;
}

int vs_openai_embed(struct gateway *gw, const char *model, uint32_t dim, const char *const *texts,
                    size_t n, float *out, err_t *err)
{
    if (!gw)
        return err_unavailable(err, "the OpenAI embedder needs the gateway, which runs in "
                                    "`llmops server` (use the CLI with --server URL)");
    for (size_t at = 0; at < n; at += VS_EMBED_BATCH) {
        size_t count = n - at < VS_EMBED_BATCH ? n - at : VS_EMBED_BATCH;
        json_t *input = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(input, json_string(texts[at + i]));
        json_t *req = json_pack("{s:s, s:o}", "model", model, "input", input);
        char *body = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        gw_request_t call = {.op = PROVIDER_OP_EMBEDDINGS,
                             .body = body,
                             .body_len = strlen(body),
                             .internal = 1,
                             .source = "vectors"};
        gateway_answer_t answer;
        int rc = gateway_call(gw, &call, &answer, err);
        free(body);
        if (rc == 0 && (answer.status < 200 || answer.status >= 300)) {
            err_set(err, 502, "bad_gateway", "embedder", "the embeddings call answered %d: %.300s",
                    answer.status, answer.body ? answer.body : "");
            rc = -1;
        }
        if (rc == 0)
            rc = read_answer(answer.body, answer.len, dim, count, out + at * dim, err);
        free(answer.body);
        if (rc != 0)
            return -1;
    }
    return 0;
}
