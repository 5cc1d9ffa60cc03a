/* matvec_dense.cu — matvec for float weights (F32, F16, BF16) with f32 activations.
 *
 * The activation rows (RMS-normalized when fused) are staged once per block in shared memory.
 * Where every weight row starts on a 16-byte boundary and is a whole number of 16-byte chunks,
 * each lane reads 16 bytes per step (8 half or bfloat values, 4 floats) and a warp reads 512
 * consecutive bytes of a row; a group of 8 rows is split along K among a block's warps, each
 * loading two steps of every row (8 KB per warp) before using any. The grid is what runs at
 * once and loops over the groups, prefetching the next group's rows into L2. Other layouts take the
 * element-by-element loop (same results, slower). */
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

template <int DTYPE, int MT, bool VEC>
__global__ __launch_bounds__(MC_MV_THREADS, 2) void matvec_dense_kernel(mc_mv_args a) {
    using D = dense<DTYPE>;
    constexpr int ROWS = mc_mv_shape<MT>::ROWS;
    constexpr int PER_CHUNK = 16 / D::SIZE; /* values in 16 bytes */
    constexpr int UNROLL = 2;
    extern __shared__ __align__(16) uint8_t smem[];
    __shared__ float reduce[MC_MV_WARPS * ROWS * MT];
    float *xs = reinterpret_cast<float *>(smem);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int groups = (a.total_rows + ROWS - 1) / ROWS;

    mc_pdl_launch_dependents();
    if (lane == 0 && warp < ROWS) { /* the first group's rows, while the previous kernel drains */
        const uint8_t *row = mc_mv_row(a, blockIdx.x * ROWS + warp);
        if (row != nullptr) {
            mc_prefetch_l2(row, (uint32_t)a.k * D::SIZE);
        }
    }
    mc_pdl_wait();

    const int rounds = (a.k + 4 * MC_MV_THREADS - 1) / (4 * MC_MV_THREADS);
    for (int r = 0; r < MT && r < a.m; r++) {
        const float scale = mc_mv_row_scale(a, r, reduce);
        for (int i0 = 0; i0 < rounds; i0 += 4) {
            float4 v[4];
            mc_mv_load_chunks(a, r, i0, scale, v);
#pragma unroll
            for (int i = 0; i < 4; i++) {
                mc_mv_store4(xs + r * a.k, threadIdx.x + MC_MV_THREADS * (i0 + i), a.k,
                             VEC && a.x_vec, v[i]);
            }
        }
    }
    __syncthreads();

    const int chunks = a.k / PER_CHUNK;
    const int steps = (chunks + 31) / 32; /* a step: 32 chunks of 16 bytes of every row */
    for (int group = blockIdx.x; group < groups; group += gridDim.x) {
        const int first = group * ROWS;
        const uint8_t *rows[ROWS];
#pragma unroll
        for (int j = 0; j < ROWS; j++) {
            rows[j] = mc_mv_row(a, first + j);
        }
        if (lane == 0 && warp < ROWS) { /* the next group's rows */
            const uint8_t *next = mc_mv_row(a, (group + gridDim.x) * ROWS + warp);
            if (next != nullptr) {
                mc_prefetch_l2(next, (uint32_t)a.k * D::SIZE);
            }
        }
        float acc[ROWS][MT];
#pragma unroll
        for (int j = 0; j < ROWS; j++) {
#pragma unroll
            for (int r = 0; r < MT; r++) {
                acc[j][r] = 0.0f;
            }
        }
        if (VEC) {
            /* Warp w takes steps w, w + 8, ...; two of them loaded before either is used. */
            for (int s0 = warp; s0 < steps; s0 += MC_MV_WARPS * UNROLL) {
                uint4 raw[UNROLL][ROWS];
#pragma unroll
                for (int u = 0; u < UNROLL; u++) {
                    const int c = (s0 + u * MC_MV_WARPS) * 32 + lane;
#pragma unroll
                    for (int j = 0; j < ROWS; j++) {
                        raw[u][j] = c < chunks && rows[j] != nullptr
                                        ? __ldg(reinterpret_cast<const uint4 *>(rows[j]) + c)
                                        : make_uint4(0, 0, 0, 0);
                    }
                }
#pragma unroll
                for (int u = 0; u < UNROLL; u++) {
                    const int c = (s0 + u * MC_MV_WARPS) * 32 + lane;
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
                        for (int j = 0; j < ROWS; j++) {
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
        } else {
            for (int i = threadIdx.x; i < a.k; i += MC_MV_THREADS) {
#pragma unroll
                for (int j = 0; j < ROWS; j++) {
                    const float w = rows[j] != nullptr ? D::at(rows[j], i) : 0.0f;
#pragma unroll
                    for (int r = 0; r < MT; r++) {
                        acc[j][r] += w * xs[r * a.k + i];
                    }
                }
            }
        }
        mc_mv_finish<MT, ROWS>(a, first, acc, reduce);
        __syncthreads(); /* `reduce` is read before the next group writes it */
    }
}

/* Whether every weight row of the launch starts on a 16-byte boundary and is whole chunks. */
bool vectorizable(const mc_mv_args &a, int size) {
    if (((int64_t)a.k * size) % 16 != 0) {
        return false;
    }
    for (int i = 0; i < a.segments; i++) {
        if (reinterpret_cast<uintptr_t>(a.seg[i].w) % 16 != 0 || a.seg[i].w_stride % 16 != 0) {
            return false;
        }
    }
    return true;
}

template <int DTYPE, int MT, bool VEC> mc_status launch(mc_cuda *self, const mc_mv_args &a) {
    const size_t smem = mc_cuda_matvec_dense_smem(MT, a.k);
    auto kernel = matvec_dense_kernel<DTYPE, MT, VEC>;
    if (smem > 48 * 1024) {
        MC_CUDA_TRY(
            cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    }
    constexpr int ROWS = mc_mv_shape<MT>::ROWS;
    const int groups = (a.total_rows + ROWS - 1) / ROWS;
    const int resident = mc_cuda_matvec_resident_blocks(self, (const void *)kernel, smem);
    const dim3 grid(groups < resident ? groups : resident);
    return mc_cuda_launch(self, VEC ? "matvec_dense" : "matvec_dense_unaligned", kernel, grid,
                          dim3(MC_MV_THREADS), smem, a);
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
