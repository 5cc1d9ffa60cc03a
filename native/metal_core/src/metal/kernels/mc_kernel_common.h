// mc_kernel_common.h — MSL helpers shared by the kernels: ggml block layouts, dequantising
// eight weights at a time, and threadgroup-wide reductions.
#ifndef MC_KERNEL_COMMON_H
#define MC_KERNEL_COMMON_H

#include <metal_stdlib>

#include "mc_kernel_args.h"

using namespace metal;

// ggml's blocks of 32 weights (GGUF): an f16 scale, then the quants.
struct mc_block_q8_0 {
    half d;
    char qs[32]; // value = d * qs[i]
};
struct mc_block_q4_0 {
    half d;
    uchar qs[16]; // element i < 16: low nibble of qs[i]; i >= 16: high nibble of qs[i - 16];
                  // value = d * (nibble - 8)
};

// Weights [8c, 8c + 8) of a row of `k` elements of `type`, as floats. Quantized rows hold whole
// blocks (k % 32 == 0), so only plain types can have a partial last chunk, read as zeros.
static inline void mc_dequant8(device const char *row, int c, int k, int type, thread float *w) {
    if (type == MC_KT_Q8_0) {
        device const mc_block_q8_0 *b = (device const mc_block_q8_0 *)row + (c >> 2);
        float d = float(b->d);
        device const char *q = b->qs + (c & 3) * 8;
        for (short i = 0; i < 8; ++i)
            w[i] = d * float(q[i]);
    } else if (type == MC_KT_Q4_0) {
        device const mc_block_q4_0 *b = (device const mc_block_q4_0 *)row + (c >> 2);
        float d = float(b->d);
        device const uchar *q = b->qs + (c & 1) * 8;
        short shift = (c & 2) * 2; // chunks 2 and 3 of a block are the high nibbles
        for (short i = 0; i < 8; ++i)
            w[i] = d * (float((q[i] >> shift) & 0xF) - 8.0f);
    } else {
        int e0 = c * 8;
        for (short i = 0; i < 8; ++i) {
            int e = e0 + i;
            if (e >= k) {
                w[i] = 0.0f;
            } else if (type == MC_KT_F16) {
                w[i] = float(((device const half *)row)[e]);
            } else if (type == MC_KT_BF16) {
                w[i] = float(((device const bfloat *)row)[e]);
            } else {
                w[i] = ((device const float *)row)[e];
            }
        }
    }
}

// x[8c, 8c + 8) of an f32 row of k elements, zeros past the end.
static inline void mc_load8(device const float *x, int c, int k, thread float *v) {
    int e0 = c * 8;
    for (short i = 0; i < 8; ++i)
        v[i] = e0 + i < k ? x[e0 + i] : 0.0f;
}

// The sum of `v` over the whole threadgroup, returned to every thread. `scratch` holds one
// float per simdgroup. A single simd_sum would only cover 32 threads: that is the silent 50%
// loss of seed 002, so every simdgroup's partial goes through threadgroup memory.
static inline float mc_threadgroup_sum(float v, threadgroup float *scratch, ushort lane,
                                       ushort simdgroup, ushort simdgroups) {
    v = simd_sum(v);
    if (lane == 0)
        scratch[simdgroup] = v;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    return simd_sum(lane < simdgroups ? scratch[lane] : 0.0f);
}

#endif // MC_KERNEL_COMMON_H
