/* test_vector_distance.c - unit tests for vector/distance.h and the metric names of vector/vec.h:
 * the dot product and squared L2 kernels against naive double-precision sums for dimensions
 * around and across the 16-lane blocks (1..4096), on unaligned pointers too; the per-metric
 * distances (l2sq, -dot, 1 - dot of unit vectors); normalisation and its refusals (zero,
 * infinite); vec_prepare's 400s naming the field; metric parse / name round trips. */
#include "unit/testutil.h"
#include "unit/vector_testdata.h"

#include "vector/distance.h"

static const size_t dims[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 100, 128, 768, 4096};

static double ref_dot(const float *a, const float *b, size_t n, double *mag)
{
    double s = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        s += (double)a[i] * b[i];
        m += fabs((double)a[i] * b[i]);
    }
    *mag = m;
    return s;
}

static double ref_l2(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return s;
}

/* Vectors of 4096 + 1 floats so that a+1, b+1 are misaligned views. */
static void fill(float *v, size_t n, double scale, uint64_t *s)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)((td_uniform(s) * 2.0 - 1.0) * scale);
}

static void test_kernels_match_double(void **state)
{
    (void)state;
    float *a = malloc(4097 * sizeof *a), *b = malloc(4097 * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    uint64_t s = 7;
    static const double scales[] = {1.0, 1e-3, 1e3};
    for (size_t sc = 0; sc < 3; sc++)
        for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
            for (int offset = 0; offset < 2; offset++) {
                size_t n = dims[d];
                fill(a, 4097, scales[sc], &s);
                fill(b, 4097, scales[sc], &s);
                const float *x = a + offset, *y = b + offset;
                double mag;
                double want = ref_dot(x, y, n, &mag);
                double got = vec_dot(x, y, n);
                /* float accumulation: error bounded by a few ulps of the magnitude summed */
                assert_true(fabs(got - want) <= 1e-5 * mag + 1e-30);
                double want2 = ref_l2(x, y, n);
                double got2 = vec_l2sq(x, y, n);
                assert_true(fabs(got2 - want2) <= 1e-5 * want2 + 1e-30);
                assert_true(got2 >= 0);
                /* self-distance is exactly zero */
                assert_true(vec_l2sq(x, x, n) == 0.0f);
            }
    free(a);
    free(b);
}

static void test_metric_distances(void **state)
{
    (void)state;
    float a[5] = {1, 2, 3, 4, 5}, b[5] = {-1, 0, 2, 8, 1};
    /* dot = -1 + 0 + 6 + 32 + 5 = 42; l2 = 4 + 4 + 1 + 16 + 16 = 41 */
    assert_true(vec_distance_l2(a, b, 5) == 41.0f);
    assert_true(vec_distance_dot(a, b, 5) == -42.0f);
    assert_true(vec_distance_for(VEC_L2) == vec_distance_l2);
    assert_true(vec_distance_for(VEC_DOT) == vec_distance_dot);
    assert_true(vec_distance_for(VEC_COSINE) == vec_distance_cosine);
    assert_null(vec_distance_for((vec_metric_t)9));

    /* cosine: same direction 0, orthogonal 1, opposite 2, after normalising */
    float u[3] = {3, 0, 4}, same[3] = {30, 0, 40}, orth[3] = {0, 7, 0}, opp[3] = {-3, 0, -4};
    assert_int_equal(vec_normalize(u, 3), 0);
    assert_int_equal(vec_normalize(same, 3), 0);
    assert_int_equal(vec_normalize(orth, 3), 0);
    assert_int_equal(vec_normalize(opp, 3), 0);
    assert_true(fabsf(vec_distance_cosine(u, same, 3)) < 1e-6f);
    assert_true(fabsf(vec_distance_cosine(u, orth, 3) - 1.0f) < 1e-6f);
    assert_true(fabsf(vec_distance_cosine(u, opp, 3) - 2.0f) < 1e-6f);
    /* against the textbook formula on random vectors */
    uint64_t s = 3;
    float x[100], y[100], xn[100], yn[100];
    fill(x, 100, 1.0, &s);
    fill(y, 100, 1.0, &s);
    memcpy(xn, x, sizeof x);
    memcpy(yn, y, sizeof y);
    assert_int_equal(vec_normalize(xn, 100), 0);
    assert_int_equal(vec_normalize(yn, 100), 0);
    double mag;
    double cos_ref =
        ref_dot(x, y, 100, &mag) / sqrt(ref_dot(x, x, 100, &mag) * ref_dot(y, y, 100, &mag));
    assert_true(fabs(vec_distance_cosine(xn, yn, 100) - (1.0 - cos_ref)) < 1e-5);
}

static void test_normalize(void **state)
{
    (void)state;
    float v[4] = {1e-20f, 0, 0, 0}; /* tiny but nonzero: fine in double */
    assert_int_equal(vec_normalize(v, 4), 0);
    assert_true(fabsf(v[0] - 1.0f) < 1e-6f);
    float big[2] = {3e30f, 4e30f}; /* squares overflow float, not double */
    assert_int_equal(vec_normalize(big, 2), 0);
    assert_true(fabsf(big[0] - 0.6f) < 1e-6f && fabsf(big[1] - 0.8f) < 1e-6f);
    float zero[3] = {0, 0, 0};
    assert_int_equal(vec_normalize(zero, 3), -1);
    assert_true(zero[0] == 0 && zero[1] == 0 && zero[2] == 0);
    float inf[2] = {INFINITY, 1};
    assert_int_equal(vec_normalize(inf, 2), -1);
    assert_true(isinf(inf[0]) && inf[1] == 1);
    uint64_t s = 11;
    float r[768];
    fill(r, 768, 5.0, &s);
    assert_int_equal(vec_normalize(r, 768), 0);
    double mag, norm = ref_dot(r, r, 768, &mag);
    assert_true(fabs(norm - 1.0) < 1e-5);
}

static void test_prepare(void **state)
{
    (void)state;
    err_t err;
    float in[3] = {0, 3, 4}, out[3];
    assert_int_equal(vec_prepare(VEC_L2, in, out, 3, "vector", &err), 0);
    assert_memory_equal(in, out, sizeof in);
    assert_int_equal(vec_prepare(VEC_COSINE, in, out, 3, "vector", &err), 0);
    assert_true(fabsf(out[1] - 0.6f) < 1e-6f && fabsf(out[2] - 0.8f) < 1e-6f);
    assert_int_equal(vec_prepare(VEC_COSINE, in, in, 3, "vector", &err), 0); /* in place */
    assert_true(fabsf(in[2] - 0.8f) < 1e-6f);

    float nan_v[3] = {1, NAN, 2};
    assert_int_equal(vec_prepare(VEC_L2, nan_v, out, 3, "query", &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "query");
    assert_non_null(strstr(err.message, "finite"));
    float inf_v[2] = {-INFINITY, 0};
    assert_int_equal(vec_prepare(VEC_DOT, inf_v, out, 2, "vector", &err), -1);
    assert_string_equal(err.field, "vector");
    float zero[3] = {0, 0, 0};
    assert_int_equal(vec_prepare(VEC_L2, zero, out, 3, "vector", &err), 0);
    assert_int_equal(vec_prepare(VEC_DOT, zero, out, 3, "vector", &err), 0);
    assert_int_equal(vec_prepare(VEC_COSINE, zero, out, 3, "vector", &err), -1);
    assert_int_equal(err.status, 400);
    assert_non_null(strstr(err.message, "zero vector"));
    assert_int_equal(vec_all_finite(in, 3), 1);
    assert_int_equal(vec_all_finite(nan_v, 3), 0);
}

static void test_metric_names(void **state)
{
    (void)state;
    err_t err;
    vec_metric_t m;
    static const vec_metric_t all[] = {VEC_L2, VEC_DOT, VEC_COSINE};
    for (size_t i = 0; i < 3; i++) {
        const char *name = vec_metric_name(all[i]);
        assert_non_null(name);
        assert_int_equal(vec_metric_parse(name, &m, "metric", &err), 0);
        assert_int_equal(m, all[i]);
    }
    assert_string_equal(vec_metric_name(VEC_COSINE), "cosine");
    assert_null(vec_metric_name((vec_metric_t)3));
    assert_int_equal(vec_metric_parse("euclid", &m, "metric", &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.field, "metric");
    assert_int_equal(vec_metric_parse("L2", &m, "space", &err), -1); /* names are lowercase */
    assert_string_equal(err.field, "space");
    assert_int_equal(vec_metric_parse(NULL, &m, "metric", &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_match_double),
        cmocka_unit_test(test_metric_distances),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_prepare),
        cmocka_unit_test(test_metric_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
