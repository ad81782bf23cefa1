/* test_gateway_cache.c - unit tests for gateway/cache.h: the key's normalisation (key order at
 * every level, user / stream / stream_options / llmops ignored, the caller's body untouched,
 * any other difference - temperature, endpoint, op - giving another key), the cacheable rules
 * (temperature 0 only, absent is not deterministic, n <= 1, or anything when allowed), TTL
 * expiry, LRU eviction under max_bytes, replacement, oversize entries, binary values, stats;
 * and, when redis-server is installed, two caches sharing entries through Redis, Redis TTLs,
 * and misses (counted) once Redis is killed. */
#include "unit/testutil.h"
#include "unit/redis_testutil.h"

#include "base/metrics.h"
#include "gateway/cache.h"

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fail_msg("bad test JSON %s: %s", text, e.text);
    return j;
}

/* The key of a JSON text under endpoint "ep", op "chat". */
static void key_of(const char *text, char out[65])
{
    json_t *body = parse(text);
    gw_cache_key("ep", "chat", body, out);
    json_decref(body);
}

static void test_key_normalisation(void **state)
{
    (void)state;
    char a[65], b[65], c[65];
    key_of(
        "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        a);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    /* Key order (also nested) and the ignored fields do not matter. */
    key_of("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"temperature\":0,"
           "\"user\":\"alice\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
           "\"llmops\":{\"trace\":false},\"model\":\"m\"}",
           b);
    assert_string_equal(a, b);
    /* Anything else does. */
    key_of("{\"model\":\"m\",\"temperature\":0.5,\"messages\":[{\"role\":\"user\",\"content\":"
           "\"hi\"}]}",
           c);
    assert_string_not_equal(a, c);
    key_of("{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":"
           "\"hi!\"}]}",
           c);
    assert_string_not_equal(a, c);
    key_of("{\"model\":\"m\",\"temperature\":0,\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
           "\"content\":\"hi\"}]}",
           c);
    assert_string_not_equal(a, c);
    /* Endpoint and operation are part of the key, unambiguously. */
    json_t *body = parse("{\"x\":1}");
    char k1[65], k2[65], k3[65];
    gw_cache_key("ab", "c", body, k1);
    gw_cache_key("a", "bc", body, k2);
    gw_cache_key("ab", "d", body, k3);
    assert_string_not_equal(k1, k2);
    assert_string_not_equal(k1, k3);
    json_decref(body);
    /* The caller's body keeps its fields. */
    body = parse("{\"user\":\"u\",\"stream\":true}");
    gw_cache_key("ep", "chat", body, k1);
    assert_non_null(json_object_get(body, "user"));
    assert_non_null(json_object_get(body, "stream"));
    json_decref(body);
}

static void check_cacheable(const char *text, int allow, int expected)
{
    json_t *body = parse(text);
    if (gw_cache_cacheable(body, allow) != expected)
        fail_msg("cacheable(%s, allow=%d) != %d", text, allow, expected);
    json_decref(body);
}

static void test_cacheable_rules(void **state)
{
    (void)state;
    check_cacheable("{\"temperature\":0}", 0, 1);
    check_cacheable("{\"temperature\":0.0}", 0, 1);
    check_cacheable("{\"temperature\":0,\"n\":1}", 0, 1);
    check_cacheable("{\"temperature\":0,\"n\":null}", 0, 1);
    check_cacheable("{}", 0, 0); /* absent: the provider's default, usually 1 */
    check_cacheable("{\"temperature\":null}", 0, 0);
    check_cacheable("{\"temperature\":0.7}", 0, 0);
    check_cacheable("{\"temperature\":\"0\"}", 0, 0);
    check_cacheable("{\"temperature\":0,\"n\":2}", 0, 0);
    check_cacheable("{\"temperature\":0,\"n\":\"1\"}", 0, 0);
    check_cacheable("{\"temperature\":0.7,\"n\":3}", 1, 1);
    check_cacheable("{}", 1, 1);
    check_cacheable("[1]", 1, 0); /* not a request object */
    assert_int_equal(gw_cache_cacheable(NULL, 1), 0);
}

static gw_cache_t *mem_cache(size_t max_bytes)
{
    err_t err;
    gw_cache_t *c = gw_cache_new(max_bytes, NULL, &err);
    assert_non_null(c);
    return c;
}

static int get_str(gw_cache_t *c, const char *key, int64_t now, const char *expected)
{
    char *v = NULL;
    size_t len = 0;
    int hit = gw_cache_get(c, key, now, &v, &len);
    if (hit && expected) {
        assert_int_equal(len, strlen(expected));
        assert_string_equal(v, expected);
    }
    free(v);
    return hit;
}

static void test_ttl_and_stats(void **state)
{
    (void)state;
    gw_cache_t *c = mem_cache(1 << 20);
    gw_cache_put(c, "k1", "answer", 6, 10, 1000);
    assert_int_equal(get_str(c, "k1", 1000, "answer"), 1);
    assert_int_equal(get_str(c, "k1", 10999, "answer"), 1);
    assert_int_equal(get_str(c, "k1", 11000, NULL), 0); /* expired exactly at ttl */
    assert_int_equal(get_str(c, "nope", 11000, NULL), 0);
    gw_cache_put(c, "k2", "x", 1, 0, 1000); /* ttl 0: not stored */
    assert_int_equal(get_str(c, "k2", 1000, NULL), 0);
    gw_cache_stats_t s;
    gw_cache_stats(c, &s);
    assert_int_equal(s.hits, 2);
    assert_int_equal(s.misses, 3);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.bytes, 0);
    assert_int_equal(s.evictions, 0);
    /* Replacing a key keeps one entry; values are binary-safe. */
    gw_cache_put(c, "k3", "old", 3, 60, 0);
    gw_cache_put(c, "k3", "n\0w", 3, 60, 0);
    char *v;
    size_t len;
    assert_int_equal(gw_cache_get(c, "k3", 0, &v, &len), 1);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "n\0w", 3);
    free(v);
    gw_cache_stats(c, &s);
    assert_int_equal(s.entries, 1);
    gw_cache_free(c);
}

static void test_lru_under_max_bytes(void **state)
{
    (void)state;
    char value[1000];
    memset(value, 'v', sizeof value);
    /* What one entry of this size is charged. */
    gw_cache_t *probe = mem_cache(1 << 20);
    gw_cache_put(probe, "a", value, sizeof value, 60, 0);
    gw_cache_stats_t s;
    gw_cache_stats(probe, &s);
    int64_t charge = s.bytes;
    assert_true(charge >= (int64_t)sizeof value + 1);
    gw_cache_free(probe);

    gw_cache_t *c = mem_cache((size_t)(3 * charge + charge / 2)); /* room for three */
    gw_cache_put(c, "a", value, sizeof value, 60, 0);
    gw_cache_put(c, "b", value, sizeof value, 60, 0);
    gw_cache_put(c, "c", value, sizeof value, 60, 0);
    assert_int_equal(get_str(c, "a", 1, NULL), 1); /* a is now the most recent */
    gw_cache_put(c, "d", value, sizeof value, 60, 1);
    assert_int_equal(get_str(c, "b", 2, NULL), 0); /* least recently used: evicted */
    assert_int_equal(get_str(c, "a", 2, NULL), 1);
    assert_int_equal(get_str(c, "c", 2, NULL), 1);
    assert_int_equal(get_str(c, "d", 2, NULL), 1);
    gw_cache_stats(c, &s);
    assert_int_equal(s.entries, 3);
    assert_int_equal(s.evictions, 1);
    assert_int_equal(s.bytes, 3 * charge);
    /* A bigger entry evicts as many as it needs (the two least recent: a and c). */
    char big[2500];
    memset(big, 'b', sizeof big);
    gw_cache_put(c, "e", big, sizeof big, 60, 3);
    gw_cache_stats(c, &s);
    assert_true(s.bytes <= 3 * charge + charge / 2);
    assert_int_equal(s.evictions, 3);
    assert_int_equal(get_str(c, "d", 4, NULL), 1);
    assert_int_equal(get_str(c, "e", 4, NULL), 1);
    assert_int_equal(get_str(c, "a", 4, NULL), 0);
    /* An entry larger than the whole cache is not stored and evicts nothing. */
    char *huge = calloc(1, (size_t)(4 * charge));
    gw_cache_put(c, "huge", huge, (size_t)(4 * charge), 60, 5);
    free(huge);
    assert_int_equal(get_str(c, "huge", 5, NULL), 0);
    assert_int_equal(get_str(c, "d", 5, NULL), 1);
    gw_cache_free(c);
}

static void test_redis_shared(void **state)
{
    (void)state;
    err_t err;
    assert_null(gw_cache_new(1 << 20, "redis:/bad", &err));
    assert_string_equal(err.field, "redis_url");
    test_redis_t srv;
    if (test_redis_start(&srv) != 0)
        skip(); /* no redis-server installed */
    gw_cache_t *a = gw_cache_new(1 << 20, srv.url, &err);
    gw_cache_t *b = gw_cache_new(1 << 20, srv.url, &err);
    assert_non_null(a);
    assert_non_null(b);
    gw_cache_put(a, "shared", "{\"id\":1}", 8, 60, 0);
    assert_int_equal(get_str(b, "shared", 0, "{\"id\":1}"), 1); /* the other replica's entry */
    assert_int_equal(get_str(b, "other", 0, NULL), 0);
    gw_cache_put(a, "bin", "a\0b", 3, 60, 0);
    char *v;
    size_t len;
    assert_int_equal(gw_cache_get(b, "bin", 0, &v, &len), 1);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "a\0b", 3);
    free(v);
    gw_cache_stats_t s;
    gw_cache_stats(b, &s);
    assert_int_equal(s.hits, 2);
    assert_int_equal(s.misses, 1);

    /* Redis gone: misses and skipped stores, counted, no failure. */
    metric_t *errors = metrics_counter("llmops_cache_errors_total", "", "");
    int64_t before = metrics_value(errors);
    test_redis_stop(&srv);
    assert_int_equal(get_str(b, "shared", 0, NULL), 0);
    gw_cache_put(a, "later", "x", 1, 60, 0);
    assert_int_equal(get_str(a, "later", 0, NULL), 0);
    assert_true(metrics_value(errors) >= before + 3);
    gw_cache_free(a);
    gw_cache_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_normalisation), cmocka_unit_test(test_cacheable_rules),
        cmocka_unit_test(test_ttl_and_stats),     cmocka_unit_test(test_lru_under_max_bytes),
        cmocka_unit_test(test_redis_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
