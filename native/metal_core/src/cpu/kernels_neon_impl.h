/* kernels_neon_impl.h — the arm64 kernel table, written once and compiled twice:
 * kernels_neon.c (Advanced SIMD, MC_NEON_DOTPROD 0) and kernels_neon_dotprod.c (+ the dot
 * product extension, 1: Apple M1 and later, Graviton 2 and later). Include it after
 * <arm_neon.h> inside the file's target region.
 *
 * Quantized dot products follow kernels_avx2.c: every weight block is unpacked to 32 signed bytes
 * (q4_1/q5_1: their unsigned codes, below 32, with the min handled apart) and multiplied with the
 * activation's 32 signed bytes: sdot (4 products per lane) with the extension, widening
 * multiplies and pairwise adds without. Integer block sums are scaled by d_w * d_x in f32. */

#define INLINE static inline __attribute__((always_inline))

INLINE float half_at(const uint8_t *p) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(mc_load_u16(p)))), 0);
}

/* The 32 values of a block in element order: x[0] elements 0-15, x[1] elements 16-31. */
typedef struct bytes32 {
    int8x16_t x[2];
} bytes32;

/* 0x10 in byte e where bit e of the little-endian 32-bit qh is set: the fifth bits of q5_*. */
INLINE uint8x16_t fifth_bits(uint32_t qh, int half) {
    uint64_t b0 = (qh >> (16 * half)) & 0xffu, b1 = (qh >> (16 * half + 8)) & 0xffu;
    uint8x16_t spread =
        vcombine_u8(vcreate_u8(b0 * 0x0101010101010101ull), vcreate_u8(b1 * 0x0101010101010101ull));
    const uint8x16_t bit = vreinterpretq_u8_u64(vdupq_n_u64(0x8040201008040201ull));
    return vandq_u8(vtstq_u8(spread, bit), vdupq_n_u8(0x10));
}

INLINE bytes32 unpack(int32_t dtype, const uint8_t *block, float *m) {
    bytes32 w;
    if (dtype == MC_DTYPE_Q8_0) {
        w.x[0] = vld1q_s8((const int8_t *)block + 2);
        w.x[1] = vld1q_s8((const int8_t *)block + 18);
        return w;
    }
    int has_min = mc_quant_has_min(dtype);
    int has_high = dtype == MC_DTYPE_Q5_0 || dtype == MC_DTYPE_Q5_1;
    const uint8_t *qs = block + 2 + (has_min ? 2 : 0) + (has_high ? 4 : 0);
    uint8x16_t q = vld1q_u8(qs);
    uint8x16_t low = vandq_u8(q, vdupq_n_u8(0x0f)), high = vshrq_n_u8(q, 4);
    if (has_high) {
        uint32_t qh = mc_load_u32(block + (has_min ? 4 : 2));
        low = vorrq_u8(low, fifth_bits(qh, 0));
        high = vorrq_u8(high, fifth_bits(qh, 1));
    }
    int offset = dtype == MC_DTYPE_Q4_0 ? 8 : (dtype == MC_DTYPE_Q5_0 ? 16 : 0);
    w.x[0] = vsubq_s8(vreinterpretq_s8_u8(low), vdupq_n_s8((int8_t)offset));
    w.x[1] = vsubq_s8(vreinterpretq_s8_u8(high), vdupq_n_s8((int8_t)offset));
    if (has_min) {
        *m = half_at(block + 2);
    }
    return w;
}

/* sum(w * x) over 32 bytes, as 4 int32 partial sums. */
INLINE int32x4_t dot32(bytes32 w, bytes32 x) {
#if MC_NEON_DOTPROD
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w.x[0], x.x[0]), w.x[1], x.x[1]);
#else
    int16x8_t p0 = vmull_s8(vget_low_s8(w.x[0]), vget_low_s8(x.x[0]));
    int16x8_t p1 = vmull_high_s8(w.x[0], x.x[0]);
    int16x8_t p2 = vmull_s8(vget_low_s8(w.x[1]), vget_low_s8(x.x[1]));
    int16x8_t p3 = vmull_high_s8(w.x[1], x.x[1]);
    return vpadalq_s16(vpadalq_s16(vpaddlq_s16(p0), p1), vaddq_s16(p2, p3));
#endif
}

#define MAX_R 4
#define MAX_T 4

INLINE void micro_quant(int32_t dtype, int R, int T, const mc_weight_view *w, int64_t row,
                        const uint8_t *x, uint64_t x_stride, float *out, int out_stride) {
    const int bytes = mc_quant_block_bytes(dtype);
    const int has_min = mc_quant_has_min(dtype);
    const int64_t blocks = w->cols / MC_QK;
    const uint8_t *rows[MAX_R];
    float32x4_t acc[MAX_R][MAX_T];
    float mins[MAX_R][MAX_T];
    mc_q8_row xs[MAX_T];
    for (int t = 0; t < T; t++) {
        xs[t] = mc_q8_row_at(x + (uint64_t)t * x_stride, w->cols);
    }
    for (int r = 0; r < R; r++) {
        rows[r] = w->data + (uint64_t)(row + r) * w->row_stride;
        for (int t = 0; t < T; t++) {
            acc[r][t] = vdupq_n_f32(0.0f);
            mins[r][t] = 0.0f;
        }
    }
    for (int64_t b = 0; b < blocks; b++) {
        bytes32 wv[MAX_R];
        float wd[MAX_R], wm[MAX_R];
        for (int r = 0; r < R; r++) {
            const uint8_t *block = rows[r] + b * bytes;
            wm[r] = 0.0f;
            wv[r] = unpack(dtype, block, &wm[r]);
            wd[r] = half_at(block);
        }
        for (int t = 0; t < T; t++) {
            const int8_t *xq = xs[t].q + b * MC_QK;
            bytes32 xv = {{vld1q_s8(xq), vld1q_s8(xq + 16)}};
            const float xd = xs[t].d[b];
            for (int r = 0; r < R; r++) {
                acc[r][t] = vfmaq_n_f32(acc[r][t], vcvtq_f32_s32(dot32(wv[r], xv)), wd[r] * xd);
                if (has_min) {
                    mins[r][t] += wm[r] * xs[t].ds[b];
                }
            }
        }
    }
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < R; r++) {
            out[t * out_stride + r] = vaddvq_f32(acc[r][t]) + mins[r][t];
        }
    }
}

/* ---- f32 / f16 / bf16 ------------------------------------------------------------------- */

/* 4 values of a row of dtype at element i, as f32. */
INLINE float32x4_t load4(int32_t dtype, const uint8_t *row, int64_t i) {
    if (dtype == MC_DTYPE_F32) {
        return vld1q_f32((const float *)row + i);
    }
    uint16x4_t h = vld1_u16((const uint16_t *)row + i);
    if (dtype == MC_DTYPE_F16) {
        return vcvt_f32_f16(vreinterpret_f16_u16(h));
    }
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
}

INLINE float value_at(int32_t dtype, const uint8_t *row, int64_t i) {
    switch (dtype) {
    case MC_DTYPE_F32: {
        float v;
        memcpy(&v, row + 4 * i, sizeof v);
        return v;
    }
    case MC_DTYPE_F16: return half_at(row + 2 * i);
    default: return mc_bf16_to_f32(mc_load_u16(row + 2 * i));
    }
}

INLINE void micro_float(int32_t dtype, int R, int T, const mc_weight_view *w, int64_t row,
                        const float *x, int64_t x_stride, float *out, int out_stride) {
    const uint8_t *rows[MAX_R];
    float32x4_t acc[MAX_R][MAX_T];
    for (int r = 0; r < R; r++) {
        rows[r] = w->data + (uint64_t)(row + r) * w->row_stride;
        for (int t = 0; t < T; t++) {
            acc[r][t] = vdupq_n_f32(0.0f);
        }
    }
    const int64_t k = w->cols, body = k & ~(int64_t)3;
    for (int64_t i = 0; i < body; i += 4) {
        float32x4_t wv[MAX_R];
        for (int r = 0; r < R; r++) {
            wv[r] = load4(dtype, rows[r], i);
        }
        for (int t = 0; t < T; t++) {
            float32x4_t xv = vld1q_f32(x + t * x_stride + i);
            for (int r = 0; r < R; r++) {
                acc[r][t] = vfmaq_f32(acc[r][t], wv[r], xv);
            }
        }
    }
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < R; r++) {
            float sum = vaddvq_f32(acc[r][t]);
            for (int64_t i = body; i < k; i++) {
                sum += value_at(dtype, rows[r], i) * x[t * x_stride + i];
            }
            out[t * out_stride + r] = sum;
        }
    }
}

#define TILE_ROWS 2
#define TILE_TOKENS 4
#include "cpu_tiles_impl.h"

/* ---- attention rows ------------------------------------------------------------------------ */

INLINE float dot_row(int32_t dtype, const float *q, const uint8_t *row, int n) {
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        acc0 = vfmaq_f32(acc0, vld1q_f32(q + i), load4(dtype, row, i));
        acc1 = vfmaq_f32(acc1, vld1q_f32(q + i + 4), load4(dtype, row, i + 4));
    }
    for (; i + 4 <= n; i += 4) {
        acc0 = vfmaq_f32(acc0, vld1q_f32(q + i), load4(dtype, row, i));
    }
    float sum = vaddvq_f32(vaddq_f32(acc0, acc1));
    for (; i < n; i++) {
        sum += q[i] * value_at(dtype, row, i);
    }
    return sum;
}

static void neon_dot_rows(const float *q, const uint8_t *rows, uint64_t stride, int32_t dtype,
                          int n, int count, float *scores) {
    for (int j = 0; j < count; j++) {
        const uint8_t *row = rows + (uint64_t)j * stride;
        switch (dtype) {
        case MC_DTYPE_F32: scores[j] = dot_row(MC_DTYPE_F32, q, row, n); break;
        case MC_DTYPE_F16: scores[j] = dot_row(MC_DTYPE_F16, q, row, n); break;
        default: scores[j] = dot_row(MC_DTYPE_BF16, q, row, n); break;
        }
    }
}

INLINE void axpy_row(int32_t dtype, float *acc, float p, const uint8_t *row, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        vst1q_f32(acc + i, vfmaq_n_f32(vld1q_f32(acc + i), load4(dtype, row, i), p));
    }
    for (; i < n; i++) {
        acc[i] += p * value_at(dtype, row, i);
    }
}

static void neon_axpy_rows(float *acc, const float *p, const uint8_t *rows, uint64_t stride,
                           int32_t dtype, int n, int count) {
    for (int j = 0; j < count; j++) {
        const uint8_t *row = rows + (uint64_t)j * stride;
        switch (dtype) {
        case MC_DTYPE_F32: axpy_row(MC_DTYPE_F32, acc, p[j], row, n); break;
        case MC_DTYPE_F16: axpy_row(MC_DTYPE_F16, acc, p[j], row, n); break;
        default: axpy_row(MC_DTYPE_BF16, acc, p[j], row, n); break;
        }
    }
}

/* exp(v) for v >= -87 as in kernels_avx2.c's exp8: 2^n * p(r), Cephes' coefficients. */
INLINE float32x4_t exp4(float32x4_t v) {
    uint32x4_t underflow = vcltq_f32(v, vdupq_n_f32(-87.0f));
    v = vminq_f32(v, vdupq_n_f32(88.0f));
    float32x4_t n = vrndnq_f32(vmulq_n_f32(v, 1.44269504088896341f));
    float32x4_t r = vfmsq_n_f32(v, n, 0.693359375f);
    r = vfmsq_n_f32(r, n, -2.12194440e-4f);
    float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
    p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
    int32x4_t scale = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    float32x4_t e = vmulq_f32(p, vreinterpretq_f32_s32(scale));
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(e), underflow));
}

static float neon_exp_shift_sum(float *x, int32_t n, float shift) {
    float32x4_t sum = vdupq_n_f32(0.0f), s = vdupq_n_f32(shift);
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t e = exp4(vsubq_f32(vld1q_f32(x + i), s));
        vst1q_f32(x + i, e);
        sum = vaddq_f32(sum, e);
    }
    float tail = 0.0f;
    if (i < n) { /* the tail through a zero-padded copy */
        float part[4] = {0};
        memcpy(part, x + i, (size_t)(n - i) * sizeof(float));
        vst1q_f32(part, exp4(vsubq_f32(vld1q_f32(part), s)));
        memcpy(x + i, part, (size_t)(n - i) * sizeof(float));
        for (int32_t j = 0; j < n - i; j++) {
            tail += part[j];
        }
    }
    return vaddvq_f32(sum) + tail;
}

static void neon_store_row(uint8_t *dst, int32_t dtype, const float *src, int32_t n) {
    if (dtype == MC_DTYPE_F32) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    int32_t i = 0;
    if (dtype == MC_DTYPE_F16) { /* fcvtn rounds to nearest even (the default FPCR mode) */
        for (; i + 4 <= n; i += 4) {
            vst1_u16((uint16_t *)(dst + 2 * (size_t)i),
                     vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
        }
    }
    mc_scalar_store_row(dst + 2 * (size_t)i, dtype, src + i, n - i);
}

/* ---- argmax, norms, activation quantization ------------------------------------------------ */

static int32_t neon_argmax(const float *x, int32_t n, float *max) {
    if (n < 4) {
        return mc_scalar_argmax(x, n, max);
    }
    /* Four chains take the 4-value chunks in turn, so one chunk's compare-and-select does not
     * wait for the previous chunk's (see avx512_argmax). Each lane of each chain keeps the first
     * index where its own running maximum was reached. */
    enum { CHAINS = 4 };
    const int32_t start[4] = {0, 1, 2, 3};
    float32x4_t best[CHAINS];
    int32x4_t best_index[CHAINS], index[CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        best[c] = vdupq_n_f32(-INFINITY);
        index[c] = vaddq_s32(vld1q_s32(start), vdupq_n_s32(4 * c));
        best_index[c] = index[c];
    }
    int32_t i = 0;
    for (; i + 4 * CHAINS <= n; i += 4 * CHAINS) {
        for (int c = 0; c < CHAINS; c++) {
            float32x4_t v = vld1q_f32(x + i + 4 * c);
            uint32x4_t greater = vcgtq_f32(v, best[c]);
            best[c] = vbslq_f32(greater, v, best[c]);
            best_index[c] = vbslq_s32(greater, index[c], best_index[c]);
            index[c] = vaddq_s32(index[c], vdupq_n_s32(4 * CHAINS));
        }
    }
    float values[4 * CHAINS];
    int32_t indices[4 * CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        vst1q_f32(values + 4 * c, best[c]);
        vst1q_s32(indices + 4 * c, best_index[c]);
    }
    return mc_argmax_finish(values, indices, 4 * CHAINS, x, i, n, max);
}

static float neon_sum_squares(const float *x, int32_t n) {
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + 4);
        acc0 = vfmaq_f32(acc0, a, a);
        acc1 = vfmaq_f32(acc1, b, b);
    }
    for (; i + 4 <= n; i += 4) {
        float32x4_t a = vld1q_f32(x + i);
        acc0 = vfmaq_f32(acc0, a, a);
    }
    float sum = vaddvq_f32(vaddq_f32(acc0, acc1));
    for (; i < n; i++) {
        sum += x[i] * x[i];
    }
    return sum;
}

static void neon_quantize_row_q8(const float *x, int64_t k, uint8_t *row) {
    mc_q8_row rq = mc_q8_row_at(row, k);
    int8_t *q = rq.q;
    float *d = rq.d, *ds = rq.ds;
    for (int64_t b = 0; b < k / MC_QK; b++) {
        float32x4_t v[8];
        float32x4_t amax = vdupq_n_f32(0.0f);
        for (int j = 0; j < 8; j++) {
            v[j] = vld1q_f32(x + b * MC_QK + 4 * j);
            amax = vmaxq_f32(amax, vabsq_f32(v[j]));
        }
        float scale = vmaxvq_f32(amax) / 127.0f;
        float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
        /* Rounds to nearest, ties to even (the scalar path rounds ties away from zero: both
         * keep |x - d * q| <= d / 2). */
        int32x4_t sum = vdupq_n_s32(0);
        int16x8_t halves[4];
        for (int j = 0; j < 4; j++) {
            int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j], inverse));
            int32x4_t c = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j + 1], inverse));
            sum = vaddq_s32(sum, vaddq_s32(a, c));
            halves[j] = vcombine_s16(vmovn_s32(a), vmovn_s32(c));
        }
        vst1q_s8(q + b * MC_QK, vcombine_s8(vmovn_s16(halves[0]), vmovn_s16(halves[1])));
        vst1q_s8(q + b * MC_QK + 16, vcombine_s8(vmovn_s16(halves[2]), vmovn_s16(halves[3])));
        d[b] = scale;
        ds[b] = scale * (float)vaddvq_s32(sum);
    }
}

static const mc_cpu_kernels neon_kernels = {
    .name = MC_NEON_DOTPROD ? "neon-dotprod" : "neon",
    .act_row_bytes = mc_plain_act_row_bytes,
    .quantize_row_q8 = neon_quantize_row_q8,
    .matmul_quant = tiled_matmul_quant,
    .matmul_float = tiled_matmul_float,
    .dot_rows = neon_dot_rows,
    .axpy_rows = neon_axpy_rows,
    .argmax = neon_argmax,
    .sum_squares = neon_sum_squares,
    .store_row = neon_store_row,
    .exp_shift_sum = neon_exp_shift_sum,
};
