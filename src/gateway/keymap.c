/* keymap.c - the gateway's string-keyed hash map (see keymap.h).
 *
 * Separate chaining: each bucket is a singly linked list of nodes holding a copy of the key,
 * its hash (compared before the string) and the value. The table doubles when entries exceed
 * buckets, which keeps chains short without tuning. */
#include "gateway/keymap.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

typedef struct node {
    struct node *next;
    uint64_t hash;
    void *value;
    char key[]; /* NUL-terminated copy */
} node_t;

struct gw_map {
    node_t **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

uint64_t gw_fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

gw_map_t *gw_map_new(void)
{
    gw_map_t *m = xcalloc(1, sizeof *m);
    m->nbuckets = 16;
    m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
    return m;
}

void gw_map_free(gw_map_t *m, void (*free_value)(void *))
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        node_t *n = m->buckets[i];
        while (n) {
            node_t *next = n->next;
            if (free_value)
                free_value(n->value);
            free(n);
            n = next;
        }
    }
    free(m->buckets);
    free(m);
}

static node_t **find(const gw_map_t *m, const char *key, uint64_t h)
{
    node_t **link = &m->buckets[h & (m->nbuckets - 1)];
    for (; *link; link = &(*link)->next)
        if ((*link)->hash == h && strcmp((*link)->key, key) == 0)
            break;
    return link;
}

void *gw_map_get(const gw_map_t *m, const char *key)
{
    node_t *n = *find(m, key, gw_fnv1a(GW_FNV_OFFSET, key));
    return n ? n->value : NULL;
}

static void grow(gw_map_t *m)
{
    size_t nb = m->nbuckets * 2;
    node_t **buckets = xcalloc(nb, sizeof *buckets);
    for (size_t i = 0; i < m->nbuckets; i++) {
        node_t *n = m->buckets[i];
        while (n) {
            node_t *next = n->next;
            node_t **head = &buckets[n->hash & (nb - 1)];
            n->next = *head;
            *head = n;
            n = next;
        }
    }
    free(m->buckets);
    m->buckets = buckets;
    m->nbuckets = nb;
}

void *gw_map_put(gw_map_t *m, const char *key, void *value)
{
    uint64_t h = gw_fnv1a(GW_FNV_OFFSET, key);
    node_t **link = find(m, key, h);
    if (*link) {
        void *old = (*link)->value;
        (*link)->value = value;
        return old;
    }
    size_t klen = strlen(key);
    node_t *n = xmalloc(sizeof *n + klen + 1);
    memcpy(n->key, key, klen + 1);
    n->hash = h;
    n->value = value;
    n->next = NULL;
    *link = n;
    if (++m->count > m->nbuckets)
        grow(m);
    return NULL;
}

void *gw_map_remove(gw_map_t *m, const char *key)
{
    node_t **link = find(m, key, gw_fnv1a(GW_FNV_OFFSET, key));
    node_t *n = *link;
    if (!n)
        return NULL;
    void *value = n->value;
    *link = n->next;
    free(n);
    m->count--;
    return value;
}

size_t gw_map_count(const gw_map_t *m)
{
    return m->count;
}
