/* embedder.c - the embedder spec of a collection: validation and dispatch to the local lexical
 * embedder or the OpenAI-compatible one (see embedder.h). */
#include "vector/embedder.h"

#include <string.h>

#include "base/json.h"

int vs_embedder_validate(const json_t *spec, err_t *err)
{
    if (!spec)
        return 0;
    if (!json_is_object(spec))
        return err_invalid(err, "embedder", "embedder must be an object {\"type\": ...}");
    const char *type = NULL, *model = NULL;
    if (json_field_string(spec, "type", 1, 32, &type, err) != 0) {
        snprintf(err->field, sizeof err->field, "embedder.type");
        return -1;
    }
    if (strcmp(type, "local") == 0)
        return 0;
    if (strcmp(type, "openai") != 0)
        return err_invalid(err, "embedder.type", "embedder.type must be local or openai");
    if (json_field_string(spec, "model", 1, 256, &model, err) != 0 || !*model) {
        return err_invalid(err, "embedder.model",
                           "an openai embedder needs model: an endpoint or model reference");
    }
    return 0;
}

int vs_embed(struct gateway *gw, const json_t *spec, uint32_t dim, const char *const *texts,
             size_t n, float *out, err_t *err)
{
    const char *type = json_string_value(json_object_get(spec, "type"));
    if (type && strcmp(type, "openai") == 0)
        return vs_openai_embed(gw, json_string_value(json_object_get(spec, "model")), dim, texts, n,
                               out, err);
    for (size_t i = 0; i < n; i++)
        vs_lexical_embed(texts[i], dim, out + i * dim);
    return 0;
}
