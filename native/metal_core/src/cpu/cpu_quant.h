/* cpu_quant.h — ggml's 32-value block formats (byte layouts exactly as in GGUF files) and the
 * 8-bit activation rows that the integer dot products multiply them with.
 *
 *   q8_0: f16 d, int8 q[32]                      value = d * q
 *   q4_0: f16 d, u8 qs[16]                       value = d * (nibble - 8)
 *   q4_1: f16 d, f16 m, u8 qs[16]                value = d * nibble + m
 *   q5_0: f16 d, u8 qh[4], u8 qs[16]             value = d * (nibble | high << 4) - 16 d
 *   q5_1: f16 d, f16 m, u8 qh[4], u8 qs[16]      value = d * (nibble | high << 4) + m
 * Element e < 16 is the low nibble of qs[e], element e >= 16 the high nibble of qs[e - 16];
 * its fifth bit (q5_*) is bit e of the little-endian 32-bit qh. */
#ifndef METAL_CORE_CPU_QUANT_H
#define METAL_CORE_CPU_QUANT_H

#include "cpu_fp16.h"
#include "metal_core.h"

#include <stdint.h>
#include <string.h>

#define MC_QK 32

/* Bytes of one block of a quantized dtype (0 for other dtypes). */
static inline int mc_quant_block_bytes(int32_t dtype) {
    switch (dtype) {
    case MC_DTYPE_Q8_0: return 34;
    case MC_DTYPE_Q4_0: return 18;
    case MC_DTYPE_Q4_1: return 20;
    case MC_DTYPE_Q5_0: return 22;
    case MC_DTYPE_Q5_1: return 24;
    default: return 0;
    }
}

static inline int mc_dtype_is_quantized(int32_t dtype) {
    return mc_quant_block_bytes(dtype) != 0;
}

/* The types whose blocks carry a min (value = d * q + m) rather than a fixed offset. */
static inline int mc_quant_has_min(int32_t dtype) {
    return dtype == MC_DTYPE_Q4_1 || dtype == MC_DTYPE_Q5_1;
}

static inline uint16_t mc_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t mc_load_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Decodes one block into integers q (value = d * q[e] + m) without rounding anything. */
static inline void mc_quant_decode_block(int32_t dtype, const uint8_t *block, int8_t q[MC_QK],
                                         float *d, float *m) {
    *d = mc_f16_to_f32(mc_load_u16(block));
    *m = 0.0f;
    const uint8_t *qs;
    uint32_t qh = 0;
    int offset = 0;
    switch (dtype) {
    case MC_DTYPE_Q8_0: memcpy(q, block + 2, MC_QK); return;
    case MC_DTYPE_Q4_0:
        qs = block + 2;
        offset = 8;
        break;
    case MC_DTYPE_Q4_1:
        *m = mc_f16_to_f32(mc_load_u16(block + 2));
        qs = block + 4;
        break;
    case MC_DTYPE_Q5_0:
        qh = mc_load_u32(block + 2);
        qs = block + 6;
        offset = 16;
        break;
    default: /* MC_DTYPE_Q5_1 */
        *m = mc_f16_to_f32(mc_load_u16(block + 2));
        qh = mc_load_u32(block + 4);
        qs = block + 8;
        break;
    }
    for (int e = 0; e < MC_QK / 2; e++) {
        int low = (qs[e] & 0x0f) | (int)(((qh >> e) & 1u) << 4);
        int high = (qs[e] >> 4) | (int)(((qh >> (e + 16)) & 1u) << 4);
        q[e] = (int8_t)(low - offset);
        q[e + MC_QK / 2] = (int8_t)(high - offset);
    }
}

/* Activations quantized to 8 bits per block of 32 (ggml's q8_0 / q8_1 idea):
 * x[k] ~= d[b] * q[k] with b = k / 32, |q| <= 127; ds[b] = d[b] * sum(q) over the block, which
 * the types with a min need (sum_k (dw*qw + m) * dx*qx = dw*dx*sum(qw*qx) + m*ds). Each kernel
 * table stores a row of them in its own format (act_row_bytes, quantize_row_q8); this is the
 * plain one (scalar, AVX2, NEON): k bytes q (padded to 64), then k / 32 floats d and ds. */
typedef struct mc_q8_row {
    int8_t *q;
    float *d;
    float *ds;
} mc_q8_row;

static inline size_t mc_q8_row_bytes(int64_t k) {
    size_t q = ((size_t)k + 63u) & ~(size_t)63u;
    size_t scales = (2u * sizeof(float) * (size_t)(k / MC_QK) + 63u) & ~(size_t)63u;
    return q + scales;
}

static inline mc_q8_row mc_q8_row_at(const uint8_t *row, int64_t k) {
    mc_q8_row r;
    r.q = (int8_t *)row;
    r.d = (float *)(row + (((size_t)k + 63u) & ~(size_t)63u));
    r.ds = r.d + k / MC_QK;
    return r;
}

#endif /* METAL_CORE_CPU_QUANT_H */
