/* fuzz_vector_html.c - libFuzzer target for the HTML reader (blocks.h vs_parse_html, libxml2's
 * HTML parser underneath). Contract: no crash or leak; a failure is a 400 naming "html"; every
 * block and every heading path is non-empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vector/blocks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vs_blocks_t b = {0};
    err_t err = {0};
    if (vs_parse_html((const char *)data, size, &b, &err) != 0) {
        if (err.status != 400 || strcmp(err.field, "html") != 0)
            abort();
        return 0;
    }
    for (size_t i = 0; i < b.n; i++)
        if (!b.items[i].text[0] || (b.items[i].heading && !b.items[i].heading[0]))
            abort();
    vs_blocks_free(&b);
    return 0;
}
