/* test_vector_store.c - the vector store service (vector/vectors.h) on a real store, SQLite and
 * (when LLMOPS_TEST_PG_URL is set) PostgreSQL:
 *   - collections: create with defaults, 409 on a duplicate, 400s naming the field, list, get
 *     with counts, delete (then 404)
 *   - ingest: created / unchanged (nothing rewritten) / replaced (old chunks gone, atomically);
 *     a bad document or JSONL line -> 400 naming it and nothing stored
 *   - deletes by source (404 the second time) and by filter
 *   - search: dense, keyword and hybrid with filters (results carry text, source, metadata,
 *     retrievers), a selective filter applied during the HNSW search still fills k
 *   - recall@10 of the HNSW index against exact search on 2,000 generated documents >= 0.95
 *   - persistence: after a "restart" (the cache dropped) the index is read from its file and
 *     gives the same results; with a stale generation file it is rebuilt, same results
 *   - concurrent searches while another thread ingests. */
#include "unit/testutil.h"
#include "unit/store_testutil.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "base/json.h"
#include "vector/index_cache.h"
#include "vector/vectors.h"

typedef struct fixture {
    test_store_t *ts;
    char *dir;
    vs_env_t env;
} fixture_t;

static int group_setup(void **state, store_kind_t kind)
{
    void *ts = NULL;
    test_store_setup(&ts, kind);
    fixture_t *f = calloc(1, sizeof *f);
    f->ts = ts;
    f->dir = test_tmpdir();
    f->env = (vs_env_t){.store = f->ts->store, .data_dir = f->dir, .gateway = NULL};
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return group_setup(state, STORE_SQLITE);
}

static int setup_pg(void **state)
{
    return group_setup(state, STORE_POSTGRES);
}

static int group_teardown(void **state)
{
    fixture_t *f = *state;
    vs_index_forget_all();
    void *ts = f->ts;
    test_store_teardown(&ts);
    test_rmtree(f->dir);
    free(f);
    return 0;
}

/* Per test: empty tables and no cached index. */
static int setup(void **state)
{
    fixture_t *f = *state;
    vs_index_forget_all();
    test_store_exec(f->ts->store, "DELETE FROM vector_chunks");
    test_store_exec(f->ts->store, "DELETE FROM vector_documents");
    test_store_exec(f->ts->store, "DELETE FROM vector_collections");
    return 0;
}

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, e.text);
    return v;
}

static void create(fixture_t *f, const char *body)
{
    err_t err;
    json_t *b = J(body);
    json_t *out = vs_collection_create(&f->env, b, &err);
    if (!out)
        fail_msg("create %s: %s", body, err.message);
    json_decref(out);
    json_decref(b);
}

static json_t *ingest(fixture_t *f, const char *name, const char *docs)
{
    err_t err;
    json_t *d = J(docs);
    json_t *out = vs_ingest(&f->env, name, d, &err);
    if (!out)
        fail_msg("ingest: %s (%s)", err.message, err.field);
    json_decref(d);
    return out;
}

static json_t *search(fixture_t *f, const char *name, const char *body)
{
    err_t err;
    json_t *b = J(body);
    json_t *out = vs_search(&f->env, name, b, &err);
    if (!out)
        fail_msg("search %s: %s (%s)", body, err.message, err.field);
    json_decref(b);
    return out;
}

static int64_t count(fixture_t *f, const char *sql)
{
    return test_store_count(f->ts->store, sql);
}

static void collections_crud(void **state)
{
    fixture_t *f = *state;
    err_t err;
    json_t *b = J("{\"name\":\"docs\"}");
    json_t *out = vs_collection_create(&f->env, b, &err);
    assert_non_null(out);
    json_t *c = json_object_get(out, "collection");
    assert_int_equal(json_integer_value(json_object_get(c, "dimension")), VS_DIM_DEFAULT);
    assert_string_equal(json_string_value(json_object_get(c, "distance")), "cosine");
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "embedder"), "type")),
                        "local");
    json_decref(out);
    assert_null(vs_collection_create(&f->env, b, &err));
    assert_int_equal(err.status, 409);
    json_decref(b);

    const char *bad[][2] = {
        {"{\"name\":\"a b\"}", "name"},
        {"{}", "name"},
        {"{\"name\":\"x\",\"distance\":\"manhattan\"}", "distance"},
        {"{\"name\":\"x\",\"dimension\":0}", "dimension"},
        {"{\"name\":\"x\",\"chunk_size\":10}", "chunk_size"},
        {"{\"name\":\"x\",\"chunk_size\":100,\"chunk_overlap\":60}", "chunk_overlap"},
        {"{\"name\":\"x\",\"embedder\":{\"type\":\"magic\"}}", "embedder.type"},
        {"{\"name\":\"x\",\"embedder\":{\"type\":\"openai\"}}", "embedder.model"},
        {"{\"name\":\"x\",\"embedder\":{\"type\":\"openai\",\"model\":\"m\"}}", "dimension"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *body = J(bad[i][0]);
        assert_null(vs_collection_create(&f->env, body, &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, bad[i][1]);
        json_decref(body);
    }
    assert_int_equal(count(f, "SELECT COUNT(*) FROM vector_collections"), 1);

    create(f, "{\"name\":\"other\",\"distance\":\"l2\",\"dimension\":32}");
    out = vs_collection_list(&f->env, &err);
    assert_int_equal(json_array_size(json_object_get(out, "collections")), 2);
    json_decref(out);
    json_decref(ingest(f, "docs", "[{\"source\":\"a\",\"text\":\"hello world\"}]"));
    out = vs_collection_get(&f->env, "docs", &err);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(out, "collection"), "documents")), 1);
    json_decref(out);
    assert_int_equal(vs_collection_delete(&f->env, "docs", &err), 0);
    assert_null(vs_collection_get(&f->env, "docs", &err));
    assert_int_equal(err.status, 404);
    assert_int_equal(vs_collection_delete(&f->env, "docs", &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM vector_chunks"), 0);
}

static const char *status_of(json_t *out, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(out, "documents"), i), "status"));
}

static void ingest_reingest_replace(void **state)
{
    fixture_t *f = *state;
    create(f, "{\"name\":\"kb\",\"dimension\":128,\"chunk_size\":100,\"chunk_overlap\":20}");
    const char *docs = "[{\"source\":\"a\",\"text\":\"# Title\\n\\nApples are red.\\n\\nPears are "
                       "green.\",\"format\":\"markdown\",\"metadata\":{\"lang\":\"en\"}},"
                       "{\"source\":\"b\",\"text\":\"Bananas are yellow.\"}]";
    json_t *out = ingest(f, "kb", docs);
    assert_string_equal(status_of(out, 0), "created");
    assert_string_equal(status_of(out, 1), "created");
    json_decref(out);
    int64_t before = count(f, "SELECT SUM(id) FROM vector_chunks");
    out = ingest(f, "kb", docs);
    assert_string_equal(status_of(out, 0), "unchanged");
    assert_int_equal(json_integer_value(json_object_get(out, "chunks_added")), 0);
    json_decref(out);
    assert_int_equal(count(f, "SELECT SUM(id) FROM vector_chunks"), before);

    /* Changed text: the old chunks go, the new ones come. */
    out = ingest(f, "kb", "[{\"source\":\"a\",\"text\":\"Cherries are dark.\"}]");
    assert_string_equal(status_of(out, 0), "replaced");
    assert_int_equal(json_integer_value(json_object_get(out, "chunks_removed")), 1);
    json_decref(out);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM vector_chunks WHERE source = 'a'"), 1);
    out = search(f, "kb", "{\"query\":\"apples red\",\"mode\":\"keyword\"}");
    assert_int_equal(json_array_size(json_object_get(out, "results")), 0);
    json_decref(out);
    out = search(f, "kb", "{\"query\":\"cherries\",\"mode\":\"dense\",\"k\":1}");
    json_t *r0 = json_array_get(json_object_get(out, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "text")), "Cherries are dark.");
    json_decref(out);

    /* Bad input changes nothing. */
    err_t err;
    int64_t chunks = count(f, "SELECT COUNT(*) FROM vector_chunks");
    json_t *bad = J("[{\"source\":\"c\",\"text\":\"new\"},{\"source\":\"d\"}]");
    assert_null(vs_ingest(&f->env, "kb", bad, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "documents[1].text");
    json_decref(bad);
    bad = J("[{\"source\":\"c\",\"text\":\"x\",\"format\":\"pdf\"}]");
    assert_null(vs_ingest(&f->env, "kb", bad, &err));
    assert_string_equal(err.field, "documents[0].format");
    json_decref(bad);
    bad = J("[{\"source\":\"c\",\"text\":\"x\"},{\"source\":\"c\",\"text\":\"y\"}]");
    assert_null(vs_ingest(&f->env, "kb", bad, &err));
    assert_string_equal(err.field, "documents[1].source");
    json_decref(bad);
    const char *jsonl = "{\"text\":\"fine\"}\n{\"text\": 3}\n";
    assert_null(
        vs_ingest_raw(&f->env, "kb", "application/x-ndjson", "up", jsonl, strlen(jsonl), &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "line 2");
    assert_null(vs_ingest_raw(&f->env, "kb", "application/pdf", "up", "x", 1, &err));
    assert_string_equal(err.field, "Content-Type");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM vector_chunks"), chunks);
    bad = J("[]");
    assert_null(vs_ingest(&f->env, "nope", bad, &err));
    assert_int_equal(err.status, 404);
    json_decref(bad);
}

static void deletes(void **state)
{
    fixture_t *f = *state;
    create(f, "{\"name\":\"kb\",\"dimension\":64}");
    json_decref(ingest(f, "kb",
                       "[{\"source\":\"en1\",\"text\":\"one\",\"metadata\":{\"lang\":\"en\"}},"
                       "{\"source\":\"en2\",\"text\":\"two\",\"metadata\":{\"lang\":\"en\"}},"
                       "{\"source\":\"fr1\",\"text\":\"un\",\"metadata\":{\"lang\":\"fr\"}}]"));
    /* Build the index first, so the deletes are applied to it. */
    json_decref(search(f, "kb", "{\"query\":\"one\",\"mode\":\"dense\"}"));
    err_t err;
    json_t *out = vs_delete_source(&f->env, "kb", "en1", &err);
    assert_non_null(out);
    json_decref(out);
    assert_null(vs_delete_source(&f->env, "kb", "en1", &err));
    assert_int_equal(err.status, 404);
    json_t *filter = J("{\"lang\":\"fr\"}");
    out = vs_delete_where(&f->env, "kb", filter, &err);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(out, "deleted"), "documents")), 1);
    json_decref(out);
    json_decref(filter);
    filter = J("{}");
    assert_null(vs_delete_where(&f->env, "kb", filter, &err));
    assert_string_equal(err.field, "filter");
    json_decref(filter);
    out = search(f, "kb", "{\"query\":\"one un two\",\"mode\":\"dense\"}");
    json_t *results = json_object_get(out, "results");
    assert_int_equal(json_array_size(results), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(results, 0), "source")),
                        "en2");
    json_decref(out);
}

/* n documents "doc i" with metadata {"i": i, "parity": "even"|"odd", "tag": "t<i%10>"} */
static void ingest_numbered(fixture_t *f, const char *name, int n)
{
    json_t *docs = json_array();
    static const char *const vocab[] = {"river",   "mountain", "invoice", "kernel",  "garden",
                                        "violin",  "harbor",   "pepper",  "glacier", "lantern",
                                        "compass", "saddle",   "meadow",  "copper",  "falcon"};
    for (int i = 0; i < n; i++) {
        char text[256];
        snprintf(text, sizeof text, "%s %s %s %s number%d", vocab[i % 15], vocab[(i / 15) % 15],
                 vocab[(i * 7 + 3) % 15], vocab[(i / 3) % 15], i);
        char source[32];
        snprintf(source, sizeof source, "doc%d", i);
        json_array_append_new(docs, json_pack("{s:s, s:s, s:{s:i, s:s, s:s}}", "source", source,
                                              "text", text, "metadata", "i", i, "parity",
                                              i % 2 ? "odd" : "even", "tag",
                                              (const char *[]){"t0", "t1", "t2", "t3", "t4", "t5",
                                                               "t6", "t7", "t8", "t9"}[i % 10]));
    }
    err_t err;
    json_t *out = vs_ingest(&f->env, name, docs, &err);
    if (!out)
        fail_msg("ingest: %s", err.message);
    json_decref(out);
    json_decref(docs);
}

static void search_modes_and_filters(void **state)
{
    fixture_t *f = *state;
    create(f, "{\"name\":\"kb\",\"dimension\":128}");
    ingest_numbered(f, "kb", 300);
    const char *modes[] = {"dense", "keyword", "hybrid"};
    for (size_t m = 0; m < 3; m++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"query\":\"river mountain invoice\",\"mode\":\"%s\",\"k\":10,"
                 "\"filter\":{\"parity\":\"odd\",\"i\":{\"$gte\":100,\"$lt\":250},"
                 "\"tag\":{\"$in\":[\"t1\",\"t3\",\"t5\"]}}}",
                 modes[m]);
        json_t *out = search(f, "kb", body);
        json_t *results = json_object_get(out, "results");
        assert_true(json_array_size(results) > 0);
        size_t i;
        json_t *r;
        json_array_foreach(results, i, r)
        {
            json_t *meta = json_object_get(r, "metadata");
            assert_string_equal(json_string_value(json_object_get(meta, "parity")), "odd");
            json_int_t n = json_integer_value(json_object_get(meta, "i"));
            assert_true(n >= 100 && n < 250);
            assert_non_null(json_string_value(json_object_get(r, "text")));
            assert_non_null(json_string_value(json_object_get(r, "source")));
            assert_true(json_array_size(json_object_get(r, "retrievers")) >= 1);
            if (m < 2)
                assert_string_equal(
                    json_string_value(json_array_get(json_object_get(r, "retrievers"), 0)),
                    modes[m]);
        }
        json_decref(out);
    }
    /* A filter that 3 of 300 chunks pass: the graph search still returns all 3. */
    json_t *out = search(f, "kb",
                         "{\"query\":\"river\",\"mode\":\"dense\",\"k\":10,"
                         "\"filter\":{\"i\":{\"$in\":[7,150,299]}}}");
    assert_int_equal(json_array_size(json_object_get(out, "results")), 3);
    json_decref(out);
    /* Hybrid: a chunk both retrievers found says so. */
    out = search(f, "kb", "{\"query\":\"number42\",\"k\":3}");
    json_t *top = json_array_get(json_object_get(out, "results"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "source")), "doc42");
    assert_int_equal(json_array_size(json_object_get(top, "retrievers")), 2);
    json_decref(out);

    const char *bad[][2] = {{"{\"query\":\"\"}", "query"},
                            {"{}", "query"},
                            {"{\"query\":\"x\",\"mode\":\"fuzzy\"}", "mode"},
                            {"{\"query\":\"x\",\"k\":0}", "k"},
                            {"{\"query\":\"x\",\"ef\":5000}", "ef"},
                            {"{\"query\":\"x\",\"filter\":{\"a\":{\"$foo\":1}}}", "filter.a"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err;
        json_t *b = J(bad[i][0]);
        assert_null(vs_search(&f->env, "kb", b, &err));
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, bad[i][1]);
        json_decref(b);
    }
    err_t err;
    json_t *b = J("{\"query\":\"x\"}");
    assert_null(vs_search(&f->env, "missing", b, &err));
    assert_int_equal(err.status, 404);
    json_decref(b);
}

/* The ids of a search's results. */
static size_t result_ids(json_t *out, int64_t *ids, size_t max)
{
    json_t *results = json_object_get(out, "results");
    size_t n = json_array_size(results) < max ? json_array_size(results) : max;
    for (size_t i = 0; i < n; i++)
        ids[i] = json_integer_value(json_object_get(json_array_get(results, i), "id"));
    return n;
}

/* Random-word documents: recall of the HNSW index against exact search. */
static void recall_hnsw_vs_exact(void **state)
{
    fixture_t *f = *state;
    create(f, "{\"name\":\"big\",\"dimension\":64}");
    enum { DOCS = 2000, QUERIES = 40, K = 10 };
    json_t *docs = json_array();
    uint64_t seed = 12345;
    char vocab[400][24];
    for (int w = 0; w < 400; w++)
        snprintf(vocab[w], sizeof vocab[w], "w%xq%d", w * 2654435761u % 9973, w);
    for (int i = 0; i < DOCS; i++) {
        char text[512] = "";
        size_t len = 0;
        for (int j = 0; j < 8; j++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            len +=
                (size_t)snprintf(text + len, sizeof text - len, "%s ", vocab[(seed >> 33) % 400]);
        }
        char source[16];
        snprintf(source, sizeof source, "d%d", i);
        json_array_append_new(docs, json_pack("{s:s, s:s}", "source", source, "text", text));
    }
    err_t err;
    json_t *out = vs_ingest(&f->env, "big", docs, &err);
    assert_non_null(out);
    json_decref(out);
    json_decref(docs);
    size_t hit = 0, total = 0;
    for (int q = 0; q < QUERIES; q++) {
        char body[256];
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        snprintf(body, sizeof body, "{\"query\":\"%s %s\",\"mode\":\"dense\",\"k\":%d%s}",
                 vocab[(seed >> 33) % 400], vocab[(seed >> 13) % 400], K, "");
        json_t *approx = search(f, "big", body);
        snprintf(body + strlen(body) - 1, 32, ",\"exact\":true}");
        json_t *exact = search(f, "big", body);
        int64_t a[K], e[K];
        size_t na = result_ids(approx, a, K), ne = result_ids(exact, e, K);
        assert_int_equal(ne, K);
        for (size_t i = 0; i < ne; i++)
            for (size_t j = 0; j < na; j++)
                if (e[i] == a[j]) {
                    hit++;
                    break;
                }
        total += ne;
        json_decref(approx);
        json_decref(exact);
    }
    double recall = (double)hit / (double)total;
    printf("# recall@10 HNSW vs exact: %.3f\n", recall);
    assert_true(recall >= 0.95);
}

static void persistence_round_trip(void **state)
{
    fixture_t *f = *state;
    create(f, "{\"name\":\"kb\",\"dimension\":96}");
    ingest_numbered(f, "kb", 200);
    const char *q = "{\"query\":\"harbor pepper glacier\",\"mode\":\"dense\",\"k\":10}";
    json_t *first = search(f, "kb", q);
    /* An ingest after the build is applied to the index and saved. */
    json_decref(ingest(f, "kb", "[{\"source\":\"late\",\"text\":\"harbor pepper glacier late\"}]"));
    json_decref(first);
    first = search(f, "kb", q);

    vs_index_forget_all(); /* a restart */
    err_t err;
    store_conn_t *c = store_acquire(f->ts->store);
    vs_collection_t col;
    assert_int_equal(vs_collection_load(c, "kb", &col, &err), 0);
    store_release(f->ts->store, c);
    vs_index_t *ix;
    assert_int_equal(vs_index_acquire(&f->env, &col, &ix, &err), 0);
    assert_int_equal(vs_index_from_file(ix), 1);
    vs_index_release(ix);
    json_t *second = search(f, "kb", q);
    assert_true(json_equal(json_object_get(first, "results"), json_object_get(second, "results")));
    json_decref(second);

    /* A generation file that does not match: rebuilt from the database, same answers. */
    vs_index_forget_all();
    char path[2048];
    snprintf(path, sizeof path, "%s/vectors/%s.gen", f->dir, col.id);
    FILE *g = fopen(path, "w");
    assert_non_null(g);
    fprintf(g, "999 1\n");
    fclose(g);
    assert_int_equal(vs_index_acquire(&f->env, &col, &ix, &err), 0);
    assert_int_equal(vs_index_from_file(ix), 0);
    vs_index_release(ix);
    second = search(f, "kb", q);
    assert_true(json_equal(json_object_get(first, "results"), json_object_get(second, "results")));
    json_decref(second);
    json_decref(first);
    vs_collection_clear(&col);
}

typedef struct reader_ctx {
    fixture_t *f;
    atomic_int stop;
    atomic_int failures;
    atomic_int searches;
} reader_ctx_t;

static void *reader(void *arg)
{
    reader_ctx_t *r = arg;
    json_t *b =
        json_pack("{s:s, s:s, s:i}", "query", "river meadow copper", "mode", "hybrid", "k", 5);
    while (!atomic_load(&r->stop) || atomic_load(&r->searches) < 3) {
        err_t err;
        json_t *out = vs_search(&r->f->env, "kb", b, &err);
        if (!out)
            atomic_fetch_add(&r->failures, 1);
        json_decref(out);
        atomic_fetch_add(&r->searches, 1);
    }
    json_decref(b);
    return NULL;
}

static void concurrent_search_while_ingesting(void **state)
{
    fixture_t *f = *state;
    create(f, "{\"name\":\"kb\",\"dimension\":64}");
    ingest_numbered(f, "kb", 50);
    reader_ctx_t r = {.f = f};
    pthread_t threads[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&threads[i], NULL, reader, &r);
    for (int i = 0; i < 40; i++) {
        char docs[256];
        snprintf(docs, sizeof docs,
                 "[{\"source\":\"live%d\",\"text\":\"river meadow copper live%d\"}]", i, i);
        json_decref(ingest(f, "kb", docs));
    }
    atomic_store(&r.stop, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(atomic_load(&r.failures), 0);
    json_t *out = search(f, "kb", "{\"query\":\"live39\",\"mode\":\"dense\",\"k\":1}");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(out, "results"), 0), "source")),
                        "live39");
    json_decref(out);
}

#define T(prefix, fn)                                                                              \
    {                                                                                              \
        .name = prefix #fn, .test_func = fn, .setup_func = setup                                   \
    }
#define VECTOR_TESTS(prefix)                                                                       \
    T(prefix, collections_crud), T(prefix, ingest_reingest_replace), T(prefix, deletes),           \
        T(prefix, search_modes_and_filters), T(prefix, recall_hnsw_vs_exact),                      \
        T(prefix, persistence_round_trip), T(prefix, concurrent_search_while_ingesting)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {VECTOR_TESTS("sqlite: ")};
    int failed = cmocka_run_group_tests_name("vector store sqlite", sqlite_tests, setup_sqlite,
                                             group_teardown);
    if (test_pg_url()) {
        const struct CMUnitTest pg_tests[] = {VECTOR_TESTS("postgresql: ")};
        failed += cmocka_run_group_tests_name("vector store postgresql", pg_tests, setup_pg,
                                              group_teardown);
    }
    return failed;
}
