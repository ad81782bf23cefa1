/* distance.h - the distance kernels of the vector index: dot product, squared L2, and the
 * per-metric distance built on them (see vec.h for the definitions).
 *
 * The kernels are plain C loops written so that GCC and Clang vectorise them at -O2 with no
 * intrinsics and no -ffast-math: the sum is carried in 16 independent lanes (acc[0..15]), so
 * the compiler never has to reorder a floating-point reduction to use SIMD registers, and the
 * lanes are added up once at the end. With the default x86-64 target that is SSE2 (4 lanes per
 * register, 4 registers in flight); with -march=native it becomes AVX2 or AVX-512. Because the
 * summation order is fixed by the source, results are identical on every run and thread. */
#ifndef LLMOPS_VECTOR_DISTANCE_H
#define LLMOPS_VECTOR_DISTANCE_H

#include <stddef.h>

#include "vector/vec.h"

typedef float (*vec_distance_fn)(const float *a, const float *b, size_t dim);

float vec_dot(const float *a, const float *b, size_t dim);
float vec_l2sq(const float *a, const float *b, size_t dim);

/* The distance of each metric on vectors as the index stores them (cosine: unit length). */
float vec_distance_l2(const float *a, const float *b, size_t dim);     /* l2sq */
float vec_distance_dot(const float *a, const float *b, size_t dim);    /* -dot */
float vec_distance_cosine(const float *a, const float *b, size_t dim); /* 1 - dot */
vec_distance_fn vec_distance_for(vec_metric_t metric);

/* Scale v to unit length in place. -1 (v unchanged) when its norm is zero or not finite. */
int vec_normalize(float *v, size_t dim);

/* 1 when every component is finite (no NaN, no infinity). */
int vec_all_finite(const float *v, size_t dim);

/* Copy `in` to `out` in the form the index stores for `metric`: cosine normalises, the others
 * copy. -1 with a 400 naming `field` for a non-finite component or a zero cosine vector. */
int vec_prepare(vec_metric_t metric, const float *in, float *out, size_t dim, const char *field,
                err_t *err);

#endif
