/* embedder.h - turning text into vectors for a collection.
 *
 * Two kinds, named by the collection's "embedder" object:
 *
 *   {"type": "local"}   the built-in lexical embedder (embedder_lexical.c). No model, no
 *                       download, deterministic: hashed features of the words (unigrams and
 *                       bigrams) and of character 3- and 4-grams inside words, weighted by
 *                       sublinear term frequency and L2-normalised. It matches texts that share
 *                       words, stems and spellings; it knows nothing of meaning (synonyms,
 *                       paraphrase, other languages are not matched). Any dimension works;
 *                       256-1024 is sensible.
 *   {"type": "openai", "model": "<endpoint or model ref>"}
 *                       an OpenAI-compatible /v1/embeddings call through the gateway running in
 *                       this process (embedder_openai.c), in batches of VS_EMBED_BATCH texts.
 *                       The vectors must have the collection's dimension. */
#ifndef LLMOPS_VECTOR_EMBEDDER_H
#define LLMOPS_VECTOR_EMBEDDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct gateway;

#define VS_EMBED_BATCH 64

/* Check an embedder spec (400 naming "embedder..." fields). NULL spec is the local embedder. */
int vs_embedder_validate(const json_t *spec, err_t *err);

/* Embed n texts into out (n * dim floats, row-major). gateway may be NULL (then only the local
 * embedder works: the OpenAI one answers 503). */
int vs_embed(struct gateway *gw, const json_t *spec, uint32_t dim, const char *const *texts,
             size_t n, float *out, err_t *err);

/* The local lexical embedder on one text: dim floats, unit length (all zero for a text without
 * a single letter or digit). */
void vs_lexical_embed(const char *text, uint32_t dim, float *out);

/* The OpenAI-compatible embedder through the gateway. */
int vs_openai_embed(struct gateway *gw, const char *model, uint32_t dim, const char *const *texts,
                    size_t n, float *out, err_t *err);

#endif
