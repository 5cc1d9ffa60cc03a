// attention.metal — decode attention with an online softmax: for query token t and head h,
// softmax(q·kᵀ * scale) · v over cache rows seq * seq_capacity + [0, positions[t]].
// Grid (heads, tokens, blocks); a threadgroup covers `block` keys. Its simdgroups take keys
// round-robin (lanes split head_dim, one simd_sum per score) and keep a running max, sum and
// weighted v; the simdgroups then merge through threadgroup memory.
// Short contexts: one block (MC_FC_ATTENTION_SPLIT false) writes the output directly.
// Long contexts: several blocks write (max, sum, acc[head_dim]) partials that
// mc_attention_reduce merges, so a long cache is read by many threadgroups at once.
// GQA/MQA: query head h reads kv head h / (heads / kv_heads).
#include "mc_kv_cache.h"
#include <metal_stdlib>
using namespace metal;

constant int mc_attention_type [[function_constant(MC_FC_ATTENTION_TYPE)]];
constant bool mc_attention_split [[function_constant(MC_FC_ATTENTION_SPLIT)]];

#define MC_ATT_PER_LANE (MC_ATTENTION_MAX_DIM / 32)

kernel void
mc_attention(constant mc_attention_args &args [[buffer(0)]], device const float *q [[buffer(1)]],
             device const char *k_cache [[buffer(2)]], device const char *v_cache [[buffer(3)]],
             device const int *positions [[buffer(4)]], device const int *seq_ids [[buffer(5)]],
             device float *out [[buffer(6)]], threadgroup float *shared [[threadgroup(0)]],
             uint3 tg [[threadgroup_position_in_grid]], ushort tid [[thread_index_in_threadgroup]],
             ushort threads [[threads_per_threadgroup]], ushort lane [[thread_index_in_simdgroup]],
             ushort simdgroup [[simdgroup_index_in_threadgroup]],
             ushort simdgroups [[simdgroups_per_threadgroup]]) {
    int head = (int)tg.x, t = (int)tg.y, block = (int)tg.z, hd = args.head_dim;
    int seq = args.has_seq_ids ? seq_ids[t] : 0;
    int keys = clamp(positions[t] + 1, 0, args.seq_capacity);
    int start = block * args.block, end = min(start + args.block, keys);
    // Partials: (max, sum, acc[hd]) per (token, head, block).
    device float *partial = out + ((ulong)(t * args.heads + head) * args.blocks + block) * (hd + 2);
    if (start >= end) { // uniform: the whole threadgroup leaves
        if (mc_attention_split && tid == 0) {
            partial[0] = MC_SOFTMAX_FLOOR;
            partial[1] = 0.0f;
        }
        if (!mc_attention_split) {
            for (int d = tid; d < hd; d += threads)
                out[(ulong)t * args.out_stride + head * hd + d] = 0.0f;
        }
        return;
    }
    int kv_head = head / (args.heads / args.kv_heads);
    ulong kv_offset = (ulong)kv_head * hd * mc_cache_element_size(mc_attention_type);
    ulong row0 = (ulong)seq * args.seq_capacity;
    device const float *qh = q + (ulong)t * args.q_stride + head * hd;

    float qv[MC_ATT_PER_LANE], acc[MC_ATT_PER_LANE];
    for (short j = 0; j < MC_ATT_PER_LANE; ++j) {
        int d = lane + 32 * j;
        qv[j] = d < hd ? qh[d] * args.scale : 0.0f;
        acc[j] = 0.0f;
    }
    float m = MC_SOFTMAX_FLOOR, l = 0.0f;
    for (int key = start + simdgroup; key < end; key += simdgroups) {
        device const char *krow = k_cache + (row0 + key) * args.k_cache_stride + kv_offset;
        device const char *vrow = v_cache + (row0 + key) * args.v_cache_stride + kv_offset;
        float s = 0.0f;
        for (short j = 0; j < MC_ATT_PER_LANE; ++j) {
            int d = lane + 32 * j;
            if (d < hd)
                s += qv[j] * mc_cache_load(krow, d, mc_attention_type);
        }
        s = simd_sum(s);
        float m_new = max(m, s);
        float correction = exp(m - m_new), p = exp(s - m_new);
        l = l * correction + p;
        for (short j = 0; j < MC_ATT_PER_LANE; ++j) {
            int d = lane + 32 * j;
            if (d < hd)
                acc[j] = acc[j] * correction + p * mc_cache_load(vrow, d, mc_attention_type);
        }
        m = m_new;
    }

    // Merge the simdgroups: shared = max[32], sum[32], acc[simdgroups][hd].
    threadgroup float *s_max = shared, *s_sum = shared + 32, *s_acc = shared + 64;
    if (lane == 0) {
        s_max[simdgroup] = m;
        s_sum[simdgroup] = l;
    }
    for (short j = 0; j < MC_ATT_PER_LANE; ++j) {
        int d = lane + 32 * j;
        if (d < hd)
            s_acc[simdgroup * hd + d] = acc[j];
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float big = MC_SOFTMAX_FLOOR, total = 0.0f;
    for (short g = 0; g < simdgroups; ++g)
        big = max(big, s_max[g]);
    for (short g = 0; g < simdgroups; ++g)
        total += s_sum[g] * exp(s_max[g] - big);
    for (int d = tid; d < hd; d += threads) {
        float a = 0.0f;
        for (short g = 0; g < simdgroups; ++g)
            a += s_acc[g * hd + d] * exp(s_max[g] - big);
        if (mc_attention_split) {
            partial[2 + d] = a;
        } else {
            out[(ulong)t * args.out_stride + head * hd + d] = a / total;
        }
    }
    if (mc_attention_split && tid == 0) {
        partial[0] = big;
        partial[1] = total;
    }
}
