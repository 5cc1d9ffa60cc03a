// kv_append.metal — writes k and v rows [tokens x kv_dim] (f32) into the caches at row
// seq_ids[t] * seq_capacity + positions[t], converting to the cache type
// (MC_FC_KV_APPEND_TYPE: f32, f16 or bf16). One thread per element. A position or sequence
// outside the cache skips the row and raises MC_STATUS_KV_OUT_OF_RANGE in `status`, which the
// host reads at the next synchronize (a GPU cannot return an error from a kernel).
#include "mc_kernel_common.h"
#include <metal_stdlib>
using namespace metal;

constant int mc_kv_append_type [[function_constant(MC_FC_KV_APPEND_TYPE)]];

static inline void mc_store_cache(device char *row, int i, float v) {
    if (mc_kv_append_type == MC_KT_F16) {
        ((device half *)row)[i] = half(v);
    } else if (mc_kv_append_type == MC_KT_BF16) {
        ((device bfloat *)row)[i] = bfloat(v);
    } else {
        ((device float *)row)[i] = v;
    }
}

kernel void mc_kv_append(constant mc_kv_append_args &args [[buffer(0)]],
                         device const float *k [[buffer(1)]], device const float *v [[buffer(2)]],
                         device char *k_cache [[buffer(3)]], device char *v_cache [[buffer(4)]],
                         device const int *positions [[buffer(5)]],
                         device const int *seq_ids [[buffer(6)]],
                         device atomic_int *status [[buffer(7)]],
                         uint gid [[thread_position_in_grid]]) {
    if (gid >= (uint)(args.tokens * args.kv_dim))
        return;
    int t = (int)(gid / (uint)args.kv_dim), i = (int)(gid % (uint)args.kv_dim);
    int pos = positions[t];
    int seq = args.has_seq_ids ? seq_ids[t] : 0;
    long row = (long)seq * args.seq_capacity + pos;
    if (pos < 0 || pos >= args.seq_capacity || seq < 0 || row >= args.cache_rows) {
        atomic_store_explicit(&status[MC_STATUS_KV_OUT_OF_RANGE], 1, memory_order_relaxed);
        return;
    }
    mc_store_cache(k_cache + row * args.k_cache_stride, i, k[(ulong)t * args.k_stride + i]);
    mc_store_cache(v_cache + row * args.v_cache_stride, i, v[(ulong)t * args.v_stride + i]);
}
