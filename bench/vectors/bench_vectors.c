/* bench_vectors.c - benchmark of the HNSW index (src/vector/hnsw.h) against hnswlib
 * (hnswlib_bench.cpp) on the same data, the same core and the same parameters.
 *
 *   bench_vectors gen  OUT N DIM QUERIES [CLUSTERS] [SIGMA] [SEED]
 *       Clustered Gaussian data: CLUSTERS (default 1000) centroids drawn from N(0, 1)^DIM, each
 *       point a centroid (chosen uniformly) plus N(0, SIGMA^2)^DIM noise (default 1); the queries
 * are further points of the same distribution. Ground truth: the exact 10 nearest base points of
 * each query (squared L2, src/vector/exact.h). Written to OUT (format below) for both programs.
 *   bench_vectors run  DATA M EF_CONSTRUCTION EF_LIST
 *       Builds the index over the base points (one thread), then for every ef in the
 *       comma-separated EF_LIST runs all queries (best of 3 passes) and prints
 *       "ef E recall R qps Q"; before that "build_s S", "rss_bytes B" (resident memory added by
 *       building) and "index_bytes B" (the index's own accounting).
 *   bench_vectors compare OURS HNSWLIB
 *       Reads "run" outputs (each side a comma-separated list of rounds; the best figure of
 *       each side is kept) and prints a table: build time, memory, and for target recalls
 *       0.90, 0.95, 0.99 the smallest ef reaching it on each side, the QPS there and the ratio
 *       ours / hnswlib.
 *
 *   bench_vectors concurrent DATA EF SECONDS
 *       Searching beside a writer (wall-clock, two threads): builds the index over the first half
 *       of the base points, then a search thread runs queries (ef EF) for SECONDS while a
 *       writer thread inserts the second half; once as the index is (searches take no lock on
 *       the graph) and once with an index-wide pthread rwlock around every call (the simple
 *       design: searches shared, inserts exclusive), each from a fresh half-built index. Also
 *       the search rate with no writer. Prints searches/s and inserts/s for each.
 *
 * Data file: "LLMVBEN1", u32 n, dim, queries, gt_k; then n*dim base floats, queries*dim query
 * floats, queries*gt_k u32 ground-truth row numbers (host byte order; it never leaves the
 * machine). */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vector/exact.h"
#include "vector/hnsw.h"

#define GT_K 10

/* CPU time of this thread: the benchmark runs on one core that other processes may share, and
 * time spent descheduled is not time the index spent. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *msg)
{
    fprintf(stderr, "bench_vectors: %s\n", msg);
    exit(1);
}

static void *xalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Standard normal by Box-Muller. */
static double gauss(uint64_t *s)
{
    double u1 = ((rng_next(s) >> 11) + 1) * 0x1.0p-53;
    double u2 = (rng_next(s) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static size_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * 4096;
}

typedef struct data {
    uint32_t n, dim, nq, gt_k;
    float *base, *queries;
    uint32_t *gt;
} data_t;

static void read_exact(FILE *f, void *p, size_t n)
{
    if (fread(p, 1, n, f) != n)
        die("data file is truncated");
}

static void data_load(const char *path, data_t *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open the data file");
    char magic[8];
    uint32_t hd[4];
    read_exact(f, magic, 8);
    if (memcmp(magic, "LLMVBEN1", 8) != 0)
        die("not a bench data file");
    read_exact(f, hd, sizeof hd);
    d->n = hd[0], d->dim = hd[1], d->nq = hd[2], d->gt_k = hd[3];
    d->base = xalloc((size_t)d->n * d->dim * sizeof(float));
    d->queries = xalloc((size_t)d->nq * d->dim * sizeof(float));
    d->gt = xalloc((size_t)d->nq * d->gt_k * sizeof(uint32_t));
    read_exact(f, d->base, (size_t)d->n * d->dim * sizeof(float));
    read_exact(f, d->queries, (size_t)d->nq * d->dim * sizeof(float));
    read_exact(f, d->gt, (size_t)d->nq * d->gt_k * sizeof(uint32_t));
    fclose(f);
}

static int cmd_gen(int argc, char **argv)
{
    if (argc < 6)
        die("usage: gen OUT N DIM QUERIES [CLUSTERS] [SIGMA] [SEED]");
    const char *out = argv[2];
    uint32_t n = (uint32_t)strtoul(argv[3], NULL, 10);
    uint32_t dim = (uint32_t)strtoul(argv[4], NULL, 10);
    uint32_t nq = (uint32_t)strtoul(argv[5], NULL, 10);
    uint32_t clusters = argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 10) : 1000;
    double sigma = argc > 7 ? strtod(argv[7], NULL) : 1.0;
    uint64_t seed = argc > 8 ? strtoull(argv[8], NULL, 10) : 42;
    if (!n || !dim || dim > VEC_DIM_MAX || !nq || !clusters)
        die("bad sizes");
    uint64_t rng = seed;
    float *cent = xalloc((size_t)clusters * dim * sizeof(float));
    for (size_t i = 0; i < (size_t)clusters * dim; i++)
        cent[i] = (float)gauss(&rng);
    uint32_t total = n + nq;
    float *all = xalloc((size_t)total * dim * sizeof(float));
    for (uint32_t i = 0; i < total; i++) {
        const float *c = cent + (rng_next(&rng) % clusters) * dim;
        for (uint32_t j = 0; j < dim; j++)
            all[(size_t)i * dim + j] = c[j] + (float)(sigma * gauss(&rng));
    }
    float *base = all, *queries = all + (size_t)n * dim;
    uint32_t *gt = xalloc((size_t)nq * GT_K * sizeof(uint32_t));
    vec_matrix_t m = {.metric = VEC_L2, .dim = dim, .rows = base, .n = n};
    vec_hit_t hits[GT_K];
    double t0 = now_s();
    for (uint32_t q = 0; q < nq; q++) {
        size_t nh;
        err_t err;
        if (vec_exact_search(&m, queries + (size_t)q * dim, GT_K, NULL, NULL, hits, &nh, &err))
            die(err.message);
        for (size_t j = 0; j < GT_K; j++)
            gt[(size_t)q * GT_K + j] = j < nh ? (uint32_t)hits[j].label : UINT32_MAX;
    }
    fprintf(stderr, "ground truth: %u queries in %.1f s\n", nq, now_s() - t0);
    FILE *f = fopen(out, "wb");
    if (!f)
        die("cannot write the data file");
    uint32_t hd[4] = {n, dim, nq, GT_K};
    if (fwrite("LLMVBEN1", 1, 8, f) != 8 || fwrite(hd, sizeof hd, 1, f) != 1 ||
        fwrite(base, sizeof(float), (size_t)n * dim, f) != (size_t)n * dim ||
        fwrite(queries, sizeof(float), (size_t)nq * dim, f) != (size_t)nq * dim ||
        fwrite(gt, sizeof(uint32_t), (size_t)nq * GT_K, f) != (size_t)nq * GT_K || fclose(f) != 0)
        die("cannot write the data file");
    free(cent);
    free(all);
    free(gt);
    return 0;
}

static double recall_of(const data_t *d, uint32_t q, const vec_hit_t *hits, size_t nh)
{
    const uint32_t *truth = d->gt + (size_t)q * d->gt_k;
    size_t found = 0;
    for (size_t i = 0; i < nh; i++)
        for (uint32_t j = 0; j < GT_K; j++)
            if (hits[i].label == truth[j]) {
                found++;
                break;
            }
    return (double)found / GT_K;
}

static int cmd_run(int argc, char **argv)
{
    if (argc < 6)
        die("usage: run DATA M EF_CONSTRUCTION EF_LIST");
    data_t d;
    data_load(argv[2], &d);
    hnsw_params_t p;
    hnsw_params_default(&p, VEC_L2, d.dim);
    p.m = (uint32_t)strtoul(argv[3], NULL, 10);
    p.ef_construction = (uint32_t)strtoul(argv[4], NULL, 10);
    p.capacity = d.n; /* as hnswlib, which is told max_elements up front */
    err_t err;
    size_t rss0 = resident_bytes();
    hnsw_t *h;
    if (hnsw_create(&p, &h, &err) != 0)
        die(err.message);
    double t0 = now_s();
    for (uint32_t i = 0; i < d.n; i++)
        if (hnsw_add(h, i, d.base + (size_t)i * d.dim, &err) != 0)
            die(err.message);
    double build = now_s() - t0;
    hnsw_info_t info;
    hnsw_info(h, &info);
    printf("build_s %.3f\nrss_bytes %zu\nindex_bytes %zu\n", build, resident_bytes() - rss0,
           info.bytes_total);
    fflush(stdout);

    /* Only the searches are timed; recall is computed from the kept results afterwards. */
    vec_hit_t *hits = xalloc((size_t)d.nq * GT_K * sizeof *hits);
    size_t *nhits = xalloc(d.nq * sizeof *nhits);
    for (char *tok = strtok(argv[5], ","); tok; tok = strtok(NULL, ",")) {
        hnsw_search_opts_t o = {.ef_search = (uint32_t)strtoul(tok, NULL, 10)};
        double best = 1e30;
        uint64_t dists = 0;
        for (int rep = 0; rep < 3; rep++) {
            double t = now_s();
            for (uint32_t q = 0; q < d.nq; q++) {
                hnsw_search_stats_t st;
                if (hnsw_search(h, d.queries + (size_t)q * d.dim, GT_K, &o, hits + (size_t)q * GT_K,
                                &nhits[q], &st, &err) != 0)
                    die(err.message);
                dists += st.distances;
            }
            t = now_s() - t;
            if (t < best)
                best = t;
        }
        double recall = 0;
        for (uint32_t q = 0; q < d.nq; q++)
            recall += recall_of(&d, q, hits + (size_t)q * GT_K, nhits[q]);
        recall /= d.nq;
        printf("ef %u recall %.4f qps %.1f dists %.0f\n", o.ef_search, recall, d.nq / best,
               (double)dists / (3.0 * d.nq));
        fflush(stdout);
    }
    free(hits);
    free(nhits);
    hnsw_free(h);
    return 0;
}

/* ---- concurrent ----------------------------------------------------------------------------- */

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct conc {
    const data_t *d;
    hnsw_t *h;
    pthread_rwlock_t *lock; /* NULL: no index-wide lock */
    uint32_t ef;
    double seconds;
    _Atomic int stop;
    uint64_t searches, inserts;
} conc_t;

static void *conc_reader(void *arg)
{
    conc_t *c = arg;
    hnsw_search_opts_t o = {.ef_search = c->ef};
    vec_hit_t hits[GT_K];
    double end = wall_s() + c->seconds;
    for (uint32_t q = 0; wall_s() < end; q = (q + 1) % c->d->nq) {
        size_t nh;
        err_t err;
        if (c->lock)
            pthread_rwlock_rdlock(c->lock);
        if (hnsw_search(c->h, c->d->queries + (size_t)q * c->d->dim, GT_K, &o, hits, &nh, NULL,
                        &err) != 0)
            die(err.message);
        if (c->lock)
            pthread_rwlock_unlock(c->lock);
        c->searches++;
    }
    atomic_store(&c->stop, 1);
    return NULL;
}

static void *conc_writer(void *arg)
{
    conc_t *c = arg;
    for (uint32_t i = c->d->n / 2; i < c->d->n && !atomic_load(&c->stop); i++) {
        err_t err;
        if (c->lock)
            pthread_rwlock_wrlock(c->lock);
        if (hnsw_add(c->h, i, c->d->base + (size_t)i * c->d->dim, &err) != 0)
            die(err.message);
        if (c->lock)
            pthread_rwlock_unlock(c->lock);
        c->inserts++;
    }
    return NULL;
}

static hnsw_t *build_half(const data_t *d)
{
    hnsw_params_t p;
    hnsw_params_default(&p, VEC_L2, d->dim);
    p.capacity = d->n;
    hnsw_t *h;
    err_t err;
    if (hnsw_create(&p, &h, &err) != 0)
        die(err.message);
    for (uint32_t i = 0; i < d->n / 2; i++)
        if (hnsw_add(h, i, d->base + (size_t)i * d->dim, &err) != 0)
            die(err.message);
    return h;
}

static void conc_run(const data_t *d, uint32_t ef, double seconds, int writer,
                     pthread_rwlock_t *lock, const char *what)
{
    conc_t c = {.d = d, .h = build_half(d), .lock = lock, .ef = ef, .seconds = seconds};
    pthread_t r, w;
    double t0 = wall_s();
    pthread_create(&r, NULL, conc_reader, &c);
    if (writer)
        pthread_create(&w, NULL, conc_writer, &c);
    pthread_join(r, NULL);
    if (writer)
        pthread_join(w, NULL);
    double t = wall_s() - t0;
    printf("%-40s searches/s %9.1f   inserts/s %8.1f\n", what, c.searches / t, c.inserts / t);
    fflush(stdout);
    hnsw_free(c.h);
}

static int cmd_concurrent(int argc, char **argv)
{
    if (argc < 5)
        die("usage: concurrent DATA EF SECONDS");
    data_t d;
    data_load(argv[2], &d);
    uint32_t ef = (uint32_t)strtoul(argv[3], NULL, 10);
    double seconds = strtod(argv[4], NULL);
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_t lock;
    pthread_rwlock_init(&lock, &attr);
    conc_run(&d, ef, seconds, 0, NULL, "searches alone");
    conc_run(&d, ef, seconds, 1, NULL, "beside a writer, lock-free searches");
    conc_run(&d, ef, seconds, 1, &lock, "beside a writer, index-wide rwlock");
    pthread_rwlock_destroy(&lock);
    return 0;
}

/* ---- compare -------------------------------------------------------------------------------- */

typedef struct run {
    double build_s;
    size_t rss, index_bytes;
    int n;
    unsigned ef[64];
    double recall[64], qps[64];
} run_t;

/* Merge the "run" outputs listed (comma-separated) in `paths`: the best of each figure across
 * rounds (shortest build, most QPS per ef), as interference on a shared machine only ever
 * makes a round slower. */
static void run_read(const char *paths, run_t *r)
{
    memset(r, 0, sizeof *r);
    char *list = strdup(paths), *save = NULL;
    if (!list)
        die("out of memory");
    for (char *path = strtok_r(list, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
        FILE *f = fopen(path, "r");
        if (!f)
            die("cannot open a run output");
        char line[256];
        int i = 0;
        while (fgets(line, sizeof line, f)) {
            unsigned ef;
            double build, rec, qps;
            size_t bytes;
            if (sscanf(line, "build_s %lf", &build) == 1) {
                if (r->build_s == 0 || build < r->build_s)
                    r->build_s = build;
            } else if (sscanf(line, "rss_bytes %zu", &bytes) == 1) {
                r->rss = bytes;
            } else if (sscanf(line, "index_bytes %zu", &bytes) == 1) {
                r->index_bytes = bytes;
            } else if (sscanf(line, "ef %u recall %lf qps %lf", &ef, &rec, &qps) == 3 && i < 64) {
                r->ef[i] = ef;
                r->recall[i] = rec; /* deterministic: the same in every round */
                if (qps > r->qps[i])
                    r->qps[i] = qps;
                i++;
            }
        }
        if (i > r->n)
            r->n = i;
        fclose(f);
    }
    free(list);
}

/* The first (smallest) ef whose recall reaches target; -1 if none does. */
static int first_reaching(const run_t *r, double target)
{
    for (int i = 0; i < r->n; i++)
        if (r->recall[i] >= target)
            return i;
    return -1;
}

static int cmd_compare(int argc, char **argv)
{
    if (argc < 4)
        die("usage: compare OURS HNSWLIB");
    run_t a, b;
    run_read(argv[2], &a);
    run_read(argv[3], &b);
    printf("%-22s %14s %14s %8s\n", "", "llmops", "hnswlib", "ratio");
    printf("%-22s %14.1f %14.1f %8.2f\n", "build time (s)", a.build_s, b.build_s,
           b.build_s > 0 ? a.build_s / b.build_s : 0);
    printf("%-22s %14.1f %14.1f %8.2f\n", "memory, RSS (MiB)", a.rss / 1048576.0, b.rss / 1048576.0,
           b.rss ? (double)a.rss / b.rss : 0);
    printf("%-22s %14.1f %14.1f\n", "memory, own count (MiB)", a.index_bytes / 1048576.0,
           b.index_bytes / 1048576.0);
    static const double targets[] = {0.90, 0.95, 0.99};
    for (int t = 0; t < 3; t++) {
        int i = first_reaching(&a, targets[t]), j = first_reaching(&b, targets[t]);
        char left[64] = "not reached", right[64] = "not reached", ratio[16] = "-";
        if (i >= 0)
            snprintf(left, sizeof left, "%.0f (ef %u, %.3f)", a.qps[i], a.ef[i], a.recall[i]);
        if (j >= 0)
            snprintf(right, sizeof right, "%.0f (ef %u, %.3f)", b.qps[j], b.ef[j], b.recall[j]);
        if (i >= 0 && j >= 0)
            snprintf(ratio, sizeof ratio, "%.2f", a.qps[i] / b.qps[j]);
        printf("QPS at recall@10>=%.2f  %s | %s | ratio %s\n", targets[t], left, right, ratio);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "gen") == 0)
        return cmd_gen(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "compare") == 0)
        return cmd_compare(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "concurrent") == 0)
        return cmd_concurrent(argc, argv);
    fprintf(stderr, "usage: bench_vectors gen|run|compare|concurrent ... (see the header of "
                    "bench/vectors/bench_vectors.c)\n");
    return 2;
}
