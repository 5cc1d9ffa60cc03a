/* quant_formats.cuh — ggml's 32-element block formats, decoded on the device.
 *
 * Blocks are 18 to 34 bytes and only 2-byte aligned, so a decoder reads the aligned 32-bit
 * words around a block and funnel-shifts them into place (no byte loads, no unaligned access);
 * the integers become floats through the exponent trick (0x4B000000 | byte is 2^23 + byte),
 * one byte-permute and one subtraction per value, cheaper than integer-to-float conversions.
 * decode() yields q[32] (the integer values, already centred for the _0 formats) with scale d
 * and offset m, so that weight[i] = d * q[i] + m (m = 0 for Q4_0, Q5_0, Q8_0). */
#ifndef METAL_CORE_CUDA_QUANT_FORMATS_CUH
#define METAL_CORE_CUDA_QUANT_FORMATS_CUH

#include "backend.h"
#include "device_common.cuh"

#include <type_traits>

/* Reads N 32-bit words starting at `offset` bytes (2-byte aligned) past the 4-byte aligned
 * `base`; reads one word beyond them. READ_ONLY: through the read-only data path (global memory
 * that no kernel writes meanwhile: weights). */
template <int N, bool READ_ONLY = false>
__device__ __forceinline__ void mc_load_words(const uint32_t *base, uint32_t offset,
                                              uint32_t (&w)[N]) {
    const uint32_t *p = base + (offset >> 2);
    const uint32_t shift = (offset & 3u) * 8u;
    auto load = [](const uint32_t *q) {
        if constexpr (READ_ONLY) {
            return __ldg(q);
        } else {
            return *q;
        }
    };
    uint32_t current = load(p);
#pragma unroll
    for (int k = 0; k < N; k++) {
        const uint32_t next = load(p + k + 1);
        w[k] = __funnelshift_r(current, next, shift);
        current = next;
    }
}

__device__ __forceinline__ float mc_load_f16(const uint32_t *base, uint32_t offset) {
    return mc_f16_to_f32(reinterpret_cast<const uint16_t *>(base)[offset >> 1]);
}

/* Byte `b` of `word` (0..255) as a float, minus `bias`. */
__device__ __forceinline__ float mc_byte_to_float(uint32_t word, int b, float bias) {
    return __uint_as_float(__byte_perm(word, 0x4B000000u, 0x7650u | b)) - (8388608.0f + bias);
}

/* Spreads 4 bits to bit 4 of each byte (the fifth bit of Q5 values). */
__device__ __forceinline__ uint32_t mc_spread_high_bits(uint32_t bits4) {
    return ((bits4 & 1u) << 4) | ((bits4 & 2u) << 11) | ((bits4 & 4u) << 18) | ((bits4 & 8u) << 25);
}

template <int DTYPE> struct mc_qfmt;

template <> struct mc_qfmt<MC_DTYPE_Q8_0> {
    static constexpr int BLOCK_BYTES = 34;
    static constexpr bool HAS_MIN = false;
    static constexpr bool FIFTH_BITS = false;
    __device__ __forceinline__ static void decode(const uint32_t *base, uint32_t off,
                                                  float (&q)[32], float &d, float &m) {
        d = mc_load_f16(base, off);
        m = 0.0f;
        uint32_t w[8];
        mc_load_words<8>(base, off + 2, w);
#pragma unroll
        for (int k = 0; k < 8; k++) {
            const uint32_t u = w[k] ^ 0x80808080u; /* int8 -> int8 + 128 */
#pragma unroll
            for (int b = 0; b < 4; b++)
                q[4 * k + b] = mc_byte_to_float(u, b, 128.0f);
        }
    }
};

/* The 4- and 5-bit formats: f16 scale d, f16 min m (WITH_MIN: Q4_1, Q5_1), 4 bytes of fifth bits
 * (FIFTH: Q5_0, Q5_1; bit i for value i), 16 bytes of nibbles (value i: low nibble of byte i,
 * value i + 16: high nibble). Without a min the values are centred: minus 8 (Q4_0) or 16
 * (Q5_0). */
template <bool WITH_MIN, bool FIFTH, int BYTES> struct mc_qfmt_nibbles {
    static constexpr int BLOCK_BYTES = BYTES;
    static constexpr bool HAS_MIN = WITH_MIN;
    static constexpr bool FIFTH_BITS = FIFTH;
    __device__ __forceinline__ static void decode(const uint32_t *base, uint32_t off,
                                                  float (&q)[32], float &d, float &m) {
        d = mc_load_f16(base, off);
        m = WITH_MIN ? mc_load_f16(base, off + 2) : 0.0f;
        const uint32_t head = WITH_MIN ? 4 : 2;
        uint32_t high[1] = {0u}, w[4];
        if (FIFTH) {
            mc_load_words<1>(base, off + head, high);
        }
        mc_load_words<4>(base, off + head + (FIFTH ? 4 : 0), w);
        const float bias = WITH_MIN ? 0.0f : FIFTH ? 16.0f : 8.0f;
#pragma unroll
        for (int k = 0; k < 4; k++) {
            uint32_t lo = w[k] & 0x0F0F0F0Fu, hi = (w[k] >> 4) & 0x0F0F0F0Fu;
            if (FIFTH) {
                lo |= mc_spread_high_bits((high[0] >> (4 * k)) & 0xFu);
                hi |= mc_spread_high_bits((high[0] >> (16 + 4 * k)) & 0xFu);
            }
#pragma unroll
            for (int b = 0; b < 4; b++) {
                q[4 * k + b] = mc_byte_to_float(lo, b, bias);
                q[16 + 4 * k + b] = mc_byte_to_float(hi, b, bias);
            }
        }
    }
};

template <> struct mc_qfmt<MC_DTYPE_Q4_0> : mc_qfmt_nibbles<false, false, 18> {};
template <> struct mc_qfmt<MC_DTYPE_Q4_1> : mc_qfmt_nibbles<true, false, 20> {};
template <> struct mc_qfmt<MC_DTYPE_Q5_0> : mc_qfmt_nibbles<false, true, 22> {};
template <> struct mc_qfmt<MC_DTYPE_Q5_1> : mc_qfmt_nibbles<true, true, 24> {};

/* A row of any weight dtype, element by element (embedding rows, dequantization): calls
 * f(i, value) for each of the 32 elements of block `block` (quantized), or for element
 * `block * 32 + i` of a float row. `row` is 2-byte aligned. */
template <int DTYPE, typename F>
__device__ __forceinline__ void mc_for_block(const uint8_t *row, int block, F f) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(row);
    const uint32_t *base = reinterpret_cast<const uint32_t *>(address & ~uintptr_t(3));
    const uint32_t off = (uint32_t)(address & 3u) + (uint32_t)block * mc_qfmt<DTYPE>::BLOCK_BYTES;
    float q[32], d, m;
    mc_qfmt<DTYPE>::decode(base, off, q, d, m);
#pragma unroll
    for (int i = 0; i < 32; i++)
        f(i, d * q[i] + m);
}

/* Calls launch(format), a std::integral_constant holding a quantized `dtype`, for the kernels
 * that are templates on the block format; `what` names the caller in the error for any other. */
template <typename L> mc_status mc_with_block_format(int32_t dtype, const char *what, L &&launch) {
    switch (dtype) {
    case MC_DTYPE_Q8_0: return launch(std::integral_constant<int, MC_DTYPE_Q8_0>{});
    case MC_DTYPE_Q4_0: return launch(std::integral_constant<int, MC_DTYPE_Q4_0>{});
    case MC_DTYPE_Q4_1: return launch(std::integral_constant<int, MC_DTYPE_Q4_1>{});
    case MC_DTYPE_Q5_0: return launch(std::integral_constant<int, MC_DTYPE_Q5_0>{});
    case MC_DTYPE_Q5_1: return launch(std::integral_constant<int, MC_DTYPE_Q5_1>{});
    default:
        return mc_set_error(MC_ERROR_INTERNAL, "%s: dtype %d is not quantized", what, (int)dtype);
    }
}

#endif /* METAL_CORE_CUDA_QUANT_FORMATS_CUH */
