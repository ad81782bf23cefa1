/* keymap.h - a string-keyed hash map for the gateway's in-memory policy state.
 *
 * Chained buckets, FNV-1a hashing, doubling when the load passes 1, so lookups are O(1) on
 * average. Not thread-safe on its own: each policy unit guards its map with its own mutex. Keys
 * are copied; values are borrowed pointers the caller owns (gw_map_free can free them).
 * Written here because the Debian candidates do not fit: glibc's hsearch_r cannot delete or
 * grow, and GLib's GHashTable would pull all of GLib into the binary for one small map. */
#ifndef LLMOPS_GATEWAY_KEYMAP_H
#define LLMOPS_GATEWAY_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct gw_map gw_map_t;

gw_map_t *gw_map_new(void);
/* free_value (may be NULL) is called on every value still in the map. */
void gw_map_free(gw_map_t *m, void (*free_value)(void *));

/* The value stored under key, or NULL. */
void *gw_map_get(const gw_map_t *m, const char *key);
/* Store value under key (replacing any previous value, which is returned; NULL when new). */
void *gw_map_put(gw_map_t *m, const char *key, void *value);
/* Remove key; returns its value (NULL when absent). */
void *gw_map_remove(gw_map_t *m, const char *key);
size_t gw_map_count(const gw_map_t *m);

/* 64-bit FNV-1a of a NUL-terminated string, continuing from h (start with GW_FNV_OFFSET). */
#define GW_FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t gw_fnv1a(uint64_t h, const char *s);

#endif
