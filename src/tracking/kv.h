/* kv.h - a borrowed key/value pair: the params, tags and input tags that tracking calls take. */
#ifndef LLMOPS_TRACKING_KV_H
#define LLMOPS_TRACKING_KV_H

typedef struct tracking_kv {
    const char *key;
    const char *value;
} tracking_kv_t;

#endif
