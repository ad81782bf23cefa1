/* bench_gateway.c - per-call cost of the gateway's in-memory policy units on the request path:
 * ratelimit_admit, budget_reserve + settle, circuit_allow, gw_cache_key of a chat request,
 * gw_cache_get (hit), gw_route_order with a user, gw_backoff_ms. One thread; prints ns/call. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "gateway/budget.h"
#include "gateway/cache.h"
#include "gateway/circuit.h"
#include "gateway/ratelimit.h"
#include "gateway/routing.h"

#define N 1000000

static void report(const char *what, int64_t t0, int n)
{
    printf("%-40s %8.1f ns/call\n", what, (double)(clock_mono_us() - t0) * 1000.0 / n);
}

int main(void)
{
    err_t err;
    ratelimit_t *rl = ratelimit_new(NULL, &err);
    int64_t t0 = clock_mono_us(), retry;
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key_%d", i % 1000);
        ratelimit_admit(rl, key, 1000000, 0, 1000000 + i / 10, &retry);
    }
    report("ratelimit_admit (1000 keys)", t0, N);
    ratelimit_free(rl);

    budget_t *b = budget_new();
    t0 = clock_mono_us();
    for (int i = 0; i < N; i++) {
        double r;
        budget_reserve(b, "key_1", 1e12, 0.001, &r);
        budget_settle(b, "key_1", r, 0.0005);
    }
    report("budget_reserve + budget_settle", t0, N);
    budget_free(b);

    circuit_t *c = circuit_new();
    t0 = clock_mono_us();
    for (int i = 0; i < N; i++)
        circuit_allow(c, "chat/0", 5, 30000, i);
    report("circuit_allow", t0, N);
    circuit_free(c);

    json_t *body = json_loads(
        "{\"model\":\"gpt-4o\",\"temperature\":0,\"max_tokens\":256,\"user\":\"u1\",\"messages\":["
        "{\"role\":\"system\",\"content\":\"You are a helpful assistant that answers briefly.\"},"
        "{\"role\":\"user\",\"content\":\"What is the capital of France? Explain in one line.\"}]}",
        0, NULL);
    char k[65];
    t0 = clock_mono_us();
    for (int i = 0; i < N / 10; i++)
        gw_cache_key("chat", "chat", body, k);
    report("gw_cache_key (300-byte chat request)", t0, N / 10);
    gw_cache_t *cache = gw_cache_new(64 << 20, NULL, &err);
    gw_cache_put(cache, k, "{\"choices\":[]}", 14, 300, 0);
    t0 = clock_mono_us();
    for (int i = 0; i < N; i++) {
        char *v;
        size_t len;
        if (gw_cache_get(cache, k, 1, &v, &len))
            free(v);
    }
    report("gw_cache_get (hit)", t0, N);
    gw_cache_free(cache);
    json_decref(body);

    int w[2] = {90, 10};
    size_t order[2];
    t0 = clock_mono_us();
    for (int i = 0; i < N; i++)
        gw_route_order("chat", w, 2, "user-1234", order);
    report("gw_route_order (sticky user)", t0, N);
    int64_t sum = 0;
    t0 = clock_mono_us();
    for (int i = 0; i < N; i++)
        sum += gw_backoff_ms(3, 100, 5000, -1);
    report("gw_backoff_ms", t0, N);
    return sum < 0;
}
