/* matvec_quant.cuh — what the two quantized matvec kernels share: ggml's block formats as a
 * lane sees them, the integer dot product of a weight block with a block of 8-bit activations,
 * and the quantization of the activations.
 *
 * Like the CPU backend, each block of 32 activations is first quantized to 8 bits (d = amax /
 * 127, q = round(x / d)); a weight block then contributes d_w * d_x * sum(q_w * q_x) (plus
 * m_w * d_x * sum(q_x) for the formats with a min), the integer sum on dp4a. A lane owns 8 bytes
 * of a block's quants (4 lanes per Q8_0 block, 2 per Q4/Q5 block), so a warp covers 8 or 16
 * consecutive blocks per step. Blocks are only 2-byte aligned, so a lane reads the three aligned
 * words around its 8 bytes and funnel-shifts them into place, from global memory
 * (matvec_quant.cu) or from the copy the bulk-copy engine left in shared memory
 * (matvec_stream.cu). */
#ifndef METAL_CORE_CUDA_MATVEC_QUANT_CUH
#define METAL_CORE_CUDA_MATVEC_QUANT_CUH

#include "matvec.cuh"
#include "quant_formats.cuh"

#include <type_traits>

namespace mvq {

/* Where a lane finds the parts of a block (byte offsets; quant_formats.cuh has the layouts) and
 * how many lanes share one: 4 for Q8_0's 32 bytes of quants, 2 for the 16 bytes of nibbles. */
template <int DTYPE> struct fmt {
    static constexpr int BLOCK = mc_qfmt<DTYPE>::BLOCK_BYTES;
    static constexpr bool MIN = mc_qfmt<DTYPE>::HAS_MIN;
    static constexpr bool FIFTH = mc_qfmt<DTYPE>::FIFTH_BITS;
    static constexpr int HEAD = MIN ? 4 : 2;          /* d, and m with a min */
    static constexpr int QH = FIFTH ? HEAD : -1;      /* the fifth bits (Q5) */
    static constexpr int QS = HEAD + (FIFTH ? 4 : 0); /* the quants */
    static constexpr int LANES = DTYPE == MC_DTYPE_Q8_0 ? 4 : 2;
};

/* One lane's share of one weight block, as loaded. */
struct raw_block {
    uint32_t q0, q1; /* 8 bytes of quants */
    uint32_t qh;     /* fifth bits (Q5) */
    float d, m;
};

/* Where a lane reads a block's words: global memory through the read-only path, or (STAGED) the
 * copy the bulk-copy engine left in shared memory. Blocks are 2-byte aligned, so 32-bit words
 * come from the aligned words around them (mc_load_words). */
template <int N, bool STAGED>
__device__ __forceinline__ void load_words(const uint8_t *p, uint32_t (&w)[N]) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(p);
    mc_load_words<N, !STAGED>(reinterpret_cast<const uint32_t *>(address & ~uintptr_t(3)),
                              (uint32_t)(address & 3u), w);
}

template <bool STAGED> __device__ __forceinline__ float load_half(const uint8_t *p) {
    const unsigned short *half = reinterpret_cast<const unsigned short *>(p);
    return mc_f16_to_f32(STAGED ? *half : __ldg(half));
}

/* Lane `sub`'s share of the weight block at `block`. */
template <int DTYPE, bool STAGED>
__device__ __forceinline__ raw_block load_block(const uint8_t *block, int sub) {
    using F = fmt<DTYPE>;
    raw_block b;
    b.d = load_half<STAGED>(block);
    b.m = F::MIN ? load_half<STAGED>(block + 2) : 0.0f;
    uint32_t qh[1] = {0u}, qs[2];
    if constexpr (F::QH >= 0) {
        load_words<1, STAGED>(block + F::QH, qh);
    }
    load_words<2, STAGED>(block + F::QS + 8 * sub, qs);
    b.qh = qh[0];
    b.q0 = qs[0];
    b.q1 = qs[1];
    return b;
}

/* sum(q_w * q_x) over the lane's values of the block; x: the block's 32 quantized activations. */
template <int DTYPE>
__device__ __forceinline__ int block_dot(const raw_block &b, int sub, const int8_t *x) {
    using F = fmt<DTYPE>;
    if (DTYPE == MC_DTYPE_Q8_0) {
        const int2 xv = *reinterpret_cast<const int2 *>(x + 8 * sub);
        return __dp4a((int)b.q0, xv.x, __dp4a((int)b.q1, xv.y, 0));
    }
    uint32_t lo0 = b.q0 & 0x0F0F0F0Fu, lo1 = b.q1 & 0x0F0F0F0Fu;
    uint32_t hi0 = (b.q0 >> 4) & 0x0F0F0F0Fu, hi1 = (b.q1 >> 4) & 0x0F0F0F0Fu;
    if (F::QH >= 0) {
        const uint32_t low_bits = (b.qh >> (8 * sub)) & 0xFFu;
        const uint32_t high_bits = (b.qh >> (16 + 8 * sub)) & 0xFFu;
        lo0 |= mc_spread_high_bits(low_bits & 0xFu);
        lo1 |= mc_spread_high_bits(low_bits >> 4);
        hi0 |= mc_spread_high_bits(high_bits & 0xFu);
        hi1 |= mc_spread_high_bits(high_bits >> 4);
    }
    if (!F::MIN) { /* centred formats: subtract 8 (Q4_0) or 16 (Q5_0) from every byte */
        const uint32_t bias = F::QH >= 0 ? 0x10101010u : 0x08080808u;
        lo0 = __vsub4(lo0, bias);
        lo1 = __vsub4(lo1, bias);
        hi0 = __vsub4(hi0, bias);
        hi1 = __vsub4(hi1, bias);
    }
    const int2 xl = *reinterpret_cast<const int2 *>(x + 8 * sub);
    const int2 xh = *reinterpret_cast<const int2 *>(x + 16 + 8 * sub);
    int sum = __dp4a((int)lo0, xl.x, __dp4a((int)lo1, xl.y, 0));
    return __dp4a((int)hi0, xh.x, __dp4a((int)hi1, xh.y, sum));
}

/* Quantizes activation row r (optionally RMS-normalized; `head` as for mc_mv_for_each_chunk)
 * into xq / xd / xs exactly as the CPU backend does. Eight consecutive threads hold the 32 values
 * of a block, so its amax and sum take three shuffles. */
template <bool MIN>
__device__ __forceinline__ void quantize_row(const mc_mv_args &a, int r,
                                             const mc_mv_norm_head *head, int8_t *xq, float *xd,
                                             float *xs, float *shared) {
    const int lane = threadIdx.x % 32;
    const int chunks = a.k / 4;
    mc_mv_for_each_chunk(a, r, head, shared, [&](int c, float4 v) {
        float amax = fmaxf(fmaxf(fabsf(v.x), fabsf(v.y)), fmaxf(fabsf(v.z), fabsf(v.w)));
#pragma unroll
        for (int offset = 1; offset < 8; offset <<= 1) {
            amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, offset));
        }
        const float d = amax / 127.0f;
        const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
        const float values[4] = {v.x, v.y, v.z, v.w};
        uint32_t packed = 0;
        int sum = 0;
#pragma unroll
        for (int e = 0; e < 4; e++) {
            const float scaled = __fmul_rn(values[e], inverse); /* no fused multiply-add */
            const int q = (int)__fadd_rn(scaled, scaled >= 0.0f ? 0.5f : -0.5f);
            packed |= (uint32_t)(q & 0xFF) << (8 * e);
            sum += q;
        }
        if (MIN) {
#pragma unroll
            for (int offset = 1; offset < 8; offset <<= 1) {
                sum += __shfl_xor_sync(0xffffffffu, sum, offset);
            }
        }
        if (c < chunks) {
            reinterpret_cast<uint32_t *>(xq)[c] = packed;
            if (lane % 8 == 0) {
                xd[c / 8] = d;
                if (MIN) {
                    xs[c / 8] = d * (float)sum;
                }
            }
        }
    });
}

/* Adds weight block `blk` of both rows of a pair (raw[j]: this lane's share of row j's block) times
 * activation block `blk` of each of the MT rows to acc[j][r]. */
template <int DTYPE, int MT>
__device__ __forceinline__ void
accumulate_block(float (&acc)[2][MT], const raw_block (&raw)[2], int blk, int sub,
                 const mc_mv_args &a, const int8_t *xq, const float *xd, const float *xs) {
    using F = fmt<DTYPE>;
    const int blocks = a.k / 32;
#pragma unroll
    for (int r = 0; r < MT; r++) {
        const int8_t *x = xq + r * a.k + blk * 32;
        const float dx = xd[r * blocks + blk];
        const float sx = F::MIN && sub == 0 ? xs[r * blocks + blk] : 0.0f;
#pragma unroll
        for (int j = 0; j < 2; j++) {
            const int dot = block_dot<DTYPE>(raw[j], sub, x);
            acc[j][r] += raw[j].d * dx * (float)dot;
            if (F::MIN) {
                acc[j][r] += raw[j].m * sx;
            }
        }
    }
}

/* Calls launch(dtype, rows), two std::integral_constant values, for a quantized `dtype` and
 * `mt` = 1, 2, 4 or 8 activation rows: the kernels are templates on both. */
template <int DTYPE, typename L> mc_status with_rows(int mt, L &&launch) {
    using D = std::integral_constant<int, DTYPE>;
    switch (mt) {
    case 1: return launch(D{}, std::integral_constant<int, 1>{});
    case 2: return launch(D{}, std::integral_constant<int, 2>{});
    case 4: return launch(D{}, std::integral_constant<int, 4>{});
    default: return launch(D{}, std::integral_constant<int, 8>{});
    }
}

template <typename L> mc_status with_format(int32_t dtype, int mt, L &&launch) {
    return mc_with_block_format(dtype, "matvec", [&](auto format) {
        return with_rows<decltype(format)::value>(mt, launch);
    });
}

} // namespace mvq

#endif /* METAL_CORE_CUDA_MATVEC_QUANT_CUH */
