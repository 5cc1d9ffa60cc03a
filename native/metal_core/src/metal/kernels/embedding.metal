// embedding.metal — out[r, :] = table[tokens[r], :] as f32, one thread per element. Table
// types: f32, f16, bf16, q8_0, q4_0 (MC_FC_EMBEDDING_TYPE). A token outside the table gives a
// zero row and raises MC_STATUS_TOKEN_OUT_OF_RANGE, which the host logs as a warning.
#include "mc_kernel_common.h"
#include <metal_stdlib>
using namespace metal;

constant int mc_embedding_type [[function_constant(MC_FC_EMBEDDING_TYPE)]];

kernel void mc_embedding(constant mc_embedding_args &args [[buffer(0)]],
                         device const char *table [[buffer(1)]],
                         device const char *tokens [[buffer(2)]], device float *out [[buffer(3)]],
                         device atomic_int *status [[buffer(4)]],
                         uint gid [[thread_position_in_grid]]) {
    // Threads take 8-element chunks so a quantized block is read by whole chunks.
    int chunks = (args.cols + 7) / 8;
    if (gid >= (uint)(args.rows * chunks))
        return;
    int r = (int)(gid / (uint)chunks), c = (int)(gid % (uint)chunks);
    int token = *(device const int *)(tokens + (ulong)r * args.token_stride);
    float v[8];
    if (token < 0 || token >= args.vocab) {
        if (c == 0)
            atomic_store_explicit(&status[MC_STATUS_TOKEN_OUT_OF_RANGE], 1, memory_order_relaxed);
        for (short i = 0; i < 8; ++i)
            v[i] = 0.0f;
    } else {
        mc_dequant8(table + (ulong)token * args.table_stride, c, args.cols, mc_embedding_type, v);
    }
    device float *o = out + (ulong)r * args.out_stride;
    for (short i = 0; i < 8 && c * 8 + i < args.cols; ++i)
        o[c * 8 + i] = v[i];
}
