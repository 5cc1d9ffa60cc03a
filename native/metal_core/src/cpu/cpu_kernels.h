/* cpu_kernels.h — the inner loops of the CPU backend, one table per instruction set.
 *
 * The op drivers (op_*.c) split work across threads and call these on small pieces; each
 * instruction set (scalar, AVX2, AVX-512, NEON) implements the whole table in its own file,
 * compiled for that target, and the backend picks a table at run time from what the CPU
 * supports (cpu_features.c). */
#ifndef METAL_CORE_CPU_KERNELS_H
#define METAL_CORE_CPU_KERNELS_H

#include "cpu_quant.h"

#include <stdint.h>

/* A weight matrix [N x K] as the matmul kernels see it. */
typedef struct mc_weight_view {
    const uint8_t *data; /* row n starts at data + n * row_stride */
    uint64_t row_stride; /* bytes */
    int32_t dtype;       /* f32, f16, bf16 or a quantized type */
    int32_t cols;        /* K */
} mc_weight_view;

typedef struct mc_cpu_kernels {
    const char *name; /* "scalar", "avx2", "avx512", "avx512-vnni", "neon", "neon-dotprod" */

    /* Quantizes one row of k floats (k a multiple of 32) into q (k bytes), d and ds
     * (k / 32 floats each); see mc_q8_rows. */
    void (*quantize_row_q8)(const float *x, int64_t k, int8_t *q, float *d, float *ds);

    /* tile[t * tile_stride + r] = sum_k w[row0 + r, k] * x[t, k] for r < rows, t < tokens,
     * with w quantized and x the q8 rows of the tile's tokens (x row 0 = the tile's token 0). */
    void (*matmul_quant)(const mc_weight_view *w, int64_t row0, int rows, const mc_q8_rows *x,
                         int tokens, float *tile, int tile_stride);

    /* The same for f32 / f16 / bf16 weights and f32 x (row t at x + t * x_stride floats). */
    void (*matmul_float)(const mc_weight_view *w, int64_t row0, int rows, const float *x,
                         int64_t x_stride, int tokens, float *tile, int tile_stride);

    /* scores[j] = sum_i q[i] * row_j[i] for j < count, where row j holds n values of dtype
     * (f32, f16 or bf16) at rows + j * stride bytes: attention's q.k over a block of keys. */
    void (*dot_rows)(const float *q, const uint8_t *rows, uint64_t stride, int32_t dtype, int n,
                     int count, float *scores);

    /* acc[i] += sum_j p[j] * row_j[i] (rows as in dot_rows): attention's p.v. */
    void (*axpy_rows)(float *acc, const float *p, const uint8_t *rows, uint64_t stride,
                      int32_t dtype, int n, int count);

    /* The smallest index of the maximum of x[0..n) (n >= 1), the maximum in *max. NaNs are
     * skipped (never greater than anything); a row of only NaN and -inf gives index 0. */
    int32_t (*argmax)(const float *x, int32_t n, float *max);

    /* sum_i x[i]^2, accumulated in f32. */
    float (*sum_squares)(const float *x, int32_t n);
} mc_cpu_kernels;

/* The tables compiled into this library; those for another architecture return NULL. */
const mc_cpu_kernels *mc_cpu_kernels_scalar(void);
const mc_cpu_kernels *mc_cpu_kernels_avx2(void);
const mc_cpu_kernels *mc_cpu_kernels_avx512(void);
const mc_cpu_kernels *mc_cpu_kernels_avx512_vnni(void);
const mc_cpu_kernels *mc_cpu_kernels_neon(void);
const mc_cpu_kernels *mc_cpu_kernels_neon_dotprod(void);

/* Scalar helpers shared by the tables for the parts they do not vectorize. */
void mc_scalar_quantize_row_q8(const float *x, int64_t k, int8_t *q, float *d, float *ds);
int32_t mc_scalar_argmax(const float *x, int32_t n, float *max);

/* Converts n values of dtype (f32, f16, bf16) at src to f32. */
void mc_scalar_load_row(float *dst, const uint8_t *src, int32_t dtype, int64_t n);

#endif /* METAL_CORE_CPU_KERNELS_H */
