/* matvec_dense.cu — matvec for float weights (F32, F16, BF16) with f32 activations.
 *
 * The activation rows (RMS-normalized when fused) are staged once per block in shared memory.
 * Where every weight row starts on a 16-byte boundary and is a whole number of 16-byte chunks,
 * each lane reads 16 bytes per step (8 half or bfloat values, 4 floats) and a warp reads 512
 * consecutive bytes of a row; a warp takes a pair of rows (or a slice of K of a pair,
 * matvec.cuh) and loads four steps of both (4 KB) before using any, and prefetches the rows of
 * its next item into L2. Other layouts take the element-by-element loop (same results, slower). */
#include "matvec.cuh"

namespace {

template <int DTYPE> struct dense;

template <> struct dense<MC_DTYPE_F32> {
    static constexpr int SIZE = 4;
    __device__ __forceinline__ static float at(const uint8_t *row, int i) {
        return __ldg(reinterpret_cast<const float *>(row) + i);
    }
    /* The 4 values of a 16-byte chunk. */
    __device__ __forceinline__ static void unpack(const uint4 &c, float (&v)[4]) {
        v[0] = __uint_as_float(c.x);
        v[1] = __uint_as_float(c.y);
        v[2] = __uint_as_float(c.z);
        v[3] = __uint_as_float(c.w);
    }
};

template <> struct dense<MC_DTYPE_F16> {
    static constexpr int SIZE = 2;
    __device__ __forceinline__ static float at(const uint8_t *row, int i) {
        return mc_f16_to_f32(__ldg(reinterpret_cast<const unsigned short *>(row) + i));
    }
    __device__ __forceinline__ static void unpack(const uint4 &c, float (&v)[8]) {
        const uint32_t words[4] = {c.x, c.y, c.z, c.w};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const float2 f = __half22float2(*reinterpret_cast<const __half2 *>(&words[i]));
            v[2 * i] = f.x;
            v[2 * i + 1] = f.y;
        }
    }
};

template <> struct dense<MC_DTYPE_BF16> {
    static constexpr int SIZE = 2;
    __device__ __forceinline__ static float at(const uint8_t *row, int i) {
        return mc_bf16_to_f32(__ldg(reinterpret_cast<const unsigned short *>(row) + i));
    }
    __device__ __forceinline__ static void unpack(const uint4 &c, float (&v)[8]) {
        const uint32_t words[4] = {c.x, c.y, c.z, c.w};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            v[2 * i] = __uint_as_float(words[i] << 16);
            v[2 * i + 1] = __uint_as_float(words[i] & 0xFFFF0000u);
        }
    }
};

/* One batch of a warp's 16-byte loads: UNROLL steps (from step s0, every `slices`-th) of both
 * rows. */
template <int UNROLL>
__device__ __forceinline__ void load_batch(uint4 (&raw)[UNROLL][2], const uint8_t *const (&rows)[2],
                                           int s0, int slices, int chunks, int lane) {
#pragma unroll
    for (int u = 0; u < UNROLL; u++) {
        const int c = (s0 + u * slices) * 32 + lane;
#pragma unroll
        for (int j = 0; j < 2; j++) {
            raw[u][j] = c < chunks && rows[j] != nullptr
                            ? __ldg(reinterpret_cast<const uint4 *>(rows[j]) + c)
                            : make_uint4(0, 0, 0, 0);
        }
    }
}

template <int DTYPE, int MT, bool VEC>
__global__ __launch_bounds__(MC_MV_THREADS, 2) void matvec_dense_kernel(mc_mv_args a, int slices) {
    MC_TIMELINE_KERNEL(MC_TL_MATVEC_DENSE, a.total_rows);
    using D = dense<DTYPE>;
    constexpr int PER_CHUNK = 16 / D::SIZE;            /* values in 16 bytes */
    constexpr int UNROLL = MT == 1 ? MC_MV_UNROLL : 2; /* registers: fewer with more rows */
    extern __shared__ __align__(16) uint8_t smem[];
    __shared__ float reduce[MC_MV_WARPS * 2 * MT];
    float *xs = reinterpret_cast<float *>(smem);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int pairs = (a.total_rows + 1) / 2;
    const int items = pairs * slices;
    const int stride = gridDim.x * MC_MV_WARPS;
    const uint32_t row_bytes = (uint32_t)a.k * D::SIZE;

    const int chunks = a.k / PER_CHUNK;
    mc_pdl_launch_dependents();
    /* The weights do not depend on the previous kernel: the first batch of the first item is
     * loaded (and the rest of its rows prefetched to L2) before waiting for it. */
    uint4 raw[UNROLL][2];
    {
        const mc_mv_item it = mc_mv_item_at(a, blockIdx.x * MC_MV_WARPS + warp, items, slices);
        if (VEC) {
            load_batch<UNROLL>(raw, it.rows, it.slice, slices, chunks, lane);
        }
        mc_mv_prefetch_first(a, it, row_bytes);
    }
    mc_pdl_wait();

    for (int r = 0; r < MT && r < a.m; r++) {
        mc_mv_for_each_chunk(a, r, nullptr, reduce, [&](int c, float4 v) {
            mc_mv_store4(xs + r * a.k, c, a.k, VEC && a.x_vec, v);
        });
    }
    __syncthreads();

    const int steps = (chunks + 31) / 32; /* a step: 32 chunks of 16 bytes of a row */
    for (int base = blockIdx.x * MC_MV_WARPS; base < items; base += stride) {
        const int item = base + warp;
        const mc_mv_item it = mc_mv_item_at(a, item, items, slices);
        mc_mv_prefetch_next(a, item, items, slices, stride, row_bytes);
        float acc[2][MT];
        mc_mv_clear(acc);
        if (VEC) {
            /* This slice's steps: slice, slice + slices, ... ; UNROLL of them loaded first. */
            for (int s0 = it.slice; it.active && s0 < steps; s0 += slices * UNROLL) {
                if (base != (int)blockIdx.x * MC_MV_WARPS || s0 != it.slice) { /* not preloaded */
                    load_batch<UNROLL>(raw, it.rows, s0, slices, chunks, lane);
                }
#pragma unroll
                for (int u = 0; u < UNROLL; u++) {
                    const int c = (s0 + u * slices) * 32 + lane;
                    if (c >= chunks) {
                        continue;
                    }
#pragma unroll
                    for (int r = 0; r < MT; r++) {
                        float x[PER_CHUNK];
#pragma unroll
                        for (int v = 0; v < PER_CHUNK / 4; v++) {
                            const float4 xv =
                                reinterpret_cast<const float4 *>(xs + r * a.k + c * PER_CHUNK)[v];
                            x[4 * v] = xv.x;
                            x[4 * v + 1] = xv.y;
                            x[4 * v + 2] = xv.z;
                            x[4 * v + 3] = xv.w;
                        }
#pragma unroll
                        for (int j = 0; j < 2; j++) {
                            float w[PER_CHUNK];
                            D::unpack(raw[u][j], w);
#pragma unroll
                            for (int e = 0; e < PER_CHUNK; e++) {
                                acc[j][r] += w[e] * x[e];
                            }
                        }
                    }
                }
            }
        } else if (it.active) {
            /* Any layout: this slice's elements, lane by lane. */
            for (int i = it.slice * 32 + lane; i < a.k; i += slices * 32) {
#pragma unroll
                for (int j = 0; j < 2; j++) {
                    const float w = it.rows[j] != nullptr ? D::at(it.rows[j], i) : 0.0f;
#pragma unroll
                    for (int r = 0; r < MT; r++) {
                        acc[j][r] += w * xs[r * a.k + i];
                    }
                }
            }
        }
        mc_mv_finish_item<MT>(a, it.pair, it.slice, slices, it.active, acc, reduce);
    }
}

/* Whether every weight row of the launch starts on a 16-byte boundary and is whole chunks. */
bool vectorizable(const mc_mv_args &a, int size) {
    return ((int64_t)a.k * size) % 16 == 0 && mc_mv_rows_aligned16(a);
}

template <int DTYPE, int MT, bool VEC> mc_status launch(mc_cuda *self, const mc_mv_args &a) {
    const size_t smem = mc_cuda_matvec_dense_smem(MT, a.k);
    auto kernel = matvec_dense_kernel<DTYPE, MT, VEC>;
    if (smem > 48 * 1024) {
        MC_CUDA_TRY(
            cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    }
    const int resident = mc_cuda_matvec_resident_blocks(self, (const void *)kernel, smem);
    const int pairs = (a.total_rows + 1) / 2;
    const int steps = VEC ? (a.k / (16 / dense<DTYPE>::SIZE) + 31) / 32 : (a.k + 31) / 32;
    const int slices = mc_mv_slices(pairs, resident * MC_MV_WARPS, steps,
                                    MT == 1 ? MC_MV_UNROLL : 2, self->tunables.mv_slices);
    const int blocks = (pairs * slices + MC_MV_WARPS - 1) / MC_MV_WARPS;
    const dim3 grid(blocks < resident ? blocks : resident);
    return mc_cuda_launch(self, VEC ? "matvec_dense" : "matvec_dense_unaligned", kernel, grid,
                          dim3(MC_MV_THREADS), smem, a, slices);
}

template <int DTYPE, bool VEC> mc_status launch_rows(mc_cuda *self, int mt, const mc_mv_args &a) {
    switch (mt) {
    case 1: return launch<DTYPE, 1, VEC>(self, a);
    case 2: return launch<DTYPE, 2, VEC>(self, a);
    case 4: return launch<DTYPE, 4, VEC>(self, a);
    default: return launch<DTYPE, 8, VEC>(self, a);
    }
}

template <int DTYPE> mc_status launch_dtype(mc_cuda *self, int mt, const mc_mv_args &a) {
    return vectorizable(a, dense<DTYPE>::SIZE) ? launch_rows<DTYPE, true>(self, mt, a)
                                               : launch_rows<DTYPE, false>(self, mt, a);
}

} // namespace

size_t mc_cuda_matvec_dense_smem(int mt, int k) {
    return (size_t)mt * (size_t)k * sizeof(float);
}

mc_status mc_cuda_matvec_dense(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a) {
    switch (dtype) {
    case MC_DTYPE_F32: return launch_dtype<MC_DTYPE_F32>(self, mt, a);
    case MC_DTYPE_F16: return launch_dtype<MC_DTYPE_F16>(self, mt, a);
    case MC_DTYPE_BF16: return launch_dtype<MC_DTYPE_BF16>(self, mt, a);
    default:
        return mc_set_error(MC_ERROR_INTERNAL, "matvec_dense: dtype %d is not a float type",
                            (int)dtype);
    }
}
