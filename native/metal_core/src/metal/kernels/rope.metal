// rope.metal — rotary position embedding in place on x [tokens x heads*head_dim]. One thread
// per rotated pair, flattened over (token, head, pair): pair i of a head rotates by
// pos * base^(-2i/rope_dims) / freq_factors[i]. NeoX pairs (i, i + rope_dims/2), normal pairs
// (2i, 2i+1); dimensions past rope_dims are left alone.
#include "mc_kernel_common.h"
#include <metal_stdlib>
using namespace metal;

kernel void mc_rope(constant mc_rope_args &args [[buffer(0)]], device float *x [[buffer(1)]],
                    device const int *positions [[buffer(2)]],
                    device const float *freq_factors [[buffer(3)]],
                    uint gid [[thread_position_in_grid]]) {
    int half_dims = args.rope_dims / 2;
    uint total = (uint)(args.tokens * args.heads * half_dims);
    if (gid >= total)
        return;
    int i = (int)(gid % (uint)half_dims);
    int head = (int)(gid / (uint)half_dims) % args.heads;
    int token = (int)(gid / (uint)(half_dims * args.heads));

    float inv_freq = precise::pow(args.base, -2.0f * float(i) / float(args.rope_dims));
    if (args.has_freq_factors)
        inv_freq /= freq_factors[i];
    float angle = float(positions[token]) * inv_freq;
    float c = precise::cos(angle), s = precise::sin(angle);

    device float *h = x + (ulong)token * args.x_stride + head * args.head_dim;
    int a = args.neox ? i : 2 * i;
    int b = args.neox ? i + half_dims : 2 * i + 1;
    float x0 = h[a], x1 = h[b];
    h[a] = x0 * c - x1 * s;
    h[b] = x0 * s + x1 * c;
}
