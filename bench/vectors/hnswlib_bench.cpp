// hnswlib_bench.cpp - the peer side of bench_vectors.c: the same "run" command over the same data
// file, with hnswlib (Debian's header-only libhnswlib-dev) instead of llmops' index, printing the
// same lines so that `bench_vectors compare` can set them side by side:
//
//   hnswlib_bench DATA M EF_CONSTRUCTION EF_LIST
//
// Build: one thread (addPoint in a loop), L2 space, max_elements = N, default random seed 100.
// Queries: searchKnn(k = 10) with setEf(ef), best of 3 passes. The only C++ in the repository;
// it exists to measure llmops against the reference implementation.
#include <hnswlib/hnswlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <time.h>
#include <vector>

// CPU time of this thread, as in bench_vectors.c.
static double now_s()
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *msg)
{
    std::fprintf(stderr, "hnswlib_bench: %s\n", msg);
    std::exit(1);
}

static size_t resident_bytes()
{
    FILE *f = std::fopen("/proc/self/statm", "r");
    unsigned long size = 0, rss = 0;
    if (f) {
        if (std::fscanf(f, "%lu %lu", &size, &rss) != 2)
            rss = 0;
        std::fclose(f);
    }
    return rss * 4096;
}

static void read_exact(FILE *f, void *p, size_t n)
{
    if (std::fread(p, 1, n, f) != n)
        die("data file is truncated");
}

int main(int argc, char **argv)
{
    if (argc < 5)
        die("usage: hnswlib_bench DATA M EF_CONSTRUCTION EF_LIST");
    FILE *f = std::fopen(argv[1], "rb");
    if (!f)
        die("cannot open the data file");
    char magic[8];
    uint32_t hd[4];
    read_exact(f, magic, 8);
    if (std::memcmp(magic, "LLMVBEN1", 8) != 0)
        die("not a bench data file");
    read_exact(f, hd, sizeof hd);
    uint32_t n = hd[0], dim = hd[1], nq = hd[2], gt_k = hd[3];
    std::vector<float> base((size_t)n * dim), queries((size_t)nq * dim);
    std::vector<uint32_t> gt((size_t)nq * gt_k);
    read_exact(f, base.data(), base.size() * sizeof(float));
    read_exact(f, queries.data(), queries.size() * sizeof(float));
    read_exact(f, gt.data(), gt.size() * sizeof(uint32_t));
    std::fclose(f);

    size_t m = std::strtoul(argv[2], nullptr, 10), efc = std::strtoul(argv[3], nullptr, 10);
    size_t rss0 = resident_bytes();
    hnswlib::L2Space space(dim);
    auto *index = new hnswlib::HierarchicalNSW<float>(&space, n, m, efc);
    double t0 = now_s();
    for (uint32_t i = 0; i < n; i++)
        index->addPoint(base.data() + (size_t)i * dim, i);
    double build = now_s() - t0;
    // hnswlib's own structures: the level-0 block, the upper link lists, the label map.
    size_t own = index->max_elements_ * index->size_data_per_element_;
    for (uint32_t i = 0; i < n; i++)
        own += index->element_levels_[i] * index->size_links_per_element_;
    std::printf("build_s %.3f\nrss_bytes %zu\nindex_bytes %zu\n", build, resident_bytes() - rss0,
                own);
    std::fflush(stdout);

    std::string list = argv[4];
    size_t pos = 0;
    while (pos < list.size()) {
        size_t comma = list.find(',', pos);
        if (comma == std::string::npos)
            comma = list.size();
        size_t ef = std::strtoul(list.substr(pos, comma - pos).c_str(), nullptr, 10);
        pos = comma + 1;
        index->setEf(ef);
        // Only the searches are timed; recall is computed from the kept results afterwards.
        std::vector<uint32_t> got((size_t)nq * 10, UINT32_MAX);
        double best = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            double t = now_s();
            for (uint32_t q = 0; q < nq; q++) {
                auto res = index->searchKnn(queries.data() + (size_t)q * dim, 10);
                for (size_t j = 0; !res.empty(); j++, res.pop())
                    got[(size_t)q * 10 + j] = (uint32_t)res.top().second;
            }
            t = now_s() - t;
            if (t < best)
                best = t;
        }
        size_t found = 0;
        for (uint32_t q = 0; q < nq; q++) {
            std::set<uint32_t> truth(gt.begin() + (size_t)q * gt_k,
                                     gt.begin() + (size_t)q * gt_k + 10);
            for (size_t j = 0; j < 10; j++)
                found += truth.count(got[(size_t)q * 10 + j]);
        }
        double recall = found / (10.0 * nq);
        std::printf("ef %zu recall %.4f qps %.1f\n", ef, recall, nq / best);
        std::fflush(stdout);
    }
    delete index;
    return 0;
}
