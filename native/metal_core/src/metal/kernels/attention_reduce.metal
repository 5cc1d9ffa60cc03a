// attention_reduce.metal — merges the per-block partials (max, sum, acc[head_dim]) of a split
// mc_attention into out [tokens x heads*head_dim]. Grid (heads, tokens); threads over head_dim.
#include "mc_kv_cache.h"
#include <metal_stdlib>
using namespace metal;

kernel void mc_attention_reduce(constant mc_attention_args &args [[buffer(0)]],
                                device const float *partials [[buffer(1)]],
                                device float *out [[buffer(2)]],
                                uint2 tg [[threadgroup_position_in_grid]],
                                ushort tid [[thread_index_in_threadgroup]],
                                ushort threads [[threads_per_threadgroup]]) {
    int head = (int)tg.x, t = (int)tg.y, hd = args.head_dim;
    device const float *p = partials + (ulong)(t * args.heads + head) * args.blocks * (hd + 2);
    float big = MC_SOFTMAX_FLOOR;
    for (int b = 0; b < args.blocks; ++b)
        big = max(big, p[b * (hd + 2)]);
    float total = 0.0f;
    for (int b = 0; b < args.blocks; ++b) {
        device const float *pb = p + b * (hd + 2);
        if (pb[1] > 0.0f)
            total += pb[1] * exp(pb[0] - big);
    }
    for (int d = tid; d < hd; d += threads) {
        float a = 0.0f;
        for (int b = 0; b < args.blocks; ++b) {
            device const float *pb = p + b * (hd + 2);
            if (pb[1] > 0.0f)
                a += pb[2 + d] * exp(pb[0] - big);
        }
        out[(ulong)t * args.out_stride + head * hd + d] = total > 0.0f ? a / total : 0.0f;
    }
}
