/* web_assets.h - the web UI's files, embedded into the binary at build time.
 *
 * The table itself is generated (tools/embed_assets.c writes $(BUILD)/gen/web_assets.c from the
 * esbuild output in $(BUILD)/web/); each file comes as its bytes and a gzip copy made at build
 * time, with its content type and a strong ETag (part of its SHA-256, quotes included). */
#ifndef LLMOPS_WEB_WEB_ASSETS_H
#define LLMOPS_WEB_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
    const char *name; /* "index.html", "app.js", ... (no leading slash) */
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* the same bytes, gzip-compressed */
    size_t gz_len;
    const char *etag; /* "\"<32 hex>\"" */
} web_asset_t;

extern const web_asset_t web_assets[];
extern const size_t web_assets_count;

/* The asset called name, or NULL. */
const web_asset_t *web_asset_find(const char *name);

#endif
