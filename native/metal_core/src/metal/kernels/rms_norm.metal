// rms_norm.metal — out[r, :] = x[r, :] / sqrt(mean(x[r, :]²) + eps) * weight.
// One threadgroup per row; all its threads stride over the row and meet in a threadgroup-wide
// sum (seed 002: a one-simdgroup reduction ran this op 7.7x slower). The host picks the
// threadgroup size (tunable rms_norm.threads, default 512, capped at the row length).
#include "mc_kernel_common.h"
#include <metal_stdlib>
using namespace metal;

kernel void
mc_rms_norm(constant mc_rms_norm_args &args [[buffer(0)]], device const float *x [[buffer(1)]],
            device const float *weight [[buffer(2)]], device float *out [[buffer(3)]],
            threadgroup float *scratch [[threadgroup(0)]],
            uint row [[threadgroup_position_in_grid]], ushort tid [[thread_index_in_threadgroup]],
            ushort threads [[threads_per_threadgroup]], ushort lane [[thread_index_in_simdgroup]],
            ushort simdgroup [[simdgroup_index_in_threadgroup]],
            ushort simdgroups [[simdgroups_per_threadgroup]]) {
    device const float *xr = x + (ulong)row * args.x_stride;
    device float *yr = out + (ulong)row * args.out_stride;
    float sum = 0.0f;
    for (int i = tid; i < args.cols; i += threads) {
        float v = xr[i];
        sum += v * v;
    }
    sum = mc_threadgroup_sum(sum, scratch, lane, simdgroup, simdgroups);
    float scale = rsqrt(sum / float(args.cols) + args.eps);
    // x and out may alias: each element is read and written by the same thread.
    for (int i = tid; i < args.cols; i += threads) {
        yr[i] = xr[i] * scale * weight[i];
    }
}
