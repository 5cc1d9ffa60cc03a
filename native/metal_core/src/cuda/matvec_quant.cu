/* matvec_quant.cu — matvec for ggml's quantized blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) with the
 * dequantization fused into integer dot products (matvec_quant.cuh), the weights read straight
 * from global memory: any row alignment, any GPU. Where rows start on 16-byte boundaries and
 * cuda.mv_stages is not 0, Hopper GPUs run matvec_stream.cu's kernel instead.
 *
 * The activations are quantized by every block into shared memory (a few KB, read from L2,
 * every load issued at once), so no extra kernel runs between the previous op and this one. A
 * warp takes a pair of rows (or a slice of K of a pair, matvec.cuh) and loads four steps of both
 * before using any (~2 KB per warp in flight for Q8_0, 32 warps per multiprocessor), and asks
 * the L2 to prefetch the rows of its next item (Hopper bulk prefetch; the first item's before
 * waiting for the previous kernel). */
#include "matvec_quant.cuh"

namespace {

using namespace mvq;

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
                raw[u][j] = load_block<DTYPE, false>(rows[j] + (int64_t)blk * F::BLOCK, sub);
            } else {
                raw[u][j] = raw_block{0u, 0u, 0u, 0.0f, 0.0f};
            }
        }
    }
}

template <int DTYPE, int MT>
__global__ __launch_bounds__(MC_MV_THREADS, 2) void matvec_quant_kernel(mc_mv_args a, int slices) {
    MC_TIMELINE_KERNEL(MC_TL_MATVEC_QUANT, a.total_rows);
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
        const mc_mv_item it = mc_mv_item_at(a, blockIdx.x * MC_MV_WARPS + warp, items, slices);
        load_batch<DTYPE, UNROLL>(raw, it.rows, it.slice, slices, blocks, lane);
        mc_mv_prefetch_first(a, it, row_bytes);
    }
    mc_pdl_wait();

    for (int r = 0; r < MT && r < a.m; r++) {
        quantize_row<F::MIN>(a, r, nullptr, xq + r * a.k, xd + r * blocks, xs + r * blocks, reduce);
    }
    __syncthreads();

    const int sub = lane % F::LANES;
    const int lane_block = lane / F::LANES;
    const int steps = (blocks + STEP - 1) / STEP;
    for (int base = blockIdx.x * MC_MV_WARPS; base < items; base += stride) {
        const int item = base + warp;
        const mc_mv_item it = mc_mv_item_at(a, item, items, slices);
        mc_mv_prefetch_next(a, item, items, slices, stride, row_bytes);
        float acc[2][MT];
        mc_mv_clear(acc);
        /* This slice's steps: slice, slice + slices, ... ; UNROLL of them loaded first. */
        for (int s0 = it.slice; it.active && s0 < steps; s0 += slices * UNROLL) {
            if (base != (int)blockIdx.x * MC_MV_WARPS ||
                s0 != it.slice) { /* not the preloaded one */
                load_batch<DTYPE, UNROLL>(raw, it.rows, s0, slices, blocks, lane);
            }
#pragma unroll
            for (int u = 0; u < UNROLL; u++) {
                const int blk = (s0 + u * slices) * STEP + lane_block;
                if (blk >= blocks) {
                    continue;
                }
                accumulate_block<DTYPE, MT>(acc, raw[u], blk, sub, a, xq, xd, xs);
            }
        }
        mc_mv_finish_item<MT>(a, it.pair, it.slice, slices, it.active, acc, reduce);
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

} // namespace

size_t mc_cuda_matvec_quant_smem(int mt, int k) {
    return (size_t)mt * (size_t)k + (size_t)mt * (size_t)(k / 32) * 2 * sizeof(float);
}

mc_status mc_cuda_matvec_quant(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a) {
    if (mc_cuda_matvec_stream_fits(self, dtype, mt, a)) {
        return mc_cuda_matvec_stream(self, dtype, mt, a);
    }
    return with_format(dtype, mt, [&](auto format, auto rows) {
        return launch<decltype(format)::value, decltype(rows)::value>(self, a);
    });
}
