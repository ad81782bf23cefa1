/* web_assets.c - lookup in the generated table of embedded UI files (see web_assets.h). */
#include "web/web_assets.h"

#include <string.h>

const web_asset_t *web_asset_find(const char *name)
{
    /* A handful of files: a linear scan is simpler than anything else and as fast. */
    for (size_t i = 0; i < web_assets_count; i++)
        if (strcmp(web_assets[i].name, name) == 0)
            return &web_assets[i];
    return NULL;
}
