/* kernels_avx512_impl.h — the AVX-512 kernel table, written once and compiled twice:
 * kernels_avx512.c (F/BW/VL, MC_AVX512_VNNI 0) and kernels_avx512_vnni.c (+VNNI, 1). Include
 * it after <immintrin.h> inside the file's target region.
 *
 * Quantized dot products work on pairs of 32-value blocks, one pair per 512-bit register, in
 * the order [lo0 lo1 hi0 hi1]: 16 bytes each of the low halves (elements 0-15) of blocks 0 and
 * 1, then of their high halves. That is the order in which the 4-bit types unpack (a block's 16
 * bytes hold elements e and e + 16 in one byte), so their nibbles need no shuffle; q8_0 weights
 * take one, and the activations are stored in that order once, when they are quantized
 * (act_row_bytes / quantize_row_q8 below). A 32-bit lane of a dot product then belongs to block
 * (lane / 4) % 2.
 *
 * Every weight byte is made unsigned, u = q + offset (q8_0: +128 via the sign bit, q4_0: +8,
 * q5_0: +16, q4_1/q5_1: 0), so that one unsigned x signed byte product (VNNI dpbusd, or maddubs +
 * madd without VNNI) computes sum(u * x); the integer accumulator starts at -offset * sum(x),
 * which the activation row carries per block. Without VNNI, maddubs would saturate on q8_0's u up
 * to 255, so q8_0 uses |w| and x with w's sign instead (both within int16 range). Block sums are
 * scaled by d_w * d_x in f32; the mins of q4_1/q5_1 add m_w * d_x * sum(q_x). */

#define INLINE static inline __attribute__((always_inline))

/* ---- activation rows: per pair of blocks, 64 bytes of x in pair order, 16 floats of their
 * scales spread over the lanes of their blocks (see spread() below), 16 int32 with minus the
 * block sums of x in lanes 0 and 4 (zeros elsewhere), and 2 floats d * sum (for the mins) ---- */

typedef struct act_row {
    const int8_t *x;        /* pair p at x + 64 p */
    const float *scale;     /* pair p at scale + 16 p */
    const int32_t *neg_sum; /* pair p at neg_sum + 16 p */
    const float *ds;        /* block b at ds[b]; 0 past the last block */
} act_row;

static size_t avx512_act_row_bytes(int64_t k) {
    size_t pairs = (size_t)(k / MC_QK + 1) / 2;
    return pairs * 3 * 64 + (((pairs * 8) + 63u) & ~(size_t)63u);
}

INLINE act_row act_row_at(const uint8_t *row, int64_t k) {
    size_t pairs = (size_t)(k / MC_QK + 1) / 2;
    act_row a = {(const int8_t *)row, (const float *)(row + pairs * 64),
                 (const int32_t *)(row + pairs * 128), (const float *)(row + pairs * 192)};
    return a;
}

static void avx512_quantize_row_q8(const float *x, int64_t k, uint8_t *row) {
    const int64_t blocks = k / MC_QK, pairs = (blocks + 1) / 2;
    act_row a = act_row_at(row, k);
    for (int64_t b = 0; b < 2 * pairs; b++) {
        int8_t *lo = (int8_t *)a.x + (b / 2) * 64 + (b % 2) * 16, *hi = lo + 32;
        float *scale = (float *)a.scale + (b / 2) * 16 + (b % 2) * 4;
        int32_t *neg_sum = (int32_t *)a.neg_sum + (b / 2) * 16 + (b % 2) * 4;
        float *ds = (float *)a.ds + b;
        memset(neg_sum, 0, 4 * sizeof *neg_sum);
        memset(neg_sum + 8, 0, 4 * sizeof *neg_sum);
        if (b == blocks) { /* the missing second block of an odd last pair */
            memset(lo, 0, 16);
            memset(hi, 0, 16);
            memset(scale, 0, 4 * sizeof *scale);
            memset(scale + 8, 0, 4 * sizeof *scale);
            *ds = 0.0f;
            continue;
        }
        __m512 v0 = _mm512_loadu_ps(x + b * MC_QK);
        __m512 v1 = _mm512_loadu_ps(x + b * MC_QK + 16);
        __m512 amax = _mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1));
        float d = _mm512_reduce_max_ps(amax) / 127.0f;
        float inverse = d != 0.0f ? 1.0f / d : 0.0f;
        __m512 iv = _mm512_set1_ps(inverse);
        /* Rounds to nearest, ties to even (the scalar path rounds ties away from zero: both
         * keep |x - d * q| <= d / 2). */
        __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, iv));
        __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, iv));
        _mm_storeu_si128((__m128i *)lo, _mm512_cvtsepi32_epi8(q0));
        _mm_storeu_si128((__m128i *)hi, _mm512_cvtsepi32_epi8(q1));
        int32_t sum = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        _mm_storeu_ps(scale, _mm_set1_ps(d));
        _mm_storeu_ps(scale + 8, _mm_set1_ps(d));
        neg_sum[0] = -sum;
        *ds = d * (float)sum;
    }
}

/* ---- weights ------------------------------------------------------------------------------- */

/* The 8-bit dot product sum(u[i] * x[i]) added to acc in 16 groups of four bytes. */
INLINE __m512i dot_u8s8(__m512i acc, __m512i u, __m512i x) {
#if MC_AVX512_VNNI
    return _mm512_dpbusd_epi32(acc, u, x);
#else
    __m512i pairs = _mm512_maddubs_epi16(u, x);
    return _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, _mm512_set1_epi16(1)));
#endif
}

/* The offset added to every weight byte of dtype (see the file comment), as a shift. */
INLINE int offset_shift(int32_t dtype) {
    switch (dtype) {
    case MC_DTYPE_Q8_0: return MC_AVX512_VNNI ? 7 : -1;
    case MC_DTYPE_Q4_0: return 3;
    case MC_DTYPE_Q5_0: return 4;
    default: return -1; /* no offset */
    }
}

/* Two f16 values (the second 0 when absent) as [a, b, 0, 0]. */
INLINE __m128 halves(const uint8_t *a, const uint8_t *b, int two) {
    uint32_t bits = mc_load_u16(a) | (two ? (uint32_t)mc_load_u16(b) << 16 : 0u);
    return _mm_cvtph_ps(_mm_cvtsi32_si128((int)bits));
}

/* [v0 x 4, v1 x 4, v0 x 4, v1 x 4] from [v0, v1, ...]: a scale per lane of a pair's product. */
INLINE __m512 spread(__m128 v) {
    const __m512i index = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
    return _mm512_permutexvar_ps(index, _mm512_castps128_ps512(v));
}

/* One weight row's pair of blocks (two == 0: the first block only), ready for the product. */
typedef struct weight_pair {
    __m512i u;     /* unsigned bytes in pair order (q8_0 without VNNI: |w|) */
    __mmask64 neg; /* q8_0 without VNNI: the negative weights */
    __m512 scale;  /* the blocks' scales, spread */
    __m128 m;      /* mins of q4_1 / q5_1: [m0, m1, 0, 0] */
} weight_pair;

INLINE weight_pair unpack_pair(int32_t dtype, const uint8_t *p, int two) {
    const int bytes = mc_quant_block_bytes(dtype);
    const uint8_t *q = p + bytes;
    weight_pair w;
    w.neg = 0;
    w.m = _mm_setzero_ps();
    w.scale = spread(halves(p, q, two));
    if (dtype == MC_DTYPE_Q8_0) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(p + 2));
        __m256i b = two ? _mm256_loadu_si256((const __m256i *)(q + 2)) : _mm256_setzero_si256();
        __m512i ab = _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
        __m512i s = _mm512_shuffle_i64x2(ab, ab, _MM_SHUFFLE(3, 1, 2, 0)); /* pair order */
        if (MC_AVX512_VNNI) {
            w.u = _mm512_xor_si512(s, _mm512_set1_epi8((char)0x80));
        } else {
            w.u = _mm512_abs_epi8(s);
            w.neg = _mm512_movepi8_mask(s);
        }
        return w;
    }
    const int has_min = mc_quant_has_min(dtype);
    const int has_high = dtype == MC_DTYPE_Q5_0 || dtype == MC_DTYPE_Q5_1;
    const int qs_at = 2 + (has_min ? 2 : 0) + (has_high ? 4 : 0);
    __m128i qs0 = _mm_loadu_si128((const __m128i *)(p + qs_at));
    __m128i qs1 = two ? _mm_loadu_si128((const __m128i *)(q + qs_at)) : _mm_setzero_si128();
    __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(qs0), qs1, 1);
    __m256i mask = _mm256_set1_epi8(0x0f);
    __m256i low = _mm256_and_si256(both, mask);
    __m256i high = _mm256_and_si256(_mm256_srli_epi16(both, 4), mask);
    w.u = _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1); /* lo0 lo1 hi0 hi1 */
    if (has_min) {
        w.m = halves(p + 2, q + 2, two);
    }
    if (has_high) {
        const int qh_at = has_min ? 4 : 2;
        uint64_t h0 = mc_load_u32(p + qh_at), h1 = two ? mc_load_u32(q + qh_at) : 0;
        uint64_t bits = (h0 & 0xffffu) | (h1 & 0xffffu) << 16 | (h0 >> 16) << 32 | (h1 >> 16) << 48;
        w.u = _mm512_mask_add_epi8(w.u, _cvtu64_mask64(bits), w.u, _mm512_set1_epi8(16));
    }
    return w;
}

/* One token's pair of blocks. */
typedef struct act_pair {
    __m512i x;    /* 64 signed bytes in pair order */
    __m512i base; /* -offset * sum(x) of each block, in a lane of that block */
    __m512 scale; /* the blocks' scales, spread */
    __m128 ds;    /* [d0 * sum0, d1 * sum1, 0, 0] */
} act_pair;

INLINE act_pair load_act_pair(int32_t dtype, const act_row *a, int64_t pair) {
    act_pair p;
    p.x = _mm512_loadu_si512(a->x + pair * 64);
    p.scale = _mm512_loadu_ps(a->scale + pair * 16);
    p.ds = _mm_setzero_ps();
    p.base = _mm512_setzero_si512();
    const int shift = offset_shift(dtype);
    if (shift >= 0) {
        p.base = _mm512_slli_epi32(_mm512_loadu_si512(a->neg_sum + pair * 16), shift);
    }
    if (mc_quant_has_min(dtype)) {
        p.ds = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(a->ds + 2 * pair)));
    }
    return p;
}

/* acc += the integer block products of w and a, scaled; *mins += m_w * ds. */
INLINE void pair_product(int32_t dtype, __m512 *acc, __m128 *mins, const weight_pair *w,
                         const act_pair *a) {
    __m512i dot;
    if (dtype == MC_DTYPE_Q8_0 && !MC_AVX512_VNNI) {
        __m512i signed_x = _mm512_mask_sub_epi8(a->x, w->neg, _mm512_setzero_si512(), a->x);
        dot = dot_u8s8(_mm512_setzero_si512(), w->u, signed_x);
    } else {
        dot = dot_u8s8(a->base, w->u, a->x);
    }
    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(w->scale, a->scale), *acc);
    if (mc_quant_has_min(dtype)) {
        *mins = _mm_fmadd_ps(w->m, a->ds, *mins);
    }
}

#define MICRO_ROWS 4
#define MICRO_TOKENS 4

/* One step of an R x T tile: pair `pair` of every row and token (two == 0: a lone last block). */
INLINE void micro_step(int32_t dtype, int R, int T, const uint8_t *const *rows, const act_row *acts,
                       int64_t pair, int two, __m512 acc[MICRO_ROWS][MICRO_TOKENS],
                       __m128 mins[MICRO_ROWS][MICRO_TOKENS]) {
    const int bytes = mc_quant_block_bytes(dtype);
    weight_pair wp[MICRO_ROWS];
    for (int r = 0; r < R; r++) {
        wp[r] = unpack_pair(dtype, rows[r] + pair * 2 * bytes, two);
    }
    for (int t = 0; t < T; t++) {
        act_pair ap = load_act_pair(dtype, &acts[t], pair);
        for (int r = 0; r < R; r++) {
            pair_product(dtype, &acc[r][t], &mins[r][t], &wp[r], &ap);
        }
    }
}

/* An R x T tile over the whole of K: weight rows row.., tokens x_t; results at
 * out[t * out_stride + r]. Register-resident for R, T <= 4 (constants after inlining). */
INLINE void micro_quant(int32_t dtype, int R, int T, const mc_weight_view *w, int64_t row,
                        const uint8_t *x, uint64_t x_stride, float *out, int out_stride) {
    const int64_t blocks = w->cols / MC_QK, full_pairs = blocks / 2;
    const uint8_t *rows[MICRO_ROWS];
    act_row acts[MICRO_TOKENS];
    __m512 acc[MICRO_ROWS][MICRO_TOKENS];
    __m128 mins[MICRO_ROWS][MICRO_TOKENS];
    for (int t = 0; t < T; t++) {
        acts[t] = act_row_at(x + (uint64_t)t * x_stride, w->cols);
    }
    for (int r = 0; r < R; r++) {
        rows[r] = w->data + (uint64_t)(row + r) * w->row_stride;
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm512_setzero_ps();
            mins[r][t] = _mm_setzero_ps();
        }
    }
    for (int64_t pair = 0; pair < full_pairs; pair++) {
        micro_step(dtype, R, T, rows, acts, pair, 1, acc, mins);
    }
    if (blocks % 2) {
        micro_step(dtype, R, T, rows, acts, full_pairs, 0, acc, mins);
    }
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < R; r++) {
            __m128 m = mins[r][t];
            float min_sum = _mm_cvtss_f32(_mm_add_ss(m, _mm_movehdup_ps(m)));
            out[t * out_stride + r] = _mm512_reduce_add_ps(acc[r][t]) + min_sum;
        }
    }
}

/* ---- f32 / f16 / bf16 ------------------------------------------------------------------- */

/* 16 values (or the first `count` of them, zeros above) of a row of dtype, as f32. */
INLINE __m512 load16(int32_t dtype, const uint8_t *row, int64_t i, __mmask16 mask, int full) {
    if (dtype == MC_DTYPE_F32) {
        const float *p = (const float *)row + i;
        return full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(mask, p);
    }
    const uint16_t *p = (const uint16_t *)row + i;
    __m256i h = full ? _mm256_loadu_si256((const __m256i *)p) : _mm256_maskz_loadu_epi16(mask, p);
    if (dtype == MC_DTYPE_F16) {
        return _mm512_cvtph_ps(h);
    }
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

INLINE void micro_float(int32_t dtype, int R, int T, const mc_weight_view *w, int64_t row,
                        const float *x, int64_t x_stride, float *out, int out_stride) {
    const uint8_t *rows[MICRO_ROWS];
    __m512 acc[MICRO_ROWS][MICRO_TOKENS];
    for (int r = 0; r < R; r++) {
        rows[r] = w->data + (uint64_t)(row + r) * w->row_stride;
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm512_setzero_ps();
        }
    }
    const int64_t k = w->cols;
    for (int64_t i = 0; i < k; i += 16) {
        int full = i + 16 <= k;
        __mmask16 mask = full ? (__mmask16)0xffff : (__mmask16)((1u << (k - i)) - 1u);
        __m512 wv[MICRO_ROWS];
        for (int r = 0; r < R; r++) {
            wv[r] = load16(dtype, rows[r], i, mask, full);
        }
        for (int t = 0; t < T; t++) {
            const float *xt = x + t * x_stride + i;
            __m512 xv = full ? _mm512_loadu_ps(xt) : _mm512_maskz_loadu_ps(mask, xt);
            for (int r = 0; r < R; r++) {
                acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
            }
        }
    }
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < R; r++) {
            out[t * out_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
        }
    }
}

#define TILE_ROWS MICRO_ROWS
#define TILE_TOKENS MICRO_TOKENS
#include "cpu_tiles_impl.h"

/* ---- attention rows, argmax, norms, activation quantization ------------------------------- */

INLINE float dot_row(int32_t dtype, const float *q, const uint8_t *row, int n) {
    __m512 acc = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        int full = i + 16 <= n;
        __mmask16 mask = full ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        __m512 qv = full ? _mm512_loadu_ps(q + i) : _mm512_maskz_loadu_ps(mask, q + i);
        acc = _mm512_fmadd_ps(qv, load16(dtype, row, i, mask, full), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

static void avx512_dot_rows(const float *q, const uint8_t *rows, uint64_t stride, int32_t dtype,
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
    __m512 pv = _mm512_set1_ps(p);
    for (int i = 0; i < n; i += 16) {
        int full = i + 16 <= n;
        __mmask16 mask = full ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        __m512 a = full ? _mm512_loadu_ps(acc + i) : _mm512_maskz_loadu_ps(mask, acc + i);
        a = _mm512_fmadd_ps(pv, load16(dtype, row, i, mask, full), a);
        if (full) {
            _mm512_storeu_ps(acc + i, a);
        } else {
            _mm512_mask_storeu_ps(acc + i, mask, a);
        }
    }
}

static void avx512_axpy_rows(float *acc, const float *p, const uint8_t *rows, uint64_t stride,
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

static int32_t avx512_argmax(const float *x, int32_t n, float *max) {
    if (n < 16) {
        return mc_scalar_argmax(x, n, max);
    }
    /* Four chains take the 16-value chunks in turn, so one chunk's compare-and-select does not
     * wait for the previous chunk's: with one chain the loop is bound by that latency, not by
     * memory, for rows in cache (the logits). Each lane of each chain keeps the first index
     * where its own running maximum was reached. */
    enum { CHAINS = 4 };
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512 best[CHAINS];
    __m512i best_index[CHAINS], index[CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        best[c] = _mm512_set1_ps(-INFINITY);
        index[c] = _mm512_add_epi32(lanes, _mm512_set1_epi32(16 * c));
        best_index[c] = index[c];
    }
    int32_t i = 0;
    for (; i + 16 * CHAINS <= n; i += 16 * CHAINS) {
        for (int c = 0; c < CHAINS; c++) {
            __m512 v = _mm512_loadu_ps(x + i + 16 * c);
            __mmask16 greater = _mm512_cmp_ps_mask(v, best[c], _CMP_GT_OQ);
            best[c] = _mm512_mask_mov_ps(best[c], greater, v);
            best_index[c] = _mm512_mask_mov_epi32(best_index[c], greater, index[c]);
            index[c] = _mm512_add_epi32(index[c], _mm512_set1_epi32(16 * CHAINS));
        }
    }
    float values[16 * CHAINS];
    int32_t indices[16 * CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        _mm512_storeu_ps(values + 16 * c, best[c]);
        _mm512_storeu_si512(indices + 16 * c, best_index[c]);
    }
    return mc_argmax_finish(values, indices, 16 * CHAINS, x, i, n, max);
}

static float avx512_sum_squares(const float *x, int32_t n) {
    __m512 acc = _mm512_setzero_ps();
    for (int32_t i = 0; i < n; i += 16) {
        __mmask16 mask = i + 16 <= n ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        acc = _mm512_fmadd_ps(v, v, acc);
    }
    return _mm512_reduce_add_ps(acc);
}

static const mc_cpu_kernels avx512_kernels = {
    .name = MC_AVX512_VNNI ? "avx512-vnni" : "avx512",
    .act_row_bytes = avx512_act_row_bytes,
    .quantize_row_q8 = avx512_quantize_row_q8,
    .matmul_quant = tiled_matmul_quant,
    .matmul_float = tiled_matmul_float,
    .dot_rows = avx512_dot_rows,
    .axpy_rows = avx512_axpy_rows,
    .argmax = avx512_argmax,
    .sum_squares = avx512_sum_squares,
    .store_row = mc_avx2_store_row,
    .exp_shift_sum = mc_avx2_exp_shift_sum,
};
