/* test_vector_exact.c - unit tests for vector/exact.h: top-k against a full sort of every
 * distance computed in double precision, for each metric (cosine rows normalised first);
 * labels given or implied by position; filters; k above the row count; ties broken by
 * position; and the 400s for a bad k, dim, metric or query. */
#include "unit/testutil.h"
#include "unit/vector_testdata.h"

#include "vector/distance.h"
#include "vector/exact.h"

typedef struct ref {
    double dist;
    size_t row;
} ref_t;

static int ref_cmp(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    if (x->dist != y->dist)
        return x->dist < y->dist ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static double ref_distance(vec_metric_t metric, const float *a, const float *b, size_t dim)
{
    double dot = 0, l2 = 0;
    for (size_t i = 0; i < dim; i++) {
        dot += (double)a[i] * b[i];
        l2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    }
    return metric == VEC_L2 ? l2 : metric == VEC_DOT ? -dot : 1.0 - dot;
}

static int accept_odd(uint64_t label, void *ctx)
{
    (void)ctx;
    return label % 2 == 1;
}

static void check_metric(vec_metric_t metric)
{
    const size_t n = 500, dim = 24, k = 15;
    float *rows = td_clustered(n, dim, 10, 1.0, 100 + metric);
    float *queries = td_clustered(20, dim, 10, 1.0, 200 + metric);
    uint64_t *labels = malloc(n * sizeof *labels);
    ref_t *ref = malloc(n * sizeof *ref);
    assert_non_null(labels);
    assert_non_null(ref);
    err_t err;
    for (size_t i = 0; i < n; i++) {
        labels[i] = 1000000007ULL * i + 3; /* arbitrary 64-bit labels */
        if (metric == VEC_COSINE)
            assert_int_equal(vec_normalize(rows + i * dim, dim), 0);
    }
    vec_matrix_t m = {.metric = metric, .dim = dim, .rows = rows, .labels = labels, .n = n};
    for (size_t q = 0; q < 20; q++) {
        float qv[24];
        memcpy(qv, queries + q * dim, sizeof qv);
        vec_hit_t hits[15];
        size_t nh;
        assert_int_equal(vec_exact_search(&m, qv, k, NULL, NULL, hits, &nh, &err), 0);
        assert_int_equal(nh, k);
        if (metric == VEC_COSINE)
            assert_int_equal(vec_normalize(qv, dim), 0);
        for (size_t i = 0; i < n; i++)
            ref[i] = (ref_t){ref_distance(metric, qv, rows + i * dim, dim), i};
        qsort(ref, n, sizeof *ref, ref_cmp);
        for (size_t i = 0; i < k; i++) {
            /* float vs double: the same rows unless two distances are within rounding */
            assert_true(fabs(hits[i].distance - ref[i].dist) <= 1e-4 * (1 + fabs(ref[i].dist)));
            if (hits[i].label != labels[ref[i].row])
                assert_true(fabs(ref[i].dist - ref[i + (i + 1 < n)].dist) < 1e-4 ||
                            (i > 0 && fabs(ref[i].dist - ref[i - 1].dist) < 1e-4));
            if (i > 0)
                assert_true(hits[i - 1].distance <= hits[i].distance);
        }
        /* filtered: only odd labels, and the same as filtering the sorted reference */
        assert_int_equal(
            vec_exact_search(&m, queries + q * dim, k, accept_odd, NULL, hits, &nh, &err), 0);
        assert_int_equal(nh, k);
        size_t j = 0;
        for (size_t i = 0; i < n && j < k; i++) {
            if (labels[ref[i].row] % 2 == 0)
                continue;
            assert_true(hits[j].label % 2 == 1);
            assert_true(fabs(hits[j].distance - ref[i].dist) <= 1e-4 * (1 + fabs(ref[i].dist)));
            j++;
        }
    }
    free(rows);
    free(queries);
    free(labels);
    free(ref);
}

static void test_l2(void **state)
{
    (void)state;
    check_metric(VEC_L2);
}

static void test_dot(void **state)
{
    (void)state;
    check_metric(VEC_DOT);
}

static void test_cosine(void **state)
{
    (void)state;
    check_metric(VEC_COSINE);
}

static void test_small_and_ties(void **state)
{
    (void)state;
    /* Four rows, two of them equal: positions are the labels; ties keep row order. */
    float rows[4 * 2] = {5, 5, 1, 1, 0, 0, 1, 1};
    vec_matrix_t m = {.metric = VEC_L2, .dim = 2, .rows = rows, .n = 4};
    float q[2] = {1, 1};
    vec_hit_t hits[10];
    size_t nh;
    err_t err;
    assert_int_equal(vec_exact_search(&m, q, 10, NULL, NULL, hits, &nh, &err), 0);
    assert_int_equal(nh, 4); /* k above n: all rows */
    assert_int_equal(hits[0].label, 1);
    assert_int_equal(hits[1].label, 3);
    assert_true(hits[0].distance == 0 && hits[1].distance == 0);
    assert_int_equal(hits[2].label, 2);
    assert_true(hits[2].distance == 2.0f);
    assert_int_equal(hits[3].label, 0);
    assert_true(hits[3].distance == 32.0f);
    assert_int_equal(vec_exact_search(&m, q, 1, accept_odd, NULL, hits, &nh, &err), 0);
    assert_int_equal(nh, 1);
    assert_int_equal(hits[0].label, 1);
    /* empty matrix: no hits, no error */
    vec_matrix_t empty = {.metric = VEC_L2, .dim = 2, .rows = rows, .n = 0};
    assert_int_equal(vec_exact_search(&empty, q, 3, NULL, NULL, hits, &nh, &err), 0);
    assert_int_equal(nh, 0);
}

static void test_errors(void **state)
{
    (void)state;
    float rows[4] = {1, 2, 3, 4};
    vec_matrix_t m = {.metric = VEC_COSINE, .dim = 2, .rows = rows, .n = 2};
    vec_hit_t hits[2];
    size_t nh = 99;
    err_t err;
    float q[2] = {1, 0}, zero[2] = {0, 0}, nan_q[2] = {NAN, 1};
    assert_int_equal(vec_exact_search(&m, q, 0, NULL, NULL, hits, &nh, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "k");
    assert_int_equal(nh, 0);
    assert_int_equal(vec_exact_search(&m, q, VEC_K_MAX + 1, NULL, NULL, hits, &nh, &err), -1);
    assert_string_equal(err.field, "k");
    assert_int_equal(vec_exact_search(&m, zero, 1, NULL, NULL, hits, &nh, &err), -1);
    assert_string_equal(err.field, "query");
    assert_int_equal(vec_exact_search(&m, nan_q, 1, NULL, NULL, hits, &nh, &err), -1);
    assert_string_equal(err.field, "query");
    vec_matrix_t bad_dim = {.metric = VEC_L2, .dim = VEC_DIM_MAX + 1, .rows = rows, .n = 1};
    assert_int_equal(vec_exact_search(&bad_dim, q, 1, NULL, NULL, hits, &nh, &err), -1);
    assert_string_equal(err.field, "dim");
    vec_matrix_t bad_metric = {.metric = (vec_metric_t)5, .dim = 2, .rows = rows, .n = 1};
    assert_int_equal(vec_exact_search(&bad_metric, q, 1, NULL, NULL, hits, &nh, &err), -1);
    assert_string_equal(err.field, "metric");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l2),     cmocka_unit_test(test_dot),
        cmocka_unit_test(test_cosine), cmocka_unit_test(test_small_and_ties),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
