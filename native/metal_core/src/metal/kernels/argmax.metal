// argmax.metal — out[r] = the smallest index of the maximum of x[r, :] (NaNs never win; a row
// of only NaNs gives 0). One threadgroup per row, 1024 threads by default (tunable
// argmax.threads): seed 002's one-simdgroup argmax was the slowest kernel of a decode step.
// Each thread scans a strided slice, then simdgroups and the threadgroup reduce (value, index).
#include "mc_kernel_common.h"
#include <metal_stdlib>
using namespace metal;

// The best (value, index) over a simdgroup: the largest value, the smallest index among ties.
static inline void mc_simd_best(thread float &value, thread int &index) {
    float best = simd_max(value);
    index = simd_min(value == best ? index : INT_MAX);
    value = best;
}

kernel void
mc_argmax(constant mc_argmax_args &args [[buffer(0)]], device const float *x [[buffer(1)]],
          device int *out [[buffer(2)]], threadgroup float *scratch [[threadgroup(0)]],
          uint row [[threadgroup_position_in_grid]], ushort tid [[thread_index_in_threadgroup]],
          ushort threads [[threads_per_threadgroup]], ushort lane [[thread_index_in_simdgroup]],
          ushort simdgroup [[simdgroup_index_in_threadgroup]],
          ushort simdgroups [[simdgroups_per_threadgroup]]) {
    device const float *xr = x + (ulong)row * args.x_stride;
    float value = -INFINITY;
    int index = INT_MAX;
    for (int i = tid; i < args.cols; i += threads) {
        float v = xr[i];
        // Indices rise along the slice, so a later equal value never replaces the first.
        if (v > value || (index == INT_MAX && v == value)) {
            value = v;
            index = i;
        }
    }
    mc_simd_best(value, index);
    // scratch: 32 values, then 32 indices (as int bits).
    threadgroup int *indices = (threadgroup int *)(scratch + 32);
    if (lane == 0) {
        scratch[simdgroup] = value;
        indices[simdgroup] = index;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (simdgroup == 0) {
        value = lane < simdgroups ? scratch[lane] : -INFINITY;
        index = lane < simdgroups ? indices[lane] : INT_MAX;
        mc_simd_best(value, index);
        if (lane == 0)
            out[(ulong)row * args.out_stride] = index == INT_MAX ? 0 : index;
    }
}
