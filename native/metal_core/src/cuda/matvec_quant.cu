/* matvec_quant.cu — matvec for ggml's quantized blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) with the
 * dequantization fused into integer dot products.
 *
 * Like the CPU backend, each block of 32 activations is first quantized to 8 bits (d = amax /
 * 127, q = round(x / d)); a weight block then contributes d_w * d_x * sum(q_w * q_x) (plus
 * m_w * d_x * sum(q_x) for the formats with a min), the integer sum on dp4a. The activations
 * are quantized by every block into shared memory (a few KB, read from L2, every load issued
 * at once), so no extra kernel runs between the previous op and this one.
 *
 * Weights are read straight from global memory: a lane owns 8 bytes of a block's quants (4
 * lanes per Q8_0 block, 2 per Q4/Q5 block), so a warp reads 8 or 16 consecutive blocks per step
 * and the loads coalesce. Blocks are only 2-byte aligned, so a lane reads the three aligned
 * words around its 8 bytes and funnel-shifts them into place. A warp takes a pair of rows (or a
 * slice of K of a pair, matvec.cuh) and loads four steps of both before using any (~2 KB per
 * warp in flight for Q8_0, 32 warps per multiprocessor), and asks the L2 to prefetch the rows of
 * its next item (Hopper bulk prefetch; the first item's before waiting for the previous kernel). */
#include "matvec.cuh"

namespace {

template <int DTYPE> struct fmt;

/* Q8_0: d, 32 signed bytes. */
template <> struct fmt<MC_DTYPE_Q8_0> {
    static constexpr int BLOCK = 34, QS = 2, LANES = 4, QH = -1;
    static constexpr bool MIN = false;
};
/* Q4_0: d, 16 bytes of nibbles (value j: low nibble of byte j; value j + 16: high nibble). */
template <> struct fmt<MC_DTYPE_Q4_0> {
    static constexpr int BLOCK = 18, QS = 2, LANES = 2, QH = -1;
    static constexpr bool MIN = false;
};
template <> struct fmt<MC_DTYPE_Q4_1> {
    static constexpr int BLOCK = 20, QS = 4, LANES = 2, QH = -1;
    static constexpr bool MIN = true;
};
/* Q5: 4 bytes of fifth bits (bit j for value j) before the nibbles. */
template <> struct fmt<MC_DTYPE_Q5_0> {
    static constexpr int BLOCK = 22, QS = 6, LANES = 2, QH = 2;
    static constexpr bool MIN = false;
};
template <> struct fmt<MC_DTYPE_Q5_1> {
    static constexpr int BLOCK = 24, QS = 8, LANES = 2, QH = 4;
    static constexpr bool MIN = true;
};

/* One lane's share of one weight block, as loaded. */
struct raw_block {
    uint32_t q0, q1; /* 8 bytes of quants */
    uint32_t qh;     /* fifth bits (Q5) */
    float d, m;
};

/* Two 32-bit words starting at a 2-byte aligned address (reads the aligned words around). */
__device__ __forceinline__ void load_two_words(const uint8_t *p, uint32_t &lo, uint32_t &hi) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(p);
    const uint32_t *base = reinterpret_cast<const uint32_t *>(address & ~uintptr_t(3));
    const uint32_t shift = (uint32_t)(address & 3u) * 8u;
    const uint32_t w0 = __ldg(base), w1 = __ldg(base + 1), w2 = __ldg(base + 2);
    lo = __funnelshift_r(w0, w1, shift);
    hi = __funnelshift_r(w1, w2, shift);
}

__device__ __forceinline__ uint32_t load_word(const uint8_t *p) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(p);
    const uint32_t *base = reinterpret_cast<const uint32_t *>(address & ~uintptr_t(3));
    return __funnelshift_r(__ldg(base), __ldg(base + 1), (uint32_t)(address & 3u) * 8u);
}

__device__ __forceinline__ float load_half(const uint8_t *p) {
    return mc_f16_to_f32(__ldg(reinterpret_cast<const unsigned short *>(p)));
}

template <int DTYPE>
__device__ __forceinline__ raw_block load_block(const uint8_t *block, int sub) {
    using F = fmt<DTYPE>;
    raw_block b;
    b.d = load_half(block);
    b.m = F::MIN ? load_half(block + 2) : 0.0f;
    b.qh = F::QH >= 0 ? load_word(block + (F::QH >= 0 ? F::QH : 0)) : 0u;
    load_two_words(block + F::QS + 8 * sub, b.q0, b.q1);
    return b;
}

/* Spreads 4 bits to bit 4 of each byte (the fifth bit of Q5 values). */
__device__ __forceinline__ uint32_t spread_bits(uint32_t bits4) {
    return ((bits4 & 1u) << 4) | ((bits4 & 2u) << 11) | ((bits4 & 4u) << 18) | ((bits4 & 8u) << 25);
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
        lo0 |= spread_bits(low_bits & 0xFu);
        lo1 |= spread_bits(low_bits >> 4);
        hi0 |= spread_bits(high_bits & 0xFu);
        hi1 |= spread_bits(high_bits >> 4);
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

/* Quantizes activation row r (optionally RMS-normalized) into xq / xd / xs exactly as the CPU
 * backend does. Eight consecutive threads hold the 32 values of a block, so its amax and sum take
 * three shuffles. */
template <bool MIN>
__device__ __forceinline__ void quantize_row(const mc_mv_args &a, int r, int8_t *xq, float *xd,
                                             float *xs, float *shared) {
    const float scale = mc_mv_row_scale(a, r, shared);
    const int lane = threadIdx.x % 32;
    const int chunks = a.k / 4;
    const int rounds = (chunks + MC_MV_THREADS - 1) / MC_MV_THREADS; /* the same for every thread */
    for (int i0 = 0; i0 < rounds; i0 += 4) {
        float4 v[4];
        mc_mv_load_chunks(a, r, i0, scale, v);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            if (i0 + i >= rounds) {
                break;
            }
            const int c = threadIdx.x + MC_MV_THREADS * (i0 + i);
            float amax =
                fmaxf(fmaxf(fabsf(v[i].x), fabsf(v[i].y)), fmaxf(fabsf(v[i].z), fabsf(v[i].w)));
#pragma unroll
            for (int offset = 1; offset < 8; offset <<= 1) {
                amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, offset));
            }
            const float d = amax / 127.0f;
            const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
            const float values[4] = {v[i].x, v[i].y, v[i].z, v[i].w};
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
        }
    }
}

/* One batch of a warp's loads: UNROLL steps (from step s0, every `slices`-th) of both rows. */
template <int DTYPE, int UNROLL>
__device__ __forceinline__ void load_batch(raw_block (&raw)[UNROLL][2],
                                           const uint8_t *const (&rows)[2], int s0, int slices,
                                           int blocks, int lane) {
    using F = fmt<DTYPE>;
    constexpr int STEP = 32 / F::LANES;
    const int sub = lane % F::LANES, lane_block = lane / F::LANES;
#pragma unroll
    for (int u = 0; u < UNROLL; u++) {
        const int blk = (s0 + u * slices) * STEP + lane_block;
#pragma unroll
        for (int j = 0; j < 2; j++) {
            if (blk < blocks && rows[j] != nullptr) {
                raw[u][j] = load_block<DTYPE>(rows[j] + (int64_t)blk * F::BLOCK, sub);
            } else {
                raw[u][j] = raw_block{0u, 0u, 0u, 0.0f, 0.0f};
            }
        }
    }
}

template <int DTYPE, int MT>
__global__ __launch_bounds__(MC_MV_THREADS, 2) void matvec_quant_kernel(mc_mv_args a, int slices) {
    using F = fmt<DTYPE>;
    constexpr int STEP = 32 / F::LANES;                /* blocks a warp covers per step */
    constexpr int UNROLL = MT == 1 ? MC_MV_UNROLL : 2; /* registers: fewer with more rows */
    extern __shared__ __align__(16) uint8_t smem[];
    __shared__ float reduce[MC_MV_WARPS * 2 * MT];
    const int blocks = a.k / 32;
    int8_t *xq = reinterpret_cast<int8_t *>(smem);
    float *xd = reinterpret_cast<float *>(smem + MT * a.k);
    float *xs = xd + MT * blocks;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int pairs = (a.total_rows + 1) / 2;
    const int items = pairs * slices;
    const int stride = gridDim.x * MC_MV_WARPS;
    const uint32_t row_bytes = (uint32_t)blocks * F::BLOCK;

    mc_pdl_launch_dependents();
    /* The weights do not depend on the previous kernel: the first batch of the first item is
     * loaded (and the rest of its rows prefetched to L2) before waiting for it. */
    raw_block raw[UNROLL][2];
    {
        const int item = blockIdx.x * MC_MV_WARPS + warp;
        const int pair = item / slices, slice = item % slices;
        const uint8_t *const rows[2] = {item < items ? mc_mv_row(a, 2 * pair) : nullptr,
                                        item < items ? mc_mv_row(a, 2 * pair + 1) : nullptr};
        load_batch<DTYPE, UNROLL>(raw, rows, slice, slices, blocks, lane);
        if (a.prefetch >= 1 && lane < 2 && slice == 0 && rows[lane] != nullptr) {
            mc_prefetch_l2(rows[lane], row_bytes);
        }
    }
    mc_pdl_wait();

    for (int r = 0; r < MT && r < a.m; r++) {
        quantize_row<F::MIN>(a, r, xq + r * a.k, xd + r * blocks, xs + r * blocks, reduce);
    }
    __syncthreads();

    const int sub = lane % F::LANES;
    const int lane_block = lane / F::LANES;
    const int steps = (blocks + STEP - 1) / STEP;
    for (int base = blockIdx.x * MC_MV_WARPS; base < items; base += stride) {
        const int item = base + warp;
        const bool active = item < items;
        const int pair = item / slices, slice = item % slices;
        const uint8_t *const rows[2] = {active ? mc_mv_row(a, 2 * pair) : nullptr,
                                        active ? mc_mv_row(a, 2 * pair + 1) : nullptr};
        if (a.prefetch == 2 && lane < 2 && item + stride < items && (item + stride) % slices == 0) {
            const uint8_t *next = mc_mv_row(a, 2 * ((item + stride) / slices) + lane);
            if (next != nullptr) {
                mc_prefetch_l2(next, row_bytes); /* the next item's rows */
            }
        }
        float acc[2][MT];
#pragma unroll
        for (int j = 0; j < 2; j++) {
#pragma unroll
            for (int r = 0; r < MT; r++) {
                acc[j][r] = 0.0f;
            }
        }
        /* This slice's steps: slice, slice + slices, ... ; UNROLL of them loaded first. */
        for (int s0 = slice; active && s0 < steps; s0 += slices * UNROLL) {
            if (base != (int)blockIdx.x * MC_MV_WARPS || s0 != slice) { /* not the preloaded one */
                load_batch<DTYPE, UNROLL>(raw, rows, s0, slices, blocks, lane);
            }
#pragma unroll
            for (int u = 0; u < UNROLL; u++) {
                const int blk = (s0 + u * slices) * STEP + lane_block;
                if (blk >= blocks) {
                    continue;
                }
#pragma unroll
                for (int r = 0; r < MT; r++) {
                    const int8_t *x = xq + r * a.k + blk * 32;
                    const float dx = xd[r * blocks + blk];
                    const float sx = F::MIN && sub == 0 ? xs[r * blocks + blk] : 0.0f;
#pragma unroll
                    for (int j = 0; j < 2; j++) {
                        const int dot = block_dot<DTYPE>(raw[u][j], sub, x);
                        acc[j][r] += raw[u][j].d * dx * (float)dot;
                        if (F::MIN) {
                            acc[j][r] += raw[u][j].m * sx;
                        }
                    }
                }
            }
        }
        mc_mv_finish_item<MT>(a, pair, slice, slices, active, acc, reduce);
    }
}

template <int DTYPE, int MT> mc_status launch(mc_cuda *self, const mc_mv_args &a) {
    const size_t smem = mc_cuda_matvec_quant_smem(MT, a.k);
    auto kernel = matvec_quant_kernel<DTYPE, MT>;
    if (smem > 48 * 1024) {
        MC_CUDA_TRY(
            cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    }
    const int resident = mc_cuda_matvec_resident_blocks(self, (const void *)kernel, smem);
    const int pairs = (a.total_rows + 1) / 2;
    const int steps = (a.k / 32 + 32 / fmt<DTYPE>::LANES - 1) / (32 / fmt<DTYPE>::LANES);
    const int slices = mc_mv_slices(pairs, resident * MC_MV_WARPS, steps,
                                    MT == 1 ? MC_MV_UNROLL : 2, self->tunables.mv_slices);
    const int blocks = (pairs * slices + MC_MV_WARPS - 1) / MC_MV_WARPS;
    const dim3 grid(blocks < resident ? blocks : resident);
    return mc_cuda_launch(self, "matvec_quant", kernel, grid, dim3(MC_MV_THREADS), smem, a, slices);
}

template <int DTYPE> mc_status launch_rows(mc_cuda *self, int mt, const mc_mv_args &a) {
    switch (mt) {
    case 1: return launch<DTYPE, 1>(self, a);
    case 2: return launch<DTYPE, 2>(self, a);
    case 4: return launch<DTYPE, 4>(self, a);
    default: return launch<DTYPE, 8>(self, a);
    }
}

} // namespace

size_t mc_cuda_matvec_quant_smem(int mt, int k) {
    return (size_t)mt * (size_t)k + (size_t)mt * (size_t)(k / 32) * 2 * sizeof(float);
}

mc_status mc_cuda_matvec_quant(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a) {
    switch (dtype) {
    case MC_DTYPE_Q8_0: return launch_rows<MC_DTYPE_Q8_0>(self, mt, a);
    case MC_DTYPE_Q4_0: return launch_rows<MC_DTYPE_Q4_0>(self, mt, a);
    case MC_DTYPE_Q4_1: return launch_rows<MC_DTYPE_Q4_1>(self, mt, a);
    case MC_DTYPE_Q5_0: return launch_rows<MC_DTYPE_Q5_0>(self, mt, a);
    case MC_DTYPE_Q5_1: return launch_rows<MC_DTYPE_Q5_1>(self, mt, a);
    default:
        return mc_set_error(MC_ERROR_INTERNAL, "matvec_quant: dtype %d is not quantized",
                            (int)dtype);
    }
}
