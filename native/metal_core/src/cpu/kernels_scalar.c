/* kernels_scalar.c — the portable kernel table: plain C, no intrinsics. It runs where no SIMD
 * table applies and serves the vector tables for their cold paths. */
#include "cpu_kernels.h"

#include <math.h>

/* Blocks of a weight row decoded at a time by the scalar matmul (bounded stack use). */
#define SCALAR_CHUNK_BLOCKS 32
#define SCALAR_CHUNK_VALUES (SCALAR_CHUNK_BLOCKS * MC_QK)

size_t mc_plain_act_row_bytes(int64_t k) {
    return mc_q8_row_bytes(k);
}

void mc_scalar_quantize_row_q8(const float *x, int64_t k, uint8_t *row) {
    mc_q8_row r = mc_q8_row_at(row, k);
    int8_t *q = r.q;
    float *d = r.d, *ds = r.ds;
    for (int64_t b = 0; b < k / MC_QK; b++) {
        const float *xb = x + b * MC_QK;
        float amax = 0.0f;
        for (int e = 0; e < MC_QK; e++) {
            amax = fmaxf(amax, fabsf(xb[e]));
        }
        float scale = amax / 127.0f;
        float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
        int sum = 0;
        for (int e = 0; e < MC_QK; e++) {
            float v = xb[e] * inverse;
            int rounded = (int)(v + (v >= 0.0f ? 0.5f : -0.5f));
            q[b * MC_QK + e] = (int8_t)rounded;
            sum += rounded;
        }
        d[b] = scale;
        ds[b] = scale * (float)sum;
    }
}

int32_t mc_scalar_argmax(const float *x, int32_t n, float *max) {
    return mc_argmax_finish(NULL, NULL, 0, x, 0, n, max);
}

int32_t mc_argmax_finish(const float *values, const int32_t *indices, int lanes, const float *x,
                         int32_t from, int32_t n, float *max) {
    float value = -INFINITY;
    int32_t result = 0;
    for (int l = 0; l < lanes; l++) { /* the greatest value, then the smallest index */
        if (values[l] > value || (values[l] == value && indices[l] < result)) {
            value = values[l];
            result = indices[l];
        }
    }
    if (value == -INFINITY) { /* only -inf and NaN so far: index 0 unless a later value wins */
        result = 0;
    }
    for (int32_t i = from; i < n; i++) {
        if (x[i] > value) {
            value = x[i];
            result = i;
        }
    }
    *max = value;
    return result;
}

void mc_scalar_load_row(float *dst, const uint8_t *src, int32_t dtype, int64_t n) {
    if (dtype == MC_DTYPE_F32) {
        memcpy(dst, src, (size_t)n * sizeof(float));
    } else if (dtype == MC_DTYPE_F16) {
        for (int64_t i = 0; i < n; i++) {
            dst[i] = mc_f16_to_f32(mc_load_u16(src + 2 * i));
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            dst[i] = mc_bf16_to_f32(mc_load_u16(src + 2 * i));
        }
    }
}

void mc_scalar_store_row(uint8_t *dst, int32_t dtype, const float *src, int32_t n) {
    if (dtype == MC_DTYPE_F32) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    for (int32_t i = 0; i < n; i++) {
        uint16_t v = dtype == MC_DTYPE_F16 ? mc_f32_to_f16(src[i]) : mc_f32_to_bf16(src[i]);
        memcpy(dst + 2 * (size_t)i, &v, sizeof v);
    }
}

static float scalar_exp_shift_sum(float *x, int32_t n, float shift) {
    float sum = 0.0f;
    for (int32_t i = 0; i < n; i++) {
        float v = x[i] - shift;
        x[i] = v < -87.0f ? 0.0f : expf(v);
        sum += x[i];
    }
    return sum;
}

static void scalar_matmul_quant(const mc_weight_view *w, int64_t row0, int rows, const uint8_t *x,
                                uint64_t x_stride, int tokens, float *tile, int tile_stride) {
    int block_bytes = mc_quant_block_bytes(w->dtype);
    int64_t blocks = w->cols / MC_QK;
    int8_t wq[SCALAR_CHUNK_VALUES];
    float wd[SCALAR_CHUNK_BLOCKS], wm[SCALAR_CHUNK_BLOCKS];
    for (int r = 0; r < rows; r++) {
        const uint8_t *row = w->data + (uint64_t)(row0 + r) * w->row_stride;
        for (int t = 0; t < tokens; t++) {
            tile[t * tile_stride + r] = 0.0f;
        }
        for (int64_t b0 = 0; b0 < blocks; b0 += SCALAR_CHUNK_BLOCKS) {
            int count =
                (int)(blocks - b0 < SCALAR_CHUNK_BLOCKS ? blocks - b0 : SCALAR_CHUNK_BLOCKS);
            for (int b = 0; b < count; b++) {
                mc_quant_decode_block(w->dtype, row + (b0 + b) * block_bytes, wq + b * MC_QK,
                                      &wd[b], &wm[b]);
            }
            for (int t = 0; t < tokens; t++) {
                mc_q8_row xt = mc_q8_row_at(x + t * x_stride, w->cols);
                const int8_t *xq = xt.q + b0 * MC_QK;
                const float *xd = xt.d + b0;
                const float *xds = xt.ds + b0;
                float sum = 0.0f;
                for (int b = 0; b < count; b++) {
                    int32_t dot = 0;
                    for (int e = 0; e < MC_QK; e++) {
                        dot += (int32_t)wq[b * MC_QK + e] * xq[b * MC_QK + e];
                    }
                    sum += wd[b] * xd[b] * (float)dot + wm[b] * xds[b];
                }
                tile[t * tile_stride + r] += sum;
            }
        }
    }
}

static void scalar_matmul_float(const mc_weight_view *w, int64_t row0, int rows, const float *x,
                                int64_t x_stride, int tokens, float *tile, int tile_stride) {
    float wf[SCALAR_CHUNK_VALUES];
    int element = w->dtype == MC_DTYPE_F32 ? 4 : 2;
    for (int r = 0; r < rows; r++) {
        const uint8_t *row = w->data + (uint64_t)(row0 + r) * w->row_stride;
        for (int t = 0; t < tokens; t++) {
            tile[t * tile_stride + r] = 0.0f;
        }
        for (int64_t k0 = 0; k0 < w->cols; k0 += SCALAR_CHUNK_VALUES) {
            int count =
                (int)(w->cols - k0 < SCALAR_CHUNK_VALUES ? w->cols - k0 : SCALAR_CHUNK_VALUES);
            mc_scalar_load_row(wf, row + k0 * element, w->dtype, count);
            for (int t = 0; t < tokens; t++) {
                const float *xt = x + t * x_stride + k0;
                float sum = 0.0f;
                for (int i = 0; i < count; i++) {
                    sum += wf[i] * xt[i];
                }
                tile[t * tile_stride + r] += sum;
            }
        }
    }
}

static float load_value(const uint8_t *row, int32_t dtype, int i) {
    switch (dtype) {
    case MC_DTYPE_F32: {
        float v;
        memcpy(&v, row + 4 * i, sizeof v);
        return v;
    }
    case MC_DTYPE_F16: return mc_f16_to_f32(mc_load_u16(row + 2 * i));
    default: return mc_bf16_to_f32(mc_load_u16(row + 2 * i));
    }
}

static void scalar_dot_rows(const float *q, const uint8_t *rows, uint64_t stride, int32_t dtype,
                            int n, int count, float *scores) {
    for (int j = 0; j < count; j++) {
        const uint8_t *row = rows + (uint64_t)j * stride;
        float sum = 0.0f;
        for (int i = 0; i < n; i++) {
            sum += q[i] * load_value(row, dtype, i);
        }
        scores[j] = sum;
    }
}

static void scalar_axpy_rows(float *acc, const float *p, const uint8_t *rows, uint64_t stride,
                             int32_t dtype, int n, int count) {
    for (int j = 0; j < count; j++) {
        const uint8_t *row = rows + (uint64_t)j * stride;
        for (int i = 0; i < n; i++) {
            acc[i] += p[j] * load_value(row, dtype, i);
        }
    }
}

static float scalar_sum_squares(const float *x, int32_t n) {
    float sum = 0.0f;
    for (int32_t i = 0; i < n; i++) {
        sum += x[i] * x[i];
    }
    return sum;
}

static const mc_cpu_kernels scalar_kernels = {
    .name = "scalar",
    .act_row_bytes = mc_plain_act_row_bytes,
    .quantize_row_q8 = mc_scalar_quantize_row_q8,
    .matmul_quant = scalar_matmul_quant,
    .matmul_float = scalar_matmul_float,
    .dot_rows = scalar_dot_rows,
    .axpy_rows = scalar_axpy_rows,
    .argmax = mc_scalar_argmax,
    .sum_squares = scalar_sum_squares,
    .store_row = mc_scalar_store_row,
    .exp_shift_sum = scalar_exp_shift_sum,
};

const mc_cpu_kernels *mc_cpu_kernels_scalar(void) {
    return &scalar_kernels;
}
