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

    /* Bytes of one row of k activations (k a multiple of 32) quantized to 8 bits in this
     * table's own format (a multiple of 64), and the quantizer that writes one. */
    size_t (*act_row_bytes)(int64_t k);
    void (*quantize_row_q8)(const float *x, int64_t k, uint8_t *row);

    /* tile[t * tile_stride + r] = sum_k w[row0 + r, k] * x_t[k] for r < rows, t < tokens,
     * with w quantized and x_t the quantized activation row at x + t * x_stride bytes. */
    void (*matmul_quant)(const mc_weight_view *w, int64_t row0, int rows, const uint8_t *x,
                         uint64_t x_stride, int tokens, float *tile, int tile_stride);

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

    /* dst[i] = src[i] in dtype (f32, f16 or bf16; rounded to nearest, ties to even): a KV row. */
    void (*store_row)(uint8_t *dst, int32_t dtype, const float *src, int32_t n);

    /* x[i] = exp(x[i] - shift) for i < n, and returns their sum (attention's softmax). Within a
     * few ulp of expf; exactly 0 where x[i] - shift < -87 (underflow) or is -inf. */
    float (*exp_shift_sum)(float *x, int32_t n, float shift);
} mc_cpu_kernels;

/* The tables compiled into this library; those for another architecture return NULL. */
const mc_cpu_kernels *mc_cpu_kernels_scalar(void);
const mc_cpu_kernels *mc_cpu_kernels_avx2(void);
const mc_cpu_kernels *mc_cpu_kernels_avx512(void);
const mc_cpu_kernels *mc_cpu_kernels_avx512_vnni(void);
const mc_cpu_kernels *mc_cpu_kernels_neon(void);
const mc_cpu_kernels *mc_cpu_kernels_neon_dotprod(void);

/* Scalar helpers shared by the tables for the parts they do not vectorize. */
/* The plain activation row format (mc_q8_row) and its scalar quantizer. */
size_t mc_plain_act_row_bytes(int64_t k);
void mc_scalar_quantize_row_q8(const float *x, int64_t k, uint8_t *row);
int32_t mc_scalar_argmax(const float *x, int32_t n, float *max);
/* The end of a lane-parallel argmax: `lanes` (maximum, first index of it) pairs of the values
 * each lane saw, then x[from..n) in order. The greatest value wins, then the smallest index
 * holding it (index 0 when there was only -inf and NaN); a tail value wins only when greater. */
int32_t mc_argmax_finish(const float *values, const int32_t *indices, int lanes, const float *x,
                         int32_t from, int32_t n, float *max);

/* Converts n values of dtype (f32, f16, bf16) at src to f32. */
void mc_scalar_load_row(float *dst, const uint8_t *src, int32_t dtype, int64_t n);
void mc_scalar_store_row(uint8_t *dst, int32_t dtype, const float *src, int32_t n);

/* The AVX2 versions of the kernels that AVX-512 does not improve on (x86-64 only). */
void mc_avx2_store_row(uint8_t *dst, int32_t dtype, const float *src, int32_t n);
float mc_avx2_exp_shift_sum(float *x, int32_t n, float shift);

#endif /* METAL_CORE_CPU_KERNELS_H */
