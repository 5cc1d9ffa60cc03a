/* device_common.cuh — device-side helpers shared by the kernels: programmatic-dependent-launch
 * controls, 16-bit float conversions, warp and block reductions. */
#ifndef METAL_CORE_CUDA_DEVICE_COMMON_CUH
#define METAL_CORE_CUDA_DEVICE_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "timeline.cuh"

/* Lets the next kernel on the stream start launching (its blocks wait in mc_pdl_wait until this
 * grid has finished and its writes are visible). A no-op where unsupported. */
__device__ __forceinline__ void mc_pdl_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

/* Waits until the previous kernel on the stream has completed and its memory is visible. Every
 * kernel calls it before its first read of data another kernel may have written. */
__device__ __forceinline__ void mc_pdl_wait() {
    mc_timeline_wait(); /* griddepcontrol.wait, timed in timeline builds */
}

__device__ __forceinline__ float mc_f16_to_f32(uint16_t bits) {
    return __half2float(__ushort_as_half(bits));
}

__device__ __forceinline__ float mc_bf16_to_f32(uint16_t bits) {
    return __uint_as_float(uint32_t(bits) << 16);
}

/* Round to nearest, ties to even, like the CPU backend. */
__device__ __forceinline__ uint16_t mc_f32_to_f16(float value) {
    return __half_as_ushort(__float2half_rn(value));
}

__device__ __forceinline__ uint16_t mc_f32_to_bf16(float value) {
    return __bfloat16_as_ushort(__float2bfloat16_rn(value));
}

/* Stores element i of a row of f32, f16 or bf16 (KV caches). */
__device__ __forceinline__ void mc_store_element(uint8_t *row, int dtype, int i, float value) {
    if (dtype == 0 /* MC_DTYPE_F32 */) {
        reinterpret_cast<float *>(row)[i] = value;
    } else if (dtype == 1 /* MC_DTYPE_F16 */) {
        reinterpret_cast<uint16_t *>(row)[i] = mc_f32_to_f16(value);
    } else {
        reinterpret_cast<uint16_t *>(row)[i] = mc_f32_to_bf16(value);
    }
}

__device__ __forceinline__ float mc_warp_sum(float value) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        value += __shfl_xor_sync(0xffffffffu, value, offset);
    }
    return value;
}

__device__ __forceinline__ float mc_warp_max(float value) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
    }
    return value;
}

/* Sum over a block of THREADS threads (a multiple of 32): warp shuffles, then one value per
 * warp through shared memory. Every thread gets the result. `shared` holds THREADS / 32 floats
 * and may be reused after the call returns. */
template <int THREADS> __device__ __forceinline__ float mc_block_sum(float value, float *shared) {
    constexpr int WARPS = THREADS / 32;
    value = mc_warp_sum(value);
    if (WARPS == 1) {
        return value;
    }
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads(); /* earlier users of `shared` are done */
    if (lane == 0) {
        shared[warp] = value;
    }
    __syncthreads();
    float total = lane < WARPS ? shared[lane] : 0.0f;
    return mc_warp_sum(total);
}

#endif /* METAL_CORE_CUDA_DEVICE_COMMON_CUH */
