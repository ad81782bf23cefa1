/* distance.c - the distance kernels (see distance.h for why they are shaped this way) and the
 * metric names. */
#include "vector/distance.h"

#include <math.h>
#include <string.h>

/* The kernels carry 16 independent sums: four SSE registers, two AVX registers or one AVX-512
 * register, enough sums in flight to hide the add latency. The 16 statements are written out
 * (EACH_LANE) rather than as an inner loop: GCC vectorises an inner `for (j < 16)` loop by
 * itself and then keeps the sums in memory, while 16 straight-line statements become one
 * vector statement per register with every sum held in a register. */
#define LANES 16
#define EACH_LANE(X)                                                                               \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

/* Add the lanes pairwise in a fixed order: deterministic, and more accurate than a serial sum. */
static inline float lanes_sum(const float acc[LANES])
{
    float s8[8], s4[4];
    for (int j = 0; j < 8; j++)
        s8[j] = acc[j] + acc[j + 8];
    for (int j = 0; j < 4; j++)
        s4[j] = s8[j] + s8[j + 4];
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

float vec_dot(const float *restrict a, const float *restrict b, size_t dim)
{
    float acc[LANES] = {0};
    for (size_t blocks = dim / LANES; blocks > 0; blocks--, a += LANES, b += LANES) {
#define DOT_LANE(j) acc[j] += a[j] * b[j];
        EACH_LANE(DOT_LANE)
#undef DOT_LANE
    }
    float tail = 0.0f;
    for (size_t i = 0; i < dim % LANES; i++)
        tail += a[i] * b[i];
    return lanes_sum(acc) + tail;
}

float vec_l2sq(const float *restrict a, const float *restrict b, size_t dim)
{
    float acc[LANES] = {0};
    for (size_t blocks = dim / LANES; blocks > 0; blocks--, a += LANES, b += LANES) {
#define L2_LANE(j) acc[j] += (a[j] - b[j]) * (a[j] - b[j]);
        EACH_LANE(L2_LANE)
#undef L2_LANE
    }
    float tail = 0.0f;
    for (size_t i = 0; i < dim % LANES; i++) {
        float d = a[i] - b[i];
        tail += d * d;
    }
    return lanes_sum(acc) + tail;
}

float vec_distance_l2(const float *a, const float *b, size_t dim)
{
    return vec_l2sq(a, b, dim);
}

float vec_distance_dot(const float *a, const float *b, size_t dim)
{
    return -vec_dot(a, b, dim);
}

float vec_distance_cosine(const float *a, const float *b, size_t dim)
{
    return 1.0f - vec_dot(a, b, dim);
}

vec_distance_fn vec_distance_for(vec_metric_t metric)
{
    switch (metric) {
    case VEC_L2:
        return vec_distance_l2;
    case VEC_DOT:
        return vec_distance_dot;
    case VEC_COSINE:
        return vec_distance_cosine;
    }
    return NULL;
}

int vec_all_finite(const float *v, size_t dim)
{
    for (size_t i = 0; i < dim; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

int vec_normalize(float *v, size_t dim)
{
    /* The norm in double: a float sum of squares overflows for components above ~1e19. */
    double sq = 0.0;
    for (size_t i = 0; i < dim; i++)
        sq += (double)v[i] * (double)v[i];
    if (!(sq > 0.0) || !isfinite(sq))
        return -1;
    double inv = 1.0 / sqrt(sq);
    for (size_t i = 0; i < dim; i++)
        v[i] = (float)(v[i] * inv);
    return 0;
}

int vec_prepare(vec_metric_t metric, const float *in, float *out, size_t dim, const char *field,
                err_t *err)
{
    if (!vec_all_finite(in, dim))
        return err_invalid(err, field, "%s: every component must be a finite number", field);
    if (out != in)
        memcpy(out, in, dim * sizeof *out);
    if (metric == VEC_COSINE && vec_normalize(out, dim) != 0)
        return err_invalid(err, field, "%s: a zero vector has no direction (metric cosine)", field);
    return 0;
}

static const char *const metric_names[] = {"l2", "dot", "cosine"};

const char *vec_metric_name(vec_metric_t metric)
{
    if ((unsigned)metric >= sizeof metric_names / sizeof metric_names[0])
        return NULL;
    return metric_names[metric];
}

int vec_metric_parse(const char *name, vec_metric_t *out, const char *field, err_t *err)
{
    for (unsigned i = 0; name && i < sizeof metric_names / sizeof metric_names[0]; i++)
        if (strcmp(name, metric_names[i]) == 0) {
            *out = (vec_metric_t)i;
            return 0;
        }
    return err_invalid(err, field, "%s must be one of \"l2\", \"dot\", \"cosine\"", field);
}
