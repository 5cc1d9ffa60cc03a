/* argmax.cu — out[r] = the smallest index of the maximum of x[r] (greedy decoding reads back only
 * these 4 bytes). A row is cut into slices of 4096 values, one block each (a row of 150k logits
 * keeps ~40 multiprocessors busy instead of one); each block reduces its slice (warp shuffles,
 * then across warps) and writes (value, index); the last block of the row, counted with an atomic
 * it resets, combines the slices in index order. Comparisons are the CPU backend's: a value
 * replaces the best only when strictly greater, so NaN never wins and ties keep the smaller
 * index; a row of only NaN and -inf gives 0. */
#include "cuda_internal.h"
#include "device_common.cuh"

#include <cmath>

namespace {

constexpr int kThreads = 256;
constexpr int kSlice = 4096;

/* Whether (v, i) beats (best, best_index): strictly greater, or equal with a smaller index
 * (between two candidates from different threads). */
__device__ __forceinline__ bool better(float v, int i, float best, int best_index) {
    return v > best || (v == best && i < best_index);
}

__device__ __forceinline__ void warp_best(float &value, int &index) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float v = __shfl_xor_sync(0xffffffffu, value, offset);
        const int i = __shfl_xor_sync(0xffffffffu, index, offset);
        if (better(v, i, value, index)) {
            value = v;
            index = i;
        }
    }
}

/* Block-wide best; thread 0 gets the result. */
__device__ __forceinline__ void block_best(float &value, int &index) {
    __shared__ float values[kThreads / 32];
    __shared__ int indices[kThreads / 32];
    warp_best(value, index);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();
    if (lane == 0) {
        values[warp] = value;
        indices[warp] = index;
    }
    __syncthreads();
    if (warp == 0) {
        value = lane < kThreads / 32 ? values[lane] : -INFINITY;
        index = lane < kThreads / 32 ? indices[lane] : 0x7fffffff;
        warp_best(value, index);
    }
}

struct argmax_args {
    const float *x;
    int64_t x_stride;
    int n, slices, slice_length;
    int32_t *out;
    int64_t out_stride;
    float *partial_values;
    int32_t *partial_indices;
    int32_t *counters;
};

__global__ __launch_bounds__(kThreads) void argmax_kernel(argmax_args a) {
    MC_TIMELINE_KERNEL(MC_TL_ARGMAX, 0);
    __shared__ int s_last;
    mc_pdl_launch_dependents();
    mc_pdl_wait();
    const int row = blockIdx.y, slice = blockIdx.x;
    const float *x = a.x + row * a.x_stride;
    const int begin = slice * a.slice_length, end = min(a.n, begin + a.slice_length);
    /* Empty candidates (-inf, "no index") lose to any real value; a slice of only NaN and -inf
     * reports its first index with -inf. */
    float value = -INFINITY;
    int index = 0x7fffffff;
    for (int i = begin + threadIdx.x; i < end; i += kThreads) {
        const float v = x[i];
        if (v > value) {
            value = v;
            index = i;
        }
    }
    block_best(value, index);
    if (threadIdx.x == 0 && index == 0x7fffffff) {
        index = begin; /* nothing beat -inf */
    }
    if (a.slices == 1) {
        if (threadIdx.x == 0) {
            a.out[row * a.out_stride] = index;
        }
        return;
    }
    if (threadIdx.x == 0) {
        a.partial_values[(int64_t)row * a.slices + slice] = value;
        a.partial_indices[(int64_t)row * a.slices + slice] = index;
        __threadfence();
        s_last = atomicAdd(a.counters + row, 1) == a.slices - 1;
    }
    __syncthreads();
    if (!s_last) {
        return;
    }
    __threadfence();
    /* Slices in index order: a later one wins only when strictly greater; all -inf/NaN: 0. */
    value = -INFINITY;
    index = 0x7fffffff;
    for (int s = threadIdx.x; s < a.slices; s += kThreads) {
        const float v = __ldcg(a.partial_values + (int64_t)row * a.slices + s);
        const int i = __ldcg(a.partial_indices + (int64_t)row * a.slices + s);
        if (v > value) {
            value = v;
            index = i;
        }
    }
    block_best(value, index);
    if (threadIdx.x == 0) {
        a.out[row * a.out_stride] = index == 0x7fffffff || value == -INFINITY ? 0 : index;
        a.counters[row] = 0;
    }
}

int slices_of(const mc_op_desc *op) {
    return (op->t[0].cols + kSlice - 1) / kSlice;
}

} // namespace

size_t mc_cuda_argmax_scratch(const mc_cuda *self, const mc_op_desc *op) {
    const int slices = slices_of(op);
    return slices > 1 ? (size_t)op->t[0].rows * (size_t)slices * 8 : 0;
}

mc_status mc_cuda_op_argmax(mc_cuda *self, const mc_op_desc *op) {
    argmax_args a = {};
    a.x = reinterpret_cast<const float *>(mc_cuda_ptr(&op->t[0]));
    a.x_stride = (int64_t)(op->t[0].row_stride / 4);
    a.n = op->t[0].cols;
    a.out = reinterpret_cast<int32_t *>(mc_cuda_ptr(&op->t[1]));
    a.out_stride = (int64_t)(op->t[1].row_stride / 4);
    a.slices = slices_of(op);
    const int rows = op->t[0].rows;
    if (a.slices > 1 && rows > MC_CUDA_COUNTERS) {
        a.slices = 1; /* more rows than counters: a block per row */
    }
    a.slice_length = a.slices == 1 ? a.n : kSlice;
    if (a.slices > 1) {
        void *memory = nullptr;
        MC_TRY(mc_cuda_scratch(self, mc_cuda_argmax_scratch(self, op), &memory));
        a.partial_values = static_cast<float *>(memory);
        a.partial_indices = reinterpret_cast<int32_t *>(a.partial_values + (size_t)rows * a.slices);
        /* The second half of the counters: attention uses the first (ops run one after another,
         * but keeping them apart costs nothing). */
        a.counters = self->counters + MC_CUDA_COUNTERS;
    }
    const dim3 grid(a.slices, rows);
    return mc_cuda_launch(self, "argmax", argmax_kernel, grid, dim3(kThreads), 0, a);
}
