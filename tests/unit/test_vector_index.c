/* test_vector_index.c - unit tests for vector/hnsw.h, the HNSW index.
 *
 * One fixture index (8,000 clustered vectors of dimension 32, default parameters, 64-bit
 * labels) is built once and shared by the read-only tests: recall@10 against exact search,
 * the exact strategy matching vec_exact_search, filters (even labels; a 1% filter, both through
 * the automatic exact fallback and forced through the graph), save / load giving identical
 * results, and the memory report. Tests that change an index build small ones of their own:
 * parameter validation, cosine and dot metrics, determinism (same seed, same bytes), deletes
 * never returned, re-adding a label replacing its vector, bad vectors changing nothing,
 * truncated / corrupted / structurally invalid files refused with a 400 (the last with a valid
 * checksum, so the structural checks themselves are exercised), atomic saves, and searches
 * running in threads while a writer inserts, deletes and grows the index (meant for ASan). */
#include "unit/testutil.h"
#include "unit/vector_testdata.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "vector/distance.h"
#include "vector/exact.h"
#include "vector/hnsw.h"

#define N      8000
#define DIM    32
#define NQ     200
#define K      10
#define LABEL0 1000000000000ULL /* labels are LABEL0 + 7 * row: 64-bit and not dense */

static uint64_t label_of(size_t row)
{
    return LABEL0 + 7 * (uint64_t)row;
}

static size_t row_of(uint64_t label)
{
    return (size_t)((label - LABEL0) / 7);
}

typedef struct fixture {
    float *base;    /* N * DIM */
    float *queries; /* NQ * DIM */
    uint64_t *labels;
    hnsw_t *index;
    char *dir;
} fixture_t;

static fixture_t fx;

static hnsw_t *build(vec_metric_t metric, const float *v, size_t n, size_t dim, uint64_t seed,
                     uint32_t capacity)
{
    hnsw_params_t p;
    hnsw_params_default(&p, metric, (uint32_t)dim);
    p.seed = seed;
    if (capacity)
        p.capacity = capacity;
    hnsw_t *h = NULL;
    err_t err;
    if (hnsw_create(&p, &h, &err) != 0)
        fail_msg("hnsw_create: %s", err.message);
    for (size_t i = 0; i < n; i++)
        if (hnsw_add(h, label_of(i), v + i * dim, &err) != 0)
            fail_msg("hnsw_add %zu: %s", i, err.message);
    return h;
}

static int group_setup(void **state)
{
    (void)state;
    fx.base = td_clustered(N + NQ, DIM, 100, 1.0, 42);
    fx.queries = fx.base + (size_t)N * DIM; /* same distribution, not in the index */
    fx.labels = malloc(N * sizeof *fx.labels);
    assert_non_null(fx.labels);
    for (size_t i = 0; i < N; i++)
        fx.labels[i] = label_of(i);
    fx.index = build(VEC_L2, fx.base, N, DIM, HNSW_DEFAULT_SEED, 0);
    fx.dir = test_tmpdir();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    hnsw_free(fx.index);
    free(fx.base);
    free(fx.labels);
    test_rmtree(fx.dir);
    return 0;
}

/* Exact top-k of query q over the fixture's vectors, optionally filtered. */
static size_t truth(const float *q, size_t k, vec_accept_fn accept, void *ctx, vec_hit_t *out)
{
    vec_matrix_t m = {.metric = VEC_L2, .dim = DIM, .rows = fx.base, .labels = fx.labels, .n = N};
    size_t n;
    err_t err;
    if (vec_exact_search(&m, q, k, accept, ctx, out, &n, &err) != 0)
        fail_msg("exact: %s", err.message);
    return n;
}

static size_t search(hnsw_t *h, const float *q, size_t k, const hnsw_search_opts_t *o,
                     vec_hit_t *out, hnsw_search_stats_t *st)
{
    size_t n;
    err_t err;
    if (hnsw_search(h, q, k, o, out, &n, st, &err) != 0)
        fail_msg("hnsw_search: %s", err.message);
    return n;
}

static void assert_sorted(const vec_hit_t *hits, size_t n)
{
    for (size_t i = 1; i < n; i++)
        assert_true(hits[i - 1].distance <= hits[i].distance);
}

/* ---- recall and the exact strategy --------------------------------------------------------- */

static void test_recall_default_params(void **state)
{
    (void)state;
    double recall = 0;
    for (size_t q = 0; q < NQ; q++) {
        vec_hit_t got[K], want[K];
        size_t ng = search(fx.index, fx.queries + q * DIM, K, NULL, got, NULL);
        size_t nw = truth(fx.queries + q * DIM, K, NULL, NULL, want);
        assert_int_equal(ng, K);
        assert_sorted(got, ng);
        recall += td_recall(got, ng, want, nw);
        /* distances are the true squared L2 of the returned vectors */
        for (size_t i = 0; i < ng; i++) {
            float d = vec_l2sq(fx.queries + q * DIM, fx.base + row_of(got[i].label) * DIM, DIM);
            assert_true(fabsf(d - got[i].distance) <= 1e-4f * (1 + d));
        }
    }
    recall /= NQ;
    print_message("# recall@10 at defaults (m 16, ef_construction 200, ef_search 64): %.4f\n",
                  recall);
    assert_true(recall >= 0.95);

    /* A larger ef can only help on average; ef 1 still answers. */
    hnsw_search_opts_t wide = {.ef_search = 256}, narrow = {.ef_search = 1};
    double r_wide = 0;
    for (size_t q = 0; q < NQ; q++) {
        vec_hit_t got[K], want[K];
        size_t ng = search(fx.index, fx.queries + q * DIM, K, &wide, got, NULL);
        r_wide += td_recall(got, ng, want, truth(fx.queries + q * DIM, K, NULL, NULL, want));
        assert_int_equal(search(fx.index, fx.queries + q * DIM, K, &narrow, got, NULL), K);
    }
    assert_true(r_wide / NQ >= recall);
}

static void test_exact_strategy_is_exact(void **state)
{
    (void)state;
    hnsw_search_opts_t exact = {.strategy = HNSW_EXACT};
    for (size_t q = 0; q < 50; q++) {
        vec_hit_t got[K], want[K];
        hnsw_search_stats_t st;
        size_t ng = search(fx.index, fx.queries + q * DIM, K, &exact, got, &st);
        size_t nw = truth(fx.queries + q * DIM, K, NULL, NULL, want);
        assert_int_equal(ng, nw);
        assert_int_equal(st.exact, 1);
        assert_int_equal(st.distances, N);
        for (size_t i = 0; i < ng; i++) {
            assert_int_equal(got[i].label, want[i].label);
            assert_true(got[i].distance == want[i].distance);
        }
    }
}

/* ---- filters -------------------------------------------------------------------------------- */

static int accept_even_row(uint64_t label, void *ctx)
{
    (void)ctx;
    return row_of(label) % 2 == 0;
}

/* 1% of rows: those with row % 100 == 37 (80 of 8,000). Counts its calls. */
static int accept_one_percent(uint64_t label, void *ctx)
{
    if (ctx)
        atomic_fetch_add((_Atomic size_t *)ctx, 1);
    return row_of(label) % 100 == 37;
}

static double filtered_recall(const hnsw_search_opts_t *o, vec_accept_fn accept, int want_exact)
{
    double recall = 0;
    for (size_t q = 0; q < NQ; q++) {
        vec_hit_t got[K], want[K];
        hnsw_search_stats_t st;
        size_t ng = search(fx.index, fx.queries + q * DIM, K, o, got, &st);
        size_t nw = truth(fx.queries + q * DIM, K, accept, NULL, want);
        assert_int_equal(ng, nw);
        assert_int_equal(st.exact, want_exact);
        for (size_t i = 0; i < ng; i++)
            assert_true(accept(got[i].label, NULL));
        assert_sorted(got, ng);
        recall += td_recall(got, ng, want, nw);
    }
    return recall / NQ;
}

static void test_filter_even_labels(void **state)
{
    (void)state;
    hnsw_search_opts_t o = {.accept = accept_even_row};
    double r = filtered_recall(&o, accept_even_row, 0); /* half pass: the graph is cheaper */
    print_message("# recall@10, even labels only: %.4f\n", r);
    assert_true(r >= 0.95);
    hnsw_search_stats_t st;
    vec_hit_t got[K];
    search(fx.index, fx.queries, K, &o, got, &st);
    assert_true(st.selectivity > 0.4 && st.selectivity < 0.6); /* sampled: about half */
}

static void test_filter_one_percent(void **state)
{
    (void)state;
    /* Automatic: the sample finds the filter selective, the scan answers exactly. */
    hnsw_search_opts_t o = {.accept = accept_one_percent};
    assert_true(filtered_recall(&o, accept_one_percent, 1) == 1.0);
    /* The caller's estimate replaces the sample: the filter runs only in the scan. */
    _Atomic size_t calls = 0;
    hnsw_search_opts_t hinted = {
        .accept = accept_one_percent, .accept_ctx = (void *)&calls, .selectivity = 0.01};
    vec_hit_t got[K];
    hnsw_search_stats_t st;
    assert_int_equal(search(fx.index, fx.queries, K, &hinted, got, &st), K);
    assert_int_equal(st.exact, 1);
    assert_int_equal(atomic_load(&calls), N);
    /* Forced through the graph: slower (it walks far to fill ef), still only accepted labels,
     * still finds them. */
    hnsw_search_opts_t graph = {.accept = accept_one_percent, .strategy = HNSW_GRAPH};
    double r = filtered_recall(&graph, accept_one_percent, 0);
    print_message("# recall@10, 1%% filter through the graph: %.4f\n", r);
    assert_true(r >= 0.95);
}

static int accept_nothing(uint64_t label, void *ctx)
{
    (void)label;
    (void)ctx;
    return 0;
}

static void test_filter_rejecting_everything(void **state)
{
    (void)state;
    vec_hit_t got[K];
    hnsw_search_stats_t st;
    static const hnsw_strategy_t strategies[] = {HNSW_AUTO, HNSW_GRAPH, HNSW_EXACT};
    for (size_t i = 0; i < 3; i++) {
        hnsw_search_opts_t o = {.accept = accept_nothing, .strategy = strategies[i]};
        assert_int_equal(search(fx.index, fx.queries, K, &o, got, &st), 0);
    }
}

/* ---- persistence ---------------------------------------------------------------------------- */

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(*len ? *len : 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, *len, f), *len);
    fclose(f);
    return data;
}

static void assert_same_results(hnsw_t *a, hnsw_t *b, const float *queries, size_t nq, size_t dim)
{
    for (size_t q = 0; q < nq; q++) {
        vec_hit_t x[K], y[K];
        size_t nx = search(a, queries + q * dim, K, NULL, x, NULL);
        size_t ny = search(b, queries + q * dim, K, NULL, y, NULL);
        assert_int_equal(nx, ny);
        for (size_t i = 0; i < nx; i++) {
            assert_int_equal(x[i].label, y[i].label);
            assert_true(x[i].distance == y[i].distance);
        }
    }
}

static void test_save_load_round_trip(void **state)
{
    (void)state;
    char *path = path_in(fx.dir, "main.hnsw");
    err_t err;
    assert_int_equal(hnsw_save(fx.index, path, &err), 0);
    hnsw_t *loaded = NULL;
    if (hnsw_load(path, &loaded, &err) != 0)
        fail_msg("hnsw_load: %s", err.message);
    assert_same_results(fx.index, loaded, fx.queries, NQ, DIM);
    hnsw_info_t a, b;
    hnsw_info(fx.index, &a);
    hnsw_info(loaded, &b);
    assert_int_equal(a.nodes, b.nodes);
    assert_int_equal(a.live, b.live);
    assert_int_equal(a.top_level, b.top_level);
    assert_int_equal(a.params.m, b.params.m);
    assert_int_equal(a.params.ef_search, b.params.ef_search);
    assert_int_equal(a.params.seed, b.params.seed);
    assert_int_equal(a.params.metric, b.params.metric);
    /* Filtered searches agree too, and labels resolve. */
    hnsw_search_opts_t o = {.accept = accept_even_row};
    vec_hit_t x[K], y[K];
    size_t nx = search(fx.index, fx.queries, K, &o, x, NULL);
    size_t ny = search(loaded, fx.queries, K, &o, y, NULL);
    assert_int_equal(nx, ny);
    for (size_t i = 0; i < nx; i++) {
        assert_int_equal(x[i].label, y[i].label);
        assert_true(x[i].distance == y[i].distance);
    }
    assert_int_equal(hnsw_contains(loaded, label_of(17)), 1);
    float v[DIM];
    assert_int_equal(hnsw_get(loaded, label_of(17), v, &err), 0);
    assert_memory_equal(v, fx.base + 17 * DIM, sizeof v);
    /* In memory, the same bytes load the same way. */
    size_t len;
    unsigned char *bytes = slurp(path, &len);
    hnsw_t *from_mem = NULL;
    assert_int_equal(hnsw_load_mem(bytes, len, &from_mem, &err), 0);
    assert_same_results(fx.index, from_mem, fx.queries, 20, DIM);
    hnsw_free(from_mem);
    free(bytes);
    hnsw_free(loaded);
    free(path);
}

/* Saving then growing equals growing without saving: the generator state travels. */
static void test_load_then_grow_is_deterministic(void **state)
{
    (void)state;
    float *v = td_clustered(1500, 16, 20, 1.0, 5);
    hnsw_t *whole = build(VEC_L2, v, 1500, 16, 9, 0);
    hnsw_t *part = build(VEC_L2, v, 1000, 16, 9, 0);
    char *path = path_in(fx.dir, "part.hnsw");
    err_t err;
    assert_int_equal(hnsw_save(part, path, &err), 0);
    hnsw_free(part);
    assert_int_equal(hnsw_load(path, &part, &err), 0);
    for (size_t i = 1000; i < 1500; i++)
        assert_int_equal(hnsw_add(part, label_of(i), v + i * 16, &err), 0);
    char *p1 = path_in(fx.dir, "whole.hnsw"), *p2 = path_in(fx.dir, "grown.hnsw");
    assert_int_equal(hnsw_save(whole, p1, &err), 0);
    assert_int_equal(hnsw_save(part, p2, &err), 0);
    size_t l1, l2;
    unsigned char *b1 = slurp(p1, &l1), *b2 = slurp(p2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    free(b1);
    free(b2);
    free(p1);
    free(p2);
    free(path);
    hnsw_free(whole);
    hnsw_free(part);
    free(v);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    char *path = path_in(fx.dir, "absent.hnsw");
    hnsw_t *h = (hnsw_t *)1;
    err_t err;
    assert_int_equal(hnsw_load(path, &h, &err), -1);
    assert_null(h);
    assert_int_equal(err.status, 404);
    assert_int_equal(hnsw_load(fx.dir, &h, &err), -1); /* a directory */
    assert_int_equal(err.status, 400);
    free(path);
}

/* A small index with a bit of everything: upper layers, a tombstone, a replacement. */
static unsigned char *small_index_bytes(size_t *len)
{
    float *v = td_clustered(60, 4, 5, 1.0, 77);
    hnsw_params_t p;
    hnsw_params_default(&p, VEC_L2, 4);
    p.m = 4; /* small m: more upper layers in few nodes */
    hnsw_t *h;
    err_t err;
    assert_int_equal(hnsw_create(&p, &h, &err), 0);
    for (size_t i = 0; i < 60; i++)
        assert_int_equal(hnsw_add(h, i, v + i * 4, &err), 0);
    assert_int_equal(hnsw_delete(h, 3, &err), 0);
    assert_int_equal(hnsw_add(h, 5, v, &err), 0);
    hnsw_info_t info;
    hnsw_info(h, &info);
    assert_true(info.top_level >= 1);
    char *path = path_in(fx.dir, "small.hnsw");
    assert_int_equal(hnsw_save(h, path, &err), 0);
    unsigned char *bytes = slurp(path, len);
    hnsw_free(h);
    free(path);
    free(v);
    return bytes;
}

static void assert_refused(const unsigned char *data, size_t len)
{
    hnsw_t *h = (hnsw_t *)1;
    err_t err;
    int rc = hnsw_load_mem(data, len, &h, &err);
    if (rc == 0)
        fail_msg("a damaged file of %zu bytes was accepted", len);
    assert_null(h);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "index");
    assert_non_null(strstr(err.message, "invalid index file"));
}

static void test_truncated_files_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *bytes = small_index_bytes(&len);
    hnsw_t *h;
    err_t err;
    assert_int_equal(hnsw_load_mem(bytes, len, &h, &err), 0);
    hnsw_free(h);
    for (size_t cut = 0; cut < len; cut++)
        assert_refused(bytes, cut);
    /* Through the file path as well, with the message saying so. */
    char *path = path_in(fx.dir, "cut.hnsw");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len / 2, f), len / 2);
    fclose(f);
    assert_int_equal(hnsw_load(path, &h, &err), -1);
    assert_int_equal(err.status, 400);
    assert_non_null(strstr(err.message, "truncated"));
    /* A byte too many is refused too. */
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, bytes, len);
    longer[len] = 0;
    assert_refused(longer, len + 1);
    free(longer);
    free(path);
    free(bytes);
}

static void test_corrupt_files_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *bytes = small_index_bytes(&len);
    /* Every byte flipped, one at a time: the header checks, the structural checks or the
     * checksum must catch each. */
    for (size_t i = 0; i < len; i++) {
        bytes[i] ^= 0x5a;
        assert_refused(bytes, len);
        bytes[i] ^= 0x5a;
    }
    err_t err;
    hnsw_t *h;
    memcpy(bytes, "LLMHNSW2", 8);
    assert_int_equal(hnsw_load_mem(bytes, len, &h, &err), -1);
    assert_non_null(strstr(err.message, "bad magic"));
    memcpy(bytes, "LLMHNSW1", 8);
    bytes[8] = 2; /* version */
    assert_int_equal(hnsw_load_mem(bytes, len, &h, &err), -1);
    assert_non_null(strstr(err.message, "version 2"));
    bytes[8] = 1;
    assert_int_equal(hnsw_load_mem(bytes, len, &h, &err), 0);
    hnsw_free(h);
    free(bytes);
}

/* Rewrite the SHA-256 trailer so that a deliberately broken body reaches the structural
 * checks (a flipped byte would otherwise be caught by the checksum alone). */
static void fix_checksum(unsigned char *data, size_t len)
{
    unsigned int dlen = 0;
    assert_int_equal(EVP_Digest(data, len - 32, data + len - 32, &dlen, EVP_sha256(), NULL), 1);
    assert_int_equal(dlen, 32);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_structural_checks(void **state)
{
    (void)state;
    size_t len;
    unsigned char *good = small_index_bytes(&len);
    unsigned char *b = malloc(len);
    assert_non_null(b);
    hnsw_t *h;
    err_t err;
    /* Layout of node 0 (dim 4): 96-byte header, then label 8, layer 1, flags 1, zero 6,
     * vector 16, layer-0 count at 96 + 32, first link at 96 + 36. */
    const size_t node0 = 96, count0 = node0 + 32, link0 = node0 + 36;
    struct {
        const char *what, *expect;
        size_t at;
        uint32_t value;
        int width;
    } cases[] = {
        {"link out of range", "bad link", link0, 1000000, 4},
        {"self link", "bad link", link0, 0, 4},
        {"too many links", "links on layer", count0, 9, 4},
        {"bad flags", "bad layer or flags", node0 + 9, 7, 1},
        {"padding", "bad layer or flags", node0 + 10, 1, 1},
        {"NaN component", "non-finite", node0 + 16, 0x7fc00000, 4},
        {"dim zero", "bad parameter", 16, 0, 4},
        {"m0 not 2m", "m0", 28, 7, 4},
        {"metric", "unknown metric", 20, 9, 4},
        {"entry out of range", "bad entry point", 72, 100000, 4},
        {"node count too high", "cannot fit", 56, 1000000, 4},
        {"live above nodes", "bad node counts", 64, 1000, 4},
        {"live below the real count (found by fuzzing)", "more live nodes", 64, 0, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(b, good, len);
        if (cases[i].width == 4)
            put32(b + cases[i].at, cases[i].value);
        else
            b[cases[i].at] = (unsigned char)cases[i].value;
        fix_checksum(b, len);
        assert_int_equal(hnsw_load_mem(b, len, &h, &err), -1);
        if (!strstr(err.message, cases[i].expect))
            fail_msg("%s: got \"%s\"", cases[i].what, err.message);
        assert_int_equal(err.status, 400);
    }
    free(b);
    free(good);
}

static void test_save_is_atomic(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char *path = path_in(dir, "idx.hnsw");
    float *v = td_clustered(100, 8, 4, 1.0, 3);
    hnsw_t *a = build(VEC_L2, v, 50, 8, 1, 0);
    hnsw_t *b = build(VEC_L2, v, 100, 8, 1, 0);
    err_t err;
    assert_int_equal(hnsw_save(a, path, &err), 0);
    assert_int_equal(hnsw_save(b, path, &err), 0); /* replaces */
    hnsw_t *l;
    assert_int_equal(hnsw_load(path, &l, &err), 0);
    hnsw_info_t info;
    hnsw_info(l, &info);
    assert_int_equal(info.nodes, 100);
    hnsw_free(l);
    /* Only the target is left: no temporary files. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);
    /* An unwritable place fails cleanly. */
    char *bad = path_in(dir, "no/such/dir/idx.hnsw");
    assert_int_equal(hnsw_save(a, bad, &err), -1);
    assert_int_equal(err.status, 500);
    free(bad);
    hnsw_free(a);
    hnsw_free(b);
    free(v);
    free(path);
    test_rmtree(dir);
}

/* ---- changing an index --------------------------------------------------------------------- */

static void test_params_validation(void **state)
{
    (void)state;
    hnsw_params_t p;
    hnsw_t *h = (hnsw_t *)1;
    err_t err;
#define REFUSE(stmt, fld)                                                                          \
    do {                                                                                           \
        hnsw_params_default(&p, VEC_L2, 8);                                                        \
        stmt;                                                                                      \
        assert_int_equal(hnsw_create(&p, &h, &err), -1);                                           \
        assert_null(h);                                                                            \
        assert_int_equal(err.status, 400);                                                         \
        assert_string_equal(err.field, fld);                                                       \
    } while (0)
    REFUSE(p.dim = 0, "dim");
    REFUSE(p.dim = VEC_DIM_MAX + 1, "dim");
    REFUSE(p.m = 1, "m");
    REFUSE(p.m = HNSW_M_MAX + 1, "m");
    REFUSE(p.ef_construction = 0, "ef_construction");
    REFUSE(p.ef_construction = HNSW_EF_MAX + 1, "ef_construction");
    REFUSE(p.ef_search = 0, "ef_search");
    REFUSE(p.metric = (vec_metric_t)3, "metric");
    REFUSE(p.capacity = HNSW_MAX_NODES + 1, "capacity");
#undef REFUSE
    /* The extremes that are allowed work. */
    hnsw_params_default(&p, VEC_L2, VEC_DIM_MAX);
    p.m = HNSW_M_MAX;
    assert_int_equal(hnsw_create(&p, &h, &err), 0);
    float *v = calloc(VEC_DIM_MAX, sizeof *v);
    v[5] = 1;
    assert_int_equal(hnsw_add(h, 1, v, &err), 0);
    vec_hit_t hit;
    size_t n;
    assert_int_equal(hnsw_search(h, v, 1, NULL, &hit, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(hit.label, 1);
    free(v);
    hnsw_free(h);
    hnsw_params_default(&p, VEC_DOT, 1);
    p.m = HNSW_M_MIN;
    assert_int_equal(hnsw_create(&p, &h, &err), 0);
    hnsw_free(h);
}

static void test_empty_index_and_bad_calls(void **state)
{
    (void)state;
    hnsw_params_t p;
    hnsw_params_default(&p, VEC_COSINE, 3);
    hnsw_t *h;
    err_t err;
    assert_int_equal(hnsw_create(&p, &h, &err), 0);
    float q[3] = {1, 2, 3}, zero[3] = {0, 0, 0}, nan_v[3] = {1, NAN, 0};
    vec_hit_t hits[4];
    size_t n = 99;
    assert_int_equal(hnsw_search(h, q, 4, NULL, hits, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(hnsw_delete(h, 1, &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(hnsw_get(h, 1, q, &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(hnsw_contains(h, 1), 0);
    /* bad vectors change nothing */
    assert_int_equal(hnsw_add(h, 1, zero, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "vector");
    assert_int_equal(hnsw_add(h, 1, nan_v, &err), -1);
    assert_string_equal(err.field, "vector");
    hnsw_info_t info;
    hnsw_info(h, &info);
    assert_int_equal(info.nodes, 0);
    assert_int_equal(info.top_level, -1);
    assert_int_equal(hnsw_add(h, 1, q, &err), 0);
    assert_int_equal(hnsw_add(h, 2, nan_v, &err), -1);
    hnsw_info(h, &info);
    assert_int_equal(info.nodes, 1);
    assert_int_equal(info.live, 1);
    /* bad searches */
    assert_int_equal(hnsw_search(h, q, 0, NULL, hits, &n, NULL, &err), -1);
    assert_string_equal(err.field, "k");
    assert_int_equal(hnsw_search(h, q, VEC_K_MAX + 1, NULL, hits, &n, NULL, &err), -1);
    assert_string_equal(err.field, "k");
    assert_int_equal(hnsw_search(h, zero, 1, NULL, hits, &n, NULL, &err), -1);
    assert_string_equal(err.field, "query");
    hnsw_search_opts_t o = {.ef_search = HNSW_EF_MAX + 1};
    assert_int_equal(hnsw_search(h, q, 1, &o, hits, &n, NULL, &err), -1);
    assert_string_equal(err.field, "ef_search");
    o = (hnsw_search_opts_t){.selectivity = 1.5};
    assert_int_equal(hnsw_search(h, q, 1, &o, hits, &n, NULL, &err), -1);
    assert_string_equal(err.field, "selectivity");
    o = (hnsw_search_opts_t){.strategy = (hnsw_strategy_t)7};
    assert_int_equal(hnsw_search(h, q, 1, &o, hits, &n, NULL, &err), -1);
    assert_string_equal(err.field, "strategy");
    assert_int_equal(hnsw_set_ef_search(h, 0, &err), -1);
    assert_int_equal(hnsw_set_ef_search(h, 100, &err), 0);
    hnsw_info(h, &info);
    assert_int_equal(info.params.ef_search, 100);
    /* k above the live count: all of them */
    assert_int_equal(hnsw_search(h, q, 4, NULL, hits, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    assert_true(fabsf(hits[0].distance) < 1e-6f); /* cosine of a vector with itself */
    hnsw_free(h);
}

static void test_cosine_and_dot_recall(void **state)
{
    (void)state;
    const size_t n = 2000, dim = 24, nq = 100;
    float *v = td_clustered(n + nq, dim, 20, 1.0, 8);
    static const vec_metric_t metrics[] = {VEC_COSINE, VEC_DOT};
    for (size_t mi = 0; mi < 2; mi++) {
        vec_metric_t metric = metrics[mi];
        hnsw_t *h = build(metric, v, n, dim, 1, 0);
        float *rows = malloc(n * dim * sizeof *rows);
        uint64_t *labels = malloc(n * sizeof *labels);
        memcpy(rows, v, n * dim * sizeof *rows);
        for (size_t i = 0; i < n; i++) {
            labels[i] = label_of(i);
            if (metric == VEC_COSINE)
                assert_int_equal(vec_normalize(rows + i * dim, dim), 0);
        }
        vec_matrix_t m = {.metric = metric, .dim = dim, .rows = rows, .labels = labels, .n = n};
        double recall = 0;
        err_t err;
        for (size_t q = 0; q < nq; q++) {
            vec_hit_t got[K], want[K];
            size_t nw;
            size_t ng = search(h, v + (n + q) * dim, K, NULL, got, NULL);
            assert_int_equal(
                vec_exact_search(&m, v + (n + q) * dim, K, NULL, NULL, want, &nw, &err), 0);
            recall += td_recall(got, ng, want, nw);
            for (size_t i = 0; metric == VEC_COSINE && i < ng; i++)
                assert_true(got[i].distance >= -1e-6f && got[i].distance <= 2.0f + 1e-6f);
        }
        recall /= nq;
        print_message("# recall@10 %s: %.4f\n", vec_metric_name(metric), recall);
        /* Inner product is not a metric; the graph still finds most of the top 10. */
        assert_true(recall >= (metric == VEC_COSINE ? 0.95 : 0.85));
        /* Stored vectors: unit length under cosine, as given under dot. */
        float out[24];
        assert_int_equal(hnsw_get(h, label_of(9), out, &err), 0);
        assert_memory_equal(out, rows + 9 * dim, sizeof out);
        free(rows);
        free(labels);
        hnsw_free(h);
    }
    free(v);
}

static void test_deterministic_builds(void **state)
{
    (void)state;
    float *v = td_clustered(1000, 16, 20, 1.0, 21);
    hnsw_t *a = build(VEC_L2, v, 1000, 16, 1234, 0);
    hnsw_t *b = build(VEC_L2, v, 1000, 16, 1234, 64); /* different initial capacity */
    hnsw_t *c = build(VEC_L2, v, 1000, 16, 99, 0);
    char *pa = path_in(fx.dir, "a.hnsw"), *pb = path_in(fx.dir, "b.hnsw"),
         *pc = path_in(fx.dir, "c.hnsw");
    err_t err;
    assert_int_equal(hnsw_save(a, pa, &err), 0);
    assert_int_equal(hnsw_save(b, pb, &err), 0);
    assert_int_equal(hnsw_save(c, pc, &err), 0);
    size_t la, lb, lc;
    unsigned char *ba = slurp(pa, &la), *bb = slurp(pb, &lb), *bc = slurp(pc, &lc);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);                  /* same seed: byte-identical */
    assert_true(la != lc || memcmp(ba, bc, la) != 0); /* another seed: another graph */
    assert_same_results(a, b, v, 100, 16);
    free(ba);
    free(bb);
    free(bc);
    free(pa);
    free(pb);
    free(pc);
    hnsw_free(a);
    hnsw_free(b);
    hnsw_free(c);
    free(v);
}

static int accept_not_third(uint64_t label, void *ctx)
{
    (void)ctx;
    return row_of(label) % 3 != 0;
}

static void test_deletes_never_returned(void **state)
{
    (void)state;
    const size_t n = 2100, dim = 16;
    float *v = td_clustered(n, dim, 30, 1.0, 31);
    hnsw_t *h = build(VEC_L2, v, n, dim, 1, 0);
    err_t err;
    /* Delete every row with row % 3 == 0, including whichever is the entry point. */
    for (size_t i = 0; i < n; i += 3)
        assert_int_equal(hnsw_delete(h, label_of(i), &err), 0);
    assert_int_equal(hnsw_delete(h, label_of(0), &err), -1); /* twice: 404 */
    assert_int_equal(err.status, 404);
    hnsw_info_t info;
    hnsw_info(h, &info);
    assert_int_equal(info.nodes, n);
    assert_int_equal(info.deleted, n / 3);
    assert_int_equal(info.live, n - n / 3);
    /* Query with the deleted vectors themselves: the closest possible, never returned. */
    double recall = 0;
    uint64_t *labels = malloc(n * sizeof *labels);
    for (size_t i = 0; i < n; i++)
        labels[i] = label_of(i);
    for (size_t q = 0; q < n; q += 30) {
        vec_hit_t got[50], want[50];
        size_t ng = search(h, v + q * dim, 50, NULL, got, NULL);
        assert_int_equal(ng, 50);
        for (size_t i = 0; i < ng; i++) {
            assert_true(row_of(got[i].label) % 3 != 0);
            assert_int_equal(hnsw_contains(h, got[i].label), 1);
        }
        vec_matrix_t m = {.metric = VEC_L2, .dim = dim, .rows = v, .labels = labels, .n = n};
        size_t nw;
        assert_int_equal(
            vec_exact_search(&m, v + q * dim, K, accept_not_third, NULL, want, &nw, &err), 0);
        recall += td_recall(got, K, want, nw);
        /* nor by the exact strategy */
        hnsw_search_opts_t ex = {.strategy = HNSW_EXACT};
        ng = search(h, v + q * dim, 50, &ex, got, NULL);
        for (size_t i = 0; i < ng; i++)
            assert_true(row_of(got[i].label) % 3 != 0);
    }
    recall /= n / 30;
    assert_true(recall >= 0.95);
    /* New vectors added after the deletes are found, and link past the tombstones. */
    for (size_t i = 0; i < n; i += 3)
        assert_int_equal(hnsw_add(h, label_of(n + i), v + i * dim, &err), 0);
    for (size_t i = 0; i < n; i += 150) {
        vec_hit_t got[1];
        assert_int_equal(search(h, v + i * dim, 1, NULL, got, NULL), 1);
        assert_true(got[0].distance == 0.0f);
        if (i % 3 == 0)
            assert_int_equal(got[0].label, label_of(n + i));
    }
    free(labels);
    hnsw_free(h);
    free(v);
}

static void test_delete_everything(void **state)
{
    (void)state;
    float *v = td_clustered(200, 8, 4, 1.0, 2);
    hnsw_t *h = build(VEC_L2, v, 200, 8, 1, 0);
    err_t err;
    for (size_t i = 0; i < 200; i++)
        assert_int_equal(hnsw_delete(h, label_of(i), &err), 0);
    vec_hit_t got[5];
    assert_int_equal(search(h, v, 5, NULL, got, NULL), 0);
    /* Only tombstones left: a new vector must still be reachable. */
    assert_int_equal(hnsw_add(h, 42, v + 8 * 8, &err), 0);
    assert_int_equal(hnsw_add(h, 43, v + 9 * 8, &err), 0);
    for (int i = 0; i < 20; i++) {
        size_t n = search(h, v + i * 8, 5, NULL, got, NULL);
        assert_int_equal(n, 2);
        assert_true((got[0].label == 42 && got[1].label == 43) ||
                    (got[0].label == 43 && got[1].label == 42));
    }
    hnsw_free(h);
    free(v);
}

static void test_readd_replaces(void **state)
{
    (void)state;
    const size_t n = 2000, dim = 16;
    float *v = td_clustered(n + 1, dim, 20, 1.0, 41);
    hnsw_t *h = build(VEC_L2, v, n, dim, 1, 0);
    err_t err;
    const float *fresh = v + n * dim; /* a vector not in the index */
    for (size_t i = 0; i < n; i += 100) {
        uint64_t label = label_of(i);
        /* replace row i's vector with a copy of row i+1's shifted slightly */
        float nv[16];
        for (size_t j = 0; j < dim; j++)
            nv[j] = fresh[j] + (float)i;
        assert_int_equal(hnsw_add(h, label, nv, &err), 0);
        vec_hit_t got[K];
        size_t ng = search(h, nv, K, NULL, got, NULL);
        assert_true(ng >= 1);
        assert_int_equal(got[0].label, label);
        assert_true(got[0].distance == 0.0f);
        /* the old vector no longer answers for the label */
        ng = search(h, v + i * dim, K, NULL, got, NULL);
        for (size_t j = 0; j < ng; j++)
            if (got[j].label == label)
                assert_true(got[j].distance > 0.0f);
        /* and a label appears at most once */
        for (size_t a = 0; a < ng; a++)
            for (size_t b = a + 1; b < ng; b++)
                assert_true(got[a].label != got[b].label);
        float out[16];
        assert_int_equal(hnsw_get(h, label, out, &err), 0);
        assert_memory_equal(out, nv, sizeof out);
    }
    hnsw_info_t info;
    hnsw_info(h, &info);
    assert_int_equal(info.live, n);
    assert_int_equal(info.deleted, n / 100);
    assert_int_equal(info.nodes, n + n / 100);
    /* Replace the same label many times: one live copy. */
    for (int r = 0; r < 50; r++)
        assert_int_equal(hnsw_add(h, 7, v + (size_t)r * dim, &err), 0);
    hnsw_info(h, &info);
    assert_int_equal(info.live, n + 1);
    vec_hit_t got[K];
    size_t ng = search(h, v + 49 * dim, K, NULL, got, NULL);
    int sevens = 0;
    for (size_t j = 0; j < ng; j++)
        sevens += got[j].label == 7;
    assert_int_equal(sevens, 1);
    hnsw_free(h);
    free(v);
}

static void test_memory_report(void **state)
{
    (void)state;
    hnsw_info_t info;
    hnsw_info(fx.index, &info);
    assert_int_equal(info.nodes, N);
    assert_int_equal(info.live, N);
    assert_int_equal(info.deleted, 0);
    assert_int_equal(info.m0, 32);
    assert_int_equal(info.bytes_vectors, (size_t)N * DIM * sizeof(float));
    /* per node: the vector, 33 link words, label and flags, rounded to 64 bytes */
    assert_true(info.bytes_nodes >= (size_t)N * (DIM * 4 + 33 * 4 + 12));
    assert_true(info.bytes_upper > 0);
    assert_true(info.bytes_labels >= (size_t)N * 12);
    assert_true(info.bytes_scratch >= (size_t)N * 2); /* at least one visited array */
    assert_true(info.bytes_total >=
                info.bytes_nodes + info.bytes_upper + info.bytes_labels + info.bytes_scratch);
    assert_true(info.bytes_total < (size_t)N * 800); /* and nothing wildly off */
    assert_true(info.top_level >= 1);
    /* Growing the index grows the report. */
    float *v = td_clustered(1500, 8, 5, 1.0, 1);
    hnsw_t *h = build(VEC_L2, v, 500, 8, 1, 16);
    hnsw_info_t a, b;
    hnsw_info(h, &a);
    err_t err;
    for (size_t i = 500; i < 1500; i++)
        assert_int_equal(hnsw_add(h, i, v + i * 8, &err), 0);
    hnsw_info(h, &b);
    assert_true(b.bytes_total > a.bytes_total);
    assert_true(b.bytes_nodes > a.bytes_nodes);
    assert_true(b.params.capacity >= 1500);
    hnsw_free(h);
    free(v);
}

/* ---- concurrency ---------------------------------------------------------------------------- */

#define READERS 2

typedef struct conc {
    hnsw_t *h;
    const float *v;
    size_t n, dim;
    _Atomic int done;
    _Atomic size_t searches;
    _Atomic size_t inserted; /* rows 0..inserted-1 have been added (some later deleted) */
} conc_t;

static int accept_even_label(uint64_t label, void *ctx)
{
    (void)ctx;
    return label % 2 == 0;
}

/* cmocka's failures cannot cross threads: a reader that sees a wrong answer aborts the run. */
static void conc_fail(const char *what, uint64_t label)
{
    fprintf(stderr, "concurrent search: %s (label %llu)\n", what, (unsigned long long)label);
    abort();
}

static void *reader(void *arg)
{
    conc_t *c = arg;
    uint64_t s = (uint64_t)(uintptr_t)pthread_self();
    vec_hit_t hits[20];
    while (!atomic_load(&c->done) || atomic_load(&c->searches) < 300) {
        size_t bound = atomic_load(&c->inserted);
        size_t row = bound ? td_next(&s) % bound : 0;
        hnsw_search_opts_t o = {0};
        if (td_next(&s) % 3 == 0)
            o.accept = accept_even_label;
        if (td_next(&s) % 5 == 0)
            o.strategy = HNSW_EXACT;
        size_t n;
        err_t err;
        if (hnsw_search(c->h, c->v + row * c->dim, 20, &o, hits, &n, NULL, &err) != 0)
            conc_fail(err.message, 0);
        for (size_t i = 0; i < n; i++) {
            /* every label is one the writer has added, never one twice */
            if (hits[i].label >= c->n)
                conc_fail("unknown label", hits[i].label);
            if (o.accept && hits[i].label % 2)
                conc_fail("filter ignored", hits[i].label);
            if (i > 0 && hits[i - 1].distance > hits[i].distance)
                conc_fail("unsorted results", hits[i].label);
            for (size_t j = 0; j < i; j++)
                if (hits[j].label == hits[i].label)
                    conc_fail("label returned twice", hits[i].label);
        }
        /* A short pause now and then leaves the writer a core on a small machine. */
        if (atomic_fetch_add(&c->searches, 1) % 16 == 0)
            nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);
    }
    return NULL;
}

static void test_concurrent_search_while_inserting(void **state)
{
    (void)state;
    const size_t n = 2500, dim = 16;
    float *v = td_clustered(n, dim, 40, 1.0, 51);
    hnsw_params_t p;
    hnsw_params_default(&p, VEC_L2, dim);
    p.capacity = 16; /* grows many times while the readers run */
    conc_t c = {.v = v, .n = n, .dim = dim};
    err_t err;
    assert_int_equal(hnsw_create(&p, &c.h, &err), 0);
    pthread_t readers[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&readers[i], NULL, reader, &c), 0);
    /* The writer: inserts (label = row), deletes some, replaces some, saves once. */
    char *path = path_in(fx.dir, "conc.hnsw");
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(hnsw_add(c.h, i, v + i * dim, &err), 0);
        atomic_store(&c.inserted, i + 1);
        if (i % 10 == 9)
            assert_int_equal(hnsw_delete(c.h, i - 5, &err), 0);
        if (i % 10 == 3 && i > 100)
            assert_int_equal(hnsw_add(c.h, i - 100, v + i * dim, &err), 0);
        if (i == n / 2)
            assert_int_equal(hnsw_save(c.h, path, &err), 0);
    }
    atomic_store(&c.done, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(readers[i], NULL);
    print_message("# %zu searches ran beside %zu inserts\n", atomic_load(&c.searches), n);
    /* The saved half loads, and the final index answers sensibly. */
    hnsw_t *half;
    assert_int_equal(hnsw_load(path, &half, &err), 0);
    hnsw_info_t info;
    hnsw_info(half, &info);
    assert_true(info.live > 0);
    hnsw_free(half);
    hnsw_info(c.h, &info);
    assert_int_equal(info.live, n - n / 10);
    vec_hit_t got[1];
    for (size_t i = 0; i < n; i += 97) {
        if (i % 10 == 4 || (i % 10 == 3 && i + 100 < n)) /* deleted or replaced */
            continue;
        assert_int_equal(search(c.h, v + i * dim, 1, NULL, got, NULL), 1);
        assert_true(got[0].distance == 0.0f);
    }
    free(path);
    hnsw_free(c.h);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recall_default_params),
        cmocka_unit_test(test_exact_strategy_is_exact),
        cmocka_unit_test(test_filter_even_labels),
        cmocka_unit_test(test_filter_one_percent),
        cmocka_unit_test(test_filter_rejecting_everything),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_then_grow_is_deterministic),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_truncated_files_refused),
        cmocka_unit_test(test_corrupt_files_refused),
        cmocka_unit_test(test_structural_checks),
        cmocka_unit_test(test_save_is_atomic),
        cmocka_unit_test(test_params_validation),
        cmocka_unit_test(test_empty_index_and_bad_calls),
        cmocka_unit_test(test_cosine_and_dot_recall),
        cmocka_unit_test(test_deterministic_builds),
        cmocka_unit_test(test_deletes_never_returned),
        cmocka_unit_test(test_delete_everything),
        cmocka_unit_test(test_readd_replaces),
        cmocka_unit_test(test_memory_report),
        cmocka_unit_test(test_concurrent_search_while_inserting),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
