/* test_multi_server.c - several `llmops server` processes on one PostgreSQL, the way users scale
 * out behind a load balancer: they start at the same moment (racing to migrate the schema),
 * each serves, and what one writes the others read. PostgreSQL only (LLMOPS_TEST_STORE). */
#include <pthread.h>

#include "integration/harness.h"
#include "store/store.h"

#define NSERVERS 3

static test_server_t servers[NSERVERS];

typedef struct start_arg {
    test_server_t *srv;
} start_arg_t;

static void *start_one(void *arg)
{
    start_arg_t *a = arg;
    harness_start(a->srv, NULL);
    return NULL;
}

/* Sum of "applied" over the "schema migrated" lines in a server's log. */
static long applied_in_log(const test_server_t *srv)
{
    char line[4096];
    FILE *f = fopen(srv->log_path, "r");
    assert_non_null(f);
    long applied = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *msg = json_string_value(json_object_get(j, "msg"));
        if (msg && strcmp(msg, "schema migrated") == 0)
            applied += (long)json_integer_value(json_object_get(j, "applied"));
        json_decref(j);
    }
    fclose(f);
    return applied;
}

/* How many migrations the shared database recorded (version numbers may have gaps, so the
 * latest version is not the count). */
static long recorded_migrations(void)
{
    err_t err;
    store_t *s = NULL;
    if (store_open(harness_store(), 1, &s, &err) != 0)
        fail_msg("store_open: %s", err.message);
    store_conn_t *c = store_acquire(s);
    store_rows_t *rows = store_query(c, "SELECT COUNT(*) FROM schema_migrations", NULL, 0, &err);
    store_release(s, c);
    if (!rows)
        fail_msg("counting migrations: %s", err.message);
    long n = (long)store_rows_int(rows, 0, 0);
    store_rows_free(rows);
    store_close(s);
    return n;
}

static int start_all(void **state)
{
    (void)state;
    if (!harness_store()) {
        fprintf(stderr, "LLMOPS_TEST_STORE (a PostgreSQL URL) is required\n");
        return -1;
    }
    pthread_t threads[NSERVERS];
    start_arg_t args[NSERVERS];
    for (int i = 0; i < NSERVERS; i++) {
        args[i].srv = &servers[i];
        pthread_create(&threads[i], NULL, start_one, &args[i]);
    }
    for (int i = 0; i < NSERVERS; i++)
        pthread_join(threads[i], NULL);
    return 0;
}

static int stop_all(void **state)
{
    (void)state;
    int rc = 0;
    for (int i = 0; i < NSERVERS; i++) {
        if (servers[i].pid > 0) /* test_one_server_stops stopped one already */
            rc |= harness_stop(&servers[i]);
        else
            harness_rmdir(servers[i].dir);
    }
    return rc;
}

static void test_concurrent_start_migrates_once(void **state)
{
    (void)state;
    long total = 0;
    json_int_t version = -1;
    for (int i = 0; i < NSERVERS; i++) {
        total += applied_in_log(&servers[i]);
        test_response_t res;
        harness_request(servers[i].url, "GET", "/readyz", NULL, NULL, &res);
        assert_int_equal(res.status, 200);
        harness_response_free(&res);
        harness_request(servers[i].url, "GET", "/api/v1/status", NULL, NULL, &res);
        json_t *store = json_object_get(res.json, "store");
        json_int_t v = json_integer_value(json_object_get(store, "schema_version"));
        assert_int_equal(v, json_integer_value(json_object_get(store, "latest_schema_version")));
        if (version >= 0)
            assert_int_equal(v, version);
        version = v;
        harness_response_free(&res);
    }
    /* Each migration was applied by exactly one of the servers. */
    assert_true(version >= 1);
    assert_int_equal(total, recorded_migrations());
}

static void test_write_on_one_read_on_all(void **state)
{
    (void)state;
    char body[256];
    for (int i = 0; i < NSERVERS; i++) {
        snprintf(body, sizeof body,
                 "{\"from\":{\"type\":\"dataset\",\"id\":\"shared:%d\"},"
                 "\"to\":{\"type\":\"run\",\"id\":\"multi\"},\"relation\":\"input\"}",
                 i);
        test_response_t res;
        harness_request(servers[i].url, "POST", "/api/v1/lineage/edges", NULL, body, &res);
        assert_int_equal(res.status, 201);
        harness_response_free(&res);
    }
    for (int i = 0; i < NSERVERS; i++) {
        test_response_t res;
        harness_request(servers[i].url, "GET",
                        "/api/v1/lineage/edges?type=run&id=multi&direction=upstream", NULL, NULL,
                        &res);
        assert_int_equal(res.status, 200);
        assert_int_equal(json_array_size(json_object_get(res.json, "edges")), NSERVERS);
        harness_response_free(&res);
    }
}

typedef struct writer_arg {
    int index;
    int created;
} writer_arg_t;

/* Each writer records the same 50 edges through a different server: every edge must end up
 * created exactly once, whoever wins each race. */
static void *writer(void *arg)
{
    writer_arg_t *w = arg;
    for (int k = 0; k < 50; k++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"from\":{\"type\":\"run\",\"id\":\"race\"},"
                 "\"to\":{\"type\":\"model_version\",\"id\":\"m:%d\"},\"relation\":\"produced\"}",
                 k);
        test_response_t res;
        harness_request(servers[w->index].url, "POST", "/api/v1/lineage/edges", NULL, body, &res);
        if (res.status == 201)
            w->created++;
        else if (res.status != 200)
            w->created = -1000;
        harness_response_free(&res);
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    pthread_t threads[NSERVERS];
    writer_arg_t args[NSERVERS];
    for (int i = 0; i < NSERVERS; i++) {
        args[i] = (writer_arg_t){.index = i};
        pthread_create(&threads[i], NULL, writer, &args[i]);
    }
    int created = 0;
    for (int i = 0; i < NSERVERS; i++) {
        pthread_join(threads[i], NULL);
        created += args[i].created;
    }
    assert_int_equal(created, 50);
    test_response_t res;
    harness_request(servers[0].url, "GET",
                    "/api/v1/lineage/edges?type=run&id=race&direction=downstream", NULL, NULL,
                    &res);
    assert_int_equal(json_array_size(json_object_get(res.json, "edges")), 50);
    harness_response_free(&res);
}

/* One server going away does not disturb the others. */
static void test_one_server_stops(void **state)
{
    (void)state;
    assert_int_equal(harness_stop_keep(&servers[0]), 0);
    test_response_t res;
    harness_request(servers[1].url, "GET", "/api/v1/lineage/edges?type=run&id=multi", NULL, NULL,
                    &res);
    assert_int_equal(res.status, 200);
    harness_response_free(&res);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_start_migrates_once),
        cmocka_unit_test(test_write_on_one_read_on_all),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_one_server_stops),
    };
    int failed = cmocka_run_group_tests_name("multi_server", tests, start_all, stop_all);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
