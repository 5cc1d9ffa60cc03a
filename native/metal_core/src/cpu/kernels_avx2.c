/* kernels_avx2.c — the kernel table for x86-64 with AVX2, FMA and F16C (Haswell, Zen 1 and
 * later): the baseline SIMD level, and the one valgrind can run (callgrind profiles).
 *
 * Quantized dot products: every weight block is unpacked to 32 signed bytes w (q4_0: nibble - 8,
 * q5_0: 5-bit value - 16; q4_1/q5_1: the unsigned code, their min handled apart), and multiplied
 * with the activation's 32 signed bytes x by the sign trick: maddubs(|w|, sign(x, w)) =
 * sum(w * x) in pairs, exact (|w| <= 128, |x| <= 127: no int16 saturation). The integer block
 * sum is scaled by d_w * d_x in f32; the mins of q4_1/q5_1 add m_w * d_x * sum(q_x) = m_w * ds.
 * A decode step (one token) runs 4 weight rows at once over the whole row; several tokens run
 * 2 rows x 4 tokens tiles so each unpacked weight block serves four tokens. */
#include "cpu_kernels.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>
#include <math.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif

#define INLINE static inline __attribute__((always_inline))

INLINE float half_at(const uint8_t *p) {
    return _cvtsh_ss(mc_load_u16(p));
}

INLINE float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* The 32 nibbles of a 16-byte qs array in element order: low nibbles, then high nibbles. */
INLINE __m256i nibbles(const uint8_t *qs) {
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    __m128i mask = _mm_set1_epi8(0x0f);
    __m128i low = _mm_and_si128(q, mask);
    __m128i high = _mm_and_si128(_mm_srli_epi16(q, 4), mask);
    return _mm256_set_m128i(high, low);
}

/* 0x10 in byte e where bit e of the little-endian 32-bit qh is set: the fifth bits of q5_*. */
INLINE __m256i fifth_bits(const uint8_t *qh) {
    __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32((int)mc_load_u32(qh)),
        _mm256_setr_epi64x(0, 0x0101010101010101ll, 0x0202020202020202ll, 0x0303030303030303ll));
    __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

/* The 32 values of a block as signed bytes (see the file comment); *m the min (or 0). */
INLINE __m256i unpack(int32_t dtype, const uint8_t *block, float *m) {
    switch (dtype) {
    case MC_DTYPE_Q8_0: return _mm256_loadu_si256((const __m256i *)(block + 2));
    case MC_DTYPE_Q4_0: return _mm256_sub_epi8(nibbles(block + 2), _mm256_set1_epi8(8));
    case MC_DTYPE_Q4_1: *m = half_at(block + 2); return nibbles(block + 4);
    case MC_DTYPE_Q5_0:
        return _mm256_sub_epi8(_mm256_or_si256(nibbles(block + 6), fifth_bits(block + 2)),
                               _mm256_set1_epi8(16));
    default:
        *m = half_at(block + 2);
        return _mm256_or_si256(nibbles(block + 8), fifth_bits(block + 4));
    }
}

/* sum(w * x) over 32 bytes, as 8 int32 partial sums. */
INLINE __m256i dot_s8(__m256i abs_w, __m256i w, __m256i x) {
    __m256i pairs = _mm256_maddubs_epi16(abs_w, _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

#define MAX_R 4
#define MAX_T 4

/* An R x T tile over the whole row: weight rows row.., tokens t0..; results at
 * out[t * out_stride + r]. R, T are constants after inlining. */
INLINE void micro_quant(int32_t dtype, int R, int T, const mc_weight_view *w, int64_t row,
                        const uint8_t *x, uint64_t x_stride, float *out, int out_stride) {
    const int bytes = mc_quant_block_bytes(dtype);
    const int has_min = mc_quant_has_min(dtype);
    const int64_t blocks = w->cols / MC_QK;
    const uint8_t *rows[MAX_R];
    __m256 acc[MAX_R][MAX_T];
    float mins[MAX_R][MAX_T];
    mc_q8_row xs[MAX_T];
    for (int t = 0; t < T; t++) {
        xs[t] = mc_q8_row_at(x + (uint64_t)t * x_stride, w->cols);
    }
    for (int r = 0; r < R; r++) {
        rows[r] = w->data + (uint64_t)(row + r) * w->row_stride;
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm256_setzero_ps();
            mins[r][t] = 0.0f;
        }
    }
    for (int64_t b = 0; b < blocks; b++) {
        __m256i wv[MAX_R], aw[MAX_R];
        float wd[MAX_R], wm[MAX_R];
        for (int r = 0; r < R; r++) {
            const uint8_t *block = rows[r] + b * bytes;
            wm[r] = 0.0f;
            wv[r] = unpack(dtype, block, &wm[r]);
            aw[r] = has_min ? wv[r] : _mm256_sign_epi8(wv[r], wv[r]);
            wd[r] = half_at(block);
        }
        for (int t = 0; t < T; t++) {
            __m256i xv = _mm256_load_si256((const __m256i *)(xs[t].q + b * MC_QK));
            const float xd = xs[t].d[b];
            for (int r = 0; r < R; r++) {
                /* q4_1/q5_1 codes are unsigned already: maddubs takes them as they are. */
                __m256i dot = has_min ? _mm256_madd_epi16(_mm256_maddubs_epi16(wv[r], xv),
                                                          _mm256_set1_epi16(1))
                                      : dot_s8(aw[r], wv[r], xv);
                acc[r][t] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(wd[r] * xd), acc[r][t]);
                if (has_min) {
                    mins[r][t] += wm[r] * xs[t].ds[b];
                }
            }
        }
    }
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < R; r++) {
            out[t * out_stride + r] = hsum8(acc[r][t]) + mins[r][t];
        }
    }
}

/* ---- f32 / f16 / bf16 ------------------------------------------------------------------- */

/* 8 values of a row of dtype at element i, as f32. */
INLINE __m256 load8(int32_t dtype, const uint8_t *row, int64_t i) {
    if (dtype == MC_DTYPE_F32) {
        return _mm256_loadu_ps((const float *)row + i);
    }
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)row + i));
    if (dtype == MC_DTYPE_F16) {
        return _mm256_cvtph_ps(h);
    }
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
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
    __m256 acc[MAX_R][MAX_T];
    for (int r = 0; r < R; r++) {
        rows[r] = w->data + (uint64_t)(row + r) * w->row_stride;
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm256_setzero_ps();
        }
    }
    const int64_t k = w->cols, body = k & ~(int64_t)7;
    for (int64_t i = 0; i < body; i += 8) {
        __m256 wv[MAX_R];
        for (int r = 0; r < R; r++) {
            wv[r] = load8(dtype, rows[r], i);
        }
        for (int t = 0; t < T; t++) {
            __m256 xv = _mm256_loadu_ps(x + t * x_stride + i);
            for (int r = 0; r < R; r++) {
                acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
            }
        }
    }
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < R; r++) {
            float sum = hsum8(acc[r][t]);
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
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8(dtype, row, i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load8(dtype, row, i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8(dtype, row, i), acc0);
    }
    float sum = hsum8(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) {
        sum += q[i] * value_at(dtype, row, i);
    }
    return sum;
}

static void avx2_dot_rows(const float *q, const uint8_t *rows, uint64_t stride, int32_t dtype,
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
    __m256 pv = _mm256_set1_ps(p);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(acc + i,
                         _mm256_fmadd_ps(pv, load8(dtype, row, i), _mm256_loadu_ps(acc + i)));
    }
    for (; i < n; i++) {
        acc[i] += p * value_at(dtype, row, i);
    }
}

static void avx2_axpy_rows(float *acc, const float *p, const uint8_t *rows, uint64_t stride,
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

/* exp(v) for v >= -87 (a few ulp): 2^n * p(r) with n = round(v / ln 2) and r = v - n ln 2 in
 * two parts, p Cephes' degree-7 fit of expf on [-ln2/2, ln2/2]. Below -87: 0. */
INLINE __m256 exp8(__m256 v) {
    __m256 underflow = _mm256_cmp_ps(v, _mm256_set1_ps(-87.0f), _CMP_LT_OQ);
    v = _mm256_min_ps(v, _mm256_set1_ps(88.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), v);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i scale =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(scale)));
}

float mc_avx2_exp_shift_sum(float *x, int32_t n, float shift) {
    __m256 sum = _mm256_setzero_ps(), s = _mm256_set1_ps(shift);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(x + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    float tail = 0.0f;
    if (i < n) { /* the tail through a zero-padded copy */
        float part[8] = {0};
        memcpy(part, x + i, (size_t)(n - i) * sizeof(float));
        _mm256_storeu_ps(part, exp8(_mm256_sub_ps(_mm256_loadu_ps(part), s)));
        memcpy(x + i, part, (size_t)(n - i) * sizeof(float));
        for (int32_t j = 0; j < n - i; j++) {
            tail += part[j];
        }
    }
    return hsum8(sum) + tail;
}

void mc_avx2_store_row(uint8_t *dst, int32_t dtype, const float *src, int32_t n) {
    if (dtype == MC_DTYPE_F32) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(src + i);
        __m128i h;
        if (dtype == MC_DTYPE_F16) {
            h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        } else { /* bf16: round to nearest even; a NaN stays a quiet NaN */
            __m256i bits = _mm256_castps_si256(v);
            __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
            __m256i rounded =
                _mm256_add_epi32(bits, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff)));
            __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
            __m256i quiet = _mm256_or_si256(bits, _mm256_set1_epi32(0x400000));
            __m256i chosen = _mm256_srli_epi32(_mm256_blendv_epi8(rounded, quiet, nan), 16);
            h = _mm_packus_epi32(_mm256_castsi256_si128(chosen),
                                 _mm256_extracti128_si256(chosen, 1));
        }
        _mm_storeu_si128((__m128i *)(dst + 2 * (size_t)i), h);
    }
    mc_scalar_store_row(dst + 2 * (size_t)i, dtype, src + i, n - i);
}

/* ---- argmax, norms, activation quantization ------------------------------------------------ */

static int32_t avx2_argmax(const float *x, int32_t n, float *max) {
    if (n < 8) {
        return mc_scalar_argmax(x, n, max);
    }
    /* Four chains take the 8-value chunks in turn, so one chunk's compare-and-select does not
     * wait for the previous chunk's (see avx512_argmax). Each lane of each chain keeps the first
     * index where its own running maximum was reached. */
    enum { CHAINS = 4 };
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 best[CHAINS];
    __m256i best_index[CHAINS], index[CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        best[c] = _mm256_set1_ps(-INFINITY);
        index[c] = _mm256_add_epi32(lanes, _mm256_set1_epi32(8 * c));
        best_index[c] = index[c];
    }
    int32_t i = 0;
    for (; i + 8 * CHAINS <= n; i += 8 * CHAINS) {
        for (int c = 0; c < CHAINS; c++) {
            __m256 v = _mm256_loadu_ps(x + i + 8 * c);
            __m256 greater = _mm256_cmp_ps(v, best[c], _CMP_GT_OQ);
            best[c] = _mm256_blendv_ps(best[c], v, greater);
            best_index[c] =
                _mm256_blendv_epi8(best_index[c], index[c], _mm256_castps_si256(greater));
            index[c] = _mm256_add_epi32(index[c], _mm256_set1_epi32(8 * CHAINS));
        }
    }
    float values[8 * CHAINS];
    int32_t indices[8 * CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        _mm256_storeu_ps(values + 8 * c, best[c]);
        _mm256_storeu_si256((__m256i *)(indices + 8 * c), best_index[c]);
    }
    return mc_argmax_finish(values, indices, 8 * CHAINS, x, i, n, max);
}

static float avx2_sum_squares(const float *x, int32_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        acc0 = _mm256_fmadd_ps(a, a, acc0);
        acc1 = _mm256_fmadd_ps(b, b, acc1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 a = _mm256_loadu_ps(x + i);
        acc0 = _mm256_fmadd_ps(a, a, acc0);
    }
    float sum = hsum8(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) {
        sum += x[i] * x[i];
    }
    return sum;
}

static void avx2_quantize_row_q8(const float *x, int64_t k, uint8_t *row) {
    mc_q8_row r = mc_q8_row_at(row, k);
    int8_t *q = r.q;
    float *d = r.d, *ds = r.ds;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < k / MC_QK; b++) {
        __m256 v[4];
        __m256 amax = _mm256_setzero_ps();
        for (int j = 0; j < 4; j++) {
            v[j] = _mm256_loadu_ps(x + b * MC_QK + 8 * j);
            amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[j]));
        }
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        float scale = _mm_cvtss_f32(m) / 127.0f;
        float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
        __m256 iv = _mm256_set1_ps(inverse);
        /* Rounds to nearest, ties to even (the scalar path rounds ties away from zero: both
         * keep |x - d * q| <= d / 2). */
        __m256i i32[4];
        for (int j = 0; j < 4; j++) {
            i32[j] = _mm256_cvtps_epi32(_mm256_mul_ps(v[j], iv));
        }
        __m256i sum =
            _mm256_add_epi32(_mm256_add_epi32(i32[0], i32[1]), _mm256_add_epi32(i32[2], i32[3]));
        /* packs works within 128-bit lanes: the permute restores element order. */
        __m256i i16 = _mm256_packs_epi32(i32[0], i32[1]);
        __m256i i16b = _mm256_packs_epi32(i32[2], i32[3]);
        __m256i i8 = _mm256_packs_epi16(i16, i16b);
        i8 = _mm256_permutevar8x32_epi32(i8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(q + b * MC_QK), i8);
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
        d[b] = scale;
        ds[b] = scale * (float)_mm_cvtsi128_si32(s);
    }
}

static const mc_cpu_kernels avx2_kernels = {
    .name = "avx2",
    .act_row_bytes = mc_plain_act_row_bytes,
    .quantize_row_q8 = avx2_quantize_row_q8,
    .matmul_quant = tiled_matmul_quant,
    .matmul_float = tiled_matmul_float,
    .dot_rows = avx2_dot_rows,
    .axpy_rows = avx2_axpy_rows,
    .argmax = avx2_argmax,
    .sum_squares = avx2_sum_squares,
    .store_row = mc_avx2_store_row,
    .exp_shift_sum = mc_avx2_exp_shift_sum,
};

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

const mc_cpu_kernels *mc_cpu_kernels_avx2(void) {
    return &avx2_kernels;
}

#else

const mc_cpu_kernels *mc_cpu_kernels_avx2(void) {
    return NULL;
}

#endif
