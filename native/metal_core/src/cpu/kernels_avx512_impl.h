/* kernels_avx512_impl.h — the AVX-512 kernel table, written once and compiled twice:
 * kernels_avx512.c (F/BW/VL, MC_AVX512_VNNI 0) and kernels_avx512_vnni.c (+VNNI, 1). Include
 * it after <immintrin.h> inside the file's target region.
 *
 * Quantized dot products work on two 32-value blocks per 512-bit register. Every weight block is
 * turned into unsigned bytes u = q + offset (q8_0: +128, q4_0: +8, q5_0: +16, q4_1/q5_1: 0)
 * so that one unsigned x signed byte product (VNNI dpbusd, or maddubs + madd without VNNI)
 * computes sum(u * x); the offset is taken back by starting the integer accumulator at
 * -offset * sum(x), which depends only on the activation and is computed once per token.
 * Without VNNI, maddubs would saturate on q8_0's u up to 255, so q8_0 uses |w| and x with
 * w's sign instead (both within int16 range). */

#define PAIR_VALUES (2 * MC_QK)

/* The 8-bit dot product sum(u[i] * x[i]) added to acc in 16 groups of four bytes. */
static inline __m512i dot_u8s8(__m512i acc, __m512i u, __m512i x) {
#if MC_AVX512_VNNI
    return _mm512_dpbusd_epi32(acc, u, x);
#else
    __m512i pairs = _mm512_maddubs_epi16(u, x);
    return _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, _mm512_set1_epi16(1)));
#endif
}

/* [a0 x 8 | a1 x 8]: one scale per block half of a pair. */
static inline __m512 pair_scales(float a0, float a1) {
    __m512d low = _mm512_castps_pd(_mm512_set1_ps(a0));
    return _mm512_castpd_ps(_mm512_insertf64x4(low, _mm256_castps_pd(_mm256_set1_ps(a1)), 1));
}

static inline float half_at(const uint8_t *p) {
    return _cvtsh_ss(mc_load_u16(p));
}

/* [lo0 | hi0 | lo1 | hi1]: the 32 nibbles of each of two blocks in element order, from their
 * 16-byte qs arrays (qs1 NULL: a single block, zeros above). */
static inline __m512i nibbles_pair(const uint8_t *qs0, const uint8_t *qs1) {
    __m128i a = _mm_loadu_si128((const __m128i *)qs0);
    __m128i b = qs1 != NULL ? _mm_loadu_si128((const __m128i *)qs1) : _mm_setzero_si128();
    __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
    __m256i mask = _mm256_set1_epi8(0x0f);
    __m256i low = _mm256_and_si256(both, mask);
    __m256i high = _mm256_and_si256(_mm256_srli_epi16(both, 4), mask);
    __m512i t = _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1); /* lo0 lo1 hi0 hi1 */
    return _mm512_shuffle_i64x2(t, t, _MM_SHUFFLE(3, 1, 2, 0));
}

/* One weight row's pair of blocks, ready for the dot product. */
typedef struct weight_pair {
    __m512i u;     /* unsigned bytes (q8_0 without VNNI: |w|) */
    __mmask64 neg; /* q8_0 without VNNI: the negative weights */
    __m512 d;      /* block scales, [d0 x 8 | d1 x 8] */
    __m512 m;      /* mins of q4_1 / q5_1, same layout */
} weight_pair;

/* The offset added to every weight byte of dtype (see the file comment). */
static inline int weight_offset(int32_t dtype) {
    switch (dtype) {
    case MC_DTYPE_Q8_0: return MC_AVX512_VNNI ? 128 : 0;
    case MC_DTYPE_Q4_0: return 8;
    case MC_DTYPE_Q5_0: return 16;
    default: return 0;
    }
}

/* Unpacks blocks b and b+1 (two == 0: block b only) of a row. */
static inline __attribute__((always_inline)) weight_pair unpack_pair(int32_t dtype,
                                                                     const uint8_t *p, int two) {
    const int bytes = mc_quant_block_bytes(dtype);
    const uint8_t *q = p + bytes;
    weight_pair w;
    w.neg = 0;
    w.m = _mm512_setzero_ps();
    w.d = pair_scales(half_at(p), two ? half_at(q) : 0.0f);
    if (dtype == MC_DTYPE_Q8_0) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(p + 2));
        __m256i b = two ? _mm256_loadu_si256((const __m256i *)(q + 2)) : _mm256_setzero_si256();
        __m512i s = _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
        if (MC_AVX512_VNNI) {
            w.u = _mm512_xor_si512(s, _mm512_set1_epi8((char)0x80));
        } else {
            w.u = _mm512_abs_epi8(s);
            w.neg = _mm512_movepi8_mask(s);
        }
        return w;
    }
    int has_min = mc_quant_has_min(dtype);
    int has_high = dtype == MC_DTYPE_Q5_0 || dtype == MC_DTYPE_Q5_1;
    int qs_at = 2 + (has_min ? 2 : 0) + (has_high ? 4 : 0);
    w.u = nibbles_pair(p + qs_at, two ? q + qs_at : NULL);
    if (has_min) {
        w.m = pair_scales(half_at(p + 2), two ? half_at(q + 2) : 0.0f);
    }
    if (has_high) {
        int qh_at = has_min ? 4 : 2;
        uint64_t bits = mc_load_u32(p + qh_at);
        if (two) {
            bits |= (uint64_t)mc_load_u32(q + qh_at) << 32;
        }
        w.u = _mm512_mask_add_epi8(w.u, _cvtu64_mask64(bits), w.u, _mm512_set1_epi8(16));
    }
    return w;
}

/* One activation token's pair of blocks. */
typedef struct act_pair {
    __m512i x;    /* 64 signed bytes (zeros above a single block) */
    __m512i base; /* -offset * sum(x) spread over the lanes: the dot product's starting value */
    __m512 d;     /* scales, [d0 x 8 | d1 x 8] */
    __m512 ds;    /* d * sum(q) / 8 per lane: lanes of a block sum to that block's d * sum(q) */
} act_pair;

static inline __attribute__((always_inline)) act_pair
load_act_pair(int32_t dtype, const mc_q8_rows *x, int t, int64_t b, int two) {
    const int8_t *xq = x->q + t * x->q_stride + b * MC_QK;
    const float *xd = x->d + t * x->blocks + b;
    act_pair a;
    a.x = two ? _mm512_loadu_si512(xq)
              : _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)xq));
    if (!two) {
        a.x = _mm512_inserti64x4(a.x, _mm256_setzero_si256(), 1);
    }
    a.d = pair_scales(xd[0], two ? xd[1] : 0.0f);
    int offset = weight_offset(dtype);
    a.base = _mm512_setzero_si512();
    if (offset != 0) {
        __m512i sums = dot_u8s8(_mm512_setzero_si512(), _mm512_set1_epi8((char)offset), a.x);
        a.base = _mm512_sub_epi32(_mm512_setzero_si512(), sums);
    }
    a.ds = _mm512_setzero_ps();
    if (mc_quant_has_min(dtype)) {
        const float *xds = x->ds + t * x->blocks + b;
        a.ds = pair_scales(xds[0] * 0.125f, two ? xds[1] * 0.125f : 0.0f);
    }
    return a;
}

/* acc += this pair's contribution of weight row w against token a. */
static inline __attribute__((always_inline)) __m512
pair_product(int32_t dtype, __m512 acc, const weight_pair *w, const act_pair *a) {
    __m512i dot;
    if (dtype == MC_DTYPE_Q8_0 && !MC_AVX512_VNNI) {
        __m512i signed_x = _mm512_mask_sub_epi8(a->x, w->neg, _mm512_setzero_si512(), a->x);
        dot = dot_u8s8(_mm512_setzero_si512(), w->u, signed_x);
    } else {
        dot = dot_u8s8(a->base, w->u, a->x);
    }
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(w->d, a->d), acc);
    if (mc_quant_has_min(dtype)) {
        acc = _mm512_fmadd_ps(w->m, a->ds, acc);
    }
    return acc;
}

#define MICRO_ROWS 4
#define MICRO_TOKENS 4

/* An R x T tile over the whole of K: weight rows row.., tokens t0.. of x; results at
 * out[t * out_stride + r]. Register-resident for R, T <= 4 (constants after inlining). */
static inline __attribute__((always_inline)) void micro_quant(int32_t dtype, int R, int T,
                                                              const mc_weight_view *w, int64_t row,
                                                              const mc_q8_rows *x, int t0,
                                                              float *out, int out_stride) {
    const int bytes = mc_quant_block_bytes(dtype);
    const int64_t blocks = w->cols / MC_QK;
    const uint8_t *rows[MICRO_ROWS];
    __m512 acc[MICRO_ROWS][MICRO_TOKENS];
    for (int r = 0; r < R; r++) {
        rows[r] = w->data + (uint64_t)(row + r) * w->row_stride;
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm512_setzero_ps();
        }
    }
    for (int64_t b = 0; b < blocks; b += 2) {
        int two = b + 2 <= blocks; /* else an odd last block */
        weight_pair wp[MICRO_ROWS];
        for (int r = 0; r < R; r++) {
            wp[r] = unpack_pair(dtype, rows[r] + b * bytes, two);
        }
        for (int t = 0; t < T; t++) {
            act_pair ap = load_act_pair(dtype, x, t0 + t, b, two);
            for (int r = 0; r < R; r++) {
                acc[r][t] = pair_product(dtype, acc[r][t], &wp[r], &ap);
            }
        }
    }
    for (int t = 0; t < T; t++) {
        for (int r = 0; r < R; r++) {
            out[t * out_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
        }
    }
}

/* Covers rows x tokens with 4 x 4 micro tiles, then 4 x 1 and 1 x T edges. */
static inline __attribute__((always_inline)) void
tiles_quant(int32_t dtype, const mc_weight_view *w, int64_t row0, int rows, const mc_q8_rows *x,
            int tokens, float *tile, int tile_stride) {
    int r = 0;
    for (; r + MICRO_ROWS <= rows; r += MICRO_ROWS) {
        int t = 0;
        for (; t + MICRO_TOKENS <= tokens; t += MICRO_TOKENS) {
            micro_quant(dtype, MICRO_ROWS, MICRO_TOKENS, w, row0 + r, x, t,
                        tile + t * tile_stride + r, tile_stride);
        }
        for (; t < tokens; t++) {
            micro_quant(dtype, MICRO_ROWS, 1, w, row0 + r, x, t, tile + t * tile_stride + r,
                        tile_stride);
        }
    }
    for (; r < rows; r++) {
        int t = 0;
        for (; t + MICRO_TOKENS <= tokens; t += MICRO_TOKENS) {
            micro_quant(dtype, 1, MICRO_TOKENS, w, row0 + r, x, t, tile + t * tile_stride + r,
                        tile_stride);
        }
        for (; t < tokens; t++) {
            micro_quant(dtype, 1, 1, w, row0 + r, x, t, tile + t * tile_stride + r, tile_stride);
        }
    }
}

#define DEFINE_TILES_QUANT(name, dtype)                                                            \
    static void name(const mc_weight_view *w, int64_t row0, int rows, const mc_q8_rows *x,         \
                     int tokens, float *tile, int tile_stride) {                                   \
        tiles_quant(dtype, w, row0, rows, x, tokens, tile, tile_stride);                           \
    }
DEFINE_TILES_QUANT(tiles_q8_0, MC_DTYPE_Q8_0)
DEFINE_TILES_QUANT(tiles_q4_0, MC_DTYPE_Q4_0)
DEFINE_TILES_QUANT(tiles_q4_1, MC_DTYPE_Q4_1)
DEFINE_TILES_QUANT(tiles_q5_0, MC_DTYPE_Q5_0)
DEFINE_TILES_QUANT(tiles_q5_1, MC_DTYPE_Q5_1)

static void avx512_matmul_quant(const mc_weight_view *w, int64_t row0, int rows,
                                const mc_q8_rows *x, int tokens, float *tile, int tile_stride) {
    switch (w->dtype) {
    case MC_DTYPE_Q8_0: tiles_q8_0(w, row0, rows, x, tokens, tile, tile_stride); break;
    case MC_DTYPE_Q4_0: tiles_q4_0(w, row0, rows, x, tokens, tile, tile_stride); break;
    case MC_DTYPE_Q4_1: tiles_q4_1(w, row0, rows, x, tokens, tile, tile_stride); break;
    case MC_DTYPE_Q5_0: tiles_q5_0(w, row0, rows, x, tokens, tile, tile_stride); break;
    default: tiles_q5_1(w, row0, rows, x, tokens, tile, tile_stride); break;
    }
}

/* ---- f32 / f16 / bf16 ------------------------------------------------------------------- */

/* 16 values (or the first `count` of them, zeros above) of a row of dtype, as f32. */
static inline __attribute__((always_inline)) __m512 load16(int32_t dtype, const uint8_t *row,
                                                           int64_t i, __mmask16 mask, int full) {
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

static inline __attribute__((always_inline)) void micro_float(int32_t dtype, int R, int T,
                                                              const mc_weight_view *w, int64_t row,
                                                              const float *x, int64_t x_stride,
                                                              float *out, int out_stride) {
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

static inline __attribute__((always_inline)) void
tiles_float(int32_t dtype, const mc_weight_view *w, int64_t row0, int rows, const float *x,
            int64_t x_stride, int tokens, float *tile, int tile_stride) {
    int r = 0;
    for (; r + MICRO_ROWS <= rows; r += MICRO_ROWS) {
        int t = 0;
        for (; t + MICRO_TOKENS <= tokens; t += MICRO_TOKENS) {
            micro_float(dtype, MICRO_ROWS, MICRO_TOKENS, w, row0 + r, x + t * x_stride, x_stride,
                        tile + t * tile_stride + r, tile_stride);
        }
        for (; t < tokens; t++) {
            micro_float(dtype, MICRO_ROWS, 1, w, row0 + r, x + t * x_stride, x_stride,
                        tile + t * tile_stride + r, tile_stride);
        }
    }
    for (; r < rows; r++) {
        int t = 0;
        for (; t + MICRO_TOKENS <= tokens; t += MICRO_TOKENS) {
            micro_float(dtype, 1, MICRO_TOKENS, w, row0 + r, x + t * x_stride, x_stride,
                        tile + t * tile_stride + r, tile_stride);
        }
        for (; t < tokens; t++) {
            micro_float(dtype, 1, 1, w, row0 + r, x + t * x_stride, x_stride,
                        tile + t * tile_stride + r, tile_stride);
        }
    }
}

#define DEFINE_TILES_FLOAT(name, dtype)                                                            \
    static void name(const mc_weight_view *w, int64_t row0, int rows, const float *x,              \
                     int64_t x_stride, int tokens, float *tile, int tile_stride) {                 \
        tiles_float(dtype, w, row0, rows, x, x_stride, tokens, tile, tile_stride);                 \
    }
DEFINE_TILES_FLOAT(tiles_f32, MC_DTYPE_F32)
DEFINE_TILES_FLOAT(tiles_f16, MC_DTYPE_F16)
DEFINE_TILES_FLOAT(tiles_bf16, MC_DTYPE_BF16)

static void avx512_matmul_float(const mc_weight_view *w, int64_t row0, int rows, const float *x,
                                int64_t x_stride, int tokens, float *tile, int tile_stride) {
    switch (w->dtype) {
    case MC_DTYPE_F32: tiles_f32(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    case MC_DTYPE_F16: tiles_f16(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    default: tiles_bf16(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    }
}

/* ---- attention rows, argmax, norms, activation quantization ------------------------------- */

static inline __attribute__((always_inline)) float dot_row(int32_t dtype, const float *q,
                                                           const uint8_t *row, int n) {
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

static inline __attribute__((always_inline)) void axpy_row(int32_t dtype, float *acc, float p,
                                                           const uint8_t *row, int n) {
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
    /* Each lane keeps the first index where its own running maximum was reached. */
    __m512 best = _mm512_set1_ps(-INFINITY);
    __m512i best_index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i index = best_index;
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __mmask16 greater = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
        best = _mm512_mask_mov_ps(best, greater, v);
        best_index = _mm512_mask_mov_epi32(best_index, greater, index);
        index = _mm512_add_epi32(index, _mm512_set1_epi32(16));
    }
    float value = _mm512_reduce_max_ps(best);
    __mmask16 at_max = _mm512_cmp_ps_mask(best, _mm512_set1_ps(value), _CMP_EQ_OQ);
    int32_t result = _mm512_mask_reduce_min_epi32(at_max, best_index);
    for (; i < n; i++) {
        if (x[i] > value) {
            value = x[i];
            result = i;
        }
    }
    *max = value;
    return result;
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

static void avx512_quantize_row_q8(const float *x, int64_t k, int8_t *q, float *d, float *ds) {
    for (int64_t b = 0; b < k / MC_QK; b++) {
        __m512 v0 = _mm512_loadu_ps(x + b * MC_QK);
        __m512 v1 = _mm512_loadu_ps(x + b * MC_QK + 16);
        __m512 amax = _mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1));
        float scale = _mm512_reduce_max_ps(amax) / 127.0f;
        float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
        __m512 iv = _mm512_set1_ps(inverse);
        /* Rounds to nearest, ties to even (the scalar path rounds ties away from zero: both
         * keep |x - d * q| <= d / 2). */
        __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, iv));
        __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, iv));
        _mm_storeu_si128((__m128i *)(q + b * MC_QK), _mm512_cvtsepi32_epi8(q0));
        _mm_storeu_si128((__m128i *)(q + b * MC_QK + 16), _mm512_cvtsepi32_epi8(q1));
        d[b] = scale;
        ds[b] = scale * (float)_mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
    }
}

static const mc_cpu_kernels avx512_kernels = {
    .name = MC_AVX512_VNNI ? "avx512-vnni" : "avx512",
    .quantize_row_q8 = avx512_quantize_row_q8,
    .matmul_quant = avx512_matmul_quant,
    .matmul_float = avx512_matmul_float,
    .dot_rows = avx512_dot_rows,
    .axpy_rows = avx512_axpy_rows,
    .argmax = avx512_argmax,
    .sum_squares = avx512_sum_squares,
};
