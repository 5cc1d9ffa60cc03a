/* cpu_tiles_impl.h — how a SIMD kernel file covers a matmul work item (weight rows x tokens) with
 * its register-resident micro tiles. Written once and included by kernels_avx2.c,
 * kernels_avx512_impl.h and kernels_neon_impl.h inside their target regions, after they define
 *
 *   TILE_ROWS, TILE_TOKENS   their largest micro tile (weight rows x tokens)
 *   micro_quant(dtype, R, T, w, row, x, x_stride, out, out_stride)
 *                            R <= TILE_ROWS rows from `row` times T <= TILE_TOKENS tokens from x
 *                            (quantized activation rows x_stride bytes apart), results at
 *                            out[t * out_stride + r]
 *   micro_float(...)         the same for f32 / f16 / bf16 weights (f32 activations, x_stride
 *                            floats apart)
 *
 * It defines tiled_matmul_quant and tiled_matmul_float for the kernel table, each specialised per
 * weight type so that the micro tiles inline with a constant type. */

/* One band of R weight rows from row0 + r across all tokens: TILE_TOKENS at a time, then one.
 * Two calls rather than one with T = step, so that each inlined micro tile has a constant T. */
#define COVER_BAND(micro, R)                                                                       \
    for (int t = 0; t < tokens;) {                                                                 \
        const int step = t + TILE_TOKENS <= tokens ? TILE_TOKENS : 1;                              \
        if (step == TILE_TOKENS) {                                                                 \
            micro(dtype, R, TILE_TOKENS, w, row0 + r, x + t * x_stride, x_stride,                  \
                  tile + t * tile_stride + r, tile_stride);                                        \
        } else {                                                                                   \
            micro(dtype, R, 1, w, row0 + r, x + t * x_stride, x_stride,                            \
                  tile + t * tile_stride + r, tile_stride);                                        \
        }                                                                                          \
        t += step;                                                                                 \
    }

/* Covers rows x tokens: bands of TILE_ROWS rows, then single rows. One token (decode): one row
 * after the other, a single stream the prefetchers follow — rows side by side read memory half as
 * fast (measured: docs/BENCHMARKS.md, "CPU backend against llama.cpp"). */
#define DEFINE_TILE_COVER(name, micro, x_type, stride_type)                                        \
    INLINE void name(int32_t dtype, const mc_weight_view *w, int64_t row0, int rows,               \
                     const x_type *x, stride_type x_stride, int tokens, float *tile,               \
                     int tile_stride) {                                                            \
        int r = 0;                                                                                 \
        if (tokens == 1) {                                                                         \
            for (; r < rows; r++) {                                                                \
                micro(dtype, 1, 1, w, row0 + r, x, x_stride, tile + r, tile_stride);               \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        for (; r + TILE_ROWS <= rows; r += TILE_ROWS) {                                            \
            COVER_BAND(micro, TILE_ROWS)                                                           \
        }                                                                                          \
        for (; r < rows; r++) {                                                                    \
            COVER_BAND(micro, 1)                                                                   \
        }                                                                                          \
    }
DEFINE_TILE_COVER(cover_quant, micro_quant, uint8_t, uint64_t)
DEFINE_TILE_COVER(cover_float, micro_float, float, int64_t)

/* A cover specialised for one weight type. */
#define DEFINE_TYPED_COVER(name, cover, x_type, stride_type, dtype)                                \
    static void name(const mc_weight_view *w, int64_t row0, int rows, const x_type *x,             \
                     stride_type x_stride, int tokens, float *tile, int tile_stride) {             \
        cover(dtype, w, row0, rows, x, x_stride, tokens, tile, tile_stride);                       \
    }
DEFINE_TYPED_COVER(tiles_q8_0, cover_quant, uint8_t, uint64_t, MC_DTYPE_Q8_0)
DEFINE_TYPED_COVER(tiles_q4_0, cover_quant, uint8_t, uint64_t, MC_DTYPE_Q4_0)
DEFINE_TYPED_COVER(tiles_q4_1, cover_quant, uint8_t, uint64_t, MC_DTYPE_Q4_1)
DEFINE_TYPED_COVER(tiles_q5_0, cover_quant, uint8_t, uint64_t, MC_DTYPE_Q5_0)
DEFINE_TYPED_COVER(tiles_q5_1, cover_quant, uint8_t, uint64_t, MC_DTYPE_Q5_1)
DEFINE_TYPED_COVER(tiles_f32, cover_float, float, int64_t, MC_DTYPE_F32)
DEFINE_TYPED_COVER(tiles_f16, cover_float, float, int64_t, MC_DTYPE_F16)
DEFINE_TYPED_COVER(tiles_bf16, cover_float, float, int64_t, MC_DTYPE_BF16)

static void tiled_matmul_quant(const mc_weight_view *w, int64_t row0, int rows, const uint8_t *x,
                               uint64_t x_stride, int tokens, float *tile, int tile_stride) {
    switch (w->dtype) {
    case MC_DTYPE_Q8_0: tiles_q8_0(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    case MC_DTYPE_Q4_0: tiles_q4_0(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    case MC_DTYPE_Q4_1: tiles_q4_1(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    case MC_DTYPE_Q5_0: tiles_q5_0(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    default: tiles_q5_1(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    }
}

static void tiled_matmul_float(const mc_weight_view *w, int64_t row0, int rows, const float *x,
                               int64_t x_stride, int tokens, float *tile, int tile_stride) {
    switch (w->dtype) {
    case MC_DTYPE_F32: tiles_f32(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    case MC_DTYPE_F16: tiles_f16(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    default: tiles_bf16(w, row0, rows, x, x_stride, tokens, tile, tile_stride); break;
    }
}
